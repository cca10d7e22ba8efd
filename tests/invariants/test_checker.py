"""The invariant checker itself catches each kind of violation (a checker that always
passes would make every other test here worthless)."""

from __future__ import annotations

import pytest

import superdialog
from superdialog.testing.frames import Frame

from .harness import Call, Canary, Ctx, LogCapture, ObservedBridge, check_invariants, leaks

FLOW = superdialog.loads("""
flow: checker
start: ask
slots:
  pin: {type: digits, pii: true, min_length: 4, max_length: 4, prompt: "PIN?"}
states:
  ask: {say: "Hi.", next: secure}
  secure: {pii: true, pause_reason: pin, collect: [pin], next: done}
  done: {say: "Bye.", end: completed}
""", "checker.yaml")

ASK = Ctx("ask", False, False, False)
SECURE = Ctx("secure", True, False, False)
LEAVING = Ctx("secure", True, False, True)
DONE = Ctx("done", False, True, True)


def fake(frames: list[tuple[Frame, Ctx]], outcome: dict[str, str] | None) -> Call:
    machine = FLOW.build(trace=False)
    machine._status = 2  # finished
    machine._outcome = outcome
    bridge = ObservedBridge()
    bridge.frames = [f for f, _ in frames]
    bridge.contexts = [c for _, c in frames]
    bridge.hung_up = outcome is not None and outcome.get("verb") == "hangup"
    return Call(FLOW, bridge, machine, None, LogCapture())


END = {"verb": "end", "reason": "completed"}
GOOD = [
    (Frame("say", text="Hi."), ASK), (Frame("pause", reason="pin"), SECURE),
    (Frame("delta", text="PIN?"), SECURE), (Frame("text.end"), SECURE),
    (Frame("resume"), DONE), (Frame("delta", text="Bye."), DONE), (Frame("text.end"), DONE),
    (Frame("end", reason="completed"), DONE),
]


def rules(frames: list[tuple[Frame, Ctx]], outcome: dict[str, str] | None = END) -> set[str]:
    # R9 compares with the machine's trace, which these synthetic calls do not have
    return {p[:2] for p in check_invariants(fake(frames, outcome)) if not p.startswith("R9")}


def test_a_good_call_passes() -> None:
    assert rules(GOOD) == set()


HANGUP = {"verb": "hangup", "reason": "hangup"}


@pytest.mark.parametrize(("frames", "outcome", "rule"), [
    ([GOOD[0], GOOD[1], GOOD[1], *GOOD[2:]], END, "R1"),  # paused twice
    ([GOOD[0], (Frame("resume"), ASK), *GOOD[1:]], END, "R1"),  # resumed while not paused
    ([GOOD[0], (Frame("pause", reason="pii"), SECURE), *GOOD[2:]], END, "R2"),  # wrong reason
    ([GOOD[0], GOOD[2], GOOD[1], *GOOD[3:]], END, "R3"),  # the PII prompt recorded
    ([*GOOD[:3], (Frame("delta", text="Sorry, bye."), LEAVING), *GOOD[3:]], END,
     "R3"),  # a closing line said paused while leaving
    ([*GOOD, GOOD[7]], END, "R4"),  # two terminal verbs
    (GOOD[:7], END, "R4"),  # none, and the caller did not hang up
    ([*GOOD, (Frame("delta", text="late"), DONE)], END, "R5"),  # speech after the end
    ([*GOOD[:4], GOOD[7], GOOD[4]], END, "R6"),  # end while paused
    (GOOD[:4], HANGUP, "R6"),  # left paused at hang-up
])
def test_each_violation_is_caught(frames: list[tuple[Frame, Ctx]], outcome: dict[str, str],
                                  rule: str) -> None:
    assert rule in rules(frames, outcome)


def test_outcome_mismatch_is_caught() -> None:
    assert "R7" in rules(GOOD, {"verb": "end", "reason": "error"})


def test_canaries_are_found_in_any_case_and_form() -> None:
    call = fake([(Frame("delta", text="Your card FOUR TWO four two"), ASK)], None)
    canary = Canary("last4", ("4242", "four two four two"))
    assert leaks(call, [canary]) == ["frames: last4 as 'four two four two'"]
