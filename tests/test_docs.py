"""Every code block in the docs runs: Python, shell commands, and the files they write.

Conventions (see docs/quickstart.md):
* a block whose first line is ``# file: NAME`` is written to NAME in the doc's work dir;
* ``python`` blocks run in one namespace per document (top-level ``await`` allowed);
* ``bash`` blocks run line by line; ``make …`` lines are skipped (the suite itself is
  what they run), ``superdialog …`` runs the installed command, ``chat`` gets ``/quit``
  on stdin when it has no ``--script``;
* a ``text`` block that directly follows a ``python`` block (nothing between them but a
  word like "prints") is that block's expected standard output, compared line by line
  (trailing spaces and durations such as ``0.04 s`` ignored);
* other ``text``, ``yaml`` without a file header, ``json`` and other blocks are illustrations.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import io
import logging
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
BLOCK = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.M | re.S)
LEAD_IN = re.compile(r"^\s*(?:(?:it\s+)?prints:?|output:?)?\s*$", re.I)
BIN = Path(sys.executable).parent


def blocks(path: Path) -> list[tuple[str, str, str | None]]:
    """``(language, code, expected output)``: the output is the ``text`` block right after."""
    text = path.read_text(encoding="utf-8")
    found = list(BLOCK.finditer(text))
    out: list[tuple[str, str, str | None]] = []
    for i, m in enumerate(found):
        expected = None
        nxt = found[i + 1] if i + 1 < len(found) else None
        if (m.group(1) == "python" and nxt is not None and nxt.group(1) == "text"
                and LEAD_IN.match(text[m.end():nxt.start()])):
            expected = nxt.group(2)
        out.append((m.group(1), m.group(2), expected))
    return out


DURATION = re.compile(r"\b\d+(?:\.\d+)? ?(?:ms|s)\b")


def same_output(got: str, expected: str) -> bool:
    """Line by line, trailing spaces and measured durations aside."""
    def lines(t: str) -> list[str]:
        return [DURATION.sub("<t>", line.rstrip()) for line in t.strip("\n").splitlines()]

    return lines(got) == lines(expected)


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


@pytest.fixture
def logging_restored() -> Iterator[None]:
    """What a doc does to loggers (a filter on the SDK's, a level) stays inside that doc."""
    def loggers() -> list[logging.Logger]:
        found = [logging.getLogger(n) for n in list(logging.Logger.manager.loggerDict)]
        return [logging.getLogger(), *found]

    saved = {lg: (list(lg.filters), list(lg.handlers), lg.level, lg.propagate, lg.disabled)
             for lg in loggers()}
    yield
    for lg in loggers():
        filters, handlers, level, propagate, disabled = saved.get(
            lg, ([], [], logging.NOTSET, True, False))
        lg.filters[:] = filters
        lg.handlers[:] = handlers
        lg.setLevel(level)
        lg.propagate, lg.disabled = propagate, disabled


@pytest.mark.usefixtures("logging_restored")
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
        for lang, code, expected in blocks(doc):
            first = code.split("\n", 1)[0]
            if first.startswith("# file: "):
                (work / first.removeprefix("# file: ").strip()).write_text(code,
                                                                          encoding="utf-8")
                continue
            if lang == "python":
                printed = io.StringIO()
                with contextlib.redirect_stdout(printed):
                    run_python(code, namespace)
                if expected is not None:
                    assert same_output(printed.getvalue(), expected), (
                        f"{doc.name}: the block printed\n{printed.getvalue()}\n"
                        f"but the doc says\n{expected}\nfor\n{code}")
            elif lang in ("bash", "sh", "console"):
                run_shell(code, work)
    finally:
        os.chdir(old)
