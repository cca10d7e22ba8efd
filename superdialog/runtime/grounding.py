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
from superdialog.slots.tokens import FILLERS, SEPARATORS, tokenize

__all__ = ["CODE_TYPES", "grounded", "said_codes", "spoken_digits"]

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


_GLUE = FILLERS | SEPARATORS | frozenset({"you", "know", "i", "mean", "like", "sorry", "wait"})
"""Words a caller says inside one code without ending it ("four seven, you know, one one two")."""

_MAX_GLUE = 3
"""Most such words between two parts of one code."""


def said_codes(text: str, language: str = "en") -> list[str]:
    """The digit strings said in ``text``, each one code: parts joined only across hesitations.

    Two numbers with words between them are two codes ("2 kids and my order is
    4 7 1 1": "2" and "4711"): joined, a model's "24711" would have passed for
    digits the caller said. Parts with only a hesitation or a few filler words
    between them ("four seven, you know, one one two") are one.
    """
    codes: list[str] = []
    readings = [text]
    if language in LANGUAGES:
        readings.append(localise(text, language).text)
    for reading in readings:
        toks = tokenize(reading)
        current = ""
        last = -1
        for run in digit_runs(toks, homophones=True):
            gap = toks[last : run.first] if last >= 0 else None
            if (
                gap is not None
                and all(t.text in _GLUE for t in gap)
                and sum(t.text not in SEPARATORS for t in gap) <= _MAX_GLUE
            ):
                current += run.digits
            else:
                if current:
                    codes.append(current)
                current = run.digits
            last = run.end
        if current:
            codes.append(current)
    return codes


def grounded(value: str, said: Iterable[str], language: str = "en") -> bool:
    """Whether the digits of ``value`` (the model's words) were said together in ``said``.

    Together: within one code the caller said (:func:`said_codes`), not across
    two numbers of one sentence. A value with no digits in it is not judged
    here (its type refuses it or not).
    """
    wanted = "".join(ch for ch in value if "0" <= ch <= "9") or max(
        spoken_digits(value, language), key=len
    )
    if not wanted:
        return True
    return any(wanted in code for text in said for code in said_codes(text, language))
