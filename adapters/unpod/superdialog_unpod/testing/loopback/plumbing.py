"""Small things the fake orchestrator and speech worker share.

A change signal one coroutine can wait on, the request path of a websocket,
and the loopback environment that keeps the SDK's side channels offline.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from websockets.asyncio.server import ServerConnection


__all__ = ["Signal", "loopback_environment", "request_path"]


class Signal:
    """A change counter one coroutine can wait on with a predicate and a timeout."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        """Something changed: wake whoever waits."""
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


def request_path(ws: ServerConnection) -> str:
    """The path a websocket client asked for ("" before the handshake)."""
    request = ws.request
    return request.path if request is not None else ""


@contextlib.contextmanager
def loopback_environment() -> Iterator[None]:
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
