"""A recorded call's path through a flow, ready to highlight on a diagram.

A trace is what ``CallMachine.trace_record()`` returns (``{"flow", "events"}``)
or just its ``events`` list; event objects from ``CallMachine.trace`` work too.
Only *where the call went* is read: state entries, the way it ended, the names
of errors. Spoken text and slot values are never read, so nothing a caller
said can reach a picture, even from a trace that was not redacted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from superdialog.errors import RenderError

if TYPE_CHECKING:
    from superdialog.compile.compiled import CompiledFlow

__all__ = ["CallPath", "Step", "call_path", "numbers"]


@dataclass(frozen=True, slots=True)
class Step:
    """One move of the call: step ``number`` entered ``dst`` from ``src`` along ``edge``."""

    number: int
    src: str | None
    dst: str
    edge: str | None
    via: str


@dataclass(frozen=True, slots=True)
class CallPath:
    """Where a call went, indexed the way a renderer needs it.

    Attributes:
        steps: Every state entry in order; step 1 is the start.
        visits: Step numbers per state (a state entered twice has two).
        edge_steps: Step numbers per drawn edge id (``Edge.id``).
        start_steps: Steps that entered from the 'call starts' marker.
        extra: Moves with no drawn edge of their own (a global intent, the
            flow-wide error path), grouped by ``(src, dst, via)``.
        outcome: State → how the call finished there ("ended: completed").
        errors: State → names of the errors raised there.
        digest: Hash of all of the above, for render caches.

    """

    steps: tuple[Step, ...]
    visits: Mapping[str, tuple[int, ...]]
    edge_steps: Mapping[str, tuple[int, ...]]
    start_steps: tuple[int, ...]
    extra: Mapping[tuple[str, str, str], tuple[int, ...]]
    outcome: Mapping[str, str]
    errors: Mapping[str, tuple[str, ...]]
    digest: str


def _field(event: Any, key: str) -> Any:
    if isinstance(event, Mapping):
        return event.get(key)
    return getattr(event, key, None)


def _events(trace: Any, flow_name: str) -> Iterable[Any]:
    if isinstance(trace, Mapping):
        named = trace.get("flow")
        if named is not None and named != flow_name:
            raise RenderError(f"the trace is of flow '{named}', not '{flow_name}'")
        events = trace.get("events")
        if not isinstance(events, Sequence) or isinstance(events, str | bytes):
            raise RenderError("a trace needs an 'events' list (from CallMachine.trace_record())")
        return events
    if isinstance(trace, Sequence) and not isinstance(trace, str | bytes):
        return trace
    raise RenderError(
        f"cannot read a trace from {type(trace).__name__}: pass CallMachine.trace_record() "
        "or its 'events' list"
    )


def call_path(flow: CompiledFlow, trace: Any) -> CallPath:
    """Index a trace against ``flow``.

    Raises:
        RenderError: the trace names another flow or a state this flow does
            not have, so highlighting it would draw a path that never existed.

    """
    states = flow.states
    # the flow stack's moves and a flow-wide on_cancel have machine edges but no drawn
    # edge of their own (they are any-time rules): the path draws them as extra moves
    edge_ids = {
        e.id
        for e in flow.edges
        if e.kind not in ("call", "return") and not (e.kind == "cancel" and e.label != "on_cancel")
    }
    steps: list[Step] = []
    visits: dict[str, list[int]] = {}
    edge_steps: dict[str, list[int]] = {}
    start_steps: list[int] = []
    extra: dict[tuple[str, str, str], list[int]] = {}
    outcome: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for event in _events(trace, flow.name):
        kind = _field(event, "kind")
        if kind == "state":
            dst, src = _field(event, "dst"), _field(event, "src")
            edge, via = _field(event, "edge"), str(_field(event, "via") or "")
            for name in (dst, src):
                if name is not None and name not in states:
                    raise RenderError(
                        f"the trace enters state '{name}', which flow '{flow.name}' does not "
                        "have (was it recorded with another version of the flow?)"
                    )
            n = len(steps) + 1
            step = Step(n, src, str(dst), edge, via)
            steps.append(step)
            visits.setdefault(step.dst, []).append(n)
            if src is None:
                start_steps.append(n)
            elif edge in edge_ids:
                edge_steps.setdefault(edge, []).append(n)
            else:
                extra.setdefault((src, step.dst, via), []).append(n)
        elif kind == "ended":
            state = _field(event, "state")
            if state in states:
                outcome[state] = f"call ended here: {_field(event, 'reason')}"
        elif kind == "transferred":
            state = _field(event, "state")
            if state in states:
                outcome[state] = f"call transferred here: {_field(event, 'target')}"
        elif kind == "error":
            state = _field(event, "state")
            if state in states:
                errors.setdefault(state, []).append(str(_field(event, "error")))
    frozen_extra = {k: tuple(v) for k, v in extra.items()}
    payload = json.dumps(
        [
            [(s.number, s.src, s.dst, s.edge, s.via) for s in steps],
            sorted(outcome.items()),
            sorted((k, v) for k, v in errors.items()),
        ],
        separators=(",", ":"),
    )
    return CallPath(
        steps=tuple(steps),
        visits={k: tuple(v) for k, v in visits.items()},
        edge_steps={k: tuple(v) for k, v in edge_steps.items()},
        start_steps=tuple(start_steps),
        extra=frozen_extra,
        outcome=outcome,
        errors={k: tuple(v) for k, v in errors.items()},
        digest=hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16],
    )


def numbers(steps: Sequence[int]) -> str:
    """Step numbers as a badge: ``1``, ``2, 5``; long runs keep the first and last."""
    if len(steps) > 4:
        return f"{steps[0]}, {steps[1]} \u2026 {steps[-1]}"
    return ", ".join(str(n) for n in steps)
