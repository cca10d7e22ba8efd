"""The live call's clock: caller silence and ``max_duration`` timed by us, on any host.

A host that hands us empty utterances gets no-input handling from the turn
loop; most live hosts never do (the Unpod session only calls ``stream`` when
the caller said something). ``CallClock`` times silence itself. It is armed
only while the host says the caller is being listened to (``listening()``)
and nothing of ours is in progress: not while the agent speaks, a caller turn
(or the opening) is handled, or an action runs. Armed, it holds exactly one
timer handle, due at the state's no-input timeout or at ``max_duration``,
whichever comes first; nothing else is kept per idle call (no task, no loop).

When the timer fires, the silence is handled *exactly* as an empty utterance
(the turn ``stream("")`` would run: messages, recording rules, the ``no_input`` count and the
``no_response`` ending) and what it says goes out through the host's ``say``;
at ``max_duration`` the call ends with that reason, even if nobody ever spoke.
A caller turn that starts while such a turn runs waits for it (one turn at a
time); one that starts before it began cancels it (the caller spoke first).
``close()`` (hang-up) cancels the timer and any such turn.

Time comes from a ``Scheduler``: the running event loop by default, or a
``VirtualTime`` in tests, so a test can let eight seconds of silence pass
without sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol

from superdialog.errors import RuntimeFlowError
from superdialog.pii import get_logger
from superdialog.runtime import durable
from superdialog.runtime.effects import finish, host_gone, reopen
from superdialog.runtime.host import HostGone
from superdialog.runtime.steps import Step, run, sub
from superdialog.runtime.turn import drive, end_turn

if TYPE_CHECKING:
    from superdialog.runtime.call import CallMachine

__all__ = ["CallClock", "Cancellable", "Scheduler", "VirtualTime", "clock_of"]

log = get_logger("superdialog.clock")

LISTENING_STATES = frozenset({"listening"})
"""Host conversation states in which the caller is being listened to."""


class Cancellable(Protocol):
    """A scheduled callback (``asyncio.TimerHandle`` has this shape)."""

    def cancel(self) -> None:
        """Never run the callback."""


class Scheduler(Protocol):
    """Where the clock's time and timers come from (an ``asyncio`` loop has this shape)."""

    def time(self) -> float:
        """Now, in seconds, on this scheduler's monotonic clock."""
        ...

    def call_at(self, when: float, callback: Callable[[], object], /) -> Cancellable:
        """Run ``callback`` at time ``when``."""
        ...


class CallClock:
    """Times one call's silence and duration; hosts report what they hear.

    Build it right after the machine (``CallClock(machine)``) and report the
    host's conversation state with :meth:`host_state` (or :meth:`listening` /
    :meth:`not_listening`); a partial transcript with :meth:`caller_activity`;
    hang-up with :meth:`close`. The machine reports its own turns.

    Args:
        machine: The call (not started yet when a ``scheduler`` is given).
        scheduler: Time and timers; default the running event loop. A given
            scheduler also becomes the machine's clock, so ``max_duration``
            is measured on the same time line.

    """

    __slots__ = (
        "_begun",
        "_busy",
        "_closed",
        "_fire",
        "_for_limit",
        "_handle",
        "_listening",
        "_m",
        "_sched",
    )

    def __init__(self, machine: CallMachine, scheduler: Scheduler | None = None) -> None:
        self._m = machine
        self._sched = scheduler
        self._handle: Cancellable | None = None
        self._fire: asyncio.Task[None] | None = None
        self._listening = False
        self._busy = 0
        self._closed = False
        self._for_limit = False
        self._begun = False
        if scheduler is not None:
            machine._clock = scheduler.time
        machine._call_clock = self

    # ------------------------------------------------------------------ what the host says
    def host_state(self, state: str) -> None:
        """The host's conversation state (``idle``, ``listening``, ``thinking``, ``speaking``…)."""
        if state in LISTENING_STATES:
            self.listening()
        else:
            self.not_listening()

    def listening(self) -> None:
        """The caller is being listened to (our speech, if any, has been played)."""
        self._listening = True
        self._arm()

    def not_listening(self) -> None:
        """The agent speaks, or the host is busy with the caller's words: no timer."""
        self._listening = False
        self._disarm()

    def caller_activity(self) -> None:
        """The caller is saying something (a partial transcript): the silence starts again."""
        if self._handle is not None:
            self._disarm()
            self._arm()

    async def close(self) -> None:
        """Hang-up: cancel the timer, and a silence turn in progress; nothing is left behind."""
        self._closed = True
        self._disarm()
        task, self._fire = self._fire, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait({task})  # its turn reconciles the effects as it unwinds

    async def transfer_refused(self, why: str = "") -> bool:
        """The host reports that the transfer we sent was refused (e.g. a number not allowed).

        The call is ours again and takes the flow's error path (the transfer
        state's ``on_error``, the flow's, else an apology and ``end("error")``),
        speaking through ``say``. ``why`` is a short code for the trace, never
        caller data. Returns False when no sent transfer was there to refuse.
        """
        if self._closed or not reopen(self._m):
            return False
        self._busy += 1
        self._disarm()
        try:
            task = self.firing
            if task is not None:
                await asyncio.shield(task)
        finally:
            self._busy -= 1
        task = asyncio.ensure_future(self._outside(_refused(self._m, why)))
        self._fire = task
        await asyncio.shield(task)
        return True

    # ------------------------------------------------------------------ what the machine says
    async def turn_begins(self) -> None:
        """A caller turn (or the opening) starts: no timer; one silence turn at a time.

        A silence turn that has not begun yet is cancelled (the caller spoke
        first); one that has begun is waited for, never cut short, so its
        effects (a reprompt, a terminal verb) complete in order.
        """
        self._busy += 1
        self._listening = False  # we are about to speak: the host says when it listens again
        self._disarm()
        task = self._fire
        if task is not None and not task.done():
            if self._begun:
                await asyncio.shield(task)
            else:
                task.cancel()
                self._fire = None
                await asyncio.wait({task})  # it ends at once, never having run

    def turn_ends(self) -> None:
        """The turn is over; the timer starts once the host listens (again, or still).

        A ``listening`` the host reported during the turn counts (it may have
        played all we said before the turn ended); one from before the turn
        does not.
        """
        self._busy = max(0, self._busy - 1)
        self._arm()

    # ------------------------------------------------------------------ reading
    @property
    def armed(self) -> bool:
        """Whether a timer is scheduled (the only thing an idle call holds)."""
        return self._handle is not None

    @property
    def firing(self) -> asyncio.Task[None] | None:
        """The silence turn in progress, if any."""
        task = self._fire
        return task if task is not None and not task.done() else None

    def timeout(self) -> float:
        """The current state's no-input timeout, in seconds."""
        m = self._m
        own = m.flow.graph.no_input_timeouts.get(m.node)
        return own if own is not None else m.flow.spec.limits.no_input_timeout

    async def settled(self) -> None:
        """Wait until no silence turn runs and no action holds the timer back (tests, hosts)."""
        while True:
            task = self.firing
            action = self._m._action
            if task is not None:
                await asyncio.shield(task)
            elif action is not None and not action.task.done() and self._listening:
                await asyncio.wait({action.task})
            else:
                return

    # ------------------------------------------------------------------ the timer
    def _arm(self) -> None:
        m = self._m
        if (
            self._handle is not None
            or self._closed
            or self._busy
            or not self._listening
            or m.finished
            or not m._started
            or self.firing is not None
        ):
            return
        action = m._action
        if action is not None and not action.task.done():
            # an action runs (a turn was cut short over it): time the silence from its end
            action.task.remove_done_callback(self._action_done)  # at most one per action
            action.task.add_done_callback(self._action_done)
            return
        sched = self._scheduler()
        delay = self.timeout()
        self._for_limit = False
        limit = m.flow.spec.limits.max_duration
        if limit is not None:
            left = m._t0 + limit - m._clock()
            if left <= delay:
                delay, self._for_limit = max(left, 0.0), True
        self._handle = sched.call_at(sched.time() + delay, self._due)

    def _action_done(self, _: object) -> None:
        self._arm()  # idempotent: a second callback finds the handle set

    def _disarm(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.cancel()

    def _scheduler(self) -> Scheduler:
        if self._sched is None:
            return asyncio.get_running_loop()
        return self._sched

    def _due(self) -> None:
        self._handle = None
        m = self._m
        if self._closed or self._busy or not self._listening or m.finished:
            return
        body = _time_limit(m) if self._for_limit else durable.next_turn(m, "")
        self._fire = asyncio.ensure_future(self._outside(body))

    async def _outside(self, body: Step) -> None:
        """Run ``body`` like a turn outside any caller turn, speaking through ``say``.

        The silence (an empty utterance), the time limit, a refused transfer's
        error path. A caller turn meanwhile waits for it (``turn_begins``).
        """
        m = self._m
        self._begun = True
        self._busy += 1
        self._listening = False  # what we say now is played before the host listens again
        said = False
        try:
            async with contextlib.aclosing(run(body)) as gen:
                async for utterance in gen:
                    text = utterance.strip()
                    if text:
                        said = True
                        await m.host.say(text)
        except asyncio.CancelledError:
            raise
        except HostGone:  # the caller hung up as we spoke: the call is over
            host_gone(m)
        except Exception as exc:  # the turn recovers its own errors; a failed say must not leak
            log.warning(
                "call %s: turn outside the caller's failed (%s)", m.flow.name, type(exc).__name__
            )
        finally:
            durable.turn_ended(m)  # the host's saver sees the silence turn like any other
            self._begun = False
            self._busy = max(0, self._busy - 1)
            if not said:
                self._listening = True  # nothing was said: the host keeps listening
        if self._fire is asyncio.current_task():
            self._fire = None
        self._arm()


async def _time_limit(m: CallMachine) -> Step:
    """``max_duration`` passed while nobody spoke: say the closing line and end the call."""
    m._spoke_turn = False
    try:
        yield sub(drive(m, finish(m, "end", "max_duration", m.message("max_duration"))))
    finally:
        end_turn(m, caller_turn=False)


async def _refused(m: CallMachine, why: str) -> Step:
    """The error path after a refused transfer: as if the transfer state had failed."""
    m._spoke_turn = False
    m._error_depth = 0

    async def failed() -> Step:
        raise RuntimeFlowError(
            "the transfer was refused" + (f" ({why[:60]})" if why else ""), state=m.node
        )
        yield  # pragma: no cover - makes this a step generator

    try:
        yield sub(drive(m, failed()))
    finally:
        end_turn(m, caller_turn=False)


def clock_of(machine: CallMachine) -> CallClock | None:
    """The clock a host attached to ``machine``, if any."""
    return machine._call_clock


class VirtualTime:
    """A scheduler whose time only moves when told to: silence in tests without sleeping.

    ``advance`` runs the due timers in order, awaiting ``settle`` after each
    (for the work it started, and the host's reaction, to finish) before time
    moves on; a timer a callback schedules inside the window runs too.
    """

    __slots__ = ("_heap", "_now", "_seq", "on_schedule")

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._heap: list[tuple[float, int, _VirtualHandle]] = []
        self._seq = itertools.count()
        self.on_schedule: Callable[[], None] | None = None

    def time(self) -> float:
        """The virtual now."""
        return self._now

    def call_at(self, when: float, callback: Callable[[], object], /) -> Cancellable:
        """Schedule ``callback`` at virtual time ``when``."""
        handle = _VirtualHandle(callback)
        heapq.heappush(self._heap, (when, next(self._seq), handle))
        if self.on_schedule is not None:
            self.on_schedule()
        return handle

    def next_due(self) -> float | None:
        """When the next live timer is due, or None."""
        heap = self._heap
        while heap and heap[0][2].cancelled:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def pending(self) -> int:
        """How many live timers are scheduled."""
        return sum(1 for _, _, h in self._heap if not h.cancelled)

    def fire_next(self, until: float | None = None) -> bool:
        """Move to the next due timer (if due by ``until``) and run it; False if none."""
        due = self.next_due()
        if due is None or (until is not None and due > until):
            return False
        _, _, handle = heapq.heappop(self._heap)
        self._now = max(self._now, due)
        handle.run()
        return True

    def advance_to(self, when: float) -> None:
        """Move the time to ``when`` without running anything (nothing is due before it)."""
        self._now = max(self._now, when)

    async def advance(
        self, seconds: float, settle: Callable[[], Awaitable[None]] | None = None
    ) -> int:
        """Let ``seconds`` pass, firing timers in order; return how many fired."""
        until = self._now + seconds
        fired = 0
        while self.fire_next(until):
            fired += 1
            if settle is not None:
                await settle()
        self._now = max(self._now, until)
        return fired


class _VirtualHandle:
    __slots__ = ("callback", "cancelled")

    def __init__(self, callback: Callable[[], object]) -> None:
        self.callback: Callable[[], object] | None = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True
        self.callback = None

    def run(self) -> None:
        callback, self.callback = self.callback, None
        self.cancelled = True
        if callback is not None:
            callback()
