"""Resilience: every scripted fault, over real HTTP, through the real client."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import time
from contextlib import aclosing

import pytest
from llm_helpers import collect, eventually

from superdialog.errors import (
    LLMConnectionError,
    LLMProtocolError,
    LLMStatusError,
    LLMTimeoutError,
)
from superdialog.llm import Finished, LLMConfig, TextDelta, ToolCall, stream_chat
from superdialog.testing.llm_server import ScriptedLLMServer

USER = [{"role": "user", "content": "Hello"}]
REPLY = "one two three four five six seven eight"


def tool(name: str) -> dict[str, object]:
    return {"type": "function", "function": {"name": name, "parameters": {"type": "object"}}}


def chat_calls(server: ScriptedLLMServer) -> int:
    return len(server.chat_requests)


async def test_500_once_is_retried(llm_server: ScriptedLLMServer, llm_config: LLMConfig):
    llm_server.add_rule(fault=500, times=1)
    llm_server.add_rule(reply="recovered")
    events = await collect(llm_config, USER)
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["recovered"]
    assert chat_calls(llm_server) == 2


async def test_429_is_retried_honouring_retry_after(
    llm_server: ScriptedLLMServer, llm_config: LLMConfig
):
    llm_server.add_rule(fault="429", times=2)
    llm_server.add_rule(reply="ok")
    # A long back-off would make this slow: Retry-After: 0 must win.
    config = dataclasses.replace(llm_config, backoff_s=5.0, max_backoff_s=5.0)
    start = time.perf_counter()
    events = await collect(config, USER)
    assert time.perf_counter() - start < 1.0
    assert isinstance(events[-1], Finished)
    assert chat_calls(llm_server) == 3


async def test_500_forever_raises_status_error_after_retries(
    llm_server: ScriptedLLMServer, llm_config: LLMConfig
):
    llm_server.add_rule(fault=500)
    with pytest.raises(LLMStatusError) as info:
        await collect(llm_config, USER)
    assert info.value.status_code == 500
    assert info.value.retryable is True
    assert chat_calls(llm_server) == llm_config.retries + 1
    assert info.value.__cause__ is not None  # the openai exception is kept


async def test_client_errors_are_not_retried(llm_server: ScriptedLLMServer, llm_config: LLMConfig):
    config = dataclasses.replace(llm_config, base_url=llm_server.base_url + "/nowhere")
    with pytest.raises(LLMStatusError) as info:
        await collect(config, USER)
    assert info.value.status_code == 404
    assert info.value.retryable is False
    assert len(llm_server.requests) == 1


async def test_hang_times_out_at_the_first_token_deadline(
    llm_server: ScriptedLLMServer, llm_config: LLMConfig
):
    llm_server.add_rule(fault="hang")
    config = dataclasses.replace(llm_config, first_token_timeout_s=0.2, retries=1)
    start = time.perf_counter()
    with pytest.raises(LLMTimeoutError, match="first token"):
        await collect(config, USER)
    elapsed = time.perf_counter() - start
    assert 0.4 <= elapsed < 1.0  # two attempts of 0.2 s (+ tiny back-off)
    assert chat_calls(llm_server) == 2
    # The client dropped both hanging connections.
    assert await eventually(lambda: all(r.disconnected for r in llm_server.requests))


async def test_total_timeout_bounds_the_whole_call(
    llm_server: ScriptedLLMServer, llm_config: LLMConfig
):
    llm_server.add_rule(reply=REPLY, latency={"tokens_per_s": 10})
    config = dataclasses.replace(llm_config, total_timeout_s=0.3)
    received: list[str] = []
    with pytest.raises(LLMTimeoutError, match="total timeout") as info:
        async for event in stream_chat(config, USER):
            if isinstance(event, TextDelta):
                received.append(event.text)
    assert 1 <= len(received) < 8
    assert info.value.retryable is False  # text was already yielded
    assert chat_calls(llm_server) == 1


async def test_cut_after_tokens_raises_without_retry(
    llm_server: ScriptedLLMServer, llm_config: LLMConfig
):
    llm_server.add_rule(fault="cut", reply=REPLY)
    received: list[str] = []
    with pytest.raises(LLMConnectionError) as info:
        async for event in stream_chat(llm_config, USER):
            if isinstance(event, TextDelta):
                received.append(event.text)
    assert "".join(received) == "one two three four"  # half of the pieces, then the cut
    assert info.value.retryable is False
    assert chat_calls(llm_server) == 1


async def test_cut_before_tokens_is_retried(llm_server: ScriptedLLMServer, llm_config: LLMConfig):
    llm_server.add_rule(fault="cut", cut_after=0, times=1)
    llm_server.add_rule(reply="second try")
    events = await collect(llm_config, USER)
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["second", " try"]
    assert chat_calls(llm_server) == 2


async def test_cut_tool_call_is_retried_because_nothing_was_yielded(
    llm_server: ScriptedLLMServer, llm_config: LLMConfig
):
    llm_server.add_rule(fault="cut", goto="details", args={"name": "Ada Lovelace"}, times=1)
    llm_server.add_rule(goto="details", args={"name": "Ada Lovelace"})
    events = await collect(llm_config, USER, tools=[tool("goto_details")])
    calls = [e for e in events if isinstance(e, ToolCall)]
    assert [(c.name, c.arguments) for c in calls] == [("goto_details", {"name": "Ada Lovelace"})]
    assert chat_calls(llm_server) == 2


async def test_bad_json_raises_protocol_error(llm_server: ScriptedLLMServer, llm_config: LLMConfig):
    llm_server.add_rule(fault="bad_json")
    with pytest.raises(LLMProtocolError) as info:
        await collect(llm_config, USER)
    assert info.value.retryable is False
    assert chat_calls(llm_server) == 1


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ('{"city": "Par', "not valid JSON"),
        ("[1, 2]", "must be a JSON object, got array"),
        ('"Paris"', "must be a JSON object, got string"),
    ],
)
async def test_malformed_tool_arguments_become_a_tool_call_error(
    llm_server: ScriptedLLMServer, llm_config: LLMConfig, raw: str, reason: str
):
    llm_server.add_rule(tool={"name": "book", "arguments": raw})
    events = await collect(llm_config, USER, tools=[tool("book")])
    (call,) = [e for e in events if isinstance(e, ToolCall)]
    assert call.name == "book"
    assert call.arguments is None
    assert call.raw_arguments == raw
    assert call.error is not None and reason in call.error
    assert isinstance(events[-1], Finished)


async def test_unknown_tool_is_flagged(llm_server: ScriptedLLMServer, llm_config: LLMConfig):
    llm_server.add_rule(fault="unknown_tool")
    events = await collect(llm_config, USER, tools=[tool("goto_details")])
    (call,) = [e for e in events if isinstance(e, ToolCall)]
    assert call.name == "unknown_tool"
    assert call.arguments == {}
    assert call.error == "the model called a tool that was not offered (offered: goto_details)"


async def test_empty_stream_finishes_without_text(
    llm_server: ScriptedLLMServer, llm_config: LLMConfig
):
    llm_server.add_rule(fault="empty")
    events = await collect(llm_config, USER)
    assert [type(e).__name__ for e in events] == ["Usage", "Finished"]
    finished = events[-1]
    assert isinstance(finished, Finished)
    assert (finished.finish_reason, finished.ttft_ms) == ("stop", None)


async def test_aclose_mid_stream_closes_the_connection(
    llm_server: ScriptedLLMServer, llm_config: LLMConfig
):
    llm_server.add_rule(reply=REPLY * 5, latency={"tokens_per_s": 50})
    async with aclosing(stream_chat(llm_config, USER)) as events:
        seen = 0
        async for event in events:
            seen += isinstance(event, TextDelta)
            if seen == 2:
                break
    record = llm_server.requests[0]
    assert await eventually(lambda: record.disconnected, timeout=0.5)
    assert record.completed is False


async def test_cancelling_the_consumer_closes_the_connection(
    llm_server: ScriptedLLMServer, llm_config: LLMConfig
):
    llm_server.add_rule(reply=REPLY * 5, latency={"tokens_per_s": 50})
    first = asyncio.Event()

    async def speak() -> None:
        async with aclosing(stream_chat(llm_config, USER)) as events:
            async for _ in events:
                first.set()

    task = asyncio.create_task(speak())
    await first.wait()
    task.cancel()  # barge-in
    with pytest.raises(asyncio.CancelledError):
        await task
    record = llm_server.requests[0]
    assert await eventually(lambda: record.disconnected, timeout=0.5)


async def test_unreachable_endpoint_raises_connection_error(llm_config: LLMConfig):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: connection refused
        config = dataclasses.replace(llm_config, base_url=f"http://127.0.0.1:{port}/v1")
        with pytest.raises(LLMConnectionError) as info:
            await collect(config, USER)
    assert info.value.retryable is True
