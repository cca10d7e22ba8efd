"""Jinja2 templates and ``if:`` expressions, compiled once per flow.

One sandboxed environment with ``StrictUndefined``: a template that reads a
name that does not exist fails loudly (at load when we can see it, else at run
time as ``TemplateError``). Caller text is only ever *data* passed to a
template, never compiled as one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from superdialog.errors import TemplateError

__all__ = [
    "RUNTIME_NAMES",
    "CompiledExpr",
    "CompiledTemplate",
    "TemplateSyntaxProblem",
    "compile_expression",
    "compile_template",
    "environment",
    "references",
]

RUNTIME_NAMES: frozenset[str] = frozenset(
    {"slots", "context", "session", "results", "flow", "state", "value", "slot", "text", "now"}
)
"""Top-level names every template may read (beside the flow's context keys)."""


def _spoken(value: Any, type_name: str | None = None) -> str:
    from superdialog.slots import spoken  # lazy: parsers load on first read-back

    return spoken(value, type_name)


def _masked(value: Any, mode: str = "full") -> str:
    from superdialog.slots import mask

    return mask(value, mode)


_ENV: ImmutableSandboxedEnvironment | None = None


def environment() -> ImmutableSandboxedEnvironment:
    """The one sandboxed jinja2 environment all flows share."""
    global _ENV
    if _ENV is None:
        env = ImmutableSandboxedEnvironment(
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["spoken"] = _spoken
        env.filters["masked"] = _masked
        _ENV = env
    return _ENV


class TemplateSyntaxProblem(ValueError):
    """A template or expression does not parse; ``line`` is 1-based within it."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True, slots=True)
class CompiledTemplate:
    """A template compiled at load; ``static`` is set when it has no tags at all."""

    source: str
    static: str | None
    _template: jinja2.Template | None

    def render(self, variables: Mapping[str, Any], *, state: str | None = None) -> str:
        """Render with ``variables``; failures become ``TemplateError``."""
        if self.static is not None:
            return self.static
        assert self._template is not None
        try:
            return self._template.render(variables).strip()
        except jinja2.TemplateError as exc:
            raise TemplateError(f"template {self.source!r} failed: {exc}", state=state) from exc
        except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as exc:
            raise TemplateError(
                f"template {self.source!r} failed: {type(exc).__name__}", state=state
            ) from exc


@dataclass(frozen=True, slots=True)
class CompiledExpr:
    """An ``if:`` expression compiled at load."""

    source: str
    _fn: Callable[..., Any]

    def evaluate(self, variables: Mapping[str, Any], *, state: str | None = None) -> bool:
        """Truthiness of the expression; failures become ``TemplateError``."""
        try:
            result = self._fn(variables)
        except jinja2.TemplateError as exc:
            raise TemplateError(f"expression {self.source!r} failed: {exc}", state=state) from exc
        except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as exc:
            raise TemplateError(
                f"expression {self.source!r} failed: {type(exc).__name__}", state=state
            ) from exc
        return bool(result) and not isinstance(result, jinja2.Undefined)


def _syntax(exc: jinja2.TemplateSyntaxError) -> TemplateSyntaxProblem:
    return TemplateSyntaxProblem(f"template syntax error: {exc.message}", exc.lineno or 1)


def compile_template(source: str) -> CompiledTemplate:
    """Compile a template once; plain text costs nothing to render."""
    if "{" not in source:
        return CompiledTemplate(source, source.strip(), None)
    try:
        return CompiledTemplate(source, None, environment().from_string(source))
    except jinja2.TemplateSyntaxError as exc:
        raise _syntax(exc) from exc


def compile_expression(source: str) -> CompiledExpr:
    """Compile an ``if:`` expression once."""
    try:
        fn = environment().compile_expression(source, undefined_to_none=False)
    except jinja2.TemplateSyntaxError as exc:
        raise _syntax(exc) from exc
    return CompiledExpr(source, fn)


def references(source: str, *, expression: bool = False) -> list[tuple[str, str | None]]:
    """Names a template reads: ``(top, attr)`` pairs, e.g. ``("slots", "visit_date")``.

    Only free names count: loop variables and ``set`` targets are skipped.
    """
    env = environment()
    try:
        if expression:
            ast: nodes.Node = env.parse("{{ " + source + " }}")
        else:
            ast = env.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise _syntax(exc) from exc
    bound: set[str] = set()
    for node in ast.find_all((nodes.For, nodes.Assign, nodes.With)):
        targets: Iterable[nodes.Node] = []
        if isinstance(node, nodes.For | nodes.Assign):
            targets = node.target.find_all(nodes.Name) if hasattr(node.target, "find_all") else []
            if isinstance(node.target, nodes.Name):
                targets = [node.target]
        for t in targets:
            if isinstance(t, nodes.Name):
                bound.add(t.name)
    out: list[tuple[str, str | None]] = []
    attr_names: set[int] = set()
    for ga in ast.find_all(nodes.Getattr):
        if isinstance(ga.node, nodes.Name) and ga.node.name not in bound:
            out.append((ga.node.name, ga.attr))
            attr_names.add(id(ga.node))
    for gi in ast.find_all(nodes.Getitem):
        if (
            isinstance(gi.node, nodes.Name)
            and gi.node.name not in bound
            and isinstance(gi.arg, nodes.Const)
            and isinstance(gi.arg.value, str)
        ):
            out.append((gi.node.name, gi.arg.value))
            attr_names.add(id(gi.node))
    for nm in ast.find_all(nodes.Name):
        if nm.ctx == "load" and nm.name not in bound and id(nm) not in attr_names:
            out.append((nm.name, None))
    return out
