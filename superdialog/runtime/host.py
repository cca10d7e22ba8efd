"""The host session's controls, resolved once per call by duck typing.

The core never imports a host SDK: any object with some of the Unpod
``Session`` controls works (``say``, ``recording.pause/resume``, ``end``,
``transfer_to_human``, ``transfer_to_agent``, ``transfer`` (phone numbers),
``set_filler``, ``data``,
``metrics.record_turn``). A missing control is a no-op, so a flow runs with
no host at all and reports its effects only as events.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from superdialog.errors import HostGone

__all__ = ["Host", "HostGone", "connection_closed"]

_AsyncFn = Callable[..., Awaitable[Any]]


_CLOSED_NAMES = frozenset({"ConnectionClosed", "ConnectionClosedError", "ConnectionClosedOK"})


def connection_closed(exc: BaseException) -> bool:
    """Whether a control verb's failure means the host's connection is gone.

    ``ConnectionError`` (a broken pipe, a reset, the loopback bridge's
    ``BridgeClosed``) or the ``websockets`` library's ``ConnectionClosed`` —
    matched by class name: the core imports no transport.
    """
    if isinstance(exc, ConnectionError):
        return True
    return any(c.__name__ in _CLOSED_NAMES for c in type(exc).__mro__)


def _control(obj: Any, name: str) -> _AsyncFn | None:
    fn = getattr(obj, name, None) if obj is not None else None
    return fn if callable(fn) else None


async def _call(fn: Callable[..., Any] | None, *args: Any, **kwargs: Any) -> bool:
    if fn is None:
        return False
    try:
        result = fn(*args, **kwargs)
        if inspect.isawaitable(result):
            await result
    except Exception as exc:
        if connection_closed(exc):
            raise HostGone(getattr(fn, "__name__", "a verb")) from exc
        raise
    return True


async def _call_settled(fn: Callable[..., Any] | None, *args: Any, **kwargs: Any) -> bool:
    """``_call`` for a state-changing verb: it completes even if we are cancelled meanwhile.

    A barge-in cancels the turn wherever it is suspended, and a real websocket
    send suspends. A pause, resume or terminal verb cut off mid-send leaves the
    worker's recording (or the call) in an unknown state, so the send runs to
    its end and only then does the cancellation go on.
    """
    if fn is None:
        return False
    try:
        result = fn(*args, **kwargs)
    except Exception as exc:
        if connection_closed(exc):
            raise HostGone(getattr(fn, "__name__", "a verb")) from exc
        raise
    if not inspect.isawaitable(result):
        return True
    task = asyncio.ensure_future(result)
    cancelled: asyncio.CancelledError | None = None
    try:
        while not task.done():
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError as exc:
                if task.cancelled():
                    raise
                cancelled = exc
        task.result()
    except Exception as exc:
        if connection_closed(exc):
            raise HostGone(getattr(fn, "__name__", "a verb")) from exc
        raise
    if cancelled is not None:
        raise cancelled
    return True


class Host:
    """Bound controls of one session (or none)."""

    __slots__ = (
        "_agent",
        "_end",
        "_filler",
        "_human",
        "_pause",
        "_record_turn",
        "_resume",
        "_say",
        "_transfer",
        "session",
    )

    def __init__(self, session: Any = None) -> None:
        self.session = session
        recording = getattr(session, "recording", None) if session is not None else None
        self._say = _control(session, "say")
        self._pause = _control(recording, "pause")
        self._resume = _control(recording, "resume")
        self._end = _control(session, "end")
        self._human = _control(session, "transfer_to_human")
        self._agent = _control(session, "transfer_to_agent")
        self._transfer = _control(session, "transfer")  # the SDK's general form (numbers)
        self._filler = _control(session, "set_filler")
        metrics = getattr(session, "metrics", None) if session is not None else None
        self._record_turn = getattr(metrics, "record_turn", None)

    @property
    def data(self) -> dict[str, Any]:
        """The host's per-call data (e.g. a CRM record), or an empty dict."""
        data = getattr(self.session, "data", None) if self.session is not None else None
        return data if isinstance(data, dict) else {}

    @property
    def owns_completion(self) -> bool:
        """Whether the host sends ``end("completed")`` itself when ``is_complete``.

        The Unpod ``Session.run`` loop does this for the dialog machine it drives;
        then we must not send a second terminal verb.
        """
        s = self.session
        return s is not None and callable(getattr(s, "run", None)) and hasattr(s, "dialog_machine")

    async def say(self, text: str) -> bool:
        """Speak outside a turn (the opening line)."""
        return await _call(self._say, text)

    async def pause_recording(self, reason: str) -> bool:
        """``recording.pause(reason)``."""
        return await _call_settled(self._pause, reason)

    async def resume_recording(self) -> bool:
        """``recording.resume()``."""
        return await _call_settled(self._resume)

    async def end(self, reason: str) -> bool:
        """``end(reason)``: a terminal verb."""
        return await _call_settled(self._end, reason)

    async def transfer(self, kind: str, target: str, mode: str, announcement: str) -> bool:
        """A terminal verb, by the kind of target.

        ``transfer_to_human`` for a queue, ``transfer_to_agent`` for an agent id,
        ``transfer(number, transfer_type="number")`` for an E.164 phone number.
        """
        if kind == "number":
            return await _call_settled(
                self._transfer, target, transfer_type="number", mode=mode, announcement=announcement
            )
        fn = self._human if kind == "human" else self._agent
        return await _call_settled(fn, target, mode=mode, announcement=announcement)

    async def set_filler(self, text: str) -> bool:
        """``set_filler(text)``: what the platform says while we work."""
        return await _call(self._filler, text)

    def record_turn(self, **metrics: Any) -> None:
        """Feed the host's live metrics (``session.metrics.record_turn``) if it has them."""
        if self._record_turn is not None:
            self._record_turn(**metrics)
