"""How PII slot values appear wherever they must appear at all.

Two forms: ``shown`` for logs, traces, state, snapshots and prompts
("•••• 4242" or "[redacted]"), and ``spoken`` for the caller's ears
("ending in 4 2 4 2"). The clear value only ever lives in the call's slot
store and in action arguments.
"""

from __future__ import annotations

from typing import Any

from superdialog.compile.model import CompiledSlot
from superdialog.slots import mask

__all__ = ["REDACTED", "shown", "spoken_masked"]

REDACTED = "[redacted]"


def shown(slot: CompiledSlot, value: Any) -> str:
    """Display form for logs and state: masked when the slot is PII."""
    if value is None:
        return ""
    if not slot.pii:
        return str(value)
    return mask(value, slot.spec.mask)


def spoken_masked(slot: CompiledSlot, value: Any) -> str:
    """What TTS may say of a PII value: its last digits at most."""
    text = "".join(ch for ch in str(value) if ch.isalnum())
    keep = {"last4": 4, "last2": 2}.get(slot.spec.mask, 0)
    if keep and len(text) > keep:
        return "ending in " + " ".join(text[-keep:])
    return "the one you gave me"
