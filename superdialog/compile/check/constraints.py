"""Every slot constraint and time zone parsed at load, by the parser a call uses.

A bound the slot type cannot read (``min: "opening time"`` on a time,
``min: abc`` on a number), ``min`` above ``max``, ``future_only`` on a type
that has no tense, or a time zone ``zoneinfo`` does not know would raise
``SlotTypeError`` / ``ZoneInfoNotFoundError`` on every call that reaches
them. Here they are located errors instead. The bound is read exactly as
``SlotType.check`` reads it at run time: ``slot_type.bound(raw, ctx)``.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from functools import cache
from typing import Any

from superdialog.compile.check.findings import Findings, Locate
from superdialog.errors import SlotTypeError
from superdialog.slots import get_type
from superdialog.slots.base import ExtractContext, SlotType
from superdialog.spec.models import FlowSpec, SlotSpec, StateSpec

__all__ = ["check_constraints", "check_timezone", "slot_context"]

_EXAMPLES = {
    "number": "a number such as 10",
    "amount": "an amount such as 20 or '$20'",
    "date": "a date such as 2026-01-31, or 'today'",
    "time": "a time such as '09:00' or '9am'",
    "datetime": "a moment such as '2026-01-31T09:00', or 'tomorrow at 9'",
}


@cache
def _zones() -> tuple[str, ...]:
    import zoneinfo  # lazy: only when a zone is wrong

    return tuple(sorted(zoneinfo.available_timezones()))


def _zone(name: str) -> tzinfo | None:
    """The zone the runtime builds (``ZoneInfo(name)``), or None when it cannot."""
    from zoneinfo import ZoneInfo  # lazy: zoneinfo only when a flow loads

    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return None


def check_timezone(spec: FlowSpec, locate: Locate, out: Findings) -> tzinfo | None:
    """``locale.timezone`` must be a zone ``zoneinfo`` knows (every call builds one)."""
    name = spec.locale.timezone
    tz = _zone(name)
    if tz is None:
        close = difflib.get_close_matches(name, _zones(), n=1, cutoff=0.6)
        out.error(
            locate(None, ("locale", "timezone")),
            f"unknown time zone '{name}'",
            f"did you mean '{close[0]}'?" if close else "use an IANA name such as Europe/London",
        )
    return tz


def slot_context(spec: FlowSpec, slot: SlotSpec, tz: tzinfo | None) -> ExtractContext:
    """The parse context a call gives this slot (now in the flow's zone, region, choices)."""
    choices = slot.choice_map()
    return ExtractContext(
        now=datetime.now(tz or UTC),
        region=spec.locale.region.upper(),
        timezone=spec.locale.timezone if tz is not None else "UTC",
        choices=choices,
    )


def _shown(raw: Any) -> str:
    text = repr(raw) if isinstance(raw, str) else str(raw)
    return text if len(text) <= 40 else text[:40] + "…"


def _bound(
    kind: SlotType, raw: Any, ctx: ExtractContext, key: str, where: tuple[str, ...]
) -> tuple[Any, tuple[str, str | None] | None]:
    """The bound as ``check`` reads it, or why it cannot be read."""
    try:
        value = kind.bound(raw, ctx)
    except SlotTypeError:
        return None, (f"a {kind.name} slot has no order: '{key}' cannot apply to it", None)
    except Exception as exc:  # a custom type's parser: its failure is the flow's problem
        return None, (f"{key} {_shown(raw)} cannot be read: {type(exc).__name__}", None)
    if value is None:
        return None, (
            f"{key} {_shown(raw)} is not a {kind.name} this slot type can read",
            f"write {_EXAMPLES[kind.name]}" if kind.name in _EXAMPLES else None,
        )
    return value, None


def _check_slot(
    name: str, slot: SlotSpec, spec: FlowSpec, tz: tzinfo | None, locate: Locate, out: Findings
) -> None:
    try:
        kind = get_type(slot.type)
    except SlotTypeError:
        return  # reported by the compiler
    ctx = slot_context(spec, slot, tz)
    bounds: dict[str, Any] = {}
    for key in ("min", "max"):
        raw = getattr(slot, key)
        if raw is None:
            continue
        value, wrong = _bound(kind, raw, ctx, key, ("slots", name, key))
        if wrong is not None:
            out.error(locate(None, ("slots", name, key)), *wrong)
        else:
            bounds[key] = value
    if len(bounds) == 2:
        try:
            low, high = (kind.order_key(bounds[k], ctx) for k in ("min", "max"))
            inverted = bool(low > high)
        except Exception:  # values the type cannot order: the call would fail the same way
            out.error(
                locate(None, ("slots", name, "max")),
                f"min {_shown(slot.min)} and max {_shown(slot.max)} cannot be compared",
            )
        else:
            if inverted:
                out.error(
                    locate(None, ("slots", name, "max")),
                    f"max {_shown(slot.max)} is below min {_shown(slot.min)}: no value can pass",
                )
    if (slot.future_only or slot.past_only) and type(kind).tense is SlotType.tense:
        key = "future_only" if slot.future_only else "past_only"
        out.error(
            locate(None, ("slots", name, key)),
            f"a {kind.name} slot has no past or future: '{key}' cannot apply to it",
            "use it on date, time or datetime slots",
        )
    if (
        slot.min_length is not None
        and slot.max_length is not None
        and slot.min_length > slot.max_length
    ):
        out.error(
            locate(None, ("slots", name, "max_length")),
            f"max_length {slot.max_length} is below min_length {slot.min_length}: "
            "no value can pass",
        )
    _check_choices(name, slot, locate, out)


def _words(text: str) -> tuple[str, ...]:
    return tuple("".join(c if c.isalnum() else " " for c in text.casefold()).split())


def _check_choices(name: str, slot: SlotSpec, locate: Locate, out: Findings) -> None:
    """Enum choices a caller can never pick, or synonyms two choices share."""
    mapped = slot.choice_map()
    if mapped is None:
        return
    items = list(mapped.items())
    owner: dict[tuple[str, ...], str] = {}
    for choice, synonyms in items:
        phrases = [p for p in (_words(choice), *(_words(s) for s in synonyms)) if p]
        if slot.type == "enum" and not phrases:
            out.error(
                locate(None, ("slots", name, "choices")),
                f"choice {choice!r} has no words a caller can say",
                "give it a spoken name or synonyms",
            )
        for phrase in phrases:
            other = owner.setdefault(phrase, choice)
            if other != choice and slot.type == "enum":
                out.warn(
                    locate(None, ("slots", name, "choices")),
                    f"'{' '.join(phrase)}' names both {other!r} and {choice!r}: "
                    "a caller who says it is asked again",
                )


def _check_durations(
    spec: FlowSpec, states: Mapping[str, StateSpec], locate: Locate, out: Findings
) -> None:
    t = spec.llm.timeouts
    if t.first_token > t.total:
        out.warn(
            locate(None, ("llm", "timeouts", "first_token")),
            f"first_token ({t.first_token:g}s) is longer than total ({t.total:g}s): "
            "a slow first token always hits the total limit first",
        )
    for name, st in states.items():
        a = st.action
        if a is not None and a.holding_line is not None and a.holding_after >= a.timeout:
            out.warn(
                locate(name, ("action", "holding_after")),
                f"the holding line is never spoken: the action times out after "
                f"{a.timeout:g}s, before holding_after ({a.holding_after:g}s)",
            )


def check_constraints(
    spec: FlowSpec,
    slots: Mapping[str, SlotSpec],
    states: Mapping[str, StateSpec],
    locate: Locate,
) -> Findings:
    """Time zone, every slot's bounds, lengths and choices, and durations."""
    out = Findings()
    tz = check_timezone(spec, locate, out)
    for name, slot in slots.items():
        _check_slot(name, slot, spec, tz, locate, out)
    _check_durations(spec, states, locate, out)
    return out
