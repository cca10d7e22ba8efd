"""A loopback bridge that lets the real Unpod ``Session.run()`` drive a flow in tests.

The Unpod SDK's ``Session(bridge=obj)`` accepts any object with
``async send_verb(model)`` and ``async recv_event()``. This one plays the
speech worker: it feeds caller turns one at a time (the next utterance only
after the agent's ``text.end``, as a real worker does), can barge in after the
n-th streamed chunk, records every frame the worker would receive, and closes
the socket after a terminal verb — a chunk sent after that raises, exactly
like a real worker that hung up.

``Frame`` and the frame readers live in ``superdialog.testing.frames`` (every
host reports frames); this module adds what is Unpod's: decoding its verbs,
and playing its speech worker.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from unpod._protocol import ErrorEvent, StateEvent, UserInterruptEvent, UserTextEvent

from superdialog.runtime.clock import CallClock, VirtualTime
from superdialog.testing.frames import TERMINAL_KINDS, Frame, agent_turns, collapse_deltas

__all__ = ["BridgeClosed", "LoopbackBridge", "Step", "classify"]


class BridgeClosed(ConnectionError):
    """The worker closed the socket (after a terminal verb, or at hang-up)."""


@dataclass(frozen=True, slots=True)
class Step:
    """One caller action: say ``text``, optionally barging in; or keep quiet.

    ``interrupt_after`` barges in after that many streamed chunks of the
    agent's reply, reporting ``heard`` as what the caller heard. ``""`` is
    silence: the caller says nothing until the agent speaks again (the call's
    clock fires once). ``wait`` lets that many seconds pass in silence
    (virtual time: nobody sleeps). A worker never sends an empty utterance.
    ``language`` is what the speech recogniser reports for the line (sent as
    the event's ``extra.language``, as a real worker does).
    """

    text: str = ""
    interrupt_after: int | None = None
    heard: str | None = None
    wait: float | None = None
    language: str | None = None

    @property
    def silent(self) -> bool:
        """Whether the caller keeps quiet in this step."""
        return self.wait is not None or not self.text.strip()


_TERMINAL = TERMINAL_KINDS


def classify(verb: Any) -> Frame:
    """What an agent frame is; recording control and fillers ride on ``agent.say`` text."""
    name = getattr(verb, "event", None) or type(verb).__name__
    if name == "agent.text.delta":
        return Frame("delta", text=verb.text)
    if name == "agent.text.end":
        return Frame("text.end")
    if name == "agent.end_call":
        return Frame("end", reason=verb.reason)
    if name == "agent.transfer":
        return Frame(
            "transfer",
            target=verb.target,
            transfer_type=verb.transfer_type,
            mode=verb.mode,
            announcement=verb.announcement,
        )
    if name == "agent.say":
        text: str = verb.text
        if text.startswith("__recording_pause:"):
            return Frame("pause", reason=text.split(":", 1)[1])
        if text == "__recording_resume":
            return Frame("resume")
        if text.startswith("__filler:"):
            return Frame("filler", text=text.split(":", 1)[1])
        return Frame("say", text=text)
    return Frame(str(name))


class LoopbackBridge:
    """A scripted speech worker on the other side of a ``Session(bridge=...)``.

    Like the platform's worker it reports its conversation ``state``:
    ``speaking`` while the agent's words play, ``listening`` once they have
    been played (after ``text.end``, or when the agent's ``say`` lines are
    done), ``thinking`` when the caller's words are final. Silent steps let
    virtual time pass on ``time`` (the call's clock must run on it: pass the
    same ``VirtualTime`` to ``attach(..., scheduler=...)`` and the clock to
    :meth:`begin`); it then never sends an empty utterance. Without ``time``
    there is no clock to time silence, and a ``""`` step is sent as an empty
    utterance, as an older worker would. ``refuse_numbers``: transfers to these numbers are refused
    with an ``error`` event (as a worker's allowlist does) and the call goes on.
    """

    def __init__(
        self,
        steps: list[Step | str] | None = None,
        *,
        time: VirtualTime | None = None,
        refuse_numbers: frozenset[str] | set[str] = frozenset(),
    ) -> None:
        self.frames: list[Frame] = []
        self.raw: list[Any] = []
        self.sent: list[Any] = []
        self.time = time
        self.clock: CallClock | None = None
        self.refuse_numbers = frozenset(refuse_numbers)
        self._steps = [s if isinstance(s, Step) else Step(s) for s in (steps or [])]
        self._events: asyncio.Queue[Any] = asyncio.Queue()
        self._closed = False
        self._chunks_this_turn = 0
        self._current: Step | None = None
        self._speaking = False
        self._in_turn = False
        self._waiting = False
        self._wait_until: float | None = None
        self.session_id = "loopback"

    # -- what the Session calls ------------------------------------------------------
    async def send_verb(self, verb: Any) -> None:
        """Receive a frame from the agent."""
        frame = classify(verb)
        if self._closed and frame.kind != "text.end":
            raise BridgeClosed(f"socket closed: {frame.kind} sent after the call ended")
        self.raw.append(verb)
        self.frames.append(frame)
        if (
            frame.kind == "transfer"
            and frame.transfer_type == "number"
            and frame.target in self.refuse_numbers
        ):
            self._put(
                ErrorEvent(
                    severity="error",
                    source="transfer",
                    code="transfer_not_allowed",
                    message="the number is not on the transfer allowlist",
                )
            )
            return
        if frame.kind in _TERMINAL:
            self._closed = True
            return
        if frame.kind == "delta":
            # (no ``speaking`` here: inside a turn the clock is held anyway, and an event
            # queued ahead of a barge-in would let the reply run on by a chunk)
            self._chunks_this_turn += 1
            step = self._current
            if step is not None and step.interrupt_after == self._chunks_this_turn:
                self._put(UserInterruptEvent(heard_prefix=step.heard))
        elif frame.kind == "say" and not self._speaking:
            self._speaking = True
            self._put(StateEvent(state="speaking"))
        elif frame.kind == "text.end":
            self._in_turn = False
            self._speaking = True  # the reply is played, then the worker listens
            self._next_step()

    async def recv_event(self) -> Any:
        """Hand the Session the next caller event (letting silent steps' time pass)."""
        while True:
            if self._closed:
                if self._waiting:
                    self._wait_over(next_step=False)
                raise BridgeClosed("socket closed by the worker")
            if not self._events.empty():
                return self._take(self._events.get_nowait())
            if self._speaking and not self._in_turn:
                self._speaking = False
                return self._take(StateEvent(state="listening"))
            if self._waiting:
                await self._pass_time()
                continue
            return self._take(await self._events.get())

    # -- driving ---------------------------------------------------------------------
    def begin(self, clock: CallClock | None = None) -> None:
        """Send the first caller step (call after the opening line).

        ``clock``: the call's clock, so silent steps wait for what it starts.
        """
        if clock is not None:
            self.clock = clock
        self._next_step()

    def on_wait_over(self, step: Step) -> None:
        """Hook: a silent step is over (subclasses cut a turn record here)."""

    def _put(self, event: Any) -> None:
        self._events.put_nowait(event)

    def _take(self, event: Any) -> Any:
        if event is None:
            raise BridgeClosed("caller hung up")
        self.sent.append(event)
        return event

    def _next_step(self) -> None:
        self._chunks_this_turn = 0
        if self._speaking and not self._in_turn:
            self._speaking = False
            self._put(StateEvent(state="listening"))
        if not self._steps:
            self._current = None
            self._put(None)  # nothing more to say: the caller hangs up
            return
        step = self._current = self._steps.pop(0)
        if step.silent and self.time is None and step.wait is None:
            # no virtual time, so no clock to time it: play an older worker, which hands
            # silence over as an empty utterance (the turn loop's no-input path)
            self._in_turn = True
            self._put(UserTextEvent(text=step.text))
            return
        if step.silent:
            self._waiting = True
            now = self.time.time() if self.time is not None else 0.0
            self._wait_until = None if step.wait is None else now + step.wait
            return
        self._in_turn = True
        self._put(StateEvent(state="thinking"))
        extra = {"extra": {"language": step.language}} if step.language else {}
        self._put(UserTextEvent(text=step.text, **extra))

    async def _settle(self) -> None:
        if self.clock is not None:
            await self.clock.settled()

    async def _pass_time(self) -> None:
        """One step of a silence: fire the call's next due timer, or end the silence."""
        await self._settle()
        if self._closed or not self._events.empty() or self._speaking:
            return  # the worker reports what happened first
        vt, until = self.time, self._wait_until
        due = vt.next_due() if vt is not None else None
        if vt is not None and due is not None and (until is None or due <= until):
            vt.fire_next()
            await self._settle()
            if until is None:  # plain silence: until the agent has spoken once
                self._wait_over()
            return
        if vt is not None and until is not None:
            vt.advance_to(until)  # nothing is due in the window: time just passes
        self._wait_over()

    def _wait_over(self, *, next_step: bool = True) -> None:
        step = self._current
        self._waiting = False
        self._wait_until = None
        if step is not None:
            self.on_wait_over(step)
        if next_step and not self._closed:
            self._next_step()

    # -- reading ---------------------------------------------------------------------
    @property
    def closed(self) -> bool:
        """Whether the worker closed the socket after a terminal verb."""
        return self._closed

    def kinds(self) -> list[str]:
        """Frame kinds in order (``delta`` frames of a turn collapsed into one)."""
        return collapse_deltas(f.kind for f in self.frames)

    def turns(self) -> list[str]:
        """The agent's text per turn (deltas joined up to each ``text.end``)."""
        return agent_turns(self.frames)

    def terminal(self) -> list[Frame]:
        """Terminal frames (a correct call has exactly one)."""
        return [f for f in self.frames if f.kind in _TERMINAL]
