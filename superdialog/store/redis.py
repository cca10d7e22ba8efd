"""``RedisStore``: call records and leases in Redis, for many workers (redis-py's asyncio client).

One hash per call (``superdialog:call:{<id>}``; the braces keep a call on one
cluster slot) holds the record, the fencing token, the lease owner and the
lease's end. Every operation is one Lua script, so one round trip, atomic on
the server, timed by the server's clock (``TIME``): workers' clocks need not
agree. A save checks the token, writes the record, renews the lease and the
hash's TTL together.

Install with ``pip install superdialog[redis]``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["RedisStore"]

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""
_CLAIM = (
    _NOW
    + """
local v = redis.call('HMGET', KEYS[1], 'owner', 'until', 'rec')
local owner, lease_end = v[1], tonumber(v[2] or '0')
if owner and owner ~= ARGV[1] and lease_end > now then
  return {0, owner, lease_end - now}
end
local token = redis.call('HINCRBY', KEYS[1], 'token', 1)
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'until', now + tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local started = {}
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(field, 1, 2) == 'a:' then table.insert(started, string.sub(field, 3)) end
end
return {1, token, v[3] or '', started}
"""
)
_SAVE = (
    _NOW
    + """
local token = redis.call('HGET', KEYS[1], 'token')
if (not token) or tonumber(token) ~= tonumber(ARGV[2]) then return 0 end
if ARGV[5] == '' then
  redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'until', now + tonumber(ARGV[3]))
else
  redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'until', now + tonumber(ARGV[3]), 'rec', ARGV[6])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
return 1
"""
)
_MARK = """
local token = redis.call('HGET', KEYS[1], 'token')
if (not token) or tonumber(token) ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'a:' .. ARGV[2], 1)
return 1
"""
_RELEASE = """
local token = redis.call('HGET', KEYS[1], 'token')
if token and tonumber(token) == tonumber(ARGV[1]) then
  redis.call('HDEL', KEYS[1], 'owner', 'until')
end
return 1
"""


class RedisStore:
    """Records and leases in Redis (see the module docstring).

    Args:
        client: A ``redis.asyncio.Redis`` (``RedisStore.from_url`` makes one).
        ttl_s: Seconds a record is kept after its last save.
        lease_s: Seconds a lease lasts after its last save or renewal.
        prefix: Key prefix (several deployments can share one Redis).
        timeout_s: Seconds one operation may take before it fails as a ``StoreError``.

    """

    def __init__(
        self,
        client: Redis,
        *,
        ttl_s: float = DEFAULT_TTL_S,
        lease_s: float = DEFAULT_LEASE_S,
        prefix: str = "superdialog:call:",
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.client = client
        self.timeout_s = timeout_s
        self.ttl_ms = max(1, round(ttl_s * 1000))
        self.lease_ms = max(1, round(lease_s * 1000))
        self.prefix = prefix
        self._claim = client.register_script(_CLAIM)
        self._save = client.register_script(_SAVE)
        self._release = client.register_script(_RELEASE)
        self._mark = client.register_script(_MARK)

    @classmethod
    def from_url(cls, url: str, **options: Any) -> RedisStore:
        """A store on a new client for ``url`` (``redis://host:6379/0``); options as above."""
        from redis.asyncio import Redis  # lazy: redis is an optional extra

        return cls(Redis.from_url(url), **options)

    def key(self, call_id: str) -> str:
        """The Redis key of a call."""
        return f"{self.prefix}{{{call_id}}}"

    async def _bounded(self, call_id: str, op: Awaitable[Any]) -> Any:
        """``op``'s result; a Redis error, a lost connection or no answer in time: ``StoreError``.

        redis-py drops a connection whose command was cancelled mid-reply, so a late
        reply is never read as the answer to the next command.
        """
        from redis.exceptions import RedisError  # lazy: redis is an optional extra

        try:
            async with asyncio.timeout(self.timeout_s):
                return await op
        except TimeoutError:
            raise StoreError(
                f"Redis did not answer within {self.timeout_s:g}s", call_id=call_id
            ) from None
        except (RedisError, OSError) as exc:
            raise StoreError(f"Redis failed ({type(exc).__name__})", call_id=call_id) from exc

    async def _eval(self, script: Any, call_id: str, args: list[Any]) -> Any:
        return await self._bounded(call_id, script(keys=[self.key(call_id)], args=args))

    async def claim(self, call_id: str, owner: str) -> Claim:
        """See ``CallStore.claim``."""
        got = await self._eval(self._claim, call_id, [owner, self.lease_ms, self.ttl_ms])
        if int(got[0]) == 0:
            holder = got[1].decode() if isinstance(got[1], bytes) else str(got[1])
            raise LeaseHeld(call_id, holder, int(got[2]) / 1000)
        record, started = got[2], got[3]
        return Claim(
            Lease(call_id, owner, int(got[1])),
            bytes(record) if record else None,
            frozenset(k.decode() if isinstance(k, bytes) else str(k) for k in started),
        )

    async def _write(self, lease: Lease, record: bytes | None) -> None:
        args = [lease.owner, lease.token, self.lease_ms, self.ttl_ms]
        args += ["", ""] if record is None else ["1", record]
        if int(await self._eval(self._save, lease.call_id, args)) != 1:
            raise LeaseLost(
                "the call was claimed by another worker, or expired", call_id=lease.call_id
            )

    async def save(self, lease: Lease, record: bytes) -> None:
        """See ``CallStore.save``."""
        await self._write(lease, bytes(record))

    async def renew(self, lease: Lease) -> None:
        """See ``CallStore.renew``."""
        await self._write(lease, None)

    async def mark_action(self, lease: Lease, key: str) -> None:
        """See ``CallStore.mark_action``."""
        if int(await self._eval(self._mark, lease.call_id, [lease.token, key])) != 1:
            raise LeaseLost(
                "the call was claimed by another worker, or expired", call_id=lease.call_id
            )

    async def release(self, lease: Lease) -> None:
        """See ``CallStore.release``."""
        await self._eval(self._release, lease.call_id, [lease.token])

    async def load(self, call_id: str) -> bytes | None:
        """See ``CallStore.load``."""
        record: Any = await self._bounded(call_id, self.client.hget(self.key(call_id), "rec"))
        return bytes(record) if record is not None else None

    async def delete(self, call_id: str) -> None:
        """See ``CallStore.delete``."""
        await self._bounded(call_id, self.client.delete(self.key(call_id)))

    async def aclose(self) -> None:
        """Close the client's connections."""
        await self.client.aclose()
