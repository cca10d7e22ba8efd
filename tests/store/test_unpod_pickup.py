"""The Unpod host saves after every turn and picks up a call it has never seen (issue 17 §4).

Through the real ``Session.run()`` loop over ``LoopbackBridge``: worker A serves
the first turns of a call and stops (its socket goes away mid-call); worker B,
with a fresh machine and session, claims the call from the same store, does
not say the opening again, and continues from A's last completed turn — also
inside a PII state, where recording stays paused. What the caller heard from A
then B is what one worker would have said.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

import superdialog
from superdialog.runtime.durable_seal import generate_key
from superdialog.store import LeaseHeld, MemoryStore, StoreError
from superdialog_unpod import run_call
from superdialog_unpod.durable import claim_call, run_durable_call
from superdialog_unpod.testing import LoopbackBridge

unpod_session = pytest.importorskip("unpod.connectivity.session")

ROOT = Path(__file__).resolve().parents[2]
FLOW = (ROOT / "adapters" / "unpod" / "tests" / "smoke.yaml").read_text(encoding="utf-8")
KEY = generate_key()


def _session(steps: list[str]) -> tuple[LoopbackBridge, Any]:
    bridge = LoopbackBridge(list(steps))
    session = unpod_session.Session(bridge=bridge)
    session.data["first_name"] = "Ana"
    bridge.begin()
    return bridge, session


async def serve(
    store: Any, steps: list[str], worker: str, call_id: str = "call-1"
) -> tuple[LoopbackBridge, Any]:
    flow = superdialog.loads(FLOW, "smoke.yaml")
    bridge, session = _session(steps)
    machine = await asyncio.wait_for(
        run_durable_call(session, flow, store, call_id=call_id, worker=worker, key=KEY,
                         claim_wait_s=2), 10)  # fmt: skip
    return bridge, machine


async def serve_plain(steps: list[str]) -> LoopbackBridge:
    """The same call without a store: what the caller hears from one worker."""
    bridge, session = _session(steps)
    await asyncio.wait_for(run_call(session, superdialog.loads(FLOW, "smoke.yaml")), 10)
    return bridge


def speech(bridge: LoopbackBridge) -> list[str]:
    return [f.text for f in bridge.frames if f.kind in ("say", "delta")]


@pytest.mark.parametrize("cut", [1, 2])  # after the age (now in the PII state), or never
async def test_another_worker_continues_the_call(cut: int) -> None:
    steps = ["forty two", "one two three four"]
    whole = await serve_plain(steps)

    store = MemoryStore(lease_s=0.2)
    a, _ = await serve(store, steps[:cut], "worker-a")
    b, mb = await serve(store, steps[cut:], "worker-b")
    assert speech(a) + speech(b) == speech(whole)
    assert not any(f.kind == "say" for f in b.frames)  # no second opening
    if cut == 1:  # picked up inside the PII state: still paused, no second pause
        assert a.kinds()[-2:] == ["text.end", "resume"]  # A's hang-up hook resumed
        assert "pause" not in b.kinds()
    assert [f.kind for f in a.terminal() + b.terminal()] == ["end"]
    assert mb.finished and mb.outcome["reason"] == "completed"
    assert mb.slots == {"age": 42, "pin": "1234"}


async def test_a_live_lease_keeps_a_second_worker_out() -> None:
    store = MemoryStore(lease_s=30)
    await store.claim("call-2", "worker-a")
    with pytest.raises(LeaseHeld):
        await claim_call(store, "call-2", "worker-b", wait_s=0.1)


FRONT_DESK = """
flow: front_desk
start: ask
slots:
  guest: {type: name, prompt: "Your name, please?"}
  pin: {type: digits, pii: true, min_length: 4, max_length: 4, prompt: "Your PIN?"}
states:
  ask: {collect: [guest], next: secure}
  secure: {pii: true, collect: [pin], next: handoff}
  handoff: {say: "Passing you to billing.", transfer: {agent: billing-bot, mode: warm}}
"""

BILLING = """
flow: billing
start: hello
slots:
  guest: {type: name, prompt: "Your name, please?"}
  pin: {type: digits, pii: true, min_length: 4, max_length: 4, prompt: "Your PIN?"}
states:
  hello:
    say: "Billing here{% if slots.guest %}, hello {{ slots.guest }}{% endif %}. Anything else?"
    next: bye
  bye: {say: "Bye.", end: completed}
"""


async def test_a_transfer_to_another_superdialog_agent_hands_over_the_callers_context() -> None:
    # agent A (front desk) transfers the call to agent B (billing); B, serving another flow,
    # starts it on its own flow knowing the caller: no second "your name, please?"
    store = MemoryStore(lease_s=0.2)
    front = superdialog.loads(FRONT_DESK, "front_desk.yaml")
    billing = superdialog.loads(BILLING, "billing.yaml")

    async def serve_flow(flow: Any, steps: list[str], worker: str) -> tuple[LoopbackBridge, Any]:
        bridge = LoopbackBridge(steps)
        session = unpod_session.Session(bridge=bridge)
        bridge.begin()
        machine = await asyncio.wait_for(
            run_durable_call(session, flow, store, call_id="call-9", worker=worker, key=KEY,
                             claim_wait_s=2), 10)
        return bridge, machine

    _, ma = await serve_flow(front, ["this is Ana Silva", "one two three four"], "worker-a")
    assert ma.outcome is not None and ma.outcome["target"] == "billing-bot"
    b, mb = await serve_flow(billing, ["no thanks"], "worker-b")
    said = " ".join(speech(b))
    assert "Billing here, hello Ana Silva." in said and "Your name" not in said
    assert mb.slots["guest"] == "Ana Silva" and mb.slots["pin"] == "1234"
    assert mb.outcome == {"verb": "end", "reason": "completed"} or mb.finished
    raw = await store.load("call-9")
    assert raw is not None
    saved = raw.decode("utf-8")
    assert json.loads(saved)["flow"]["name"] == "billing"  # B's record from now on
    assert "1234" not in saved and "one two three four" not in saved  # sealed in the store


class _Down:
    """A store that is down: every operation fails as stores fail (``StoreError``)."""

    async def _down(self, *_: Any) -> Any:
        raise StoreError("connection refused", call_id="call-7")

    claim = save = renew = mark_action = release = load = delete = _down

    async def aclose(self) -> None:
        pass


class _ReleaseFails(MemoryStore):
    async def release(self, lease: Any) -> None:
        raise StoreError("timed out", call_id=lease.call_id)


@pytest.mark.parametrize("store", [_Down(), _ReleaseFails()], ids=["down", "release-fails"])
async def test_a_store_that_fails_never_costs_the_caller_the_call(
    store: Any, caplog: pytest.LogCaptureFixture
) -> None:
    steps = ["forty two", "one two three four"]
    whole = await serve_plain(steps)
    bridge, machine = await serve(store, steps, "w", call_id="call-7")
    assert speech(bridge) == speech(whole)
    assert machine.finished and machine.outcome["reason"] == "completed"
    assert "call-7" in caplog.text
