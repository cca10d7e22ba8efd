"""The SSE decoder's one-whole-event read gives exactly what the general path gives.

A streaming endpoint usually delivers one event per read (``data: {...}\\n\\n``);
the decoder answers that read without buffering. Whatever the stream — event
names, comments, CRLF line ends, several ``data`` lines, empty data, events split
across reads — feeding it event by event, in one piece, or byte by byte yields
the same events.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from superdialog.errors import LLMProtocolError
from superdialog.llm.sse import ServerSentEvent, SSEDecoder

_chars = st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n")
_line = st.one_of(
    st.text(_chars, max_size=30).map(lambda t: f"data: {t}"),
    st.text(_chars, max_size=10).map(lambda t: f"data:{t}"),
    st.sampled_from(["event: error", "event: message", ": keep-alive", "id: 7", "data"]),
)
_event = st.tuples(st.lists(_line, min_size=1, max_size=4), st.sampled_from(["\n", "\r\n"])).map(
    lambda p: (p[1].join(p[0]) + p[1] + p[1]).encode()
)


def _feed(pieces: list[bytes]) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    return [event for piece in pieces for event in decoder.feed(piece)]


@settings(max_examples=300, deadline=None)
@given(st.lists(_event, max_size=8), st.binary(max_size=8))
def test_event_by_event_equals_byte_by_byte(events: list[bytes], tail: bytes) -> None:
    whole = b"".join(events) + tail
    by_byte = _feed([whole[i : i + 1] for i in range(len(whole))])
    assert _feed([*events, tail]) == by_byte
    assert _feed([whole]) == by_byte


def test_one_event_per_read_is_decoded_whole() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b'data: {"a": 1}\n\n') == [ServerSentEvent(None, '{"a": 1}')]
    # a pending event name is kept for the data that follows in the next read
    assert decoder.feed(b"event: error\n") == []
    assert decoder.feed(b'data: {"e": 1}\n\n') == [ServerSentEvent("error", '{"e": 1}')]


def test_a_whole_event_over_the_limit_is_still_refused() -> None:
    decoder = SSEDecoder(max_event_bytes=100)
    with pytest.raises(LLMProtocolError):
        decoder.feed(b"data: " + b"x" * 200 + b"\n\n")
    assert SSEDecoder(max_event_bytes=100).feed(b"data: " + b"x" * 94 + b"\n\n")
