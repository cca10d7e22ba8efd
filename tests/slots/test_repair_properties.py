"""Properties of self-repairs, "X or Y" and hesitations, over generated utterances."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from superdialog.slots import extract

from .asr_corpus.load import load

NOW = datetime(2026, 3, 2, 10, 30)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
TEENS = [
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
TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
ORDINALS = [
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
MARKERS = [
    "no sorry", "no, sorry,", "sorry", "no wait", "wait, no,", "I mean", "sorry I mean",
    "actually", "actually make that", "no no", "scratch that,", "or rather", "my mistake,",
]  # fmt: skip
FILLERS = ["um", "uh", "er", "erm", "hmm", "uh,", "um,"]


def words(n: int) -> str:
    """0-999 in words, as speech-to-text writes them ("one hundred and five")."""
    if n < 10:
        return UNITS[n]
    if n < 20:
        return TEENS[n - 10]
    if n < 100:
        tens, unit = divmod(n, 10)
        return TENS[tens] + (f" {UNITS[unit]}" if unit else "")
    hundreds, rest = divmod(n, 100)
    return f"{UNITS[hundreds]} hundred" + (f" and {words(rest)}" if rest else "")


numbers = st.integers(min_value=0, max_value=999)
said = st.sampled_from(["words", "digits"])


def say(n: int, how: str) -> str:
    return words(n) if how == "words" else str(n)


@SETTINGS
@given(numbers, numbers, st.sampled_from(MARKERS), said, said, st.sampled_from(["", "."]))
def test_number_repaired_is_always_the_second(
    a: int, b: int, marker: str, how_a: str, how_b: str, end: str
) -> None:
    assume(a != b)
    text = f"{say(a, how_a)}, {marker} {say(b, how_b)}{end}"
    assert extract("number", text, now=NOW) == b


@SETTINGS
@given(numbers, numbers, said, said)
def test_number_x_or_y_is_never_a_value(a: int, b: int, how_a: str, how_b: str) -> None:
    assume(a != b)
    assert extract("number", f"{say(a, how_a)} or {say(b, how_b)}", now=NOW) is None


@SETTINGS
@given(
    st.integers(min_value=3, max_value=8).flatmap(
        lambda size: st.tuples(
            st.text("0123456789", min_size=size, max_size=size),
            st.text("0123456789", min_size=size, max_size=size),
        )
    ),
    st.sampled_from(MARKERS),
)
def test_digits_repaired_at_the_same_length_are_the_second(
    pair: tuple[str, str], marker: str
) -> None:
    first, second = pair
    assume(first != second)
    text = f"{' '.join(UNITS[int(d)] for d in first)}, {marker} " + " ".join(
        UNITS[int(d)] for d in second
    )
    assert extract("digits", text, now=NOW) == second


@SETTINGS
@given(
    st.integers(min_value=0, max_value=11),
    st.integers(min_value=1, max_value=20),
    st.integers(min_value=0, max_value=11),
    st.integers(min_value=1, max_value=20),
    st.sampled_from(MARKERS),
)
def test_date_repaired_is_the_second(m1: int, d1: int, m2: int, d2: int, marker: str) -> None:
    assume((m1, d1) != (m2, d2))
    text = f"{MONTHS[m1]} {ORDINALS[d1 - 1]}, {marker} {MONTHS[m2]} {ORDINALS[d2 - 1]}"
    got = extract("date", text, now=NOW)
    assert isinstance(got, date)
    assert (got.month, got.day) == (m2 + 1, d2)


@SETTINGS
@given(st.sampled_from(["small", "medium", "large"]), st.sampled_from(["small", "medium", "large"]),
       st.sampled_from(MARKERS))  # fmt: skip
def test_choice_repaired_is_the_second(a: str, b: str, marker: str) -> None:
    assume(a != b)
    choices = ["small", "medium", "large"]
    assert extract("enum", f"the {a}, {marker} the {b}", now=NOW, choices=choices) == b


CASES = [c for c in load("tuning") if c.expected is not None and c.type != "text"]


def _same(got: Any, want: Any) -> bool:
    return bool(got == want and type(got) is type(want))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(CASES), st.data())
def test_hesitations_never_change_a_value_into_another(case: Any, data: st.DataObject) -> None:
    pieces = case.text.split()
    count = data.draw(st.integers(min_value=1, max_value=3))
    for _ in range(count):
        where = data.draw(st.integers(min_value=0, max_value=len(pieces)))
        pieces.insert(where, data.draw(st.sampled_from(FILLERS)))
    got = extract(case.type, " ".join(pieces), now=case.now, **case.opts)
    assert got is None or _same(got, case.expected), " ".join(pieces)
