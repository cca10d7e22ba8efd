"""``superdialog validate``: folders, warnings, --deep, exit codes, located messages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from superdialog.cli.main import main

ROOT = Path(__file__).resolve().parents[2]

BROKEN = """\
flow: t
context: {pharmacy: {name: X}}
start: a
states:
  a: {say: "{{ pharmacy.nmae }}", end: completed}
"""

DEEP_ONLY = """\
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
      - {to: adult}
  adult: {say: "Bye", end: completed}
"""


def test_validate_a_folder_recursively(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(ROOT / "flows", tmp_path / "flows")
    (tmp_path / "flows" / "deeper").mkdir()
    (tmp_path / "flows" / "deeper" / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    (tmp_path / "flows" / "deeper" / "ci.yaml").write_text("jobs: {}\n", encoding="utf-8")
    assert main(["validate", str(tmp_path / "flows")]) == 1
    out, err = capsys.readouterr()
    assert "OK " in out and "dental_booking.yaml" in out and "lost_card.test.yaml" in out
    assert "broken.yaml:5:" in err and "has no key 'nmae'" in err
    assert "ci.yaml" not in out + err  # not a flow: not ours to judge


def test_example_flows_validate(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--deep", str(ROOT / "flows")]) == 0
    _, err = capsys.readouterr()
    assert "deep:" in err


def test_deep_fails_a_path_that_fails_by_itself(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(DEEP_ONLY, encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    _, err = capsys.readouterr()
    assert "warning: state 'check' reads slots.age" in err
    assert main(["validate", "--deep", str(path)]) == 1
    _, err = capsys.readouterr()
    assert "'greet' → (global human) → 'check'" in err
    assert "fails: TypeError" in err


def test_llm_state_without_endpoint_is_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    path = tmp_path / "f.yaml"
    path.write_text(
        "flow: t\nstart: a\nstates:\n  a: {llm: Talk., next: b}\n  b: {end: completed}\n",
        encoding="utf-8",
    )
    assert main(["validate", str(path)]) == 0
    _, err = capsys.readouterr()
    assert f"{path}:4:" in err and "no model endpoint is configured" in err
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    assert main(["validate", str(path)]) == 0
    assert "no model endpoint" not in capsys.readouterr().err


def test_missing_folder_is_reported(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["validate", str(tmp_path / "nowhere") + "/"]) == 1
    assert "no such file or folder" in capsys.readouterr().err


def test_scripted_model_file_is_checked_against_its_flow(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(ROOT / "flows" / "support_triage.yaml", tmp_path / "support_triage.yaml")
    script = (ROOT / "flows" / "support_triage.llm.yaml").read_text(encoding="utf-8")
    broken = script.replace("state: triage", "state: triag").replace(
        "goto: tech_check", "goto: tech_chek"
    )
    (tmp_path / "support_triage.llm.yaml").write_text(broken, encoding="utf-8")
    assert main(["validate", str(tmp_path / "support_triage.llm.yaml")]) == 1
    err = capsys.readouterr().err
    assert err.count("unknown state 'triag': this rule never matches (did you mean 'triage'?)") == 4
    assert "unknown state 'tech_chek'" in err


def test_a_test_file_reports_every_problem_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(ROOT / "flows" / "support_triage.yaml", tmp_path / "support_triage.yaml")
    (tmp_path / "a.test.yaml").write_text(
        "flow: support_triage.yaml\n"
        "conversations:\n"
        "  - name: one\n"
        "    turns:\n"
        "      - {user: hi, state: triag, stat: x}\n"
        "  - name: two\n"
        "    turns:\n"
        "      - {user: hi, state: billing_agnt}\n",
        encoding="utf-8",
    )
    assert main(["validate", str(tmp_path / "a.test.yaml")]) == 1
    err = capsys.readouterr().err
    assert "unknown key 'stat'" in err  # its own shape ...
    assert "unknown state 'triag'" in err  # ... and against the flow, in one pass
    assert "unknown state 'billing_agnt'" in err


@pytest.mark.parametrize("data", ["[1]", '"x"', "3", "null"])
def test_chat_data_that_is_not_an_object_is_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: str
) -> None:
    """``--data '[1]'`` was 'internal error: TypeError: cannot convert dictionary update ...'."""
    flow = tmp_path / "f.yaml"
    flow.write_text(
        "flow: f\nstart: a\nstates:\n  a: {say: Hi, end: completed}\n", encoding="utf-8"
    )
    code = main(["chat", str(flow), "--data", data, "--script", str(flow)])
    err = capsys.readouterr().err
    if data == "null":  # no data at all
        assert code == 0, err
        return
    assert code == 2 and "--data must be a JSON object" in err and "internal error" not in err
