"""Dead air through the real Unpod ``Session``: the caller's last word -> the first spoken chunk.

What the caller feels on a voice call is the silence between the end of their words and the first
chunk the agent speaks. Measured here exactly where the speech worker sees it: a bridge on the far
side of the Unpod SDK's own ``Session(bridge=...)`` (``superdialog_unpod.run_session`` drives the
flow, as in production) stamps the moment it hands the Session the caller's final text
(``UserTextEvent``) and the moment the first ``agent.text.delta`` with text comes back. The model
is the scripted loopback server with a latency model (``DEAD_AIR_LATENCY``: time to first token
and tokens per second), so the figure is what the round trips cost and not the machine's noise.

Turn kind measured: the 40-state chain, every caller turn an LLM state -> LLM state transition
(the model picks the transition with a tool call, the next state speaks).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from unpod._protocol import UserTextEvent
from unpod.connectivity import session as unpod_session

from superdialog_unpod import attach, run_session
from superdialog_unpod.testing import LoopbackBridge

__all__ = ["DEAD_AIR_LATENCY", "StampingBridge", "dead_air_call"]

DEAD_AIR_LATENCY = {"ttft_ms": 300, "tokens_per_s": 50}  # = _common.DEAD_AIR_LATENCY
"""The scripted model's speed for dead-air figures (the issue's reference point)."""


class StampingBridge(LoopbackBridge):
    """The loopback speech worker, stamping when the caller stops and the agent starts."""

    def __init__(self, steps: list[Any]) -> None:
        super().__init__(steps)
        self.said_at: list[int] = []
        self.first_chunk_at: list[int] = []
        self._waiting_first = False

    def _take(self, event: Any) -> Any:
        result = super()._take(event)
        if isinstance(event, UserTextEvent):
            self.said_at.append(time.perf_counter_ns())
            self._waiting_first = True
        return result

    async def send_verb(self, verb: Any) -> None:
        if (
            self._waiting_first
            and getattr(verb, "text", "")
            and (getattr(verb, "event", "") == "agent.text.delta")
        ):
            self.first_chunk_at.append(time.perf_counter_ns())
            self._waiting_first = False
        await super().send_verb(verb)

    def gaps_ms(self) -> list[float]:
        return [(b - a) / 1e6 for a, b in zip(self.said_at, self.first_chunk_at, strict=False)]


async def dead_air_call(flow: Any, texts: list[str], timeout_s: float = 300.0) -> list[float]:
    """One call through the Unpod Session; the dead air of each caller turn, in ms."""
    bridge = StampingBridge(list(texts))
    session = unpod_session.Session(bridge=bridge)
    machine = attach(session, flow)
    await machine.start()
    if not machine.finished:
        bridge.begin()
        await asyncio.wait_for(run_session(session, machine), timeout_s)
    return bridge.gaps_ms()
