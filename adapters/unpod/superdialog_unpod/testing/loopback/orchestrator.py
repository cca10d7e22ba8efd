"""The fake Unpod orchestrator: the control plane ``AgentRunner`` registers with."""

from __future__ import annotations

import asyncio
import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from superdialog_unpod.testing.loopback.plumbing import LoopbackServer, Signal, request_path
from superdialog_unpod.testing.loopback.records import (
    LoopbackError,
)

if TYPE_CHECKING:
    from websockets.asyncio.server import ServerConnection


__all__ = ["WORKERS_PATH", "FakeOrchestrator", "Registration"]


WORKERS_PATH = "/v1/internal/workers"
"""Where the runner's control socket connects (``AgentRunner._WORKERS_PATH``)."""


@dataclass(slots=True)
class Registration:
    """One runner registered on the control plane."""

    worker_id: str
    pool: str
    agent_id: str
    capabilities: dict[str, Any]
    ws: ServerConnection
    heartbeats: int = 0
    live: bool = True


class FakeOrchestrator(LoopbackServer):
    """The Unpod orchestrator's control plane for ``AgentRunner`` (``dial_out`` transport).

    Accepts the runner's control socket at ``/v1/internal/workers`` when it
    presents the expected platform token and org handle (else closes with
    4001, which the runner treats as a fatal credential error), answers
    ``register`` with ``registered`` (``transport_ack="dial_out"``), counts
    heartbeats, and sends ``job.assign`` frames whose ``job.ack`` it awaits.
    """

    what = "fake orchestrator"

    def __init__(self, *, platform_token: str, org_handle: str, heartbeat_s: int = 30) -> None:
        super().__init__()
        self.platform_token = platform_token
        self.org_handle = org_handle
        self.heartbeat_s = heartbeat_s
        self.registrations: list[Registration] = []
        self._acks: dict[str, asyncio.Future[Any]] = {}
        self._changed = Signal()

        for fut in self._acks.values():
            fut.cancel()
        self._acks.clear()

    async def _handle(self, ws: ServerConnection) -> None:
        from unpod._protocol import Heartbeat, JobAck, Register, Registered, parse_dispatch_frame
        from websockets.exceptions import ConnectionClosed

        if urlsplit(request_path(ws)).path != WORKERS_PATH:
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
        reg = Registration(frame.worker_id, frame.pool, str(caps.get("agent_id", "")), caps, ws)
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
    ) -> Registration:
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

    async def assign(self, reg: Registration, assign: Any, *, timeout: float) -> Any:
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
