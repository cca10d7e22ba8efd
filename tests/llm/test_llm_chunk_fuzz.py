"""The chunk reader and the tool-call assembler on any JSON an endpoint may send.

Generated chunks put any JSON value (wrong types, nulls, nesting, huge strings)
at every field a chunk has, and around them. Whatever arrives, the reader gives
a view of the right types or an ``LLMProtocolError``, never another exception
(that would crash the turn instead of taking the model's failure path), and the
assembler turns any fragments into calls without raising.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from superdialog.errors import LLMProtocolError
from superdialog.llm.assemble import ChunkView, ToolCallAssembler, read_chunk

_ANY = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)


def _maybe(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The right shape most of the time, anything now and then."""
    return st.one_of(good, good, good, _ANY)


_FUNCTION = st.fixed_dictionaries(
    {},
    optional={
        "name": _maybe(st.sampled_from(["book", "goto_done", "set_slots", ""])),
        "arguments": _maybe(st.text(max_size=30) | st.dictionaries(st.text(max_size=5), _ANY)),
    },
)
_TOOL_CALL = st.fixed_dictionaries(
    {},
    optional={
        "index": _maybe(st.integers(0, 3)),
        "id": _maybe(st.text(max_size=8)),
        "type": _maybe(st.just("function")),
        "function": _maybe(_FUNCTION),
    },
)
_PART = st.fixed_dictionaries(
    {"type": _maybe(st.sampled_from(["text", "thinking", "image_url"]))},
    optional={"text": _maybe(st.text(max_size=10)), "thinking": _ANY},
)
_DELTA = st.fixed_dictionaries(
    {},
    optional={
        "role": _maybe(st.just("assistant")),
        "content": _maybe(st.text(max_size=20) | st.lists(_PART, max_size=3)),
        "reasoning_content": _maybe(st.text(max_size=10)),
        "reasoning": _maybe(st.text(max_size=10)),
        "tool_calls": _maybe(st.lists(_TOOL_CALL, max_size=3)),
    },
)
_CHOICE = st.fixed_dictionaries(
    {},
    optional={
        "index": _maybe(st.integers(0, 2)),
        "delta": _maybe(_DELTA),
        "finish_reason": _maybe(st.sampled_from(["stop", "tool_calls", "length"])),
    },
)
_USAGE = st.fixed_dictionaries(
    {},
    optional={
        "prompt_tokens": _maybe(st.integers(0, 10**6)),
        "completion_tokens": _maybe(st.integers(0, 10**6)),
        "prompt_tokens_details": _maybe(
            st.fixed_dictionaries({}, optional={"cached_tokens": _maybe(st.integers(0, 99))})
        ),
    },
)
_CHUNK = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "id": _ANY,
            "choices": _maybe(st.lists(_CHOICE, max_size=3)),
            "usage": _maybe(_USAGE),
        },
    ),
    _ANY,
)


@settings(max_examples=600, deadline=None)
@given(st.lists(_CHUNK, min_size=1, max_size=6))
def test_any_chunk_is_a_view_or_a_protocol_error(chunks: list[Any]) -> None:
    tools = ToolCallAssembler(frozenset({"book", "goto_done", "set_slots"}))
    for chunk in chunks:
        try:
            view = read_chunk(chunk)
        except LLMProtocolError:
            continue
        assert isinstance(view, ChunkView)
        assert isinstance(view.text, str)
        assert isinstance(view.reasoning, bool)
        assert view.finish_reason is None or isinstance(view.finish_reason, str)
        for fragment in view.fragments:
            assert isinstance(fragment.arguments, str)
            tools.add(fragment)
        tools.named()
    for call in tools.finish():
        assert call.error is not None or isinstance(call.arguments, dict)
        assert call.arguments is None or isinstance(call.arguments, dict)
