"""Yes/no and number words in es, de, fr and hi, read by the English slot parsers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from superdialog.slots import extract, find, make_context
from superdialog.slots.lang import LANGUAGES, localise

CASES = [
    # (language, type, what the caller said, value)
    ("es", "yes_no", "sí, claro", True), ("es", "yes_no", "sí", True),
    ("es", "yes_no", "vale, perfecto", True), ("es", "yes_no", "no, gracias", False),
    ("es", "yes_no", "si", True), ("es", "yes_no", "no, nunca", False),
    ("es", "number", "somos cuatro", 4), ("es", "number", "treinta y dos", 32),
    ("es", "number", "ciento veinte", 120), ("es", "number", "mil novecientos noventa y nueve",
                                             1999),
    ("es", "number", "una mesa para seis", 6), ("es", "number", "veintidós", 22),
    ("es", "phone", "cinco cinco cinco, uno dos cero, cuatro cuatro siete ocho", "+15551204478"),
    ("de", "yes_no", "ja genau", True), ("de", "yes_no", "nein danke", False),
    ("de", "yes_no", "stimmt", True), ("de", "yes_no", "das ist nicht richtig", False),
    ("de", "number", "zweiunddreißig", 32), ("de", "number", "vier und zwanzig", 24),
    ("de", "number", "ein Tisch für zwei", 2), ("de", "number", "hundert", 100),
    ("fr", "yes_no", "oui, c'est ça", True), ("fr", "yes_no", "non merci", False),
    ("fr", "yes_no", "d'accord", True), ("fr", "yes_no", "ce n'est pas ça", False),
    ("fr", "number", "quatre-vingt-dix-sept", 97), ("fr", "number", "soixante et onze", 71),
    ("fr", "number", "vingt et un", 21), ("fr", "number", "deux cent cinquante", 250),
    ("fr", "number", "une table pour trois", 3), ("fr", "number", "quatre-vingts", 80),
    ("hi", "yes_no", "हाँ जी", True), ("hi", "yes_no", "जी नहीं", False),
    ("hi", "yes_no", "haan bilkul", True), ("hi", "yes_no", "nahi yaar", False),
    ("hi", "yes_no", "ठीक है", True), ("hi", "yes_no", "yes please", True),
    ("hi", "number", "मेरे साथ चार लोग हैं", 4), ("hi", "number", "दो लाख", 200_000),
    ("hi", "number", "एक टेबल चार लोगों के लिए", 4), ("hi", "number", "char log", 4),
    ("hi", "number", "I do have 3 kids", 3),
    ("hi", "number", "we are 5 people", 5),
]  # fmt: skip


@pytest.mark.parametrize(("lang", "type_name", "text", "value"), CASES)
def test_words_of_each_language(lang: str, type_name: str, text: str, value: object) -> None:
    assert extract(type_name, text, language=lang) == value


def test_english_is_untouched_by_default() -> None:
    assert extract("yes_no", "sí") is None  # English callers do not say sí
    assert extract("number", "table for four") == 4


def test_the_span_points_into_what_the_caller_said() -> None:
    text = "vale, somos treinta y dos personas"
    match = find("number", text, make_context(language="es"))
    assert match is not None and text[match.start : match.end] == "treinta y dos"


_WORDS = st.sampled_from(
    ["sí", "no", "cuatro", "y", "treinta", "vingt", "et", "un", "quatre-vingt", "zwei",
     "und", "zwanzig", "चार", "लाख", "हाँ", "नहीं", "mesa", "4", "12", "ok", "-", ",", "ja"]
)  # fmt: skip


@given(st.lists(_WORDS, max_size=12), st.sampled_from(sorted(LANGUAGES)))
def test_spans_map_back_in_order_and_inside_the_text(words: list[str], lang: str) -> None:
    text = " ".join(words)
    local = localise(text, lang)
    assert len(local.starts) == len(local.ends) == len(local.text)
    assert all(0 <= a < b <= len(text) for a, b in zip(local.starts, local.ends, strict=True))
    assert list(local.starts) == sorted(local.starts)


@given(st.text(alphabet="0123456789 ,.", max_size=40), st.sampled_from(sorted(LANGUAGES)))
def test_digits_are_never_rewritten(text: str, lang: str) -> None:
    assert localise(text, lang).text == text
