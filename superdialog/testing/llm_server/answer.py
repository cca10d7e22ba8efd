"""The answer to one chat request, in OpenAI's exact format.

The server decides a whole answer (text, tool call, fault, latency, token
counts) before it writes a byte, so the streamed and the whole response, the
usage numbers and the recorded request all agree. :class:`Plan` is that
decision; it renders itself as the ``chat.completion`` body, as
``chat.completion.chunk`` events and as the ``usage`` block, with text and tool
arguments fragmented the way OpenAI fragments them, so a client under test
meets the same shapes it meets in production.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from typing import Any

from superdialog.testing.llm_server.protocol import sse_event
from superdialog.testing.llm_server.script import Latency

__all__ = ["Plan", "argument_pieces", "estimate_tokens", "text_pieces"]


def estimate_tokens(text: str) -> int:
    """A deterministic token estimate: one token per four characters.

    Real tokenizers differ per model; tests only need counts that are stable
    and grow with the text.
    """
    return max(1, math.ceil(len(text) / 4)) if text else 0


def text_pieces(text: str) -> list[str]:
    """Split text into word-like tokens that concatenate back to ``text``."""
    return re.findall(r"\s*\S+|\s+", text)


def argument_pieces(raw: str) -> list[str]:
    """Split JSON into OpenAI-like fragments (``{"``, ``city``, ``":"``...)."""
    return re.findall(r"[A-Za-z0-9_]+|\s+|[^A-Za-z0-9_\s]+", raw)


@dataclass(frozen=True, slots=True)
class Plan:
    """The answer to one chat request, decided before anything is sent.

    Attributes:
        call: 1-based chat request number; it names the completion and tool call.
        model: Model name reported in the answer.
        text: Reply text (may be empty when only a tool is called).
        tool: ``(name, raw_arguments)`` of the tool call, if any.
        fault: The scripted fault (see :data:`~.script.FAULTS`), if any.
        cut_after: Pieces sent before a ``cut`` fault (``None``: half).
        latency: How fast the answer is sent.
        prompt_tokens: Estimated tokens of the request.
        include_usage: The client asked for a usage chunk at the end of the stream.

    """

    call: int
    model: str
    text: str
    tool: tuple[str, str] | None
    fault: str | None
    cut_after: int | None
    latency: Latency
    prompt_tokens: int
    include_usage: bool

    @property
    def finish_reason(self) -> str:
        """OpenAI's ``finish_reason``: ``tool_calls`` when a tool is called, else ``stop``."""
        return "tool_calls" if self.tool is not None else "stop"

    @property
    def completion_tokens(self) -> int:
        """Estimated tokens of the answer (text, tool name and arguments)."""
        tool = "" if self.tool is None else self.tool[0] + self.tool[1]
        return estimate_tokens(self.text) + estimate_tokens(tool)

    @property
    def tool_call_id(self) -> str:
        """The id of the tool call, stable per request number."""
        return f"call_scripted_{self.call}"

    def usage(self) -> dict[str, Any]:
        """The ``usage`` block, with every detail field OpenAI sends (zeros)."""
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }

    def deltas(self) -> list[dict[str, Any]]:
        """The content deltas, one per streamed piece, as OpenAI fragments them."""
        deltas: list[dict[str, Any]] = [{"content": piece} for piece in text_pieces(self.text)]
        if self.tool is not None:
            name, raw = self.tool
            first = {"index": 0, "id": self.tool_call_id, "type": "function"}
            deltas.append({"tool_calls": [{**first, "function": {"name": name, "arguments": ""}}]})
            deltas += [
                {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}
                for piece in argument_pieces(raw)
            ]
        return deltas

    def completion(self) -> dict[str, Any]:
        """The non-streaming ``chat.completion`` body."""
        message: dict[str, Any] = {
            "role": "assistant",
            "content": self.text if self.text or self.tool is None else None,
            "refusal": None,
            "annotations": [],
        }
        if self.tool is not None:
            message["tool_calls"] = [
                {
                    "id": self.tool_call_id,
                    "type": "function",
                    "function": {"name": self.tool[0], "arguments": self.tool[1]},
                }
            ]
        return {
            "id": f"chatcmpl-scripted-{self.call}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model,
            "system_fingerprint": "fp_scripted",
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": self.finish_reason,
                }
            ],
            "usage": self.usage(),
        }

    def chunk(self, delta: dict[str, Any] | None, finish_reason: str | None = None) -> bytes:
        """One SSE event in OpenAI's ``chat.completion.chunk`` format.

        Args:
            delta: The choice's delta; ``None`` for the final usage-only chunk.
            finish_reason: Set on the last content chunk.

        """
        body: dict[str, Any] = {
            "id": f"chatcmpl-scripted-{self.call}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": self.model,
            "system_fingerprint": "fp_scripted",
            "choices": []
            if delta is None
            else [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
        }
        if self.include_usage:
            body["usage"] = self.usage() if delta is None else None
        return sse_event(body)
