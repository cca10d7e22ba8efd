"""The per-chunk fast paths read every chunk exactly as the general paths do.

A streamed token is read on shortcuts (one whole event per read decoded from its
bytes, a delta of plain ASCII text read in a few lookups), for the CPU a live
call spends per token. These tests hold each shortcut to the general path it
skips: for generated chunks, near the usual shape and far from it (refusals,
reasoning, tool calls, non-ASCII and broken text, bytes that are not UTF-8,
nesting past the bound), the same view, value, events and error.
"""

from __future__ import annotations

import asyncio
import json
from types import MappingProxyType
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from superdialog.errors import LLMProtocolError
from superdialog.llm.assemble import ChunkView, read_chunk
from superdialog.llm.bounded import MAX_CHUNK_DEPTH, MAX_EVENT_BYTES, loads_bounded, loads_chunk
from superdialog.llm.client import _Call, _Reader
from superdialog.llm.deadline import Deadline
from superdialog.llm.events import LLMEvent, TextDelta
from superdialog.llm.speakable import SpeechFilter, _clean, speakable
from superdialog.llm.sse import ServerSentEvent, SSEDecoder
from superdialog.llm.text_calls import TextCalls, _held_from, _marker_at

_TEXT = st.one_of(
    st.text(st.characters(max_codepoint=127), max_size=12),
    st.text(max_size=8),
    st.sampled_from(["", " ", "\ud83d", "caf\u00e9", "\ufffd", "**hi**", "<tool_call>"]),
)
_ODD = st.one_of(st.none(), st.booleans(), st.integers(-2, 2), st.lists(st.integers(), max_size=2))
_VALUE = st.one_of(_TEXT, _TEXT, _ODD)
_FUNCTION = st.fixed_dictionaries(
    {}, optional={"name": st.sampled_from(["goto_s1", "goto_s", "x"]), "arguments": _VALUE}
)
_TOOL_CALL = st.fixed_dictionaries(
    {}, optional={"index": st.integers(0, 2), "id": _VALUE, "function": _FUNCTION}
)
_DELTA = st.fixed_dictionaries(
    {},
    optional={
        "role": st.sampled_from(["assistant", None]),
        "content": _VALUE | st.lists(st.fixed_dictionaries({"type": _VALUE, "text": _VALUE})),
        "refusal": _VALUE,
        "reasoning_content": _VALUE,
        "reasoning": _VALUE,
        "tool_calls": st.lists(_TOOL_CALL, max_size=2) | _ODD,
    },
)
_CHOICE = st.fixed_dictionaries(
    {},
    optional={
        "index": st.sampled_from([0, 0, 0, 1, None, False, "0"]),
        "delta": _DELTA | _ODD,
        "finish_reason": st.sampled_from([None, None, "stop", "tool_calls", 3]),
        "logprobs": st.none(),
    },
)
_USAGE = st.fixed_dictionaries(
    {}, optional={"prompt_tokens": st.integers(-1, 99), "completion_tokens": _VALUE}
)
_CHUNK = st.fixed_dictionaries(
    {},
    optional={
        "id": st.just("chatcmpl-1"),
        "choices": st.lists(_CHOICE, max_size=2) | _ODD,
        "usage": st.none() | _USAGE | _ODD,
    },
)


def _general(chunk: dict[str, Any]) -> Any:
    """The chunk with its mappings as read-only proxies: no shortcut takes them."""
    choices = chunk.get("choices")
    if isinstance(choices, list):
        choices = [
            MappingProxyType(
                {**c, "delta": MappingProxyType(c["delta"])}
                if isinstance(c.get("delta"), dict)
                else c
            )
            if isinstance(c, dict)
            else c
            for c in choices
        ]
        chunk = {**chunk, "choices": choices}
    return MappingProxyType(chunk)


def _read(chunk: Any) -> ChunkView | str:
    try:
        return read_chunk(chunk)
    except LLMProtocolError as exc:
        return str(exc)


@settings(derandomize=True, deadline=None, max_examples=500)
@given(_CHUNK)
def test_a_chunk_reads_the_same_on_the_fast_path_and_the_general_one(chunk: dict[str, Any]) -> None:
    assert _read(chunk) == _read(_general(chunk))


def test_the_usual_chunks_take_the_shortcut_and_keep_their_meaning() -> None:
    token = {"choices": [{"index": 0, "delta": {"content": "Sure,"}, "finish_reason": None}]}
    assert read_chunk(token) == ChunkView("Sure,", (), None, None)
    first = {
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": "", "refusal": None}}]
    }
    assert read_chunk(first) == ChunkView("", (), None, None)
    refused = {"choices": [{"index": 0, "delta": {"content": "", "refusal": "I can't."}}]}
    assert read_chunk(refused).text == "I can't."
    last = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": None}
    assert read_chunk(last) == ChunkView("", (), "stop", None)
    half = {"choices": [{"delta": {"content": "ok \ud83d"}}]}
    assert read_chunk(half).text == "ok "


_PAYLOAD = st.one_of(
    st.builds(
        lambda chunk, ascii_only: json.dumps(chunk, ensure_ascii=ascii_only).encode(),
        _CHUNK,
        st.booleans(),
    ),
    st.builds(
        lambda depth: b"[" * depth + b"1" + b"]" * depth,
        st.integers(MAX_CHUNK_DEPTH - 2, MAX_CHUNK_DEPTH + 2),
    ),
    st.sampled_from(
        [b'{"a": "\\ud83d"}', b'{"a": NaN}', b'{"a": 1e999}', b'{"a": 12345678901234567890}']
    ),
    st.binary(max_size=40),
)


@st.composite
def _payloads(draw: st.DrawFn) -> bytes:
    """A chunk's JSON bytes, now and then with bytes that are not UTF-8 or brackets in them."""
    raw = draw(_PAYLOAD)
    if draw(st.booleans()):
        at = draw(st.integers(0, len(raw)))
        raw = (
            raw[:at]
            + draw(st.sampled_from([b"\xff", b"\xed\xa0\x80", b"\xc3", b"{[", b""]))
            + raw[at:]
        )
    return raw


@settings(derandomize=True, deadline=None, max_examples=500)
@given(_payloads())
def test_a_chunk_decoded_from_its_bytes_is_decoded_from_its_text(raw: bytes) -> None:
    text = raw.decode("utf-8", errors="replace")
    expected = loads_bounded(
        text, max_chars=MAX_EVENT_BYTES, max_depth=MAX_CHUNK_DEPTH, exact_integers=False
    )
    # repr: NaN equals NaN there, and -0.0 is not 0.0
    assert repr(loads_chunk(raw)) == repr(expected)


@settings(derandomize=True, deadline=None, max_examples=300)
@given(st.binary(max_size=30), st.booleans())
def test_a_whole_event_is_what_feeding_it_gives(data: bytes, framed: bool) -> None:
    if framed:
        data = b"data: " + data.replace(b"\n", b"") + b"\n\n"
    whole = SSEDecoder().whole(data)
    if whole is not None:
        assert SSEDecoder().feed(data) == [ServerSentEvent(None, whole.decode("utf-8", "replace"))]


def _events(reads: list[bytes], offered: frozenset[str] | None) -> list[LLMEvent | str]:
    """What a stream's reader makes of ``reads``: its events, then its error if any."""
    loop = asyncio.new_event_loop()
    try:
        call = _Call(loop=loop, start=0.0, deadline=1e9, stall_s=5.0, offered=offered)
        deadline = Deadline(loop, 1e8)
        reader = _Reader(loop, call, deadline)
        out: list[LLMEvent | str] = []
        for data in reads:
            events, failure = reader.feed(data)
            out += events
            if failure is not None:
                out.append(f"{type(failure).__name__}: {failure}")
                break
            if reader.done:
                break
        deadline.close()
        return out
    finally:
        loop.close()


@settings(derandomize=True, deadline=None, max_examples=300)
@given(
    st.lists(_payloads() | _CHUNK.map(lambda c: json.dumps(c).encode()), max_size=6),
    st.sampled_from([None, frozenset({"goto_s1", "goto_s"})]),
    st.booleans(),
)
def test_a_stream_read_event_by_event_equals_it_read_in_pieces(
    payloads: list[bytes], offered: frozenset[str] | None, error_event: bool
) -> None:
    events = [b"data: " + p.replace(b"\n", b" ").replace(b"\r", b" ") + b"\n\n" for p in payloads]
    events.append(b"data: [DONE]\n\n")
    # cut in two, every event takes the decoder's general path (no whole event in a read)
    pieces = [part for e in events for part in (e[:3], e[3:])]
    assert _events(events, offered) == _events(pieces, offered)
    if error_event:  # an event named ``error`` is never taken as an unnamed one
        named = [b"event: error\n" + events[0], *events[1:]]
        assert _events(named, offered) == _events(
            [part for e in named for part in (e[:3], e[3:])], offered
        )


def test_an_error_chunk_read_whole_is_the_endpoint_error() -> None:
    event = b'data: {"error": {"message": "overloaded", "code": 529}}\n\n'
    whole = _events([event], None)
    assert whole == _events([event[:3], event[3:]], None)
    assert len(whole) == 1 and isinstance(whole[0], str) and whole[0].startswith("LLM")


@settings(derandomize=True, deadline=None, max_examples=400)
@given(
    st.text(alphabet="ab ,.'*_`#->+•\n\t1😀é", max_size=40)
    | st.text(st.characters(max_codepoint=127), max_size=40)
)
def test_text_spoken_as_is_is_what_the_marks_pass_leaves(text: str) -> None:
    # the shortcut for a text with no character a mark or an emoji needs, against the
    # passes it skips (the stream is held to speakable in test_llm_speakable)
    assert speakable(text) == _clean("\n" + text)[1:]
    speech = SpeechFilter()
    assert speech.feed(text) + speech.flush() == _clean("\n" + text)[1:]


def _general_feed(calls: TextCalls, text: str) -> list[TextDelta]:
    """``TextCalls.feed`` without its shortcut: the passes that look for markup."""
    if not calls.offered:
        return [TextDelta(text)] if text else []
    if calls._calls:
        calls._keep(text)
        return []
    held = calls._held + text
    at = _marker_at(held, at_start=not calls._started)
    if at is not None:
        calls._held = ""
        calls._started = True
        calls._keep(held[at:])
        return [TextDelta(held[:at])] if held[:at].strip() else []
    cut = _held_from(held, at_start=not calls._started)
    speech = held[:cut]
    if not calls._started and not speech.strip():
        calls._held = held
        return []
    calls._held = held[cut:]
    calls._started = True
    return [TextDelta(speech)] if speech else []


_SPOKEN = st.lists(
    st.sampled_from(
        [
            "Sure,",
            " I can",
            " ",
            "\n",
            "<",
            "[",
            "{",
            "<tool_call>",
            "[TOOL_CALLS]",
            "<|python",
            '_tag|>{"name": "goto_s1"}',
            '{"name"',
            "```",
            " a < b",
            "[1]",
            "<function=goto_s1>{}",
        ]
    ),
    max_size=8,
)


@settings(derandomize=True, deadline=None, max_examples=400)
@given(_SPOKEN)
def test_speech_past_the_start_reads_the_same_on_the_shortcut(pieces: list[str]) -> None:
    offered = frozenset({"goto_s1"})
    fast, general = TextCalls(offered), TextCalls(offered)
    for piece in pieces:
        assert fast.feed(piece) == _general_feed(general, piece)
    assert fast.finish() == general.finish()
