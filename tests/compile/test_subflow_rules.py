"""Sub-flows that are whole flows of their own: their intents, rules and cycles.

Found writing fresh flows: a shared sub-flow that validated on its own (its
``intents:`` and ``global: [{intent: human, goto: agent}]``) was refused when
used — "unknown intent", "state 'sub.agent' is unreachable", "unknown state
'agent'" — because its intents and flow rules were dropped when inlined; and
two flows using each other were reported as "'cyc_b.yaml' includes itself", at
an absolute path, one level late.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import superdialog
from superdialog.testing import RecordingSession

SUB = """\
flow: sub
intents:
  skip: {phrases: [skip it, no texts]}
slots:
  phone: {type: phone}
global:
  - {intent: human, goto: agent}
start: ask
states:
  ask:
    collect: [phone]
    global: [{intent: skip, goto: done}]
    next: done
  done: {say: thanks, end: completed}
  agent: {say: "one moment", transfer: {queue: sub-queue}}
"""

MAIN = """\
flow: main
global:
  - {intent: human, goto: person}
  - {intent: goodbye, goto: bye}
start: hi
states:
  hi: {say: hello, next: sub}
  sub: {use: sub.yaml, next: bye}
  bye: {say: bye, end: completed}
  person: {say: "main desk", transfer: {queue: main-queue}}
"""


def _call(flow: superdialog.Flow, said: str) -> tuple[str, list[str], tuple[object, ...]]:
    async def run() -> tuple[str, list[str], tuple[object, ...]]:
        session = RecordingSession()
        machine = flow.build(session)
        await machine.start()
        await machine.turn(said)
        return machine.node, session.verbs, session.effects[-1].args

    return asyncio.run(run())


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "sub.yaml").write_text(SUB, encoding="utf-8")
    (tmp_path / "main.yaml").write_text(MAIN, encoding="utf-8")
    return tmp_path


def test_a_sub_flow_that_validates_alone_validates_when_used(files: Path) -> None:
    superdialog.load(files / "sub.yaml")
    flow = superdialog.load(files / "main.yaml")
    assert "sub.agent" in flow.states


@pytest.mark.parametrize(
    ("said", "node", "verb", "args"),
    [
        ("get me a human", "sub.agent", "transfer_to_human", ("sub-queue",)),  # its own rule
        ("skip it", "bye", "end", ("completed",)),  # its own intent, via its state's rule
        ("goodbye", "bye", "end", ("completed",)),  # the using flow's rule still applies
    ],
)
def test_sub_flow_rules_apply_in_its_states(
    files: Path, said: str, node: str, verb: str, args: tuple[object, ...]
) -> None:
    flow = superdialog.load(files / "main.yaml")
    assert _call(flow, said) == (node, [*(["say"] * 2), verb], args)


def test_an_intent_declared_differently_in_both_is_an_error(files: Path) -> None:
    main = MAIN + "intents:\n  skip: {phrases: [pass]}\n"
    (files / "main.yaml").write_text(main, encoding="utf-8")
    with pytest.raises(superdialog.FlowError, match="sub-flow intent 'skip' is declared"):
        superdialog.load(files / "main.yaml")


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_flows_using_each_other_are_a_circle_named_in_order(tmp_path: Path, depth: int) -> None:
    names = [f"f{i}.yaml" for i in range(depth)]
    for i, name in enumerate(names):
        target = names[(i + 1) % depth]
        (tmp_path / name).write_text(
            f"flow: f{i}\nstart: s\nstates:\n  s: {{use: {target}, next: done}}\n"
            "  done: {say: bye, end: completed}\n",
            encoding="utf-8",
        )
    with pytest.raises(superdialog.FlowError) as err:
        superdialog.load(tmp_path / names[0])
    [problem] = err.value.problems
    assert problem.message == "sub-flows use each other in a circle: " + " → ".join(
        [*names, names[0]]
    )
    assert (problem.line, problem.column) == (4, 12)


def test_spoken_with_an_unknown_type_is_refused_at_load() -> None:
    text = (
        "flow: f\nslots:\n  zip: {type: postal_code}\nstart: a\nstates:\n"
        "  a: {collect: [zip], next: b}\n"
        "  b: {say: \"{{ slots.zip | spoken('zipcod') }}\", end: completed}\n"
    )
    with pytest.raises(superdialog.FlowError) as err:
        superdialog.loads(text, name="f.yaml")
    [problem] = err.value.problems
    assert (problem.line, problem.column) == (7, 12)  # the say: text
    assert "spoken: unknown slot type 'zipcod'" in problem.message
    assert "postal_code" in problem.message
    superdialog.loads(text.replace("zipcod", "postal_code"), name="f.yaml")


def test_a_misspelt_next_of_a_use_state_is_reported_at_that_next(files: Path) -> None:
    # it was reported inside the sub-flow, at its end: completed (where the return goes)
    (files / "main.yaml").write_text(MAIN.replace("next: bye}", "next: by}"), encoding="utf-8")
    with pytest.raises(superdialog.FlowError) as err:
        superdialog.load(files / "main.yaml")
    [problem] = err.value.problems
    assert Path(problem.file).name == "main.yaml" and problem.line == 8
    assert problem.message == "unknown state 'by'" and problem.hint == "did you mean 'bye'?"


@pytest.mark.parametrize("use", ["/etc/passwd", "../outside.yaml", "inner/../../outside.yaml"])
def test_a_sub_flow_outside_the_flows_folder_is_refused_unread(tmp_path: Path, use: str) -> None:
    """``use: /etc/passwd`` was read (its lines could come back in the problems)."""
    (tmp_path / "outside.yaml").write_text(
        "flow: out\nstart: s\nstates:\n  s: {say: secret, end: completed}\n", encoding="utf-8"
    )
    folder = tmp_path / "flows"
    (folder / "inner").mkdir(parents=True)
    flow = folder / "main.yaml"
    flow.write_text(MAIN.replace("use: sub.yaml", f"use: {use}"), encoding="utf-8")
    with pytest.raises(superdialog.FlowError) as info:
        superdialog.load(flow)
    (problem,) = info.value.problems
    assert (problem.line, problem.message) == (8, f"sub-flow '{use}' is outside the flow's folder")


def test_a_sub_flow_may_name_a_sibling_with_dotdot_inside_the_folder(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "sub.yaml").write_text(SUB, encoding="utf-8")
    (tmp_path / "shared" / "wrap.yaml").write_text(
        "flow: wrap\nstart: w\nstates:\n  w: {use: ../sub.yaml, next: d}\n"
        "  d: {say: done, end: completed}\n",
        encoding="utf-8",
    )
    flow = tmp_path / "main.yaml"
    flow.write_text(MAIN.replace("use: sub.yaml", "use: shared/wrap.yaml"), encoding="utf-8")
    assert "sub.w.ask" in superdialog.load(flow).states
