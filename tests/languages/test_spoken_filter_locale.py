"""A flow's own lines say values in the caller's language too (``| spoken``, masked PII)."""

from __future__ import annotations

import superdialog
from superdialog.testing.session import RecordingSession

FLOW = """
flow: spoken_lines
languages: [en, es]
slots:
  day:
    type: date
    prompt: {en: Which day?, es: ¿Qué día?}
  account:
    type: digits
    pii: true
    mask: last4
    min_length: 8
    max_length: 8
    prompt: {en: Your account number?, es: ¿Su número de cuenta?}
start: ask
states:
  ask:
    collect: [day, account]
    next: done
  done:
    say:
      en: "Booked for {{ slots.day | spoken }} on account {{ slots.account }}."
      es: "Reservado para el {{ slots.day | spoken }} en la cuenta {{ slots.account }}."
    end: completed
"""


async def _call(language: str) -> str:
    flow = superdialog.loads(FLOW, "spoken_lines.yaml")
    m = flow.build(RecordingSession())
    await m.start()
    await m.turn("the 15th of january 2030", language=language)  # no 8-digit run: not an account
    return await m.turn("one two three four five six seven eight", language=language)


async def test_spanish_lines_say_dates_and_masked_values_in_spanish() -> None:
    line = await _call("es")
    assert line.startswith("Reservado para el martes, 15 de enero de 2030"), line
    assert "terminado en" in line and "5 6 7 8" in line
    assert "Tuesday" not in line and "ending in" not in line
    assert "12345678" not in line.replace(" ", "")


async def test_english_lines_are_unchanged() -> None:
    line = await _call("en")
    assert line.startswith("Booked for Tuesday, January 15th, 2030"), line
    assert "ending in" in line and "12345678" not in line.replace(" ", "")
