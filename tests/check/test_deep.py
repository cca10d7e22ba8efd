"""``validate --deep``: a bounded walk that renders every template and tries every outcome."""

from __future__ import annotations

import textwrap

import superdialog
from superdialog.compile.check.deep import DeepReport, deep_walk

AGE = """\
flow: t
slots:
  age: {type: number}
global:
  - {intent: human, goto: check}
start: greet
states:
  greet: {say: "Hi", collect: [age], next: check}
  check:
    transitions:
      - {if: "slots.age >= 18", to: adult}
      - {to: minor}
  adult: {say: "Next year you are {{ slots.age + 1 }}.", end: completed}
  minor: {say: "Minor", end: completed}
"""


def walk(text: str, **kw: int) -> DeepReport:
    flow = superdialog.loads(textwrap.dedent(text), "f.yaml", run_code=False)
    return deep_walk(flow, **kw)


def test_finds_paths_that_fail_by_themselves_with_the_path() -> None:
    report = walk(AGE)
    found = {f.state: f for f in report.findings}
    assert found["check"].path == "'greet' → (global human) → 'check'"
    assert "slots.age >= 18" in found["check"].message
    assert "adult" in found
    assert report.complete


def test_a_sound_flow_has_no_findings_and_is_fully_walked() -> None:
    text = AGE.replace("  - {intent: human, goto: check}\n", "  - {intent: human, goto: minor}\n")
    report = walk(text)
    assert report.findings == []
    assert report.unreached == []


def test_action_outcomes_success_and_failure_are_both_tried() -> None:
    text = """\
flow: t
start: a
states:
  a:
    action: {call: f, result: r, returns: {n: number}}
    next: ok
    on_error: failed
  ok: {say: "{{ results.r.n * 2 }}", end: completed}
  failed: {say: "{% if results.r is defined %}{{ results.r.n }}{% endif %}", end: completed}
"""
    report = walk(text)
    assert report.findings == []
    assert {"ok", "failed"} <= report.reached


def test_results_without_a_shape_are_reported_unverified_not_failed() -> None:
    text = """\
flow: t
start: a
states:
  a: {action: {call: f, result: r}, next: ok, on_error: ok}
  ok: {say: "{% if results.r is defined %}{{ results.r.total + 1 }}{% endif %}", end: completed}
"""
    report = walk(text)
    assert report.findings == []


def test_the_walk_is_bounded_and_says_so() -> None:
    blocks = []
    for i in range(12):
        blocks.append(
            f"  a{i}: {{action: {{call: f, result: r{i}}}, next: a{i + 1}, on_error: a{i + 1}}}\n"
        )
    text = "flow: t\nstart: a0\nstates:\n" + "".join(blocks)
    text += "  a12: {say: Bye, end: completed}\n"
    report = walk(text, max_configs=100, per_state=4)
    assert not report.complete
    assert report.configs <= 100
    assert report.unreached == []  # the per-state cap keeps breadth


def test_never_mind_and_digressions_are_walked() -> None:
    text = """\
flow: t
intents:
  hours: {phrases: [opening hours]}
global:
  - {intent: hours, call: faq}
on_cancel: {say: "Cancelled {{ results.r.id }}.", to: done}
start: greet
states:
  greet: {say: "Hi", listen: true, next: lookup}
  lookup: {action: {call: f, result: r, returns: {id: text}}, next: done, on_error: done}
  done: {say: "Bye", end: completed}
  faq: {say: "We open at 9.", return: true}
"""
    try:
        superdialog.loads(textwrap.dedent(text), "f.yaml", run_code=False)
    except superdialog.FlowError as exc:
        assert "(never mind)" in str(exc) or "reads results.r" in str(exc)
    else:  # pragma: no cover - the load must refuse it
        raise AssertionError("a never-mind line reading a missing result loaded")
    sound = text.replace("Cancelled {{ results.r.id }}.", "Cancelled.")
    report = walk(sound)
    assert report.findings == []
    assert "faq" in report.reached and report.unreached == []
