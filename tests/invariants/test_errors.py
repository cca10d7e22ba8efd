"""The error path, through the real Session: the state's ``on_error``, else the flow's,
else an apology and ``end("error")``, for action failures and timeouts, template
failures at run time and model outages after retries."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import superdialog
from superdialog.testing.frames import Frame
from superdialog.testing.llm_server import ScriptedLLMServer

from .harness import check_invariants, run_call

ERRORS = """
flow: errors
start: greet
slots:
  ref: {type: digits, min_length: 3, max_length: 3, prompt: "Your reference?"}
intents:
  to_state_err: {phrases: [state error please]}
  to_flow_err: {phrases: [flow error please]}
global:
  - {intent: to_state_err, goto: state_err}
  - {intent: to_flow_err, goto: flow_err}
states:
  greet: {say: "Hello.", next: ask}
  ask: {collect: [ref], next: lookup}
  lookup:
    action: {call: lookup, args: {ref: "{{ slots.ref }}"}, timeout: 0.2}
    next: found
    #ERR
  found:
    say: "Found {{ results.lookup.name }}."
    next: chat
    #ERR
  chat:
    llm: Help the caller.
    transitions:
      - {when: the caller is done, to: bye}
    #ERR
  state_err: {say: "That part is down, let me transfer you.", transfer: {queue: state-err}}
  flow_err: {say: "Something broke, transferring.", transfer: {queue: flow-err}}
  bye: {say: "Bye!", end: completed}
"""
STEPS = ["one two three", "anything else?"]
STATE_ERR = Frame("transfer", target="state-err", transfer_type="human", mode="cold")
FLOW_ERR = Frame("transfer", target="flow-err", transfer_type="human", mode="cold")
APOLOGY = "I'm sorry, something went wrong on our side."


def flow_text(where: str) -> str:
    text = ERRORS
    if where == "state":  # both: the state's wins
        text = text.replace("#ERR", "on_error: state_err") + "on_error: flow_err\n"
    elif where == "flow":
        text = text + "on_error: flow_err\n"
    return text


def said(c) -> list[str]:  # type: ignore[no-untyped-def]
    """The agent's non-empty turns (the caller may speak once more after the end)."""
    return [t for t in c.turns() if t]


async def ok(ref: str) -> dict[str, Any]:
    return {"name": "Ana"}


async def raises(ref: str) -> dict[str, Any]:
    raise ConnectionError("crm unreachable")


async def sleeps(ref: str) -> dict[str, Any]:
    await asyncio.sleep(5)
    return {"name": "Ana"}


async def no_name(ref: str) -> dict[str, Any]:
    return {}  # `found` reads results.lookup.name: the template fails at run time


FAILURES = {"action_raises": raises, "action_timeout": sleeps, "template": no_name, "llm": ok}


async def run(server: ScriptedLLMServer, where: str, failure: str):  # type: ignore[no-untyped-def]
    server.add_rule(fault="500")
    c = await run_call(
        superdialog.loads(flow_text(where), f"errors_{where}.yaml"), STEPS,
        actions={"lookup": FAILURES[failure]}, server=server,
        llm={"base_url": server.base_url, "api_key": "x", "retries": 0},
    )
    assert check_invariants(c) == []
    return c


@pytest.mark.parametrize("failure", sorted(FAILURES))
async def test_the_states_on_error_wins(server: ScriptedLLMServer, failure: str) -> None:
    c = await run(server, "state", failure)
    assert c.bridge.terminal() == [STATE_ERR]
    assert said(c)[-1].endswith("That part is down, let me transfer you.")


@pytest.mark.parametrize("failure", sorted(FAILURES))
async def test_else_the_flows_on_error(server: ScriptedLLMServer, failure: str) -> None:
    c = await run(server, "flow", failure)
    assert c.bridge.terminal() == [FLOW_ERR]
    assert said(c)[-1].endswith("Something broke, transferring.")


@pytest.mark.parametrize("failure", sorted(FAILURES))
async def test_else_an_apology_and_end_error(server: ScriptedLLMServer, failure: str) -> None:
    c = await run(server, "none", failure)
    assert c.bridge.terminal() == [Frame("end", reason="error")]
    assert said(c)[-1] == APOLOGY
    i = c.kinds().index("end")
    assert c.kinds()[i - 1:i + 2] == ["delta", "end", "text.end"]


async def test_model_outage_with_a_target_says_a_holding_line_first(
    server: ScriptedLLMServer,
) -> None:
    c = await run(server, "flow", "llm")
    assert said(c)[-1] == "Sorry, give me a moment. Something broke, transferring."
    assert len(c.requests) == 1  # retries: 0


async def test_model_outage_is_retried_before_the_error_path(server: ScriptedLLMServer) -> None:
    server.add_rule(fault="500", times=1)
    server.add_rule(state="chat", reply="All good.")
    c = await run_call(superdialog.loads(flow_text("flow"), "errors_retry.yaml"), STEPS,
                       actions={"lookup": ok}, server=server,
                       llm={"base_url": server.base_url, "api_key": "x", "retries": 1,
                            "backoff_s": 0.01})
    assert check_invariants(c) == []
    assert said(c)[-1] == "All good."
    assert len(c.requests) == 2 and c.bridge.terminal() == []


async def test_the_error_path_failing_too_apologises_and_ends(server: ScriptedLLMServer) -> None:
    text = flow_text("flow").replace('"Something broke, transferring."',
                                     '"Something broke, {{ session.crm.name }}."')
    c = await run_call(superdialog.loads(text, "errors_twice.yaml"), STEPS,
                       actions={"lookup": raises})
    assert check_invariants(c) == []
    assert said(c)[-1] == APOLOGY
    assert c.bridge.terminal() == [Frame("end", reason="error")]


async def test_on_error_pointing_at_the_failing_state_apologises_and_ends() -> None:
    text = ERRORS.replace("    next: found\n    #ERR", "    next: found\n    on_error: lookup")
    c = await run_call(superdialog.loads(text, "errors_self.yaml"), STEPS,
                       actions={"lookup": raises})
    assert check_invariants(c) == []
    assert said(c)[-1] == APOLOGY
    assert c.bridge.terminal() == [Frame("end", reason="error")]


async def test_error_in_the_opening_line_apologises_and_ends_with_error() -> None:
    text = ERRORS.replace('greet: {say: "Hello."', 'greet: {say: "Hello {{ session.crm.name }}."')
    c = await run_call(superdialog.loads(text, "errors_opening.yaml"), STEPS)
    assert check_invariants(c) == []
    assert c.kinds() == ["say", "end"]  # said through session.say, then our end: no run()
    assert c.frames[0].text == APOLOGY


async def test_unbound_action_takes_the_error_path() -> None:
    text = ERRORS.replace("call: lookup", "call: no_such_action")
    c = await run_call(superdialog.loads(text, "errors_unbound.yaml"), STEPS)
    assert check_invariants(c) == []
    assert c.bridge.terminal() == [Frame("end", reason="error")]


async def test_error_messages_are_kept_out_of_speech_and_traces() -> None:
    c = await run_call(superdialog.loads(flow_text("none"), "errors_msg.yaml"), STEPS,
                       actions={"lookup": raises})
    assert "crm unreachable" not in c.speech()
    assert "crm unreachable" not in str(c.machine.trace_record())
    assert "crm unreachable" not in "\n".join(c.logs.ours())
