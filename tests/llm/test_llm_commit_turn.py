"""A transition decided by the tool's name: what the caller hears stays right.

In an LLM state whose tools take no arguments, the runtime moves as soon as the
first usable call's name is known complete (``ToolNamed``), without waiting for
the rest of the response (read aside, briefly), and the next state's opening
(prefetched alongside the transition) or line is heard at once. Whatever the
endpoint streams — text before the call, several calls, names we never offered,
a name that is the start of another, a name in pieces, arguments in any
chunking — the caller hears only what the state the call ends in says, and the
call ends where the full response would have taken it.

Real flows, the real openai client, a real socket: the endpoint is a few lines
of asyncio that answer the transition request with the chunks under test and
each opening with its fixed text. No timing is asserted.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rawhttp import raw_server

import superdialog
from superdialog.llm import LLMConfig, aclose_clients, stream_chat
from superdialog.llm.events import ToolNamed
from superdialog.runtime.llm_call import _PENDING
from superdialog.testing import RecordingSession

FLOW = """
flow: commit
persona: "You are Kim."
start: chat
states:
  chat:
    llm: Find out what the caller needs.
    transitions:
      - {when: the caller wants their order status, to: status}
      - {when: the caller wants the second status line, to: status_2}
      - {when: the caller wants billing, to: billing}
      - {when: the caller is done, to: bye}
  status:
    llm: Tell the caller their order ships tomorrow.
    transitions: [{when: the caller is done, to: bye}]
  status_2:
    llm: Read the second status line.
    transitions: [{when: the caller is done, to: bye}]
  billing:
    llm: Ask which invoice the caller means.
    transitions: [{when: the caller is done, to: bye}]
  bye: {say: "Bye!", end: completed}
"""

OPENINGS = {
    "chat": "Hello, how can I help?",
    "status": "Your order ships tomorrow.",
    "status_2": "Here is the second line.",
    "billing": "Which invoice do you mean?",
}
EDGES = {
    "goto_status": "status",
    "goto_status_2": "status_2",
    "goto_billing": "billing",
    "goto_bye": "bye",
}
NAMES = [*EDGES, "goto_stat", "lookup", "goto_status_3"]
_GUARD_S = 20.0  # hang guard only


@dataclass
class Endpoint:
    """Answers the transition request with ``transition`` (SSE payloads, one per chunk)."""

    transition: list[bytes] = field(default_factory=list)
    gap_s: float = 0.0  # between transition chunks: lets a client stop reading midway
    states: list[str] = field(default_factory=list)
    cut_short: list[bool] = field(default_factory=list)  # transition not read to its end

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.split(b"\r\n")
                length = next(
                    int(x.split(b":")[1]) for x in lines if x.lower().startswith(b"content-length")
                )
                state = next(
                    (
                        x.split(b":", 1)[1].strip().decode()
                        for x in lines
                        if x.lower().startswith(b"x-superdialog-state")
                    ),
                    "",
                )
                body = json.loads(await reader.readexactly(length))
                self.states.append(state)
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n"
                )
                if body.get("tools"):
                    payloads, gap = self.transition, self.gap_s
                else:
                    payloads = [sse({"content": w}) for w in words(OPENINGS[state])]
                    payloads.append(sse({}, "stop"))
                    gap = 0.0
                payloads = [*payloads, b"data: [DONE]\n\n"]
                sent = 0
                for data in payloads:
                    if writer.is_closing() or reader.at_eof():
                        break
                    writer.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")
                    await writer.drain()
                    sent += 1
                    if gap:
                        await asyncio.sleep(gap)
                if body.get("tools"):
                    self.cut_short.append(sent < len(payloads))
                writer.write(b"0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def words(text: str) -> list[str]:
    """Word-like pieces that concatenate back to ``text``, as a model streams them."""
    return re.findall(r"\s*\S+", text)


def sse(delta: dict[str, Any], finish: str | None = None) -> bytes:
    chunk = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(chunk).encode() + b"\n\n"


@dataclass(frozen=True)
class Call:
    name: str
    arguments: str
    name_pieces: int  # 1: whole (OpenAI's shape); more: streamed in pieces
    argument_pieces: int


def transition(text: str, calls: list[Call]) -> list[bytes]:
    out = [sse({"role": "assistant", "content": ""})]
    out += [sse({"content": w}) for w in words(text)]
    for index, call in enumerate(calls):
        n = max(1, min(call.name_pieces, len(call.name)))
        step = -(-len(call.name) // n)
        pieces = [call.name[i : i + step] for i in range(0, len(call.name), step)]
        head = {"index": index, "id": f"call_{index}", "type": "function"}
        if len(pieces) == 1:
            out.append(
                sse({"tool_calls": [{**head, "function": {"name": pieces[0], "arguments": ""}}]})
            )
        else:
            out.append(sse({"tool_calls": [{**head, "function": {"name": pieces[0]}}]}))
            out += [
                sse({"tool_calls": [{"index": index, "function": {"name": p}}]}) for p in pieces[1:]
            ]
        a = call.arguments
        k = max(1, min(call.argument_pieces, len(a) or 1))
        step = -(-len(a) // k) if a else 1
        out += [
            sse({"tool_calls": [{"index": index, "function": {"arguments": a[i : i + step]}}]})
            for i in range(0, len(a), step)
        ]
    out.append(sse({}, "tool_calls" if calls else "stop"))
    return out


@pytest.fixture
async def endpoint() -> AsyncIterator[tuple[Endpoint, str]]:
    ep = Endpoint()
    async with raw_server(ep.handle) as url:
        yield ep, url
        await aclose_clients()


async def turn(url: str, text: str) -> tuple[superdialog.CallMachine, str]:
    """A call in ``chat`` (its opening said), then one caller turn: (machine, what was heard)."""
    machine = superdialog.loads(FLOW, "commit.yaml").build(
        RecordingSession(), llm={"base_url": url, "api_key": "t", "retries": 0}
    )

    async def run() -> str:
        await machine.start()  # the opening goes to the session
        return "".join([c async for c in machine.stream(text)])

    heard = await asyncio.wait_for(run(), _GUARD_S)
    return machine, heard


def expected(text: str, calls: list[Call]) -> str:
    """Where the full response takes the call: the first call to an offered tool whose
    arguments are a JSON object (or empty)."""
    for call in calls:
        if call.name in EDGES:
            try:
                ok = call.arguments.strip() == "" or isinstance(json.loads(call.arguments), dict)
            except ValueError:
                ok = False
            if ok:
                return EDGES[call.name]
    return "chat"


calls_strategy = st.lists(
    st.builds(
        Call,
        name=st.sampled_from(NAMES),
        arguments=st.sampled_from(["{}", "", '{"note": "x"}', "{ }"]),
        name_pieces=st.integers(1, 3),
        argument_pieces=st.integers(1, 3),
    ),
    max_size=3,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.sampled_from(["", "Sure thing."]), calls=calls_strategy)
async def test_the_caller_hears_only_where_the_call_ends(
    endpoint: tuple[Endpoint, str], text: str, calls: list[Call]
) -> None:
    ep, url = endpoint
    ep.transition = transition(text, calls)
    machine, heard = await turn(url, "hello there")
    where = expected(text, calls)
    assert machine.node == where
    if text:
        assert heard.startswith(text)  # spoken as it streamed, before any move
    if where == "bye":
        assert heard.endswith("Bye!")
    elif where != "chat" and not text:
        assert heard == OPENINGS[where]  # the prefetched opening, exactly once
    for state, line in OPENINGS.items():
        if state not in (where, "chat"):
            assert line not in heard  # no other state's opening is ever heard
    assert id(machine) not in _PENDING  # no speculative stream outlives the turn


async def test_a_name_that_is_the_start_of_another_is_not_taken_early(
    endpoint: tuple[Endpoint, str],
) -> None:
    """``goto_status`` streamed, then ``_2``: the call is ``goto_status_2``."""
    ep, url = endpoint
    ep.transition = transition("", [Call("goto_status_2", "{}", 3, 1)])
    machine, heard = await turn(url, "the second line please")
    assert machine.node == "status_2"
    assert heard == OPENINGS["status_2"]


async def test_an_unknown_tool_then_ours_moves_by_ours(endpoint: tuple[Endpoint, str]) -> None:
    ep, url = endpoint
    ep.transition = transition(
        "", [Call("lookup", '{"q": 1}', 1, 2), Call("goto_billing", "{}", 1, 1)]
    )
    machine, heard = await turn(url, "billing")
    assert machine.node == "billing"
    assert heard == OPENINGS["billing"]


async def test_only_unknown_tools_stay_and_reprompt(endpoint: tuple[Endpoint, str]) -> None:
    ep, url = endpoint
    ep.transition = transition("", [Call("goto_status_3", "{}", 1, 1)])
    machine, heard = await turn(url, "hm")
    assert machine.node == "chat"
    assert heard and not any(line in heard for line in OPENINGS.values())


async def _client_yields_names() -> bool:
    """Whether ``stream_chat`` reports names before the end (client.py yields ToolNamed)."""
    ep = Endpoint(transition=transition("", [Call("goto_billing", "{}", 1, 1)]))
    async with raw_server(ep.handle) as url:
        try:
            events = [
                e
                async for e in stream_chat(
                    LLMConfig(base_url=url, api_key="t", retries=0),
                    [{"role": "user", "content": "x"}],
                    tools=[
                        {
                            "type": "function",
                            "function": {"name": "goto_billing", "parameters": {"type": "object"}},
                        }
                    ],
                )
            ]
        finally:
            await aclose_clients()
    return any(isinstance(e, ToolNamed) for e in events)


async def test_the_turn_does_not_wait_for_the_rest_and_a_long_rest_is_cut(
    endpoint: tuple[Endpoint, str],
) -> None:
    """The name decides: the arguments' tokens are not waited for, and a model that keeps
    streaming after the name is cut off (it stops generating)."""
    if not await _client_yields_names():
        pytest.skip("the client does not yield ToolNamed yet (superdialog/llm/client.py)")
    ep, url = endpoint
    ep.transition = transition("", [Call("goto_billing", "{" + " " * 60 + "}", 1, 60)])
    ep.gap_s = 0.02  # 60 argument pieces, 1.2 s: past what the rest may take
    machine, heard = await turn(url, "billing")
    assert machine.node == "billing" and heard == OPENINGS["billing"]
    assert await _eventually(lambda: bool(ep.cut_short))
    assert ep.cut_short == [True]


async def test_a_short_rest_is_read_to_its_end(endpoint: tuple[Endpoint, str]) -> None:
    """What is left after the name (``{}``, the finish) is read aside, so the connection
    goes back to the pool warm instead of being dropped."""
    if not await _client_yields_names():
        pytest.skip("the client does not yield ToolNamed yet (superdialog/llm/client.py)")
    ep, url = endpoint
    ep.transition = transition("", [Call("goto_billing", "{}", 1, 1)])
    ep.gap_s = 0.01
    machine, heard = await turn(url, "billing")
    assert machine.node == "billing" and heard == OPENINGS["billing"]
    assert await _eventually(lambda: bool(ep.cut_short))
    assert ep.cut_short == [False]


async def _eventually(predicate: Any, timeout: float = 5.0) -> bool:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            return False
        await asyncio.sleep(0.01)
    return True


async def test_a_call_decided_on_its_name_still_records_its_tokens(
    endpoint: tuple[Endpoint, str],
) -> None:
    """The usage comes with a response's last chunk, after the name decided the turn: the
    call is recorded once its rest is read (before the turn ends), with the counts sent —
    in the metrics, the trace's ``LLMCalled`` and the hosts' ``LLMCallData``."""
    if not await _client_yields_names():
        pytest.skip("the client does not yield ToolNamed yet (superdialog/llm/client.py)")
    ep, url = endpoint
    usage = b'data: {"id":"c","object":"chat.completion.chunk","created":0,"model":"m",'
    usage += b'"choices":[],"usage":{"prompt_tokens":321,"completion_tokens":7}}\n\n'
    ep.transition = [*transition("", [Call("goto_billing", "{}", 1, 1)]), usage]
    ep.gap_s = 0.01
    machine = superdialog.loads(FLOW, "commit.yaml").build(
        RecordingSession(), llm={"base_url": url, "api_key": "t", "retries": 0}
    )
    reported: list[Any] = []
    machine.register_llm_callback(reported.append)
    events: list[Any] = []
    machine.on_event(events.append)

    async def run() -> str:
        await machine.start()
        return "".join([c async for c in machine.stream("billing")])

    heard = await asyncio.wait_for(run(), _GUARD_S)
    assert machine.node == "billing" and heard == OPENINGS["billing"]
    decided = [d for d in reported if d.edge_id is not None]
    assert [(d.node_id, d.tokens_in, d.tokens_out) for d in decided] == [("chat", 321, 7)]
    called = [e for e in events if type(e).__name__ == "LLMCalled" and e.state == "chat"]
    assert [(e.tokens_in, e.tokens_out) for e in called][-1] == (321, 7)
    assert machine.metrics.tokens_in >= 321 and machine.metrics.tokens_out >= 7
