"""Render an HTTP action's ``url:`` template so values can never change the URL's structure.

A URL template mixes what the flow author wrote (scheme, host, path segments,
query keys) with values that come from callers, backends and hosts (slots,
``results``, ``session``). Rendering it as plain text let a text slot of
``../../admin`` reach ``GET /admin`` and ``x?account=0&admin=1#`` replace the
query. Here each value is encoded for the URL component it lands in:

* **path**: percent-encoded with nothing kept (``/ ? # %`` and every other
  reserved character are escaped), and a segment that a value turns into ``.``
  or ``..`` has its dots written ``%2E``, so a value is always exactly one
  segment's worth of data;
* **query**: percent-encoded as a query key or value (``& = + #`` escaped);
* **fragment**: percent-encoded as fragment text;
* **host**: accepted only as a plain host name (letters, digits, ``-`` and
  ``.``, and the whole host must then be a valid host name), otherwise refused;
* **scheme, user info, port**: always refused.

The flow's own constants are structure, not values: an expression that reads
only ``context`` (or a top-level context key), ``flow`` or ``state`` is
rendered as written, so ``url: "{{ context.api }}/cards/{{ slots.card }}"``
works. Anything else, including names bound inside the template (``set``,
``for``, macro arguments), is a value.

How: the template is compiled once per source (cached) on an overlay of the
shared sandboxed environment, with every value expression wrapped in a filter
that records the value and outputs a random marker. The rendered text is split
with ``urllib.parse.urlsplit``, and each marker is replaced by its value encoded
for the component it landed in.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import SplitResult, quote, urlsplit, urlunsplit

import jinja2
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from superdialog.compile.templates import RUNTIME_NAMES, environment
from superdialog.errors import ActionError, TemplateError

__all__ = ["TRUSTED_NAMES", "UrlTemplate", "compile_url"]

TRUSTED_NAMES: Final = frozenset({"context", "flow", "state"})
"""Runtime names whose values the flow author wrote; they may form URL structure."""

_SCOPE_NAMES: Final = frozenset({"loop", "caller", "varargs", "kwargs"})
"""Names jinja binds implicitly inside loops and macros; their values are data."""

_MARK_FILTER: Final = "superdialog_url_value"
_HOST_VALUE = re.compile(r"[A-Za-z0-9.-]+")
_HOST_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_HOSTNAME = re.compile(rf"{_HOST_LABEL}(?:\.{_HOST_LABEL})*\.?")
_SCHEMES: Final = ("http", "https")


class _Recorder:
    """Values met during one render, and the random marker text that stands for them."""

    __slots__ = ("inner", "pattern", "prefix", "values")

    def __init__(self) -> None:
        self.prefix = f"sdv{secrets.token_hex(8)}x"
        self.pattern = re.compile(re.escape(self.prefix) + r"(\d+)z")
        self.values: list[str] = []
        self.inner: set[int] = set()  # markers folded into an outer value

    def mark(self, value: Any) -> str:
        # A value may itself hold markers (a macro's output); record it as plain text.
        text = self.pattern.sub(self._unfold, str(value))
        self.values.append(text)
        return f"{self.prefix}{len(self.values) - 1}z"

    def _unfold(self, m: re.Match[str]) -> str:
        index = int(m.group(1))
        self.inner.add(index)
        return self.values[index]

    def intact(self, text: str) -> bool:
        """Whether every outer marker appears in ``text`` exactly once, and nothing else."""
        found = [int(i) for i in self.pattern.findall(text)]
        expected = [i for i in range(len(self.values)) if i not in self.inner]
        return text.count(self.prefix) == len(found) and sorted(found) == expected


_RECORDER: ContextVar[_Recorder | None] = ContextVar("superdialog_url_recorder", default=None)


def _mark(value: Any, urlencoded: bool = False) -> str:
    recorder = _RECORDER.get()
    if recorder is None:  # pragma: no cover - only UrlTemplate.render renders these
        raise jinja2.TemplateRuntimeError("URL template rendered outside UrlTemplate.render")
    if urlencoded and not isinstance(value, str | int | float):
        raise jinja2.TemplateRuntimeError(
            "'urlencode' of a mapping or list in a url is not supported: "
            "pass the values as the action's args (a GET sends them as query parameters)"
        )
    return recorder.mark(value)


@functools.cache
def _url_environment() -> ImmutableSandboxedEnvironment:
    """The shared sandbox plus the marker filter (an overlay: same filters, same rules)."""
    env = environment().overlay()
    assert isinstance(env, ImmutableSandboxedEnvironment)
    # An overlay shares its parent's filter dict: copy it, or every flow template
    # would see the marker filter.
    env.filters = {**env.filters, _MARK_FILTER: _mark}
    return env


@dataclass(frozen=True, slots=True)
class UrlTemplate:
    """A ``url:`` template compiled so that values are encoded per URL component."""

    source: str
    _template: jinja2.Template | None

    def render(self, variables: Mapping[str, Any], *, state: str | None = None) -> str:
        """The URL, with every value encoded for the component it lands in.

        Args:
            variables: Template variables (as for any template).
            state: The action's state, for error messages.

        Returns:
            An absolute ``http``/``https`` URL.

        Raises:
            TemplateError: The template failed to render.
            ActionError: A value landed where it is refused (scheme, user info,
                port, or a host that is not a plain host name), or the result is
                not an absolute http(s) URL.

        """
        if self._template is None:
            return _checked(_split(self.source.strip(), state), state)
        recorder = _Recorder()
        token = _RECORDER.set(recorder)
        try:
            text = self._template.render(variables).strip()
        except jinja2.TemplateError as exc:
            raise TemplateError(f"template {self.source!r} failed: {exc}", state=state) from exc
        except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError) as exc:
            raise TemplateError(
                f"template {self.source!r} failed: {type(exc).__name__}", state=state
            ) from exc
        finally:
            _RECORDER.reset(token)
        if not recorder.intact(text):
            raise ActionError(
                "the url template changes a value after it is inserted (e.g. a filter block "
                "around it); apply filters inside {{ }} instead",
                state=state,
            )
        return _checked(_fill(_split(text, state), recorder, state), state)


@functools.lru_cache(maxsize=1024)
def compile_url(source: str) -> UrlTemplate:
    """Compile a ``url:`` template once (cached by source).

    Args:
        source: The template text as written in the flow.

    Returns:
        The compiled template; plain text with no tags renders as itself.

    Raises:
        TemplateSyntaxError: The source does not parse (the flow compiler has
            already reported this for any flow that loaded).

    """
    if "{" not in source:
        return UrlTemplate(source, None)
    env = _url_environment()
    ast = env.parse(source)
    bound = {n.name for n in ast.find_all(nodes.Name) if n.ctx in ("store", "param")} | _SCOPE_NAMES
    for output in list(ast.find_all(nodes.Output)):
        output.nodes = [
            child
            if isinstance(child, nodes.TemplateData) or _is_constant(child, bound)
            else _value(child)
            for child in output.nodes
        ]
    ast.set_environment(env)
    return UrlTemplate(source, env.from_string(ast))


def _value(expr: nodes.Expr) -> nodes.Filter:
    """``expr`` wrapped in the marker filter.

    A trailing ``| urlencode`` is dropped: the value is encoded for its component
    anyway, and jinja's ``urlencode`` keeps ``/`` (it would let ``../`` through in
    a path) and would be encoded twice.
    """
    urlencoded = (
        isinstance(expr, nodes.Filter)
        and expr.name == "urlencode"
        and expr.node is not None
        and not (expr.args or expr.kwargs or expr.dyn_args or expr.dyn_kwargs)
    )
    if urlencoded:
        assert isinstance(expr, nodes.Filter) and expr.node is not None
        expr = expr.node
    flag = [nodes.Const(True, lineno=expr.lineno)] if urlencoded else []
    return nodes.Filter(expr, _MARK_FILTER, flag, [], None, None, lineno=expr.lineno)


def _is_constant(expr: nodes.Node, bound: set[str] | frozenset[str]) -> bool:
    """Whether ``expr`` reads only what the flow author wrote (context, flow, state)."""
    names = [expr] if isinstance(expr, nodes.Name) else []
    names.extend(expr.find_all(nodes.Name))  # descendants only, hence the line above
    for name in names:
        if name.name in bound:  # checked first: "{% set context = slots %}" is data
            return False
        if name.name in RUNTIME_NAMES and name.name not in TRUSTED_NAMES:
            return False
    return True


def _split(text: str, state: str | None) -> SplitResult:
    try:
        return urlsplit(text)
    except ValueError:  # e.g. an unbalanced "[" in the host; the text may quote a value
        raise ActionError("the action url does not parse", state=state) from None


def _fill(parts: SplitResult, recorder: _Recorder, state: str | None) -> SplitResult:
    """Replace each marker by its value, encoded for the component it landed in."""
    prefix = recorder.prefix
    if prefix in parts.scheme:
        raise ActionError("a value lands in the scheme of the action url", state=state)
    netloc = parts.netloc
    if prefix in netloc:
        netloc = _fill_netloc(netloc, recorder, state)
    path = parts.path
    if prefix in path:
        path = "/".join(_fill_segment(seg, recorder) for seg in path.split("/"))

    def encoded(m: re.Match[str]) -> str:
        return quote(recorder.values[int(m.group(1))], safe="")

    query = recorder.pattern.sub(encoded, parts.query)
    fragment = recorder.pattern.sub(encoded, parts.fragment)
    return SplitResult(parts.scheme, netloc, path, query, fragment)


def _fill_netloc(netloc: str, recorder: _Recorder, state: str | None) -> str:
    userinfo, at, hostport = netloc.rpartition("@")
    if recorder.prefix in userinfo:
        raise ActionError("a value lands in the user info of the action url", state=state)
    host, colon, port = hostport, "", ""
    if not hostport.startswith("["):  # an IPv6 literal never takes a value (checked below)
        host, colon, port = hostport.partition(":")
    if recorder.prefix in port:
        raise ActionError("a value lands in the port of the action url", state=state)

    def plain_host(m: re.Match[str]) -> str:
        value = recorder.values[int(m.group(1))]
        if not _HOST_VALUE.fullmatch(value):
            raise ActionError(
                "a value in the host of the action url is not a plain host name", state=state
            )
        return value

    host = recorder.pattern.sub(plain_host, host)
    if len(host) > 253 or not _HOSTNAME.fullmatch(host):
        raise ActionError(
            "a value in the host of the action url is not a plain host name", state=state
        )
    return f"{userinfo}{at}{host}{colon}{port}"


def _fill_segment(segment: str, recorder: _Recorder) -> str:
    """One path segment: each value fully percent-encoded, and never a dot segment."""
    if recorder.prefix not in segment:
        return segment
    plain = recorder.pattern.sub(lambda m: recorder.values[int(m.group(1))], segment)
    if plain in (".", ".."):  # "." and ".." would move up or stay: write the dots encoded
        return plain.replace(".", "%2E")
    return recorder.pattern.sub(lambda m: quote(recorder.values[int(m.group(1))], safe=""), segment)


def _checked(parts: SplitResult, state: str | None) -> str:
    if parts.scheme not in _SCHEMES or not parts.netloc:
        raise ActionError("the action url must be an absolute http:// or https:// url", state=state)
    return urlunsplit(parts)
