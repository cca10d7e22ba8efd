"""Call stores: leases with fencing, TTL, one round trip per save, no PII in what they keep.

Every test runs on the three stores: in-process, a SQLite file, and a real
``redis-server`` (started by ``conftest.redis_url``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

import superdialog
from superdialog.runtime.durable_seal import generate_key
from superdialog.store import (
    CallSaver,
    CallStore,
    LeaseHeld,
    LeaseLost,
    MemoryStore,
    SQLiteStore,
    encode_record,
)
from superdialog.testing import RecordingSession

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the durable test helpers
from runtime.test_durable import in_identity_check, lost_card, scan

KEY = generate_key()
KINDS = ["memory", "sqlite", "redis"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=KINDS)
async def make(request: pytest.FixtureRequest, tmp_path: Path
               ) -> AsyncIterator[Callable[..., Any]]:
    """A factory of stores of one kind: ``make(lease_s=..., ttl_s=...)`` (all closed after)."""
    made: list[Any] = []
    kind = request.param
    url = request.getfixturevalue("redis_url") if kind == "redis" else ""

    def factory(**options: Any) -> Any:
        if kind == "memory":
            store: Any = MemoryStore(**options)
        elif kind == "sqlite":
            store = SQLiteStore(tmp_path / "calls.db", **options)
        else:
            from superdialog.store.redis import RedisStore

            store = RedisStore.from_url(url, prefix=f"t{id(request)}:", **options)
        made.append(store)
        return store

    factory.kind = kind  # type: ignore[attr-defined]
    yield factory
    for store in made:
        await store.aclose()


async def test_a_new_call_is_claimed_saved_and_read_back(make: Callable[..., Any]) -> None:
    store = make()
    claim = await store.claim("c1", "worker-a")
    assert claim.record is None and claim.lease.token >= 1
    await store.save(claim.lease, b'{"x":1}')
    assert await store.load("c1") == b'{"x":1}'
    again = await store.claim("c1", "worker-a")  # the same worker may claim again
    assert again.record == b'{"x":1}' and again.lease.token > claim.lease.token
    with pytest.raises(LeaseLost):  # its own older claim is fenced out too
        await store.save(claim.lease, b"old")
    await store.delete("c1")
    assert await store.load("c1") is None


async def test_a_second_worker_cannot_drive_a_leased_call(make: Callable[..., Any]) -> None:
    store = make(lease_s=30)
    claim = await store.claim("c2", "worker-a")
    with pytest.raises(LeaseHeld) as held:
        await store.claim("c2", "worker-b")
    assert held.value.owner == "worker-a" and 0 < held.value.retry_after <= 30
    await store.release(claim.lease)
    taken = await store.claim("c2", "worker-b")  # released: free at once
    with pytest.raises(LeaseLost):
        await store.save(claim.lease, b"stale")
    await store.save(taken.lease, b"new")
    assert await store.load("c2") == b"new"


async def test_a_lapsed_lease_is_taken_over_and_the_old_worker_is_fenced_out(
    make: Callable[..., Any],
) -> None:
    store = make(lease_s=0.15)
    a = await store.claim("c3", "worker-a")
    await store.save(a.lease, b"turn 1")
    await asyncio.sleep(0.3)  # worker-a paused (GC, network) past its lease
    b = await store.claim("c3", "worker-b")
    assert b.record == b"turn 1" and b.lease.token > a.lease.token
    with pytest.raises(LeaseLost):
        await store.save(a.lease, b"turn 2 from a stale worker")
    with pytest.raises(LeaseLost):
        await store.renew(a.lease)
    await store.save(b.lease, b"turn 2")
    await store.renew(b.lease)
    assert await store.load("c3") == b"turn 2"


async def test_records_expire(make: Callable[..., Any]) -> None:
    store = make(ttl_s=0.2, lease_s=0.1)
    claim = await store.claim("c4", "worker-a")
    await store.save(claim.lease, b"r")
    await asyncio.sleep(0.4)
    assert await store.load("c4") is None
    with pytest.raises(LeaseLost):
        await store.save(claim.lease, b"r2")


async def test_racing_claims_give_the_call_to_exactly_one_worker(make: Callable[..., Any]) -> None:
    store = make(lease_s=30)
    got = await asyncio.gather(*(store.claim("c5", f"worker-{i}") for i in range(8)),
                               return_exceptions=True)
    winners = [g for g in got if not isinstance(g, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(g, LeaseHeld) for g in got if isinstance(g, BaseException))


async def test_a_save_is_one_round_trip(redis_url: str) -> None:
    from redis.asyncio import Redis

    from superdialog.store.redis import RedisStore

    store = RedisStore.from_url(redis_url, prefix="rt:")
    probe = Redis.from_url(redis_url)
    try:
        claim = await store.claim("c6", "worker-a")
        await store.save(claim.lease, b"warm")  # loads the script once

        async def commands() -> dict[str, int]:
            stats = await probe.info("commandstats")
            return {k: int(v["calls"]) for k, v in stats.items()}

        before = await commands()
        await store.save(claim.lease, b"turn")
        after = await commands()
        changed = {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}
        changed.pop("cmdstat_info", None)
        inside = {"cmdstat_time", "cmdstat_hget", "cmdstat_hset", "cmdstat_pexpire"}
        assert {k: v for k, v in changed.items() if k not in inside} == {"cmdstat_evalsha": 1}
    finally:
        await store.aclose()
        await probe.aclose()


async def test_stores_keep_no_personal_data_in_clear(make: Callable[..., Any]) -> None:
    store = make()
    m = await in_identity_check()  # lost_card, paused, date of birth given
    await m.turn("one eight eight one")
    claim = await store.claim("pii", "worker-a")
    saver = CallSaver(store, claim.lease, key=KEY)
    saver.offer(m)
    await saver.flush()
    raw = await store.load("pii")
    assert raw is not None
    record = json.loads(raw)
    assert record["pii"] == "sealed" and scan(record) == []
    if make.kind == "sqlite":  # type: ignore[attr-defined]
        store_bytes = (store.path).read_bytes() + Path(str(store.path) + "-wal").read_bytes()
        assert b"1975" not in store_bytes.replace(raw, b"") and b"1881" not in store_bytes.replace(
            raw, b"")
    restored = lost_card().restore(raw, RecordingSession(), key=KEY)
    assert restored.slots == m.slots


async def test_the_saver_saves_after_every_turn_off_the_speaking_path(
    make: Callable[..., Any],
) -> None:
    store = make()
    flow = lost_card()
    m = flow.build(RecordingSession(data={"customer_id": "C-1001"}))
    claim = await store.claim("turns", "worker-a")
    lost: list[LeaseLost] = []
    saver = CallSaver(store, claim.lease, key=KEY, on_lost=lost.append)
    saver.attach(m)
    await m.start()
    await m.turn("the twelfth of march nineteen seventy five")
    await saver.flush()
    assert saver.saves >= 1
    record = json.loads(await store.load("turns") or b"{}")
    assert record["state"]["node"] == "identity" and record["state"]["metrics"]["turns"] == 1
    # another worker takes the call over: the first one's next save is refused, once
    await store.release(claim.lease)
    other = await store.claim("turns", "worker-b")
    await m.turn("one eight eight one")
    await saver.flush()
    assert len(lost) == 1 and saver.lost is not None
    r = flow.restore(other.record or b"", RecordingSession(), key=KEY)
    assert r.node == "identity" and r.slots["date_of_birth"] == m.slots["date_of_birth"]


def test_encoded_records_are_compact_json() -> None:
    assert encode_record({"a": [1, "é"]}) == '{"a":[1,"é"]}'.encode()


async def test_sqlite_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "calls.db"
    first = SQLiteStore(path)
    claim = await first.claim("c7", "worker-a")
    await first.save(claim.lease, b"kept")
    await first.aclose()
    second = SQLiteStore(path, lease_s=1)
    with pytest.raises(LeaseHeld):
        await second.claim("c7", "worker-b")
    assert await second.load("c7") == b"kept"
    assert await second.purge() == 0
    await second.aclose()
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute("SELECT count(*) FROM superdialog_calls").fetchone() == (1,)


def test_the_protocol_is_met() -> None:
    stores: list[CallStore] = [MemoryStore()]
    assert stores and superdialog.store.MemoryStore is MemoryStore


async def test_journaled_actions_come_back_with_the_next_claim(make: Callable[..., Any]) -> None:
    store = make(lease_s=30)
    a = await store.claim("c8", "worker-a")
    assert a.actions == frozenset()
    await store.mark_action(a.lease, "block#1")
    await store.mark_action(a.lease, "order#2")
    await store.release(a.lease)
    b = await store.claim("c8", "worker-b")
    assert b.actions == {"block#1", "order#2"}
    with pytest.raises(LeaseLost):  # the old holder cannot journal any more
        await store.mark_action(a.lease, "late#1")


async def test_a_closed_saver_does_not_take_the_lease_back_after_release(
    make: Callable[..., Any],
) -> None:
    """A turn the host finishes after the call ended (the SDK keeps running it after a hang-up)
    must not save again once the lease is released: the save would re-take the lease, and a
    worker the call was handed to would wait for it to lapse."""
    store = make(lease_s=30)
    m = lost_card().build(RecordingSession(data={"customer_id": "C-1001"}))
    claim = await store.claim("late", "worker-a")
    saver = CallSaver(store, claim.lease, key=KEY)
    saver.attach(m)
    await m.start()
    await saver.close()  # the call is over
    await store.release(claim.lease)
    await m.turn("the twelfth of march nineteen seventy five")  # a late turn ends: offered again
    await saver.flush()
    other = await store.claim("late", "worker-b")  # at once, not after 30 s
    assert other.lease.owner == "worker-b"
