"""Corrections after the call has moved on, in the caller's language.

"Actually, make it six" works in English in any state; a caller in Spanish,
German, French or Hindi corrects with their own words ("en realidad somos
seis", "lieber sechs Personen", "en fait nous serons six", "छह लोग, पाँच की
जगह"), and the correction is confirmed in that language. Words that only look
like a cue without a value for a given slot change nothing.
"""

from __future__ import annotations

import pytest

import superdialog
from superdialog.runtime.corrections import corrects
from superdialog.slots import extract
from superdialog.testing import RecordingSession

FLOW = """
flow: party
languages: [en, es, de, fr, hi]
start: size
slots:
  people:
    type: number
    min: 1
    max: 12
    prompt:
      en: "How many people?"
      es: "¿Cuántas personas?"
      de: "Wie viele Personen?"
      fr: "Combien de personnes ?"
      hi: "कितने लोग?"
  day:
    type: date
    prompt:
      en: "Which day?"
      es: "¿Qué día?"
      de: "Welcher Tag?"
      fr: "Quel jour ?"
      hi: "कौन सा दिन?"
states:
  size:
    collect: [people]
    next: when
  when:
    collect: [day]
    next: done
  done:
    say: {en: "Done.", es: "Listo.", de: "Fertig.", fr: "C'est fait.", hi: "हो गया।"}
    end: completed
"""

CASES = [
    ("en", "five", "actually make it six people", "Okay"),
    ("es", "cinco", "en realidad somos seis personas", "de acuerdo"),
    ("es", "cinco", "mejor seis personas", "de acuerdo"),
    ("de", "fünf", "lieber sechs Personen", "In Ordnung"),
    ("de", "fünf", "ich meinte sechs Personen", "In Ordnung"),
    ("fr", "cinq", "en fait nous serons six personnes", "D'accord"),
    ("fr", "cinq", "plutôt six personnes", "D'accord"),
    ("hi", "पाँच", "पाँच की जगह छह लोग", "ठीक है"),
    ("hi", "पाँच", "actually छह लोग", "ठीक है"),
]


@pytest.mark.parametrize(("language", "first", "correction", "okay"), CASES)
async def test_a_correction_in_a_later_state_changes_the_value(
    language: str, first: str, correction: str, okay: str
) -> None:
    flow = superdialog.loads(FLOW, "party.yaml")
    machine = flow.build(RecordingSession())
    await machine.start()
    [c async for c in machine.stream(first, language=language)]
    assert machine.slots["people"] == 5 and machine.node == "when"
    said = "".join([c async for c in machine.stream(correction, language=language)])
    assert machine.slots["people"] == 6, said
    assert machine.node == "when"
    assert "Sorry" not in said or language == "en", said


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("es", "es mejor para mí"),  # a cue with no value for a filled slot
        ("de", "eigentlich weiß ich es nicht"),
        ("fr", "en fait je ne sais pas"),
        ("hi", "मतलब पता नहीं"),
    ],
)
async def test_a_cue_without_a_value_changes_nothing(language: str, text: str) -> None:
    flow = superdialog.loads(FLOW, "party.yaml")
    machine = flow.build(RecordingSession())
    await machine.start()
    [c async for c in machine.stream("5", language=language)]
    [c async for c in machine.stream(text, language=language)]
    assert machine.slots["people"] == 5 and "day" not in machine.slots


def test_each_language_has_its_cues_and_english_cues_count_everywhere() -> None:
    assert corrects("en realidad el martes", "es") and not corrects("en realidad el martes")
    assert corrects("Quería decir el martes", "es")  # accent dropped or not
    assert corrects("ich wollte sagen Dienstag", "de")
    assert corrects("je me suis trompé, mardi", "fr")
    assert corrects("मंगलवार, सोमवार की जगह", "hi")
    assert corrects("ग़लती से सोमवार कहा, मंगलवार", "hi") and corrects("गलती से मंगलवार", "hi")
    assert corrects("actually tuesday", "hi") and corrects("actually tuesday", "es")
    assert not corrects("el martes por favor", "es")


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("es", "en vez de cinco, seis", 6),
        ("es", "seis en lugar de cinco", 6),
        ("fr", "au lieu de cinq, six", 6),
        ("de", "statt fünf sechs", 6),
        ("de", "anstatt fünf lieber sechs", 6),
        ("hi", "पाँच की जगह छह लोग", 6),
        ("hi", "paanch ki jagah chhe log", 6),
    ],
)
def test_the_value_after_instead_of_is_refused_not_taken(
    language: str, text: str, expected: int
) -> None:
    """Before, the refused value was the one read ("en vez de cinco, seis" gave 5)."""
    assert extract("number", text, language=language) == expected
