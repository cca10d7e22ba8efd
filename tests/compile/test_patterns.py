"""Slot patterns that backtrack catastrophically are refused at load, located."""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import superdialog
from superdialog import FlowError
from superdialog.compile.patterns import MAX_PATTERN_CHARS, backtracking_problem

CATASTROPHIC = [
    r"^(a+)+$",
    r"(a|aa)+$",
    r"(x+x+)+y",
    r"^(\w+\s?)+$",
    r"(\d{1,3})+$",
    r"(.*a){12}",
    r"(a*)*b",
    r"(?:a|a)+$",
    r"(a|b+)+$",
    r"^([a-z]+[a-z0-9]*\.)+$",
    r"(\s*,?\s*)+$",
    r"(?:a?){20}a{20}",
    r"(.*)*x",
    r"(?:a|b|ab)+$",
    r"(ß|SS)+$",
    r"\d*\d*\d*x",
    r"\d+x?\d+y?\d+",
    r".*a.*b.*c",
    r"(?:\d+)(?:\d+)(?:\d+)",
    r"^(([a-z])+.)+[A-Z]([a-z])+$",
]
"""Shapes known to take exponential (or degree >= 3 polynomial) time."""

FINE = [
    r"^\d{5}(-\d{4})?$",
    r"^[A-Z]{2}\d{6}[A-D]$",
    r"^(\+\d{1,3} ?)?\d{10}$",
    r"^([a-z0-9-]+\.)+[a-z]{2,}$",
    r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$",
    r"^\d+(\.\d+)?$",
    r"^(\d{3}-){2}\d{4}$",
    r"[A-Za-z ]+",
    r"^[a-zA-Z]+( [a-zA-Z]+)*$",
    r"^[A-Z]{2}\d{2}( ?\d{4})+$",
    r"(a++)+$",
    r"(?>a+)+$",
    r"^\w+\s*\w+$",
    r"\w+\s\w+\s\w+",
    r"[a-z]+@[a-z]+\.[a-z]+",
    r"\d+-\d+-\d+",
    r"^(?:[A-Z][a-z]+ )+[A-Z][a-z]+$",
    r"^\d{4,19}$",
    r"(\w|\d)+$",
    r"(a|ab)+$",
    r"(?i)^[a-z]+$",
    r"(?i)(k|\u212a)+$",
]
"""Everyday slot patterns (postcodes, ids, emails, names): none of them is refused."""


def _flow(pattern: str) -> str:
    return (
        "flow: p\nstart: ask\n"
        f"slots:\n  code: {{type: text, pattern: {pattern!r}}}\n"
        "states:\n  ask: {collect: [code], next: bye}\n  bye: {say: Bye., end: completed}\n"
    ).replace("\\\\", "\\")


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_catastrophic_patterns_are_refused_at_load(pattern: str) -> None:
    assert backtracking_problem(pattern) is not None
    with pytest.raises(FlowError) as info:
        superdialog.loads(_flow(pattern), "p.yaml")
    (problem,) = info.value.problems
    assert (problem.line, problem.column) == (4, 31)
    assert problem.message.startswith("this pattern can take exponential time")
    assert problem.hint is not None and "possessive" in problem.hint


@pytest.mark.parametrize("pattern", FINE)
def test_everyday_patterns_load(pattern: str) -> None:
    assert backtracking_problem(pattern) is None, pattern
    superdialog.loads(_flow(pattern), "p.yaml")


def test_patterns_that_do_not_compile_are_located_not_raised() -> None:
    for pattern, message in [
        ("(" * 2000 + ")" * 2000, "maximum recursion depth"),
        ("a{99999999999}", "the repetition number is too large"),
        ("[", "unterminated character set"),
    ]:
        with pytest.raises(FlowError) as info:
            superdialog.loads(_flow(pattern), "p.yaml")
        (problem,) = info.value.problems
        assert problem.line == 4 and "invalid regular expression" in problem.message
        assert message in problem.message


def test_very_long_patterns_are_refused() -> None:
    assert backtracking_problem("a" * (MAX_PATTERN_CHARS + 1)) is not None


@contextmanager
def _hang_guard(seconds: float) -> Iterator[None]:
    def fire(signum: int, frame: object) -> None:
        raise TimeoutError(f"a match took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


atoms = st.sampled_from(["a", "b", "[ab]", ".", r"\w", "a?", "(?:a|b)", "(?:ab|a)", "(?:a|)"])
quantifiers = st.sampled_from(["", "*", "+", "?", "{1,3}", "{2,}", "*?", "++"])


@st.composite
def small_patterns(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        if depth < 2 and draw(st.booleans()):
            inner = draw(small_patterns(depth + 1))
            parts.append(f"(?:{inner})" + draw(quantifiers))
        else:
            parts.append(draw(atoms) + draw(quantifiers))
    return "".join(parts)


@settings(max_examples=250, deadline=None)
@given(small_patterns())
def test_accepted_patterns_match_near_misses_quickly(pattern: str) -> None:
    """Whatever the check accepts matches adversarial near-misses without stalling.

    A 2 s guard on 24-character inputs: an exponential pattern takes minutes there.
    """
    try:
        compiled = re.compile(pattern)
    except re.error:
        return  # 'a?*': not a pattern at all
    if backtracking_problem(pattern) is not None:
        return
    with _hang_guard(2.0):
        for text in ("a" * 24 + "!", "ab" * 12 + "!", "b" * 24 + "!", "aab" * 8 + "!"):
            compiled.fullmatch(text)
