"""Slot values and action results as JSON that comes back as the same Python values.

A durable record must give a restored call the very values the original
held: a ``date`` must come back a ``date`` (a template formats it, a
condition compares it), an ``Amount`` an ``Amount``, a ``Decimal`` a
``Decimal``. Plain JSON keeps only strings, numbers, lists and string-keyed
objects, so everything else is written as a small tagged object
``{"$t": <tag>, "v": ...}``; a mapping that is not plain (a key that is not a
string, or a key spelled ``$t``) is tagged too, so no user dict is ever read
back as a tag.

A value of any other type cannot be recorded faithfully: ``encode`` refuses it
with ``RecordError`` naming where it was found and its type, never the value
(a result can hold personal data).
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from superdialog.errors import SuperDialogError
from superdialog.slots.money import Amount

__all__ = ["RecordError", "decode", "encode"]

_TAG = "$t"
_MAX_DEPTH = 64


class RecordError(SuperDialogError):
    """A call cannot be written to, or read from, a durable record.

    ``where`` names the part of the record (``results.lookup``,
    ``flow``); the message never holds a value of the call.
    """

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message if where is None else f"{where}: {message}")
        self.where = where


def encode(value: Any, where: str, _depth: int = 0) -> Any:
    """``value`` as JSON-safe data that ``decode`` turns back into an equal value.

    Raises:
        RecordError: ``value`` holds a type we cannot record, or nests too deep.

    """
    if _depth > _MAX_DEPTH:
        raise RecordError("nested too deep to record", where=where)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {_TAG: "float", "v": repr(value)}
    if isinstance(value, list):
        return [encode(v, where, _depth + 1) for v in value]
    if isinstance(value, Mapping):
        if all(isinstance(k, str) for k in value) and _TAG not in value:
            return {k: encode(v, where, _depth + 1) for k, v in value.items()}
        return {
            _TAG: "map",
            "v": [
                [encode(k, where, _depth + 1), encode(v, where, _depth + 1)]
                for k, v in value.items()
            ],
        }
    if isinstance(value, tuple):
        return {_TAG: "tuple", "v": [encode(v, where, _depth + 1) for v in value]}
    if isinstance(value, set | frozenset):
        tag = "set" if isinstance(value, set) else "frozenset"
        return {_TAG: tag, "v": [encode(v, where, _depth + 1) for v in value]}
    # datetime before date: a datetime is a date too
    if isinstance(value, dt.datetime):
        return {_TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, dt.date):
        return {_TAG: "date", "v": value.isoformat()}
    if isinstance(value, dt.time):
        return {_TAG: "time", "v": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {_TAG: "timedelta", "v": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, Decimal):
        return {_TAG: "decimal", "v": str(value)}
    if isinstance(value, Amount):
        return {_TAG: "amount", "v": str(value.value), "c": value.currency}
    if isinstance(value, bytes):
        return {_TAG: "bytes", "v": base64.b64encode(value).decode("ascii")}
    raise RecordError(
        f"a value of type {type(value).__qualname__} cannot be recorded "
        "(record JSON-like data, dates, times, decimals, amounts)",
        where=where,
    )


def decode(data: Any, where: str = "record", _depth: int = 0) -> Any:
    """The value ``encode`` wrote.

    Raises:
        RecordError: ``data`` is not something ``encode`` writes.

    """
    if _depth > _MAX_DEPTH:
        raise RecordError("nested too deep", where=where)
    if data is None or isinstance(data, bool | int | float | str):
        return data
    if isinstance(data, list):
        return [decode(v, where, _depth + 1) for v in data]
    if not isinstance(data, dict):
        raise RecordError(f"unexpected {type(data).__name__} in a record", where=where)
    tag = data.get(_TAG)
    if tag is None:
        return {k: decode(v, where, _depth + 1) for k, v in data.items()}
    raw = data.get("v")
    try:
        return _tagged(tag, raw, data, where, _depth)
    except (ValueError, TypeError, InvalidOperation, KeyError) as exc:
        raise RecordError(f"a {tag!s:.20} value is malformed", where=where) from exc


def _tagged(tag: Any, raw: Any, data: dict[str, Any], where: str, depth: int) -> Any:
    if tag == "float":
        return float(raw)
    if tag == "map":
        return {decode(k, where, depth + 1): decode(v, where, depth + 1) for k, v in raw}
    if tag == "tuple":
        return tuple(decode(v, where, depth + 1) for v in raw)
    if tag == "set":
        return {decode(v, where, depth + 1) for v in raw}
    if tag == "frozenset":
        return frozenset(decode(v, where, depth + 1) for v in raw)
    if tag == "datetime":
        return dt.datetime.fromisoformat(raw)
    if tag == "date":
        return dt.date.fromisoformat(raw)
    if tag == "time":
        return dt.time.fromisoformat(raw)
    if tag == "timedelta":
        days, seconds, micros = raw
        return dt.timedelta(days=days, seconds=seconds, microseconds=micros)
    if tag == "decimal":
        return Decimal(raw)
    if tag == "amount":
        return Amount(Decimal(raw), str(data["c"]))
    if tag == "bytes":
        return base64.b64decode(raw, validate=True)
    raise RecordError(f"unknown value tag {tag!s:.20}", where=where)
