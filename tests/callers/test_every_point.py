"""A barge-in and a hang-up at EVERY point of the example calls, through the real Unpod Session.

Each example flow is played along a whole call (the caller's script below);
then once more for every chunk of every reply (the opening's turn included):
the caller barges in right after that chunk, or hangs up there (the worker
closing the socket, as in production), or hangs up right after speaking (an
action may be starting). Every variant must keep
the call-wide contract (``check_invariants``: the PII bracket, one terminal
verb, last; the trace agreeing), the action contract (``check_actions``: no
move past an unfinished action, never cut short) and leave no planted value
(card, date of birth, last four, phone) in any output.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from invariants.harness import (
    ActionMark,
    Call,
    Canary,
    Turn,
    check_actions,
    check_invariants,
    leaks,
    load,
    run_call,
    spoken_digits,
)

from superdialog_unpod.testing import Step

CARD = "4242424242424242"
CANARIES = [
    Canary("card", (CARD, spoken_digits(CARD)), digits=(CARD,)),
    Canary("dob", ("1975-03-12",), date=dt.date(1975, 3, 12)),
    Canary("last4", ("1881", "one eight eight one")),
]
SCRIPTS: dict[str, list[str]] = {
    "dental_booking.yaml": [
        "yes please", "Jane Doe", "january fifteenth twenty thirty", "yes", "ten thirty",
        "five five five, one two oh, four four seven eight", "yes", "jane at example dot com",
        "four two four two, four two four two, four two four two, four two four two",
    ],
    "lost_card.yaml": [
        "the twelfth of march nineteen seventy five", "one eight eight one", "it was stolen",
        "no", "yes please",
    ],
}  # fmt: skip
DATA = {"lost_card.yaml": {"customer_id": "C-1001"}}
TIMEOUTS = {
    "dental_booking.yaml": {"check_calendar": 4.0, "charge": 5.0},
    "lost_card.yaml": {"verify": 3.0, "block": 8.0, "order": 5.0},
}


def _actions(timeline: list[tuple[Any, ...]]) -> dict[str, Callable[..., Any]]:
    """The example actions, quick, and writing their runs into the call's timeline."""
    runs = iter(range(1_000_000))

    def marked(state: str, result: dict[str, Any], pause: float) -> Callable[..., Any]:
        async def action(**_: Any) -> dict[str, Any]:
            run = next(runs)
            loop = asyncio.get_running_loop()
            timeline.append(("action", ActionMark("start", run, state, loop.time())))
            await asyncio.sleep(pause)
            timeline.append(("action", ActionMark("return", run, state, loop.time())))
            return result

        return action

    return {
        "check_availability": marked("check_calendar", {"available": True}, 0.02),
        "charge_deposit": marked("charge", {"charged": 20, "reference": "DEP-1"}, 0.01),
        "verify_identity": marked("verify", {"verified": True}, 0.01),
        "block_card": marked("block", {"blocked": True, "reason": "stolen"}, 0.03),
        "order_replacement": marked("order", {"ordered": True, "days": 3}, 0.01),
    }


async def _play(
    name: str, turns: list[Turn], holder: list[Any] | None = None
) -> tuple[Call, list[str]]:
    timeline: list[tuple[Any, ...]] = []
    todo = iter(turns)
    call = await run_call(
        load(name),
        policy=lambda m: next(todo, None),
        actions=_actions(timeline),
        data=DATA.get(name),
        timeline=timeline,
        closing=True,
        prepare=None if holder is None else holder.append,
    )
    bad = check_invariants(call) + check_actions(call, TIMEOUTS[name])
    bad += leaks(call, CANARIES)
    return call, bad


def _chunks_per_turn(call: Call) -> list[int]:
    """How many speech chunks the reply to each caller turn had."""
    out: list[int] = []
    for f in call.frames:
        if f.kind == "text.end":
            out.append(0)
        elif f.kind == "delta" and out is not None:
            if not out:
                out.append(0)
            out[-1] += 1
    return out


def _variants(name: str, counts: list[int]) -> Iterator[tuple[str, list[Turn], list[Any] | None]]:
    script = SCRIPTS[name]
    for i, text in enumerate(script):
        n = counts[i] if i < len(counts) else 1
        for k in range(1, max(n, 1) + 1):
            turns = [Turn(Step(t)) for t in script]
            turns[i] = Turn(Step(text, interrupt_after=k, heard="…"))
            yield f"barge-in after chunk {k} of turn {i}", turns, None
            turns = [Turn(Step(t)) for t in script]
            turns[i] = Turn(Step(text), hang_up_after=k)
            yield f"hang-up after chunk {k} of turn {i}", turns, None
        turns = [Turn(Step(t)) for t in script]
        turns[i] = Turn(Step(text), hang_up_after=0)
        yield f"hang-up right after turn {i}", turns, None


@pytest.mark.parametrize("name", sorted(SCRIPTS))
async def test_a_barge_in_or_hang_up_at_every_point_keeps_every_guarantee(name: str) -> None:
    clean, bad = await _play(name, [Turn(Step(t)) for t in SCRIPTS[name]])
    assert bad == [], bad
    assert clean.machine.finished
    counts = _chunks_per_turn(clean)
    failures: list[str] = []
    played = landed = 0
    for label, turns, holder in _variants(name, counts):
        call, bad = await _play(name, turns, holder)
        played += 1
        landed += call.bridge.barge_ins > 0 or call.bridge.hung_up
        if bad:
            failures.append(f"{label}: {bad[:3]}")
    assert played >= 3 * len(SCRIPTS[name])
    assert landed >= played // 2, (landed, played)  # the cuts really happened
    assert failures == [], "\n".join(failures)
