"""Read-backs in the caller's language: slot values said the way a caller expects to hear them.

``superdialog.slots.spoken`` reads values back in English ("Tuesday, March
3rd, 2026", "7:30 PM", "12 dollars and 50 cents"). A call in Spanish,
German, French or Hindi reads them back in that language, in its locale's
forms::

    >>> from datetime import date
    >>> from superdialog.slots.speak import spoken
    >>> spoken(date(2026, 3, 3), "date", language="es")
    'martes, 3 de marzo de 2026'
    >>> spoken(250000, "number", language="hi")
    '2,50,000'

Dates, numbers and currency names come from CLDR through babel, imported
on the first read-back in a language other than English; digits, yes/no,
email symbols and the masked "ending in" are word lists of our own
(``words``). English goes through ``superdialog.slots.spoken`` unchanged,
and a language without word lists (a flow may declare any) gets CLDR's
dates and numbers and numerals for digit strings.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from superdialog.slots import _guess_type, get_type
from superdialog.slots import spoken as english

from .calendar import say_date, say_datetime, say_time
from .cldr import babel_locale
from .codes import say_card, say_digit_groups, say_email, say_phone, say_postcode
from .quantities import say_amount, say_number
from .words import WORDS, words_for

__all__ = ["LANGUAGES", "masked", "spoken"]

LANGUAGES = frozenset({"en", *WORDS})
"""Languages whose read-backs are written word for word (others: CLDR's forms where it has them)."""

_ENDING_EN = "ending in {}"
_UNKNOWN_EN = "the one you gave me"


def _code(language: str | None) -> str:
    """The language code of a tag: "es-ES", "es_MX" and "ES" are "es".

    The call normalises its language already; direct callers may not.
    """
    if not language:
        return "en"
    return language.replace("_", "-").split("-", 1)[0].strip().lower() or "en"


def spoken(
    value: Any, type_name: str | None = None, *, language: str = "en", region: str | None = None
) -> str:
    """How ``value`` is read back to a caller speaking ``language``.

    Args:
        value: A slot value (as its type parses it).
        type_name: The slot type; guessed from the value when None, as
            ``superdialog.slots.spoken`` does.
        language: The caller's language ("es", "de-DE"); "en" gives
            exactly ``superdialog.slots.spoken``'s text.
        region: Where the callers are (ISO 3166, a flow's ``locale.region``):
            picks the locale's variant ("es" in "US" writes "7:30 p.m.") and
            which phone numbers are read without their country code.

    Never raises because of ``value``: what cannot be formatted in the
    language is read back as in English. An unknown ``type_name`` raises
    ``SlotTypeError`` (a flow mistake), as in English.

    """
    code = _code(language)
    if value is None:
        return ""
    name = type_name or _guess_type(value)
    if name is not None:
        get_type(name)  # an unknown type name is a flow mistake: raise, as in English
    if code == "en" or name is None:
        return english(value, type_name)
    try:
        said = _localised(value, name, code, region)
    except Exception:  # never fail a call over a read-back: English is still understood
        said = None
    return english(value, name) if said is None else said


def masked(kept: str, language: str = "en") -> str:
    """What a caller hears of a private value: the characters that may be said, or nothing.

    ``kept`` are the last digits a ``last4``/``last2`` mask keeps ("4242"),
    said one by one ("ending in 4 2 4 2", "terminado en 4 2 4 2"); empty
    gives "the one you gave me" in the language.
    """
    words = words_for(_code(language))
    if not kept:
        return words.unknown if words is not None else _UNKNOWN_EN
    spaced = " ".join(kept)
    return (words.ending if words is not None else _ENDING_EN).format(spaced)


def _localised(value: Any, name: str, language: str, region: str | None) -> str | None:
    """The read-back in ``language``, or None where English must do (type, value, no locale)."""
    words = words_for(language)
    if name == "yes_no":
        if words is None or not isinstance(value, bool):
            return None
        return words.yes if value else words.no
    if name in ("digits", "phone", "postal_code"):
        if name == "phone":
            return say_phone(str(value), language, words, region)
        if name == "postal_code":
            return say_postcode(str(value), words)
        return say_digit_groups(str(value), words)
    if name in ("email", "card_number"):
        return (
            None
            if words is None
            else (say_email if name == "email" else say_card)(str(value), words)
        )
    if name not in ("number", "amount", "date", "time", "datetime"):
        return None  # enum, name, text, custom types: the value as the type says it
    loc = babel_locale(language, region)
    if loc is None:
        return None
    if name == "number":
        if isinstance(value, float) and not isinstance(value, bool):
            value = Decimal(repr(value))
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            return None
        return say_number(value, words, loc)
    if name == "amount":
        return say_amount(value, language, words, loc)
    if name == "datetime":
        return say_datetime(value, language, loc) if isinstance(value, datetime) else None
    if name == "date":
        if isinstance(value, datetime):
            value = value.date()
        return say_date(value, language, loc) if isinstance(value, date) else None
    if isinstance(value, datetime):
        value = value.timetz()
    return say_time(value, language, loc) if isinstance(value, time) else None
