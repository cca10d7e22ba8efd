"""A fake Unpod orchestrator and speech worker, so the SDK's real runner path runs offline.

:class:`~superdialog.testing.unpod_bridge.LoopbackBridge` hands frames to a
``Session`` in-process. That tests our machine against the session loop, but
not the way a call really reaches it in production: the SDK's ``AgentRunner``
registering with the orchestrator over a websocket, accepting a ``job.assign``,
dialling the speech worker's bridge, doing the ``hello`` / ``hello.ack`` /
``call.started`` handshake and only then running the entrypoint with a
``CallContext`` whose session talks JSON over that socket.

This module provides the two far ends of that path as real websocket servers
on ``127.0.0.1`` (random ports), speaking the SDK's own protocol models
(``unpod._protocol``), so everything on the agent side runs unchanged:
``AgentRunner.run`` (registration, heartbeat, ``job.ack``), ``dial_bridge``,
``handle_bridge_connection``, ``CallContext``, ``Session.run`` and our
:func:`superdialog.adapters.unpod.entrypoint`::

    async with UnpodLoopback() as lo:
        transcript = await lo.run_call(flow, ["yes please", "Jane Doe"], data={"name": "Jane"})
    print(transcript)  # caller:/agent: lines with [recording paused: ...] etc.

The fake worker plays a scripted caller the way a real speech worker does: the
next utterance only after the agent's ``agent.text.end`` (and a short pause in
which a terminal verb may still arrive), an optional barge-in after *n*
streamed chunks, and it closes the socket after a terminal verb. Every frame it
receives is recorded with a timestamp. Caller speech sent while recording is
paused is recorded as ``[redacted]``: the worker, like a real one, keeps no
copy of what it was told not to record.

Everything is bounded by timeouts and nothing is left running on exit. While
the loopback is open it points the SDK at loopback-only settings (dummy
credentials passed to the runner, placement detection and usage / tracing
egress switched off through their environment variables, ``127.0.0.1``
excluded from proxies); the previous environment is restored on exit.

Requires the optional ``unpod`` package (``pip install superdialog[unpod]``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import itertools
import os
import secrets
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self
from urllib.parse import parse_qs, urlsplit

from superdialog.testing.unpod_bridge import Step, agent_turns, classify, collapse_deltas

if TYPE_CHECKING:
    from websockets.asyncio.server import Server, ServerConnection

    from superdialog.compile.flow import Flow

__all__ = [
    "CallTimeout",
    "FakeOrchestrator",
    "FakeSpeechWorker",
    "LoopbackError",
    "Record",
    "Step",
    "Transcript",
    "UnpodLoopback",
]

WORKERS_PATH = "/v1/internal/workers"
"""Where the runner's control socket connects (``AgentRunner._WORKERS_PATH``)."""

BRIDGE_PATH = "/v1/bridge/"
"""Prefix of the per-call bridge URLs our fake worker hands out in ``job.assign``."""

_TERMINAL = frozenset({"end", "transfer"})
REDACTED = "[redacted]"

Entrypoint = Callable[[Any], Awaitable[None]]
"""An ``AgentRunner`` entrypoint: ``async def entry(ctx: CallContext) -> None``."""

# Events and verbs this fake worker understands (what it negotiates in hello.ack).
_WORKER_EVENTS = ("user.text", "user.interrupted", "error", "call.started")
_WORKER_VERBS = (
    "agent.text.delta",
    "agent.text.end",
    "agent.say",
    "agent.transfer",
    "agent.end_call",
)


class LoopbackError(RuntimeError):
    """The loopback could not run the call (the runner never registered, a job was refused...)."""


class CallTimeout(TimeoutError):
    """The call did not finish within its timeout; ``transcript`` holds what happened so far."""

    def __init__(self, message: str, transcript: Transcript) -> None:
        super().__init__(message)
        self.transcript = transcript


# ------------------------------------------------------------------------------ records


@dataclass(frozen=True, slots=True)
class Record:
    """One thing on the wire, as the speech worker saw it.

    Attributes:
        t: Seconds since the worker sent ``call.started``.
        source: ``agent`` (a frame the worker received), ``caller`` (an event
            the worker sent for the caller) or ``worker`` (the worker's own
            doing, e.g. hanging up).
        kind: For agent frames ``say``, ``delta``, ``text.end``, ``pause``,
            ``resume``, ``filler``, ``transfer``, ``end`` or the raw event
            name; for the caller ``speech`` and ``interrupt``; for the worker
            ``hangup`` and ``close``.
        text: Speech text (``[redacted]`` for caller speech while recording
            was paused), the heard prefix of an interrupt, or a filler.

    """

    t: float
    source: Literal["agent", "caller", "worker"]
    kind: str
    text: str = ""
    reason: str = ""
    target: str = ""
    transfer_type: str = ""
    mode: str = ""
    announcement: str = ""


def _agent_record(t: float, event: Any) -> Record:
    """Classify a parsed bridge frame (one classifier with the in-process bridge)."""
    f = classify(event)
    return Record(
        t,
        "agent",
        f.kind,
        text=f.text,
        reason=f.reason,
        target=f.target,
        transfer_type=f.transfer_type,
        mode=f.mode,
        announcement=f.announcement,
    )


_TARGET_KIND = {"human": "human queue", "agent": "agent", "number": "number"}


@dataclass(slots=True)
class Transcript:
    """What one call looked like from the speech worker's side.

    ``str(transcript)`` is a readable call transcript with the effects in
    place; the methods give the frame sequence for assertions.

    Attributes:
        call_id: The call (also the session id the runner saw).
        job_id: The orchestrator's job id.
        agent_id: The agent the job was assigned to.
        records: Every frame received and every caller event sent, in order.
        setup: The control-plane steps before the first word (register,
            ``job.assign``/``job.ack``, the bridge handshake), one line each.
        final_state: The runner's verdict on the entrypoint: ``ended`` (it
            returned), ``failed`` (it raised), or ``None`` if never reported.
        violations: Contract breaches the worker noticed (a frame after a
            terminal verb, a second terminal verb, an unknown frame).
        machine: The call's dialog machine, read off the session after the
            entrypoint returned (``None`` for custom entrypoints that set none).
        duration_s: From ``call.started`` to the socket closing.

    """

    call_id: str
    job_id: str
    agent_id: str
    records: list[Record] = field(default_factory=list)
    setup: list[str] = field(default_factory=list)
    final_state: str | None = None
    violations: list[str] = field(default_factory=list)
    machine: Any = None
    duration_s: float = 0.0

    # -- reading --------------------------------------------------------------------
    @property
    def frames(self) -> list[Record]:
        """Only the frames the agent sent, in order."""
        return [r for r in self.records if r.source == "agent"]

    def kinds(self) -> list[str]:
        """Agent frame kinds in order, the deltas of a run collapsed into one ``delta``."""
        return collapse_deltas(r.kind for r in self.frames)

    def timeline(self) -> list[str]:
        """Like :meth:`kinds`, with the caller's events (``caller``, ``interrupt``) in place."""
        return collapse_deltas(
            "caller" if r.source == "caller" and r.kind == "speech" else r.kind
            for r in self.records
        )

    def turns(self) -> list[str]:
        """The agent's streamed text per turn (deltas joined up to each ``text.end``)."""
        return agent_turns(self.frames)

    def said(self) -> list[str]:
        """The ``agent.say`` lines (the opening, spoken by the host before ``run()``)."""
        return [r.text for r in self.frames if r.kind == "say"]

    def terminal(self) -> list[Record]:
        """The terminal frames (``end`` / ``transfer``); a correct call has at most one."""
        return [r for r in self.frames if r.kind in _TERMINAL]

    @property
    def problems(self) -> list[str]:
        """Everything wrong with the call from the worker's point of view (empty if fine)."""
        out = list(self.violations)
        if self.final_state != "ended":
            out.append(f"the runner reported the call as {self.final_state or 'unfinished'}")
        if len(self.terminal()) > 1:
            out.append(f"{len(self.terminal())} terminal verbs")
        return out

    @property
    def ok(self) -> bool:
        """Whether the entrypoint returned normally and no contract was broken."""
        return not self.problems

    # -- showing --------------------------------------------------------------------
    def render(self, *, timestamps: bool = False, chunks: bool = False) -> str:
        """The call as readable lines: ``caller:``, ``agent:`` and ``[effects]``.

        Args:
            timestamps: Prefix each line with its time since ``call.started``.
            chunks: Note how a reply arrived when it came in more than one
                chunk: the chunk count and the time from the caller's last
                word to the first chunk (what a caller waits for; off by
                default because a scripted line is one chunk per utterance).

        """
        lines: list[str] = []
        buf: list[Record] = []
        last_caller_t: float | None = None

        def emit(t: float, text: str) -> None:
            lines.append(f"{t:7.3f}s  {text}" if timestamps else text)

        def flush() -> None:
            if not buf:
                return
            text = "".join(r.text for r in buf).strip()
            note = ""
            if chunks and len(buf) > 1:
                note = f"   ({len(buf)} chunks"
                if last_caller_t is not None:
                    note += f", first after {(buf[0].t - last_caller_t) * 1000:.0f} ms"
                note += ")"
            emit(buf[0].t, f"agent:  {text}{note}")
            buf.clear()

        for r in self.records:
            if r.source == "agent" and r.kind == "delta":
                buf.append(r)
                continue
            flush()
            if r.source == "caller":
                if r.kind == "speech":
                    last_caller_t = r.t
                    emit(r.t, f"caller: {r.text if r.text.strip() else '(silence)'}")
                else:
                    heard = f' heard "{r.text}"' if r.text else ""
                    emit(r.t, f"[caller barges in;{heard}]" if heard else "[caller barges in]")
            elif r.source == "worker":
                emit(
                    r.t,
                    "[caller hangs up]"
                    if r.kind == "hangup"
                    else "[worker closes the call socket]",
                )
            elif r.kind == "say":
                emit(r.t, f"agent:  {r.text}")
            elif r.kind == "text.end":
                continue
            else:
                emit(r.t, _effect(r))
        flush()
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


def _effect(r: Record) -> str:
    if r.kind == "pause":
        return f"[recording paused: {r.reason}]" if r.reason else "[recording paused]"
    if r.kind == "resume":
        return "[recording resumed]"
    if r.kind == "filler":
        return f"[filler: {r.text}]"
    if r.kind == "end":
        return f"[end: {r.reason}]"
    if r.kind == "transfer":
        kind = _TARGET_KIND.get(r.transfer_type, r.transfer_type)
        text = f"[transfer → {kind} {r.target} ({r.mode})"
        if r.announcement:
            text += f', announcing "{r.announcement}"'
        return text + "]"
    return f"[{r.kind}]"


# ------------------------------------------------------------------------------ helpers


class _Signal:
    """A change counter one coroutine can wait on with a predicate and a timeout."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()

    async def until(self, predicate: Callable[[], bool], timeout: float | None) -> bool:
        """Wait until ``predicate()`` holds; ``False`` if ``timeout`` passed first."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    self._event.clear()
                    if predicate():
                        return True
                    await self._event.wait()
        except TimeoutError:
            return predicate()


def _request_path(ws: ServerConnection) -> str:
    request = ws.request
    return request.path if request is not None else ""


@contextlib.contextmanager
def _loopback_environment() -> Iterator[None]:
    """Point the SDK's environment-driven side channels at nothing, then restore.

    ``AgentRunner`` advertises where it runs (``host_info.placement``), which
    by default probes the machine's outbound address; ``Session`` may push
    usage to ``UNPOD_USAGE_INGEST_URL`` and traces to Langfuse. None of that
    belongs in an offline test, and websockets would honour a proxy from the
    environment even for 127.0.0.1 unless it is excluded.
    """
    no_proxy = ",".join(
        x
        for x in (os.environ.get("NO_PROXY") or os.environ.get("no_proxy"), "127.0.0.1,localhost")
        if x
    )
    wanted = {
        "UNPOD_WORKER_HOSTNAME": "loopback",
        "UNPOD_WORKER_ADDRESS": "127.0.0.1",
        "UNPOD_WORKER_REGION": "loopback",
        "UNPOD_WORKER_DEPLOYMENT": "local",
        "UNPOD_USAGE_INGEST_URL": "",
        "LANGFUSE_SECRET_KEY": "",
        "NO_PROXY": no_proxy,
        "no_proxy": no_proxy,
    }
    saved = {key: os.environ.get(key) for key in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# ------------------------------------------------------------------------------ orchestrator


@dataclass(slots=True)
class _Registration:
    worker_id: str
    pool: str
    agent_id: str
    capabilities: dict[str, Any]
    ws: ServerConnection
    heartbeats: int = 0
    live: bool = True


class FakeOrchestrator:
    """The Unpod orchestrator's control plane for ``AgentRunner`` (``dial_out`` transport).

    Accepts the runner's control socket at ``/v1/internal/workers`` when it
    presents the expected platform token and org handle (else closes with
    4001, which the runner treats as a fatal credential error), answers
    ``register`` with ``registered`` (``transport_ack="dial_out"``), counts
    heartbeats, and sends ``job.assign`` frames whose ``job.ack`` it awaits.
    """

    def __init__(self, *, platform_token: str, org_handle: str, heartbeat_s: int = 30) -> None:
        self.platform_token = platform_token
        self.org_handle = org_handle
        self.heartbeat_s = heartbeat_s
        self.registrations: list[_Registration] = []
        self._acks: dict[str, asyncio.Future[Any]] = {}
        self._changed = _Signal()
        self._server: Server | None = None

    @property
    def url(self) -> str:
        """The base URL to give ``AgentRunner(base_url=...)``."""
        if self._server is None:
            raise LoopbackError("the fake orchestrator is not started")
        port = next(iter(self._server.sockets)).getsockname()[1]
        return f"ws://127.0.0.1:{port}"

    async def start(self) -> None:
        """Listen on a free loopback port."""
        from websockets.asyncio.server import serve

        self._server = await serve(self._handle, "127.0.0.1", 0)

    async def stop(self) -> None:
        """Close every control socket and stop listening."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()
        for fut in self._acks.values():
            fut.cancel()
        self._acks.clear()

    async def _handle(self, ws: ServerConnection) -> None:
        from unpod._protocol import Heartbeat, JobAck, Register, Registered, parse_dispatch_frame
        from websockets.exceptions import ConnectionClosed

        if urlsplit(_request_path(ws)).path != WORKERS_PATH:
            await ws.close(4004, "unknown path")
            return
        headers = ws.request.headers if ws.request is not None else {}
        token_ok = hmac.compare_digest(
            str(headers.get("Authorization", "")), f"Token {self.platform_token}"
        )
        if not token_ok or headers.get("Org-Handle") != self.org_handle:
            await ws.close(4001, "invalid platform token or org handle")
            return
        try:
            async with asyncio.timeout(5):
                frame = parse_dispatch_frame(await ws.recv(decode=True))
        except (TimeoutError, ConnectionClosed, ValueError):
            await ws.close(1002, "expected register")
            return
        if not isinstance(frame, Register):
            await ws.close(1002, "expected register")
            return
        caps = dict(frame.capabilities)
        reg = _Registration(frame.worker_id, frame.pool, str(caps.get("agent_id", "")), caps, ws)
        transport = caps.get("transport", "serve")
        await ws.send(
            Registered(
                heartbeat_interval_s=self.heartbeat_s, transport_ack=str(transport)
            ).model_dump_json()
        )
        self.registrations.append(reg)
        self._changed.notify()
        try:
            while True:
                msg = parse_dispatch_frame(await ws.recv(decode=True))
                if isinstance(msg, Heartbeat):
                    reg.heartbeats += 1
                elif isinstance(msg, JobAck):
                    fut = self._acks.pop(msg.assign_id or msg.job_id, None)
                    if fut is not None and not fut.done():
                        fut.set_result(msg)
        except (ConnectionClosed, ValueError):
            pass
        finally:
            reg.live = False
            self._changed.notify()

    async def wait_registered(
        self, agent_id: str, *, after: int, timeout: float, runner: asyncio.Task[None] | None = None
    ) -> _Registration:
        """The first live registration for ``agent_id`` among those after index ``after``.

        Gives up early if ``runner`` (the runner's task) ends first, e.g. on a
        refused credential, instead of waiting out the timeout.
        """

        def found() -> bool:
            return any(r.live and r.agent_id == agent_id for r in self.registrations[after:])

        if runner is not None:
            runner.add_done_callback(lambda _: self._changed.notify())
        stopped = runner.done if runner is not None else lambda: False
        if not await self._changed.until(lambda: found() or stopped(), timeout):
            raise LoopbackError(f"no runner for agent {agent_id!r} registered within {timeout}s")
        if not found():
            assert runner is not None
            exc = None if runner.cancelled() else runner.exception()
            raise LoopbackError(f"the runner for {agent_id!r} stopped before registering: {exc!r}")
        return next(r for r in self.registrations[after:] if r.live and r.agent_id == agent_id)

    async def assign(self, reg: _Registration, assign: Any, *, timeout: float) -> Any:
        """Send a ``job.assign`` to ``reg`` and return its ``job.ack``."""
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._acks[assign.assign_id or assign.job_id] = fut
        try:
            await reg.ws.send(assign.model_dump_json())
            async with asyncio.timeout(timeout):
                return await fut
        except TimeoutError:
            raise LoopbackError(f"no job.ack for job {assign.job_id} within {timeout}s") from None
        finally:
            self._acks.pop(assign.assign_id or assign.job_id, None)


# ------------------------------------------------------------------------------ speech worker


class _Call:
    """One pending or live call on the fake worker: the script, the recording, the state."""

    def __init__(
        self,
        transcript: Transcript,
        token: str,
        steps: Sequence[Step | str],
        metadata: dict[str, Any],
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.transcript = transcript
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
        self.signal = _Signal()
        self.done: asyncio.Future[None] = loop.create_future()

    def now(self) -> float:
        return time.monotonic() - self.t0

    def add(self, record: Record) -> None:
        self.transcript.records.append(record)
        self.signal.notify()


class FakeSpeechWorker:
    """The speech worker's bridge acceptor, playing a scripted caller.

    A call is registered first (:meth:`expect`), which gives the bridge URL
    and one-time call token that go into ``job.assign``. When the runner
    dials that URL with the token, the worker answers the runner's ``hello``
    with ``hello.ack`` and ``call.started`` (carrying ``data`` in its
    metadata), then waits for the opening to finish and speaks the script.
    A wrong token or unknown call is refused with close code 4003, a second
    socket for the same call with 4009, as the real worker does.
    """

    def __init__(
        self,
        *,
        opening_quiet_s: float = 0.05,
        opening_timeout_s: float = 5.0,
        caller_pause_s: float = 0.05,
        close_grace_s: float = 0.5,
    ) -> None:
        self.opening_quiet_s = opening_quiet_s
        self.opening_timeout_s = opening_timeout_s
        self.caller_pause_s = caller_pause_s
        self.close_grace_s = close_grace_s
        self._calls: dict[str, _Call] = {}
        self._server: Server | None = None

    @property
    def url(self) -> str:
        """The worker's base URL (``ws://127.0.0.1:PORT``)."""
        if self._server is None:
            raise LoopbackError("the fake speech worker is not started")
        port = next(iter(self._server.sockets)).getsockname()[1]
        return f"ws://127.0.0.1:{port}"

    async def start(self) -> None:
        """Listen on a free loopback port."""
        from websockets.asyncio.server import serve

        self._server = await serve(self._handle, "127.0.0.1", 0)

    async def stop(self) -> None:
        """Close every bridge socket and stop listening."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()

    def expect(self, call: _Call) -> str:
        """Register a call; return the bridge URL the runner must dial."""
        self._calls[call.transcript.call_id] = call
        return f"{self.url}{BRIDGE_PATH}{call.transcript.call_id}"

    def forget(self, call: _Call) -> None:
        """Drop a finished call's pairing."""
        self._calls.pop(call.transcript.call_id, None)

    # -- one bridge connection --------------------------------------------------------
    async def _handle(self, ws: ServerConnection) -> None:
        parts = urlsplit(_request_path(ws))
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

    async def _play(self, ws: ServerConnection, call: _Call) -> None:
        from unpod._protocol import CallStartedEvent, HelloAckEvent, HelloEvent, parse_bridge_event

        tr = call.transcript
        async with asyncio.timeout(10):
            hello = parse_bridge_event(await ws.recv(decode=True))
        if not isinstance(hello, HelloEvent):
            await ws.close(1002, "expected hello")
            raise LoopbackError(f"expected hello, got {type(hello).__name__}")
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

    async def _read(self, ws: ServerConnection, call: _Call) -> None:
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
    def _redact(call: _Call, text: str) -> str:
        return REDACTED if call.paused and text.strip() else text

    async def _drive(self, ws: ServerConnection, call: _Call) -> None:
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
        for step in call.steps:
            if call.closed or call.terminal:
                break
            call.step, call.chunks, call.turn_ended, call.in_turn = step, 0, False, True
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
        if call.closed:
            return
        if call.terminal is None:
            call.add(Record(call.now(), "worker", "hangup"))
            await ws.close(1000, "caller hung up")
        else:
            call.add(Record(call.now(), "worker", "close"))
            await ws.close(1000, "call ended")
        call.closed = True


# ------------------------------------------------------------------------------ facade


class UnpodLoopback:
    """Run calls through the real Unpod ``AgentRunner`` against a fake orchestrator and worker.

    Each :meth:`run_call` starts an ``AgentRunner`` for the flow (with
    ``superdialog.adapters.unpod.entrypoint(flow)``), waits for it to
    register, assigns it one call, plays the script over the bridge, and
    stops the runner again; the returned :class:`Transcript` is what the
    speech worker saw. Use as ``async with UnpodLoopback() as lo``.

    Args:
        timeout: Default bound, in seconds, on one whole call (registration
            to the runner reporting the call over).
        caller_pause_s: How long the caller waits after the agent's
            ``text.end`` before speaking (or hanging up): the session sends a
            completed call's ``end`` right after ``text.end``.
        opening_quiet_s: Silence that marks the end of the opening lines.
        close_grace_s: How long, after a terminal verb inside a turn, the
            worker waits for that turn's ``text.end`` before closing.
        heartbeat_s: The heartbeat interval the orchestrator asks for.
        platform_token: Dummy credential the runner must present (loopback only).
        org_handle: Dummy org handle the runner must present (loopback only).

    """

    def __init__(
        self,
        *,
        timeout: float = 10.0,
        caller_pause_s: float = 0.05,
        opening_quiet_s: float = 0.05,
        close_grace_s: float = 0.5,
        heartbeat_s: int = 30,
        platform_token: str = "loopback-platform-token",
        org_handle: str = "loopback-org",
    ) -> None:
        self.timeout = timeout
        self.orchestrator = FakeOrchestrator(
            platform_token=platform_token, org_handle=org_handle, heartbeat_s=heartbeat_s
        )
        self.worker = FakeSpeechWorker(
            opening_quiet_s=opening_quiet_s,
            caller_pause_s=caller_pause_s,
            close_grace_s=close_grace_s,
        )
        self._env: contextlib.ExitStack | None = None
        self._ids = itertools.count(1)

    async def __aenter__(self) -> Self:
        stack = contextlib.ExitStack()
        stack.enter_context(_loopback_environment())
        self._env = stack
        try:
            await self.orchestrator.start()
            await self.worker.start()
        except BaseException:
            await self._close()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._close()

    async def _close(self) -> None:
        try:
            await self.worker.stop()
            await self.orchestrator.stop()
        finally:
            env, self._env = self._env, None
            if env is not None:
                env.close()

    async def run_call(
        self,
        flow: Flow | Entrypoint,
        steps: Sequence[Step | str],
        *,
        data: Mapping[str, Any] | None = None,
        llm: Mapping[str, Any] | None = None,
        agent_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        timeout: float | None = None,
    ) -> Transcript:
        """Play one call end to end through the SDK's runner path.

        Args:
            flow: A compiled flow (run with ``entrypoint(flow, llm=llm)``), or
                any ``AgentRunner`` entrypoint of your own.
            steps: The caller's script: utterances (``""`` is silence) or
                :class:`Step` objects for barge-ins. When it runs out before
                the call ends, the caller hangs up.
            data: The call's ``data`` (e.g. a CRM record), delivered in
                ``call.started`` metadata; our adapter copies it into
                ``session.data`` for templates.
            llm: LLM config overrides for the flow (e.g. a scripted server's
                ``base_url``).
            agent_id: The agent id to register and assign (default: one per call).
            metadata: Extra ``call.started`` metadata (``direction``,
                ``user_number``...).
            timeout: Bound on the whole call (default: the loopback's).

        Returns:
            The worker's transcript. It is returned even if the call broke a
            contract: check ``transcript.ok`` / ``transcript.problems``.

        Raises:
            CallTimeout: The call did not finish in time (partial transcript attached).
            LoopbackError: The runner never registered or refused the job.

        """
        from unpod._protocol import JobAssign, JobCancel
        from unpod.connectivity.runner import AgentRunner

        from superdialog.adapters.unpod import entrypoint as flow_entrypoint
        from superdialog.compile.flow import Flow as FlowType

        if self._env is None:
            raise LoopbackError("use the loopback inside 'async with UnpodLoopback() as lo'")
        limit = self.timeout if timeout is None else timeout
        n = next(self._ids)
        if isinstance(flow, FlowType):
            name = flow.name
            inner = flow_entrypoint(flow, llm=llm)
        else:
            name = getattr(flow, "__name__", "entrypoint")
            inner = flow
        agent = agent_id or f"loopback-{name}-{n}"
        call_id = f"call-{n}-{secrets.token_hex(4)}"
        tr = Transcript(call_id=call_id, job_id=f"job-{secrets.token_hex(6)}", agent_id=agent)
        meta: dict[str, Any] = {
            "direction": "inbound",
            "user_number": "+15550100",
            **(metadata or {}),
            "data": dict(data or {}),
        }
        loop = asyncio.get_running_loop()
        call = _Call(tr, secrets.token_urlsafe(16), steps, meta, loop)
        runner_done: asyncio.Future[str] = loop.create_future()

        async def entry(ctx: Any) -> None:
            try:
                await inner(ctx)
            finally:
                tr.machine = getattr(ctx.session, "dialog_machine", None)

        runner = AgentRunner(
            entry,
            agent_id=agent,
            platform_token=self.orchestrator.platform_token,
            org_handle=self.orchestrator.org_handle,
            base_url=self.orchestrator.url,
            drain_timeout_s=0,
        )

        @runner.on("call_end")
        async def _ended(ctx: Any, final_state: str) -> None:
            if not runner_done.done():
                runner_done.set_result(final_state)

        before = len(self.orchestrator.registrations)
        bridge_url = self.worker.expect(call)
        task = asyncio.create_task(runner.run(), name=f"loopback-runner-{agent}")
        reg: _Registration | None = None
        try:
            async with asyncio.timeout(limit):
                reg = await self.orchestrator.wait_registered(
                    agent, after=before, timeout=limit, runner=task
                )
                tr.setup.append(
                    f"orchestrator: runner registered worker_id={reg.worker_id} "
                    f"pool={reg.pool} kind={reg.capabilities.get('kind')} "
                    f"transport={reg.capabilities.get('transport')}"
                )
                assign = JobAssign(
                    job_id=tr.job_id,
                    call_id=call_id,
                    agent_id=agent,
                    bridge_url=bridge_url,
                    call_token=call.token,
                    assign_id=secrets.token_hex(4),
                    metadata=meta,
                )
                ack = await self.orchestrator.assign(reg, assign, timeout=2.0)
                tr.setup.append(
                    f"orchestrator: job.assign {tr.job_id} → job.ack "
                    f"{'accepted' if ack.accepted else 'rejected'}"
                    + (f" ({ack.reason})" if ack.reason else "")
                )
                if not ack.accepted:
                    raise LoopbackError(f"the runner refused the job: {ack.reason}")
                await call.done
                tr.final_state = await runner_done
        except TimeoutError:
            if reg is not None:  # the orchestrator's way to take a job back
                with contextlib.suppress(Exception):
                    await reg.ws.send(JobCancel(job_id=tr.job_id).model_dump_json())
            if call.ws is not None and not call.closed:
                with contextlib.suppress(Exception):
                    await call.ws.close(1001, "loopback timeout")
            raise CallTimeout(f"call {call_id} did not finish within {limit}s", tr) from None
        finally:
            self.worker.forget(call)
            await _stop_runner(runner, task)
        return tr


async def _stop_runner(runner: Any, task: asyncio.Task[None]) -> None:
    """Stop the runner's control loop and wait for its per-call job tasks.

    ``AgentRunner.shutdown`` only flags the loop (it exits after the next
    control frame), so the run task is cancelled; the dial tasks live in the
    runner's job table and finish on their own once the bridge closed.
    """
    with contextlib.suppress(Exception):
        await runner.shutdown()
    jobs = [t for t in getattr(runner, "_jobs", {}).values() if isinstance(t, asyncio.Task)]
    if jobs:
        _, pending = await asyncio.wait(jobs, timeout=2)
        for t in pending:
            t.cancel()
        if pending:
            await asyncio.wait(pending)
    task.cancel()
    await asyncio.wait([task])
    if not task.cancelled():
        task.exception()  # retrieved: a failed runner is reported by the transcript
