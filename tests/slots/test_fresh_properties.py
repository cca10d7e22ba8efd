"""Properties of the shapes the fresh held-out rows (``fresh_rows/``) found wrong values in.

Each wrong value fixed there was fixed as a rule over a shape of speech, not one sentence;
these tests draw other sentences of the same shapes (any number, any marker, any pause,
any day) and check the rule holds: the value the caller meant, or no value, never another.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from superdialog.slots import extract
from superdialog.slots.lang.words import NUMBERS
from superdialog.slots.money import Amount
from superdialog.slots.repairs import REPAIR_MARKERS

NOW = datetime(2026, 3, 11, 10, 0)  # a Wednesday
SETTINGS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)

_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TEENS = [
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ORDINALS = [
    "_",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
]
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def words(n: int, *, hyphen: bool = True, lead: str = "a") -> str:
    """``n`` (1-9999) as a caller says it: "a hundred and five", "twenty-one"."""
    if n < 10:
        return _UNITS[n]
    if n < 20:
        return _TEENS[n - 10]
    if n < 100:
        tens, unit = divmod(n, 10)
        return _TENS[tens] + (("-" if hyphen else " ") + _UNITS[unit] if unit else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = f"{lead} hundred" if hundreds == 1 else f"{_UNITS[hundreds]} hundred"
        return head + (f" and {words(rest, hyphen=hyphen)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    head = f"{words(thousands, hyphen=hyphen)} thousand"
    if not rest:
        return head
    return head + (" and " if rest < 100 else " ") + words(rest, hyphen=hyphen, lead="one")


def ordinal(day: int) -> str:
    """``day`` (1-31) as an ordinal word: "twenty-third"."""
    if day <= 20:
        return _ORDINALS[day]
    tens, unit = divmod(day, 10)
    return _TENS[tens] + "-" + _ORDINALS[unit] if unit else _TENS[tens][:-1] + "ieth"


COUNTS = st.integers(min_value=1, max_value=9999)
PAUSES = st.sampled_from(
    [", uh,", ", um,", " uh", " um", ", you know,", ", like,", ", uh, like,", ", um, you know,"]
)


@SETTINGS
@given(COUNTS, st.booleans(), st.data())
def test_a_number_with_a_pause_between_its_words_reads_the_same(
    n: int, hyphen: bool, data: st.DataObject
) -> None:
    said = words(n, hyphen=hyphen).split(" ")
    if len(said) < 2:
        return
    where = data.draw(st.integers(min_value=1, max_value=len(said) - 1))
    pause = data.draw(PAUSES)
    text = " ".join(said[:where]) + pause + " " + " ".join(said[where:])
    assert extract("number", text) == n, text


@SETTINGS
@given(COUNTS, COUNTS, st.sampled_from(REPAIR_MARKERS))
def test_a_self_repair_always_takes_the_repaired_number(a: int, b: int, marker: str) -> None:
    text = f"{words(a)}, {marker}, {words(b)}"
    assert extract("number", text) == b, text


@SETTINGS
@given(COUNTS, COUNTS, st.sampled_from([" or ", " or maybe ", " i think, or ", ", maybe "]))
def test_two_numbers_offered_are_no_number(a: int, b: int, joint: str) -> None:
    if a == b:
        return
    assert extract("number", words(a) + joint + words(b)) is None


@SETTINGS
@given(
    COUNTS,
    st.sampled_from(
        [
            "under",
            "over",
            "more than",
            "less than",
            "fewer than",
            "at least",
            "at most",
            "up to",
            "above",
            "below",
        ]
    ),
    st.sampled_from(["number", "amount"]),
)
def test_a_bound_is_no_value(n: int, bound: str, type_name: str) -> None:
    text = f"{bound} {words(n)}" + (" dollars" if type_name == "amount" else "")
    assert extract(type_name, text) is None, text


@SETTINGS
@given(COUNTS, COUNTS, st.sampled_from([" to ", " through ", " - ", " till "]))
def test_a_span_is_no_value(a: int, b: int, joint: str) -> None:
    if a == b:
        return
    assert extract("number", words(a) + joint + words(b)) is None
    assert extract("number", f"between {words(a)} and {words(b)}") is None


@SETTINGS
@given(COUNTS, COUNTS, st.sampled_from([", ", ". ", " "]))
def test_two_different_numbers_back_to_back_are_no_number(a: int, b: int, gap: str) -> None:
    if a == b:
        return
    text = words(a) + gap + words(b)
    got = extract("number", text)
    # read as one number ("twenty" "five" is 25, "nineteen eighty" 1980) or none, never a
    # or b alone
    assert got is None or got not in (a, b) or words(got) == text.replace(",", ""), text


@SETTINGS
@given(COUNTS)
def test_the_same_number_said_twice_is_that_number(n: int) -> None:
    assert extract("number", f"{words(n)}, {words(n)}") == n


@SETTINGS
@given(
    st.integers(min_value=1, max_value=999),
    st.sampled_from(["dollars", "euros", "pounds", "rupees"]),
    st.sampled_from(["dollars", "euros", "pounds", "rupees"]),
    st.sampled_from(["no", "sorry", "i mean", "no sorry", "actually"]),
)
def test_a_repaired_currency_keeps_the_sum_and_a_repaired_sum_keeps_the_currency(
    n: int, first: str, second: str, marker: str
) -> None:
    codes = {"dollars": "USD", "euros": "EUR", "pounds": "GBP", "rupees": "INR"}
    assert extract("amount", f"{words(n)} {first}, {marker}, {second}") == Amount(
        Decimal(n), codes[second]
    )
    other = n + 1
    assert extract("amount", f"{words(n)} {first}, {marker}, {words(other)}") == Amount(
        Decimal(other), codes[first]
    )


@SETTINGS
@given(st.integers(min_value=1, max_value=28), st.integers(min_value=0, max_value=6))
def test_a_weekday_and_a_day_of_another_weekday_are_no_date(day: int, weekday: int) -> None:
    target = NOW.date().replace(day=day)
    if target < NOW.date():
        target = target.replace(month=target.month + 1)
    text = f"{_WEEKDAYS[weekday]} the {ordinal(day)}"
    want = target if target.weekday() == weekday else None
    assert extract("date", text, now=NOW) == want, text
    got = extract("datetime", text + " at three", now=NOW)
    assert got == (None if want is None else datetime.combine(want, time(15, 0))), text


@SETTINGS
@given(
    st.sampled_from([*_WEEKDAYS, "next week", "the thirty-second", "april thirty-first"]),
    st.integers(min_value=1, max_value=11),
)
def test_a_day_said_but_not_read_is_no_datetime(day: str, hour: int) -> None:
    if day in _WEEKDAYS:
        day = f"{_WEEKDAYS[(_WEEKDAYS.index(day) + 1) % 7]} the {ordinal(NOW.day + 1)}"
        if extract("date", day, now=NOW) is not None:
            return  # the weekday of that day: readable
    assert extract("datetime", f"{day} at {words(hour)}", now=NOW) is None


@SETTINGS
@given(
    st.integers(min_value=1, max_value=12),
    st.sampled_from([5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55]),
    st.sampled_from([", uh,", ", um,", ", you know,", ", um, like,"]),
)
def test_a_pause_between_hour_and_minutes_keeps_the_minutes(
    hour: int, minutes: int, pause: str
) -> None:
    plain = extract("time", f"at {words(hour)} {words(minutes)}", now=NOW)
    assert plain is not None
    assert extract("time", f"at {words(hour)}{pause} {words(minutes)}", now=NOW) == plain


@SETTINGS
@given(st.integers(min_value=1, max_value=6), st.sampled_from(["sorry", "no", "i mean"]))
def test_a_repaired_evening_hour_stays_in_the_evening(hour: int, marker: str) -> None:
    text = f"tomorrow at {words(hour)} thirty, {marker}, {words(hour + 1)} thirty"
    want = datetime.combine(NOW.date() + timedelta(days=1), time(hour + 13, 30))
    assert extract("datetime", text, now=NOW) == want, text


@SETTINGS
@given(st.integers(min_value=1, max_value=12), st.integers(min_value=1, max_value=28))
def test_a_repaired_day_keeps_the_month(month: int, day: int) -> None:
    names = "january february march april may june july august september october november december"
    name = names.split()[month - 1]
    first = 1 if day != 1 else 2
    text = f"{name} {ordinal(first)}, no sorry, the {ordinal(day)}"
    said = extract("date", f"{name} {ordinal(first)}", now=NOW)
    assert isinstance(said, date)
    got = extract("date", text, now=NOW)
    assert got is None or (got.month == month and got.day == day), text


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("extra large", None),
        ("super large", None),
        ("large", "large"),
        ("the extra large, no, the large", "large"),
    ],
)
def test_a_modified_choice_is_another_option(text: str, want: str | None) -> None:
    assert extract("enum", text, choices=["small", "medium", "large"]) == want


def _language_words(language: str) -> dict[int, str]:
    """Number words 2-16 of ``language``, one per value (from the slot's own tables)."""
    out: dict[int, str] = {}
    for word, value in NUMBERS[language].items():
        if 2 <= value <= 16 and value not in out and word.isalpha():
            out[value] = word
    return out


_MARKERS = {
    "es": ["digo", "perdón", "quiero decir", "mejor dicho"],
    "de": ["ich meine", "Entschuldigung", "ich meinte"],
    "fr": ["je veux dire", "pardon", "je voulais dire"],
    "hi": ["मेरा मतलब", "sorry"],
}
_LANGUAGE_BOUNDS = {
    "es": ["menos de", "más de", "al menos", "como mucho"],
    "de": ["mehr als", "weniger als", "mindestens", "höchstens"],
    "fr": ["plus de", "moins de", "au moins", "au plus"],
}


@SETTINGS
@given(st.sampled_from(sorted(_MARKERS)), st.data())
def test_a_self_repair_in_the_callers_language_takes_the_repaired_number(
    language: str, data: st.DataObject
) -> None:
    table = _language_words(language)
    a, b = data.draw(st.lists(st.sampled_from(sorted(table)), min_size=2, max_size=2, unique=True))
    marker = data.draw(st.sampled_from(_MARKERS[language]))
    text = f"{table[a]}, {marker}, {table[b]}"
    assert extract("number", text, language=language) == b, text


@SETTINGS
@given(st.sampled_from(sorted(_LANGUAGE_BOUNDS)), st.data())
def test_a_bound_in_the_callers_language_is_no_value(language: str, data: st.DataObject) -> None:
    table = _language_words(language)
    n = data.draw(st.sampled_from(sorted(table)))
    bound = data.draw(st.sampled_from(_LANGUAGE_BOUNDS[language]))
    assert extract("number", f"{bound} {table[n]}", language=language) is None


@SETTINGS
@given(
    st.integers(min_value=0, max_value=9),
    st.integers(min_value=0, max_value=9),
    st.sampled_from([" uh ", ", uh, ", ", um, like, ", " um "]),
)
def test_two_digits_with_a_pause_between_are_no_count(a: int, b: int, pause: str) -> None:
    """A count: "five, uh, seven" is five then seven, never 57; a code reads both digits."""
    text = _UNITS[a] + pause + _UNITS[b]
    assert extract("number", text) is None, text
    assert extract("digits", text) == f"{a}{b}"
