"""Moving between states: one move validated by the shared machine, then entering.

A move is checked against the flow's ``transitions`` machine (its transition
table: ``flow.sources``), so an edge the graph does not have can never be
taken. Entering a state runs what the state does on entry — its line, its
action, its first question, the model's opening — and follows states that do
not wait for the caller until one does (or the call ends).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from superdialog.compile.model import CompiledState, Edge
from superdialog.compile.templates import CompiledTemplate
from superdialog.errors import RuntimeFlowError
from superdialog.runtime.actions import run_action
from superdialog.runtime.effects import finish, follow_recording, pause, resume
from superdialog.runtime.events import StateEntered
from superdialog.runtime.llm_call import drop_prefetched, llm_opening
from superdialog.runtime.questions import ask, missing
from superdialog.runtime.slot_values import clear_slots
from superdialog.runtime.steps import Step, sub

if TYPE_CHECKING:
    from superdialog.runtime.call import CallMachine

__all__ = ["choose_edge", "enter", "goto", "move", "take"]


def move(m: CallMachine, dst: str, edge_id: str | None, via: str) -> None:
    """Move to ``dst`` if the flow's machine allows it from here, else ``RuntimeFlowError``."""
    src = m.node
    allowed = m.flow.sources.get(dst)
    if allowed is None or src not in allowed:  # the shared machine's transition table
        raise RuntimeFlowError(f"no transition to '{dst}'", state=src)
    m.node = dst
    m._from = src
    m._confirming = None
    if m._visits is None:
        m._visits = {}
    m._visits[dst] = m._visits.get(dst, 0) + 1
    m.emit(StateEntered(src, dst, edge_id, via))


def take(m: CallMachine, edge: Edge) -> Step:
    """Follow ``edge`` and run the states it leads to (emptying the slots it clears first)."""
    if edge.clear:
        clear_slots(m, edge.clear)
    return goto(m, edge.dst, edge.id, edge.kind, edge.say)


async def goto(
    m: CallMachine, dst: str, edge_id: str | None, via: str, say: CompiledTemplate | None = None
) -> Step:
    """Move to ``dst``, say the edge's line (after the recording follows), and enter it.

    However the move ends (entered, barge-in, hang-up, error), an opening the
    model call prefetched for it and the new state did not take is cancelled.
    """
    try:
        move(m, dst, edge_id, via)
        await follow_recording(m)
        if say is not None:
            out = m.utter(m.render(say))
            if out:
                yield out
        yield sub(enter(m))
    finally:
        await drop_prefetched(m)


async def enter(m: CallMachine, *, resume_action: bool = False) -> Step:
    """Run the current state's entry, following pass-through states until one waits.

    ``resume_action``: the current (action) state was entered in an earlier
    turn and its action still runs; its line was said then, not again.
    """
    hops = 0
    quiet = resume_action
    while True:
        hops += 1
        if hops > len(m.flow.graph.states) + 2:
            raise RuntimeFlowError("states keep passing without waiting", state=m.node)
        st = m.current
        if st.pii and not m._paused:
            await pause(m, st)
        elif m._paused and not st.pii:
            await resume(m)
        if m._visits is None:
            m._visits = {}
        m._visits.setdefault(st.name, 1)
        if st.terminal:
            line = m.pick(st.say, m.visit_count(st.name))
            verb = "transfer" if st.kind == "transfer" else "end"
            payload: Any = st.transfer if st.transfer is not None else st.end_reason
            yield sub(finish(m, verb, payload, m.render(line) if line else ""))
            return
        if (st.kind != "llm" or st.say) and not quiet:
            line = m.pick(st.say, m.visit_count(st.name))
            if line is not None:
                out = m.utter(m.render(line))
                if out:
                    yield out
        quiet = False
        edge: Edge | None
        if st.kind == "action":
            yield sub(run_action(m, st))
            edge = choose_edge(m, st)
        elif st.kind == "collect":
            if missing(m, st):
                yield sub(ask(m))
                return
            edge = choose_edge(m, st)
        elif st.kind == "llm":
            if not st.say and not m._spoke_turn:
                yield sub(llm_opening(m, st))
            return
        elif st.listens:
            return
        else:
            edge = choose_edge(m, st)
        if edge is None:
            raise RuntimeFlowError("no transition applies", state=st.name)
        if edge.clear:
            clear_slots(m, edge.clear)
        move(m, edge.dst, edge.id, edge.kind)
        if edge.say is not None:
            await follow_recording(m)
            out = m.utter(m.render(edge.say))
            if out:
                yield out


def choose_edge(
    m: CallMachine, st: CompiledState, *, text: str | None = None, norm: str | None = None
) -> Edge | None:
    """The first deterministic edge that applies (intent, if, otherwise, next)."""
    variables: dict[str, Any] | None = None
    for e in st.edges:
        if e.kind == "if" and e.expr is not None:
            if variables is None:
                variables = m.variables()
                variables["text"] = text or ""
            if e.expr.evaluate(variables, state=st.name):
                return e
        elif e.kind == "intent" and e.intent is not None:
            if norm is not None and e.intent.matches(norm):
                return e
        elif e.kind == "else":
            return e
    return st.next_edge
