"""What the live call's clock costs per idle call, at 10,000 concurrent calls.

Every call is a real ``CallMachine`` on a minimal host (``say`` / ``end`` that
only count), with a ``CallClock`` on the running event loop, as the Unpod host
attaches one. Measured, one phase after the other:

* ``clock_bytes``: the clock object per call (``tracemalloc``, calls built);
* ``armed_bytes``: what arming the no-input timer adds per idle call (the
  ``TimerHandle`` in the loop's heap), and that nothing else is held: no task
  per idle call (``asyncio.all_tasks``), exactly one handle each;
* ``arm_disarm_us``: one ``listening`` / ``speaking`` pair (the worker's
  state events around each agent utterance), CPU per call;
* ``fire_us``: a timer firing and its silence turn (the reprompt said through
  ``say``) per call, wall time over all 10k firing together;
* ``close_us``: hang-up (``machine.close()``) of an idle, armed call.

Run: ``.venv/bin/python bench/silence_timers.py [--calls 10000] [--json out.json]``.
Benchmarks are not tests: nothing here is asserted beyond sanity.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import time
import tracemalloc
from typing import Any

import superdialog
from superdialog.runtime.clock import CallClock

FLOW = """
flow: idle
start: ask
slots:
  age: {type: number, prompt: "How old are you?"}
states:
  ask: {collect: [age], next: done}
  done: {say: "Thanks.", end: completed}
limits: {no_input: 3, no_input_timeout: 0.2, max_duration: 600}
"""


class CountingHost:
    """The smallest host: counts what the call says and how it ends."""

    __slots__ = ("data", "ended", "said")

    def __init__(self) -> None:
        self.said = 0
        self.ended = ""
        self.data: dict[str, Any] = {}

    async def say(self, text: str) -> None:
        self.said += 1

    async def end(self, reason: str = "completed") -> None:
        self.ended = reason


async def measure(calls: int) -> dict[str, float]:
    flow = superdialog.loads(FLOW, "idle.yaml")
    loop = asyncio.get_running_loop()
    hosts = [CountingHost() for _ in range(calls)]
    machines = [flow.build(h) for h in hosts]
    for m in machines:
        await m.start()
    gc.collect()

    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    clocks = [CallClock(m) for m in machines]
    clock_bytes = (tracemalloc.get_traced_memory()[0] - base) / calls

    tasks_before = len(asyncio.all_tasks())
    handles_before = len(loop._scheduled)  # type: ignore[attr-defined]
    base = tracemalloc.get_traced_memory()[0]
    for c in clocks:
        c.listening()
    armed_bytes = (tracemalloc.get_traced_memory()[0] - base) / calls
    tracemalloc.stop()
    handles = len(loop._scheduled) - handles_before  # type: ignore[attr-defined]
    extra_tasks = len(asyncio.all_tasks()) - tasks_before
    assert handles == calls and extra_tasks == 0, (handles, extra_tasks)

    t0 = time.perf_counter()
    for _ in range(10):
        for c in clocks:
            c.host_state("speaking")
            c.host_state("listening")
    arm_disarm_us = (time.perf_counter() - t0) / (10 * calls) * 1e6

    # every call's timer fires (0.2 s after the last listening): the reprompts
    t0 = time.perf_counter()
    deadline = t0 + 30
    while any(h.said < 3 for h in hosts) and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    while any(c.firing is not None for c in clocks):
        await asyncio.sleep(0.01)
    fired = sum(1 for h in hosts if h.said >= 3)
    fire_wall_s = time.perf_counter() - t0 - 0.2
    assert fired == calls, fired

    t0 = time.perf_counter()
    for m in machines:
        await m.close()
    close_us = (time.perf_counter() - t0) / calls * 1e6
    assert len(loop._scheduled) <= handles_before  # type: ignore[attr-defined]
    return {
        "calls": calls,
        "clock_bytes_per_call": round(clock_bytes, 1),
        "armed_timer_bytes_per_call": round(armed_bytes, 1),
        "idle_tasks_per_call": extra_tasks / calls,
        "timer_handles_per_idle_call": handles / calls,
        "arm_disarm_us_per_pair": round(arm_disarm_us, 3),
        "fire_and_reprompt_us_per_call": round(max(fire_wall_s, 0.0) / calls * 1e6, 2),
        "close_us_per_call": round(close_us, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--json", default=None, help="also write the figures here")
    args = parser.parse_args()
    result = asyncio.run(measure(args.calls))
    for key, value in result.items():
        print(f"{key:34} {value}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=2)


if __name__ == "__main__":
    main()
