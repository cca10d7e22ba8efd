"""How a caller's country writes a number: which sign is the decimal one, which groups.

An ASR engine or a caller typing writes "1.234,5" in Germany, "1 234,5" in France,
"1'234.5" in Switzerland, "12,34,567" in India and "1,234.5" in the US, whatever
language the call is in: "1.000" is a thousand for an English-speaking caller in
Berlin and one for one in Boston. Read with the wrong notation the number is another
number, so each slot read knows the country's. The tables are CLDR's (checked against
babel's data in tests/languages/test_number_regions.py); only the countries that
differ from their language's usual notation are listed.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["Notation", "notation"]

Notation = Literal["point", "comma", "apostrophe", "indian"]
"""``point``: 1,234.5; ``comma``: 1.234,5 or 1 234,5; ``apostrophe``: 1'234.5; ``indian``:
12,34,567.5."""

_LANGUAGE: dict[str, Notation] = {"es": "comma", "de": "comma", "fr": "comma", "hi": "indian"}

_EN_COMMA = (
    "AT", "BE", "CZ", "DE", "DK", "ES", "FI", "FR", "HU", "ID", "IT", "NL", "NO", "PL", "PT",
    "RO", "SE", "SI", "SK", "ZA",
)  # fmt: skip
_ES_POINT = ("BR", "BZ", "CU", "DO", "GT", "HN", "MX", "NI", "PA", "PE", "PR", "SV", "US")

_REGIONS: dict[str, dict[str, Notation]] = {
    "en": {**dict.fromkeys(_EN_COMMA, "comma"), "CH": "apostrophe", "IN": "indian"},
    "es": dict.fromkeys(_ES_POINT, "point"),
    "de": {"CH": "apostrophe", "LI": "apostrophe"},
}


def notation(language: str, region: str) -> Notation:
    """How numbers are written by ``language`` speakers in ``region`` (ISO 3166 code)."""
    regions = _REGIONS.get(language)
    if regions is not None:
        found = regions.get(region.upper())
        if found is not None:
            return found
    return _LANGUAGE.get(language, "point")
