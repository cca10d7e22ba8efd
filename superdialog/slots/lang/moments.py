"""Dates and times in es, de, fr and hi, as the English date/time parsers read them.

A pre-pass for the ``date``, ``time`` and ``datetime`` types: day words
("mañana", "übermorgen", "aujourd'hui"), day-and-month phrases ("el 3 de
marzo", "am dritten März", "le premier mars"), weekday names and clock
phrases ("a las siete y media", "um halb acht" = 7:30, "à quinze heures
trente", "heute Abend") are rewritten to the English forms the parsers in
``superdialog.slots.dates``/``times``/``moments`` already understand, with
every character mapped back to the caller's words. Number words are turned
into digits by :func:`superdialog.slots.lang.localise` in between.

Hindi: "आज", month and weekday names, "3 तारीख", "सात बजे", साढ़े/सवा/पौने/डेढ़/ढाई
and शाम/रात/सुबह/दोपहर (Devanagari or romanised).

Only phrases whose meaning is clear are rewritten: "el viernes pasado", a
month without a day, or Hindi "कल"/"परसों" (yesterday or tomorrow) are left
alone, because a wrong date is worse than none.
Own rules (no maintained library both reads these phrases and maps spans).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

from .words import NUMBERS

__all__ = [
    "MOMENT_LANGUAGES",
    "MONTHS",
    "NO_VALUE",
    "ORDINALS",
    "UNCLEAR",
    "WEEKDAYS",
    "Rewrite",
    "instead_rules",
    "rewrite",
    "rules_for",
]

Rewrite = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]
"""A rule: a pattern over the plain (lower-case, unaccented) text and its English replacement."""


def plain_chars(text: str) -> str:
    """Lower case without accents, one character for one (so positions stay the same)."""
    out: list[str] = []
    for ch in text:
        low = ch.lower()
        if len(low) != 1:
            low = ch
        if low == "\u2019":
            low = "'"
        out.append(unicodedata.normalize("NFD", low)[0])
    return "".join(out)


def rewrite(text: str, rules: Sequence[Rewrite]) -> tuple[str, list[int], list[int]]:
    """Apply ``rules`` in order; the new text and, per character, the original span."""
    starts = list(range(len(text)))
    ends = list(range(1, len(text) + 1))
    low = plain_chars(text)
    for pattern, repl in rules:
        if pattern.search(low) is None:
            continue
        out: list[str] = []
        new_starts: list[int] = []
        new_ends: list[int] = []
        pos = 0
        for m in pattern.finditer(low):
            new = repl(m)
            if new == m.group():
                continue
            out.append(text[pos : m.start()])
            new_starts += starts[pos : m.start()]
            new_ends += ends[pos : m.start()]
            if m.end() > m.start():
                a, b = starts[m.start()], ends[m.end() - 1]
            else:
                a = b = starts[m.start()] if m.start() < len(starts) else (ends[-1] if ends else 0)
            out.append(new)
            new_starts += [a] * len(new)
            new_ends += [b] * len(new)
            pos = m.end()
        out.append(text[pos:])
        new_starts += starts[pos:]
        new_ends += ends[pos:]
        text, starts, ends = "".join(out), new_starts, new_ends
        low = plain_chars(text)
    return text, starts, ends


UNCLEAR = "\x00"
"""Stands for a date phrase read as unclear ("el viernes pasado", Hindi "कल"): no date from it."""


NO_VALUE = "\x01"
"""Stands for a range or a choice ("entre las siete y las ocho", "7 ya 8 baje"): no date or time."""


def _minus(hour: int, minutes: int) -> str:
    """'at H:MM' for ``minutes`` before ``hour`` ("las ocho menos diez" is 7:50)."""
    if not 1 <= minutes <= 59:
        return ""
    return "at " + _clock(_before(hour), 60 - minutes) if _clock(hour, 0) else ""


_EN_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"


def _p(regex: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w'-])(?:" + regex + r")(?![\w'-])")


def _const(value: str) -> Callable[[re.Match[str]], str]:
    return lambda _m: value


def _plain_key(word: str) -> str:
    return plain_chars(word)


MONTHS: dict[str, dict[str, str]] = {
    "es": {
        "enero": "january", "febrero": "february", "marzo": "march", "abril": "april",
        "mayo": "may", "junio": "june", "julio": "july", "agosto": "august",
        "septiembre": "september", "setiembre": "september", "octubre": "october",
        "noviembre": "november", "diciembre": "december",
    },
    "de": {
        "januar": "january", "janner": "january", "februar": "february", "marz": "march",
        "maerz": "march", "april": "april", "mai": "may", "juni": "june", "juli": "july",
        "august": "august", "september": "september", "oktober": "october",
        "november": "november", "dezember": "december",
    },
    "fr": {
        "janvier": "january", "fevrier": "february", "mars": "march", "avril": "april",
        "mai": "may", "juin": "june", "juillet": "july", "aout": "august",
        "septembre": "september", "octobre": "october", "novembre": "november",
        "decembre": "december",
    },
}  # fmt: skip
"""Month names (plain spelling) → English."""

WEEKDAYS: dict[str, dict[str, str]] = {
    "es": {
        "lunes": "monday", "martes": "tuesday", "miercoles": "wednesday", "jueves": "thursday",
        "viernes": "friday", "sabado": "saturday", "domingo": "sunday",
    },
    "de": {
        "montag": "monday", "dienstag": "tuesday", "mittwoch": "wednesday",
        "donnerstag": "thursday", "freitag": "friday", "samstag": "saturday",
        "sonnabend": "saturday", "sonntag": "sunday",
    },
    "fr": {
        "lundi": "monday", "mardi": "tuesday", "mercredi": "wednesday", "jeudi": "thursday",
        "vendredi": "friday", "samedi": "saturday", "dimanche": "sunday",
    },
}  # fmt: skip
"""Weekday names (plain spelling) → English."""

_DE_ORD_SMALL = {
    1: "ers", 2: "zwei", 3: "drit", 4: "vier", 5: "funf", 6: "sechs", 7: "sieb", 8: "ach",
    9: "neun", 10: "zehn", 11: "elf", 12: "zwolf", 13: "dreizehn", 14: "vierzehn",
    15: "funfzehn", 16: "sechzehn", 17: "siebzehn", 18: "achtzehn", 19: "neunzehn",
}  # fmt: skip


def _ordinals(language: str) -> dict[str, int]:
    """Ordinal day words 1 to 31 (plain spelling) → their number."""
    out: dict[str, int] = {}
    if language == "de":
        for n, stem in _DE_ORD_SMALL.items():
            for end in ("te", "ten", "ter", "tes", "tem"):
                out[stem + end] = n
        cardinals = {_plain_key(k): v for k, v in NUMBERS["de"].items() if 20 <= v <= 31}
        for word, n in cardinals.items():
            for end in ("ste", "sten", "ster", "stes", "stem"):
                out[word + end] = n
    elif language == "fr":
        out.update({"premier": 1, "1er": 1, "premiere": 1, "1ere": 1})
    elif language == "es":
        out.update({"primero": 1, "uno": 1, "primer": 1, "1o": 1, "1ro": 1})
    return out


ORDINALS = {lang: _ordinals(lang) for lang in ("es", "de", "fr")}


def _alt(words: dict[str, str] | dict[str, int]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


def _suffix(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


_SHORT_YEAR = r"(?P<yy>3[2-9]|[4-9]\d)(?=[.,;!?]*(?:$| (?:a|um|at|las|vers|gegen)\b))"
"""A two-digit year after day and month ("quatre juillet quatre-vingt", "del ochenta"): 32-99
(lower ones may be a day or an hour, as in English), at the end or before a time."""


def _day_month(lang: str, m: re.Match[str]) -> str:
    """'3 de marzo de 2027' → 'march 3 2027'; an impossible day is left as said.

    A two-digit year comes out as "'80", which the English parser reads as 1980.
    """
    day_word, month, year = m.group("d"), m.group("m"), m.group("y")
    day = int(day_word) if day_word.isdigit() else ORDINALS[lang].get(day_word, 0)
    if not 1 <= day <= 31:
        return m.group()
    english = MONTHS[lang][month] + f" {day}"
    short = m.groupdict().get("yy")
    if short:
        return english + f" '{short}"
    return english + (f" {year}" if year else "")


def _numeric_day(day: int, month: int, said: str) -> str:
    """'24.12.' → 'december 24' (the English parser finds the next one); else as said."""
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return said
    return f"{_EN_MONTHS[month - 1]} {day}"


_EN_MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)  # fmt: skip


_NOT_WRITTEN = r"(?![/.-]\d)"
"""After "el 01", "le 01", "am 01.": not the first part of a written date ("el 01/02/2027")."""


def _noon_minutes(m: re.Match[str]) -> str:
    """Minutes said after or before noon or midnight, as an English clock ("at 23:45")."""
    minutes = 15 if m["q"] else 30 if m.groupdict().get("h") else int(m["mi"])
    if not 0 < minutes < 60:
        return NO_VALUE
    hour = 12 if m["w"] in ("mediodia", "mittag") else 0
    if m["rel"] in ("menos", "vor"):
        return "at " + _clock((hour - 1) % 24, 60 - minutes)
    return "at " + _clock(hour, minutes)


def _nth(m: re.Match[str]) -> str:
    """'el 3', 'le 3', 'am 3.' → 'the 3rd' (a day of this or next month)."""
    day = int(m["d"])
    return f"the {day}{_suffix(day)}" if 1 <= day <= 31 else m.group()


def _clock(hour: int, minute: int) -> str:
    """'H:MM', or '' when not a time of day."""
    if not (0 <= hour <= 24 and 0 <= minute <= 59):
        return ""
    return f"{hour % 24 if hour == 24 else hour}:{minute:02d}"


def _before(hour: int) -> int:
    """The hour before ``hour`` on a 12/24-hour clock ("halb eins" is 12:30)."""
    return 12 if hour == 1 else (23 if hour == 0 else hour - 1)


def _minute(word: str | None) -> int:
    """Minutes said after the hour: digits, or "un"/"une"/"una"/"uno" (one past)."""
    if not word:
        return 0
    return int(word) if word.isdigit() else 1


def _at_night(t: str, minutes: str = "") -> str:
    """A clock time said "at night": 1-5 (and 12) are after midnight, 6-11 the evening.

    ``minutes``: what was said between the hour and "at night" ("y 5"), kept as said.
    """
    hour = int(t.split(":")[0].strip())
    return f"{t}{minutes} am" if hour <= 5 or hour == 12 else f"{t}{minutes} pm"


def _keep_or(m: re.Match[str], new: str) -> str:
    return new if new else m.group()


_ES_CLOCK = r"(?<![:\d])(?<!: )(?P<t>\d{1,2}(?: ?: ?\d{1,2})?)"
"""A clock time before a part of the day: the hour and, kept apart, its minutes ("10 : 5")."""


_INSTEAD = {
    "es": r"en (?:vez|lugar) del?",
    "fr": r"au lieu (?:de|du|d')|plutot que",
    "de": r"(?:an)?statt(?: des| der| dem)?|an ?stelle(?: von| des| der)?",
}


def instead_rules(language: str) -> list[Rewrite]:
    """Rules for "instead of": the value right after it is refused ("en vez de cinco, seis").

    Hindi says it after the value ("पाँच की जगह छह"): the value and its postposition
    become "instead of पाँच," so that the same rule refuses it.
    """
    if language == "hi":
        return [
            (
                _ph(
                    rf"(?P<x>[^\s,।]+(?: [^\s,।]+)?) (?:{_dev('की')}|{_dev('के')}|ki|ke) "
                    rf"(?:{_dev('जगह')}|jagah)"
                ),
                lambda m: f"instead of {m['x']},",
            )
        ]
    words = _INSTEAD.get(language)
    return [] if words is None else [(_p(words), _const("instead of"))]


# Self-repair markers in the caller's words ("tres, digo, trece"), as the English ones the
# repair rules read (``superdialog.slots.repairs``); plain spelling (no accents).
_CORRECTIONS = {
    "es": {
        "digo": "i mean", "quiero decir": "i mean", "quise decir": "i meant",
        "mejor dicho": "or rather", "o sea no": "no i mean", "me equivoque": "my mistake",
        "perdon": "sorry", "perdona": "sorry", "perdone": "sorry",
    },
    "de": {
        "ich meine": "i mean", "ich meinte": "i meant", "ich wollte sagen": "i mean",
        "beziehungsweise": "or rather", "bzw": "or rather", "entschuldigung": "sorry",
        "verzeihung": "sorry", "korrektur": "correction",
    },
    "fr": {
        "je veux dire": "i mean", "je voulais dire": "i meant", "ou plutot": "or rather",
        "je me suis trompe": "my mistake", "je me suis trompee": "my mistake",
        "pardon": "sorry", "excusez-moi": "sorry", "correction": "correction",
    },
    "hi": {
        "मेरा मतलब": "i mean", "mera matlab": "i mean", "माफ़ कीजिए": "sorry",
        "माफ कीजिए": "sorry", "maaf kijiye": "sorry", "sorry": "sorry",
    },
}  # fmt: skip


def correction_rules(language: str) -> list[Rewrite]:
    """Rules for the language's self-repair markers: "digo", "ich meine", "je veux dire".

    The English repair rules then take the value said after them ("drei, ich meine
    dreizehn" is 13; it was 3, the value taken back).
    """
    table = _CORRECTIONS.get(language, {})
    return [
        (_ph(_dev(said)) if language == "hi" else _p(re.escape(said)), _const(table[said]))
        for said in sorted(table, key=len, reverse=True)
    ]


def _es_rules() -> list[Rewrite]:
    months, days = _alt(MONTHS["es"]), _alt(WEEKDAYS["es"])
    ords = _alt(ORDINALS["es"])
    return [
        (_p(r"(?:a )?la una"), lambda m: "a las 1" if m.group().startswith("a ") else "las 1"),
        (
            _p(
                rf"(?:el )?(?P<d>\d{{1,2}}|{ords}) de (?P<m>{months})"
                rf"(?: de(?:l)? (?P<y>\d{{4}})|,? (?:del )?{_SHORT_YEAR})?"
            ),
            lambda m: _day_month("es", m),
        ),
        (_p(rf"(?:el )?(?P<w>{days}) (?:pasado|anterior)"), _const(UNCLEAR)),
        (
            _p(rf"(?:el )?(?:(?:proximo|este) )?(?P<w>{days})(?: que viene| proximo)?"),
            lambda m: WEEKDAYS["es"][m.group("w")],
        ),
        (_p(r"(?:la )?(?:semana que viene|proxima semana|semana proxima)"), _const(UNCLEAR)),
        (
            _p(
                rf"(?:\d{{1,2}}|{_EN_DAYS}) (?:o|u) "
                rf"(?:a )?(?:el |la |las |the |at )?(?:\d{{1,2}}|{_EN_DAYS})"
            ),
            _const(NO_VALUE),
        ),
        (
            _p(r"(?:a )?las (?P<h>\d{1,2}) menos (?P<mi>\d{1,2})"),
            lambda m: _keep_or(m, _minus(int(m["h"]), int(m["mi"]))),
        ),
        (_p(r"el (?:dia )?(?P<d>\d{1,2})(?! ?:)" + _NOT_WRITTEN), _nth),
        (_p(r"(?:a )?las 12 de la noche"), _const("at midnight")),
        (_p(r"pasado manana"), _const("day after tomorrow")),
        (_p(r"manana (?:por|en) la manana"), _const("tomorrow morning")),
        (_p(r"manana (?:por|en) la tarde"), _const("tomorrow afternoon")),
        (_p(r"manana (?:por|en) la noche"), _const("tomorrow evening")),
        (
            _p(rf"{_ES_CLOCK} de la (?:manana|madrugada)"),
            lambda m: m["t"] + " am",
        ),
        (
            # the hour decides, not the minutes after it: "a las 10 y 5 de la noche" is 22:05
            _p(rf"{_ES_CLOCK}(?P<mi> y (?:\d{{1,2}}|media|cuarto))? de la noche"),
            lambda m: _at_night(m["t"], m["mi"] or ""),
        ),
        (_p(rf"{_ES_CLOCK} de la tarde"), lambda m: m["t"] + " pm"),
        (_p(r"(?:por|en|de) la manana"), _const("in the morning")),
        (_p(r"(?:por|en|de) la tarde"), _const("in the afternoon")),
        (_p(r"(?:por|en|de) la noche"), _const("in the evening")),
        (_p(r"esta noche"), _const("tonight")),
        (_p(r"esta tarde"), _const("this afternoon")),
        (_p(r"esta manana"), _const("this morning")),
        (_p(r"manana"), _const("tomorrow")),
        (_p(r"hoy"), _const("today")),
        (_p(r"ayer"), _const("yesterday")),
        # "mediodía y cuarto", "medianoche menos cuarto" gave noon and midnight: the minutes
        # said after the word were dropped
        (
            _p(
                r"(?:al |el |la |a la )?(?P<w>mediodia|medianoche) (?P<rel>y|menos) "
                r"(?:(?P<q>cuarto)|(?P<h>media)|(?P<mi>\d{1,2}))"
            ),
            _noon_minutes,
        ),
        (_p(r"(?:al )?mediodia"), _const("noon")),
        (_p(r"(?:la )?medianoche"), _const("midnight")),
        (
            _p(r"(?:a )?las (?P<h>\d{1,2}) y media"),
            lambda m: _keep_or(m, "at " + _clock(int(m["h"]), 30)),
        ),
        (
            _p(r"(?:a )?las (?P<h>\d{1,2}) y cuarto"),
            lambda m: _keep_or(m, "at " + _clock(int(m["h"]), 15)),
        ),
        (
            _p(r"(?:a )?las (?P<h>\d{1,2}) menos cuarto"),
            lambda m: _keep_or(m, "at " + _clock(_before(int(m["h"])), 45)),
        ),
        (
            _p(r"(?:a )?las (?P<h>\d{1,2}) ?: ?(?P<mi>\d{1,2}|un|una|uno)"),
            lambda m: _keep_or(m, "at " + _clock(int(m["h"]), _minute(m["mi"]))),
        ),
        (
            _p(r"(?:a )?las (?P<h>\d{1,2})(?! ?:)(?: en punto)?"),
            lambda m: "at " + m["h"] if int(m["h"]) <= 24 else m.group(),
        ),
    ]


def _de_rules() -> list[Rewrite]:
    months, days = _alt(MONTHS["de"]), _alt(WEEKDAYS["de"])
    ords = _alt(ORDINALS["de"])
    return [
        (_p(r"guten morgen"), _const("good morning")),
        (
            _p(r"(?:am|den|der|zum) (?P<d>" + ords + r")"),
            lambda m: f"the {ORDINALS['de'][m['d']]}{_suffix(ORDINALS['de'][m['d']])}",
        ),
        (
            _p(
                rf"(?:am |den |der |zum )?(?:the )?(?P<d>\d{{1,2}}|{ords})(?:\.|st|nd|rd|th)? "
                rf"(?P<m>{months})(?: (?P<y>\d{{4}})|,? {_SHORT_YEAR})?"
            ),
            lambda m: _day_month("de", m),
        ),
        (
            _p(r"(?P<d>" + ords + r")"),
            lambda m: f"the {ORDINALS['de'][m['d']]}{_suffix(ORDINALS['de'][m['d']])}",
        ),
        (_p(rf"(?:letzten|letzte|vergangenen|vergangener) (?:am )?(?P<w>{days})"), _const(UNCLEAR)),
        (
            _p(rf"(?:am |diesen |kommenden |nachsten |nachster |diesem )?(?P<w>{days})"),
            lambda m: WEEKDAYS["de"][m.group("w")],
        ),
        (_p(r"(?:nachste|kommende) woche"), _const(UNCLEAR)),
        (
            _p(
                rf"(?:\d{{1,2}}\.?|{_EN_DAYS}) oder "
                rf"(?:am |um |den |the |at )?(?:\d{{1,2}}|{_EN_DAYS})"
            ),
            _const(NO_VALUE),
        ),
        (_p(r"zwischen \d{1,2}(?: uhr)? und \d{1,2}"), _const(NO_VALUE)),
        (
            _p(r"(?:um )?(?P<mi>\d{1,2}) vor halb (?P<h>\d{1,2})"),
            lambda m: _keep_or(
                m,
                "at " + _clock(_before(int(m["h"])), 30 - int(m["mi"]))
                if 0 < int(m["mi"]) < 30
                else "",
            ),
        ),
        (
            _p(r"(?:um )?(?P<mi>\d{1,2}) nach halb (?P<h>\d{1,2})"),
            lambda m: _keep_or(
                m,
                "at " + _clock(_before(int(m["h"])), 30 + int(m["mi"]))
                if 0 < int(m["mi"]) < 30
                else "",
            ),
        ),
        (
            _p(r"(?:um )?(?P<mi>\d{1,2}) vor (?P<h>\d{1,2})"),
            lambda m: _keep_or(m, _minus(int(m["h"]), int(m["mi"]))),
        ),
        (
            _p(r"(?:um )?(?P<mi>\d{1,2}) nach (?P<h>\d{1,2})"),
            lambda m: _keep_or(m, "at " + _clock(int(m["h"]), int(m["mi"]))),
        ),
        (_p(r"(?:am|den|zum) (?P<d>\d{1,2})\.(?!\d)"), _nth),
        (_p(r"ubermorgen"), _const("day after tomorrow")),
        (_p(r"morgen (?:fruh|vormittag|morgen)"), _const("tomorrow morning")),
        (_p(r"morgen nachmittag"), _const("tomorrow afternoon")),
        (_p(r"morgen abend"), _const("tomorrow evening")),
        (_p(r"heute abend"), _const("tonight")),
        (_p(r"heute nachmittag"), _const("this afternoon")),
        (_p(r"heute (?:morgen|fruh|vormittag)"), _const("this morning")),
        (
            _p(r"(?P<t>\d{1,2}(?::\d\d)?) (?:uhr )?(?:morgens|fruh|vormittags|in der fruh)"),
            lambda m: m["t"] + " am",
        ),
        (
            _p(r"(?P<t>\d{1,2}(?::\d\d)?) (?:uhr )?(?:abends|nachmittags|am abend|am nachmittag)"),
            lambda m: m["t"] + " pm",
        ),
        (
            _p(r"(?<![:\d])(?P<t>\d{1,2}(?::\d\d)?) (?:uhr )?(?:nachts|in der nacht)"),
            lambda m: _at_night(m["t"]),
        ),
        (_p(r"am morgen|morgens"), _const("in the morning")),
        (_p(r"am abend|abends"), _const("in the evening")),
        (_p(r"am nachmittag|nachmittags"), _const("in the afternoon")),
        (_p(r"morgen"), _const("tomorrow")),
        (_p(r"heute"), _const("today")),
        (_p(r"gestern"), _const("yesterday")),
        # "Viertel nach Mitternacht", "zehn vor Mitternacht" gave midnight
        (
            _p(
                r"(?:um )?(?:(?P<q>viertel)|(?P<mi>\d{1,2})) (?P<rel>nach|vor) "
                r"(?P<w>mitternacht|mittag)"
            ),
            _noon_minutes,
        ),
        (_p(r"mitternacht"), _const("midnight")),
        (
            _p(r"(?:um )?halb (?P<h>\d{1,2})"),
            lambda m: _keep_or(m, "at " + _clock(_before(int(m["h"])), 30)),
        ),
        (
            _p(r"(?:um )?viertel nach (?P<h>\d{1,2})"),
            lambda m: _keep_or(m, "at " + _clock(int(m["h"]), 15)),
        ),
        (
            _p(r"(?:um )?(?:viertel vor|dreiviertel) (?P<h>\d{1,2})"),
            lambda m: _keep_or(m, "at " + _clock(_before(int(m["h"])), 45)),
        ),
        (
            _p(r"(?:um )?(?P<h>\d{1,2}) uhr (?P<mi>\d{1,2})"),
            lambda m: _keep_or(m, "at " + _clock(int(m["h"]), int(m["mi"]))),
        ),
        (
            _p(r"(?:um )?(?P<h>\d{1,2})(?::(?P<mi>\d\d))? uhr"),
            lambda m: _keep_or(m, "at " + _clock(int(m["h"]), int(m["mi"] or 0))),
        ),
        (_p(r"um (?P<h>\d{1,2}(?::\d\d)?)"), lambda m: "at " + m["h"]),
        (_p(r"gegen (?P<h>\d{1,2}(?::\d\d)?)"), lambda m: "around " + m["h"]),
        (
            # "am 24.12.": a numeric day and month without a year (the next such day)
            _p(r"(?:am |den |zum )?(?P<d>\d{1,2})\.(?P<mo>\d{1,2})\.(?!\d)"),
            lambda m: _numeric_day(int(m["d"]), int(m["mo"]), m.group()),
        ),
        (_p(r"mittag|mittags"), _const("noon")),
    ]


def _fr_rules() -> list[Rewrite]:
    months, days = _alt(MONTHS["fr"]), _alt(WEEKDAYS["fr"])
    ords = _alt(ORDINALS["fr"])
    return [
        (
            _p(
                rf"(?:le )?(?P<d>\d{{1,2}}|{ords}) (?P<m>{months})"
                rf"(?: (?P<y>\d{{4}})|,? {_SHORT_YEAR})?"
            ),
            lambda m: _day_month("fr", m),
        ),
        (_p(rf"(?:le |ce )?(?P<w>{days}) (?:dernier|passe)"), _const(UNCLEAR)),
        (
            _p(rf"(?:le |ce )?(?P<w>{days})(?: prochain| qui vient)?"),
            lambda m: WEEKDAYS["fr"][m.group("w")],
        ),
        (_p(r"(?:la )?semaine (?:prochaine|qui vient)"), _const(UNCLEAR)),
        (
            _p(
                rf"(?:(?:the |at )?\d{{1,2}}(?:st|nd|rd|th|:\d\d)?|{_EN_DAYS})"
                rf"(?: ?h| heures?)? ou (?:le |a |the |at )?"
                rf"(?:\d{{1,2}}(?: ?h| heures?)?|{_EN_DAYS})"
            ),
            _const(NO_VALUE),
        ),
        (_p(r"entre \d{1,2}(?: ?h| heures?)? et \d{1,2}"), _const(NO_VALUE)),
        (
            _p(r"(?:a )?(?P<h>\d{1,2}) ?(?:heures?|h) moins (?P<mi>\d{1,2})"),
            lambda m: _keep_or(m, _minus(int(m["h"]), int(m["mi"]))),
        ),
        (_p(r"le (?P<d>\d{1,2})(?! ?(?::|h\b|heures?))" + _NOT_WRITTEN), _nth),
        (_p(r"(?:a )?minuit et demie?"), _const("at 0:30")),
        (_p(r"apres-demain|apres demain"), _const("day after tomorrow")),
        (_p(r"demain matin"), _const("tomorrow morning")),
        (_p(r"demain (?:apres-midi|apres midi)"), _const("tomorrow afternoon")),
        (_p(r"demain soir"), _const("tomorrow evening")),
        (_p(r"ce soir"), _const("tonight")),
        (_p(r"cet (?:apres-midi|apres midi)"), _const("this afternoon")),
        (_p(r"ce matin"), _const("this morning")),
        (_p(r"demain"), _const("tomorrow")),
        (_p(r"aujourd'hui|aujourdhui|aujourd hui"), _const("today")),
        (_p(r"hier"), _const("yesterday")),
        # "midi moins le quart" gave noon: the minutes after "midi"/"minuit" were dropped
        (
            _p(r"(?:a )?(?P<w>midi|minuit) moins (?:le quart|(?P<mi>\d{1,2}))"),
            lambda m: "at " + _clock(11 if m["w"] == "midi" else 23, 60 - int(m["mi"] or 15)),
        ),
        (
            _p(r"(?:a )?(?P<w>midi|minuit) (?:et quart|(?P<mi>\d{1,2}))(?! ?(?:h\b|heures?|:))"),
            lambda m: "at " + _clock(12 if m["w"] == "midi" else 0, int(m["mi"] or 15)),
        ),
        (_p(r"(?:a )?midi et demi(?:e)?"), _const("at 12:30")),
        (_p(r"(?:a )?minuit"), _const("midnight")),
        (_p(r"(?:a )?midi"), _const("noon")),
        (
            _p(r"(?:a )?(?P<h>\d{1,2}) ?(?:heures?|h) et demie?"),
            lambda m: _keep_or(m, "at " + _clock(int(m["h"]), 30)),
        ),
        (
            _p(r"(?:a )?(?P<h>\d{1,2}) ?(?:heures?|h) et quart"),
            lambda m: _keep_or(m, "at " + _clock(int(m["h"]), 15)),
        ),
        (
            _p(r"(?:a )?(?P<h>\d{1,2}) ?(?:heures?|h) moins (?:le )?quart"),
            lambda m: _keep_or(m, "at " + _clock(_before(int(m["h"])), 45)),
        ),
        (
            _p(r"(?:a )?(?P<h>\d{1,2}) ?(?:heures?|h) ?(?P<mi>\d{1,2}|une|un)?"),
            lambda m: _keep_or(m, "at " + _clock(int(m["h"]), _minute(m["mi"]))),
        ),
        (_p(r"(?P<t>\d{1,2}:\d\d) du matin"), lambda m: m["t"] + " am"),
        (
            _p(r"(?P<t>\d{1,2}:\d\d) (?:du soir|de l'apres-midi|de l'apres midi)"),
            lambda m: m["t"] + " pm",
        ),
        (_p(r"du matin|le matin"), _const("in the morning")),
        (_p(r"du soir|le soir"), _const("in the evening")),
        (_p(r"de l'apres-midi|l'apres-midi"), _const("in the afternoon")),
    ]


def _ph(regex: str) -> re.Pattern[str]:
    """A Hindi rule: word edges include Devanagari vowel signs (not word characters)."""
    edge = r"[\w'\u0900-\u097f-]"
    return re.compile(rf"(?<!{edge})(?:" + regex + rf")(?!{edge})")


def _dev(word: str) -> str:
    """A Devanagari word as a pattern that takes a nukta written apart or not at all."""
    out: list[str] = []
    for ch in plain_chars(word):
        if ch == "\u093c":
            continue  # optional after every consonant below
        out.append(re.escape(ch))
        if "\u0915" <= ch <= "\u0939":
            out.append("\u093c?")
    return "".join(out)


_HI_MONTHS = {
    "जनवरी": "january", "फरवरी": "february", "मार्च": "march", "अप्रैल": "april",
    "मई": "may", "जून": "june", "जुलाई": "july", "अगस्त": "august", "सितंबर": "september",
    "सितम्बर": "september", "अक्टूबर": "october", "अक्तूबर": "october", "नवंबर": "november",
    "नवम्बर": "november", "दिसंबर": "december", "दिसम्बर": "december",
}  # fmt: skip
_HI_WEEKDAYS = {
    "सोमवार": "monday", "मंगलवार": "tuesday", "बुधवार": "wednesday", "गुरुवार": "thursday",
    "बृहस्पतिवार": "thursday", "शुक्रवार": "friday", "शनिवार": "saturday",
    "रविवार": "sunday", "इतवार": "sunday", "somvar": "monday", "mangalvar": "tuesday",
    "budhvar": "wednesday", "guruvar": "thursday", "shukravar": "friday",
    "shanivar": "saturday", "ravivar": "sunday", "itvaar": "sunday", "itvar": "sunday",
}  # fmt: skip


def _hi_lookup(table: dict[str, str]) -> tuple[str, Callable[[str], str]]:
    """An alternation over ``table``'s words and a lookup from what it matched."""
    by_plain = {plain_chars(k).replace("\u093c", ""): v for k, v in table.items()}
    pattern = "|".join(sorted((_dev(k) for k in table), key=len, reverse=True))
    return pattern, lambda said: by_plain[said.replace("\u093c", "")]


def _hi_rules() -> list[Rewrite]:
    months, month_of = _hi_lookup(_HI_MONTHS)
    days, day_of = _hi_lookup(_HI_WEEKDAYS)
    baje = rf"(?: (?:{_dev('बजे')}|baje|bje))?"
    evening = rf"(?:{_dev('शाम')}|{_dev('रात')}|shaam|sham|raat)"
    night = rf"(?:{_dev('रात')}|raat)(?: (?:{_dev('को')}|ko))?"
    return [
        (_ph(rf"(?P<d>\d{{1,2}}) (?P<m>{months})(?: (?P<y>\d{{4}}))?"),
         lambda m: _hi_date(int(m["d"]), month_of(m["m"]), m["y"], m.group())),
        (_ph(rf"(?:{_dev('पिछले')}|{_dev('पिछला')}|pichhle|pichle) (?:{days})"), _const(UNCLEAR)),
        # "सोमवार या मंगलवार": a choice of days, not the first of them
        (_ph(rf"(?:{days}) (?:{_dev('या')}|ya|yaa) (?:(?:{_dev('अगले')}|{_dev('इस')}|agle|is) )?"
             rf"(?:{days})"), _const(NO_VALUE)),
        (_ph(rf"(?:(?:{_dev('अगले')}|{_dev('इस')}|agle|is) )?(?P<w>{days})"),
         lambda m: day_of(m["w"])),
        (_ph(rf"(?P<d>\d{{1,2}}) (?:{_dev('तारीख')}|tareekh|tarikh)"),
         lambda m: f"the {int(m['d'])}{_suffix(int(m['d']))}"
         if 1 <= int(m["d"]) <= 31 else m.group()),
        (_ph(rf"(?:{_dev('आज')}|aaj|aj) {evening}(?: (?:{_dev('को')}|ko))?"), _const("tonight")),
        (_ph(rf"\d{{1,2}} (?:{_dev('या')}|ya|yaa) \d{{1,2}}"), _const(NO_VALUE)),
        (_ph(rf"{_dev('आज')}|aaj"), _const("today")),
        (_ph(rf"{_dev('कल')}|{_dev('परसों')}|{_dev('परसो')}|kal|parson|parso"), _const(UNCLEAR)),
        (_ph(rf"(?:{_dev('एक')}|ek) (?:{_dev('बजे')}|baje|bje)"), _const("at 1")),
        # "रात 1 बजे", "रात डेढ़ बजे", "रात सवा 12 बजे": after midnight, not the afternoon
        (_ph(rf"{night} (?P<h>[1-5]){baje}"), lambda m: f"at {m['h']} am"),
        (_ph(rf"{night} (?:{_dev('डेढ़')}|dedh|derh){baje}"), _const("at 1:30 am")),
        (_ph(rf"{night} (?:{_dev('ढाई')}|dhai|dhaai){baje}"), _const("at 2:30 am")),
        (_ph(rf"{night} (?:{_dev('साढ़े')}|saadhe|sadhe|saade) (?P<h>12|[1-4]){baje}"),
         lambda m: f"at {m['h']}:30 am"),
        (_ph(rf"{night} (?:{_dev('सवा')}|sava|savaa|sawa) (?P<h>12|[1-5]){baje}"),
         lambda m: f"at {m['h']}:15 am"),
        (_ph(rf"{night} (?P<h>12|[1-5]) (?:{_dev('बजकर')}|bajkar|baj ?ke) (?P<mi>\d{{1,2}})"
             rf"(?: (?:{_dev('मिनट')}|minat|minute|min))?"),
         lambda m: _keep_or(m, "at " + _clock(int(m["h"]) % 12, int(m["mi"])))),
        (_ph(rf"{evening} 12{baje}"), _const("midnight")),
        (_ph(rf"(?:{_dev('साढ़े')}|saadhe|sadhe|saade) (?P<h>\d{{1,2}}){baje}"),
         lambda m: _keep_or(m, "at " + _clock(int(m["h"]), 30))),
        (_ph(rf"(?:{_dev('सवा')}|sava|savaa|sawa) (?P<h>\d{{1,2}}){baje}"),
         lambda m: _keep_or(m, "at " + _clock(int(m["h"]), 15))),
        (_ph(rf"(?:{_dev('पौने')}|paune|pone) (?P<h>\d{{1,2}}){baje}"),
         lambda m: _keep_or(m, "at " + _clock(_before(int(m["h"])), 45))),
        (_ph(rf"(?:{_dev('डेढ़')}|dedh|derh){baje}"), _const("at 1:30")),
        (_ph(rf"(?:{_dev('ढाई')}|dhai|dhaai){baje}"), _const("at 2:30")),
        (_ph(rf"(?P<h>\d{{1,2}}) (?:{_dev('बजकर')}|bajkar|baj ?ke) (?P<mi>\d{{1,2}})"
             rf"(?: (?:{_dev('मिनट')}|minat|minute|min))?"),
         lambda m: _keep_or(m, "at " + _clock(int(m["h"]), int(m["mi"])))),
        (_ph(rf"(?P<h>\d{{1,2}}) (?:{_dev('बजे')}|baje|bje)"),
         lambda m: "at " + m["h"] if int(m["h"]) <= 24 else m.group()),
        (_ph(rf"{evening}(?: (?:{_dev('को')}|ko))?"), _const("in the evening")),
        (_ph(rf"(?:{_dev('सुबह')}|subah|subha|subeh)(?: (?:{_dev('को')}|ko))?"),
         _const("in the morning")),
        (_ph(rf"(?:{_dev('दोपहर')}|dopahar|dopehar)(?: (?:{_dev('को')}|ko))?"),
         _const("in the afternoon")),
    ]  # fmt: skip


def _hi_date(day: int, month: str, year: str | None, said: str) -> str:
    if not 1 <= day <= 31:
        return said
    return f"{month} {day}" + (f" {year}" if year else "")


_UNITS: dict[str, str] = {
    "dia": "day", "dias": "day", "semana": "week", "semanas": "week", "mes": "month",
    "meses": "month", "hora": "hour", "horas": "hour", "minuto": "minute", "minutos": "minute",
    "tag": "day", "tagen": "day", "tage": "day", "woche": "week", "wochen": "week",
    "monat": "month", "monaten": "month", "stunde": "hour", "stunden": "hour",
    "minute": "minute", "minuten": "minute", "jour": "day", "jours": "day",
    "semaine": "week", "semaines": "week", "mois": "month", "heure": "hour", "heures": "hour",
    "minutes": "minute", "दिन": "day", "din": "day", "हफ्ते": "week", "हफ्ता": "week",
    "हफते": "week", "हफता": "week", "hafte": "week", "hafta": "week", "सप्ताह": "week",
    "महीने": "month", "महीना": "month", "mahine": "month", "mahina": "month",
    "घंटे": "hour", "घंटा": "hour", "ghante": "hour", "ghanta": "hour", "मिनट": "minute",
}  # fmt: skip
# "dans huit jours", "in acht Tagen" mean a week; "en quince días" two weeks: which day is meant
# is not what was said, so no date rather than one a day off.
_IDIOM_DAYS = {"es": (8, 15), "de": (8,), "fr": (8, 15), "hi": (15,)}


def _relative(language: str) -> Callable[[re.Match[str]], str]:
    """'en tres días' (after the number pass: 'en 3 dias') → 'in 3 days'."""

    def repl(m: re.Match[str]) -> str:
        if m["half"]:
            return "in half an hour"
        n = 1 if m["one"] else int(m["n"])
        unit = _UNITS.get(m["u"].replace("\u093c", ""), "")
        if not unit or not 1 <= n <= 400:
            return m.group()
        if unit == "day" and n in _IDIOM_DAYS.get(language, ()):
            return UNCLEAR
        return f"in {n} {unit}" + ("s" if n != 1 else "")

    return repl


def _relative_rule(language: str) -> Rewrite:
    """The rule for "in N days/weeks/months/hours/minutes" said in ``language``."""
    pattern, repl = _relative_said(language)
    # "en una semana o dos", "in zwei oder drei Tagen": a choice, not one day
    return re.compile(pattern.pattern + _NOT_A_CHOICE), repl


_NOT_A_CHOICE = r"(?! (?:o|u|ou|oder|ya|yaa|\u092f\u093e) )"


def _relative_said(language: str) -> Rewrite:
    """The pattern (without the guard against a choice) and its replacement."""
    if language == "es":
        regex = (
            r"(?:en|dentro de) (?:(?P<half>media hora)|(?:(?P<n>\d{1,3})|(?P<one>un|una)) "
            r"(?P<u>dias?|semanas?|mes|meses|horas?|minutos?))"
        )
        return _p(regex), _relative(language)
    if language == "de":
        regex = (
            r"in (?:(?P<half>einer halben stunde)|(?:(?P<n>\d{1,3})|(?P<one>einem|einer|eine|ein)) "
            r"(?P<u>tagen|tag|tage|wochen?|monaten|monat|stunden?|minuten?))"
        )
        return _p(regex), _relative(language)
    if language == "fr":
        regex = (
            r"(?:dans|d'ici) (?:(?P<half>une demi-heure|une demi heure)|(?:(?P<n>\d{1,3})|"
            r"(?P<one>un|une)) (?P<u>jours?|semaines?|mois|heures?|minutes?))"
        )
        return _p(regex), _relative(language)
    units = "|".join(
        sorted((_dev(k) if not k.isascii() else k for k in _UNITS if _is_hindi_unit(k)), key=len)[
            ::-1
        ]
    )
    regex = (
        rf"(?:(?P<half>{_dev('आधे घंटे')}|aadhe ghante)|(?:(?P<n>\d{{1,3}})|"
        rf"(?P<one>{_dev('एक')}|ek)) (?P<u>{units})) "
        rf"(?:{_dev('बाद')}|baad|bad|{_dev('में')}|mein|me)"
    )
    return _ph(regex), _relative(language)


def _is_hindi_unit(word: str) -> bool:
    return not word.isascii() or word in (
        "din",
        "hafte",
        "hafta",
        "mahine",
        "mahina",
        "ghante",
        "ghanta",
    )


_PRE: dict[str, list[Rewrite]] = {
    # a range, before the number pass joins its ends ("sept et huit" would read as one number)
    "fr": [
        (
            _p(r"entre (?:le |la |les )?\S+(?: ?h| heures?)? et (?:le |la |les )?\S+"),
            _const(NO_VALUE),
        )
    ],
    "de": [(_p(r"zwischen \S+(?: uhr)? und \S+"), _const(NO_VALUE))],
    # "las diez y cinco" is 10:05, not 15: keep hour and minutes apart before the number pass
    "es": [
        (_p(r"entre las? \w+ y (?:las? )?\w+"), _const(NO_VALUE)),
        (
            _p(r"(?P<a>las? \w+) y (?P<b>(?!media|cuarto|las?\b)\w+)"),
            lambda m: f"{m['a']} : {m['b']}",
        ),
    ],
}

_RULES: dict[str, list[Rewrite]] = {
    lang: [*correction_rules(lang), *instead_rules(lang), _relative_rule(lang), *rules()]
    for lang, rules in (("es", _es_rules), ("de", _de_rules), ("fr", _fr_rules), ("hi", _hi_rules))
}

MOMENT_LANGUAGES = frozenset(_RULES)
"""Languages whose dates and times the pre-pass reads."""


def rules_for(language: str, *, before_numbers: bool) -> list[Rewrite]:
    """The rules of ``language`` to run before or after the number-word pass."""
    return (_PRE if before_numbers else _RULES).get(language, [])
