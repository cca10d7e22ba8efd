"""Every name a template reads, checked where it is read.

* context values to any depth (``{{ pharmacy.nmae }}``);
* ``results.<name>``: some action must store it, and on every path into the
  state that reads it the action must have run (or the read is guarded with
  ``is defined`` / ``default``); its fields, when the action declares
  ``returns:``;
* ``slots.<name>``: a read that may happen before the slot is filled reads
  ``None`` (a warning, with the path);
* ``session.<key>``: one of the keys the flow declares under ``session:``.

Messages name the path that goes wrong: "state 'pharmacist' reads
results.rx, but 'greet' → (global human) → 'pharmacist' gets there before
action 'lookup' runs".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from superdialog.compile.check.findings import Findings, Locate, TemplateUse
from superdialog.compile.check.graph import Fact, FlowGraph
from superdialog.compile.model import CompiledState
from superdialog.compile.templates import Read, TemplateSyntaxProblem, reads
from superdialog.spec.loader import did_you_mean
from superdialog.spec.models import FlowSpec, SlotSpec

__all__ = ["check_reads", "readers"]

_SHAPE_LEAVES = frozenset(
    {
        "text",
        "str",
        "string",
        "number",
        "int",
        "float",
        "integer",
        "boolean",
        "bool",
        "list",
        "mapping",
        "dict",
        "object",
        "any",
        "null",
        "date",
        "time",
        "datetime",
    }
)


def readers(use: TemplateUse, states: Mapping[str, CompiledState]) -> tuple[list[str], bool]:
    """The states where ``use`` is rendered, and whether after the state's own work (exit)."""
    if use.state is not None:
        return [use.state], bool(use.path) and use.path[0] == "transitions"
    head = use.path[0] if use.path else None
    live = [n for n, s in states.items() if not s.terminal]
    if head == "persona":
        return [n for n, s in states.items() if s.kind == "llm"], False
    if head == "on_cancel":  # the flow's "never mind" line, said in whichever state it is
        return live, False
    if head == "messages":
        key = use.path[1] if len(use.path) > 1 else None
        if key == "confirm":
            return [n for n, s in states.items() if s.kind == "collect"], False
        if key == "llm_fallback":
            return [n for n, s in states.items() if s.kind == "llm"], False
        return live, False
    if head == "global":
        return [
            n
            for n in live
            if any(g.say is not None and g.say.source == use.source for g in states[n].globals)
        ], False
    if head == "slots" and len(use.path) > 1:
        slot = use.path[1]
        return [n for n, s in states.items() if s.kind == "collect" and slot in s.collect], False
    return [], False


class _Checker:
    def __init__(
        self,
        spec: FlowSpec,
        slots: Mapping[str, SlotSpec],
        states: Mapping[str, CompiledState],
        graph: FlowGraph,
        locate: Locate,
    ) -> None:
        self.spec = spec
        self.slots = slots
        self.states = states
        self.graph = graph
        self.locate = locate
        self.out = Findings()
        self.results: dict[str, list[str]] = {}
        self.shapes: dict[str, Any] = {}
        for name, st in states.items():
            if st.action is not None:
                self.results.setdefault(st.action.result_name, []).append(name)
        for result, producers in self.results.items():
            declared = [states[p].action.spec.returns for p in producers]  # type: ignore[union-attr]
            if all(d is not None for d in declared):
                merged: dict[str, Any] = {}
                for d in declared:
                    merged.update(d or {})
                self.shapes[result] = merged

    # -- one template -------------------------------------------------------------------
    def check(self, use: TemplateUse) -> None:
        try:
            found = reads(use.source, expression=use.expression)
        except TemplateSyntaxProblem:
            return  # reported by the compiler
        where = self.locate(use.state, use.path)
        states, exit_phase = readers(use, self.states)
        done: set[tuple[str, ...]] = set()
        for read in found:
            top = read.path[0]
            if top == "results" and len(read.path) > 1 and isinstance(read.path[1], str):
                key = ("results", read.path[1], *map(str, read.path[2:]))
                if key not in done:
                    done.add(key)
                    self.result(use, read, where, states, exit_phase)
            elif top == "slots" and len(read.path) > 1 and isinstance(read.path[1], str):
                if ("slots", read.path[1]) not in done:
                    done.add(("slots", read.path[1]))
                    self.slot(read, where, states, exit_phase)
            elif top == "session" and len(read.path) > 1 and self.spec.session is not None:
                self.session(read, where)
            elif top == "context" and len(read.path) > 1:
                self.context(read, read.path[1:], where)
            elif isinstance(top, str) and top in self.spec.context and len(read.path) > 1:
                self.context(read, read.path, where)

    # -- kinds of names -----------------------------------------------------------------
    def result(
        self, use: TemplateUse, read: Read, where: Any, states: list[str], exit_phase: bool
    ) -> None:
        name = str(read.path[1])
        producers = self.results.get(name)
        if producers is None:
            hint = did_you_mean(name, self.results) or (
                "an action stores its result under 'result:' (default: the state's name)"
            )
            message = f"results.{name}: no action stores a result under '{name}'"
            (self.out.warn if read.guarded else self.out.error)(where, message, hint)
            return
        self.shape(read, name, where)
        if read.guarded:
            return
        fact: Fact = ("result", name)
        reach = self.graph.reach_without(fact)
        for state in states:
            if state not in reach:
                continue
            if exit_phase and state in producers:
                continue
            route = self.graph.route(fact, state)
            who = (
                f"action '{producers[0]}' runs"
                if len(producers) == 1
                else "any action storing it runs (" + ", ".join(f"'{p}'" for p in producers) + ")"
            )
            self.out.error(
                where,
                f"state '{state}' reads results.{name}, but {route} gets there before {who}",
                f"guard it with {{% if results.{name} is defined %}} or make sure "
                f"'{producers[0]}' runs on every way in",
            )
            return

    def shape(self, read: Read, name: str, where: Any) -> None:
        shape: Any = self.shapes.get(name)
        for i, part in enumerate(read.path[2:]):
            if isinstance(shape, list) and shape and isinstance(part, int):
                shape = shape[0]
                continue
            if not isinstance(shape, dict):
                return
            if part not in shape:
                dotted = ".".join(str(p) for p in read.path[: 3 + i])
                message = f"{dotted}: the result of '{name}' has no field '{part}'"
                hint = did_you_mean(str(part), map(str, shape)) or (
                    "declared fields: " + ", ".join(sorted(map(str, shape)))
                )
                (self.out.warn if read.guarded else self.out.error)(where, message, hint)
                return
            shape = shape[part]

    def slot(self, read: Read, where: Any, states: list[str], exit_phase: bool) -> None:
        name = str(read.path[1])
        if name not in self.slots or read.guarded:
            return
        if read.in_test and len(read.path) == 2:
            return  # only its truth or equality is used: an empty slot (None) is fine there
        fact: Fact = ("slot", name)
        reach = self.graph.reach_without(fact)
        filled_here = self.graph.producers.get(fact, [])
        for state in states:
            if state not in reach or (exit_phase and state in filled_here):
                continue
            route = self.graph.route(fact, state)
            self.out.warn(
                where,
                f"state '{state}' reads slots.{name}, which is still empty (None) when "
                f"{route} gets there",
                f"collect it first, or guard it with {{% if slots.{name} %}}",
            )
            return

    def session(self, read: Read, where: Any) -> None:
        key = read.path[1]
        declared = self.spec.session or []
        if key in declared:
            return
        message = f"session.{key}: not one of the session keys the flow declares"
        hint = did_you_mean(str(key), declared) or "add it under 'session:'"
        (self.out.warn if read.guarded else self.out.error)(where, message, hint)

    def context(self, read: Read, path: Iterable[str | int], where: Any) -> None:
        parts = list(path)
        value: Any = self.spec.context
        for i, part in enumerate(parts):
            if isinstance(value, dict):
                if part not in value:
                    if i == 0:
                        return  # an unknown top-level key: reported by the compiler
                    owner = ".".join(str(p) for p in parts[:i])
                    message = f"context value '{owner}' has no key '{part}'"
                    hint = did_you_mean(str(part), map(str, value)) or (
                        "its keys: " + ", ".join(sorted(map(str, value)))
                    )
                    (self.out.warn if read.guarded else self.out.error)(where, message, hint)
                    return
                value = value[part]
            elif isinstance(value, list) and isinstance(part, int):
                if not -len(value) <= part < len(value):
                    owner = ".".join(str(p) for p in parts[:i])
                    message = f"context value '{owner}' has {len(value)} items, no [{part}]"
                    (self.out.warn if read.guarded else self.out.error)(where, message)
                    return
                value = value[part]
            else:
                return  # attributes of text and numbers (methods): not ours to judge


def check_reads(
    spec: FlowSpec,
    slots: Mapping[str, SlotSpec],
    states: Mapping[str, CompiledState],
    uses: Iterable[TemplateUse],
    locate: Locate,
) -> Findings:
    """Check every name every template reads, on every path into where it is read."""
    graph = FlowGraph(states, slots, spec.start, spec.on_error)
    checker = _Checker(spec, slots, states, graph, locate)
    for use in uses:
        checker.check(use)
    return checker.out
