"""Reading stream chunks and reassembling fragmented tool calls.

OpenAI streams a tool call as a first fragment carrying ``id`` and ``name``
followed by many fragments of the JSON arguments, keyed by ``index``. Servers
that imitate OpenAI differ in the details (no index, name repeated, arguments
in one piece), so the assembler is deliberately lenient about the shape and
strict only about the result: the arguments must be one JSON object.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from superdialog.errors import LLMProtocolError
from superdialog.llm.events import ToolCall, Usage

__all__ = ["ChunkView", "Fragment", "ToolCallAssembler", "parse_arguments", "read_chunk"]


@dataclass(frozen=True, slots=True)
class Fragment:
    """One streamed piece of a tool call."""

    index: int | None
    id: str | None
    name: str | None
    arguments: str


@dataclass(frozen=True, slots=True)
class ChunkView:
    """What one ``ChatCompletionChunk`` contributes, for the first choice."""

    text: str
    fragments: tuple[Fragment, ...]
    finish_reason: str | None
    usage: Usage | None


def read_chunk(chunk: Any) -> ChunkView:
    """Extract text, tool fragments, finish reason and usage from a chunk.

    Servers imitating OpenAI get details wrong in many ways; anything that
    is not shaped like a completion chunk is reported as ``LLMProtocolError``
    rather than an ``AttributeError`` deep inside the runtime.

    Args:
        chunk: One decoded ``chat.completion.chunk`` JSON object.

    Returns:
        The parts of the chunk the stream consumer needs.

    Raises:
        LLMProtocolError: The chunk is not shaped like a completion chunk.

    """
    try:
        return _read_chunk(chunk)
    except (AttributeError, TypeError, ValueError) as exc:
        raise LLMProtocolError(f"LLM endpoint sent an unreadable chunk: {exc}") from exc


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"{what} is {type(value).__name__}, not an object")
    return value


def _read_chunk(chunk: Any) -> ChunkView:
    chunk = _mapping(chunk, "chunk")
    usage = _read_usage(_mapping(chunk.get("usage"), "usage"))
    choices = chunk.get("choices") or []
    if not isinstance(choices, list):
        raise TypeError(f"choices is {type(choices).__name__}, not a list")
    choice = next(
        (_mapping(c, "choice") for c in choices if _mapping(c, "choice").get("index") in (0, None)),
        None,
    )
    if choice is None:
        return ChunkView("", (), None, usage)
    delta = _mapping(choice.get("delta"), "delta")
    text = delta.get("content") or ""
    if not isinstance(text, str):
        raise TypeError(f"delta.content is {type(text).__name__}, not a string")
    tool_calls = delta.get("tool_calls") or []
    if not isinstance(tool_calls, list):
        raise TypeError(f"delta.tool_calls is {type(tool_calls).__name__}, not a list")
    fragments = tuple(_read_fragment(_mapping(raw, "tool call")) for raw in tool_calls)
    finish_reason = choice.get("finish_reason")
    return ChunkView(text, fragments, None if finish_reason is None else str(finish_reason), usage)


def _read_fragment(raw: Mapping[str, Any]) -> Fragment:
    function = _mapping(raw.get("function"), "tool call function")
    index = raw.get("index")
    arguments = function.get("arguments") or ""
    if not isinstance(arguments, str):
        raise TypeError(f"tool call arguments are {type(arguments).__name__}, not a string")
    return Fragment(
        index=index if isinstance(index, int) else None,
        id=str(raw["id"]) if raw.get("id") else None,
        name=str(function["name"]) if function.get("name") else None,
        arguments=arguments,
    )


def _read_usage(raw: Mapping[str, Any]) -> Usage | None:
    if not raw:
        return None
    details = _mapping(raw.get("prompt_tokens_details"), "prompt_tokens_details")
    return Usage(
        tokens_in=int(raw.get("prompt_tokens") or 0),
        tokens_out=int(raw.get("completion_tokens") or 0),
        cached=int(details.get("cached_tokens") or 0),
    )


_JSON_TYPES = {
    dict: "object",
    list: "array",
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    type(None): "null",
}


def parse_arguments(raw: str) -> tuple[dict[str, Any] | None, str | None]:
    """Parse tool-call arguments the way the runtime needs them.

    Args:
        raw: The concatenated argument fragments.

    Returns:
        ``(arguments, None)`` for a JSON object (an empty string counts as
        ``{}``, as some servers send it for parameterless tools), otherwise
        ``(None, reason)``.

    """
    if not raw.strip():
        return {}, None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        return None, f"arguments are not valid JSON ({exc.msg} at position {exc.pos}): {raw!r}"
    if not isinstance(value, dict):
        kind = _JSON_TYPES.get(type(value), type(value).__name__)
        return None, f"arguments must be a JSON object, got {kind}: {raw!r}"
    return value, None


@dataclass(slots=True)
class _Partial:
    id: str | None = None
    name: str | None = None
    parts: list[str] = field(default_factory=list)


class ToolCallAssembler:
    """Collects fragments per tool-call index and builds ``ToolCall`` events."""

    def __init__(self, offered: frozenset[str] | None = None) -> None:
        """Start an empty assembler.

        Args:
            offered: Names of the tools sent with the request; a call to any
                other name gets ``error`` set. ``None`` disables the check.

        """
        self._offered = offered
        self._calls: dict[int, _Partial] = {}

    def add(self, fragment: Fragment) -> None:
        """Add one fragment to the call it belongs to."""
        index = fragment.index
        if index is None:
            # No index: a new id starts a new call, otherwise continue the last.
            last = max(self._calls, default=-1)
            starts_new = last < 0 or (
                fragment.id is not None and self._calls[last].id not in (None, fragment.id)
            )
            index = last + 1 if starts_new else last
        partial = self._calls.setdefault(index, _Partial())
        if partial.id is None and fragment.id:
            partial.id = fragment.id
        if partial.name is None and fragment.name:
            partial.name = fragment.name
        if fragment.arguments:
            partial.parts.append(fragment.arguments)

    def finish(self) -> list[ToolCall]:
        """Build the collected calls in index order and reset."""
        calls = [self._build(index, self._calls[index]) for index in sorted(self._calls)]
        self._calls.clear()
        return calls

    def _build(self, index: int, partial: _Partial) -> ToolCall:
        raw = "".join(partial.parts)
        name = partial.name or ""
        arguments, error = parse_arguments(raw)
        if not name:
            error = "tool call has no function name"
        elif self._offered is not None and name not in self._offered:
            offered = ", ".join(sorted(self._offered)) or "none"
            error = f"tool {name!r} was not offered (offered: {offered})"
        return ToolCall(
            id=partial.id or f"call_{index}",
            name=name,
            arguments=arguments,
            raw_arguments=raw,
            error=error,
        )
