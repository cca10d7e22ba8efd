"""Tokenising speech-to-text output while keeping character spans.

Every extractor works on the same token list so that a value found in the
middle of "uh yeah my number is ..." can be reported as a span of the
original text (``Match.start``/``Match.end``). Tokens are lower-cased words,
ASCII digit runs, or single punctuation/symbol characters; digits and letters
are split apart ("3pm" -> "3", "pm") because STT engines glue them
inconsistently.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = [
    "FILLERS",
    "SEPARATORS",
    "Token",
    "is_numeral",
    "span",
    "tokenize",
]

# Digits, then letter words (with inner apostrophes: "don't", "o'clock"),
# then any other single non-space character ("$", ",", "@", "-").
_TOKEN_RE = re.compile(r"[0-9]+|[^\W\d_]+(?:'[^\W\d_]+)*|\S")

#: Hesitation sounds that STT engines transcribe; skipped inside values.
FILLERS = frozenset(
    {"um", "umm", "uh", "uhh", "uhm", "er", "erm", "err", "ah", "ahh", "hmm", "hm", "mm", "mmm"}
)

#: Punctuation that may sit between the groups of a spoken digit string.
SEPARATORS = frozenset({",", "-", ".", "(", ")", "/", "\u2013", "\u2014", ";", ":"})


class Token(NamedTuple):
    """One token: lower-cased ``text`` and its ``[start, end)`` span in the original."""

    text: str
    start: int
    end: int


def tokenize(text: str, *, hesitations: bool = False) -> list[Token]:
    """Split ``text`` into tokens with spans into ``text``.

    Curly apostrophes are folded to ``'`` first (same length, so spans stay
    valid). Lower-casing is per token so that characters whose lower-case form
    is longer cannot shift the spans. Hesitation sounds (:data:`FILLERS`: "um",
    "uh", "er") are left out unless ``hesitations`` is true: a caller says them
    anywhere, even inside a value ("twenty um five"), and they never carry one.
    Only ``yes_no`` keeps them, for "uh huh" and "mm hmm".
    """
    folded = text.replace("\u2019", "'")
    if hesitations:
        return [Token(m.group().lower(), m.start(), m.end()) for m in _TOKEN_RE.finditer(folded)]
    return [
        Token(word, m.start(), m.end())
        for m in _TOKEN_RE.finditer(folded)
        if (word := m.group().lower()) not in FILLERS
    ]


def is_numeral(word: str) -> bool:
    """True for an ASCII digit string such as ``"555"``."""
    return word.isascii() and word.isdigit()


def span(toks: list[Token], first: int, end: int) -> tuple[int, int]:
    """Character span covered by tokens ``[first, end)``."""
    return toks[first].start, toks[end - 1].end
