"""A corrected time keeps the part of day of the time it corrects, unless the caller says one.

Found by the caller probes: "seven thirty" was read back as 7:30 PM, the
caller said "no, eight thirty", and the booking became 8:30 AM (a bare
hour from 8 to 11 reads as morning). A time said without am/pm, a 24-hour
form or a part of day, as a correction of a time, is the reading nearest
the time it corrects (never that time itself: "no, one" to "1 AM?" is 1 PM);
an explicit "am", "in the morning" or "08:30" wins.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

import superdialog
from superdialog.testing import RecordingSession

FLOW = """
flow: times
slots:
  at: {type: time, confirm: true, prompt: "What time?"}
  name: {type: name, prompt: "Your name?"}
start: ask
states:
  ask: {collect: [at, name], next: done}
  done: {say: "Done.", end: completed}
"""
HOURS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven"]  # fmt: skip


async def _call(turns: list[str]) -> superdialog.CallMachine:
    machine = superdialog.loads(FLOW, "times.yaml").build(RecordingSession())
    await machine.start()
    for text in turns:
        async for _ in machine.stream(text):
            pass
    return machine


def _nearest(old: dt.time, hour: int, minute: int) -> dt.time:
    am, pm = dt.time(hour % 12, minute), dt.time(hour % 12 + 12, minute)
    at = old.hour * 60 + old.minute

    def gap(t: dt.time) -> int:
        d = abs(t.hour * 60 + t.minute - at)
        return min(d, 24 * 60 - d)

    near, far = (pm, am) if gap(pm) < gap(am) else (am, pm)
    return far if near == old else near  # a correction does not say the old time again


@settings(derandomize=True, deadline=None, max_examples=60)
@given(
    first=st.integers(1, 11),
    meridiem=st.sampled_from(["am", "pm"]),
    second=st.integers(1, 11),
    half=st.booleans(),
    how=st.sampled_from(["no, {}", "actually make it {}", "no wait, {}"]),
    when=st.sampled_from(["read back", "later"]),
)
async def test_a_bare_time_correcting_a_time_is_the_reading_nearest_it(
    first: int, meridiem: str, second: int, half: bool, how: str, when: str
) -> None:
    if when == "later" and how == "no, {}":
        return  # a bare "no" corrects only the value read back
    said = HOURS[second - 1] + (" thirty" if half else "")
    turns = [f"{HOURS[first - 1]} {meridiem}"]
    if when == "later":
        turns.append("yes")
    turns.append(how.format(said))
    machine = await _call(turns)
    old = dt.time(first % 12 + (12 if meridiem == "pm" else 0))
    want = _nearest(old, second, 30 if half else 0)
    if abs((want.hour - old.hour) % 24) == 6 or abs((old.hour - want.hour) % 24) == 6:
        return  # as near one way as the other: the type's own reading stands
    assert machine.slots.get("at") == want, (turns, machine.slots)


async def test_a_part_of_day_the_caller_says_wins() -> None:
    for fix, want in (("no, eight thirty am", dt.time(8, 30)),
                      ("no, eight thirty in the morning", dt.time(8, 30)),
                      ("no, 08:30", dt.time(8, 30))):  # fmt: skip
        machine = await _call(["seven thirty pm", fix])
        assert machine.slots.get("at") == want, (fix, machine.slots)
