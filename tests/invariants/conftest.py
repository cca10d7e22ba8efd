"""Fixtures of the invariants suite: a scripted LLM server, closed model clients."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from superdialog.llm import aclose_clients
from superdialog.testing.llm_server import ScriptedLLMServer


@pytest_asyncio.fixture(autouse=True)
async def _close_model_clients() -> AsyncIterator[None]:
    """A call of an LLM flow makes its model client at start(): close it with the loop."""
    yield
    await aclose_clients()


@pytest_asyncio.fixture
async def server() -> AsyncIterator[ScriptedLLMServer]:
    """A started scripted server with no rules; its client is closed on teardown."""
    async with ScriptedLLMServer() as srv:
        try:
            yield srv
        finally:
            await aclose_clients()
