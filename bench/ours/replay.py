"""Replay an LLM server's recorded bytes through a stand-in for the openai client, in-process.

`turn_replay_us_*`: the framework's own CPU time per chain turn, free of loopback noise. The
recorded bytes are exactly what the loopback server sends for the chain flow (one tool-call
response, one text response; the tool name is set per request to the state's `advance` tool), and
everything of ours runs for real: the runtime, `superdialog.llm.client.stream_chat` (attempts,
deadlines, SSE decoding, chunk reading, tool-call assembly, drain). Only the openai client's
request building and the HTTP exchange (what the peers' method puts in `bare`) are left out.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any


class _Body:
    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        for c in self._chunks:
            yield c


class _Response:
    def __init__(self, chunks: list[bytes]) -> None:
        self.http_response = _Body(chunks)


class _Stream:
    def __init__(self, chunks: list[bytes]) -> None:
        self._r = _Response(chunks)

    async def __aenter__(self) -> _Response:
        return self._r

    async def __aexit__(self, *exc: object) -> bool:
        return False


class _Completions:
    def __init__(self, recorded: dict[str, list[bytes]], placeholder: bytes) -> None:
        self._rec = recorded
        self._placeholder = placeholder

    @property
    def with_streaming_response(self) -> _Completions:
        return self

    def create(self, **kw: Any) -> _Stream:
        tools = kw.get("tools")
        if not tools:
            return _Stream(self._rec["text"])
        name = tools[0]["function"]["name"].encode()
        return _Stream([c.replace(self._placeholder, name) for c in self._rec["tool"]])


class _Chat:
    def __init__(self, completions: _Completions) -> None:
        self.completions = completions


class ReplayClient:
    """Quacks like `AsyncOpenAI` for `chat.completions.with_streaming_response.create`."""

    def __init__(self, recorded: dict[str, list[bytes]], placeholder: str) -> None:
        self.chat = _Chat(_Completions(recorded, placeholder.encode()))


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
