"""A raw endpoint answering each chat request with a generated HTTP answer.

For what neither the scripted server nor ``rawhttp``'s fixed answers send: a
different answer per request, a stream that ends cut, reset or stalled, SSE
comments between chunks, a status with headers of the test's choosing.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from rawhttp import raw_server, read_request  # tests/llm is on sys.path

__all__ = ["Answer", "data", "delta_chunk", "endpoint"]


@dataclass
class Answer:
    """One generated HTTP answer to a chat request."""

    status: int = 200
    headers: bytes = b""
    events: list[bytes] = field(default_factory=list)
    ending: str = "done"  # done | no_done | close | reset | stall


def delta_chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def data(payload: dict[str, Any]) -> bytes:
    # ensure_ascii: a lone surrogate travels as its \\u escape, as a server's JSON sends it
    return f"data: {json.dumps(payload, ensure_ascii=True)}\n\n".encode()


@asynccontextmanager
async def endpoint(answers: list[Answer]) -> AsyncIterator[tuple[str, list[bytes]]]:
    """A raw HTTP endpoint answering the n-th request with ``answers[n]`` (the last repeats)."""
    calls: list[bytes] = []  # the request bodies, in order

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                _, request = await read_request(reader)
                answer = answers[min(len(calls), len(answers) - 1)]
                calls.append(request)
                if answer.status != 200:
                    body = b"".join(answer.events)
                    writer.write(
                        f"HTTP/1.1 {answer.status} X\r\nContent-Length: {len(body)}\r\n".encode()
                        + answer.headers
                        + b"Content-Type: application/json\r\n\r\n"
                        + body
                    )
                    await writer.drain()
                    continue
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n"
                )
                body = b"".join(answer.events)
                if answer.ending == "done":
                    body += b"data: [DONE]\n\n"
                if body:
                    writer.write(f"{len(body):X}\r\n".encode() + body + b"\r\n")
                await writer.drain()
                if answer.ending == "stall":
                    await reader.read()  # until the client hangs up
                    return
                if answer.ending == "reset":
                    writer.transport.abort()
                    return
                if answer.ending == "close":
                    writer.close()
                    return
                writer.write(b"0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async with raw_server(handle) as url:
        yield url, calls
