"""Words handed over before ``start()``: the opening is said first, recording paused if due.

A host that never called ``start()`` (or a caller heard before it ran) had its first
utterance handled in the start state without entering it: the opening was never said, and a
start state that is a PII state never paused the recording.
"""

from __future__ import annotations

from pathlib import Path

import superdialog
from superdialog.testing import RecordingSession

ROOT = Path(__file__).resolve().parents[2]

PII_FIRST = """
flow: pii_first
slots:
  card: {type: card_number, pii: true, prompt: "Please read me the card number."}
start: take_card
states:
  take_card:
    pii: true
    say: "This part of the call is not recorded."
    collect: [card]
    next: done
  done:
    say: Thank you.
    end: completed
"""


async def test_the_opening_is_said_before_the_first_words_are_answered() -> None:
    m = superdialog.load(ROOT / "flows" / "dental_booking.yaml").build(RecordingSession())
    reply = await m.turn("hi I would like to book a check-up")
    assert reply == (
        "Hi, this is Alex from Bright Smile Dental. Are you calling to book a check-up? "
        "Can I have your full name, please?"
    )


async def test_a_pii_start_state_pauses_the_recording_even_without_start() -> None:
    session = RecordingSession()
    m = superdialog.loads(PII_FIRST, "pii_first.yaml").build(session)
    await m.turn("4111 1111 1111 1111")
    verbs = [e.verb for e in session.effects]
    assert verbs == ["recording.pause", "recording.resume", "end"], verbs
    assert m.finished
