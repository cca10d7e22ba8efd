"""Fixtures for the LLM client and scripted-server tests.

The plugin's fixtures are imported here too so the suite also runs when
SuperDialog is not installed (the ``pytest11`` entry point is then inactive).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from superdialog.llm import aclose_clients
from superdialog.testing.pytest_plugin import llm_config, llm_server

__all__ = ["llm_config", "llm_server"]


@pytest_asyncio.fixture(autouse=True)
async def _close_cached_clients() -> AsyncIterator[None]:
    """Close clients a test created outside the fixtures, while its loop runs."""
    yield
    await aclose_clients()
