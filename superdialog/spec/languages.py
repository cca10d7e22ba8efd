"""Language codes a flow and a call speak, and how hosts' codes map onto them.

A flow declares ``languages: [en, es, ...]``; the first is its default. Hosts
pass whatever their speech recogniser reports ('es-ES', 'en_US', 'Hindi'…):
``normalise_language`` turns that into the flow's two- or three-letter code,
so a call can follow the caller without every host agreeing on a format.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field

__all__ = ["LANGUAGE_NAMES", "LangCode", "language_name", "normalise_language"]

LangCode = Annotated[str, Field(pattern=r"^[a-z]{2,3}$")]
"""An ISO 639 language code in lower case (``en``, ``es``, ``de``, ``fr``, ``hi``)."""

LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "es": "Spanish",
    "de": "German",
    "fr": "French",
    "hi": "Hindi",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
}
"""English names of common languages (what the model is told to answer in)."""

# Names some recognisers report instead of codes ("Spanish", "hindi").
_BY_NAME = {name.lower(): code for code, name in LANGUAGE_NAMES.items()}
_CODE = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*$")


def normalise_language(value: str | None) -> str | None:
    """The bare language code of a host's language tag, or None when it names none.

    'es-ES', 'es_MX', 'ES' → 'es'; 'Spanish' → 'es'; '', 'x' or None → None.
    Only the primary subtag counts: a flow's translations are per language,
    not per region (the region is the locale's business).
    """
    if not value:
        return None
    text = value.strip()
    named = _BY_NAME.get(text.lower())
    if named is not None:
        return named
    found = _CODE.match(text)
    return found.group(1).lower() if found else None


def language_name(code: str) -> str:
    """The English name of ``code`` ('es' → 'Spanish'), or the code when unknown."""
    return LANGUAGE_NAMES.get(code, code)
