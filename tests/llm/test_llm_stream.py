"""Streaming over real HTTP: the real openai client against the loopback server."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from contextlib import aclosing

from llm_helpers import collect

from superdialog.llm import (
    Finished,
    LLMConfig,
    TextDelta,
    ToolCall,
    Usage,
    get_client,
    stream_chat,
)
from superdialog.testing.llm_server import Latency, ScriptedLLMServer, estimate_tokens

USER = [{"role": "user", "content": "Hello there"}]
REPLY = "Sure, let's get you booked for tomorrow morning."


def tool(name: str) -> dict[str, object]:
    return {"type": "function", "function": {"name": name, "parameters": {"type": "object"}}}


def texts(events: list[object]) -> list[str]:
    return [e.text for e in events if isinstance(e, TextDelta)]


async def test_text_arrives_as_ordered_deltas(llm_server: ScriptedLLMServer, llm_config: LLMConfig):
    llm_server.add_rule(reply=REPLY)
    events = await collect(llm_config, USER)
    deltas = texts(events)
    assert len(deltas) >= 5
    assert "".join(deltas) == REPLY
    assert isinstance(events[-1], Finished)
    assert events[-1].finish_reason == "stop"
    assert events[-1].ttft_ms is not None and events[-1].latency_ms >= events[-1].ttft_ms
    assert isinstance(events[-2], Usage)


async def test_first_delta_is_yielded_before_the_server_finishes(
    llm_server: ScriptedLLMServer, llm_config: LLMConfig
):
    llm_server.add_rule(reply=REPLY, latency={"ttft_ms": 50, "tokens_per_s": 40})
    start = time.perf_counter()
    stamps: list[tuple[float, object]] = []
    finished_when_first_delta: bool | None = None
    async for event in stream_chat(llm_config, USER):
        stamps.append((time.perf_counter() - start, event))
        if finished_when_first_delta is None and isinstance(event, TextDelta):
            finished_when_first_delta = llm_server.requests[0].completed
    assert finished_when_first_delta is False  # the server was still streaming
    first = next(t for t, e in stamps if isinstance(e, TextDelta))
    last = stamps[-1][0]
    # 8 pieces at 40/s: the last one comes ~175 ms after the first.
    assert first >= 0.05
    assert last - first >= 0.12
    finished = stamps[-1][1]
    assert isinstance(finished, Finished) and finished.ttft_ms is not None
    assert 50 <= finished.ttft_ms < finished.latency_ms


async def test_tool_call_fragments_are_reassembled(
    llm_server: ScriptedLLMServer, llm_config: LLMConfig
):
    args = {"city": "Paris", "dates": ["2024-05-01", "2024-05-02"], "party": {"adults": 2}}
    llm_server.add_rule(tool={"name": "book", "arguments": args})
    events = await collect(llm_config, USER, tools=[tool("book")])
    calls = [e for e in events if isinstance(e, ToolCall)]
    assert calls == [
        ToolCall(
            id="call_scripted_1",
            name="book",
            arguments=args,
            raw_arguments=calls[0].raw_arguments,
            error=None,
        )
    ]
    assert texts(events) == []
    assert isinstance(events[-1], Finished) and events[-1].finish_reason == "tool_calls"


async def test_reply_with_goto_streams_text_then_the_tool_call(
    llm_server: ScriptedLLMServer, llm_config: LLMConfig
):
    llm_server.add_rule(state="triage", user="book|appointment", reply="Sure.", goto="details")
    events = await collect(
        llm_config,
        [{"role": "user", "content": "I need an APPOINTMENT"}],
        tools=[tool("goto_details")],
        node_id="triage",
    )
    kinds = [type(e).__name__ for e in events]
    assert kinds[0] == "TextDelta"
    assert kinds[-3:] == ["ToolCall", "Usage", "Finished"]
    call = events[-3]
    assert isinstance(call, ToolCall)
    assert (call.name, call.arguments, call.error) == ("goto_details", {}, None)
    assert llm_server.requests[0].state == "triage"


async def test_rules_match_on_state_user_tools_call_and_times(
    llm_server: ScriptedLLMServer, llm_config: LLMConfig
):
    llm_server.add_rule(call=1, reply="first call")
    llm_server.add_rule(state="other", reply="wrong state")
    llm_server.add_rule(tools="goto_handoff", reply="handoff offered", times=1)
    llm_server.add_rule(user=r"\bhuman\b", reply="by regex")
    llm_server.default_reply = "fallback"

    async def say(text: str, **kwargs: object) -> str:
        events = await collect(llm_config, [{"role": "user", "content": text}], **kwargs)
        return "".join(texts(events))

    assert await say("anything", node_id="triage") == "first call"
    assert await say("a HUMAN please", node_id="triage") == "by regex"
    assert await say("x", tools=[tool("goto_handoff")]) == "handoff offered"
    assert await say("x", tools=[tool("goto_handoff")]) == "fallback"  # times: 1 used up
    assert await say("x", node_id="other") == "wrong state"
    assert [r.call for r in llm_server.requests] == [1, 2, 3, 4, 5]


async def test_unicode_state_names_survive_the_header(
    llm_server: ScriptedLLMServer, llm_config: LLMConfig
):
    llm_server.add_rule(state="réservation 2", reply="oui")
    events = await collect(llm_config, USER, node_id="réservation 2", edge_hint="à confirmer")
    assert texts(events) == ["oui"]
    assert llm_server.requests[0].headers["x-superdialog-edge"] == "%C3%A0 confirmer"


async def test_usage_counts_are_reported(llm_server: ScriptedLLMServer, llm_config: LLMConfig):
    llm_server.add_rule(reply=REPLY)
    events = await collect(llm_config, USER)
    usage = next(e for e in events if isinstance(e, Usage))
    assert usage.tokens_out == estimate_tokens(REPLY)
    assert usage.tokens_in == 4 + estimate_tokens(USER[0]["content"])
    assert usage.cached == 0


async def test_request_carries_model_sampling_and_params(
    llm_server: ScriptedLLMServer, llm_config: LLMConfig
):
    config = dataclasses.replace(
        llm_config, temperature=0.3, max_tokens=64, params={"top_p": 0.5, "seed": 7}
    )
    await collect(config, USER)
    body = llm_server.requests[0].body
    assert body is not None
    assert body["model"] == "scripted-model"
    assert (body["temperature"], body["max_tokens"], body["top_p"], body["seed"]) == (
        0.3,
        64,
        0.5,
        7,
    )
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert "tools" not in body


async def test_non_streaming_completion(llm_server: ScriptedLLMServer, llm_config: LLMConfig):
    llm_server.add_rule(reply="All set.", tool={"name": "confirm", "arguments": {"ok": True}})
    client = get_client(llm_config)
    completion = await client.chat.completions.create(
        model="scripted-model", messages=USER, tools=[tool("confirm")]
    )
    message = completion.choices[0].message
    assert message.content == "All set."
    assert message.tool_calls is not None
    assert message.tool_calls[0].function.name == "confirm"
    assert message.tool_calls[0].function.arguments == '{"ok":true}'
    assert completion.choices[0].finish_reason == "tool_calls"
    assert completion.usage is not None and completion.usage.completion_tokens > 0


async def test_concurrent_streams(llm_server: ScriptedLLMServer, llm_config: LLMConfig):
    llm_server.latency = Latency(ttft_s=0.05, tokens_per_s=100)
    for n in range(8):
        llm_server.add_rule(user=f"^caller {n}$", reply=f"hello caller number {n} how are you")

    async def one(n: int) -> str:
        events = await collect(llm_config, [{"role": "user", "content": f"caller {n}"}])
        return "".join(texts(events))

    start = time.perf_counter()
    replies = await asyncio.gather(*(one(n) for n in range(8)))
    elapsed = time.perf_counter() - start
    assert replies == [f"hello caller number {n} how are you" for n in range(8)]
    assert elapsed < 8 * 0.1  # each takes ~0.11 s; together they overlap
    assert len({r.connection for r in llm_server.requests}) > 1


async def test_client_is_cached_and_connections_are_kept_alive(
    llm_server: ScriptedLLMServer, llm_config: LLMConfig
):
    client = get_client(llm_config)
    assert get_client(llm_config) is client
    assert get_client(dataclasses.replace(llm_config, temperature=0.9)) is client
    assert get_client(dataclasses.replace(llm_config, api_key="other")) is not client
    await collect(llm_config, USER)
    await collect(llm_config, USER)
    first, second = llm_server.requests
    assert first.connection == second.connection  # pooled keep-alive connection reused


async def test_closing_the_stream_early_keeps_later_calls_working(
    llm_server: ScriptedLLMServer, llm_config: LLMConfig
):
    llm_server.add_rule(reply=REPLY, times=1)
    async with aclosing(stream_chat(llm_config, USER)) as events:
        async for _ in events:
            break
    events2 = await collect(llm_config, USER)
    assert isinstance(events2[-1], Finished)
