"""Break the fresh flows the way a new team does, and check what they are told.

Every mutant of :mod:`tests.fresh.mutants` is written beside a copy of the
fresh flows (so ``python:``, ``use:`` and message files still resolve) and
loaded as ``superdialog validate`` loads it (no flow code runs). A mutant must
either load (when the change must not matter) or fail with a ``FlowError``
whose every problem is located in a real file, and one problem on the mutated
line must say what the mutation broke, in words a newcomer can act on —
never pydantic's or jinja's internals. A sample of mutants also goes through
the ``superdialog validate`` command: exit 1, located lines, no traceback.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import superdialog

from .mutants import MUTATIONS, Mutant

HERE = Path(__file__).resolve().parent
FLOWS = HERE / "flows"
FLOW_FILES = sorted(
    p for p in FLOWS.glob("*.yaml") if not p.name.endswith((".test.yaml", ".llm.yaml", ".es.yaml"))
)
INTERNALS = re.compile(
    r"union\[|function-after|instance of|constrained-str|\[key\]|Input should be a valid dict"
    r"|Traceback|object at 0x|<class |NoneType"
)
"""What a newcomer should never have to read: the internals of pydantic, jinja, Python."""


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the fresh flows, to write mutants beside."""
    out = tmp_path_factory.mktemp("fresh") / "flows"
    shutil.copytree(FLOWS, out, ignore=shutil.ignore_patterns("__pycache__"))
    return out


def _write(path: Path, mutant: Mutant) -> None:
    if mutant.raw is not None:
        path.write_bytes(mutant.raw)
    else:
        path.write_text(mutant.text, encoding="utf-8", newline="")


def violations(mutant: Mutant, path: Path) -> list[str]:
    """What is wrong with how the loader treats ``mutant`` (written at ``path``)."""
    _write(path, mutant)
    try:
        flow = superdialog.load(path, run_code=False)
    except superdialog.FlowError as err:
        if mutant.loads:
            return [f"refused a harmless change: {err}"]
        out: list[str] = []
        for p in err.problems:
            if p.line < 1 or p.column < 1 or not Path(p.file).name:
                out.append(f"unlocated: {p}")
            if INTERNALS.search(str(p)):
                out.append(f"internals in the message: {p}")
        said = [f"{p.message} ({p.hint})" for p in err.problems if p.file == str(path)]
        at = [
            f"{p.message} ({p.hint})"
            for p in err.problems
            if p.file == str(path) and (mutant.line is None or p.line == mutant.line)
        ]
        if not any(re.search(mutant.message, m) for m in at):
            out.append(f"line {mutant.line} not reported as /{mutant.message}/: {said}")
        return out
    except Exception as exc:  # any other exception is a bug: it escapes the CLI's handling
        return [f"{type(exc).__name__}: {exc}"]
    if not mutant.loads:
        return [f"accepted a broken flow ({flow.name})"]
    return []


@settings(
    max_examples=260,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    flow=st.sampled_from(FLOW_FILES),
    operator=st.sampled_from(sorted(MUTATIONS)),
    seed=st.integers(0, 2**32 - 1),
)
def test_mutants_are_refused_where_they_are_wrong(
    folder: Path, flow: Path, operator: str, seed: int
) -> None:
    original = (folder / flow.name).read_text(encoding="utf-8")
    mutant = MUTATIONS[operator](original, random.Random(seed))
    if mutant is None:
        return  # nothing this operator can break in this flow
    problems = violations(mutant, folder / f"mutant_{flow.name}")
    assert not problems, (operator, flow.name, problems)


def _cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "superdialog.cli", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_validate_command_reports_mutants_located_without_a_traceback(folder: Path) -> None:
    rnd = random.Random(20261201)
    written: list[Path] = []
    for flow in FLOW_FILES:
        original = (folder / flow.name).read_text(encoding="utf-8")
        for name, mutation in sorted(MUTATIONS.items()):
            mutant = mutation(original, rnd)
            if mutant is None or mutant.loads:
                continue
            path = folder / f"cli_{name}_{flow.name}"
            _write(path, mutant)
            written.append(path)
    proc = _cli("validate", *written, cwd=folder)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    located = re.compile(r"^.+\.yaml:\d+:\d+: (warning: )?.+")
    errors = [line for line in proc.stderr.splitlines() if line and not line.startswith("deep:")]
    assert all(located.match(line) for line in errors), [
        line for line in errors if not located.match(line)
    ]
    for path in written:
        assert f"{path.name}:" in proc.stderr, path.name
    assert "OK " not in proc.stdout, proc.stdout


MESSAGES = FLOWS / "survey.es.yaml"
ENTRIES = [
    (i, line)
    for i, line in enumerate(MESSAGES.read_text(encoding="utf-8").splitlines(), 1)
    if line and not line.startswith("#")
]


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    entry=st.sampled_from(ENTRIES),
    how=st.sampled_from(["typo", "drop", "mapping", "next"]),
    seed=st.integers(0, 2**16),
)
def test_message_file_mistakes_name_the_file_and_the_entry(
    folder: Path, entry: tuple[int, str], how: str, seed: int
) -> None:
    """A translator's slips in a message file: each is located, in that file or naming it."""
    number, line = entry
    key, _, value = line.partition(": ")
    lines = MESSAGES.read_text(encoding="utf-8").splitlines()
    if how == "typo":
        from .mutants import typo

        part = key.split(".")
        bad = typo(part[1], random.Random(seed), {part[1]}) if len(part) > 1 else None
        if bad is None:
            return
        lines[number - 1] = ".".join([part[0], bad, *part[2:]]) + ": " + value
        expect = (
            f"{key.split('.')[0]}",
            rf"unknown text path '{re.escape(lines[number - 1].partition(': ')[0])}'",
        )
    elif how == "drop":
        del lines[number - 1]
        expect = ("", rf"missing translation for 'es'.*add '{re.escape(key)}: \.\.\.' to")
    elif how == "mapping":
        lines[number - 1] = f"{key}: {{en: x, es: {value}}}"
        expect = ("", r"per-language|one language|a mapping")
    else:
        head = key.rsplit(".", 1)[0]
        lines.append(f"{head}.next: nowhere")
        expect = ("", r"not a spoken text|unknown text path")
    (folder / "survey.es.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        with pytest.raises(superdialog.FlowError) as err:
            superdialog.load(folder / "survey.yaml", run_code=False)
        said = [f"{p.message} ({p.hint})" for p in err.value.problems]
        assert any(re.search(expect[1], m) for m in said), (how, line, said)
        for p in err.value.problems:
            assert p.line >= 1 and p.column >= 1 and not INTERNALS.search(str(p)), p
    finally:
        (folder / "survey.es.yaml").write_text(
            MESSAGES.read_text(encoding="utf-8"), encoding="utf-8"
        )
