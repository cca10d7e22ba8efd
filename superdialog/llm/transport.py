"""A lean HTTP/1.1 transport for the openai client: keep-alive connections on asyncio protocols.

The openai client sends through an ``httpx2.AsyncClient``, whose stock transport
(httpcore2 over anyio, h11 for the protocol) cost about 900 µs of CPU per streamed
chat completion on our bench machine, against about 300 µs for the same bytes
written and read with a few lines of asyncio: per-event state machines in h11,
per-read anyio wrappers, a connection pool that looks at every connection on each
request and response, and the request head and body written as two packets.

:class:`LeanTransport` is an ``httpx2.AsyncBaseTransport``, handed to the SDK
through its public ``http_client=`` parameter, so the openai client stays our
request builder, auth and error layer. It speaks HTTP/1.1 only (what chat
endpoints serve), over plain TCP or TLS (asyncio's ``ssl`` support):

* one ``asyncio.Protocol`` per connection parses the response as bytes arrive:
  the head, then the body (``Content-Length``, chunked, or up to the close), and
  hands the consumer everything one socket read completed, joined, so a stream
  of small SSE chunks costs one wake-up per read rather than per chunk;
* the request head and body leave in one write;
* idle connections wait per host in a LIFO stack (the warmest first, expired
  ones dropped from its cold end), and at most ``max_connections`` are open per
  host: taking and returning one is O(1), whatever the pool's size;
* a response not read to its end (barge-in, an error, a cancelled task) closes
  its connection, so the endpoint stops generating; a connection is reused only
  after a complete response that did not ask to close.

Everything the peer controls is bounded: the head (``MAX_HEAD_BYTES``), a chunk
size line and the trailers, what is buffered ahead of the consumer (reading
pauses above ``_HIGH_WATER``), and an error status's body (cut after
``MAX_ERROR_BODY_BYTES``, its connection dropped). A peer that breaks the protocol raises
``httpx2.RemoteProtocolError``; connection failures raise ``httpx2.ConnectError``,
``ConnectTimeout``, ``ReadError`` or ``ReadTimeout``, which the SDK and
:mod:`superdialog.llm.translate` already map.
"""

from __future__ import annotations

import asyncio
import collections
import re
import ssl
import urllib.request
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Final, Self

import httpx2

if TYPE_CHECKING:
    from types import TracebackType

__all__ = ["MAX_ERROR_BODY_BYTES", "MAX_HEAD_BYTES", "LeanTransport", "env_proxies"]

MAX_HEAD_BYTES: Final = 64 * 1024
"""Largest response head (status line and headers) accepted; h11 allows the same."""

_MAX_LINE: Final = 4096
"""Largest chunk-size line accepted (with its extensions)."""

_MAX_TRAILERS: Final = 64 * 1024
"""Largest trailer section accepted after the last chunk."""

_HIGH_WATER: Final = 256 * 1024
"""Decoded body bytes held for a slow consumer before reading from the socket pauses."""

MAX_ERROR_BODY_BYTES: Final = 1024 * 1024
"""An error response's body is cut here: the SDK reads it whole to build its status error,
and an error page has no business being larger (a misbehaving proxy's could be gigabytes)."""

_DEFAULT_MAX_CONNECTIONS: Final = 1024
_DEFAULT_KEEPALIVE_S: Final = 30.0

_STATUS_LINE = re.compile(rb"HTTP/1\.([01]) ([0-9]{3})(?: ([^\r\n]*))?")
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")
_DIGITS = re.compile(rb"[0-9]{1,19}")
_DEFAULT_PORTS: Final = {b"http": 80, b"https": 443}

# Response framing.
_NONE, _LENGTH, _CHUNKED, _UNTIL_CLOSE = range(4)
# Where a chunked body is.
_SIZE, _DATA, _DATA_END, _TRAILERS = range(4)


def env_proxies() -> bool:
    """Whether the environment names an HTTP(S) proxy (``HTTPS_PROXY``, ``ALL_PROXY``...).

    httpx2 honours those only with its own transport, so a client that would go
    through a proxy keeps the stock one.
    """
    return any(
        scheme in {"http", "https", "all"} for scheme in urllib.request.getproxies_environment()
    )


class _Head:
    """A parsed response head."""

    __slots__ = ("close", "framing", "headers", "length", "reason", "status")

    def __init__(
        self,
        status: int,
        reason: bytes,
        headers: list[tuple[bytes, bytes]],
        framing: int,
        length: int,
        close: bool,
    ) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers
        self.framing = framing
        self.length = length
        self.close = close


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: writes a request, parses its response as bytes arrive.

    The parser runs in ``data_received``; the task reading the response waits on
    one future at a time (``_waiter``), woken once per socket read that completed
    something (the head, body bytes, the end, an error).
    """

    def __init__(self, pool: _HostPool) -> None:
        self._pool = pool
        self._loop = pool.loop
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._waiter: asyncio.Future[None] | None = None
        self._head_only = False
        self.head: _Head | None = None
        self._pieces: list[bytes] = []
        self._held = 0
        self._framing = _NONE
        self._left = 0
        self._chunk = _SIZE
        self.complete = False  # the response (head and body) is fully read
        self.error: httpx2.TransportError | None = None
        self.closed = False
        self.busy = False
        self.received = False  # any byte of the current response arrived
        self._paused = False
        self.idle_since = 0.0

    # asyncio.Protocol ----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.busy and not self.complete and self.error is None:
            if self._framing == _UNTIL_CLOSE and self.head is not None and exc is None:
                self._end()
            elif exc is not None:
                self.error = httpx2.ReadError(f"connection lost ({type(exc).__name__})")
            elif self.head is None:
                self.error = httpx2.RemoteProtocolError(
                    "Server disconnected without sending a response."
                )
            else:
                self.error = httpx2.RemoteProtocolError(
                    "peer closed connection without sending complete message body"
                )
        self._wake()

    def eof_received(self) -> bool | None:
        return None  # close our side too: HTTP/1.1 has no use for a half-open connection

    def data_received(self, data: bytes) -> None:
        if not self.busy or self.complete or self.error is not None:
            # Bytes nobody asked for (after a complete response, or while idle): the
            # connection's framing can no longer be trusted.
            self.closed = True
            if self.transport is not None:
                self.transport.close()
            return
        self.received = True
        self._buffer += data
        try:
            self._parse()
        except httpx2.RemoteProtocolError as exc:
            self.error = exc
            self.abort()
        if self.complete and self._buffer:
            self.abort()  # bytes past the response: its framing cannot be trusted again
        if self._held > _HIGH_WATER and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        self._wake()

    # Parsing ---------------------------------------------------------------------------

    def _parse(self) -> None:
        if self.head is None:
            self._parse_head()
            if self.head is None:
                return
        framing = self._framing
        if framing == _CHUNKED:
            self._parse_chunked()
        elif framing == _LENGTH:
            buffer = self._buffer
            if len(buffer) >= self._left:
                self._give(bytes(buffer[: self._left]))
                del buffer[: self._left]
                self._left = 0
                self._end()
            elif buffer:
                self._left -= len(buffer)
                self._give(bytes(buffer))
                buffer.clear()
        elif framing == _UNTIL_CLOSE and self._buffer:
            self._give(bytes(self._buffer))
            self._buffer.clear()

    def _parse_head(self) -> None:
        while self.head is None:
            buffer = self._buffer
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > MAX_HEAD_BYTES:
                    raise httpx2.RemoteProtocolError("response head too long")
                return
            if end > MAX_HEAD_BYTES:
                raise httpx2.RemoteProtocolError("response head too long")
            lines = bytes(buffer[:end]).split(b"\r\n")
            del buffer[: end + 4]
            head = self._read_head(lines)
            if head is not None:
                self.head = head
                self._framing = head.framing
                self._left = head.length
                if head.framing == _NONE or (head.framing == _LENGTH and head.length == 0):
                    self._end()

    def _read_head(self, lines: list[bytes]) -> _Head | None:
        """The head in ``lines``; ``None`` for an informational (1xx) response to skip."""
        match = _STATUS_LINE.fullmatch(lines[0])
        if match is None:
            raise httpx2.RemoteProtocolError("malformed response status line")
        minor, code, reason = match.groups()
        status = int(code)
        if status < 100:
            raise httpx2.RemoteProtocolError("malformed response status line")
        headers: list[tuple[bytes, bytes]] = []
        length: bytes | None = None
        chunked = False
        close = minor == b"0"
        for line in lines[1:]:
            name, colon, value = line.partition(b":")
            if not colon or _TOKEN.fullmatch(name) is None:
                raise httpx2.RemoteProtocolError("malformed response header")
            value = value.strip(b" \t")
            if b"\r" in value or b"\n" in value or b"\x00" in value:
                raise httpx2.RemoteProtocolError("malformed response header")
            headers.append((name, value))
            lower = name.lower()
            if lower == b"content-length":
                if _DIGITS.fullmatch(value) is None or (length is not None and length != value):
                    raise httpx2.RemoteProtocolError("malformed Content-Length")
                length = value
            elif lower == b"transfer-encoding":
                if value.lower() != b"chunked" or chunked:
                    raise httpx2.RemoteProtocolError("unsupported Transfer-Encoding")
                chunked = True
            elif lower == b"connection":
                tokens = {t.strip().lower() for t in value.split(b",")}
                if b"close" in tokens:
                    close = True
                elif b"keep-alive" in tokens and minor == b"0":
                    close = False
        if 100 <= status < 200:
            if status == 101:
                raise httpx2.RemoteProtocolError("unexpected protocol switch")
            return None
        if self._head_only or status in (204, 304):
            framing, size = _NONE, 0
        elif chunked:
            if length is not None:  # both: a smuggling vector; refuse rather than guess
                raise httpx2.RemoteProtocolError("both Content-Length and Transfer-Encoding")
            framing, size = _CHUNKED, 0
        elif length is not None:
            framing, size = _LENGTH, int(length)
        else:
            framing, size, close = _UNTIL_CLOSE, 0, True
        return _Head(status, reason or b"", headers, framing, size, close)

    def _parse_chunked(self) -> None:
        buffer = self._buffer
        pos = 0
        end = len(buffer)
        pieces: list[bytes] = []
        try:
            while pos < end:
                state = self._chunk
                if state == _DATA:
                    take = min(self._left, end - pos)
                    pieces.append(bytes(buffer[pos : pos + take]))
                    pos += take
                    self._left -= take
                    if self._left == 0:
                        self._chunk = _DATA_END
                elif state == _DATA_END:
                    if end - pos < 2:
                        return
                    if buffer[pos : pos + 2] != b"\r\n":
                        raise httpx2.RemoteProtocolError("malformed chunked body")
                    pos += 2
                    self._chunk = _SIZE
                elif state == _SIZE:
                    eol = buffer.find(b"\r\n", pos, pos + _MAX_LINE + 2)
                    if eol < 0:
                        if end - pos > _MAX_LINE:
                            raise httpx2.RemoteProtocolError("chunk size line too long")
                        return
                    size_field = bytes(buffer[pos:eol]).partition(b";")[0].strip(b" \t")
                    if _HEX.fullmatch(size_field) is None:
                        raise httpx2.RemoteProtocolError("malformed chunk size")
                    pos = eol + 2
                    self._left = int(size_field, 16)
                    self._chunk = _DATA if self._left else _TRAILERS
                else:  # _TRAILERS: lines up to an empty one
                    eol = buffer.find(b"\r\n", pos)
                    if eol < 0:
                        if end - pos > _MAX_TRAILERS:
                            raise httpx2.RemoteProtocolError("trailers too long")
                        return
                    line_empty = eol == pos
                    pos = eol + 2
                    if line_empty:
                        self._end()
                        return
        finally:
            del buffer[:pos]
            if pieces:
                self._give(pieces[0] if len(pieces) == 1 else b"".join(pieces))

    def _give(self, data: bytes) -> None:
        if data:
            self._pieces.append(data)
            self._held += len(data)

    def _end(self) -> None:
        self.complete = True

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # The task's side ---------------------------------------------------------------

    def start(self, data: bytes, *, head_only: bool) -> None:
        """Send one request (head and body in one write) and reset the response state."""
        assert self.transport is not None
        self.busy = True
        self.complete = False
        self.received = False
        self.error = None
        self.head = None
        self._framing = _NONE
        self._chunk = _SIZE
        self._head_only = head_only
        # A reader may stop after the last bytes arrived but before taking them all.
        self._pieces.clear()
        self._held = 0
        if self._paused:
            self._paused = False
            self.transport.resume_reading()
        self.transport.write(data)

    async def wait(self, timeout: float | None) -> None:
        """Wait until the next socket read has been parsed (or the connection ends)."""
        waiter = self._loop.create_future()
        self._waiter = waiter
        timer = None
        if timeout is not None:
            timer = self._loop.call_later(timeout, _expire, waiter)
        try:
            await waiter
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()

    def take(self) -> bytes | None:
        """The decoded body bytes read so far, joined; ``None`` if there are none yet."""
        pieces = self._pieces
        if not pieces:
            return None
        data = pieces[0] if len(pieces) == 1 else b"".join(pieces)
        pieces.clear()
        self._held = 0
        if self._paused and self.transport is not None and not self.closed:
            self._paused = False
            self.transport.resume_reading()
        return data

    def abort(self) -> None:
        """Drop the connection now (the response will not be read to its end)."""
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    @property
    def pending(self) -> bool:
        """Whether body bytes are waiting to be taken."""
        return bool(self._pieces)

    @property
    def reusable(self) -> bool:
        """Whether the response ended cleanly on a connection that stays open."""
        return (
            self.complete
            and self.error is None
            and not self.closed
            and self.head is not None
            and not self.head.close
        )


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


class _HostPool:
    """The connections of one ``(scheme, host, port)``: an idle stack and an open count."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        key: tuple[bytes, str, int],
        ssl_context: ssl.SSLContext | None,
        max_connections: int,
        keepalive_s: float,
    ) -> None:
        self.loop = loop
        self.scheme, self.host, self.port = key
        self.ssl_context = ssl_context
        self.idle: collections.deque[_Connection] = collections.deque()
        self.slots = asyncio.Semaphore(max_connections)
        self.keepalive_s = keepalive_s
        self.open: set[_Connection] = set()

    def pop_idle(self) -> _Connection | None:
        """The warmest idle connection still usable; expired or closed ones are dropped."""
        idle = self.idle
        now = self.loop.time()
        while idle:
            conn = idle.pop()
            if conn.closed:
                self.open.discard(conn)
                continue
            if now - conn.idle_since > self.keepalive_s:
                # The rest of the stack is older still: close it all.
                conn.abort()
                self.open.discard(conn)
                while idle:
                    old = idle.popleft()
                    old.abort()
                    self.open.discard(old)
                return None
            return conn
        return None

    async def connect(self, timeout: float | None) -> _Connection:
        conn = _Connection(self)
        try:
            async with asyncio.timeout(timeout):
                await self.loop.create_connection(
                    lambda: conn,
                    self.host,
                    self.port,
                    ssl=self.ssl_context,
                    server_hostname=self.host if self.ssl_context is not None else None,
                )
        except TimeoutError as exc:
            conn.abort()
            raise httpx2.ConnectTimeout("timed out connecting to the endpoint") from exc
        except (OSError, ssl.SSLError) as exc:
            conn.abort()
            raise httpx2.ConnectError(_os_reason(exc)) from exc
        self.open.add(conn)
        return conn

    def release(self, conn: _Connection) -> None:
        """Give the connection's slot back, keeping the connection if it can serve again."""
        conn.busy = False
        if conn.reusable:
            conn.idle_since = self.loop.time()
            conn.head = None
            self.idle.append(conn)
        else:
            conn.abort()
            self.open.discard(conn)
        self.slots.release()

    def close(self) -> None:
        for conn in list(self.open):
            conn.abort()
        self.open.clear()
        self.idle.clear()


def _os_reason(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError):
        return f"TLS handshake failed ({exc.reason or type(exc).__name__})"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__


class _ResponseStream(httpx2.AsyncByteStream):
    """A response body: one item per socket read; closing it early drops the connection."""

    def __init__(
        self,
        pool: _HostPool,
        conn: _Connection,
        read_timeout: float | None,
        limit: int | None = None,
    ) -> None:
        self._pool = pool
        self._conn: _Connection | None = conn
        self._timeout = read_timeout
        self._left = limit  # bytes still given out before the body is cut (None: no limit)

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self

    async def __anext__(self) -> bytes:
        conn = self._conn
        if conn is None:
            raise StopAsyncIteration
        while True:
            data = conn.take()
            if data is not None:
                if self._left is not None:
                    if len(data) >= self._left:  # the rest is not read: drop the connection
                        data = data[: self._left]
                        self.finish(abort=True)
                    else:
                        self._left -= len(data)
                return data
            if conn.error is not None:
                error = conn.error
                self.finish()
                raise error
            if conn.complete:
                self.finish()
                raise StopAsyncIteration
            try:
                await conn.wait(self._timeout)
            except TimeoutError:
                self.finish(abort=True)
                raise httpx2.ReadTimeout("timed out reading the response body") from None
            except BaseException:  # cancelled mid-read: the rest of the body is not wanted
                self.finish(abort=True)
                raise

    def finish(self, *, abort: bool = False) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            if abort:
                conn.abort()
            self._pool.release(conn)

    async def aclose(self) -> None:
        self.finish()


class LeanTransport(httpx2.AsyncBaseTransport):
    """HTTP/1.1 keep-alive pools per host over asyncio protocols; see the module docstring.

    Args:
        verify: ``True`` for httpx2's default certificate checks, ``False`` for none,
            or an ``ssl.SSLContext`` to use as is (for ``https`` endpoints).
        max_connections: Connections open at once per host; more requests wait.
        keepalive_s: How long an idle connection is kept for reuse.

    """

    def __init__(
        self,
        *,
        verify: ssl.SSLContext | bool = True,
        max_connections: int = _DEFAULT_MAX_CONNECTIONS,
        keepalive_s: float = _DEFAULT_KEEPALIVE_S,
    ) -> None:
        """Configure the transport; nothing is opened until the first request."""
        self._verify = verify
        self._ssl_context: ssl.SSLContext | None = None
        self._max = max_connections
        self._keepalive_s = keepalive_s
        self._pools: dict[tuple[bytes, str, int], _HostPool] = {}
        self._closed = False

    def _tls(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            if isinstance(self._verify, ssl.SSLContext):
                self._ssl_context = self._verify
            else:
                self._ssl_context = httpx2.create_ssl_context(verify=self._verify)
                self._ssl_context.set_alpn_protocols(["http/1.1"])
        return self._ssl_context

    def _pool(self, url: httpx2.URL) -> _HostPool:
        scheme = url.raw_scheme
        port = url.port or _DEFAULT_PORTS.get(scheme)
        key = (scheme, url.raw_host.decode("ascii"), port or 0)
        pool = self._pools.get(key)
        if pool is None:
            if scheme not in _DEFAULT_PORTS:
                raise httpx2.UnsupportedProtocol(f"unsupported URL scheme {url.scheme!r}")
            context = self._tls() if scheme == b"https" else None
            pool = _HostPool(asyncio.get_running_loop(), key, context, self._max, self._keepalive_s)
            self._pools[key] = pool
        return pool

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Send ``request`` and return its response with the body still to be read.

        Raises:
            httpx2.TransportError: The subclass for what failed (connect, read,
                timeout, a protocol violation by either side).

        """
        if self._closed:
            raise httpx2.ConnectError("the transport is closed", request=request)
        body = await request.aread()
        timeouts = request.extensions.get("timeout") or {}
        pool = self._pool(request.url)
        head_only = request.method == "HEAD"
        try:
            async with asyncio.timeout(timeouts.get("pool")):
                await pool.slots.acquire()
        except TimeoutError as exc:
            raise httpx2.PoolTimeout("timed out waiting for a connection", request=request) from exc
        conn: _Connection | None = None
        try:
            for reuse in (True, False):
                conn = pool.pop_idle() if reuse else None
                fresh = conn is None
                if conn is None:
                    conn = await pool.connect(timeouts.get("connect"))
                # Serialised per try, not kept: a request waiting for its response
                # head would otherwise hold a second copy of its body.
                conn.start(_serialise(request, body), head_only=head_only)
                try:
                    head = await _read_head(conn, timeouts.get("read"))
                except httpx2.RemoteProtocolError:
                    # A kept-alive connection the server closed as we reused it: the
                    # request was never read, so send it again on a new connection.
                    if fresh or conn.received or not conn.closed:
                        raise
                    pool.open.discard(conn)
                    conn.busy = False
                    conn = None
                    continue
                break
            assert conn is not None
        except BaseException as exc:
            if conn is not None:
                conn.abort()
                conn.busy = False
                pool.open.discard(conn)
            pool.slots.release()
            if isinstance(exc, httpx2.RequestError):
                _attach(exc, request)
            raise
        limit = MAX_ERROR_BODY_BYTES if head.status >= 400 else None
        stream = _ResponseStream(pool, conn, timeouts.get("read"), limit)
        if conn.complete and not conn.pending:  # no body at all: the connection is free now
            stream.finish()
        return httpx2.Response(
            head.status,
            headers=head.headers,
            stream=stream,
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": head.reason},
        )

    async def aclose(self) -> None:
        """Close every connection; later requests fail with ``ConnectError``."""
        self._closed = True
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()

    async def __aenter__(self) -> Self:
        """Use as an async context manager; closed on exit."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        """Close every connection."""
        await self.aclose()


def _attach(exc: httpx2.RequestError, request: httpx2.Request) -> None:
    try:
        exc.request  # noqa: B018 - raises if the error has no request yet
    except RuntimeError:
        exc.request = request


async def _read_head(conn: _Connection, timeout: float | None) -> _Head:
    while conn.head is None:
        if conn.error is not None:
            raise conn.error
        if conn.closed:
            raise httpx2.RemoteProtocolError("Server disconnected without sending a response.")
        try:
            await conn.wait(timeout)
        except TimeoutError:
            raise httpx2.ReadTimeout("timed out waiting for the response") from None
    return conn.head


def _serialise(request: httpx2.Request, body: bytes) -> bytes:
    """The request's head and body as one write; CR or LF in a header is refused."""
    url = request.url
    headers = request.headers.raw
    chunked = False
    lines = [b"%s %s HTTP/1.1" % (request.method.encode("ascii"), url.raw_path)]
    for name, value in headers:
        lines.append(name + b": " + value)
        if name.lower() == b"transfer-encoding":
            chunked = True
    head = b"\r\n".join(lines)
    breaks = len(lines) - 1  # exactly the CRLFs between lines: any other CR or LF is injected
    if head.count(b"\n") != breaks or head.count(b"\r") != breaks:
        raise httpx2.LocalProtocolError("a request header holds CR or LF", request=request)
    if chunked:  # a streamed upload: the whole body as one chunk
        body = (b"%X\r\n%s\r\n0\r\n\r\n" % (len(body), body)) if body else b"0\r\n\r\n"
    return head + b"\r\n\r\n" + body
