"""YAML mistakes are said in plain words, at the line that is wrong."""

from __future__ import annotations

import pytest

import superdialog
from superdialog.errors import FlowError

CASES = [
    (
        "flow: t\nstart: a\nstates:\n  a:\n    say: hi\n      next: b\n",
        6,
        "this line is indented more than line 5 ('say: …'), which already has a value",
    ),
    (
        "flow: t\nstart: a\nstates:\n  a:\n    say: hi\n   next: b\n",
        6,
        "this line is indented 3 spaces, which lines up with no key above it",
    ),
    ("flow: t\n  start: a\n", 2, "indented more than line 1"),
    ("flow: t\nstates:\n  a: {say: hi\n  b: x\n", 4, "the '{' on line 3 is not closed"),
    ("flow: t\nstates:\n\ta: 1\n", 3, "a tab character where YAML needs spaces"),
    ("flow: t\nstates:\n  - a\n  b: 1\n", 4, "a key where a list item ('- ') was expected"),
    ('flow: t\nsay: "a: b" c\n', 2, "more text after a value that is already complete"),
    ("flow: t\nsay: Note: this\n", 2, "a ': ' inside a value makes it look like a key"),
    ("flow: t\nstates:\n  " + "a" * 1500 + ": {say: hi}\n", 3, "a key of 1500 characters"),
    ("flow: t\n" + "b" * 100_000 + ": 1\n", 2, "a key of 100000 characters"),
]


@pytest.mark.parametrize(("text", "line", "message"), CASES)
def test_plain_words_at_the_wrong_line(text: str, line: int, message: str) -> None:
    with pytest.raises(FlowError) as info:
        superdialog.loads(text, "y.yaml")
    (problem,) = info.value.problems
    assert problem.line == line
    assert message in problem.message
    assert "<block" not in str(problem)


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("flow: t\nstart: 7\nstates:\n  a: {say: hi, end: completed}\n", 2, 8, "unquoted 7"),
        ("flow: t\nstart: a\nstates:\n  a: {say: hi, next: 2.5}\n", 4, 22, "unquoted 2.5"),
        ("flow: t\nstart: a\nstates:\n  a: {say: hi, end: completed}\n  3: {say: x}\n", 5, 3, "3"),
    ],
)
def test_a_number_where_a_name_goes_says_how_yaml_read_it(
    text: str, line: int, column: int, message: str
) -> None:
    """``start: 7``, ``next: 2.5``, a state ``3:``: pydantic said 'should be a valid string'."""
    with pytest.raises(FlowError) as info:
        superdialog.loads(text, "y.yaml")
    (problem,) = [p for p in info.value.problems if p.line == line]
    assert problem.column >= column - 2 and message in problem.message
    assert "as a number" in problem.message and "valid string" not in problem.message
