"""Speculative openings: the next LLM state's opening is requested with the transition.

What must hold, whatever the model does and whenever the caller barges in or
hangs up:

* the caller hears an opening only if its request is exactly the one the new
  state would have sent after the move (same prompt, same history, same slots);
* a reply that turns out invalid (the model speaks instead, calls a tool that
  was not offered, sends arguments that do not parse, fills a slot the opening
  would read) is never heard: the speculative stream is cancelled;
* no task and no open stream outlives the turn.

Real flows, the real openai client and the scripted loopback server; the
server's scripted latency makes both requests overlap. No timing is asserted.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import superdialog
from superdialog.llm import aclose_clients
from superdialog.runtime.events import Spoke, StateEntered
from superdialog.testing import RecordingSession, ScriptedLLMServer

FLOW = """
flow: spec
persona: "You are Kim."
slots:
  order_id: {type: digits, min_length: 5, max_length: 5, description: the order number}
start: chat
states:
  chat:
    llm: Find out what the caller needs.
    transitions:
      - {when: the caller wants their order status, to: status}
      - {when: the caller wants to talk about billing, to: billing}
  status:
    llm: Tell the caller that order {{ slots.order_id }} ships tomorrow.
    transitions:
      - {when: the caller is done, to: bye}
  billing:
    llm: Ask which invoice the caller means.
    transitions:
      - {when: the caller is done, to: bye}
  bye: {say: "Bye!", end: completed}
"""

_GUARD_S = 20.0  # hang guard only

STATUS_OPENING = "Your order ships tomorrow."
BILLING_OPENING = "Which invoice do you mean?"
CHAT_REPLY = "Could you tell me a bit more?"


@pytest.fixture
async def server() -> Any:
    async with ScriptedLLMServer() as srv:
        srv.latency = type(srv.latency)(ttft_ms=30, tokens_per_s=400)
        yield srv
    await aclose_clients()


SLOW = {"ttft_ms": 5000}  # an opening nobody should wait for: a leaked prefetch would stay


def openings(srv: ScriptedLLMServer, slow: str | None = None) -> None:
    """The call's own opening, then the two LLM states'; ``slow``: that one takes seconds.

    The call's opening is its first request (a chat rule with a move would
    answer it with a call and no word, and the opening would be asked again).
    """
    srv.add_rule(state="chat", call=1, reply="Hello, what can I do for you?")
    for state, text in (("status", STATUS_OPENING), ("billing", BILLING_OPENING)):
        srv.add_rule(state=state, reply=text, latency=SLOW if state == slow else None)


def build(srv: ScriptedLLMServer, **llm: object) -> superdialog.CallMachine:
    flow = superdialog.loads(FLOW, "spec.yaml")
    return flow.build(
        RecordingSession(),
        llm={"base_url": srv.base_url, "api_key": "t", "retries": 0, **llm},
        trace=True,
    )


async def say(machine: superdialog.CallMachine, text: str) -> str:
    async def run() -> str:
        return "".join([c async for c in machine.stream(text)])

    return await asyncio.wait_for(run(), _GUARD_S)


async def no_tasks_left() -> None:
    """Every task but this test's own is gone (prefetches end when their turn ends)."""
    for _ in range(50):
        others = asyncio.all_tasks() - {asyncio.current_task()}
        # the scripted server's own connection handlers are not ours
        ours = [t for t in others if "ScriptedLLMServer" not in repr(t.get_coro())]
        if not ours:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"tasks left behind: {ours}")


def states_of(server: ScriptedLLMServer, since: int = 1) -> list[str | None]:
    """The states of the requests after the first ``since`` (the call's own opening)."""
    return [r.headers.get("x-superdialog-state") for r in server.requests[since:]]


async def test_the_opening_is_requested_with_the_transition_and_heard_once(
    server: ScriptedLLMServer,
) -> None:
    openings(server, slow="status")
    server.add_rule(state="chat", goto="billing")
    machine = build(server)
    await machine.start()
    heard = await say(machine, "I have a question about my bill")
    assert heard == BILLING_OPENING
    assert machine.node == "billing"
    # one transition request, and both candidate openings requested alongside it;
    # the status one was cancelled, the billing one is what the caller heard
    assert sorted(s or "" for s in states_of(server)) == ["billing", "chat", "status"]
    await no_tasks_left()
    cancelled = [r for r in server.requests if r.headers.get("x-superdialog-state") == "status"]
    assert cancelled[0].disconnected  # dropped at once, not left to run
    trace = machine.trace
    entered = next(i for i, e in enumerate(trace) if isinstance(e, StateEntered))
    spoke = next(i for i, e in enumerate(trace) if isinstance(e, Spoke))
    assert entered < spoke  # heard after the move, as an opening is
    await no_tasks_left()


async def test_without_speculation_requests_go_one_at_a_time(server: ScriptedLLMServer) -> None:
    openings(server)
    server.add_rule(state="chat", goto="billing")
    machine = build(server, speculative_openings=False)
    await machine.start()
    assert await say(machine, "billing please") == BILLING_OPENING
    assert states_of(server) == ["chat", "billing"]
    await no_tasks_left()


async def test_a_model_that_speaks_instead_is_heard_and_no_opening_is(
    server: ScriptedLLMServer,
) -> None:
    openings(server, slow="billing")
    server.add_rule(state="chat", reply=CHAT_REPLY)
    machine = build(server)
    await machine.start()
    heard = await say(machine, "well, I am not sure yet")
    assert heard == CHAT_REPLY
    assert machine.node == "chat"
    await no_tasks_left()


@pytest.mark.parametrize(
    "rule",
    [
        {"tool": {"name": "goto_nowhere", "arguments": {}}},  # not offered
        {"tool": {"name": "goto_billing", "arguments": "{not json"}},  # bad arguments
    ],
)
async def test_an_invalid_transition_is_never_heard(
    server: ScriptedLLMServer, rule: dict[str, Any]
) -> None:
    openings(server, slow="billing")
    server.add_rule(state="chat", **rule)
    machine = build(server)
    await machine.start()
    heard = await say(machine, "billing please")
    assert machine.node == "chat"
    assert BILLING_OPENING not in heard and STATUS_OPENING not in heard
    await no_tasks_left()


async def test_an_opening_whose_prompt_changed_is_asked_afresh(server: ScriptedLLMServer) -> None:
    """The tool call fills the slot the status prompt reads: the prefetched prompt is stale."""
    openings(server, slow="billing")
    server.add_rule(state="chat", goto="status", args={"order_id": "12345"})
    machine = build(server)
    await machine.start()
    heard = await say(machine, "where is order 12345")
    assert heard == STATUS_OPENING
    assert machine.slots["order_id"] == "12345"
    status = [r for r in server.requests[1:] if r.headers.get("x-superdialog-state") == "status"]
    assert len(status) == 2  # the speculative one (cancelled, unheard) and the real one
    spoken_prompt = status[-1].body["messages"][0]["content"]
    assert "12345" in spoken_prompt
    await no_tasks_left()


async def next_chunk(stream: Any, own_task: bool) -> str:
    """One chunk; ``own_task``: in a task of its own, as Unpod's session reads a turn."""
    if not own_task:
        return str(await anext(stream))
    return str(await asyncio.ensure_future(stream.__anext__()))


_MODELS = {
    "moves": {},  # the transition only
    "speaks then moves": {"reply": CHAT_REPLY},
    "speaks then the stream is cut": {"reply": CHAT_REPLY, "fault": "cut", "cut_after": 3},
    "fails": {"fault": "500"},
}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    target=st.sampled_from(["billing", "status"]),
    model=st.sampled_from(sorted(_MODELS)),
    barge_after=st.none() | st.integers(0, 4),
    hang_up=st.booleans(),
    own_tasks=st.booleans(),
)
def test_barge_ins_and_hang_ups_leave_nothing_behind(
    target: str, model: str, barge_after: int | None, hang_up: bool, own_tasks: bool
) -> None:
    """The caller cuts in after any number of chunks (0: before the first; None: never), then
    maybe hangs up; chunks read in the caller's task or each in a task of its own."""

    async def scenario() -> None:
        async with ScriptedLLMServer() as server:
            server.latency = type(server.latency)(ttft_ms=20, tokens_per_s=200)
            openings(server, slow="status" if target == "billing" else "billing")
            rule: dict[str, Any] = dict(_MODELS[model])
            if "fault" not in rule or rule["fault"] == "cut":
                rule["goto"] = target
            server.add_rule(state="chat", **rule)
            machine = build(server)
            await machine.start()
            heard: list[str] = []
            stream = machine.stream("let us move on")
            try:
                async with asyncio.timeout(_GUARD_S):
                    while barge_after is None or len(heard) < barge_after:
                        heard.append(await next_chunk(stream, own_tasks))
            except StopAsyncIteration:
                pass
            finally:
                await stream.aclose()
            if hang_up:
                await machine.close()
            wrong = STATUS_OPENING if target == "billing" else BILLING_OPENING
            assert wrong not in "".join(heard)  # the opening of a state we did not enter
            if model == "moves" and barge_after is None:
                assert machine.node == target
            await no_tasks_left()
        await aclose_clients()

    asyncio.run(scenario())
