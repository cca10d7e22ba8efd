"""The caller's locale in CLDR terms (through babel), and numbers written its way.

babel is imported on the first read-back in a language other than English:
an English call never loads it (its import and locale data cost a few tens
of milliseconds once per process).
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel import Locale

__all__ = ["babel_locale", "number_text", "plural"]


@lru_cache(maxsize=128)
def babel_locale(language: str, region: str | None = None) -> Locale | None:
    """The CLDR locale for ``language`` in ``region``, or None when CLDR has no such language.

    ``es`` in ``US`` is ``es_US`` (12-hour clock, decimal point, as US Spanish
    speakers write them); ``de`` in ``US`` has no CLDR variant and is ``de``.

    Why the region: a flow's ``locale.region`` says where its callers are,
    and the same language is written differently there (``es_ES`` 19:30,
    ``es_US`` 7:30 p.m.).
    """
    from babel import Locale, localedata  # lazy: babel only for a non-English read-back

    tags = [language]
    if region and region.isascii() and region.isalpha():
        tags.insert(0, f"{language}_{region.upper()}")
    for tag in tags:
        if tag.replace("_", "").isascii() and localedata.exists(tag):
            return Locale.parse(tag)
    return None


def number_text(value: int | Decimal, loc: Locale) -> str:
    """A non-negative number with the locale's grouping and decimal sign, every digit kept.

    "1.234,50" (de), "1 234,5" (fr), "2,50,000" (hi: lakh grouping). A
    ``Decimal`` keeps the digits it was given ("3.50" stays "3,50"): babel's
    own formatting would round to three places or drop trailing zeros.
    """
    from babel.numbers import format_decimal, get_decimal_symbol  # lazy: as above

    if isinstance(value, int):
        return format_decimal(value, locale=loc)
    whole, _, fraction = format(value, "f").partition(".")
    text = format_decimal(int(whole), locale=loc)
    if fraction:
        text += get_decimal_symbol(loc) + fraction
    return text


def plural(value: int | Decimal, loc: Locale) -> str:
    """The CLDR plural category of ``value`` in ``loc``: "one", "many", "other", ..."""
    return str(loc.plural_form(Decimal(value).copy_abs()))
