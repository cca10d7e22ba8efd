"""Import the Python files a flow names under ``python:`` (they register actions).

Explicit binding: the flow says which file defines its callables, and those
files register them by name with ``@superdialog.action``. Each file is
imported once per process, under a module name derived from its path.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path as FsPath

from superdialog.errors import Problem
from superdialog.spec.models import FlowSpec
from superdialog.spec.yaml_source import SourceMap

__all__ = ["import_bindings"]


def import_bindings(spec: FlowSpec, smap: SourceMap, file: FsPath | None) -> list[Problem]:
    """Import every ``python:`` file; return located problems for those that fail."""
    problems: list[Problem] = []
    base = file.parent if file is not None else FsPath.cwd()
    for i, rel in enumerate(spec.python):
        path = (base / rel).resolve()
        name = "superdialog_flow_code_" + hashlib.sha1(str(path).encode()).hexdigest()[:12]
        if name in sys.modules:
            continue
        loc = smap.locate(("python", i))
        if not path.is_file():
            problems.append(Problem(loc, f"python file '{rel}' does not exist"))
            continue
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:
            problems.append(Problem(loc, f"cannot import '{rel}'"))
            continue
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        try:
            module_spec.loader.exec_module(module)
        except Exception as exc:  # user code: report where the flow names it
            del sys.modules[name]
            problems.append(Problem(loc, f"importing '{rel}' failed: {type(exc).__name__}: {exc}"))
    return problems
