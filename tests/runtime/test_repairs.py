"""Repairs: corrections at any point, cancel, repeat and digressions that come back.

Real flows, real machines, a recording host; no mocks. The properties drive
calls through generated conversations and check what must always hold: a
correction ends with the value the caller said (and never one they did
not), and "never mind" anywhere leaves recording balanced with at most one
terminal verb.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import superdialog
from superdialog.errors import FlowError
from superdialog.runtime.corrections import corrects
from superdialog.runtime.events import StateEntered
from superdialog.runtime.questions import reprompt_text
from superdialog.testing import RecordingSession

FLOW = """
flow: repairs
locale: {timezone: UTC}
slots:
  party: {type: number, min: 1, max: 12, prompt: "How many?"}
  day: {type: date, confirm: true, future_only: true, prompt: "Which day?"}
  at: {type: time, confirm: true, prompt: "What time?"}
  seat:
    type: enum
    choices: {indoor: [inside], outdoor: [outside, terrace], bar: []}
    prompt: "Inside, outside or at the bar?"
  card: {type: card_number, pii: true, mask: last4, prompt: "Card number?"}
intents:
  hours: {phrases: [what time do you close]}
global:
  - {intent: human, goto: human}
  - {intent: hours, call: hours}
start: ask
states:
  ask: {collect: [party, day, at], next: seating}
  seating: {collect: [seat], next: pay, on_cancel: {say: "Fine, no seat then.", to: bye}}
  pay: {pii: true, collect: [card], next: done}
  hours: {say: "We close at ten.", return: true}
  done: {say: "Booked.", end: completed}
  bye: {say: "Bye.", end: completed}
  human: {say: "Putting you through.", transfer: {queue: desk}}
"""

NUMBERS = {"two people": 2, "five people": 5, "eleven people": 11, "a party of six": 6}
DATES = {
    "january fifteenth twenty thirty": dt.date(2030, 1, 15),
    "january sixteenth twenty thirty": dt.date(2030, 1, 16),
    "the third of march twenty thirty": dt.date(2030, 3, 3),
    "march 9th 2030": dt.date(2030, 3, 9),
}
TIMES = {
    "three pm": dt.time(15, 0),
    "ten thirty am": dt.time(10, 30),
    "seven pm": dt.time(19, 0),
    "half past six in the evening": dt.time(18, 30),
}
PHRASES = {"party": NUMBERS, "day": DATES, "at": TIMES}
CUES = (
    "actually make it {}",
    "no, make it {}",
    "I meant {}",
    "sorry, I meant {}",
    "change it to {}",
    "no wait, {}",
    "actually, {} instead",
)


def build(text: str = FLOW) -> tuple[superdialog.CallMachine, RecordingSession]:
    session = RecordingSession()
    flow = superdialog.loads(text, "repairs.yaml")
    return flow.build(session, trace=True), session


async def talk(m: superdialog.CallMachine, *lines: str) -> list[str]:
    return [await m.turn(line) for line in lines]


# --------------------------------------------------------------------------- corrections


def test_correcting_words() -> None:
    for text in ("actually make it Wednesday", "no wait, the 16th", "I meant five", "not 3 but 4"):
        assert corrects(text), text
    for text in ("Wednesday", "yes", "five people", "I'll be there at three"):
        assert not corrects(text), text


async def test_actually_at_a_read_back_changes_the_other_slot_and_reads_both_back() -> None:
    m, _ = build()
    await m.start()
    await talk(m, "five people", "january fifteenth twenty thirty", "yes")
    (readback,) = await talk(m, "three pm")
    assert readback == "I have 3 PM. Is that right?"
    (reply,) = await talk(m, "actually make it january sixteenth twenty thirty")
    assert reply == "I have Wednesday, January 16th, 2030. Is that right?"
    assert m.slots["day"] == dt.date(2030, 1, 16) and m.slots["at"] == dt.time(15)
    assert await m.turn("yes") == "I have 3 PM. Is that right?"  # the read-back it interrupted
    assert await m.turn("yes") == "Inside, outside or at the bar?"


async def test_no_make_it_keeps_the_correction_and_several_slots_change_at_once() -> None:
    m, _ = build()
    await m.start()
    await talk(m, "five people", "january fifteenth twenty thirty")
    (reply,) = await talk(m, "no, make it two people on march 9th 2030 at seven pm")
    assert m.slots == {"party": 2, "day": dt.date(2030, 3, 9), "at": dt.time(19)}
    assert reply == (
        "Okay, I've changed the party to 2. I have Saturday, March 9th, 2030. Is that right?"
    )
    assert await m.turn("yes") == "I have 7 PM. Is that right?"


async def test_yes_with_a_new_answer_confirms_and_fills() -> None:
    m, _ = build()
    await m.start()
    await talk(m, "five people", "january fifteenth twenty thirty")
    (reply,) = await talk(m, "yes, and ten thirty am")
    assert m.slots["day"] == dt.date(2030, 1, 15) and m.slots["at"] == dt.time(10, 30)
    assert reply == "I have 10:30 AM. Is that right?"


async def test_the_longest_reading_wins() -> None:
    m, _ = build()
    await m.start()
    await talk(m, "five people", "january fifteenth twenty thirty", "yes", "seven pm", "yes")
    (reply,) = await talk(m, "no wait, march 9th 2030")
    assert m.slots["day"] == dt.date(2030, 3, 9) and m.slots["at"] == dt.time(19)
    assert m.slots["party"] == 5
    assert reply.startswith("Okay, I've changed the day to Saturday, March 9th, 2030.")


async def test_a_refused_correction_says_why_and_changes_nothing() -> None:
    m, _ = build()
    await m.start()
    await talk(m, "five people", "january fifteenth twenty thirty", "yes", "seven pm", "yes")
    (reply,) = await talk(m, "actually make it twenty people")
    assert m.slots["party"] == 5
    assert reply.startswith("Sorry, that's more than 12.")


STATES = st.sampled_from(["day_asked", "day_read_back", "at_asked", "at_read_back", "seating"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    point=STATES,
    first=st.fixed_dictionaries({k: st.sampled_from(sorted(v)) for k, v in PHRASES.items()}),
    target=st.sampled_from(["party", "day", "at"]),
    new=st.data(),
    cue=st.sampled_from(CUES),
)
def test_a_correction_of_any_filled_slot_anywhere_ends_with_the_new_value(
    point: str, first: dict[str, str], target: str, new: st.DataObject, cue: str
) -> None:
    said: dict[str, set[object]] = {k: set() for k in PHRASES}
    script = {
        "day_asked": [first["party"]],
        "day_read_back": [first["party"], first["day"]],
        "at_asked": [first["party"], first["day"], "yes"],
        "at_read_back": [first["party"], first["day"], "yes", first["at"]],
        "seating": [first["party"], first["day"], "yes", first["at"], "yes"],
    }[point]
    for slot in ("party", "day", "at"):
        if first[slot] in script:
            said[slot].add(PHRASES[slot][first[slot]])
    filled = [s for s in ("party", "day", "at") if first[s] in script]
    if target not in filled:
        target = filled[-1]
    options = sorted(p for p in PHRASES[target] if p != first[target])
    phrase = new.draw(st.sampled_from(options))
    said[target].add(PHRASES[target][phrase])

    async def call() -> superdialog.CallMachine:
        m, session = build()
        await m.start()
        await talk(m, *script)
        await m.turn(cue.format(phrase))
        for _ in range(4):  # accept the read-backs the correction asks for
            if m._confirming is None:
                break
            await m.turn("yes")
        assert not session.terminal
        return m

    m = asyncio.run(call())
    assert m.slots[target] == PHRASES[target][phrase]
    for slot, value in m.slots.items():  # never a value the caller did not say
        assert value in said[slot], (slot, value)
    assert m._confirming is None


# --------------------------------------------------------------------------- cancel


async def test_never_mind_built_in_drops_the_read_back_then_the_state() -> None:
    m, _ = build()
    await m.start()
    await talk(m, "five people", "january fifteenth twenty thirty")
    assert await m.turn("never mind") == "Okay, never mind. Which day?"
    assert "day" not in m.slots and m.slots["party"] == 5
    assert await m.turn("forget it") == "Okay, never mind. How many?"
    assert m.slots == {} and m.node == "ask"


async def test_on_cancel_of_a_state_says_its_line_and_moves() -> None:
    m, session = build()
    await m.start()
    await talk(m, "five people", "january fifteenth twenty thirty", "yes", "seven pm", "yes")
    assert m.node == "seating"
    assert await m.turn("cancel that") == "Fine, no seat then. Bye."
    assert session.terminal[0].args == ("completed",)
    moves = [e for e in m.trace if isinstance(e, StateEntered)]
    assert moves[-1].via == "cancel" and moves[-1].edge == "seating->bye"


def test_a_flow_wide_on_cancel_is_checked_at_load() -> None:
    with pytest.raises(FlowError, match="unknown state 'nowhere'"):
        superdialog.loads(FLOW + "on_cancel: nowhere\n", "bad.yaml")


VOCAB = [
    "never mind",
    "forget it",
    "cancel that",
    "five people",
    "january fifteenth twenty thirty",
    "seven pm",
    "yes",
    "no",
    "outside",
    "four two four two four two four two four two four two four two four two",
    "what time do you close",
    "actually make it two people",
    "sorry?",
    "",
    "agent please",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(VOCAB), min_size=1, max_size=14))
def test_cancel_at_any_point_keeps_recording_balanced_and_one_ending(lines: list[str]) -> None:
    async def call() -> tuple[superdialog.CallMachine, RecordingSession]:
        m, session = build()
        await m.start()
        for line in lines:
            if m.finished:
                break
            await m.turn(line)
        await m.close()
        return m, session

    m, session = asyncio.run(call())
    paused = False
    for effect in session.effects:
        if effect.verb == "recording.pause":
            assert not paused
            paused = True
        elif effect.verb == "recording.resume":
            assert paused
            paused = False
        elif effect.verb in ("end", "transfer_to_human", "transfer_to_agent"):
            assert not paused
    assert not paused
    outcome = m.outcome
    assert outcome is not None
    assert len(session.terminal) == (0 if outcome["verb"] == "hangup" else 1)


# --------------------------------------------------------------------------- digressions


async def test_a_digression_answers_then_asks_the_interrupted_question_again() -> None:
    m, _ = build()
    await m.start()
    await talk(m, "five people", "january fifteenth twenty thirty")
    reply = await m.turn("sorry, what time do you close")
    assert reply == "We close at ten. Now, I have Tuesday, January 15th, 2030. Is that right?"
    assert m.node == "ask" and m._confirming == "day"
    assert m.visit_count("ask") == 0  # coming back is not a new visit
    vias = [e.via for e in m.trace if isinstance(e, StateEntered)][-2:]
    assert vias == ["call:hours", "return"]
    assert await m.turn("yes") == "What time?"


async def test_a_digression_from_a_pii_state_resumes_then_pauses_recording() -> None:
    m, session = build()
    await m.start()
    await talk(m, "five people", "january fifteenth twenty thirty", "yes", "seven pm", "yes")
    await talk(m, "outside")
    assert m.node == "pay" and m.recording_paused
    before = len(session.effects)
    reply = await m.turn("what time do you close")
    assert reply == "We close at ten. Now, card number?"
    assert [e.verb for e in session.effects[before:]] == ["recording.resume", "recording.pause"]
    assert m.recording_paused and m.node == "pay"


async def test_the_stack_survives_a_durable_record() -> None:
    flow = FLOW.replace(
        '  hours: {say: "We close at ten.", return: true}',
        '  hours: {collect: [seat], next: hours_done}\n  hours_done: {say: "Noted.", return: true}',
    )
    m, _ = build(flow)
    await m.start()
    await talk(m, "five people", "january fifteenth twenty thirty", "what time do you close")
    assert m.node == "hours"
    record = m.dump(key=None)
    assert record["state"]["repairs"]["frames"] == [["ask", "day"]]
    again = superdialog.loads(flow, "repairs.yaml").restore(record, RecordingSession(), key=None)
    reply = await again.turn("at the bar")
    assert reply == "Noted. Now, I have Tuesday, January 15th, 2030. Is that right?"
    assert again.node == "ask" and again._confirming == "day"


async def test_an_owed_read_back_survives_a_durable_record() -> None:
    m, _ = build()
    await m.start()
    await talk(m, "five people", "january fifteenth twenty thirty", "yes", "three pm")
    await talk(m, "actually make it march 9th 2030")
    record = m.dump(key=None)
    assert record["state"]["repairs"]["owed"] == ["at"]
    again = superdialog.loads(FLOW, "repairs.yaml").restore(record, RecordingSession(), key=None)
    assert await again.turn("yes") == "I have 3 PM. Is that right?"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ('  hours: {say: "We close at ten."}', "never comes back"),
        ('  hours: {say: "We close at ten.", return: true, next: done}', "return: true"),
    ],
)
def test_digressions_that_cannot_come_back_are_load_errors(change: str, message: str) -> None:
    text = FLOW.replace('  hours: {say: "We close at ten.", return: true}', change)
    with pytest.raises(FlowError, match=message):
        superdialog.loads(text, "bad.yaml")


def test_goto_and_call_together_is_a_load_error() -> None:
    text = FLOW.replace("{intent: hours, call: hours}", "{intent: hours, call: hours, goto: bye}")
    with pytest.raises(FlowError, match="not both"):
        superdialog.loads(text, "bad.yaml")


# --------------------------------------------------------------------------- repeat


async def test_repeat_after_a_cut_reply_says_it_whole_with_its_question() -> None:
    m, _ = build()
    await m.start()
    await talk(m, "five people")
    chunks = []
    async with contextlib.aclosing(m.stream("january fifteenth twenty thirty")) as gen:
        async for chunk in gen:
            chunks.append(chunk)
            break  # the caller talks over the rest
    m.mark_interrupted("I have Tues")
    assert await m.turn("say that again") == "I have Tuesday, January 15th, 2030. Is that right?"
    assert await m.turn("sorry?") == "I have Tuesday, January 15th, 2030. Is that right?"


async def test_never_mind_elsewhere_is_the_states_own_words_and_start_over_forgets_repairs() -> (
    None
):
    text = FLOW.replace(
        '  bye: {say: "Bye.", end: completed}',
        '  bye: {say: "Bye.", end: completed}\n'
        "  more:\n"
        '    say: "Anything else?"\n'
        "    transitions: [{intent: human, to: human}, {to: bye}]",
    ).replace('on_cancel: {say: "Fine, no seat then.", to: bye}', "on_cancel: more")
    text = text.replace(
        "  - {intent: human, goto: human}",
        "  - {intent: human, goto: human}\n  - {intent: start_over, goto: ask}",
    )
    m, session = build(text)
    await m.start()
    await talk(m, "five people", "january fifteenth twenty thirty", "yes", "three pm")
    await talk(m, "actually make it march 9th 2030")
    assert m._repairs is not None and m._repairs.owed == ["at"]
    assert await m.turn("start over") == "How many?"
    assert m._repairs is None and m.slots == {}
    await talk(m, "five people", "january fifteenth twenty thirty", "yes", "seven pm", "yes")
    assert await m.turn("never mind") == "Anything else?"  # seating's on_cancel
    assert await m.turn("never mind") == "Bye."  # a speak state: its otherwise edge
    assert session.terminal[0].args == ("completed",)


async def test_a_barge_in_on_the_digression_still_comes_back() -> None:
    m, _ = build()
    await m.start()
    await talk(m, "five people")
    async with contextlib.aclosing(m.stream("what time do you close")) as gen:
        async for _chunk in gen:
            break  # the caller talks over the answer, before "Now, which day?"
    m.mark_interrupted("We close")
    assert m.node == "hours"
    assert await m.turn("january fifteenth twenty thirty") == (
        "I have Tuesday, January 15th, 2030. Is that right?"
    )
    assert m.node == "ask" and m._repairs is not None and not m._repairs.frames


async def test_a_sub_flow_can_be_the_digression(tmp_path: Path) -> None:
    (tmp_path / "faq.yaml").write_text(
        "flow: faq\n"
        "slots: {topic: {type: enum, choices: [parking, hours], prompt: Parking or hours?}}\n"
        "start: which\n"
        "states:\n"
        "  which:\n"
        "    collect: [topic]\n"
        "    transitions: [{if: \"slots.topic == 'parking'\", to: parking}, {to: hours}]\n"
        "  parking: {say: Park behind the building., end: completed}\n"
        "  hours: {say: We close at ten., end: completed}\n",
        encoding="utf-8",
    )
    main = tmp_path / "main.yaml"
    main.write_text(
        "flow: main\n"
        "slots:\n"
        "  party: {type: number, prompt: How many?}\n"
        "  day: {type: date, prompt: Which day?}\n"
        "intents: {question: {phrases: [i have a question]}}\n"
        "global: [{intent: question, call: faq}]\n"
        "start: ask\n"
        "states:\n"
        "  ask: {collect: [party, day], next: done}\n"
        "  faq: {use: faq.yaml, next: faq_done}\n"
        "  faq_done: {say: Anything else just ask., return: true}\n"
        "  done: {say: Booked., end: completed}\n",
        encoding="utf-8",
    )
    m = superdialog.load(main).build(trace=True)
    await m.start()
    await talk(m, "five")
    assert await m.turn("I have a question") == "Parking or hours?"
    assert m.node == "faq.which"  # the digression waits for the caller inside the sub-flow
    reply = await m.turn("parking")
    assert reply == "Park behind the building. Anything else just ask. Now, which day?"
    assert m.node == "ask" and m.slots["party"] == 5


PREFIXES = [
    [],
    ["five people"],
    ["five people", "january fifteenth twenty thirty"],
    ["five people", "january fifteenth twenty thirty", "yes"],
    ["five people", "january fifteenth twenty thirty", "yes", "seven pm"],
    ["five people", "january fifteenth twenty thirty", "yes", "seven pm", "yes"],
    ["five people", "january fifteenth twenty thirty", "yes", "seven pm", "yes", "outside"],
]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(PREFIXES),
    st.sampled_from(["what time do you close", "sorry, what time do you close"]),
)
def test_a_digression_anywhere_comes_back_to_the_same_question(prefix: list[str], ask: str) -> None:
    async def call() -> None:
        m, session = build()
        await m.start()
        await talk(m, *prefix)
        node, confirming, slots = m.node, m._confirming, dict(m.slots)
        paused = m.recording_paused
        question = m.speakable(reprompt_text(m))
        reply = await m.turn(ask)
        assert reply.startswith("We close at ten. Now, ")
        assert reply.lower().endswith(question.lower())
        assert (m.node, m._confirming, m.slots) == (node, confirming, slots)
        assert m.recording_paused == paused and not session.terminal
        assert m._repairs is not None and not m._repairs.frames

    asyncio.run(call())


async def test_an_earlier_states_read_back_slot_is_told_not_asked() -> None:
    m, _ = build()
    await m.start()
    await talk(m, "five people", "january fifteenth twenty thirty", "yes", "seven pm", "yes")
    assert m.node == "seating"
    reply = await m.turn("actually make it march 9th 2030")
    assert reply == (
        "Okay, I've changed the day to Saturday, March 9th, 2030. Inside, outside or at the bar?"
    )
    assert m.slots["day"] == dt.date(2030, 3, 9) and m._confirming is None
