"""What a waiting state does with the caller's words, by state kind.

Order of decisions, cheapest first: (global intents, done by the caller of
this module) → slot corrections → deterministic edges (``intent``, ``if``) →
the model, only in LLM states and only when nothing deterministic decided.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING

from superdialog.compile.model import CompiledState

if TYPE_CHECKING:
    from superdialog.runtime.call import CallMachine

__all__ = ["handle_utterance"]


def handle_utterance(
    m: CallMachine, st: CompiledState, raw: str, norm: str
) -> AsyncGenerator[str, None]:
    """Handle one non-empty utterance in the current (waiting) state.

    Returns the generator that does the work (collect, the model, an edge) itself
    rather than wrapping it: every chunk passes one generator less.
    """
    if st.kind == "collect":
        from superdialog.runtime.collect import collect_turn

        return collect_turn(m, st, raw, norm)
    if st.kind == "llm":
        for e in st.edges:
            if (e.kind == "intent" and e.intent is not None and e.intent.matches(norm)) or (
                e.kind == "if"
                and e.expr is not None
                and e.expr.evaluate({**m.variables(), "text": raw}, state=st.name)
            ):
                return m.take(e)
        from superdialog.runtime.llm_state import llm_turn

        return llm_turn(m, st)
    return _other_state(m, st, raw, norm)


async def _other_state(
    m: CallMachine, st: CompiledState, raw: str, norm: str
) -> AsyncGenerator[str, None]:
    """A waiting speak state: corrections, then deterministic edges, else a re-ask."""
    from superdialog.runtime.collect import correct_earlier

    corrected = False
    async with contextlib.aclosing(correct_earlier(m, raw)) as _sub:
        async for c in _sub:
            corrected = True
            yield c
    edge = m.choose_edge(st, text=raw, norm=norm)
    if edge is not None:
        async with contextlib.aclosing(m.take(edge)) as _sub:
            async for c in _sub:
                yield c
        return
    if corrected:
        return
    miss = m.count(f"miss:{st.name}")
    if miss > st.retries and st.fail_edge is not None:
        m.count(f"miss:{st.name}", reset=True)
        async with contextlib.aclosing(m.take(st.fail_edge)) as _sub:
            async for c in _sub:
                yield c
        return
    for line in (m.message("not_understood", miss - 1), m.reprompt_text()):
        out = m._utter(line)
        if out:
            yield out
