"""The wire: just enough HTTP/1.1, chunked encoding and SSE for OpenAI clients.

Written on asyncio streams so the scripted server adds no dependency, and kept
apart from what the server answers so the byte-level rules live in one place.
Reading is bounded (:data:`MAX_HEAD` for the head and each chunk-size line,
:data:`MAX_BODY` for the body), so a broken or hostile client gets a 4xx and a
closed connection, never unbounded memory; error bodies have OpenAI's shape, so
a client raises the same exceptions it would against the real API.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "LAST_CHUNK",
    "MAX_BODY",
    "MAX_HEAD",
    "SSE_DONE",
    "BadRequestError",
    "Connection",
    "HTTPRequest",
    "chunked",
    "error_body",
    "head",
    "json_object",
    "read_request",
    "send_json",
    "sse_event",
]

MAX_HEAD = 64 * 1024
"""Bytes a request head (or a chunk-size line) may take before it is refused with 431."""
MAX_BODY = 32 * 1024 * 1024
"""Bytes a request body may take before it is refused with 413."""
LAST_CHUNK = b"0\r\n\r\n"
"""The zero-length chunk that ends a chunked body (no trailers)."""
SSE_DONE = b"data: [DONE]\n\n"
"""The event that ends an OpenAI stream."""

_STATUS_TEXT = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
}


class BadRequestError(Exception):
    """A request the server cannot read; answered with ``status`` and closed.

    Internal to the server: it never reaches a test, which sees the HTTP status.
    """

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def error_body(message: str, kind: str, code: str | None = None) -> dict[str, Any]:
    """An error body in OpenAI's shape (``{"error": {message, type, param, code}}``)."""
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


class Connection:
    """Buffered reading over an asyncio stream.

    The buffer lets a disconnect watcher and the request parser share one
    socket without losing bytes.
    """

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, number: int
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.number = number
        self._buffer = bytearray()
        self._eof = False

    async def _fill(self) -> bool:
        if self._eof:
            return False
        data = await self.reader.read(65536)
        if not data:
            self._eof = True
            return False
        self._buffer += data
        return True

    async def read_until(self, separator: bytes, limit: int) -> bytes | None:
        """The bytes before ``separator`` (consumed too); ``None`` at end of input.

        Raises:
            BadRequestError: More than ``limit`` bytes came without the separator.

        """
        while True:
            index = self._buffer.find(separator)
            if index >= 0:
                data = bytes(self._buffer[:index])
                del self._buffer[: index + len(separator)]
                return data
            if len(self._buffer) > limit:
                raise BadRequestError(431, "request head too large")
            if not await self._fill():
                return None

    async def read_exactly(self, size: int) -> bytes | None:
        """The next ``size`` bytes; ``None`` if the input ends first."""
        while len(self._buffer) < size:
            if not await self._fill():
                return None
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    async def wait_peer_closed(self) -> None:
        """Return when the client closes its side (buffers anything it sends)."""
        while await self._fill():
            pass

    async def send(self, data: bytes) -> None:
        """Write ``data`` and wait until the transport takes it (back-pressure)."""
        self.writer.write(data)
        await self.writer.drain()


@dataclass(slots=True)
class HTTPRequest:
    """One HTTP/1.x request as read off the wire (header names lower-cased)."""

    method: str
    path: str
    version: str
    headers: dict[str, str]
    body: bytes

    @property
    def keep_alive(self) -> bool:
        """Whether the connection stays open after the response (HTTP/1.0 and 1.1 rules)."""
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection


async def read_request(conn: Connection) -> HTTPRequest | None:
    """Read one request (head and body); ``None`` if the client closed first.

    Raises:
        BadRequestError: A malformed request line, header, chunk size or
            Content-Length, or a head or body over its bound.

    """
    head = await conn.read_until(b"\r\n\r\n", MAX_HEAD)
    if head is None:
        return None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadRequestError(400, f"malformed request line {lines[0]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise BadRequestError(400, f"malformed header line {line!r}")
        key = name.strip().lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    body = await _read_body(conn, headers)
    if body is None:
        return None
    return HTTPRequest(parts[0].upper(), urlsplit(parts[1]).path, parts[2], headers, body)


async def _read_body(conn: Connection, headers: Mapping[str, str]) -> bytes | None:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = bytearray()
        while True:
            size_line = await conn.read_until(b"\r\n", MAX_HEAD)
            if size_line is None:
                return None
            try:
                size = int(size_line.split(b";")[0].strip(), 16)
            except ValueError:
                raise BadRequestError(400, "malformed chunk size") from None
            if size == 0:
                # Trailers, if any, end with an empty line.
                while await conn.read_until(b"\r\n", MAX_HEAD) not in (b"", None):
                    pass
                return bytes(body)
            if len(body) + size > MAX_BODY:
                raise BadRequestError(413, "request body too large")
            data = await conn.read_exactly(size + 2)
            if data is None:
                return None
            body += data[:-2]
    try:
        length = int(headers.get("content-length", "0"))
    except ValueError:
        raise BadRequestError(400, "malformed Content-Length") from None
    if length > MAX_BODY:
        raise BadRequestError(413, "request body too large")
    return await conn.read_exactly(length) if length > 0 else b""


def json_object(raw: bytes) -> dict[str, Any] | None:
    """A request body decoded as a JSON object; ``None`` if empty, not JSON or not an object."""
    try:
        value = json.loads(raw) if raw else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def head(status: int, headers: Mapping[str, str]) -> bytes:
    """A response's status line and headers, up to and including the blank line."""
    lines = [f"HTTP/1.1 {status} {_STATUS_TEXT.get(status, 'Status')}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def send_json(
    conn: Connection,
    status: int,
    payload: Any,
    *,
    keep_alive: bool,
    extra: Mapping[str, str] | None = None,
) -> None:
    """Send a whole JSON response with its Content-Length."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        "Connection": "keep-alive" if keep_alive else "close",
        **(extra or {}),
    }
    await conn.send(head(status, headers) + body)


def chunked(data: bytes) -> bytes:
    """``data`` as one chunk of a ``Transfer-Encoding: chunked`` body."""
    return f"{len(data):X}\r\n".encode() + data + b"\r\n"


def sse_event(payload: Any) -> bytes:
    """``payload`` as one server-sent event (``data: <json>`` and a blank line)."""
    return b"data: " + json.dumps(payload, ensure_ascii=False).encode() + b"\n\n"
