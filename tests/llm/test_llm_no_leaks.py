"""Nothing the model or the endpoint sends reaches an exception message or a log.

Tool-call arguments hold what the caller said (a card number read out in a PII
state), and endpoints quote the prompt back in their errors. The runtime logs
``ToolCall.error`` and ``LLMError`` messages at WARNING, so those messages must
be built from facts we can vouch for (kinds, positions, status codes, class
names) and never from the content. Each case plants a canary in one place an
endpoint controls, over a real socket and the real openai client, and looks for
it in every exception message (with its causes' classes, not their messages:
those are kept for debuggers) and in every record of a ``superdialog.*`` logger,
tracebacks included.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from rawhttp import chunk, event, raw_server, sse_server, status_server

import superdialog
from superdialog.errors import LLMError, LLMProtocolError, LLMStatusError
from superdialog.llm import LLMConfig, ToolCall, stream_chat
from superdialog.testing import RecordingSession, ScriptedLLMServer

CANARY = "4929618723645210"  # Luhn-valid: a card number, as a caller would read it
WORD = "zqxcanaryzqx"
USER = [{"role": "user", "content": "hi"}]
BOOK = {"type": "function", "function": {"name": "book", "parameters": {"type": "object"}}}


def leaks(text: str) -> bool:
    return CANARY in text or WORD in text or CANARY[:8] in text


def log_text(caplog: pytest.LogCaptureFixture) -> Iterator[str]:
    formatter = logging.Formatter()
    for record in caplog.records:
        if record.name == "superdialog" or record.name.startswith("superdialog."):
            yield record.getMessage()
            if record.exc_info:
                yield formatter.formatException(record.exc_info)
            if record.stack_info:
                yield record.stack_info


@pytest.fixture(autouse=True)
def _capture_everything(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)
    yield
    assert not any(leaks(text) for text in log_text(caplog))


async def run(config: LLMConfig, **kwargs: Any) -> tuple[list[Any], LLMError | None]:
    events: list[Any] = []
    try:
        async for item in stream_chat(config, USER, **kwargs):
            events.append(item)
    except LLMError as exc:
        return events, exc
    return events, None


def assert_clean(error: BaseException | None, events: list[Any]) -> None:
    if error is not None:
        assert not leaks(str(error)), str(error)
        assert not leaks(repr(error))
    for item in events:
        if isinstance(item, ToolCall) and item.error is not None:
            assert not leaks(item.error), item.error


# ------------------------------------------------------ tool calls from the scripted server

BAD_ARGUMENTS = [
    f'{{"card": "{CANARY}',  # cut off
    f'{{"card": {CANARY}x}}',  # not JSON after the value
    f'{{"card": "{CANARY}\\q"}}',  # a bad escape next to the value
    f'"{CANARY}"',  # not an object
    f"[{CANARY}]",
    "[" * 40 + f'"{CANARY}"' + "]" * 40,  # too deep
    "[" * 20_000 + f'"{CANARY}"' + "]" * 20_000,
    f'{{"card": "{CANARY * 5000}"}}',  # too big
    f'{{"card": {CANARY * 100}}}',  # a number too long for Python
    f'{{"{WORD}": "{WORD}"',
]


@pytest.mark.parametrize("raw", BAD_ARGUMENTS, ids=range(len(BAD_ARGUMENTS)))
async def test_bad_arguments_are_described_without_their_values(
    llm_server: ScriptedLLMServer, llm_config: LLMConfig, raw: str
) -> None:
    llm_server.add_rule(tool={"name": "book", "arguments": raw})
    events, error = await run(llm_config, tools=[BOOK])
    assert error is None
    (call,) = [e for e in events if isinstance(e, ToolCall)]
    assert call.arguments is None and call.error is not None
    assert_clean(error, events)


async def test_an_unoffered_tool_named_with_a_secret(
    llm_server: ScriptedLLMServer, llm_config: LLMConfig
) -> None:
    llm_server.add_rule(tool={"name": f"card_{CANARY}", "arguments": {"card": CANARY}})
    events, error = await run(llm_config, tools=[BOOK])
    (call,) = [e for e in events if isinstance(e, ToolCall)]
    assert call.error is not None and "not offered" in call.error
    assert_clean(error, events)


async def test_an_error_body_quoting_the_request(
    llm_server: ScriptedLLMServer, llm_config: LLMConfig
) -> None:
    # The scripted server answers an unknown route with a 404 whose body names the path.
    config = dataclasses.replace(llm_config, base_url=f"{llm_server.base_url}/{CANARY}")
    events, error = await run(config)
    assert isinstance(error, LLMStatusError) and error.status_code == 404
    assert_clean(error, events)


# ------------------------------------------- what only a misbehaving endpoint sends


def body_error(kind: str = WORD) -> bytes:
    return json.dumps(
        {"error": {"message": f"your message '{CANARY}' was flagged", "type": kind, "code": kind}}
    ).encode()


@pytest.mark.parametrize(
    ("status", "reason", "body"),
    [
        (400, b"Bad Request", body_error()),
        (400, b"Bad Request", body_error("invalid_request_error")),
        (500, CANARY.encode(), body_error()),  # the status line's reason phrase
        (422, b"X", CANARY.encode() * 100),  # not JSON at all
        (503, b"X", json.dumps({"detail": [CANARY, {"loc": WORD}]}).encode()),
    ],
)
async def test_status_errors_carry_status_and_kind_only(
    status: int, reason: bytes, body: bytes
) -> None:
    calls: list[int] = []
    async with raw_server(status_server(status, b"", calls, body=body, reason=reason)) as url:
        events, error = await run(LLMConfig(base_url=url, retries=1, backoff_s=0.0))
    assert isinstance(error, LLMStatusError) and error.status_code == status
    assert str(error).startswith(f"LLM endpoint answered HTTP {status}")
    assert_clean(error, events)


@pytest.mark.parametrize(
    "writes",
    [
        [event({"error": {"message": CANARY, "type": WORD, "code": CANARY}})],
        [event({"error": {"message": CANARY, "type": "server_error"}})],
        [event({"error": CANARY})],
        [event(f'{{"id": "{CANARY}", "choices": [')],  # not JSON
        [event(f"{CANARY} {WORD}")],
        [event({"choices": [{"index": 0, "delta": {"content": ["x", CANARY]}}]})],
        [event({"choices": [{"index": 0, "delta": {}}], "usage": {"prompt_tokens": CANARY}})],
        [event({"choices": CANARY})],
        [event({"choices": [{"index": 0, "delta": {"tool_calls": [{"function": CANARY}]}}]})],
        [event("[" * 100_000 + f'"{CANARY}"' + "]" * 100_000)],  # deep: was RecursionError
        [b"data: " + CANARY.encode() * 70_000 + b"\n\n"],  # one event over the size limit
        [event(chunk(f"my card is {CANARY}")), event(chunk(finish="stop")), event("[DONE]")],
    ],
    ids=range(12),
)
async def test_stream_problems_never_quote_the_stream(writes: list[bytes]) -> None:
    calls: list[int] = []
    async with raw_server(sse_server(writes, calls)) as url:
        events, error = await run(LLMConfig(base_url=url, retries=1, backoff_s=0.0))
    if error is not None:
        assert isinstance(error, LLMProtocolError)
    assert_clean(error, events)


# --------------------------------------------------------------- through the runtime

FLOW = """
flow: leaky
start: chat
slots:
  card: {type: card_number, pii: true}
states:
  chat:
    llm: Take the card number.
    transitions:
      - {when: the caller gave their card, to: done}
    on_error: agent
  done: {say: "Thanks.", end: completed}
  agent: {say: "Let me get a colleague.", transfer: {queue: humans}}
"""


@pytest.mark.parametrize("raw", BAD_ARGUMENTS[:6], ids=range(6))
async def test_the_runtime_logs_no_argument_values(server_for_flow: ScriptedLLMServer, raw: str):
    server_for_flow.add_rule(state="chat", tool={"name": "goto_done", "arguments": raw})
    machine = superdialog.loads(FLOW, "leaky.yaml").build(
        RecordingSession(), llm={"base_url": server_for_flow.base_url, "api_key": "t"}
    )
    await machine.start()
    async for _ in machine.stream("it is four nine two nine six one eight seven"):
        pass
    # goto_done takes no arguments, so the turn is decided on its streamed name: whatever
    # follows as arguments carries nothing and cannot hold the caller in silence
    assert machine.node == "done"


@pytest.fixture
async def server_for_flow() -> Any:
    from superdialog.llm import aclose_clients

    async with ScriptedLLMServer() as srv:
        yield srv
    await aclose_clients()
