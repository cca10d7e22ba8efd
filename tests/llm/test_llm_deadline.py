"""The per-attempt deadline: it interrupts a wait on the endpoint, and nothing else.

Real tasks and a real event loop; the waits are futures we resolve ourselves, so
no test depends on how fast the machine is (the timeouts used are only the
deadlines under test, and ``wait_for`` guards against a hang).
"""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from superdialog.llm.deadline import Deadline

_GUARD_S = 5.0  # hang guard only


async def test_a_wait_that_finishes_in_time_returns_its_value() -> None:
    loop = asyncio.get_running_loop()
    deadline = Deadline(loop, loop.time() + 60)
    future: asyncio.Future[int] = loop.create_future()
    loop.call_soon(future.set_result, 7)
    assert await deadline.guard(future) == 7
    deadline.close()


async def test_a_wait_past_the_deadline_raises_timeout_and_leaves_no_cancel_behind() -> None:
    loop = asyncio.get_running_loop()
    deadline = Deadline(loop, loop.time() + 0.01)
    never: asyncio.Future[None] = loop.create_future()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(deadline.guard(never), _GUARD_S)
    task = asyncio.current_task()
    assert task is not None and task.cancelling() == 0
    assert never.cancelled()
    await asyncio.sleep(0)  # the task is still usable: no pending cancel
    deadline.close()


async def test_time_spent_outside_a_wait_is_never_interrupted() -> None:
    """The consumer speaking between chunks holds the stream: the deadline passes meanwhile."""
    loop = asyncio.get_running_loop()
    deadline = Deadline(loop, loop.time() + 0.01)
    await asyncio.sleep(0.05)  # not guarded: must not be cancelled
    assert deadline.expired
    ready: asyncio.Future[int] = loop.create_future()
    ready.set_result(1)
    with pytest.raises(TimeoutError):  # noticed at the next read
        await deadline.guard(ready)
    deadline.close()


async def test_moving_the_deadline_later_lets_the_wait_finish() -> None:
    loop = asyncio.get_running_loop()
    deadline = Deadline(loop, loop.time() + 0.01)
    deadline.move(loop.time() + 60)
    future: asyncio.Future[str] = loop.create_future()
    loop.call_later(0.05, future.set_result, "late but in time")
    assert await deadline.guard(future) == "late but in time"
    deadline.close()


async def test_a_closed_deadline_never_fires() -> None:
    loop = asyncio.get_running_loop()
    deadline = Deadline(loop, loop.time() + 0.01)
    deadline.close()
    future: asyncio.Future[int] = loop.create_future()
    loop.call_later(0.05, future.set_result, 3)
    # expired by the clock, so a new guard refuses; but nothing cancels a wait in flight
    assert await asyncio.wait_for(asyncio.shield(future), _GUARD_S) == 3


async def test_someone_elses_cancel_propagates_as_cancelled() -> None:
    """A barge-in (the consumer's task cancelled) is not turned into a timeout."""
    loop = asyncio.get_running_loop()
    deadline = Deadline(loop, loop.time() + 60)
    never: asyncio.Future[None] = loop.create_future()
    task = asyncio.create_task(deadline.guard(never))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, _GUARD_S)
    deadline.close()


@settings(max_examples=40, deadline=None)
@given(
    deadline_ms=st.integers(0, 4),
    cancel_ms=st.none() | st.integers(0, 4),
    result_ms=st.none() | st.integers(0, 4),
)
def test_every_race_ends_in_exactly_one_of_value_timeout_or_cancel(
    deadline_ms: int, cancel_ms: int | None, result_ms: int | None
) -> None:
    """Deadline, outside cancel and the result race in every order: each outcome is clean.

    A cancel from outside always wins over our timeout (it must reach the caller),
    and the task's cancel count is never left raised by us.
    """

    async def scenario() -> str:
        loop = asyncio.get_running_loop()
        deadline = Deadline(loop, loop.time() + deadline_ms / 1000)
        future: asyncio.Future[str] = loop.create_future()
        if result_ms is not None:
            loop.call_later(result_ms / 1000, lambda: future.done() or future.set_result("v"))

        async def reader() -> str:
            try:
                value = await deadline.guard(future)
            except TimeoutError:
                value = "timeout"
            task = asyncio.current_task()
            assert task is not None
            assert task.cancelling() == 0
            return value

        task = asyncio.create_task(reader())
        if cancel_ms is not None:
            loop.call_later(cancel_ms / 1000, task.cancel)
        try:
            outcome = await asyncio.wait_for(task, _GUARD_S)
        except asyncio.CancelledError:
            outcome = "cancelled"
        deadline.close()
        return outcome

    outcome = asyncio.run(scenario())
    assert outcome in {"v", "timeout", "cancelled"}
    if cancel_ms is None:
        assert outcome != "cancelled"
    if result_ms is None and cancel_ms is None:
        assert outcome == "timeout"
