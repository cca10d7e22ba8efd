"""Floors on the ASR-style corpus (tests/slots/asr_corpus): accuracy and wrong values.

``bench/slots_accuracy.py`` prints the figures; this keeps them from sliding back. A wrong
value is worse than none (the flow acts on it), so on the parts the parsers were written
against it must not happen at all.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from superdialog.slots import builtin_types, extract

from .asr_corpus.load import PARTS, Case, load


def _same(got: Any, want: Any) -> bool:
    return bool(got == want and type(got) is type(want))


def _score(cases: list[Case]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Misses and wrong values per type, as readable lines."""
    misses: dict[str, list[str]] = defaultdict(list)
    wrong: dict[str, list[str]] = defaultdict(list)
    for case in cases:
        got = extract(case.type, case.text, now=case.now, **case.opts)
        if _same(got, case.expected):
            continue
        line = f"{case.text!r}: got {got!r}, want {case.expected!r}"
        misses[case.type].append(line)
        if got is not None:
            wrong[case.type].append(line)
    return misses, wrong


def test_every_type_is_in_the_corpus() -> None:
    types = {case.type for part in PARTS for case in load(part)}
    assert types == set(builtin_types())


@pytest.mark.parametrize("part", ["tuning", "heldout"])
def test_no_wrong_values_and_few_misses(part: str) -> None:
    cases = load(part)
    misses, wrong = _score(cases)
    assert not wrong, dict(wrong)
    assert sum(map(len, misses.values())) <= 0.02 * len(cases), dict(misses)


def test_blind_part_floors() -> None:
    cases = load("blind")
    misses, wrong = _score(cases)
    assert sum(map(len, misses.values())) <= 0.05 * len(cases), dict(misses)
    assert sum(map(len, wrong.values())) <= 0.03 * len(cases), dict(wrong)
