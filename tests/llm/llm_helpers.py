"""Helpers the LLM tests share (a module of its own: ``conftest`` is not a unique name)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from superdialog.llm import LLMEvent, stream_chat

__all__ = ["collect", "eventually"]


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
