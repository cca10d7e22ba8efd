"""The ``number`` slot type: quantities said in words or digits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .base import ExtractContext, Match, SlotType
from .bounds import MAX_QUANTITY_DIGITS
from .numbers import (
    NOT_EXACT_AFTER,
    TEENS,
    TENS,
    UNITS,
    digit_run_at,
    is_pronoun_one,
    numeral_run,
    parse_cardinal,
    parse_decimal,
    tidy,
)
from .tokens import Token, is_numeral, tokenize

__all__ = ["NumberType", "format_number"]

_NEGATIVE = frozenset({"minus", "negative"})
# After a single digit word, these continue a digit string ("room one oh one").
_DIGIT_WORDS = frozenset(UNITS) | {"oh", "o", "double", "triple"}
_REPEATS = frozenset({"double", "triple", "treble"})
# "the 5th", "7 pm", "at 7", "7:30": a day or a clock time, not a count
_ORDINAL_SUFFIXES = frozenset({"st", "nd", "rd", "th"})
_CLOCK_AFTER = frozenset({"am", "pm", "a.m", "p.m", "o'clock", "oclock", ":"})
_CLOCK_BEFORE = frozenset({"at"})
# Between two numbers said one after the other ("forty, forty-five")
_PAUSES = frozenset({",", ".", ";", "\u2013", "\u2014"})
# "nineteen eighty", "twenty twenty-six": the centuries callers say years in
_CENTURIES = frozenset({"nineteen", "twenty"})


def format_number(value: int | Decimal) -> str:
    """Numerals TTS reads as a quantity: "1,200", "3.5", "minus 5"."""
    if value < 0:
        return "minus " + format_number(-value)
    return f"{value:,}"


class NumberType(SlotType):
    """Quantities: "a hundred and five", "twenty-one", "3.5", "1,200".

    Value: ``int``, or ``Decimal`` when a fractional part was said. A row of
    single digit words ("one five zero") is read as the number they spell.
    """

    name = "number"
    ranged = True  # "under a hundred", "before five", "2 to 3": a bound or a span, no value
    pauses_inside = True  # "twenty, um, five" is 25
    description = "a quantity: int, or Decimal when fractional"

    def scan(self, text: str, ctx: ExtractContext) -> Match | None:
        """First quantity in ``text``; a leading "minus"/"negative" negates it.

        A row of digit words longer than ``MAX_QUANTITY_DIGITS`` is not a
        quantity and is skipped whole (not re-read from each of its words).
        """
        toks = tokenize(text)
        n = len(toks)
        i = 0
        while i < n:
            word = toks[i].text
            parsed = parse_cardinal(toks, i)
            if parsed is None and word in _REPEATS and i + 1 < n and toks[i + 1].text in UNITS:
                parsed = 0, i  # "double two" is 22, read as a digit row below
            if parsed is None:
                # digits that are no quantity ("1.2.3") are skipped whole, not re-read from
                # inside ("2.3")
                i = numeral_run(toks, i)[1] if is_numeral(word) else i + 1
                continue
            value, j = parsed
            single = word in UNITS or word in _REPEATS or (is_numeral(word) and len(word) == 1)
            if j <= i + 1 and single and i + 1 < n and toks[i + 1].text in _DIGIT_WORDS:
                run = digit_run_at(toks, i)
                if run is not None:
                    if len(run.digits) > MAX_QUANTITY_DIGITS:
                        i = run.end
                        continue
                    if _neighbours(toks, i, run.end) or _paused(toks, i, run.end):
                        return None  # "five six people", "five, uh, seven": which one?
                    value, j = int(run.digits), run.end
            if _not_a_count(toks, i, j):
                i = j
                continue
            value, j = _year(toks, i, j, value)
            value, j = _oh_row(toks, i, j, value)
            if _not_the_number(toks, i, j):
                return None  # "twenty something", "two thirds", "me plus three": not this one
            if not _refused(toks, i) and _another_after(toks, j, value):
                return None  # "forty, forty-five", "twenty thirty": which one?
            start = i
            if (i > 0 and toks[i - 1].text in _NEGATIVE) or (
                i > 0
                and toks[i - 1].text == "-"
                and toks[i - 1].end == toks[i].start
                and (i == 1 or toks[i - 2].end < toks[i - 1].start)
            ):
                value, start = -value, i - 1
            return Match(value, toks[start].start, toks[j - 1].end)
        return None

    def spoken(self, value: Any) -> str:
        """Read back as "1,200"; TTS engines say grouped numerals as quantities."""
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            return format_number(value)
        return str(value)

    def bound(self, raw: Any, ctx: ExtractContext) -> Any | None:
        """Numbers, numeric strings, or words ("ten")."""
        if isinstance(raw, bool):
            return None
        if isinstance(raw, int | Decimal):
            return raw
        if isinstance(raw, float):
            return Decimal(str(raw))
        if isinstance(raw, str):
            exact = parse_decimal(raw)
            return tidy(exact) if exact is not None else self.extract(raw, ctx)
        return None

    def order_key(self, value: Any, ctx: ExtractContext) -> Any:
        """Compare as Decimal so ints, floats and Decimals mix."""
        return Decimal(str(value)) if isinstance(value, float) else value


def _neighbours(toks: list[Token], i: int, end: int) -> bool:
    """True for two digit words in a row, the second one more ("five six", "two three").

    Callers say a count that way to mean "five or six"; a two-digit number is said as one
    ("fifty-six"), so the row is not read as 56.
    """
    if end != i + 2 or toks[i].text not in UNITS or toks[i + 1].text not in UNITS:
        return False
    return UNITS[toks[i + 1].text] == UNITS[toks[i].text] + 1


def _paused(toks: list[Token], i: int, end: int) -> bool:
    """True when a hesitation or a pause sits inside the digit row ``[i, end)``.

    "five, uh, seven" is five then seven (a correction without its marker, or two
    counts), not 57; a row said as a count ("room one oh one") is said in one go. The
    hesitation's word is left out of the tokens (or blanked), so it shows as a gap.
    """
    return any(toks[k + 1].start - toks[k].end > 1 for k in range(i, end - 1))


def _not_a_count(toks: list[Token], i: int, j: int) -> bool:
    """True when the number at ``[i, j)`` is a day or a clock time, not a quantity.

    "the 5th" (an ordinal written in digits), "at 7", "7 pm", "7:30": a caller asked how
    many who answers "on the 5th at 7 for 8 people" means 8.
    """
    n = len(toks)
    if j < n and toks[j].text in _ORDINAL_SUFFIXES and toks[j].start == toks[j - 1].end:
        return True
    if j < n and toks[j].text in _CLOCK_AFTER:
        return True
    if i > 0 and toks[i - 1].text == ":" and toks[i - 1].end == toks[i].start:
        return True  # the minutes of "7:30"
    return i > 0 and toks[i - 1].text in _CLOCK_BEFORE


# Before a number: a count added to one not said ("me and three friends" is four).
_ADDED_TO = frozenset({"me", "myself", "us", "plus", "+"})


def _not_the_number(toks: list[Token], i: int, j: int) -> bool:
    """True when the number at ``[i, j)`` is a part, a rough count or one of a sum.

    "one half", "two thirds" (a fraction), "twenty something", "thirty odd", "forty plus"
    (about, at least), "me and three friends", "me plus three", "two plus one" (a sum the
    caller did not add up): each gave the number said, never the one meant.
    """
    nxt = toks[j].text if j < len(toks) else ""
    if nxt in NOT_EXACT_AFTER and not (nxt == "+" and j + 1 < len(toks)):
        return True
    if any(t.text in ("+", "plus") for t in toks[j : j + 4]) and j + 1 < len(toks):
        return True  # "two plus one", "2 + 1", "two adults plus a baby"
    back = i - 1 - (i > 1 and toks[i - 1].text in ("and", "with", "&"))
    return (back >= 0 and back != i - 1 and toks[back].text in _ADDED_TO) or (
        i > 0 and toks[i - 1].text in ("plus", "+")
    )


def _refused(toks: list[Token], i: int) -> bool:
    """True after "not", "instead of", "rather than": the next number is the one meant.

    The repair rules (:mod:`.repairs`) take the number after a refused one ("statt fünf
    sechs" is 6), so two numbers in a row there are no doubt.
    """
    if i > 0 and toks[i - 1].text in ("not", "than", "except"):
        return True
    return i > 1 and toks[i - 1].text == "of" and toks[i - 2].text == "instead"


def _year(toks: list[Token], i: int, j: int, value: Any) -> tuple[Any, int]:
    """A year said in two halves: "nineteen eighty" (1980), "twenty twenty-six" (2026)."""
    if j != i + 1 or toks[i].text not in _CENTURIES or j >= len(toks):
        return value, j
    if toks[j].text not in TEENS and toks[j].text not in TENS:
        return value, j
    half = parse_cardinal(toks, j)
    if half is None or not isinstance(half[0], int) or not 10 <= half[0] <= 99:
        return value, j
    return value * 100 + half[0], half[1]


def _oh_row(toks: list[Token], i: int, j: int, value: Any) -> tuple[Any, int]:
    """A number said as two-digit halves with "oh": "twelve oh four" is 1204, as on a door.

    "room five oh two" is read as a digit row; a teen or tens word before "oh" and a digit
    is the same way of saying digits (it gave 12, the "oh four" dropped).
    """
    if not isinstance(value, int) or not 10 <= value <= 99:
        return value, j
    if not (toks[i].text in TEENS or toks[i].text in TENS):
        return value, j
    if _text_at(toks, j) in ("oh", "o") and _text_at(toks, j + 1) in UNITS:
        unit = UNITS[toks[j + 1].text]
        if unit and _text_at(toks, j + 2) not in UNITS and _text_at(toks, j + 2) != "-":
            return value * 100 + unit, j + 2
    return value, j


def _text_at(toks: list[Token], k: int) -> str:
    return toks[k].text if 0 <= k < len(toks) else ""


def _another_after(toks: list[Token], j: int, value: Any) -> bool:
    """True when a different number is said straight after this one ("forty, forty-five").

    Two numbers with nothing but a pause between are a correction without its marker, a
    range or a mishearing: either one would be a guess. The same number said again
    ("twelve, twelve people") is the number.
    """
    n = len(toks)
    k = j + 1 if j < n and toks[j].text in _PAUSES else j
    if k >= n or is_pronoun_one(toks, k):
        return False
    nxt = parse_cardinal(toks, k)
    if nxt is None:
        return False
    again = nxt[0]
    if nxt[1] == k + 1 and toks[k].text in UNITS and k + 1 < n and toks[k + 1].text in _DIGIT_WORDS:
        run = digit_run_at(toks, k)
        if run is not None and len(run.digits) <= MAX_QUANTITY_DIGITS:
            again = int(run.digits)
    return bool(again != value) and not _not_a_count(toks, k, nxt[1])
