"""The house rules, read from the imports: layers only import down, and no import hides a circle.

The layers, lowest first (docs/architecture.md draws them):

0. ``errors``, ``pii``, ``_loop_local``, ``_version``: needed by everything, need nothing of ours
1. ``spec`` (the YAML language), ``slots`` (value parsers), ``llm`` (the model client)
2. ``compile``: spec → the immutable ``CompiledFlow``
3. ``runtime`` (one call) and ``render`` (diagrams): both read a compiled flow, neither
   knows the other
4. ``flow``: the user-facing ``Flow`` (load, build, restore, draw); ``store``: call records
   in memory, SQLite or Redis
5. the package root (lazy names), 6. ``testing``, 7. ``cli``

Host integrations live outside the package (top-level ``adapters/``): nothing in ``superdialog``
imports them or their SDKs.

A function-local import is allowed only to keep start-up fast, and says so with a comment
containing "lazy" on its line or the line above; anything else would be an import circle in hiding.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "superdialog"

LAYERS: dict[str, int] = {
    "superdialog.errors": 0,
    "superdialog.pii": 0,
    "superdialog._loop_local": 0,
    "superdialog._version": 0,
    "superdialog.spec": 1,
    "superdialog.slots": 1,
    "superdialog.llm": 1,
    "superdialog.compile": 2,
    "superdialog.runtime": 3,
    "superdialog.render": 3,
    "superdialog.flow": 4,
    "superdialog.store": 4,  # saves what runtime dumps; beside flow, neither imports the other
    "superdialog": 5,
    "superdialog.testing": 6,
    "superdialog.cli": 7,
}

HOST_SDKS = ("unpod", "superdialog_unpod", "pipecat", "livekit")


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported module
    line: int
    local: bool  # inside a function body
    type_only: bool  # under ``if TYPE_CHECKING:``
    lazy_note: bool  # a "lazy" comment on its line or the line above


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[Import]:
    module = _module_name(path)
    return _imports_of(path.read_text(encoding="utf-8"), module, path.name == "__init__.py")


def _imports_of(source: str, module: str, is_package: bool) -> list[Import]:
    lines = source.splitlines()
    package = module if is_package else module.rpartition(".")[0]
    found: list[Import] = []

    def targets(node: ast.Import | ast.ImportFrom) -> list[str]:
        if isinstance(node, ast.Import):
            return [alias.name for alias in node.names]
        if node.level:
            base = package.split(".")
            base = base[: len(base) - node.level + 1]
            return [".".join([*base, *([node.module] if node.module else [])])]
        return [node.module or ""]

    def visit(node: ast.AST, local: bool, type_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                near = " ".join(lines[max(0, child.lineno - 2) : child.end_lineno])
                for target in targets(child):
                    found.append(
                        Import(module, target, child.lineno, local, type_only, "lazy" in near)
                    )
                continue
            is_func = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            guarded = (
                isinstance(child, ast.If)
                and "TYPE_CHECKING" in ast.unparse(child.test)
            )
            if guarded:
                assert isinstance(child, ast.If)
                for stmt in child.body:
                    visit(ast.Module(body=[stmt], type_ignores=[]), local, True)
                for stmt in child.orelse:
                    visit(ast.Module(body=[stmt], type_ignores=[]), local, type_only)
                continue
            visit(child, local or is_func, type_only)

    visit(ast.parse(source), False, False)
    return found


def _layer_of(module: str) -> tuple[str, int] | None:
    """The layer a ``superdialog`` module belongs to (its longest listed prefix)."""
    best: tuple[str, int] | None = None
    for name, layer in LAYERS.items():
        if (module == name or module.startswith(name + ".")) and (
            best is None or len(name) > len(best[0])
        ):
            best = (name, layer)
    return best


ALL_IMPORTS = [imp for path in sorted(PACKAGE.rglob("*.py")) for imp in _imports(path)]


def test_the_scan_sees_the_package() -> None:
    # a scan that finds nothing proves nothing
    assert len(ALL_IMPORTS) > 300
    assert any(i.module == "superdialog.runtime.call" and i.target.startswith("superdialog.compile")
               for i in ALL_IMPORTS)


def test_every_module_has_a_layer() -> None:
    modules = {_module_name(p) for p in PACKAGE.rglob("*.py")}
    assert [m for m in sorted(modules) if _layer_of(m) is None] == []


@pytest.mark.parametrize("type_only", [False, True], ids=["runtime", "type-only"])
def test_imports_only_go_down(type_only: bool) -> None:
    """A layer imports its own package and lower layers; type-only imports follow the same rule."""
    wrong = []
    for imp in ALL_IMPORTS:
        if imp.type_only != type_only or not imp.target.startswith("superdialog"):
            continue
        here, there = _layer_of(imp.module), _layer_of(imp.target)
        assert here is not None and there is not None, imp
        if here[0] == there[0]:
            continue  # inside one package
        if there[1] >= here[1]:
            wrong.append(f"{imp.module}:{imp.line} ({here[0]}) imports {imp.target} ({there[0]})")
    assert wrong == []


def test_no_host_sdk_in_the_core() -> None:
    wrong = [
        f"{i.module}:{i.line} imports {i.target}"
        for i in ALL_IMPORTS
        if i.target.split(".")[0] in HOST_SDKS
    ]
    assert wrong == []


def test_function_local_imports_of_our_modules_say_they_are_lazy() -> None:
    """No function-local import dodges a circle: the only reason allowed is start-up speed."""
    hidden = [
        f"{i.module}:{i.line} imports {i.target} inside a function without a 'lazy' note"
        for i in ALL_IMPORTS
        if i.local and not i.type_only and i.target.startswith("superdialog") and not i.lazy_note
    ]
    assert hidden == []


def test_the_rules_catch_what_they_forbid() -> None:
    # the scanner itself, on a made-up module: an upward import, a hidden one, a lazy one,
    # a type-only one, and a relative one
    source = (
        "from typing import TYPE_CHECKING\n"
        "from superdialog.runtime.call import CallMachine\n"
        "if TYPE_CHECKING:\n"
        "    from superdialog.flow import Flow\n"
        "def f():\n"
        "    from superdialog.render import flow_diagram\n"
        "def g():\n"
        "    # lazy: graphviz only when drawing\n"
        "    from ..render import flow_diagram\n"
    )
    imports = _imports_of(source, "superdialog.compile.probe", is_package=False)
    assert [(i.target, i.local, i.type_only, i.lazy_note) for i in imports[1:]] == [
        ("superdialog.runtime.call", False, False, False),
        ("superdialog.flow", False, True, False),
        ("superdialog.render", True, False, False),
        ("superdialog.render", True, False, True),
    ]
