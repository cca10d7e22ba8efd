"""Numbers and sums of money written the caller's way.

The digits keep their value and the locale its separators: "1.200" (de),
"1 200" (fr), "2,50,000" (hi, grouped in lakhs), "12,50" (es). A sum of
money names its currency in words ("12,50 euros", "2,50,000 रुपये"):
speech synthesisers read a currency's name the same way everywhere, while
symbols such as "US$", "$US" or "CA$" are spelled out by some of them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .cldr import number_text, plural
from .words import Words

if TYPE_CHECKING:
    from babel import Locale

__all__ = ["say_amount", "say_number"]

_CENT = Decimal("0.01")
_VOWELS = frozenset("aeiouyéèêàâîôûhAEIOUYÉH")


def _minus(words: Words | None, loc: Locale) -> str:
    if words is not None:
        return words.minus
    from babel.numbers import get_minus_sign_symbol  # lazy: babel only for other languages

    return get_minus_sign_symbol(loc)


def say_number(value: int | Decimal, words: Words | None, loc: Locale) -> str | None:
    """A quantity ("1.234,5"); None when it is not a finite number."""
    if isinstance(value, Decimal) and not value.is_finite():
        return None
    if value < 0:
        sign = _minus(words, loc)
        sep = " " if words is not None else ""
        return f"{sign}{sep}{number_text(-value, loc)}"
    return number_text(value, loc)


def _currency_name(
    code: str, count: Decimal, language: str, words: Words | None, loc: Locale
) -> str:
    """The currency's name for ``count`` of it, as callers of ``language`` say it."""
    form = plural(count, loc)
    names = words.currencies.get(code) if words is not None else None
    if names is None:
        from babel.numbers import get_currency_name  # lazy: as above

        try:
            return str(get_currency_name(code, count=count, locale=loc))
        except Exception:  # an unknown code: babel's lookup fails; the code is still sayable
            return code
    one, many = names
    if form == "one":
        return one
    if form == "many" and language in ("es", "fr"):  # "1.000.000 de euros", "1 000 000 d'euros"
        if language == "fr" and many[:1] in _VOWELS:
            return f"d'{many}"
        return f"de {many}"
    return many


def say_amount(value: Any, language: str, words: Words | None, loc: Locale) -> str | None:
    """A sum of money ("12,50 euros", "2,50,000 रुपये", "12 रुपये 50 पैसे"); None if not one."""
    amount = getattr(value, "value", None)
    code = getattr(value, "currency", None)
    if not isinstance(amount, Decimal) or not isinstance(code, str) or not amount.is_finite():
        return None
    if amount < 0:
        rest = say_amount(type(value)(-amount, code), language, words, loc)
        if rest is None:
            return None
        return f"{_minus(words, loc)}{' ' if words is not None else ''}{rest}"
    whole = int(amount)
    fraction = amount - whole
    minor = words.minor.get(code) if words is not None else None
    in_cents = fraction == fraction.quantize(_CENT)
    if fraction and in_cents and minor is not None:
        cents = int((fraction * 100).to_integral_value())
        said_cents = f"{cents} {minor[0] if plural(cents, loc) == 'one' else minor[1]}"
        if whole == 0:
            return said_cents
        name = _currency_name(code, Decimal(whole), language, words, loc)
        return f"{number_text(whole, loc)} {name} {said_cents}"
    if not fraction:
        shown: int | Decimal = whole
    elif in_cents:
        shown = amount.quantize(_CENT)
    else:
        shown = amount
    return f"{number_text(shown, loc)} {_currency_name(code, amount, language, words, loc)}"
