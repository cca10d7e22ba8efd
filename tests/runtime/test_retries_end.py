"""A question whose retries run out, with nowhere to go, ends with the right words.

The caller spoke every time and was not understood: "I haven't heard from you"
(the silence line) was what they heard. Now it is ``messages.not_understood_end``,
in the call's language, with the reason ``no_response`` kept for the host.
"""

from __future__ import annotations

import pytest

import superdialog
from superdialog.testing import RecordingSession

FLOW = """
flow: retries
languages: [en, es]
slots:
  guests:
    type: number
    retries: 1
    prompt: {en: "How many guests?", es: "¿Cuántos invitados?"}
start: ask
states:
  ask: {collect: [guests], next: done}
  done: {say: {en: "Thanks.", es: "Gracias."}, end: completed}
"""


@pytest.mark.parametrize(
    ("language", "words", "closing"),
    [
        ("en", "purple elephants", "I'm sorry, I'm having trouble understanding"),
        ("es", "elefantes morados", "Lo siento, me está costando entenderle"),
    ],
)
async def test_the_caller_who_spoke_is_not_told_they_were_not_heard(
    language: str, words: str, closing: str
) -> None:
    session = RecordingSession()
    machine = superdialog.loads(FLOW, "r.yaml").build(session)
    await machine.start()
    await machine.turn(words, language=language)
    said = await machine.turn(words, language=language)
    assert closing in said
    assert "heard from you" not in said and "No le oigo" not in said
    assert machine.outcome is not None and machine.outcome["reason"] == "no_response"
