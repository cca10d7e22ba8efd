"""Replies a caller must not be left with: silence dressed as words, endless words, broken text.

A model's reply that holds no word ("...", "?!", spaces) is silence on the
line: the state reprompts as for an empty one. A reply that runs on (a
10,000-token essay, a loop) ends at a sentence end past a bound and its stream
is closed. Half a UTF-16 pair in a delta (``"\\ud83d"`` alone) is never spoken
and never breaks the next request. A stream that stalls after its first words
fails at the first-token deadline, not the call's whole budget. The real
client over a real socket; the endpoint's bytes are the test's (``rawhttp``).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from llm_helpers import eventually
from rawhttp import chunk, event, raw_server, read_request, sse_server

import superdialog
from superdialog.errors import LLMTimeoutError
from superdialog.llm import LLMConfig, TextDelta, stream_chat
from superdialog.llm.request import encode_json
from superdialog.llm.speakable import SpeechFilter, speakable
from superdialog.runtime.llm_call import _MAX_REPLY_CHARS, _REPLY_TAIL_CHARS
from superdialog.testing import RecordingSession, ScriptedLLMServer

FLOW = """
flow: replies
start: chat
states:
  chat:
    say: "Hello, how can I help?"
    llm: Help the caller.
    transitions:
      - {when: the caller is done, to: bye}
  bye: {say: "Bye!", end: completed}
"""

NOT_UNDERSTOOD = "Sorry, I didn't catch that."


def build(base_url: str, **llm: Any) -> superdialog.CallMachine:
    flow = superdialog.loads(FLOW, "replies.yaml")
    return flow.build(
        RecordingSession(), llm={"base_url": base_url, "api_key": "t", "retries": 0, **llm}
    )


def raw_text(text: str) -> bytes:
    """A chunk whose content is ``text`` written as JSON by hand (lone surrogates escaped)."""
    escaped = "".join(
        f"\\u{ord(ch):04x}" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in json.dumps(text)[1:-1]
    )
    body = json.dumps(chunk("@@")).replace('"@@"', f'"{escaped}"')
    return f"data: {body}\n\n".encode()


# ----------------------------------------------------------------- replies without a word


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(reply=st.text(alphabet=" .,!?\u2026\u2013-*#_\n\t\"'()", min_size=1, max_size=12))
async def test_a_reply_without_a_word_is_silence_and_the_state_reprompts(
    llm_server: ScriptedLLMServer, reply: str
) -> None:
    llm_server.reset(rules=True)
    llm_server.add_rule(state="chat", user="hello", reply=reply)
    machine = build(llm_server.base_url)
    await machine.start()
    heard = await machine.turn("hello there")
    assert heard.startswith(NOT_UNDERSTOOD), repr(heard)
    assert machine.node == "chat" and not machine.finished


async def test_marks_before_the_first_word_are_spoken_with_it(
    llm_server: ScriptedLLMServer,
) -> None:
    llm_server.add_rule(state="chat", user="hello", reply="... Well, yes.")
    machine = build(llm_server.base_url)
    await machine.start()
    assert await machine.turn("hello there") == "... Well, yes."


@pytest.mark.parametrize(
    "pieces", [[" ", ">"], ["  ", "> ", "Hi"], ["\t", "- ", "x"], ["a\n", " ", "# ", "b"]]
)
def test_spaces_that_open_a_line_go_with_the_mark_after_them(pieces: list[str]) -> None:
    speech = SpeechFilter()
    streamed = "".join(speech.feed(p) for p in pieces) + speech.flush()
    assert streamed == speakable("".join(pieces))


async def test_a_refusal_is_spoken_as_the_models_words() -> None:
    refusal = [{"refusal": "I'm sorry,"}, {"refusal": " I can't help with that."}]
    writes = [event({**chunk(), "choices": [{"index": 0, "delta": d}]}) for d in refusal]
    writes += [event(chunk(finish="stop")), event("[DONE]")]
    calls: list[int] = []
    async with raw_server(sse_server(writes, calls)) as url:
        machine = build(url)
        await machine.start()
        assert await machine.turn("hello") == "I'm sorry, I can't help with that."
        assert machine.node == "chat"


# ------------------------------------------------------------------------- runaway replies


@pytest.mark.parametrize(
    "sentence",
    ["This is one more sentence of a model that will not stop.", "word " * 40, "x" * 500],
    ids=["sentences", "no-sentence-end", "no-space"],
)
async def test_a_runaway_reply_is_cut_and_its_stream_closed(
    llm_server: ScriptedLLMServer, sentence: str
) -> None:
    llm_server.add_rule(state="chat", user="hello", reply=" ".join([sentence] * 400))
    llm_server.add_rule(state="chat", user="next", reply="Okay.")
    machine = build(llm_server.base_url)
    await machine.start()
    heard = await machine.turn("hello there")
    assert _MAX_REPLY_CHARS // 2 < len(heard) <= _MAX_REPLY_CHARS + _REPLY_TAIL_CHARS
    if "." in sentence:
        assert heard.endswith(".")  # at a sentence end
    (request,) = llm_server.chat_requests
    assert await eventually(lambda: request.disconnected)  # the endpoint stops generating
    await machine.turn("next")
    history = llm_server.chat_requests[-1].messages
    assert sum(len(str(m["content"])) for m in history[1:]) < 2 * _MAX_REPLY_CHARS


# ----------------------------------------------------------------------- lone surrogates


@pytest.mark.parametrize(
    "text", ["Hi \ud83d there.", "\udc00Sure.", "Fine \ud800\udbff.", "Emoji \ud83d\ude00 ok."]
)
async def test_half_a_surrogate_pair_is_never_spoken_and_the_call_goes_on(text: str) -> None:
    writes = [raw_text(text), event(chunk(finish="stop")), event("[DONE]")]
    calls: list[int] = []
    async with raw_server(sse_server(writes, calls)) as url:
        machine = build(url)
        await machine.start()
        heard = await machine.turn("hello")
        assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in heard)
        heard.encode()  # what a host sends to its speech engine
        again = await machine.turn("and again")  # its history holds the reply
        assert not machine.finished, again
        assert len(calls) == 2


@pytest.mark.parametrize(
    "raw", [b"Caf\xc3 ok.", b"\xff\xfeSure.", b"Fine \xed\xa0\x80 thanks.", b"\xe2\x82 Well."]
)
async def test_bytes_that_are_not_utf8_are_not_spoken(raw: bytes) -> None:
    line = json.dumps(chunk("@@")).encode().replace(b"@@", raw)
    writes = [b"data: " + line + b"\n\n", event(chunk(finish="stop")), event("[DONE]")]
    calls: list[int] = []
    async with raw_server(sse_server(writes, calls)) as url:
        machine = build(url)
        await machine.start()
        heard = await machine.turn("hello")
        assert "\ufffd" not in heard and heard.strip()
        assert not machine.finished


def test_a_lone_surrogate_in_a_request_is_sent_as_a_replacement_character() -> None:
    body = encode_json({"messages": [{"role": "user", "content": "caf\udce9 \ud83d"}]})
    assert json.loads(body)["messages"][0]["content"] == "caf\ufffd \ufffd"
    assert encode_json({"k\udc00": ["\udfff"]}) == '{"k\ufffd":["\ufffd"]}'.encode()
    with pytest.raises(TypeError):
        encode_json({"x": object()})


# --------------------------------------------------------------------------------- stalls


def stalling_server(first: bytes) -> Any:
    """Sends ``first`` and then nothing, until the client hangs up."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + f"{len(first):X}\r\n".encode() + first + b"\r\n"
        )
        await writer.drain()
        await reader.read()  # the client hanging up ends the wait
        writer.close()

    return handle


async def test_a_stream_that_stalls_after_its_first_words_fails_at_the_first_token_deadline() -> (
    None
):
    async with raw_server(stalling_server(event(chunk("Let me")))) as url:
        config = LLMConfig(
            base_url=url, api_key="t", first_token_timeout_s=0.3, total_timeout_s=20, retries=0
        )
        started = time.perf_counter()
        texts: list[str] = []
        with pytest.raises(LLMTimeoutError) as caught:
            async for ev in stream_chat(config, [{"role": "user", "content": "hi"}]):
                if isinstance(ev, TextDelta):
                    texts.append(ev.text)
        assert texts == ["Let me"]
        assert time.perf_counter() - started < 3  # not the call's 20 s budget
        assert "stalled" in str(caught.value) and not caught.value.retryable


async def test_a_slow_consumer_is_not_a_stall() -> None:
    """Time the caller spends with a chunk (speaking it) is not the endpoint's silence."""
    words = [event(chunk(f" w{i}")) for i in range(4)]
    writes = [*words, event(chunk(finish="stop")), event("[DONE]")]
    calls: list[int] = []
    async with raw_server(sse_server(writes, calls, gap_s=0.05)) as url:
        config = LLMConfig(
            base_url=url, api_key="t", first_token_timeout_s=0.2, total_timeout_s=20, retries=0
        )
        texts: list[str] = []
        async for ev in stream_chat(config, [{"role": "user", "content": "hi"}]):
            if isinstance(ev, TextDelta):
                texts.append(ev.text)
                await asyncio.sleep(0.3)  # longer than the stall bound, each time
        assert len(texts) == 4
