"""``LeanClient`` builds the same request httpx2 builds, and sends it through the SDK for real.

The lean ``build_request`` is compared with httpx2's own (``AsyncClient.build_request``
on a client with the same defaults) over generated methods, URLs, header lists
(names that override the client's defaults in any case, repeated names, ``Host``,
``Content-Length``, ``Transfer-Encoding``, values that are not ASCII) and bodies:
method, URL, headers in order, body and timeout must be equal, or both must
refuse. The sending side runs the real openai client over a loopback socket.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx2
import openai
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rawhttp import raw_server

from superdialog.llm.client import CHAT_PATH
from superdialog.llm.http_client import LeanClient
from superdialog.llm.transport import LeanTransport

_NAMES = st.sampled_from(
    [
        "Accept",
        "accept",
        "ACCEPT-ENCODING",
        "Connection",
        "user-agent",
        "User-Agent",
        "Authorization",
        "Content-Type",
        "X-Stainless-Lang",
        "Idempotency-Key",
        "Host",
        "content-length",
        "Transfer-Encoding",
        "X-Custom",
    ]
)
_VALUES = st.one_of(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12),
    st.sampled_from(["é", "naïve", "12", "chunked", "gzip"]),
)
_HEADERS = st.one_of(
    st.lists(st.tuples(_NAMES, _VALUES), max_size=8),
    st.dictionaries(_NAMES, _VALUES, max_size=6),
    st.none(),
)
_URLS = st.sampled_from(
    [
        "http://127.0.0.1:8000/v1/chat/completions",
        "https://api.example.com/v1/chat/completions",
        "http://[::1]:9/x",
        "http://host.example:80/a%20b?already=1",
    ]
)
_TIMEOUTS = st.one_of(
    st.just(httpx2.USE_CLIENT_DEFAULT),
    st.none(),
    st.floats(0.1, 60),
    st.builds(httpx2.Timeout, st.none(), connect=st.floats(0.1, 10)),
)


def _outcome(client: httpx2.AsyncClient, build: Any, *args: Any, **kw: Any) -> Any:
    try:
        request = build(client, *args, **kw)
    except Exception as exc:  # both sides must fail the same way
        return type(exc)
    return (
        request.method,
        str(request.url),
        request.headers.raw,
        request.read(),
        request.extensions,
    )


_LEAN = LeanClient(LeanTransport(), openai.DEFAULT_TIMEOUT)
_STOCK = httpx2.AsyncClient(timeout=openai.DEFAULT_TIMEOUT, follow_redirects=False)


@settings(max_examples=400, deadline=None)
@given(
    method=st.sampled_from(["POST", "post", "GET", "PUT", "DELETE"]),
    url=_URLS,
    headers=_HEADERS,
    body=st.binary(max_size=40),
    timeout=_TIMEOUTS,
)
def test_the_lean_request_is_the_request_httpx2_builds(
    method: str, url: str, headers: Any, body: bytes, timeout: Any
) -> None:
    lean, stock = _LEAN, _STOCK  # made once: a stock client builds an SSL context
    kw = {"content": body, "headers": headers, "timeout": timeout}
    ours = _outcome(lean, LeanClient.build_request, method, url, **kw)
    theirs = _outcome(stock, httpx2.AsyncClient.build_request, method, url, **kw)
    assert ours == theirs
    # The parsed URL is kept and reused: a second request is built the same way.
    assert _outcome(lean, LeanClient.build_request, method, url, **kw) == ours


@pytest.mark.parametrize(
    "extra",
    [
        {"params": {"q": "1"}},
        {"json": {"a": 1}, "content": None},
        {"data": {"a": "1"}, "content": None},
        {"cookies": {"session": "x"}},
        {"extensions": {"trace": None}},
    ],
)
def test_what_the_lean_path_does_not_take_is_built_by_httpx2(extra: dict[str, Any]) -> None:
    lean = LeanClient(LeanTransport(), openai.DEFAULT_TIMEOUT)
    stock = httpx2.AsyncClient(timeout=openai.DEFAULT_TIMEOUT, follow_redirects=False)
    kw: dict[str, Any] = {"content": b"{}", "headers": {"X-A": "1"}} | extra
    url = "http://127.0.0.1:9/v1/chat/completions"
    ours = _outcome(lean, LeanClient.build_request, "POST", url, **kw)
    assert ours == _outcome(stock, httpx2.AsyncClient.build_request, "POST", url, **kw)


def test_a_relative_url_is_joined_to_the_base_url_as_httpx2_joins_it() -> None:
    lean = LeanClient(LeanTransport(), openai.DEFAULT_TIMEOUT)
    lean.base_url = httpx2.URL("http://127.0.0.1:9/v1/")
    request = lean.build_request("POST", "/chat/completions", content=b"{}")
    assert str(request.url) == "http://127.0.0.1:9/v1/chat/completions"


class _Endpoint:
    """Answers every request with a small JSON body and keeps the request heads."""

    def __init__(self) -> None:
        self.heads: list[bytes] = []

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                break
            self.heads.append(head)
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            await reader.readexactly(length)
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Set-Cookie: sticky=call-1\r\nContent-Length: 2\r\n\r\n{}"
            )
            await writer.drain()
        writer.close()


async def test_the_sdk_posts_through_the_lean_client_and_no_cookie_carries_over() -> None:
    # Cookies an endpoint sets must not travel into the next call's request: the
    # client is shared by every call of the process.
    endpoint = _Endpoint()
    async with raw_server(endpoint) as url:
        client = openai.AsyncOpenAI(
            api_key="sk-lean",
            base_url=url,
            max_retries=0,
            http_client=LeanClient(LeanTransport(), openai.DEFAULT_TIMEOUT),
        )
        try:
            for _ in range(2):
                response = await client.post(
                    url + CHAT_PATH,
                    cast_to=httpx2.Response,
                    content=b'{"x": 1}',
                    options={"headers": {"X-Call": "abc"}},
                    stream=True,
                    stream_cls=openai.AsyncStream[Any],
                )
                assert isinstance(response, httpx2.Response)
                assert response.request.url == httpx2.URL(url + CHAT_PATH)
                assert await response.aread() == b"{}"
        finally:
            await client.close()
    assert len(endpoint.heads) == 2
    for head in endpoint.heads:
        lines = head.lower().split(b"\r\n")
        assert b"authorization: bearer sk-lean" in lines
        assert b"x-call: abc" in lines
        assert b"content-length: 8" in lines
        assert not any(line.startswith(b"cookie") for line in lines)


async def test_send_reads_the_body_unless_streaming_and_refuses_once_closed() -> None:
    endpoint = _Endpoint()
    async with raw_server(endpoint) as url:
        client = LeanClient(LeanTransport(), httpx2.Timeout(5.0))
        request = client.build_request("POST", url, content=b"{}")
        response = await client.send(request)
        assert response.is_closed
        assert response.content == b"{}"
        assert response.request is request
        await client.aclose()
        with pytest.raises(RuntimeError, match="closed"):
            await client.send(client.build_request("POST", url, content=b"{}"))


async def test_a_client_with_auth_sends_through_httpx2_and_its_auth_is_applied() -> None:
    endpoint = _Endpoint()
    async with raw_server(endpoint) as url:
        client = LeanClient(LeanTransport(), httpx2.Timeout(5.0))
        client.auth = ("user", "pass")
        try:
            response = await client.send(client.build_request("POST", url, content=b"{}"))
            assert response.content == b"{}"
        finally:
            await client.aclose()
    assert b"authorization: basic dxnlcjpwyxnz" in endpoint.heads[0].lower()


def test_default_headers_changed_on_the_client_are_used() -> None:
    lean = LeanClient(LeanTransport(), openai.DEFAULT_TIMEOUT)
    lean.build_request("POST", "http://127.0.0.1:9/x", content=b"{}")  # a URL cached
    lean.headers["X-Team"] = "voice"
    lean.headers = {"Accept": "application/json", "X-Team": "voice"}
    request = lean.build_request("POST", "http://127.0.0.1:9/x", content=b"{}")
    assert request.headers["x-team"] == "voice"
    assert request.headers["accept"] == "application/json"
