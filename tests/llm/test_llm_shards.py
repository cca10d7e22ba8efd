"""An endpoint's client: one, quiet or busy, its connections kept alive, closed with the loop.

Our transport takes a connection in O(1), so a busy endpoint keeps one client
(httpx2's stock pool, used behind a proxy, is sharded instead). Real streams
against the scripted server; the server's latency makes them overlap. No timing
is asserted.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from superdialog.llm import LLMConfig, TextDelta, aclose_clients, stream_chat
from superdialog.llm.client import SHARD_CONNECTIONS, STOCK_SHARD_CONNECTIONS, _clients, _shards
from superdialog.testing import ScriptedLLMServer

_GUARD_S = 30.0  # hang guard only


async def _reply(config: LLMConfig) -> str:
    return "".join(
        [
            e.text
            async for e in stream_chat(config, [{"role": "user", "content": "hi"}])
            if isinstance(e, TextDelta)
        ]
    )


def _config(server: ScriptedLLMServer) -> LLMConfig:
    return LLMConfig(base_url=server.base_url, api_key="t", model="m", retries=0)


async def test_a_quiet_endpoint_uses_one_client_and_keeps_its_connection() -> None:
    async with ScriptedLLMServer() as server:
        server.add_rule(reply="Hello there.")
        config = _config(server)
        for _ in range(5):
            assert await asyncio.wait_for(_reply(config), _GUARD_S) == "Hello there."
        assert len(_clients.get()) == 1
        assert len({r.connection for r in server.requests}) == 1  # one warm connection
        await aclose_clients()
        assert not _clients.get() and not _shards.get()


async def test_a_busy_endpoint_keeps_one_client_and_reuses_its_connections() -> None:
    async with ScriptedLLMServer() as server:
        server.latency = type(server.latency)(ttft_ms=200)
        server.add_rule(reply="Hello there.")
        config = _config(server)
        n = 80
        for burst in range(2):
            replies: list[Any] = await asyncio.wait_for(
                asyncio.gather(*(_reply(config) for _ in range(n))), _GUARD_S
            )
            assert replies == ["Hello there."] * n
            if burst == 0:
                first = {r.connection for r in server.requests}
        (shards,) = _shards.get().values()
        assert len(shards) == 1 and shards[0].size == SHARD_CONNECTIONS
        assert shards[0].busy == 0  # every attempt left its shard
        assert len(_clients.get()) == 1
        # The second burst ran on the connections the first one opened (kept alive).
        assert {r.connection for r in server.requests} == first
        await aclose_clients(server.base_url)
        assert not _clients.get() and not _shards.get()


async def test_behind_a_proxy_the_stock_transport_is_used_in_small_shards(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A proxy is named, and bypassed for loopback: httpx2's own transport honours both.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    async with ScriptedLLMServer() as server:
        server.add_rule(reply="Hello there.")
        assert await asyncio.wait_for(_reply(_config(server)), _GUARD_S) == "Hello there."
        (shards,) = _shards.get().values()
        assert shards[0].size == STOCK_SHARD_CONNECTIONS
        await aclose_clients()
