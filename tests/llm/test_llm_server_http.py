"""The wire format of the scripted server, checked byte by byte over raw sockets.

Also covers a stream that ends cleanly but never finishes (no finish_reason,
no [DONE]), which the scripted server cannot produce, with a tiny raw server.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from rawhttp import chunk, event, raw_server, sse_server, status_server

from superdialog.errors import LLMConnectionError, LLMError, LLMProtocolError, LLMStatusError
from superdialog.llm import Finished, LLMConfig, TextDelta, stream_chat
from superdialog.testing.llm_server import ScriptedLLMServer


class RawConnection:
    """A minimal HTTP/1.1 client, so the server is checked independently of httpx."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def request(
        self, method: str, path: str, body: Any = None, *, raw: bytes | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(data)}\r\n"
        self.writer.write(head.encode() + b"Content-Type: application/json\r\n\r\n" + data)
        await self.writer.drain()
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while (line := await self.reader.readline()) != b"\r\n":
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding") == "chunked":
            payload = bytearray()
            while size := int((await self.reader.readline()).strip(), 16):
                payload += await self.reader.readexactly(size)
                await self.reader.readexactly(2)
            await self.reader.readexactly(2)
            return status, headers, bytes(payload)
        return status, headers, await self.reader.readexactly(int(headers["content-length"]))

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


@asynccontextmanager
async def connect(server: ScriptedLLMServer) -> AsyncIterator[RawConnection]:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    connection = RawConnection(reader, writer)
    try:
        yield connection
    finally:
        await connection.close()


def sse_events(payload: bytes) -> list[str]:
    events = payload.decode().split("\n\n")
    assert events[-1] == ""
    assert all(e.startswith("data: ") for e in events[:-1])
    return [e.removeprefix("data: ") for e in events[:-1]]


CHAT = {
    "model": "gpt-test",
    "stream": True,
    "stream_options": {"include_usage": True},
    "messages": [{"role": "user", "content": "weather?"}],
    "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}],
}


async def test_stream_chunks_follow_the_openai_format(llm_server: ScriptedLLMServer):
    llm_server.add_rule(
        reply="Let me check.", tool={"name": "get_weather", "arguments": {"city": "Paris"}}
    )
    async with connect(llm_server) as conn:
        status, headers, payload = await conn.request("POST", "/v1/chat/completions", CHAT)
    assert status == 200
    assert headers["content-type"].startswith("text/event-stream")
    events = sse_events(payload)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    for one in chunks:
        assert one["object"] == "chat.completion.chunk"
        assert one["id"] == chunks[0]["id"] and one["model"] == "gpt-test"
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"]]
    text = "".join(d.get("content") or "" for d in deltas)
    assert text == "Let me check."
    fragments = [d["tool_calls"][0] for d in deltas if "tool_calls" in d]
    assert len(fragments) >= 4  # split like OpenAI: {" city ":" Paris "}
    assert fragments[0]["id"] and fragments[0]["type"] == "function"
    assert fragments[0]["function"] == {"name": "get_weather", "arguments": ""}
    assert all("id" not in f and "name" not in f["function"] for f in fragments[1:])
    assert "".join(f["function"]["arguments"] for f in fragments) == '{"city":"Paris"}'
    finish = chunks[-2]
    assert finish["choices"][0]["finish_reason"] == "tool_calls"
    assert finish["choices"][0]["delta"] == {}
    usage_chunk = chunks[-1]
    assert usage_chunk["choices"] == []
    usage = usage_chunk["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0
    assert all(c["usage"] is None for c in chunks[:-1])


async def test_no_usage_chunk_unless_asked(llm_server: ScriptedLLMServer):
    body = {**CHAT, "stream_options": None}
    async with connect(llm_server) as conn:
        _, _, payload = await conn.request("POST", "/v1/chat/completions", body)
    chunks = [json.loads(e) for e in sse_events(payload)[:-1]]
    assert all("usage" not in c and c["choices"] for c in chunks)


async def test_keep_alive_serves_several_requests_on_one_connection(
    llm_server: ScriptedLLMServer,
):
    plain = {**CHAT, "stream": False}
    async with connect(llm_server) as conn:
        first = await conn.request("POST", "/v1/chat/completions", CHAT)
        second = await conn.request("POST", "/v1/chat/completions", plain)
        models = await conn.request("GET", "/v1/models")
    assert (first[0], second[0], models[0]) == (200, 200, 200)
    completion = json.loads(second[2])
    assert completion["object"] == "chat.completion"
    assert completion["choices"][0]["message"]["content"] == llm_server.default_reply
    assert json.loads(models[2])["data"][0]["object"] == "model"
    assert len({r.connection for r in llm_server.requests}) == 1


@pytest.mark.parametrize(
    ("method", "path", "raw", "status"),
    [
        ("GET", "/v1/nothing", b"", 404),
        ("GET", "/v1/chat/completions", b"", 405),
        ("POST", "/v1/chat/completions", b"{not json", 400),
        ("POST", "/v1/chat/completions", b'{"model": "m"}', 400),
    ],
)
async def test_bad_requests_get_openai_style_errors(
    llm_server: ScriptedLLMServer, method: str, path: str, raw: bytes, status: int
):
    async with connect(llm_server) as conn:
        got, _, payload = await conn.request(method, path, raw=raw)
    assert got == status
    assert json.loads(payload)["error"]["message"]


async def test_status_faults_over_the_wire(llm_server: ScriptedLLMServer):
    llm_server.add_rule(fault=429, times=1)
    llm_server.add_rule(fault=500, times=1)
    async with connect(llm_server) as conn:
        limited = await conn.request("POST", "/v1/chat/completions", CHAT)
        failed = await conn.request("POST", "/v1/chat/completions", CHAT)
    assert (limited[0], limited[1]["retry-after"]) == (429, "0")
    assert json.loads(limited[2])["error"]["code"] == "rate_limit_exceeded"
    assert failed[0] == 500 and json.loads(failed[2])["error"]["type"] == "server_error"


async def run(writes: list[bytes], **config: Any) -> tuple[list[Any], list[int], Exception | None]:
    calls: list[int] = []
    received: list[Any] = []
    error: Exception | None = None
    async with raw_server(sse_server(writes, calls)) as base_url:
        settings: dict[str, Any] = {"backoff_s": 0.0, "retries": 2, **config}
        try:
            async for item in stream_chat(
                LLMConfig(base_url=base_url, **settings), CHAT["messages"]
            ):
                received.append(item)
        except LLMError as exc:
            error = exc
    return received, calls, error


async def test_a_stream_that_ends_unfinished_after_text_is_a_connection_error():
    received, calls, error = await run([event(chunk("Hello")), event(chunk(" there"))])
    assert [e.text for e in received] == ["Hello", " there"]
    assert isinstance(error, LLMConnectionError) and "before the model finished" in str(error)
    assert error.retryable is False
    assert len(calls) == 1


async def test_a_stream_that_ends_unfinished_before_text_is_retried():
    received, calls, error = await run([event(chunk(""))])
    assert received == []
    assert isinstance(error, LLMConnectionError) and error.retryable is True
    assert len(calls) == 3


async def test_a_finished_stream_without_done_is_accepted():
    received, _, error = await run([event(chunk("Hi")), event(chunk(finish="stop"))])
    assert error is None
    assert isinstance(received[-1], Finished) and received[-1].finish_reason == "stop"


async def test_sse_split_anywhere_with_crlf_and_comments():
    body = (
        b": keep-alive comment\r\n\r\n"
        + event(chunk("Hé")).replace(b"\n", b"\r\n")
        + event(chunk("llo"))
        + b"event: message\n"
        + event(chunk(finish="stop"))
        + event("[DONE]")
    )
    received, _, error = await run([body[i : i + 1] for i in range(len(body))])  # byte by byte
    assert error is None
    assert [e.text for e in received if isinstance(e, TextDelta)] == ["Hé", "llo"]


@pytest.mark.parametrize(
    ("kind", "retryable", "attempts"),
    [("server_error", True, 3), ("invalid_request_error", False, 1)],
)
async def test_error_events_inside_the_stream(kind: str, retryable: bool, attempts: int):
    error_event = event({"error": {"message": "overloaded", "type": kind}})
    _, calls, error = await run([error_event])
    assert isinstance(error, LLMProtocolError) and f"({kind})" in str(error)
    assert "overloaded" not in str(error)  # the endpoint's words may quote the prompt
    assert error.retryable is retryable
    assert len(calls) == attempts


@pytest.mark.parametrize(
    "payload",
    [[1, 2], {"choices": "nope"}, {"choices": [{"index": 0, "delta": {"content": 5}}]}, "{oops"],
)
async def test_chunks_of_the_wrong_shape_are_protocol_errors(payload: Any):
    _, calls, error = await run([event(payload)])
    assert isinstance(error, LLMProtocolError)
    assert len(calls) == 1


async def test_a_long_retry_after_ends_the_call_at_once():
    calls: list[int] = []
    async with raw_server(status_server(429, b"Retry-After: 30\r\n", calls)) as base_url:
        config = LLMConfig(base_url=base_url, retries=3, max_backoff_s=2.0)
        with pytest.raises(LLMStatusError) as info:
            async for _ in stream_chat(config, CHAT["messages"]):
                pass
    assert info.value.status_code == 429 and info.value.retryable is True
    assert len(calls) == 1
