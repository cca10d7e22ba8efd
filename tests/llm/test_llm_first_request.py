"""A process's very first model request fails the way every later one does.

The openai package is imported with the first client, on the first request. The
exceptions translated into our ``LLMError`` tree used to be listed before that
import, so the first request of a fresh process that met an error status (a
wrong API key, an outage at start-up) raised the SDK's own exception: not an
``LLMError``, so a call could not take its error path. Each case runs in a new
interpreter, where nothing has imported openai yet.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    sys.path.insert(0, {tests!r})
    from rawhttp import raw_server, status_server
    assert "openai" not in sys.modules
    from superdialog.llm import LLMConfig, aclose_clients, stream_chat
    from superdialog.errors import LLMStatusError

    async def main() -> None:
        calls = []
        handler = status_server({status}, b"Content-Type: application/json\\r\\n", calls)
        async with raw_server(handler) as url:
            config = LLMConfig(model="m", base_url=url, api_key="k", retries=0)
            try:
                async for _ in stream_chat(config, [{{"role": "user", "content": "hi"}}]):
                    pass
            except LLMStatusError as err:
                print("LLMStatusError", err.status_code, err.retryable)
            finally:
                await aclose_clients()

    asyncio.run(main())
    """
)


@pytest.mark.parametrize(("status", "retryable"), [(401, False), (429, True), (500, True)])
def test_the_first_request_of_a_process_raises_our_status_error(
    status: int, retryable: bool
) -> None:
    code = _SCRIPT.format(tests=str(Path(__file__).parent), status=status)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["LLMStatusError", str(status), str(retryable)]
