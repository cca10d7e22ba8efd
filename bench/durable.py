"""Durable calls, measured: record size, dump/save/restore times, Redis memory for 10k calls.

    .venv/bin/python bench/durable.py             # prints a table, writes out/bench/durable.json
    .venv/bin/python bench/durable.py --calls 2000

What is on the speaking path is only ``dump`` + JSON encoding at the end of a
turn (the saver takes the record there); the store write runs in a background
task. Every figure is the median (p50) and 99th percentile over many samples.
The Redis figures need ``redis-server`` on PATH (one is started on a free
loopback port and stopped at the end).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import superdialog  # noqa: E402
from superdialog.runtime.durable_seal import generate_key  # noqa: E402
from superdialog.store import MemoryStore, SQLiteStore, encode_record  # noqa: E402
from superdialog.testing import RecordingSession  # noqa: E402

KEY = generate_key()


def pct(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "p50_us": round(statistics.median(samples) * 1e6, 1),
        "p99_us": round(samples[min(len(samples) - 1, int(len(samples) * 0.99))] * 1e6, 1),
    }


async def calls_in_progress() -> dict[str, superdialog.CallMachine]:
    """Two real calls mid-way: lost_card in its PII state, dental_booking after a few answers."""
    lost = superdialog.load(ROOT / "flows" / "lost_card.yaml").build(
        RecordingSession(data={"customer_id": "C-1001"})
    )
    await lost.start()
    await lost.turn("the twelfth of march nineteen seventy five")
    await lost.turn("one eight eight one")
    await lost.turn("it was stolen")
    dental = superdialog.load(ROOT / "flows" / "dental_booking.yaml").build(RecordingSession())
    await dental.start()
    for said in ("yes please", "Maria Lopez", "next tuesday", "ten thirty"):
        await dental.turn(said)
    return {"lost_card": lost, "dental_booking": dental}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def measure(calls: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    machines = await calls_in_progress()
    flows = {name: m.flow for name, m in machines.items()}
    for name, m in machines.items():
        sealed = encode_record(m.dump(key=KEY, call_id="c"))
        keyless = encode_record(m.dump(key=None, call_id="c"))
        dump_t = []
        for _ in range(2000):
            t0 = time.perf_counter()
            encode_record(m.dump(key=KEY, call_id="c"))
            dump_t.append(time.perf_counter() - t0)
        restore_t = []
        for _ in range(2000):
            t0 = time.perf_counter()
            flows[name].restore(sealed, key=KEY)
            restore_t.append(time.perf_counter() - t0)
        out[name] = {
            "node": m.node,
            "bytes_sealed": len(sealed),
            "bytes_keyless": len(keyless),
            "dump_and_encode (on the speaking path)": pct(dump_t),
            "restore (decode, open, rebuild)": pct(restore_t),
        }
    record = encode_record(machines["lost_card"].dump(key=KEY, call_id="c"))

    async def saves(store: Any, n: int) -> dict[str, float]:
        claim = await store.claim("bench", "w")
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            await store.save(claim.lease, record)
            times.append(time.perf_counter() - t0)
        return pct(times)

    out["save_memory"] = await saves(MemoryStore(), 2000)
    with tempfile.TemporaryDirectory() as tmp:
        sq = SQLiteStore(Path(tmp) / "calls.db")
        out["save_sqlite"] = await saves(sq, 500)
        await sq.aclose()

    binary = shutil.which("redis-server")
    if binary is None:
        out["redis"] = "skipped: redis-server not on PATH"
        return out
    from superdialog.store.redis import RedisStore

    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        store = None
        for _ in range(100):
            try:
                store = RedisStore.from_url(f"redis://127.0.0.1:{port}/0")
                await store.client.ping()
                break
            except Exception:
                if store is not None:
                    await store.aclose()
                store = None
                await asyncio.sleep(0.05)
        assert store is not None, "redis-server did not start"
        out["save_redis (one loopback round trip)"] = await saves(store, 2000)
        before = int((await store.client.info("memory"))["used_memory"])
        sem = asyncio.Semaphore(64)

        async def one(i: int) -> None:
            async with sem:
                claim = await store.claim(f"call-{i}", "w")
                await store.save(claim.lease, record)

        t0 = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(calls)))
        wall = time.perf_counter() - t0
        after = int((await store.client.info("memory"))["used_memory"])
        out["redis_memory"] = {
            "calls": calls,
            "record_bytes": len(record),
            "used_memory_mb": round((after - before) / 1e6, 2),
            "bytes_per_call": round((after - before) / calls),
            "claims_and_saves_per_s": round(2 * calls / wall),
        }
        await store.aclose()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000, help="live calls for Redis memory")
    args = parser.parse_args()
    result = asyncio.run(measure(args.calls))
    path = ROOT / "out" / "bench" / "durable.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
