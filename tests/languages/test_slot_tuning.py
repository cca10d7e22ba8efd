"""The tuning corpus of slot values in es, de, fr and hi (``slots_tuning.yaml``).

Every case must give its value (or no value where the corpus says so): this is the
corpus the rules in ``superdialog/slots/lang`` were tuned on, so a miss here is a
regression. Run as a script to print accuracy and wrong values per language and type
and the extraction time per utterance::

    .venv/bin/python tests/languages/test_slot_tuning.py
"""

from __future__ import annotations

import statistics
import sys
import time as clock
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from superdialog.slots import extract

CORPUS = Path(__file__).with_name("slots_tuning.yaml")


@dataclass(frozen=True)
class Case:
    """One utterance of the corpus and the value it must give."""

    language: str
    type_name: str
    text: str
    expected: Any
    region: str
    choices: dict[str, list[str]]


def load() -> tuple[datetime, list[Case]]:
    """The corpus's "now" and its cases."""
    data = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    now = datetime.strptime(str(data["now"]), "%Y-%m-%d %H:%M")
    cases = [
        Case(lang, str(t), str(text), expected, block["region"], block.get("choices") or {})
        for lang, block in data["languages"].items()
        for t, text, expected in block["cases"]
    ]
    return now, cases


def shown(value: Any) -> Any:
    """A value as the corpus writes it."""
    if value is None or isinstance(value, bool):
        return value
    if type(value).__name__ == "Amount":
        return f"{value.value} {value.currency}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, Decimal):
        return str(value)
    return value


def expected_of(case: Case) -> Any:
    """The corpus's value in the form :func:`shown` gives (YAML reads dates as dates)."""
    if isinstance(case.expected, date):
        return case.expected.isoformat()
    return case.expected


def got(case: Case, now: datetime) -> Any:
    """What ``extract`` gives for ``case``, as the corpus writes it."""
    value = extract(
        case.type_name,
        case.text,
        now=now,
        region=case.region,
        choices=case.choices or None,
        language=case.language,
    )
    return shown(value)


NOW, CASES = load()


def test_corpus_has_thirty_or_more_utterances_per_language_over_every_type() -> None:
    types = {
        "number", "digits", "phone", "email", "date", "time", "datetime", "yes_no", "enum",
        "amount", "card_number", "postal_code", "name",
    }  # fmt: skip
    for lang in ("es", "de", "fr", "hi"):
        mine = [c for c in CASES if c.language == lang]
        assert len(mine) >= 30, lang
        assert {c.type_name for c in mine} == types, lang


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.language}-{c.type_name}-{c.text}")
def test_corpus_case(case: Case) -> None:
    assert got(case, NOW) == expected_of(case)


def report() -> None:
    """Print accuracy, wrong values and time per language and type."""
    table: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    times: dict[str, list[float]] = defaultdict(list)
    for case in CASES:
        value = got(case, NOW)
        row = table[(case.language, case.type_name)]
        row[2] += 1
        if value == expected_of(case):
            row[0] += 1
        elif value is not None:
            row[1] += 1
            print(f"WRONG {case.language} {case.type_name} {case.text!r}: {value!r}")
        else:
            print(f"MISS  {case.language} {case.type_name} {case.text!r}")
        for _ in range(20):
            start = clock.perf_counter()
            got(case, NOW)
            times[case.language].append((clock.perf_counter() - start) * 1e6)
    for lang in ("es", "de", "fr", "hi"):
        rows = {t: r for (lg, t), r in sorted(table.items()) if lg == lang}
        right = sum(r[0] for r in rows.values())
        wrong = sum(r[1] for r in rows.values())
        n = sum(r[2] for r in rows.values())
        samples = sorted(times[lang])
        p99 = samples[int(len(samples) * 0.99) - 1]
        print(
            f"{lang}: {right}/{n} right, {wrong} wrong; "
            f"median {statistics.median(samples):.0f} µs, p99 {p99:.0f} µs"
        )
        print("   " + ", ".join(f"{t} {r[0]}/{r[2]}" + (f" ({r[1]} wrong)" if r[1] else "")
                                for t, r in rows.items()))  # fmt: skip


if __name__ == "__main__":
    sys.exit(report())
