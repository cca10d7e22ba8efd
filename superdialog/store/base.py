"""What every call store does: keep call records, and lease each call to one worker.

A store keeps one record per call (the JSON of ``machine.dump()``) for a
time-to-live, and a **lease** that says which worker drives the call. A
worker claims a call before it drives it: the claim succeeds when nobody
holds a live lease, returns the call's last record (None for a new call) and
a **fencing token** that is higher than every token given for that call
before. Every ``save`` carries the token; a save with an older token — a
worker that paused past its lease while another claimed the call — is
refused with ``LeaseLost``, so a second worker can never drive the same call
and an old one can never overwrite what the new one saved.

Every operation is bounded (``timeout_s``, default ``DEFAULT_TIMEOUT_S``): a store that
does not answer in time fails it with ``StoreError``, as does one that is down or broken,
whatever its own library raised.

A save is one round trip: it checks the token, writes the record, renews the
lease and the record's time-to-live at once. ``mark_action`` journals an
action's idempotency key before it runs (also fenced); a claim returns every
key journaled for the call, so a worker that picks the call up never runs
those actions again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from superdialog.errors import SuperDialogError

__all__ = [
    "DEFAULT_LEASE_S",
    "DEFAULT_TIMEOUT_S",
    "DEFAULT_TTL_S",
    "CallStore",
    "Claim",
    "Lease",
    "LeaseHeld",
    "LeaseLost",
    "StoreError",
]

DEFAULT_TTL_S = 6 * 3600.0
"""How long a call's record is kept after its last save (long calls, transfers' context)."""
DEFAULT_LEASE_S = 15.0
"""How long a lease lasts after the last save or renewal: how soon a dead worker's call is free."""
DEFAULT_TIMEOUT_S = 2.0
"""How long one store operation may take before it fails as a ``StoreError``: an operation is one
round trip of milliseconds, so a store silent for this long is stalled (a paused server, a lost
network, a locked file), and a call must not wait on it."""


class StoreError(SuperDialogError):
    """A call store failed; ``call_id`` says which call."""

    def __init__(self, message: str, *, call_id: str | None = None) -> None:
        super().__init__(message if call_id is None else f"call {call_id}: {message}")
        self.call_id = call_id


class LeaseHeld(StoreError):
    """Another worker holds a live lease on the call; ``retry_after`` seconds until it lapses."""

    def __init__(self, call_id: str, owner: str, retry_after: float) -> None:
        super().__init__(f"driven by {owner} for {retry_after:.1f}s more", call_id=call_id)
        self.owner = owner
        self.retry_after = retry_after


class LeaseLost(StoreError):
    """Another worker claimed the call since our claim (or its record expired): stop driving it."""


@dataclass(frozen=True, slots=True)
class Lease:
    """The right to drive one call: who holds it, and the fencing token of that claim."""

    call_id: str
    owner: str
    token: int


@dataclass(frozen=True, slots=True)
class Claim:
    """A successful claim: the lease, the last record (None: a new call), journaled actions."""

    lease: Lease
    record: bytes | None
    actions: frozenset[str] = frozenset()


class CallStore(Protocol):
    """Call records and leases: ``MemoryStore``, ``SQLiteStore``, ``RedisStore``."""

    async def claim(self, call_id: str, owner: str) -> Claim:
        """Take the call's lease (a new, higher fencing token) and read its record.

        Raises:
            LeaseHeld: another owner's lease is live.

        """
        ...

    async def save(self, lease: Lease, record: bytes) -> None:
        """Write the record and renew the lease and TTL, in one round trip.

        Raises:
            LeaseLost: the call was claimed since (a higher token), or has expired.

        """
        ...

    async def renew(self, lease: Lease) -> None:
        """Extend the lease without a new record (a long silence, a slow action).

        Raises:
            LeaseLost: as for ``save``.

        """
        ...

    async def mark_action(self, lease: Lease, key: str) -> None:
        """Journal that the action with idempotency ``key`` starts now (one round trip).

        Raises:
            LeaseLost: as for ``save``.

        """
        ...

    async def release(self, lease: Lease) -> None:
        """Give the call up (it ended, or the worker shuts down); the record stays for its TTL."""
        ...

    async def load(self, call_id: str) -> bytes | None:
        """Read a call's record without claiming it (a transfer reading its context)."""
        ...

    async def delete(self, call_id: str) -> None:
        """Forget the call: record, lease and token."""
        ...

    async def aclose(self) -> None:
        """Close connections."""
        ...
