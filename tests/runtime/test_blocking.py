"""The blocking pool: bounded, never queues, hung work never starves other calls."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from superdialog.errors import ActionError
from superdialog.runtime import blocking
from superdialog.runtime.blocking import (
    DEFAULT_MAX_THREADS,
    ENV_MAX_THREADS,
    PoolExhausted,
    blocking_stats,
    configure_blocking,
    run_blocking,
)

GUARD = 10.0  # hang guard (seconds), never a timing threshold
SIZE = 4


def _wait_until(cond: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + GUARD
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting until {what}")
        time.sleep(0.002)


async def _await_until(cond: Callable[[], bool], what: str) -> None:
    async with asyncio.timeout(GUARD):
        while not cond():
            await asyncio.sleep(0.002)
    assert cond(), what


@pytest.fixture
def small_pool() -> Iterator[list[threading.Event]]:
    """A pool of SIZE threads; every event in the list is set at teardown (no hung threads)."""
    _wait_until(lambda: blocking_stats().busy == 0, "earlier work finished")
    configure_blocking(max_threads=SIZE)
    gates: list[threading.Event] = []
    try:
        yield gates
    finally:
        for gate in gates:
            gate.set()
        _wait_until(lambda: blocking_stats().busy == 0, "released work finished")
        configure_blocking()


def _hang(gate: threading.Event) -> str:
    gate.wait(GUARD * 3)
    return "late"


async def test_returns_the_value_and_passes_arguments(small_pool: list[threading.Event]) -> None:
    def add(a: int, b: int, *, c: int) -> tuple[int, str]:
        return a + b + c, threading.current_thread().name

    total, thread = await run_blocking(add, 1, 2, c=3, timeout=GUARD)
    assert total == 6
    assert thread == "superdialog-blocking"


async def test_exceptions_propagate_unchanged(small_pool: list[threading.Event]) -> None:
    boom = KeyError("card 4111")

    def fail() -> None:
        raise boom

    with pytest.raises(KeyError) as info:
        await run_blocking(fail, timeout=GUARD)
    assert info.value is boom


async def test_stop_iteration_becomes_a_runtime_error(small_pool: list[threading.Event]) -> None:
    def stop() -> None:
        raise StopIteration

    with pytest.raises(RuntimeError, match="StopIteration") as info:
        await run_blocking(stop, timeout=GUARD)
    assert isinstance(info.value.__cause__, StopIteration)


async def test_contextvars_are_copied_into_the_thread(small_pool: list[threading.Event]) -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")
    var.set("call-7")

    def read_and_write() -> str:
        seen = var.get()
        var.set("changed in thread")
        return seen

    assert await run_blocking(read_and_write, timeout=GUARD) == "call-7"
    assert var.get() == "call-7"  # a copy, as with asyncio.to_thread


async def test_timeout_raises_at_once_and_the_thread_is_abandoned_until_it_returns(
    small_pool: list[threading.Event],
) -> None:
    gate = threading.Event()
    small_pool.append(gate)
    with pytest.raises(TimeoutError):
        await run_blocking(_hang, gate, timeout=0.05)
    stats = blocking_stats()
    assert (stats.busy, stats.abandoned) == (1, 1)
    gate.set()
    await _await_until(lambda: blocking_stats().busy == 0, "the hung function returned")
    assert blocking_stats().abandoned == 0
    assert await run_blocking(lambda: 5, timeout=GUARD) == 5


async def test_a_cancelled_caller_abandons_its_thread(small_pool: list[threading.Event]) -> None:
    gate = threading.Event()
    small_pool.append(gate)
    task = asyncio.ensure_future(run_blocking(_hang, gate, timeout=GUARD))
    await _await_until(lambda: blocking_stats().busy == 1, "the job started")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert blocking_stats().abandoned == 1
    gate.set()
    await _await_until(lambda: blocking_stats().busy == 0, "the hung function returned")
    assert blocking_stats().abandoned == 0


async def test_exhausted_pool_refuses_at_once_and_never_starves_other_work(
    small_pool: list[threading.Event],
) -> None:
    loop = asyncio.get_running_loop()
    gates = [threading.Event() for _ in range(SIZE)]
    small_pool.extend(gates)
    for gate in gates:  # SIZE hung actions, each abandoned by its timed-out caller
        with pytest.raises(TimeoutError):
            await run_blocking(_hang, gate, timeout=0.01)
    assert blocking_stats().busy == SIZE
    assert blocking_stats().abandoned == SIZE

    ran: list[str] = []
    with pytest.raises(PoolExhausted) as info:  # raised before anything is awaited
        await run_blocking(ran.append, "should not run", timeout=GUARD)
    assert not ran
    assert isinstance(info.value, ActionError)
    message = str(info.value)
    assert f"all {SIZE} threads" in message
    assert f"{SIZE} of them still running" in message
    assert "configure_blocking(max_threads=" in message and ENV_MAX_THREADS in message

    # Unrelated work is untouched: plain async work and DNS (the default executor).
    async with asyncio.timeout(GUARD):
        await asyncio.sleep(0)
        assert await loop.getaddrinfo("localhost", 80)
        assert await asyncio.to_thread(lambda: "default executor") == "default executor"

    gates[0].set()  # one hung function finally returns: its thread serves again
    await _await_until(lambda: blocking_stats().busy == SIZE - 1, "one thread freed")
    assert await run_blocking(lambda: "ok", timeout=GUARD) == "ok"
    for gate in gates:
        gate.set()
    await _await_until(lambda: blocking_stats().busy == 0, "all returned")
    results = await asyncio.gather(*(run_blocking(lambda: 1, timeout=GUARD) for _ in range(SIZE)))
    assert results == [1] * SIZE


async def test_many_short_calls(small_pool: list[threading.Event]) -> None:
    def square(n: int) -> int:
        return n * n

    for wave in range(50):
        numbers = range(wave * SIZE, (wave + 1) * SIZE)
        results = await asyncio.gather(*(run_blocking(square, n, timeout=GUARD) for n in numbers))
        assert results == [n * n for n in numbers]
    await _await_until(lambda: blocking_stats().busy == 0, "pool idle")
    stats = blocking_stats()
    assert stats.abandoned == 0 and stats.threads <= SIZE


async def test_a_burst_over_the_limit_either_runs_or_is_refused(
    small_pool: list[threading.Event],
) -> None:
    outcomes = await asyncio.gather(
        *(run_blocking(time.sleep, 0.001, timeout=GUARD) for _ in range(10 * SIZE)),
        return_exceptions=True,
    )
    assert all(o is None or isinstance(o, PoolExhausted) for o in outcomes)
    assert sum(o is None for o in outcomes) >= SIZE
    await _await_until(lambda: blocking_stats().busy == 0, "pool idle")


def test_threads_are_daemons(small_pool: list[threading.Event]) -> None:
    async def main() -> bool:
        return await run_blocking(lambda: threading.current_thread().daemon, timeout=GUARD)

    assert asyncio.run(main()) is True


def test_two_event_loops_in_sequence(small_pool: list[threading.Event]) -> None:
    async def main(n: int) -> list[int]:
        return list(await asyncio.gather(*(run_blocking(abs, -i, timeout=GUARD) for i in range(n))))

    assert asyncio.run(main(SIZE)) == list(range(SIZE))
    assert asyncio.run(main(SIZE)) == list(range(SIZE))  # the same threads, a new loop


def test_work_outliving_its_loop_does_not_crash_the_worker(
    small_pool: list[threading.Event],
) -> None:
    gate = threading.Event()
    small_pool.append(gate)

    async def main() -> None:
        with pytest.raises(TimeoutError):
            await run_blocking(_hang, gate, timeout=0.01)

    asyncio.run(main())  # the loop is closed while the function still runs
    gate.set()
    _wait_until(lambda: blocking_stats().busy == 0, "the orphan returned")
    assert asyncio.run(_one()) == 1  # threading.excepthook would have failed the test


async def _one() -> int:
    return await run_blocking(lambda: 1, timeout=GUARD)


def test_a_result_for_a_closed_loop_is_dropped() -> None:
    """A job still awaited when its loop closed (no cancellation reached it)."""
    pool = blocking._Pool()
    loop = asyncio.new_event_loop()
    future = loop.create_future()
    gate = threading.Event()
    job = blocking._Job(_hang, (gate,), {}, loop, future)
    pool.submit(job)
    loop.close()
    gate.set()
    _wait_until(lambda: pool.stats().busy == 0, "the job finished")
    assert not future.done()


def test_idle_threads_exit_and_a_racing_submit_still_runs() -> None:
    pool = blocking._Pool(idle_seconds=0.001)

    async def main() -> list[int]:
        out = []
        for i in range(200):  # submissions land before, during and after idle expiry
            out.append(await blocking._run_on(pool, abs, (-i,), {}, GUARD))
            if i % 3 == 0:
                await asyncio.sleep(0.001)
        return out

    assert asyncio.run(main()) == list(range(200))
    _wait_until(lambda: pool.stats().threads == 0, "idle threads exited")
    assert pool.stats().busy == 0


def test_configuration() -> None:
    try:
        configure_blocking(max_threads=7)
        assert blocking_stats().size == 7
        for bad in (0, -1, 2.5, True, "8"):
            with pytest.raises(ValueError, match="positive whole number"):
                configure_blocking(max_threads=bad)  # type: ignore[arg-type]
        assert blocking_stats().size == 7
    finally:
        configure_blocking()
    assert blocking_stats().size >= 1


def test_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        monkeypatch.setenv(ENV_MAX_THREADS, "3")
        configure_blocking()  # re-reads the environment
        assert blocking_stats().size == 3
        configure_blocking(max_threads=9)  # explicit configuration wins
        assert blocking_stats().size == 9
        monkeypatch.setenv(ENV_MAX_THREADS, "lots")
        configure_blocking()
        assert blocking_stats().size == DEFAULT_MAX_THREADS
    finally:
        monkeypatch.delenv(ENV_MAX_THREADS)
        configure_blocking()
    assert blocking_stats().size == DEFAULT_MAX_THREADS


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.sampled_from(["ok", "raise", "timeout", "cancel"]), min_size=1, max_size=12))
def test_any_mix_of_outcomes_leaves_the_pool_clean(
    small_pool: list[threading.Event], plan: list[str]
) -> None:
    async def one(kind: str, gate: threading.Event) -> str:
        if kind == "ok":
            return await run_blocking(str.upper, "x", timeout=GUARD)
        if kind == "raise":
            return await run_blocking(int, "not a number", timeout=GUARD)
        if kind == "timeout":
            return await run_blocking(_hang, gate, timeout=0.001)
        task = asyncio.ensure_future(run_blocking(_hang, gate, timeout=GUARD))
        await asyncio.sleep(0)
        task.cancel()
        return await task

    async def main() -> None:
        gates = [threading.Event() for _ in plan]
        small_pool.extend(gates)
        outcomes = await asyncio.gather(
            *(one(k, g) for k, g in zip(plan, gates, strict=True)), return_exceptions=True
        )
        for kind, outcome in zip(plan, outcomes, strict=True):
            if isinstance(outcome, PoolExhausted):
                continue
            expected = {
                "ok": str,
                "raise": ValueError,
                "timeout": TimeoutError,
                "cancel": asyncio.CancelledError,
            }[kind]
            assert isinstance(outcome, expected), (kind, outcome)
        for gate in gates:
            gate.set()

    asyncio.run(main())
    _wait_until(lambda: blocking_stats().busy == 0, "every function returned")
    assert blocking_stats().abandoned == 0
