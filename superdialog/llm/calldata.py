"""The per-call record the Unpod host expects for every model call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["LLMCallData"]


@dataclass(slots=True)
class LLMCallData:
    """One model call, in the exact shape of the Unpod host contract.

    The field set is fixed by the host: do not add or rename fields here;
    derive anything else from these.

    Attributes:
        latency_ms: Call start to end of stream, retries included.
        call_type: What the call was for (e.g. ``"response"``, ``"extract"``).
        node_id: The flow state that made the call.
        model: The model name sent.
        prompt_messages: The messages sent, OpenAI format.
        response_json: The assistant message received, OpenAI format.
        tokens_in: Prompt tokens.
        tokens_out: Completion tokens.
        edge_id: The transition the call resolved to, if any.
        cached: Prompt tokens served from the provider's cache.
        cache_write: Prompt tokens written to the provider's cache.
        ttft_ms: Time to the first text or tool-call fragment.

    """

    latency_ms: float
    call_type: str
    node_id: str
    model: str
    prompt_messages: list[dict[str, Any]]
    response_json: dict[str, Any]
    tokens_in: int
    tokens_out: int
    edge_id: str | None
    cached: int = 0
    cache_write: int = 0
    ttft_ms: float | None = None
