"""Slot constraints and time zones are parsed at load, by the parser the call uses."""

from __future__ import annotations

from check_helpers import messages, problems, warnings
from hypothesis import given, settings
from hypothesis import strategies as st


def slot_flow(slot: str, extra: str = "") -> str:
    return f"""\
flow: t
{extra}slots:
  x: {slot}
start: ask
states:
  ask: {{collect: [x], next: bye}}
  bye: {{say: Bye, end: completed}}
"""


def test_time_bound_that_is_not_a_time_is_an_error_at_its_line() -> None:
    found = problems(slot_flow('{type: time, min: "opening time"}'))
    assert len(found) == 1
    assert found[0].line == 3
    assert "min 'opening time' is not a time" in found[0].message


def test_number_bound_that_is_not_a_number() -> None:
    found = problems(slot_flow("{type: number, min: abc}"))
    assert "min 'abc' is not a number" in messages(found)


def test_min_above_max_is_an_error() -> None:
    found = problems(slot_flow("{type: number, min: 10, max: 1}"))
    assert "max 1 is below min 10" in messages(found)


def test_min_above_max_for_dates_and_amounts() -> None:
    assert "below min" in messages(
        problems(slot_flow("{type: date, min: '2030-01-02', max: '2030-01-01'}"))
    )
    assert "below min" in messages(problems(slot_flow("{type: amount, min: 50, max: '$20'}")))


def test_bounds_in_words_are_read_like_on_a_call() -> None:
    assert problems(slot_flow("{type: number, min: ten, max: twenty}")) == []
    assert problems(slot_flow("{type: time, min: 9am, max: '17:00'}")) == []
    assert problems(slot_flow("{type: date, min: today}")) == []


def test_min_on_a_type_without_order() -> None:
    found = problems(slot_flow("{type: phone, min: 3}"))
    assert "a phone slot has no order" in messages(found)


def test_future_only_on_a_type_without_tense() -> None:
    found = problems(slot_flow("{type: number, future_only: true}"))
    assert "no past or future" in messages(found)


def test_lengths_that_no_value_meets() -> None:
    found = problems(slot_flow("{type: text, min_length: 5, max_length: 2}"))
    assert "max_length 2 is below min_length 5" in messages(found)


def test_unknown_time_zone_has_a_did_you_mean() -> None:
    found = problems(slot_flow("{type: date}", "locale: {timezone: Europe/Londn}\n"))
    assert found[0].line == 2
    assert "unknown time zone 'Europe/Londn'" in found[0].message
    assert "Europe/London" in (found[0].hint or "")


def test_enum_choice_with_no_words_and_shared_synonyms() -> None:
    found = problems(slot_flow("{type: enum, choices: {'!!': [], b: []}}"))
    assert "has no words a caller can say" in messages(found)
    shared = warnings(slot_flow("{type: enum, choices: {small: [little], tiny: [little]}}"))
    assert "names both 'small' and 'tiny'" in messages(shared)


def test_backtracking_pattern_is_refused() -> None:
    assert "exponential" in messages(problems(slot_flow("{type: text, pattern: '^(a+)+$'}")))


def test_durations_that_cannot_both_happen_are_warnings() -> None:
    text = """\
flow: t
start: a
states:
  a:
    action: {call: f, timeout: 1, holding_line: Wait, holding_after: 2}
    next: b
    on_error: b
  b: {say: Bye, end: completed}
"""
    assert "the holding line is never spoken" in messages(warnings(text))


def test_every_constraint_problem_at_once() -> None:
    text = """\
flow: t
locale: {timezone: Mars/Base}
slots:
  a: {type: number, min: abc}
  b: {type: time, max: lunch}
  c: {type: number, min: 5, max: 2}
start: ask
states:
  ask: {collect: [a, b, c], next: bye}
  bye: {say: Bye, end: completed}
"""
    assert sorted(p.line for p in problems(text)) == [2, 4, 5, 6]


@settings(max_examples=60, deadline=None)
@given(low=st.integers(-(10**6), 10**6), high=st.integers(-(10**6), 10**6))
def test_number_bounds_are_an_error_exactly_when_inverted(low: int, high: int) -> None:
    found = problems(slot_flow(f"{{type: number, min: {low}, max: {high}}}"))
    assert bool(found) == (low > high)
