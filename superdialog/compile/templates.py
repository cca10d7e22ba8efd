"""Jinja2 templates and ``if:`` expressions, compiled once per flow.

One sandboxed environment with ``StrictUndefined``: a template that reads a
name that does not exist fails loudly (at load when we can see it, else at run
time as ``TemplateError``). Caller text is only ever *data* passed to a
template, never compiled as one.

Nothing is evaluated while a flow loads. jinja2 folds constant expressions at
compile time (``{{ 10 ** 5000 }}``, ``{{ 'x' | center(10**9) }}`` would run,
and fail or fill memory, inside ``load``); our environment turns folding off
(no optimizer, no constant output, intercepted operators are never folded).
At run time the operators that can build huge values are bounded: ``**``
(result size), ``*`` (repeated strings and lists), ``%`` (format widths), and
one render may produce at most ``MAX_OUTPUT`` characters. Every failure is a
``TemplateError``.
"""

from __future__ import annotations

import difflib
import functools
import re
import string
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.environment import TemplateExpression
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import generate_lorem_ipsum

from superdialog.errors import TemplateError

__all__ = [
    "MAX_LOOP_STEPS",
    "MAX_OUTPUT",
    "RUNTIME_NAMES",
    "CompiledExpr",
    "CompiledTemplate",
    "Read",
    "TemplateSyntaxProblem",
    "compile_expression",
    "compile_template",
    "environment",
    "one_parse_each",
    "reads",
    "references",
    "unknown_filters",
]

RUNTIME_NAMES: frozenset[str] = frozenset(
    {"slots", "context", "session", "results", "flow", "state", "value", "slot", "text", "now"}
)
"""Top-level names every template may read (beside the flow's context keys)."""


LANGUAGE_VAR, REGION_VAR = "_language", "_region"
"""Render variables a call sets so ``| spoken`` words a value in the caller's language."""


@jinja2.pass_context
def _spoken(ctx: jinja2.runtime.Context, value: Any, type_name: str | None = None) -> str:
    language = ctx.get(LANGUAGE_VAR) or "en"
    if language == "en":
        from superdialog.slots import spoken  # lazy: parsers load on first read-back

        return spoken(value, type_name)
    from superdialog.slots.speak import spoken as spoken_in  # lazy: babel only off English

    return spoken_in(value, type_name, language=language, region=ctx.get(REGION_VAR))


def _masked(value: Any, mode: str = "full") -> str:
    from superdialog.slots import mask  # lazy: as above

    return mask(value, mode)


MAX_OUTPUT = 200_000
"""Most characters one render may produce (a spoken line or a prompt is far shorter)."""

_MAX_POWER_BITS = 4_096  # ``a ** b`` results up to ~1,200 decimal digits
_MAX_ITEMS = 100_000  # ``'ab' * n``, ``[x] * n``: result length
_MAX_WIDTH = 1_000  # ``'%0999999d' % 1``, ``center(n)``: field widths
_WIDTH = re.compile(r"%[-#0 +]*(\d*)(?:\.(\d*))?")
_STAR = re.compile(r"%[-#0 +]*(?:\*|\d*\.\*)")
_TEMPLATE_FAILURES = (
    TypeError,
    ValueError,
    ArithmeticError,
    LookupError,
    AttributeError,
    RecursionError,
)


def _bounded_concat(parts: Iterable[str]) -> str:
    """``"".join`` that stops a render once it passes ``MAX_OUTPUT`` characters."""
    out: list[str] = []
    size = 0
    for part in parts:
        size += len(part)
        if size > MAX_OUTPUT:
            raise SecurityError(f"the template produced more than {MAX_OUTPUT} characters")
        out.append(part)
    return "".join(out)


def _check_width(width: Any) -> None:
    if isinstance(width, int) and abs(width) > _MAX_WIDTH:
        raise SecurityError(f"a width of {width} (at most {_MAX_WIDTH})")


def _check_format(fmt: str) -> None:
    if _STAR.search(fmt):
        raise SecurityError("a '%' format width given as '*' (write the width in the format)")
    for match in _WIDTH.finditer(fmt):
        for number in match.groups():
            if number and (len(number) > 4 or int(number) > _MAX_WIDTH):
                raise SecurityError(f"a format width of {number} (at most {_MAX_WIDTH})")


class _NoFolding(CodeGenerator):
    """jinja2's code generator without compile-time evaluation.

    jinja2 tries ``as_const()`` on every output expression and on
    ``{% autoescape %}`` arguments, calling filters and operators while the
    template compiles; only literal text and constants are emitted as is here.
    """

    def _output_child_to_const(self, node: nodes.Expr, frame: Frame, finalize: Any) -> str:
        if not isinstance(node, nodes.TemplateData | nodes.Const):
            raise nodes.Impossible()
        return str(super()._output_child_to_const(node, frame, finalize))

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        """Every ``{% for %}`` iterates through ``environment.loop_items``: steps are counted.

        Nested loops multiply: two loops over ``range(100000)`` with nothing
        inside ran 10^10 steps and held the event loop (every call on the
        worker) for minutes, with no output for ``MAX_OUTPUT`` to stop.
        """
        loops: set[int] = self.__dict__.setdefault("_loop_iters", set())
        loops.add(id(node.iter))
        super().visit_For(node, frame)

    def visit(self, node: nodes.Node, *args: Any, **kwargs: Any) -> Any:
        loops: set[int] = self.__dict__.get("_loop_iters", set())
        if id(node) in loops:
            loops.discard(id(node))
            self.write("environment.loop_items(")
            super().visit(node, *args, **kwargs)
            self.write(")")
            return None
        return super().visit(node, *args, **kwargs)

    def visit_EvalContextModifier(self, node: nodes.EvalContextModifier, frame: Frame) -> None:
        for keyword in node.options:
            self.writeline(f"context.eval_ctx.{keyword.key} = ")
            self.visit(keyword.value, frame)
        frame.eval_ctx.volatile = True


class _Environment(ImmutableSandboxedEnvironment):
    """The sandbox with folding off and the value-building operators bounded."""

    code_generator_class = _NoFolding
    intercepted_binops = frozenset({"**", "*", "%"})
    concat = staticmethod(_bounded_concat)

    def getattr(self, obj: Any, attribute: str) -> Any:
        """``slots.items``, ``results.order.items``: a mapping's own key wins over its methods.

        jinja2 tries the attribute first, so a slot, context key or result field
        named ``items``, ``keys``, ``values``, ``get``, ``copy``, ``update``… read as
        the bound method, and the caller heard "<built-in method items of dict
        object at 0x…>".
        """
        if isinstance(obj, Mapping):
            try:
                return obj[attribute]
            except (KeyError, TypeError):
                pass
        return super().getattr(obj, attribute)

    def loop_items(self, iterable: Any) -> Iterator[Any]:
        """The loop's items, counted against the render's ``MAX_LOOP_STEPS``."""
        budget = _STEPS.get()
        if budget is None:  # rendered outside CompiledTemplate.render: this loop alone
            budget = [MAX_LOOP_STEPS]
        for item in iterable:
            budget[0] -= 1
            if budget[0] < 0:
                raise SecurityError(f"the template's loops ran more than {MAX_LOOP_STEPS} steps")
            yield item

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Refuse a text method whose result would be huge before it is built.

        The sandbox lets templates call ``str`` methods: ``'a'.ljust(10**9)``,
        ``zfill``, ``expandtabs``, ``'{:>999999999}'.format(1)`` and chained
        ``replace`` built a gigabyte (or raised MemoryError) before the output
        bound could see it.
        """
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            _check_text_call(owner, getattr(__obj, "__name__", ""), args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``str.format`` is wrapped by the sandbox when read: widths bounded, none nested."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        _check_format_fields(value.__self__)
        return wrapped

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """Refuse ``**``, ``*`` and ``%`` whose result would be huge, before computing it."""
        if operator == "**" and isinstance(left, int) and isinstance(right, int):
            if right > 0 and abs(left) > 1 and abs(left).bit_length() * right > _MAX_POWER_BITS:
                raise SecurityError(f"{left} ** {right} is too large")
        elif operator == "*":
            for seq, times in ((left, right), (right, left)):
                sized = isinstance(seq, str | list | tuple) and isinstance(times, int)
                if sized and len(seq) * times > _MAX_ITEMS:
                    raise SecurityError(f"repeating a value {times} times is too large")
        elif operator == "%" and isinstance(left, str):
            _check_format(left)
        return super().call_binop(context, operator, left, right)


MAX_LOOP_STEPS = 100_000
"""Most loop steps one render may take, across all its loops (nested ones multiply)."""

_STEPS: ContextVar[list[int] | None] = ContextVar("_template_steps", default=None)

_WIDTH_METHODS = frozenset({"ljust", "rjust", "center", "zfill"})


def _check_text_call(text: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Raise ``SecurityError`` for a ``str`` method call whose result would be huge."""
    if name in _WIDTH_METHODS and args:
        _check_width(args[0])
    elif name == "expandtabs":
        size = args[0] if args else kwargs.get("tabsize", 8)
        if isinstance(size, int) and size * max(text.count("\t"), 1) > MAX_OUTPUT:
            raise SecurityError(f"expanding tabs to {size} columns is too large")
    elif name == "replace" and len(args) >= 2:
        _check_replace(text, args[0], args[1])


def _check_replace(text: str, old: Any, new: Any) -> None:
    if isinstance(old, str) and isinstance(new, str):
        hits = text.count(old) if old else len(text) + 1
        if len(text) + hits * (len(new) - len(old)) > MAX_OUTPUT:
            raise SecurityError("replacing would make a text too large")


def _check_format_fields(fmt: str) -> None:
    """``'{:>999999999}'.format(x)`` and ``'{0:{1}}'.format(x, n)``: widths bounded, none nested."""
    try:
        fields = list(string.Formatter().parse(fmt))
    except ValueError:
        return  # str.format refuses it itself
    for _, _, spec, _ in fields:
        if spec and "{" in spec:
            raise SecurityError("a format width given by another field")
        for number in re.findall(r"\d+", spec or ""):
            if len(number) > 4 or int(number) > _MAX_WIDTH:
                raise SecurityError(f"a format width of {number} (at most {_MAX_WIDTH})")


def _replace(value: Any, old: str, new: str, count: int | None = None) -> str:
    text = str(value)
    _check_replace(text, old, new)
    return text.replace(old, new, -1 if count is None else count)


def _batch(value: Any, linecount: int, fill_with: Any = None) -> Any:
    _check_items(linecount)
    return jinja2.filters.do_batch(value, linecount, fill_with)


def _slice(value: Any, slices: int, fill_with: Any = None) -> Any:
    _check_items(slices)
    return jinja2.filters.do_slice(value, slices, fill_with)


def _check_items(count: Any) -> None:
    if isinstance(count, int) and abs(count) > _MAX_ITEMS:
        raise SecurityError(f"{count} pieces (at most {_MAX_ITEMS})")


def _center(value: Any, width: int = 80) -> str:
    _check_width(width)
    return str(value).center(width)


def _format(value: Any, *args: Any, **kwargs: Any) -> str:
    _check_format(str(value))
    return str(value) % (kwargs or args)


def _indent(value: Any, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    _check_width(width if isinstance(width, int) else len(width))
    return str(jinja2.filters.do_indent(str(value), width, first, blank))


def _lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
    for value in (n, min, max):
        _check_width(value)
    return generate_lorem_ipsum(n, html, min, max)


_ENV: _Environment | None = None


def environment() -> ImmutableSandboxedEnvironment:
    """The one sandboxed jinja2 environment all flows share."""
    global _ENV
    if _ENV is None:
        env = _Environment(
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
            trim_blocks=True,
            lstrip_blocks=True,
            optimized=False,
        )
        env.filters["spoken"] = _spoken
        env.filters["masked"] = _masked
        env.filters["center"] = _center
        env.filters["format"] = _format
        env.filters["indent"] = _indent
        env.filters["replace"] = _replace
        env.filters["batch"] = _batch
        env.filters["slice"] = _slice
        env.globals["lipsum"] = _lipsum
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
        steps = _STEPS.set([MAX_LOOP_STEPS])
        try:
            return self._template.render(variables).strip()
        except jinja2.TemplateError as exc:
            raise TemplateError(f"template {self.source!r} failed: {exc}", state=state) from exc
        except _TEMPLATE_FAILURES as exc:
            raise TemplateError(
                f"template {self.source!r} failed: {type(exc).__name__}", state=state
            ) from exc
        finally:
            _STEPS.reset(steps)


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
        except _TEMPLATE_FAILURES as exc:
            raise TemplateError(
                f"expression {self.source!r} failed: {type(exc).__name__}", state=state
            ) from exc
        return bool(result) and not isinstance(result, jinja2.Undefined)


_COMPILE_FAILURES = (RecursionError, SyntaxError, ValueError, OverflowError, MemoryError)
"""What compiling can raise besides a syntax error: nesting too deep for jinja2's
parser or Python's compiler, an integer literal over Python's 4,300 digits."""


_UNKNOWN = re.compile(r"No (filter|test) named '([^']*)'")


def _syntax(exc: jinja2.TemplateSyntaxError) -> TemplateSyntaxProblem:
    message = f"template syntax error: {exc.message}"
    unknown = _UNKNOWN.search(exc.message or "")
    if unknown is not None:
        kind, name = unknown.groups()
        known = environment().filters if kind == "filter" else environment().tests
        close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
        if close:
            message += f" (did you mean '{close[0]}'?)"
    return TemplateSyntaxProblem(message, exc.lineno or 1)


def _too_complex(exc: BaseException) -> TemplateSyntaxProblem:
    what = "nested too deeply" if isinstance(exc, RecursionError | SyntaxError) else str(exc)
    return TemplateSyntaxProblem(f"template cannot be compiled: {what}", 1)


_MEMO: ContextVar[dict[tuple[str, str], Any] | None] = ContextVar("_template_memo", default=None)
"""While a flow compiles: each distinct text's parse tree and compiled form, by kind."""


@contextmanager
def one_parse_each() -> Iterator[None]:
    """Parse and compile each distinct template or expression once while a flow compiles.

    The readers below walk every template again after compiling it; a bounded
    cache thrashed on a flow with more distinct texts than it holds (8,000
    ``if:`` transitions were parsed three times each). The memo lives only as
    long as one compile, so a long-running process that loads many flows keeps
    nothing.
    """
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def _memoised[T](kind: str, source: str, make: Callable[[], T]) -> T:
    memo = _MEMO.get()
    if memo is None:
        return make()
    key = (kind, source)
    if key not in memo:  # failures are not kept: they raise every time, like the first
        memo[key] = make()
    value: T = memo[key]
    return value


def compile_template(source: str) -> CompiledTemplate:
    """Compile a template once; plain text costs nothing to render."""
    if "{" not in source:
        return CompiledTemplate(source, source.strip(), None)
    return _memoised("template", source, lambda: _compile_template(source))


def _compile_template(source: str) -> CompiledTemplate:
    try:
        return CompiledTemplate(source, None, environment().from_string(source))
    except jinja2.TemplateSyntaxError as exc:
        raise _syntax(exc) from exc
    except _COMPILE_FAILURES as exc:
        raise _too_complex(exc) from None


def compile_expression(source: str) -> CompiledExpr:
    """Compile an ``if:`` expression once."""
    return _memoised("expression", source, lambda: _compile_expression(source))


def _compile_expression(source: str) -> CompiledExpr:
    try:
        fn: Callable[..., Any] = _from_tree(source) or environment().compile_expression(
            source, undefined_to_none=False
        )
    except jinja2.TemplateSyntaxError as exc:
        raise _syntax(exc) from exc
    except _COMPILE_FAILURES as exc:
        raise _too_complex(exc) from None
    return CompiledExpr(source, fn)


def _from_tree(source: str) -> TemplateExpression | None:
    """The expression compiled from the parse tree the readers share (one parse, not two).

    Only a text that parses to exactly one expression; anything else goes
    through jinja2's own ``compile_expression`` for its refusal and message.
    """
    try:
        tree = _parsed(source, True)
    except TemplateSyntaxProblem:
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], nodes.Output):
        return None
    outputs = tree.body[0].nodes
    if len(outputs) != 1 or isinstance(outputs[0], nodes.TemplateData):
        return None
    body = [nodes.Assign(nodes.Name("result", "store"), outputs[0], lineno=1)]
    template = environment().from_string(nodes.Template(body, lineno=1))
    return TemplateExpression(template, False)


def _parsed(source: str, expression: bool) -> nodes.Template:
    """The parse tree of a template (or ``if:`` expression), shared by the readers below.

    Loading parses each template once for this (both :func:`references` and
    :func:`reads` walk the tree, never change it): a flow compiles inside
    :func:`one_parse_each`; outside it a small cache serves repeated reads.
    """
    if _MEMO.get() is not None:
        kind = "expression tree" if expression else "template tree"
        return _memoised(kind, source, lambda: _parse(source, expression))
    return _parse_cached(source, expression)


@functools.lru_cache(maxsize=1024)
def _parse_cached(source: str, expression: bool) -> nodes.Template:
    return _parse(source, expression)


def _parse(source: str, expression: bool) -> nodes.Template:
    try:
        return environment().parse("{{ " + source + " }}" if expression else source)
    except jinja2.TemplateSyntaxError as exc:
        raise _syntax(exc) from exc
    except _COMPILE_FAILURES as exc:
        raise _too_complex(exc) from None


def unknown_filters(source: str, *, expression: bool = False) -> list[str]:
    """What is wrong with the filter and test names a template uses, one message each.

    jinja2 refuses an unknown filter when it compiles, except inside an
    ``{% if %}`` block, where it defers the refusal to when the block runs: a
    misspelt ``| spokn`` there validated and failed the call that took it.
    """
    env = environment()
    out: list[str] = []
    for node in _parsed(source, expression).find_all((nodes.Filter, nodes.Test)):
        kind, known = (
            ("filter", env.filters) if isinstance(node, nodes.Filter) else ("test", env.tests)
        )
        if node.name in known:
            continue
        message = f"template syntax error: No {kind} named '{node.name}'."
        close = difflib.get_close_matches(node.name, list(known), n=1, cutoff=0.6)
        out.append(message + (f" (did you mean '{close[0]}'?)" if close else ""))
    return list(dict.fromkeys(out))


def spoken_types(source: str, *, expression: bool = False) -> list[str]:
    """Slot type names given to the ``spoken`` filter (``| spoken('postal_code')``).

    The type is looked up when the line is said; a misspelt one would take the
    call down its error path, so the compiler checks these names at load.
    """
    ast = _parsed(source, expression)
    return [
        f.args[0].value
        for f in ast.find_all(nodes.Filter)
        if f.name == "spoken"
        and f.args
        and isinstance(f.args[0], nodes.Const)
        and isinstance(f.args[0].value, str)
    ]


def references(source: str, *, expression: bool = False) -> list[tuple[str, str | None]]:
    """Names a template reads: ``(top, attr)`` pairs, e.g. ``("slots", "visit_date")``.

    Only free names count: loop variables and ``set`` targets are skipped.
    """
    ast = _parsed(source, expression)
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


# --------------------------------------------------------------------------- reads

_DICT_METHODS = frozenset(dir(dict))
_GUARD_TESTS = frozenset({"defined", "undefined", "none"})
_GUARD_FILTERS = frozenset({"default", "d"})
_NONE_SAFE_OPS = frozenset({"eq", "ne", "in", "notin"})
"""Comparisons an empty slot (None) takes part in without failing."""


@dataclass(frozen=True, slots=True)
class Read:
    """One name a template reads, with the keys after it.

    ``path`` is the chain of constant attribute and item names from a free
    name (``("results", "rx", "confirmation")``); ``guarded`` is true when
    the read cannot fail because the value is missing: it is tested with
    ``is defined``, given a ``default``, or sits inside an ``if`` (or after
    an ``and``) whose test mentions the same value. ``in_test`` is true when
    the value is only used for its truth (``{% if slots.x %}``), which is
    harmless for a slot that reads ``None`` but not for a missing result.
    ``line`` is 1-based within the template.
    """

    path: tuple[str | int, ...]
    guarded: bool
    in_test: bool
    line: int


def _chain(node: nodes.Node) -> tuple[str | int, ...] | None:
    """``results.rx['a'].b`` → ``("results", "rx", "a", "b")``; None if not a constant chain."""
    parts: list[str | int] = []
    while True:
        if isinstance(node, nodes.Getattr):
            parts.append(node.attr)
            node = node.node
        elif isinstance(node, nodes.Getitem):
            if not isinstance(node.arg, nodes.Const) or not isinstance(node.arg.value, str | int):
                return None
            parts.append(node.arg.value)
            node = node.node
        elif isinstance(node, nodes.Name):
            parts.append(node.name)
            return tuple(reversed(parts))
        else:
            return None


class _ReadWalker:
    """Collects :class:`Read`s from a parsed template, tracking guards."""

    def __init__(self, bound: set[str]) -> None:
        self.bound = bound
        self.out: list[Read] = []

    def mentions(self, node: nodes.Node) -> list[tuple[str | int, ...]]:
        """Paths a test mentions (what an ``if`` over it guards)."""
        found: list[tuple[str | int, ...]] = []
        for sub in (node, *node.find_all((nodes.Getattr, nodes.Getitem, nodes.Name))):
            path = _chain(sub)
            if path is not None:
                found.append(path)
        for cmp in (node, *node.find_all(nodes.Compare)):
            if not isinstance(cmp, nodes.Compare) or not isinstance(cmp.expr, nodes.Const):
                continue
            for op in cmp.ops:
                base = _chain(op.expr)
                usable = base is not None and isinstance(cmp.expr.value, str | int)
                if op.op in ("in", "notin") and usable and base is not None:
                    found.append((*base, cmp.expr.value))
        return found

    def visit(
        self, node: nodes.Node, guards: tuple[tuple[str | int, ...], ...], *, test: bool = False
    ) -> None:
        chainable = isinstance(node, nodes.Getattr | nodes.Getitem | nodes.Name)
        path = _chain(node) if chainable else None
        if path is not None:
            if isinstance(node, nodes.Name) and node.ctx != "load":
                return
            if path[0] not in self.bound:
                guarded = any(path[: len(g)] == g for g in guards if len(g) >= 2)
                self.add(path, guarded, test, node.lineno)
            # the item of a non-constant subscript is an expression of its own
            inner: nodes.Node = node
            while isinstance(inner, nodes.Getattr | nodes.Getitem):
                if isinstance(inner, nodes.Getitem):
                    self.visit(inner.arg, guards)
                inner = inner.node
            return
        if isinstance(node, nodes.Test) and node.name in _GUARD_TESTS:
            path = _chain(node.node)
            if path is not None and path[0] not in self.bound:
                self.add(path, True, True, node.lineno)
                return
        if isinstance(node, nodes.Filter) and node.name in _GUARD_FILTERS and node.node:
            path = _chain(node.node)
            if path is not None and path[0] not in self.bound:
                self.add(path, True, test, node.lineno)
                for arg in node.args:
                    self.visit(arg, guards)
                return
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr):
            base = _chain(node.node.node)
            if base is not None and node.node.attr in ("get",) and base[0] not in self.bound:
                # results.get('rx'): reading through .get never fails for a missing key
                self.add(base, False, True, node.lineno)
                for arg in (*node.args, *(k.value for k in node.kwargs)):
                    self.visit(arg, guards)
                return
        if isinstance(node, nodes.If | nodes.CondExpr):
            cond = node.test
            self.visit(cond, guards, test=True)
            guarded_by = (*guards, *self.mentions(cond))
            if isinstance(node, nodes.If):
                for child in (*node.body, *node.elif_, *node.else_):
                    self.visit(child, guarded_by)
            else:
                self.visit(node.expr1, guarded_by)
                if node.expr2 is not None:
                    self.visit(node.expr2, guarded_by)
            return
        if isinstance(node, nodes.Compare) and all(op.op in _NONE_SAFE_OPS for op in node.ops):
            # slots.reason == 'better', slots.kind in ['a', 'b']: an empty slot (None)
            # compares without failing; only the left of an 'in' is safe (None is no list)
            self.visit(node.expr, guards, test=True)
            for op in node.ops:
                self.visit(op.expr, guards, test=op.op in ("eq", "ne"))
            return
        if isinstance(node, nodes.Or):
            # {{ slots.kind or 'unknown' }}: the left side is only used for its truth
            self.visit(node.left, guards, test=True)
            self.visit(node.right, (*guards, *self.mentions(node.left)), test=test)
            return
        if isinstance(node, nodes.And):
            self.visit(node.left, guards, test=test)
            self.visit(node.right, (*guards, *self.mentions(node.left)), test=test)
            return
        if isinstance(node, nodes.Not):
            self.visit(node.node, guards, test=test)
            return
        for child in node.iter_child_nodes():
            self.visit(child, guards)

    def add(self, path: tuple[str | int, ...], guarded: bool, test: bool, line: int) -> None:
        if len(path) >= 2 and path[-1] in _DICT_METHODS and isinstance(path[-1], str):
            path = path[:-1]  # results.items(), pharmacy.keys(): the mapping itself
        self.out.append(Read(path, guarded, test, line or 1))


def reads(source: str, *, expression: bool = False) -> list[Read]:
    """Every name a template or ``if:`` expression reads, with the keys after it.

    Loop variables and ``set`` targets are not free names and are left out.
    Raises ``TemplateSyntaxProblem`` when the text does not parse.
    """
    ast = _parsed(source, expression)
    bound: set[str] = set()
    try:
        scoped = list(ast.find_all((nodes.For, nodes.Assign, nodes.With, nodes.Macro)))
    except RecursionError as exc:
        raise _too_complex(exc) from None
    for node in scoped:
        target = getattr(node, "target", None)
        targets = getattr(node, "targets", None) or ([target] if target is not None else [])
        for t in targets:
            for name in (t, *t.find_all(nodes.Name)):
                if isinstance(name, nodes.Name):
                    bound.add(name.name)
        for arg in getattr(node, "args", None) or []:
            if isinstance(arg, nodes.Name):
                bound.add(arg.name)
    bound.add("loop")
    walker = _ReadWalker(bound)
    root: nodes.Node = ast
    test = False
    if expression and isinstance(ast, nodes.Template) and len(ast.body) == 1:
        output = ast.body[0]
        if isinstance(output, nodes.Output) and len(output.nodes) == 1:
            root, test = output.nodes[0], True  # an if: is a truth test
    try:
        walker.visit(root, (), test=test)
    except RecursionError as exc:  # nesting jinja2 itself cannot compile either
        raise _too_complex(exc) from None
    return walker.out
