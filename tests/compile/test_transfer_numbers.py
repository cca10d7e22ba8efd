"""Transfers to phone numbers and no-input timeouts, as the loader checks them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import superdialog
from superdialog.compile.compiler import e164_problem
from superdialog.errors import FlowError


def flow(transfer: str, extra: str = "") -> superdialog.Flow:
    return superdialog.loads(
        f"""
flow: t
start: ask
slots:
  back: {{type: phone, prompt: "Your number?"}}
  code: {{type: digits, prompt: "Your code?"}}
states:
  ask: {{collect: [back, code], next: out}}
  out: {{say: "Bye.", transfer: {transfer}}}
{extra}""",
        "t.yaml",
    )


def problems(transfer: str, extra: str = "") -> str:
    with pytest.raises(FlowError) as info:
        flow(transfer, extra)
    return str(info.value)


def test_a_literal_e164_number_compiles_to_a_number_transfer() -> None:
    t = flow('{number: "+14155550100", mode: warm, announcement: "A caller"}').states["out"]
    assert t.transfer is not None
    assert (t.transfer.kind, t.transfer.target, t.transfer.mode) == (
        "number",
        "+14155550100",
        "warm",
    )
    assert t.transfer.template is None  # nothing is rendered on the call


def test_a_templated_number_is_kept_as_a_template() -> None:
    t = flow('{number: "{{ slots.back }}"}').states["out"].transfer
    assert t is not None and t.template is not None and t.template.static is None


@pytest.mark.parametrize(
    ("number", "says"),
    [
        ("+1 415 555 0100", "'+1 415 555 0100' is not in E.164 form (write +14155550100)"),
        ("14155550100", "is not a valid phone number"),
        ("+15550100", "'+15550100' is written as E.164 but is no phone number in use"),
        ("+441632960123", "is written as E.164 but is no phone number in use"),
        ("+14155550100x", "is not in E.164 form (write +14155550100)"),
        ("call me", "is not a valid phone number"),
    ],
)
def test_a_literal_number_that_is_not_e164_is_a_located_load_error(number: str, says: str) -> None:
    message = problems(f'{{number: "{number}"}}')
    assert "t.yaml:9:" in message and says in message, message


@pytest.mark.parametrize(
    ("context", "says"),
    [
        ('{line: "+441632960123"}', "'+441632960123' is written as E.164 but is no phone number"),
        ('{line: "020 7123 4567"}', "is not a valid phone number"),
        ('{line: "+44 20 7123 4567"}', "not in E.164 form (from the flow's context) (write +442"),
    ],
)
def test_a_number_from_the_context_is_checked_at_load(context: str, says: str) -> None:
    """It validated, even ``--deep``, and every call ended in error at the transfer."""
    for number in ('"{{ line }}"', '"{{ context.line }}"'):
        message = problems(f"{{number: {number}}}", f"context: {context}\n")
        assert "t.yaml:9:" in message and says in message and "context" in message, message
    assert flow('{number: "{{ line }}"}', 'context: {line: "+442071234567"}\n')


def test_a_templated_number_reads_only_known_names() -> None:
    assert "unknown slot 'bak'" in problems('{number: "{{ slots.bak }}"}')


@pytest.mark.parametrize(
    "transfer",
    [
        '{number: "+14155550100", queue: desk}',
        '{number: "+14155550100", agent: bot}',
        "{mode: warm}",
    ],
)
def test_exactly_one_target(transfer: str) -> None:
    assert "exactly one of 'queue', 'agent' or 'number'" in problems(transfer)


def test_no_input_timeouts_per_flow_and_per_state() -> None:
    f = superdialog.loads(
        """
flow: t
start: ask
slots:
  card: {type: digits, prompt: "Card?"}
limits: {no_input_timeout: 3.5}
states:
  ask: {collect: [card], next: bye, no_input_timeout: 20}
  bye: {say: "Bye.", end: completed}
""",
        "t.yaml",
    )
    assert f.spec.limits.no_input_timeout == 3.5 and f.graph.no_input_timeouts == {"ask": 20.0}
    assert (
        superdialog.loads(
            "flow: d\nstart: a\nstates: {a: {say: hi, end: completed}}\n", "d.yaml"
        ).spec.limits.no_input_timeout
        == 5.0
    )


@pytest.mark.parametrize("value", ["0", "-1", "601"])
def test_no_input_timeout_bounds(value: str) -> None:
    with pytest.raises(FlowError) as info:
        superdialog.loads(
            f"flow: t\nstart: a\nlimits: {{no_input_timeout: {value}}}\n"
            "states: {a: {say: hi, end: completed}}\n",
            "t.yaml",
        )
    assert "t.yaml:3:" in str(info.value)


@given(st.text(max_size=20))
def test_e164_check_never_raises_and_accepts_only_its_own_form(text: str) -> None:
    wrong = e164_problem(text)
    if wrong is None:
        assert text.startswith("+") and text[1:].isdigit() and len(text) <= 16
