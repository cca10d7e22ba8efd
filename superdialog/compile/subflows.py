"""Sub-flow reuse: a state with ``use: other.yaml`` inlines that flow's states.

Inlined states are named ``<state>.<sub_state>`` and keep their own file
positions for errors. Inside a sub-flow, ``end: completed`` means "return":
it continues at the using state's ``next``. Other end reasons and transfers
end the whole call. The sub-flow's slots and intents join the parent's (one
declared differently in both is an error); its own ``global:`` rules apply
while the call is in its states (as state rules, over the parent's, by
intent); its persona, llm and messages are ignored.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from pathlib import PurePath

from superdialog.errors import FlowError, Problem
from superdialog.spec.loader import did_you_mean, parse_flow
from superdialog.spec.models import FlowSpec, GlobalRule, IntentSpec, SlotSpec, StateSpec
from superdialog.spec.yaml_source import SourceMap, read_source

__all__ = ["Origin", "all_targets", "expand"]


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a (possibly inlined) state was written."""

    smap: SourceMap
    name: str
    cluster: str | None = None


def _rename(target: str | None, prefix: str, local: set[str]) -> str | None:
    if target is None:
        return None
    return f"{prefix}.{target}" if target in local else target


def _inline_state(
    state: StateSpec, prefix: str, local: set[str], return_to: str | None
) -> StateSpec:
    update: dict[str, object] = {
        "next": _rename(state.next, prefix, local),
        "on_fail": _rename(state.on_fail, prefix, local),
        "on_error": _rename(state.on_error, prefix, local),
        "transitions": [
            t.model_copy(update={"to": _rename(t.to, prefix, local)}) for t in state.transitions
        ],
    }
    if state.global_ is not None:
        update["global_"] = [
            g.model_copy(
                update={
                    "goto": _rename(g.goto, prefix, local),
                    "call": _rename(g.call, prefix, local),
                }
            )
            for g in state.global_
        ]
    cancel = state.on_cancel
    if isinstance(cancel, str):
        update["on_cancel"] = _rename(cancel, prefix, local)
    elif cancel is not None:
        update["on_cancel"] = cancel.model_copy(update={"to": _rename(cancel.to, prefix, local)})
    if state.end == "completed" and return_to is not None:
        # "return" to the parent: keep the closing words, continue at the parent's next
        update.update({"end": None, "next": return_to})
    return state.model_copy(update=update)


def _with_flow_rules(state: StateSpec, rules: list[GlobalRule]) -> StateSpec:
    """A sub-flow state with its flow's ``global:`` rules under its own (its own win by intent)."""
    if not rules:
        return state
    own = state.global_ or []
    mine = {g.intent for g in own}
    return state.model_copy(update={"global_": [*(g for g in rules if g.intent not in mine), *own]})


@dataclass(slots=True)
class Expanded:
    """A flow with its sub-flows inlined: states, slots and intents, where each was written."""

    states: dict[str, StateSpec]
    slots: dict[str, SlotSpec]
    origins: dict[str, Origin]
    problems: list[Problem]
    intents: dict[str, IntentSpec]
    bad_returns: set[str] = field(default_factory=set)
    """``next:`` targets of ``use:`` states that do not exist (reported at that ``next:``)."""


def expand(
    spec: FlowSpec,
    smap: SourceMap,
    file: FsPath | None,
    _stack: tuple[str, ...] = (),
) -> Expanded:
    """Inline every ``use:`` state; return states, slots, origins, problems and intents."""
    states: dict[str, StateSpec] = {}
    slots: dict[str, SlotSpec] = dict(spec.slots)
    intents: dict[str, IntentSpec] = dict(spec.intents)
    origins: dict[str, Origin] = {}
    problems: list[Problem] = []
    bad_returns: set[str] = set()
    if not _stack and file is not None:
        _stack = (str(file.resolve()),)  # the flow itself: a sub-flow using it is a cycle
    for name, state in spec.states.items():
        origins[name] = Origin(smap, name)
        if state.use is None:
            states[name] = state
            continue
        loc = smap.locate(("states", name, "use"))
        base = file.parent if file is not None else FsPath.cwd()
        try:
            sub_path = (base / state.use).resolve()
        except (OSError, RuntimeError, ValueError) as exc:  # a NUL, a symlink loop
            problems.append(Problem(loc, f"cannot read sub-flow '{state.use}': {exc}"))
            states[name] = state.model_copy(update={"use": None})
            continue
        root = FsPath(_stack[0]).parent if _stack else FsPath.cwd().resolve()
        if PurePath(state.use).is_absolute() or not sub_path.is_relative_to(root):
            # a flow names files below its own folder, as its python: and message files do;
            # 'use: /etc/passwd' was read, and its lines came back in the problems
            problems.append(
                Problem(
                    loc,
                    f"sub-flow '{state.use}' is outside the flow's folder",
                    "sub-flows live in the flow's folder or below it (shared/contact.yaml); "
                    "one may name another with ../ as long as it stays inside",
                )
            )
            states[name] = state.model_copy(update={"use": None})
            continue
        if str(sub_path) in _stack:
            chain = [FsPath(p).name for p in _stack[_stack.index(str(sub_path)) :]]
            problems.append(
                Problem(
                    loc,
                    "sub-flows use each other in a circle: " + " → ".join([*chain, sub_path.name]),
                    "a sub-flow cannot use a flow that (through others) uses it",
                )
            )
            states[name] = state.model_copy(update={"use": None})
            continue
        try:
            text = read_source(sub_path)
        except FlowError as exc:
            why = exc.problems[0].message.removeprefix("cannot read file: ")
            problems.append(Problem(loc, f"cannot read sub-flow '{state.use}': {why}"))
            if exc.problems[0].line > 1 or exc.problems[0].column > 1:
                problems.extend(exc.problems)  # located inside the sub-flow (a bad byte)
            states[name] = state.model_copy(update={"use": None})
            continue
        try:
            # named as the user names the flow (relative, as typed), not by its absolute path
            shown = os.path.normpath(os.path.join(os.path.dirname(smap.file), state.use))
            sub_spec, sub_smap = parse_flow(text, shown)
        except FlowError as exc:
            problems.extend(exc.problems)
            states[name] = state.model_copy(update={"use": None})
            continue
        if state.next is not None and state.next not in spec.states:
            # the sub-flow's end: completed goes there: say so here, not in the sub-flow
            problems.append(
                Problem(
                    smap.locate(("states", name, "next")),
                    f"unknown state '{state.next}'",
                    did_you_mean(state.next, spec.states),
                )
            )
            bad_returns.add(state.next)
        sub = expand(sub_spec, sub_smap, sub_path, (*_stack, str(sub_path)))
        bad_returns |= sub.bad_returns
        sub_states, sub_slots, sub_origins = sub.states, sub.slots, sub.origins
        problems.extend(sub.problems)
        local = set(sub_states)
        # the using state speaks its own lines, then enters the sub-flow's start
        states[name] = state.model_copy(
            update={"use": str(sub_path), "next": f"{name}.{sub_spec.start}", "transitions": []}
        )
        for sub_name, sub_state in sub_states.items():
            full = f"{name}.{sub_name}"
            with_rules = _with_flow_rules(sub_state, sub_spec.global_)
            states[full] = _inline_state(with_rules, name, local, state.next)
            o = sub_origins[sub_name]
            origins[full] = Origin(o.smap, o.name, o.cluster or name)
        for slot_name, slot in sub_slots.items():
            if slot_name in slots and slots[slot_name] != slot:
                problems.append(
                    Problem(loc, f"sub-flow slot '{slot_name}' is declared differently here")
                )
            slots.setdefault(slot_name, slot)
        for intent_name, intent in sub.intents.items():
            if intent_name in intents and intents[intent_name] != intent:
                problems.append(
                    Problem(loc, f"sub-flow intent '{intent_name}' is declared differently here")
                )
            intents.setdefault(intent_name, intent)
    return Expanded(states, slots, origins, problems, intents, bad_returns)


def all_targets(state: StateSpec) -> list[tuple[str, tuple[str | int, ...]]]:
    """Every state name a state refers to, with the path it is written at."""
    out: list[tuple[str, tuple[str | int, ...]]] = []
    for key in ("next", "on_fail", "on_error"):
        value = getattr(state, key)
        if value is not None:
            out.append((value, (key,)))
    for i, t in enumerate(state.transitions):
        out.append((t.to, ("transitions", i, "to")))
    for i, g in enumerate(state.global_ or []):
        if g.goto is not None:
            out.append((g.goto, ("global", i, "goto")))
    return out
