"""Fixtures for the LLM client and scripted-server tests.

The plugin's fixtures are imported here too so the suite also runs when
SuperDialog is not installed (the ``pytest11`` entry point is then inactive).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest_asyncio

from superdialog.llm import LLMEvent, aclose_clients, stream_chat
from superdialog.testing.pytest_plugin import llm_config, llm_server

__all__ = ["collect", "eventually", "llm_config", "llm_server"]


@pytest_asyncio.fixture(autouse=True)
async def _close_cached_clients() -> AsyncIterator[None]:
    """Close clients a test created outside the fixtures, while its loop runs."""
    yield
    await aclose_clients()


async def collect(*args: object, **kwargs: object) -> list[LLMEvent]:
    """All events of one ``stream_chat`` call."""
    return [event async for event in stream_chat(*args, **kwargs)]


async def eventually(predicate: Callable[[], bool], timeout: float = 2.0) -> bool:
    """Poll until ``predicate()`` holds (the server runs concurrently)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            return False
        await asyncio.sleep(0.005)
    return True
