"""How PII slot values appear wherever they must appear at all.

Two forms: ``shown`` for logs, traces, state, snapshots and prompts
("•••• 4242" or "[redacted]"), and ``spoken`` for the caller's ears
("ending in 4 2 4 2", in a Spanish call "terminado en 4 2 4 2"). The clear
value only ever lives in the call's slot store and in action arguments.
"""

from __future__ import annotations

from typing import Any

from superdialog.compile.model import CompiledSlot
from superdialog.slots import mask
from superdialog.slots.speak import masked

__all__ = ["REDACTED", "shown", "spoken_masked"]

REDACTED = "[redacted]"


def shown(slot: CompiledSlot, value: Any) -> str:
    """Display form for logs and state: masked when the slot is PII."""
    if value is None:
        return ""
    if not slot.pii:
        return str(value)
    return mask(value, slot.spec.mask)


def spoken_masked(slot: CompiledSlot, value: Any, language: str = "en") -> str:
    """What TTS may say of a PII value: its last digits at most, in the caller's language.

    Only the characters the slot's mask keeps are passed on to be worded
    ("ending in 4 2", "terminado en 4 2", "se terminant par 4 2"); with
    nothing kept the words carry no part of the value ("the one you gave
    me"), whatever the language.
    """
    text = "".join(ch for ch in str(value) if ch.isalnum())
    keep = {"last4": 4, "last2": 2}.get(slot.spec.mask, 0)
    if keep and len(text) > keep:
        return masked(text[-keep:], language)
    return masked("", language)
