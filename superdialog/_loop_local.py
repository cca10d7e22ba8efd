"""One resource per running event loop, closed while that loop shuts down.

Connection pools (``httpx.AsyncClient``, ``openai.AsyncOpenAI``) belong to the
loop they were first used on: used from another loop they fail, and a process
global that outlives its loop leaks its sockets. Each ``asyncio.run`` (one per
test, one per ``superdialog test`` file) starts a new loop, so a process-wide
client is wrong as soon as there are two.

:class:`LoopLocal` creates the resource on first use in a loop and closes it
when the loop shuts down. The hook is an async generator started on that loop:
the loop tracks it, and ``loop.shutdown_asyncgens()`` (which ``asyncio.run``
and ``asyncio.Runner`` call after cancelling the remaining tasks and before
closing) runs its ``finally``, which closes the resource while the loop still
runs. Resources are keyed weakly by loop, so a dead loop is not kept alive;
a loop closed without ``shutdown_asyncgens`` loses its entry on the next lookup.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable

__all__ = ["LoopLocal"]


class _Entry[R]:
    __slots__ = ("guard", "resource")

    def __init__(self, resource: R, guard: AsyncGenerator[None, None]) -> None:
        self.resource = resource
        self.guard = guard


class LoopLocal[R]:
    """A resource per running event loop, closed when that loop shuts down.

    Example::

        _client: LoopLocal[httpx.AsyncClient] = LoopLocal(httpx.AsyncClient, lambda c: c.aclose())

        async def fetch(url: str) -> bytes:
            return (await _client.get().get(url)).content
    """

    def __init__(self, create: Callable[[], R], close: Callable[[R], Awaitable[object]]) -> None:
        """Describe the resource.

        Args:
            create: Makes a new resource; called with the loop running, on its thread.
            close: Closes one; awaited on the resource's own loop during shutdown.

        """
        self._create = create
        self._close = close
        self._entries: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Entry[R]] = (
            weakref.WeakKeyDictionary()
        )

    def get(self) -> R:
        """The running loop's resource, created on first use.

        Raises:
            RuntimeError: No event loop is running in this thread.

        """
        loop = asyncio.get_running_loop()
        entry = self._entries.get(loop)
        if entry is not None:
            return entry.resource
        self._forget_closed_loops()
        resource = self._create()
        guard = self._guard(weakref.ref(loop), resource)
        # Start the generator synchronously: its first step only reaches the yield.
        # Starting it registers it with the running loop (the loop's asyncgen
        # "firstiter" hook), which is what makes shutdown_asyncgens() close it.
        step = guard.asend(None)
        try:
            step.send(None)
        except StopIteration:
            pass
        else:  # pragma: no cover - the guard never awaits before its yield
            raise AssertionError("loop-local guard suspended before its yield")
        self._entries[loop] = _Entry(resource, guard)
        return resource

    def peek(self) -> R | None:
        """The running loop's resource if one was created, else ``None`` (no creation)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None
        entry = self._entries.get(loop)
        return entry.resource if entry is not None else None

    async def aclose(self) -> None:
        """Close the running loop's resource now (if any); the next ``get`` makes a new one."""
        loop = asyncio.get_running_loop()
        entry = self._entries.get(loop)
        if entry is not None:
            await entry.guard.aclose()  # runs the guard's finally: close and forget

    def __len__(self) -> int:
        """How many loops hold a resource now (for tests)."""
        return len(self._entries)

    async def _guard(
        self, loop_ref: weakref.ref[asyncio.AbstractEventLoop], resource: R
    ) -> AsyncGenerator[None, None]:
        # A weak reference: the entry (value) holds this generator, and a strong
        # reference to its key would keep the loop alive for ever.
        try:
            yield
        finally:
            loop = loop_ref()
            entry = self._entries.get(loop) if loop is not None else None
            if loop is not None and entry is not None and entry.resource is resource:
                del self._entries[loop]
            await self._close(resource)

    def _forget_closed_loops(self) -> None:
        """Drop entries of loops closed without shutdown_asyncgens (nothing can close them)."""
        for loop in [lp for lp in self._entries if lp.is_closed()]:
            self._entries.pop(loop, None)
