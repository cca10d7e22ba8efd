"""The held-out slot corpus in es, de, fr and hi: what must hold whatever the parsers' tuning.

``slots_heldout.yaml`` was written from how callers speak, before it was run, and is not tuned
on. Its accuracy (issue 16's bar is 90% per language) is *reported* by
``bench/slots_languages.py`` and printed here, never asserted: asserting it would invite tuning
the parsers, or the corpus, to the number. What is asserted holds for any honest parser:

* ``extract`` never raises, on the corpus and on ASR-style variants of it;
* a value, when there is one, has the slot type's documented Python type;
* per language, at most 5% of the utterances give a wrong value (a value that is not the
  expected one, a value where none is right included). A wrong value is acted on; no value
  only costs a re-ask, so a parser that is unsure must give none.
"""

from __future__ import annotations

import importlib.util
import sys
import unicodedata
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
MAX_WRONG_VALUE_RATE = 0.05
TARGET_LANGUAGES = ("es", "de", "fr", "hi")


def _bench() -> ModuleType:
    """``bench/slots_languages.py``: one loader and one scorer for the bench and this test."""
    name = "bench_slots_languages"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "slots_languages.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


BENCH = _bench()
CASES: list[Any] = BENCH.load_corpus()
LANGUAGES = sorted({case.language for case in CASES})


def test_the_corpus_covers_every_type_in_every_language() -> None:
    for language in TARGET_LANGUAGES:
        mine = [case for case in CASES if case.language == language]
        assert len(mine) >= 60, language
        assert {case.type for case in mine} == set(BENCH.TYPES), language
    assert sum(case.language == "en" for case in CASES) >= 25


@pytest.mark.parametrize("language", LANGUAGES)
def test_extract_never_raises_and_gives_the_types_value(language: str) -> None:
    for case in (c for c in CASES if c.language == language):
        got = case.run()  # an exception fails the test with the utterance in the traceback
        assert BENCH.value_has_right_type(case.type, got), (case.type, case.text, got)


@pytest.mark.parametrize("language", LANGUAGES)
def test_wrong_values_stay_rare(language: str) -> None:
    result = BENCH.score([c for c in CASES if c.language == language])[language]
    print(
        f"\n{language}: accuracy {result['accuracy']:.1%} ({result['correct']}/{result['cases']}),"
        f" wrong value {result['wrong_value']}, no value {result['no_value']}"
    )
    wrong = [m for m in result["misses"] if m["outcome"] != "no_value"]
    assert result["wrong_value"] / result["cases"] <= MAX_WRONG_VALUE_RATE, "\n".join(
        f"{m['type']} {m['text']!r}: got {m['got']}, want {m['want']}" for m in wrong
    )


# --- ASR-style variants of the corpus: the invariants are not about the exact wording ------------

_FILLERS = ["eh", "pues", "o sea", "ähm", "also", "euh", "ben", "अच्छा", "हाँ तो", "um", "no", "nein"]
_PUNCT = [",", ".", "?", "!", "...", " - ", "'", "/", ":"]


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


@st.composite
def _variant(draw: st.DrawFn) -> tuple[Any, str]:
    """A corpus case and its utterance as another recogniser might write it."""
    case = draw(st.sampled_from(CASES))
    words = case.text.split()
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["filler", "punct", "drop", "repeat", "other"]))
        at = draw(st.integers(0, len(words)))
        if kind == "filler":
            words.insert(at, draw(st.sampled_from(_FILLERS)))
        elif kind == "punct" and words:
            i = min(at, len(words) - 1)
            words[i] += draw(st.sampled_from(_PUNCT))
        elif kind == "drop" and len(words) > 1:
            del words[min(at, len(words) - 1)]
        elif kind == "repeat" and words:
            words.insert(at, words[min(at, len(words) - 1)])
        elif kind == "other":  # a word from another utterance of the corpus
            words.insert(at, draw(st.sampled_from(draw(st.sampled_from(CASES)).text.split())))
    text = " ".join(words)
    casing = draw(st.sampled_from(["as said", "upper", "lower", "title", "no accents"]))
    text = {
        "upper": text.upper(),
        "lower": text.lower(),
        "title": text.title(),
        "no accents": _strip_accents(text),
    }.get(casing, text)
    return case, text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_variant(), st.sampled_from([*LANGUAGES, "en-US", "es-MX", "xx"]))
def test_variants_never_raise_nor_change_the_values_type(pair: tuple[Any, str], lang: str) -> None:
    case, text = pair
    got = BENCH.extract(case.type, text, now=case.now, language=lang, **case.opts)
    assert BENCH.value_has_right_type(case.type, got), (case.type, text, lang, got)
