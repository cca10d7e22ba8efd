"""``Flow``: a compiled, immutable flow shared by every call, and ``load``/``loads``.

A flow is compiled once per process (cached by content hash, the last
``CACHE_SIZE`` flows) and then only read. Per call, ``flow.build(session)``
allocates one small slotted ``CallMachine``; all calls share the flow's single
``transitions`` machine, driven as ``machine.events[...].trigger(call)`` (no
``add_model`` per call).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any

from transitions import Machine

from superdialog.compile.bindings import import_bindings
from superdialog.compile.compiler import CompiledGraph, compile_spec
from superdialog.compile.model import CompiledSlot, CompiledState, Edge
from superdialog.errors import FlowError
from superdialog.spec.loader import parse_flow
from superdialog.spec.models import FlowSpec
from superdialog.spec.yaml_source import SourceMap, read_source

if TYPE_CHECKING:
    import graphviz

    from superdialog.runtime.call import CallMachine

__all__ = ["CACHE_SIZE", "Flow", "load", "loads"]


def _build_machine(graph: CompiledGraph, start: str) -> Machine:
    """One ``transitions`` machine per flow; an event ``to:<state>`` per target."""
    machine = Machine(
        model=None,
        states=list(graph.states),
        initial=start,
        auto_transitions=False,
        model_attribute="node",
        send_event=False,
    )
    incoming: dict[str, set[str]] = {}
    for e in graph.edges:
        incoming.setdefault(e.dst, set()).add(e.src)
    for st in graph.states.values():
        for g in st.globals:
            if g.goto is not None:
                incoming.setdefault(g.goto, set()).add(st.name)
        incoming.setdefault(start, set()).add(st.name)  # start over
    if graph.flow_error_edge_target:
        incoming.setdefault(graph.flow_error_edge_target, set()).update(graph.states)
    for dst, sources in incoming.items():
        machine.add_transition(f"to:{dst}", list[Any](sorted(sources)), dst)
    return machine


def _sources(machine: Machine) -> dict[str, frozenset[str]]:
    """Read the machine's ``to:<state>`` events back as a lookup table.

    A call checks a move against this table (a dict and a set lookup) instead of
    running ``events[...].trigger`` (~7 µs of callback machinery for a transition
    that has no callbacks); the machine stays the single definition of what is allowed.
    """
    return {
        name.removeprefix("to:"): frozenset(event.transitions)
        for name, event in machine.events.items()
        if name.startswith("to:")
    }


@dataclass(frozen=True, slots=True, eq=False)
class Flow:
    """A validated, compiled flow. Immutable; share it across all calls."""

    spec: FlowSpec
    graph: CompiledGraph
    machine: Machine = field(repr=False)
    file: str
    digest: str
    sources: Mapping[str, frozenset[str]] = field(default_factory=dict, repr=False)
    """The machine's transitions as a table: target state -> states allowed to move there."""
    source_map: SourceMap | None = field(default=None, repr=False)
    """Where each key of the flow file was written (to locate problems found after load)."""

    @property
    def name(self) -> str:
        """The flow's name (``flow:`` key)."""
        return self.spec.flow

    @property
    def start(self) -> str:
        """Name of the start state."""
        return self.spec.start

    @property
    def states(self) -> Mapping[str, CompiledState]:
        """Compiled states by name (inlined sub-flow states are ``use_state.sub_state``)."""
        return self.graph.states

    @property
    def slots(self) -> Mapping[str, CompiledSlot]:
        """Compiled slot declarations by name."""
        return self.graph.slots

    @property
    def edges(self) -> tuple[Edge, ...]:
        """Every edge of the graph (global intents are on each state's ``globals``)."""
        return self.graph.edges

    def build(
        self,
        session: Any = None,
        *,
        llm: Mapping[str, Any] | None = None,
        actions: Mapping[str, Callable[..., Any]] | None = None,
        validators: Mapping[str, Callable[[Any], Any]] | None = None,
        trace: bool = False,
        clock: Callable[[], float] | None = None,
    ) -> CallMachine:
        """Make the per-call machine. Cheap: call it once per call.

        Args:
            session: The host's per-call session (Unpod ``ctx.session`` or any object with
                its controls). ``None``: bind later with ``start(session)``, or run host-less.
            llm: Per-call overrides of the flow's ``llm`` settings (model, base_url, …).
            actions: Callables for action states, beside those registered globally.
            validators: Slot validators, beside those registered globally.
            trace: Record a call trace (PII redacted) for diagrams and debugging.
            clock: Monotonic clock in seconds (tests); default ``time.monotonic``.

        """
        from superdialog.runtime.call import CallMachine

        return CallMachine(
            self,
            session,
            llm=llm,
            actions=actions,
            validators=validators,
            trace=trace,
            clock=clock,
        )

    def diagram(self, **options: Any) -> graphviz.Digraph:
        """The flow as a ``graphviz.Digraph`` (renders as SVG in notebooks)."""
        from superdialog.render import flow_diagram

        return flow_diagram(self, **options)

    def __repr__(self) -> str:
        return f"<Flow {self.name!r} states={len(self.graph.states)} file={self.file!r}>"


CACHE_SIZE = 128
"""Compiled flows kept per process (least recently used go first)."""

_CACHE: OrderedDict[tuple[str, str], Flow] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def _cached(key: tuple[str, str], name: str) -> Flow | None:
    with _CACHE_LOCK:
        flow = _CACHE.get(key)
        if flow is None or flow.file != name:
            return None
        _CACHE.move_to_end(key)
        return flow


def _remember(key: tuple[str, str], flow: Flow) -> None:
    with _CACHE_LOCK:
        _CACHE[key] = flow
        _CACHE.move_to_end(key)
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)


def _compile(text: str, name: str, file: FsPath | None, *, run_code: bool) -> Flow:
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    key = (digest, str(file) if file is not None else "")
    cached = _cached(key, name)
    if cached is not None:
        # the same text compiles to the same flow; its code may not have run yet
        smap = cached.source_map or SourceMap(name)
        problems = import_bindings(cached.spec, smap, file, run=run_code)
        if problems:
            raise FlowError(problems)
        return cached
    spec, smap = parse_flow(text, name)
    problems = import_bindings(spec, smap, file, run=run_code)
    if problems:
        raise FlowError(problems)
    graph = compile_spec(spec, smap, file)
    machine = _build_machine(graph, spec.start)
    flow = Flow(spec, graph, machine, name, digest, _sources(machine), smap)
    _warm_up(graph)
    if not any(s.kind == "subflow" for s in graph.states.values()):
        _remember(key, flow)  # sub-flows live in other files: only self-contained flows cache
    return flow


def _warm_up(graph: CompiledGraph) -> None:
    """Pay one-off import costs at load, not during the first caller's turn.

    The model client (~0.3 s to import) loads only for flows with LLM states;
    slot parsers load for the slot types the flow declares.
    """
    if graph.uses_llm:
        # the client library and what its first streaming request imports lazily
        import anyio._backends._asyncio  # noqa: F401
        import openai.lib.streaming.chat
        import openai.resources.chat  # noqa: F401

    from superdialog.slots import get_type

    for slot in graph.slots.values():
        get_type(slot.spec.type)


def load(path: str | FsPath, *, run_code: bool = True) -> Flow:
    """Load, validate and compile a flow file (cached by content).

    Args:
        path: The flow file.
        run_code: Import the ``python:`` files the flow names (their actions
            register). ``False`` checks them (inside the flow's folder, they
            compile) without running anything: for tools that only look at a
            flow, such as ``superdialog validate``.

    Raises:
        FlowError: with every problem located as ``file:line:column``.

    """
    text = read_source(path)
    return _compile(text, str(path), FsPath(path).resolve(), run_code=run_code)


def loads(text: str, name: str = "<flow>", *, run_code: bool = True) -> Flow:
    """Load a flow from YAML text; ``name`` is used in error locations.

    Sub-flow (``use:``) and ``python:`` paths resolve against the current
    directory. ``run_code`` is as for :func:`load`.

    Raises:
        FlowError: with every problem located as ``file:line:column``.

    """
    return _compile(text, name, None, run_code=run_code)
