"""Blocking work never starves other calls; bounds on what a caller or host controls.

Issue 11 §2 (validators awaited and bounded, sync work in a pool of its own)
and the runtime half of §6 (runaway utterances, ``turn(None)``, listeners that
raise).
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

import superdialog
from superdialog.runtime.blocking import blocking_stats, configure_blocking
from superdialog.runtime.events import ErrorRaised, InputTruncated
from superdialog.testing import RecordingSession

FLOW = """
flow: bounds
slots:
  code: {type: digits, min_length: 4, max_length: 4, validator: known, validator_timeout: 0.3,
         prompt: "Your code?"}
start: ask
on_error: oops
states:
  ask: {collect: [code], next: done}
  done: {say: "Code accepted.", end: completed}
  oops: {say: "Something went wrong.", end: error}
"""

ACTION_FLOW = """
flow: blocking
start: hello
on_error: oops
states:
  hello: {say: "Hi.", listen: true, next: work}
  work:
    action: {call: work, timeout: 0.3}
    next: done
  done: {say: "Done.", end: completed}
  oops: {say: "Something went wrong.", end: error}
"""


def build(text: str, **kw: Any) -> tuple[RecordingSession, superdialog.CallMachine]:
    session = RecordingSession()
    return session, superdialog.loads(text, "bounds.yaml").build(session, trace=True, **kw)


# ------------------------------------------------------------------ validators


async def test_an_async_validator_is_awaited_and_its_verdict_counts() -> None:
    async def known(value: str) -> str | None:
        await asyncio.sleep(0)
        return None if value == "1234" else "that code isn't on file"

    _, m = build(FLOW, validators={"known": known})
    await m.start()
    assert await m.turn("five five five five") == "Sorry, that code isn't on file. Your code?"
    assert "code" not in m.slots  # before: the coroutine was truthy-ignored and 5555 passed
    assert await m.turn("one two three four") == "Code accepted."


async def test_a_slow_sync_validator_never_blocks_the_loop() -> None:
    release = threading.Event()

    def known(value: str) -> None:
        release.wait(2)  # a blocking lookup

    _, m = build(FLOW, validators={"known": known})
    await m.start()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    t = asyncio.ensure_future(ticker())
    reply = await m.turn("one two three four")
    t.cancel()
    release.set()
    assert reply == "Something went wrong."  # no answer in 0.3 s: the backend failed
    assert ticks >= 10  # the loop kept running meanwhile (other calls were served)
    (err,) = [e for e in m.trace if isinstance(e, ErrorRaised)]
    assert err.error == "ActionError" and "no answer" in err.message


async def test_a_hung_async_validator_is_bounded_too() -> None:
    async def known(value: str) -> None:
        await asyncio.Event().wait()

    _, m = build(FLOW, validators={"known": known})
    await m.start()
    assert await asyncio.wait_for(m.turn("one two three four"), 5) == "Something went wrong."


async def test_a_validator_raising_with_the_value_in_its_message_takes_the_error_path() -> None:
    def known(value: str) -> None:
        raise LookupError(f"no such code {value}")

    _, m = build(FLOW, validators={"known": known})
    await m.start()
    assert await m.turn("one two three four") == "Something went wrong."
    assert "1234" not in str(m.trace_record())


# ------------------------------------------------------------------ sync actions


async def test_hung_sync_actions_exhaust_only_their_pool() -> None:
    configure_blocking(max_threads=3)
    gate = threading.Event()
    try:
        def hang() -> None:
            gate.wait(5)

        calls = []
        for _ in range(3):  # three calls, each stuck in a sync action
            _, m = build(ACTION_FLOW, actions={"work": hang})
            await m.start()
            calls.append(m)
            assert await m.turn("go") == "Something went wrong."  # timed out at 0.3 s
        assert blocking_stats().abandoned == 3

        quick_ran = []

        def quick() -> str:
            quick_ran.append(1)
            return "ok"

        _, m = build(ACTION_FLOW, actions={"work": quick})
        await m.start()
        started = time.perf_counter()
        reply = await m.turn("go")
        assert reply == "Something went wrong."  # refused at once, not after its timeout
        assert time.perf_counter() - started < 0.25
        assert not quick_ran
        (err,) = [e for e in m.trace if isinstance(e, ErrorRaised)]
        assert "busy" in err.message

        # DNS lookups and async work of other calls are untouched meanwhile
        await asyncio.wait_for(asyncio.get_running_loop().getaddrinfo("localhost", 80), 2)

        async def fine() -> str:
            return "ok"

        _, m = build(ACTION_FLOW, actions={"work": fine})
        await m.start()
        assert await m.turn("go") == "Done."
    finally:
        gate.set()
        for _ in range(100):
            if blocking_stats().busy == 0:
                break
            await asyncio.sleep(0.02)
        configure_blocking(max_threads=None)


# ------------------------------------------------------------------ host and caller bounds


async def test_turn_none_is_silence_not_an_error() -> None:
    _session, m = build(FLOW, validators={"known": lambda v: None})
    await m.start()
    assert await m.turn(None) == "Sorry, I didn't hear anything. Your code?"  # type: ignore[arg-type]
    assert not m.finished
    assert [c async for c in m.stream(None)]  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [10_000, 300_000, 3_000_000])
async def test_a_runaway_utterance_is_cut_and_said_so_in_the_trace(size: int) -> None:
    _, m = build(FLOW, validators={"known": lambda v: None})
    await m.start()
    text = ("one " * (size // 4))[:size]
    reply = await asyncio.wait_for(m.turn(text), 5)
    assert not m.finished
    (cut,) = [e for e in m.trace if isinstance(e, InputTruncated)]
    assert cut.chars == len(text) and cut.kept == m.flow.spec.limits.max_utterance_chars
    assert reply


async def test_a_listener_that_raises_never_breaks_the_call() -> None:
    _, m = build(FLOW, validators={"known": lambda v: None})

    def bad(event: object) -> None:
        raise RuntimeError("observer bug")

    m.on_event(bad)
    await m.start()  # escaped start() before
    assert await m.turn("one two three four") == "Code accepted."
    assert m.outcome is not None and m.outcome["reason"] == "completed"


async def test_pii_volunteered_far_into_a_long_utterance_is_still_found() -> None:
    text = FLOW.replace("start: ask", "limits: {max_utterance_chars: 20000}\nstart: ask").replace(
        "slots:\n", "slots:\n  card: {type: card_number, pii: true}\n")
    _, m = build(text, validators={"known": lambda v: None})
    await m.start()
    filler = "and so on " * 600  # 6,000 characters before the card
    await m.turn(filler + "my card is 4111 1111 1111 1111 by the way")
    history = str(m.snapshot()["history"])
    assert "4111" not in history and "[redacted]" in history
