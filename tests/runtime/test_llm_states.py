"""LLM states through the real openai client and our loopback server: no mocks."""

from __future__ import annotations

import time

import pytest

import superdialog
from superdialog.llm import aclose_clients
from superdialog.testing import RecordingSession, ScriptedLLMServer

FLOW = """
flow: shop
persona: "You are Kim from {{ shop.name }}."
context: {shop: {name: Acme}}
slots:
  order_id: {type: digits, min_length: 5, max_length: 5, description: the order number}
  card: {type: card_number, pii: true, mask: last4}
intents:
  refund: {phrases: [refund]}
global:
  - {intent: human, goto: agent}
start: hello
states:
  hello: {say: "Hi, this is Kim.", next: chat}
  chat:
    llm: Help the caller with their order.
    transitions:
      - {intent: refund, to: refunds}
      - {when: the caller gave their order number and wants its status, to: status}
    on_error: agent
  status:
    llm: Tell the caller that order {{ slots.order_id }} ships tomorrow.
    transitions:
      - {when: the caller is done, to: bye}
  refunds: {say: "Refunds are handled by a colleague.", transfer: {queue: refunds}}
  agent: {say: "Let me get a colleague.", transfer: {queue: humans}}
  bye: {say: "Bye!", end: completed}
"""


@pytest.fixture
async def server():  # type: ignore[no-untyped-def]
    async with ScriptedLLMServer() as srv:
        yield srv
    await aclose_clients()


def build(
    srv: ScriptedLLMServer, **llm: object
) -> tuple[superdialog.CallMachine, RecordingSession]:
    flow = superdialog.loads(FLOW, "shop.yaml")
    session = RecordingSession()
    machine = flow.build(session, llm={"base_url": srv.base_url, "api_key": "t", **llm},
                         trace=True)
    return machine, session


async def say(machine: superdialog.CallMachine, text: str) -> list[str]:
    return [c async for c in machine.stream(text)]


async def test_reply_streams_token_by_token(server: ScriptedLLMServer) -> None:
    server.latency = type(server.latency)(ttft_ms=20, tokens_per_s=50)
    server.add_rule(state="chat", reply="Sure, I can help with that order today.")
    machine, _ = build(server)
    await machine.start()
    started = time.perf_counter()
    first_at = None
    chunks = []
    async for chunk in machine.stream("where is my stuff"):
        if first_at is None:
            first_at = time.perf_counter() - started
        chunks.append(chunk)
    total = time.perf_counter() - started
    assert "".join(chunks) == "Sure, I can help with that order today."
    assert len(chunks) >= 6  # real streaming: one chunk per token, not one per reply
    assert first_at is not None and first_at < total / 2
    assert machine.node == "chat"


async def test_tool_call_transition_fills_slots_and_next_llm_state_waits(
    server: ScriptedLLMServer,
) -> None:
    server.add_rule(state="chat", user="status", reply="Let me check.", goto="status",
                    args={"order_id": "one two three four five"})
    machine, _ = build(server)
    await machine.start()
    reply = "".join(await say(machine, "what's the status of my order 12345"))
    assert reply == "Let me check."
    assert machine.node == "status" and machine.slots["order_id"] == "12345"
    # the model already spoke this turn: entering the next LLM state costs no extra call
    assert len(server.requests) == 1
    assert machine.metrics.llm_calls == 1


async def test_llm_state_entered_silently_speaks_its_opening(server: ScriptedLLMServer) -> None:
    server.add_rule(state="chat", goto="status", args={"order_id": "12345"})
    server.add_rule(state="status", reply="Order 12345 ships tomorrow.")
    machine, _ = build(server)
    await machine.start()
    reply = "".join(await say(machine, "status of 12345 please"))
    assert reply == "Order 12345 ships tomorrow."
    # the next state's opening is requested speculatively while the transition streams; the
    # tool's arguments then fill order_id, which changes that opening's prompt, so it is
    # dropped unheard and asked again with the slot known
    states = [r.state for r in server.requests]
    assert states in (["chat", "status"], ["chat", "status", "status"]), states
    spoken_from = server.requests[-1].messages[0]["content"]
    assert "ships tomorrow" in spoken_from and "12345" in spoken_from


async def test_deterministic_intent_skips_the_model(server: ScriptedLLMServer) -> None:
    machine, session = build(server)
    await machine.start()
    reply = "".join(await say(machine, "I want a refund"))
    assert reply == "Refunds are handled by a colleague."
    assert server.requests == []
    assert session.terminal[0].verb == "transfer_to_human"


@pytest.mark.parametrize("rule", [
    {"state": "chat", "tool": {"name": "goto_nowhere", "arguments": {}}},
    {"state": "chat", "tool": {"name": "goto_status", "arguments": "{not json"}},
    {"state": "chat", "fault": "unknown_tool"},
    {"state": "chat", "fault": "empty"},
])
async def test_bad_model_output_stays_and_reprompts(server: ScriptedLLMServer,
                                                    rule: dict) -> None:
    server.add_rule(rule)
    machine, session = build(server)
    await machine.start()
    reply = "".join(await say(machine, "hello?"))
    assert machine.node == "chat"
    assert reply.startswith("Sorry")  # never dead air
    assert not machine.finished and session.terminal == []


async def test_hallucinated_state_in_tool_args_is_ignored(server: ScriptedLLMServer) -> None:
    server.add_rule(state="chat", reply="Okay.", goto="status",
                    args={"order_id": "not a number at all", "secret_state": "bye"})
    machine, _ = build(server)
    await machine.start()
    await say(machine, "status please")
    # The move carried a value the type refused: the status state would run without it.
    # The call stays, and the next model call is told to ask again.
    assert machine.node == "chat"
    assert "order_id" not in machine.slots  # invalid value did not validate
    assert machine._assist == [
        "The order id was not accepted (it is not a digits value): ask the caller again."
    ]


async def test_outage_after_retries_takes_the_error_path(server: ScriptedLLMServer) -> None:
    server.add_rule(state="chat", fault="500")
    machine, session = build(server, retries=1, backoff_s=0.01)
    await machine.start()
    reply = "".join(await say(machine, "hello"))
    assert reply == "Sorry, give me a moment. Let me get a colleague."
    assert len(server.requests) == 2  # first try + one retry
    assert session.terminal[0].args == ("humans",)


async def test_first_token_timeout(server: ScriptedLLMServer) -> None:
    server.add_rule(state="chat", fault="hang")
    machine, _ = build(server, retries=0, first_token_timeout_s=0.2)
    await machine.start()
    started = time.perf_counter()
    await say(machine, "hello")
    assert time.perf_counter() - started < 2
    assert machine.node == "agent" and machine.finished


async def test_llm_callback_gets_every_field_with_pii_redacted(server: ScriptedLLMServer
                                                                ) -> None:
    server.add_rule(state="chat", reply="Thanks.")
    machine, _ = build(server)
    seen = []

    async def on_call(data: object) -> None:
        seen.append(data)

    machine.register_llm_callback(on_call)
    await machine.start()
    machine.slots["card"] = "4242424242424242"  # a PII value already collected
    machine.assist("The caller sounds in a hurry.")
    await say(machine, "hi there")
    (data,) = seen
    for field in ("latency_ms", "call_type", "node_id", "model", "prompt_messages",
                  "response_json", "tokens_in", "tokens_out", "edge_id"):
        assert hasattr(data, field)
    assert data.node_id == "chat" and data.call_type == "response"
    assert data.tokens_in > 0 and data.tokens_out > 0
    assert data.response_json["content"] == "Thanks."
    text = str(data.prompt_messages) + str(data.response_json)
    assert "4242424242424242" not in text
    assert "hidden for privacy" in text
    assert "in a hurry" in data.prompt_messages[0]["content"]  # assist() reached the prompt
    assert "4242424242424242" not in str(server.requests[0].body)


async def test_barge_in_keeps_only_what_was_heard(server: ScriptedLLMServer) -> None:
    server.add_rule(state="chat", reply="Your order is on its way and will arrive soon.")
    server.add_rule(state="chat", reply="Okay.")
    machine, _ = build(server)
    await machine.start()
    gen = machine.stream("where is it")
    first = await gen.__anext__()
    await gen.aclose()  # the session cancels our generator on barge-in
    machine.mark_interrupted(first)
    await say(machine, "sorry go on")
    history = server.requests[1].messages
    assert {"role": "assistant", "content": first + " …"} in history
    assert not any("arrive soon" in str(m.get("content")) for m in history)


EXTRACT = """
flow: extract
slots:
  reason: {type: enum, choices: {lost: [lost], stolen: [stolen]}, prompt: "Lost or stolen?"}
start: ask
states:
  ask:
    collect: [reason]
    llm: Find out whether the card was lost or stolen.
    next: done
  done: {say: "Noted: {{ slots.reason }}.", end: completed}
"""


async def test_collect_falls_back_to_the_model_and_validates_its_answer(
    server: ScriptedLLMServer,
) -> None:
    server.add_rule(state="ask", user="pub", tool={"name": "set_slots",
                                                 "arguments": {"reason": "stolen"}})
    server.add_rule(state="ask", user="garden",
                    tool={"name": "set_slots", "arguments": {"reason": "eaten by a dog"}})
    flow = superdialog.loads(EXTRACT, "extract.yaml")
    machine = flow.build(RecordingSession(), llm={"base_url": server.base_url, "api_key": "t"})
    assert await machine.start() == "Lost or stolen?"
    # deterministic parse fails, the model extracts, the slot type validates: rejected
    assert await machine.turn("I left it in the garden and now it's gone") == "Lost or stolen?"
    assert "reason" not in machine.slots
    # a value the type accepts fills the slot and the state moves on
    assert await machine.turn("someone took it from my bag in the pub") == "Noted: stolen."
    assert machine.slots["reason"] == "stolen"
    assert "Facts" not in server.requests[0].messages[0]["content"]  # no context in this flow
    # "lost" alone needs no model call at all
    other = flow.build(RecordingSession(), llm={"base_url": server.base_url, "api_key": "t"})
    await other.start()
    calls = len(server.requests)
    assert await other.turn("I lost it") == "Noted: lost."
    assert len(server.requests) == calls


async def test_barge_in_closes_the_http_stream(server: ScriptedLLMServer) -> None:
    server.latency = type(server.latency)(ttft_ms=0, tokens_per_s=20)
    server.add_rule(state="chat", reply="This is a long answer that keeps going and going on.")
    machine, _ = build(server)
    await machine.start()
    gen = machine.stream("tell me everything")
    await gen.__anext__()
    await gen.aclose()
    for _ in range(50):
        if server.requests[0].disconnected:
            break
        await __import__("asyncio").sleep(0.02)
    assert server.requests[0].disconnected and not server.requests[0].completed
