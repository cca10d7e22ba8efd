"""What ``superdialog validate`` adds to loading a flow: folders, warnings, the model, --deep.

Loading already refuses every flow that would certainly fail on a call. Here
the command also finds the files in folders, prints the flow's warnings
(what may go wrong) with their locations, says when LLM states have no model
endpoint to talk to, and with ``--deep`` walks the flow (see
``superdialog.compile.check.deep``).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO

__all__ = ["endpoint_problem", "expand_paths", "report_extra"]

_SKIP_DIRS = frozenset({".venv", "venv", "node_modules", "__pycache__", ".git"})


def _looks_like_ours(path: Path) -> bool:
    """A YAML file validate should check: a flow, test or script (not CI config)."""
    name = path.name
    if name.endswith((".test.yaml", ".llm.yaml")):
        return True
    try:
        with path.open("r", encoding="utf-8", errors="replace") as fh:
            head = fh.read(64 * 1024)
    except OSError:
        return True  # let the loader report why it cannot be read
    return any(line.startswith(("flow:", "states:")) for line in head.splitlines())


_USE = re.compile(r"""^\s*(?:[\w-]+:\s*\{[^#\n]*?\b)?use:\s*['"]?([^'"\s,}#]+)""", re.M)


def _sub_flows(files: Iterable[Path]) -> set[Path]:
    """The files that others among ``files`` use as sub-flows (``use: shared/x.yaml``).

    A sub-flow is checked where it is used: it may read the using flow's slots
    and be no flow of its own, and refusing it alone would fail a folder of
    flows that load and run. Only sub-flows some flow that is no sub-flow
    reaches are left out: flows that use each other in a circle are checked (and
    refused) on their own.
    """
    found = {p.resolve() for p in files}
    uses: dict[Path, set[Path]] = {}
    for path in found:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")[: 2 * 1024 * 1024]
        except OSError:
            continue
        targets: set[Path] = set()
        for match in _USE.finditer(text):
            try:
                targets.add((path.parent / match.group(1)).resolve())
            except (OSError, RuntimeError, ValueError):
                continue
        uses[path] = targets & found
    used = set().union(*uses.values()) if uses else set()
    reached: set[Path] = set()
    todo = [p for p in found if p not in used]
    while todo:
        for target in uses.get(todo.pop(), set()):
            if target not in reached:
                reached.add(target)
                todo.append(target)
    return reached


def expand_paths(paths: Iterable[str]) -> tuple[list[str], list[str]]:
    """Files named, and the flow, test and script files under folders named (recursive).

    In a folder, a flow another flow there uses as a sub-flow is checked as part
    of that flow, not on its own.

    Returns the files to check and the paths that do not exist.
    """
    files: list[str] = []
    missing: list[str] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(
                q
                for pattern in ("*.yaml", "*.yml")
                for q in p.rglob(pattern)
                if not any(part in _SKIP_DIRS or part.startswith(".") for part in q.parts[:-1])
                and q.is_file()
                and _looks_like_ours(q)
            )
            used = _sub_flows(found)
            files += [str(q) for q in found if q.resolve() not in used]
        elif p.exists() or not raw.endswith(("/", os.sep)):
            files.append(raw)  # a missing file is reported by the loader, located
        else:
            missing.append(raw)
    return files, missing


def endpoint_problem(flow: Any, environ: Mapping[str, str] | None = None) -> str | None:
    """Why the flow's LLM states have no model to call, or None (no LLM states, or one is set).

    An endpoint counts as configured when the flow or ``OPENAI_BASE_URL`` names
    one (a local server needs no key), or an API key is set for the default one.
    """
    if not flow.graph.uses_llm:
        return None
    env = os.environ if environ is None else environ
    settings = flow.spec.llm
    if settings.base_url or env.get("OPENAI_BASE_URL"):
        return None
    if env.get(settings.api_key_env) or env.get("OPENAI_API_KEY"):
        return None
    return (
        "this flow has LLM states but no model endpoint is configured: set "
        f"{settings.api_key_env} (or OPENAI_BASE_URL / llm.base_url for another endpoint); "
        "to try it without one: superdialog chat FLOW --llm scripted:FILE.llm.yaml"
    )


def _first_llm_location(flow: Any) -> str:
    smap = flow.source_map
    for name, st in flow.states.items():
        if st.kind == "llm" and smap is not None:
            return str(smap.locate(("states", name, "llm")))
    return f"{flow.file}:1:1"


def report_extra(flow: Any, *, deep: bool, max_configs: int, out: TextIO | None = None) -> bool:
    """Print warnings (and the deep walk's report); True when the deep walk found errors."""
    err = out if out is not None else sys.stderr
    for problem in flow.warnings:
        print(
            f"{problem.location}: warning: {problem.message}"
            + (f" ({problem.hint})" if problem.hint else ""),
            file=err,
        )
    endpoint = endpoint_problem(flow)
    if endpoint is not None:
        print(f"{_first_llm_location(flow)}: warning: {endpoint}", file=err)
    if not deep:
        return False
    from superdialog.compile.check.deep import deep_walk  # lazy: only for --deep

    report = deep_walk(flow, max_configs=max_configs)
    for finding in report.findings:
        print(f"{finding.location}: {finding.message} (path: {finding.path})", file=err)
    if report.complete:
        extent = "every configuration"
    elif report.capped:
        extent = f"bounded: {len(report.capped)} states had more ways in than were tried"
    else:
        extent = f"bounded: stopped at {max_configs}"
    print(
        f"deep: {flow.file}: walked {report.configs} configurations ({extent}); "
        f"{len(report.reached)} of {len(flow.states)} states reached",
        file=err,
    )
    if report.unreached:
        print(
            f"deep: not reached: {', '.join(report.unreached[:20])}"
            + (" …" if len(report.unreached) > 20 else ""),
            file=err,
        )
    if report.unverified:
        print(
            f"deep: {len(report.unverified)} templates read action results of unknown shape "
            "(declare the action's returns: to check them), e.g. " + report.unverified[0],
            file=err,
        )
    return bool(report.findings)


def script_flow_problems(path: str) -> list[Any]:
    """A scripted-model file checked against its flow (``X.llm.yaml`` beside ``X.yaml``).

    Returns the located problems (empty when there is no such flow, or it
    loads and every rule's ``state:``/``goto:`` is one of its states).
    """
    from superdialog.errors import FlowError  # lazy: the CLI starts fast
    from superdialog.testing.llm_server.script import script_problems_against  # lazy: as above

    flow_path = Path(path[: -len(".llm.yaml")] + ".yaml")
    if not flow_path.is_file():
        return []
    import superdialog  # lazy: as above

    try:
        flow = superdialog.load(flow_path, run_code=False)
    except FlowError:
        return []  # the flow's own problems are reported when it is validated
    return script_problems_against(path, flow.states)
