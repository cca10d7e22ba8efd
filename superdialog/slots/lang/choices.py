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
from .moments import plain_chars

__all__ = ["find_choice"]

# "l'intérieur", "d'accord", "qu'il": the elided article is a word of its own (same length)
_ELISION = re.compile(r"(?<![\w'])(qu|[cdjlmnst])'(?=\w)")


def _plain(text: str) -> str:
    return _ELISION.sub(lambda m: m[1] + " ", plain_chars(text))


def _folded(choices: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Each choice with the plain spelling of its name and synonyms added as synonyms."""
    out: dict[str, tuple[str, ...]] = {}
    for canonical, synonyms in choices.items():
        said = (canonical, *synonyms)
        plain = [_plain(s) for s in said]
        plain += [p.replace("ß", "ss") for p in plain if "ß" in p]  # "große" as "grosse"
        extra = tuple(dict.fromkeys(p for p in plain if p not in said))
        out[canonical] = (*synonyms, *extra)
    return out


def find_choice(slot_type: SlotType, text: str, ctx: ExtractContext) -> Match | None:
    """``slot_type.find`` (the ``enum`` type) over ``text`` folded to its plain spelling.

    ``plain_chars`` keeps one character for one, so the span is the caller's.
    """
    if not ctx.choices:
        return None
    return slot_type.find(_plain(text), replace(ctx, choices=_folded(ctx.choices)))
