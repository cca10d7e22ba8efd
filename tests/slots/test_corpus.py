"""Accuracy of every built-in slot type on the utterance corpus."""

from __future__ import annotations

from collections import defaultdict

import pytest

from superdialog.slots import builtin_types, extract

from .corpus import CASES, NOW, Case

MIN_ACCURACY = 0.95
MIN_CASES_PER_TYPE = 15


def _run(case: Case) -> object:
    return extract(case.type, case.text, now=NOW, **case.opts)


def _ok(case: Case, got: object) -> bool:
    # type() too: Decimal("3") == 3, but the contract says int for whole numbers.
    return got == case.expected and type(got) is type(case.expected)


def test_corpus_is_big_enough() -> None:
    per_type: dict[str, int] = defaultdict(int)
    for case in CASES:
        per_type[case.type] += 1
    assert len(CASES) >= 300
    assert set(per_type) == set(builtin_types())
    small = {t: n for t, n in per_type.items() if n < MIN_CASES_PER_TYPE}
    assert not small, f"types with fewer than {MIN_CASES_PER_TYPE} cases: {small}"


@pytest.mark.parametrize("type_name", builtin_types())
def test_accuracy_per_type(type_name: str) -> None:
    cases = [c for c in CASES if c.type == type_name]
    failures = []
    for case in cases:
        got = _run(case)
        if not _ok(case, got):
            failures.append(f"  {case.text!r}: got {got!r}, want {case.expected!r}")
    accuracy = 1 - len(failures) / len(cases)
    print(f"{type_name}: {accuracy:.1%} of {len(cases)}")
    for line in failures:
        print(line)
    assert accuracy >= MIN_ACCURACY, f"{type_name} accuracy {accuracy:.1%}:\n" + "\n".join(failures)


def test_match_spans_point_at_the_value() -> None:
    """find() spans must lie inside the text and cover something for every hit."""
    from superdialog.slots import find, make_context

    for case in CASES:
        ctx = make_context(now=NOW, **case.opts)
        match = find(case.type, case.text, ctx)
        if match is None:
            continue
        assert 0 <= match.start < match.end <= len(case.text), case
        assert case.text[match.start : match.end].strip(), case
