"""What OpenAI-compatible servers send differently, read as what they mean.

"Any OpenAI-compatible endpoint" includes servers that stream a thinking model's
reasoning before its words (vLLM, DeepSeek, Ollama: ``reasoning_content`` or
``reasoning``), send tool-call arguments as an object rather than its JSON text,
encode the object twice, or send ``null`` for a tool without parameters. Each
used to cost a retry or lose the model's decision. Real sockets, the real openai
client; the endpoint writes exactly the bytes under test.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from llm_helpers import collect
from rawhttp import chunk, event, raw_server, sse_server

from superdialog.errors import LLMTimeoutError
from superdialog.llm import LLMConfig, TextDelta, ToolCall, aclose_clients

_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "book",
            "description": "Book it.",
            "parameters": {"type": "object", "properties": {"day": {"type": "string"}}},
        },
    }
]
_GUARD_S = 10.0


def _config(url: str, **kw: Any) -> LLMConfig:
    return LLMConfig(**{"model": "m", "base_url": url, "api_key": "k", "retries": 1, **kw})


def _thinking(text: str, field: str = "reasoning_content") -> bytes:
    payload = chunk()
    payload["choices"][0]["delta"] = {field: text}
    return event(payload)


def _tool(arguments: Any) -> bytes:
    payload = chunk(finish="tool_calls")
    payload["choices"][0]["delta"] = {
        "tool_calls": [
            {
                "index": 0,
                "id": "c1",
                "type": "function",
                "function": {"name": "book", "arguments": arguments},
            }
        ]
    }
    return event(payload)


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
async def test_a_model_thinking_past_the_first_token_deadline_is_not_retried(field: str) -> None:
    # Reasoning streams for 0.6 s with a 0.25 s first-token deadline: the model is working,
    # so the attempt runs on (to the total deadline) instead of being restarted.
    writes = [_thinking(f"step {i} ", field) for i in range(6)]
    writes += [event(chunk("Tuesday works.")), event(chunk(finish="stop")), event("[DONE]")]
    calls: list[int] = []
    async with raw_server(sse_server(writes, calls, gap_s=0.12)) as url:
        try:
            config = _config(url, first_token_timeout_s=0.25, total_timeout_s=5.0)
            events = await asyncio.wait_for(
                collect(config, [{"role": "user", "content": "hi"}]), _GUARD_S
            )
        finally:
            await aclose_clients()
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Tuesday works."]
    assert calls == [1]


async def test_silence_past_the_first_token_deadline_is_still_a_timeout() -> None:
    # The opposite case: chunks that carry nothing (no text, no tool, no reasoning).
    writes = [event(chunk()) for _ in range(6)] + [event(chunk("late")), event("[DONE]")]
    calls: list[int] = []
    async with raw_server(sse_server(writes, calls, gap_s=0.12)) as url:
        try:
            config = _config(url, first_token_timeout_s=0.25, retries=0)
            with pytest.raises(LLMTimeoutError, match="first token"):
                await asyncio.wait_for(
                    collect(config, [{"role": "user", "content": "hi"}]), _GUARD_S
                )
        finally:
            await aclose_clients()


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"day": "Tuesday"}, {"day": "Tuesday"}),  # an object, not its JSON text
        (json.dumps(json.dumps({"day": "Tuesday"})), {"day": "Tuesday"}),  # encoded twice
        ("null", {}),  # no parameters
        ({}, {}),
    ],
)
async def test_tool_arguments_in_other_shapes_are_the_same_arguments(
    arguments: Any, expected: dict[str, Any]
) -> None:
    writes = [_tool(arguments), event("[DONE]")]
    calls: list[int] = []
    async with raw_server(sse_server(writes, calls)) as url:
        try:
            events = await asyncio.wait_for(
                collect(_config(url), [{"role": "user", "content": "hi"}], tools=_TOOLS), _GUARD_S
            )
        finally:
            await aclose_clients()
    (call,) = [e for e in events if isinstance(e, ToolCall)]
    assert call.error is None
    assert call.arguments == expected


async def test_content_sent_as_typed_parts_speaks_its_text_parts_only() -> None:
    # Mistral's reasoning models stream content as a list: thinking parts, then text parts.
    def parts(*items: dict[str, Any]) -> bytes:
        payload = chunk()
        payload["choices"][0]["delta"] = {"content": list(items)}
        return event(payload)

    writes = [
        parts({"type": "thinking", "thinking": [{"type": "text", "text": "the user wants"}]}),
        parts({"type": "thinking", "thinking": [{"type": "text", "text": "a day"}]}),
        parts({"type": "text", "text": "Tuesday "}, {"type": "image_url", "image_url": "x"}),
        parts({"type": "text", "text": "works."}),
        event(chunk(finish="stop")),
        event("[DONE]"),
    ]
    calls: list[int] = []
    async with raw_server(sse_server(writes, calls, gap_s=0.12)) as url:
        try:
            config = _config(url, first_token_timeout_s=0.2)
            events = await asyncio.wait_for(
                collect(config, [{"role": "user", "content": "hi"}]), _GUARD_S
            )
        finally:
            await aclose_clients()
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Tuesday works."
    assert calls == [1]  # the thinking part counted as the first token
