"""Digit strings, phone numbers, postcodes, emails and card numbers, said in a language.

Each digit is a word of the caller's language ("cinco cinco cinco", "fünf
fünf fünf"), in the groups a caller checks against; a phone number is
grouped the way its country writes it (phonenumbers), and French numbers
are read two digits at a time ("zéro six, douze, trente-quatre"), as the
French say them.
"""

from __future__ import annotations

import re

from .words import Words, french_number

__all__ = ["say_card", "say_digit_groups", "say_digits", "say_email", "say_phone", "say_postcode"]

_GROUPS = re.compile(r"[0-9]+")


def say_digits(digits: str, words: Words | None) -> str:
    """Each ASCII digit as a word; as numerals ("5 5 5") in a language without a table."""
    chosen = [d for d in digits if d.isascii() and d.isdigit()]
    if words is None:
        return " ".join(chosen)
    return " ".join(words.digits[int(d)] for d in chosen)


def say_digit_groups(digits: str, words: Words | None) -> str:
    """Groups of three with a last group of up to four, as the English read-back groups them."""
    if len(digits) <= 4:
        return say_digits(digits, words)
    groups = [digits[k : k + 3] for k in range(0, len(digits), 3)]
    if len(groups[-1]) == 1:
        groups[-2:] = [groups[-2] + groups[-1]]
    return ", ".join(say_digits(g, words) for g in groups)


def _french_group(group: str) -> str:
    """A French pair as a number ("06" zéro six, "12" douze); longer groups digit by digit.

    French numbers are written in pairs ("06 12 34 56 78") and read that way;
    the longer groups of other countries' numbers are read digit by digit.
    """
    if len(group) != 2:
        return " ".join(french_number(int(d)) for d in group)
    if group[0] == "0":
        return f"zéro {french_number(int(group[1]))}"
    return french_number(int(group))


def _say_group(group: str, language: str, words: Words | None) -> str:
    if language == "fr":
        return _french_group(group)
    return say_digits(group, words)


def _plus(said: str, words: Words | None) -> str:
    """The "+" of a country code: a word, or the sign itself before numerals."""
    return f"{words.plus} {said}" if words is not None else f"+{said}"


def say_phone(value: str, language: str, words: Words | None, region: str | None) -> str:
    """A phone number in its country's groups; the country code only when it is not home.

    ``region`` is where the flow's callers are (its ``locale.region``): a
    number of that country is read as it is dialled there ("06 12 34 56
    78"), any other with "plus" and its country code.
    """
    text = str(value)
    digits = "".join(ch for ch in text if ch.isascii() and ch.isdigit())
    if not digits:
        return text
    if not text.startswith("+"):
        return say_digit_groups(digits, words)
    import phonenumbers as pn  # lazy: phone metadata only when a phone number is read back

    try:
        number = pn.parse(text, None)
    except pn.NumberParseException:
        return _plus(say_digit_groups(digits, words), words)
    home = bool(region) and pn.country_code_for_region(str(region).upper()) == number.country_code
    if home:
        formatted = pn.format_number(number, pn.PhoneNumberFormat.NATIONAL)
        groups = _GROUPS.findall(formatted)
        return ", ".join(_say_group(g, language, words) for g in groups)
    formatted = pn.format_number(number, pn.PhoneNumberFormat.INTERNATIONAL)
    groups = _GROUPS.findall(formatted)
    if not groups:
        return _plus(say_digit_groups(digits, words), words)
    code, rest = groups[0], groups[1:]
    if language == "fr" and len(code) <= 2:
        said_code = french_number(int(code))
    else:
        said_code = say_digits(code, words)
    return ", ".join([_plus(said_code, words), *(_say_group(g, language, words) for g in rest)])


def say_postcode(value: str, words: Words | None) -> str:
    """Characters one by one, digits as words, letters as capitals: "S W uno A, uno A A"."""
    parts = []
    for group in re.split(r"[\s-]+", str(value).strip()):
        said = [
            say_digits(ch, words) if ch.isascii() and ch.isdigit() else ch.upper() for ch in group
        ]
        parts.append(" ".join(said))
    return ", ".join(p for p in parts if p)


def say_email(value: str, words: Words) -> str:
    """The part before "@" spelled, the domain said: "j o h n punto s arroba gmail punto com"."""
    text = str(value)
    local, at, domain = text.partition("@")
    symbols = words.symbols
    spelled = " ".join(
        symbols.get(ch) or (say_digits(ch, words) if ch.isascii() and ch.isdigit() else ch)
        for ch in local
    )
    if not at:
        return spelled
    dot = f" {symbols['.']} "
    return f"{spelled} {symbols['@']} {dot.join(domain.split('.'))}"


def say_card(value: str, words: Words) -> str:
    """Only the last four digits, in the language's words for "card ending in"."""
    digits = "".join(ch for ch in str(value) if ch.isascii() and ch.isdigit())
    return words.card.format(say_digits(digits[-4:], words))
