"""Voice-grade slot types: typed values out of speech-to-text, without an LLM.

Callers do not type. Speech-to-text hands over "five five five, one two oh,
double four seven eight" or "john dot smith at gmail dot com" and the flow
needs ``"+15551204478"`` and ``"john.smith@gmail.com"``. Each slot type here
finds its value inside a longer utterance, deterministically and in
microseconds, and knows how to read it back for TTS::

    >>> from superdialog.slots import extract, spoken
    >>> extract("phone", "uh it's five five five, one two oh, four four seven eight")
    '+15551204478'
    >>> spoken("+15551204478", "phone")
    'five five five, one two zero, four four seven eight'

Built-in types are loaded on first use; ``phonenumbers`` only when a phone
number is parsed. See ``docs/slot-types.md`` for every type.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .base import Constraints, ExtractContext, Match, SlotType
from .masking import mask
from .notation import notation
from .registry import builtin_types, get_type, register_type

if TYPE_CHECKING:
    from .money import Amount

__all__ = [
    "Amount",
    "Constraints",
    "ExtractContext",
    "Match",
    "SlotType",
    "builtin_types",
    "extract",
    "find",
    "get_type",
    "make_context",
    "mask",
    "register_type",
    "spoken",
]


def __getattr__(name: str) -> Any:
    """Load ``Amount`` lazily: it pulls in ``decimal`` and the money tables."""
    if name == "Amount":
        from .money import Amount  # lazy: decimal and the money tables on first use

        return Amount
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def make_context(
    *,
    now: datetime | None = None,
    region: str | None = None,
    choices: Mapping[str, Sequence[str]] | Sequence[str] | None = None,
    timezone: str | None = None,
    language: str = "en",
) -> ExtractContext:
    """Build an :class:`ExtractContext` with the same defaults as :func:`extract`.

    ``now`` defaults to the current time in ``timezone`` (UTC when not
    given); ``choices`` may be a list of canonical names or a mapping of
    canonical name -> synonyms.
    """
    tz_name = timezone or "UTC"
    if now is None:
        from datetime import UTC

        from .clock import zone  # lazy: zoneinfo only when a zone is asked for

        now = datetime.now(zone(tz_name) or UTC)
    return ExtractContext(
        now=now,
        region=(region or "US").upper(),
        timezone=tz_name,
        choices=_choices(choices),
        language=language,
    )


def _choices(
    choices: Mapping[str, Sequence[str]] | Sequence[str] | None,
) -> Mapping[str, tuple[str, ...]] | None:
    """Normalise enum choices to canonical -> tuple of synonyms."""
    if choices is None:
        return None
    if isinstance(choices, str):
        return {choices: ()}
    if isinstance(choices, Mapping):
        out: dict[str, tuple[str, ...]] = {}
        for key, synonyms in choices.items():
            if isinstance(synonyms, str):
                out[str(key)] = (synonyms,)
            elif synonyms is None:
                out[str(key)] = ()
            else:
                out[str(key)] = tuple(str(s) for s in synonyms)
        return out
    return {str(choice): () for choice in choices}


def extract(
    type_name: str,
    text: str,
    *,
    now: datetime | None = None,
    region: str | None = None,
    choices: Mapping[str, Sequence[str]] | Sequence[str] | None = None,
    timezone: str | None = None,
    language: str = "en",
) -> Any | None:
    """The value of type ``type_name`` said in ``text``, or ``None``.

    ``language`` is the caller's ("es", "de", "fr", "hi"): its yes/no and
    number words are understood (``superdialog.slots.lang``). Never raises
    because of ``text``; an unknown ``type_name`` raises ``SlotTypeError``
    (a flow mistake).
    """
    get_type(type_name)
    if not isinstance(text, str):
        return None
    ctx = make_context(
        now=now, region=region, choices=choices, timezone=timezone, language=language
    )
    match = find(type_name, text, ctx)
    return None if match is None else match.value


def find(type_name: str, text: str, ctx: ExtractContext) -> Match | None:
    """Like :func:`extract` but with the span of ``text`` the value came from."""
    slot_type = get_type(type_name)
    if not isinstance(text, str):
        return None
    if ctx.language != "en":
        from .lang import find_localised  # lazy: word lists only for calls in other languages

        return find_localised(slot_type, text, ctx, ctx.language)
    if slot_type.name in _QUANTITIES:
        kind = notation("en", ctx.region)
        if kind != "point":
            from .lang import find_in_notation  # lazy: as above

            return find_in_notation(slot_type, text, ctx, kind)
    return slot_type.find(text, ctx)


_QUANTITIES = frozenset({"number", "amount"})
"""The types whose digits are read in the caller's country's notation ("1.234,50")."""


def spoken(value: Any, type_name: str | None = None) -> str:
    """TTS-friendly read-back of a slot value (the jinja ``spoken`` filter).

    Without ``type_name`` the type is guessed from the value: ``bool`` ->
    yes/no, dates and times, :class:`Amount`, numbers, E.164 strings ->
    phone, strings with "@" -> email. Never raises: anything unexpected is
    read back as ``str(value)``.
    """
    if value is None:
        return ""
    name = type_name or _guess_type(value)
    if name is None:
        return str(value)
    slot_type = get_type(name)  # an unknown type name is a flow mistake: raise
    try:
        return slot_type.spoken(value)
    except Exception:
        return str(value)


def _guess_type(value: Any) -> str | None:
    """Which built-in type a bare value most likely came from."""
    from datetime import date, time

    if isinstance(value, bool):
        return "yes_no"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    if isinstance(value, time):
        return "time"
    if isinstance(value, int):
        return "number"
    type_name = type(value).__name__
    if type_name == "Decimal":
        return "number"
    if type_name == "Amount":
        return "amount"
    if isinstance(value, str):
        if value.startswith("+") and value[1:].isdigit() and 8 <= len(value) <= 16:
            return "phone"
        if "@" in value and " " not in value.strip():
            return "email"
    return None
