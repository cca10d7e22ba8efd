"""A known date is masked however its parts are ordered and joined.

Found by the caller probes: a date of birth the call already knew stayed in
clear when the caller put the year first with the month's name ("nineteen
seventy five, march twelve", "1975 March 12") or joined the parts with "in"
/ "on" ("march the twelfth in 1975", "born in 1975 on march 12").
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st
from test_masker import MONTHS, ORDINALS, numberish, year_words

from superdialog.pii import Masker


@settings(derandomize=True, deadline=None, max_examples=150)
@given(
    st.data(),
    st.dates(dt.date(1920, 1, 1), dt.date(2010, 12, 31)),
    st.sampled_from(["ymd", "mdy", "dmy"]),
    st.sampled_from([" ", ", ", " in ", " on ", ", uh, "]),
)
def test_a_known_date_in_any_order_with_any_joiner_is_masked(
    data: st.DataObject, day: dt.date, order: str, joiner: str
) -> None:
    masker = Masker()
    masker.add(day, kind="date")
    y = day.year
    year = data.draw(st.sampled_from([str(y), *year_words(y)]))
    month = data.draw(st.sampled_from([MONTHS[day.month - 1], MONTHS[day.month - 1][:3]]))
    d = day.day
    dayword = data.draw(
        st.sampled_from([str(d), f"the {ORDINALS[d]}" if d <= 20 else f"{d}th", f"{d}"])
    )
    parts = {"ymd": [year, f"{month} {dayword}"], "mdy": [f"{month} {dayword}", year],
             "dmy": [f"{dayword} of {month}", year]}[order]  # fmt: skip
    text = f"I was born {joiner.join(parts)}, thanks"
    masked = masker.mask(text)
    assert not numberish(masked), (text, masked)
    assert MONTHS[day.month - 1][:3].lower() not in masked.lower(), (text, masked)
