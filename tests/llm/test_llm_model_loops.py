"""A model that moves every turn, forever, and one that answers with several moves.

Two LLM states that lead to each other and a model that always takes the
move: each caller turn costs a bounded number of requests (the move, the new
state's opening, prefetched alongside), the caller hears the new state every
time, and nothing piles up (history, tasks). Two different moves in one
response: the first that came whole is taken (a move decided on its name is
taken before the second is even read), the same move twice is one move.
"""

from __future__ import annotations

import superdialog
from superdialog.testing import RecordingSession, ScriptedLLMServer

FLOW = """
flow: pingpong
start: ping
states:
  ping:
    llm: Talk about ping.
    transitions:
      - {when: the caller mentions pong, to: pong}
      - {when: the caller is done, to: bye}
  pong:
    llm: Talk about pong.
    transitions:
      - {when: the caller mentions ping, to: ping}
      - {when: the caller is done, to: bye}
  bye: {say: "Bye!", end: completed}
"""


def build(server: ScriptedLLMServer) -> superdialog.CallMachine:
    flow = superdialog.loads(FLOW, "pingpong.yaml")
    return flow.build(RecordingSession(), llm={"base_url": server.base_url, "api_key": "t"})


async def test_a_move_every_turn_costs_a_bounded_number_of_requests(
    llm_server: ScriptedLLMServer,
) -> None:
    llm_server.add_rule(state="ping", tools="goto_pong", goto="pong")  # not in openings
    llm_server.add_rule(state="pong", tools="goto_ping", goto="ping")
    llm_server.add_rule(state="ping", reply="Ping here.")
    llm_server.add_rule(state="pong", reply="Pong here.")
    machine = build(llm_server)
    await machine.start()
    for turn in range(30):
        before = len(llm_server.chat_requests)
        heard = await machine.turn(f"again {turn}")
        assert heard == ("Pong here." if turn % 2 == 0 else "Ping here.")
        assert len(llm_server.chat_requests) - before <= 3  # move, opening (prefetched or not)
        assert not machine.finished
    history = machine.snapshot()["history"]
    assert len(history) <= 2 * machine.flow.spec.llm.history_turns


async def test_two_different_moves_take_the_first_and_the_same_move_twice_is_one(
    llm_server: ScriptedLLMServer,
) -> None:
    # the scripted server sends one call per rule; the second call comes as text markup
    llm_server.add_rule(
        state="ping",
        user="both",
        reply='<tool_call>{"name": "goto_pong", "arguments": {}}</tool_call>'
        '<tool_call>{"name": "goto_bye", "arguments": {}}</tool_call>',
    )
    llm_server.add_rule(
        state="pong",
        user="twice",
        reply='<tool_call>{"name": "goto_bye", "arguments": {}}</tool_call>'
        '<tool_call>{"name": "goto_bye", "arguments": {}}</tool_call>',
    )
    llm_server.add_rule(state="ping", reply="Ping here.")
    llm_server.add_rule(state="pong", reply="Pong here.")
    machine = build(llm_server)
    await machine.start()
    assert await machine.turn("both") == "Pong here."
    assert machine.node == "pong"
    assert await machine.turn("twice") == "Bye!"
    assert machine.outcome is not None and machine.outcome["reason"] == "completed"


async def test_an_opening_that_says_nothing_is_asked_once_more(
    llm_server: ScriptedLLMServer,
) -> None:
    """A model answering the new state's opening with a move only: the caller heard nothing."""
    llm_server.add_rule(state="ping", tools="goto_pong", goto="pong")
    llm_server.add_rule(state="pong", goto="ping", times=1)  # the opening: a call, no word
    llm_server.add_rule(state="pong", reply="Pong here.")
    llm_server.add_rule(state="ping", reply="Ping here.")
    machine = build(llm_server)
    await machine.start()
    assert await machine.turn("pong please") == "Pong here."
    last = llm_server.chat_requests[-1].messages[0]["content"]
    assert "in words; do not call any tool" in last
    # twice silent: asked twice only, never in a loop
    llm_server.reset(rules=True)
    llm_server.add_rule(state="pong", tools="goto_ping", goto="ping")
    llm_server.add_rule(state="ping", goto="pong")
    before = len(llm_server.chat_requests)
    await machine.turn("ping please")
    assert len(llm_server.chat_requests) - before <= 3
    assert machine.node == "ping" and not machine.finished
