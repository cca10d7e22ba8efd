"""Our HTTP/1.1 transport against endpoints that misbehave on the wire.

Every test talks over a real loopback socket: a few lines of asyncio play the
endpoint and write exactly the bytes under test (split where the test says),
and the client is either the transport under an ``httpx2.AsyncClient`` or the
whole stack (``stream_chat`` → the openai client → the transport). Nothing is
patched. Timeouts are hang guards only.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import itertools
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from llm_helpers import collect
from rawhttp import raw_server, status_server

from superdialog.errors import LLMConnectionError, LLMError, LLMStatusError
from superdialog.llm import Finished, LLMConfig, TextDelta, aclose_clients
from superdialog.llm.transport import MAX_ERROR_BODY_BYTES, MAX_HEAD_BYTES, LeanTransport

_GUARD_S = 10.0

_SSE = (
    b'data: {"id":"c","object":"chat.completion.chunk","created":0,"model":"m",'
    b'"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}\n\n'
    b"data: [DONE]\n\n"
)


@dataclass
class Endpoint:
    """A scripted endpoint: ``respond`` writes each response; connections are counted."""

    respond: Callable[[int, asyncio.StreamWriter], Awaitable[bool]]
    """Gets the request number (from 0); returns whether to keep the connection."""
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    reader: asyncio.StreamReader | None = None

    async def until_dropped(self) -> None:
        """Read the current connection until the client drops it (EOF or reset)."""
        assert self.reader is not None
        with contextlib.suppress(ConnectionError):
            while await self.reader.read(65536):
                pass

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.reader = reader
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
                self.requests.append(head)
                if not await self.respond(len(self.requests) - 1, writer):
                    return
        finally:
            # Read until the client goes: a dropped connection is what the test may wait for.
            with contextlib.suppress(Exception):
                writer.close()
                await writer.wait_closed()
            self.closed.set()


@asynccontextmanager
async def serving(endpoint: Endpoint) -> AsyncIterator[str]:
    server = await asyncio.start_server(endpoint, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        await server.wait_closed()


def chunked(body: bytes, sizes: list[int]) -> bytes:
    """``body`` as a chunked body, in chunks of ``sizes`` (cycled; the rest in one)."""
    out, pos, i = [], 0, 0
    while pos < len(body):
        size = max(1, sizes[i % len(sizes)]) if sizes else len(body)
        out.append(b"%X\r\n%s\r\n" % (len(body[pos : pos + size]), body[pos : pos + size]))
        pos += size
        i += 1
    out.append(b"0\r\n\r\n")
    return b"".join(out)


def writes_of(data: bytes, cuts: list[int]) -> list[bytes]:
    """``data`` split at the positions ``cuts`` (as the socket may deliver it)."""
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points) if b > a]


def ok_chunked(body: bytes, sizes: list[int], cuts: list[int]) -> Callable[..., Awaitable[bool]]:
    async def respond(_: int, writer: asyncio.StreamWriter) -> bool:
        wire = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(body, sizes)
        for piece in writes_of(wire, cuts):
            writer.write(piece)
            await writer.drain()
        return True

    return respond


def fixed(*responses: bytes, keep: bool = True) -> Callable[..., Awaitable[bool]]:
    """Answer request ``i`` with ``responses[i]`` (the last one repeated)."""

    async def respond(i: int, writer: asyncio.StreamWriter) -> bool:
        writer.write(responses[min(i, len(responses) - 1)])
        await writer.drain()
        return keep

    return respond


async def fetch(client: httpx2.AsyncClient, url: str) -> bytes:
    async with client.stream("POST", url + "/x", content=b"{}") as response:
        return b"".join([part async for part in response.aiter_raw()])


@asynccontextmanager
async def lean_client() -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(transport=LeanTransport()) as client:
        yield client


# --------------------------------------------------------------------------- framing


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.binary(min_size=0, max_size=3000),
    sizes=st.lists(st.integers(1, 700), max_size=6),
    cuts=st.lists(st.integers(0, 5000), max_size=12),
)
def test_a_chunked_body_split_anywhere_reads_whole_and_keeps_the_connection(
    body: bytes, sizes: list[int], cuts: list[int]
) -> None:
    async def run() -> None:
        endpoint = Endpoint(ok_chunked(body, sizes, cuts))
        async with serving(endpoint) as url, lean_client() as client:
            for _ in range(2):
                assert await asyncio.wait_for(fetch(client, url), _GUARD_S) == body
        assert endpoint.connections == 1  # the second request reused the first connection

    asyncio.run(run())


@settings(max_examples=25, deadline=None)
@given(body=st.binary(max_size=2000), cuts=st.lists(st.integers(0, 3000), max_size=8))
def test_a_content_length_body_split_anywhere_reads_whole(body: bytes, cuts: list[int]) -> None:
    async def respond(_: int, writer: asyncio.StreamWriter) -> bool:
        wire = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        for piece in writes_of(wire, cuts):
            writer.write(piece)
            await writer.drain()
        return True

    async def run() -> None:
        endpoint = Endpoint(respond)
        async with serving(endpoint) as url, lean_client() as client:
            for _ in range(2):
                assert await asyncio.wait_for(fetch(client, url), _GUARD_S) == body
        assert endpoint.connections == 1

    asyncio.run(run())


async def test_a_body_up_to_the_close_is_read_and_the_connection_not_reused() -> None:
    endpoint = Endpoint(fixed(b"HTTP/1.1 200 OK\r\n\r\nuntil the end", keep=False))
    async with serving(endpoint) as url, lean_client() as client:
        for _ in range(2):
            assert await asyncio.wait_for(fetch(client, url), _GUARD_S) == b"until the end"
    assert endpoint.connections == 2


async def test_connection_close_and_http_1_0_are_not_reused() -> None:
    endpoint = Endpoint(
        fixed(
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
            b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
            keep=False,
        )
    )
    async with serving(endpoint) as url, lean_client() as client:
        for _ in range(3):
            assert await asyncio.wait_for(fetch(client, url), _GUARD_S) == b"ok"
    assert endpoint.connections == 3


async def test_informational_responses_are_skipped_and_204_has_no_body() -> None:
    endpoint = Endpoint(
        fixed(
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
            b"HTTP/1.1 204 No Content\r\n\r\n",
        )
    )
    async with serving(endpoint) as url, lean_client() as client:
        assert await asyncio.wait_for(fetch(client, url), _GUARD_S) == b"ok"
        assert await asyncio.wait_for(fetch(client, url), _GUARD_S) == b""
        assert await asyncio.wait_for(fetch(client, url), _GUARD_S) == b""
    assert endpoint.connections == 1


# --------------------------------------------------------------------------- malformed


@pytest.mark.parametrize(
    "wire",
    [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nab\r\n0\r\n\r\n",  # bad size
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXX0\r\n\r\n",  # no CRLF
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"1" * 5000,  # endless size
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx",  # not chunked
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
        b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n folded: value\r\n\r\n",
        b"HTTP/2 200 OK\r\n\r\n",
        b"SSH-2.0-OpenSSH\r\n\r\n",
        b"HTTP/1.1 101 Switching Protocols\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX: " + b"a" * (MAX_HEAD_BYTES + 10) + b"\r\n\r\n",  # huge head
        b"HTTP/1.1 200 OK\r\nX: " + b"a" * (MAX_HEAD_BYTES + 10),  # huge and unterminated
    ],
)
async def test_a_malformed_response_is_a_protocol_error_and_the_connection_is_dropped(
    wire: bytes,
) -> None:
    good = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    endpoint = Endpoint(fixed(wire, good))
    async with serving(endpoint) as url, lean_client() as client:
        with pytest.raises(httpx2.RemoteProtocolError):
            await asyncio.wait_for(fetch(client, url), _GUARD_S)
        # The next request works, on a new connection.
        assert await asyncio.wait_for(fetch(client, url), _GUARD_S) == b"ok"
    assert endpoint.connections == 2


@pytest.mark.parametrize(
    "wire",
    [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",  # cut in a chunk
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n",  # no last chunk
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",  # short
        b"HTTP/1.1 200 OK\r\nContent-Le",  # cut in the head
        b"",  # closed without a word
    ],
)
async def test_a_truncated_response_is_an_error_and_the_next_request_works(wire: bytes) -> None:
    good = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

    async def respond(i: int, writer: asyncio.StreamWriter) -> bool:
        writer.write(wire if i == 0 else good)
        await writer.drain()
        return i > 0  # the first response is cut by closing the connection

    endpoint = Endpoint(respond)
    async with serving(endpoint) as url, lean_client() as client:
        with pytest.raises(httpx2.TransportError):
            await asyncio.wait_for(fetch(client, url), _GUARD_S)
        assert await asyncio.wait_for(fetch(client, url), _GUARD_S) == b"ok"
    assert endpoint.connections == 2


async def test_bytes_after_a_complete_response_drop_the_connection() -> None:
    endpoint = Endpoint(fixed(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokSURPRISE"))
    async with serving(endpoint) as url, lean_client() as client:
        for _ in range(2):
            assert await asyncio.wait_for(fetch(client, url), _GUARD_S) == b"ok"
    assert endpoint.connections == 2


async def test_a_header_with_cr_or_lf_is_refused_before_sending() -> None:
    endpoint = Endpoint(fixed(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
    async with serving(endpoint) as url, lean_client() as client:
        with pytest.raises(httpx2.LocalProtocolError):
            await client.post(url + "/x", content=b"{}", headers={"x-a": "1\r\nInjected: yes"})
    assert endpoint.requests == []


# --------------------------------------------------------------------------- keep-alive


async def test_an_idle_connection_the_server_closed_is_replaced_transparently() -> None:
    endpoint = Endpoint(fixed(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", keep=False))
    async with serving(endpoint) as url, lean_client() as client:
        # The server says nothing about closing, and closes after each response.
        for _ in range(3):
            assert await asyncio.wait_for(fetch(client, url), _GUARD_S) == b"ok"
    assert endpoint.connections == 3


async def test_closing_a_response_early_drops_its_connection() -> None:
    async def respond(_: int, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n")
        await writer.drain()
        await endpoint.until_dropped()  # never finishes on its own
        return False

    endpoint = Endpoint(respond)
    async with serving(endpoint) as url, lean_client() as client:
        async with client.stream("POST", url + "/x", content=b"{}") as response:
            async for part in response.aiter_raw():
                assert part == b"ab"
                break
        await asyncio.wait_for(endpoint.closed.wait(), _GUARD_S)  # the server saw the drop


async def test_cancelling_a_read_drops_the_connection() -> None:
    async def respond(_: int, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        await writer.drain()
        await endpoint.until_dropped()
        return False

    endpoint = Endpoint(respond)
    async with serving(endpoint) as url, lean_client() as client:
        task = asyncio.ensure_future(fetch(client, url))
        while not endpoint.requests:
            await asyncio.sleep(0.005)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.wait_for(endpoint.closed.wait(), _GUARD_S)


async def test_the_pool_bounds_connections_per_host_and_every_request_completes() -> None:
    gate = asyncio.Event()

    async def respond(_: int, writer: asyncio.StreamWriter) -> bool:
        await asyncio.wait_for(gate.wait(), _GUARD_S)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        return True

    endpoint = Endpoint(respond)
    async with (
        serving(endpoint) as url,
        httpx2.AsyncClient(transport=LeanTransport(max_connections=3)) as client,
    ):
        tasks = [asyncio.ensure_future(fetch(client, url)) for _ in range(10)]
        while len(endpoint.requests) < 3:
            await asyncio.sleep(0.005)
        assert endpoint.connections == 3
        gate.set()
        assert await asyncio.wait_for(asyncio.gather(*tasks), _GUARD_S) == [b"ok"] * 10
    assert endpoint.connections == 3


async def test_a_closed_transport_refuses_requests() -> None:
    transport = LeanTransport()
    await transport.aclose()
    async with httpx2.AsyncClient(transport=transport) as client:
        with pytest.raises(httpx2.ConnectError):
            await client.get("http://127.0.0.1:9/")


# --------------------------------------------------------------------------- whole stack


@asynccontextmanager
async def serving_stack(endpoint: Endpoint) -> AsyncIterator[str]:
    """``serving``, with the cached clients closed first (they keep connections alive)."""
    async with serving(endpoint) as url:
        try:
            yield url
        finally:
            await aclose_clients()


def _config(url: str) -> LLMConfig:
    return LLMConfig(base_url=url + "/v1", api_key="t", model="m", retries=0)


async def test_stream_chat_reads_a_stream_through_the_transport_split_anywhere() -> None:
    endpoint = Endpoint(ok_chunked(_SSE, [7, 1, 30], [3, 50, 51, 52, 140]))
    async with serving_stack(endpoint) as url:
        for _ in range(2):
            events = await asyncio.wait_for(collect(_config(url), [{"role": "user"}]), _GUARD_S)
            assert [e.text for e in events if isinstance(e, TextDelta)] == ["hi"]
            assert isinstance(events[-1], Finished)
    assert endpoint.connections == 1


async def test_a_redirect_is_not_followed() -> None:
    endpoint = Endpoint(
        fixed(b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/\r\nContent-Length: 0\r\n\r\n")
    )
    async with serving_stack(endpoint) as url:
        with pytest.raises(LLMStatusError) as caught:
            await asyncio.wait_for(collect(_config(url), [{"role": "user"}]), _GUARD_S)
    assert caught.value.status_code == 302
    assert len(endpoint.requests) == 1


async def test_a_malformed_stream_is_an_llm_error_and_is_retried() -> None:
    good = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(_SSE, [])
    endpoint = Endpoint(fixed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nQQ\r\n", good))
    async with serving_stack(endpoint) as url:
        config = LLMConfig(base_url=url + "/v1", api_key="t", model="m", retries=1, backoff_s=0.01)
        events = await asyncio.wait_for(collect(config, [{"role": "user"}]), _GUARD_S)
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["hi"]
    assert len(endpoint.requests) == 2


async def test_a_cut_stream_is_a_connection_error() -> None:
    async def respond(_: int, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\ndata:")
        await writer.drain()
        return False

    endpoint = Endpoint(respond)
    async with serving_stack(endpoint) as url:
        with pytest.raises(LLMError) as caught:
            await asyncio.wait_for(collect(_config(url), [{"role": "user"}]), _GUARD_S)
    assert isinstance(caught.value, LLMConnectionError)


# --------------------------------------------------------------------------- TLS


def _certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A throw-away CA and a certificate it signed for 127.0.0.1: (ca, cert, key) files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)

    def build(subject: str, key: ec.EllipticCurvePrivateKey) -> x509.CertificateBuilder:
        return (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=1))
        )

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = (
        build("test CA", ca_key)
        .issuer_name(ca_name)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        build("127.0.0.1", key)
        .issuer_name(ca_name)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = directory / "ca.pem", directory / "cert.pem", directory / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@asynccontextmanager
async def serving_tls(endpoint: Endpoint, cert: Path, key: Path) -> AsyncIterator[str]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = await asyncio.start_server(endpoint, "127.0.0.1", 0, ssl=context)
    try:
        yield f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        await aclose_clients()
        server.close()
        await server.wait_closed()


async def test_an_https_endpoint_streams_over_tls_and_keeps_its_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca, cert, key = _certificates(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))  # trust our CA (httpx2's documented variable)
    endpoint = Endpoint(ok_chunked(_SSE, [11, 5], [9, 77]))
    async with serving_tls(endpoint, cert, key) as url:
        for _ in range(2):
            events = await asyncio.wait_for(collect(_config(url), [{"role": "user"}]), _GUARD_S)
            assert [e.text for e in events if isinstance(e, TextDelta)] == ["hi"]
    assert endpoint.connections == 1
    assert len(endpoint.requests) == 2


async def test_an_untrusted_certificate_is_a_connection_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, cert, key = _certificates(tmp_path)
    (tmp_path / "other").mkdir()
    other_ca, _, _ = _certificates(tmp_path / "other")  # a CA that did not sign the server's
    monkeypatch.setenv("SSL_CERT_FILE", str(other_ca))
    endpoint = Endpoint(ok_chunked(_SSE, [], []))
    async with serving_tls(endpoint, cert, key) as url:
        with pytest.raises(LLMConnectionError):
            await asyncio.wait_for(collect(_config(url), [{"role": "user"}]), _GUARD_S)
    assert endpoint.requests == []


async def test_a_response_left_with_unread_bytes_leaves_none_for_the_next() -> None:
    endpoint = Endpoint(
        fixed(
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst",
            b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond",
        )
    )
    async with serving(endpoint) as url, lean_client() as client:
        async with client.stream("POST", url + "/x", content=b"{}"):
            while endpoint.requests == []:
                await asyncio.sleep(0.005)
            await asyncio.sleep(0.05)  # the whole first body has arrived, unread
        assert await asyncio.wait_for(fetch(client, url), _GUARD_S) == b"second"


async def test_an_error_body_is_cut_at_its_limit_and_a_success_body_is_not() -> None:
    # The SDK reads an error body whole to build its status error: a huge one (a proxy's
    # error page gone wrong) must not be read into memory. Success bodies stream on.
    size = MAX_ERROR_BODY_BYTES * 4
    for status, expected in ((500, MAX_ERROR_BODY_BYTES), (200, size)):
        calls: list[int] = []
        handler = status_server(status, b"Content-Type: text/plain\r\n", calls, body=b"x" * size)
        async with (
            raw_server(handler) as url,
            httpx2.AsyncClient(transport=LeanTransport()) as client,
        ):
            response = await asyncio.wait_for(client.post(url, content=b"{}"), _GUARD_S)
            assert response.status_code == status
            assert len(response.content) == expected


async def test_a_huge_error_body_is_our_status_error() -> None:
    calls: list[int] = []
    body = b'{"error": {"message": "' + b"x" * (MAX_ERROR_BODY_BYTES * 8) + b'"}}'
    handler = status_server(503, b"Content-Type: application/json\r\n", calls, body=body)
    async with raw_server(handler) as url:
        config = LLMConfig(model="m", base_url=url, api_key="k", retries=0)
        try:
            with pytest.raises(LLMStatusError) as info:
                await asyncio.wait_for(
                    collect(config, [{"role": "user", "content": "hi"}]), _GUARD_S
                )
        finally:
            await aclose_clients()
    assert info.value.status_code == 503
    assert info.value.retryable
