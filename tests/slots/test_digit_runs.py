"""Digits joined by "." and "," are read as one quantity, or as none — never as a piece.

Callers' speech recognisers and keyboards write numbers in many notations; a run such
as "1.234.567,5" or "12.05.2026" read from the wrong end gives another number. For any
run of digit groups joined by "." and ",", in an English call, the number read is the
English reading ("1,234.5") when the run is written that way, the continental reading
when no English reading exists ("1.234.567,5"), and otherwise nothing.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from superdialog.slots import find
from superdialog.slots.base import ExtractContext

CTX = ExtractContext(now=datetime(2026, 3, 3, 12), region="US")
_ENGLISH = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_CONTINENTAL = re.compile(r"\d{1,3}(?:\.\d{3})+,\d+|\d{1,3}(?:\.\d{3}){2,}")


def _readings(run: str) -> set[Decimal]:
    out = set()
    if _ENGLISH.fullmatch(run):
        out.add(Decimal(run.replace(",", "")))
    if _CONTINENTAL.fullmatch(run):
        out.add(Decimal(run.replace(".", "").replace(",", ".")))
    return out


groups = st.lists(st.text("0123456789", min_size=1, max_size=4), min_size=1, max_size=5)
seps = st.lists(st.sampled_from([".", ","]), min_size=4, max_size=4)


@settings(max_examples=500, deadline=None)
@given(
    groups, seps, st.sampled_from(["", "about ", "it's "]), st.sampled_from(["", " people", "."])
)
def test_a_run_is_read_whole_or_not_at_all(
    parts: list[str], between: list[str], before: str, after: str
) -> None:
    run = parts[0] + "".join(s + p for s, p in zip(between, parts[1:], strict=False))
    found = find("number", before + run + after, CTX)
    if found is None:
        return
    value = Decimal(found.value)
    assert value in _readings(run), (run, value)
    assert found.start == len(before) and found.end == len(before) + len(run)
