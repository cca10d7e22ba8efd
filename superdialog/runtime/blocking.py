"""A bounded thread pool of its own for blocking user code (sync actions, sync validators).

Why not ``asyncio.to_thread``: the loop's default executor is shared with DNS
lookups (``loop.getaddrinfo``) and everything else in the process, and a
timed-out call keeps its thread until the function really returns. A handful of
hung sync actions used to take every default-executor thread, after which a
1 ms action in an unrelated call timed out and DNS lookups stalled.

This pool is separate and never queues: when every thread is busy (hung ones
included) a new call fails at once with :class:`PoolExhausted`, so the damage a
hung backend does stays with the calls that use it. A call that outlives its
``timeout`` raises ``TimeoutError`` to its caller at once; its thread is counted
as *abandoned* until the function returns, and is then free again.

One pool serves the whole process and any number of event loops: each result is
delivered to the loop that asked for it (``call_soon_threadsafe``), and a loop
that is closed by then is simply skipped. Threads are daemon threads, so a
function that never returns cannot hold up interpreter exit, and idle threads
exit after a while so a burst does not leave them parked forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from superdialog.errors import ActionError
from superdialog.pii.logs import get_logger

__all__ = [
    "DEFAULT_MAX_THREADS",
    "ENV_MAX_THREADS",
    "BlockingStats",
    "PoolExhausted",
    "blocking_stats",
    "configure_blocking",
    "run_blocking",
]

_log = get_logger("superdialog.runtime")

DEFAULT_MAX_THREADS: Final = 32
"""Threads for blocking user code when nothing else is configured.

Sync actions are I/O-bound (a database driver, ``requests``), so the right size
follows how many calls may be *inside* a sync action at the same moment, not the
CPU count; 32 is the ceiling the standard library puts on its own default pool
(``min(32, cpu_count + 4)``). A thread costs little while idle (its stack is
reserved, not touched) and idle threads exit after :data:`IDLE_SECONDS`.
"""

ENV_MAX_THREADS: Final = "SUPERDIALOG_BLOCKING_THREADS"
"""Environment variable read for the limit unless :func:`configure_blocking` set one."""

IDLE_SECONDS: Final = 60.0
"""An idle thread exits after this long without work."""


class PoolExhausted(ActionError):
    """Every thread for blocking work is busy; the call was refused without waiting."""


@dataclass(frozen=True, slots=True)
class BlockingStats:
    """A snapshot of the pool, for tests and operations.

    Attributes:
        size: The limit: at most this many functions run at once.
        busy: Threads running a function now, abandoned ones included.
        abandoned: Busy threads whose caller timed out or was cancelled (hung work).
        threads: Threads alive, idle ones included.

    """

    size: int
    busy: int
    abandoned: int
    threads: int


class _Job:
    """One function call handed to a worker thread, and where its outcome goes."""

    __slots__ = ("abandoned", "args", "ctx", "finished", "fn", "future", "kwargs", "loop")

    def __init__(
        self,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        loop: asyncio.AbstractEventLoop,
        future: asyncio.Future[Any],
    ) -> None:
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.ctx = contextvars.copy_context()
        self.loop = loop
        self.future = future
        self.abandoned = False  # the caller stopped waiting (guarded by the pool's lock)
        self.finished = False  # fn returned or raised (guarded by the pool's lock)


class _Worker:
    """A daemon thread that runs jobs handed to it one at a time."""

    __slots__ = ("inbox", "pool")

    def __init__(self, pool: _Pool) -> None:
        self.pool = pool
        self.inbox: queue.SimpleQueue[_Job] = queue.SimpleQueue()

    def run(self, job: _Job) -> None:
        while True:
            self.pool.execute(job, self)
            del job  # a parked thread must not keep the last job's arguments alive
            following = self.pool.next_job(self)
            if following is None:
                return
            job = following


def _deliver(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
    """Runs on the caller's loop: settle the future unless the caller gave up."""
    if future.done():
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


class _Pool:
    """The process-wide pool: a limit, a busy count and a stack of idle workers."""

    def __init__(self, idle_seconds: float = IDLE_SECONDS) -> None:
        self.idle_seconds = idle_seconds
        self.lock = threading.Lock()
        self.configured: int | None = None
        self.env_limit: int | None = None
        self.env_read = False
        self.busy = 0
        self.abandoned = 0
        self.threads = 0
        self.idle: list[_Worker] = []  # LIFO: hot threads are reused, cold ones expire

    def limit(self) -> int:
        """The limit in force (caller holds the lock)."""
        if self.configured is not None:
            return self.configured
        if not self.env_read:
            self.env_read = True
            self.env_limit = _read_env()
        return self.env_limit if self.env_limit is not None else DEFAULT_MAX_THREADS

    def submit(self, job: _Job) -> None:
        """Hand ``job`` to an idle thread or a new one; refuse at once when full."""
        with self.lock:
            size = self.limit()
            if self.busy >= size:
                raise PoolExhausted(_exhausted_message(size, self.busy, self.abandoned))
            self.busy += 1
            if self.idle:
                self.idle.pop().inbox.put(job)
                return
            self.threads += 1
        worker = _Worker(self)
        thread = threading.Thread(
            target=worker.run, args=(job,), name="superdialog-blocking", daemon=True
        )
        try:
            thread.start()
        except BaseException:  # e.g. "can't start new thread": undo the reservation
            with self.lock:
                self.busy -= 1
                self.threads -= 1
            raise

    def execute(self, job: _Job, worker: _Worker) -> None:
        """Run one job on ``worker``'s thread and post its outcome to the caller's loop.

        The worker is back on the idle stack in the same step that frees its busy
        slot, so a submitter never sees a free slot without an idle thread and
        starts a surplus one.
        """
        ok = True
        value: Any
        try:
            value = job.ctx.run(job.fn, *job.args, **job.kwargs)
        except BaseException as exc:  # everything goes back to the caller, unchanged
            ok, value = False, exc
            if isinstance(exc, StopIteration):  # a Future refuses StopIteration
                value = RuntimeError(f"{_name(job.fn)} raised StopIteration")
                value.__cause__ = exc
        with self.lock:
            job.finished = True
            self.busy -= 1
            if job.abandoned:
                self.abandoned -= 1
            waiting = not job.abandoned
            self.idle.append(worker)
        if waiting:
            # RuntimeError: the caller's loop is closed by now, so nobody is waiting.
            with contextlib.suppress(RuntimeError):
                job.loop.call_soon_threadsafe(_deliver, job.future, ok, value)

    def next_job(self, worker: _Worker) -> _Job | None:
        """Park ``worker`` (already idle) until its next job; ``None`` once it idled out."""
        try:
            return worker.inbox.get(timeout=self.idle_seconds)
        except queue.Empty:
            pass
        with self.lock:
            if worker in self.idle:  # nobody picked it meanwhile: leave
                self.idle.remove(worker)
                self.threads -= 1
                return None
        # A submitter popped this worker between the timeout and the lock, and put
        # its job into the inbox while holding the lock: it is already there.
        return worker.inbox.get()

    def abandon(self, job: _Job) -> None:
        """The caller stopped waiting: count the thread as abandoned until it returns."""
        with self.lock:
            if job.finished or job.abandoned:
                return
            job.abandoned = True
            self.abandoned += 1

    def stats(self) -> BlockingStats:
        with self.lock:
            return BlockingStats(self.limit(), self.busy, self.abandoned, self.threads)

    def after_fork(self) -> None:
        """In a forked child no worker thread exists: start from an empty pool."""
        self.lock = threading.Lock()
        self.busy = self.abandoned = self.threads = 0
        self.idle = []


def _read_env() -> int | None:
    raw = os.environ.get(ENV_MAX_THREADS)
    if raw is None or not raw.strip():
        return None
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        _log.warning(
            "%s=%r is not a positive whole number; using %d threads for blocking work",
            ENV_MAX_THREADS,
            raw,
            DEFAULT_MAX_THREADS,
        )
        return None
    return value


def _exhausted_message(size: int, busy: int, abandoned: int) -> str:
    hung = f", {abandoned} of them still running after their caller timed out" if abandoned else ""
    return (
        f"all {size} threads for blocking work are busy ({busy} running{hung}); "
        "the call was refused instead of waiting. Make slow actions async, or raise the limit with "
        f"superdialog.runtime.blocking.configure_blocking(max_threads=...) or {ENV_MAX_THREADS}"
    )


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or type(fn).__name__


_POOL = _Pool()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_POOL.after_fork)


async def run_blocking[T](fn: Callable[..., T], /, *args: Any, timeout: float, **kwargs: Any) -> T:
    """Run ``fn(*args, **kwargs)`` on the blocking pool, without blocking the event loop.

    The current ``contextvars`` are copied into the thread (as ``asyncio.to_thread``
    does). Exceptions raised by ``fn`` propagate unchanged; the caller maps them.

    Args:
        fn: A plain (blocking) callable.
        *args: Positional arguments for ``fn``.
        timeout: Seconds to wait. After that the caller gets ``TimeoutError`` at once
            and the thread stays counted as abandoned until ``fn`` really returns.
        **kwargs: Keyword arguments for ``fn``.

    Returns:
        What ``fn`` returned.

    Raises:
        PoolExhausted: Every thread is busy (hung ones included); raised without waiting.
        TimeoutError: ``fn`` did not return within ``timeout`` seconds.

    """
    return await _run_on(_POOL, fn, args, kwargs, timeout)


async def _run_on[T](
    pool: _Pool,
    fn: Callable[..., T],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    timeout: float,
) -> T:
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    job = _Job(fn, args, kwargs, loop, future)
    pool.submit(job)
    try:
        async with asyncio.timeout(timeout):
            return await future
    except BaseException:  # timeout, or the caller was cancelled: stop waiting
        future.cancel()
        pool.abandon(job)
        raise


def configure_blocking(*, max_threads: int | None = None) -> None:
    """Set the process-wide limit of threads for blocking user code.

    Lowering the limit below the number of busy threads refuses new calls until
    enough of them return; nothing running is interrupted.

    Args:
        max_threads: The limit; ``None`` goes back to ``SUPERDIALOG_BLOCKING_THREADS``
            (read again now) or :data:`DEFAULT_MAX_THREADS`.

    Raises:
        ValueError: ``max_threads`` is not a positive whole number.

    """
    if max_threads is not None and (
        isinstance(max_threads, bool) or not isinstance(max_threads, int) or max_threads < 1
    ):
        raise ValueError(f"max_threads must be a positive whole number, not {max_threads!r}")
    with _POOL.lock:
        _POOL.configured = max_threads
        _POOL.env_read = False


def blocking_stats() -> BlockingStats:
    """The pool's limit, busy and abandoned threads right now."""
    return _POOL.stats()
