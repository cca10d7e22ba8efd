"""A call transferred to another SuperDialog agent keeps the caller's context (handover.py)."""

from __future__ import annotations

import json

import pytest

import superdialog
from superdialog.runtime.durable_seal import generate_key
from superdialog.runtime.durable_values import RecordError
from superdialog.runtime.handover import carry_over, handed_to_agent
from superdialog.testing import RecordingSession

KEY = generate_key()
CARD = "4111111111111111"

FRONT = superdialog.loads(
    """
flow: front
start: ask
slots:
  name: {type: name, prompt: "Your name?"}
  when: {type: date, prompt: "Which day?"}
  card: {type: card_number, pii: true, prompt: "Card number?"}
states:
  ask: {collect: [name, when], next: secure}
  secure: {pii: true, collect: [card], next: billing}
  billing:
    say: "Passing you to billing."
    transfer: {agent: billing-bot, mode: warm}
""",
    "front.yaml",
)

BILLING = superdialog.loads(
    """
flow: billing
start: hello
slots:
  name: {type: name, prompt: "Your name?"}
  when: {type: time, prompt: "What time?"}
  card: {type: card_number, pii: true, prompt: "Card number?"}
  amount: {type: amount, prompt: "How much?"}
states:
  hello:
    say: "Billing here{% if slots.name %}, hello {{ slots.name }}{% endif %}."
    next: ask
  ask: {collect: [amount], next: done}
  done: {say: "Done.", end: completed}
""",
    "billing.yaml",
)


async def _front_record() -> dict[str, object]:
    m = FRONT.build(RecordingSession())
    await m.start()
    await m.turn("my name is Ana Silva")
    await m.turn("next Tuesday")
    await m.turn(" ".join(CARD))
    assert m.outcome is not None and m.outcome["target"] == "billing-bot"
    return json.loads(json.dumps(m.dump(key=KEY)))


async def test_the_receiving_flow_starts_with_the_callers_context() -> None:
    record = await _front_record()
    assert handed_to_agent(record) == "billing-bot"
    session = RecordingSession()
    m = BILLING.build(session)
    carried = carry_over(m, record, key=KEY)
    # 'when' is a date there and a time here: not carried; the card is, and stays masked
    assert sorted(carried) == ["card", "name"]
    opening = await m.start()
    assert "hello Ana Silva" in opening
    assert m.slots["card"] == CARD
    everywhere = json.dumps([m.snapshot(), m.state, [str(e) for e in m.trace]], default=str)
    assert CARD not in everywhere and " ".join(CARD) not in everywhere
    assert CARD not in m.mask(f"the card {CARD}")


async def test_a_call_that_was_not_handed_over_is_not_one() -> None:
    m = BILLING.build(RecordingSession())
    await m.start()
    assert handed_to_agent(m.dump(key=KEY)) is None


async def test_a_sealed_record_needs_its_key_and_a_started_machine_is_refused() -> None:
    record = await _front_record()
    with pytest.raises(RecordError):
        carry_over(BILLING.build(), record, key=generate_key())
    m = BILLING.build()
    await m.start()
    with pytest.raises(RecordError, match="not started"):
        carry_over(m, record, key=KEY)


async def test_a_record_without_a_key_carries_what_it_has() -> None:
    # saved without a key: personal data is left out of the record, so nothing of it is
    # carried (and nothing leaks); the call asks again
    record = await _front_record()
    m = FRONT.build(RecordingSession())
    await m.start()
    await m.turn("my name is Ana Silva")
    await m.turn("next Tuesday")
    await m.turn(" ".join(CARD))
    keyless = m.dump(key=None)
    assert keyless["pii"] == "omitted" and CARD not in json.dumps(keyless)
    assert "card" not in carry_over(BILLING.build(), keyless, key=None)
    assert "card" in carry_over(BILLING.build(), record, key=KEY)
