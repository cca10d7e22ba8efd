"""Letters spelled out loud with a word to make them clear: "b as in boy", "s for sugar".

Callers spell names, emails and postcodes over a noisy line by pairing each letter with a
word that starts with it. Speech-to-text writes the whole phrase ("b as in boy o b"), and
a parser that reads it word by word builds "inboyob". :func:`fold_spelled` keeps the
letter and drops the helper words, for every type that reads letters.
"""

from __future__ import annotations

from .tokens import Token

__all__ = ["fold_spelled"]


def _is_letter(word: str) -> bool:
    """A single letter ("b")."""
    return len(word) == 1 and word.isalpha()


def fold_spelled(toks: list[Token]) -> list[Token]:
    """``toks`` with each "X as in Xword" / "X for Xword" / "X like Xword" cut to "X".

    The helper word must start with the letter ("b as in boy", not "b as in apple"), so
    "a for two" or "i like it" are left alone. The letter keeps its own span.
    """
    n = len(toks)
    if n < 3:
        return toks
    out: list[Token] = []
    i = 0
    while i < n:
        tok = toks[i]
        word = tok.text
        if _is_letter(word) and i + 2 < n:
            nxt = toks[i + 1].text
            if nxt == "as" and toks[i + 2].text in ("in", "for") and i + 3 < n:
                helper = i + 3
            elif nxt in ("for", "like"):
                helper = i + 2
            else:
                helper = -1
            if helper > 0:
                said = toks[helper].text
                if len(said) > 1 and said.isalpha() and said.startswith(word):
                    out.append(tok)
                    i = helper + 1
                    continue
        out.append(tok)
        i += 1
    return out
