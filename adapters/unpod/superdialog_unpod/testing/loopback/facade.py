"""A fake Unpod orchestrator and speech worker, so the SDK's real runner path runs offline.

:class:`~superdialog_unpod.testing.bridge.LoopbackBridge` hands frames to a
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
:func:`superdialog_unpod.entrypoint`::

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
import itertools
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from superdialog.runtime.clock import VirtualTime
from superdialog_unpod.testing.bridge import Step
from superdialog_unpod.testing.loopback.orchestrator import FakeOrchestrator, Registration
from superdialog_unpod.testing.loopback.plumbing import loopback_environment
from superdialog_unpod.testing.loopback.records import (
    CallTimeout,
    LoopbackError,
    Record,
    Transcript,
)
from superdialog_unpod.testing.loopback.worker import Call, FakeSpeechWorker

if TYPE_CHECKING:
    from superdialog.flow import Flow

__all__ = [
    "CallTimeout",
    "Entrypoint",
    "FakeOrchestrator",
    "FakeSpeechWorker",
    "LoopbackError",
    "Record",
    "Step",
    "Transcript",
    "UnpodLoopback",
]


Entrypoint = Callable[[Any], Awaitable[None]]
"""An ``AgentRunner`` entrypoint: ``async def entry(ctx: CallContext) -> None``."""


class UnpodLoopback:
    """Run calls through the real Unpod ``AgentRunner`` against a fake orchestrator and worker.

    Each :meth:`run_call` starts an ``AgentRunner`` for the flow (with
    ``superdialog_unpod.entrypoint(flow)``), waits for it to
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
        clock_wait_s: In a silent step, how long the worker waits (real time) for the
            call's clock to arm a timer before the silence just passes.
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
        clock_wait_s: float = 1.0,
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
            clock_wait_s=clock_wait_s,
        )
        self._env: contextlib.ExitStack | None = None
        self._ids = itertools.count(1)

    async def __aenter__(self) -> Self:
        stack = contextlib.ExitStack()
        stack.enter_context(loopback_environment())
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
            steps: The caller's script: utterances (``""`` is silence until
                the agent speaks again) or :class:`Step` objects for barge-ins
                and ``Step(wait=8)`` (eight seconds of silence, in virtual
                time). When it runs out before the call ends, the caller hangs up.
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

        from superdialog.flow import Flow as FlowType
        from superdialog_unpod import entrypoint as flow_entrypoint

        if self._env is None:
            raise LoopbackError("use the loopback inside 'async with UnpodLoopback() as lo'")
        limit = self.timeout if timeout is None else timeout
        n = next(self._ids)
        time = VirtualTime()  # silent steps pass in virtual time: the call's clock runs on it
        if isinstance(flow, FlowType):
            name = flow.name
            inner = flow_entrypoint(flow, llm=llm, scheduler=time)
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
        call = Call(tr, secrets.token_urlsafe(16), steps, meta, loop, time)
        time.on_schedule = call.signal.notify
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
        reg: Registration | None = None
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
