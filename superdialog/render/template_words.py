"""A template's source as a reader of a diagram sees it: words, with the values it reads named.

Business reviewers read the words, not Jinja. The template is parsed (never
rendered, so no value can reach a diagram) and written back as text: a value
read becomes its name in single guillemets (``{{ slots.visit_date | spoken }}``
→ visit_date in guillemets), and choices show every wording they can give, in brackets
apart by " / " (``{{ 'morning' if slots.hour < 12 else 'afternoon' }}`` →
(morning / afternoon); ``{% if slots.vip %}Welcome back{% else %}Hello{% endif %}``
→ (Welcome back / Hello); an ``if`` with no ``else`` → (Welcome back)). A regex
over the source (the old way) cut inline ifs, quoted ``|`` and ``}}`` and joined
both branches of an ``{% if %}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from jinja2 import TemplateSyntaxError, nodes

from superdialog.compile.templates import environment

__all__ = ["template_words"]

_PREFIXES = ("slots", "results", "context", "session")
_SPACES = re.compile(r"\s+")
_OR = " / "
_MAX_NODES = 2_000  # a diagram line is a summary: past this, only the names it reads


def template_words(source: str) -> str:
    """``source`` as words with the values it reads in guillemets (see the module doc)."""
    if "{" not in source:
        return _SPACES.sub(" ", source).strip()
    try:
        tree = environment().parse(source)
        words = _Words().body(tree.body)
    except (TemplateSyntaxError, RecursionError, _TooBig):
        words = _fallback(source)
    return _SPACES.sub(" ", words).strip()


class _TooBig(Exception):
    pass


class _Words:
    """Writes a parse tree back as words, counting nodes so a huge template stays cheap."""

    def __init__(self) -> None:
        self.seen = 0

    def tick(self) -> None:
        self.seen += 1
        if self.seen > _MAX_NODES:
            raise _TooBig

    def body(self, items: Iterable[nodes.Node]) -> str:
        return "".join(self.statement(n) for n in items)

    def statement(self, node: nodes.Node) -> str:
        self.tick()
        if isinstance(node, nodes.Output):
            return "".join(self.output(n) for n in node.nodes)
        if isinstance(node, nodes.If):
            branches = [self.body(node.body)]
            branches += [self.body(e.body) for e in node.elif_]
            if node.else_:
                branches.append(self.body(node.else_))
            return _choices(branches)
        if isinstance(node, nodes.For):
            return self.body(node.body).rstrip(" ,;") + " \u2026 "
        if isinstance(node, nodes.With | nodes.Scope | nodes.FilterBlock):
            return self.body(node.body)
        return ""  # set, macro, call blocks, comments: nothing a caller hears as such

    def output(self, node: nodes.Node) -> str:
        if isinstance(node, nodes.TemplateData):
            return str(node.data)
        return self.expr(node)

    def expr(self, node: nodes.Node) -> str:
        """An expression as the words it says: text stays text, a value read is named."""
        self.tick()
        if isinstance(node, nodes.Const):
            return "" if node.value is None else str(node.value)
        if isinstance(node, nodes.TemplateData):
            return str(node.data)
        if isinstance(node, nodes.CondExpr):
            wordings = [self.expr(node.expr1)]
            if node.expr2 is not None:
                wordings.append(self.expr(node.expr2))
            return _choices(wordings)
        if isinstance(node, nodes.Or):  # {{ slots.name or 'there' }}
            return _choices([self.expr(node.left), self.expr(node.right)])
        if isinstance(node, nodes.Concat):
            return "".join(self.expr(n) for n in node.nodes)
        if isinstance(node, nodes.Filter | nodes.Test) and node.node is not None:
            return self.expr(node.node)  # | spoken, | title, | default(...): the value itself
        if isinstance(node, nodes.Add) and _texty(node.left, node.right):
            return self.expr(node.left) + self.expr(node.right)
        name = _name(node)
        if name is not None:
            return f"\u2039{name}\u203a"
        names = list(dict.fromkeys(n for n in map(_name, _reads(node)) if n is not None))
        return f"\u2039{', '.join(names) if names else '\u2026'}\u203a"


def _choices(wordings: list[str]) -> str:
    """Every wording a choice can give, bracketed to show its reach (one: it may be left out)."""
    kept = list(dict.fromkeys(_SPACES.sub(" ", w).strip() for w in wordings))
    kept = [w for w in kept if w]
    return f"({_OR.join(kept)})" if kept else ""


def _texty(*sides: nodes.Node) -> bool:
    return any(isinstance(s, nodes.Const) and isinstance(s.value, str) for s in sides)


def _name(node: nodes.Node) -> str | None:
    """``slots.visit_date`` → visit_date, ``results.order['total']`` → order.total."""
    parts: list[str] = []
    while True:
        if isinstance(node, nodes.Getattr):
            parts.append(node.attr)
            node = node.node
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            parts.append(str(node.arg.value))
            node = node.node
        elif isinstance(node, nodes.Name):
            parts.append(node.name)
            break
        else:
            return None
    parts.reverse()
    if len(parts) > 1 and parts[0] in _PREFIXES:
        parts = parts[1:]
    return ".".join(parts)


def _reads(node: nodes.Node) -> list[nodes.Node]:
    """The outermost name chains inside an expression (``slots.n + 1`` → ``slots.n``)."""
    found: list[nodes.Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if _name(current) is not None:
            found.append(current)
            continue
        stack.extend(reversed(list(current.iter_child_nodes())))
    return found


_TAGS = re.compile(r"\{%-?.*?-?%\}|\{#.*?#\}", re.S)
_EXPR = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.S)


def _fallback(source: str) -> str:
    """A text jinja2 cannot parse (or too big to walk): tags dropped, expressions named."""
    text = _TAGS.sub("", source)
    return _EXPR.sub(lambda m: f"\u2039{m.group(1).split('|', 1)[0].strip()}\u203a", text)
