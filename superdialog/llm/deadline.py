"""One timer per attempt that interrupts only a wait on the endpoint.

``asyncio.timeout`` around every read of a stream schedules and cancels a timer
per chunk: a few microseconds each, dozens of times per reply, on every turn of
every live call. A :class:`Deadline` schedules one timer for the whole attempt
(moved once, when the first token arrives) and, when it fires, cancels the task
only while that task is waiting inside :meth:`Deadline.guard`. Time the caller
spends between chunks (the consumer holds the stream while it speaks) is never
interrupted from here: a deadline that passes then is noticed at the next read.

The cancellation bookkeeping is ``asyncio.Timeout``'s: our own cancel is undone
with ``Task.uncancel`` and turned into ``TimeoutError``; a cancel from anyone
else (barge-in, hang-up) propagates untouched.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

__all__ = ["Deadline"]

_T = TypeVar("_T")


class Deadline:
    """A movable deadline that only ever cancels a guarded wait.

    Not reentrant: one task waits in :meth:`guard` at a time, which is how a
    stream is read. Call :meth:`close` when the attempt ends, so no timer is
    left behind in the loop.
    """

    __slots__ = (
        "_cancelled",
        "_cancelling",
        "_fired",
        "_handle",
        "_loop",
        "_task",
        "_waiting",
        "when",
    )

    def __init__(self, loop: asyncio.AbstractEventLoop, when: float) -> None:
        """Arm the deadline at loop time ``when``."""
        self._loop = loop
        self.when = when
        self._task: asyncio.Task[object] | None = None
        self._waiting = False
        self._fired = False
        self._cancelled = False
        self._cancelling = 0
        self._handle: asyncio.TimerHandle | None = loop.call_at(when, self._fire)

    def move(self, when: float) -> None:
        """Re-arm at loop time ``when`` (earlier or later); a no-op if unchanged."""
        if when == self.when and not self._fired:
            return
        if self._handle is not None:
            self._handle.cancel()
        self.when = when
        self._fired = False
        self._handle = self._loop.call_at(when, self._fire)

    def close(self) -> None:
        """Disarm: the attempt is over."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def check(self) -> None:
        """Raise ``TimeoutError`` if the deadline has passed.

        Call it before creating what :meth:`guard` will await (a read of the
        stream), so that a read is never started only to be dropped.
        """
        if self._fired or self._loop.time() >= self.when:
            raise TimeoutError

    @property
    def expired(self) -> bool:
        """Whether the deadline has passed (its timer ran, or the clock is past it)."""
        return self._fired or self._loop.time() >= self.when

    async def guard(self, waiting: Awaitable[_T]) -> _T:
        """Await ``waiting``; ``TimeoutError`` if the deadline passes first (or already has).

        Raises:
            TimeoutError: The deadline passed before ``waiting`` finished.
            asyncio.CancelledError: The task was cancelled by someone else.

        """
        if self.expired:  # the caller checks first; a coroutine given anyway is closed unrun
            _close_unawaited(waiting)
            raise TimeoutError
        task = asyncio.current_task()
        if task is None:  # pragma: no cover - guard is only awaited from a task
            raise RuntimeError("Deadline.guard must run in a task")
        self._task = task
        self._cancelling = task.cancelling()
        self._waiting = True
        try:
            result = await waiting
        except asyncio.CancelledError:
            if self._cancelled:
                self._cancelled = False
                if task.uncancel() <= self._cancelling:
                    raise TimeoutError from None
            raise
        finally:
            self._waiting = False
            self._task = None
        if self._cancelled:  # our cancel was swallowed below us: undo it, report the timeout
            self._cancelled = False
            task.uncancel()
            raise TimeoutError
        return result

    def _fire(self) -> None:
        self._handle = None
        self._fired = True
        if self._waiting and self._task is not None:
            self._cancelled = True
            self._task.cancel()
        else:
            self._task = None  # nobody to interrupt: the next guard sees ``expired``


def _close_unawaited(waiting: Awaitable[object]) -> None:
    close = getattr(waiting, "close", None)
    if close is not None:  # a coroutine never awaited would warn when collected
        close()
