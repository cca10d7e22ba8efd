"""What a waiting state does with the caller's words, by state kind.

Order of decisions, cheapest first: (global intents, done by the turn loop)
→ slot corrections → deterministic edges (``intent``, ``if``) → the model,
only in LLM states and only when nothing deterministic decided.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from superdialog.compile.model import CompiledState
from superdialog.runtime.collect import collect_turn, collect_unusable, correction, give_up
from superdialog.runtime.llm_call import ModelTurn, model_turn
from superdialog.runtime.moves import choose_edge, take
from superdialog.runtime.questions import reprompt_text
from superdialog.runtime.steps import Step, sub

if TYPE_CHECKING:
    from superdialog.runtime.call import CallMachine

__all__ = ["handle_unusable", "handle_utterance"]


def handle_utterance(m: CallMachine, st: CompiledState, raw: str, norm: str) -> Step:
    """Handle one non-empty utterance in the current (waiting) state."""
    if st.kind == "collect":
        return collect_turn(m, st, raw, norm)
    if st.kind == "llm":
        for e in st.edges:
            if (e.kind == "intent" and e.intent is not None and e.intent.matches(norm)) or (
                e.kind == "if"
                and e.expr is not None
                and e.expr.evaluate({**m.variables(), "text": raw}, state=st.name)
            ):
                return take(m, e)
        return _llm_turn(m, st)
    return _other_state(m, st, raw, norm)


def handle_unusable(m: CallMachine, st: CompiledState) -> Step:
    """The caller spoke but said nothing usable ("...", "[inaudible]"): not understood.

    No parser and no model sees it: a collect state counts a miss on the
    question asked (its retries and ``on_fail`` apply), any other state a miss
    of its own and asks again.
    """
    if st.kind == "collect":
        return collect_unusable(m, st)
    return _not_understood(m, st)


async def _llm_turn(m: CallMachine, st: CompiledState) -> Step:
    """The caller spoke in an LLM state and nothing deterministic decided: the model answers."""
    outcome = ModelTurn()
    yield sub(model_turn(m, st, outcome))
    if outcome.edge is not None:
        m.count(f"miss:{st.name}", reset=True)
        yield sub(take(m, outcome.edge))
        return
    if outcome.spoke:
        m.count(f"miss:{st.name}", reset=True)
        return
    # An empty reply or only broken tool calls: a miss, never dead air. Counted like the
    # other states' misses: a model that keeps answering nothing does not hold the caller
    # in "Sorry, I didn't catch that" until the call's turn limit.
    yield sub(_not_understood(m, st, give_up_at_last=True))


async def _other_state(m: CallMachine, st: CompiledState, raw: str, norm: str) -> Step:
    """A waiting speak state: corrections, then deterministic edges, else a re-ask."""
    line = await correction(m, raw)
    if line is not None:
        out = m.utter(line)
        if out:
            yield out
    edge = choose_edge(m, st, text=raw, norm=norm)
    if edge is not None:
        yield sub(take(m, edge))
        return
    if line is not None:
        return
    yield sub(_not_understood(m, st))


async def _not_understood(
    m: CallMachine, st: CompiledState, *, give_up_at_last: bool = False
) -> Step:
    """A miss of a waiting state: its ``on_fail`` once retries run out, else ask again.

    ``give_up_at_last``: with no ``on_fail``, the flow's ``on_error`` or the end
    (``give_up``) rather than asking again for ever (a model that answers nothing).
    """
    miss = m.count(f"miss:{st.name}")
    if miss > st.retries and (st.fail_edge is not None or give_up_at_last):
        m.count(f"miss:{st.name}", reset=True)
        yield sub(give_up(m, st))
        return
    for text in (m.message("not_understood", miss - 1), reprompt_text(m)):
        out = m.utter(text)
        if out:
            yield out
