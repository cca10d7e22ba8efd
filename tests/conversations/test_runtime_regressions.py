"""Regressions in other modules found while writing the conversation-test runner.

Each test names the bug it pins down; the fix lives in the module under test.
"""

from __future__ import annotations

import asyncio
import contextlib

import superdialog
from superdialog.runtime.events import CallEnded, CallTransferred, RecordingPaused
from superdialog.testing.session import RecordingSession

FLOW = """
flow: bracket
start: ask
slots:
  pin: {type: digits, pii: true, min_length: 4, max_length: 4}
  ok: {type: yes_no}
states:
  ask: {say: "Hello.", collect: [ok], next: secure}
  secure: {pii: true, say: "Your PIN, not recorded.", collect: [pin], next: bye}
  bye: {say: "Bye.", transfer: {queue: humans}}
"""


class SlowSession(RecordingSession):
    """Control verbs suspend, like a websocket send does."""

    async def end(self, reason: str = "completed") -> None:
        await asyncio.sleep(0.01)
        await super().end(reason)

    async def transfer_to_human(self, queue: str, *, mode: str = "cold",
                                announcement: str = "") -> None:
        await asyncio.sleep(0.01)
        await super().transfer_to_human(queue, mode=mode, announcement=announcement)

    def __post_init__(self) -> None:
        super().__post_init__()
        pause = self.recording.pause

        async def slow_pause(reason: str = "") -> None:
            await asyncio.sleep(0.01)
            await pause(reason)

        self.recording.pause = slow_pause  # type: ignore[method-assign]


async def _barge_in_during_verb(text: str, prepare: list[str], heard: int = 0
                                ) -> tuple[list[str], list[str]]:
    flow = superdialog.loads(FLOW, "bracket.yaml")
    session = SlowSession()
    machine = flow.build(session, trace=True)
    await machine.start()
    for line in prepare:
        await machine.turn(line)
    stream = machine.stream(text)
    for _ in range(heard):
        await stream.__anext__()
    task = asyncio.ensure_future(stream.__anext__())
    await asyncio.sleep(0.005)  # the verb is in flight
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
        await task
    await stream.aclose()
    kinds = [type(e).__name__ for e in machine.trace]
    return session.verbs, kinds


async def test_barge_in_while_pausing_still_reports_the_pause() -> None:
    # Bug: the host verb was sent (it runs to completion on cancel) but the
    # RecordingPaused event was emitted after the await, so a barge-in dropped
    # it and traces said recording was never paused.
    verbs, kinds = await _barge_in_during_verb("yes", [])
    assert "recording.pause" in verbs
    assert RecordingPaused.__name__ in kinds


async def test_barge_in_while_transferring_still_reports_the_transfer() -> None:
    # Same bug for the terminal verb: the caller heard "Bye." and barged in
    # while the transfer was being sent.
    verbs, kinds = await _barge_in_during_verb("1234", ["yes"], heard=1)
    assert verbs.count("transfer_to_human") == 1
    assert CallTransferred.__name__ in kinds
    assert CallEnded.__name__ not in kinds


LLM_FLOW = """
flow: chatty
start: hello
states:
  hello: {say: "Hi.", next: chat}
  chat:
    llm: Help the caller.
    transitions:
      - {when: the caller is done, to: bye}
  bye: {say: "Bye.", end: completed}
"""


async def test_barge_in_on_a_model_reply_marks_the_spoken_event_interrupted() -> None:
    # Bug: mark_interrupted only looked at the very last trace event, but a
    # model reply's Spoke is followed by its LLMCalled record, so the trace
    # kept the whole reply (words the caller never heard) as if fully spoken.
    from superdialog.llm import aclose_clients
    from superdialog.runtime.events import Spoke
    from superdialog.testing import ScriptedLLMServer

    async with ScriptedLLMServer([{"state": "chat", "reply": "One two three four five six."}],
                                 latency={"ttft_ms": 1, "tokens_per_s": 500}) as srv:
        flow = superdialog.loads(LLM_FLOW, "chatty.yaml")
        machine = flow.build(RecordingSession(), llm={"base_url": srv.base_url, "api_key": "t"},
                             trace=True)
        await machine.start()
        stream = machine.stream("tell me something")
        heard = [await stream.__anext__() for _ in range(2)]
        task = asyncio.ensure_future(stream.__anext__())
        await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
            await task
        await stream.aclose()
        machine.mark_interrupted("".join(heard))
        await aclose_clients(srv.base_url)
    spoken = [e for e in machine.trace if isinstance(e, Spoke)]
    assert spoken[-1] == Spoke("One two", "chat", interrupted=True)
    assert not any("six" in e.text for e in spoken)
