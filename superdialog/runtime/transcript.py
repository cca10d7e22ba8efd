"""The caller's words as a recogniser hands them over → the words we handle.

Speech-to-text output carries things nobody said: markup for what it could
not hear ("[inaudible]", "<unk>", "(noise)", "[crosstalk]"), control and
invisible characters (NUL, escape sequences, zero-width spaces, a BOM), and
utterances with no words at all ("...", "?!", an emoji, only "uh").
Handed on as they were, "[inaudible]" became the caller's name "Inaudible",
"<unk>" a free-text answer, and a NUL was stored in a slot. ``clean``
takes the markup and the invisible characters out; ``usable`` tells whether
anything is left that a caller could have meant (the turn loop treats an
utterance that is not as "not understood": the caller spoke, so it is not
silence either).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["clean", "usable"]

# terminal escape sequences (CSI "ESC [ … m", OSC "ESC ] … BEL", two-character ones): a text
# channel can carry them, and once their ESC became a space "[31m" read as the number 31
_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-~])")
# [inaudible], <unk>, [NOISE], <sil>, [laughter]: a recogniser's tag, never the caller's words
_TAG = re.compile(r"\[[^\[\]]{0,40}\]|<[^<>]{0,40}>")
# round brackets are also written around real words: only the recognisers' own annotations
_ROUND = re.compile(
    r"\(\s*(?:inaudible|unintelligible|indistinct|unclear|noise|background noise|music|"
    r"laughter|laughs|laughing|cough|coughs|coughing|crosstalk|silence|static|beep|"
    r"breathing|sighs?|applause|foreign|speaking \w+|unk|blank_audio)\s*\)",
    re.IGNORECASE,
)
_MARKUP = frozenset("[<(")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[^\W_]+")
# hesitation sounds only ("mm", "mhm", "uh huh" may be a yes: not here)
_HESITATIONS = frozenset(
    {
        "uh", "uhh", "uhm", "um", "umm", "er", "erm", "err", "hmm", "hm", "hmmm", "ah", "ahh",
        "eh", "ehm", "äh", "ähm", "öh", "euh", "heu",
    }
)  # fmt: skip


def _visible(ch: str) -> str:
    """A character as we keep it: invisible ones (zero-width, BOM) go, controls become spaces."""
    if ch.isprintable() or ch == " ":
        return ch
    return "" if unicodedata.category(ch) == "Cf" else " "


def clean(text: str) -> str:
    """``text`` without recogniser markup, control or invisible characters, spaces collapsed."""
    if text.isascii() and text.isprintable() and not _MARKUP.intersection(text):
        return text.strip()  # the common case costs one scan
    text = _ESCAPE.sub(" ", text)
    text = "".join(_visible(ch) for ch in text)
    text = unicodedata.normalize("NFC", text)
    text = _TAG.sub(" ", text)
    text = _ROUND.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def usable(text: str, *, hesitations: bool = False) -> bool:
    """Whether ``text`` (cleaned) holds a word or a digit a caller could have meant.

    A hesitation sound alone ("uh", "hmm") is no answer to a question; a model
    may still make something of it (``hesitations=True``: it counts).
    """
    words = _WORD.findall(text)
    return any(hesitations or w.lower() not in _HESITATIONS for w in words)
