"""The one spoken-number parser every slot type shares.

Callers say numbers in several shapes and each slot type needs a different
one, so this module offers a parser per shape, all over the same tokens:

* :func:`parse_cardinal` - quantities: "a hundred and five", "twenty-one",
  "3.5", "three point five", "1,200", "2 million", "two and a half".
* :func:`digit_runs` - digit strings read one group at a time, as for phone
  and card numbers: "five five five, one two oh, double four seven",
  "eight hundred", "forty seven".
* :func:`parse_ordinal` - "third", "twenty-first", "5th" (days of month).
* :func:`parse_year` - "nineteen eighty five", "twenty twenty six", "2026".

Keeping them together means a fix to, say, "oh" as zero reaches phones,
cards, ZIP codes and times at once instead of being copy-pasted.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from .bounds import MAX_FRACTION_DIGITS, MAX_QUANTITY, MAX_QUANTITY_DIGITS
from .tokens import FILLERS, SEPARATORS, Token, is_numeral

__all__ = [
    "DIGIT_NAMES",
    "HOMOPHONES",
    "INDIAN_SCALES",
    "NOT_EXACT_AFTER",
    "ORDINALS",
    "SCALES",
    "TEENS",
    "TENS",
    "UNITS",
    "DigitRun",
    "Number",
    "digit_group",
    "digit_run_at",
    "digit_runs",
    "is_number_word",
    "is_pronoun_one",
    "ordinal_suffix",
    "parse_cardinal",
    "parse_decimal",
    "parse_ordinal",
    "parse_year",
    "say_digits",
    "tidy",
]

Number = int | Decimal

#: Word for each digit, used for read-backs ("five five five").
DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

UNITS: dict[str, int] = {name: value for value, name in enumerate(DIGIT_NAMES)}
UNITS["niner"] = 9  # radio and call-centre speech: "three niner two"
TEENS: dict[str, int] = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS: dict[str, int] = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
SCALES: dict[str, int] = {
    "thousand": 1_000, "lakh": 100_000, "lakhs": 100_000, "lac": 100_000, "lacs": 100_000,
    "million": 1_000_000, "crore": 10_000_000, "crores": 10_000_000, "cr": 10_000_000,
    "billion": 1_000_000_000,
}  # fmt: skip
#: Indian scales: "three lakh" is 300,000 (never 3), "two crore" 20,000,000.
INDIAN_SCALES = frozenset({"lakh", "lakhs", "lac", "lacs", "crore", "crores", "cr"})
ORDINALS: dict[str, int] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
    "thirteenth": 13, "fourteenth": 14, "fifteenth": 15, "sixteenth": 16,
    "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
    "thirtieth": 30, "fortieth": 40, "fiftieth": 50, "sixtieth": 60,
    "seventieth": 70, "eightieth": 80, "ninetieth": 90,
}  # fmt: skip

# Words that read as 0 inside a digit string ("one two oh").
_ZEROS = frozenset({"oh", "o", "zero", "nought", "naught"})
_REPEATS = {"double": 2, "triple": 3, "treble": 3, "quadruple": 4}
# Words speech-to-text writes for a digit said among digits ("seven for won to" is 7412).
HOMOPHONES: dict[str, str] = {
    "for": "4", "fore": "4", "to": "2", "too": "2", "won": "1", "ate": "8",
}  # fmt: skip
# Homophones that are no word a caller puts before digits ("won two three" is 123; "for
# two", "to five" keep their words): read as digits at the start of a string too.
_LEADING_HOMOPHONES = frozenset({"won", "ate", "fore"})
_PRONOUNS = frozenset({"i", "we", "you", "they", "he", "she", "it", "who"})
# Words that may stand between the groups of a digit string ("one two three dash four").
_JOINERS = frozenset({"dash", "hyphen"})
_ORDINAL_SUFFIXES = frozenset({"st", "nd", "rd", "th"})
_FRACTIONS = {"half": Decimal("0.5"), "quarter": Decimal("0.25")}
_MULTIPLIED_BY_A = frozenset(
    {"hundred", "thousand", "million", "billion", "dozen", "lakh", "lac", "crore"}
)
# "the blue one", "that one": "one" is a pronoun, not a quantity or digit.
_ONE_PRONOUN_BEFORE = frozenset(
    {
        "the", "this", "that", "which", "each", "every", "any", "another", "other",
        "no", "same", "last", "next", "right", "wrong", "big", "bigger", "small",
        "smaller", "new", "old", "little", "cheap", "cheaper", "red", "blue", "green",
        "black", "white", "good", "better", "best", "first", "second", "later",
        "earlier", "someone", "anyone", "such", "only", "latest",
    }
)  # fmt: skip


#: After a number: it was a part ("two thirds"), an approximation ("twenty something",
#: "thirty odd") or a bound ("forty plus", "50+"), not the number meant.
NOT_EXACT_AFTER = frozenset(
    {"half", "halves", "quarter", "quarters", "third", "thirds", "fifths", "sixths",
     "eighths", "tenths", "something", "odd", "plus", "+"}
)  # fmt: skip


class DigitRun(NamedTuple):
    """Digits read out in sequence: ``digits`` from tokens ``[first, end)``."""

    digits: str
    first: int
    end: int


def tidy(value: Decimal) -> Number:
    """Return an ``int`` for whole values so "3.0" and "3" compare and print alike."""
    if value == value.to_integral_value():
        return int(value)
    return value


def is_number_word(word: str) -> bool:
    """True for a word that is part of a spoken number ("seven", "hundred", "fifth")."""
    return (
        word in UNITS
        or word in TEENS
        or word in TENS
        or word in SCALES
        or word in ORDINALS
        or word in ("hundred", "oh", "double", "triple", "point")
    )


def is_pronoun_one(toks: list[Token], i: int) -> bool:
    """True when ``toks[i]`` is "one" used as a pronoun ("the blue one")."""
    if toks[i].text != "one" or i == 0:
        return False
    if toks[i - 1].text == "-" and i > 1 and toks[i - 2].text == "no":
        return True  # "no-one"
    return toks[i - 1].text in _ONE_PRONOUN_BEFORE


def _adjacent(toks: list[Token], i: int) -> bool:
    """True when token ``i`` touches token ``i - 1`` (no space between)."""
    return i > 0 and toks[i - 1].end == toks[i].start


# --------------------------------------------------------------------- cardinals


def parse_cardinal(toks: list[Token], i: int) -> tuple[Number, int] | None:
    """Parse a quantity starting exactly at token ``i``.

    Returns ``(value, j)`` where ``j`` is the index after the last token
    used, or ``None`` if no number starts at ``i``. The value is an ``int``
    unless a fractional part was said. Quantities of ``MAX_QUANTITY`` or
    more (and decimals with more than ``MAX_FRACTION_DIGITS`` places) are not
    quantities: nobody says them, and bounding them keeps every step here
    constant-time and every result printable.
    """
    parsed = _cardinal(toks, i)
    if parsed is None or abs(parsed[0]) >= MAX_QUANTITY:
        return None
    return parsed


def _cardinal(toks: list[Token], i: int) -> tuple[Number, int] | None:
    """:func:`parse_cardinal` without the final range check."""
    if i >= len(toks):
        return None
    word = toks[i].text
    if word == "point":
        frac = _point_digits(toks, i)
        if frac is None:
            return None
        digits, j = frac
        return _scaled(toks, Decimal("0." + digits), j)
    if word == "half" and _text(toks, i + 1) in ("a", "an"):
        # "half a dozen" is 6 and "half a million" 500,000 (they gave 12 and a million)
        scale = _HALVED.get(_text(toks, i + 2))
        return None if scale is None else (tidy(Decimal(scale) / 2), i + 3)
    if is_numeral(word):
        numeral = _numeral(toks, i)
        if numeral is None:
            return None
        value, j = numeral
    else:
        words = _words(toks, i)
        if words is None:
            return None
        whole, j = words
        value = Decimal(whole)
        frac = _point_digits(toks, j)
        if frac is not None:
            digits, j = frac
            value = Decimal(f"{whole}.{digits}")
    value, j = _and_a_fraction(toks, value, j)
    return _scaled(toks, value, j)


def _numeral(toks: list[Token], i: int) -> tuple[Decimal, int] | None:
    """Digits with optional "," thousands groups and a "." decimal part.

    ``None`` for more than ``MAX_QUANTITY_DIGITS`` digits before the point or
    ``MAX_FRACTION_DIGITS`` after it. The thousands groups are read no further
    than that, so trying every token of "1,000,1,000,..." stays linear.
    """
    n = len(toks)
    text = toks[i].text
    if len(text) > MAX_QUANTITY_DIGITS:
        return None
    run, run_end = numeral_run(toks, i)
    if run_end > i + 1:
        european = _EUROPEAN.fullmatch(run)
        if european is not None:
            # "1.234.567,5", "1.234,50": dots group thousands and the comma is the decimal
            # sign, whatever the call's language (read otherwise it would be 1.234)
            whole = european.group().replace(".", "").replace(",", ".")
            if len(whole.partition(".")[0]) > MAX_QUANTITY_DIGITS or (
                len(whole.partition(".")[2]) > MAX_FRACTION_DIGITS
            ):
                return None
            return Decimal(whole), run_end
    j = i + 1
    if len(text) <= 3:
        while (
            j + 1 < n
            and toks[j].text == ","
            and _adjacent(toks, j)
            and _adjacent(toks, j + 1)
            and is_numeral(toks[j + 1].text)
            and len(toks[j + 1].text) == 3
        ):
            text += toks[j + 1].text
            j += 2
            if len(text) > MAX_QUANTITY_DIGITS:
                return None
    if (
        j + 1 < n
        and toks[j].text == "."
        and _adjacent(toks, j)
        and _adjacent(toks, j + 1)
        and is_numeral(toks[j + 1].text)
    ):
        if len(toks[j + 1].text) > MAX_FRACTION_DIGITS:
            return None
        text += "." + toks[j + 1].text
        j += 2
    if j < run_end:
        return None  # "1.2.3", "2,5", "12.05.2026": not one English quantity; no guess
    return Decimal(text), j


_EUROPEAN = re.compile(r"\d{1,3}(?:\.\d{3})+,\d+|\d{1,3}(?:\.\d{3}){2,}")
"""A quantity in continental notation that English notation cannot mean."""


def numeral_run(toks: list[Token], i: int) -> tuple[str, int]:
    """Digits at ``i`` and the "."/","-joined digits touching them: (their text, end index).

    "1.234.567,5" is one run (tokens 1 . 234 . 567 , 5); "1, 2" is not (a space).
    """
    n = len(toks)
    parts = [toks[i].text]
    j = i + 1
    while (
        j + 1 < n
        and toks[j].text in (".", ",")
        and _adjacent(toks, j)
        and _adjacent(toks, j + 1)
        and is_numeral(toks[j + 1].text)
        and len(parts) < _MAX_RUN_PARTS
    ):
        parts += (toks[j].text, toks[j + 1].text)
        j += 2
    return "".join(parts), j


_MAX_RUN_PARTS = 2 * (MAX_QUANTITY_DIGITS + MAX_FRACTION_DIGITS)
"""Enough for any quantity; a longer run is no number and is not read further (linear)."""


def _words(toks: list[Token], i: int) -> tuple[int, int] | None:
    """Spoken integer words: "one thousand two hundred and thirty-four"."""
    n = len(toks)
    total = group = 0
    prev = ""  # kind of the previous token
    last_scale = 10**13
    j = end = i
    while j < n:
        word = toks[j].text
        if word in ("a", "an"):
            if prev == "" and j + 1 < n and toks[j + 1].text in _MULTIPLIED_BY_A:
                group, prev = 1, "a"
                j += 1
                continue
            break
        if word in UNITS:
            value = UNITS[word]
            if prev not in ("", "tens", "hundred", "scale", "and", "hyphen") or (
                value == 0 and prev != ""
            ):
                break
            if prev == "" and is_pronoun_one(toks, j):
                break
            group += value
            prev = "unit"
        elif word in TEENS or word in TENS:
            if prev not in ("", "hundred", "scale", "and"):
                break
            group += TEENS.get(word) or TENS[word]
            prev = "teen" if word in TEENS else "tens"
        elif word == "hundred":
            if prev == "" and _leading_hundred(toks, j):
                group, prev = 100, "hundred"  # "hundred fifty" is 150 (it gave 50)
                j += 1
                end = j
                continue
            if prev not in ("unit", "teen", "tens", "a") or not 0 < group < 100:
                break
            group *= 100
            prev = "hundred"
        elif word == "dozen":
            if prev not in ("unit", "teen", "tens", "a") or group == 0:
                break
            group *= 12
            prev = "dozen"
        elif word in SCALES:
            scale = SCALES[word]
            if prev not in ("unit", "teen", "tens", "hundred", "a") or scale >= last_scale:
                break
            if group == 0:
                break
            total += group * scale
            group, last_scale, prev = 0, scale, "scale"
        elif word == "and":
            nxt = toks[j + 1].text if j + 1 < n else ""
            if prev in ("hundred", "scale") and (
                (nxt in UNITS and nxt != "zero") or nxt in TEENS or nxt in TENS
            ):
                prev = "and"
                j += 1
                continue
            break
        elif word == "-":
            nxt = toks[j + 1].text if j + 1 < n else ""
            if prev == "tens" and nxt in UNITS and nxt != "zero" and _adjacent(toks, j):
                prev = "hyphen"
                j += 1
                continue
            break
        else:
            break
        j += 1
        end = j
    if end == i:
        return None
    return total + group, end


def _leading_hundred(toks: list[Token], j: int) -> bool:
    """Whether a "hundred" said first starts a number: "hundred fifty", "hundred and five".

    Only with more of the number after it and no number word or digits before it (which
    it would multiply).
    """
    before = toks[j - 1].text if j > 0 else ""
    if is_number_word(before) or is_numeral(before) or before in ("a", "an"):
        return False
    nxt = _text(toks, j + 1)
    nxt = _text(toks, j + 2) if nxt == "and" else nxt
    return nxt in UNITS or nxt in TEENS or nxt in TENS


def _point_digits(toks: list[Token], i: int) -> tuple[str, int] | None:
    """After "point": the digits read one by one ("point one four")."""
    n = len(toks)
    if i >= n or toks[i].text != "point":
        return None
    digits = ""
    j = i + 1
    while j < n:
        word = toks[j].text
        if word in UNITS:
            digits += str(UNITS[word])
        elif word in _ZEROS:
            digits += "0"
        elif is_numeral(word) and not digits:
            digits = word
            j += 1
            break
        else:
            break
        if len(digits) > MAX_FRACTION_DIGITS:
            return None
        j += 1
    return (digits, j) if digits and len(digits) <= MAX_FRACTION_DIGITS else None


def _and_a_fraction(toks: list[Token], value: Decimal, j: int) -> tuple[Decimal, int]:
    """Add "and a half" (2.5) or "and a quarter" (1.25).

    After a scale word the fraction is of the scale: "a dozen and a half" is 18 and "a
    million and a half" 1,500,000 (the first gave 12.5).
    """
    n = len(toks)
    if j + 2 < n and toks[j].text == "and" and toks[j + 1].text in ("a", "an"):
        frac = _FRACTIONS.get(toks[j + 2].text)
        if frac is not None:
            unit = _HALVED.get(toks[j - 1].text, 1) if j > 0 else 1
            return value + frac * unit, j + 3
    if j + 2 < n and [t.text for t in toks[j : j + 3]] == ["and", "three", "quarters"]:
        return value + Decimal("0.75"), j + 3
    return value, j


def _text(toks: list[Token], k: int) -> str:
    return toks[k].text if 0 <= k < len(toks) else ""


_HALVED = {"dozen": 12, "hundred": 100, **SCALES}
"""Scale words a fraction may be of: "half a dozen", "a million and a half"."""


def _scaled(toks: list[Token], value: Decimal, j: int) -> tuple[Number, int]:
    """Apply a trailing scale: "2 million", "1.5 thousand", "5k", "3 hundred"."""
    n = len(toks)
    if j < n:
        word = toks[j].text
        if word in SCALES:
            return tidy(value * SCALES[word]), j + 1
        if word == "k" and _adjacent(toks, j):
            return tidy(value * 1000), j + 1
        if word == "hundred" and 0 < value < 100 and value == value.to_integral_value():
            return tidy(value * 100), j + 1
        if word == "dozen" and value > 0:
            return tidy(value * 12), j + 1  # "2 dozen" is 24 (it gave 2)
    return tidy(value), j


# ---------------------------------------------------------------------- ordinals


def parse_ordinal(toks: list[Token], i: int) -> tuple[int, int] | None:
    """Parse an ordinal at ``i``: "third", "twenty-first", "thirty first", "5th"."""
    n = len(toks)
    if i >= n:
        return None
    word = toks[i].text
    if is_numeral(word):
        if i + 1 < n and toks[i + 1].text in _ORDINAL_SUFFIXES and _adjacent(toks, i + 1):
            return int(word), i + 2
        return None
    if word in ORDINALS:
        return ORDINALS[word], i + 1
    if word in TENS:
        j = i + 1
        if j < n and toks[j].text == "-":
            j += 1
        if j < n and toks[j].text in ORDINALS and ORDINALS[toks[j].text] < 10:
            return TENS[word] + ORDINALS[toks[j].text], j + 1
    return None


def ordinal_suffix(day: int) -> str:
    """Day of month as read back: "1st", "2nd", "3rd", "11th", "22nd"."""
    if 10 <= day % 100 <= 20:
        return f"{day}th"
    return f"{day}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th') }"


# ------------------------------------------------------------------------- years


def parse_year(toks: list[Token], i: int) -> tuple[int, int] | None:
    """Parse a year at ``i``: "2026", "nineteen eighty five", "twenty oh five".

    Only years 1000-2999 are accepted so that a stray "15" never becomes a year.
    """
    n = len(toks)
    if i >= n:
        return None
    word = toks[i].text
    if is_numeral(word):
        if len(word) == 4 and 1000 <= int(word) <= 2999:
            return int(word), i + 1
        return None
    high = TEENS.get(word) or TENS.get(word)
    if high is not None and i + 2 < n and toks[i + 1].text == "-" and toks[i + 2].text in TENS:
        i += 1  # "nineteen-sixty six": speech-to-text hyphenates the two halves
    if high is not None and i + 1 < n:
        nxt = toks[i + 1].text
        if nxt == "hundred":
            return high * 100, i + 2
        if nxt in ("oh", "o", "zero") and i + 2 < n and toks[i + 2].text in UNITS:
            low = UNITS[toks[i + 2].text]
            if low:
                return _year_or_none(high * 100 + low, i + 3)
        if nxt in TEENS:
            return _year_or_none(high * 100 + TEENS[nxt], i + 2)
        if nxt in TENS:
            low, j = TENS[nxt], i + 2
            if j < n and toks[j].text == "-":
                j += 1
            if j < n and toks[j].text in UNITS and toks[j].text != "zero":
                low += UNITS[toks[j].text]
                j += 1
            elif toks[j - 1].text == "-":
                j -= 1
            return _year_or_none(high * 100 + low, j)
    words = _words(toks, i)
    if words is not None and 1000 <= words[0] <= 2999:
        return words
    return None


def _year_or_none(year: int, j: int) -> tuple[int, int] | None:
    """Keep ``(year, j)`` only for plausible years."""
    return (year, j) if 1000 <= year <= 2999 else None


# ------------------------------------------------------------------ digit strings


def digit_runs(toks: list[Token], *, homophones: bool = False) -> list[DigitRun]:
    """Every maximal spoken digit string in ``toks``, left to right.

    Groups may be separated by punctuation, hesitations and "dash"/"hyphen"
    ("five five five, uh, one two oh"). Inside a run "oh"/"o" is zero; "double
    four" is "44"; "forty seven" is "47"; "eight hundred" is "800". With
    ``homophones`` (codes, phones, cards, postcodes), :data:`HOMOPHONES` read
    among single digits are digits ("seven for won to" is "7412"; see
    :func:`digit_run_at`).
    """
    runs: list[DigitRun] = []
    i = 0
    while i < len(toks):
        run = digit_run_at(toks, i, homophones=homophones)
        if run is None:
            i += 1
            continue
        runs.append(run)
        i = run.end
    return runs


def digit_group(toks: list[Token], i: int, before: str = "") -> tuple[str, int] | None:
    """One spoken digit group at ``i`` ("seven", "forty seven", "double oh", "555").

    ``before`` is what was read so far; it decides whether "oh" is a zero and
    whether "hundred" means "00".
    """
    return _digit_item(toks, i, before)


def digit_run_at(toks: list[Token], i: int, *, homophones: bool = False) -> DigitRun | None:
    """The spoken digit string that starts exactly at token ``i``, if any.

    With ``homophones``, "for", "to", "won", "ate" ... count as digits only after a
    digit said on its own (never first, never after "ten" or "forty": "ten to five",
    "table for two" keep their words) and only when another digit follows, or the run
    ends there with at least three digits read ("... two six seven won").
    """
    item = _digit_item(toks, i, "")
    n = len(toks)
    if (
        item is None
        and homophones
        and toks[i].text in _LEADING_HOMOPHONES
        and i + 1 < n
        and (toks[i + 1].text in UNITS or toks[i + 1].text in HOMOPHONES)
        and not (i and toks[i - 1].text in _PRONOUNS)  # "we won two tickets": a verb
    ):
        item = HOMOPHONES[toks[i].text], i + 1
    if item is None:
        return None
    digits, j = item
    single = len(digits) == 1
    end = j
    while j < n:
        k = j
        while k < n and (
            toks[k].text in SEPARATORS or toks[k].text in FILLERS or toks[k].text in _JOINERS
        ):
            k += 1
        nxt = _digit_item(toks, k, digits)
        if nxt is None and homophones and single:
            nxt = _homophone(toks, k, digits)
        if nxt is None:
            break
        digits += nxt[0]
        single = len(nxt[0]) == 1
        j = end = nxt[1]
    return DigitRun(digits, i, end)


def _homophone(toks: list[Token], k: int, before: str) -> tuple[str, int] | None:
    """A digit written as a homophone at ``k`` inside a digit string, if it is one."""
    if k >= len(toks):
        return None
    digit = HOMOPHONES.get(toks[k].text)
    if digit is None:
        return None
    nxt = toks[k + 1].text if k + 1 < len(toks) else ""
    if nxt in HOMOPHONES or (nxt and _starts_digit(nxt) and nxt not in _REPEATS):
        return digit, k + 1
    if (not nxt or nxt in SEPARATORS) and len(before) >= 3:
        return digit, k + 1
    return None


def _digit_item(toks: list[Token], i: int, before: str) -> tuple[str, int] | None:
    """One group of a digit string at ``i``; ``before`` is the run so far."""
    n = len(toks)
    if i >= n:
        return None
    word = toks[i].text
    if is_numeral(word):
        return word, i + 1
    if word in UNITS or word in TEENS or word in TENS:
        whole = _with_thousands(toks, i)
        if whole is not None:
            return whole  # "one thousand two hundred" is 1200 (it gave 1000200)
    if word in UNITS:
        if not before and is_pronoun_one(toks, i):
            return None
        return str(UNITS[word]), i + 1
    if word in _ZEROS:
        # A leading "oh" is only zero when a digit follows straight on ("oh five"),
        # otherwise it is the interjection ("oh, it's ...").
        if before or (i + 1 < n and _starts_digit(toks[i + 1].text)):
            return "0", i + 1
        return None
    if word in _REPEATS and i + 1 < n:
        nxt = toks[i + 1].text
        digit = str(UNITS[nxt]) if nxt in UNITS else "0" if nxt in _ZEROS else None
        if digit is None and is_numeral(nxt) and len(nxt) == 1:
            digit = nxt
        if digit is not None:
            return digit * _REPEATS[word], i + 2
        return None
    if word in TEENS:
        return str(TEENS[word]), i + 1
    if word in TENS:
        tens = TENS[word]
        j = i + 1
        if j < n and toks[j].text == "-":
            j += 1
        if j < n and toks[j].text in UNITS and toks[j].text != "zero":
            return str(tens + UNITS[toks[j].text]), j + 1
        return str(tens), i + 1
    if before and word == "hundred":
        return "00", i + 1
    if before and word == "thousand":
        return "000", i + 1
    return None


def _with_thousands(toks: list[Token], i: int) -> tuple[str, int] | None:
    """A quantity with "thousand" in it said inside a digit string, read as one number."""
    parsed = _words(toks, i)
    if parsed is None or not any(toks[k].text == "thousand" for k in range(i, parsed[1])):
        return None
    if parsed[1] < len(toks) and toks[parsed[1] - 1].text == "thousand":
        return None  # "five thousand" alone: "5000", as the groups give it
    return str(parsed[0]), parsed[1]


def _starts_digit(word: str) -> bool:
    """True for a word that begins a digit group."""
    return (
        is_numeral(word)
        or word in UNITS
        or word in TEENS
        or word in TENS
        or word in _ZEROS
        or word in _REPEATS
    )


def say_digits(digits: str) -> str:
    """Digit words ("4478" -> "four four seven eight") so TTS says each digit."""
    return " ".join(DIGIT_NAMES[int(d)] for d in digits if d.isascii() and d.isdigit())


def parse_decimal(text: str) -> Decimal | None:
    """``Decimal(text)`` or ``None``: for constraint bounds written in flow files."""
    try:
        value = Decimal(text.strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None
