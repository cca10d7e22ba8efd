"""Extractors must never raise, whatever speech-to-text hands them.

``find`` turns a parser's exception into "no value" (and an error log), so
these tests call each parser's ``scan`` directly: a raise fails the test
instead of hiding behind the guard. Huge and hostile inputs: ``test_bounds.py``.
"""

from __future__ import annotations

from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from superdialog.slots import builtin_types, find, get_type, make_context, spoken
from superdialog.slots.bounds import scan_window
from superdialog.slots.repairs import resolve

# Words that steer the parsers into their less common branches.
VOCAB = [
    "one", "two", "oh", "o", "double", "triple", "hundred", "thousand", "million", "point",
    "and", "a", "half", "quarter", "past", "to", "at", "dot", "underscore", "dash", "-",
    "@", ".", ",", ":", "/", "$", "£", "€", "p", "pm", "am", "a", "m", "o'clock", "next",
    "this", "last", "tuesday", "march", "the", "of", "first", "thirty", "twenty", "fifth",
    "in", "days", "weeks", "hours", "minutes", "from", "now", "today", "tomorrow", "my",
    "name", "is", "it's", "s", "m", "i", "t", "h", "no", "not", "yes", "why", "plus",
    "+", "0", "00", "12", "13", "25", "99", "1999", "2026", "4242", "555", "noon",
    "dollars", "cents", "euros", "k", "grand", "st", "th", "rd", "nd", "um", "uh",
    "nineteen", "eighty", "zero", "o", "'", "half", "midnight", "morning", "night",
    "gmail", "com", "uk", "co", "actually", "small", "large", "mc", "o'brien", "call", "me",
]  # fmt: skip

CTX = make_context(
    now=datetime(2026, 3, 2, 10, 30),
    choices={"small": ("little",), "large": ("big", "extra large"), "x": ()},
)
TYPES = builtin_types()
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(text: str) -> None:
    for name in TYPES:
        for region in ("US", "GB", "CA", "ZZ"):
            ctx = make_context(now=CTX.now, region=region, choices=CTX.choices)
            # the parser itself, then repairs/refusals/"or" on top, must not raise either
            get_type(name).scan(scan_window(text), ctx)
            match = resolve(get_type(name), scan_window(text), ctx)
            assert find(name, text, ctx) == match
            if match is not None:
                assert 0 <= match.start <= match.end <= len(text)
                assert isinstance(spoken(match.value, name), str)


@SETTINGS
@given(st.text(max_size=80))
def test_random_text_never_raises(text: str) -> None:
    _check(text)


@SETTINGS
@given(st.lists(st.sampled_from(VOCAB), max_size=14), st.sampled_from([" ", "", ", "]))
def test_word_salad_never_raises(words: list[str], sep: str) -> None:
    _check(sep.join(words))


@SETTINGS
@given(
    st.lists(
        st.sampled_from([*VOCAB, "\u0130", "\u00b2", "\u0663", "\u2019s", "\ufb01"]), max_size=10
    )
)
def test_odd_unicode_never_raises(words: list[str]) -> None:
    _check(" ".join(words))


def test_long_utterances_stay_fast() -> None:
    """No extractor may go quadratic: a runaway STT transcript must not stall a call."""
    import time

    texts = [
        "no thanks " * 2000,
        "small large " * 2000,
        "three " * 3000,
        "at x dot " * 2000,
        "1,000," * 2000,
        "um the next tuesday at three five five five john dot smith at gmail dot com yes " * 250,
    ]
    for text in texts:
        for name in TYPES:
            started = time.perf_counter()
            find(name, text, CTX)
            elapsed = time.perf_counter() - started
            assert elapsed < 2.0, f"{name} took {elapsed:.2f}s on {text[:30]!r}..."
