"""``SQLiteStore``: call records and leases in a SQLite file that survives a restart.

For one machine (several worker processes may share the file: SQLite's own
locking serialises them, and every claim and save is one ``BEGIN IMMEDIATE``
transaction). Times are wall-clock seconds, since the file outlives the
process. The blocking calls run in a worker thread, never on the event loop.
A file locked by another process for longer than ``timeout_s``, a corrupt or
unwritable file: the operation fails as a ``StoreError``.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from superdialog.store.base import (
    DEFAULT_LEASE_S,
    DEFAULT_TIMEOUT_S,
    DEFAULT_TTL_S,
    Claim,
    Lease,
    LeaseHeld,
    LeaseLost,
    StoreError,
)

__all__ = ["SQLiteStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS superdialog_calls (
    id TEXT PRIMARY KEY,
    record BLOB,
    token INTEGER NOT NULL,
    owner TEXT,
    lease_until REAL NOT NULL,
    expires_at REAL NOT NULL,
    actions TEXT NOT NULL DEFAULT ''
)
"""


class SQLiteStore:
    """Records and leases in one SQLite table (see the module docstring).

    Args:
        path: The database file (made if missing).
        ttl_s: Seconds a record is kept after its last save.
        lease_s: Seconds a lease lasts after its last save or renewal.
        clock: Wall-clock seconds (tests pass their own).
        timeout_s: Seconds an operation may wait for the file's lock before it fails.

    Raises:
        StoreError: the file cannot be opened as a database.

    """

    def __init__(
        self,
        path: str | Path,
        *,
        ttl_s: float = DEFAULT_TTL_S,
        lease_s: float = DEFAULT_LEASE_S,
        clock: Callable[[], float] = time.time,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.path = Path(path)
        self.ttl_s = ttl_s
        self.lease_s = lease_s
        self.timeout_s = timeout_s
        self._clock = clock
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path.name}: not usable ({exc})") from exc
        try:
            self._db.execute(f"PRAGMA busy_timeout={max(1, round(timeout_s * 1000))}")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(_SCHEMA)
        except sqlite3.Error as exc:
            self._db.close()
            raise StoreError(f"{self.path.name}: not usable ({exc})") from exc

    async def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(self._locked, fn, *args)

    def _locked(self, fn: Callable[..., Any], *args: Any) -> Any:
        # another operation of this store holds the connection at most its own bound
        if not self._lock.acquire(timeout=2 * self.timeout_s):
            raise StoreError(f"{self.path.name}: busy for more than {2 * self.timeout_s:g}s")
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                out = fn(*args)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return out
        except sqlite3.Error as exc:  # locked past busy_timeout, corrupt, disk full...
            raise StoreError(f"{self.path.name}: {exc}") from exc
        finally:
            self._lock.release()

    def _row(self, call_id: str, now: float) -> tuple[Any, ...] | None:
        row = self._db.execute(
            "SELECT record, token, owner, lease_until, expires_at, actions FROM superdialog_calls "
            "WHERE id = ?",
            (call_id,),
        ).fetchone()
        if row is not None and row[4] <= now:
            self._db.execute("DELETE FROM superdialog_calls WHERE id = ?", (call_id,))
            return None
        return tuple(row) if row is not None else None

    def _claim(self, call_id: str, owner: str) -> Claim:
        now = self._clock()
        row = self._row(call_id, now)
        if row is None:
            token, record, actions = 1, None, ""
            self._db.execute(
                "INSERT INTO superdialog_calls VALUES (?, NULL, 1, ?, ?, ?, '')",
                (call_id, owner, now + self.lease_s, now + self.ttl_s),
            )
        else:
            record, old, holder, lease_until, _, actions = row
            if holder not in (None, owner) and lease_until > now:
                raise LeaseHeld(call_id, holder, lease_until - now)
            token = old + 1
            self._db.execute(
                "UPDATE superdialog_calls SET token = ?, owner = ?, lease_until = ? WHERE id = ?",
                (token, owner, now + self.lease_s, call_id),
            )
        return Claim(
            Lease(call_id, owner, token),
            bytes(record) if record is not None else None,
            frozenset(a for a in actions.split("\n") if a),
        )

    def _save(self, lease: Lease, record: bytes | None) -> None:
        now = self._clock()
        if record is None:
            sql = (
                "UPDATE superdialog_calls SET owner = ?, lease_until = ? "
                "WHERE id = ? AND token = ? AND expires_at > ?"
            )
            args: tuple[Any, ...] = (
                lease.owner,
                now + self.lease_s,
                lease.call_id,
                lease.token,
                now,
            )
        else:
            sql = (
                "UPDATE superdialog_calls SET record = ?, owner = ?, lease_until = ?, "
                "expires_at = ? WHERE id = ? AND token = ? AND expires_at > ?"
            )
            args = (record, lease.owner, now + self.lease_s, now + self.ttl_s,
                    lease.call_id, lease.token, now)  # fmt: skip
        if self._db.execute(sql, args).rowcount != 1:
            raise LeaseLost(
                "the call was claimed by another worker, or expired", call_id=lease.call_id
            )

    def _mark(self, lease: Lease, key: str) -> None:
        cur = self._db.execute(
            "UPDATE superdialog_calls SET actions = actions || ? || char(10) "
            "WHERE id = ? AND token = ? AND expires_at > ?",
            (key.replace("\n", " "), lease.call_id, lease.token, self._clock()),
        )
        if cur.rowcount != 1:
            raise LeaseLost(
                "the call was claimed by another worker, or expired", call_id=lease.call_id
            )

    def _release(self, lease: Lease) -> None:
        self._db.execute(
            "UPDATE superdialog_calls SET owner = NULL, lease_until = 0 WHERE id = ? AND token = ?",
            (lease.call_id, lease.token),
        )

    def _load(self, call_id: str) -> bytes | None:
        row = self._row(call_id, self._clock())
        return bytes(row[0]) if row is not None and row[0] is not None else None

    def _delete(self, call_id: str) -> None:
        self._db.execute("DELETE FROM superdialog_calls WHERE id = ?", (call_id,))

    def _purge(self) -> int:
        cur = self._db.execute(
            "DELETE FROM superdialog_calls WHERE expires_at <= ?", (self._clock(),)
        )
        return int(cur.rowcount)

    async def claim(self, call_id: str, owner: str) -> Claim:
        """See ``CallStore.claim``."""
        claim: Claim = await self._run(self._claim, call_id, owner)
        return claim

    async def save(self, lease: Lease, record: bytes) -> None:
        """See ``CallStore.save``."""
        await self._run(self._save, lease, bytes(record))

    async def renew(self, lease: Lease) -> None:
        """See ``CallStore.renew``."""
        await self._run(self._save, lease, None)

    async def mark_action(self, lease: Lease, key: str) -> None:
        """See ``CallStore.mark_action``."""
        await self._run(self._mark, lease, key)

    async def release(self, lease: Lease) -> None:
        """See ``CallStore.release``."""
        await self._run(self._release, lease)

    async def load(self, call_id: str) -> bytes | None:
        """See ``CallStore.load``."""
        record: bytes | None = await self._run(self._load, call_id)
        return record

    async def delete(self, call_id: str) -> None:
        """See ``CallStore.delete``."""
        await self._run(self._delete, call_id)

    async def purge(self) -> int:
        """Delete expired records (they are also dropped when read); how many went."""
        count: int = await self._run(self._purge)
        return count

    async def aclose(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()
