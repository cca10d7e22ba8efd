"""An endpoint's clients (shards): one while it is quiet, more under load, all closed with the loop.

httpcore looks at every connection of a pool on each request, so a busy endpoint
gets more small pools instead of one big one. Real streams against the scripted
server; the server's latency makes them overlap. No timing is asserted.
"""

from __future__ import annotations

import asyncio
from typing import Any

from superdialog.llm import LLMConfig, TextDelta, aclose_clients, stream_chat
from superdialog.llm.client import SHARD_CONNECTIONS, _clients, _shards
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


async def test_a_busy_endpoint_opens_more_clients_and_every_stream_completes() -> None:
    async with ScriptedLLMServer() as server:
        server.latency = type(server.latency)(ttft_ms=200)
        server.add_rule(reply="Hello there.")
        config = _config(server)
        n = SHARD_CONNECTIONS + 10
        replies: list[Any] = await asyncio.wait_for(
            asyncio.gather(*(_reply(config) for _ in range(n))), _GUARD_S
        )
        assert replies == ["Hello there."] * n
        (shards,) = _shards.get().values()
        assert len(shards) == 2
        assert all(s.busy == 0 for s in shards)  # every attempt left its shard
        assert len(_clients.get()) == 2
        await aclose_clients(server.base_url)
        assert not _clients.get() and not _shards.get()
