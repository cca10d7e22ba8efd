"""Graph and template checks at load: every problem located, with hints."""

from __future__ import annotations

import pytest

import superdialog
from superdialog import FlowError


def problems(text: str) -> list[str]:
    with pytest.raises(FlowError) as info:
        superdialog.loads(text, "f.yaml")
    return [str(p) for p in info.value.problems]


BASE = """\
flow: t
start: a
slots:
  age: {type: number}
context:
  shop: {name: Acme}
states:
"""


def test_unknown_target_with_did_you_mean() -> None:
    msgs = problems(BASE + "  a: {say: hi, next: bey}\n  bye: {end: completed}\n")
    assert "f.yaml:8:22: unknown state 'bey' (did you mean 'bye'?)" in msgs


def test_missing_start_state() -> None:
    msgs = problems(BASE.replace("start: a", "start: greet") + "  a: {end: completed}\n")
    assert msgs[0].startswith("f.yaml:2:8: start state 'greet' does not exist")


def test_unreachable_state() -> None:
    msgs = problems(BASE + "  a: {end: completed}\n  lonely: {end: completed}\n")
    assert msgs == ["f.yaml:9:11: state 'lonely' is unreachable from 'a' "
                    "(remove it or add a transition to it)"]


def test_dead_end() -> None:
    msgs = problems(BASE + "  a: {say: hello}\n")
    assert any("dead end" in m and m.startswith("f.yaml:8:6") for m in msgs)


def test_busy_cycle_without_waiting() -> None:
    msgs = problems(BASE + "  a: {say: one, next: b}\n  b: {say: two, next: a}\n")
    assert any("loop without waiting for the caller: a → b → a" in m for m in msgs)


def test_cycle_through_a_listening_state_is_fine() -> None:
    flow = superdialog.loads(
        BASE + "  a: {say: one, next: b}\n  b: {say: two, listen: true, next: a}\n", "f.yaml"
    )
    assert flow.states["b"].listens and not flow.states["a"].listens


def test_cycle_back_to_a_filled_collect_state_is_refused() -> None:
    # b asks for age once; the second time round age is filled and b passes on, so
    # a → b → a spins (at run time: six passes, then the error apology)
    msgs = problems(BASE + "  a: {say: one, next: b}\n  b: {collect: [age], next: a}\n")
    assert any("loop without waiting" in m and "'b' collects age, already filled" in m
               for m in msgs)


def test_unknown_slot_in_collect_and_template() -> None:
    msgs = problems(BASE + "  a: {collect: [agee], say: 'You are {{ slots.ag }}', next: z}\n"
                    "  z: {end: completed}\n")
    assert any("unknown slot 'agee' (did you mean 'age'?)" in m for m in msgs)
    assert any("unknown slot 'ag' in template (did you mean 'age'?)" in m for m in msgs)


def test_unknown_template_name_and_context() -> None:
    msgs = problems(BASE + "  a: {say: '{{ shopp.name }} {{ context.shap }}', end: completed}\n")
    assert any("unknown name 'shopp' in template (did you mean 'shop'?)" in m for m in msgs)
    assert any("unknown context value 'shap' in template (did you mean 'shop'?)" in m
               for m in msgs)


def test_template_syntax_error() -> None:
    msgs = problems(BASE + "  a: {say: 'Hi {{ slots.age ', end: completed}\n")
    assert any("template syntax error" in m and m.startswith("f.yaml:8:") for m in msgs)


def test_bad_if_expression() -> None:
    msgs = problems(BASE + "  a:\n    transitions:\n      - {if: 'slots.age >>> 3', to: z}\n"
                    "      - {to: z}\n  z: {end: completed}\n")
    assert any("expression syntax error" in m and m.startswith("f.yaml:10:") for m in msgs)


def test_branch_without_otherwise() -> None:
    msgs = problems(BASE + "  a:\n    transitions:\n      - {if: 'slots.age > 3', to: z}\n"
                    "  z: {end: completed}\n")
    assert any("no way out when no condition holds" in m for m in msgs)


def test_when_needs_llm_state() -> None:
    msgs = problems(BASE + "  a:\n    say: hi\n    transitions:\n"
                    "      - {when: the caller is happy, to: z}\n  z: {end: completed}\n")
    assert any("'when' conditions are judged by the model" in m for m in msgs)


def test_unknown_end_reason_and_intent() -> None:
    msgs = problems(BASE + "  a:\n    say: hi\n    transitions:\n      - {intent: hepl, to: z}\n"
                    "  z: {end: complete}\n")
    assert any("unknown intent 'hepl' (did you mean 'help'?)" in m for m in msgs)
    assert any("unknown end reason 'complete' (did you mean 'completed'?)" in m for m in msgs)


def test_custom_end_reason_declared() -> None:
    flow = superdialog.loads(BASE + "  a: {end: resolved}\nend_reasons: [resolved]\n", "f.yaml")
    assert flow.states["a"].end_reason == "resolved"


def test_unknown_slot_type_hint() -> None:
    msgs = problems(BASE.replace("type: number", "type: numbr") + "  a: {end: completed}\n")
    assert any(m.startswith("f.yaml:4:15:") and "number" in m for m in msgs)


def test_state_kinds_are_inferred() -> None:
    text = BASE + """\
  a: {say: hi, next: b}
  b: {collect: [age], next: c}
  c:
    transitions:
      - {if: 'slots.age >= 18', to: d}
      - {to: e}
  d: {action: {call: noop}, next: e}
  e: {llm: chat, transitions: [{when: done, to: f}]}
  f: {transfer: {queue: humans}}
"""
    flow = superdialog.loads(text, "f.yaml")
    kinds = {n: s.kind for n, s in flow.states.items()}
    assert kinds == {"a": "speak", "b": "collect", "c": "branch", "d": "action", "e": "llm",
                     "f": "transfer"}
    assert flow.states["e"].edges[0].tool_name == "goto_f"
    assert flow.states["f"].end_reason == "transferred"


def test_subflow_is_inlined(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "sub.yaml").write_text(
        "flow: sub\nstart: ask\nslots: {n: {type: number}}\nstates:\n"
        "  ask: {collect: [n], next: done}\n  done: {say: thanks, end: completed}\n"
    )
    (tmp_path / "main.yaml").write_text(
        "flow: main\nstart: go\nstates:\n  go: {use: sub.yaml, next: bye}\n"
        "  bye: {end: completed}\n"
    )
    flow = superdialog.load(tmp_path / "main.yaml")
    assert set(flow.states) == {"go", "go.ask", "go.done", "bye"}
    assert flow.states["go.done"].next_edge is not None
    assert flow.states["go.done"].next_edge.dst == "bye"
    assert flow.states["go.ask"].cluster == "go"
    assert "n" in flow.slots


def test_subflow_cancel_and_digression_targets_are_its_own(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # a sub-flow's on_cancel (a state or {say, to}) and a rule's call: name its own states
    (tmp_path / "sub.yaml").write_text(
        "flow: sub\nstart: ask\nslots: {n: {type: number}}\nstates:\n"
        "  ask:\n    collect: [n]\n    next: again\n    on_cancel: {say: Fine., to: done}\n"
        "    global: [{intent: help, call: hours}]\n"
        "  again: {collect: [n], next: done, on_cancel: done}\n"
        "  hours: {say: We open at nine., return: true}\n"
        "  done: {say: thanks, end: completed}\n"
    )
    (tmp_path / "main.yaml").write_text(
        "flow: main\nstart: go\nstates:\n  go: {use: sub.yaml, next: bye}\n"
        "  bye: {end: completed}\n"
    )
    flow = superdialog.load(tmp_path / "main.yaml")
    ask = flow.states["go.ask"]
    assert ask.cancel_edge is not None and ask.cancel_edge.dst == "go.done"
    assert [g.call for g in ask.globals if g.call] == ["go.hours"]
    again = flow.states["go.again"].cancel_edge
    assert again is not None and again.dst == "go.done"


def test_subflow_errors_are_located_in_the_subflow(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "sub.yaml").write_text("flow: sub\nstart: a\nstates:\n  a: {say: x, nxt: b}\n")
    (tmp_path / "main.yaml").write_text(
        "flow: main\nstart: go\nstates:\n  go: {use: sub.yaml, next: bye}\n"
        "  bye: {end: completed}\n"
    )
    with pytest.raises(FlowError) as info:
        superdialog.load(tmp_path / "main.yaml")
    assert str(info.value.problems[0]).startswith(f"{tmp_path / 'sub.yaml'}:4:15: unknown key")


def test_compiled_flow_is_cached_by_content() -> None:
    text = BASE + "  a: {end: completed}\n"
    assert superdialog.loads(text, "f.yaml") is superdialog.loads(text, "f.yaml")


def test_static_templates_compile_to_plain_text() -> None:
    flow = superdialog.loads(BASE + "  a: {say: Hello there, end: completed}\n", "f.yaml")
    assert flow.states["a"].say[0].static == "Hello there"
