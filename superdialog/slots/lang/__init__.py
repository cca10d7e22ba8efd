"""Slot parsing in es, de, fr and hi: the caller's words as the English parsers read them.

The slot types are written for English speech. For another language a
pre-pass rewrites what they need — yes/no words to English ("sí" → "yes",
"नहीं" → "no") and runs of number words to digits ("treinta y dos" → "32",
"quatre-vingt-dix" → "90", "zweiunddreißig" → "32", "दो लाख" → "200000") —
and every type then parses the rewritten text. Spans are mapped back, so a
``Match`` points into what the caller said. Words the lists do not know are
left alone (digits and English words, which Indian callers mix into Hindi,
work as before).

Covered: yes_no, and the numeric types through digits (number, digits,
amount, phone, card_number, postal_code, and times and dates said as
digits), and for date, time and datetime in es, de and fr also day words,
month and weekday names and clock phrases ("el 3 de marzo", "um halb acht",
"à quinze heures trente": ``moments``). Not covered yet: spoken emails,
Hindi date and time words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..base import ExtractContext, Match, SlotType
from ..notation import Notation, notation
from ..numbers import is_number_word
from .choices import find_choice
from .moments import MOMENT_LANGUAGES, NO_VALUE, UNCLEAR, Rewrite, rewrite, rules_for
from .names_hi import find_hindi_name
from .phrases import notation_rules, phrase_rules
from .words import ARTICLES, CONNECTORS, DECIMAL_POINTS, HINDI_FRACTIONS, NUMBERS, YES_NO

__all__ = [
    "LANGUAGES",
    "Localised",
    "find_in_notation",
    "find_localised",
    "localise",
    "localise_for",
    "localise_moments",
    "plain_text",
]

LANGUAGES = frozenset(NUMBERS)
"""Languages the pre-pass knows (English needs none)."""

# words with Devanagari vowel signs (not \w) and apostrophes, hyphenated ones whole
_WORD = re.compile(r"[\w\u0900-\u097f'\u2019]+(?:-[\w\u0900-\u097f'\u2019]+)*")


@dataclass(frozen=True, slots=True)
class Localised:
    """Rewritten text, and for each of its characters the span of the original it came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original ``[start, end)`` of the rewritten ``[start, end)``."""
        if end <= start:
            at = (
                self.starts[start]
                if start < len(self.starts)
                else (self.ends[-1] if self.ends else 0)
            )
            return at, at
        return self.starts[start], self.ends[end - 1]


def plain_text(word: str) -> str:
    """Lower case without accents (ASR drops them); Devanagari without nukta, ँ as ं."""
    low = word.lower().replace("\u2019", "'")
    if low.isascii():
        return low
    if any("\u0900" <= ch <= "\u097f" for ch in low):
        decomposed = unicodedata.normalize("NFD", low)
        return decomposed.replace("\u093c", "").replace("\u0901", "\u0902")
    return "".join(
        ch for ch in unicodedata.normalize("NFD", low) if unicodedata.category(ch) != "Mn"
    )


def _table(language: str) -> tuple[dict[str, str], dict[str, int]]:
    yes_no = {plain_text(k): v for k, v in YES_NO.get(language, {}).items()}
    numbers = {plain_text(k): v for k, v in NUMBERS.get(language, {}).items()}
    if language == "de":  # "zwoelf", "fuenf": umlauts written out
        for word, value in NUMBERS["de"].items():
            numbers.setdefault(plain_text(word.replace("ö", "oe").replace("ü", "ue")), value)
    if language == "hi":  # चौंतीस / चौतीस: recognisers drop the nasal mark
        for word, value in list(numbers.items()):
            numbers.setdefault(word.replace("\u0902", ""), value)
    return yes_no, numbers


_TABLES = {lang: _table(lang) for lang in LANGUAGES}
_DECIMALS = {lang: frozenset(plain_text(w) for w in ws) for lang, ws in DECIMAL_POINTS.items()}
_FRACTIONS = {plain_text(k): v for k, v in HINDI_FRACTIONS.items()}
_SCALES = {100: "hundred", 1000: "thousand", 100_000: "lakh", 1_000_000: "million",
           10_000_000: "crore"}  # fmt: skip
_DIGITS_BEFORE = re.compile(r"\d(?:[.,]\d+)?[ \u00a0]+$")
# German numbers written as one word: "dreihundertfünfzig", "zweitausendsechsundzwanzig"
_DE_SCALE_WORDS = ("hundert", "tausend", "million", "millionen")


def _value(parts: list[int], language: str) -> list[int]:
    """Values of a run of number words: one number, or several said one after another."""
    out: list[int] = []
    total = current = 0
    for k, v in enumerate(parts):
        after_zero = k > 0 and total == 0 and current == 0
        if k > 0 and (
            v == 0
            or after_zero
            or (v < 10 and current % 10 != 0)
            or (10 <= v < 100 and current % 100 != 0 and not _joins(current, v, language))
            or (language == "de" and v < 10 and current % 100 >= 10 and current % 10 == 0)
        ):  # German says the unit first ("einunddreißig"): "dreißig eins" is 30 then 1
            out.append(total + current)  # "cinco cinco cinco": digits said one by one
            total, current = 0, v
        elif v >= 1000:
            total += max(current, 1) * v
            current = 0
        elif v == 100:
            current = max(current, 1) * 100 if current < 100 else current + 100
        elif language == "fr" and v == 20 and current % 100 == 4:
            current += 76  # quatre-vingt(s): 80
        else:
            current += v
    out.append(total + current)
    return out


def _joins(current: int, v: int, language: str) -> bool:
    """Whether ``v`` continues ``current`` though its place is taken (language rules)."""
    if language == "fr":  # quatre-vingt, soixante-dix, quatre-vingt-dix
        return (v == 20 and current % 100 == 4) or (v < 20 and current % 100 in (60, 80))
    if language == "de":  # vier und zwanzig: the unit comes first
        return v % 10 == 0 and v < 100 and 0 < current % 100 < 10
    return False


def localise(text: str, language: str, *, fractions: bool = True) -> Localised:
    """``text`` with ``language``'s yes/no and number words rewritten for the English parsers.

    ``fractions``: read Hindi डेढ़/ढाई/साढ़े/सवा/पौने as numbers (1.5, 2.5, N+½, N+¼,
    N-¼); the date and time pass turns it off, since there they tell the time.
    """
    tables = _TABLES.get(language)
    if tables is None:
        return Localised(text, tuple(range(len(text))), tuple(range(1, len(text) + 1)))
    yes_no, numbers = tables
    joins = CONNECTORS.get(language, frozenset())
    points = _DECIMALS.get(language, frozenset())
    pieces: list[tuple[str, int, int]] = []  # (new text, original start, original end)
    words = list(_WORD.finditer(text))
    pos = 0
    i = 0
    while i < len(words):
        w = words[i]
        if fractions and language == "hi" and plain_text(w.group()) in _FRACTIONS:
            said = _fraction(words, i, text, numbers)
            if said is not None:
                value, j = said
                pieces.append((text[pos : w.start()], pos, w.start()))
                pieces.append((value, w.start(), words[j - 1].end()))
                pos, i = words[j - 1].end(), j
                continue
        parts = _number_parts(w.group(), numbers, language)
        if parts is None and language == "hi":
            parts = _romanised_count(words, i, text, numbers)
        if parts is None:
            new = yes_no.get(plain_text(w.group()))
            if new is not None:
                pieces.append((text[pos : w.start()], pos, w.start()))
                pieces.append((new, w.start(), w.end()))
                pos = w.end()
            i += 1
            continue
        j, values = i + 1, list(parts)
        while j < len(words):
            nxt = words[j]
            more = _number_parts(nxt.group(), numbers, language)
            if more is None and plain_text(nxt.group()) in joins and j + 1 < len(words):
                more = _number_parts(words[j + 1].group(), numbers, language)
                if more is not None:
                    j += 1
                    nxt = words[j]
            if more is None or text[words[j - 1].end() : nxt.start()].strip(" -") != "":
                break
            values += more
            j += 1
        end = words[j - 1].end()
        if j == i + 1 and plain_text(w.group()) in ARTICLES.get(language, ()):
            i += 1  # "una mesa", "ein Tisch": an article, not a number
            continue
        spoken = [str(v) for v in _value(values, language)]
        if len(values) == 1 and values[0] in _SCALES and _count_before(text, words, i):
            spoken = [_SCALES[values[0]]]  # "2.5 लाख", "5 mil", "two lakh": the English scale
        elif len(values) == 1 and values[0] in _SCALES and i and _vague(words[i - 1].group()):
            spoken = [_SCALES[values[0]]]  # "कुछ लाख", "some lakh": how many is not said
        decimals = _decimals(words, j, text, numbers, points, language)
        if decimals is not None:
            digits, j = decimals
            spoken[-1] += "." + digits  # "cuatro coma cinco": 4.5
            scale = _number_parts(words[j].group(), numbers) if j < len(words) else None
            if scale is not None and len(scale) == 1 and scale[0] in _SCALES:
                spoken.append(_SCALES[scale[0]])  # "zwei Komma fünf Millionen": 2.5 million
                j += 1
            end = words[j - 1].end()
        pieces.append((text[pos : w.start()], pos, w.start()))
        pieces.append((" ".join(spoken), w.start(), end))
        pos = end
        i = j
    pieces.append((text[pos:], pos, len(text)))
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for new, a, b in pieces:
        if not new:
            continue
        out.append(new)
        if new == text[a:b]:  # copied: character by character
            starts += range(a, b)
            ends += range(a + 1, b + 1)
        else:
            starts += [a] * len(new)
            ends += [b] * len(new)
    return Localised("".join(out), tuple(starts), tuple(ends))


def _count_before(text: str, words: list[re.Match[str]], i: int) -> bool:
    """Whether digits or an English number word come right before word ``i`` ("two lakh")."""
    if _DIGITS_BEFORE.search(text, 0, words[i].start()):
        return True
    if i == 0 or text[words[i - 1].end() : words[i].start()].strip():
        return False
    previous = words[i - 1].group().lower()
    return previous.isascii() and previous not in _NOT_COUNTS and is_number_word(previous)


_NOT_COUNTS = frozenset({"oh", "double", "triple", "point"})
# "do lakh", "teen sau": romanised 2 and 3, which are English words too, count before a scale
_ROMAN_COUNTS = {"do": 2, "teen": 3, "tin": 3}
_VAGUE = frozenset(
    {"कुछ", "कई", "kuch", "kai", "some", "few", "several", "many", "कितने", "kitne", "बहुत", "bahut",
     "algunos", "algunas", "varios", "varias", "einige", "paar", "mehrere", "quelques", "plusieurs"}
)  # fmt: skip


def _vague(word: str) -> bool:
    return plain_text(word) in _VAGUE


def _romanised_count(
    words: list[re.Match[str]], i: int, text: str, numbers: dict[str, int]
) -> list[int] | None:
    """Romanised "do"/"teen" (2, 3) when a scale word follows ("do lakh"), else ``None``."""
    count = _ROMAN_COUNTS.get(plain_text(words[i].group()))
    if count is None or i + 1 >= len(words):
        return None
    if text[words[i].end() : words[i + 1].start()].strip():
        return None
    after = _number_parts(words[i + 1].group(), numbers)
    return [count] if after is not None and len(after) == 1 and after[0] in _SCALES else None


def _number_parts(word: str, numbers: dict[str, int], language: str = "") -> list[int] | None:
    """The values of a number word, or of a hyphenated one ("soixante-dix-sept")."""
    plain = plain_text(word)
    if plain in numbers:
        return [numbers[plain]]
    if "-" in plain:
        parts = [p for p in plain.split("-") if p and p != "et"]
        if parts and all(p in numbers for p in parts):
            return [numbers[p] for p in parts]
    if language == "de" and len(plain) > 7 and any(s in plain for s in _DE_SCALE_WORDS):
        return _german_compound(plain, numbers)
    return None


def _german_compound(plain: str, numbers: dict[str, int]) -> list[int] | None:
    """A German number written as one word, cut into number words: [2, 1000, 26].

    "zweitausendsechsundzwanzig" is 2026.

    Only a word made wholly of number words, one of them a scale, is a number: the
    fewest pieces win (so "sechsundzwanzig" stays one piece). Linear in practice:
    at most ~40 characters are tried, each against words of at most ~20 letters.
    """
    if len(plain) > 60:
        return None
    best: list[list[int] | None] = [None] * (len(plain) + 1)
    best[0] = []
    for end in range(1, len(plain) + 1):
        for start in range(max(0, end - 20), end):
            head = best[start]
            piece = plain[start:end]
            if head is None or piece not in numbers:
                continue
            candidate = [*head, numbers[piece]]
            current = best[end]
            if current is None or len(candidate) < len(current):
                best[end] = candidate
    found = best[len(plain)]
    if found is None or len(found) < 2 or not any(v >= 100 for v in found):
        return None
    return found


def _run(
    words: list[re.Match[str]], i: int, text: str, numbers: dict[str, int], language: str
) -> tuple[list[int], int]:
    """The number-word values from word ``i`` on (joined by spaces or hyphens) and the end."""
    values: list[int] = []
    j = i
    while j < len(words):
        if j > i and text[words[j - 1].end() : words[j].start()].strip(" -") != "":
            break
        parts = _number_parts(words[j].group(), numbers, language)
        if parts is None:
            break
        values += parts
        j += 1
    return values, j


def _decimals(
    words: list[re.Match[str]],
    j: int,
    text: str,
    numbers: dict[str, int],
    points: frozenset[str],
    language: str,
) -> tuple[str, int] | None:
    """The decimals after a number ("coma cinco", "Komma fünf"): their digits and end."""
    if j + 1 >= len(words) or plain_text(words[j].group()) not in points:
        return None
    if (
        text[words[j - 1].end() : words[j].start()].strip()
        or text[words[j].end() : words[j + 1].start()].strip()
    ):
        return None
    after = words[j + 1].group()
    if after.isascii() and after.isdigit():
        return after, j + 2
    values, end = _run(words, j + 1, text, numbers, language)
    while values and values[-1] in _SCALES:  # "komma fünf Millionen": the scale comes after
        values.pop()
        end -= 1
    if not values or any(v >= 100 for v in values):
        return None
    return "".join(str(v) for v in _value(values, language)), end


def _fraction(
    words: list[re.Match[str]], i: int, text: str, numbers: dict[str, int]
) -> tuple[str, int] | None:
    """Hindi डेढ़ सौ (150), ढाई लाख (250000), साढ़े तीन (3.5), सवा दो सौ (225), पौने दो (1.75)."""
    from decimal import Decimal  # lazy: decimal only when a Hindi fraction is said

    kind, amount = _FRACTIONS[plain_text(words[i].group())]
    count: Decimal
    j = i + 1
    if kind == "=":
        count = Decimal(amount)
    else:
        if j >= len(words) or text[words[i].end() : words[j].start()].strip():
            return None
        nxt = words[j].group()
        parts = [int(nxt)] if nxt.isascii() and nxt.isdigit() else _number_parts(nxt, numbers)
        if parts is None or len(parts) != 1:
            return None
        if parts[0] in _SCALES and amount == "0.25":
            parts = [1]  # "सवा करोड़" (1.25 crore), "पौने सौ" (75): one of the scale
        elif 1 <= parts[0] < 100:
            j += 1
        else:
            return None
        base = Decimal(parts[0])
        count = base + Decimal(amount) if kind == "+" else base - Decimal(amount)
    scale = 1
    while j < len(words) and not text[words[j - 1].end() : words[j].start()].strip():
        parts = _number_parts(words[j].group(), numbers)
        if parts is None or len(parts) != 1 or parts[0] not in _SCALES or parts[0] <= scale:
            break
        scale = parts[0] if scale == 1 else scale * parts[0]
        j += 1
    value = count * scale
    if value != value.to_integral_value():
        if scale != 1:
            return None  # "सवा तीन सौ" is 325; a fraction of a unit left over is not said
        return format(value.normalize(), "f"), j
    return str(int(value)), j


_MOMENT_TYPES = frozenset({"date", "time", "datetime"})


def localise_moments(text: str, language: str) -> Localised:
    """``text`` with ``language``'s date and time phrases (and number words) in English.

    Day words, day-and-month phrases, weekdays and clock phrases are
    rewritten around the number-word pass (``superdialog.slots.lang.moments``).
    """
    if language not in MOMENT_LANGUAGES:
        return localise(text, language)
    return _around_numbers(
        text,
        language,
        rules_for(language, before_numbers=True),
        rules_for(language, before_numbers=False),
        fractions=False,
    )


def _around_numbers(
    text: str,
    language: str,
    before: Sequence[Rewrite],
    after: Sequence[Rewrite],
    *,
    fractions: bool = True,
) -> Localised:
    """``before`` rules, the number-word pass, then ``after`` rules; spans into ``text``."""
    first, s1, e1 = rewrite(text, before) if before else (text, None, None)
    numbered = localise(first, language, fractions=fractions)
    last, s2, e2 = rewrite(numbered.text, after) if after else (numbered.text, None, None)
    if s1 is None and s2 is None:
        return numbered
    starts: list[int] = []
    ends: list[int] = []
    for k in range(len(last)):
        a, b = (s2[k], e2[k]) if s2 is not None and e2 is not None else (k, k + 1)
        na, nb = numbered.starts[a], numbered.ends[b - 1]
        if s1 is not None and e1 is not None:
            na, nb = s1[na], e1[nb - 1]
        starts.append(na)
        ends.append(nb)
    return Localised(last, tuple(starts), tuple(ends))


def localise_for(type_name: str, text: str, language: str, region: str = "") -> Localised:
    """``text`` as the English parser of ``type_name`` reads it (``language``'s words rewritten).

    ``region``: the caller's country, for its way of writing numbers ("1,200" is
    1200 in Mexico, 1.2 in Spain).
    """
    if type_name in _MOMENT_TYPES:
        return localise_moments(text, language)
    before, after = phrase_rules(type_name, language, notation(language, region))
    return _around_numbers(text, language, before, after)


def find_in_notation(
    slot_type: SlotType, text: str, ctx: ExtractContext, kind: Notation
) -> Match | None:
    """``slot_type.find`` over English ``text`` whose numbers are written in ``kind`` notation.

    A call in English from Germany, India or Switzerland ("1.234,50", "12,34,567",
    "1'234"): the numbers are rewritten to the English notation first; the span is in
    ``text``.
    """
    said, starts, ends = rewrite(text, notation_rules(kind))
    match = slot_type.find(said, ctx)
    if match is None or said == text:
        return match
    start, end = Localised(said, tuple(starts), tuple(ends)).span(match.start, match.end)
    return Match(match.value, start, end)


def find_localised(
    slot_type: SlotType, text: str, ctx: ExtractContext, language: str
) -> Match | None:
    """``slot_type.find`` over ``text`` said in ``language``; the span is in ``text``."""
    name = slot_type.name
    if language not in LANGUAGES or name not in _READ_TYPES:
        return slot_type.find(text, ctx)  # free text and custom types see what was said
    text_said = text
    if language == "hi":  # ९८७६५ as 98765, one character for one (spans stay)
        text = text.translate(_DEVANAGARI_DIGITS)
    if name == "enum":
        return find_choice(slot_type, text, ctx, language)
    if name == "name" and language == "hi":
        said = find_hindi_name(text)
        if said is not None:
            return said
    local = localise_for(name, text, language, ctx.region)
    if name in _MOMENT_TYPES:
        if NO_VALUE in local.text:
            return None  # a range or a choice ("entre las siete y las ocho"): not one value
        if (
            name != "time"
            and _WEEKS_AND_A_WEEKDAY.search(local.text)
            and _WEEKDAY.search(local.text)
        ):
            return None  # "in zwei Wochen am Freitag": the Friday of that week, not said which
        if UNCLEAR in local.text:
            if name != "time":
                return None  # "el viernes pasado a las 8", "कल शाम": no day to give
            local = Localised(local.text.replace(UNCLEAR, " "), local.starts, local.ends)
    match = slot_type.find(local.text, ctx)
    if match is None and name in _REGIONAL and language in _HOME_REGION:
        home = _HOME_REGION[language]
        if home != ctx.region.upper():
            # "06 12 34 56 78" is no number in the US: the caller's language's own country
            match = slot_type.find(local.text, replace(ctx, region=home))
    if match is not None and name == "name" and isinstance(match.value, str):
        match = Match(_particles(match.value, language), match.start, match.end)
    if match is None or local.text == text_said:
        return match
    start, end = local.span(match.start, match.end)
    return Match(match.value, start, end)


_PARTICLES = {
    "es": frozenset({"de", "del", "la", "las", "los", "y"}),
    "de": frozenset({"von", "van", "zu", "vom", "zum", "der", "den"}),
    "fr": frozenset({"de", "du", "des", "d'"}),
}
"""Words inside a name its language writes in lower case ("Juan de la Cruz", "von Trapp")."""


def _particles(name: str, language: str) -> str:
    """``name`` with the particles after its first word in lower case."""
    particles = _PARTICLES.get(language)
    if not particles:
        return name
    words = name.split(" ")
    return " ".join(
        w.lower() if k and w.lower() in particles and k < len(words) - 1 else w
        for k, w in enumerate(words)
    )


_WEEKS_AND_A_WEEKDAY = re.compile(r"\bin \d+ (?:day|week|month)s?\b")
_WEEKDAY = re.compile(r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b")
_DEVANAGARI_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")
_READ_TYPES = frozenset(
    {"number", "digits", "phone", "email", "date", "time", "datetime", "yes_no", "enum",
     "amount", "card_number", "postal_code", "name"}
)  # fmt: skip
"""The built-in types whose words the pre-pass reads (not ``text``, not custom types)."""
_REGIONAL = frozenset({"phone", "postal_code"})
_HOME_REGION = {"es": "ES", "de": "DE", "fr": "FR", "hi": "IN"}
"""Where a number that fits no number plan of the call's region is tried next."""
