"""The real Unpod ``Session.run()`` loop drives our machine; we assert the worker's frames."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

import superdialog
from superdialog.testing.frames import Frame
from superdialog_unpod import attach
from superdialog_unpod.testing import LoopbackBridge, Step

unpod_session = pytest.importorskip("unpod.connectivity.session")

FLOW = (Path(__file__).parent / "smoke.yaml").read_text(encoding="utf-8")


async def call(steps: list[Step | str], data: dict | None = None
               ) -> tuple[LoopbackBridge, superdialog.CallMachine]:
    flow = superdialog.loads(FLOW, "smoke.yaml")
    bridge = LoopbackBridge(steps)
    session = unpod_session.Session(bridge=bridge)
    session.data.update(data or {})
    machine = attach(session, flow)
    assert session.dialog_machine is machine  # not auto-wrapped
    await machine.start()
    bridge.begin()
    await asyncio.wait_for(session.run(), 10)
    return bridge, machine


async def test_completed_call_frames_turn_by_turn() -> None:
    bridge, machine = await call(["forty two", "one two three four"], {"first_name": "Ana"})
    assert bridge.frames[:2] == [Frame("say", text="Hello Ana."),
                                 Frame("say", text="How old are you?")]
    assert bridge.kinds() == [
        "say", "say",
        "pause", "delta", "text.end",  # PII state: paused before its first word
        "resume", "delta", "text.end",  # resumed before the goodbye
        "end",  # the one terminal verb, sent by the session for a completed call
    ]
    assert bridge.turns() == ["Now your PIN. Not recorded. Your PIN?", "Thanks. Bye!"]
    assert bridge.terminal() == [Frame("end", reason="completed")]
    assert machine.finished and machine.outcome["reason"] == "completed"


async def test_custom_end_reason_is_sent_last_by_us() -> None:
    bridge, _ = await call(["twelve"])
    assert bridge.kinds() == ["say", "say", "delta", "end", "text.end"]
    assert bridge.terminal() == [Frame("end", reason="not_allowed")]


async def test_global_intent_in_pii_state_resumes_before_transfer() -> None:
    bridge, _ = await call(["forty two", "can I talk to a real person"])
    kinds = bridge.kinds()
    assert kinds == ["say", "say", "pause", "delta", "text.end", "resume", "delta", "transfer",
                     "text.end"]
    (t,) = bridge.terminal()
    assert (t.transfer_type, t.target, t.mode, t.announcement) == ("human", "humans", "warm",
                                                                   "Age 42")


async def test_barge_in_during_goodbye_still_ends_once() -> None:
    bridge, machine = await call(["forty two", Step("one two three four", interrupt_after=1,
                                                    heard="Thanks.")])
    assert [f.kind for f in bridge.terminal()] == ["end"]
    assert machine.finished


async def test_hangup_in_pii_state_resumes_recording() -> None:
    bridge, machine = await call(["forty two"])  # then the caller hangs up inside `secure`
    assert bridge.kinds()[-2:] == ["text.end", "resume"]
    assert not machine.recording_paused
    assert bridge.terminal() == []


async def test_turns_feed_the_host_live_metrics_and_state() -> None:
    flow = superdialog.loads(FLOW, "smoke.yaml")
    bridge = LoopbackBridge(["forty two", "one two three four"])
    session = unpod_session.Session(bridge=bridge)
    machine = attach(session, flow)
    await machine.start()
    bridge.begin()
    await asyncio.wait_for(session.run(), 10)
    assert session.metrics.live().turns == 2
    assert machine.state["node_id"] == "done" and machine.state["from_node"] == "secure"
    assert "1234" not in str(machine.state)


async def test_attach_masks_what_the_sdk_logs_of_the_call(caplog: pytest.LogCaptureFixture) -> None:
    """The SDK logs every caller utterance; ``attach`` puts our PII filter on its loggers."""
    caplog.set_level(logging.INFO, logger="unpod")
    sdk_logger = logging.getLogger("unpod")
    sdk_logger.addHandler(caplog.handler)  # the SDK's enable_logging() stops propagation
    card_words = "four one one one one one one one one one one one one one one one"
    try:
        await call(["forty two", f"one two three four and my card is {card_words}"])
    finally:
        sdk_logger.removeHandler(caplog.handler)
    sdk = [r.getMessage() for r in caplog.records if r.name.startswith("unpod")]
    assert any(m.startswith("turn 2 user:") for m in sdk)  # the line is still there...
    assert not [m for m in sdk if "one one one one one one" in m]  # ...masked
    # a handler can still tell the SDK's transcript lines apart by their template
    assert any(r.msg == "turn %d user: %r%s" for r in caplog.records)
