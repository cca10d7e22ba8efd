"""Slot filling in ``collect`` states: extract, validate, confirm, correct, re-ask.

Deterministic first: every slot type parses spoken forms without a model
call. One utterance may fill several slots in any order; weak types (free
``text`` and ``name``) only take the answer to the question we just asked,
so "next Tuesday" is never mistaken for a name. Only when the types cannot
decide and the state has a model may the model extract the value (through
the same validation).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from superdialog.compile.model import CompiledSlot, CompiledState
from superdialog.errors import RuntimeFlowError
from superdialog.runtime.effects import finish
from superdialog.runtime.events import SlotFilled, SlotRejected
from superdialog.runtime.llm_call import ModelTurn, model_turn
from superdialog.runtime.moves import choose_edge, goto, take
from superdialog.runtime.questions import ask, missing
from superdialog.runtime.redact import shown
from superdialog.runtime.slot_values import extract_context, readback, set_slot, validate
from superdialog.runtime.steps import Step, sub
from superdialog.slots import find

if TYPE_CHECKING:
    from superdialog.runtime.call import CallMachine

__all__ = ["collect_turn", "correction"]

_WEAK = frozenset({"text", "name"})
_CORRECTION = re.compile(
    r"\b(actually|make it|change (it|that)( to)?|no wait|instead|i meant|sorry,? i meant|"
    r"correction|not .+ but)\b",
    re.IGNORECASE,
)


async def correction(m: CallMachine, raw: str) -> str | None:
    """'Actually, make it Wednesday': update an earlier slot; return what to say, or None.

    None when the words correct nothing; otherwise the confirmation of the new
    value, or why it cannot be taken.
    """
    if not _CORRECTION.search(raw):
        return None
    slots = m.flow.slots
    for name in reversed(list(m.slots)):
        slot = slots.get(name)
        if slot is None or slot.spec.type == "text":
            continue
        ctx = extract_context(m, slot)
        match = find(slot.spec.type, raw, ctx)
        if match is None or match.value == m.slots[name]:
            continue
        reason = await validate(m, slot, match.value, ctx)
        if reason:
            return f"Sorry, {reason}."
        set_slot(m, slot, match.value, confirmed=True)
        if m._confirming == name:
            m._confirming = None
        said = readback(m, slot, match.value)
        return f"Okay, I've changed the {name.replace('_', ' ')} to {said}."
    return None


async def collect_turn(m: CallMachine, st: CompiledState, raw: str, norm: str) -> Step:
    """Handle one answer in a collect state."""
    slots = m.flow.slots
    if m._confirming is not None:
        name = m._confirming
        yield sub(_confirm_turn(m, st, raw))
        if m._confirming is not None or name not in m.slots:
            return  # still confirming, or the value was refused and asked again
    else:
        line = await correction(m, raw)
        if line is not None:
            out = m.utter(line)
            if out:
                yield out
            yield sub(ask(m) if missing(m, st) else _leave(m, st, raw, norm))
            return
        todo = missing(m, st)
        if not todo:
            yield sub(_leave(m, st, raw, norm))
            return
        asked = todo[0]
        text = raw
        filled = False
        rejected: str | None = None
        # strong types first, so "Maria Lopez, three of us next friday" leaves the name
        # type only "Maria Lopez" to look at; weak types answer only what was asked
        order = [n for n in todo if slots[n].spec.type not in _WEAK]
        order += [n for n in todo if n == asked and slots[n].spec.type in _WEAK]
        for name in order:
            slot = slots[name]
            ctx = extract_context(m, slot)
            match = find(slot.spec.type, text, ctx)
            if match is None:
                continue
            reason = await validate(m, slot, match.value, ctx)
            if reason:
                if name == asked:
                    rejected = reason
                continue
            set_slot(m, slot, match.value)
            filled = True
            text = text[: match.start] + " " * (match.end - match.start) + text[match.end :]
            if slot.spec.confirm and m._confirming is None:
                m._confirming = name  # read back after the others are filled
        if not filled:
            yield sub(_miss(m, st, slots[asked], rejected))
            return
        if m._confirming is not None:
            yield sub(ask(m))
            return
    yield sub(ask(m) if missing(m, st) else _leave(m, st, raw, norm))


async def _after_model(m: CallMachine, st: CompiledState, outcome: ModelTurn) -> Step:
    """Continue a collect state after the model extracted (or failed to extract) values."""
    for name in outcome.newly:
        if m.flow.slots[name].spec.confirm:
            m._confirming = name
            yield sub(ask(m))
            return
    if not missing(m, st):
        yield sub(_leave(m, st, "", ""))
        return
    if not outcome.spoke or outcome.newly:
        yield sub(ask(m))


async def _leave(m: CallMachine, st: CompiledState, raw: str, norm: str) -> Step:
    edge = choose_edge(m, st, text=raw, norm=norm)
    if edge is None:
        raise RuntimeFlowError("all slots are filled but no transition applies", state=st.name)
    yield sub(take(m, edge))


async def _confirm_turn(m: CallMachine, st: CompiledState, raw: str) -> Step:
    name = m._confirming
    assert name is not None
    slot = m.flow.slots[name]
    ctx = extract_context(m, slot)
    yes_no = find("yes_no", raw, ctx)
    value = None if slot.spec.type == "yes_no" else find(slot.spec.type, raw, ctx)
    if (
        value is not None
        and value.value != m.slots.get(name)
        and (yes_no is None or yes_no.value is False)
    ):
        # "no, it's 4568": a correction in place of a yes/no
        reason = await validate(m, slot, value.value, ctx)
        if reason:
            yield sub(ask(m, f"Sorry, {reason}."))
            return
        set_slot(m, slot, value.value)
        yield sub(ask(m))
        return
    if yes_no is not None and yes_no.value is True:
        m._confirming = None
        m.emit(SlotFilled(name, shown(slot, m.slots[name]), m.node, True))
        return
    if yes_no is not None and yes_no.value is False:
        m._confirming = None
        m.slots.pop(name, None)
        yield sub(ask(m, "Okay, let's try that again."))
        return
    attempt = m.count(f"confirm:{name}")
    m.emit(SlotRejected(name, "not a yes or no", attempt, m.node))
    yield sub(ask(m, "Sorry, was that a yes or a no?"))


async def _miss(m: CallMachine, st: CompiledState, slot: CompiledSlot, reason: str | None) -> Step:
    attempt = m.count(f"slot:{slot.name}")
    m.emit(SlotRejected(slot.name, reason or "not understood", attempt, m.node))
    limit = slot.spec.retries if slot.spec.retries is not None else st.retries
    if attempt > limit:
        m.count(f"slot:{slot.name}", reset=True)
        if st.fail_edge is not None:
            yield sub(take(m, st.fail_edge))
        elif m.flow.spec.on_error is not None and m.flow.spec.on_error != st.name:
            yield sub(goto(m, m.flow.spec.on_error, None, "fail"))
        else:
            yield sub(finish(m, "end", "no_response", m.message("no_response")))
        return
    if st.llm is not None and slot.spec.llm_fallback:
        outcome = ModelTurn()
        yield sub(model_turn(m, st, outcome, extract=slot.name))
        if outcome.edge is not None:
            yield sub(take(m, outcome.edge))
        else:
            yield sub(_after_model(m, st, outcome))
        return
    prefix = f"Sorry, {reason}." if reason else m.message("not_understood", attempt - 1)
    yield sub(ask(m, prefix))
