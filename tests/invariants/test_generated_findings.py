"""Framework bugs the multilingual generated calls found, cut down by hand.

Each test is a minimal, deterministic reproducer with the same checks as the property
test (``harness.check_actions``). An open bug is a strict xfail (it passes, and the suite
then fails, once the framework is fixed); a fixed one stays as a regression test.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

import superdialog
from superdialog.testing.session import RecordingSession

from .harness import ActionMark, check_actions, check_invariants, run_call

HOLDING_READS_A_MISSING_FIELD = """
flow: holding_error
start: first
on_error: oops
states:
  first:
    action: {call: first, timeout: 0.15}
    next: second
  second:
    action:
      call: second
      timeout: 0.15
      holding_after: 0.02
      holding_line: "One moment while I check {{ results.first.ref }}."
    next: done
  done: {say: "Done.", end: completed}
  oops: {say: "Sorry, something went wrong on our side.", transfer: {queue: support}}
"""


async def test_found_a_holding_line_that_fails_to_render_leaves_its_action_running() -> None:
    """A holding line that fails to render (it reads a result field the previous action did
    not return) moved the call along on_error while the action it holds for still ran, 0.02 s
    into its 0.15 s timeout. Now the line is left out and the action's outcome decides (A1)."""
    flow = superdialog.loads(HOLDING_READS_A_MISSING_FIELD, "holding_error.yaml")
    timeline: list[tuple[Any, ...]] = []

    async def first() -> dict[str, Any]:
        return {"ok": True}  # no "ref": the holding line of the next state cannot render

    async def second() -> dict[str, Any]:
        timeline.append(("action", ActionMark("start", 1, "second", time.monotonic())))
        await asyncio.sleep(0.08)
        timeline.append(("action", ActionMark("return", 1, "second", time.monotonic())))
        return {"ok": True}

    call = await run_call(
        flow, ["okay", "okay"], actions={"first": first, "second": second}, timeline=timeline
    )
    await asyncio.sleep(0.2)
    assert check_invariants(call) == []
    assert check_actions(call, {"second": 0.15}) == []


NEVER_MIND_BEFORE_A_PRIVATE_NAME = """
flow: never_mind_name
languages: [en, fr, es, de]
slots:
  party:
    type: number
    prompt:
      {en: "How many people?", fr: "Combien de personnes ?", es: "¿Cuántos?", de: "Wie viele?"}
  guest:
    type: name
    pii: true
    prompt: {en: "Your name?", fr: "Votre nom ?", es: "¿Su nombre?", de: "Ihr Name?"}
start: ask
states:
  ask:
    collect: [party]
    next: later
  later:
    collect: [guest]
    next: bye
  bye:
    say: {en: Bye., fr: Au revoir., es: Adiós., de: Tschüss.}
    end: completed
"""


@pytest.mark.parametrize(
    ("language", "said", "line"),
    [
        ("en", "never mind", "Okay, never mind. How many people?"),
        ("fr", "laissez tomber", "D'accord, laissons tomber. Combien de personnes ?"),
        ("es", "olvídelo", "De acuerdo, olvídelo. ¿Cuántos?"),
        ("de", "vergessen Sie es", "In Ordnung, vergessen wir das. Wie viele?"),
    ],
)
async def test_found_never_mind_before_a_private_name_is_not_masked_in_the_reply(
    language: str, said: str, line: str
) -> None:
    # found as "D'accord, laissons ce que vous m'avez indiqué." and "Okay, the one you gave
    # me.": the volunteered-PII scan read the never-mind words as a private name slot's value
    # (fixed in 9800370: never a name without a cue); kept as a regression test
    flow = superdialog.loads(NEVER_MIND_BEFORE_A_PRIVATE_NAME, "never_mind_name.yaml")
    machine = flow.build(RecordingSession())
    await machine.start()
    assert await machine.turn(said, language=language) == line
