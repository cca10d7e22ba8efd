"""Enum choices with words per language: heard in any language, read back in the caller's.

``choices: {inside: {en: [indoors], es: [dentro, adentro]}}``: every word of every
language picks the choice (callers mix languages), and a read-back in Spanish says
"dentro", not the choice's English name. The words can come from a message file
(``slots.<slot>.choices.<choice>``), also for choices given as a plain list; words for
a language the flow does not speak are a located error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import superdialog
from superdialog.testing import RecordingSession

FLOW = """
flow: seats
languages: [en, es]
start: where
slots:
  seating:
    type: enum
    confirm: true
    choices:
      inside: {en: [indoors, inside], es: [dentro, adentro, en el interior]}
      outside: {en: [outdoors, on the terrace], es: [fuera, afuera, en la terraza]}
    prompt: {en: "Inside or outside?", es: "¿Dentro o fuera?"}
states:
  where:
    collect: [seating]
    next: done
  done: {say: {en: "Done.", es: "Listo."}, end: completed}
messages:
  confirm: {en: "I have {{ value }}. Is that right?", es: "Tengo {{ value }}. ¿Es correcto?"}
"""


async def _answer(flow: superdialog.Flow, text: str, language: str) -> tuple[str, object]:
    machine = flow.build(RecordingSession())
    await machine.start()
    said = "".join([c async for c in machine.stream(text, language=language)])
    return said, machine


@pytest.mark.parametrize(
    ("text", "language", "heard"),
    [
        ("afuera por favor", "es", "Tengo fuera."),
        ("en la terraza", "es", "Tengo fuera."),
        ("outdoors", "es", "Tengo fuera."),  # an English word in a Spanish call
        ("on the terrace please", "en", "I have outdoors."),  # English's first word
        ("adentro", "en", "I have indoors."),  # a Spanish word in an English call
    ],
)
async def test_words_of_any_language_pick_the_choice_read_back_in_the_callers(
    text: str, language: str, heard: str
) -> None:
    said, _ = await _answer(superdialog.loads(FLOW, "seats.yaml"), text, language)
    assert said.startswith(heard), said


def test_words_for_a_language_the_flow_does_not_speak_are_a_located_error() -> None:
    text = FLOW.replace("es: [fuera,", "fr: [dehors,")
    with pytest.raises(superdialog.FlowError) as err:
        superdialog.loads(text, "seats.yaml")
    message = str(err.value)
    assert "seats.yaml:" in message and "'fr'" in message and "does not speak" in message


async def test_a_message_file_gives_a_choices_words(tmp_path: Path) -> None:
    flow = tmp_path / "seats.yaml"
    flow.write_text(
        """
flow: seats
languages: [en, es]
translations: {es: seats.es.yaml}
start: where
slots:
  seating:
    type: enum
    confirm: true
    choices: [inside, outside]
    prompt: "Inside or outside?"
states:
  where:
    collect: [seating]
    next: done
  done: {say: "Done.", end: completed}
messages:
  confirm: "I have {{ value }}. Is that right?"
"""
    )
    (tmp_path / "seats.es.yaml").write_text(
        """
slots.seating.prompt: "¿Dentro o fuera?"
slots.seating.choices.inside: [dentro, adentro]
slots.seating.choices.outside: [fuera, afuera]
states.done.say: "Listo."
messages.confirm: "Tengo {{ value }}. ¿Es correcto?"
"""
    )
    loaded = superdialog.load(flow)
    said, _ = await _answer(loaded, "afuera", "es")
    assert said.startswith("Tengo fuera."), said
