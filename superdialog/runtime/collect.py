"""Slot filling in ``collect`` states: ask, extract, validate, confirm, correct.

Deterministic first: every slot type parses spoken forms without a model
call. One utterance may fill several slots in any order; weak types (free
``text`` and ``name``) only take the answer to the question we just asked,
so "next Tuesday" is never mistaken for a name.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from superdialog.compile.model import CompiledSlot, CompiledState
from superdialog.runtime.events import SlotFilled, SlotRejected
from superdialog.runtime.redact import REDACTED, shown, spoken_masked

if TYPE_CHECKING:
    from superdialog.runtime.call import CallMachine

__all__ = [
    "collect_after_llm",
    "collect_turn",
    "correct_earlier",
    "current_question",
    "enter_collect",
    "extract_context",
    "readback",
    "set_slot",
    "validate",
]

_WEAK = frozenset({"text", "name"})
_CORRECTION = re.compile(
    r"\b(actually|make it|change (it|that)( to)?|no wait|instead|i meant|sorry,? i meant|"
    r"correction|not .+ but)\b",
    re.IGNORECASE,
)


def extract_context(m: CallMachine, slot: CompiledSlot | None = None) -> Any:
    """The slot parser's context: now in the flow's time zone, region, enum choices."""
    from superdialog.slots import ExtractContext

    loc = m.flow.spec.locale
    choices = dict(slot.choices) if slot is not None and slot.choices else None
    return ExtractContext(
        now=datetime.now(ZoneInfo(loc.timezone)),
        region=loc.region,
        timezone=loc.timezone,
        choices=choices,
    )


async def validate(m: CallMachine, slot: CompiledSlot, value: Any, ctx: Any) -> str | None:
    """Why ``value`` is not acceptable (caller-facing), or None.

    The slot type's constraints first, then the flow's validator: an ``async``
    one is awaited, a sync one runs in the bounded pool for blocking code
    (never on the event loop), both within ``validator_timeout``. A validator
    that raises or does not answer in time is a failure of the backend behind
    it (``ActionError``: the error path), not a verdict on the value.
    """
    from superdialog.slots import Constraints, get_type

    reason = get_type(slot.spec.type).check(value, slot.constraints or Constraints(), ctx)
    if reason:
        return str(reason)
    if slot.choices and slot.spec.type != "enum" and str(value) not in dict(slot.choices):
        return "that isn't one of the options"
    name = slot.spec.validator
    if name is None:
        return None
    verdict = await _run_validator(m, slot, name, value)
    if verdict is False:
        return "that doesn't look right"
    if isinstance(verdict, str) and verdict:
        return verdict
    return None


async def _run_validator(m: CallMachine, slot: CompiledSlot, name: str, value: Any) -> Any:
    import asyncio
    import inspect

    from superdialog.errors import ActionError
    from superdialog.runtime.actions import resolve_validator
    from superdialog.runtime.blocking import run_blocking

    fn = resolve_validator(m, name)
    timeout = slot.spec.validator_timeout
    try:
        async with asyncio.timeout(timeout):
            if inspect.iscoroutinefunction(fn):
                return await fn(value)
            verdict = await run_blocking(fn, value, timeout=timeout)
            if inspect.isawaitable(verdict):
                verdict = await verdict
            return verdict
    except TimeoutError:
        raise ActionError(
            f"validator '{name}' gave no answer within {timeout:g}s", state=m.node, timed_out=True
        ) from None
    except ActionError as exc:
        raise ActionError(f"validator '{name}': {exc}", state=m.node) from None
    except Exception as exc:  # the validator's own failure: its message may quote the value
        raise ActionError(f"validator '{name}' failed: {type(exc).__name__}", state=m.node) from exc


def readback(m: CallMachine, slot: CompiledSlot, value: Any) -> str:
    """How a value is read back to the caller (masked when PII)."""
    if slot.pii:
        return spoken_masked(slot, value)
    from superdialog.slots import spoken

    return spoken(value, slot.spec.type)


def set_slot(m: CallMachine, slot: CompiledSlot, value: Any, *, confirmed: bool = False) -> None:
    """Store a value (re-inserted so the latest slot is last) and report it."""
    m.slots.pop(slot.name, None)
    m.slots[slot.name] = value
    m.count(f"slot:{slot.name}", reset=True)
    if slot.pii:
        from superdialog.runtime.secrets import slot_secret

        slot_secret(m, slot, value)
        _redact_last_user_turn(m)
    m._emit(SlotFilled(slot.name, shown(slot, value), m.node, confirmed))


def _redact_last_user_turn(m: CallMachine) -> None:
    """The caller's words that gave a PII value leave the history (prompts, snapshots).

    In a ``pii: true`` state they were never kept; a PII slot filled or
    corrected elsewhere must not stay there in clear text either.
    """
    hist = m._history
    if not hist:
        return
    for i in range(len(hist) - 1, -1, -1):
        if hist[i][0] == "user":
            hist[i] = ("user", REDACTED)
            return


def _missing(m: CallMachine, st: CompiledState) -> list[str]:
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
    missing = _missing(m, st)
    if not missing:
        return ""
    slot = slots[missing[0]]
    attempt = (m._misses or {}).get(f"slot:{slot.name}", 0)
    t = m.pick(slot.prompts, attempt)
    return m.render(t) if t is not None else ""


async def enter_collect(m: CallMachine, st: CompiledState) -> AsyncGenerator[str | None, None]:
    """On entry: ask the first missing slot, or yield ``None`` when all are filled."""
    if not _missing(m, st):
        yield None
        return
    out = m._utter(current_question(m))
    if out:
        yield out


_SORRY = re.compile(r"^sorry[,.!]?\s+", re.IGNORECASE)


async def _ask(m: CallMachine, *prefix: str) -> AsyncGenerator[str, None]:
    question = current_question(m)
    if prefix and _SORRY.match(question):
        # "Sorry, I didn't catch that." + "Sorry, could you say …": apologise once
        question = _SORRY.sub("", question, count=1)
        question = question[:1].upper() + question[1:]
    for line in (*prefix, question):
        out = m._utter(line)
        if out:
            yield out


async def correct_earlier(m: CallMachine, raw: str) -> AsyncGenerator[str, None]:
    """'Actually, make it Wednesday': update an earlier slot when the caller corrects it."""
    if not _CORRECTION.search(raw):
        return
    from superdialog.slots import find

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
            out = m._utter(f"Sorry, {reason}.")
            if out:
                yield out
            return
        set_slot(m, slot, match.value, confirmed=True)
        if m._confirming == name:
            m._confirming = None
        out = m._utter(
            f"Okay, I've changed the {name.replace('_', ' ')} to {readback(m, slot, match.value)}."
        )
        if out:
            yield out
        return


async def collect_turn(
    m: CallMachine, st: CompiledState, raw: str, norm: str
) -> AsyncGenerator[str, None]:
    """Handle one answer in a collect state."""
    from superdialog.slots import find

    slots = m.flow.slots
    if m._confirming is not None:
        name = m._confirming
        async with contextlib.aclosing(_confirm_turn(m, st, raw)) as _sub:
            async for c in _sub:
                yield c
        if m._confirming is not None or name not in m.slots:
            return  # still confirming, or the value was refused and asked again
    else:
        corrected = False
        async with contextlib.aclosing(correct_earlier(m, raw)) as _sub:
            async for c in _sub:
                corrected = True
                yield c
        if corrected:
            if _missing(m, st):
                async with contextlib.aclosing(_ask(m)) as _sub:
                    async for c in _sub:
                        yield c
                return
            async with contextlib.aclosing(_leave(m, st, raw, norm)) as _sub:
                async for c in _sub:
                    yield c
            return
        missing = _missing(m, st)
        if not missing:
            async with contextlib.aclosing(_leave(m, st, raw, norm)) as _sub:
                async for c in _sub:
                    yield c
            return
        asked = missing[0]
        text = raw
        filled = False
        rejected: str | None = None
        # strong types first, so "Maria Lopez, three of us next friday" leaves the name
        # type only "Maria Lopez" to look at; weak types answer only what was asked
        order = [n for n in missing if slots[n].spec.type not in _WEAK]
        order += [n for n in missing if n == asked and slots[n].spec.type in _WEAK]
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
            async with contextlib.aclosing(_miss(m, st, slots[asked], rejected)) as _sub:
                async for c in _sub:
                    yield c
            return
        if m._confirming is not None:
            async with contextlib.aclosing(_ask(m)) as _sub:
                async for c in _sub:
                    yield c
            return
    if _missing(m, st):
        async with contextlib.aclosing(_ask(m)) as _sub:
            async for c in _sub:
                yield c
        return
    async with contextlib.aclosing(_leave(m, st, raw, norm)) as _sub:
        async for c in _sub:
            yield c


async def collect_after_llm(
    m: CallMachine, st: CompiledState, *, spoke: bool, newly: list[str]
) -> AsyncGenerator[str, None]:
    """Continue a collect state after the model extracted (or failed to extract) values."""
    for name in newly:
        if m.flow.slots[name].spec.confirm:
            m._confirming = name
            async with contextlib.aclosing(_ask(m)) as _sub:
                async for c in _sub:
                    yield c
            return
    if not _missing(m, st):
        async with contextlib.aclosing(_leave(m, st, "", "")) as _sub:
            async for c in _sub:
                yield c
        return
    if not spoke or newly:
        async with contextlib.aclosing(_ask(m)) as _sub:
            async for c in _sub:
                yield c


async def _leave(
    m: CallMachine, st: CompiledState, raw: str, norm: str
) -> AsyncGenerator[str, None]:
    edge = m.choose_edge(st, text=raw, norm=norm)
    if edge is None:
        from superdialog.errors import RuntimeFlowError

        raise RuntimeFlowError("all slots are filled but no transition applies", state=st.name)
    async with contextlib.aclosing(m.take(edge)) as _sub:
        async for c in _sub:
            yield c


async def _confirm_turn(m: CallMachine, st: CompiledState, raw: str) -> AsyncGenerator[str, None]:
    from superdialog.slots import find

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
            async with contextlib.aclosing(_ask(m, f"Sorry, {reason}.")) as _sub:
                async for c in _sub:
                    yield c
            return
        set_slot(m, slot, value.value)
        async with contextlib.aclosing(_ask(m)) as _sub:
            async for c in _sub:
                yield c
        return
    if yes_no is not None and yes_no.value is True:
        m._confirming = None
        m._emit(SlotFilled(name, shown(slot, m.slots[name]), m.node, True))
        return
    if yes_no is not None and yes_no.value is False:
        m._confirming = None
        m.slots.pop(name, None)
        async with contextlib.aclosing(_ask(m, "Okay, let's try that again.")) as _sub:
            async for c in _sub:
                yield c
        return
    attempt = m.count(f"confirm:{name}")
    m._emit(SlotRejected(name, "not a yes or no", attempt, m.node))
    async with contextlib.aclosing(_ask(m, "Sorry, was that a yes or a no?")) as _sub:
        async for c in _sub:
            yield c


async def _miss(
    m: CallMachine, st: CompiledState, slot: CompiledSlot, reason: str | None
) -> AsyncGenerator[str, None]:
    attempt = m.count(f"slot:{slot.name}")
    m._emit(SlotRejected(slot.name, reason or "not understood", attempt, m.node))
    limit = slot.spec.retries if slot.spec.retries is not None else st.retries
    if attempt > limit:
        m.count(f"slot:{slot.name}", reset=True)
        if st.fail_edge is not None:
            async with contextlib.aclosing(m.take(st.fail_edge)) as _sub:
                async for c in _sub:
                    yield c
            return
        if m.flow.spec.on_error is not None and m.flow.spec.on_error != st.name:
            async with contextlib.aclosing(m.goto(m.flow.spec.on_error, None, "fail")) as _sub:
                async for c in _sub:
                    yield c
            return
        async with contextlib.aclosing(
            m.finish("end", "no_response", m.message("no_response"))
        ) as _sub:
            async for c in _sub:
                yield c
        return
    if st.llm is not None and slot.spec.llm_fallback:
        from superdialog.runtime.llm_state import llm_turn

        async with contextlib.aclosing(llm_turn(m, st, extract=slot.name)) as _sub:
            async for c in _sub:
                yield c
        return
    prefix = f"Sorry, {reason}." if reason else m.message("not_understood", attempt - 1)
    async with contextlib.aclosing(_ask(m, prefix)) as _sub:
        async for c in _sub:
            yield c
