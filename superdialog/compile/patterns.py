r"""Static check for regular expressions that backtrack catastrophically.

Python's ``re`` backtracks: a pattern that can match the same text in many ways
(``^(a+)+$``, ``(a|aa)+$``, ``(x+x+)+y``) takes exponential time on an input
that almost matches: 26 characters stall the event loop for seconds. A slot
``pattern`` is written by the flow author but matched against what callers
say, so such a pattern is refused when the flow loads.

The check works on the parse tree ``re`` itself builds and flags a repeated
group (``*``, ``+``, ``{m,n}`` with n ≥ 2) whose body is ambiguous, in any of
three ways:

* **overlapping end and start**: the body can end in a variable-length run of
  characters the body can also start with, so the boundary between two
  iterations can move (``(a+)+``, ``(\w+\s?)+``, ``(\d{1,3})+``);
* **overlapping neighbours**: inside the body, a variable-length run is
  followed by something that can start with the same characters, so the split
  between them can move (``(x+x+)+``, ``(.*a){12}``);
* **overlapping alternatives**: two alternatives can start with the same
  character, or both match nothing (``(?:a|b|ab)+``, ``(?:a|a)+``).

Outside any repeat, three or more variable runs that can take each other's
characters, with nothing between them that they cannot match (``\d*\d*\d*x``,
``.*a.*b.*c``), are refused too (polynomial of degree 3 and up). Alternatives
``re`` merges itself (``(a|ab)``, ``(\w|\d)``) are judged as merged. The
check is conservative: it may refuse a pattern that happens to be fast
(``.*foo.*bar.*``). Possessive repeats (``a++``) and atomic groups
(``(?>...)``) never backtrack and are accepted. Character sets are compared on a probe alphabet
(ASCII, every character the pattern names, and a sample of other scripts).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_PATTERN_CHARS", "backtracking_problem"]

MAX_PATTERN_CHARS = 1_000
"""Longest pattern checked (and accepted): slot patterns are a line, not a program."""

_p: Any = importlib.import_module("re._parser")  # the parser ``re.compile`` uses
_c: Any = importlib.import_module("re._constants")

_REPEATS = (_c.MAX_REPEAT, _c.MIN_REPEAT)
_ATOMS = (_c.LITERAL, _c.NOT_LITERAL, _c.ANY, _c.IN)
_ZERO_WIDTH = (_c.AT, _c.ASSERT, _c.ASSERT_NOT)
_SAMPLES = (  # other scripts, digits, spaces, case oddities
    "\u00a0\u00e9\u00c9\u00df\u017f\u0131\u0130\u212a\u0663\u00b2\u2028"
    "\u0416\u0436\u4e2d\U0001f600\x85"
)

Chars = frozenset[str]
_UNBOUNDED = 1 << 32


@dataclass(frozen=True, slots=True)
class _Ctx:
    probes: tuple[str, ...]
    flags: int

    def with_flags(self, add: int, remove: int) -> _Ctx:
        return _Ctx(self.probes, (self.flags | add) & ~remove)

    @property
    def all(self) -> Chars:
        return frozenset(self.probes)


def _variants(ch: str, ignore_case: bool) -> set[str]:
    if not ignore_case:
        return {ch}
    return {v for v in (ch, ch.lower(), ch.upper(), ch.casefold()) if len(v) == 1}


def _category(cat: Any, ch: str, ascii_only: bool) -> bool:
    if ascii_only and not ch.isascii():
        return cat in (_c.CATEGORY_NOT_DIGIT, _c.CATEGORY_NOT_WORD, _c.CATEGORY_NOT_SPACE)
    digit = ch.isdecimal()
    word = ch.isalnum() or ch == "_"
    space = ch.isspace()
    return {
        _c.CATEGORY_DIGIT: digit,
        _c.CATEGORY_NOT_DIGIT: not digit,
        _c.CATEGORY_WORD: word,
        _c.CATEGORY_NOT_WORD: not word,
        _c.CATEGORY_SPACE: space,
        _c.CATEGORY_NOT_SPACE: not space,
    }.get(cat, True)


def _in_set(items: list[tuple[Any, Any]], ch: str, ctx: _Ctx) -> bool:
    ignore = bool(ctx.flags & re.IGNORECASE)
    ascii_only = bool(ctx.flags & re.ASCII)
    negate = False
    hit = False
    for op, av in items:
        if op is _c.NEGATE:
            negate = True
        elif op is _c.LITERAL:
            hit = hit or any(ord(v) == av for v in _variants(ch, ignore))
        elif op is _c.RANGE:
            lo, hi = av
            hit = hit or any(lo <= ord(v) <= hi for v in _variants(ch, ignore) if len(v) == 1)
        elif op is _c.CATEGORY:
            hit = hit or _category(av, ch, ascii_only)
        else:  # anything unexpected: assume it matches (conservative)
            hit = True
    return hit != negate


def _atom(op: Any, av: Any, ctx: _Ctx) -> Chars:
    ignore = bool(ctx.flags & re.IGNORECASE)
    if op is _c.LITERAL:
        return frozenset(p for p in ctx.probes if chr(av) in _variants(p, ignore))
    if op is _c.NOT_LITERAL:
        return frozenset(p for p in ctx.probes if chr(av) not in _variants(p, ignore))
    if op is _c.ANY:
        return ctx.all if ctx.flags & re.DOTALL else ctx.all - {"\n"}
    return frozenset(p for p in ctx.probes if _in_set(av, p, ctx))


def _body(op: Any, av: Any) -> list[Any]:
    """The sub-sequence of a repeat, group, atomic group or lookaround."""
    if op in _REPEATS or op is _c.POSSESSIVE_REPEAT:
        return list(av[2])
    if op is _c.SUBPATTERN:
        return list(av[3])
    if op is _c.ATOMIC_GROUP:
        return list(av)
    if op in (_c.ASSERT, _c.ASSERT_NOT):
        return list(av[1])
    return []


def _scoped(op: Any, av: Any, ctx: _Ctx) -> _Ctx:
    return ctx.with_flags(av[1], av[2]) if op is _c.SUBPATTERN else ctx


class _Analysis:
    """Nullability, first characters and alphabets of sub-patterns."""

    def nullable(self, seq: Iterable[Any]) -> bool:
        return all(self.item_nullable(op, av) for op, av in seq)

    def item_nullable(self, op: Any, av: Any) -> bool:
        if op in _ATOMS:
            return False
        if op in _REPEATS or op is _c.POSSESSIVE_REPEAT:
            return bool(av[0] == 0) or self.nullable(av[2])
        if op is _c.BRANCH:
            return any(self.nullable(alt) for alt in av[1])
        if op is _c.GROUPREF_EXISTS:
            return self.nullable(av[1]) or av[2] is None or self.nullable(av[2])
        if op in (_c.SUBPATTERN, _c.ATOMIC_GROUP):
            return self.nullable(_body(op, av))
        return True  # anchors, lookarounds, back-references (may be empty)

    def width(self, seq: Iterable[Any]) -> tuple[int, int]:
        """Shortest and longest text ``seq`` matches (``_UNBOUNDED`` for no limit)."""
        lo = hi = 0
        for op, av in seq:
            a, b = self.item_width(op, av)
            lo, hi = lo + a, min(hi + b, _UNBOUNDED)
        return lo, hi

    def item_width(self, op: Any, av: Any) -> tuple[int, int]:
        if op in _ATOMS:
            return 1, 1
        if op in _REPEATS or op is _c.POSSESSIVE_REPEAT:
            lo, hi = self.width(av[2])
            top = _UNBOUNDED if av[1] == _c.MAXREPEAT else av[1]
            return lo * av[0], min(hi * top, _UNBOUNDED)
        if op is _c.BRANCH:
            widths = [self.width(alt) for alt in av[1]]
            return min(w[0] for w in widths), max(w[1] for w in widths)
        if op is _c.GROUPREF_EXISTS:
            yes = self.width(av[1])
            no = self.width(av[2]) if av[2] else (0, 0)
            return min(yes[0], no[0]), max(yes[1], no[1])
        if op is _c.GROUPREF:
            return 0, _UNBOUNDED
        if op in (_c.SUBPATTERN, _c.ATOMIC_GROUP):
            return self.width(_body(op, av))
        return 0, 0

    def first(self, seq: Iterable[Any], ctx: _Ctx) -> Chars:
        out: set[str] = set()
        for op, av in seq:
            out |= self.item_first(op, av, ctx)
            if not self.item_nullable(op, av):
                break
        return frozenset(out)

    def item_first(self, op: Any, av: Any, ctx: _Ctx) -> Chars:
        if op in _ATOMS:
            return _atom(op, av, ctx)
        if op in _ZERO_WIDTH:
            return frozenset()
        if op is _c.BRANCH:
            return frozenset().union(*(self.first(alt, ctx) for alt in av[1]))
        if op is _c.GROUPREF_EXISTS:
            return self.first(av[1], ctx) | (self.first(av[2], ctx) if av[2] else frozenset())
        if op is _c.GROUPREF:
            return ctx.all
        if op in _REPEATS or op is _c.POSSESSIVE_REPEAT:
            return self.first(av[2], ctx) if av[1] > 0 else frozenset()
        return self.first(_body(op, av), _scoped(op, av, ctx))

    def alphabet(self, seq: Iterable[Any], ctx: _Ctx) -> Chars:
        out: set[str] = set()
        for op, av in seq:
            if op in _ATOMS:
                out |= _atom(op, av, ctx)
            elif op is _c.GROUPREF:
                out |= ctx.all
            elif op is _c.BRANCH:
                for alt in av[1]:
                    out |= self.alphabet(alt, ctx)
            elif op is _c.GROUPREF_EXISTS:
                out |= self.alphabet(av[1], ctx)
                if av[2]:
                    out |= self.alphabet(av[2], ctx)
            elif op not in _ZERO_WIDTH:
                out |= self.alphabet(_body(op, av), _scoped(op, av, ctx))
        return frozenset(out)

    def tail_runs(self, seq: list[Any], ctx: _Ctx) -> list[Chars]:
        """Alphabets of variable-length runs that can end ``seq`` (and be given back)."""
        out: list[Chars] = []
        for op, av in reversed(seq):
            if op in _REPEATS:
                if av[0] != av[1]:
                    out.append(self.alphabet(av[2], ctx))
                out += self.tail_runs(list(av[2]), ctx)
            elif op is _c.SUBPATTERN:
                out += self.tail_runs(_body(op, av), _scoped(op, av, ctx))
            elif op is _c.BRANCH:
                if len({self.width(alt) for alt in av[1]}) > 1:  # (|a): a run of 0 or 1
                    out.append(self.alphabet([(op, av)], ctx))
                for alt in av[1]:
                    out += self.tail_runs(list(alt), ctx)
            elif op is _c.GROUPREF_EXISTS:
                out += self.tail_runs(list(av[1]), ctx)
                if av[2]:
                    out += self.tail_runs(list(av[2]), ctx)
            # atomic groups and possessive repeats give nothing back
            if not self.item_nullable(op, av):
                break
        return out


class _Checker(_Analysis):
    def __init__(self) -> None:
        self.reason: str | None = None

    def walk(self, seq: list[Any], ctx: _Ctx) -> None:
        """Visit every repeat in ``seq`` (nested ones too) and every sequence."""
        self.check_chain(seq, ctx)
        for op, av in seq:
            if self.reason:
                return
            if op in _REPEATS and av[1] >= 2:
                self.check_repeat(list(av[2]), ctx)
            if op is _c.BRANCH:
                for alt in av[1]:
                    self.walk(list(alt), ctx)
            elif op is _c.GROUPREF_EXISTS:
                self.walk(list(av[1]), ctx)
                if av[2]:
                    self.walk(list(av[2]), ctx)
            elif op not in _ATOMS and op not in (_c.AT, _c.GROUPREF):
                self.walk(_body(op, av), _scoped(op, av, ctx))

    def check_repeat(self, body: list[Any], ctx: _Ctx) -> None:
        start = self.first(body, ctx)
        if any(run & start for run in self.tail_runs(body, ctx)):
            self.reason = (
                "a repeated group can end with a run of the characters it starts with, "
                "so its repetitions can be split in many ways (like '(a+)+')"
            )
        elif self.neighbours_overlap(body, ctx):
            self.reason = (
                "inside a repeated group, a run of characters is followed by something "
                "that can match the same characters (like '(x+x+)+')"
            )
        elif self.alternatives_overlap(body, ctx):
            self.reason = (
                "a repeated group has alternatives that can match the same text (like '(a|aa)+')"
            )

    def neighbours_overlap(self, seq: list[Any], ctx: _Ctx) -> bool:
        for i, (op, av) in enumerate(seq):
            runs = self.tail_runs([(op, av)], ctx)
            follow = self.first(seq[i + 1 :], ctx) if runs else frozenset()
            if any(run & follow for run in runs):
                return True
            if op is _c.BRANCH:
                inner = [(list(alt), ctx) for alt in av[1]]
            elif op in _REPEATS or op is _c.SUBPATTERN:
                inner = [(_body(op, av), _scoped(op, av, ctx))]
            else:  # atoms, anchors, lookarounds, atomic groups: nothing to split
                inner = []
            if any(self.neighbours_overlap(sub, sub_ctx) for sub, sub_ctx in inner):
                return True
        return False

    def alternatives_overlap(self, seq: list[Any], ctx: _Ctx) -> bool:
        for op, av in seq:
            if op is _c.BRANCH:
                firsts = [self.first(alt, ctx) for alt in av[1]]
                if any(a & b for i, a in enumerate(firsts) for b in firsts[i + 1 :]):
                    return True
                if sum(self.nullable(alt) for alt in av[1]) > 1:  # (?:a|a): both match 'a'
                    return True
                inner = [(list(alt), ctx) for alt in av[1]]
            elif op in _REPEATS and self.nullable(_body(op, av)):
                return True  # (?:a|)? or (?:a*)+: empty text matched by the body or by skipping it
            elif op in _REPEATS or op is _c.SUBPATTERN:
                inner = [(_body(op, av), _scoped(op, av, ctx))]
            else:
                inner = []
            if any(self.alternatives_overlap(sub, sub_ctx) for sub, sub_ctx in inner):
                return True
        return False

    def check_chain(self, seq: list[Any], ctx: _Ctx) -> None:
        r"""Three or more variable runs that can share characters, one after the other.

        Two runs are linked when their alphabets overlap and everything between
        them can be matched by the first one's characters (or nothing): the
        text between them can then be split in many ways (``\d*\d*``,
        ``\d+x?\d+``, ``.*a.*``). A chain of three is a cubic number of splits.
        """
        open_runs: list[tuple[Chars, int]] = []  # (alphabet, chain length) still linkable
        for op, av in seq:
            lo, hi = self.item_width(op, av)
            is_run = lo != hi and op not in (_c.ATOMIC_GROUP, _c.POSSESSIVE_REPEAT)
            here = self.alphabet([(op, av)], ctx) if is_run else frozenset()
            if is_run:
                chain = 1 + max((n for a, n in open_runs if a & here), default=0)
                if chain >= 3:
                    self.reason = (
                        "three or more runs can match the same characters one after the "
                        "other (like '\\d*\\d*\\d*'), so a near-match is tried in very "
                        "many splits"
                    )
                    return
            if not self.item_nullable(op, av):
                first = self.item_first(op, av, ctx)
                open_runs = [(a, n) for a, n in open_runs if a & first]
            if is_run:
                open_runs.append((here, chain))


def _probes(pattern: str) -> tuple[str, ...]:
    named = {ch for ch in pattern if not ch.isascii()}
    extra = {v for ch in named | set(_SAMPLES) for v in _variants(ch, True) if len(v) == 1}
    return tuple(sorted({chr(i) for i in range(128)} | extra))


def backtracking_problem(pattern: str) -> str | None:
    """Why ``pattern`` can take exponential (or high-polynomial) time, or ``None``.

    The pattern must already compile; one that does not is reported elsewhere.
    """
    if len(pattern) > MAX_PATTERN_CHARS:
        return f"it is longer than {MAX_PATTERN_CHARS} characters"
    try:
        parsed = _p.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return None
    checker = _Checker()
    try:
        checker.walk(list(parsed.data), _Ctx(_probes(pattern), parsed.state.flags))
    except RecursionError:
        return "its groups nest too deeply to check"
    return checker.reason
