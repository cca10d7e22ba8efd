"""Bounds on what a model controls: tool-call arguments of any size, depth and shape.

Deeply nested arguments used to raise ``RecursionError`` out of ``json.loads``:
not an ``LLMError``, so an LLM state took the error path (a transfer in most
flows) instead of asking again. Now every argument string is a value or a reason.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from llm_helpers import collect

import superdialog
from superdialog.llm import LLMConfig, ToolCall, aclose_clients
from superdialog.llm.assemble import MAX_TOOL_CALLS, Fragment, ToolCallAssembler, parse_arguments
from superdialog.llm.bounded import (
    MAX_ARGUMENT_CHARS,
    MAX_ARGUMENT_DEPTH,
    MAX_NUMBER_DIGITS,
    loads_bounded,
)
from superdialog.llm.sse import SSEDecoder
from superdialog.testing import RecordingSession, ScriptedLLMServer


def nested(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


@pytest.mark.parametrize("depth", [MAX_ARGUMENT_DEPTH + 1, 5_000, 9_000])
def test_deep_arguments_are_a_reason_not_a_recursion_error(depth: int) -> None:
    for raw in (nested(depth), '{"a": ' * depth + "1" + "}" * depth, nested(depth)[:-5]):
        arguments, reason = parse_arguments(raw)
        assert arguments is None
        assert reason is not None and "nested deeper than 32 levels" in reason


def test_arguments_at_the_depth_limit_still_parse() -> None:
    raw = '{"a": ' + nested(MAX_ARGUMENT_DEPTH - 1) + "}"
    arguments, reason = parse_arguments(raw)
    assert reason is None and arguments is not None


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    raw = json.dumps({"note": "[[[{{{" * 1000, "q": 'a "quoted" \\ [x]'})
    assert parse_arguments(raw) == (json.loads(raw), None)


def test_oversized_arguments_are_refused_before_decoding() -> None:
    raw = json.dumps({"text": "x" * MAX_ARGUMENT_CHARS})
    arguments, reason = parse_arguments(raw)
    assert arguments is None
    assert reason == f"arguments are longer than {MAX_ARGUMENT_CHARS} characters ({len(raw)})"


def test_huge_numbers_are_refused_not_raised() -> None:
    raw = '{"n": ' + "4" * (MAX_NUMBER_DIGITS + 1) + "}"
    assert parse_arguments(raw) == (
        None,
        f"arguments are not valid JSON (a number of more than {MAX_NUMBER_DIGITS} digits)",
    )
    assert parse_arguments('{"n": ' + "4" * MAX_NUMBER_DIGITS + "}")[1] is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(max_size=200),
        st.text(alphabet='[]{}",:\\ 0123456789aeflnrstu-.e', max_size=400),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=10),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
            max_leaves=30,
        ).map(json.dumps),
    )
)
def test_parse_arguments_never_raises_and_agrees_with_json(raw: str) -> None:
    arguments, reason = parse_arguments(raw)
    assert (arguments is None) != (reason is None)
    if arguments is not None and raw.strip():
        value = json.loads(raw)
        if value is None:
            assert arguments == {}
        elif isinstance(value, str):  # an object encoded twice
            assert arguments == json.loads(value)
        else:
            assert arguments == value


_OBJECTS = st.dictionaries(
    st.text(max_size=8),
    st.recursive(
        st.none() | st.booleans() | st.integers(-(10**12), 10**12) | st.text(max_size=10),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
        max_leaves=10,
    ),
    max_size=5,
)


@settings(max_examples=200, deadline=None)
@given(_OBJECTS, st.sampled_from(["", " ", "\n"]))
def test_an_object_encoded_twice_reads_as_the_object(obj: dict[str, object], pad: str) -> None:
    # Some OpenAI-compatible servers stream the arguments as a JSON string holding the object.
    raw = json.dumps(pad + json.dumps(obj))
    assert parse_arguments(raw) == (obj, None)


@pytest.mark.parametrize("raw", ["null", " null ", '"not an object"', '"{broken"', '"[1, 2]"'])
def test_null_is_no_arguments_and_other_strings_stay_refused(raw: str) -> None:
    arguments, reason = parse_arguments(raw)
    if raw.strip() == "null":
        assert (arguments, reason) == ({}, None)
    else:
        assert arguments is None
        assert reason == "arguments must be a JSON object, got string"


def test_streamed_arguments_are_bounded_while_they_arrive() -> None:
    tools = ToolCallAssembler(frozenset({"book"}))
    tools.add(Fragment(0, "c0", "book", ""))
    for _ in range(MAX_ARGUMENT_CHARS // 1000 + 5):
        tools.add(Fragment(0, None, None, "x" * 1000))
    (call,) = tools.finish()
    assert call.arguments is None
    assert call.error == f"arguments are longer than {MAX_ARGUMENT_CHARS} characters"
    assert len(call.raw_arguments) <= MAX_ARGUMENT_CHARS


def test_tool_calls_beyond_the_limit_are_dropped() -> None:
    tools = ToolCallAssembler(None)
    for index in range(MAX_TOOL_CALLS * 3):
        tools.add(Fragment(index, f"c{index}", "book", "{}"))
    assert len(tools.finish()) == MAX_TOOL_CALLS


def test_an_endless_sse_line_is_a_protocol_error() -> None:
    from superdialog.errors import LLMProtocolError

    decoder = SSEDecoder(max_event_bytes=1000)
    decoder.feed(b"data: " + b"x" * 500)
    with pytest.raises(LLMProtocolError, match="over 1000 bytes"):
        decoder.feed(b"y" * 600)
    decoder = SSEDecoder(max_event_bytes=1000)
    with pytest.raises(LLMProtocolError):
        decoder.feed(b"data: abc\n" * 200)  # many data lines of one event


def test_loads_bounded_reasons_never_quote_the_text() -> None:
    secret = "4111111111111111"
    for raw in (f'{{"card": "{secret}', f'{{"card": {secret}x}}', f'"{secret}\\q"', secret * 70):
        value, reason = loads_bounded(raw, max_chars=1000, max_depth=4)
        assert value is None and reason is not None and secret not in reason


# ----------------------------------------------------------- through the runtime

FLOW = """
flow: deep
start: chat
slots:
  city: {type: text}
states:
  chat:
    llm: Ask where the caller is.
    transitions:
      - {when: the caller said their city, to: done}
    on_error: agent
  done: {say: "Thanks.", end: completed}
  agent: {say: "Let me get a colleague.", transfer: {queue: humans}}
"""


@pytest.fixture
async def server():  # type: ignore[no-untyped-def]
    async with ScriptedLLMServer() as srv:
        yield srv
    await aclose_clients()


@pytest.mark.parametrize(
    "raw",
    [
        '{"city": ' + nested(20_000, '"Paris"') + "}",
        '{"city": "' + "x" * (MAX_ARGUMENT_CHARS + 10) + '"}',
        '{"city": ' + "9" * 5000 + "}",
    ],
    ids=["deep", "huge", "long-number"],
)
async def test_a_monstrous_tool_call_reprompts_instead_of_transferring(
    server: ScriptedLLMServer, raw: str
) -> None:
    server.add_rule(state="chat", tool={"name": "goto_done", "arguments": raw})
    flow = superdialog.loads(FLOW, "deep.yaml")
    session = RecordingSession()
    machine = flow.build(session, llm={"base_url": server.base_url, "api_key": "t"})
    await machine.start()
    reply = "".join([c async for c in machine.stream("I'm in Paris")])
    assert machine.node == "chat"  # stayed, and asked again
    assert reply
    verbs = [e.verb for e in session.effects]
    assert "transfer_to_human" not in verbs and "end" not in verbs
    assert not machine.is_complete


async def test_stream_chat_reports_deep_arguments_as_a_tool_call_error(
    llm_server: ScriptedLLMServer, llm_config: LLMConfig
) -> None:
    llm_server.add_rule(tool={"name": "book", "arguments": nested(20_000)})
    tool = {"type": "function", "function": {"name": "book", "parameters": {"type": "object"}}}
    events = await collect(llm_config, [{"role": "user", "content": "hi"}], tools=[tool])
    (call,) = [e for e in events if isinstance(e, ToolCall)]
    assert call.arguments is None and call.error is not None
    assert "nested deeper than" in call.error
