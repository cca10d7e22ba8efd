"""The Python files a flow names under ``python:`` (they register actions).

Explicit binding: the flow says which file defines its callables, and those
files register them by name with ``@superdialog.action``. Each file is
imported once per process, under a module name derived from its path.

Loading a flow runs its code, so where that code may come from is fenced: a
``python:`` path must stay inside the flow file's folder (``loads``: the
current directory), after resolving ``..`` and symbolic links. An absolute path
or one that climbs out is refused before anything is read, so a flow file
someone hands you cannot make ``superdialog validate`` run ``/tmp/x.py``.
With ``run=False`` (what ``superdialog validate`` and ``render`` use) the
files are only checked: they exist, sit inside the folder and compile, and
nothing in them runs.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path as FsPath
from pathlib import PurePath

from superdialog.errors import FlowError, Location, Problem
from superdialog.pii.logs import mask_shapes
from superdialog.spec.loader import parse_flow
from superdialog.spec.models import FlowSpec
from superdialog.spec.yaml_source import SourceMap, is_regular_file, read_source

__all__ = ["import_bindings"]

_OUTSIDE_HINT = (
    "flow code must live in the flow's folder or below it; "
    "name it relative to the flow file, e.g. python/actions.py"
)


def _confined(rel: str, base: FsPath, loc: Location) -> tuple[FsPath | None, Problem | None]:
    """The resolved file for ``rel``, or the problem that keeps it from being used."""
    if PurePath(rel).is_absolute() or rel.startswith("~"):
        return None, Problem(loc, f"python file '{rel}' is an absolute path", _OUTSIDE_HINT)
    try:
        root = base.resolve()
        path = (base / rel).resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # symlink loop, NUL in the name
        return None, Problem(loc, f"python file '{rel}' cannot be resolved: {exc}")
    if not path.is_relative_to(root):
        return None, Problem(
            loc, f"python file '{rel}' is outside the flow's folder", _OUTSIDE_HINT
        )
    if not is_regular_file(path):
        return None, Problem(loc, f"python file '{rel}' does not exist")
    return path, None


def _syntax_problem(path: FsPath, rel: str, loc: Location) -> Problem | None:
    """Compile (never run) a file; a problem if it does not compile."""
    try:
        source = read_source(path, rel)
    except FlowError as exc:
        return Problem(loc, f"python file '{rel}': {exc.problems[0].message}")
    try:
        compile(source, str(path), "exec", dont_inherit=True)
    except SyntaxError as exc:
        return Problem(loc, f"python file '{rel}' line {exc.lineno}: {exc.msg}")
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        return Problem(loc, f"python file '{rel}' does not compile: {type(exc).__name__}")
    return None


def import_bindings(
    spec: FlowSpec,
    smap: SourceMap,
    file: FsPath | None,
    *,
    run: bool = True,
    _seen: frozenset[str] = frozenset(),
) -> list[Problem]:
    """Import (or with ``run=False`` only check) every ``python:`` file.

    Args:
        spec: The flow.
        smap: Its source map, to locate problems at the ``python:`` entry.
        file: The flow file (``None``: text loaded with ``loads``; paths are
            relative to the current directory).
        run: Import the files (their ``@action`` registrations run). ``False``:
            check that they are inside the flow's folder and compile, and run nothing.

    Returns:
        Located problems; empty when every file was imported (or checked).

    """
    problems: list[Problem] = []
    base = file.parent if file is not None else FsPath.cwd()
    for i, rel in enumerate(spec.python):
        loc = smap.locate(("python", i))
        path, problem = _confined(rel, base, loc)
        if path is None:
            if problem is not None:
                problems.append(problem)
            continue
        if not run:
            problem = _syntax_problem(path, rel, loc)
            if problem is not None:
                problems.append(problem)
            continue
        name = (
            "superdialog_flow_code_"
            + hashlib.sha1(str(path).encode("utf-8", "surrogatepass")).hexdigest()[:12]
        )
        if name in sys.modules:
            continue
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:
            problems.append(Problem(loc, f"cannot import '{rel}'", "a python: file ends in .py"))
            continue
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        try:
            module_spec.loader.exec_module(module)
        except SystemExit as exc:  # sys.exit() at import ended the whole program, silently
            del sys.modules[name]
            problems.append(
                Problem(
                    loc,
                    f"importing '{rel}' called sys.exit({exc.code!r})",
                    "a python: file defines and registers actions; it must not end the program",
                )
            )
        except Exception as exc:  # user code: report where the flow names it
            del sys.modules[name]
            said = mask_shapes(str(exc))  # its text may quote a card or an address
            said = said if len(said) <= 300 else said[:299] + "…"
            problems.append(Problem(loc, f"importing '{rel}' failed: {type(exc).__name__}: {said}"))
    problems.extend(_sub_flow_bindings(spec, base, run, _seen | {str(file) if file else ""}))
    return problems


def _sub_flow_bindings(
    spec: FlowSpec, base: FsPath, run: bool, seen: frozenset[str]
) -> list[Problem]:
    """The ``python:`` files of the flows ``use:`` states inline (each relative to its own file).

    A sub-flow whose actions live in its own ``python:`` files was inlined
    without them: its action states failed on every call. A sub-flow that
    cannot be read or parsed is skipped here; inlining reports it.
    """
    problems: list[Problem] = []
    for state in spec.states.values():
        if state.use is None:
            continue
        try:
            sub_path = (base / state.use).resolve()
            if str(sub_path) in seen or not is_regular_file(sub_path):
                continue
            sub_spec, sub_smap = parse_flow(read_source(sub_path), str(sub_path))
        except (FlowError, OSError, RuntimeError, ValueError):
            continue
        problems.extend(import_bindings(sub_spec, sub_smap, sub_path, run=run, _seen=seen))
    return problems
