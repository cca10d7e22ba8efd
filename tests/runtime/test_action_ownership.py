"""A started action belongs to the call, not to the turn (issue 11 §1).

A barge-in cancels the turn's generator: it stops speech, never the action.
The action runs to completion under its own timeout; its outcome decides the
next state before the caller's new words are handled; a flow never moves past
an action that did not complete; a ``CancelledError`` from the action's own
work is a failure like any other; no task exception is left unretrieved.

Most tests drive the machine through the REAL Unpod ``Session.run()`` loop
(``LoopbackBridge``), whose barge-in cancels the pending ``__anext__`` task and
closes our generator, exactly as in a live call.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from typing import Any

import pytest

import superdialog
from superdialog.runtime.events import ActionFinished, StateEntered
from superdialog.testing import RecordingSession
from superdialog_unpod import attach
from superdialog_unpod.testing import LoopbackBridge, Step

unpod_session = pytest.importorskip("unpod.connectivity.session")

FLOW = """
flow: owned
slots:
  more: {type: yes_no, prompt: "Anything else I can do?"}
global:
  - {intent: human, goto: handoff}
start: greet
on_error: oops
states:
  greet: {say: "Hello. Say go.", listen: true, next: work}
  work:
    pii: {pii}
    action:
      call: work
      args: {n: "1"}
      result: job
      timeout: {timeout}
      holding_line: "One moment while I do that."
      holding_after: 0.02
    next: done
  done:
    say: "Done: job {{ results.job.id }}."
    collect: [more]
    next: bye
  bye: {say: "Bye.", end: completed}
  oops: {say: "Something went wrong.", end: error}
  handoff: {say: "Putting you through.", transfer: {queue: people}}
"""


class Work:
    """A controllable action: records start/finish, finishes when released."""

    def __init__(self, *, fail: BaseException | None = None, hang: bool = False) -> None:
        self.release = asyncio.Event()
        self.started = 0
        self.finished = 0
        self.fail = fail
        self.hang = hang

    async def __call__(self, n: str) -> dict[str, Any]:
        self.started += 1
        if self.hang:
            await asyncio.Event().wait()
        await self.release.wait()
        if self.fail is not None:
            raise self.fail
        self.finished += 1
        return {"id": "J-7"}


def flow(*, pii: bool = False, timeout: float = 5) -> superdialog.Flow:
    text = FLOW.replace("{pii}", "true" if pii else "false").replace("{timeout}", str(timeout))
    return superdialog.loads(text, "owned.yaml")


def build(work: Work, **kw: Any) -> tuple[RecordingSession, superdialog.CallMachine]:
    session = RecordingSession()
    machine = flow(**kw).build(session, actions={"work": work}, trace=True)
    return session, machine


async def barge_in(
    machine: superdialog.CallMachine, text: str, chunks: int = 1, *, work: Work | None = None
) -> list[str]:
    """What the Unpod session does on a barge-in: cancel the pending __anext__, then aclose().

    ``work``: release it after the chunks were heard and let it finish before the cancel
    lands (the action fails or succeeds while the holding line is on its way).
    """
    gen = machine.stream(text)
    got = []
    for _ in range(chunks):
        got.append(await asyncio.ensure_future(gen.__anext__()))
    task = asyncio.ensure_future(gen.__anext__())
    if work is not None:
        work.release.set()
        for _ in range(5):
            await asyncio.sleep(0)
    await asyncio.sleep(0.01)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
        got.append(await task)  # a chunk that was ready before the barge-in landed
    await gen.aclose()
    return got


# ------------------------------------------------------------------ the action is never lost


async def test_action_survives_a_barge_in_and_decides_the_next_state() -> None:
    work2 = Work()
    _session, machine = build(work2)
    await machine.start()
    (chunk,) = await barge_in(machine, "go")
    assert chunk.strip() == "One moment while I do that."
    assert machine.node == "work"  # still in the action state
    assert work2.started == 1 and work2.finished == 0
    await asyncio.sleep(0.05)
    assert not machine._action.task.done()  # not cancelled by the barge-in
    work2.release.set()
    await asyncio.sleep(0.01)
    assert work2.finished == 1  # the work ran to its end with nobody listening
    reply = await machine.turn("okay")
    # the outcome decided the next state first: the line reads the real result
    assert reply == "Done: job J-7. Anything else I can do?"
    assert machine.node == "done"
    await machine.close()


async def test_words_over_a_holding_line_do_not_answer_the_next_question() -> None:
    work = Work()
    _, machine = build(work)
    await machine.start()
    await barge_in(machine, "go")
    work.release.set()
    # "yes" was said over the holding line: it is not the answer to "Anything else?"
    reply = await machine.turn("yes")
    assert reply.endswith("Anything else I can do?")
    assert machine.node == "done" and "more" not in machine.slots
    await machine.close()


async def test_leaving_intent_over_a_holding_line_is_taken_after_the_action() -> None:
    work = Work()
    session, machine = build(work)
    await machine.start()
    await barge_in(machine, "go")
    work.release.set()
    reply = await machine.turn("can I talk to a real person")
    assert work.finished == 1
    assert reply == "Putting you through."  # after the action: not its next question
    assert machine.results["job"] == {"id": "J-7"}
    assert session.terminal[0].verb == "transfer_to_human"


async def test_silence_after_barge_in_settles_the_action_too() -> None:
    work = Work()
    _, machine = build(work)
    await machine.start()
    await barge_in(machine, "go")
    work.release.set()
    reply = await machine.turn("")
    assert reply == "Done: job J-7. Anything else I can do?"
    assert machine.count("no_input") == 1  # silence during settling is not counted twice
    await machine.close()


async def test_failed_action_after_barge_in_takes_the_error_path_not_next() -> None:
    work = Work(fail=RuntimeError("card 4111111111111111 rejected"))
    _session, machine = build(work)
    await machine.start()
    await barge_in(machine, "go")
    work.release.set()
    reply = await machine.turn("okay")
    assert reply == "Something went wrong."
    assert "Done" not in reply
    assert machine.outcome == {"verb": "end", "reason": "error", "delegated": "no"}
    moves = [(e.src, e.dst) for e in machine.trace if isinstance(e, StateEntered)]
    assert ("work", "done") not in moves


async def test_action_timeout_while_nobody_listens_takes_the_error_path() -> None:
    work = Work(hang=True)
    _, machine = build(work, timeout=0.1)
    await machine.start()
    await barge_in(machine, "go")
    await asyncio.sleep(0.2)  # the timeout passes between turns
    assert machine._action is not None and machine._action.task.done()
    reply = await machine.turn("hello?")
    assert reply == "Something went wrong."
    (finished,) = [e for e in machine.trace if isinstance(e, ActionFinished)]
    assert finished.error == "timeout"


async def test_action_raising_cancelled_error_itself_takes_the_error_path() -> None:
    work = Work(fail=asyncio.CancelledError())
    session, machine = build(work, pii=True)
    await machine.start()
    work.release.set()
    reply = await machine.turn("go")  # must not raise CancelledError out of turn()
    assert reply.endswith("Something went wrong.")
    assert machine.outcome["reason"] == "error"
    assert not machine.recording_paused
    assert session.verbs.count("recording.pause") == session.verbs.count("recording.resume")
    (finished,) = [e for e in machine.trace if isinstance(e, ActionFinished)]
    assert finished.error == "cancelled"


async def test_cancelled_error_from_the_action_through_stream() -> None:
    work = Work(fail=asyncio.CancelledError())
    _, machine = build(work)
    await machine.start()
    work.release.set()
    chunks = [c async for c in machine.stream("go")]
    assert "".join(chunks).strip().endswith("Something went wrong.")


async def test_hang_up_during_an_action_lets_it_finish_and_resumes_recording() -> None:
    work = Work()
    _session, machine = build(work, pii=True)
    await machine.start()
    await barge_in(machine, "go")
    assert machine.recording_paused
    closing = asyncio.ensure_future(machine.close())
    await asyncio.sleep(0.02)
    assert not machine.recording_paused  # resumed at once, before waiting for the action
    work.release.set()
    await closing
    assert work.finished == 1 and machine._action is None
    assert machine.results["job"] == {"id": "J-7"}
    assert machine.outcome["verb"] == "hangup"


async def test_no_task_exception_is_left_unretrieved(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    canary = "4111111111111111"
    for chunks in (0, 1):
        work = Work(fail=RuntimeError(f"card {canary} rejected"))
        _, machine = build(work)
        await machine.start()
        with contextlib.suppress(StopAsyncIteration):
            # the action fails while the holding line is being sent, then the barge-in lands
            await barge_in(machine, "go", chunks=chunks, work=work)
        await machine.close()
        del machine
    # the barge-in lands while the holding line is being sent (no __anext__ pending: the
    # session closes the generator at its yield) and the action has already failed
    work = Work(fail=RuntimeError(f"card {canary} rejected"))
    _, machine = build(work)
    await machine.start()
    gen = machine.stream("go")
    assert (await gen.__anext__()).strip() == "One moment while I do that."
    work.release.set()
    for _ in range(5):
        await asyncio.sleep(0)
    await gen.aclose()
    await machine.close()
    del machine, gen
    gc.collect()
    await asyncio.sleep(0)
    assert "never retrieved" not in caplog.text
    assert canary not in caplog.text


# ------------------------------------------------------------------ through the real Session


async def test_live_call_with_barge_in_during_the_action() -> None:
    """greet → (caller speaks) → action state via a turn; barge-in over its holding line."""
    text = FLOW.replace("{pii}", "true").replace("{timeout}", "5")
    work = Work()
    bridge = LoopbackBridge(
        [
            Step("go", interrupt_after=1, heard="One moment"),  # barge in over the holding line
            "okay",  # said while the action still runs
            "no",
        ]
    )
    session = unpod_session.Session(bridge=bridge)
    machine = attach(session, superdialog.loads(text, "owned.yaml"))
    machine._overrides = (None, {"work": work}, None)
    await machine.start()
    bridge.begin()

    async def release() -> None:
        while work.started == 0:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.15)
        work.release.set()

    releaser = asyncio.ensure_future(release())
    await asyncio.wait_for(session.run(), 10)
    await releaser
    assert work.started == 1 and work.finished == 1
    turns = bridge.turns()
    assert turns[0].strip() == "One moment while I do that."  # cut by the barge-in
    assert "Done: job J-7." in turns[1]  # the real result, after the action completed
    kinds = bridge.kinds()
    assert kinds.count("pause") == kinds.count("resume") == 1
    assert [f.kind for f in bridge.terminal()] == ["end"]
