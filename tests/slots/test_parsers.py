"""The shared spoken-number parser and tokenizer that every slot type builds on."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from superdialog.slots import extract
from superdialog.slots.numbers import (
    digit_runs,
    ordinal_suffix,
    parse_cardinal,
    parse_ordinal,
    parse_year,
    say_digits,
)
from superdialog.slots.tokens import tokenize

NOW = datetime(2026, 3, 2, 10, 30)


def test_tokenize_keeps_spans_and_splits_digits_from_letters() -> None:
    text = "It\u2019s 3pm, John.Smith@Gmail.com"
    toks = tokenize(text)
    assert [t.text for t in toks] == [
        "it's", "3", "pm", ",", "john", ".", "smith", "@", "gmail", ".", "com",
    ]  # fmt: skip
    for tok in toks:
        assert text[tok.start : tok.end].lower().replace("\u2019", "'") == tok.text
    # A character whose lower-case form is longer must not shift later spans.
    toks = tokenize("\u0130stanbul 5")
    assert toks[-1].text == "5" and toks[-1].start == 9


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("a hundred and five", 105),
        ("twenty-one", 21),
        ("one thousand two hundred and thirty four", 1234),
        ("twelve hundred", 1200),
        ("twenty five hundred", 2500),
        ("3.5", Decimal("3.5")),
        ("three point one four", Decimal("3.14")),
        ("point five", Decimal("0.5")),
        ("1,200,000", 1200000),
        ("1.5 million", 1500000),
        ("5k", 5000),
        ("two and a half", Decimal("2.5")),
        ("one and three quarters", Decimal("1.75")),
        ("two dozen", 24),
        ("a million", 1000000),
        ("3.0", 3),
    ],
)
def test_parse_cardinal(text: str, value: object) -> None:
    toks = tokenize(text)
    parsed = parse_cardinal(toks, 0)
    assert parsed is not None
    assert parsed[0] == value and type(parsed[0]) is type(value)
    assert parsed[1] == len(toks)


@pytest.mark.parametrize("text", ["and", "a", "hundred", "the", "point", "-5"])
def test_parse_cardinal_rejects_non_numbers(text: str) -> None:
    assert parse_cardinal(tokenize(text), 0) is None


def test_cardinal_stops_where_the_number_ends() -> None:
    toks = tokenize("twenty five people and three kids")
    assert parse_cardinal(toks, 0) == (25, 2)
    toks = tokenize("five twenty")  # not one number: a unit cannot take tens after it
    assert parse_cardinal(toks, 0) == (5, 1)


@pytest.mark.parametrize(
    ("text", "runs"),
    [
        ("five five five, one two oh, double four seven eight", ["5551204478"]),
        ("one eight hundred five five five", ["1800555"]),
        ("forty seven twelve", ["4712"]),
        ("triple seven uh two", ["7772"]),
        ("oh, it's one two", ["12"]),
        ("oh five", ["05"]),
        ("call 555 then 1234", ["555", "1234"]),
        ("the blue one", []),
        ("twenty-one", ["21"]),
    ],
)
def test_digit_runs(text: str, runs: list[str]) -> None:
    assert [r.digits for r in digit_runs(tokenize(text))] == runs


@pytest.mark.parametrize(
    ("text", "value"),
    [("third", 3), ("twenty-first", 21), ("thirty first", 31), ("5th", 5), ("22nd", 22)],
)
def test_parse_ordinal(text: str, value: int) -> None:
    assert parse_ordinal(tokenize(text), 0) == (value, len(tokenize(text)))


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("nineteen eighty five", 1985),
        ("twenty twenty six", 2026),
        ("twenty oh five", 2005),
        ("two thousand and five", 2005),
        ("nineteen hundred", 1900),
        ("2026", 2026),
    ],
)
def test_parse_year(text: str, year: int) -> None:
    parsed = parse_year(tokenize(text), 0)
    assert parsed is not None and parsed[0] == year


@pytest.mark.parametrize("text", ["twenty five", "15", "12345", "nineteen"])
def test_parse_year_rejects_non_years(text: str) -> None:
    assert parse_year(tokenize(text), 0) is None


def test_read_back_helpers() -> None:
    assert say_digits("4478") == "four four seven eight"
    assert [ordinal_suffix(d) for d in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "31st",
    ]  # fmt: skip


def test_one_utterance_many_slots() -> None:
    """The runtime asks several types of one utterance: each must take its own part."""
    text = "table for 2 people at 7 pm on friday, name is john smith, number 212 555 0123"
    assert extract("number", text, now=NOW) == 2
    assert str(extract("time", text, now=NOW)) == "19:00:00"
    assert str(extract("date", text, now=NOW)) == "2026-03-06"
    assert str(extract("datetime", text, now=NOW)) == "2026-03-06 19:00:00"
    assert extract("name", text, now=NOW) == "John Smith"
    assert extract("phone", text, now=NOW) == "+12125550123"
    assert extract("email", text, now=NOW) is None
    assert extract("yes_no", text, now=NOW) is None


@pytest.mark.parametrize(
    ("type_name", "text", "region", "expected"),
    [
        ("date", "03/04/2026", "US", "2026-03-04"),
        ("date", "03/04/2026", "GB", "2026-04-03"),
        ("date", "03/04/2026", "gb", "2026-04-03"),
        ("amount", "twenty dollars", "AU", "20 AUD"),
        ("amount", "$5", "MX", "5 MXN"),
        ("amount", "five dollars", "MX", "5 USD"),
        ("amount", "five grand", "GB", "5000 GBP"),
        ("phone", "07911 123456", "UK", "+447911123456"),
        ("postal_code", "10115", "DE", "10115"),
        ("postal_code", "2000", "AU", "2000"),
        ("postal_code", "1234 AB", "NL", "1234 AB"),
    ],
)
def test_region_matters(type_name: str, text: str, region: str, expected: str) -> None:
    assert str(extract(type_name, text, now=NOW, region=region)) == expected
