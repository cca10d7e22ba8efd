"""Talk-over: a caller utterance handed over while the previous turn is still running.

The Unpod session holds a new utterance back until the turn ends; a host
that does not (or a test driving ``stream`` itself) hands it over at once.
Found by these generated calls: two turns ran interleaved on one call: both
moved from the same state, the second found the state already left ("no
transition to 'verify_failed'"), took the error path and transferred a
verified caller to an agent; lines of two turns ran together ("Sorry, I
didn't catch that.Just the last four digits…"). Now one turn runs at a time:
a new utterance waits for the running turn to reach a point where it speaks,
and from there it supersedes it as a barge-in does (its speech stops, its
work never: an action still completes and decides the next state).
"""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import superdialog
from superdialog.runtime.events import ErrorRaised
from superdialog.testing import RecordingSession

from .conftest import FLOWS, effect_violations

DENTAL = [
    "yes", "Maria Lopez", "next tuesday", "yes", "ten thirty",
    "two one two five five five zero one nine nine", "yes", "maria at example dot com",
    "4111 1111 1111 1111", "operator", "bye", "start over", "say that again",
    "actually make it wednesday", "no", "", "[inaudible]",
]  # fmt: skip
LOST = [
    "the twelfth of march nineteen seventy five", "one eight eight one", "it was stolen", "no",
    "yes", "operator", "bye", "", "say that again", "I lost it",
]  # fmt: skip
CALLERS = {"dental_booking": (DENTAL, {}), "lost_card": (LOST, {"customer_id": "C-1001"})}


async def _ticks(n: int) -> None:
    """Let the loop run ``n`` times: timing in steps, not seconds, so every run is the same."""
    for _ in range(n):
        await asyncio.sleep(0)


async def _block_card(last4: str, reason: str) -> dict[str, object]:
    await asyncio.sleep(0.01)  # the example's takes 0.7 s
    return {"blocked": True, "reason": reason}


async def _consume(machine: Any, text: str, pace: int, out: list[str]) -> None:
    async for chunk in machine.stream(text):
        out.append(chunk)
        await _ticks(pace)  # a host that plays each chunk before asking for more


@settings(
    derandomize=True,
    deadline=None,
    max_examples=80,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=st.sampled_from(sorted(CALLERS)),
    turns=st.lists(
        st.tuples(
            st.integers(0, 30),  # which utterance
            st.sampled_from([0, 1, 2, 5, 20]),  # loop steps until the next utterance
            st.sampled_from([0, 0, 1, 3]),  # loop steps the host takes to play a chunk
            st.booleans(),  # wait for the reply to end before the next utterance
        ),
        min_size=2,
        max_size=10,
    ),
)
async def test_utterances_over_a_running_turn_keep_the_call_consistent(
    name: str, turns: list[tuple[int, int, int, bool]]
) -> None:
    words, data = CALLERS[name]
    flow = superdialog.load(FLOWS / f"{name}.yaml")
    session = RecordingSession(data=dict(data))
    machine = flow.build(session, trace=True, actions={"block_card": _block_card})
    await machine.start()
    tasks: list[asyncio.Task[None]] = []
    replies: list[list[str]] = []
    for pick, gap, pace, wait in turns:
        out: list[str] = []
        replies.append(out)
        task = asyncio.ensure_future(_consume(machine, words[pick % len(words)], pace, out))
        tasks.append(task)
        if wait:
            await task
        else:
            await _ticks(gap)
    await asyncio.gather(*tasks)
    await machine.close()
    errors = [e for e in machine.trace if isinstance(e, ErrorRaised)]
    assert errors == [], errors
    assert effect_violations(session, machine) == []
    for out in replies:  # one turn's lines, each after a space: never run together
        text = "".join(out)
        assert ".J" not in text and "?A" not in text and ".A" not in text, text


class _SlowSay(RecordingSession):
    """A host whose ``say`` takes a while, as speaking the opening does."""

    async def say(self, text: str) -> None:
        await _ticks(3)
        self.effect("say", text)


@settings(derandomize=True, deadline=None, max_examples=40)
@given(
    name=st.sampled_from(sorted(CALLERS)),
    pick=st.integers(0, 30),
    after=st.sampled_from([1, 2, 4, 8, 30]),  # the opening has begun
)
async def test_words_said_during_the_opening_wait_for_it(name: str, pick: int, after: int) -> None:
    """Found: 'yes' said while the opening was spoken left 'details' twice ("no transition
    to 'details'"), took the error path and transferred; 'operator' sent the transfer before
    the opening line was said, and the line after it."""
    words, data = CALLERS[name]
    flow = superdialog.load(FLOWS / f"{name}.yaml")
    session = _SlowSay(data=dict(data))
    machine = flow.build(session, trace=True, actions={"block_card": _block_card})
    opening = asyncio.ensure_future(machine.start())
    await _ticks(after)
    reply = "".join([c async for c in machine.stream(words[pick % len(words)])])
    said = await opening
    await machine.close()
    errors = [e for e in machine.trace if isinstance(e, ErrorRaised)]
    assert errors == [], errors
    assert effect_violations(session, machine) == []
    verbs = session.verbs
    assert said and verbs[0] == "say", verbs  # the opening is said first
    first_terminal = next(
        (i for i, v in enumerate(verbs) if v in ("end", "transfer_to_human")), None
    )
    assert first_terminal is None or "say" not in verbs[first_terminal:], (verbs, reply)
