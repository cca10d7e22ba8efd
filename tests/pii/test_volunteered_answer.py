"""The answer to a date question is not a PIN volunteered in passing.

Found writing fresh flows: after a four-digit PIN, the caller answers a date
question with "january fifth twenty thirty"; the volunteered-PII scan read
"twenty thirty" as a four-digit PIN and masked it, so the date read back as
"the one you gave me". The words that answer the current moment question are
left out of the scan; a card number said in the wrong place is still masked.
"""

from __future__ import annotations

import json

import pytest

import superdialog
from superdialog.testing.session import RecordingSession

FLOW = """
flow: pin_then_day
start: pin
slots:
  pin: {type: digits, pii: true, min_length: 4, max_length: 4, prompt: Your PIN?}
  day: {type: date, prompt: Which day?}
  card: {type: card_number, pii: true, prompt: Your card?}
  guests: {type: number, prompt: How many guests?}
states:
  pin:
    pii: true
    collect: [pin]
    next: day
  day:
    collect: [day]
    next: guests
  guests:
    collect: [guests]
    next: done
  done: {say: "Noted for {{ slots.day | spoken }}.", end: completed}
"""


@pytest.mark.parametrize(
    "answer", ["january fifth twenty thirty", "the 5th of january 2030", "1/5/2030"]
)
async def test_a_year_in_the_answer_is_read_back_not_masked(answer: str) -> None:
    m = superdialog.loads(FLOW, "p.yaml").build(RecordingSession())
    await m.start()
    await m.turn("seven seven eight eight")
    await m.turn(answer)
    said = await m.turn("two")
    assert "2030" in said or "twenty thirty" in said.lower()
    assert "the one you gave me" not in said


async def test_a_card_said_in_the_wrong_place_is_still_masked() -> None:
    m = superdialog.loads(FLOW, "p.yaml").build(RecordingSession(), trace=True)
    await m.start()
    await m.turn("seven seven eight eight")
    await m.turn("january fifth twenty thirty")
    await m.turn("my card is 4111 1111 1111 1111")  # asked for the number of guests
    shown = json.dumps(m.snapshot(), default=str) + repr(list(m.trace))
    assert "4111111111111111" not in shown.replace(" ", "")
