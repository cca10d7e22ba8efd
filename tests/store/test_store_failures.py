"""Stores that hang, die or refuse: every operation fails as a ``StoreError`` within its bound.

A durable call must never wait forever on its store: a paused Redis (``SIGSTOP``: a stalled
VM, a full network buffer) or a locked SQLite file must fail an operation within the store's
``timeout_s``, as a ``StoreError``, and the store must answer correctly again once its backend
is back (no reply of a timed-out command read as the answer to the next one).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis_server import redis_binary, redis_process  # tests/store is on sys.path (no package)

from superdialog.runtime.durable_seal import generate_key
from superdialog.store import CallSaver, Lease, LeaseLost, SQLiteStore, StoreError
from superdialog.testing import RecordingSession

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the durable test helpers
from runtime.test_durable import lost_card

KEY = generate_key()

BOUND_S = 0.3


@pytest.fixture
def paused_redis(tmp_path: Path) -> Iterator[tuple[str, Callable[[bool], None]]]:
    """A redis-server of this test's own, and ``pause(True/False)`` to stop and continue it."""
    if redis_binary() is None:
        pytest.skip("redis-server is not installed")
    pytest.importorskip("redis")
    with redis_process(tmp_path) as (url, proc):

        def pause(stop: bool) -> None:
            proc.send_signal(signal.SIGSTOP if stop else signal.SIGCONT)

        yield url, pause


@contextlib.asynccontextmanager
async def redis_store(url: str) -> AsyncIterator[Any]:
    from superdialog.store.redis import RedisStore

    store = RedisStore.from_url(url, timeout_s=BOUND_S)
    try:
        yield store
    finally:
        await store.aclose()


async def _fails_in_bound(op: Any) -> StoreError:
    t = time.monotonic()
    with pytest.raises(StoreError) as info:
        await op
    took = time.monotonic() - t
    assert took < BOUND_S + 1.0, f"took {took:.2f}s for a bound of {BOUND_S}s"
    assert not isinstance(info.value, LeaseLost)  # a stalled store is not another worker
    return info.value


async def test_a_paused_redis_fails_every_operation_in_bound_and_answers_right_after(
    paused_redis: tuple[str, Callable[[bool], None]],
) -> None:
    url, pause = paused_redis
    async with redis_store(url) as store:
        claim = await store.claim("c1", "w1")
        await store.save(claim.lease, b'{"turn":1}')
        pause(True)
        try:
            err = await _fails_in_bound(store.save(claim.lease, b'{"turn":2}'))
            assert "did not answer" in str(err) and "c1" in str(err)
            await _fails_in_bound(store.claim("c2", "w1"))
            await _fails_in_bound(store.mark_action(claim.lease, "a1"))
            await _fails_in_bound(store.renew(claim.lease))
            await _fails_in_bound(store.load("c1"))
            await _fails_in_bound(store.release(claim.lease))
            await _fails_in_bound(store.delete("c2"))
        finally:
            pause(False)
        # Every reply now answers its own command: the timed-out ones' replies are not read
        # as the answers to these (the paused server executes the queued commands on resume).
        for i in range(3, 8):
            await store.save(claim.lease, b'{"turn":%d}' % i)
            assert await store.load("c1") == b'{"turn":%d}' % i
        other = await store.claim("c3", "w1")
        assert other.record is None and other.lease.token == 1


async def test_a_redis_that_is_not_there_fails_as_a_store_error() -> None:
    pytest.importorskip("redis")
    from superdialog.store.redis import RedisStore

    store = RedisStore.from_url("redis://127.0.0.1:1/0", timeout_s=BOUND_S)  # nothing listens
    try:
        lease = Lease("c1", "w1", 1)
        for op in (store.claim("c1", "w1"), store.save(lease, b"{}"), store.mark_action(lease, "a"),
                   store.release(lease), store.load("c1"), store.delete("c1")):  # fmt: skip
            await _fails_in_bound(op)
    finally:
        await store.aclose()


async def test_a_locked_sqlite_file_fails_in_bound_as_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "calls.db"
    store = SQLiteStore(path, timeout_s=BOUND_S)
    claim = await store.claim("c1", "w1")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another process holds the file
    try:
        await _fails_in_bound(store.save(claim.lease, b"{}"))
        await _fails_in_bound(store.claim("c2", "w1"))
        await _fails_in_bound(store.mark_action(claim.lease, "a"))
    finally:
        other.execute("ROLLBACK")
        other.close()
    await store.save(claim.lease, b'{"ok":1}')
    assert await store.load("c1") == b'{"ok":1}'
    await store.aclose()


async def test_a_corrupt_sqlite_file_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "calls.db"
    store = SQLiteStore(path)
    claim = await store.claim("c1", "w1")
    await store.aclose()
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4096)  # a header, then garbage
    with pytest.raises(StoreError):
        broken = SQLiteStore(path)
        await broken.save(claim.lease, b"{}")


class _Hanging:
    """A store whose every operation never returns (a custom backend that hangs)."""

    async def _never(self, *_: Any) -> Any:
        await asyncio.Event().wait()

    claim = save = renew = mark_action = release = load = delete = _never

    async def aclose(self) -> None:
        pass


class _Raising:
    """A custom store whose operations raise what its own library raises (not a StoreError)."""

    async def _boom(self, *_: Any) -> Any:
        raise ConnectionResetError("backend went away")

    claim = save = renew = mark_action = release = load = delete = _boom

    async def aclose(self) -> None:
        pass


def _machine() -> Any:
    return lost_card().build(RecordingSession(data={"customer_id": "C-1001"}))


async def test_the_saver_never_waits_on_a_hanging_store_past_its_bound() -> None:
    m = _machine()
    saver = CallSaver(_Hanging(), Lease("c1", "w1", 1), key=KEY, timeout_s=BOUND_S)  # type: ignore[arg-type]
    saver.attach(m)
    t = time.monotonic()
    await m.start()
    await m.turn("the twelfth of march nineteen seventy five")
    await saver.before_action("a1")  # the journal does not answer: the action runs anyway
    await saver.flush()
    assert time.monotonic() - t < 3 * BOUND_S + 1.0
    assert saver.saves == 0 and saver.lost is None


async def test_a_custom_store_raising_its_own_errors_does_not_break_the_call(
    caplog: pytest.LogCaptureFixture,
) -> None:
    m = _machine()
    saver = CallSaver(_Raising(), Lease("c1", "w1", 1), key=KEY)  # type: ignore[arg-type]
    saver.attach(m)
    await m.start()
    await m.turn("the twelfth of march nineteen seventy five")
    await saver.before_action("a1")  # not journaled, logged: the action runs
    await saver.flush()
    assert saver.saves == 0 and saver.lost is None
    assert m.node == "identity"
    assert "save failed (ConnectionResetError)" in caplog.text
