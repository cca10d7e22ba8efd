"""Flow code names: misspelt action/validator names warn; sub-flows bring their own code.

Found writing fresh flows: ``call: rx_refil`` (registered as ``rx_refill``)
validated, even with ``--run-code``, and every call that got there took the
error path; and a shared sub-flow with its own ``python:`` files was inlined
without them, so its action states always failed.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import superdialog
from superdialog.compile.check.registrations import registered_in
from superdialog.testing import RecordingSession

ACTIONS = """\
import superdialog

@superdialog.action("NAME")
async def lookup(day: str) -> dict[str, object]:
    return {"ok": True}

@superdialog.validator("VNAME")
def weekday(value: object) -> None:
    return None
"""

FLOW = """\
flow: f
python: [py/acts.py]
slots:
  day: {type: date, validator: VCALL}
start: ask
states:
  ask: {collect: [day], next: look}
  look:
    action: {call: CALL, args: {day: "{{ slots.day }}"}}
    next: done
  done: {say: bye, end: completed}
"""


def _write(tmp: Path, name: str, vname: str, call: str, vcall: str) -> Path:
    (tmp / "py").mkdir(exist_ok=True)
    (tmp / "py" / "acts.py").write_text(
        ACTIONS.replace("VNAME", vname).replace("NAME", name), encoding="utf-8"
    )
    flow = tmp / "f.yaml"
    flow.write_text(FLOW.replace("VCALL", vcall).replace("CALL", call), encoding="utf-8")
    return flow


def test_registered_names_are_found_without_running_the_file() -> None:
    found = registered_in(
        ACTIONS.replace("VNAME", "wk").replace("NAME", "look") + "raise SystemExit\n"
    )
    assert found == {"action": {"look"}, "validator": {"wk"}}


def test_misspelt_names_warn_with_a_did_you_mean(tmp_path: Path) -> None:
    name = f"lookup_{uuid.uuid4().hex[:6]}"
    flow = superdialog.load(
        _write(tmp_path, name, "weekday_x", name[:-1], "weekday_y"), run_code=False
    )
    messages = [f"{w.line}:{w.column} {w.message}" for w in flow.warnings]
    assert (
        f"9:20 action '{name[:-1]}' is not registered by the flow's python: files "
        f"(did you mean '{name}'?)" in messages
    )
    assert any(
        "validator 'weekday_y' is not registered" in m and m.startswith("4:32") for m in messages
    ), messages


def test_registered_names_do_not_warn(tmp_path: Path) -> None:
    name = f"lookup_{uuid.uuid4().hex[:6]}"
    flow = superdialog.load(_write(tmp_path, name, "wk", name, "wk"), run_code=False)
    assert not [w for w in flow.warnings if "not registered" in w.message]


@settings(max_examples=25, deadline=None)
@given(st.from_regex(r"[a-z_][a-z0-9_]{0,20}", fullmatch=True))
def test_any_registered_name_is_found(name: str) -> None:
    source = ACTIONS.replace("VNAME", name).replace("NAME", name)
    assert registered_in(source) == {"action": {name}, "validator": {name}}


def test_a_sub_flows_own_python_files_are_imported(tmp_path: Path) -> None:
    name = f"sub_lookup_{uuid.uuid4().hex[:8]}"
    shared = tmp_path / "shared"
    (shared / "py").mkdir(parents=True)
    (shared / "py" / "acts.py").write_text(
        f'import superdialog\n\n@superdialog.action("{name}")\n'
        "async def look() -> dict[str, object]:\n    return {'ok': True}\n",
        encoding="utf-8",
    )
    (shared / "lookup.yaml").write_text(
        f"flow: lookup\npython: [py/acts.py]\nstart: look\nstates:\n"
        f"  look: {{action: {{call: {name}, result: lk}}, next: done}}\n"
        "  done: {say: looked up, end: completed}\n",
        encoding="utf-8",
    )
    (tmp_path / "main.yaml").write_text(
        "flow: main\nstart: hi\nstates:\n  hi: {say: hello, next: sub}\n"
        "  sub: {use: shared/lookup.yaml, next: bye}\n  bye: {say: bye, end: completed}\n",
        encoding="utf-8",
    )
    flow = superdialog.load(tmp_path / "main.yaml")

    async def call() -> list[str]:
        session = RecordingSession()
        await flow.build(session).start()
        return [str(e.args[0]) for e in session.effects]

    assert asyncio.run(call()) == ["hello", "looked up", "bye", "completed"]


def test_a_sub_flows_missing_python_file_is_located_in_the_sub_flow(tmp_path: Path) -> None:
    (tmp_path / "sub.yaml").write_text(
        "flow: sub\npython: [nope.py]\nstart: a\nstates:\n  a: {say: hi, end: completed}\n",
        encoding="utf-8",
    )
    (tmp_path / "main.yaml").write_text(
        "flow: main\nstart: s\nstates:\n  s: {use: sub.yaml, next: b}\n"
        "  b: {say: bye, end: completed}\n",
        encoding="utf-8",
    )
    with pytest.raises(superdialog.FlowError) as err:
        superdialog.load(tmp_path / "main.yaml")
    [problem] = err.value.problems
    assert problem.file.endswith("sub.yaml") and problem.line == 2
    assert "python file 'nope.py' does not exist" in problem.message
