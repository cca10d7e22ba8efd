"""Slot parsing in es, de, fr and hi: the caller's words as the English parsers read them.

The slot types are written for English speech. For another language a
pre-pass rewrites what they need — yes/no words to English ("sí" → "yes",
"नहीं" → "no") and runs of number words to digits ("treinta y dos" → "32",
"quatre-vingt-dix" → "90", "zweiunddreißig" → "32", "दो लाख" → "200000") —
and every type then parses the rewritten text. Spans are mapped back, so a
``Match`` points into what the caller said. Words the lists do not know are
left alone (digits and English words, which Indian callers mix into Hindi,
work as before).

Covered: yes_no, and the numeric types through digits (number, digits,
amount, phone, card_number, postal_code, and times and dates said as
digits), and for date, time and datetime in es, de and fr also day words,
month and weekday names and clock phrases ("el 3 de marzo", "um halb acht",
"à quinze heures trente": ``moments``). Not covered yet: spoken emails,
Hindi date and time words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..base import ExtractContext, Match, SlotType
from .moments import MOMENT_LANGUAGES, NO_VALUE, UNCLEAR, rewrite, rules_for
from .words import ARTICLES, CONNECTORS, NUMBERS, YES_NO

__all__ = ["LANGUAGES", "Localised", "find_localised", "localise", "localise_moments"]

LANGUAGES = frozenset(NUMBERS)
"""Languages the pre-pass knows (English needs none)."""

# words with Devanagari vowel signs (not \w) and apostrophes, hyphenated ones whole
_WORD = re.compile(r"[\w\u0900-\u097f'\u2019]+(?:-[\w\u0900-\u097f'\u2019]+)*")


@dataclass(frozen=True, slots=True)
class Localised:
    """Rewritten text, and for each of its characters the span of the original it came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original ``[start, end)`` of the rewritten ``[start, end)``."""
        if end <= start:
            at = (
                self.starts[start]
                if start < len(self.starts)
                else (self.ends[-1] if self.ends else 0)
            )
            return at, at
        return self.starts[start], self.ends[end - 1]


def _plain(word: str) -> str:
    """Lower case without accents (ASR drops them) — Devanagari marks are kept."""
    low = word.lower().replace("\u2019", "'")
    if low.isascii() or any("\u0900" <= ch <= "\u097f" for ch in low):
        return low
    return "".join(
        ch for ch in unicodedata.normalize("NFD", low) if unicodedata.category(ch) != "Mn"
    )


def _table(language: str) -> tuple[dict[str, str], dict[str, int]]:
    yes_no = {_plain(k): v for k, v in YES_NO.get(language, {}).items()}
    numbers = {_plain(k): v for k, v in NUMBERS.get(language, {}).items()}
    return yes_no, numbers


_TABLES = {lang: _table(lang) for lang in LANGUAGES}


def _value(parts: list[int], language: str) -> list[int]:
    """Values of a run of number words: one number, or several said one after another."""
    out: list[int] = []
    total = current = 0
    for k, v in enumerate(parts):
        after_zero = k > 0 and total == 0 and current == 0
        if k > 0 and (
            v == 0
            or after_zero
            or (v < 10 and current % 10 != 0)
            or (10 <= v < 100 and current % 100 != 0 and not _joins(current, v, language))
        ):
            out.append(total + current)  # "cinco cinco cinco": digits said one by one
            total, current = 0, v
        elif v >= 1000:
            total += max(current, 1) * v
            current = 0
        elif v == 100:
            current = max(current, 1) * 100 if current < 100 else current + 100
        elif language == "fr" and v == 20 and current % 100 == 4:
            current += 76  # quatre-vingt(s): 80
        else:
            current += v
    out.append(total + current)
    return out


def _joins(current: int, v: int, language: str) -> bool:
    """Whether ``v`` continues ``current`` though its place is taken (language rules)."""
    if language == "fr":  # quatre-vingt, soixante-dix, quatre-vingt-dix
        return (v == 20 and current % 100 == 4) or (v < 20 and current % 100 in (60, 80))
    if language == "de":  # vier und zwanzig: the unit comes first
        return v % 10 == 0 and v < 100 and 0 < current % 100 < 10
    return False


def localise(text: str, language: str) -> Localised:
    """``text`` with ``language``'s yes/no and number words rewritten for the English parsers."""
    tables = _TABLES.get(language)
    if tables is None:
        return Localised(text, tuple(range(len(text))), tuple(range(1, len(text) + 1)))
    yes_no, numbers = tables
    joins = CONNECTORS.get(language, frozenset())
    pieces: list[tuple[str, int, int]] = []  # (new text, original start, original end)
    words = list(_WORD.finditer(text))
    pos = 0
    i = 0
    while i < len(words):
        w = words[i]
        parts = _number_parts(w.group(), numbers)
        if parts is None:
            new = yes_no.get(_plain(w.group()))
            if new is not None:
                pieces.append((text[pos : w.start()], pos, w.start()))
                pieces.append((new, w.start(), w.end()))
                pos = w.end()
            i += 1
            continue
        j, values = i + 1, list(parts)
        while j < len(words):
            nxt = words[j]
            more = _number_parts(nxt.group(), numbers)
            if more is None and _plain(nxt.group()) in joins and j + 1 < len(words):
                more = _number_parts(words[j + 1].group(), numbers)
                if more is not None:
                    j += 1
                    nxt = words[j]
            if more is None or text[words[j - 1].end() : nxt.start()].strip(" -") != "":
                break
            values += more
            j += 1
        end = words[j - 1].end()
        if j == i + 1 and _plain(w.group()) in ARTICLES.get(language, ()):
            i += 1  # "una mesa", "ein Tisch": an article, not a number
            continue
        pieces.append((text[pos : w.start()], pos, w.start()))
        pieces.append((" ".join(str(v) for v in _value(values, language)), w.start(), end))
        pos = end
        i = j
    pieces.append((text[pos:], pos, len(text)))
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for new, a, b in pieces:
        if not new:
            continue
        out.append(new)
        if new == text[a:b]:  # copied: character by character
            starts += range(a, b)
            ends += range(a + 1, b + 1)
        else:
            starts += [a] * len(new)
            ends += [b] * len(new)
    return Localised("".join(out), tuple(starts), tuple(ends))


def _number_parts(word: str, numbers: dict[str, int]) -> list[int] | None:
    """The values of a number word, or of a hyphenated one ("soixante-dix-sept")."""
    plain = _plain(word)
    if plain in numbers:
        return [numbers[plain]]
    if "-" in plain:
        parts = [p for p in plain.split("-") if p and p != "et"]
        if parts and all(p in numbers for p in parts):
            return [numbers[p] for p in parts]
    return None


_MOMENT_TYPES = frozenset({"date", "time", "datetime"})


def localise_moments(text: str, language: str) -> Localised:
    """``text`` with ``language``'s date and time phrases (and number words) in English.

    Day words, day-and-month phrases, weekdays and clock phrases are
    rewritten around the number-word pass (``superdialog.slots.lang.moments``).
    """
    if language not in MOMENT_LANGUAGES:
        return localise(text, language)
    first, s1, e1 = rewrite(text, rules_for(language, before_numbers=True))
    numbered = localise(first, language)
    last, s2, e2 = rewrite(numbered.text, rules_for(language, before_numbers=False))
    starts: list[int] = []
    ends: list[int] = []
    for a, b in zip(s2, e2, strict=True):
        na, nb = numbered.starts[a], numbered.ends[b - 1]
        starts.append(s1[na])
        ends.append(e1[nb - 1])
    return Localised(last, tuple(starts), tuple(ends))


def find_localised(
    slot_type: SlotType, text: str, ctx: ExtractContext, language: str
) -> Match | None:
    """``slot_type.find`` over ``text`` said in ``language``; the span is in ``text``."""
    if language not in LANGUAGES:
        return slot_type.find(text, ctx)
    if slot_type.name in _MOMENT_TYPES:
        local = localise_moments(text, language)
        if NO_VALUE in local.text:
            return None  # a range or a choice ("entre las siete y las ocho"): not one value
        if UNCLEAR in local.text:
            if slot_type.name != "time":
                return None  # "el viernes pasado a las 8", "कल शाम": no day to give
            local = Localised(local.text.replace(UNCLEAR, " "), local.starts, local.ends)
    else:
        local = localise(text, language)
    match = slot_type.find(local.text, ctx)
    if match is None or local.text == text:
        return match
    start, end = local.span(match.start, match.end)
    return Match(match.value, start, end)
