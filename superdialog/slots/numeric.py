"""The ``number`` slot type: quantities said in words or digits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .base import ExtractContext, Match, SlotType
from .bounds import MAX_QUANTITY_DIGITS
from .numbers import UNITS, digit_run_at, numeral_run, parse_cardinal, parse_decimal, tidy
from .tokens import is_numeral, tokenize

__all__ = ["NumberType", "format_number"]

_NEGATIVE = frozenset({"minus", "negative"})
# After a single digit word, these continue a digit string ("room one oh one").
_DIGIT_WORDS = frozenset(UNITS) | {"oh", "o", "double", "triple"}


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
            parsed = parse_cardinal(toks, i)
            if parsed is None:
                # digits that are no quantity ("1.2.3") are skipped whole, not re-read from
                # inside ("2.3")
                i = numeral_run(toks, i)[1] if is_numeral(toks[i].text) else i + 1
                continue
            value, j = parsed
            word = toks[i].text
            if j == i + 1 and word in UNITS and j < n and toks[j].text in _DIGIT_WORDS:
                run = digit_run_at(toks, i)
                if run is not None:
                    if len(run.digits) > MAX_QUANTITY_DIGITS:
                        i = run.end
                        continue
                    value, j = int(run.digits), run.end
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
