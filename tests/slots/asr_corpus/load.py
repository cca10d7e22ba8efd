"""Read the ASR-style corpus files into typed cases (see README.md for the format)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from superdialog.slots import Amount

__all__ = ["HERE", "NOW", "PARTS", "Case", "load"]

HERE = Path(__file__).resolve().parent
NOW = datetime(2026, 3, 2, 10, 30)  # a Monday
PARTS = ("tuning", "heldout", "blind")


@dataclass(frozen=True)
class Case:
    """One utterance, the slot type asked for, and the value it must give."""

    type: str
    text: str
    expected: Any
    opts: dict[str, Any] = field(default_factory=dict)
    now: datetime = NOW


def _value(type_name: str, raw: Any) -> Any:
    """The written expected value as the slot type's value."""
    if raw is None:
        return None
    if type_name == "number":
        return Decimal(raw) if isinstance(raw, str) else int(raw)
    if type_name == "amount":
        number, currency = str(raw).split()
        return Amount(Decimal(number), currency)
    if type_name == "date":
        return date.fromisoformat(raw)
    if type_name == "time":
        return time.fromisoformat(raw)
    if type_name == "datetime":
        return datetime.fromisoformat(raw)
    if type_name == "yes_no":
        return bool(raw)
    return str(raw)


def load(part: str) -> list[Case]:
    """The cases of ``tuning`` or ``heldout``."""
    data = yaml.safe_load((HERE / f"{part}.yaml").read_text(encoding="utf-8"))
    choice_sets: dict[str, Any] = data.get("choices") or {}
    cases = []
    for row in data["cases"]:
        type_name, text, raw = row[0], row[1], row[2]
        opts = dict(row[3]) if len(row) > 3 else {}
        if isinstance(opts.get("choices"), str):
            opts["choices"] = choice_sets[opts["choices"]]
        cases.append(Case(type_name, text, _value(type_name, raw), opts))
    return cases
