"""Generated calls whose caller hangs up anywhere, and the worker closes the socket at once.

The platform's speech worker closes the websocket when the caller hangs up; the
SDK's ``Session.run()`` keeps running the turn it is in (its receive failed,
not its sends), so whatever that turn still sends — the next chunk, a pause, a
resume, the ``end`` of an error path, the ``text.end`` — raises. The stock
``LoopbackBridge`` only closes after a terminal verb, and the other generated
tests hang up with the socket still open; here (``run_call(closing=True)``)
every frame after the hang-up raises ``BridgeClosed``, as in production.

Each example is one ``test_generated`` case (generated flow, hostile caller,
faulty model and actions, PII canaries) with exactly one hang-up put at a
random turn: right after speaking (the model may be in its retry back-off, an
action may be starting), after the n-th chunk of the reply (mid holding line,
mid read-back, mid model stream, as a PII state opens), or on the first chunk
sent while an action runs. Every call must keep what the other generated calls
keep (``test_generated.violations``: R1-R9, A1-A5, T1, no canary anywhere),
with these consequences of a closed socket:

* the entrypoint's loop (``superdialog_unpod.run_session``) returns: a reply
  sent into the closed socket is the call's normal end, not a crash (R8);
* the call ends as a hang-up: no error path is taken because a verb could not
  be sent, and no ending of ours is reported that the worker never received
  (R7, H1) — only a completed call keeps ``completed``: its ``end`` was the
  session's to send, after the turn;
* the trace reports only verbs that reached the worker (R9), and the machine
  does not think recording is paused (R6);
* an action the turn started still runs to its end (A4) and is never cut short.

``SUPERDIALOG_HANGUP_EXAMPLES`` sets the number of calls (default 60).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from hypothesis import given, note, settings
from hypothesis import strategies as st

from .harness import Call
from .test_generated import (
    CALL_SETTINGS,
    Case,
    Loop,
    cases,
    loop,  # noqa: F401  (the module-scoped fixture)
    play,
    violations,
)

EXAMPLES = int(os.environ.get("SUPERDIALOG_HANGUP_EXAMPLES", "60"))
HOW = st.sampled_from([0, 0, 1, 1, 2, 3, 5, "action", "action", "action"])
STATS: dict[str, int] = {}


@st.composite
def hangup_cases(draw: Callable[[st.SearchStrategy[Any]], Any]) -> Case:
    """A generated call with one hang-up (``HOW``) at a drawn turn, none before it."""
    case: Case = draw(cases())
    at = draw(st.integers(0, len(case.turns) - 1), label="hang-up turn")
    how = draw(HOW, label="hang-up")
    turns = [(k, p, b, None, j) for k, p, b, _, j in case.turns]
    kind, pick, barge, _, junk = turns[at]
    if kind == "silence":  # a silent turn has no reply to hang up in
        kind = "answer"
    turns[at] = (kind, pick, barge, how, junk)
    case.turns = turns[: at + 1]
    case.mute_at = None
    return case


def closed_socket_violations(call: Call) -> list[str]:
    """H1: after the socket closed, the call reports a hang-up, not an ending nobody got."""
    bad = []
    after = [t for t in call.timeline if t[0] == "after_hang_up"]
    terms = [f for f in call.frames if f.kind in ("end", "transfer")]
    outcome = call.machine.outcome or {}
    if (
        after
        and not terms
        and outcome.get("verb") != "hangup"
        and outcome.get("delegated") != "yes"
    ):
        bad.append(f"H1 frames were refused after the hang-up, yet the outcome is {outcome}")
    return bad


def _count(call: Call) -> None:
    after = {t[1] for t in call.timeline if t[0] == "after_hang_up"}
    for key, present in (
        ("calls", True),
        ("hung up", call.bridge.hung_up),
        ("sent after the hang-up", bool(after)),
        ("a pause or resume refused", "AgentSayVerb" in after),
        ("a chunk refused", "AgentTextDeltaEvent" in after),
        ("hung up while paused", call.bridge.hung_up and _paused_at_hang_up(call)),
        ("an action outlived the call", any(t[0] == "action" for t in call.timeline)),
    ):
        if present:
            STATS[key] = STATS.get(key, 0) + 1


def _paused_at_hang_up(call: Call) -> bool:
    paused = False
    for f in call.frames:
        if f.kind in ("pause", "resume"):
            paused = f.kind == "pause"
    return paused


@settings(max_examples=EXAMPLES, **CALL_SETTINGS)
@given(case=hangup_cases())
def test_a_caller_hanging_up_anywhere_ends_the_call_cleanly(loop: Loop, case: Case) -> None:  # noqa: F811
    call = play(loop, case, closing=True)
    _count(call)
    found = violations(call, case) + closed_socket_violations(call)
    if found:
        note(case.story(call))
    assert found == [], "\n".join(found) + "\n" + case.story(call)


def test_the_hang_ups_landed_where_they_should() -> None:
    """A sanity check on the property above: hang-ups did cut turns short."""
    if STATS.get("calls", 0) < EXAMPLES // 2:
        import pytest

        pytest.skip("run with the property test (it may have stopped at its first failure)")
    print("hang-up statistics:", STATS)
    for key in ("hung up", "sent after the hang-up", "a chunk refused"):
        assert STATS.get(key, 0) > 0, (key, STATS)
