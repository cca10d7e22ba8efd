"""Loading flow files: located errors, all at once, nothing half-loaded."""

from __future__ import annotations

import pytest

import superdialog
from superdialog import FlowError

GOOD = """\
flow: tiny
start: hello
states:
  hello: {say: "Hi there.", next: bye}
  bye: {say: "Bye.", end: completed}
"""


def problems(text: str, name: str = "f.yaml") -> list[str]:
    with pytest.raises(FlowError) as info:
        superdialog.loads(text, name)
    return [str(p) for p in info.value.problems]


def test_good_flow_loads_and_is_immutable() -> None:
    flow = superdialog.loads(GOOD, "tiny.yaml")
    assert flow.name == "tiny"
    assert set(flow.states) == {"hello", "bye"}
    with pytest.raises(ValueError):  # pydantic ValidationError: the spec is frozen
        flow.spec.flow = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError):  # dataclasses.FrozenInstanceError
        flow.file = "x"  # type: ignore[misc]


def test_yaml_syntax_error_is_located() -> None:
    (msg,) = problems("flow: x\nstates: [a\n", "broken.yaml")
    assert msg.startswith("broken.yaml:3:1: invalid YAML")


def test_unknown_key_with_did_you_mean() -> None:
    text = GOOD.replace("next: bye", "nxt: bye")
    msgs = problems(text)
    assert "f.yaml:4:29: unknown key 'nxt' (did you mean 'next'?)" in msgs


def test_unknown_top_level_key_lists_allowed_keys() -> None:
    msgs = problems(GOOD + "colour: blue\n")
    assert msgs[0].startswith("f.yaml:6:1: unknown key 'colour'")
    assert "allowed:" in msgs[0] and "states" in msgs[0]


def test_wrong_type_is_located_at_the_value() -> None:
    msgs = problems(GOOD.replace('say: "Hi there."', "say: 5"))
    assert msgs == [
        "f.yaml:4:16: states.hello.say: YAML reads an unquoted 5 as a number, not as text: "
        'quote it ("5")'
    ]


def test_duplicate_keys_are_errors() -> None:
    msgs = problems(GOOD + "  bye: {end: completed}\n")
    assert msgs == ["f.yaml:6:3: duplicate key 'bye' (first defined at line 5)"]


def test_missing_required_key() -> None:
    msgs = problems("flow: x\nstates:\n  a: {end: completed}\n")
    assert msgs == ["f.yaml:1:1: missing required key 'start'"]


def test_all_problems_are_reported_at_once() -> None:
    text = """\
flow: many
start: a
states:
  a: {say: hi, next: b, colour: red}
  b: {end: completed, transfer: {queue: q}}
  c: {transitions: [{to: a, when: x, if: y}]}
"""
    msgs = problems(text)
    assert len(msgs) == 3
    assert msgs[0].startswith("f.yaml:4:25: unknown key 'colour'")
    assert "only one of llm / action / use / end / transfer" in msgs[1]
    assert msgs[2].startswith("f.yaml:6:21:") and "only one of when / if / intent" in msgs[2]


def test_error_attributes_point_at_first_problem() -> None:
    with pytest.raises(FlowError) as info:
        superdialog.loads(GOOD.replace("next: bye", "nxt: bye"), "g.yaml")
    err = info.value
    assert (err.file, err.line, err.column) == ("g.yaml", 4, 29)
    assert err.errors == err.problems


def test_empty_and_non_mapping_files() -> None:
    assert problems("") == ["f.yaml:1:1: the file is empty"]
    assert problems("- a\n- b\n") == ["f.yaml:1:1: a flow file must be a mapping of keys"]


def test_merge_keys_rejected() -> None:
    text = GOOD + "x: &a {b: 1}\ny:\n  <<: *a\n"
    msgs = problems(text)
    assert any("merge keys" in m for m in msgs)


def test_load_missing_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FlowError) as info:
        superdialog.load(tmp_path / "nope.yaml")
    assert "cannot read file" in str(info.value)
