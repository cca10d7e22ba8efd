"""HTTP actions: one call to the endpoint a flow names, safe against what callers and servers send.

* The URL is rendered by :mod:`superdialog.runtime.http_url`: values are
  encoded for the component they land in and can never change its structure.
* The response body is streamed and capped (``max_response_bytes``, counted
  after decompression); compression is decoded here, with bounded output per
  step, so a gzip bomb never allocates more than the cap. JSON is decoded only
  if small enough (it is, by then) and not nested deeper than
  :data:`MAX_JSON_DEPTH`.
* A redirect (3xx) is a failure unless the flow sets ``follow_redirects: true``;
  then at most :data:`MAX_REDIRECTS` are followed, never to another scheme.
* The action's ``timeout`` bounds everything: connecting, headers, body and
  decoding. A cancelled or timed-out call closes its connection.
* One ``httpx.AsyncClient`` per event loop (:class:`~superdialog._loop_local.LoopLocal`),
  closed when that loop shuts down: a second ``asyncio.run`` gets a fresh one.

Error messages never quote the URL, the body or a header: they may hold a
caller's card number.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import json
import logging
import re
import zlib
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, Final

from superdialog._loop_local import LoopLocal
from superdialog._version import __version__
from superdialog.compile.templates import CompiledTemplate
from superdialog.errors import ActionError
from superdialog.pii import PIIFilter
from superdialog.runtime.http_url import compile_url

if TYPE_CHECKING:
    import httpx

    from superdialog.compile.model import CompiledAction

__all__ = ["MAX_JSON_DEPTH", "MAX_REDIRECTS", "aclose_http_client", "http_call"]

MAX_REDIRECTS: Final = 5
"""Redirects followed at most when a flow sets ``follow_redirects: true``."""

MAX_JSON_DEPTH: Final = 64
"""Deepest nesting of arrays/objects accepted in a JSON response.

Real APIs stay far below; a deeper document is a hostile or broken server, and
would hit Python's recursion limit in whatever walks the result later (masking,
snapshots, templates) instead of failing here, at the action, with its error path.
"""

_ACCEPT_ENCODING: Final = "gzip, deflate"
"""The only encodings we ask for; each is decoded here with bounded output."""


_TRANSPORT_LOGGERS: Final = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)
"""The loggers httpx and httpcore write to (a filter on a logger does not cover its children).

httpx logs every request's URL at INFO, httpcore every request's and response's
headers at DEBUG: a GET action's query, a redirect's ``Location`` or a header
can hold a caller's card number.
"""

_TRANSPORT_FILTER: Final = PIIFilter()


def _mask_transport_logs() -> None:
    """Put our ``PIIFilter`` on the transport's loggers (once): their lines are masked.

    The request runs in the action's task, inside ``masking_call``: the call's
    secrets are masked by value, and anything shaped like personal data too.
    """
    for name in _TRANSPORT_LOGGERS:
        logger = logging.getLogger(name)
        if _TRANSPORT_FILTER not in logger.filters:
            logger.addFilter(_TRANSPORT_FILTER)


def _new_client() -> httpx.AsyncClient:
    import httpx  # deferred: only flows with HTTP actions pay for the import

    _mask_transport_logs()

    return httpx.AsyncClient(
        follow_redirects=False,
        headers={
            "Accept-Encoding": _ACCEPT_ENCODING,
            "User-Agent": f"superdialog/{__version__}",
        },
    )


async def _close_client(client: httpx.AsyncClient) -> None:
    await client.aclose()


_CLIENTS: LoopLocal[httpx.AsyncClient] = LoopLocal(_new_client, _close_client)


async def aclose_http_client() -> None:
    """Close the running loop's HTTP client now (it is also closed when the loop shuts down)."""
    await _CLIENTS.aclose()


async def http_call(action: CompiledAction, variables: Mapping[str, Any], *, state: str) -> Any:
    """Make the action's HTTP request and return the decoded response.

    ``GET`` sends the body (or the action's ``args``) as query parameters, other
    methods as JSON. A JSON response (``json`` in its content type) is decoded
    (an empty one is ``None``), any other is returned as text.

    Args:
        action: The compiled action; ``action.spec.http`` is set.
        variables: Template variables (clear values: this is the action's own call).
        state: The action's state, for errors.

    Returns:
        The decoded JSON value, or the body as text.

    Raises:
        ActionError: Refused URL, network failure, status >= 300 (>= 400 when
            redirects are followed), a body over ``max_response_bytes``, an
            unreadable body, or the action's ``timeout`` (``timed_out=True``).
        TemplateError: A template failed to render.

    """
    import httpx

    spec = action.spec.http
    assert spec is not None and action.url is not None, "http_call needs an http action"
    timeout = action.spec.timeout
    url = compile_url(action.url.source).render(variables, state=state)
    headers = {k: str(_render(v, variables, state)) for k, v in action.headers}
    body = _render_json(action.body, variables, state) if action.body is not None else None
    if body is None and action.args:
        body = {k: _render(v, variables, state) for k, v in action.args}
    get = spec.method == "GET"
    params = body if get and isinstance(body, dict) and body else None
    client = _CLIENTS.get()
    try:
        async with asyncio.timeout(timeout):
            # httpx's params= would replace the query the url already has: merge instead
            # (an arg of the same name as a query key in the url replaces it).
            target = httpx.URL(url)
            request = client.build_request(
                spec.method,
                target.copy_merge_params(params) if params else target,
                headers=headers,
                json=None if get else body,
                timeout=httpx.Timeout(timeout),
            )
            response = await _send(client, request, spec.follow_redirects, state)
            try:
                raw = await _read_body(response, spec.max_response_bytes, state)
            finally:
                await response.aclose()
            return _decode(response, raw, state)
    except TimeoutError:
        raise ActionError(
            f"HTTP action timed out after {timeout:g}s", state=state, timed_out=True
        ) from None
    except httpx.TimeoutException as exc:
        raise ActionError(
            f"HTTP action timed out ({type(exc).__name__})", state=state, timed_out=True
        ) from None
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, ValueError) as exc:
        # No chaining and no message: httpx texts may quote the URL, and with it a value.
        raise ActionError(f"HTTP request failed: {type(exc).__name__}", state=state) from None


async def _send(
    client: httpx.AsyncClient, request: httpx.Request, follow: bool, state: str
) -> httpx.Response:
    """Send, following redirects only if allowed: same scheme, at most MAX_REDIRECTS."""
    scheme = request.url.scheme
    for _ in range(MAX_REDIRECTS + 1):
        response = await client.send(request, stream=True, follow_redirects=False)
        status = response.status_code
        if status < 300:
            return response
        await response.aclose()
        if status >= 400:
            raise ActionError(f"HTTP {status} from the action endpoint", state=state)
        if not follow:
            raise ActionError(
                f"HTTP {status} redirect from the action endpoint "
                "(redirects are failures unless the action sets follow_redirects: true)",
                state=state,
            )
        following = response.next_request
        if following is None:  # 304, 300 or a 3xx without Location
            raise ActionError(f"HTTP {status} from the action endpoint", state=state)
        if following.url.scheme != scheme:
            raise ActionError(
                f"HTTP {status} redirect to another scheme ({scheme} to "
                f"{following.url.scheme}) is not followed",
                state=state,
            )
        request = following
    raise ActionError(f"more than {MAX_REDIRECTS} redirects from the action endpoint", state=state)


class _TooLarge(Exception):
    pass


class _Inflater:
    """gzip/deflate decoding whose output never exceeds the cap (a bomb stops at cap + 1)."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self.wbits = zlib.MAX_WBITS | 16 if encoding == "gzip" else zlib.MAX_WBITS
        self.decoder = zlib.decompressobj(self.wbits)
        self.started = False

    def feed(self, data: bytes, out: bytearray, cap: int) -> None:
        if not self.started and self.encoding == "deflate":
            self.started = True
            try:
                self._inflate(data, out, cap)
            except zlib.error:  # "deflate" sent raw, without the zlib wrapper
                self.wbits = -zlib.MAX_WBITS
                self.decoder = zlib.decompressobj(self.wbits)
                self._inflate(data, out, cap)
            return
        self._inflate(data, out, cap)

    def _inflate(self, data: bytes, out: bytearray, cap: int) -> None:
        while data:
            # max_length is at least 1 (0 would mean "no limit").
            out += self.decoder.decompress(data, cap - len(out) + 1)
            if len(out) > cap:
                raise _TooLarge
            data = self.decoder.unconsumed_tail
            if not data and self.decoder.eof and self.decoder.unused_data:
                data = self.decoder.unused_data  # another gzip member follows
                self.decoder = zlib.decompressobj(self.wbits)

    def finish(self, out: bytearray, cap: int) -> None:
        out += self.decoder.flush()
        if len(out) > cap:
            raise _TooLarge


def _inflater(response: httpx.Response, state: str) -> _Inflater | None:
    codings = [
        c.strip().lower()
        for c in response.headers.get("content-encoding", "").split(",")
        if c.strip() and c.strip().lower() != "identity"
    ]
    if not codings:
        return None
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip", "deflate"):
        return _Inflater("deflate" if codings[0] == "deflate" else "gzip")
    raise ActionError(
        f"the action endpoint answered with an unsupported Content-Encoding "
        f"({', '.join(codings)[:60]})",
        state=state,
    )


async def _read_body(response: httpx.Response, cap: int, state: str) -> bytes:
    """The body, decoded from gzip/deflate, read in chunks and never more than ``cap`` bytes."""
    inflater = _inflater(response, state)
    too_large = ActionError(f"response larger than {cap} bytes", state=state)
    length = response.headers.get("content-length", "").strip()
    if inflater is None and length.isdigit() and int(length) > cap:
        raise too_large
    # Compressed input is normally smaller than its output; a stream of empty
    # deflate blocks is not, so the raw bytes have a bound of their own.
    raw_cap = 2 * cap + 65_536
    raw_seen = 0
    out = bytearray()
    chunks = response.aiter_raw()
    try:
        async for chunk in chunks:
            raw_seen += len(chunk)
            if raw_seen > raw_cap:
                raise _TooLarge
            if inflater is None:
                out += chunk
                if len(out) > cap:
                    raise _TooLarge
            else:
                inflater.feed(chunk, out, cap)
        if inflater is not None:
            inflater.finish(out, cap)
    except (_TooLarge, zlib.error) as exc:
        await _abandon(response, chunks)
        if isinstance(exc, _TooLarge):
            raise too_large from None
        raise ActionError("the response body is not valid gzip/deflate data", state=state) from None
    return bytes(out)


async def _abandon(response: httpx.Response, chunks: AsyncIterator[bytes]) -> None:
    """Stop reading a body half-way: drop the connection, then let httpx's generators end.

    httpx reads through a chain of nested async generators. Closing only the
    outermost would leave the inner ones suspended, to be finalised one by one
    by tasks the loop creates at garbage collection. With the connection closed
    first, one more read fails at the bottom of the chain and the error ends
    every generator in it, here and now.
    """
    await response.aclose()
    with contextlib.suppress(Exception):
        async for _ in chunks:  # at most what h11 had buffered; then the closed socket fails
            pass


def _decode(response: httpx.Response, raw: bytes, state: str) -> Any:
    if "json" in response.headers.get("content-type", "").lower():
        # An empty JSON body (a 204 from a DELETE that says application/json) is None.
        return _json(raw, state) if raw.strip() else None
    return raw.decode(_charset(response), errors="replace")


def _charset(response: httpx.Response) -> str:
    name = response.charset_encoding or "utf-8"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "utf-8"


_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_INNERMOST = re.compile(rb"\[\]|\{\}")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def _json(raw: bytes, state: str) -> Any:
    try:
        value = json.loads(raw.decode("utf-8-sig"))
    except RecursionError:
        raise ActionError(
            f"the JSON response is nested deeper than {MAX_JSON_DEPTH} levels", state=state
        ) from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, too many digits
        where = f" at byte {exc.pos}" if isinstance(exc, json.JSONDecodeError) else ""
        raise ActionError(
            f"the response says JSON but is not valid JSON ({type(exc).__name__}{where})",
            state=state,
        ) from None
    if _depth(raw) > MAX_JSON_DEPTH:
        raise ActionError(
            f"the JSON response is nested deeper than {MAX_JSON_DEPTH} levels", state=state
        )
    return value


def _depth(raw: bytes) -> int:
    """Nesting of a document already known to be valid JSON, counted up to MAX_JSON_DEPTH + 1.

    Strings are cut out, every byte but brackets dropped, then each pass removes
    the innermost ``[]``/``{}`` pairs: the number of passes is the depth. All of it
    runs at C speed, and it stops one pass past the limit.
    """
    if raw.count(b"[") + raw.count(b"{") <= MAX_JSON_DEPTH:
        return 0
    # Valid JSON: every string is terminated, so this regex never backtracks.
    skeleton = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    depth = 0
    while skeleton and depth <= MAX_JSON_DEPTH:
        skeleton = _INNERMOST.sub(b"", skeleton)
        depth += 1
    return depth


def _render(value: object, variables: Mapping[str, Any], state: str) -> Any:
    if isinstance(value, CompiledTemplate):
        return value.static if value.static is not None else value.render(variables, state=state)
    return value


def _render_json(value: object, variables: Mapping[str, Any], state: str) -> Any:
    if isinstance(value, dict):
        return {k: _render_json(v, variables, state) for k, v in value.items()}
    if isinstance(value, list):
        return [_render_json(v, variables, state) for v in value]
    return _render(value, variables, state)
