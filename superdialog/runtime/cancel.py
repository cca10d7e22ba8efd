"""Cancel: "never mind", "forget it", "cancel that" (the built-in ``never_mind`` intent).

What happens is the flow's choice, most specific first:

1. the state's ``on_cancel`` (a state, or ``{say, to}``), else the flow's:
   the values this state collected are dropped, the line is said, and the
   call moves there (recording follows the state, as on every move);
2. inside a digression (``call:``): the digression is dropped and the call
   goes back to the step it interrupted, asking its question again;
3. the built-in, which never leaves the state and never ends the call:

   * at a read-back: the value read back is dropped and asked again;
   * in a collect state: its values are dropped and its first question is
     asked again ("Okay, never mind. Can I have your name?");
   * in any other state the words are the state's, as if no rule had
     matched: its transitions decide ("no" on "anything else?"), or its
     model answers.

A flow that wants "never mind" to mean "is there anything else?" points
``on_cancel`` at such a state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from superdialog.compile.intents import normalise
from superdialog.runtime.digressions import come_back
from superdialog.runtime.dispatch import handle_utterance
from superdialog.runtime.moves import take
from superdialog.runtime.questions import ask
from superdialog.runtime.repairs import owe
from superdialog.runtime.steps import Step, sub

if TYPE_CHECKING:
    from superdialog.runtime.call import CallMachine

__all__ = ["cancel"]


def _forget_state(m: CallMachine) -> bool:
    """Drop what the current state collected and any read-back; whether anything went."""
    st = m.current
    dropped = False
    for name in st.collect:
        if m.slots.pop(name, None) is not None:
            dropped = True
            m.count(f"slot:{name}", reset=True)
    m._confirming = None
    if m._repairs is not None:
        owe(m, [])
    return dropped


async def cancel(m: CallMachine, raw: str) -> Step:
    """The caller said "never mind" (``raw``) in a waiting state: what the flow says (above)."""
    st = m.current
    edge = st.cancel_edge
    if edge is not None:
        _forget_state(m)
        yield sub(take(m, edge))
        return
    rs = m._repairs
    if rs is not None and rs.frames:
        _forget_state(m)
        yield sub(come_back(m, m.message("cancelled")))
        return
    line = m.message("cancelled")
    if m._confirming is not None:
        name = m._confirming
        m._confirming = None
        m.slots.pop(name, None)
        yield sub(ask(m, line))
        return
    if st.kind == "collect":
        _forget_state(m)
        yield sub(ask(m, line))
        return
    yield sub(handle_utterance(m, st, raw, normalise(raw)))
