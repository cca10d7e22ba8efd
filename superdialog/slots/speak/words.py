"""The words a read-back needs in es, de, fr and hi, where no library has them.

CLDR (through babel) knows month and weekday names, number separators and
currency names; it does not know how a caller hears a digit string, a
yes, an email's "@" or "ending in". Those are here, one table per language,
written the way a speech synthesiser reads them aloud.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["WORDS", "Words", "french_number", "words_for"]


@dataclass(frozen=True, slots=True)
class Words:
    """One language's words for read-backs.

    Attributes:
        digits: The digits 0-9 as words ("cero" ... "nueve").
        yes: Read-back of ``True``.
        no: Read-back of ``False``.
        minus: Said before a negative number or amount.
        plus: Said for the "+" before a country code.
        card: A card number's read-back; ``{}`` is its last four digits as words.
        ending: A masked value's read-back; ``{}`` is the kept characters.
        unknown: A masked value with nothing that may be said ("the one you gave me").
        symbols: How the characters of an email address are said.
        currencies: ISO code -> (singular, plural) as callers say them.
        minor: ISO code -> (singular, plural) of the minor unit, for languages
            that say "12 rupees 50 paise" rather than a decimal.

    """

    digits: tuple[str, ...]
    yes: str
    no: str
    minus: str
    plus: str
    card: str
    ending: str
    unknown: str
    symbols: dict[str, str]
    currencies: dict[str, tuple[str, str]]
    minor: dict[str, tuple[str, str]]


WORDS: dict[str, Words] = {
    "es": Words(
        digits=("cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho",
                "nueve"),
        yes="sí",
        no="no",
        minus="menos",
        plus="más",
        card="tarjeta terminada en {}",
        ending="terminado en {}",
        unknown="lo que me indicó",
        symbols={".": "punto", "_": "guion bajo", "-": "guion", "+": "más", "@": "arroba"},
        currencies={
            "EUR": ("euro", "euros"), "USD": ("dólar", "dólares"), "GBP": ("libra", "libras"),
            "INR": ("rupia", "rupias"), "MXN": ("peso", "pesos"), "CHF": ("franco", "francos"),
        },
        minor={},
    ),
    "de": Words(
        digits=("null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht",
                "neun"),
        yes="ja",
        no="nein",
        minus="minus",
        plus="plus",
        card="Karte mit den Endziffern {}",
        ending="endend auf {}",
        unknown="das, was Sie mir genannt haben",
        symbols={".": "Punkt", "_": "Unterstrich", "-": "Bindestrich", "+": "Plus", "@": "ät"},
        currencies={
            "EUR": ("Euro", "Euro"), "USD": ("Dollar", "Dollar"), "GBP": ("Pfund", "Pfund"),
            "INR": ("Rupie", "Rupien"), "CHF": ("Franken", "Franken"),
        },
        minor={},
    ),
    "fr": Words(
        digits=("zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"),
        yes="oui",
        no="non",
        minus="moins",
        plus="plus",
        card="carte se terminant par {}",
        ending="se terminant par {}",
        unknown="ce que vous m'avez indiqué",
        symbols={".": "point", "_": "tiret bas", "-": "tiret", "+": "plus", "@": "arobase"},
        currencies={
            "EUR": ("euro", "euros"), "USD": ("dollar", "dollars"), "GBP": ("livre", "livres"),
            "INR": ("roupie", "roupies"), "CHF": ("franc", "francs"),
            "CAD": ("dollar canadien", "dollars canadiens"),
        },
        minor={},
    ),
    "hi": Words(
        digits=("शून्य", "एक", "दो", "तीन", "चार", "पाँच", "छह", "सात", "आठ", "नौ"),
        yes="हाँ",
        no="नहीं",
        minus="माइनस",
        plus="प्लस",
        card="कार्ड जिसके आख़िरी अंक {} हैं",
        ending="जिसके आख़िरी अंक {} हैं",
        unknown="आपका बताया हुआ",
        symbols={".": "डॉट", "_": "अंडरस्कोर", "-": "डैश", "+": "प्लस", "@": "एट द रेट"},
        currencies={
            "INR": ("रुपया", "रुपये"), "USD": ("डॉलर", "डॉलर"), "EUR": ("यूरो", "यूरो"),
            "GBP": ("पाउंड", "पाउंड"), "AED": ("दिरहम", "दिरहम"),
        },
        minor={"INR": ("पैसा", "पैसे"), "USD": ("सेंट", "सेंट"), "EUR": ("सेंट", "सेंट"),
               "GBP": ("पेंस", "पेंस")},
    ),
}  # fmt: skip
"""Read-back words by language code."""


def words_for(language: str) -> Words | None:
    """The read-back words of ``language``, or None when there are none (English, others)."""
    return WORDS.get(language)


_FR_UNITS = (
    "zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix",
    "onze", "douze", "treize", "quatorze", "quinze", "seize", "dix-sept", "dix-huit", "dix-neuf",
)  # fmt: skip
_FR_TENS = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante", 6: "soixante"}


def french_number(n: int) -> str:
    """0-99 in French words, as a French phone number is read two digits at a time.

    "vingt et un", "soixante et onze", "quatre-vingts", "quatre-vingt-dix-sept".
    """
    if not 0 <= n <= 99:
        raise ValueError(f"french_number takes 0-99, not {n}")
    if n < 20:
        return _FR_UNITS[n]
    tens, unit = divmod(n, 10)
    if tens in (7, 9):  # soixante-dix..., quatre-vingt-dix...: 60/80 plus 10-19
        base = "soixante" if tens == 7 else "quatre-vingt"
        rest = 10 + unit
        if tens == 7 and unit == 1:
            return "soixante et onze"
        return f"{base}-{_FR_UNITS[rest]}"
    if tens == 8:
        return "quatre-vingts" if unit == 0 else f"quatre-vingt-{_FR_UNITS[unit]}"
    word = _FR_TENS[tens]
    if unit == 0:
        return word
    if unit == 1:
        return f"{word} et un"
    return f"{word}-{_FR_UNITS[unit]}"
