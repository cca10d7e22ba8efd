"""Digressions that come back: the flow stack behind ``call:`` and ``return: true``.

A global rule with ``call: faq_hours`` (instead of ``goto:``) interrupts the
step the caller is in: the step (and the read-back it waits on) is pushed as
a frame, and the call moves to ``faq_hours``, which may speak a fixed
answer, run an action (an FAQ lookup) or let the model answer (an ``llm``
state). When the call stands in a state with ``return: true`` at the end of
a turn, the frame is popped and the call moves back — a move the flow's
machine checks like any other (the compiler adds the call and return edges)
— and asks the interrupted question again, after ``messages.resume``:
"… Now, what day would you like to come in?"

Recording follows the state on the way in and on the way back, so a
digression from a PII state resumes recording for the answer and pauses it
again before the question. A return is not a new visit of the interrupted
state (its varied lines and action keys do not move on). A state with
``return: true`` reached without a frame (nothing called it) waits, like a
speak state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from superdialog.compile.model import CompiledGlobal
from superdialog.compile.templates import CompiledTemplate
from superdialog.runtime.effects import RUNNING, follow_recording
from superdialog.runtime.moves import goto, move
from superdialog.runtime.questions import reprompt_text
from superdialog.runtime.repairs import MAX_FRAMES, Frame, state_of
from superdialog.runtime.steps import Step, sub

if TYPE_CHECKING:
    from superdialog.runtime.call import CallMachine

__all__ = ["and_return", "come_back", "digress"]


async def digress(m: CallMachine, rule: CompiledGlobal) -> Step:
    """Follow a ``call:`` rule: remember where the caller was, then enter the called state."""
    assert rule.call is not None
    rs = state_of(m)
    rs.frames.append(Frame(m.node, m._confirming))
    del rs.frames[:-MAX_FRAMES]
    on_the_way = None  # the rule's line, said on the way like an edge's line
    if rule.say is not None:
        text = m.render(rule.say)
        on_the_way = CompiledTemplate(text, text, None)
    name = rule.intent.name
    edge_id = f"{m.node}->{rule.call}~call:{name}"
    yield sub(goto(m, rule.call, edge_id, f"call:{name}", on_the_way))


async def and_return(m: CallMachine, body: Step) -> Step:
    """Run a turn's ``body``; if it ends in a ``return: true`` state, go back (see above).

    A turn that starts in a returning state was cut short (the caller barged
    in on the answer) before it went back: it goes back first, silently, and
    the new words answer the interrupted step.
    """
    rs = m._repairs
    if m._status == RUNNING and m.current.returns and rs is not None and rs.frames:
        _back(m)
        await follow_recording(m)
    yield sub(body)
    if m._status == RUNNING and m.current.returns:
        rs = m._repairs
        if rs is not None and rs.frames:
            yield sub(come_back(m))


def _resumed(prefix: str, question: str) -> str:
    """'Now,' + 'What day …?' → 'Now, what day …?' (a leading 'I' stays upper case)."""
    if not prefix:
        return question
    if not question:
        return prefix if not prefix.endswith(",") else ""
    first = question.split(" ", 1)[0]
    keep = first in ("I", "I'm", "I've", "I'll", "I'd") or first[1:2].isupper()
    if prefix.endswith(","):
        question = question if keep else question[:1].lower() + question[1:]
    return f"{prefix} {question}"


def _back(m: CallMachine) -> None:
    """Pop the innermost frame and move back to its state (the machine checks the move)."""
    frame = state_of(m).frames.pop()
    src = m.node
    move(m, frame.state, f"{src}->{frame.state}~return", "return")
    visits = m._visits
    if visits is not None and visits.get(frame.state, 0) > 1:
        visits[frame.state] -= 1  # coming back is not a new visit
    if frame.confirming is not None and frame.confirming in m.slots:
        m._confirming = frame.confirming


async def come_back(m: CallMachine, before: str = "") -> Step:
    """Pop the innermost frame, move back to its state and ask its question again.

    ``before`` is said first (a cancelled digression's "Okay, never mind.").
    """
    if not state_of(m).frames:
        return
    _back(m)
    await follow_recording(m)
    if before:
        out = m.utter(before)
        if out:
            yield out
    line = _resumed(m.message("resume"), reprompt_text(m))
    if line:
        out = m.utter(line)
        if out:
            yield out
