"""Slot types for codes read out character by character.

``digits`` (PINs, account and order numbers), ``card_number`` (Luhn-checked)
and ``postal_code`` (ZIP codes, UK and Canadian postcodes) all start from the
shared spoken digit-string reader in :mod:`superdialog.slots.numbers`.
"""

from __future__ import annotations

import re
from typing import Any

from .base import ExtractContext, Match, SlotType
from .numbers import DIGIT_NAMES, DigitRun, digit_group, digit_runs, say_digits
from .spelling import fold_spelled
from .tokens import FILLERS, Token, span, tokenize

__all__ = [
    "CardNumberType",
    "DigitsType",
    "PostalCodeType",
    "card_brand",
    "group_digits",
    "luhn_ok",
    "patch_tail",
]


# "one sec", "one moment": "one" before these is not a digit.
_NOT_DIGIT_AFTER = frozenset(
    {"sec", "second", "seconds", "moment", "minute", "min", "mo", "thing", "more", "of", "day"}
)


def _not_a_digit(toks: list[Token], i: int) -> bool:
    """True for a lone spoken "one" that is a word, not a digit ("one sec")."""
    return toks[i].text == "one" and i + 1 < len(toks) and toks[i + 1].text in _NOT_DIGIT_AFTER


def group_digits(digits: str) -> str:
    """Read-back of a digit string in groups: "one two three, four five six seven".

    Groups of three with a last group of four (like phone numbers) give TTS
    natural pauses and the caller chunks to check.
    """
    if len(digits) <= 4:
        return say_digits(digits)
    groups = [digits[k : k + 3] for k in range(0, len(digits), 3)]
    if len(groups[-1]) == 1:
        groups[-2:] = [groups[-2] + groups[-1]]
    return ", ".join(say_digits(g) for g in groups)


def _run_match(toks: list[Token], run: DigitRun, value: str) -> Match:
    """Match covering a digit run."""
    start, end = span(toks, run.first, run.end)
    return Match(value, start, end)


class DigitsType(SlotType):
    """A digit string: "one two three four", "double four seven", "oh five".

    Value: ``str`` of ASCII digits. When several are said, the longest wins
    ("for order two it's 4 5 6 7 8" -> "45678").
    """

    name = "digits"
    needs_before = True  # repaired() compares with the value said before
    description = "a string of digits (PIN, account or order number)"
    length_unit = "digits"

    def scan(self, text: str, ctx: ExtractContext) -> Match | None:
        """The longest spoken digit string; the first one on ties."""
        toks = tokenize(text)
        best: DigitRun | None = None
        for run in digit_runs(toks, homophones=True):
            if run.end == run.first + 1 and _not_a_digit(toks, run.first):
                continue
            if best is None or len(run.digits) > len(best.digits):
                best = run
        return None if best is None else _run_match(toks, best, best.digits)

    def repaired(
        self, before: Match | None, after: Match, text: str, cut: int, ctx: ExtractContext
    ) -> Match | None:
        """A repair to a different length is a partial one we cannot place: no value."""
        if before is not None and len(str(before.value)) != len(str(after.value)):
            return None
        return after

    def spoken(self, value: Any) -> str:
        """Digit words in groups."""
        return group_digits(str(value))


def _card_ok(digits: str) -> bool:
    """13-19 digits, Luhn-valid, at a length the brand issues."""
    return 13 <= len(digits) <= 19 and luhn_ok(digits) and card_brand(digits) is not None


def patch_tail(slot_type: SlotType, said: Match, text: str, resume: int, ok: Any) -> Match | None:
    """``said`` with its last digits replaced by the shorter group said after a repair.

    "four one five, five five five, two six seven one. no sorry, two six seven two": the
    caller repeats only the group they got wrong. The patched number must pass ``ok``
    (the type's own validity test), so a patch that makes no sense gives no value.
    """
    runs = digit_runs(tokenize(text[resume:]), homophones=True)
    if len(runs) != 1:
        return None
    group = runs[0].digits
    value = str(said.value)
    digits = "".join(ch for ch in value if ch.isascii() and ch.isdigit())
    if not 2 <= len(group) < len(digits):
        return None
    patched = digits[: len(digits) - len(group)] + group
    if not ok(patched):
        return None
    return Match(patched, said.start, len(text.rstrip()))


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum every payment card number carries."""
    total = 0
    for k, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if k % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# Card brands by their first digits (IIN ranges) and the lengths each brand issues. A
# misheard or dropped digit can still pass Luhn (one in ten does), but rarely at a length
# the brand uses, so a number must fit a brand; numbers of no known brand are refused.
_BRANDS: tuple[tuple[str, tuple[tuple[int, int], ...], frozenset[int]], ...] = (
    ("amex", ((34, 34), (37, 37)), frozenset({15})),
    ("visa", ((4, 4),), frozenset({13, 16, 19})),
    ("mastercard", ((51, 55), (2221, 2720)), frozenset({16})),
    ("discover", ((6011, 6011), (644, 649), (65, 65)), frozenset({16, 17, 18, 19})),
    ("diners", ((300, 305), (36, 36), (38, 39)), frozenset({14, 15, 16, 17, 18, 19})),
    ("jcb", ((3528, 3589),), frozenset({16, 17, 18, 19})),
    ("unionpay", ((62, 62),), frozenset({16, 17, 18, 19})),
    ("maestro", ((50, 50), (56, 58), (60, 60), (63, 63), (67, 69)),
     frozenset({12, 13, 14, 15, 16, 17, 18, 19})),
)  # fmt: skip


def card_brand(digits: str) -> str | None:
    """The brand whose IIN range ``digits`` starts in *and* whose lengths fit, or ``None``."""
    for brand, ranges, lengths in _BRANDS:
        if len(digits) not in lengths:
            continue
        for low, high in ranges:
            size = len(str(low))
            if len(digits) >= size and low <= int(digits[:size]) <= high:
                return brand
    return None


class CardNumberType(SlotType):
    """A payment card number: 13-19 digits that pass the Luhn check.

    A digit slip (the common STT error) fails Luhn, so the caller is asked
    again instead of the payment failing later. Read back as the last four
    only: a full card number must not be spoken or logged.
    """

    name = "card_number"
    description = "a payment card number (13-19 digits, Luhn-valid)"
    length_unit = "digits"
    pattern_reason = "that card number doesn't look right"

    def scan(self, text: str, ctx: ExtractContext) -> Match | None:
        """First digit string of 13-19 digits with a valid checksum and a brand's length."""
        toks = tokenize(text)
        for run in digit_runs(toks, homophones=True):
            if _card_ok(run.digits):
                return _run_match(toks, run, run.digits)
        return None

    def patched(
        self, said: Match, text: str, cut: int, resume: int, ctx: ExtractContext
    ) -> Match | None:
        """A repeated last group ("... four two four one, sorry, four two four two") replaces it."""
        return patch_tail(self, said, text, resume, _card_ok)

    def spoken(self, value: Any) -> str:
        """Only the last four: "card ending in four two four two"."""
        digits = str(value)
        return f"card ending in {say_digits(digits[-4:])}"


# Postcode shapes for regions that mix letters and digits; the space goes between the groups.
_ALNUM_POSTCODES: dict[str, re.Pattern[str]] = {
    "GB": re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})"),
    "CA": re.compile(r"([A-Z][0-9][A-Z])([0-9][A-Z][0-9])"),
    "NL": re.compile(r"([0-9]{4})([A-Z]{2})"),
}
for _alias, _real in (("UK", "GB"), ("GG", "GB"), ("JE", "GB"), ("IM", "GB")):
    _ALNUM_POSTCODES[_alias] = _ALNUM_POSTCODES[_real]

# Digit-only postcodes: allowed lengths per region; unknown regions take 4-6.
_ZIP_REGIONS = frozenset({"US", "PR", "VI", "GU", "AS", "MP"})
_DIGIT_POSTCODES: dict[str, tuple[int, ...]] = {
    "DE": (5,), "FR": (5,), "ES": (5,), "IT": (5,), "MX": (5,), "FI": (5,), "SE": (5,),
    "AU": (4,), "NZ": (4,), "AT": (4,), "CH": (4,), "BE": (4,), "DK": (4,), "NO": (4,),
    "IN": (6,), "SG": (6,), "CN": (6,), "RU": (6,), "BR": (8,), "JP": (7,), "PL": (5,),
}  # fmt: skip

_NATO = {
    "alpha": "A", "alfa": "A", "bravo": "B", "charlie": "C", "delta": "D", "echo": "E",
    "foxtrot": "F", "golf": "G", "hotel": "H", "india": "I", "juliet": "J", "juliett": "J",
    "kilo": "K", "lima": "L", "mike": "M", "november": "N", "oscar": "O", "papa": "P",
    "quebec": "Q", "romeo": "R", "sierra": "S", "tango": "T", "uniform": "U", "victor": "V",
    "whiskey": "W", "whisky": "W", "xray": "X", "yankee": "Y", "zulu": "Z",
}  # fmt: skip
# Two-letter words that are never postcode letters ("my postcode is ...").
_NOT_LETTERS = frozenset(
    {"is", "it", "my", "at", "in", "on", "to", "of", "an", "am", "as", "be", "by", "do",
     "go", "he", "if", "me", "no", "or", "so", "up", "us", "we", "ok", "hi", "ya"}
)  # fmt: skip
_SPACERS = frozenset({",", "-", ".", "/"}) | FILLERS


def _text_is_letter(toks: list[Token], i: int) -> bool:
    """True when token ``i`` is a single letter ("double a")."""
    return i < len(toks) and len(toks[i].text) == 1 and toks[i].text.isalpha()


def _alnum_segments(toks: list[Token]) -> list[tuple[str, list[int]]]:
    """Runs of tokens that can spell a postcode, as upper-case characters.

    Returns ``(chars, token_index_per_char)`` per run so a match can be
    mapped back to a span.
    """
    segments: list[tuple[str, list[int]]] = []
    chars: list[str] = []
    owners: list[int] = []
    repeat = 1

    def close() -> None:
        if chars:
            segments.append(("".join(chars), list(owners)))
        chars.clear()
        owners.clear()

    i = 0
    while i < len(toks):
        word = toks[i].text
        piece: str | None = None
        j = i + 1
        if word in _NATO:
            piece = _NATO[word]
        elif word in ("double", "triple") and _text_is_letter(toks, i + 1):
            repeat = 2 if word == "double" else 3
            i += 1
            continue
        elif word in _SPACERS:
            i += 1
            continue
        else:
            group = digit_group(toks, i, "0")
            if group is not None and word not in ("hundred", "thousand"):
                piece, j = group
            elif word.isascii() and word.isalpha() and len(word) <= 2 and word not in _NOT_LETTERS:
                piece = word.upper()
        if piece is None:
            close()
            repeat = 1
            i += 1
            continue
        if repeat > 1 and len(piece) == 1:
            piece *= repeat
        repeat = 1
        chars.append(piece)
        owners.extend([i] * (len(piece) - 1) + [j - 1])
        i = j
    close()
    return segments


class PostalCodeType(SlotType):
    """A postal code for the caller's region.

    US: 5-digit ZIP or ZIP+4 ("90210", "nine oh two one oh", "90210-1234").
    GB: postcodes ("SW1A 1AA", "s w one a one a a"); CA: "K1A 0B1"; NL:
    "1234 AB"; other regions: their digit length (4-6 when unknown).
    Value: ``str`` in the region's written form.
    """

    name = "postal_code"
    description = "a postal code (US ZIP, UK/CA postcode, ...) for the region"

    def scan(self, text: str, ctx: ExtractContext) -> Match | None:
        """First postcode of the region's shape."""
        region = ctx.region.upper()
        toks = tokenize(text)
        shape = _ALNUM_POSTCODES.get(region)
        if shape is not None:
            return self._alnum(fold_spelled(toks), shape)
        if region in _ZIP_REGIONS:
            lengths: tuple[int, ...] = (5, 9)
        else:
            lengths = _DIGIT_POSTCODES.get(region, (4, 5, 6))
        for run in digit_runs(toks, homophones=True):
            if len(run.digits) in lengths:
                digits = run.digits
                value = (
                    f"{digits[:5]}-{digits[5:]}"
                    if region in _ZIP_REGIONS and len(digits) == 9
                    else digits
                )
                return _run_match(toks, run, value)
        return None

    def _alnum(self, toks: list[Token], pattern: re.Pattern[str]) -> Match | None:
        """Search each letter/digit segment, preferring a match that ends it."""
        for chars, owners in _alnum_segments(toks):
            found = None
            for start in range(len(chars)):
                m = pattern.fullmatch(chars, start)
                if m is not None:
                    found = m
                    break
            if found is None:
                found = pattern.search(chars)
            if found is None:
                continue
            value = f"{found.group(1)} {found.group(2)}"
            first, last = owners[found.start()], owners[found.end() - 1]
            return Match(value, toks[first].start, toks[last].end)
        return None

    def spoken(self, value: Any) -> str:
        """Characters one by one: "S W one A, one A A"; "nine zero two one zero"."""
        parts = []
        for group in re.split(r"[\s-]+", str(value).strip()):
            parts.append(
                " ".join(
                    DIGIT_NAMES[int(ch)] if ch.isascii() and ch.isdigit() else ch.upper()
                    for ch in group
                )
            )
        return ", ".join(p for p in parts if p)

    def pattern_text(self, value: Any) -> str:
        """Patterns see the code as written ("SW1A 1AA", "90210-1234")."""
        return str(value)
