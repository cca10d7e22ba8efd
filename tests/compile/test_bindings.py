"""``python:`` files: only from inside the flow's folder; ``run_code=False`` runs nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import superdialog
from superdialog import FlowError

FLOW = """\
flow: code
start: hello
states:
  hello: {say: "Hi.", end: completed}
"""


def _flow(folder: Path, python: str) -> Path:
    path = folder / "f.yaml"
    path.write_text(FLOW + f"python: [{python}]\n", encoding="utf-8")
    return path


def _marker_code(path: Path, marker: Path) -> None:
    path.write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n", encoding="utf-8"
    )


@pytest.mark.parametrize("run_code", [True, False])
def test_paths_outside_the_flows_folder_are_refused_before_anything_runs(
    tmp_path: Path, run_code: bool
) -> None:
    marker = tmp_path / "ran"
    _marker_code(tmp_path / "evil.py", marker)
    folder = tmp_path / "flows"
    (folder / "sub").mkdir(parents=True)
    (folder / "link.py").symlink_to(tmp_path / "evil.py")
    cases = [
        (str(tmp_path / "evil.py"), "is an absolute path"),
        ("../evil.py", "is outside the flow's folder"),
        ("sub/../../evil.py", "is outside the flow's folder"),
        ("link.py", "is outside the flow's folder"),  # a symlink pointing out counts as out
        ("~/evil.py", "is an absolute path"),
    ]
    for rel, message in cases:
        with pytest.raises(FlowError) as info:
            superdialog.load(_flow(folder, rel), run_code=run_code)
        (problem,) = info.value.problems
        assert (problem.line, problem.column) == (5, 10)
        assert problem.message == f"python file '{rel}' {message}"
        assert problem.hint is not None and "flow's folder" in problem.hint
    assert not marker.exists()


def test_run_code_false_checks_but_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    (tmp_path / "py").mkdir()
    _marker_code(tmp_path / "py" / "actions.py", marker)
    flow = superdialog.load(_flow(tmp_path, "py/actions.py"), run_code=False)
    assert flow.name == "code" and not marker.exists()
    # the cached flow still runs its code when a caller asks for it
    superdialog.load(tmp_path / "f.yaml")
    assert marker.read_text() == "ran"


def test_run_code_false_reports_syntax_errors_without_running(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("def f(:\n    pass\n", encoding="utf-8")
    with pytest.raises(FlowError) as info:
        superdialog.load(_flow(tmp_path, "broken.py"), run_code=False)
    assert info.value.problems[0].message.startswith("python file 'broken.py' line 1:")
    (tmp_path / "latin.py").write_bytes(b"x = 'caf\xe9'\n")
    with pytest.raises(FlowError) as info:
        superdialog.load(_flow(tmp_path, "latin.py"), run_code=False)
    assert "not UTF-8" in info.value.problems[0].message


def test_loads_resolves_against_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ok.py").write_text("X = 1\n", encoding="utf-8")
    superdialog.loads(FLOW + "python: [ok.py]\n", run_code=False)
    with pytest.raises(FlowError, match="outside the flow's folder"):
        superdialog.loads(FLOW + "python: [../ok.py]\n", run_code=False)
    assert os.getcwd() == str(tmp_path)
