"""Reading stream chunks and reassembling fragmented tool calls.

OpenAI streams a tool call as a first fragment carrying ``id``, ``name`` and an
empty ``arguments`` followed by many fragments of the JSON arguments, keyed by
``index``. Servers that imitate OpenAI differ in the details (no index, the
whole name repeated in every delta, the name itself in pieces, arguments in one
piece), so the assembler is deliberately lenient about the shape and strict
only about the result: the arguments must be one JSON object, of bounded size
and depth.

It also tells when a call's name is known complete, before its arguments end
(:meth:`ToolCallAssembler.named`): a transition whose tool takes no arguments
is decided by its name alone, one streamed token earlier than its end.

No message built here (exception or ``ToolCall.error``) holds anything the
model or the endpoint sent: arguments carry what the caller said, and these
messages are logged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from superdialog.errors import LLMProtocolError
from superdialog.llm.bounded import MAX_ARGUMENT_CHARS, MAX_ARGUMENT_DEPTH, loads_bounded
from superdialog.llm.events import ToolCall, ToolNamed, Usage
from superdialog.pii.logs import get_logger

_log = get_logger("superdialog.llm")

MAX_TOOL_CALLS = 64
"""Tool calls kept from one response; fragments of any further call are dropped."""

_MAX_NAME_CHARS = 256  # OpenAI allows 64; a longer name is kept cut, and is never offered

__all__ = ["ChunkView", "Fragment", "ToolCallAssembler", "parse_arguments", "read_chunk"]


@dataclass(frozen=True, slots=True)
class Fragment:
    """One streamed piece of a tool call.

    ``opens_arguments``: the delta carried an ``arguments`` field (even an
    empty one), so the endpoint is past the name when it also carries one.
    """

    index: int | None
    id: str | None
    name: str | None
    arguments: str
    opens_arguments: bool = False


@dataclass(slots=True)  # not frozen: made once per streamed token, read once, never kept
class ChunkView:
    """What one ``ChatCompletionChunk`` contributes, for the first choice."""

    text: str
    fragments: tuple[Fragment, ...]
    finish_reason: str | None
    usage: Usage | None
    reasoning: bool = False
    """The delta carried reasoning (``reasoning_content`` or ``reasoning``, as vLLM, DeepSeek
    and others stream a thinking model's thoughts): never spoken, but proof the model is
    working, which the first-token deadline counts."""


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
    except _UnreadableError as exc:
        raise LLMProtocolError(f"LLM endpoint sent an unreadable chunk: {exc}") from exc
    except (AttributeError, TypeError, ValueError, OverflowError) as exc:
        # A builtin's message may quote the value it choked on: name the class only.
        raise LLMProtocolError(
            f"LLM endpoint sent an unreadable chunk ({type(exc).__name__})"
        ) from exc


class _UnreadableError(Exception):
    """A chunk of the wrong shape; the message names fields and types, never values."""


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if type(value) is dict:  # what JSON decodes to: spares the ABC check on every chunk
        return value
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _UnreadableError(f"{what} is {type(value).__name__}, not an object")
    return value


def _count(raw: Mapping[str, Any], key: str) -> int:
    """A token count: a non-negative integer (absent or null is 0)."""
    value = raw.get(key)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _UnreadableError(f"usage.{key} is {type(value).__name__}, not a count")
    return value


_PLAIN_DELTA = frozenset(("content", "role", "refusal"))
"""The keys of a delta that may be text and nothing else (no reasoning, no tool calls)."""


def _read_chunk(chunk: Any) -> ChunkView:
    if type(chunk) is not dict:  # what JSON decodes to: spares a call per chunk
        chunk = _mapping(chunk, "chunk")
    raw_usage = chunk.get("usage")
    usage = None if raw_usage is None else _read_usage(_mapping(raw_usage, "usage"))
    choices = chunk.get("choices") or []
    if type(choices) is not list and not isinstance(choices, list):
        raise _UnreadableError(f"choices is {type(choices).__name__}, not a list")
    choice: Mapping[str, Any] | None = None
    for c in choices:
        if type(c) is not dict:
            c = _mapping(c, "choice")
        if c.get("index") in (0, None):
            choice = c
            break
    if choice is None:
        return ChunkView("", (), None, usage)
    delta = choice.get("delta")
    if type(delta) is not dict:
        delta = _mapping(delta, "delta")
    text = delta.get("content") or ""
    if (
        type(text) is str
        and type(delta) is dict
        and delta.keys() <= _PLAIN_DELTA
        and text.isascii()
        and (text or delta.get("refusal") is None)
    ):
        # The usual delta, a token of plain ASCII text (or nothing, with the finish
        # reason): no refusal to speak, no reasoning or tool call, no character to
        # leave out. What the rest below would make of it, in fewer lookups.
        finish_reason = choice.get("finish_reason")
        return ChunkView(text, (), None if finish_reason is None else str(finish_reason), usage)
    refusal = delta.get("refusal")
    if not text and isinstance(refusal, str):
        # OpenAI streams a refusal in its own field: words for the caller (the turn was
        # otherwise empty and the caller heard "sorry, I didn't catch that", then again)
        text = refusal
    thought = delta.get("reasoning_content") or delta.get("reasoning")
    if isinstance(text, list):
        text, thinking = _content_parts(text)
        thought = thought or thinking
    if not isinstance(text, str):
        raise _UnreadableError(f"delta.content is {type(text).__name__}, not a string")
    if not text.isascii():
        text = _NOT_TEXT.sub("", text)
    tool_calls = delta.get("tool_calls") or []
    if not isinstance(tool_calls, list):
        raise _UnreadableError(f"delta.tool_calls is {type(tool_calls).__name__}, not a list")
    fragments = tuple(_read_fragment(_mapping(raw, "tool call")) for raw in tool_calls)
    finish_reason = choice.get("finish_reason")
    return ChunkView(
        text,
        fragments,
        None if finish_reason is None else str(finish_reason),
        usage,
        isinstance(thought, str) and bool(thought.strip()),
    )


_NOT_TEXT = re.compile("[\ud800-\udfff\ufffd]")
"""Half of a UTF-16 pair, as ``"\\ud83d"`` decodes alone (a model cutting an emoji in two),
and U+FFFD, what bytes that are not UTF-8 were decoded to.

Not words: a speech engine or a host encoding a half pair to UTF-8 fails on it
(and so did the next request, whose history held it: the call ended in
error), and U+FFFD is read aloud as a symbol or not at all. Left out of the
words; a whole pair decodes to its character and stays.
"""


def _content_parts(parts: list[Any]) -> tuple[str, str]:
    """Text and thinking of a content sent as a list of typed parts (Mistral's reasoning models).

    ``{"type": "text", "text": ...}`` parts are the words; ``thinking`` parts only
    show the model is working. Any other part is skipped: it is not for the caller.
    """
    text: list[str] = []
    thinking = ""
    for part in parts:
        part = _mapping(part, "content part")
        kind = part.get("type")
        if kind == "text":
            value = part.get("text") or ""
            if not isinstance(value, str):
                raise _UnreadableError(f"content part text is {type(value).__name__}")
            text.append(value)
        elif kind == "thinking" and part.get("thinking"):
            thinking = "thinking"
    return "".join(text), thinking


def _read_fragment(raw: Mapping[str, Any]) -> Fragment:
    function = _mapping(raw.get("function"), "tool call function")
    index = raw.get("index")
    arguments = function.get("arguments") or ""
    if type(arguments) is not str and isinstance(arguments, Mapping):
        # An object where OpenAI sends its JSON text (some compatible servers do): the same
        # arguments, so they are read as that text. Its size was bounded when the chunk was.
        arguments = json.dumps(arguments, ensure_ascii=False)
    if not isinstance(arguments, str):
        raise _UnreadableError(f"tool call arguments are {type(arguments).__name__}, not a string")
    name = function.get("name")
    if name is not None and not isinstance(name, str):
        raise _UnreadableError(f"tool call name is {type(name).__name__}, not a string")
    call_id = raw.get("id")
    return Fragment(
        index=index if isinstance(index, int) and not isinstance(index, bool) else None,
        id=str(call_id)[:_MAX_NAME_CHARS] if call_id else None,
        name=name[:_MAX_NAME_CHARS] if name else None,
        arguments=arguments,
        opens_arguments=function.get("arguments") is not None,
    )


def _read_usage(raw: Mapping[str, Any]) -> Usage | None:
    if not raw:
        return None
    details = _mapping(raw.get("prompt_tokens_details"), "prompt_tokens_details")
    return Usage(
        tokens_in=_count(raw, "prompt_tokens"),
        tokens_out=_count(raw, "completion_tokens"),
        cached=_count(details, "cached_tokens"),
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

    The size (``MAX_ARGUMENT_CHARS``) and nesting depth
    (``MAX_ARGUMENT_DEPTH``) are checked before decoding, without recursion,
    so no input makes this raise.

    Args:
        raw: The concatenated argument fragments.

    Returns:
        ``(arguments, None)`` for a JSON object (an empty string or ``null``
        counts as ``{}``, as some servers send them for parameterless tools; an
        object encoded twice, as a JSON string, is decoded once more), otherwise
        ``(None, reason)``. The reason names the kind of problem and its
        position, never the arguments or any value in them (they hold what
        the caller said, and the runtime logs reasons).

    """
    if not raw.strip():
        return {}, None
    value, problem = loads_bounded(raw, max_chars=MAX_ARGUMENT_CHARS, max_depth=MAX_ARGUMENT_DEPTH)
    if problem is not None:
        return None, f"arguments are {problem}"
    if value is None:  # ``null``: what some servers send for a tool without parameters
        return {}, None
    if isinstance(value, str) and value.lstrip().startswith("{"):
        # An object encoded twice (a JSON string holding it), as some OpenAI-compatible
        # servers stream it: decoded once more, within the same bounds.
        inner, problem = loads_bounded(
            value, max_chars=MAX_ARGUMENT_CHARS, max_depth=MAX_ARGUMENT_DEPTH
        )
        if problem is None and isinstance(inner, dict):
            return inner, None
    if not isinstance(value, dict):
        kind = _JSON_TYPES.get(type(value), type(value).__name__)
        return None, f"arguments must be a JSON object, got {kind}"
    return value, None


@dataclass(slots=True)
class _Partial:
    id: str | None = None
    name: str | None = None
    parts: list[str] = field(default_factory=list)
    size: int = 0
    overflow: bool = False
    named: bool = False
    """Its name was reported complete (:meth:`ToolCallAssembler.named`)."""


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
        self._dropped = 0
        self._named: list[ToolNamed] = []

    def add(self, fragment: Fragment) -> None:
        """Add one fragment to the call it belongs to.

        At most ``MAX_TOOL_CALLS`` calls are kept, and at most
        ``MAX_ARGUMENT_CHARS`` characters of each one's arguments (a longer
        call is reported as an error by :meth:`finish`), so a model that
        streams without end costs bounded memory.

        A name piece equal to the name so far is the whole name sent again
        (some servers repeat it in every delta); any other piece continues it
        (others stream it in pieces, as the openai SDK's own accumulator
        assumes) until the name is known complete (see :meth:`named`): from
        then on it is fixed, so the :class:`ToolCall` always carries the name
        that was reported.
        """
        index = fragment.index
        if index is None:
            # No index: a new id starts a new call, otherwise continue the last.
            last = max(self._calls, default=-1)
            starts_new = last < 0 or (
                fragment.id is not None and self._calls[last].id not in (None, fragment.id)
            )
            index = last + 1 if starts_new else last
        partial = self._calls.get(index)
        if partial is None:
            if len(self._calls) >= MAX_TOOL_CALLS:
                self._dropped += 1
                return
            partial = self._calls[index] = _Partial()
            for other, earlier in self._calls.items():  # a new call: the others' names are done
                if other != index:
                    self._complete(other, earlier)
        if partial.id is None and fragment.id:
            partial.id = fragment.id
        piece = fragment.name
        if piece and piece != partial.name and not partial.named:
            partial.name = ((partial.name or "") + piece)[:_MAX_NAME_CHARS]
            # OpenAI's shape: the delta with the name also opens the (empty) arguments. A
            # name that an offered one extends could still be a piece: wait for more.
            if fragment.opens_arguments and not self._may_grow(partial.name):
                self._complete(index, partial)
        elif partial.name and (piece or fragment.opens_arguments or fragment.arguments):
            # the whole name again, or the arguments without a name piece: the name is done
            self._complete(index, partial)
        if fragment.arguments and not partial.overflow:
            partial.size += len(fragment.arguments)
            if partial.size > MAX_ARGUMENT_CHARS:
                partial.overflow = True
            else:
                partial.parts.append(fragment.arguments)

    def named(self) -> list[ToolNamed]:
        """The calls whose name became known complete since the last look, in order.

        A name is complete once the stream shows it cannot grow: the delta
        carrying it also opened the arguments (OpenAI's shape; not trusted for
        a name that an offered name extends, such as ``goto_s1`` when
        ``goto_s10`` is offered), a later delta of the same call brings the
        whole name again or arguments without a name piece, or another call
        starts. Each call is reported once, and only if it has a name; its
        :class:`ToolCall`, with that very name, still follows from
        :meth:`finish`.
        """
        named, self._named = self._named, []
        return named

    def _may_grow(self, name: str) -> bool:
        """Whether ``name`` is the start of a longer offered name."""
        offered = self._offered
        return offered is not None and any(
            len(other) > len(name) and other.startswith(name) for other in offered
        )

    def _complete(self, index: int, partial: _Partial) -> None:
        if partial.name and not partial.named:
            partial.named = True
            self._named.append(ToolNamed(index=index, id=partial.id, name=partial.name))

    def finish(self) -> list[ToolCall]:
        """Build the collected calls in index order and reset."""
        calls = [self._build(index, self._calls[index]) for index in sorted(self._calls)]
        self._named.clear()
        if self._dropped:
            _log.warning(
                "model sent more than %d tool calls; %d fragment(s) of further calls dropped",
                MAX_TOOL_CALLS,
                self._dropped,
            )
        self._calls.clear()
        self._dropped = 0
        return calls

    def _build(self, index: int, partial: _Partial) -> ToolCall:
        raw = "".join(partial.parts)
        name = partial.name or ""
        arguments: dict[str, Any] | None
        error: str | None
        if partial.overflow:
            arguments, error = None, f"arguments are longer than {MAX_ARGUMENT_CHARS} characters"
        else:
            arguments, error = parse_arguments(raw)
        if not name:
            error = "tool call has no function name"
        elif self._offered is not None and name not in self._offered:
            offered = ", ".join(sorted(self._offered)) or "none"
            # The name is the model's words: it stays on the ToolCall, out of the message.
            error = f"the model called a tool that was not offered (offered: {offered})"
        return ToolCall(
            id=partial.id or f"call_{index}",
            name=name,
            arguments=arguments,
            raw_arguments=raw,
            error=error,
        )
