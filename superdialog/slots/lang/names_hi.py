"""Names said in Hindi: "मेरा नाम राहुल शर्मा है", "मैं प्रिया बोल रही हूँ".

The English name parser reads letters and whole words; Devanagari names
(vowel signs are not word characters to it) need their own reading. Only a
name after a cue is taken: without a cue a Devanagari word could be any
word, and a wrong name is worse than asking again.
"""

from __future__ import annotations

import re

from ..base import Match
from ..names import capitalise_name

__all__ = ["find_hindi_name"]

_WORD = r"[\w\u0900-\u097f]+"
_NAME = rf"(?P<name>{_WORD}(?: {_WORD}){{0,3}}?)"
_CUES = (
    re.compile(rf"(?:मेरा|मेरी|mera|meri)\s+(?:नाम|naam)\s+{_NAME}\s+(?:है|हैं|hai|hain)(?!\w)"),
    re.compile(
        rf"(?:मैं|में|main|mai)\s+{_NAME}\s+(?:बोल|bol)\s+(?:रहा|रही|रहे|raha|rahi|rahe)"
        r"(?!\w)"
    ),
    re.compile(rf"(?:नाम|naam)\s+{_NAME}\s+(?:है|हैं|hai|hain)(?!\w)"),
    re.compile(rf"(?:नाम|naam)\s+(?:है|हैं|hai|hain)\s+{_NAME}\s*[.!।]?\s*$"),
)
# Words that are never part of a name (what a cue may be followed by instead of one).
_NOT_NAME = frozenset(
    """है हैं था थी मेरा मेरी मेरे नाम क्या आप आपका आपकी का की के को से में मैं जी हाँ हां नहीं
    तो बस यह वह ये वो एक दो तीन और या भी ही कौन कैसे कब कहाँ क्यों सर मैडम भाई अभी
    बोल रहा रही""".split()  # noqa: SIM905 - a block of words reads better than a list
)


def _part(word: str) -> str:
    return word if any("\u0900" <= ch <= "\u097f" for ch in word) else capitalise_name(word)


def find_hindi_name(text: str) -> Match | None:
    """The name after a Hindi cue in ``text``, as said (Latin words capitalised), or ``None``."""
    if len(text) > 500 or not any("\u0900" <= ch <= "\u097f" for ch in text):
        return None
    for cue in _CUES:
        m = cue.search(text)
        if m is None:
            continue
        words = m["name"].split()
        if any(w in _NOT_NAME or w.isdigit() for w in words):
            return None
        return Match(" ".join(_part(w) for w in words), m.start("name"), m.end("name"))
    return None
