"""What a host received from a call, as simple records: speech, recording control, endings.

Every test host (the recording session, the Unpod loopback, the next host an
adapter adds) reports the verbs and speech of a call as ``Frame`` records, so
conversation tests, the PII contract and the invariant checks read one shape
whatever played the call.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["TERMINAL_KINDS", "Frame", "agent_turns", "collapse_deltas"]

TERMINAL_KINDS = frozenset({"end", "transfer"})
"""Frame kinds that end the call (a correct call has exactly one)."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One thing the host received, simplified: ``kind`` and its main fields.

    Kinds: ``delta`` (a streamed chunk), ``text.end`` (end of a turn's speech),
    ``say`` (speech outside a turn), ``pause``/``resume`` (recording),
    ``filler``, ``end`` and ``transfer`` (the terminal verbs).
    """

    kind: str
    text: str = ""
    reason: str = ""
    target: str = ""
    transfer_type: str = ""
    mode: str = ""
    announcement: str = ""


def collapse_deltas(kinds: Iterable[str]) -> list[str]:
    """Frame kinds in order, each run of ``delta`` collapsed into one."""
    out: list[str] = []
    for kind in kinds:
        if not (kind == "delta" and out and out[-1] == "delta"):
            out.append(kind)
    return out


def agent_turns(frames: Iterable[Frame | Any]) -> list[str]:
    """The agent's streamed text per turn (deltas joined up to each ``text.end``)."""
    out: list[str] = []
    buf: list[str] = []
    for f in frames:
        if f.kind == "delta":
            buf.append(f.text)
        elif f.kind == "text.end":
            out.append("".join(buf))
            buf = []
    return out
