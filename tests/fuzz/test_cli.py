"""The ``superdialog`` command on hostile files: located errors and exit 1, never a traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from .seeds import FLOW, HOSTILE_SEEDS, LLM, TEST

LOCATED = re.compile(r"^.+:\d+:\d+: .+")


def _cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "superdialog.cli", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _assert_located_failure(proc: subprocess.CompletedProcess[str], files: int = 1) -> None:
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) >= files
    assert all(LOCATED.match(line) for line in lines), proc.stderr


@pytest.fixture
def hostile(tmp_path: Path) -> dict[str, list[Path]]:
    """Every hostile seed written as a flow, a test file and a scripted-model file."""
    (tmp_path / "tiny.yaml").write_text(FLOW, encoding="utf-8")
    out: dict[str, list[Path]] = {"flow": [], "test": [], "llm": []}
    for name, data in HOSTILE_SEEDS.items():
        if name in ("long_state",):
            continue  # loads fine: long names are valid (see tests/compile)
        for kind, suffix, base in (
            ("flow", ".yaml", FLOW),
            ("test", ".test.yaml", TEST),
            ("llm", ".llm.yaml", LLM),
        ):
            path = tmp_path / f"{name}{suffix}"
            if kind == "flow" or name.startswith(
                ("bomb", "deep", "latin1", "utf16", "nul", "binary")
            ):
                path.write_bytes(data)  # hostile as a whole file
            elif data.startswith(FLOW.encode()):
                path.write_bytes(base.encode() + data[len(FLOW) :])  # the hostile tail
            else:
                continue  # a template / pattern / python: case: only meaningful in a flow
            out[kind].append(path)
    return out


def test_validate_reports_every_hostile_file_located(
    tmp_path: Path, hostile: dict[str, list[Path]]
) -> None:
    files = [p for paths in hostile.values() for p in paths]
    failing = [p for p in files if not p.name.startswith(("power", "repeat", "center"))]
    proc = _cli("validate", *files, cwd=tmp_path)
    _assert_located_failure(proc, files=len(failing))
    for path in failing:
        assert f"{path}:" in proc.stderr, path
    # templates that would blow up are not evaluated at load: those flows are valid
    assert proc.stdout.count("OK ") == len(files) - len(failing)


@pytest.mark.parametrize("name", ["bomb_470", "deep_flow_seq", "latin1", "tags", "deep_template"])
def test_render_and_chat_report_located_errors(
    tmp_path: Path, hostile: dict[str, list[Path]], name: str
) -> None:
    path = tmp_path / f"{name}.yaml"
    script = tmp_path / "lines.txt"
    script.write_text("hello\n", encoding="utf-8")
    _assert_located_failure(_cli("render", path, "-o", tmp_path / "out.svg", cwd=tmp_path))
    _assert_located_failure(_cli("chat", path, "--script", script, "-q", cwd=tmp_path))


def test_chat_with_a_hostile_scripted_model_reports_it(
    tmp_path: Path, hostile: dict[str, list[Path]]
) -> None:
    flow = tmp_path / "tiny.yaml"
    for path in hostile["llm"][:4]:
        proc = _cli("chat", flow, "--llm", f"scripted:{path}", "--script", flow, cwd=tmp_path)
        _assert_located_failure(proc)


def test_test_command_reports_hostile_test_files(
    tmp_path: Path, hostile: dict[str, list[Path]]
) -> None:
    proc = _cli("test", *hostile["test"], cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    for path in hostile["test"]:
        assert f"{path}:" in proc.stdout + proc.stderr, path


def test_unreadable_arguments_are_messages_not_tracebacks(tmp_path: Path) -> None:
    flow = tmp_path / "tiny.yaml"
    flow.write_text(FLOW, encoding="utf-8")
    for args in (
        ("validate", tmp_path / "missing.yaml"),
        ("validate", tmp_path / "no-such-folder"),
        ("validate", tmp_path / "tiny.yaml" / "x"),  # a file used as a folder
        ("render", flow, "-o", tmp_path / "x.svg", "--trace", tmp_path / "missing.json"),
        ("chat", flow, "--script", tmp_path / "missing.txt"),
    ):
        proc = _cli(*args, cwd=tmp_path)
        _assert_located_failure(proc)
    proc = _cli("chat", flow, "--data", "{not json", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "--data is not JSON" in proc.stderr


def test_validate_runs_no_flow_code_unless_asked(tmp_path: Path) -> None:
    marker = tmp_path / "ran.txt"
    (tmp_path / "code.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n", encoding="utf-8"
    )
    flow = tmp_path / "f.yaml"
    flow.write_text(FLOW + "python: [code.py]\n", encoding="utf-8")
    proc = _cli("validate", flow, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert not marker.exists()
    proc = _cli("render", flow, "-o", tmp_path / "f.mmd", cwd=tmp_path)
    assert not marker.exists()
    proc = _cli("validate", "--run-code", flow, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert marker.read_text() == "ran"


def test_validate_refuses_code_outside_the_flows_folder(tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("raise SystemExit('must never run')\n", encoding="utf-8")
    folder = tmp_path / "flows"
    folder.mkdir()
    flow = folder / "f.yaml"
    flow.write_text(FLOW + f"python: [{outside}, ../outside.py]\n", encoding="utf-8")
    for extra in ((), ("--run-code",)):
        proc = _cli("validate", *extra, flow, cwd=tmp_path)
        _assert_located_failure(proc, files=2)
        assert f"{flow}:6:10: python file '{outside}' is an absolute path" in proc.stderr
        assert "python file '../outside.py' is outside the flow's folder" in proc.stderr


BROKEN_CODE = {
    "raises.py": (
        "raise RuntimeError('no db at 10.20.30.40 for card 4111 1111 1111 1111')\n",
        "importing 'raises.py' failed: RuntimeError: no db at [redacted]",
    ),
    "exits.py": ("import sys\nsys.exit(3)\n", "importing 'exits.py' called sys.exit(3)"),
    "syntax.py": ("def x(:\n", "'syntax.py'"),
    "imports.py": ("import no_such_module_zz\n", "ModuleNotFoundError"),
}


@pytest.mark.parametrize("name", sorted(BROKEN_CODE))
def test_chat_with_broken_python_files_says_so_located(tmp_path: Path, name: str) -> None:
    """A file that exits at import ended 'chat' with no word; an error's text came in clear."""
    code, message = BROKEN_CODE[name]
    (tmp_path / name).write_text(code, encoding="utf-8")
    flow = tmp_path / "f.yaml"
    flow.write_text(FLOW + f"python: [{name}]\n", encoding="utf-8")
    proc = _cli("chat", flow, "--script", flow, cwd=tmp_path)  # validate --run-code: same import
    _assert_located_failure(proc)
    assert message in proc.stderr, proc.stderr
    assert "4111" not in proc.stderr and "10.20.30.40" not in proc.stderr


def test_chat_prints_a_call_warning_as_one_line_without_frames(tmp_path: Path) -> None:
    """The call's warning carries stack frames for a log file; chat printed them as a traceback."""
    (tmp_path / "acts.py").write_text(
        "import superdialog\nsuperdialog.action('x')(42)\n", encoding="utf-8"
    )
    flow = tmp_path / "f.yaml"
    flow.write_text(
        "flow: f\npython: [acts.py]\nstart: a\nstates:\n"
        "  a: {action: {call: x}, next: b}\n  b: {say: hi, end: completed}\n",
        encoding="utf-8",
    )
    (tmp_path / "lines.txt").write_text("hello\n", encoding="utf-8")
    proc = _cli("chat", flow, "--script", tmp_path / "lines.txt", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "! error in a: ActionError" in proc.stdout
    assert "call f: ActionError in state a" in proc.stderr
    assert 'File "' not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
