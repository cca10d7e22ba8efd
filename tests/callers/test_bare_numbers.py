"""A bare number is no time unless the time is what is asked.

Found by the caller probes: asked "What day?" (the time still to come in
the same state), the caller said "no, six" — correcting the party size of
four they had just given — and the call stored 6 PM as the time; in the
dental flow, where the time is not read back, "ten" said to the date
question was stored as 10 AM without a word. The time type reads a lone
number as a time only because nothing else was said: that holds for the
answer to the time question, not for a question about something else.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

import superdialog
from superdialog.testing import RecordingSession

FLOW = """
flow: bare
slots:
  party: {type: number, min: 1, max: 12, prompt: "How many people?"}
  day: {type: date, future_only: true, prompt: "What day?"}
  at: {type: time, prompt: "What time?"}
start: ask
states:
  ask: {collect: [party], next: when}
  when: {collect: [day, at], next: done}
  done: {say: "Done.", end: completed}
"""
NUMBERS = ["one", "two", "three", "six", "seven", "ten", "eleven", "6", "9"]


async def _call(turns: list[str]) -> superdialog.CallMachine:
    machine = superdialog.loads(FLOW, "bare.yaml").build(RecordingSession())
    await machine.start()
    for text in turns:
        async for _ in machine.stream(text):
            pass
    return machine


@settings(derandomize=True, deadline=None, max_examples=30)
@given(number=st.sampled_from(NUMBERS), lead=st.sampled_from(["", "no, ", "uh, ", "um "]))
async def test_a_bare_number_said_to_the_date_question_is_no_time(number: str, lead: str) -> None:
    machine = await _call(["four", lead + number])
    assert "at" not in machine.slots, (lead + number, machine.slots)


@settings(derandomize=True, deadline=None, max_examples=20)
@given(said=st.sampled_from(["next tuesday at six", "tuesday at 6 pm", "next friday, six thirty"]))
async def test_a_time_said_as_a_time_with_the_date_is_still_taken(said: str) -> None:
    machine = await _call(["four", said])
    assert isinstance(machine.slots.get("at"), dt.time), (said, machine.slots)
    assert "day" in machine.slots


async def test_a_bare_number_answers_the_time_question() -> None:
    machine = await _call(["four", "next tuesday", "six"])
    assert machine.slots.get("at") == dt.time(18, 0)
