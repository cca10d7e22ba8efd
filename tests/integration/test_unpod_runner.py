"""Calls through the Unpod SDK's real runner path: AgentRunner → job.assign → bridge dial.

``UnpodLoopback`` plays the orchestrator and the speech worker over real
websockets on 127.0.0.1; the SDK's ``AgentRunner``, bridge dialer, handshake,
``CallContext`` and ``Session.run`` run unchanged around our entrypoint.
"""

from __future__ import annotations

import asyncio

import pytest

import superdialog
from superdialog.adapters.unpod import attach
from superdialog.testing.unpod_bridge import BridgeClosed, LoopbackBridge
from superdialog.testing.unpod_loopback import Transcript, UnpodLoopback

pytest.importorskip("unpod.connectivity.runner")

SMOKE = """
flow: smoke
start: greet
slots:
  age: {type: number, min: 1, max: 120, prompt: ["How old are you?", "Your age in years?"]}
  pin: {type: digits, pii: true, mask: last2, min_length: 4, max_length: 4, prompt: "Your PIN?"}
global:
  - {intent: human, goto: agent}
states:
  greet: {say: "Hello {{ session.get('first_name', 'there') }}.", next: ask}
  ask: {collect: [age], next: check}
  check:
    transitions:
      - {if: "slots.age >= 18", to: secure}
      - {to: minor}
  secure: {pii: true, say: "Now your PIN. Not recorded.", collect: [pin], next: done}
  done: {say: "Thanks. Bye!", end: completed}
  minor: {say: "Sorry, adults only.", end: not_allowed}
  agent:
    say: "Transferring you."
    transfer: {queue: humans, mode: warm, announcement: "Age {{ slots.age }}"}
end_reasons: [not_allowed]
"""


async def smoke_call(steps: list, data: dict | None = None) -> Transcript:
    flow = superdialog.loads(SMOKE, "smoke.yaml")
    async with UnpodLoopback(timeout=5) as lo:
        return await lo.run_call(flow, steps, data=data)


# -- hang-up inside a PII state (regression: the resume over a closed socket failed the call)


async def test_hangup_in_pii_state_ends_cleanly_over_the_runner() -> None:
    tr = await smoke_call(["forty two"])  # then the caller hangs up inside `secure`
    assert tr.timeline() == ["say", "say", "caller", "pause", "delta", "text.end", "hangup"]
    assert tr.final_state == "ended", tr.problems  # was "failed": the entrypoint raised
    assert tr.ok
    assert tr.machine.outcome == {"verb": "hangup", "reason": "hangup"}
    assert not tr.machine.recording_paused
    assert len([s for s in tr.setup if "dialled" in s]) == 1  # no redial of a dead call


class _HungUpBridge(LoopbackBridge):
    """A worker that refuses every frame once the caller hung up, like a closed socket."""

    hung_up = False

    async def recv_event(self):  # type: ignore[no-untyped-def]
        try:
            return await super().recv_event()
        except BridgeClosed:
            self.hung_up = True
            raise

    async def send_verb(self, verb) -> None:  # type: ignore[no-untyped-def]
        if self.hung_up:
            raise BridgeClosed("socket closed by the worker")
        await super().send_verb(verb)


async def test_call_end_hook_survives_a_closed_socket() -> None:
    from unpod.connectivity.session import Session

    flow = superdialog.loads(SMOKE, "smoke.yaml")
    bridge = _HungUpBridge(["forty two"])
    session = Session(bridge=bridge)
    machine = attach(session, flow)
    await machine.start()
    bridge.begin()
    await asyncio.wait_for(session.run(), 5)  # raised BridgeClosed from the call_end hook
    assert machine.finished and machine.outcome == {"verb": "hangup", "reason": "hangup"}
    assert not machine.recording_paused
