"""The call's repair state: read-backs still owed, and the digression stack.

Two things a repair leaves behind that the next turn must know:

* **Read-backs owed.** A correction may change several ``confirm: true``
  slots at once, or interrupt a read-back with a change to another slot
  ("I have 3 PM. Is that right?" — "actually make it Wednesday"). One is read
  back now (``CallMachine._confirming``); the rest wait here, in order, tied
  to the state that owes them (leaving the state drops them, as leaving drops
  the read-back in progress).
* **The flow stack.** A global rule with ``call:`` interrupts a step for a
  digression; the frame remembers the interrupted state and the read-back it
  was waiting on, so ``return: true`` can come back and ask again.

Both are plain names (states and slots), never values, so the durable record
keeps them in clear (``durable.dump`` under ``state.repairs``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from superdialog.runtime.call import CallMachine

__all__ = [
    "MAX_FRAMES",
    "Frame",
    "Repairs",
    "dump_repairs",
    "next_owed",
    "owe",
    "restore_repairs",
    "state_of",
]

MAX_FRAMES = 8
"""Digressions inside digressions kept at most; a deeper call forgets the oldest frame."""


@dataclass(frozen=True, slots=True)
class Frame:
    """Where a digression came from: the interrupted state and its pending read-back."""

    state: str
    confirming: str | None = None


@dataclass(slots=True)
class Repairs:
    """Per-call repair state (``CallMachine._repairs``), made on first use.

    Attributes:
        owed_in: The state the owed read-backs belong to.
        owed: Slots whose read-back is still to come, in order.
        frames: The digression stack, innermost last.

    """

    owed_in: str | None = None
    owed: list[str] = field(default_factory=list)
    frames: list[Frame] = field(default_factory=list)


def state_of(m: CallMachine) -> Repairs:
    """The call's ``Repairs``, made on first use."""
    if m._repairs is None:
        m._repairs = Repairs()
    return m._repairs


def owe(m: CallMachine, names: list[str]) -> None:
    """Read ``names`` back after the current read-back, in this state (replaces older debts)."""
    rs = state_of(m)
    rs.owed_in = m.node
    rs.owed = [n for n in dict.fromkeys(names) if n != m._confirming]


def next_owed(m: CallMachine) -> str | None:
    """The next slot to read back here (taken off the list), or None.

    Debts of another state are dropped: leaving a state ends its read-backs.
    A slot emptied since (cancelled) is skipped.
    """
    rs = m._repairs
    if rs is None or not rs.owed:
        return None
    if rs.owed_in != m.node:
        rs.owed.clear()
        return None
    while rs.owed:
        name = rs.owed.pop(0)
        if name in m.slots:
            return name
    return None


def dump_repairs(m: CallMachine) -> dict[str, Any] | None:
    """The repair state as JSON-safe data for the durable record (names only)."""
    rs = m._repairs
    if rs is None or (not rs.owed and not rs.frames):
        return None
    return {
        "owed_in": rs.owed_in,
        "owed": list(rs.owed),
        "frames": [[f.state, f.confirming] for f in rs.frames],
    }


def restore_repairs(m: CallMachine, data: Mapping[str, Any] | None) -> None:
    """Put a recorded repair state back (``None``: nothing was owed or stacked)."""
    if not data:
        m._repairs = None
        return
    states = m.flow.graph.states
    slots = m.flow.slots
    frames = [
        Frame(str(s), None if c is None else str(c))
        for s, c in data.get("frames") or ()
        if str(s) in states and (c is None or str(c) in slots)
    ]
    owed = [str(n) for n in data.get("owed") or () if str(n) in slots]
    owed_in = data.get("owed_in")
    m._repairs = Repairs(None if owed_in is None else str(owed_in), owed, frames[-MAX_FRAMES:])
