"""A code the model fills must be digits the caller said.

A model asked for an order number, a phone or a card number may drop, swap or
invent a digit; a slot filled with it is a wrong value, worse than none. The
model only sees the conversation window, so every digit it can honestly give
was said by the caller there. :func:`grounded` checks it: the digits of the
model's value must appear, in order and together, in what the caller said in
the window, read as the slot parsers read spoken digits ("oh" is zero, "double
five" is 55, "forty seven" is 47, number words of the call's language).

Other types are left to their validators: a model may rightly infer a number
("me and my wife": 2) or a date ("the day after tomorrow") from words that hold
none of its digits.
"""

from __future__ import annotations

from collections.abc import Iterable

from superdialog.slots.lang import LANGUAGES, localise
from superdialog.slots.numbers import digit_runs
from superdialog.slots.tokens import tokenize

__all__ = ["CODE_TYPES", "grounded", "spoken_digits"]

CODE_TYPES = frozenset({"digits", "phone", "card_number"})
"""Slot types whose value is a string of digits read out one by one."""


def spoken_digits(text: str, language: str = "en") -> list[str]:
    """The digits said in ``text``, one string per reading (English, and ``language``'s words)."""
    readings = [text]
    if language in LANGUAGES:
        readings.append(localise(text, language).text)
    return [
        "".join(run.digits for run in digit_runs(tokenize(t), homophones=True)) for t in readings
    ]


def grounded(value: str, said: Iterable[str], language: str = "en") -> bool:
    """Whether the digits of ``value`` (the model's words) were said together in ``said``.

    A value with no digits in it is not judged here (its type refuses it or not).
    """
    wanted = "".join(ch for ch in value if "0" <= ch <= "9") or max(
        spoken_digits(value, language), key=len
    )
    if not wanted:
        return True
    return any(wanted in heard for text in said for heard in spoken_digits(text, language))
