"""Replay an LLM server's recorded bytes through a stand-in for the openai client, in-process.

`turn_replay_us_*`: the framework's own CPU time per chain turn, free of loopback noise. The
recorded bytes are exactly what the loopback server sends for the chain flow (one tool-call
response, one text response; the tool name is set per request to the first tool offered), and
everything of ours runs for real: the runtime, `superdialog.llm.client.stream_chat` (request
preparation and encoding, attempts, deadlines, SSE decoding, chunk reading, tool-call assembly,
drain). Only the openai client's `post` and the HTTP exchange are left out.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any


class _Response:
    """Quacks like the unread ``httpx2.Response`` that ``client.post(..., stream=True)`` returns."""

    headers: dict[str, str] = {}

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    async def aiter_raw(self) -> AsyncIterator[bytes]:
        for c in self._chunks:
            yield c

    aiter_bytes = aiter_raw

    async def aclose(self) -> None:
        pass


_TOOL_NAME = re.compile(rb'"name":"([^"]+)"')


class ReplayClient:
    """Quacks like `AsyncOpenAI` for the one call our client makes: `post(..., content=...)`."""

    base_url = "http://replay.invalid/v1/"  # the client joins its chat URL to it once

    def __init__(self, recorded: dict[str, list[bytes]], placeholder: str) -> None:
        self._rec = recorded
        self._placeholder = placeholder.encode()

    async def post(self, path: str, *, content: bytes, **kw: Any) -> _Response:
        if b'"tools":' not in content:
            return _Response(self._rec["text"])
        found = _TOOL_NAME.search(content, content.index(b'"tools":'))
        assert found is not None
        name = found.group(1)
        return _Response([c.replace(self._placeholder, name) for c in self._rec["tool"]])


async def record(base_url: str, tool: str) -> dict[str, list[bytes]]:
    """The server's bytes for a caller turn answered with `tool`, and for a spoken reply."""
    import openai

    client = openai.AsyncOpenAI(api_key="sk-loopback-no-key", base_url=base_url, max_retries=0)
    out: dict[str, list[bytes]] = {}
    state = "s" + str(int(tool.removeprefix("goto_s")) - 1)
    try:
        for kind, extra in (
            ("tool", {"tools": [{"type": "function", "function": {
                "name": tool, "parameters": {"type": "object", "properties": {}}}}],
                "extra_headers": {"x-superdialog-state": state}}),
            ("text", {}),
        ):
            chunks: list[bytes] = []
            async with client.chat.completions.with_streaming_response.create(
                model="gpt-4.1-mini", stream=True, stream_options={"include_usage": True},
                messages=[{"role": "user", "content": "Here is my answer number 0."}], **extra,
            ) as resp:
                async for b in resp.http_response.aiter_bytes():
                    chunks.append(b)
            out[kind] = chunks
    finally:
        await client.close()
    if not any(tool.encode() in c for c in out["tool"]):
        raise SystemExit(f"replay: the server did not answer with {tool}: {out['tool']!r}")
    return out
