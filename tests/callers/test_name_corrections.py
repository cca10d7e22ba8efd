"""A caller who corrects their name after the next question was asked ("no wait, my name is …").

Found by the caller probes: asked the reason for the call right after giving
"Caren Smith", the caller said "no wait, my name is Karen Smith": the name
stayed "Caren Smith" and the free-text reason became "no wait, my name is
Karen Smith". A name is corrected in passing when the words say they correct
(a cue) and say they are a name ("my name is", "call me", "spelled");
otherwise a name is still only taken where it is asked or read back.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import superdialog
from superdialog.testing import RecordingSession

FLOW = """
flow: names
slots:
  name: {type: name, prompt: "Your full name?"}
  reason: {type: text, prompt: "What is the reason for your call?"}
  party: {type: number, min: 1, max: 12, prompt: "How many people?"}
start: hello
states:
  hello: {say: "Hello.", collect: [name], next: why}
  why: {collect: [reason, party], next: done}
  done: {say: "Thanks {{ slots.name }}.", end: completed}
"""
CUES = ["no wait, ", "sorry, ", "actually, ", "I meant to say ", "correction: "]
NAMING = ["my name is {}", "my name's {}", "call me {}"]
NEW = ["Karen Smith", "Karen", "Katherine Jones"]


async def _call(turns: list[str]) -> superdialog.CallMachine:
    machine = superdialog.loads(FLOW, "names.yaml").build(RecordingSession())
    await machine.start()
    for text in turns:
        async for _ in machine.stream(text):
            pass
    return machine


@settings(derandomize=True, deadline=None, max_examples=40)
@given(cue=st.sampled_from(CUES), naming=st.sampled_from(NAMING), new=st.sampled_from(NEW))
async def test_a_name_corrected_at_the_next_question_is_changed_and_not_the_answer(
    cue: str, naming: str, new: str
) -> None:
    said = cue + naming.format(new)
    machine = await _call(["Caren Smith", said])
    assert machine.slots["name"] == new, (said, machine.slots)
    assert "reason" not in machine.slots, (said, machine.slots)
    assert machine.node == "why"


async def test_without_a_naming_cue_a_name_is_not_changed_in_passing() -> None:
    machine = await _call(["Caren Smith", "actually make it five people"])
    assert machine.slots["name"] == "Caren Smith"
    assert machine.slots.get("party") == 5
