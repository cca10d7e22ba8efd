"""Fresh held-out rows: utterances as phone speech-to-text delivers them, every one asserted.

``tests/slots/fresh_rows/*.yaml`` was written from how callers talk (fillers, self-repairs,
homophones, mixed digits and words, regional formats, numbers that count something else,
refusals and hedges, values meant for another slot, es/de/fr/hi with English mixed in)
before the parsers were run on it. Each row names a slot type, the utterance, and the value
the caller meant, or ``null`` where no value is right.

A wrong value (a value that is not the one meant, or any value where none is right) always
fails: the flow would act on it. A row whose ``none_ok`` gives a reason may come back
``None`` (the flow asks again) and is then an expected failure with that reason; a value
other than the expected one still fails it.

Run as a script to print right / wrong / none per type and language::

    .venv/bin/python tests/slots/test_fresh_rows.py
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from superdialog.slots import extract

ROWS_DIR = Path(__file__).resolve().parent / "fresh_rows"


@dataclass(frozen=True)
class Row:
    """One utterance, the slot type asked for, and the value the caller meant."""

    file: str
    type: str
    say: str
    want: Any
    now: datetime
    region: str
    language: str
    choices: Any
    none_ok: str | None

    @property
    def id(self) -> str:
        """A readable test id: file, type, utterance."""
        return f"{self.file}:{self.type}:{self.say}"


def load_rows() -> list[Row]:
    """Every row of every file in ``fresh_rows/``, with the file's defaults filled in."""
    rows: list[Row] = []
    for path in sorted(ROWS_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        defaults = data.get("defaults", {})
        for raw in data["rows"]:
            merged = {**defaults, **raw}
            rows.append(
                Row(
                    file=path.stem,
                    type=merged["type"],
                    say=str(merged["say"]),
                    want=merged["want"],
                    now=datetime.fromisoformat(str(merged["now"])),
                    region=merged.get("region", "US"),
                    language=merged.get("language", "en"),
                    choices=merged.get("choices"),
                    none_ok=merged.get("none_ok"),
                )
            )
    return rows


def got_value(row: Row) -> Any:
    """What ``extract`` gives for the row."""
    return extract(
        row.type,
        row.say,
        now=row.now,
        region=row.region,
        language=row.language,
        choices=row.choices,
    )


def same(row: Row, got: Any) -> bool:
    """Whether ``got`` is the value the row expects (``want`` written as plain YAML)."""
    want = row.want
    if want is None:
        return got is None
    if got is None:
        return False
    if row.type == "number":
        return not isinstance(got, bool) and Decimal(str(got)) == Decimal(str(want))
    if row.type == "amount":
        value, currency = str(want).split()
        return bool(got.currency == currency and got.value == Decimal(value))
    if row.type == "date":
        return isinstance(got, date) and got.isoformat() == str(want)
    if row.type == "time":
        return isinstance(got, time) and got.strftime("%H:%M") == str(want)
    if row.type == "datetime":
        return isinstance(got, datetime) and got.strftime("%Y-%m-%d %H:%M") == str(want)
    return bool(got == want)


def verdict(row: Row, got: Any) -> str:
    """``right``, ``wrong`` (a value the caller did not mean) or ``none`` (we ask again)."""
    if same(row, got):
        return "right"
    return "none" if got is None else "wrong"


ROWS = load_rows()


def test_there_are_enough_rows_in_every_language() -> None:
    assert len(ROWS) >= 300
    languages = Counter(row.language for row in ROWS)
    for language in ("en", "es", "de", "fr", "hi"):
        assert languages[language] >= 15, language


def test_none_ok_only_where_a_value_is_expected() -> None:
    assert not [row.id for row in ROWS if row.none_ok and row.want is None]


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_row(row: Row) -> None:
    got = got_value(row)
    kind = verdict(row, got)
    if kind == "none" and row.none_ok:
        pytest.xfail(row.none_ok)
    assert kind == "right", f"{row.say!r} as {row.type}: got {got!r}, want {row.want!r}"


def report() -> str:
    """Right / wrong / none per type and per language, then every row not right."""
    tables: dict[str, dict[str, Counter[str]]] = {"type": {}, "language": {}}
    total: Counter[str] = Counter()
    misses: list[str] = []
    for row in ROWS:
        got = got_value(row)
        kind = verdict(row, got)
        tables["type"].setdefault(row.type, Counter())[kind] += 1
        tables["language"].setdefault(row.language, Counter())[kind] += 1
        total[kind] += 1
        if kind != "right":
            misses.append(f"{kind:5} [{row.language} {row.type}] {row.say!r} -> {got!r}")
    lines = ["| group | rows | right | wrong | none |", "|---|---|---|---|---|"]
    for table in tables.values():
        for key in sorted(table):
            count = table[key]
            cells = (sum(count.values()), count["right"], count["wrong"], count["none"])
            lines.append(f"| {key} | " + " | ".join(map(str, cells)) + " |")
    cells = (sum(total.values()), total["right"], total["wrong"], total["none"])
    lines.append("| all | " + " | ".join(map(str, cells)) + " |")
    return "\n".join([*lines, "", *misses])


if __name__ == "__main__":
    sys.stdout.write(report() + "\n")
