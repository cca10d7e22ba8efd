"""A model that only records values is asked once more, now that they are known.

Models often answer a caller who gives a value with nothing but the tool call
that records it. The caller then heard "Sorry, I didn't catch that" right after
giving it. Now the model is asked again (once) with the value listed as known:
it says what comes next, or moves on. Real client, scripted server.
"""

from __future__ import annotations

import superdialog
from superdialog.testing import RecordingSession, ScriptedLLMServer

FLOW = """
flow: follow_up
slots:
  party_size: {type: number, description: how many people}
  name: {type: name, description: the caller's name}
start: chat
states:
  chat:
    llm: Take the booking details from the caller.
    transitions:
      - {when: the caller has given everything, to: bye}
  bye: {say: "Bye!", end: completed}
"""


def build(server: ScriptedLLMServer) -> superdialog.CallMachine:
    flow = superdialog.loads(FLOW, "follow_up.yaml")
    return flow.build(RecordingSession(), llm={"base_url": server.base_url, "api_key": "t"})


def _record(server: ScriptedLLMServer, **values: str) -> None:
    server.add_rule(
        state="chat", user="people", tool={"name": "set_slots", "arguments": values}, times=1
    )


async def test_the_model_speaks_after_only_recording_a_value(llm_server: ScriptedLLMServer) -> None:
    _record(llm_server, party_size="4")
    llm_server.add_rule(
        state="chat", user="people", reply="A table for four. What name is it under?"
    )
    machine = build(llm_server)
    await machine.start()
    asked = len(llm_server.requests)
    heard = await machine.turn("we are four people")
    assert heard == "A table for four. What name is it under?"
    assert machine.slots["party_size"] == 4
    follow_up = llm_server.requests[asked + 1]
    assert "- party_size: 4" in follow_up.messages[0]["content"]  # it knows the value now
    assert len(llm_server.requests) == asked + 2


async def test_the_follow_up_may_move_on(llm_server: ScriptedLLMServer) -> None:
    _record(llm_server, party_size="4", name="Ana Lopez")
    llm_server.add_rule(state="chat", user="people", goto="bye")
    machine = build(llm_server)
    await machine.start()
    heard = await machine.turn("four people, under Ana Lopez")
    assert heard == "Bye!"
    assert machine.node == "bye"


async def test_there_is_one_follow_up_at_most(llm_server: ScriptedLLMServer) -> None:
    _record(llm_server, party_size="4")
    _record(llm_server, name="Ana Lopez")  # the follow-up only records again
    llm_server.add_rule(state="chat", reply="never asked")
    machine = build(llm_server)
    await machine.start()
    asked = len(llm_server.requests)
    heard = await machine.turn("four people, under Ana Lopez")
    assert "never asked" not in heard
    assert len(llm_server.requests) == asked + 2
    assert machine.slots == {"party_size": 4, "name": "Ana Lopez"}


async def test_no_follow_up_when_nothing_was_recorded(llm_server: ScriptedLLMServer) -> None:
    _record(llm_server, party_size="a few")  # the number type refuses it
    llm_server.add_rule(state="chat", reply="never asked")
    machine = build(llm_server)
    await machine.start()
    asked = len(llm_server.requests)
    heard = await machine.turn("a few people")
    assert heard == "Sorry, I didn't catch that."
    assert len(llm_server.requests) == asked + 1
