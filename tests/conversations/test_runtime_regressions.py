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
