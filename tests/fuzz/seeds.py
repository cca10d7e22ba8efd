"""Hostile inputs and the one rule every file SuperDialog reads must obey.

The rule (:func:`check_outcome`): loading any bytes as a flow, a conversation
test or a scripted-model file either succeeds or raises ``FlowError`` whose
every problem is located (a file name, line >= 1, column >= 1); nothing else
escapes, and no load runs longer than the hang guard.
"""

from __future__ import annotations

import shutil
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import superdialog
from superdialog.errors import FlowError
from superdialog.testing.conversation_spec import load_test_file
from superdialog.testing.llm_server import Script

FLOWS = Path(__file__).resolve().parents[2] / "flows"

HANG_GUARD_S = 2.0
"""Longest one load may take before the fuzz calls it a hang (generous: loads take ms)."""

KINDS = ("flow", "test", "llm")

# A minimal valid file of each kind; ``bad:`` lines are appended to them.
FLOW = """\
flow: tiny
start: hello
states:
  hello: {say: "Hi there.", next: bye}
  bye: {say: "Bye.", end: completed}
"""
TEST = """\
flow: tiny.yaml
conversations:
  - name: greets
    turns: [{user: hi}]
"""
LLM = """\
rules:
  - {state: hello, reply: hi}
"""
BASE = {"flow": FLOW, "test": TEST, "llm": LLM}
FILE_NAME = {"flow": "flow.yaml", "test": "flow.test.yaml", "llm": "flow.llm.yaml"}


class Hang(BaseException):
    """One load ran past the hang guard (a BaseException: nothing in the loader catches it)."""


@contextmanager
def hang_guard(seconds: float = HANG_GUARD_S) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (SIGALRM; the main thread only)."""

    def fire(signum: int, frame: object) -> None:
        raise Hang(f"a single load took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


BOMB_HEAD = "flow: bomb\nstart: a\nstates: {a: {say: hi, end: completed}}\n"


def alias_bomb(levels: int, width: int, size: int, head: str = BOMB_HEAD) -> bytes:
    """A "billion laughs" file of exactly ``size`` bytes: ``width ** levels`` values."""
    lines = [head.rstrip("\n"), f"x0: &x0 [{','.join(['lol'] * width)}]"]
    for i in range(1, levels):
        lines.append(f"x{i}: &x{i} [{','.join([f'*x{i - 1}'] * width)}]")
    text = "\n".join(lines) + "\n"
    pad = size - len(text.encode())
    assert pad >= 2, (len(text), size)
    return (text + "#" + "." * (pad - 2) + "\n").encode()


# The bombs of the issue: without bounds the 422-byte one took ~15 s and 1.5 GB, the
# 470-byte one died with MemoryError after ~50 s.
BOMB_422 = alias_bomb(7, 9, 422)
BOMB_470 = alias_bomb(8, 9, 470)

HOSTILE_SEEDS: dict[str, bytes] = {
    "bomb_422": BOMB_422,
    "bomb_470": BOMB_470,
    "bomb_wide": alias_bomb(4, 60, 1200),
    "deep_flow_seq": (FLOW + "x: " + "[" * 5000 + "]" * 5000 + "\n").encode(),
    "deep_flow_map": (FLOW + "x: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n").encode(),
    "deep_block": (FLOW + "x:\n" + "".join(" " * (i + 1) + "a:\n" for i in range(300))).encode(),
    "tags": (FLOW + "a: !foo x\nb: !!int abc\nc: !!bool maybe\nd: !!timestamp abc\n").encode(),
    "python_tags": (FLOW + "a: !!python/object/apply:os.system [echo hi]\n").encode(),
    "bad_date": (FLOW + "opened: 2024-02-30\n").encode(),
    "recursive_alias": (FLOW + "a: &a [1, *a]\nb: &b {c: *b}\n").encode(),
    "latin1": (FLOW + "x: caf\xe9\n").encode("latin-1"),
    "utf16": FLOW.encode("utf-16"),
    "nul": (FLOW + "x: a\x00b\n").encode(),
    "binary_junk": bytes(range(256)) * 3,
    "power": FLOW.replace('"Hi there."', '"{{ 10 ** 5000 }}"').encode(),
    "repeat": FLOW.replace('"Hi there."', "\"{{ 'a' * 1000000000 }}\"").encode(),
    "center": FLOW.replace('"Hi there."', "\"{{ 'a' | center(1000000000) }}\"").encode(),
    "deep_template": FLOW.replace(
        '"Hi there."', '"{{ ' + "(" * 400 + "1" + ")" * 400 + ' }}"'
    ).encode(),
    "catastrophic_pattern": (
        FLOW.replace("states:", "slots:\n  code: {pattern: '^(a+)+$'}\nstates:")
    ).encode(),
    "python_escape": (FLOW + "python: [/etc/passwd, ../../x.py]\n").encode(),
    "long_state": FLOW.replace("bye", "b" * 200).encode(),
}
"""Named hostile files; each is also loaded as every kind of file."""


def example_seeds() -> dict[str, bytes]:
    """Every example file in ``flows/`` (flows, tests, scripted models)."""
    return {p.name: p.read_bytes() for p in sorted(FLOWS.glob("*.yaml")) if p.is_file()}


def kind_of(name: str) -> str:
    """Which loader a file name goes to."""
    if name.endswith(".test.yaml"):
        return "test"
    if name.endswith(".llm.yaml"):
        return "llm"
    return "flow"


def copy_examples(dest: Path) -> Path:
    """A private copy of ``flows/`` (its code and sub-flows too), to write mutants into."""
    target = dest / "flows"
    shutil.copytree(FLOWS, target, ignore=shutil.ignore_patterns("__pycache__"))
    (target / "tiny.yaml").write_text(FLOW, encoding="utf-8")
    return target


LOADERS: dict[str, Callable[[Path], object]] = {
    # run_code=False: mutants may name any python: file; nothing they name may run here
    "flow": lambda p: superdialog.load(p, run_code=False),
    "test": lambda p: load_test_file(p, run_code=False),
    "llm": Script.from_file,
}


def load_as(kind: str, path: Path) -> FlowError | None:
    """Load ``path`` as ``kind``; the ``FlowError`` it raised, or ``None`` on success."""
    try:
        LOADERS[kind](path)
    except FlowError as exc:
        return exc
    return None


def check_outcome(kind: str, path: Path) -> tuple[str, float]:
    """Load under the hang guard; return ``("ok" | "error", seconds)``.

    Raises:
        AssertionError: a problem without a location.
        Hang: the load ran past the guard.
        Exception: anything else the loader let escape (the fuzz reports it).

    """
    start = time.perf_counter()
    with hang_guard():
        error = load_as(kind, path)
    elapsed = time.perf_counter() - start
    if error is None:
        return "ok", elapsed
    assert error.problems, "a FlowError without problems"
    for problem in error.problems:
        assert problem.file, f"problem without a file: {problem}"
        assert problem.line >= 1 and problem.column >= 1, f"unlocated problem: {problem}"
        assert problem.message, f"problem without a message: {problem!r}"
    return "error", elapsed
