"""Generated flows in several languages, callers who switch language at any turn.

Each example is one whole call (``test_generated.play``: the REAL Unpod ``Session``,
the scripted model, actions that fail) of a flow from ``flowgen.flows(multilingual=…)``:
most declare 2-3 of en, es, de, fr and hi and give every spoken text per language
(inline, or one language in a message file). Before each turn the caller's recogniser
reports a language — one the flow declares, sometimes one it does not (``it``, or a
language of the list the flow left out: ignored), sometimes none — spelled as hosts
spell it (``es-ES``, ``hi_IN``), and the caller says values, yes/no and intents in it.

What every such call must keep, besides everything ``test_generated.violations``
checks (the recording invariants, actions, tasks, and that no PII canary leaks, in any
language):

* L1 the call did not crash and ended with a reason;
* L2 the ``LanguageChanged`` events in the trace are exactly the switches the caller
  made: a declared language other than the call's current one, in the order said;
* L3 every line the call speaks (streamed replies, lines said outside a turn, fillers,
  a warm transfer's announcement) is made of the flow's texts in the language the call
  spoke when it was sent, or of the runtime's own lines of that language
  (``BUILTIN_MESSAGES``, the refusal frame of ``REFUSAL_WORDS``), or of what the
  scripted model said (a model's words are the model's, in any language). The texts of
  a flow are distinct across its languages, so an old language's line fails this.

Bounded and derandomized like ``test_generated``: ``SUPERDIALOG_LANGUAGE_EXAMPLES``
calls (default 20), ``SUPERDIALOG_PROPERTY_SHRINK=1`` to shrink a failure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import superdialog
from superdialog.compile.translations import BUILTIN_MESSAGES
from superdialog.runtime.events import LanguageChanged
from superdialog.slots.speak.refusals import REFUSAL_WORDS
from superdialog.testing.llm_server import DEFAULT_REPLY

from .flowgen import LANGUAGES, GenFlow, flows
from .harness import Call
from .test_generated import CALL_SETTINGS, LONG, Case, Loop, cases, play, violations

EXAMPLES = int(os.environ.get("SUPERDIALOG_LANGUAGE_EXAMPLES", "20"))
# derandomized in the suite (reproducible); SUPERDIALOG_PROPERTY_RANDOM=1 explores new cases
DERANDOMIZE = not os.environ.get("SUPERDIALOG_PROPERTY_RANDOM")

# How hosts spell a language (the call normalises them)
SPELLINGS = {
    "en": ("en", "en-US", "en_GB"),
    "es": ("es", "es-ES", "es_MX"),
    "de": ("de", "de-DE"),
    "fr": ("fr", "fr-FR", "FR"),
    "hi": ("hi", "hi-IN"),
    "it": ("it", "it-IT"),  # a language no generated flow declares
}

# ------------------------------------------------------------------------------ the cases


def base(language: str | None) -> str | None:
    """``"es_MX"`` -> ``"es"`` (how the test reads what the caller's recogniser reported)."""
    if not language:
        return None
    return language.replace("_", "-").split("-")[0].lower()


@st.composite
def language_cases(draw: Callable[[st.SearchStrategy[Any]], Any]) -> Case:
    """A call of a (mostly) multilingual flow; each turn has the language it is said in."""
    case: Case = draw(cases(multilingual=0.85), label="case")
    declared = case.gen.languages
    current = declared[0]
    langs: list[str | None] = []
    # one early turn surely switches (calls are often short), the others may
    first = draw(st.integers(0, 2), label="first switch")
    for n in range(len(case.turns)):
        how = draw(
            st.sampled_from(["switch", "same", "switch", "none", "same", "any", "it"]),
            label=f"turn {n} language",
        )
        others = [lang for lang in declared if lang != current]
        if (n == first or how == "switch") and others:
            lang: str | None = draw(st.sampled_from(others), label=f"turn {n} switch")
        elif how == "none":
            lang = None  # the recogniser reports none: the call keeps its language
        elif how == "any":
            lang = draw(st.sampled_from(LANGUAGES), label=f"turn {n} any")
        elif how == "it":
            lang = "it"
        else:
            lang = current  # the caller goes on in the same language
        if lang in declared:
            current = lang
        langs.append(
            None if lang is None else draw(st.sampled_from(SPELLINGS[lang]), label="spelling")
        )
    case.languages = langs
    return case


# ------------------------------------------------------------------------------ the checks

_PLACEHOLDER = re.compile(r"\{\{.*?\}\}|\{[a-z_]+\}")
_WS = re.compile(r"\s+")
_WILD = "\x00"

# What the scripted model says (test_generated.model_rules), in a call of any language;
# ``_WILD`` is a value it echoes. A cut stream says a prefix of its line.
MODEL_LINES = (
    "Okay, moving on.",
    "Okay.",
    "Could you tell me a bit more about that?",
    DEFAULT_REPLY,
    LONG,
    f"Just to confirm, I have {_WILD} on file.",
    "Noted.",
)
CUT_LINE = re.compile(r"I can see\b.*")


def _norm(text: str) -> str:
    return _WS.sub(" ", text).strip()


Line = tuple[str, re.Pattern[str], str | None]
"""A text that may be said: its words up to its first placeholder, all of it as a regex, and
its words after its last placeholder (None: it has none)."""


def _pattern(template: str) -> Line:
    """A text with its placeholders (``{{ slots.x }}``, ``{reason}``) as "any words"."""
    parts = _PLACEHOLDER.split(_norm(template).replace(_WILD, "{wild}"))
    regex = re.compile(".*?".join(re.escape(p) for p in parts), re.DOTALL)
    return parts[0], regex, parts[-1] if len(parts) > 1 else None


def _ends(text: str, start: int, line: Line) -> list[int]:
    """Where ``line`` may end when said from ``start`` (a value may hold any words)."""
    _, regex, tail = line
    if tail is None:
        m = regex.match(text, start)
        return [m.end()] if m else []
    if tail:
        ends = [i + len(tail) for i in range(start, len(text)) if text.startswith(tail, i)]
    else:
        ends = list(range(start + 1, len(text) + 1))
    return [e for e in ends if e > start and regex.fullmatch(text, start, e)]


@cache
def runtime_patterns(lang: str) -> tuple[Line, ...]:
    """The runtime's own lines in ``lang``, and the scripted model's (any language)."""
    out: list[str] = []
    for value in BUILTIN_MESSAGES.get(lang, {}).values():
        out += [value] if isinstance(value, str) else list(value)
    words = REFUSAL_WORDS.get(lang)
    out.append(words["frame"] if words else "Sorry, {reason}.")
    out += MODEL_LINES
    return (*(_pattern(t) for t in out), ("I can see", CUT_LINE, ""))


def patterns(gen: GenFlow, lang: str) -> tuple[Line, ...]:
    """Everything a call of ``gen`` may say in ``lang``."""
    own = tuple(_pattern(t) for t in gen.texts.get(lang, ()))
    return own + runtime_patterns(lang)


_SENTENCE_END = re.compile(r"[.?!।] \S")


def _cut(rest: str, line: Line) -> bool:
    """Whether ``rest`` is the beginning of a line whose words start with ``lead``.

    Within its first words, or past them into a placeholder (any words) — but then within
    one sentence: a value read back never ends a sentence.
    """
    lead, _, tail = line
    if lead.startswith(rest):
        return True
    placeholder = tail is not None
    return bool(
        lead
        and placeholder
        and rest.startswith(lead)
        and not _SENTENCE_END.search(rest[len(lead) :])
    )


def made_of(text: str, lines: tuple[Line, ...]) -> bool:
    """Whether ``text`` is a sequence of ``lines``, the last one maybe cut short.

    (A barge-in or a hang-up stops a line mid-way: what was sent is a beginning of it. A
    whole line of another language is never the beginning of one of these.)
    """
    text = _norm(text)
    if not text:
        return True
    reach = [False] * (len(text) + 1)
    reach[0] = True
    for pos in range(len(text)):
        if not reach[pos]:
            continue
        start = pos + 1 if text[pos] == " " else pos
        rest = text[start:]
        if any(_cut(rest, line) for line in lines):
            return True  # the beginning of a line, cut short
        for line in lines:
            for end in _ends(text, start, line):
                reach[end] = True
    return reach[len(text)]


def speech_by_language(call: Call) -> list[tuple[str, str, str]]:
    """Each line the call spoke as (language it was sent in, kind, text)."""
    out: list[tuple[str, str, str]] = []
    buf: list[str] = []
    said: list[str] = []  # a line said outside a turn comes word by word (``agent.say``)
    lang: str | None = None
    said_lang = "en"
    for frame, ctx in zip(call.frames, call.bridge.contexts, strict=False):
        here = ctx.language if ctx is not None else call.machine.flow.spec.languages[0]
        if frame.kind == "say":
            if not said:
                said_lang = here
            said.append(frame.text)
            continue
        if said:
            out.append((said_lang, "say", " ".join(said)))
            said = []
        if frame.kind == "delta":
            if not buf:
                lang = here
            buf.append(frame.text)
            continue
        if frame.kind == "text.end" and buf:
            out.append((lang or here, "reply", "".join(buf)))
            buf = []
        elif frame.kind == "filler":
            out.append((here, frame.kind, frame.text))
        elif frame.kind == "transfer" and frame.announcement:
            out.append((here, "announcement", frame.announcement))
    if said:
        out.append((said_lang, "say", " ".join(said)))
    if buf:  # cut off by a hang-up or barge-in: what was sent so far
        out.append((lang or "en", "reply (cut)", "".join(buf)))
    return out


STATS: dict[str, int] = {}


def _count(call: Call, case: Case) -> None:
    """What the calls covered (for ``test_the_language_calls_go_everywhere``)."""
    gen, m = case.gen, call.machine
    reported = [base(item[4]) for item in call.timeline if item[0] == "caller" and item[4]]
    lines = speech_by_language(call)
    speaking, filled = gen.languages[0], False  # a slot filled while the call spoke es/de/fr/hi
    for item in call.timeline:
        if item[0] == "event" and isinstance(item[1], LanguageChanged):
            speaking = item[1].language
        elif item[0] == "event" and getattr(item[1], "kind", "") == "slot":
            filled = filled or speaking != "en"
    for key, present in (
        ("calls", True),
        ("multilingual flow", len(gen.languages) > 1),
        ("message file", bool(gen.files)),
        ("language changed", any(isinstance(e, LanguageChanged) for e in m.trace)),
        ("undeclared language said", any(r not in gen.languages for r in reported)),
        ("lines in another language", any(lang != gen.languages[0] for lang, _, _ in lines)),
        ("closing reached", m.node == "closing"),
        ("slot read in another language", filled),
    ):
        if present:
            STATS[key] = STATS.get(key, 0) + 1


def language_violations(call: Call, case: Case) -> list[str]:
    """L1-L3 (see the module doc)."""
    gen, m = case.gen, call.machine
    out: list[str] = []
    if call.error is not None:
        out.append(f"L1 the call crashed: {call.error!r}")
    if not m.finished or not (m.outcome or {}).get("reason"):
        out.append(f"L1 the call ended without a reason: {m.outcome!r}")
    # L2: the switches the caller made, in order, against the trace
    current = gen.languages[0]
    expected: list[tuple[str, str]] = []
    for item in call.timeline:
        if item[0] == "caller" and len(item) > 4:
            lang = base(item[4])
            if lang in gen.languages and lang != current:
                expected.append((current, lang))
                current = lang
    seen = [(e.previous, e.language) for e in m.trace if isinstance(e, LanguageChanged)]
    if seen != expected[: len(seen)] or len(expected) - len(seen) > 1:
        out.append(f"L2 language changes {seen} for the caller's switches {expected}")
    if m.language != (expected[len(seen) - 1][1] if seen else gen.languages[0]):
        out.append(f"L2 the call ends in {m.language!r} after the changes {seen}")
    # L3: every line in the language the call spoke when it was sent
    for lang, kind, text in speech_by_language(call):
        pats = patterns(gen, lang)
        if made_of(text, pats):
            continue
        others = [
            other
            for other in gen.languages
            if other != lang and made_of(text, patterns(gen, other))
        ]
        found = f" (that is {', '.join(others)})" if others else ""
        out.append(f"L3 {kind} in a call speaking {lang!r} is not {lang}{found}: {text!r}")
    return out


# ------------------------------------------------------------------------------ the tests


@pytest.fixture(scope="module")
def loop() -> Iterator[Loop]:
    lp = Loop()
    yield lp
    lp.close()


def test_multilingual_flows_validate_and_their_texts_differ_by_language() -> None:
    """The generator itself: valid flows (message files too); no text shared by two languages."""

    @settings(
        max_examples=30,
        deadline=None,
        database=None,
        derandomize=DERANDOMIZE,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(flows(multilingual=1.0))
    def check(gen: GenFlow) -> None:
        assert len(gen.languages) in (2, 3)
        assert gen.flow.spec.languages == list(gen.languages)
        if not gen.files:
            superdialog.loads(gen.yaml, "again.yaml")
        for lang in gen.languages:
            for other in gen.languages:
                if other != lang:
                    shared = set(gen.texts[lang]) & set(gen.texts[other])
                    assert not shared, (lang, other, shared)
        for info in gen.slots.values():
            for lang in LANGUAGES[1:]:
                if info.secret is None:
                    assert info.answers_lang[lang], (info.type, lang, gen.region)

    check()


def test_the_line_check_tells_languages_apart() -> None:
    """The L3 matcher: placeholders are any words, lines concatenate, other languages fail."""
    pats = tuple(
        _pattern(t) for t in ("Paso 2: unas preguntas {{ slots.s0_0 }}.", "¿Cuál es su s0 0?")
    )
    assert made_of("Paso 2: unas preguntas 42. ¿Cuál es su s0 0?", pats + runtime_patterns("es"))
    assert made_of("Perdone, no le he entendido. ¿Cuál es su s0 0?", pats + runtime_patterns("es"))
    assert made_of("Lo siento, eso es más de 100. ¿Cuál es su s0 0?", pats + runtime_patterns("es"))
    assert not made_of("Step 2: a few questions 42.", pats + runtime_patterns("es"))
    assert not made_of("Sorry, I didn't catch that.", pats + runtime_patterns("es"))
    assert made_of("Paso 2: unas preguntas 4", pats)  # cut short by a barge-in
    # a value with full stops in it (an email) is still one value
    assert made_of("Paso 2: unas preguntas ana@mail.es. ¿Cuál es su s0 0?", pats)
    assert not made_of("Paso 2: unas preguntas 42. Step 3: a few questions", pats)


@settings(max_examples=EXAMPLES, derandomize=DERANDOMIZE, **CALL_SETTINGS)
@given(case=language_cases())
def test_calls_that_switch_language_keep_every_guarantee(loop: Loop, case: Case) -> None:
    call = play(loop, case)
    _count(call, case)
    found = violations(call, case) + language_violations(call, case)
    if found:
        note(case.story(call))
    assert found == [], "\n".join(found) + "\n" + case.story(call)


def test_the_language_calls_go_everywhere() -> None:
    """A sanity check on the property above: the calls switched, and spoke other languages."""
    if STATS.get("calls", 0) < EXAMPLES // 2:
        pytest.skip("run with the property test (it may have stopped at its first failure)")
    print("language call statistics:", STATS)
    for key in (
        "multilingual flow",
        "message file",
        "language changed",
        "undeclared language said",
        "lines in another language",
        "slot read in another language",
    ):
        assert STATS.get(key, 0) >= 1, f"no call with {key}: {STATS}"
