"""Suite-wide fixtures: fail any async test that leaks asyncio tasks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"


@pytest.fixture(autouse=True)
async def _no_leaked_tasks(no_leaked_tasks: None) -> AsyncIterator[None]:
    yield
