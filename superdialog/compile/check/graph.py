"""The flow as moves between states, with what each move guarantees has happened.

Digressions (a global rule's ``call:``) are moves into the called state; the way
back (``return: true``) re-enters the interrupted state with at least what it had,
so it adds no way in that lacks a fact. ``on_cancel`` ("never mind") carries none.

A move carries *facts*: leaving an action state by a transition or ``next``
means its action succeeded, so its result is stored; leaving a collect state
that way means its required slots are filled. Error edges, ``on_fail``,
global intents (which fire whenever the caller speaks, even while an action
runs) and the flow's ``on_error`` carry none. :func:`reach_without` answers
"can the call get to this state without that fact?", with the path that does.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from superdialog.compile.model import CompiledState
from superdialog.spec.models import SlotSpec

__all__ = ["Fact", "FlowGraph", "Move", "Route"]

Fact = tuple[str, str]
"""``("result", name)`` or ``("slot", name)``."""

_VIA = {"fail": "retries run out", "cancel": "never mind"}
_DEFINED = re.compile(r"(?<!not )\bresults\s*\.\s*([A-Za-z_][A-Za-z0-9_\-]*)\s+is\s+defined")


@dataclass(frozen=True, slots=True)
class Move:
    """A way from ``src`` to ``dst``; ``via`` names it in messages when it is not an edge."""

    src: str
    dst: str
    facts: frozenset[Fact]
    via: str | None = None


@dataclass(frozen=True, slots=True)
class Route:
    """A path of the call, as ``(state, how it was entered)`` from the start."""

    steps: tuple[tuple[str, str | None], ...]

    def __str__(self) -> str:
        parts: list[str] = []
        for state, via in self.steps:
            if via is not None:
                parts.append(f"({via})")
            parts.append(f"'{state}'")
        return " → ".join(parts)


class FlowGraph:
    """Moves of a compiled flow, and reachability that avoids a fact."""

    def __init__(
        self,
        states: Mapping[str, CompiledState],
        slots: Mapping[str, SlotSpec],
        start: str,
        flow_on_error: str | None,
    ) -> None:
        self.states = states
        self.start = start
        self.producers: dict[Fact, list[str]] = {}
        self.moves: dict[str, list[Move]] = {name: [] for name in states}
        for name, st in states.items():
            done = self.success_facts(st, slots)
            for fact in done:
                self.producers.setdefault(fact, []).append(name)
            for e in (*st.edges, st.next_edge):
                if e is None:
                    continue
                facts = done
                if e.kind == "if" and e.label:
                    facts = facts | {("result", r) for r in _DEFINED.findall(e.label)}
                self.moves[name].append(Move(name, e.dst, facts))
            for e in (st.fail_edge, st.error_edge, st.cancel_edge):
                if e is not None:
                    via = _VIA.get(e.kind, "on_error")
                    self.moves[name].append(Move(name, e.dst, frozenset(), via))
            if st.terminal:
                continue
            for g in st.globals:
                if g.goto is not None:
                    via = f"global {g.intent.name}"
                    self.moves[name].append(Move(name, g.goto, frozenset(), via))
                called = g.call
                if called is not None:
                    # a digression; its return: true state comes back to this state, which
                    # was entered before with no more than it has then: no move needed back
                    via = f"global {g.intent.name}, a digression"
                    self.moves[name].append(Move(name, called, frozenset(), via))
            if flow_on_error is not None and st.error_edge is None:
                self.moves[name].append(Move(name, flow_on_error, frozenset(), "on_error"))
        self._reach: dict[Fact, dict[str, tuple[str, str | None] | None]] = {}

    @staticmethod
    def success_facts(st: CompiledState, slots: Mapping[str, SlotSpec]) -> frozenset[Fact]:
        """What leaving ``st`` by a transition or ``next`` guarantees."""
        if st.action is not None:
            return frozenset({("result", st.action.result_name)})
        if st.kind == "collect":
            return frozenset(("slot", s) for s in st.collect if s in slots and slots[s].required)
        return frozenset()

    def reach_without(self, fact: Fact) -> dict[str, tuple[str, str | None] | None]:
        """States the call can enter before ``fact`` holds, each with its predecessor."""
        found = self._reach.get(fact)
        if found is not None:
            return found
        parents: dict[str, tuple[str, str | None] | None] = {self.start: None}
        todo = deque([self.start])
        while todo:
            cur = todo.popleft()
            for mv in self.moves.get(cur, ()):
                if fact in mv.facts or mv.dst in parents or mv.dst not in self.states:
                    continue
                parents[mv.dst] = (cur, mv.via)
                todo.append(mv.dst)
        self._reach[fact] = parents
        return parents

    def route(self, fact: Fact, state: str) -> Route:
        """The shortest path to ``state`` on which ``fact`` never comes to hold."""
        parents = self.reach_without(fact)
        steps: list[tuple[str, str | None]] = []
        cur: str | None = state
        via: str | None = None
        while cur is not None:
            link = parents[cur]
            if link is None:
                steps.append((cur, None))
                break
            prev, via = link
            steps.append((cur, via))
            cur = prev
        return Route(tuple(reversed(steps)))

    def non_terminal(self) -> Iterator[str]:
        """States a caller can be in (not end or transfer)."""
        return (n for n, s in self.states.items() if not s.terminal)
