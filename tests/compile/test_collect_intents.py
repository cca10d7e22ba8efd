"""An intent: transition on a collect state warns: it is not tried while the state asks.

Found writing a fresh debt-collection flow: "sorry, wrong number" at the SSN
question was read as a failed answer and asked again; the state's
``{intent: wrong_person, to: wrong_party}`` transition only runs once the slot
is filled. A rule under the state's ``global:`` is what reacts while it asks.
"""

from __future__ import annotations

import asyncio

import superdialog
from superdialog.testing import RecordingSession

FLOW = """\
flow: f
slots:
  ssn: {type: digits, min_length: 4, max_length: 4, prompt: "Last four?"}
intents:
  wrong_person: {phrases: [wrong number]}
start: ask
states:
  ask:
    collect: [ssn]
    RULE
  other: {say: sorry, end: wrong_party}
  bye: {say: bye, end: completed}
end_reasons: [wrong_party]
"""

EDGE = "transitions:\n      - {intent: wrong_person, to: other}\n      - {to: bye}"
GLOBAL = "global: [{intent: wrong_person, goto: other}]\n    next: bye"


def test_intent_edge_on_a_collect_state_warns_at_the_intent() -> None:
    flow = superdialog.loads(FLOW.replace("RULE", EDGE), name="f.yaml")
    [warning] = [w for w in flow.warnings if "only tried on the words" in w.message]
    assert (warning.line, warning.column) == (11, 18)
    assert (
        warning.hint is not None and "global: [{intent: wrong_person, goto: other}]" in warning.hint
    )


def test_the_hinted_global_rule_works_while_asking() -> None:
    flow = superdialog.loads(FLOW.replace("RULE", GLOBAL), name="f.yaml")
    assert not [w for w in flow.warnings if "only tried" in w.message]

    async def call() -> list[str]:
        session = RecordingSession()
        machine = flow.build(session)
        await machine.start()
        await machine.turn("sorry, wrong number")
        return session.verbs

    assert asyncio.run(call())[-1] == "end"
