"""``superdialog test``: run the YAML conversation tests that sit beside each flow.

A test file ``flows/<flow>.test.yaml`` names its flow and holds many scripted
conversations (format: ``docs/testing.md``, models:
:mod:`superdialog.testing.conversation_spec`). Each conversation is played
offline, without an API key: LLM states talk to a loopback
``ScriptedLLMServer`` (one per test file) that answers from the
conversation's rules. The report prints one ``PASS``/``FAIL``/``SKIP`` line per
conversation, for a failure the expectation, what happened instead and the
PII-redacted transcript so far, then exactly ``N passed, N failed`` (plus
``, N skipped``).

Usable three ways: ``superdialog test [PATHS]``, :func:`main` from Python,
and ``pytest flows/`` through the plugin in
:mod:`superdialog.testing.pytest_plugin` (one test item per conversation).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from superdialog.errors import FlowError
from superdialog.llm import aclose_clients
from superdialog.runtime.events import StateEntered
from superdialog.testing.conversation_check import Failure, check_run, transcript
from superdialog.testing.conversation_check import transcript as render_transcript
from superdialog.testing.conversation_runner import needs_llm_server, play
from superdialog.testing.conversation_spec import Conversation, LoadedTestFile, load_test_file
from superdialog.testing.hosts import KNOWN_HOSTS, find_host, test_hosts
from superdialog.testing.llm_server import ScriptedLLMServer

if TYPE_CHECKING:
    from superdialog.compile.model import Edge
    from superdialog.testing.conversation_runner import Run

__all__ = [
    "HOST_ENV",
    "ConversationResult",
    "Coverage",
    "FileResult",
    "collect_paths",
    "main",
    "run_conversation",
    "run_file",
    "run_test_file",
]

HOST_ENV = "SUPERDIALOG_TEST_HOST"
"""Environment variable forcing every conversation onto one host (``recording``/``unpod``)."""

TEST_SUFFIX = ".test.yaml"


@dataclass(slots=True)
class ConversationResult:
    """The verdict on one conversation played on one host."""

    file: str
    name: str
    host: str
    status: str  # "passed" | "failed" | "skipped"
    failures: list[Failure] = field(default_factory=list)
    run: Run | None = None
    skip_reason: str = ""
    elapsed_s: float = 0.0
    line: int = 1

    @property
    def test_id(self) -> str:
        """``file::name`` (with ``[host]`` when the conversation runs on several hosts)."""
        return f"{self.file}::{self.name}"

    def report(self, *, transcript: bool = True) -> list[str]:
        """The failure report: each failing expectation, then the transcript so far."""
        lines: list[str] = []
        for f in self.failures:
            lines += ["  " + line for line in f.lines()]
        if transcript and self.run is not None:
            upto = min((f.turn for f in self.failures if f.turn is not None), default=None)
            lines.append("  transcript" + (" so far:" if upto is not None else ":"))
            lines += render_transcript(self.run, upto)
            if self.run.logs and self.failures:
                lines.append("  log:")
                lines += ["    " + line for line in self.run.logs[-10:]]
        return lines


@dataclass(slots=True)
class FileResult:
    """All results of one test file, or the located problems that stopped it loading."""

    path: str
    results: list[ConversationResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    test: LoadedTestFile | None = None
    elapsed_s: float = 0.0


# --------------------------------------------------------------------------- discovery


def collect_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """Test files under ``paths``; also the problems (a path that does not exist).

    A directory is searched recursively for ``*.test.yaml``; a flow file
    ``x.yaml`` stands for its sibling ``x.test.yaml``.
    """
    found: list[Path] = []
    problems: list[str] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found += sorted(q for q in p.rglob("*" + TEST_SUFFIX) if ".venv" not in q.parts)
        elif p.is_file() and p.name.endswith(TEST_SUFFIX):
            found.append(p)
        elif p.is_file() and p.suffix in (".yaml", ".yml"):
            sibling = p.with_name(p.name.rsplit(".", 1)[0] + TEST_SUFFIX)
            if sibling.is_file():
                found.append(sibling)
            else:
                problems.append(f"{p}: no conversation tests ({sibling.name} does not exist)")
        else:
            problems.append(f"{p}: no such file or directory")
    return list(dict.fromkeys(found)), problems


def _hosts(test: LoadedTestFile, conv: Conversation, forced: str | None) -> list[str]:
    return [forced] if forced else test.hosts(conv)


def _skip_reason(conv: Conversation, host: str) -> str | None:
    if conv.skip:
        return conv.skip if isinstance(conv.skip, str) else "skipped"

    if find_host(host) is None:
        return f"the {host} host is not installed ({KNOWN_HOSTS.get(host, 'no adapter')})"
    return None


# --------------------------------------------------------------------------- running


async def run_conversation(
    test: LoadedTestFile, index: int, host: str, server: ScriptedLLMServer | None
) -> ConversationResult:
    """Play conversation ``index`` of ``test`` on ``host`` and check it."""
    conv = test.spec.conversations[index]
    several = len(test.hosts(conv)) > 1 or host != test.hosts(conv)[0]
    name = f"{conv.name} [{host}]" if several else conv.name
    line = test.locate("conversations", index).line
    result = ConversationResult(test.path, name, host, "passed", line=line)
    reason = _skip_reason(conv, host)
    if reason is not None:
        result.status, result.skip_reason = "skipped", reason
        return result
    run = await play(test, conv, host, server)
    result.run = run
    result.elapsed_s = run.elapsed_s
    result.failures = check_run(test, index, conv, run)
    result.status = "failed" if result.failures else "passed"
    return result


async def run_test_file(
    test: LoadedTestFile, *, host: str | None = None, only: Sequence[int] | None = None
) -> list[ConversationResult]:
    """Run a loaded file's conversations in order, sharing one loopback model server.

    Args:
        test: The loaded file.
        host: Force every conversation onto this host.
        only: Indexes of the conversations to run (default: all).

    """
    indexes = list(range(len(test.spec.conversations))) if only is None else list(only)
    results: list[ConversationResult] = []

    async def _all(server: ScriptedLLMServer | None) -> None:
        for i in indexes:
            for h in _hosts(test, test.spec.conversations[i], host):
                results.append(await run_conversation(test, i, h, server))

    if not needs_llm_server(test):
        await _all(None)
        return results

    async with ScriptedLLMServer() as server:
        try:
            await _all(server)
        finally:
            await aclose_clients(server.base_url)
    return results


def run_file(path: str | Path, *, host: str | None = None) -> FileResult:
    """Load and run one test file (its own event loop); load problems are reported, not raised."""
    started = time.perf_counter()
    result = FileResult(str(path))
    try:
        test = load_test_file(path)
    except FlowError as exc:
        result.problems = [str(p) for p in exc.problems]
        return result
    result.test = test
    result.results = asyncio.run(run_test_file(test, host=host))
    result.elapsed_s = time.perf_counter() - started
    return result


# --------------------------------------------------------------------------- coverage


@dataclass(slots=True)
class Coverage:
    """States and edges of one flow that the conversations visited."""

    flow_name: str
    flow_path: str
    states: list[str]
    edges: list[tuple[str, str]]  # (id, kind)
    globals_declared: list[str]
    any_time_edges: dict[str, str] = field(default_factory=dict)  # id -> how it reads
    visited_states: set[str] = field(default_factory=set)
    visited_edges: set[str] = field(default_factory=set)
    any_time: set[str] = field(default_factory=set)

    def add(self, run: Run) -> None:
        """Count the states and edges one played call went through."""
        for rec in [*run.turns, *([run.after] if run.after else [])]:
            for ev in rec.events:
                if isinstance(ev, StateEntered):
                    self.visited_states.add(ev.dst)
                    if ev.edge is not None:
                        self.visited_edges.add(ev.edge)
                        if ev.edge in self.any_time_edges:
                            self.any_time.add(self.any_time_edges[ev.edge])
                    if ev.via.startswith("global:"):
                        self.any_time.add(ev.via)
                    elif ev.edge is None and ev.via in ("error", "fail"):
                        self.any_time.add(f"flow on_error ({ev.via})")

    def lines(self) -> list[str]:
        """The coverage report for this flow."""
        edge_ids = [e for e, _ in self.edges]
        seen_edges = [e for e in edge_ids if e in self.visited_edges]
        out = [
            f"coverage {self.flow_name} ({self.flow_path}): "
            f"states {len(self.visited_states & set(self.states))}/{len(self.states)}, "
            f"edges {len(seen_edges)}/{len(edge_ids)}"
        ]
        missing_states = [s for s in self.states if s not in self.visited_states]
        if missing_states:
            out.append("  unvisited states: " + ", ".join(missing_states))
        missing_edges = [f"{e} ({k})" for e, k in self.edges if e not in self.visited_edges]
        if missing_edges:
            out.append("  unvisited edges: " + ", ".join(missing_edges))
        used = sorted(self.any_time)
        unused = [g for g in self.globals_declared if f"global:{g}" not in self.any_time]
        if used or unused:
            text = "  any-time transitions taken: " + (", ".join(used) or "none")
            if unused:
                text += "; never taken: " + ", ".join(f"global:{g}" for g in unused)
            out.append(text)
        return out


def _any_time_name(edge: Edge) -> str:
    """How an any-time edge reads in the report ("" for an ordinary edge)."""
    if edge.kind == "call":
        return f"call {edge.dst} ({edge.id.rpartition('~')[2]})"
    if edge.kind == "return":
        return f"return from {edge.src}"
    if edge.kind == "cancel" and edge.label == "flow on_cancel":
        return f"flow on_cancel → {edge.dst}"
    return ""


def _coverage(files: list[FileResult]) -> list[Coverage]:
    by_flow: dict[str, Coverage] = {}
    for fr in files:
        test = fr.test
        if test is None:
            continue
        key = str(test.flow_path.resolve())
        cov = by_flow.get(key)
        if cov is None:
            flow = test.flow
            declared = sorted(
                {
                    g.intent.name
                    for st in flow.states.values()
                    for g in st.globals
                    if g.goto is not None
                }
            )
            # a digression's call and return, and the flow-wide "never mind", can be taken
            # from many states: like global intents they are counted once, as any-time moves
            any_time = {e.id: _any_time_name(e) for e in flow.edges if _any_time_name(e)}
            cov = Coverage(
                flow.name,
                os.path.relpath(test.flow_path),
                list(flow.states),
                [(e.id, e.kind) for e in flow.edges if e.id not in any_time],
                declared,
                any_time,
            )
            by_flow[key] = cov
        for r in fr.results:
            if r.run is not None:
                cov.add(r.run)
    return list(by_flow.values())


# --------------------------------------------------------------------------- reports


def _junit(files: list[FileResult], path: str) -> None:
    import xml.etree.ElementTree as ET

    root = ET.Element("testsuites", name="superdialog conversations")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total_time = 0.0
    for fr in files:
        suite = ET.SubElement(root, "testsuite", name=fr.path)
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        if fr.problems:
            counts["tests"] += 1
            counts["errors"] += 1
            case = ET.SubElement(suite, "testcase", name="(load)", classname=fr.path, time="0")
            error = ET.SubElement(case, "error", message="the test file could not be loaded")
            error.text = "\n".join(fr.problems)
        for r in fr.results:
            counts["tests"] += 1
            flow = fr.test.flow.name if fr.test is not None else fr.path
            case = ET.SubElement(
                suite,
                "testcase",
                name=r.name,
                classname=flow,
                file=r.file,
                line=str(r.line),
                time=f"{r.elapsed_s:.3f}",
            )
            if r.status == "failed":
                counts["failures"] += 1
                first = r.failures[0]
                failure = ET.SubElement(
                    case, "failure", message=f"{first.where}: expected {first.expected}"
                )
                failure.text = "\n".join(r.report())
            elif r.status == "skipped":
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=r.skip_reason)
        for k, v in counts.items():
            suite.set(k, str(v))
            totals[k] += v
        suite.set("time", f"{fr.elapsed_s:.3f}")
        total_time += fr.elapsed_s
    for k, v in totals.items():
        root.set(k, str(v))
    root.set("time", f"{total_time:.3f}")
    ET.indent(root)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def _print_result(r: ConversationResult, out: TextIO, verbose: bool) -> None:
    ms = f"({r.elapsed_s * 1000:.0f} ms)"
    if r.status == "skipped":
        print(f"SKIP {r.test_id} ({r.skip_reason})", file=out)
        return
    print(f"{'PASS' if r.status == 'passed' else 'FAIL'} {r.test_id} {ms}", file=out)
    if r.status == "failed":
        for line in r.report():
            print(line, file=out)
    elif verbose and r.run is not None:
        for line in transcript(r.run):
            print(line, file=out)


def main(
    paths: Sequence[str | Path] | None = None,
    *,
    junit: str | None = None,
    coverage: bool = False,
    verbose: bool = False,
    host: str | None = None,
    out: TextIO | None = None,
) -> int:
    """Run conversation tests; print the report; return the exit code.

    Args:
        paths: Test files, flow files (their ``.test.yaml`` sibling) or directories
            (searched for ``*.test.yaml``); default ``flows``.
        junit: Also write a JUnit XML report to this file.
        coverage: Print, per flow, the states and edges visited and those never visited.
        verbose: Print every conversation's transcript, not only failing ones.
        host: Play every conversation on this host (``recording``, or one an adapter adds);
            default: each file's ``host:``, or the ``SUPERDIALOG_TEST_HOST`` variable.
        out: Where to print (default stdout).

    Returns:
        0 when every conversation passed, 1 on any failure or unloadable file,
        2 for bad usage (unknown host, a path that does not exist, nothing to run).

    """
    out = out or sys.stdout

    host = host or os.environ.get(HOST_ENV) or None
    if host is not None and host not in test_hosts():
        print(f"error: unknown host {host!r} (choose from {', '.join(test_hosts())})", file=out)
        return 2
    files, problems = collect_paths(paths or ["flows"])
    for problem in problems:
        print(f"error: {problem}", file=out)
    if problems:
        return 2
    if not files:
        shown = ", ".join(str(p) for p in (paths or ["flows"]))
        print(f"error: no conversation tests (*{TEST_SUFFIX}) found in {shown}", file=out)
        return 2
    started = time.perf_counter()
    results: list[FileResult] = []
    for path in files:
        fr = run_file(path, host=host)
        results.append(fr)
        if fr.problems:
            print(f"FAIL {fr.path} (the test file could not be loaded)", file=out)
            for p in fr.problems:
                print("  " + p, file=out)
        for r in fr.results:
            _print_result(r, out, verbose)
    if coverage:
        for cov in _coverage(results):
            for line in cov.lines():
                print(line, file=out)
    if junit:
        _junit(results, junit)
    every = [r for fr in results for r in fr.results]
    passed = sum(r.status == "passed" for r in every)
    failed = sum(r.status == "failed" for r in every) + sum(bool(fr.problems) for fr in results)
    skipped = sum(r.status == "skipped" for r in every)
    print(
        f"ran {len(every)} conversation(s) from {len(files)} file(s) in "
        f"{time.perf_counter() - started:.2f} s",
        file=out,
    )
    summary = f"{passed} passed, {failed} failed"
    if skipped:
        summary += f", {skipped} skipped"
    print(summary, file=out)
    return 1 if failed else 0
