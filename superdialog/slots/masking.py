"""Masking slot values before they reach logs, transcripts or prompts."""

from __future__ import annotations

from typing import Any

__all__ = ["MASK_MODES", "mask"]

#: Modes :func:`mask` knows.
MASK_MODES = ("full", "last4", "last2", "none")

_DOTS = "\u2022\u2022\u2022\u2022"


def mask(value: Any, mode: str = "full") -> str:
    """Hide a value that may be personal data.

    Args:
        value: Any slot value; it is turned into text with ``str``.
        mode: ``"full"`` -> ``"[redacted]"``; ``"last4"``/``"last2"`` keep the
            last 4/2 letters or digits (``"•••• 4242"``), ignoring spaces and
            punctuation, and hide everything when the value is no longer than
            that; ``"none"`` -> ``str(value)``.

    An unknown mode masks fully: when in doubt a masking function must fail
    safe, never leak the value.

    """
    if mode == "none":
        return "" if value is None else str(value)
    if mode in ("last4", "last2") and value is not None:
        keep = 4 if mode == "last4" else 2
        chars = [ch for ch in str(value) if ch.isalnum()]
        if len(chars) <= keep:
            return _DOTS
        return f"{_DOTS} {''.join(chars[-keep:])}"
    return "[redacted]"
