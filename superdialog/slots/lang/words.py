"""Yes/no and number words of es, de, fr and hi, as the English parsers' words.

Our own lists (no library covers spoken yes/no, or Hindi numerals as Hindi
speech recognisers write them). Each language maps a lower-case word to what
the English parsers understand: a yes/no word to its English twin, a number
word to its value. Accents are optional in the lookup (ASR often drops them).
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["ARTICLES", "CONNECTORS", "DECIMAL_POINTS", "HINDI_FRACTIONS", "NUMBERS", "YES_NO"]

YES_NO: Mapping[str, Mapping[str, str]] = {
    "es": {
        "sí": "yes", "si": "yes", "claro": "sure", "vale": "okay", "correcto": "correct",
        "exacto": "exactly", "exactamente": "exactly", "perfecto": "perfect", "bueno": "okay",
        "acuerdo": "agreed", "efectivamente": "indeed", "desde": "", "luego": "sure",
        "no": "no", "nunca": "never", "tampoco": "neither", "incorrecto": "wrong",
        "mal": "wrong",
    },
    "de": {
        "ja": "yes", "jawohl": "yes", "jap": "yep", "jo": "yeah", "genau": "exactly",
        "richtig": "correct", "stimmt": "correct", "klar": "sure", "natürlich": "naturally",
        "gerne": "gladly", "gern": "gladly", "okay": "okay", "ok": "ok", "passt": "fine",
        "einverstanden": "agreed", "nein": "no", "nee": "nope", "nö": "nope", "nicht": "not",
        "kein": "no", "keine": "no", "niemals": "never", "nie": "never", "falsch": "wrong",
    },
    "fr": {
        "oui": "yes", "ouais": "yeah", "ouaip": "yep", "exact": "exactly",
        "exactement": "exactly", "parfait": "perfect", "bien": "fine", "volontiers": "gladly",
        "absolument": "absolutely", "certainement": "certainly", "correct": "correct",
        "d'accord": "okay", "daccord": "okay", "non": "no", "pas": "not", "jamais": "never",
        "faux": "wrong",
    },
    "hi": {
        "हाँ": "yes", "हां": "yes", "हा": "yes", "haan": "yes", "haa": "yes", "han": "yes",
        "जी": "yes", "ji": "yes", "ठीक": "okay", "theek": "okay", "thik": "okay",
        "सही": "correct", "sahi": "correct", "बिल्कुल": "absolutely", "bilkul": "absolutely",
        "ज़रूर": "sure", "जरूर": "sure", "zaroor": "sure", "नहीं": "no", "नही": "no",
        "nahi": "no", "nahin": "no", "ना": "no", "na": "no", "मत": "not", "गलत": "wrong",
        "ग़लत": "wrong", "galat": "wrong",
    },
}  # fmt: skip
"""Yes/no words → the English word the ``yes_no`` parser reads ("" drops the word)."""

_ES = {
    "cero": 0, "un": 1, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5,
    "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12,
    "trece": 13, "catorce": 14, "quince": 15, "dieciséis": 16, "diecisiete": 17,
    "dieciocho": 18, "diecinueve": 19, "veinte": 20, "veintiuno": 21, "veintiún": 21,
    "veintiuna": 21, "veintidós": 22, "veintitrés": 23, "veinticuatro": 24,
    "veinticinco": 25, "veintiséis": 26, "veintisiete": 27, "veintiocho": 28,
    "veintinueve": 29, "treinta": 30, "cuarenta": 40, "cincuenta": 50, "sesenta": 60,
    "setenta": 70, "ochenta": 80, "noventa": 90, "cien": 100, "ciento": 100,
    "doscientos": 200, "doscientas": 200, "trescientos": 300, "trescientas": 300,
    "cuatrocientos": 400, "quinientos": 500, "seiscientos": 600, "setecientos": 700,
    "ochocientos": 800, "novecientos": 900, "mil": 1000, "millón": 1_000_000,
    "millon": 1_000_000, "millones": 1_000_000,
}  # fmt: skip
_DE_UNITS = {
    "null": 0, "ein": 1, "eins": 1, "eine": 1, "einen": 1, "zwei": 2, "zwo": 2, "drei": 3,
    "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9,
}  # fmt: skip
_DE_TENS = {
    "zwanzig": 20, "dreißig": 30, "dreissig": 30, "vierzig": 40, "fünfzig": 50,
    "sechzig": 60, "siebzig": 70, "achtzig": 80, "neunzig": 90,
}  # fmt: skip
_DE = {
    **_DE_UNITS, **_DE_TENS, "zehn": 10, "elf": 11, "zwölf": 12, "dreizehn": 13,
    "vierzehn": 14, "fünfzehn": 15, "sechzehn": 16, "siebzehn": 17, "achtzehn": 18,
    "neunzehn": 19, "hundert": 100, "einhundert": 100, "tausend": 1000, "eintausend": 1000,
    "million": 1_000_000, "millionen": 1_000_000,
    # "wir sind zu viert": a party of four
    "zweit": 2, "dritt": 3, "viert": 4, "fünft": 5, "sechst": 6, "siebt": 7,
}  # fmt: skip
for _u, _uv in _DE_UNITS.items():  # einundzwanzig … neunundneunzig
    if _uv:
        for _t, _tv in _DE_TENS.items():
            _DE[f"{'ein' if _uv == 1 else _u}und{_t}"] = _tv + _uv
_FR = {
    "zéro": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
    "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13,
    "quatorze": 14, "quinze": 15, "seize": 16, "vingt": 20, "vingts": 20, "trente": 30,
    "quarante": 40, "cinquante": 50, "soixante": 60, "septante": 70, "huitante": 80,
    "octante": 80, "nonante": 90, "cent": 100, "cents": 100, "mille": 1000,
    "million": 1_000_000, "millions": 1_000_000,
}  # fmt: skip
# Romanised words too, but not "do" (2) or "teen" (3): English words in code-mixed calls.
_HI = {
    "शून्य": 0, "एक": 1, "दो": 2, "तीन": 3, "चार": 4, "पांच": 5, "पाँच": 5, "छह": 6, "छः": 6,
    "सात": 7, "आठ": 8, "नौ": 9, "दस": 10, "ग्यारह": 11, "बारह": 12, "तेरह": 13, "चौदह": 14,
    "पंद्रह": 15, "सोलह": 16, "सत्रह": 17, "अठारह": 18, "उन्नीस": 19, "बीस": 20,
    "पच्चीस": 25, "तीस": 30, "चालीस": 40, "पचास": 50, "साठ": 60, "सत्तर": 70, "अस्सी": 80,
    "नब्बे": 90, "सौ": 100, "हज़ार": 1000, "हजार": 1000, "लाख": 100_000, "करोड़": 10_000_000,
    "ek": 1, "char": 4, "paanch": 5, "panch": 5, "chhe": 6, "saat": 7,
    "aath": 8, "nau": 9, "das": 10, "bees": 20, "sau": 100, "hazaar": 1000, "hazar": 1000,
    "lakh": 100_000, "crore": 10_000_000,
    # 21-99 as Hindi recognisers write them (each is one word, not tens + units)
    "इक्कीस": 21, "बाईस": 22, "तेईस": 23, "तेइस": 23, "चौबीस": 24, "छब्बीस": 26,
    "सत्ताईस": 27, "सत्ताइस": 27, "अट्ठाईस": 28, "अट्ठाइस": 28, "अठाईस": 28, "उनतीस": 29,
    "इकतीस": 31, "इकत्तीस": 31, "बत्तीस": 32, "तैंतीस": 33, "तेंतीस": 33, "चौंतीस": 34,
    "पैंतीस": 35, "छत्तीस": 36, "सैंतीस": 37, "अड़तीस": 38, "उनतालीस": 39, "उन्तालीस": 39,
    "इकतालीस": 41, "बयालीस": 42, "तैंतालीस": 43, "तेंतालीस": 43, "चवालीस": 44,
    "चौवालीस": 44, "पैंतालीस": 45, "छियालीस": 46, "सैंतालीस": 47, "अड़तालीस": 48,
    "उनचास": 49, "उंचास": 49, "इक्यावन": 51, "बावन": 52, "तिरेपन": 53, "तिरपन": 53,
    "चौवन": 54, "चव्वन": 54, "पचपन": 55, "छप्पन": 56, "सत्तावन": 57, "अट्ठावन": 58,
    "उनसठ": 59, "इकसठ": 61, "बासठ": 62, "तिरेसठ": 63, "तिरसठ": 63, "चौंसठ": 64,
    "पैंसठ": 65, "छियासठ": 66, "सड़सठ": 67, "सरसठ": 67, "अड़सठ": 68, "उनहत्तर": 69,
    "इकहत्तर": 71, "बहत्तर": 72, "तिहत्तर": 73, "चौहत्तर": 74, "पचहत्तर": 75,
    "छिहत्तर": 76, "सतहत्तर": 77, "अठहत्तर": 78, "उन्यासी": 79, "उनासी": 79,
    "इक्यासी": 81, "बयासी": 82, "तिरासी": 83, "चौरासी": 84, "पचासी": 85, "छियासी": 86,
    "सत्तासी": 87, "अट्ठासी": 88, "नवासी": 89, "इक्यानवे": 91, "इक्यानबे": 91,
    "बानवे": 92, "बानबे": 92, "तिरानवे": 93, "तिरानबे": 93, "चौरानवे": 94, "चौरानबे": 94,
    "पचानवे": 95, "पचानबे": 95, "छियानवे": 96, "छियानबे": 96, "सत्तानवे": 97,
    "सत्तानबे": 97, "अट्ठानवे": 98, "अट्ठानबे": 98, "निन्यानवे": 99, "निन्यानबे": 99,
    "million": 1_000_000,
    # English digits as Hindi recognisers write them ("नाइन एट सेवन …")
    "ज़ीरो": 0, "जीरो": 0, "वन": 1, "टू": 2, "थ्री": 3, "फोर": 4, "फ़ोर": 4, "फाइव": 5, "फ़ाइव": 5,
    "सिक्स": 6, "सेवन": 7, "एट": 8, "एईट": 8, "नाइन": 9, "टेन": 10,
}  # fmt: skip

NUMBERS: Mapping[str, Mapping[str, int]] = {"es": _ES, "de": _DE, "fr": _FR, "hi": _HI}
"""Number words → values; runs of them are read as one number ("treinta y dos" → 32)."""

CONNECTORS: Mapping[str, frozenset[str]] = {
    "es": frozenset({"y"}),
    "de": frozenset({"und"}),
    "fr": frozenset({"et"}),
    "hi": frozenset(),
}
"""Words that join number words inside one number ("vingt et un")."""

ARTICLES: Mapping[str, frozenset[str]] = {
    "es": frozenset({"un", "una"}),
    "de": frozenset({"ein", "eine", "einen"}),
    "fr": frozenset({"un", "une"}),
    "hi": frozenset({"एक", "ek"}),
}
"""Number words that are articles on their own ("una mesa"): a number only inside a run."""

DECIMAL_POINTS: Mapping[str, frozenset[str]] = {
    "es": frozenset({"coma", "punto"}),
    "de": frozenset({"komma"}),
    "fr": frozenset({"virgule"}),
    "hi": frozenset({"दशमलव", "point", "पॉइंट"}),
}
"""Words between a number and its decimals ("cuatro coma cinco" → 4.5)."""

HINDI_FRACTIONS: Mapping[str, tuple[str, str]] = {
    # word: (how it changes the count after it, or the count itself)
    "डेढ़": ("=", "1.5"), "डेढ": ("=", "1.5"), "dedh": ("=", "1.5"), "derh": ("=", "1.5"),
    "ढाई": ("=", "2.5"), "dhai": ("=", "2.5"), "dhaai": ("=", "2.5"),
    "साढ़े": ("+", "0.5"), "साढे": ("+", "0.5"), "saadhe": ("+", "0.5"), "sadhe": ("+", "0.5"),
    "सवा": ("+", "0.25"), "sawa": ("+", "0.25"), "sava": ("+", "0.25"),
    "पौने": ("-", "0.25"), "paune": ("-", "0.25"),
}  # fmt: skip
"""Hindi fractions: डेढ़ (1.5) and ढाई (2.5) are counts; साढ़े/सवा/पौने N are N+½, N+¼, N-¼."""
