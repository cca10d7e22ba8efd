"""The ``wait:`` caller step of conversation tests: its durations, and what it cannot go with."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from superdialog.errors import FlowError
from superdialog.testing.conversation_spec import Turn, parse_test_file


@pytest.mark.parametrize(
    ("written", "seconds"),
    [
        ("8s", 8.0),
        ("1.5s", 1.5),
        ("500ms", 0.5),
        ("2m", 120.0),
        (3, 3.0),
        (0.25, 0.25),
        (" 8 s ", 8.0),
    ],
)
def test_durations(written: object, seconds: float) -> None:
    assert Turn(wait=written).wait == seconds  # type: ignore[arg-type]


@given(st.integers(1, 86_400))
def test_whole_seconds_read_back(n: int) -> None:
    assert Turn(wait=f"{n}s").wait == n  # type: ignore[arg-type]


def _problems(turn: str) -> str:
    text = f"""
flow: f.yaml
conversations:
  - name: c
    turns:
      - {turn}
"""
    with pytest.raises(FlowError) as info:
        parse_test_file(text, "t.test.yaml")
    return str(info.value)


@pytest.mark.parametrize(
    ("turn", "says"),
    [
        ("{wait: 8h}", "is not a duration"),
        ("{wait: soon}", "is not a duration"),
        ("{wait: 0s}", "greater than 0"),
        ("{wait: true}", "give a duration"),
        ("{wait: 8s, user: hi}", "exactly one of"),
        ("{wait: 8s, silence: true}", "exactly one of"),
        ("{wait: 8s, barge_in: {after_chunks: 1}}", "cannot barge in"),
        ("{wait: 2d}", "is not a duration"),
    ],
)
def test_bad_waits_are_located_load_errors(turn: str, says: str) -> None:
    message = _problems(turn)
    assert "t.test.yaml:6:" in message and says in message, message
