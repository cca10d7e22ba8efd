"""What a streamed chat completion yields, as a small closed union.

The runtime pattern-matches on these, so they are plain frozen dataclasses
with no behaviour: adding a field never changes how a stream is consumed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Finished", "LLMEvent", "TextDelta", "ToolCall", "ToolNamed", "Usage"]


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of assistant text, to be sent to TTS as soon as it arrives."""

    text: str


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One complete tool call, assembled from the streamed fragments.

    Bad arguments are the model's mistake, not an endpoint failure, so they are
    reported here (``arguments=None`` and ``error`` set) and never raised: the
    runtime turns them into a reprompt.

    Attributes:
        id: The call id from the endpoint (synthesised if it sent none).
        name: The function name.
        arguments: The parsed JSON object, or ``None`` when it did not parse
            or was not an object.
        raw_arguments: The arguments exactly as streamed (only their first part
            when they ran past ``MAX_ARGUMENT_CHARS``).
        error: Why the call is unusable (bad JSON, not an object, too big or
            too deep, a tool that was not offered), or ``None``. It names the
            kind of problem and its position, never the name the model used
            or any argument value: it is logged, and arguments hold what the
            caller said.

    """

    id: str
    name: str
    arguments: dict[str, Any] | None
    raw_arguments: str
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ToolNamed:
    """A tool call's name, known complete, before the call's arguments have arrived.

    A hint for a consumer that can act on the name alone (a transition whose
    tool takes no arguments): the complete call still follows as a
    :class:`ToolCall` when the model finishes, and that is the call. It is
    reported once per call, only when the stream proves the name cannot grow:
    the delta that carried it also opened the arguments (OpenAI's shape: the
    first delta of a call has ``id``, ``name`` and ``arguments: ""``), a later
    delta of the same call carries arguments without a new name piece, another
    call starts, or the model finishes. A name streamed in pieces is reported
    whole, after its last piece.

    Attributes:
        index: The call's position in the response (0 for the first call).
        id: The call id, when the endpoint has sent one.
        name: The complete function name, as the model wrote it (not
            checked against the tools offered).

    """

    index: int
    id: str | None
    name: str


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts reported by the endpoint (only when it reports them)."""

    tokens_in: int
    tokens_out: int
    cached: int = 0


@dataclass(frozen=True, slots=True)
class Finished:
    """The last event of every successful stream.

    Attributes:
        finish_reason: ``stop``, ``tool_calls``, ``length``... as sent.
        ttft_ms: From the call start to the first text or tool-call fragment,
            retries included; ``None`` when the reply had no content.
        latency_ms: From the call start to the end of the stream.

    """

    finish_reason: str | None
    ttft_ms: float | None
    latency_ms: float


LLMEvent = TextDelta | ToolNamed | ToolCall | Usage | Finished
"""Any event yielded by :func:`superdialog.llm.stream_chat`."""
