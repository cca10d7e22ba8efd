"""Tool calls a model wrote as text: read as calls, never spoken.

An OpenAI-compatible server whose tool parser is off (vLLM without
``--enable-auto-tool-choice``, a llama.cpp or Ollama template that does not know
the model) streams the model's tool call as ordinary text, in the model's own
markup: ``<tool_call>{"name": ..., "arguments": ...}</tool_call>`` (Hermes,
Qwen), ``[TOOL_CALLS] [{...}]`` (Mistral), ``<|python_tag|>{...}`` or
``<function=NAME>{...}</function>`` (Llama), or a bare JSON object as the whole
reply. Spoken, the caller would hear JSON read aloud; ignored, the model's
decision would be lost.

:class:`TextCalls` sits between the chunks' text and the caller: text passes
through at once, except a tail that could still be the start of such markup
(a reply opening with ``{``, ``[`` or ``<``; a ``<`` or ``[`` later on), which
is held until it proves to be speech. From the markup on, the rest of the reply
is read as calls when it ends. Normal speech is never delayed: it does not
start with these characters.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from superdialog.llm.assemble import parse_arguments
from superdialog.llm.bounded import MAX_ARGUMENT_CHARS, MAX_ARGUMENT_DEPTH, too_deep
from superdialog.llm.events import TextDelta, ToolCall

__all__ = ["TextCalls"]

_MARKERS = ("<tool_call>", "[TOOL_CALLS]", "<|python_tag|>", "<function=")
"""Markup that opens a tool call wherever it appears in a reply."""

_OPENERS = ('{"name"', '{"type"', '[{"name"', '[{"type"', "```")
"""What opens a reply that is only a tool call in JSON (at its very start, spaces aside)."""

_HOLD_MAX = 64
"""Longest tail held while it could still become markup: any marker is shorter."""

_MAX_TRIES = 32
"""Places a JSON value is tried from: each try may scan to the end of the markup."""

_FUNCTION_TAG = re.compile(r"<function=([A-Za-z0-9_.:-]{1,64})>")


@dataclass(slots=True)
class TextCalls:
    """Splits a reply's text into speech and tool calls written as text.

    Args:
        offered: Names of the tools sent with the request (``None``: no tools,
            so nothing is read as a call and everything is speech).

    """

    offered: frozenset[str] | None
    _held: str = ""
    _calls: list[str] = field(default_factory=list)  # the markup, once it started
    _size: int = 0
    _started: bool = False  # some text was read (an opener only counts at the start)

    def feed(self, text: str) -> list[TextDelta]:
        """The speech ``text`` completes (possibly nothing while a tail is held)."""
        if not self.offered:
            return [TextDelta(text)] if text else []
        if self._calls:
            self._keep(text)
            return []
        held = self._held + text
        if self._started and "<" not in held and "[" not in held:
            # The usual token, past the reply's start: every marker opens with one of
            # these, so nothing here opens or may still open markup (what the passes
            # below would find too).
            self._held = ""
            return [TextDelta(held)] if held else []
        at = _marker_at(held, at_start=not self._started)
        if at is not None:
            self._held = ""
            self._started = True
            self._keep(held[at:])
            return [TextDelta(held[:at])] if held[:at].strip() else []
        cut = _held_from(held, at_start=not self._started)
        speech = held[:cut]
        if not self._started and not speech.strip():
            self._held = held  # leading spaces are no speech yet
            return []
        self._held = held[cut:]
        self._started = True
        return [TextDelta(speech)] if speech else []

    def finish(self) -> list[TextDelta | ToolCall]:
        """What is left at the end of the reply: the held tail as speech, or the calls."""
        held, self._held = self._held, ""
        if not self._calls:
            return [TextDelta(held)] if held.strip() or (held and self._started) else []
        markup = "".join(self._calls)
        self._calls = []
        calls = _read_calls(markup, self.offered)
        return list(calls)

    def _keep(self, text: str) -> None:
        if self._size + len(text) <= MAX_ARGUMENT_CHARS * 2:
            self._calls.append(text)
            self._size += len(text)


def _marker_at(text: str, *, at_start: bool) -> int | None:
    """Where markup opens in ``text``, if it does."""
    found = [i for i in (text.find(m) for m in _MARKERS) if i >= 0]
    if at_start:
        stripped = text.lstrip()
        if stripped.startswith(_OPENERS):
            found.append(len(text) - len(stripped))
    return min(found) if found else None


def _held_from(text: str, *, at_start: bool) -> int:
    """Where the tail that could still become markup starts (``len(text)``: none)."""
    if at_start:
        stripped = text.lstrip()
        if not stripped:
            return 0  # only spaces yet: they are no speech, and what follows may be markup
        if any(o.startswith(stripped) for o in _OPENERS):
            return 0  # could still open a JSON reply
    for i in range(max(0, len(text) - _HOLD_MAX), len(text)):
        if text[i] in "<[" and any(m.startswith(text[i:]) for m in _MARKERS):
            return i
    return len(text)


def _read_calls(markup: str, offered: frozenset[str] | None) -> list[TextDelta | ToolCall]:
    """The calls in ``markup``; none if nothing in it reads as one (it is then not spoken)."""
    out: list[TextDelta | ToolCall] = []
    for index, (name, arguments) in enumerate(_candidates(markup)):
        raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
        parsed, error = parse_arguments(raw)
        if offered is not None and name not in offered:
            error = "the model called a tool that was not offered (written as text)"
        out.append(
            ToolCall(
                id=f"text_call_{index}",
                name=name,
                arguments=parsed,
                raw_arguments=raw[:MAX_ARGUMENT_CHARS],
                error=error,
            )
        )
    return out


def _candidates(markup: str) -> list[tuple[str, Any]]:
    """(name, arguments) of every call the markup holds, in order."""
    calls: list[tuple[str, Any]] = []
    for tag in _FUNCTION_TAG.finditer(markup):  # <function=NAME>{...}</function>
        body = markup[tag.end() :].split("</function>", 1)[0]
        calls.append((tag.group(1), body.strip() or "{}"))
    if calls:
        return calls
    text = markup
    for marker in ("<tool_call>", "</tool_call>", "[TOOL_CALLS]", "<|python_tag|>", "<|eom_id|>"):
        text = text.replace(marker, "\n")
    text = text.replace("```json", "\n").replace("```", "\n")
    if too_deep(text, MAX_ARGUMENT_DEPTH + 2) is not None:
        return []  # the decoder below recurses: nothing that deep is a call anyway
    decoder = json.JSONDecoder()
    i = 0
    tries = 0
    while i < len(text) and tries < _MAX_TRIES:
        if text[i] not in "{[":
            i += 1
            continue
        tries += 1
        try:
            value, end = decoder.raw_decode(text, i)
        except ValueError:
            i += 1
            continue
        for item in value if isinstance(value, list) else [value]:
            call = _as_call(item)
            if call is not None:
                calls.append(call)
        i = end
    return calls


def _as_call(item: Any) -> tuple[str, Any] | None:
    """``{"name", "arguments"|"parameters"}``, or OpenAI's ``{"function": {...}}`` shape."""
    if not isinstance(item, dict):
        return None
    if isinstance(item.get("function"), dict):
        item = item["function"]
    name = item.get("name")
    if not isinstance(name, str) or not name or len(name) > 64:
        return None
    arguments = item.get("arguments", item.get("parameters", {}))
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, (dict, str)):
        return None
    return name, arguments
