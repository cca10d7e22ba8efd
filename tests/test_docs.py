"""Every code block in the docs runs: Python, shell commands, and the files they write.

Conventions (see docs/quickstart.md):
* a block whose first line is ``# file: NAME`` is written to NAME in the doc's work dir;
* ``python`` blocks run in one namespace per document (top-level ``await`` allowed);
* ``bash`` blocks run line by line; ``make …`` lines are skipped (the suite itself is
  what they run), ``superdialog …`` runs the installed command, ``chat`` gets ``/quit``
  on stdin when it has no ``--script``;
* ``text``, ``yaml`` without a file header, ``json`` and other blocks are illustrations.
"""

from __future__ import annotations

import ast
import asyncio
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
BLOCK = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.M | re.S)
BIN = Path(sys.executable).parent


def blocks(path: Path) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in BLOCK.finditer(path.read_text(encoding="utf-8"))]


def run_python(code: str, namespace: dict[str, object]) -> None:
    compiled = compile(code, "<doc>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = eval(compiled, namespace)
    if asyncio.iscoroutine(result):
        asyncio.run(result)


def run_shell(code: str, cwd: Path) -> None:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    for raw in code.replace("\\\n", " ").splitlines():  # join continued lines
        line = raw.split("  #", 1)[0].strip()
        if not line or line.startswith("#") or line.startswith("make "):
            continue
        line = line.replace(".venv/bin/", "")
        args = shlex.split(line)
        stdin = "/quit\n" if args[:2] == ["superdialog", "chat"] and "--script" not in args else ""
        proc = subprocess.run(["bash", "-c", line], cwd=cwd, env=env, input=stdin,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, f"`{line}` failed:\n{proc.stdout}\n{proc.stderr}"


@pytest.mark.parametrize("doc", DOCS, ids=[d.name for d in DOCS])
def test_code_blocks_run(doc: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    shutil.copytree(ROOT / "flows", work / "flows")
    shutil.copytree(ROOT / "docs", work / "docs")
    shutil.copy(ROOT / "flow.schema.json", work / "flow.schema.json")
    namespace: dict[str, object] = {"__name__": "__doc__"}
    old = Path.cwd()
    os.chdir(work)
    try:
        for lang, code in blocks(doc):
            first = code.split("\n", 1)[0]
            if first.startswith("# file: "):
                (work / first.removeprefix("# file: ").strip()).write_text(code,
                                                                          encoding="utf-8")
                continue
            if lang == "python":
                run_python(code, namespace)
            elif lang in ("bash", "sh", "console"):
                run_shell(code, work)
    finally:
        os.chdir(old)
