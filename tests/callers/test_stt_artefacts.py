"""Recogniser artefacts are nobody's words: generated utterances through RecordingSession.

Found by the caller probes: "[inaudible]" filled a name slot as "Inaudible",
"<unk>" and "[noise]" too; a free-text slot took "...", "?!", an emoji, "uh"
or a bare NUL as the caller's answer; "yes\\x00" stored a NUL. An utterance
with nothing in it a caller could have meant is "not understood" (the
caller spoke: not silence), markup and invisible characters are taken out of
everything else, and the value given with artefacts around it is the value
given without them.
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import superdialog
from superdialog.testing import RecordingSession

FLOW = """
flow: artefacts
slots:
  name: {type: name, prompt: "Your full name?"}
  reason: {type: text, prompt: "What is the reason for your call?"}
  ok: {type: yes_no, prompt: "Shall I book it?"}
  day: {type: date, future_only: true, confirm: true, prompt: "Which day?"}
start: hello
limits: {no_input: 2}
states:
  hello: {say: "Hello.", collect: [name], retries: 3, next: why}
  why: {collect: [reason], retries: 3, next: when}
  when: {collect: [day], retries: 3, next: book}
  book: {collect: [ok], retries: 3, next: done}
  done: {say: "Done.", end: completed}
"""
TAGS = ["[inaudible]", "<unk>", "[NOISE]", "(inaudible)", "<sil>", "[crosstalk]", "[music]",
        "(unintelligible)", "<noise>", "[laughter]", "[ Inaudible ]"]  # fmt: skip
MARKS = ["...", "…", "?!", "—", "-", ",", "?", "!!", "😀", "🙂🙂", "👍"]
INVISIBLE = ["\x00", "\x1b", "\x07", "\u200b", "\ufeff", "\u200e", "\t", "\n", "\r\n"]
HESITATIONS = ["uh", "um", "hmm", "erm", "Uh.", "UM", "ähm", "euh"]
NOISE = st.sampled_from(TAGS + MARKS + INVISIBLE + HESITATIONS)
# (the answer, then the slot it fills and its value, in the state that asks it)
ANSWERS = {
    "hello": ("my name is Maria Lopez", "name", "Maria Lopez"),
    "why": ("my tooth hurts", "reason", "my tooth hurts"),
    "when": ("next tuesday", "day", None),
    "book": ("yes", "ok", True),
}
TO = {"hello": [], "why": ["Maria Lopez"], "when": ["Maria Lopez", "a checkup"],
      "book": ["Maria Lopez", "a checkup", "next tuesday", "yes"]}  # fmt: skip
WORDS = re.compile(r"[^\W_]+")
SETTINGS = settings(
    derandomize=True,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


async def _call(turns: list[str]) -> tuple[superdialog.CallMachine, RecordingSession, list[str]]:
    flow = superdialog.loads(FLOW, "artefacts.yaml")
    session = RecordingSession()
    machine = flow.build(session, trace=True)
    await machine.start()
    out = []
    for text in turns:
        out.append("".join([c async for c in machine.stream(text)]))
    return machine, session, out


@SETTINGS
@given(state=st.sampled_from(list(TO)), noise=st.lists(NOISE, min_size=1, max_size=4))
async def test_an_utterance_with_no_words_is_not_understood(state: str, noise: list[str]) -> None:
    said = " ".join(noise)
    machine, session, out = await _call([*TO[state], said])
    assert machine.node == state, (said, machine.node)
    assert ANSWERS[state][1] not in machine.slots, (said, machine.slots)
    # the caller spoke: not "I didn't hear anything", unless nothing visible came at all
    heard = "hear anything" if all(n in INVISIBLE for n in noise) else "catch that"
    assert heard in out[-1], (said, out[-1])
    assert not machine.finished
    assert session.terminal == []


@SETTINGS
@given(
    state=st.sampled_from(list(TO)),
    before=st.lists(NOISE, max_size=2),
    after=st.lists(NOISE, max_size=2),
)
async def test_a_value_said_among_artefacts_is_the_value_said_alone(
    state: str, before: list[str], after: list[str]
) -> None:
    answer, slot, _ = ANSWERS[state]
    said = " ".join([*before, answer, *after])
    clean, _, _ = await _call([*TO[state], answer])
    noisy, _, _ = await _call([*TO[state], said])
    got, want = noisy.slots.get(slot), clean.slots.get(slot)
    if slot == "reason":  # free text keeps what the caller said around it ("...", an emoji)
        hesitations = {h.strip(".").lower() for h in HESITATIONS}
        got, want = (
            [w for w in WORDS.findall(str(v)) if w.lower() not in hesitations] for v in (got, want)
        )
    assert got == want, (said, noisy.slots)
    kept = json.dumps([noisy.snapshot(), noisy.trace_record()], ensure_ascii=False)
    for bad in ("\\u0000", "\\u001b", "\\u200b", "\\ufeff", "inaudible", "unk>", "Noise"):
        assert bad.lower() not in kept.lower(), (said, bad)


async def test_markup_is_never_a_name() -> None:
    for tag in TAGS:
        machine, _, _ = await _call([f"my name is {tag}"])
        assert "name" not in machine.slots, (tag, machine.slots)


@pytest.mark.parametrize(
    "text",
    ["\x1b[31m", "\x1b[1;31m\x1b[0m", "\x1b]0;title\x07", "\x1b]8;;http://x\x1b\\", "\x1bc"],
)
def test_terminal_escape_sequences_are_nobodys_words(text: str) -> None:
    """A text channel can carry terminal escapes; with only their ESC taken out, '[31m' was
    read as the number 31."""
    from superdialog.runtime.transcript import clean, usable

    assert clean(text) == "" and not usable(clean(text))
    assert clean(f"yes{text} please") == "yes please"
