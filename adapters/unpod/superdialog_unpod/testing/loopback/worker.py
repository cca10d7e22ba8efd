"""The fake speech worker: the bridge the runner dials, playing a scripted caller."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from superdialog.runtime.clock import VirtualTime
from superdialog_unpod.testing.bridge import Step
from superdialog_unpod.testing.loopback.plumbing import LoopbackServer, Signal, request_path
from superdialog_unpod.testing.loopback.records import (
    _TERMINAL,
    REDACTED,
    LoopbackError,
    Record,
    Transcript,
    _agent_record,
)

if TYPE_CHECKING:
    from websockets.asyncio.server import ServerConnection


__all__ = ["BRIDGE_PATH", "Call", "FakeSpeechWorker"]


BRIDGE_PATH = "/v1/bridge/"
"""Prefix of the per-call bridge URLs our fake worker hands out in ``job.assign``."""

# Events and verbs this fake worker understands (what it negotiates in hello.ack).
_WORKER_EVENTS = ("user.text", "user.interrupted", "error", "call.started", "state")
_WORKER_VERBS = (
    "agent.text.delta",
    "agent.text.end",
    "agent.say",
    "agent.transfer",
    "agent.end_call",
)


class Call:
    """One pending or live call on the fake worker: the script, the recording, the state."""

    def __init__(
        self,
        transcript: Transcript,
        token: str,
        steps: Sequence[Step | str],
        metadata: dict[str, Any],
        loop: asyncio.AbstractEventLoop,
        time: VirtualTime | None = None,
    ) -> None:
        self.transcript = transcript
        self.time = time
        self.states = False  # whether the runner negotiated ``state`` events
        self.token = token
        self.steps = [s if isinstance(s, Step) else Step(s) for s in steps]
        self.metadata = metadata
        self.ws: ServerConnection | None = None
        self.t0 = 0.0
        self.paused = False
        self.in_turn = False
        self.step: Step | None = None
        self.chunks = 0
        self.turn_ended = False
        self.terminal: Record | None = None
        self.closed = False
        self.signal = Signal()
        self.done: asyncio.Future[None] = loop.create_future()

    def now(self) -> float:
        """Seconds since the call started (record timestamps)."""
        return time.monotonic() - self.t0

    def add(self, record: Record) -> None:
        """Record what the worker saw, and wake whoever waits on the call."""
        self.transcript.records.append(record)
        self.signal.notify()


class FakeSpeechWorker(LoopbackServer):
    """The speech worker's bridge acceptor, playing a scripted caller.

    A call is registered first (:meth:`expect`), which gives the bridge URL
    and one-time call token that go into ``job.assign``. When the runner
    dials that URL with the token, the worker answers the runner's ``hello``
    with ``hello.ack`` and ``call.started`` (carrying ``data`` in its
    metadata), then waits for the opening to finish and speaks the script.
    Like the platform's worker it reports its conversation ``state``
    (``listening`` once the agent's words are played, ``thinking`` when the
    caller's are final) and never sends an empty utterance: a silent step
    lets the call's virtual time pass (``Call.time``, shared with the call's
    clock), firing its timers in order, and waits for what the agent says.
    A wrong token or unknown call is refused with close code 4003, a second
    socket for the same call with 4009, as the real worker does.
    """

    what = "fake speech worker"

    def __init__(
        self,
        *,
        opening_quiet_s: float = 0.05,
        opening_timeout_s: float = 5.0,
        caller_pause_s: float = 0.05,
        close_grace_s: float = 0.5,
        clock_wait_s: float = 1.0,
    ) -> None:
        super().__init__()
        self.clock_wait_s = clock_wait_s
        self.opening_quiet_s = opening_quiet_s
        self.opening_timeout_s = opening_timeout_s
        self.caller_pause_s = caller_pause_s
        self.close_grace_s = close_grace_s
        self._calls: dict[str, Call] = {}

    def expect(self, call: Call) -> str:
        """Register a call; return the bridge URL the runner must dial."""
        self._calls[call.transcript.call_id] = call
        return f"{self.url}{BRIDGE_PATH}{call.transcript.call_id}"

    def forget(self, call: Call) -> None:
        """Drop a finished call's pairing."""
        self._calls.pop(call.transcript.call_id, None)

    # -- one bridge connection --------------------------------------------------------
    async def _handle(self, ws: ServerConnection) -> None:
        parts = urlsplit(request_path(ws))
        call = None
        if parts.path.startswith(BRIDGE_PATH):
            call = self._calls.get(parts.path[len(BRIDGE_PATH) :])
        token = parse_qs(parts.query).get("token", [""])[0]
        if call is None or not hmac.compare_digest(call.token, token):
            await ws.close(4003, "unknown call or bad call token")
            return
        if call.ws is not None:
            await ws.close(4009, "a bridge socket for this call is already live")
            return
        call.ws = ws
        try:
            await self._play(ws, call)
        except Exception as exc:  # the call is over either way; say why in the transcript
            call.transcript.violations.append(f"worker: {type(exc).__name__}: {exc}")
        finally:
            call.closed = True
            if not call.done.done():
                call.done.set_result(None)

    async def _play(self, ws: ServerConnection, call: Call) -> None:
        from unpod._protocol import CallStartedEvent, HelloAckEvent, HelloEvent, parse_bridge_event

        tr = call.transcript
        async with asyncio.timeout(10):
            hello = parse_bridge_event(await ws.recv(decode=True))
        if not isinstance(hello, HelloEvent):
            await ws.close(1002, "expected hello")
            raise LoopbackError(f"expected hello, got {type(hello).__name__}")
        call.states = "state" in hello.supported_events
        ack = HelloAckEvent(
            protocol_version=hello.protocol_version,
            negotiated_events=[e for e in hello.supported_events if e in _WORKER_EVENTS],
            negotiated_verbs=[v for v in hello.supported_verbs if v in _WORKER_VERBS],
            call_id=tr.call_id,
            session_id=tr.call_id,
            job_id=tr.job_id,
            room_id=f"room-{tr.call_id}",
        )
        await ws.send(ack.model_dump_json())
        started = CallStartedEvent(
            session_id=tr.call_id,
            job_id=tr.job_id,
            room_id=f"room-{tr.call_id}",
            metadata=call.metadata,
            agent_id=tr.agent_id,
        )
        call.t0 = time.monotonic()
        await ws.send(started.model_dump_json())
        tr.setup.append(
            f"worker: runner dialled the bridge with the call token; "
            f"hello v{hello.protocol_version} → hello.ack → call.started"
        )
        reader = asyncio.create_task(self._read(ws, call), name=f"loopback-reader-{tr.call_id}")
        try:
            await self._drive(ws, call)
        finally:
            if not call.closed:
                await ws.close(1000, "call over")
            done, _ = await asyncio.wait([reader], timeout=2)
            if not done:
                reader.cancel()
                await asyncio.wait([reader])
            tr.duration_s = call.now()

    async def _read(self, ws: ServerConnection, call: Call) -> None:
        """Record every frame; barge in on cue; note contract breaches."""
        from unpod._protocol import UserInterruptEvent, parse_bridge_event
        from websockets.exceptions import ConnectionClosed

        tr = call.transcript
        try:
            while True:
                raw = await ws.recv(decode=True)
                try:
                    event = parse_bridge_event(raw)
                except ValueError:
                    tr.violations.append(f"unknown frame {str(raw)[:80]!r}")
                    continue
                rec = _agent_record(call.now(), event)
                if call.terminal is not None and not (rec.kind == "text.end" and call.in_turn):
                    tr.violations.append(f"{rec.kind} sent after the terminal {call.terminal.kind}")
                if rec.kind == "pause":
                    call.paused = True
                elif rec.kind == "resume":
                    call.paused = False
                elif rec.kind == "text.end":
                    call.in_turn = False
                    call.turn_ended = True
                elif rec.kind in _TERMINAL and call.terminal is None:
                    call.terminal = rec
                elif rec.kind not in ("say", "delta", "filler") and rec.kind not in _TERMINAL:
                    tr.violations.append(f"unexpected frame {rec.kind}")
                call.add(rec)
                if rec.kind == "delta" and call.in_turn and call.step is not None:
                    call.chunks += 1
                    if call.step.interrupt_after == call.chunks:
                        heard = call.step.heard
                        await ws.send(UserInterruptEvent(heard_prefix=heard).model_dump_json())
                        call.add(
                            Record(
                                call.now(),
                                "caller",
                                "interrupt",
                                text=self._redact(call, heard or ""),
                            )
                        )
        except ConnectionClosed:
            pass
        finally:
            call.closed = True
            call.signal.notify()

    @staticmethod
    def _redact(call: Call, text: str) -> str:
        return REDACTED if call.paused and text.strip() else text

    async def _drive(self, ws: ServerConnection, call: Call) -> None:
        """The caller: wait out the opening, then one utterance per agent turn."""
        from unpod._protocol import UserTextEvent

        tr = call.transcript
        until = call.signal.until
        # The opening is spoken with agent.say before Session.run(): wait for its
        # first frame, then until the agent has been quiet for a moment.
        await until(lambda: bool(tr.records) or call.closed, self.opening_timeout_s)
        seen = -1

        def spoke_again() -> bool:
            return len(tr.records) > seen or call.closed

        while not (call.closed or call.terminal):
            seen = len(tr.records)
            if not await until(spoke_again, self.opening_quiet_s):
                break
        await self._state(ws, call, "listening")
        for step in call.steps:
            if call.closed or call.terminal:
                break
            if step.silent:
                await self._silence(ws, call, step)
                continue
            call.step, call.chunks, call.turn_ended, call.in_turn = step, 0, False, True
            await self._state(ws, call, "thinking")
            await ws.send(UserTextEvent(text=step.text).model_dump_json())
            call.add(Record(call.now(), "caller", "speech", text=self._redact(call, step.text)))
            # A terminal verb inside the turn comes before its text.end: allow the
            # text.end a grace period, then hang up regardless.
            await until(lambda: call.turn_ended or call.closed or call.terminal is not None, None)
            if call.terminal is not None:
                await until(lambda: call.turn_ended or call.closed, self.close_grace_s)
                break
            # The session sends end("completed") right after text.end: listen a moment.
            if await until(lambda: call.closed or call.terminal is not None, self.caller_pause_s):
                break
            await self._state(ws, call, "listening")  # the reply has been played
        if call.closed:
            return
        if call.terminal is None:
            call.add(Record(call.now(), "worker", "hangup"))
            await ws.close(1000, "caller hung up")
        else:
            call.add(Record(call.now(), "worker", "close"))
            await ws.close(1000, "call ended")
        call.closed = True

    # -- silence and state ------------------------------------------------------------
    @staticmethod
    async def _state(ws: ServerConnection, call: Call, state: str) -> None:
        """Report the worker's conversation state (when the runner negotiated it)."""
        from unpod._protocol import StateEvent
        from websockets.exceptions import ConnectionClosed

        if call.states and not call.closed:
            with contextlib.suppress(ConnectionClosed):
                await ws.send(StateEvent(state=state).model_dump_json())

    async def _silence(self, ws: ServerConnection, call: Call, step: Step) -> None:
        """The caller keeps quiet: let the call's virtual time pass, timer by timer.

        A plain silence (``""``) lasts until the agent has spoken once; a
        ``wait`` lasts that many virtual seconds. After each timer the worker
        waits for the agent's words to arrive and stop, reports them played
        (``speaking``, then ``listening``), and goes on.
        """
        until, vt = call.signal.until, call.time
        call.add(
            Record(call.now(), "caller", "silence", text=f"{step.wait:g}s" if step.wait else "")
        )
        end = None if vt is None or step.wait is None else vt.time() + step.wait
        while not (call.closed or call.terminal):
            if vt is None:
                return
            armed = await until(
                lambda: vt.next_due() is not None or call.closed or call.terminal is not None,
                self.clock_wait_s,
            )
            due = vt.next_due()
            if not armed or due is None or (end is not None and due > end):
                if end is not None:
                    vt.advance_to(end)
                return
            vt.fire_next()
            await self._agent_spoke(call)
            if call.closed or call.terminal:
                return
            await self._state(ws, call, "speaking")
            await self._state(ws, call, "listening")
            if end is None:
                return

    async def _agent_spoke(self, call: Call) -> None:
        """Wait for the agent's words after a timer fired, then until they stop a moment."""
        tr, until = call.transcript, call.signal.until
        seen = len(tr.records)

        def more() -> bool:
            return len(tr.records) > seen or call.closed

        await until(more, self.opening_timeout_s)
        while not (call.closed or call.terminal):
            seen = len(tr.records)
            if not await until(more, self.opening_quiet_s):
                return
