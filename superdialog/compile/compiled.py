"""``CompiledFlow``: what compiling a flow file produces, immutable and shared by every call.

A flow is compiled once per process (cached by content hash, the last
``CACHE_SIZE`` flows) and then only read: its spec, its compiled graph, and
its single ``transitions`` machine that every call's moves are checked
against (no machine or ``add_model`` per call). This layer knows nothing of
calls or diagrams: the user-facing ``superdialog.Flow`` (``load``, ``build``,
``diagram``) extends ``CompiledFlow`` from above, and ``compile_text`` /
``compile_file`` make instances of whichever class they are given.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any, TypeVar

from transitions import Machine

from superdialog.compile.bindings import import_bindings
from superdialog.compile.check.salvage import more_problems
from superdialog.compile.compiler import CompiledGraph, compile_spec
from superdialog.compile.model import CompiledSlot, CompiledState, Edge
from superdialog.errors import FlowError, Problem
from superdialog.slots import get_type
from superdialog.spec.loader import parse_flow
from superdialog.spec.message_files import name_message_files, name_message_files_in
from superdialog.spec.models import FlowSpec
from superdialog.spec.yaml_source import SourceMap, read_source

__all__ = ["CACHE_SIZE", "CompiledFlow", "compile_file", "compile_text"]


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
class CompiledFlow:
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
    def warnings(self) -> tuple[Problem, ...]:
        """Located problems that may, but need not, go wrong on a call (``validate`` shows them)."""
        return self.graph.warnings

    @property
    def edges(self) -> tuple[Edge, ...]:
        """Every edge of the graph (global intents are on each state's ``globals``)."""
        return self.graph.edges

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"<{name} {self.name!r} states={len(self.graph.states)} file={self.file!r}>"


F = TypeVar("F", bound=CompiledFlow)

CACHE_SIZE = 128
"""Compiled flows kept per process (least recently used go first)."""

_CACHE: OrderedDict[tuple[str, str, type[CompiledFlow]], CompiledFlow] = OrderedDict()
_CACHE_LOCK = threading.Lock()


def _cached(key: tuple[str, str, type[CompiledFlow]], name: str) -> CompiledFlow | None:
    with _CACHE_LOCK:
        flow = _CACHE.get(key)
        if flow is None or flow.file != name:
            return None
        _CACHE.move_to_end(key)
        return flow


def _remember(key: tuple[str, str, type[CompiledFlow]], flow: CompiledFlow) -> None:
    with _CACHE_LOCK:
        _CACHE[key] = flow
        _CACHE.move_to_end(key)
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)


def compile_text[F: CompiledFlow](
    text: str, name: str, file: FsPath | None, *, run_code: bool, kind: type[F]
) -> F:
    """Compile flow text (cached by content) into a ``kind`` instance.

    Args:
        text: The flow's YAML.
        name: Its name in error locations (the file path, usually).
        file: The resolved flow file, if any: ``python:`` and ``use:`` paths are
            relative to its folder (else to the current directory).
        run_code: Import the ``python:`` files (their actions register); else
            only check them.
        kind: The class to make (``CompiledFlow`` or a subclass).

    Raises:
        FlowError: with every problem located as ``file:line:column``.

    """
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    key = (digest, str(file) if file is not None else "", kind)
    cached = _cached(key, name)
    if isinstance(cached, kind):
        # the same text compiles to the same flow; its code may not have run yet
        smap = cached.source_map or SourceMap(name)
        problems = import_bindings(cached.spec, smap, file, run=run_code)
        if problems:
            raise FlowError(problems)
        return cached
    try:
        spec, smap = parse_flow(text, name)
    except FlowError as exc:  # the rest of the file is checked too: every problem in one pass
        shape = list(exc.problems)
        found = [*shape, *more_problems(text, name, file, shape)]
        raise FlowError(name_message_files_in(found, text, name)) from None
    problems = import_bindings(spec, smap, file, run=run_code)
    if problems:
        raise FlowError(problems)
    try:
        graph = compile_spec(spec, smap, file)
    except FlowError as exc:  # a missing translation names the message file it belongs in
        raise FlowError(name_message_files(list(exc.problems), smap)) from None
    machine = _build_machine(graph, spec.start)
    flow = kind(spec, graph, machine, name, digest, _sources(machine), smap)
    _warm_up(graph)
    if not spec.translations and not any(s.kind == "subflow" for s in graph.states.values()):
        _remember(key, flow)  # sub-flows and message files are other files: not in the key
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

    for slot in graph.slots.values():
        get_type(slot.spec.type)


def compile_file[F: CompiledFlow](path: str | FsPath, *, run_code: bool, kind: type[F]) -> F:
    """Read and compile a flow file (see ``compile_text``)."""
    text = read_source(path)
    return compile_text(text, str(path), FsPath(path).resolve(), run_code=run_code, kind=kind)
