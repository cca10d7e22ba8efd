"""Slot filling in ``collect`` states: extract, validate, confirm, correct, re-ask.

Deterministic first: every slot type parses spoken forms without a model
call. One utterance may fill several slots in any order; weak types (free
``text`` and ``name``) only take the answer to the question we just asked,
so "next Tuesday" is never mistaken for a name. Only when the types cannot
decide and the state has a model may the model extract the value (through
the same validation).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from superdialog.compile.model import CompiledSlot, CompiledState
from superdialog.errors import RuntimeFlowError
from superdialog.runtime.corrections import Plan, corrects, plan
from superdialog.runtime.effects import finish
from superdialog.runtime.events import SlotFilled, SlotRejected
from superdialog.runtime.llm_call import ModelTurn, model_turn
from superdialog.runtime.moves import choose_edge, goto, take
from superdialog.runtime.questions import ask, missing
from superdialog.runtime.redact import shown
from superdialog.runtime.repairs import next_owed, owe
from superdialog.runtime.slot_values import extract_context, readback, refusal, set_slot, validate
from superdialog.runtime.steps import Step, sub
from superdialog.slots import find

if TYPE_CHECKING:
    from superdialog.runtime.call import CallMachine

__all__ = ["collect_turn", "collect_unusable", "correction", "give_up"]


async def give_up(m: CallMachine, st: CompiledState) -> Step:
    """The state's tries ran out: its ``on_fail``, else the flow's ``on_error``, else the end.

    The caller spoke every time and was not understood: the end says so
    (``not_understood_end``), not "I haven't heard from you".
    """
    if st.fail_edge is not None:
        yield sub(take(m, st.fail_edge))
    elif m.flow.spec.on_error is not None and m.flow.spec.on_error != st.name:
        yield sub(goto(m, m.flow.spec.on_error, None, "fail"))
    else:
        yield sub(finish(m, "end", "no_response", m.message("not_understood_end")))


_WEAK = frozenset({"text", "name"})
_LONE_NUMBER_TIMES = frozenset({"time"})


def _corrected_line(m: CallMachine, slot: CompiledSlot, value: object) -> str:
    return m.message("corrected", slot=slot.name.replace("_", " "), value=readback(m, slot, value))


async def correction(m: CallMachine, raw: str) -> str | None:
    """'Actually, make it Wednesday' outside a collect state: what to say, or None.

    None when the words correct nothing. Otherwise every corrected slot is
    changed and read back in the line ("Okay, I've changed the visit date to
    …"), which stands for its confirmation here (there is no read-back
    question outside a collect state); a refused value gives the reason.
    """
    if not corrects(raw, m.language):
        return None
    found = await plan(m, m.current, raw, confirming=None, filled=True)
    if not found.corrects_filled and not found.refused:
        return None
    lines: list[str] = []
    for change in found.changes:
        set_slot(m, change.slot, change.value, confirmed=True)
        if m._confirming == change.slot.name:
            m._confirming = None
        lines.append(_corrected_line(m, change.slot, change.value))
    lines += [refusal(m, slot, reason) for slot, reason in found.refused]
    return " ".join(line for line in lines if line)


async def collect_turn(m: CallMachine, st: CompiledState, raw: str, norm: str) -> Step:
    """Handle one answer in a collect state."""
    if m._confirming is not None:
        yield sub(_confirm_turn(m, st, raw, norm))
        return
    if corrects(raw, m.language):
        found = await plan(m, st, raw, confirming=None, filled=True)
        if found.corrects_filled or any(slot.name in m.slots for slot, _ in found.refused):
            yield sub(_apply(m, st, found, raw, norm))
            return
    slots = m.flow.slots
    todo = missing(m, st)
    if not todo:
        yield sub(_leave(m, st, raw, norm))
        return
    asked = todo[0]
    text = raw
    filled = False
    rejected: str | None = None
    to_confirm: list[str] = []
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
        if name != asked and _bare_number(slot, text, match, ctx):
            continue  # "six" to "What day?" is no time: only the time question makes it one
        reason = await validate(m, slot, match.value, ctx)
        if reason:
            if name == asked:
                rejected = reason
            continue
        set_slot(m, slot, match.value)
        filled = True
        text = text[: match.start] + " " * (match.end - match.start) + text[match.end :]
        if slot.spec.confirm:
            to_confirm.append(name)  # read back after the others are filled, in order
    if not filled:
        yield sub(_miss(m, st, slots[asked], rejected))
        return
    if to_confirm:
        m._confirming = to_confirm[0]
        owe(m, to_confirm[1:])
    yield sub(ask(m) if m._confirming is not None or missing(m, st) else _leave(m, st, raw, norm))


async def collect_unusable(m: CallMachine, st: CompiledState) -> Step:
    """Nothing usable was said ("...", "[inaudible]"): a miss of the question being asked."""
    if m._confirming is not None:
        yield sub(_unclear(m, m._confirming))
        return
    todo = missing(m, st)
    if not todo:  # nothing is asked here any more: say the question again
        yield sub(ask(m, m.message("not_understood")))
        return
    yield sub(_miss(m, st, m.flow.slots[todo[0]], None, model=False))


def _bare_number(slot: CompiledSlot, text: str, match: Any, ctx: Any) -> bool:
    """Whether a time was read from nothing but a number ("six", "uh, 6").

    The time type takes a lone number as a time because nothing else was
    said; that holds for the answer to the time question only.
    """
    if slot.spec.type not in _LONE_NUMBER_TIMES:
        return False
    number = find("number", text, ctx)
    return number is not None and (number.start, number.end) == (match.start, match.end)


async def _apply(
    m: CallMachine,
    st: CompiledState,
    found: Plan,
    raw: str,
    norm: str,
    *,
    interrupted: str | None = None,
    accepted: bool = False,
) -> Step:
    """Store a correction's values, then read back what needs it and go on.

    A changed ``confirm: true`` slot of this state is read back (its new
    value was never confirmed); others are told in one line each ("Okay,
    I've changed …"), which stands for the read-back of an earlier state's.
    A read-back the correction interrupted (``interrupted``) is asked again
    afterwards unless the caller also said yes (``accepted``) or changed it.
    """
    lines: list[str] = []
    to_confirm: list[str] = []
    for change in found.changes:
        # a read-back question only for this state's slots: a "no" to one of an earlier
        # state's would leave it empty with no state left to ask it; its line stands for it
        asks = change.slot.spec.confirm and change.slot.name in st.collect
        set_slot(m, change.slot, change.value, confirmed=change.slot.spec.confirm and not asks)
        if asks:
            to_confirm.append(change.slot.name)
        elif change.was_filled or change.slot.spec.confirm:
            lines.append(_corrected_line(m, change.slot, change.value))
    lines += [refusal(m, slot, reason) for slot, reason in found.refused]
    if interrupted is not None and interrupted in m.slots and interrupted not in to_confirm:
        if accepted:
            slot = m.flow.slots[interrupted]
            m.emit(SlotFilled(interrupted, shown(slot, m.slots[interrupted]), m.node, True))
        else:
            to_confirm.append(interrupted)
    m._confirming = None
    owe(m, [])
    if to_confirm:
        m._confirming = to_confirm[0]
        owe(m, to_confirm[1:])
    if m._confirming is not None or missing(m, st):
        yield sub(ask(m, *lines))
        return
    for line in lines:
        out = m.utter(line)
        if out:
            yield out
    yield sub(_leave(m, st, raw, norm))


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


async def _confirm_turn(m: CallMachine, st: CompiledState, raw: str, norm: str) -> Step:
    """The caller answers a read-back: yes, no, a new value, or a correction of anything."""
    name = m._confirming
    assert name is not None
    slot = m.flow.slots[name]
    ctx = extract_context(m, slot)
    yes_no = find("yes_no", raw, ctx)
    said_no = yes_no is not None and yes_no.value is False
    words = raw
    if yes_no is not None:  # the yes or no is the answer, never part of a value
        words = raw[: yes_no.start] + " " * (yes_no.end - yes_no.start) + raw[yes_no.end :]
    found = await plan(m, st, words, confirming=name, filled=said_no or corrects(raw, m.language))
    if found.changes:
        # "no, it's 4568", "no, make it Wednesday", "yes, and ten thirty"
        accepted = yes_no is not None and yes_no.value is True
        yield sub(_apply(m, st, found, raw, norm, interrupted=name, accepted=accepted))
        return
    if found.refused:
        yield sub(ask(m, *(refusal(m, slot, reason) for slot, reason in found.refused)))
        return
    if yes_no is not None and yes_no.value is True:
        m._confirming = next_owed(m)
        m.emit(SlotFilled(name, shown(slot, m.slots[name]), m.node, True))
        yield sub(
            ask(m) if m._confirming is not None or missing(m, st) else _leave(m, st, raw, norm)
        )
        return
    if said_no:
        m._confirming = None
        m.slots.pop(name, None)
        yield sub(ask(m, m.message("confirm_again")))
        return
    yield sub(_unclear(m, name))


async def _unclear(m: CallMachine, name: str) -> Step:
    """The answer to a read-back was neither yes, no nor a value: ask it again."""
    attempt = m.count(f"confirm:{name}")
    m.emit(SlotRejected(name, "not a yes or no", attempt, m.node))
    yield sub(ask(m, m.message("confirm_unclear")))


async def _miss(
    m: CallMachine,
    st: CompiledState,
    slot: CompiledSlot,
    reason: str | None,
    *,
    model: bool = True,
) -> Step:
    attempt = m.count(f"slot:{slot.name}")
    m.emit(SlotRejected(slot.name, reason or "not understood", attempt, m.node))
    limit = slot.spec.retries if slot.spec.retries is not None else st.retries
    if attempt > limit:
        m.count(f"slot:{slot.name}", reset=True)
        yield sub(give_up(m, st))
        return
    if model and st.llm is not None and slot.spec.llm_fallback:
        outcome = ModelTurn()
        yield sub(model_turn(m, st, outcome, extract=slot.name))
        if outcome.edge is not None:
            yield sub(take(m, outcome.edge))
        else:
            yield sub(_after_model(m, st, outcome))
        return
    prefix = refusal(m, slot, reason) if reason else m.message("not_understood", attempt - 1)
    yield sub(ask(m, prefix))
