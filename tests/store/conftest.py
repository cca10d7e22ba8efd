"""A real ``redis-server`` for the store tests, on a free loopback port, stopped at the end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from redis_server import redis_binary, redis_server  # tests/store is on sys.path (no package)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``redis://127.0.0.1:<port>/0`` of a server started for this test session."""
    if redis_binary() is None:
        pytest.skip(
            "redis-server is not installed (apt-get install redis-server; scripts/setup.sh does it)"
        )
    pytest.importorskip("redis")
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url
