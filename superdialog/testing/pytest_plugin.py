"""Pytest fixtures for testing flows against the scripted LLM server.

Registered through the ``pytest11`` entry point, so any project with
SuperDialog installed gets them::

    async def test_booking(llm_server, llm_config):
        llm_server.add_rule(state="triage", user="book", reply="Sure.", goto="details")
        ...  # run the flow with llm_config, then assert on llm_server.requests

This module is imported by every pytest run of such a project, so it imports
nothing heavy at module level and works without pytest-asyncio (the server then
runs in its own thread, which serves async and sync tests alike).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from superdialog.llm import LLMConfig
    from superdialog.testing.llm_server import ScriptedLLMServer

__all__ = ["llm_config", "llm_server"]

try:
    import pytest_asyncio

    _HAVE_PYTEST_ASYNCIO = True
except ImportError:  # pragma: no cover - exercised only without the dev extras
    _HAVE_PYTEST_ASYNCIO = False


if _HAVE_PYTEST_ASYNCIO:

    @pytest_asyncio.fixture
    async def llm_server() -> AsyncIterator[ScriptedLLMServer]:
        """A started scripted server with no rules, in the test's event loop.

        Tests add rules with ``llm_server.add_rule(...)``. On teardown the
        cached openai client for this server is closed first, so no pooled
        keep-alive socket outlives the test's loop.
        """
        from superdialog.llm import aclose_clients
        from superdialog.testing.llm_server import ScriptedLLMServer

        async with ScriptedLLMServer() as server:
            try:
                yield server
            finally:
                await aclose_clients(server.base_url)

else:  # pragma: no cover

    @pytest.fixture
    def llm_server() -> Iterator[ScriptedLLMServer]:
        """A started scripted server with no rules, on its own thread."""
        from superdialog.testing.llm_server import ScriptedLLMServer

        with ScriptedLLMServer() as server:
            yield server


@pytest.fixture
def llm_config(llm_server: ScriptedLLMServer) -> LLMConfig:
    """An ``LLMConfig`` pointed at ``llm_server``, with test-friendly timings.

    Timeouts stay short and back-off tiny so fault scenarios run in
    milliseconds; replace fields with ``dataclasses.replace`` as needed.
    """
    from superdialog.llm import LLMConfig

    return LLMConfig(
        model="scripted-model",
        base_url=llm_server.base_url,
        api_key="sk-scripted",
        connect_timeout_s=2.0,
        first_token_timeout_s=2.0,
        total_timeout_s=10.0,
        retries=2,
        backoff_s=0.01,
        max_backoff_s=0.05,
    )
