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

from unpod._protocol import UserInterruptEvent, UserTextEvent

from superdialog.testing.frames import TERMINAL_KINDS, Frame, agent_turns, collapse_deltas

__all__ = ["BridgeClosed", "LoopbackBridge", "Step", "classify"]


class BridgeClosed(ConnectionError):
    """The worker closed the socket (after a terminal verb, or at hang-up)."""


@dataclass(frozen=True, slots=True)
class Step:
    """One caller action: say ``text`` (``""`` is silence), optionally barging in.

    ``interrupt_after`` barges in after that many streamed chunks of the
    agent's reply, reporting ``heard`` as what the caller heard.
    """

    text: str
    interrupt_after: int | None = None
    heard: str | None = None


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
    """A scripted speech worker on the other side of a ``Session(bridge=...)``."""

    def __init__(self, steps: list[Step | str] | None = None) -> None:
        self.frames: list[Frame] = []
        self.raw: list[Any] = []
        self._steps = [s if isinstance(s, Step) else Step(s) for s in (steps or [])]
        self._events: asyncio.Queue[Any] = asyncio.Queue()
        self._closed = False
        self._chunks_this_turn = 0
        self._current: Step | None = None
        self.session_id = "loopback"

    # -- what the Session calls ------------------------------------------------------
    async def send_verb(self, verb: Any) -> None:
        """Receive a frame from the agent."""
        frame = classify(verb)
        if self._closed and frame.kind != "text.end":
            raise BridgeClosed(f"socket closed: {frame.kind} sent after the call ended")
        self.raw.append(verb)
        self.frames.append(frame)
        if frame.kind in _TERMINAL:
            self._closed = True
            return
        if frame.kind == "delta":
            self._chunks_this_turn += 1
            step = self._current
            if step is not None and step.interrupt_after == self._chunks_this_turn:
                self._events.put_nowait(UserInterruptEvent(heard_prefix=step.heard))
        elif frame.kind == "text.end":
            self._next_step()

    async def recv_event(self) -> Any:
        """Hand the Session the next caller event."""
        if self._closed:
            raise BridgeClosed("socket closed by the worker")
        event = await self._events.get()
        if event is None:
            raise BridgeClosed("caller hung up")
        return event

    # -- driving ---------------------------------------------------------------------
    def begin(self) -> None:
        """Send the first caller step (call after the opening line)."""
        self._next_step()

    def _next_step(self) -> None:
        self._chunks_this_turn = 0
        if not self._steps:
            self._current = None
            self._events.put_nowait(None)  # nothing more to say: the caller hangs up
            return
        self._current = self._steps.pop(0)
        self._events.put_nowait(UserTextEvent(text=self._current.text))

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
