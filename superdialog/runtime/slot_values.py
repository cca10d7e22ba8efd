"""Slot values: parse context, validation, read-back, and storing a value.

What every state that fills a slot needs — a collect state answering its
question, a correction said anywhere, a model's tool call — and nothing
about *when* to ask.
"""

from __future__ import annotations

import asyncio
import inspect
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from superdialog.compile.model import CompiledSlot
from superdialog.errors import ActionError
from superdialog.pii.project import canonical, spelled_digits
from superdialog.pii.renderings import MIN_FREE_TEXT
from superdialog.runtime.actions import resolve_validator
from superdialog.runtime.blocking import run_blocking
from superdialog.runtime.events import SlotCleared, SlotFilled
from superdialog.runtime.redact import REDACTED, shown, spoken_masked
from superdialog.runtime.secrets import slot_secret
from superdialog.slots import Constraints, ExtractContext, find, get_type, spoken
from superdialog.slots.base import Refusal
from superdialog.slots.speak import spoken as spoken_in
from superdialog.slots.speak.refusals import refused

if TYPE_CHECKING:
    from superdialog.compile.compiled import CompiledFlow
    from superdialog.runtime.call import CallMachine

__all__ = [
    "clear_slots",
    "extract_context",
    "readback",
    "refusal",
    "scan_volunteered",
    "set_slot",
    "validate",
]

# Types whose extractor only means something as the answer to a question: run over any
# sentence they would "find" ordinary words (free text, a yes, a menu choice). Names are
# scanned: the name type only takes a name from a cue ("this is …", "my name is …").
_NOT_SCANNED = frozenset({"text", "yes_no", "enum"})
_SCANS: dict[str, tuple[CompiledSlot, ...]] = {}  # by flow digest: same text, same slots
_MAX_FINDS = 8
_TAIL = 120  # how much of the previous utterance is read with the next (a value cut in two)
_WINDOW = 2000  # slot parsers read at most ~2 KB; longer words are scanned window by window
_OVERLAP = 200


def extract_context(m: CallMachine, slot: CompiledSlot | None = None) -> Any:
    """The slot parser's context: now in the flow's time zone, region, enum choices.

    For a yes/no slot also the agent's last line: the answer may restate the question.
    """
    loc = m.flow.spec.locale
    choices = dict(slot.choices) if slot is not None and slot.choices else None
    question = ""
    if slot is not None and slot.spec.type == "yes_no":  # an answer may restate the question
        question = next((t for r, t in reversed(m._history or ()) if r == "assistant"), "")
    return ExtractContext(
        now=datetime.now(ZoneInfo(loc.timezone)),
        region=loc.region,
        timezone=loc.timezone,
        choices=choices,
        language=m.language,
        question=question,
    )


async def validate(m: CallMachine, slot: CompiledSlot, value: Any, ctx: Any) -> str | None:
    """Why ``value`` is not acceptable (caller-facing), or None.

    The slot type's constraints first, then the flow's validator: an ``async``
    one is awaited, a sync one runs in the bounded pool for blocking code
    (never on the event loop), both within ``validator_timeout``. A validator
    that raises or does not answer in time is a failure of the backend behind
    it (``ActionError``: the error path), not a verdict on the value.
    """
    reason = get_type(slot.spec.type).check(value, slot.constraints or Constraints(), ctx)
    if reason:
        return reason if isinstance(reason, Refusal) else str(reason)
    if slot.choices and slot.spec.type != "enum" and str(value) not in dict(slot.choices):
        return Refusal("that isn't one of the options", "options")
    name = slot.spec.validator
    if name is None:
        return None
    verdict = await _run_validator(m, slot, name, value)
    if verdict is False:
        return Refusal("that doesn't look right", "pattern")
    if isinstance(verdict, str) and verdict:
        return verdict
    return None


async def _run_validator(m: CallMachine, slot: CompiledSlot, name: str, value: Any) -> Any:
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
    """How a value is read back to the caller: in the call's language, masked when PII.

    An English call reads back exactly as ``superdialog.slots.spoken``; any
    other language through ``superdialog.slots.speak`` (CLDR forms for the
    flow's ``locale.region``: "martes, 3 de marzo de 2026", "19:30 Uhr").
    """
    language = m.language
    if slot.pii:
        return spoken_masked(slot, value, language)
    said = slot.said_choice(value, language) if slot.choices_said else None
    if said is not None:
        return said
    if language == "en":
        return spoken(value, slot.spec.type)
    return spoken_in(value, slot.spec.type, language=language, region=m.flow.spec.locale.region)


def refusal(m: CallMachine, slot: CompiledSlot, reason: str) -> str:
    """The line that tells the caller why a value for ``slot`` was refused, in the call's language.

    English is ``"Sorry, {reason}."`` as the slot type worded it; the other
    languages say the same reason in their words, the limit read back in their
    forms (``superdialog.slots.speak.refusals``).
    """
    language = m.language
    if language == "en":
        return f"Sorry, {reason}."
    region = m.flow.spec.locale.region

    def say(value: Any, type_name: str) -> str:
        return spoken_in(value, type_name, language=language, region=region)

    return refused(reason, slot.spec.type, language, say)


def set_slot(m: CallMachine, slot: CompiledSlot, value: Any, *, confirmed: bool = False) -> None:
    """Store a value (re-inserted so the latest slot is last) and report it."""
    m.slots.pop(slot.name, None)
    m.slots[slot.name] = value
    m.count(f"slot:{slot.name}", reset=True)
    if slot.pii:
        slot_secret(m, slot, value)
        _redact_last_user_turn(m)
    m.emit(SlotFilled(slot.name, shown(slot, value), m.node, confirmed))


def clear_slots(m: CallMachine, names: tuple[str, ...]) -> None:
    """Empty ``names`` (a transition's ``clear:``): the states ahead ask for them again.

    Their miss and read-back counts start over. A PII value stays known to the
    call's masker: cleared from the slot, it is still never said or stored.
    """
    for name in names:
        m.count(f"slot:{name}", reset=True)
        m.count(f"confirm:{name}", reset=True)
        if m.slots.pop(name, None) is not None:
            m.emit(SlotCleared(name, m.node))


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


def _scannable(flow: CompiledFlow) -> tuple[CompiledSlot, ...]:
    cached = _SCANS.get(flow.digest)
    if cached is None:
        seen: set[tuple[Any, ...]] = set()
        out: list[CompiledSlot] = []
        for slot in flow.graph.slots.values():
            spec = slot.spec
            if not slot.pii or spec.type in _NOT_SCANNED:
                continue
            key = (spec.type, spec.min, spec.max, spec.min_length, spec.max_length,
                   spec.past_only, spec.future_only, spec.pattern)  # fmt: skip
            if key not in seen:
                seen.add(key)
                out.append(slot)
        cached = tuple(out)
        if len(_SCANS) > 256:
            _SCANS.clear()
        _SCANS[flow.digest] = cached
    return cached


def scan_volunteered(m: CallMachine, text: str) -> None:
    """Caller words outside a PII state: values a PII slot type recognises become secrets.

    A value counts when the slot's own constraints accept it (a date of birth
    slot with ``past_only`` ignores "next Tuesday"). Masking then hides it in
    everything that stores or forwards the words.
    """
    slots = _scannable(m.flow)
    if not slots or not text:
        return
    text = _without_the_answer(m, text)
    before, m._heard_tail = m._heard_tail, text[-_TAIL:]
    windows = [text[i : i + _WINDOW] for i in range(0, len(text), _WINDOW - _OVERLAP)]
    spelled = spelled_digits(text)  # a code read out in another language: "vier eins eins …"
    if spelled is not None:
        windows += [spelled[i : i + _WINDOW] for i in range(0, len(spelled), _WINDOW - _OVERLAP)]
    for slot in slots:
        ctx = extract_context(m, slot)
        kind = get_type(slot.spec.type)
        for window in windows:
            _scan(m, slot, kind, ctx, window)
        if before:
            _scan_join(m, slot, kind, ctx, before, text[:_TAIL])


def _scan_join(
    m: CallMachine, slot: CompiledSlot, kind: Any, ctx: Any, before: str, now: str
) -> None:
    """A value said across two utterances ("4111 1111" … "1111 1111"): both halves are secrets.

    The recogniser cuts a caller who pauses mid-number; neither half is a
    value by itself, but one after the other (in the history, in the next
    prompt) they are. Only a value that spans the cut counts; a half becomes a
    secret when it is digits (at least four): "March 12" before "1975" is no
    secret by itself, the date is.
    """
    joined = before + " " + now
    cut = len(before)
    rest = joined
    for _ in range(_MAX_FINDS):
        match = find(slot.spec.type, rest, ctx)
        if match is None or match.end <= match.start:
            return
        if match.start < cut < match.end - 1 and not kind.check(
            match.value, slot.constraints or Constraints(), ctx
        ):
            slot_secret(m, slot, match.value)
            for half in (joined[match.start : cut], joined[cut + 1 : match.end]):
                digits = canonical(half)
                if len(digits) >= MIN_FREE_TEXT and digits.isdigit():
                    m.add_secret(
                        half, llm_ok=slot.spec.send_to_llm, spoken=spoken_masked(slot, match.value)
                    )
        rest = rest[: match.start] + " " * (match.end - match.start) + rest[match.end :]


_MOMENTS = frozenset({"date", "time", "datetime"})


def _without_the_answer(m: CallMachine, text: str) -> str:
    """``text`` with the words that answer the current question blanked out.

    The answer to a date question ("january fifth twenty thirty") holds digits
    a PII slot's type also reads ("2030" for a four-digit PIN): they are that
    answer, not a PIN volunteered in passing, and masked they would hide the
    very value read back next. Only the question's own non-PII moment slots
    count: their numbers are parts of a day or a time, while a number or code
    answer may be the very card number said in the wrong place.
    """
    st = m.current
    if st.kind != "collect":
        return text
    for name in st.collect:
        slot = m.flow.slots.get(name)
        if slot is None or slot.pii or name in m.slots or slot.spec.type not in _MOMENTS:
            continue
        match = find(slot.spec.type, text, extract_context(m, slot))
        if match is not None and match.end > match.start:
            text = text[: match.start] + " " * (match.end - match.start) + text[match.end :]
    return text


def _scan(m: CallMachine, slot: CompiledSlot, kind: Any, ctx: Any, text: str) -> None:
    """Every value of ``slot``'s type in ``text`` (parsers read one window at a time)."""
    rest = text
    for _ in range(_MAX_FINDS):
        match = find(slot.spec.type, rest, ctx)
        if match is None:
            break
        if not kind.check(match.value, slot.constraints or Constraints(), ctx):
            slot_secret(m, slot, match.value)
            said = rest[match.start : match.end]
            m.add_secret(
                said, llm_ok=slot.spec.send_to_llm, spoken=spoken_masked(slot, match.value)
            )
        if match.end <= match.start:
            break
        rest = rest[: match.start] + " " * (match.end - match.start) + rest[match.end :]
