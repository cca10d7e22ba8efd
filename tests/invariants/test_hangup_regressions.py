"""Hang-ups with the socket closed at once, pinned: what the generated hang-up calls found."""

from __future__ import annotations

import asyncio
import gc

import superdialog
from superdialog_unpod.testing import Step

from .harness import Turn, check_invariants, run_call

FAILING_CLOSE = """
flow: closing_line
start: ask
slots:
  age: {type: number, prompt: "How old are you?"}
states:
  ask:
    collect: [age]
    transitions:
      - {to: tell, say: "Great, thanks a lot."}
  tell: {say: "Your tier is {{ session.tier }}.", end: completed}
"""


async def test_a_hang_up_in_an_error_paths_closing_line_is_a_hang_up() -> None:
    """The caller hangs up on the edge line; the next state's template fails: the error path.

    Found by test_generated_hangups: the SDK's loop, whose send of the apology raised,
    left our stream suspended without closing it; ``close()`` marked the call hung up,
    but when the abandoned stream was finalised (by the garbage collector) its
    ``finally`` sent the pending ``end("error")`` after the call was over and the
    outcome turned into ``end/error``.
    """
    flow = superdialog.loads(FAILING_CLOSE, "closing_line.yaml")
    turns = [Turn(Step("forty two"), hang_up_after=1)]

    async def let_it_finalise() -> None:
        for _ in range(3):
            gc.collect()
            await asyncio.sleep(0.01)

    c = await run_call(
        flow, policy=lambda m: turns.pop(0) if turns else None, closing=True, after=let_it_finalise
    )
    await let_it_finalise()
    assert check_invariants(c) == []
    tried = [t[1] for t in c.timeline if t[0] == "after_hang_up"]
    assert tried == ["AgentTextDeltaEvent"]  # the apology's chunk; no end() after close()
    assert c.machine.outcome == {"verb": "hangup", "reason": "hangup"}
    assert not [e for e in c.machine.trace if e.kind in ("ended", "transferred")]
