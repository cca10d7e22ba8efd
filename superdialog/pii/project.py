"""Text → its *projection*: the letters and digits a value is made of, in any rendering.

A card number can reach a transcript, a prompt or a model reply as
``4111111111111111``, ``4111 1111-1111.1111``, ``four one one one …``,
``forty one eleven …``, ``double one`` or ``oh``; a date as ``1979-06-02``,
``02/06/1979`` or "the second of June nineteen seventy nine"; an account id as
``AB-123-456-7C`` or ``ab 123 456 7c``. All of them project to the same
string of lowercase letters and digits:

* separators and connector words ("dash", "dot", "at", "and", "the", "of",
  fillers) contribute nothing;
* number words become digits, grouped the way people say them ("forty one"
  → ``41``, "nineteen ninety" → ``19`` ``90``, "two thousand and five" →
  ``2005``, "double four" → ``44``, "oh" → ``0``); ordinals too ("second",
  "2nd" → ``2``);
* letters are lower-cased, and ``o`` is folded into ``0`` on both sides
  (callers and recognisers mix them up).

Masking then looks for a secret's projection inside the text's projection
and maps the hit back to the characters it came from. Each contribution is a
*piece* with its source span; short secrets must match whole pieces, so
``4242`` is found in "4 2 4 2" but not inside ``14242``.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "CONNECTORS",
    "FOREIGN_DIGITS",
    "NUMBER_WORDS",
    "Piece",
    "Projection",
    "canonical",
    "literal",
    "project",
    "spelled_digits",
]

# letters and digits, with the combining marks that are part of a word (Devanagari vowel
# signs are no word characters to ``re``: "चार" would be read as "च" and "र")
_MARKS = "\u0300-\u036f\u0900-\u0903\u093a-\u094f\u0951-\u0957\u0962\u0963"
_TOKEN = re.compile(rf"(?:[^\W_]|[{_MARKS}])+")
_ORDINAL_SUFFIX = re.compile(r"^(\d+)(?:st|nd|rd|th)$")

_ZERO = frozenset({"zero", "oh", "nought", "nil"})
_UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
    "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9,
}  # fmt: skip
# Digits one by one in the other languages we speak: a caller who switches language reads a
# card out in theirs ("vier eins eins …"), whatever the flow speaks. Single digits only: the
# way a number is read out, and nothing that is an everyday word in English.
FOREIGN_DIGITS: dict[str, int] = {
    # es
    "cero": 0, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
    "siete": 7, "ocho": 8, "nueve": 9,
    # de
    "null": 0, "eins": 1, "zwei": 2, "zwo": 2, "drei": 3, "vier": 4, "fünf": 5, "funf": 5,
    "fuenf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9,
    # fr
    "zéro": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7,
    "huit": 8, "neuf": 9,
    # hi
    "शून्य": 0, "एक": 1, "दो": 2, "तीन": 3, "चार": 4, "पांच": 5, "पाँच": 5, "छह": 6, "छः": 6,
    "छे": 6, "सात": 7, "आठ": 8, "नौ": 9,
}  # fmt: skip
_HOMOPHONES = {"won": 1, "to": 2, "too": 2, "for": 4, "fore": 4, "ate": 8}
_TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50,
    "sixtieth": 60, "seventieth": 70, "eightieth": 80, "ninetieth": 90,
}  # fmt: skip
_REPEAT = {"double": 2, "triple": 3, "treble": 3}
CONNECTORS: frozenset[str] = frozenset(
    {
        "and", "then", "dash", "hyphen", "minus", "dot", "point", "period", "space",
        "slash", "underscore", "at", "plus", "comma", "the", "of", "st", "nd", "rd", "th",
        "in", "on",  # "March 12th in 1975", "born in 1975 on March 12"
        "uh", "um", "umm", "uhm", "er", "erm", "ah", "hmm", "mm",
        "dollar", "dollars", "cent", "cents", "pound", "pounds", "pence", "euro", "euros",
        "rupee", "rupees", "bucks",
    }
)  # fmt: skip


Piece = tuple[str, int, int]
"""One contribution to a projection: ``(chars, source start, source end)``."""


NUMBER_WORDS: frozenset[str] = frozenset(
    (*_ZERO, *_UNITS, *_HOMOPHONES, *_TEENS, *_TENS, *_REPEAT, "hundred", "thousand",
     *FOREIGN_DIGITS)
)  # fmt: skip
"""Every word that projects to digits (a stream holding back a word checks these)."""


@dataclass(frozen=True, slots=True)
class Projection:
    """A text's projection, with where each piece of it came from."""

    text: str
    pieces: tuple[Piece, ...]
    offsets: tuple[int, ...]
    """Projected index where each piece begins (ascending)."""
    open_from: int | None = None
    """Source index of a spoken number still open at the end ("twenty" may become 21)."""

    @property
    def starts(self) -> frozenset[int]:
        """Projected indices where a piece begins."""
        return frozenset(self.offsets)

    @property
    def ends(self) -> frozenset[int]:
        """Projected indices just past a piece's end."""
        return frozenset(o + len(p[0]) for o, p in zip(self.offsets, self.pieces, strict=True))

    def owner(self, i: int) -> int:
        """Index of the piece projected character ``i`` belongs to."""
        return bisect.bisect_right(self.offsets, i) - 1

    def aligned(self, i: int, j: int) -> bool:
        """Whether projected ``[i, j)`` starts at a piece's start and ends at a piece's end."""
        first, last = self.owner(i), self.owner(j - 1)
        return self.offsets[first] == i and self.offsets[last] + len(self.pieces[last][0]) == j

    def span(self, i: int, j: int) -> tuple[int, int]:
        """Source span of projected characters ``[i, j)``."""
        return self.pieces[self.owner(i)][1], self.pieces[self.owner(j - 1)][2]


def _ascii_digits(word: str) -> str:
    if word.isascii():
        return word
    return "".join(str(unicodedata.decimal(c, c)) if c.isdecimal() else c for c in word)


def _fold(word: str) -> str:
    return word.replace("o", "0")


class _Number:
    """A spoken number being read: ``base`` thousands plus ``cur`` below a thousand."""

    __slots__ = ("base", "cur", "end", "last", "start")

    def __init__(self, value: int, kind: str, start: int, end: int) -> None:
        self.base = 0
        self.cur = value
        self.last = kind
        self.start = start
        self.end = end

    def takes(self, kind: str) -> bool:
        last = self.last
        if kind == "unit":
            return last in ("hundred", "thousand") or (last == "tens" and self.cur % 10 == 0)
        if kind in ("teen", "tens"):
            return last in ("hundred", "thousand") and self.cur % 100 == 0
        if kind == "hundred":
            return last in ("unit", "teen", "tens") and 0 < self.cur < 100
        if kind == "thousand":
            return last in ("unit", "teen", "tens", "hundred") and self.base == 0 and self.cur > 0
        return False

    def add(self, kind: str, value: int, end: int) -> None:
        if kind == "hundred":
            self.cur *= 100
        elif kind == "thousand":
            self.base, self.cur = self.cur * 1000, 0
        else:
            self.cur += value
        self.last = kind
        self.end = end

    def piece(self) -> Piece:
        return (str(self.base + self.cur), self.start, self.end)


_ORDINAL_WORDS = frozenset(
    w for w in (*_UNITS, *_TEENS, *_TENS) if w.endswith(("st", "nd", "rd", "th"))
)


def _kind(word: str) -> tuple[str, int] | None:
    if word in _UNITS:
        return "unit", _UNITS[word]
    if word in _TEENS:
        return "teen", _TEENS[word]
    if word in _TENS:
        return "tens", _TENS[word]
    if word in ("hundred", "hundreds"):
        return "hundred", 100
    if word in ("thousand", "thousands"):
        return "thousand", 1000
    return None


def project(text: str) -> Projection:
    """Project ``text`` (see the module docstring). Linear in the length of ``text``."""
    pieces: list[Piece] = []
    add = pieces.append
    number: _Number | None = None
    repeat: tuple[int, int] | None = None  # (times, start) after "double"/"triple"
    for m in _TOKEN.finditer(text.lower()):
        word, start, end = m.group(), m.start(), m.end()
        if not word.isascii():
            word = _ascii_digits(word)
        if word.isdigit():  # the common case first
            if number is not None:
                add(number.piece())
                number = None
            if repeat is not None and len(word) == 1:
                add((word * repeat[0], repeat[1], end))
            else:
                add((word, start, end))
            repeat = None
            continue
        if repeat is not None:
            times, rstart = repeat
            repeat = None
            digit = 0 if word in _ZERO else _UNITS.get(word, _HOMOPHONES.get(word))
            if digit is not None:
                add((str(digit) * times, rstart, end))
                continue
            if len(word) == 1:
                add((_fold(word) * times, rstart, end))
                continue
        if word in CONNECTORS:
            continue  # "and" inside "two hundred and five" keeps the number open
        kind = _kind(word)
        if kind is not None:
            k, value = kind
            if number is not None and number.takes(k):
                number.add(k, value, end)
            else:
                if number is not None:
                    add(number.piece())
                number = _Number(value, k, start, end)
            if word in _ORDINAL_WORDS:  # "twentieth" ends a number: "twentieth, two thousand"
                add(number.piece())
                number = None
            continue
        if number is not None:
            add(number.piece())
            number = None
        if word in _REPEAT:
            repeat = (_REPEAT[word], start)
        elif word in _ZERO:
            add(("0", start, end))
        elif word in _HOMOPHONES:
            add((str(_HOMOPHONES[word]), start, end))
        elif word in FOREIGN_DIGITS:
            add((str(FOREIGN_DIGITS[word]), start, end))
        else:
            ordinal = _ORDINAL_SUFFIX.match(word) if word[0].isdigit() else None
            add((ordinal.group(1) if ordinal else _fold(word), start, end))
    open_from = repeat[1] if repeat is not None else None
    if number is not None:
        open_from = number.start
        add(number.piece())
    offsets: list[int] = []
    at = 0
    for p in pieces:
        offsets.append(at)
        at += len(p[0])
    return Projection("".join(p[0] for p in pieces), tuple(pieces), tuple(offsets), open_from)


_NOT_ALNUM = re.compile(r"[\W_]+")


def literal(text: str) -> str:
    """Letters and digits of ``text`` taken as they are (no word is read as a number)."""
    return _fold(_ascii_digits(_NOT_ALNUM.sub("", text.lower())))


def canonical(text: str) -> str:
    """The projection of ``text`` as a plain string (what a secret is looked up by)."""
    return project(text).text


def spelled_digits(text: str) -> str | None:
    """``text`` with digits read out in another language written as digits; None if it has none.

    "meine Nummer ist vier eins eins …" → "meine Nummer ist 4 1 1 …": what a slot
    type reading the call's language finds a card or a code in.
    """
    out: list[str] = []
    last = 0
    for m in _TOKEN.finditer(text):
        digit = FOREIGN_DIGITS.get(m.group().lower())
        if digit is not None:
            out.append(text[last : m.start()])
            out.append(str(digit))
            last = m.end()
    if not out:
        return None
    out.append(text[last:])
    return "".join(out)
