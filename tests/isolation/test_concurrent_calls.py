"""Calls in one process are isolated: many at once say exactly what each says alone.

One worker process serves many calls at once on one event loop: they share the loaded flow,
its compiled templates and caches, the actions' module, the model client's connection pool.
A value of one call (a name, a card, a volunteered social security number, what the model
answered) showing up in another would be a data leak; a call answering differently because
another ran beside it would be a bug nobody could reproduce.

Generated (hypothesis): a set of calls over three flows — the dental booking (actions that
sleep, a PII state with a card), the table booking, and an LLM flow whose scripted model
answers each call's own code word, with latency, over the shared connection pool — each call
with values of its own. Each is played alone first, then all together with the turns
interleaved in a generated order. Each call's replies, outcome and slots must be what it got
alone, and no output of a call (speech, effects, history, trace, record) may hold another
call's values.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import superdialog
from superdialog.llm import aclose_clients
from superdialog.testing import RecordingSession
from superdialog.testing.llm_server import ScriptedLLMServer

ROOT = Path(__file__).resolve().parents[2]
NAMES = [
    "Jane Doe", "Omar Haddad", "Priya Raman", "Lars Nilsson", "Mei Chen", "Tomas Ortega",
    "Aisha Bello", "Kofi Mensah", "Sofia Rossi", "Ivan Petrov", "Hana Sato", "Noah Klein",
]  # fmt: skip
WORDS = ["walrus", "saffron", "quartz", "juniper", "falcon", "lantern", "pebble", "tundra",
         "violet", "harbor", "meadow", "cobalt"]  # fmt: skip
WEEKDAYS_2030 = [
    d for d in range(7, 32) if (d + 1) % 7 not in (5, 6)
]  # Jan 2030: the 1st is a Tuesday

LLM_FLOW = """
flow: echo
llm: {model: gpt-4.1-mini}
start: talk
states:
  talk:
    llm: Answer the caller in one short sentence.
    transitions:
      - {to: done, when: the caller says goodbye}
  done:
    say: Goodbye.
    end: completed
"""


def _luhn(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


@dataclass
class Call:
    """One generated call: its flow, what the caller says, the values only it may show."""

    kind: str
    lines: list[str]
    own: list[str]
    pauses: list[int] = field(default_factory=list)


def _call(kind: str, k: int) -> Call:
    name = NAMES[k]
    first = name.split()[0]
    ssn = f"52{k}-4{k}-67{k:02d}"
    if kind == "dental":
        card = _luhn(f"41{k:02d}2233{k:02d}5566{k % 10}")
        grouped = " ".join(card[i : i + 4] for i in range(0, 16, 4))
        lines = [
            f"yes please, and my social security number is {ssn} if you need it",
            name,
            f"january {WEEKDAYS_2030[k]} 2030",
            "yes",
            "ten thirty",
            f"555 120 4{k:03d}",
            "yes",
            f"{first.lower()} at example dot com",
            grouped,
        ]
        # (no bare four-digit canaries: any number in a trace could hold them)
        return Call(kind, lines, [name, ssn, card, grouped, f"•••• {card[-4:]}", f"5551204{k:03d}"])
    if kind == "table":
        lines = [f"{k + 2} of us", f"january {WEEKDAYS_2030[k]} 2030",
                 f"yes, and my social is {ssn} if you need it", "seven thirty pm", "yes",
                 name]  # fmt: skip
        return Call(kind, lines, [name, ssn])
    word = WORDS[k]
    lines = [f"my code word is {word}", f"again, {word}", "goodbye"]
    return Call(kind, lines, [word])


@pytest.fixture(scope="module")
def server() -> Iterator[ScriptedLLMServer]:
    with ScriptedLLMServer() as srv:  # its own thread and loop, as a real endpoint
        srv.add_rule(user="goodbye", goto="done")
        for k, word in enumerate(WORDS):
            srv.add_rule(user=word, reply=f"Noted, your word is {word}.",
                         latency={"ttft_ms": 5 + 7 * (k % 4), "tokens_per_s": 400})  # fmt: skip
        yield srv


class _Flows(dict[str, Any]):
    def __repr__(self) -> str:  # hypothesis prints the test's arguments
        return f"<flows {sorted(self)}>"


@pytest.fixture(scope="module")
def flows(server: ScriptedLLMServer) -> dict[str, Any]:
    return _Flows(
        {
            "dental": superdialog.load(ROOT / "flows" / "dental_booking.yaml"),
            "table": superdialog.load(ROOT / "flows" / "table_booking.yaml"),
            "llm": superdialog.loads(LLM_FLOW, "echo.yaml"),
        }
    )


@pytest.fixture(scope="module")
def endpoint(server: ScriptedLLMServer) -> dict[str, Any]:
    return {"model": "scripted-model", "base_url": server.base_url, "api_key": "sk-scripted",
            "first_token_timeout_s": 5.0, "total_timeout_s": 10.0}  # fmt: skip


@dataclass
class Played:
    replies: list[str]
    outcome: dict[str, str] | None
    slots: dict[str, str]
    outputs: str


async def _play(flow: Any, call: Call, rng: random.Random | None, llm: dict[str, Any]) -> Played:
    session = RecordingSession()
    m = flow.build(session, trace=True, llm=llm if call.kind == "llm" else None)
    await m.start()
    replies = []
    for line in call.lines:
        if m.finished:
            break
        if rng is not None:  # let the other calls run in between, a generated number of times
            for _ in range(rng.randrange(4)):
                await asyncio.sleep(0 if rng.random() < 0.7 else 0.003)
        replies.append(await m.turn(line))
    outputs = "\n".join(
        [repr(e) for e in session.effects]
        + [repr(m._history)]
        + [json.dumps(m.trace_record(), default=str)]
        + [json.dumps(m.dump(key=None), default=str)]
    )
    shown = {k: str(v) for k, v in m.slots.items() if k != "card_number"}
    return Played(replies, m.outcome, shown, outputs)


def _leaks(outputs: str, others: list[Call]) -> list[str]:
    low = outputs.lower()
    return [v for c in others for v in c.own if v.lower() in low]


calls_st = st.lists(st.sampled_from(["dental", "table", "llm"]), min_size=2, max_size=8).map(
    lambda kinds: [_call(kind, k) for k, kind in enumerate(kinds)]
)


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(calls=calls_st, seed=st.integers(0, 2**32 - 1))
def test_calls_at_once_say_what_each_says_alone(
    flows: dict[str, Any], endpoint: dict[str, Any], calls: list[Call], seed: int
) -> None:
    async def scenario() -> tuple[list[Played], list[Played]]:
        try:
            alone = [await _play(flows[c.kind], c, None, endpoint) for c in calls]
            rngs = [random.Random(seed + i) for i in range(len(calls))]
            together = await asyncio.gather(
                *(
                    _play(flows[c.kind], c, rng, endpoint)
                    for c, rng in zip(calls, rngs, strict=True)
                )
            )
            return alone, list(together)
        finally:
            await aclose_clients()

    alone, together = asyncio.run(scenario())
    for i, (a, t) in enumerate(zip(alone, together, strict=True)):
        assert t.replies == a.replies, f"call {i} ({calls[i].kind}) answered differently"
        assert t.outcome == a.outcome and t.slots == a.slots
        others = calls[:i] + calls[i + 1 :]
        assert not _leaks(t.outputs, others), f"call {i} shows another call's values"
        assert not _leaks(a.outputs, others)
    # the calls did what they were written to do (a flow that failed early proves nothing)
    for c, a in zip(calls, alone, strict=True):
        assert a.outcome is not None, (c.kind, a.replies)
        if c.kind == "llm":
            assert any(c.own[0] in r for r in a.replies)
        if c.kind != "llm":
            assert a.outcome is not None and a.outcome["reason"] == "completed", (c.kind, a.replies)
        assert c.own[0].lower() in a.outputs.lower()  # the leak check can see a value


async def _play_rough(flow: Any, call: Call, rng: random.Random, llm: dict[str, Any]) -> Played:
    """A call whose caller barges in and may hang up, at generated points (as Unpod does it)."""
    session = RecordingSession()
    m = flow.build(session, trace=True, llm=llm if call.kind == "llm" else None)
    await m.start()
    replies = []
    hang_up_at = rng.randrange(len(call.lines) + 2)  # past the end: no hang-up
    for i, line in enumerate(call.lines):
        if m.finished:
            break
        if i == hang_up_at:
            await m.close()
            break
        for _ in range(rng.randrange(3)):
            await asyncio.sleep(0 if rng.random() < 0.7 else 0.002)
        barge_after = rng.randrange(3) if rng.random() < 0.4 else None
        stream = m.stream(line)
        chunks: list[str] = []
        try:
            async for chunk in stream:
                if chunk:
                    chunks.append(chunk)
                if barge_after is not None and len(chunks) > barge_after:
                    break
        finally:
            await stream.aclose()
        if barge_after is not None and len(chunks) > barge_after:
            m.mark_interrupted("".join(chunks))
        replies.append("".join(chunks))
    if not m.finished:
        await m.close()
    outputs = "\n".join(
        [repr(e) for e in session.effects]
        + [repr(m._history)]
        + [json.dumps(m.trace_record(), default=str)]
        + [json.dumps(m.dump(key=None), default=str)]
    )
    return Played(replies, m.outcome, {}, outputs)


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(calls=calls_st, seed=st.integers(0, 2**32 - 1))
def test_calls_that_barge_in_and_hang_up_at_once_keep_to_themselves(
    flows: dict[str, Any], endpoint: dict[str, Any], calls: list[Call], seed: int
) -> None:
    async def scenario() -> list[Played]:
        try:
            rngs = [random.Random(seed + i) for i in range(len(calls))]
            plays = [
                _play_rough(flows[c.kind], c, r, endpoint) for c, r in zip(calls, rngs, strict=True)
            ]
            return list(await asyncio.gather(*plays))
        finally:
            await aclose_clients()

    for i, played in enumerate(asyncio.run(scenario())):
        others = calls[:i] + calls[i + 1 :]
        assert not _leaks(played.outputs, others), f"call {i} shows another call's values"
        assert "error" not in json.dumps(played.outcome or {}), (calls[i].kind, played)
