"""Where durable calls live between turns: records, leases and fencing (issue 17).

* ``MemoryStore``: this process only (tests, one worker);
* ``SQLiteStore``: a file that survives a restart (one machine);
* ``RedisStore``: many workers on many machines (``pip install superdialog[redis]``);
* ``CallSaver``: saves a call after every turn, off the speaking path.

See docs/running-many-workers.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from superdialog.store.base import (
    DEFAULT_LEASE_S,
    DEFAULT_TTL_S,
    CallStore,
    Claim,
    Lease,
    LeaseHeld,
    LeaseLost,
    StoreError,
)
from superdialog.store.memory import MemoryStore
from superdialog.store.saver import CallSaver, encode_record
from superdialog.store.sqlite import SQLiteStore

if TYPE_CHECKING:
    from superdialog.store.redis import RedisStore

__all__ = [
    "DEFAULT_LEASE_S",
    "DEFAULT_TTL_S",
    "CallSaver",
    "CallStore",
    "Claim",
    "Lease",
    "LeaseHeld",
    "LeaseLost",
    "MemoryStore",
    "RedisStore",
    "SQLiteStore",
    "StoreError",
    "encode_record",
]


def __getattr__(name: str) -> Any:
    if name == "RedisStore":
        from superdialog.store.redis import RedisStore  # lazy: redis is an optional extra

        return RedisStore
    raise AttributeError(name)
