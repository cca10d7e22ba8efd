"""The ``amount`` slot type: sums of money with their currency.

Currency comes from what was said ("$", "euros", "quid", "CAD") and, when
only a number was said, from the caller's region, so "about forty" in a
British call is 40 GBP. "dollars" and "$" follow the region too (a Canadian
saying "twenty bucks" means CAD).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .base import ExtractContext, Match, SlotType
from .numbers import (
    INDIAN_SCALES,
    NOT_EXACT_AFTER,
    TEENS,
    TENS,
    UNITS,
    numeral_run,
    parse_cardinal,
    parse_decimal,
)
from .numeric import format_number
from .tokens import Token, tokenize

__all__ = ["Amount", "AmountType", "region_currency"]

_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Amount:
    """A sum of money: ``value`` in ``currency`` (ISO 4217 code, e.g. "USD")."""

    value: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.value} {self.currency}"


_REGION_CURRENCY = {
    "US": "USD", "PR": "USD", "EC": "USD", "SV": "USD", "CA": "CAD", "GB": "GBP", "UK": "GBP",
    "IE": "EUR", "FR": "EUR", "DE": "EUR", "ES": "EUR", "IT": "EUR", "NL": "EUR", "BE": "EUR",
    "AT": "EUR", "PT": "EUR", "FI": "EUR", "GR": "EUR", "LU": "EUR", "SK": "EUR", "SI": "EUR",
    "EE": "EUR", "LV": "EUR", "LT": "EUR", "MT": "EUR", "CY": "EUR", "HR": "EUR",
    "AU": "AUD", "NZ": "NZD", "IN": "INR", "JP": "JPY", "CH": "CHF", "MX": "MXN", "SG": "SGD",
    "HK": "HKD", "ZA": "ZAR", "BR": "BRL", "SE": "SEK", "NO": "NOK", "DK": "DKK", "PL": "PLN",
    "CN": "CNY", "KR": "KRW", "AE": "AED", "PH": "PHP", "NG": "NGN", "KE": "KES",
}  # fmt: skip
# Currencies that callers call "dollars" (or write "$") at home.
_DOLLARS = frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD"})
_DOLLAR_SIGN = _DOLLARS | {"MXN"}

# "$" and "dollars" mean the region's dollar; resolved per call.
_REGION_DOLLAR = "$"
_SYMBOLS = {"$": _REGION_DOLLAR, "£": "GBP", "€": "EUR", "¥": "JPY", "₹": "INR", "₩": "KRW",
            "₱": "PHP", "₦": "NGN"}  # fmt: skip
_WORDS = {
    "dollar": _REGION_DOLLAR, "dollars": _REGION_DOLLAR, "buck": _REGION_DOLLAR,
    "bucks": _REGION_DOLLAR, "euro": "EUR", "euros": "EUR", "pound": "GBP", "pounds": "GBP",
    "quid": "GBP", "sterling": "GBP", "yen": "JPY", "rupee": "INR", "rupees": "INR",
    "peso": "MXN", "pesos": "MXN", "franc": "CHF", "francs": "CHF", "rand": "ZAR",
    "yuan": "CNY", "renminbi": "CNY", "won": "KRW", "dirham": "AED", "dirhams": "AED",
    "grand": _REGION_DOLLAR,
}  # fmt: skip
_CODES = frozenset(
    {"usd", "eur", "gbp", "cad", "aud", "nzd", "jpy", "inr", "chf", "mxn", "sgd", "hkd", "cny",
     "zar", "brl", "sek", "nok", "dkk", "pln", "krw", "aed", "php", "ngn", "kes"}
)  # fmt: skip
_QUALIFIED = {
    ("us", "dollar"): "USD", ("american", "dollar"): "USD", ("canadian", "dollar"): "CAD",
    ("australian", "dollar"): "AUD", ("aussie", "dollar"): "AUD", ("zealand", "dollar"): "NZD",
    ("kong", "dollar"): "HKD", ("singapore", "dollar"): "SGD", ("mexican", "peso"): "MXN",
    ("philippine", "peso"): "PHP", ("british", "pound"): "GBP", ("swiss", "franc"): "CHF",
    ("indian", "rupee"): "INR", ("japanese", "yen"): "JPY",
}  # fmt: skip
# Notes by their nickname: "a tenner" is ten of the caller's own currency.
_NOTES = {"tenner": 10, "fiver": 5}
# Regions where lakh and crore count money; elsewhere an amount in lakh without a
# currency is not something we can name the currency of.
_LAKH_REGIONS = frozenset({"IN", "PK", "BD", "NP", "LK"})
_MINOR = {"cent": None, "cents": None, "penny": "GBP", "pence": "GBP", "p": "GBP"}

# A currency said in the singular, with no number before it: "buck fifty" is 1.50.
_ONE_UNIT = frozenset({"buck", "dollar", "pound", "quid", "euro"})


def _three_decimals(toks: list[Token], i: int) -> bool:
    """Digits with exactly three after a point ("1.000"): a thousand to many, one to others.

    No sum of money has three decimals, so the point was a thousands sign in another
    notation, or a decimal one: either reading is a guess.
    """
    run, _ = numeral_run(toks, i)
    head, dot, tail = run.rpartition(".")
    return bool(dot) and "," not in run and len(tail) == 3 and head.isdigit()


# "bucks" where the home currency is no dollar: rupees to one caller, dollars to another.
_UNCLEAR = "?"


def _is_minor(toks: list[Token], j: int) -> bool:
    """Whether ``toks[j]`` names cents or pence: "cents", "99p", "fifty p" (not "5 p.m.")."""
    word = toks[j].text
    if word not in _MINOR:
        return False
    if word != "p" or toks[j].start == toks[j - 1].end:
        return True
    return j + 1 >= len(toks) or toks[j + 1].text not in ("m", ".")


# ISO code -> (singular, plural, minor singular, minor plural) for read-backs.
_NAMES: dict[str, tuple[str, str, str | None, str | None]] = {
    "USD": ("dollar", "dollars", "cent", "cents"),
    "CAD": ("dollar", "dollars", "cent", "cents"),
    "AUD": ("dollar", "dollars", "cent", "cents"),
    "NZD": ("dollar", "dollars", "cent", "cents"),
    "SGD": ("dollar", "dollars", "cent", "cents"),
    "HKD": ("dollar", "dollars", "cent", "cents"),
    "EUR": ("euro", "euros", "cent", "cents"),
    "GBP": ("pound", "pounds", "penny", "pence"),
    "JPY": ("yen", "yen", None, None),
    "KRW": ("won", "won", None, None),
    "INR": ("rupee", "rupees", "paisa", "paise"),
    "MXN": ("peso", "pesos", "centavo", "centavos"),
    "PHP": ("peso", "pesos", "centavo", "centavos"),
    "CHF": ("franc", "francs", "centime", "centimes"),
    "ZAR": ("rand", "rand", "cent", "cents"),
    "CNY": ("yuan", "yuan", "fen", "fen"),
}


def region_currency(region: str) -> str:
    """ISO currency of a region ("GB" -> "GBP"); USD when unknown."""
    return _REGION_CURRENCY.get(region.upper(), "USD")


def _dollar(region: str, sign: bool) -> str:
    """What "$" (``sign``) or "dollars" means in ``region``."""
    home = region_currency(region)
    return home if home in (_DOLLAR_SIGN if sign else _DOLLARS) else "USD"


class AmountType(SlotType):
    """Money: "$20", "twenty dollars fifty", "15 euros", "£3.50", "fifty cents".

    Value: :class:`Amount`. A number with no currency takes the region's
    currency. An amount with a currency said anywhere in the utterance wins
    over a bare number ("two tickets for forty dollars" -> 40 USD).
    """

    name = "amount"
    needs_before = True  # repaired() keeps the currency said before
    ranged = True  # "under a hundred", "before five", "2 to 3": a bound or a span, no value
    pauses_inside = True  # "twenty, um, five" is 25
    description = "money: Amount(value: Decimal, currency: ISO code)"

    def scan(self, text: str, ctx: ExtractContext) -> Match | None:
        """Prefer an amount with a currency; else the first bare number."""
        toks = tokenize(text)
        fallback: Match | None = None
        i = 0
        while i < len(toks):
            found = self._at(toks, i, ctx.region)
            if found is None:
                i += 1
                continue
            match, has_currency, j = found
            if match is None:
                return None  # "one fifty", "forty two fifty": which sum is not clear
            if has_currency:
                return match
            if fallback is None:
                fallback = match
            i = j
        return fallback

    def _at(self, toks: list[Token], i: int, region: str) -> tuple[Match | None, bool, int] | None:
        """Amount starting at ``i``: (match, currency was said, next index).

        The match is ``None`` for a sum said so that two readings are usual: "one fifty"
        is $1.50 at a till and $150 on a bill, "forty two fifty" $42.50 or $4,250.
        """
        n = len(toks)
        word = toks[i].text
        if word in _SYMBOLS:
            if i + 1 < n and _three_decimals(toks, i + 1):
                return None, False, numeral_run(toks, i + 1)[1]  # "$1.000"
            parsed = parse_cardinal(toks, i + 1)
            if parsed is None:
                return None
            if parsed[1] < n and toks[parsed[1]].text in NOT_EXACT_AFTER:
                return None, False, parsed[1]  # "$50+"
            symbol = _SYMBOLS[word]
            currency = _dollar(region, sign=True) if symbol == _REGION_DOLLAR else symbol
            total, j = self._minor_after(toks, Decimal(parsed[0]), parsed[1], need_minor_word=True)
            return Match(Amount(total, currency), toks[i].start, toks[j - 1].end), True, j
        if word in ("a", "an") and i + 1 < n and toks[i + 1].text in _NOTES:
            note = Amount(Decimal(_NOTES[toks[i + 1].text]), region_currency(region))
            return Match(note, toks[i].start, toks[i + 1].end), True, i + 2
        if word in ("a", "an") and i + 1 < n and toks[i + 1].text in _WORDS:
            value: int | Decimal = 1
            j = i + 1
        else:
            if _three_decimals(toks, i):
                return None, False, numeral_run(toks, i)[1]  # "$1.000": a dollar or a thousand?
            parsed = parse_cardinal(toks, i)
            if parsed is None:
                return None
            value, j = parsed
            if j < n and toks[j].text in NOT_EXACT_AFTER:
                return None, False, j  # "twenty something dollars", "forty plus", "$50+"
            if i == 1 and toks[0].text in _ONE_UNIT:
                # "buck fifty", "dollar twenty": one of them and the cents (gave 50 dollars)
                unit = self._currency_at(toks, 0, region)[0]
                if (
                    unit is None
                    or unit == _UNCLEAR
                    or not (isinstance(value, int) and 10 <= value <= 99)
                ):
                    return None, False, j
                total = (1 + Decimal(value) / 100).quantize(_CENT)
                return Match(Amount(total, unit), toks[0].start, toks[j - 1].end), True, j
        amount = Decimal(value)
        said, k = self._currency_at(toks, j, region)
        indian = any(toks[m].text in INDIAN_SCALES for m in range(i, j))
        if indian and said is None and region.upper() not in _LAKH_REGIONS:
            return None  # "three lakh" of what? Never 3 dollars, and not 300,000 dollars
        if said is not None and said != _UNCLEAR:
            if toks[j].text == "grand":
                amount *= 1000
                if [t.text for t in toks[k : k + 3]] == ["and", "a", "half"]:
                    amount, k = amount + 500, k + 3  # "a grand and a half" (gave 1000)
                total = amount
            elif [t.text for t in toks[k : k + 3]] == ["and", "a", "half"]:
                total, k = amount + Decimal("0.50"), k + 3  # "ten dollars and a half" (gave 10)
            else:
                total, k = self._minor_after(toks, amount, k, need_minor_word=False)
            return Match(Amount(total, said), toks[i].start, toks[k - 1].end), True, k
        if said == _UNCLEAR:
            return None, False, k  # "fifty bucks" in India or Germany: which currency?
        if j < n and _is_minor(toks, j):
            minor_currency = _MINOR[toks[j].text] or region_currency(region)
            total = (amount / 100).quantize(_CENT)
            return Match(Amount(total, minor_currency), toks[i].start, toks[j].end), True, j + 1
        # Bare number: "twenty fifty" is 20.50 when both halves are said as words.
        if (
            j == i + 1
            and (word in UNITS or word in TEENS or word in TENS)
            and j < n
            and (toks[j].text in TEENS or toks[j].text in TENS)
        ):
            if word in UNITS:
                return None, False, j  # "three fifty": 3.50 or 350
            cents = parse_cardinal(toks, j)
            if cents is not None and isinstance(cents[0], int) and 10 <= cents[0] <= 99:
                amount = (amount + Decimal(cents[0]) / 100).quantize(_CENT)
                j = cents[1]
        if j < n and parse_cardinal(toks, j) is not None:
            return None, False, j  # "forty two fifty": 42.50 or 4,250
        bare = Amount(amount, region_currency(region))
        return Match(bare, toks[i].start, toks[j - 1].end), False, j

    def _currency_at(self, toks: list[Token], j: int, region: str) -> tuple[str | None, int]:
        """Currency named at ``j`` ("dollars", "canadian dollars", "usd", "€")."""
        n = len(toks)
        if j >= n:
            return None, j
        word = toks[j].text
        if word in _CODES:
            return word.upper(), j + 1
        if word in _SYMBOLS:
            currency = _SYMBOLS[word]
            return (_dollar(region, sign=True) if currency == _REGION_DOLLAR else currency), j + 1
        if j + 1 < n:
            key = (word, toks[j + 1].text.removesuffix("s"))
            if key in _QUALIFIED:
                return _QUALIFIED[key], j + 2
        if word == "grand":
            return region_currency(region), j + 1
        if word in ("buck", "bucks") and region_currency(region) not in _DOLLARS:
            return _UNCLEAR, j + 1
        if word in _WORDS:
            currency = _WORDS[word]
            return (_dollar(region, sign=False) if currency == _REGION_DOLLAR else currency), j + 1
        return None, j

    def _minor_after(
        self, toks: list[Token], amount: Decimal, j: int, *, need_minor_word: bool
    ) -> tuple[Decimal, int]:
        """Add "(and) fifty (cents)" after the major unit, if said."""
        n = len(toks)
        # "twenty dollars, fifty cents": after a comma only a sum that names its unit
        comma = j < n and toks[j].text == ","
        k = j + comma
        k += k < n and toks[k].text == "and"
        parsed = parse_cardinal(toks, k)
        if parsed is None or not isinstance(parsed[0], int) or not 0 <= parsed[0] <= 99:
            return amount, j
        cents, end = parsed
        has_word = end < n and _is_minor(toks, end)
        if has_word:
            end += 1
        elif need_minor_word or comma or (k != j and cents < 10):
            return amount, j
        if amount != amount.to_integral_value():
            return amount, j
        return (amount + Decimal(cents) / 100).quantize(_CENT), end

    def repaired(
        self, before: Match | None, after: Match, text: str, cut: int, ctx: ExtractContext
    ) -> Match | None:
        """A repair of the number alone keeps the currency: "fifty euros, sorry, sixty".

        The sum after the marker took the region's currency only because none was said
        with it; the caller's euros still hold.
        """
        if (
            before is None
            or not isinstance(before.value, Amount)
            or not isinstance(after.value, Amount)
            or before.value.currency == after.value.currency
        ):
            return after
        toks = tokenize(text[after.start : after.end])
        if any(self._currency_at(toks, k, ctx.region)[0] for k in range(len(toks))):
            return after  # "fifty euros, no, sixty dollars": a new currency was said
        if any(t.text in _MINOR or t.text in _NOTES for t in toks):
            return after
        return Match(Amount(after.value.value, before.value.currency), after.start, after.end)

    def patched(
        self, said: Match, text: str, cut: int, resume: int, ctx: ExtractContext
    ) -> Match | None:
        """A repair of the currency alone: "a hundred euros, no, dollars" is 100 dollars."""
        toks = tokenize(text[resume:])
        for k in range(len(toks)):
            if parse_cardinal(toks, k) is not None:
                return None  # a new sum that could not be read: not this one
            currency, _ = self._currency_at(toks, k, ctx.region)
            if currency == _UNCLEAR:
                return None
            if currency is not None and isinstance(said.value, Amount):
                return Match(Amount(said.value.value, currency), said.start, resume + toks[k].end)
        return None

    def retracted(self, after: str) -> bool:
        """A number or a currency after the marker takes the sum said before it back."""
        if super().retracted(after):
            return True
        toks = tokenize(after)
        return any(self._currency_at(toks, k, "US")[0] is not None for k in range(len(toks)))

    def spoken(self, value: Any) -> str:
        """Read back as "20 dollars and 50 cents", "15 euros", "3 pounds and 50 pence"."""
        if not isinstance(value, Amount):
            return str(value)
        if value.value < 0:
            return "minus " + self.spoken(Amount(-value.value, value.currency))
        names = _NAMES.get(value.currency)
        if names is None:
            return f"{format_number(value.value)} {value.currency}"
        one, many, minor_one, minor_many = names
        whole = int(value.value)
        cents = int(((value.value - whole) * 100).to_integral_value())
        if minor_one is None or minor_many is None or value.value * 100 % 1:
            text = format_number(value.value)
            return f"{text} {one if value.value == 1 else many}"
        major = f"{format_number(whole)} {one if whole == 1 else many}"
        if not cents:
            return major
        minor = f"{cents} {minor_one if cents == 1 else minor_many}"
        return minor if whole == 0 else f"{major} and {minor}"

    def bound(self, raw: Any, ctx: ExtractContext) -> Any | None:
        """An Amount, a number, or text such as "$20"."""
        if isinstance(raw, Amount):
            return raw
        currency = region_currency(ctx.region)
        if isinstance(raw, int | float | Decimal) and not isinstance(raw, bool):
            return Amount(Decimal(str(raw)), currency)
        if isinstance(raw, str):
            exact = parse_decimal(raw)
            if exact is not None:
                return Amount(exact, currency)
            return self.extract(raw, ctx)
        return None

    def order_key(self, value: Any, ctx: ExtractContext) -> Any:
        """Compare the numbers; currencies are not converted."""
        return value.value if isinstance(value, Amount) else value
