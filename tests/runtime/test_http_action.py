"""HTTP actions against a real local server: URL encoding, hostile servers, one client per loop."""

from __future__ import annotations

import asyncio
import functools
import gc
import json
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import superdialog
from superdialog.compile.model import CompiledAction
from superdialog.errors import ActionError, TemplateError
from superdialog.runtime import http_action
from superdialog.runtime.http_action import MAX_JSON_DEPTH, aclose_http_client, http_call
from superdialog.runtime.http_url import compile_url

GUARD = 10.0  # hang guard (seconds), never a timing threshold


# --------------------------------------------------------------------------- server


@dataclass(frozen=True)
class Seen:
    method: str
    target: str  # the raw request target, exactly as received
    headers: dict[str, str]
    body: bytes


@functools.cache
def _gzip_bomb() -> bytes:
    """100 MB of zeros as one gzip member (~100 KB)."""
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1 << 20)
    return b"".join(c.compress(zeros) for _ in range(100)) + c.flush()


def _gzip(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()


class Server:
    """A tiny HTTP/1.1 server on a loopback port, a thread per connection.

    It records every request line as received and counts open connections, and
    misbehaves on purpose under ``/__/<behaviour>``.
    """

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.open = 0
        self.accepted = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(GUARD)
        self.sock.close()

    def wait_closed(self) -> None:
        deadline = time.monotonic() + GUARD
        while self.open:
            assert time.monotonic() < deadline, f"{self.open} connection(s) still open"
            time.sleep(0.005)

    def last(self) -> Seen:
        return self.seen[-1]

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self.lock:
                self.open += 1
                self.accepted += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(GUARD)
            reader = conn.makefile("rb")
            while not self.stop.is_set():
                line = reader.readline(65_537)
                if not line:
                    break
                method, target, _ = line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while (h := reader.readline(65_537)) not in (b"\r\n", b"\n", b""):
                    k, v = h.decode("latin-1").split(":", 1)
                    headers[k.strip().lower()] = v.strip()
                body = reader.read(int(headers.get("content-length", "0")))
                seen = Seen(method, target, headers, body)
                self.seen.append(seen)
                if not self._respond(conn, seen):
                    break
        except OSError:
            pass
        finally:
            conn.close()
            with self.lock:
                self.open -= 1

    def _send(
        self, conn: socket.socket, status: int, body: bytes, ctype: str, **headers: str
    ) -> None:
        head = [f"HTTP/1.1 {status} X", f"Content-Type: {ctype}"]
        if "Content-Length" not in headers:
            head.append(f"Content-Length: {len(body)}")
        head += [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
        conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)

    def _trickle(self, conn: socket.socket, data: bytes) -> None:
        for i in range(len(data)):
            if self.stop.is_set():
                return
            conn.sendall(data[i : i + 1])
            time.sleep(0.02)

    def _respond(self, conn: socket.socket, seen: Seen) -> bool:
        parts = urlsplit(seen.target)
        q = dict(parse_qsl(parts.query, encoding="latin-1"))
        path = parts.path
        if not path.startswith("/__/"):
            echo = {"method": seen.method, "target": seen.target, "body": seen.body.decode()}
            self._send(conn, 200, json.dumps(echo).encode(), "application/json")
        elif path == "/__/status":
            self._send(conn, int(q["code"]), b"{}", "application/json", **_loc(q))
        elif path == "/__/loop":
            self._send(conn, 302, b"", "text/plain", Location="/__/loop")
        elif path == "/__/big":
            n = int(q["n"])
            head = f"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {n}\r\n\r\n"
            conn.sendall(head.encode())
            chunk = b"x" * 65_536
            while n > 0 and not self.stop.is_set():
                conn.sendall(chunk[:n])
                n -= len(chunk)
        elif path == "/__/endless":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n")
            conn.sendall(b"Transfer-Encoding: chunked\r\n\r\n")
            chunk = b"%x\r\n%s\r\n" % (16_384, b"y" * 16_384)
            while not self.stop.is_set():
                conn.sendall(chunk)
        elif path == "/__/slow-body":
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n"
            )
            self._trickle(conn, b"z" * 1000)
        elif path == "/__/slow-headers":
            self._trickle(conn, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" * 20)
        elif path == "/__/silent":  # never answers; notices when the client hangs up
            conn.recv(1)
            return False
        elif path == "/__/short-length":  # promises 100 bytes, sends 10, hangs up
            self._send(conn, 200, b"0123456789", "text/plain", Content_Length="100")
            return False
        elif path == "/__/long-length":  # promises 5 bytes, sends a smuggled response after
            smuggled = (
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b'Content-Length: 10\r\n\r\n"smuggled"'
            )
            self._send(conn, 200, b"hello" + smuggled, "text/plain", Content_Length="5")
        elif path == "/__/body":
            ctype = q.get("ctype", "application/json")
            data = q["data"].encode("latin-1") if "data" in q else b""
            extra = {"Content_Encoding": q["enc"]} if "enc" in q else {}
            if q.get("enc") in ("gzip", "x-gzip"):
                data = _gzip(data)
            elif q.get("enc") == "deflate":
                data = zlib.compress(data)
            elif q.get("enc") == "raw-deflate":
                c = zlib.compressobj(6, zlib.DEFLATED, -15)
                data = c.compress(data) + c.flush()
                extra = {"Content_Encoding": "deflate"}
            self._send(conn, 200, data, ctype, **extra)
        elif path == "/__/deep":
            d = int(q["d"])
            self._send(conn, 200, b"[" * d + b"]" * d, "application/json")
        elif path == "/__/gzip-bomb":
            self._send(conn, 200, _gzip_bomb(), "application/json", Content_Encoding="gzip")
        elif path == "/__/gzip-members":  # 200 x 1 MB members: a multi-member bomb
            member = _gzip(bytes(1 << 20))
            self._send(conn, 200, member * 200, "text/plain", Content_Encoding="gzip")
        elif path == "/__/bad-gzip":
            self._send(conn, 200, b"not gzip at all", "text/plain", Content_Encoding="gzip")
        elif path == "/__/brotli":
            self._send(conn, 200, b"\x0b\x02\x80hi\x03", "text/plain", Content_Encoding="br")
        else:
            self._send(conn, 404, b"{}", "application/json")
        return True


def _loc(q: dict[str, str]) -> dict[str, str]:
    return {"Location": q["to"]} if "to" in q else {}


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    try:
        yield s
    finally:
        s.close()


# --------------------------------------------------------------------------- flows


def _action(
    url: str,
    *,
    method: str = "GET",
    timeout: float = 5,
    args: str = "",
    extra: str = "",
    slots: tuple[str, ...] = ("p", "q", "f", "h"),
) -> CompiledAction:
    """A CompiledAction made by the real flow compiler (loads is cached per text)."""
    slot_lines = "".join(f"  {s}: {{type: text}}\n" for s in slots)
    text = (
        "flow: h\n"
        "context: {api: 'API', tenant: acme}\n"
        f"slots:\n{slot_lines}"
        "start: act\n"
        "states:\n"
        "  act:\n"
        "    action:\n"
        f"      http: {{url: {json.dumps(url)}, method: {method}{extra}}}\n"
        f"      timeout: {timeout}\n"
        f"{args}"
        "    next: done\n"
        "  done: {say: Bye., end: completed}\n"
    )
    action = superdialog.loads(text, "h.yaml").states["act"].action
    assert action is not None
    return action


def _vars(**slots: Any) -> dict[str, Any]:
    return {
        "slots": {"p": None, "q": None, "f": None, "h": None, **slots},
        "context": {"api": "API", "tenant": "acme"},
        "api": "API",
        "tenant": "acme",
        "session": {},
        "results": {},
        "flow": "h",
        "state": "act",
    }


async def _call(action: CompiledAction, **slots: Any) -> Any:
    async with asyncio.timeout(GUARD):
        return await http_call(action, _vars(**slots), state="act")


async def _fails(action: CompiledAction, match: str, **slots: Any) -> ActionError:
    with pytest.raises(ActionError, match=match) as info:
        await _call(action, **slots)
    assert info.value.state == "act"
    return info.value


# --------------------------------------------------------------------------- behaviour kept


async def test_get_sends_args_as_query_and_decodes_json(server: Server) -> None:
    args = "      args: {who: '{{ slots.p }}', n: 3}\n"
    got = await _call(_action(f"{server.base}/vip?x=1", args=args), p="C-7 & co")
    target = urlsplit(got["target"])
    assert target.path == "/vip"
    assert parse_qsl(target.query) == [("x", "1"), ("who", "C-7 & co"), ("n", "3")]
    assert server.last().headers["accept-encoding"] == "gzip, deflate"


async def test_post_sends_json(server: Server) -> None:
    extra = ", json: {card: '{{ slots.p }}', tags: ['{{ slots.q }}', 2]}"
    got = await _call(_action(f"{server.base}/block", method="POST", extra=extra), p="4111", q="t")
    assert got["method"] == "POST"
    assert json.loads(got["body"]) == {"card": "4111", "tags": ["t", 2]}


async def test_text_responses_and_charsets(server: Server) -> None:
    base = f"{server.base}/__/body?ctype="
    assert await _call(_action(base + "text/plain&data=hello")) == "hello"
    latin = _action(base + "text/plain%3B%20charset%3Dlatin-1&data=caf%E9")
    assert await _call(latin) == "café"
    not_utf8 = _action(base + "text/plain&data=caf%E9%FF")
    assert await _call(not_utf8) == "caf\ufffd\ufffd"
    unknown = _action(base + "text/plain%3B%20charset%3Dno-such-codec&data=ok")
    assert await _call(unknown) == "ok"


async def test_error_status_fails(server: Server) -> None:
    err = await _fails(_action(f"{server.base}/__/status?code=503"), "HTTP 503")
    assert not err.timed_out
    await _fails(_action(f"{server.base}/__/status?code=404"), "HTTP 404")


# --------------------------------------------------------------------------- URL encoding


async def test_path_traversal_and_query_injection_stay_data(server: Server) -> None:
    action = _action(server.base + "/accounts/{{ slots.p }}/statement?account={{ slots.q }}&v=1")
    got = await _call(action, p="../../admin", q="x?account=0&admin=1#")
    assert got["target"] == (
        "/accounts/..%2F..%2Fadmin/statement?account=x%3Faccount%3D0%26admin%3D1%23&v=1"
    )
    whole = await _call(_action(server.base + "/a/{{ slots.p }}/b"), p="..")
    assert whole["target"] == "/a/%2E%2E/b"


async def test_context_values_form_structure(server: Server) -> None:
    text = "flow: c\ncontext: {api: '" + server.base + "/v1'}\nslots: {p: {type: text}}\n"
    text += "start: a\nstates:\n  a:\n    action:\n      http: {url: '{{ context.api }}/x/"
    text += "{{ slots.p }}', method: GET}\n    next: b\n  b: {say: Bye., end: completed}\n"
    action = superdialog.loads(text, "c.yaml").states["a"].action
    assert action is not None
    variables = _vars(p="a/b")
    variables["context"] = {"api": server.base + "/v1"}
    got = await http_call(action, variables, state="a")
    assert got["target"] == "/v1/x/a%2Fb"


PATH_QUERY_URL = "/seg/{{ slots.p }}/tail.json?k={{ slots.q }}&z=1#{{ slots.f }}"


@pytest.fixture
def runner() -> Iterator[asyncio.Runner]:
    """One event loop for all examples of a property test (and so one warm client)."""
    with asyncio.Runner() as r:
        yield r


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(p=st.text(max_size=40), q=st.text(max_size=40), f=st.text(max_size=20))
@example(p="../../admin", q="x?account=0&admin=1#", f="#")
@example(p=".", q="&&==", f="%2F")
@example(p="%2e%2E", q="+ +", f="")
@example(p="a/../b", q="%", f="\x00")
@example(p="\\..\\", q="\r\nX: y", f="?")
def test_values_never_change_the_url_structure(
    server: Server, runner: asyncio.Runner, p: str, q: str, f: str
) -> None:
    action = _action(server.base + PATH_QUERY_URL)
    got = runner.run(_call(action, p=p, q=q, f=f))
    parts = urlsplit(got["target"])
    segments = parts.path.split("/")
    assert segments[:2] == ["", "seg"] and segments[3:] == ["tail.json"], got["target"]
    assert unquote(segments[2], errors="strict") == p
    assert parse_qsl(parts.query, keep_blank_values=True) == [("k", q), ("z", "1")]
    assert not parts.fragment  # never sent to the server


@given(value=st.text(max_size=30))
@example(value="evil.com/x")
@example(value="evil.com#")
@example(value="user@evil.com")
@example(value="evil.com:81")
@example(value="tenant1")
@example(value="a.b-c")
@example(value="")
def test_values_in_the_host_are_plain_host_names_or_refused(value: str) -> None:
    template = compile_url("https://{{ slots.h }}.example.com:8443/x?y=1")
    try:
        url = template.render({"slots": {"h": value}}, state="s")
    except ActionError as exc:
        assert "plain host name" in str(exc)
        return
    parts = urlsplit(url)
    assert parts.hostname == f"{value}.example.com".lower()
    assert (parts.port, parts.path, parts.query, parts.username) == (8443, "/x", "y=1", None)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("{{ slots.h }}://example.com/", "scheme"),
        ("http://{{ slots.h }}@example.com/", "user info"),
        ("http://example.com:{{ slots.h }}/", "port"),
        ("{{ slots.h }}", "absolute http"),
        ("http://[{{ slots.h }}]/", "does not parse|plain host"),
        ("ftp://example.com/{{ slots.h }}", "absolute http"),
        ("http://x/{% filter upper %}{{ slots.h }}{% endfilter %}", "changes a value"),
        ("{% set context = slots %}{{ context.h }}/x", "absolute http"),
    ],
)
def test_values_never_become_scheme_userinfo_or_port(url: str, message: str) -> None:
    with pytest.raises(ActionError, match=message):
        compile_url(url).render({"slots": {"h": "80"}}, state="s")


def test_loops_and_macros_are_values_too() -> None:
    variables = {"slots": {"h": ["a/b", ".."]}, "context": {"x": "c/d"}}
    loop = compile_url("http://x/{% for s in slots.h %}{{ s }}/{{ loop.index }}/{% endfor %}")
    assert loop.render(variables) == "http://x/a%2Fb/1/%2E%2E/2/"
    macro = "{% macro m(a) %}<{{ a }}>{% endmacro %}http://x/{{ m(slots.h[0]) }}/{{ m(context.x) }}"
    assert compile_url(macro).render(variables) == "http://x/%3Ca%2Fb%3E/<c%2Fd>"
    assert compile_url("http://x/{{ context.x }}").render(variables) == "http://x/c/d"


def test_a_trailing_urlencode_is_not_applied_twice() -> None:
    variables = {"slots": {"a": "../x y", "d": {"k": 1}, "n": 7}}
    url = compile_url(
        "http://x/{{ slots.a | urlencode }}/{{ slots.n | urlencode }}?q={{ slots.a }}"
    )
    assert url.render(variables) == "http://x/..%2Fx%20y/7?q=..%2Fx%20y"
    with pytest.raises(TemplateError, match="urlencode"):
        compile_url("http://x/?{{ slots.d | urlencode }}").render(variables)


def test_values_of_any_type_are_text() -> None:
    import datetime

    variables = {"slots": {"d": datetime.date(1990, 1, 2), "n": None, "f": 1.5}}
    url = compile_url("http://x/{{ slots.d }}/{{ slots.n }}/{{ slots.f }}")
    assert url.render(variables) == "http://x/1990-01-02/None/1.5"


def test_template_failures_are_template_errors() -> None:
    with pytest.raises(TemplateError, match="failed"):
        compile_url("http://x/{{ slots.missing }}").render({"slots": {}}, state="s")


def test_url_templates_are_compiled_once() -> None:
    assert compile_url("http://x/{{ slots.a }}") is compile_url("http://x/{{ slots.a }}")


def test_the_marker_filter_stays_out_of_flow_templates() -> None:
    from superdialog.compile.templates import environment

    compile_url("http://x/{{ slots.a }}")
    assert "superdialog_url_value" not in environment().filters


# --------------------------------------------------------------------------- redirects


async def test_redirects_fail_unless_allowed(server: Server) -> None:
    to = f"{server.base}/landed"
    await _fails(_action(f"{server.base}/__/status?code=302&to={to}"), "HTTP 302 redirect")
    follow = ", follow_redirects: true"
    got = await _call(_action(f"{server.base}/__/status?code=302&to={to}", extra=follow))
    assert got["target"] == "/landed"
    await _fails(_action(f"{server.base}/__/status?code=304", extra=follow), "HTTP 304")


async def test_redirects_keep_the_scheme_and_stop(server: Server) -> None:
    follow = ", follow_redirects: true"
    https = f"{server.base}/__/status?code=301&to=https://127.0.0.1:{server.port}/x"
    await _fails(_action(https, extra=follow), "another scheme")
    await _fails(_action(f"{server.base}/__/loop", extra=follow), "more than 5 redirects")
    assert len(server.seen) == 1 + 6


# --------------------------------------------------------------------------- hostile servers


async def test_a_large_body_is_refused_without_reading_it(server: Server) -> None:
    tracemalloc.start()
    try:
        await _fails(_action(f"{server.base}/__/big?n=400000000"), "larger than 1000000 bytes")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000


async def test_the_cap_is_configurable_and_exact(server: Server) -> None:
    capped = ", max_response_bytes: 1000"
    assert await _call(_action(f"{server.base}/__/big?n=1000", extra=capped)) == "x" * 1000
    await _fails(_action(f"{server.base}/__/big?n=1001", extra=capped), "larger than 1000 bytes")


async def test_an_endless_chunked_stream_stops_at_the_cap(server: Server) -> None:
    await _fails(_action(f"{server.base}/__/endless"), "larger than 1000000 bytes")
    await asyncio.to_thread(server.wait_closed)  # the connection was dropped, not pooled


@pytest.mark.parametrize("behaviour", ["slow-body", "slow-headers", "silent"])
async def test_slow_servers_hit_the_action_timeout(server: Server, behaviour: str) -> None:
    err = await _fails(_action(f"{server.base}/__/{behaviour}", timeout=0.3), "timed out")
    assert err.timed_out
    await asyncio.to_thread(server.wait_closed)


async def test_cancellation_closes_the_connection(server: Server) -> None:
    task = asyncio.ensure_future(_call(_action(f"{server.base}/__/slow-body")))
    async with asyncio.timeout(GUARD):
        while not server.seen:
            await asyncio.sleep(0.005)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.to_thread(server.wait_closed)


async def test_wrong_content_lengths(server: Server) -> None:
    await _fails(_action(f"{server.base}/__/short-length"), "HTTP request failed")
    try:  # more bytes than promised: the first 5, or a protocol error; never a hang
        assert await _call(_action(f"{server.base}/__/long-length")) == "hello"
    except ActionError as exc:
        assert "RemoteProtocolError" in str(exc)
    got = await _call(_action(f"{server.base}/after"))  # never the smuggled response
    assert got["target"] == "/after"


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ("{nope", "not valid JSON"),
        ("%FF%FE%00", "not valid JSON"),
        ("1" * 5000, "not valid JSON"),  # over Python's int digit limit
        ("[1, 2", "not valid JSON"),
    ],
)
async def test_invalid_json_fails(server: Server, data: str, match: str) -> None:
    await _fails(_action(f"{server.base}/__/body?data={data}"), match)


async def test_an_empty_json_body_is_none(server: Server) -> None:
    assert await _call(_action(f"{server.base}/__/body?data=")) is None
    assert await _call(_action(f"{server.base}/__/body?data=+%0D%0A")) is None


async def test_json_nesting_is_bounded(server: Server) -> None:
    ok = await _call(_action(f"{server.base}/__/deep?d={MAX_JSON_DEPTH}"))
    depth = 0
    while ok:
        ok, depth = ok[0], depth + 1
    assert depth == MAX_JSON_DEPTH - 1  # the innermost list is empty
    await _fails(_action(f"{server.base}/__/deep?d={MAX_JSON_DEPTH + 1}"), "nested deeper")
    await _fails(_action(f"{server.base}/__/deep?d=100000"), "nested deeper")


async def test_json_with_brackets_in_strings(server: Server) -> None:
    doc = json.dumps({"s": "[" * 500 + '\\"{' * 100, "n": [[1]]})
    data = doc.replace("%", "%25").replace("&", "%26").replace("#", "%23").replace("+", "%2B")
    got = await _call(_action(f"{server.base}/__/body?data={data}"))
    assert got == json.loads(doc)


@pytest.mark.parametrize("enc", ["gzip", "x-gzip", "deflate", "raw-deflate"])
async def test_compressed_bodies_are_decoded(server: Server, enc: str) -> None:
    got = await _call(_action(f"{server.base}/__/body?ctype=text/plain&enc={enc}&data=hi+there"))
    assert got == "hi there"


@pytest.mark.parametrize("bomb", ["gzip-bomb", "gzip-members"])
async def test_a_gzip_bomb_stops_at_the_cap(server: Server, bomb: str) -> None:
    _gzip_bomb()  # build it before measuring
    tracemalloc.start()
    try:
        await _fails(_action(f"{server.base}/__/{bomb}"), "larger than 1000000 bytes")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000


async def test_unreadable_encodings_fail(server: Server) -> None:
    await _fails(_action(f"{server.base}/__/bad-gzip"), "not valid gzip")
    await _fails(_action(f"{server.base}/__/brotli"), "unsupported Content-Encoding")


async def test_unreachable_endpoint_fails_without_quoting_the_url() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, never listening: connection refused
        err = await _fails(_action(f"http://127.0.0.1:{port}/card/{{{{ slots.p }}}}"), "failed")
    assert "4111" not in str(err) and err.__cause__ is None and err.__suppress_context__


async def test_header_injection_fails(server: Server) -> None:
    extra = ", headers: {X-Card: '{{ slots.p }}'}"
    await _fails(_action(f"{server.base}/h", extra=extra), "HTTP request failed", p="1\r\nX: y")
    assert not server.seen


# --------------------------------------------------------------------------- one client per loop


def test_each_event_loop_gets_its_own_client_closed_with_it(server: Server) -> None:
    action = _action(f"{server.base}/again")
    clients: list[object] = []

    async def main() -> Any:
        result = await _call(action)
        clients.append(http_action._CLIENTS.peek())
        return result

    first = asyncio.run(main())
    server.wait_closed()  # the loop's client closed its keep-alive connection
    second = asyncio.run(main())
    server.wait_closed()
    assert first == second == {"method": "GET", "target": "/again", "body": ""}
    assert clients[0] is not clients[1]
    assert server.accepted == 2
    gc.collect()
    assert len(http_action._CLIENTS) == 0


def test_aclose_http_client_closes_the_loops_client_now(server: Server) -> None:
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(_call(_action(f"{server.base}/x")))
        loop.run_until_complete(aclose_http_client())  # e.g. a host without asyncio.run
        server.wait_closed()
        assert loop.run_until_complete(_call(_action(f"{server.base}/y")))["target"] == "/y"
        loop.run_until_complete(aclose_http_client())
    finally:
        loop.close()
    server.wait_closed()
    assert len(http_action._CLIENTS) == 0
