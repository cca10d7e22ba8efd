"""``RecordingSession``: a stand-in host session that records every control verb.

It has the controls of the Unpod ``Session`` (``say``, ``recording.pause`` /
``resume``, ``end``, ``transfer_to_human``, ``transfer_to_agent``, the general
``transfer`` (phone numbers), ``set_filler``, ``data``) and remembers what the
call did with them, so tests and the console host can assert the exact sequence
of effects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Effect", "RecordingSession"]

TERMINAL_VERBS = frozenset({"end", "transfer_to_human", "transfer_to_agent", "transfer"})


@dataclass(frozen=True, slots=True)
class Effect:
    """One control verb the call sent to the host."""

    verb: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()


class _Recording:
    def __init__(self, session: RecordingSession) -> None:
        self._s = session

    async def pause(self, reason: str = "") -> None:
        self._s.effect("recording.pause", reason)

    async def resume(self) -> None:
        self._s.effect("recording.resume")


@dataclass
class RecordingSession:
    """A host session with the Unpod controls that records (and can show) each verb."""

    data: dict[str, Any] = field(default_factory=dict)
    effects: list[Effect] = field(default_factory=list)
    recording: _Recording = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.recording = _Recording(self)

    def effect(self, verb: str, *args: Any, **kwargs: Any) -> None:
        """Record a control verb."""
        self.effects.append(Effect(verb, args, tuple(sorted(kwargs.items()))))
        self.shown(verb, args, kwargs)

    def shown(self, verb: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """Hook for subclasses that display verbs (the console host)."""

    async def say(self, text: str) -> None:
        """Speak outside a turn (the opening line)."""
        self.effect("say", text)

    async def end(self, reason: str = "completed") -> None:
        """End the call."""
        self.effect("end", reason)

    async def transfer_to_human(
        self, queue: str, *, mode: str = "cold", announcement: str = ""
    ) -> None:
        """Transfer to a human queue."""
        self.effect("transfer_to_human", queue, mode=mode, announcement=announcement)

    async def transfer_to_agent(
        self, agent_id: str, *, mode: str = "cold", announcement: str = ""
    ) -> None:
        """Transfer to another agent."""
        self.effect("transfer_to_agent", agent_id, mode=mode, announcement=announcement)

    async def transfer(
        self,
        target: str,
        *,
        transfer_type: str = "number",
        mode: str = "cold",
        announcement: str = "",
    ) -> None:
        """Transfer the call (``transfer_type="number"``: to an E.164 phone number)."""
        self.effect(
            "transfer", target, transfer_type=transfer_type, mode=mode, announcement=announcement
        )

    async def set_filler(self, text: str) -> None:
        """Filler phrase hint."""
        self.effect("set_filler", text)

    @property
    def verbs(self) -> list[str]:
        """The verbs in order, e.g. ``["say", "recording.pause", "end"]``."""
        return [e.verb for e in self.effects]

    @property
    def terminal(self) -> list[Effect]:
        """The terminal verbs sent (a correct call has exactly one)."""
        return [e for e in self.effects if e.verb in TERMINAL_VERBS]
