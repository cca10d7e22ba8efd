"""A tiny raw HTTP endpoint for what the scripted server cannot send on purpose.

The scripted server (``superdialog.testing.llm_server``) only misbehaves in the
ways its faults describe; tests of the client's handling of other endpoint
behaviour (an error event inside a stream, a chunk of the wrong shape, a body or
status line of the endpoint's own choosing) answer from these few lines over a
real socket, so the real openai client and HTTP stack still do the reading.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

__all__ = ["Handler", "chunk", "event", "raw_server", "sse_server", "status_server"]

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def raw_server(handler: Handler) -> AsyncIterator[str]:
    """Serve ``handler``; on exit its handlers still running are cancelled and awaited.

    A handler pausing between writes (``gap_s``) outlived the server when the
    client had given up early, and the suite's task-leak check failed the test
    now and then.
    """
    running: set[asyncio.Task[Any]] = set()

    async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        running.add(task)
        try:
            await handler(reader, writer)
        finally:
            running.discard(task)

    server = await asyncio.start_server(tracked, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/v1"
    finally:
        server.close()
        server.close_clients()
        for task in list(running):  # a handler left waiting must not outlive the test
            task.cancel()
        if running:
            await asyncio.wait(list(running))
        await server.wait_closed()


async def read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One request from ``reader``: its head and its body (read to its Content-Length)."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    return head, await reader.readexactly(length)


def chunk(content: str | None = None, finish: str | None = None) -> dict[str, Any]:
    delta = {} if content is None else {"content": content}
    return {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def event(payload: Any) -> bytes:
    return f"data: {payload if isinstance(payload, str) else json.dumps(payload)}\n\n".encode()


def sse_server(writes: list[bytes], calls: list[int], gap_s: float = 0.0) -> Handler:
    """Answers every request with ``writes``, each sent as one HTTP chunk, ``gap_s`` apart."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        calls.append(1)
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        )
        for i, data in enumerate(writes):
            if i and gap_s:
                await asyncio.sleep(gap_s)
            writer.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    return handle


def status_server(
    status: int,
    headers: bytes,
    calls: list[int],
    body: bytes = b'{"error": {"message": "slow down", "type": "requests"}}',
    reason: bytes = b"X",
) -> Handler:
    """Answers every request with ``status``, ``headers`` and ``body``."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        calls.append(1)
        writer.write(
            f"HTTP/1.1 {status} ".encode()
            + reason
            + f"\r\nContent-Length: {len(body)}\r\n".encode()
            + headers
            + b"Connection: close\r\n\r\n"
            + body
        )
        try:
            await writer.drain()
            writer.close()
            await writer.wait_closed()
        except ConnectionError:
            pass  # the client dropped a body it would not read whole (an error body over its cap)

    return handle
