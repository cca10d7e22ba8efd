"""Small things the fake orchestrator and speech worker share.

A websocket server on a free loopback port, a change signal one coroutine can
wait on, the request path of a websocket, and the loopback environment that
keeps the SDK's side channels offline.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from superdialog_unpod.testing.loopback.records import LoopbackError

if TYPE_CHECKING:
    from websockets.asyncio.server import Server, ServerConnection


__all__ = ["LoopbackServer", "Signal", "loopback_environment", "request_path"]


class LoopbackServer:
    """A websocket server on a free 127.0.0.1 port; subclasses answer in ``_handle``."""

    what = "loopback server"  # for the error when it is used before ``start``

    def __init__(self) -> None:
        self._server: Server | None = None

    @property
    def url(self) -> str:
        """The base URL (``ws://127.0.0.1:PORT``) to give the SDK."""
        if self._server is None:
            raise LoopbackError(f"the {self.what} is not started")
        port = next(iter(self._server.sockets)).getsockname()[1]
        return f"ws://127.0.0.1:{port}"

    async def start(self) -> None:
        """Listen on a free loopback port."""
        from websockets.asyncio.server import serve  # lazy: websockets only for loopback tests

        self._server = await serve(self._handle, "127.0.0.1", 0)

    async def stop(self) -> None:
        """Close every socket and stop listening."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()

    async def _handle(self, ws: ServerConnection) -> None:
        raise NotImplementedError


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
