"""A number written the way the caller's country writes it is read back as that number.

"1,200" is twelve hundred in Mexico and one point two in Spain; "1'234.5" is Swiss
German; "1 234,5" French; "1.000" a thousand for an English-speaking caller in Berlin.
For every country CLDR knows for English, Spanish, German, French and Hindi, numbers
and amounts formatted by babel (CLDR) in that locale parse back to the same value
with the call's language and region — never to another value.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from babel import Locale, localedata
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from superdialog.slots import find
from superdialog.slots.base import ExtractContext
from superdialog.slots.notation import notation

LANGUAGES = ("en", "es", "de", "fr", "hi")
LOCALES = sorted(
    loc
    for loc in localedata.locale_identifiers()
    if loc.split("_")[0] in LANGUAGES and len(loc.split("_")) == 2 and loc.split("_")[1].isalpha()
)


def _cldr(locale: str) -> str:
    """The notation CLDR gives ``locale``, in the words of ``superdialog.slots.notation``."""
    loc = Locale.parse(locale)
    symbols = loc.number_symbols["latn"]
    if symbols["decimal"] == ",":
        return "comma"
    if symbols["group"] in ("\u2019", "'"):
        return "apostrophe"
    if loc.decimal_formats[None].grouping == (3, 2):
        return "indian"
    return "point"


@pytest.mark.parametrize("locale", LOCALES)
def test_each_countrys_notation_is_cldrs(locale: str) -> None:
    language, region = locale.split("_")
    assert notation(language, region) == _cldr(locale)


_values = st.one_of(
    st.integers(0, 99_999_999).map(Decimal),
    st.decimals(min_value=0, max_value=9_999_999, places=2, allow_nan=False),
    st.decimals(min_value=0, max_value=999, places=1, allow_nan=False),
)


@pytest.mark.parametrize("locale", LOCALES)
@settings(max_examples=40, deadline=None)
@given(value=_values)
def test_a_number_in_the_callers_notation_reads_back(locale: str, value: Decimal) -> None:
    language, region = locale.split("_")
    written = format_decimal(value, locale=locale, decimal_quantization=False)
    ctx = ExtractContext(now=datetime(2026, 3, 3, 12), region=region, language=language)
    found = find("number", written, ctx)
    assert found is not None, written
    assert Decimal(found.value) == value, (written, found.value)
    assert written[found.start : found.end] == written  # the span is what was written


@pytest.mark.parametrize("locale", [loc for loc in LOCALES if loc.startswith(("en_", "es_"))])
@settings(max_examples=15, deadline=None)
@given(value=st.decimals(min_value=1, max_value=999_999, places=2, allow_nan=False))
def test_an_amount_in_the_callers_notation_reads_back(locale: str, value: Decimal) -> None:
    language, region = locale.split("_")
    written = format_decimal(value, locale=locale, decimal_quantization=False) + " euros"
    ctx = ExtractContext(now=datetime(2026, 3, 3, 12), region=region, language=language)
    found = find("amount", written, ctx)
    assert found is not None, written
    assert found.value.value == value, (written, found.value)
