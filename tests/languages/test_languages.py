"""Flows in several languages: the spec, validate's findings, and a call that follows the caller."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import superdialog
from superdialog.compile.intents import BUILTIN_PHRASES, normalise
from superdialog.compile.templates import references
from superdialog.compile.translations import (
    BUILTIN_INTENT_PHRASES,
    BUILTIN_MESSAGES,
    TranslatedTemplate,
)
from superdialog.errors import FlowError
from superdialog.runtime.events import LanguageChanged
from superdialog.runtime.llm_call import build_messages
from superdialog.spec.languages import normalise_language
from superdialog.spec.models import Messages
from superdialog.testing.session import RecordingSession

FLOWS = Path(__file__).parent / "flows"
CASA_LUNA = superdialog.load(FLOWS / "casa_luna.yaml")
SHIPPED = ("en", "es", "de", "fr", "hi")


def _problems(text: str) -> list[str]:
    with pytest.raises(FlowError) as err:
        superdialog.loads(text, "f.yaml")
    return [f"{p.line}: {p.message}" for p in err.value.problems]


# ------------------------------------------------------------------------- shipped texts


def test_english_built_in_messages_are_the_messages_defaults() -> None:
    defaults = Messages()
    for key, text in BUILTIN_MESSAGES["en"].items():
        value = getattr(defaults, key)
        assert (tuple(value) if isinstance(value, list) else value) == text, key


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_shipped_language_has_every_message_reading_what_english_reads(lang: str) -> None:
    shipped = BUILTIN_MESSAGES[lang]
    assert set(shipped) == set(Messages.model_fields)
    for key, text in shipped.items():
        english = BUILTIN_MESSAGES["en"][key]
        assert type(text) is type(english), key
        for mine, theirs in zip(
            (text,) if isinstance(text, str) else text,
            (english,) if isinstance(english, str) else english,
            strict=False,
        ):
            assert references(mine, expression=False) == references(theirs, expression=False)


@pytest.mark.parametrize("lang", ["es", "de", "fr", "hi"])
def test_every_built_in_intent_has_phrases_in_every_shipped_language(lang: str) -> None:
    assert set(BUILTIN_INTENT_PHRASES[lang]) == set(BUILTIN_PHRASES)
    for phrases in BUILTIN_INTENT_PHRASES[lang].values():
        assert all(normalise(p) for p in phrases)


@pytest.mark.parametrize(
    ("tag", "code"),
    [("es-ES", "es"), ("es_MX", "es"), ("ES", "es"), ("hi-IN", "hi"), ("Spanish", "es"),
     ("en", "en"), ("zh-Hant-TW", "zh"), ("", None), (None, None), ("x", None), ("1234", None)],
)  # fmt: skip
def test_host_language_tags_are_normalised(tag: str | None, code: str | None) -> None:
    assert normalise_language(tag) == code


@given(st.text(max_size=40))
def test_normalising_any_tag_gives_a_code_or_none(tag: str) -> None:
    code = normalise_language(tag)
    assert code is None or re.fullmatch(r"[a-z]{2,3}", code)


# ------------------------------------------------------------------------- validate

TWO = """\
flow: f
languages: [en, es]
slots:
  n: {type: number, prompt: {en: How many?, es: ¿Cuántos?}}
start: a
states:
  a:
    say: {en: Hi, es: Hola}
    collect: [n]
    next: b
  b:
    say: {en: Bye, es: Adiós}
    end: completed
"""


def test_a_complete_two_language_flow_loads_with_spanish_built_ins() -> None:
    flow = superdialog.loads(TWO, "f.yaml")
    (line,) = flow.graph.messages["no_input"]
    assert isinstance(line, TranslatedTemplate)
    assert line.by_language["es"].source == BUILTIN_MESSAGES["es"]["no_input"]
    assert line.source == BUILTIN_MESSAGES["en"]["no_input"]  # the default's, for the rest


def test_a_plain_line_in_a_two_language_flow_is_a_missing_translation_where_it_is() -> None:
    assert _problems(TWO.replace("{en: Bye, es: Adiós}", "Bye")) == [
        "12: missing translation for 'es'"
    ]


def test_a_language_left_out_of_a_mapping_and_an_unknown_one_are_reported() -> None:
    text = TWO.replace("{en: Hi, es: Hola}", "{en: Hi, fr: Salut}")
    assert sorted(_problems(text)) == [
        "8: 'fr' is not one of the flow's languages (en, es)",
        "8: missing translation for 'es'",
    ]


def test_a_slot_without_a_prompt_needs_one_per_language() -> None:
    text = TWO.replace("{type: number, prompt: {en: How many?, es: ¿Cuántos?}}", "{type: number}")
    (problem,) = _problems(text)
    assert problem.startswith("4: slot 'n' has no prompt")


def test_a_language_without_built_in_messages_asks_for_them() -> None:
    text = TWO.replace("[en, es]", "[en, es, it]").replace("es: Hola", "es: Hola, it: Ciao")
    problems = _problems(text)
    assert any(p.startswith("2: no built-in messages in 'it'") for p in problems)


def test_intent_phrases_per_language_must_cover_every_language() -> None:
    text = TWO + "intents:\n  menu:\n    phrases: {en: [the menu]}\n"
    assert _problems(text) == ["16: missing translation for 'es'"]


def test_a_flow_without_languages_is_english_only_as_before() -> None:
    flow = superdialog.loads(TWO.replace("languages: [en, es]\n", "").replace(
        "{en: How many?, es: ¿Cuántos?}", "How many?").replace("{en: Hi, es: Hola}", "Hi"
    ).replace("{en: Bye, es: Adiós}", "Bye"), "f.yaml")  # fmt: skip
    assert flow.spec.languages == ["en"]
    assert not any(isinstance(t, TranslatedTemplate) for t in flow.graph.messages["help"])


# ------------------------------------------------------------------------- a call


async def _call(turns: list[tuple[str, str | None]]) -> superdialog.CallMachine:
    m = CASA_LUNA.build(RecordingSession(), trace=True)
    await m.start()
    for text, lang in turns:
        await m.turn(text, language=lang)
    return m


async def test_a_switch_is_an_event_and_the_next_line_is_in_the_new_language() -> None:
    m = await _call([("6", None), ("Lucía", "es-ES")])
    changes = [e for e in m.trace if isinstance(e, LanguageChanged)]
    assert changes == [LanguageChanged("en", "es", "booking")]
    assert m.language == "es"
    said = [e.text for e in m.trace if type(e).__name__ == "Spoke"]
    assert said[-1] == "Una mesa para 6 a nombre de Lucía. ¡Hasta pronto!"


async def test_an_undeclared_or_missing_language_keeps_the_current_one() -> None:
    m = await _call([("hmm", "es"), ("hmm", "fr-FR"), ("hmm", None), ("hmm", "")])
    assert m.language == "es"
    assert [e.language for e in m.trace if isinstance(e, LanguageChanged)] == ["es"]


async def test_built_in_messages_follow_the_caller() -> None:
    m = CASA_LUNA.build(RecordingSession())
    await m.start()
    assert await m.turn("hmm", language="hi") == (
        "माफ़ कीजिए, मैं समझ नहीं पाया। टेबल कितने लोगों के लिए चाहिए?"
    )
    again = await m.turn("what?", language="en")
    assert again.startswith("Sorry, could you say that again?")


async def test_the_model_is_told_to_answer_in_the_callers_language() -> None:
    m = CASA_LUNA.build(RecordingSession())
    await m.start()
    await m.turn("hmm", language="es")
    system = build_messages(m, m.current)[0]["content"]
    assert "Answer in Spanish (language code 'es')" in system


async def test_an_english_only_flow_says_nothing_of_languages_to_the_model() -> None:
    flow = superdialog.loads(
        "flow: f\nstart: a\nstates:\n  a: {llm: Chat., next: b}\n  b: {end: completed}\n", "f"
    )
    m = flow.build(RecordingSession())
    assert "Answer in" not in build_messages(m, m.current)[0]["content"]


async def test_a_restored_call_keeps_its_language() -> None:
    m = await _call([("4", "es")])
    again = CASA_LUNA.restore(m.dump(key=None), RecordingSession(), partial=True)
    assert again.language == "es"


@pytest.mark.parametrize(
    ("text", "lang"),
    [("quiero hablar con una persona", "es"), ("verbinden Sie mich bitte", "de"),
     ("je voudrais parler à quelqu'un", "fr"), ("मुझे किसी इंसान से बात करनी है", "hi"),
     ("please connect me to customer care", "hi")],
)  # fmt: skip
def test_built_in_intents_understand_each_declared_language(text: str, lang: str) -> None:
    langs = "[en, es]" if lang == "en" else f"[en, {lang}]"
    flow = superdialog.loads(
        f"flow: f\nlanguages: {langs}\nstart: a\nstates:\n"
        f"  a: {{say: {{en: Hi, {lang}: Hi}}, end: completed}}\n",
        "f",
    )
    assert flow.graph.intents["human"].matches(normalise(text))


def test_another_languages_phrases_are_not_heard_in_a_flow_that_does_not_speak_it() -> None:
    assert not CASA_LUNA.graph.intents["human"].matches(normalise("je voudrais parler à quelqu'un"))


# ------------------------------------------------------------------------- properties

_LINES = st.sampled_from(["4", "hmm", "twelve", "Ana", "", "sorry?", "6 please", "Lucía", "x"])
_LANGS = st.sampled_from([None, "", "en", "es", "es-MX", "hi-IN", "hi", "fr", "de-DE", "Spanish"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_LINES, _LANGS), max_size=6))
def test_switching_language_never_changes_slots_or_state(
    turns: list[tuple[str, str | None]],
) -> None:
    async def both() -> None:
        plain = await _call([(text, None) for text, _ in turns])
        mixed = await _call(turns)
        assert (mixed.node, mixed.slots, mixed.finished) == (
            plain.node,
            plain.slots,
            plain.finished,
        )
        declared = CASA_LUNA.spec.languages
        assert mixed.language in declared
        for event in mixed.trace:
            if isinstance(event, LanguageChanged):
                assert event.language in declared and event.previous != event.language

    asyncio.run(asyncio.wait_for(both(), 20))


def _texts(flow: superdialog.Flow) -> list[object]:
    graph = flow.graph
    out: list[object] = []
    for state in graph.states.values():
        out += [*state.say, *(e.say for e in state.edges if e.say)]
        if state.transfer and state.transfer.announcement:
            out.append(state.transfer.announcement)
    for slot in graph.slots.values():
        out += slot.prompts
    for lines in graph.messages.values():
        out += lines
    return out


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(SHIPPED), min_size=1, max_size=5, unique=True))
def test_every_declared_language_has_every_text(languages: list[str]) -> None:
    def per(tag: str) -> str:
        return "{" + ", ".join(f"{lang}: '{tag} {lang}'" for lang in languages) + "}"

    flow = superdialog.loads(
        f"flow: f\nlanguages: [{', '.join(languages)}]\n"
        f"slots:\n  n: {{type: number, prompt: {per('ask')}}}\n"
        f"start: a\nstates:\n  a: {{say: {per('hi')}, collect: [n], next: b}}\n"
        f"  b: {{say: {per('bye')}, end: completed}}\n",
        "f.yaml",
    )
    for text in _texts(flow):
        if len(languages) == 1 and not isinstance(text, TranslatedTemplate):
            continue  # one language: plain templates, as before
        assert isinstance(text, TranslatedTemplate)
        assert set(text.by_language) == set(languages)
