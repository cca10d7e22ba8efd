"""A secret value → the projections of every way it can be written or said.

Projections (``project.canonical``) already make separators, case, spoken
digits and number words irrelevant, so what is left to enumerate is the
*order and shape* of the value's parts: a date as day-month-year,
month-day-year or year-month-day, with month names or numbers, padded or not,
with a four- or two-digit year; a phone number in international and national
form; an email with and without its domain; an amount with and without its
cents. Every value of any type (``date``, ``Decimal``, ``int``, an object with
a ``value``, nested data) is turned into its leaves first.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from superdialog.pii.project import canonical, literal

__all__ = ["MIN_FREE_TEXT", "leaves", "renderings"]

MIN_FREE_TEXT = 4
"""Shortest projection looked for in free text: a shorter value would mask common words."""

_MONTHS = (
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
    ("may", "may"), ("june", "jun"), ("july", "jul"), ("august", "aug"),
    ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"), ("december", "dec"),
)  # fmt: skip
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$")
_EMAIL = re.compile(r"^([^@\s]+)@([^@\s]+\.[^@\s]+)$")
_PHONE = re.compile(r"^\+\d{7,15}$")
_MAX_LEAVES = 256


def leaves(value: Any, _depth: int = 0) -> Iterator[Any]:
    """The scalar values inside ``value`` (mappings, sequences, ``.value`` objects)."""
    if _depth > 32:
        return
    if isinstance(value, Mapping):
        for v in list(value.values())[:_MAX_LEAVES]:
            yield from leaves(v, _depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for v in list(value)[:_MAX_LEAVES]:
            yield from leaves(v, _depth + 1)
    elif value is None or isinstance(value, bool):
        return
    elif isinstance(value, str | int | float | Decimal | dt.date | dt.time):
        yield value
    elif isinstance(getattr(value, "value", None), Decimal | int | float | str | dt.date):
        yield value.value  # e.g. slots.Amount
    else:
        yield str(value)


def _date_texts(d: dt.date) -> Iterator[str]:
    day, month, year = d.day, d.month, d.year
    yy = f"{year % 100:02d}"
    dd, mm = f"{day:02d}", f"{month:02d}"
    for y in (str(year), yy):
        yield f"{dd} {mm} {y}"
        yield f"{mm} {dd} {y}"
        yield f"{day} {month} {y}"
        yield f"{month} {day} {y}"
        for name in _MONTHS[month - 1]:
            yield f"{day} {name} {y}"
            yield f"{name} {day} {y}"
    yield f"{year} {mm} {dd}"
    yield f"{year} {month} {day}"
    for name in _MONTHS[month - 1]:  # the year first: "1975, March 12"
        yield f"{year} {name} {day}"
        yield f"{year} {day} {name}"


def _number_texts(value: Decimal) -> Iterator[str]:
    if not value.is_finite():
        return
    value = abs(value)
    text = format(value, "f")
    yield text
    if "." in text:
        whole, frac = text.split(".", 1)
        stripped = frac.rstrip("0")
        yield whole + ("." + stripped if stripped else "")
        if not stripped:
            yield whole
        elif len(stripped) == 1:
            yield whole + "." + stripped + "0"


def _phone_texts(e164: str) -> Iterator[str]:
    yield e164
    try:
        import phonenumbers
    except ImportError:  # pragma: no cover - a dependency, but masking must not need it
        yield e164[-10:]
        return
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        yield e164[-10:]
        return
    national = str(number.national_number)
    yield national
    yield "0" + national  # trunk prefix, as most of the world dials it
    yield phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def _date_or_none(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _texts(value: Any, kind: str | None) -> Iterator[str]:
    if isinstance(value, dt.datetime):
        yield from _date_texts(value.date())
        return
    if isinstance(value, dt.date):
        yield from _date_texts(value)
        return
    if isinstance(value, dt.time):
        return  # a time of day alone identifies nobody, and would mask every "at 3 pm"
    if isinstance(value, int | float | Decimal):
        try:
            yield from _number_texts(Decimal(str(value)))
        except InvalidOperation:
            return
        return
    text = str(value).strip()
    if not text:
        return
    yield text
    iso = _ISO_DATE.match(text)
    if iso is not None:
        day = _date_or_none(int(iso[1]), int(iso[2]), int(iso[3]))
        if day is not None:
            yield from _date_texts(day)
    if _PHONE.match(text):
        yield from _phone_texts(text)
    email = _EMAIL.match(text)
    if email is not None:
        yield email[1]
    if kind == "name":  # a name said in part ("Okafor") is still the name
        parts = text.split()
        if 1 < len(parts) <= 6:
            yield from parts


def renderings(value: Any, kind: str | None = None) -> set[str]:
    """Projections of every rendering of ``value`` (each at least ``MIN_FREE_TEXT`` long).

    ``kind`` is the slot type the value came from, when known (``"name"``:
    each part of the name is a secret too).
    """
    out: set[str] = set()
    for leaf in leaves(value):
        for text in _texts(leaf, kind):
            text = text[:512]
            # as words ("OH" = zero, "for" = four) and as letters (an id "FOR-0H1")
            for c in (canonical(text), literal(text)):
                if len(c) >= MIN_FREE_TEXT:
                    out.add(c)
    return out
