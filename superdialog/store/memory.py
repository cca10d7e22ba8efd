"""``MemoryStore``: call records and leases in this process (one worker, tests, the console)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from superdialog.store.base import (
    DEFAULT_LEASE_S,
    DEFAULT_TTL_S,
    Claim,
    Lease,
    LeaseHeld,
    LeaseLost,
)

__all__ = ["MemoryStore"]


@dataclass(slots=True)
class _Entry:
    record: bytes | None
    token: int
    owner: str | None
    lease_until: float
    expires_at: float
    actions: set[str]


class MemoryStore:
    """Records and leases in a dict: nothing survives the process, nothing is shared.

    Args:
        ttl_s: Seconds a record is kept after its last save.
        lease_s: Seconds a lease lasts after its last save or renewal.
        clock: Seconds, monotonic (tests pass their own).

    """

    def __init__(
        self,
        *,
        ttl_s: float = DEFAULT_TTL_S,
        lease_s: float = DEFAULT_LEASE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.lease_s = lease_s
        self._clock = clock
        self._calls: dict[str, _Entry] = {}

    def _live(self, call_id: str) -> _Entry | None:
        entry = self._calls.get(call_id)
        if entry is not None and entry.expires_at <= self._clock():
            del self._calls[call_id]
            return None
        return entry

    async def claim(self, call_id: str, owner: str) -> Claim:
        """See ``CallStore.claim``."""
        now = self._clock()
        entry = self._live(call_id)
        if entry is None:
            entry = _Entry(None, 0, None, 0.0, now + self.ttl_s, set())
            self._calls[call_id] = entry
        elif entry.owner not in (None, owner) and entry.lease_until > now:
            raise LeaseHeld(call_id, entry.owner or "", entry.lease_until - now)
        entry.token += 1
        entry.owner = owner
        entry.lease_until = now + self.lease_s
        return Claim(Lease(call_id, owner, entry.token), entry.record, frozenset(entry.actions))

    def _fenced(self, lease: Lease) -> _Entry:
        entry = self._live(lease.call_id)
        if entry is None or entry.token != lease.token:
            raise LeaseLost(
                "the call was claimed by another worker, or expired", call_id=lease.call_id
            )
        return entry

    async def save(self, lease: Lease, record: bytes) -> None:
        """See ``CallStore.save``."""
        entry = self._fenced(lease)
        now = self._clock()
        entry.record = bytes(record)
        entry.owner = lease.owner
        entry.lease_until = now + self.lease_s
        entry.expires_at = now + self.ttl_s

    async def renew(self, lease: Lease) -> None:
        """See ``CallStore.renew``."""
        entry = self._fenced(lease)
        entry.owner = lease.owner
        entry.lease_until = self._clock() + self.lease_s

    async def mark_action(self, lease: Lease, key: str) -> None:
        """See ``CallStore.mark_action``."""
        self._fenced(lease).actions.add(key)

    async def release(self, lease: Lease) -> None:
        """See ``CallStore.release``."""
        entry = self._live(lease.call_id)
        if entry is not None and entry.token == lease.token:
            entry.owner = None
            entry.lease_until = 0.0

    async def load(self, call_id: str) -> bytes | None:
        """See ``CallStore.load``."""
        entry = self._live(call_id)
        return entry.record if entry is not None else None

    async def delete(self, call_id: str) -> None:
        """See ``CallStore.delete``."""
        self._calls.pop(call_id, None)

    async def aclose(self) -> None:
        """Nothing to close."""

    def raw(self) -> list[bytes]:
        """Every stored record, as stored (tests scan them for personal data)."""
        return [e.record for e in self._calls.values() if e.record is not None]
