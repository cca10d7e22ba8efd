"""Incremental Server-Sent Events decoding for chat-completion streams.

We read the HTTP body ourselves instead of iterating the openai client's
``AsyncStream`` for two reasons: a stream must end with ``data: [DONE]`` to
count as complete (the SDK silently accepts a body that just stops), and the
SDK abandons its inner async generators at ``[DONE]``, leaving them to be
finalised by the garbage collector as stray tasks in the caller's loop.
"""

from __future__ import annotations

from dataclasses import dataclass

from superdialog.errors import LLMProtocolError
from superdialog.llm.bounded import MAX_EVENT_BYTES

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

    An event (or a line) over ``max_event_bytes`` is a protocol error: the
    endpoint, not the caller, decides how long a line is, and an unbounded one
    would be held in memory whole. Bytes are only re-scanned for line ends as
    they arrive, so a long line sent in small pieces costs linear time.
    """

    def __init__(self, max_event_bytes: int = MAX_EVENT_BYTES) -> None:
        self._max = max_event_bytes
        self._buffer = bytearray()
        self._event: str | None = None
        self._data: list[str] = []
        self._size = 0

    def feed(self, data: bytes) -> list[ServerSentEvent]:
        """Add bytes and return the events they complete.

        Raises:
            LLMProtocolError: An event or line longer than the limit.

        """
        whole = self.whole(data)
        if whole is not None:
            return [ServerSentEvent(None, whole.decode("utf-8", errors="replace"))]
        self._buffer += data
        if b"\n" not in data:
            self._check(len(self._buffer))
            return []
        *lines, rest = bytes(self._buffer).split(b"\n")
        self._buffer = bytearray(rest)
        self._check(len(rest))
        events: list[ServerSentEvent] = []
        for raw in lines:
            line = raw.removesuffix(b"\r").decode("utf-8", errors="replace")
            if not line:
                if self._data:
                    events.append(ServerSentEvent(self._event, "\n".join(self._data)))
                self._event, self._data, self._size = None, [], 0
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                self._size += len(raw)
                self._check(self._size)
                self._data.append(value)
            elif name == "event":
                self._event = value[:64]
        return events

    def whole(self, data: bytes) -> bytes | None:
        """The data of ``data`` if it is the usual read, else ``None`` (then :meth:`feed` it).

        The usual read is exactly one whole event of one ``data`` line, with nothing
        pending: its data, undecoded, is the event (named by no ``event`` line). A
        stream's reader takes it from here without an event object per chunk.

        Raises:
            LLMProtocolError: The event is longer than the limit.

        """
        if (
            data.startswith(b"data: ")
            and data.find(b"\n") == len(data) - 2
            and data[-1] == 10  # b"\n": with the find above, the event ends in b"\n\n"
            and not self._buffer
            and not self._data
            and self._event is None
            and b"\r" not in data
        ):
            if len(data) - 2 > self._max:
                self._check(len(data) - 2)
            return data[6:-2]
        return None

    def _check(self, size: int) -> None:
        if size > self._max:
            raise LLMProtocolError(
                f"LLM endpoint sent a stream event over {self._max} bytes", retryable=False
            )
