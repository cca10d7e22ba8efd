"""Bounds: what a caller controls (utterance length, repetition, shape) never costs a call.

Each parser reads a bounded window (``MAX_SCAN_CHARS``); under it, the parsers
themselves must be linear, must not recurse on input length and must never
raise, and the numbers they build stay printable. These tests call the parsers
both through ``find`` (the bounded, guarded entry point a call uses) and
directly through ``scan`` (unguarded), so a parser that raises is seen here
instead of being quietly turned into "no value" by the guard.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
import time
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from superdialog.slots import Constraints, builtin_types, find, get_type, make_context, spoken
from superdialog.slots.bounds import (
    MAX_PATTERN_CHARS,
    MAX_QUANTITY_DIGITS,
    MAX_SCAN_CHARS,
    scan_window,
)

CTX = make_context(
    now=datetime(2026, 3, 2, 10, 30),
    choices={"small": ("little",), "large": ("big", "extra large")},
)
TYPES = builtin_types()

# Pieces that push the parsers into their long loops when repeated: digit rows,
# thousands groups, "point" fractions, email dots, spelled letters, cues, dates.
PIECES = [
    "one", "one ", "three ", "oh ", "double ", "1", "1 ", "1,000,", "12.", "1/", "point one ",
    "one hundred ", "at x dot ", "dot ", "a ", "s w ", "- ", ".", ",", "my name is ",
    "no thanks ", "yes ", "the ", "half past ", "next tuesday ", "in two days ", "$1 ",
    "alpha ", "\u0663\u00b2 ", "\u0130", "\ufb01 ", "\x00", "\x1b[0m ", "\u200b", "\ud7ff ",
    "(((", ")))", "[[{{", "\u2019s ", "o'clock ", "um ", "5th ", "march ", "@", "+",
]  # fmt: skip

HUGE = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _assert_sane(name: str, text: str, match: object) -> None:
    if match is None:
        return
    assert hasattr(match, "start") and hasattr(match, "end")
    assert 0 <= match.start <= match.end <= len(text)
    assert isinstance(spoken(match.value, name), str)


@st.composite
def hostile(draw: st.DrawFn) -> str:
    """Up to ~100 KB: a few hostile pieces, each repeated up to 10,000 times."""
    parts = draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=3))
    counts = draw(st.lists(st.integers(1, 10_000), min_size=len(parts), max_size=len(parts)))
    lead = draw(st.sampled_from(["", "my card is 4242 4242 4242 4242 ", "uh "]))
    return lead + "".join(p * c for p, c in zip(parts, counts, strict=True))


@HUGE
@given(hostile())
def test_parsers_never_raise_on_huge_hostile_input(text: str) -> None:
    for name in TYPES:
        slot_type = get_type(name)
        window = scan_window(text)
        direct = slot_type.scan(window, CTX)  # unguarded: a raise fails the test
        _assert_sane(name, window, direct)
        # the rules on top of the scan may only take a value away ("1,000,1,000,...": a
        # list of candidates), never give another
        assert slot_type.find(text, CTX) in (direct, None)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=MAX_SCAN_CHARS - 50, max_size=MAX_SCAN_CHARS + 50))
def test_parsers_never_raise_on_any_text_around_the_window(text: str) -> None:
    for name in TYPES:
        direct = get_type(name).scan(scan_window(text), CTX)
        _assert_sane(name, text, direct)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_control_and_unpaired_characters_never_raise(text: str) -> None:
    for name in TYPES:
        _assert_sane(name, text, get_type(name).scan(text, CTX))


def test_4400_spoken_ones_are_no_number_not_an_error() -> None:
    """The cause: 4,400 digits made ``int()`` refuse to convert (Python's 4,300-digit limit)."""
    text = " ".join(["one"] * 4400)
    number = get_type("number")
    assert number.scan(text, CTX) is None  # the whole text, past the window
    assert find("number", text, CTX) is None
    # a sane quantity after the runaway row is still found, in the window
    assert find("number", "one " * 30 + "and then 42", CTX) is not None
    assert find("number", "one five zero", CTX).value == 150  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "text",
    [
        "1/" + "1" * 5000,  # a "date" part of 5,000 digits
        "1" * 5000,
        "1," + ",".join(["000"] * 1000),
        "3." + "1" * 5000,
        "point " + "one " * 1000,
        "one " * 19 + "million dollars",
        "9" * MAX_QUANTITY_DIGITS + " million pence",
    ],
)
def test_long_numbers_are_not_quantities(text: str) -> None:
    for name in TYPES:
        match = get_type(name).scan(text, CTX)  # unbounded on purpose: the parsers themselves
        _assert_sane(name, text, match)
        if name in ("number", "amount") and match is not None:
            value = match.value if name == "number" else match.value.value
            assert abs(value) < 10**MAX_QUANTITY_DIGITS


def test_window_is_a_prefix_that_never_splits_a_word() -> None:
    assert scan_window("short") == "short"
    text = "x " * (MAX_SCAN_CHARS // 2 - 1) + "four two"
    window = scan_window(text)
    assert text.startswith(window) and len(window) <= MAX_SCAN_CHARS
    assert not window.rstrip().endswith(("fo", "f"))  # "four" is in whole or not at all
    blob = "a" * (MAX_SCAN_CHARS * 2)
    assert scan_window(blob) == blob[:MAX_SCAN_CHARS]  # no word to keep whole


def test_a_value_in_a_long_normal_utterance_is_kept() -> None:
    chatter = "so yeah I was calling about my appointment and the thing is that " * 25
    assert len(chatter) < MAX_SCAN_CHARS
    text = chatter + "my number is five five five one two oh four four seven eight"
    assert len(text) <= 2000  # the runtime's default utterance cap
    assert find("phone", text, CTX).value == "+15551204478"  # type: ignore[union-attr]


def test_values_past_the_window_are_not_read() -> None:
    text = "x " * MAX_SCAN_CHARS + "4242 4242 4242 4242"
    assert find("card_number", text, CTX) is None
    assert find("card_number", text[-19:], CTX) is not None


def test_huge_utterances_stay_bounded_and_quiet(caplog: pytest.LogCaptureFixture) -> None:
    """Hang guard (not a benchmark): 100 KB of each hostile shape, every type.

    Nothing is logged either: the guard in ``find`` is a last line of defence,
    not how hostile input is handled.
    """
    caplog.set_level(logging.DEBUG, logger="superdialog")
    for piece in PIECES:
        text = piece * (100_000 // len(piece))
        for name in TYPES:
            started = time.perf_counter()
            find(name, text, CTX)
            elapsed = time.perf_counter() - started
            assert elapsed < 1.0, f"{name} took {elapsed:.2f}s on {piece!r} * n"
    assert [r for r in caplog.records if r.name.startswith("superdialog")] == []


# ------------------------------------------------------------------- pattern


def test_pattern_is_compiled_once_when_constraints_are_built() -> None:
    c = Constraints(pattern=r"\d{4}")
    regex = c._regex
    assert regex is not None and not isinstance(regex, Exception)
    digits = get_type("digits")
    assert digits.check("1234", c, CTX) is None
    assert digits.check("123", c, CTX) == "that doesn't look right"
    assert c._regex is regex
    assert Constraints(pattern=r"\d{4}") == c  # the compiled form is not part of equality


def test_pattern_is_not_matched_against_overlong_values() -> None:
    c = Constraints(pattern=r".*")
    text = get_type("text")
    assert text.check("x" * MAX_PATTERN_CHARS, c, CTX) is None
    assert text.check("x" * (MAX_PATTERN_CHARS + 1), c, CTX) == "that doesn't look right"


def test_catastrophic_pattern_on_a_long_value_returns_at_once() -> None:
    """``(a+)+$`` takes ages on "aaa...!" if matched; past the cap it never is.

    Run in a child process so that a regression fails on the timeout instead of
    hanging the suite (the ``re`` engine holds the GIL while it backtracks).
    """
    code = textwrap.dedent(
        f"""
        from datetime import datetime
        from superdialog.slots import Constraints, get_type, make_context
        ctx = make_context(now=datetime(2026, 3, 2))
        value = "a" * {MAX_PATTERN_CHARS} + "!"
        print(get_type("text").check(value, Constraints(pattern=r"(a+)+$"), ctx))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "that doesn't look right"
