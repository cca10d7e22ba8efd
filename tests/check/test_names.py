"""Names templates read, checked on every path into where they are read."""

from __future__ import annotations

import pytest
from check_helpers import messages, problems, warnings

PHARMACY = """\
flow: pharmacy
context:
  pharmacy: {name: Green Cross, hours: {open: 9am}, staff: [Ana]}
global:
  - {intent: human, goto: pharmacist}
start: greet
states:
  greet: {say: "Hello from {{ pharmacy.name }}.", listen: true, next: lookup}
  lookup:
    action: {call: find_rx, result: rx}
    next: ready
    on_error: sorry
  ready: {say: "Your prescription is ready.", end: completed}
  sorry: {say: "Sorry.", end: completed}
  pharmacist:
    transfer: {queue: pharm, mode: warm, announcement: "ANNOUNCE"}
"""


def pharmacy(announcement: str) -> str:
    return PHARMACY.replace("ANNOUNCE", announcement)


def test_misspelt_nested_context_key() -> None:
    found = problems(PHARMACY.replace("{{ pharmacy.name }}", "{{ pharmacy.nmae }}"))
    assert len(found) == 1
    assert found[0].line == 8
    assert "context value 'pharmacy' has no key 'nmae'" in found[0].message
    assert found[0].hint == "did you mean 'name'?"


@pytest.mark.parametrize(
    "read",
    [
        "{{ pharmacy.hours.opn }}",
        "{{ context.pharmacy.hours.opn }}",
        "{{ pharmacy['hours']['opn'] }}",
        "{{ pharmacy.staff[3] }}",
    ],
)
def test_nested_context_reads_to_any_depth(read: str) -> None:
    assert problems(PHARMACY.replace("{{ pharmacy.name }}", read))


@pytest.mark.parametrize(
    "read",
    [
        "{{ pharmacy.hours.open }}",
        "{{ pharmacy.name.upper() }}",
        "{{ pharmacy.staff[0] }}",
        "{% for k, v in pharmacy.items() %}{{ k }}{% endfor %}",
        "{{ pharmacy.get('fax', 'none') }}",
    ],
)
def test_sound_context_reads(read: str) -> None:
    assert problems(PHARMACY.replace("{{ pharmacy.name }}", read)) == []


def test_result_read_before_the_action_runs_names_the_path() -> None:
    found = problems(pharmacy("{% if results.rx %}has rx{% endif %}"))
    assert len(found) == 1
    assert found[0].message == (
        "state 'pharmacist' reads results.rx, but 'greet' → (global human) → 'pharmacist' "
        "gets there before action 'lookup' runs"
    )
    assert found[0].line == 16


@pytest.mark.parametrize(
    "announcement",
    [
        "{% if results.rx is defined %}{{ results.rx.name }}{% endif %}",
        "{{ results.rx.name if results.rx is defined else 'none' }}",
        "{{ results.rx | default('none') }}",
        "{{ results.get('rx') }}",
        "{% if 'rx' in results %}{{ results.rx }}{% endif %}",
        "{% if results.rx is defined and results.rx.ok %}ok{% endif %}",
    ],
)
def test_guarded_result_reads_are_fine(announcement: str) -> None:
    assert problems(pharmacy(announcement)) == []


def test_result_read_after_the_action_on_every_path_is_fine() -> None:
    text = PHARMACY.replace(
        'ready: {say: "Your prescription is ready."', 'ready: {say: "Ready: {{ results.rx.name }}"'
    )
    assert problems(text) == []


def test_result_read_on_the_error_path_is_an_error() -> None:
    text = PHARMACY.replace('sorry: {say: "Sorry."', 'sorry: {say: "{{ results.rx.name }}"')
    found = problems(text)
    assert "'lookup' → (on_error) → 'sorry'" in messages(found)


def test_result_no_action_stores() -> None:
    text = PHARMACY.replace(
        'ready: {say: "Your prescription is ready."', 'ready: {say: "{{ results.bookng.id }}"'
    )
    assert "no action stores a result under 'bookng'" in messages(problems(text))


def test_transition_condition_reads_the_result_after_its_action() -> None:
    text = PHARMACY.replace(
        "    next: ready\n    on_error: sorry",
        "    transitions:\n      - {if: results.rx.ok, to: ready}\n      - {to: sorry}\n"
        "    on_error: sorry",
    )
    assert problems(text) == []


def test_declared_result_shape_checks_fields() -> None:
    text = PHARMACY.replace(
        "action: {call: find_rx, result: rx}",
        "action: {call: find_rx, result: rx, returns: {confirmation: text, pickup: {day: date}}}",
    ).replace(
        'ready: {say: "Your prescription is ready."',
        'ready: {say: "{{ results.rx.confirmaton }} {{ results.rx.pickup.day }}"',
    )
    found = problems(text)
    assert len(found) == 1
    assert "has no field 'confirmaton'" in found[0].message
    assert found[0].hint == "did you mean 'confirmation'?"


def test_declared_session_keys() -> None:
    text = PHARMACY.replace("flow: pharmacy\n", "flow: pharmacy\nsession: [caller_name]\n")
    ok = text.replace("{{ pharmacy.name }}", "{{ session.caller_name }}")
    assert problems(ok) == []
    wrong = text.replace("{{ pharmacy.name }}", "{{ session.caler_name }}")
    assert "did you mean 'caller_name'?" in messages(problems(wrong))
    undeclared = PHARMACY.replace("{{ pharmacy.name }}", "{{ session.anything }}")
    assert problems(undeclared) == []


SLOTS = """\
flow: t
slots:
  day: {type: date}
global:
  - {intent: human, goto: human}
start: ask
states:
  ask: {collect: [day], next: done}
  done: {say: "Booked for {{ slots.day | spoken }}.", end: completed}
  human:
    transfer: {queue: q, mode: warm, announcement: "READ"}
"""


def test_unfilled_slot_read_is_a_located_warning_with_the_path() -> None:
    found = warnings(SLOTS.replace("READ", "Caller wants {{ slots.day }}"))
    assert len(found) == 1
    assert found[0].line == 11
    assert "'ask' → (global human) → 'human'" in found[0].message


def test_guarded_slot_reads_do_not_warn() -> None:
    text = SLOTS.replace("READ", "{% if slots.day %}Wants {{ slots.day }}{% endif %}")
    assert warnings(text) == []


def test_action_state_with_only_if_transitions_is_an_error() -> None:
    text = """\
flow: t
start: a
states:
  a:
    action: {call: f}
    transitions:
      - {if: "results.a.ok", to: b}
    on_error: b
  b: {say: Bye, end: completed}
"""
    found = problems(text)
    assert len(found) == 1
    assert "no way out when no condition holds" in found[0].message
    assert found[0].line == 7  # the transitions it has


def test_one_template_error_does_not_hide_another() -> None:
    text = PHARMACY.replace("{{ pharmacy.name }}", "{{ pharmacy.nmae }} {{ x | spokn }}")
    text = text.replace('"Sorry."', '"{{ pharmacy.hours.opn }}"')
    found = messages(problems(text))
    assert "nmae" in found
    assert "did you mean 'spoken'?" in found
    assert "opn" in found


DIGRESSION = """\
flow: t
intents:
  hours: {phrases: [opening hours]}
global:
  - {intent: hours, call: faq}
start: greet
states:
  greet: {say: "Hi", listen: true, next: lookup}
  lookup: {action: {call: f, result: rx}, next: done, on_error: done}
  done: {say: "Bye", end: completed}
  faq: {say: "READ", return: true}
"""


def test_a_digression_is_a_way_in() -> None:
    found = problems(DIGRESSION.replace("READ", "We open at {{ results.rx.hours }}"))
    assert "'greet' → (global hours, a digression) → 'faq'" in messages(found)
    guarded = DIGRESSION.replace(
        "READ", "{% if results.rx is defined %}{{ results.rx.hours }}{% endif %}We open at 9"
    )
    assert problems(guarded) == []


def test_a_wrong_key_does_not_hide_the_rest_of_the_file() -> None:
    text = """\
flow: t
context: {pharmacy: {name: X}}
slots:
  n: {type: number, min: abc}
start: a
states:
  a: {say: "{{ pharmacy.nmae }}", nxt: b, next: b}
  b: {say: "{{ x | spokn }}", next: c}
  c: {say: "Bye", end: completed, listen: maybe}
"""
    found = problems(text)
    assert [p.line for p in found] == [4, 7, 7, 8, 9]
    shown = messages(found)
    for part in ("min 'abc'", "no key 'nmae'", "unknown key 'nxt'", "'spoken'", "listen"):
        assert part in shown
    assert "dead end" not in shown and "unreachable" not in shown
