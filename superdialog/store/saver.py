"""``CallSaver``: save a call after every turn without the caller ever waiting on the store.

At the end of each turn (and after a barge-in's truncation) the machine
calls the saver: the record is taken there and then (``dump`` is a few
hundred microseconds of CPU, and must see the state of that moment), and the
write goes to a background task. Writes never queue up: while one is in
flight, a newer record replaces the waiting one (only the last completed turn
matters). An action still running when a turn ends is saved again the moment
it finishes, so its outcome reaches the store without waiting for the next
turn.

A ``LeaseLost`` means another worker drives the call now: the saver stops,
and ``on_lost`` tells the host to let go of the call. Any other failure — a
``StoreError``, whatever a custom store's own library raises, or no answer
within ``timeout_s`` — is logged and the call goes on: the next turn's save
tries again, and an action whose key could not be journaled runs anyway.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from superdialog.errors import ActionError
from superdialog.pii import get_logger
from superdialog.runtime.durable import USE_ENV, state_of
from superdialog.store.base import DEFAULT_TIMEOUT_S, CallStore, Lease, LeaseLost

if TYPE_CHECKING:
    from superdialog.runtime.call import CallMachine
    from superdialog.runtime.durable_seal import StateKey

__all__ = ["CallSaver", "encode_record"]

log = get_logger("superdialog.store")


def encode_record(record: dict[str, Any]) -> bytes:
    """A record as the bytes a store keeps (compact JSON)."""
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class CallSaver:
    """Saves one call's records to a store in the background (see the module docstring).

    Args:
        store: Where records go.
        lease: The lease this worker holds on the call.
        key: Seals personal data (default ``SUPERDIALOG_STATE_KEY``).
        on_lost: Called once if another worker claimed the call.
        timeout_s: Longest wait for one store operation (a backstop for stores that do
            not bound their own).

    """

    def __init__(
        self,
        store: CallStore,
        lease: Lease,
        *,
        key: StateKey | str | None = USE_ENV,
        on_lost: Callable[[LeaseLost], None] | None = None,
        timeout_s: float = 2 * DEFAULT_TIMEOUT_S,
    ) -> None:
        self.store = store
        self.timeout_s = timeout_s
        self.lease = lease
        self.key = key
        self.on_lost = on_lost
        self.lost: LeaseLost | None = None
        self.saves = 0
        self._waiting: bytes | None = None
        self._task: asyncio.Task[None] | None = None
        self._watched: object | None = None
        self._closed = False

    def attach(self, machine: CallMachine) -> None:
        """Save ``machine`` after each of its turns from now on."""
        state_of(machine).on_turn = self.offer

    def offer(self, machine: CallMachine) -> None:
        """Take the call's record now; write it in the background. Never raises."""
        if self.lost is not None or self._closed:
            return
        try:
            data = encode_record(machine.dump(key=self.key, call_id=self.lease.call_id))
        except Exception as exc:  # a save must never break the call it saves
            log.warning("call %s: not saved (%s)", self.lease.call_id, type(exc).__name__)
            return
        self._waiting = data
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._drain())
        pending = machine._action
        if pending is not None and not pending.task.done() and self._watched is not pending.task:
            self._watched = pending.task  # its outcome goes to the store as soon as it exists
            pending.task.add_done_callback(lambda _: self._after_action(machine))

    def _after_action(self, machine: CallMachine) -> None:
        if not machine._in_stream:  # inside a turn, the turn's end saves
            self.offer(machine)

    async def _drain(self) -> None:
        while self._waiting is not None and self.lost is None:
            data, self._waiting = self._waiting, None
            try:
                async with asyncio.timeout(self.timeout_s):
                    await self.store.save(self.lease, data)
                self.saves += 1
            except LeaseLost as exc:
                self.lost = exc
                log.warning("call %s: another worker holds it now", self.lease.call_id)
                if self.on_lost is not None:
                    self.on_lost(exc)
            except Exception as exc:  # down or stalled: the next turn's save tries again
                log.warning("call %s: save failed (%s)", self.lease.call_id, type(exc).__name__)

    async def before_action(self, key: str) -> None:
        """Journal an action's idempotency key before it runs (``durable_actions.guard_actions``).

        Raises:
            ActionError: another worker holds the call now: the action must not run here.

        """
        try:
            async with asyncio.timeout(self.timeout_s):
                await self.store.mark_action(self.lease, key)
        except LeaseLost as exc:
            self.lost = self.lost or exc
            raise ActionError("another worker holds the call now", state=key) from None
        except Exception as exc:  # the journal is down or stalled: the action runs anyway
            log.warning(
                "call %s: action not journaled (%s)", self.lease.call_id, type(exc).__name__
            )

    async def close(self) -> None:
        """The call is over: write the last record offered, and nothing after it.

        Call it before releasing the lease: a turn the host finishes after the call
        ended (a hang-up mid-turn) would save again, and a save renews the lease, so a
        worker the call is handed to would wait for it to lapse.
        """
        self._closed = True
        await self.flush()

    async def flush(self) -> None:
        """Wait until the last record offered is written (or failed)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)
