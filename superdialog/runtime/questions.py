"""What a collect state is asking: the next missing slot, or the read-back to confirm.

Entering a collect state, re-asking after a miss, a no-input re-prompt and
"say that again" all need the same question in the same wording (varied on
each retry), so it is made in one place.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from superdialog.compile.model import CompiledState
from superdialog.runtime.slot_values import readback
from superdialog.runtime.steps import Step

if TYPE_CHECKING:
    from superdialog.runtime.call import CallMachine

__all__ = ["ask", "current_question", "missing", "repeat_text", "reprompt_text"]

# an apology opening a line, in the languages the runtime speaks
_SORRY = re.compile(
    r"^(?:sorry|perdone|perd[oó]n|disculpe|lo siento|entschuldigung|entschuldigen sie|"
    r"pardon|d[ée]sol[ée]e?|माफ़ कीजिए|माफ कीजिए)[,.!।]?\s+",
    re.IGNORECASE,
)


def missing(m: CallMachine, st: CompiledState) -> list[str]:
    """The state's slots that have no value yet, in the order it asks them."""
    return [s for s in st.collect if s not in m.slots]


def current_question(m: CallMachine) -> str:
    """The question the collect state is waiting on (a confirmation or the next slot)."""
    st = m.current
    slots = m.flow.slots
    if m._confirming is not None:
        slot = slots[m._confirming]
        return m.message(
            "confirm",
            value=readback(m, slot, m.slots.get(slot.name)),
            slot=slot.name.replace("_", " "),
        )
    todo = missing(m, st)
    if not todo:
        return ""
    slot = slots[todo[0]]
    attempt = (m._misses or {}).get(f"slot:{slot.name}", 0)
    t = m.pick(slot.prompts, attempt)
    return m.render(t) if t is not None else ""


async def ask(m: CallMachine, *prefix: str) -> Step:
    """Say ``prefix`` lines, then the current question (apologising once, not twice)."""
    question = current_question(m)
    if prefix and _SORRY.match(question):
        # "Sorry, I didn't catch that." + "Sorry, could you say …": apologise once
        question = _capitalised(_SORRY.sub("", question, count=1))
    for line in (*prefix, question):
        out = m.utter(line)
        if out:
            yield out


def _capitalised(text: str) -> str:
    """``text`` with its first letter upper case ("¿cuántas …" → "¿Cuántas …")."""
    for i, ch in enumerate(text):
        if ch.isalpha():
            return text[:i] + ch.upper() + text[i + 1 :]
    return text


def reprompt_text(m: CallMachine) -> str:
    """What the current state asks again after a miss, a silence or "say that again"."""
    st = m.current
    if st.kind == "collect":
        return current_question(m)
    if st.say:
        t = m.pick(st.say, m.visit_count(st.name))
        return m.render(t) if t else ""
    return ""


def repeat_text(m: CallMachine) -> str:
    """What "say that again" says: the last reply, whole, and the question it led to.

    The last reply is kept line by line as it was produced (``CallMachine.said``),
    so a barge-in that cut a line short does not cut what is repeated; lines
    the barge-in kept us from producing never were, so the question the
    state is waiting on is added when the reply did not end with it (speak
    and collect states; a model's reply stands as it was). What was said
    while recording was paused is never replayed into a recording. Lines said
    in another language than the call's (the caller switched in this very turn)
    are not replayed: the question is asked again in the new language (an LLM
    state gives nothing here, so the model answers in the new language).
    """
    if m._said_language is not None and m._said_language != m.language:
        if m.current.kind in ("collect", "speak"):
            return m.speakable(reprompt_text(m).strip())
        return ""
    lines = [t for t, paused in m._said if m._paused or not paused]
    if m.current.kind in ("collect", "speak"):
        question = m.speakable(reprompt_text(m).strip())
        if question and (not lines or not lines[-1].endswith(question)):
            lines.append(question)
    return " ".join(lines)
