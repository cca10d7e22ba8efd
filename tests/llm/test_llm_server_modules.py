"""The scripted server's package keeps its shape: one job per module, imports only going down.

A module may import only modules listed before it in ``ORDER`` (never the package itself), so
the package has no import circle and each job stays in the file named for it.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import superdialog.testing.llm_server as package

PACKAGE = package.__name__
FOLDER = Path(package.__file__).parent
ORDER = ["script", "protocol", "answer", "matching", "respond", "server", "cli", "__main__"]


def _package_imports(name: str) -> set[str]:
    tree = ast.parse((FOLDER / f"{name}.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        modules = (
            [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else []
        )
        for module in modules:
            if module == PACKAGE or module.startswith(PACKAGE + "."):
                found.add(module[len(PACKAGE) + 1 :] or "__init__")
    return found


def test_every_module_is_in_the_order() -> None:
    modules = {path.stem for path in FOLDER.glob("*.py")} - {"__init__"}
    assert modules == set(ORDER)


def test_modules_import_only_modules_before_them() -> None:
    for index, name in enumerate(ORDER):
        assert _package_imports(name) <= set(ORDER[:index]), name


def test_every_exported_name_exists() -> None:
    for name in ORDER[:-1]:
        module = importlib.import_module(f"{PACKAGE}.{name}")
        assert all(hasattr(module, n) for n in module.__all__), name
    assert all(hasattr(package, n) for n in package.__all__)
