"""Incremental Server-Sent Events decoding for chat-completion streams.

We read the HTTP body ourselves instead of iterating the openai client's
``AsyncStream`` for two reasons: a stream must end with ``data: [DONE]`` to
count as complete (the SDK silently accepts a body that just stops), and the
SDK abandons its inner async generators at ``[DONE]``, leaving them to be
finalised by the garbage collector as stray tasks in the caller's loop.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DONE", "SSEDecoder", "ServerSentEvent"]

DONE = "[DONE]"
"""The data of the event that ends an OpenAI stream."""


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One dispatched event: its ``event`` name (if any) and joined ``data``."""

    event: str | None
    data: str


class SSEDecoder:
    """Turns body bytes, split anywhere, into complete events.

    Follows the WHATWG event-stream rules that matter for LLM APIs: ``data``
    lines are joined with newlines, comment lines (``:``) are ignored, an
    event is dispatched at a blank line, and a trailing event without its
    blank line is dropped (it was cut off).
    """

    def __init__(self) -> None:
        self._buffer = b""
        self._event: str | None = None
        self._data: list[str] = []

    def feed(self, data: bytes) -> list[ServerSentEvent]:
        """Add bytes and return the events they complete."""
        self._buffer += data
        *lines, self._buffer = self._buffer.split(b"\n")
        events: list[ServerSentEvent] = []
        for raw in lines:
            line = raw.removesuffix(b"\r").decode("utf-8", errors="replace")
            if not line:
                if self._data:
                    events.append(ServerSentEvent(self._event, "\n".join(self._data)))
                self._event, self._data = None, []
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                self._data.append(value)
            elif name == "event":
                self._event = value
        return events
