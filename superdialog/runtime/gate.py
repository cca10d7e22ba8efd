"""One turn at a time: a caller utterance handed over while a turn still runs.

The Unpod session holds a new utterance back until the running turn ends
(or closes it on a barge-in); a host that hands it over at once would run
two turns interleaved on one call's state: both leave the same state, the
second finds it already left and takes the error path. ``TurnGate`` lets
one turn run at a time. A newcomer waits while the running turn works
(an action, a model call, a terminal verb being sent); once that turn is
only waiting for its host to take the next chunk, the newcomer supersedes
it the way a barge-in does: the old turn's generator is closed (its speech
stops, its effects are reconciled, a started action still completes and is
settled by the next turn) and the newcomer runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

from superdialog.pii import get_logger

__all__ = ["TurnGate"]

log = get_logger("superdialog.call")


class TurnGate:
    """Who runs the call's current turn (see the module docstring)."""

    __slots__ = ("_gen", "_idle", "_owner", "_waiters")

    def __init__(self) -> None:
        self._owner: object | None = None
        self._gen: AsyncGenerator[Any, None] | None = None
        self._idle = False
        self._waiters: list[asyncio.Future[None]] | None = None

    async def enter(self) -> object:
        """Wait for the gate (superseding an idle turn); return the token that holds it."""
        me = object()
        while self._owner is not None:
            gen = self._gen
            if self._idle and gen is not None:
                self._owner, self._gen, self._idle = me, None, False
                try:
                    await gen.aclose()  # as a barge-in: speech stops, work goes on
                except Exception as exc:  # the old turn's own failure is no failure of ours
                    log.warning("a superseded turn failed on close: %s", type(exc).__name__)
                return me
            fut = asyncio.get_running_loop().create_future()
            if self._waiters is None:
                self._waiters = []
            self._waiters.append(fut)
            try:
                await fut
            finally:
                if fut in self._waiters:
                    self._waiters.remove(fut)
        self._owner = me
        return me

    def holds(self, me: object) -> bool:
        """Whether ``me`` still runs the turn (not superseded)."""
        return self._owner is me

    def speaking(self, me: object, gen: AsyncGenerator[Any, None] | None) -> None:
        """``me`` handed a chunk to its host (``gen``: its turn's steps), or took it back (None)."""
        if self._owner is not me:
            return
        self._gen = gen
        self._idle = gen is not None
        if gen is not None:
            self._wake()

    def leave(self, me: object) -> bool:
        """``me``'s turn is over; True if it still held the gate (its books are its to close)."""
        if self._owner is not me:
            return False
        self._owner, self._gen, self._idle = None, None, False
        self._wake()
        return True

    def _wake(self) -> None:
        # all of them: each looks again (one woken and then cancelled would strand the rest)
        for fut in self._waiters or ():
            if not fut.done():
                fut.set_result(None)
