"""What a call produces, as a small set of typed records.

Listeners (``machine.on_event(fn)``), the console host, call traces and tests
all see the same records. PII slot values are already masked here: nothing
downstream has to remember to redact.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

__all__ = [
    "ActionFinished",
    "CallEnded",
    "CallEvent",
    "CallTransferred",
    "ErrorRaised",
    "InputTruncated",
    "LLMCalled",
    "LanguageChanged",
    "RecordingPaused",
    "RecordingResumed",
    "SlotCleared",
    "SlotFilled",
    "SlotRejected",
    "Spoke",
    "StateEntered",
    "event_to_dict",
]


@dataclass(frozen=True, slots=True)
class Spoke:
    """The agent said ``text`` (one utterance; streaming chunks are joined)."""

    text: str
    state: str
    interrupted: bool = False
    kind: Literal["spoke"] = "spoke"


@dataclass(frozen=True, slots=True)
class StateEntered:
    """The call moved ``src`` → ``dst`` along ``edge`` (None for the start)."""

    src: str | None
    dst: str
    edge: str | None
    via: str
    kind: Literal["state"] = "state"


@dataclass(frozen=True, slots=True)
class SlotFilled:
    """A slot got a value; ``shown`` is its display form (masked when PII)."""

    slot: str
    shown: str
    state: str
    confirmed: bool = False
    kind: Literal["slot"] = "slot"


@dataclass(frozen=True, slots=True)
class SlotCleared:
    """A transition's ``clear:`` emptied the slot: the flow asks for it again."""

    slot: str
    state: str
    kind: Literal["slot_cleared"] = "slot_cleared"


@dataclass(frozen=True, slots=True)
class SlotRejected:
    """The caller's answer did not give a valid value; ``reason`` is what they heard."""

    slot: str
    reason: str
    attempt: int
    state: str
    kind: Literal["slot_rejected"] = "slot_rejected"


@dataclass(frozen=True, slots=True)
class RecordingPaused:
    """Call recording was paused (a PII state was entered)."""

    reason: str
    state: str
    kind: Literal["recording_paused"] = "recording_paused"


@dataclass(frozen=True, slots=True)
class RecordingResumed:
    """Call recording was resumed."""

    state: str
    kind: Literal["recording_resumed"] = "recording_resumed"


@dataclass(frozen=True, slots=True)
class CallEnded:
    """The call ended with ``reason`` (the one terminal verb)."""

    reason: str
    state: str
    kind: Literal["ended"] = "ended"


@dataclass(frozen=True, slots=True)
class CallTransferred:
    """The call was handed to a human queue, another agent or a number (the one terminal verb)."""

    target_kind: Literal["human", "agent", "number"]
    target: str
    mode: str
    state: str
    kind: Literal["transferred"] = "transferred"


@dataclass(frozen=True, slots=True)
class ActionFinished:
    """An action state's callable or HTTP call finished (or failed)."""

    name: str
    ok: bool
    elapsed_ms: float
    state: str
    error: str | None = None
    kind: Literal["action"] = "action"


@dataclass(frozen=True, slots=True)
class LLMCalled:
    """One model call finished (details go to ``register_llm_callback``)."""

    state: str
    latency_ms: float
    tokens_in: int
    tokens_out: int
    tool: str | None
    ok: bool
    kind: Literal["llm"] = "llm"


@dataclass(frozen=True, slots=True)
class ErrorRaised:
    """Something failed and the call took its error path."""

    state: str
    error: str
    message: str
    kind: Literal["error"] = "error"


@dataclass(frozen=True, slots=True)
class InputTruncated:
    """The caller's utterance was longer than ``limits.max_utterance_chars`` and was cut."""

    chars: int
    kept: int
    state: str
    kind: Literal["input_truncated"] = "input_truncated"


@dataclass(frozen=True, slots=True)
class LanguageChanged:
    """The call speaks ``language`` from its next line on (the caller switched to it)."""

    previous: str
    language: str
    state: str
    kind: Literal["language"] = "language"


CallEvent = (
    Spoke
    | StateEntered
    | SlotFilled
    | SlotCleared
    | SlotRejected
    | RecordingPaused
    | RecordingResumed
    | CallEnded
    | CallTransferred
    | ActionFinished
    | LLMCalled
    | ErrorRaised
    | InputTruncated
    | LanguageChanged
)


def event_to_dict(event: CallEvent) -> dict[str, Any]:
    """A JSON-ready dict of an event (for traces and logs)."""
    return asdict(event)
