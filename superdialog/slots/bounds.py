"""How much text a slot parser reads, and how big a value it may produce.

Every parser in this package is linear in the number of tokens, but a caller
(or a model's tool argument, or a runaway speech-to-text transcript) controls
that number, and linear in 300 KB is still a second of a shared event loop.
So each parser reads a bounded window of the utterance, and the numbers it
builds are bounded too (Python refuses to print an ``int`` of more than 4,300
digits, and ``Decimal`` rounds past 28). The limits sit far above anything a
caller says in one turn, so no value in a normal utterance is ever lost; they
are documented in ``docs/slot-types.md`` ("Bounds").
"""

from __future__ import annotations

__all__ = [
    "MAX_FRACTION_DIGITS",
    "MAX_PATTERN_CHARS",
    "MAX_QUANTITY",
    "MAX_QUANTITY_DIGITS",
    "MAX_SCAN_CHARS",
    "scan_window",
]

MAX_SCAN_CHARS = 2048
"""Characters of an utterance a parser reads: at least the runtime's default utterance
cap (``limits.max_utterance_chars``, 2,000), about five times a long spoken turn. The
slowest parser (``datetime``) reads a hostile window of this size in 20-30 ms."""

MAX_PATTERN_CHARS = 256
"""Longest value a slot's ``pattern`` is matched against; a longer one does not match."""

MAX_QUANTITY_DIGITS = 18
"""Digits in a quantity (``number``, ``amount``, days, hours): up to a quintillion."""

MAX_QUANTITY = 10**MAX_QUANTITY_DIGITS
"""Quantities at or above this (after "million", "k"...) are not quantities."""

MAX_FRACTION_DIGITS = 18
"""Digits after the point in a spoken or written decimal ("three point one four")."""

# A token cut by the window is dropped, unless it is longer than this (not a word).
_LONGEST_WORD = 64


def scan_window(text: str) -> str:
    """The part of ``text`` a parser reads: all of it, or its first ``MAX_SCAN_CHARS``.

    The window is a prefix, so spans found in it are spans of ``text``. A word
    the cut would split ("four" read as "fo") is left out whole, so the window
    never holds a token the caller did not say.

    Args:
        text: The utterance as given.

    Returns:
        ``text`` itself when short enough, else a prefix of it.

    """
    if len(text) <= MAX_SCAN_CHARS:
        return text
    head = text[:MAX_SCAN_CHARS]
    if text[MAX_SCAN_CHARS].isspace():
        return head
    k = MAX_SCAN_CHARS
    floor = MAX_SCAN_CHARS - _LONGEST_WORD
    while k > floor and not head[k - 1].isspace():
        k -= 1
    return head if k == floor else head[:k]
