"""Every example flow and every flow in the docs validates with no errors (and --deep agrees)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import superdialog
from superdialog.compile.check.deep import deep_walk

ROOT = Path(__file__).resolve().parents[2]
FLOW_FILES = sorted(
    p for p in (ROOT / "flows").rglob("*.yaml") if not p.name.endswith((".test.yaml", ".llm.yaml"))
)
BLOCK = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.M | re.S)


def doc_files(work: Path) -> list[Path]:
    """Write every ``# file:`` block of the docs (as tests/test_docs.py does); return flows."""
    flows: list[Path] = []
    for doc in sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")]):
        for match in BLOCK.finditer(doc.read_text(encoding="utf-8")):
            code = match.group(2)
            first = code.split("\n", 1)[0]
            if not first.startswith("# file: "):
                continue
            target = work / first.removeprefix("# file: ").strip()
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(code, encoding="utf-8")
            is_flow = target.suffix == ".yaml" and re.search(r"^states:", code, re.M)
            if is_flow and not target.name.endswith((".test.yaml", ".llm.yaml")):
                flows.append(target)
    return flows


@pytest.mark.parametrize("path", FLOW_FILES, ids=[p.name for p in FLOW_FILES])
def test_example_flows_validate_deeply_with_no_findings(path: Path) -> None:
    flow = superdialog.load(path, run_code=False)
    report = deep_walk(flow)
    assert report.findings == [], "\n".join(map(str, report.findings))
    assert report.unreached == []


def test_every_flow_in_the_docs_loads(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "flows", tmp_path / "flows")
    flows = doc_files(tmp_path)
    assert flows, "the docs hold flow files"
    failures = []
    for path in flows:
        try:
            flow = superdialog.load(path, run_code=False)
        except superdialog.FlowError as exc:
            failures.append(str(exc))
            continue
        failures += [str(f) for f in deep_walk(flow).findings]
    assert failures == []


def test_whole_flows_shown_inline_in_the_docs_load() -> None:
    shown = []
    for doc in sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")]):
        for match in BLOCK.finditer(doc.read_text(encoding="utf-8")):
            code = match.group(2)
            whole = re.search(r"^flow:", code, re.M) and re.search(r"^states:", code, re.M)
            if match.group(1) == "yaml" and whole and not code.startswith("# file:"):
                shown.append(superdialog.loads(code, doc.name, run_code=False))
    assert shown
