"""Fixtures of the Unpod adapter's tests: fail any test that leaks asyncio tasks."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest


@pytest.fixture(autouse=True)
async def _no_leaked_tasks(no_leaked_tasks: None) -> AsyncIterator[None]:
    yield
