"""Enum choices in the caller's language: matched without accents or case.

Speech recognisers drop accents ("cafe" for "café", "grosse" for "große")
and flows write them, so both the caller's words and the flow's choices
and synonyms are compared in their plain spelling. A flow gives choices
in its other languages as synonyms (``large: [grande, groß, बड़ा]``): callers
mix languages, so every synonym counts in every language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from ..base import ExtractContext, Match, SlotType
from .moments import Rewrite, plain_chars, rewrite
from .phrases import WORD_EDGE, whole_word

__all__ = ["find_choice"]

# "l'intérieur", "d'accord", "qu'il": the elided article is a word of its own (same length)
_ELISION = re.compile(r"(?<![\w'])(qu|[cdjlmnst])'(?=\w)")


def _plain(text: str) -> str:
    return _ELISION.sub(lambda m: m[1] + " ", plain_chars(text))


def _rule(words: str, english: str) -> Rewrite:
    alternatives = "|".join(sorted(words.split("|"), key=len, reverse=True))
    return whole_word(alternatives), lambda _m: english


_HI_NOT = "\u0928\u0939\u0940\u0902|\u0928\u0939\u0940|nahi|nahin"

# Negations, articles and corrections as the English enum parser knows them: "nicht draußen,
# lieber drinnen" is "not draußen actually drinnen" (drinnen), "pas la petite" is not small.
_WORDS: dict[str, list[Rewrite]] = {
    "es": [
        _rule("no|ni|sin", "not"),
        _rule("el|la|los|las|un|una|lo", "the"),
        _rule("mejor|mejor dicho|prefiero|en vez|mas bien", "actually"),
    ],
    "de": [
        _rule("nicht|kein|keine|keinen|ohne", "not"),
        _rule("der|die|das|den|dem|ein|eine|einen", "the"),
        _rule("lieber|eher|stattdessen|doch", "actually"),
    ],
    "fr": [
        _rule("pas|non|sans|ni", "not"),
        _rule("le|la|les|l|un|une|du|des", "the"),
        _rule("plutot|plutôt|finalement|prefere|préfère", "actually"),
    ],
    "hi": [
        # Hindi negates after the word: "छोटा नहीं बड़ा" is "not small, large"
        (
            whole_word(rf"(?P<w>{WORD_EDGE}+)[\s,]+(?:{_HI_NOT})"),
            lambda m: f"not {m['w']}",
        ),
        _rule(_HI_NOT, "not"),
        _rule("\u092c\u0932\u094d\u0915\u093f|balki", "actually"),
    ],
}


def _said(text: str, language: str) -> tuple[str, list[int], list[int]]:
    """``text`` in plain spelling with the language's negations, articles and corrections."""
    return rewrite(_plain(text), _WORDS.get(language, []))


def _folded(choices: Mapping[str, tuple[str, ...]], language: str) -> dict[str, tuple[str, ...]]:
    """Each choice with the plain spelling of its name and synonyms added as synonyms."""
    out: dict[str, tuple[str, ...]] = {}
    for canonical, synonyms in choices.items():
        said = (canonical, *synonyms)
        plain = [_said(s, language)[0] for s in said]
        plain += [p.replace("ß", "ss") for p in plain if "ß" in p]  # "große" as "grosse"
        extra = tuple(dict.fromkeys(p for p in plain if p not in said))
        out[canonical] = (*synonyms, *extra)
    return out


def find_choice(slot_type: SlotType, text: str, ctx: ExtractContext, language: str) -> Match | None:
    """``slot_type.find`` (the ``enum`` type) over ``text`` in its plain spelling.

    The choices are read the same way, so a choice with an article in it still
    matches; the span is mapped back to the caller's words.
    """
    if not ctx.choices:
        return None
    said, starts, ends = _said(text, language)
    match = slot_type.find(said, replace(ctx, choices=_folded(ctx.choices, language)))
    if match is None or match.end <= match.start:
        return match
    return Match(match.value, starts[match.start], ends[match.end - 1])
