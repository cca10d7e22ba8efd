"""Why a value was refused, said in the caller's language, the limit in its forms.

Every kind of refusal a built-in type gives (under ``min``/over ``max`` for
numbers, amounts, dates and times; past/future; too short/long; a pattern; not
one of the options) is said in es, de, fr and hi with no English word left, and
English stays exactly ``"Sorry, {reason}."`` as the type words it. A flow
validator's own reason is said as written, in the language's frame. Through the
runtime too: a Spanish call refusing 20 people says so in Spanish.
"""

from __future__ import annotations

import pickle
import re
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import superdialog
from superdialog.slots import get_type
from superdialog.slots.base import Constraints, ExtractContext, Refusal
from superdialog.slots.speak import spoken
from superdialog.slots.speak.refusals import REFUSAL_WORDS, refused
from superdialog.testing import RecordingSession

NOW = datetime(2026, 3, 3, 12, 0)
CTX = ExtractContext(now=NOW, region="ES")

# (type, value, constraints, kind, the limit as the type reads it back)
CASES: list[tuple[str, Any, Constraints, str]] = [
    ("number", 20, Constraints(max=12), "high"),
    ("number", 0, Constraints(min=1), "low"),
    ("number", Decimal("2.5"), Constraints(min="3.5"), "low"),
    ("date", date(2026, 3, 1), Constraints(future_only=True), "past"),
    ("date", date(2026, 3, 9), Constraints(past_only=True), "future"),
    ("date", date(2026, 3, 1), Constraints(min="2026-03-02"), "low"),
    ("date", date(2026, 5, 1), Constraints(max="2026-04-30"), "high"),
    ("time", time(7, 0), Constraints(min="9am"), "low"),
    ("time", time(22, 0), Constraints(max="8pm"), "high"),
    ("datetime", datetime(2026, 3, 3, 8, 0), Constraints(future_only=True), "past"),
    ("digits", "12", Constraints(min_length=4), "short"),
    ("digits", "123456", Constraints(max_length=4), "long"),
    ("digits", "12ab", Constraints(pattern=r"\d+"), "pattern"),
]
_ENGLISH = re.compile(r"\b(?:sorry|that|than|before|after|digits|past|future|long|short)\b", re.I)


def _reason(type_name: str, value: Any, constraints: Constraints) -> Refusal:
    reason = get_type(type_name).check(value, constraints, CTX)
    assert isinstance(reason, Refusal), reason
    return reason


@pytest.mark.parametrize(("type_name", "value", "constraints", "kind"), CASES)
@pytest.mark.parametrize("language", sorted(REFUSAL_WORDS))
def test_every_refusal_is_said_in_the_language(
    type_name: str, value: Any, constraints: Constraints, kind: str, language: str
) -> None:
    reason = _reason(type_name, value, constraints)
    assert reason.kind == kind

    def say(v: Any, t: str) -> str:
        return spoken(v, t, language=language, region="ES")

    line = refused(reason, type_name, language, say)
    assert _ENGLISH.search(line) is None, line
    if reason.bound is not None:
        assert say(reason.bound, "number" if kind in ("short", "long") else type_name) in line


@pytest.mark.parametrize(("type_name", "value", "constraints", "kind"), CASES)
def test_english_is_the_types_own_words(
    type_name: str, value: Any, constraints: Constraints, kind: str
) -> None:
    reason = _reason(type_name, value, constraints)
    assert refused(reason, type_name, "en", lambda v, t: "unused") == f"Sorry, {reason}."


@settings(max_examples=100, deadline=None)
@given(st.integers(-(10**6), 10**6), st.integers(-(10**6), 10**6))
def test_the_limit_of_any_number_is_read_in_the_language(value: int, limit: int) -> None:
    reason = get_type("number").check(value, Constraints(max=limit), CTX)
    if value <= limit:
        assert reason is None
        return
    assert isinstance(reason, Refusal) and reason.bound == limit
    line = refused(reason, "number", "de", lambda v, t: spoken(v, t, language="de"))
    assert line == f"Entschuldigung, das ist mehr als {spoken(limit, 'number', language='de')}."


def test_a_validators_own_reason_is_said_as_written_in_the_frame() -> None:
    line = refused("esa mesa está ocupada", "text", "es", str)
    assert line == "Lo siento, esa mesa está ocupada."
    assert refused("occupied", "text", "en", str) == "Sorry, occupied."
    assert refused("occupato", "text", "it", str) == "Sorry, occupato."  # no words for Italian


def test_a_refusal_keeps_its_kind_through_pickle_and_is_a_plain_string_in_json() -> None:
    reason = _reason("number", 20, Constraints(max=12))
    back = pickle.loads(pickle.dumps(reason))
    assert (back, back.kind, back.bound) == (reason, "high", 12)
    assert str(reason) == "that's more than 12"


FLOW = """
flow: party
languages: [en, es]
start: size
slots:
  people:
    type: number
    min: 1
    max: 12
    prompt: {en: "How many people?", es: "¿Cuántas personas?"}
states:
  size:
    collect: [people]
    next: done
  done: {say: {en: "Done.", es: "Listo."}, end: completed}
"""


async def test_a_spanish_call_refuses_in_spanish() -> None:
    machine = superdialog.loads(FLOW, "party.yaml").build(RecordingSession())
    await machine.start()
    said = "".join([c async for c in machine.stream("somos veinte", language="es")])
    assert said.startswith("Lo siento, eso es más de 12."), said
    assert "¿Cuántas personas?" in said
    said = "".join([c async for c in machine.stream("twenty of us", language="en")])
    assert said.startswith("Sorry, that's more than 12."), said


FILLER_FLOW = """
flow: fill
languages: [en, fr]
start: ask
slots:
  ready: {type: yes_no, prompt: {en: "Ready?", fr: "Prêt ?"}}
states:
  ask:
    collect: [ready]
    next: run
  run:
    action:
      call: work
      filler: {en: "Working on it, {{ session.name }}.", fr: "Je m'en occupe, {{ session.name }}."}
    next: done
  done: {say: {en: "Done.", fr: "C'est fait."}, end: completed}
"""


@pytest.mark.parametrize(
    ("language", "filler"), [("en", "Working on it, Ana."), ("fr", "Je m'en occupe, Ana.")]
)
async def test_an_actions_filler_is_in_the_calls_language(language: str, filler: str) -> None:
    """A ``filler`` is a template, per language like any spoken text (it was one fixed text)."""

    async def work() -> dict[str, bool]:
        return {"ok": True}

    session = RecordingSession(data={"name": "Ana"})
    machine = superdialog.loads(FILLER_FLOW, "fill.yaml").build(session, actions={"work": work})
    await machine.start()
    [c async for c in machine.stream("yes" if language == "en" else "oui", language=language)]
    fillers = [e.args[0] for e in session.effects if e.verb == "set_filler"]
    assert fillers == [filler]


SORRY_FLOW = """
flow: twice
languages: [en, es]
start: size
slots:
  people:
    type: number
    max: 12
    prompt:
      en: "Sorry, how many people?"
      es: "Perdone, ¿cuántas personas?"
states:
  size:
    collect: [people]
    next: done
  done: {say: {en: "Done.", es: "Listo."}, end: completed}
"""


@pytest.mark.parametrize(
    ("language", "text", "heard"),
    [
        ("en", "twenty", "Sorry, that's more than 12. How many people?"),
        ("es", "veinte", "Lo siento, eso es más de 12. ¿Cuántas personas?"),
    ],
)
async def test_a_refusal_and_a_question_apologise_once(
    language: str, text: str, heard: str
) -> None:
    machine = superdialog.loads(SORRY_FLOW, "twice.yaml").build(RecordingSession())
    await machine.start()
    said = "".join([c async for c in machine.stream(text, language=language)])
    assert said == heard
