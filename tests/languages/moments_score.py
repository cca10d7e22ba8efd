"""Score the date/time corpus (moments_corpus.yaml): accuracy and wrong values per language.

Run as a script for the figures in docs/languages.md:
``.venv/bin/python tests/languages/moments_score.py``.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path
from typing import Any

import yaml

from superdialog.slots import extract

CORPUS = Path(__file__).with_name("moments_corpus.yaml")


@dataclass(frozen=True)
class Case:
    """One utterance of the corpus and the value it must give (``None``: no value)."""

    part: str
    language: str
    type_name: str
    text: str
    expected: Any


def _value(type_name: str, raw: str | None) -> Any:
    if raw is None:
        return None
    if type_name == "date":
        return date.fromisoformat(raw)
    if type_name == "time":
        return clock.fromisoformat(raw)
    return datetime.fromisoformat(raw)


def load() -> tuple[datetime, list[Case]]:
    """The corpus's reference time and its cases."""
    data = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    now = datetime.fromisoformat(data["now"])
    cases = [Case(p, lang, t, text, _value(t, exp)) for p, lang, t, text, exp in data["cases"]]
    return now, cases


def got(case: Case, now: datetime) -> Any:
    """What ``extract`` makes of the case (datetimes compared to the minute)."""
    value = extract(case.type_name, case.text, now=now, language=case.language)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None, second=0, microsecond=0)
    return value


def score() -> dict[tuple[str, str], tuple[int, int, int]]:
    """(part, language) → (right, wrong values, cases)."""
    now, cases = load()
    out: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for case in cases:
        value = got(case, now)
        row = out[(case.part, case.language)]
        row[2] += 1
        if value == case.expected:
            row[0] += 1
        elif value is not None:
            row[1] += 1
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


if __name__ == "__main__":
    now, cases = load()
    for (part, lang), (right, wrong, n) in sorted(score().items()):
        print(f"{part:9} {lang}: {right}/{n} = {right / n:.0%} right, {wrong} wrong values")
    for case in cases:
        value = got(case, now)
        if value != case.expected:
            print(
                "MISS",
                case.part,
                case.language,
                case.type_name,
                repr(case.text),
                value,
                case.expected,
            )
    start = time.perf_counter()
    rounds = 20
    for _ in range(rounds):
        for case in cases:
            extract(case.type_name, case.text, now=now, language=case.language)
    per = (time.perf_counter() - start) / (rounds * len(cases)) * 1e6
    print(f"{per:.0f} µs per utterance")
