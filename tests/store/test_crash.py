"""Crash and continue: three worker processes, one Redis, ``kill -9`` in the middle of a call.

Each worker is a real OS process (``crash_worker.py``) running the Unpod
``Session`` and ``superdialog_unpod.durable`` against one ``redis-server``;
the test plays the caller and the platform (it routes the caller's words to
whichever worker holds the call's lease). The first owner is killed with
SIGKILL inside the PII state (recording paused); the second is killed while
an action it started runs. The
call goes on from its last completed turn each time, and:

* the opening is said once, recording is paused once and resumed once;
* no action runs twice: the third worker takes the error path for the action
  whose outcome died with the second one — whether the turn that started it
  had ended (the caller barged in: the record holds the action) or not (the
  record is of the turn before; the action's key was journaled before it ran);
* exactly one terminal verb is sent;
* what Redis keeps holds no canary in clear.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from superdialog.runtime.durable_seal import generate_key

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the durable test helpers
from runtime.test_durable import scan

pytest.importorskip("unpod.connectivity.session")

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("crash_worker.py")

ACTIONS = '''
import asyncio, os
import superdialog


def _ran(name):
    with open(os.environ["RUNS_FILE"], "a") as f:
        f.write(f"{name} {os.getpid()}\\n")


@superdialog.action("verify_identity")
async def verify_identity(customer, date_of_birth, last4):
    _ran("verify_identity")
    return {"verified": (date_of_birth, last4) == ("1975-03-12", "1881")}


@superdialog.action("block_card")
async def block_card(last4, reason):
    _ran("block_card")
    await asyncio.sleep(float(os.environ.get("BLOCK_S", "0")))
    return {"blocked": True, "reason": reason}


@superdialog.action("order_replacement")
async def order_replacement(last4):
    _ran("order_replacement")
    return {"ordered": True, "days": 3}
'''


class Worker:
    """One worker process and the frames it sent."""

    def __init__(self, name: str, proc: asyncio.subprocess.Process) -> None:
        self.name = name
        self.proc = proc
        self.frames: list[dict[str, Any]] = []
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            self.frames.append(json.loads(line))

    async def send(self, **data: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(data).encode() + b"\n")
        await self.proc.stdin.drain()

    def count(self, event: str) -> int:
        return sum(1 for f in self.frames if f["event"] == event)


async def until(pred: Any, what: str, timeout: float = 20) -> Any:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        got = await pred()
        if got:
            return got
        if loop.time() > end:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("during", ["barge-in", "mid-turn"])
async def test_three_workers_kill_9_and_the_call_goes_on(redis_url: str, tmp_path: Path,
                                                         during: str) -> None:
    from redis.asyncio import Redis

    shutil.copy(ROOT / "flows" / "lost_card.yaml", tmp_path / "lost_card.yaml")
    (tmp_path / "python").mkdir()
    (tmp_path / "python" / "bank_actions.py").write_text(ACTIONS)
    runs = tmp_path / "runs.txt"
    runs.touch()
    call_id = f"crash-{during}"  # the Redis server is shared by the whole session
    key = f"superdialog:call:{{{call_id}}}"
    redis = Redis.from_url(redis_url)
    env = {**os.environ, "RUNS_FILE": str(runs), "BLOCK_S": "20", "LEASE_S": "1",
           "SUPERDIALOG_STATE_KEY": generate_key()}
    workers: dict[str, Worker] = {}
    try:
        for name in ("w1", "w2", "w3"):
            proc = await asyncio.create_subprocess_exec(
                sys.executable, str(WORKER), redis_url, call_id, name,
                str(tmp_path / "lost_card.yaml"), env=env, stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE)
            workers[name] = Worker(name, proc)

        async def record() -> dict[str, Any] | None:
            raw = await redis.hget(key, "rec")
            return json.loads(raw) if raw else None

        async def owner() -> Worker:
            async def live_owner() -> Worker | None:
                name = await redis.hget(key, "owner")
                w = workers.get(name.decode()) if name else None
                return w if w is not None and w.proc.returncode is None else None

            found: Worker = await until(live_owner, "a live worker to hold the call")
            return found

        async def saved(turns: int, **state: Any) -> dict[str, Any]:
            async def ok() -> dict[str, Any] | None:
                rec = await record()
                if rec is None or rec["state"]["metrics"]["turns"] != turns:
                    return None
                return rec if all(rec["state"].get(k) == v for k, v in state.items()) else None

            got: dict[str, Any] = await until(ok, f"the record of turn {turns}")
            return got

        async def turn(text: str, *, barge: bool = False) -> Worker:
            w = await owner()
            ends = w.count("agent.text.end")
            deltas = w.count("agent.text.delta")
            await w.send(text=text)
            if barge:
                async def spoke() -> bool:
                    return w.count("agent.text.delta") > deltas

                await until(spoke, "the first chunk of the reply")
                await w.send(interrupt=True)

            async def ended() -> bool:
                return w.count("agent.text.end") > ends

            await until(ended, f"the reply to {text!r}")
            return w

        async def kill(w: Worker) -> None:
            w.proc.kill()  # SIGKILL: no finally, no call_end hook, no lease release
            await w.proc.wait()

        first = await owner()
        await saved(0)
        await turn("the twelfth of march nineteen seventy five")
        rec = await saved(1, node="identity", paused=True)
        assert scan(rec) == []
        await kill(first)  # inside the PII state

        second = await turn("one eight eight one")
        assert second is not first
        await saved(2, node="reason", paused=False)
        if during == "barge-in":
            await turn("it was stolen", barge=True)  # cut off during the holding line
            rec = await saved(3, node="block")
            assert rec["state"]["action"] == {"state": "block", "name": "block_card",
                                              "key": "block#1", "done": False}
            await kill(second)  # while block_card runs; the record knows it started
            third = await turn("hello? are you still there?")
        else:
            await second.send(text="it was stolen")

            async def blocking() -> bool:
                return "block_card" in runs.read_text()

            await until(blocking, "block_card to start")
            await kill(second)  # mid-turn: the record is of turn 2, the journal knows
            third = await turn("it was stolen")  # the caller says it again
        assert third not in (first, second)
        assert third.count("agent.transfer") == 1

        frames = [f for w in (first, second, third) for f in w.frames]
        texts = [f.get("text", "") for f in frames]
        assert sum(t.startswith("__recording_pause") for t in texts) == 1
        assert sum(t == "__recording_resume" for t in texts) == 1
        opening = [t for t in texts if t.startswith("Hello, you've reached")]
        assert len(opening) == 1 and opening[0] in [f.get("text") for f in first.frames]
        terminal = [f for f in frames if f["event"] in ("agent.transfer", "agent.end_call")]
        assert len(terminal) == 1 and terminal[0]["target"] == "card-services"
        ran = runs.read_text().split()
        assert ran.count("verify_identity") == 1 and ran.count("block_card") == 1
        assert scan(await record() or {}) == []
        assert third.proc.stdin is not None  # the caller is gone: the worker ends the call
        third.proc.stdin.close()
        await asyncio.wait_for(third.proc.wait(), 20)
        assert third.proc.returncode == 0
    finally:
        for w in workers.values():
            if w.proc.returncode is None:
                w.proc.kill()
                await w.proc.wait()
            w.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await w.reader
        await redis.aclose()
