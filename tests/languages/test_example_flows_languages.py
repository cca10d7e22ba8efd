"""The example flows follow a caller who switches language, through the real Unpod ``Session``.

``flows/dental_booking.yaml`` speaks English and Spanish, ``flows/table_booking.yaml``
English and Hindi. The speech worker reports the recogniser's language on each
utterance (``UserTextEvent.extra["language"]``); the SDK's ``Session.run()`` passes it
to ``stream(text, language=...)``. The loopback worker (``superdialog_unpod.testing``)
sends a ``Step``'s ``language`` that way, as a real worker does.

Whether a line is "in a language" is decided against the compiled flow itself: every
spoken text of a flow with several languages compiles to a ``TranslatedTemplate`` with
one version per language (the runtime's shipped messages included), so a line is in
Spanish when it is made of the Spanish versions, whatever the values in it. No line
is hard-coded here except in the worked examples.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Iterator
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import superdialog
from superdialog.compile.templates import CompiledTemplate
from superdialog.compile.translations import TranslatedTemplate
from superdialog.runtime.events import ErrorRaised, LanguageChanged
from superdialog.slots.speak.refusals import REFUSAL_WORDS

unpod_session = pytest.importorskip("unpod.connectivity.session")
superdialog_unpod = pytest.importorskip("superdialog_unpod")
unpod_testing = pytest.importorskip("superdialog_unpod.testing")

FLOWS = Path(__file__).resolve().parents[2] / "flows"
DENTAL = superdialog.load(FLOWS / "dental_booking.yaml")
TABLE = superdialog.load(FLOWS / "table_booking.yaml")

KNOWN_UNTRANSLATED = ()
"""Runtime lines that are still English in every language: none (refusals are said in the
call's language, "say that again" after a switch asks again in the new one)."""


# ------------------------------------------------------------------------- the flow's texts


def _translated(obj: object, seen: set[int]) -> Iterator[TranslatedTemplate]:
    """Every per-language spoken text in a compiled graph (states, slots, messages, edges)."""
    if id(obj) in seen or isinstance(obj, str | bytes | int | float | bool) or obj is None:
        return
    seen.add(id(obj))
    if isinstance(obj, TranslatedTemplate):
        yield obj
    elif isinstance(obj, CompiledTemplate):
        return
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            yield from _translated(getattr(obj, f.name), seen)
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from _translated(value, seen)
    elif isinstance(obj, tuple | list | frozenset | set):
        for value in obj:
            yield from _translated(value, seen)
    elif hasattr(obj, "items") and callable(obj.items):  # a read-only mapping
        for _, value in obj.items():
            yield from _translated(value, seen)


_PLACEHOLDER = re.compile(r"\{\{.*?\}\}", re.S)


_SORRY = re.compile(r"sorry[,.!]?\s+", re.I)
"""A re-ask after an apology drops its own "Sorry," (runtime/questions.py: apologise once)."""


def _pattern(source: str) -> str:
    """A template's source as a regular expression: its words exact, its values any text."""
    source = " ".join(source.split())
    sorry = _SORRY.match(source)
    prefix = f"(?:{re.escape(sorry.group())})?" if sorry else ""
    parts = _PLACEHOLDER.split(source[sorry.end() :] if sorry else source)
    return prefix + r".+?".join(r"\s+".join(map(re.escape, p.split(" "))) for p in parts)


def _refusals(language: str) -> list[str]:
    """Why a value was refused, as the runtime says it in ``language`` (any limit)."""
    if language == "en":
        return [r"Sorry, (?:that's (?:more|less) than|that date is in the) [^.]+\."]
    words = REFUSAL_WORDS[language]
    reasons = [
        v.replace("{bound}", "{{ b }}").replace("{unit}", "{{ u }}")
        for k, v in words.items()
        if k not in ("frame", "digits")
    ]
    return [
        re.escape(words["frame"].format(reason="\x00")).replace(
            "\x00", "(?:" + "|".join(_pattern(r) for r in reasons) + ")"
        )
    ]


def language_texts(flow: superdialog.Flow, language: str) -> re.Pattern[str]:
    """What the flow can say in ``language``: one or more of its texts, one after another."""
    sources = {
        t.by_language[language].source
        for t in _translated(flow.graph, set())
        if language in t.by_language
    }
    assert len(sources) > 20, sources  # the walk found the flow's texts, not a handful
    alternatives = sorted((_pattern(s) for s in sources), key=len, reverse=True)
    one = "|".join([*alternatives, *_refusals(language), *KNOWN_UNTRANSLATED])
    return re.compile(rf"\s*(?:(?:{one})\s*)+", re.S | re.I)  # a resumed question starts lower case


TEXTS = {
    (flow.name, lang): language_texts(flow, lang)
    for flow, langs in ((DENTAL, ("en", "es")), (TABLE, ("en", "hi")))
    for lang in langs
}


def spoken_in(flow: superdialog.Flow, language: str, line: str) -> bool:
    """Whether ``line`` is made of the flow's texts in ``language``."""
    return TEXTS[flow.name, language].fullmatch(line) is not None


# ------------------------------------------------------------------------- a call


async def _call(
    flow: superdialog.Flow, steps: list[tuple[str, str | None]]
) -> tuple[Any, superdialog.CallMachine]:
    bridge = unpod_testing.LoopbackBridge(
        [unpod_testing.Step(text, language=lang) for text, lang in steps]
    )
    session = unpod_session.Session(bridge=bridge)
    machine = superdialog_unpod.attach(session, flow, trace=True)
    await machine.start()
    bridge.begin()
    await asyncio.wait_for(session.run(), 10)
    return bridge, machine


def call(flow: superdialog.Flow, steps: list[tuple[str, str | None]]) -> tuple[Any, Any]:
    """Play ``steps`` (what the caller says, what the recogniser reports) through the Session."""
    return asyncio.run(_call(flow, steps))


def opening(bridge: Any) -> str:
    """The opening line: what the agent said before the first caller line."""
    said: list[str] = []
    for f in bridge.frames:
        if f.kind == "text.end":
            break
        if f.kind == "say":
            said.append(f.text)
    return " ".join(said)


def _switches(machine: Any) -> list[tuple[str, str, str]]:
    return [
        (e.previous, e.language, e.state) for e in machine.trace if isinstance(e, LanguageChanged)
    ]


# ------------------------------------------------------------------------- worked examples


def test_the_texts_tell_the_languages_apart() -> None:
    for flow, other in ((DENTAL, "es"), (TABLE, "hi")):
        state = flow.states[flow.start]
        (say,) = state.say
        assert isinstance(say, TranslatedTemplate)
        english = say.by_language["en"].source
        assert spoken_in(flow, "en", english.replace("{{ clinic.name }}", "X"))
        assert not spoken_in(flow, other, english.replace("{{ clinic.name }}", "X"))
    assert spoken_in(DENTAL, "es", "Le paso con un compañero.")
    assert not spoken_in(DENTAL, "en", "Le paso con un compañero.")
    assert spoken_in(TABLE, "hi", "माफ़ कीजिए, मैं समझ नहीं पाया। और कितने बजे?")


def test_dental_booking_switches_from_english_to_spanish_mid_call() -> None:
    bridge, machine = call(
        DENTAL,
        [
            ("yes please", "en-US"),
            ("Jane Doe", "en-US"),
            ("el quince de enero de dos mil treinta", "es-US"),
            ("sí", "es"),
            ("a las diez y media", "es"),
            ("cinco cinco cinco, uno dos cero, cuatro cuatro siete ocho", "es"),
            ("sí, correcto", "es"),
            ("jane@example.com", "es"),
            (
                "cuatro dos cuatro dos, cuatro dos cuatro dos, cuatro dos cuatro dos, "
                "cuatro dos cuatro dos",
                "es",
            ),
        ],
    )
    turns = bridge.turns()  # the reply to each caller line
    # the first two replies are English; from the reply to the Spanish line on, Spanish
    assert turns[:2] == [
        "Can I have your full name, please?",
        "What day would you like to come in?",
    ]
    assert all(spoken_in(DENTAL, "en", t) for t in [opening(bridge), *turns[:2]])
    assert turns[2].endswith("¿Es correcto?")
    assert turns[3] == "¿Y a qué hora le viene bien?"
    assert turns[-1].startswith("Ya está, Jane Doe: le esperamos el")
    for line in turns[2:]:
        assert spoken_in(DENTAL, "es", line), line
        assert not spoken_in(DENTAL, "en", line), line
    assert _switches(machine) == [("en", "es", "details")]
    assert machine.language == "es"
    # the language travelled as the worker sends it: on each user.text event's extra
    sent = [e for e in bridge.sent if type(e).__name__ == "UserTextEvent"]
    assert [e.extra.get("language") for e in sent] == ["en-US", "en-US", "es-US", *["es"] * 6]
    slots = machine.slots
    assert (slots["visit_date"], slots["visit_time"]) == (date(2030, 1, 15), time(10, 30))
    assert (slots["phone"], slots["email"]) == ("+15551204478", "jane@example.com")
    # the card deposit kept its PII bracket in Spanish, and the call completed
    assert [k for k in bridge.kinds() if k in ("pause", "resume")] == ["pause", "resume"]
    assert [(f.kind, f.reason) for f in bridge.terminal()] == [("end", "completed")]


def test_table_booking_switches_from_english_to_hindi_mid_call() -> None:
    bridge, machine = call(
        TABLE,
        [
            ("four of us", "en-IN"),
            ("शुक्रवार को", "hi-IN"),
            ("हाँ जी", "hi-IN"),
            ("शाम साढ़े सात बजे", "hi-IN"),
            ("हाँ", "hi-IN"),
            ("Rahul Sharma", "hi-IN"),
        ],
    )
    turns = bridge.turns()
    assert turns[0] == "What day would you like to come?"
    assert spoken_in(TABLE, "en", turns[0])
    assert turns[1].endswith("लिखा है। क्या यह सही है?")
    assert turns[2] == "और कितने बजे?"
    for line in turns[1:]:
        assert spoken_in(TABLE, "hi", line), line
        assert not spoken_in(TABLE, "en", line), line
    assert turns[-1].startswith("Rahul Sharma जी, आपकी बुकिंग हो गई है: 4 लोगों के लिए टेबल")
    assert _switches(machine) == [("en", "hi", "details")]
    slots = machine.slots
    assert slots["party_size"] == 4
    assert slots["booking_date"].weekday() == 4 and slots["booking_date"] > date.today()
    assert (slots["booking_time"], slots["guest_name"]) == (time(19, 30), "Rahul Sharma")
    assert [(f.kind, f.reason) for f in bridge.terminal()] == [("end", "completed")]


def test_a_spanish_caller_whose_day_is_taken_is_announced_in_spanish() -> None:
    bridge, machine = call(
        DENTAL,
        [
            ("yes", None),
            ("Lucía Fernández", "es"),
            ("el uno de enero de dos mil treinta", "es"),
            ("sí", "es"),
            ("a las nueve de la mañana", "es"),
        ],
    )
    (transfer,) = bridge.terminal()
    assert (transfer.kind, transfer.target, transfer.mode) == ("transfer", "scheduling", "warm")
    assert spoken_in(DENTAL, "es", transfer.announcement)
    assert transfer.announcement.startswith("Lucía Fernández quiere una revisión")
    assert spoken_in(DENTAL, "es", bridge.turns()[-1])
    assert machine.language == "es"


def test_hindi_back_to_english_and_a_person_asked_for_in_hindi() -> None:
    bridge, machine = call(
        TABLE,
        [("हम चार लोग हैं", "hi"), ("January fifteenth twenty thirty", "en-IN"), ("yes", "en")],
    )
    turns = bridge.turns()
    assert spoken_in(TABLE, "hi", turns[0]) and not spoken_in(TABLE, "en", turns[0])
    assert turns[1:] == ["I have Tuesday, January 15th, 2030. Is that right?", "And at what time?"]
    assert _switches(machine) == [("en", "hi", "details"), ("hi", "en", "details")]
    bridge, machine = call(TABLE, [("चार लोग", "hi"), ("मुझे किसी इंसान से बात करनी है", "hi")])
    assert spoken_in(TABLE, "hi", bridge.turns()[-1])
    assert [(f.kind, f.target) for f in bridge.terminal()] == [("transfer", "reservations")]


# ------------------------------------------------------------------------- known gaps


def test_a_no_at_a_read_back_is_answered_in_the_callers_language() -> None:
    bridge, _ = call(TABLE, [("चार लोग", "hi"), ("15 जनवरी 2030", "hi"), ("नहीं", "hi")])
    assert "Okay" not in bridge.turns()[-1]


def test_neither_yes_nor_no_at_a_read_back_is_asked_again_in_the_callers_language() -> None:
    bridge, _ = call(
        DENTAL,
        [
            ("sí", "es"),
            ("Ana", "es"),
            ("el uno de enero de dos mil treinta", "es"),
            ("el uno de enero de dos mil treinta", "es"),
        ],
    )
    assert "Sorry" not in bridge.turns()[-1]


def test_say_that_again_right_after_a_switch_is_said_in_the_new_language() -> None:
    bridge, _ = call(TABLE, [("sorry?", "hi")])
    said = bridge.turns()[-1]
    assert "How many people" not in said and spoken_in(TABLE, "hi", said), said


def test_a_refused_value_is_explained_in_the_callers_language() -> None:
    bridge, _ = call(TABLE, [("बीस लोग", "hi")])
    said = bridge.turns()[-1]
    assert "Sorry" not in said and "12 से ज़्यादा" in said, said
    assert spoken_in(TABLE, "hi", said), said


# ------------------------------------------------------------------------- the property

POOLS = {
    "dental_booking": [
        "yes please",
        "yes",
        "no",
        "Jane Doe",
        "january fifteenth twenty thirty",
        "the first of january twenty thirty",
        "ten thirty",
        "nine am",
        "two pm",
        "five five five, one two oh, four four seven eight",
        "jane at example dot com",
        "four two four two four two four two four two four two four two four two",
        "1234 5678 9012 3456",
        "actually make it wednesday",
        "never mind",
        "forget it",
        "sorry, can you repeat that",
        "help",
        "let's start over",
        "whenever really",
        "can I talk to a real person please",
        "that's all, bye",
        "hmm",
    ],
    "table_booking": [
        "four of us",
        "two people",
        "twenty people",
        "january fifteenth twenty thirty",
        "yes",
        "no",
        "seven thirty pm",
        "three pm",
        "eight pm",
        "Ana Ruiz",
        "actually make it wednesday",
        "actually make it five people",
        "never mind",
        "cancel that",
        "what time do you close",
        "is there parking",
        "sorry?",
        "say that again",
        "can I talk to a person please",
        "no that's all",
        "whenever",
        "book a table",
    ],
}
"""What an English caller of each flow says (no menu questions: no model is configured)."""

NATIVE = {
    "dental_booking": [
        "sí",
        "no",
        "sí, por favor",
        "Ana García",
        "el quince de enero de dos mil treinta",
        "no, el dieciséis de enero de dos mil treinta",
        "el viernes",
        "mañana a las cinco",
        "a las diez y media",
        "a las cinco de la tarde",
        "cinco cinco cinco, uno dos cero, cuatro cuatro siete ocho",
        "ana@ejemplo.com",
        "ana arroba ejemplo punto com",
        "me llamo Ana García",
        "cuatro dos cuatro dos cuatro dos cuatro dos cuatro dos cuatro dos cuatro dos cuatro dos",
        "olvídelo",
        "¿puede repetir?",
        "ayuda",
        "empezar de nuevo",
        "quiero hablar con una persona",
        "eso es todo, adiós",
    ],
    "table_booking": [
        "हाँ",
        "नहीं",
        "हम चार लोग हैं",
        "बीस लोग",
        "शुक्रवार को",
        "15 जनवरी 2030 को",
        "रात आठ बजे",
        "शाम साढ़े सात बजे",
        "Rahul Sharma",
        "मेरा नाम राहुल शर्मा है",
        "actually छह लोग कर दीजिए",
        "पार्किंग है क्या?",
        "कितने बजे तक खुला है?",
        "रहने दीजिए",
        "cancel कीजिए",
        "हाँ, टेबल बुक करनी है",
        "फिर से बोलिए",
        "मुझे किसी इंसान से बात करनी है",
        "नहीं, बस इतना ही",
    ],
}
"""What a caller of each flow says in its second language (in place of English, after a switch)."""

REPEATS = frozenset(
    {"sorry, can you repeat that", "sorry?", "say that again", "¿puede repetir?", "फिर से बोलिए"}
)
"""The pools' requests to say the last reply again."""

SECOND = {"dental_booking": "es", "table_booking": "hi"}


HAPPY = {
    "dental_booking": [
        "yes please",
        "Jane Doe",
        "january fifteenth twenty thirty",
        "yes",
        "ten thirty",
        "five five five, one two oh, four four seven eight",
        "yes",
        "jane at example dot com",
        "four two four two four two four two four two four two four two four two",
    ],
    "table_booking": [
        "four of us",
        "january fifteenth twenty thirty",
        "yes",
        "seven thirty pm",
        "yes",
        "Ana Ruiz",
    ],
}
"""A booking said straight through: the spine the generated calls stray from."""


@st.composite
def _conversations(draw: st.DrawFn, flow: superdialog.Flow) -> tuple[list[str], int, int]:
    """An English call (the spine with pool lines slipped in), where to switch and back.

    Between the switch and the switch back, some lines are said in the second language
    (the recogniser heard it right) and the others stay English (it labelled them wrong,
    or the caller mixes): the call must speak the reported language either way.
    """
    words = list(HAPPY[flow.name])
    pool = st.sampled_from(POOLS[flow.name])
    for at, said in draw(st.lists(st.tuples(st.integers(0, len(words)), pool), max_size=5)):
        words.insert(min(at, len(words)), said)
    words = words[: draw(st.integers(1, len(words)))]
    switch = draw(st.integers(0, len(words) - 1))
    back = draw(st.integers(switch + 1, len(words) + 1))  # past the end: never switches back
    native = st.sampled_from(NATIVE[flow.name])
    for i in range(switch, min(back, len(words))):
        if draw(st.booleans()):
            words[i] = draw(native)
    return words, switch, back


def _check_switching(flow: superdialog.Flow, conv: tuple[list[str], int, int]) -> None:
    words, switch, back = conv
    other = SECOND[flow.name]
    langs = ["en" if i < switch or i >= back else other for i in range(len(words))]
    bridge, machine = call(flow, list(zip(words, langs, strict=True)))
    # the call stayed valid: one way out at most, nothing raised, no error line
    assert len(bridge.terminal()) <= 1
    assert not [e for e in machine.trace if isinstance(e, ErrorRaised)]
    assert not any(f.reason == "error" for f in bridge.terminal() if f.kind == "end")
    # every reply is in the language of the line it answers (turn 0 is the opening line)
    assert spoken_in(flow, "en", opening(bridge))
    turns = bridge.turns()
    for i, line in enumerate(turns):
        if words[i] in REPEATS and not spoken_in(flow, langs[i], line):
            # known gap (xfail above): "say that again" after a switch replays the last
            # reply as it was said, then asks the question in the call's language
            before = turns[i - 1] if i else opening(bridge)
            assert _replayed_then(flow, before, langs[i], line), (words[: i + 1], line)
            continue
        assert spoken_in(flow, langs[i], line), (langs[i], words[: i + 1], line)
    # a switch shows in the trace once per change of language the call lived to hear
    heard = langs[: len(turns)]
    changes = [(a, b) for a, b in zip(["en", *heard], heard, strict=False) if a != b]
    assert [(p, n) for p, n, _ in _switches(machine)] == changes
    for f in bridge.terminal():  # a warm transfer's announcement is in the call's language
        if f.kind == "transfer" and f.announcement:
            assert spoken_in(flow, machine.language, f.announcement), f.announcement


def _replayed_then(flow: superdialog.Flow, before: str, language: str, line: str) -> bool:
    """Whether ``line`` is the end of the reply ``before`` again, then texts in ``language``."""
    cuts = [0, *(m.end() for m in re.finditer(r"\s+", line)), len(line)]
    return any(
        before.strip().endswith(line[:cut].strip())
        and (not line[cut:].strip() or spoken_in(flow, language, line[cut:]))
        for cut in cuts
    )


_PROPERTY = settings(
    max_examples=75, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


@_PROPERTY
@given(_conversations(DENTAL))
def test_dental_booking_stays_valid_whenever_the_caller_switches_to_spanish(
    conv: tuple[list[str], int, int],
) -> None:
    _check_switching(DENTAL, conv)


@_PROPERTY
@given(_conversations(TABLE))
def test_table_booking_stays_valid_whenever_the_caller_switches_to_hindi(
    conv: tuple[list[str], int, int],
) -> None:
    _check_switching(TABLE, conv)
