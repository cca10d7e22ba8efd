"""Dates, times of day and moments read back the caller's way.

Month and weekday names and the date's order come from CLDR ("martes, 3 de
marzo de 2026", "Dienstag, 3. März 2026", "mardi 3 mars 2026", "मंगलवार, 3
मार्च 2026"); the weekday and the year stay in, as in English, because they
make a misheard date obvious. Clock times are written the way each
language's speech synthesisers read them: "19:30" (or "7:30 p.m." where the
region writes a 12-hour clock), "19:30 Uhr", "19 h 30", and in Hindi the
words callers use ("शाम साढ़े 7 बजे").

A value is always the bare phrase, with no preposition: flows and messages
put "el", "am", "le" or "को" around it themselves ("Lo siento, el {{ date }}
a las {{ time }} ...").
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel import Locale

__all__ = ["say_date", "say_datetime", "say_time"]

_FIRST_DAY = re.compile(r"(?<!\d)1(?!\d)")
_QUOTED = re.compile(r"'([^']*)'")


def say_date(value: date, language: str, loc: Locale) -> str:
    """The date in full: weekday, day, month and year (French "1er" for the first)."""
    from babel.dates import format_date  # lazy: babel only for a non-English read-back

    text = format_date(value, "full", locale=loc)
    if language == "fr" and value.day == 1:
        text = _FIRST_DAY.sub("1er", text, count=1)
    return text


def say_time(value: time, language: str, loc: Locale) -> str:
    """The time of day as that language's speech synthesisers read it naturally.

    A 24-hour clock says the part of the day for morning and night hours
    ("7:00 de la mañana", "7 Uhr morgens", "7 h du matin"): "7 Uhr" alone is
    as ambiguous to a caller booking a table as "7" is in English, where the
    read-back always says AM or PM.
    """
    clock = value.replace(tzinfo=None, second=0, microsecond=0)
    hour, minute = clock.hour, clock.minute
    if language == "hi":
        return _hindi_time(hour, minute)
    if language == "de":
        text = f"{hour} Uhr" if minute == 0 else f"{hour}:{minute:02d} Uhr"
    elif language == "fr":
        if minute == 0 and hour in (0, 12):
            return "minuit" if hour == 0 else "midi"
        text = f"{hour} h" if minute == 0 else f"{hour} h {minute:02d}"
    else:
        from babel.dates import format_time  # lazy: babel only for a non-English read-back

        # CLDR puts a narrow no-break space before "p.m."; a plain one reads the same and
        # is what a flow's author types in a test
        text = format_time(clock, "short", locale=loc).replace("\u202f", " ")
        if language != "es" or "a" in str(loc.time_formats["short"].pattern):
            return text  # a 12-hour clock says a.m./p.m. itself; other languages: CLDR's form
    part = _MORNING.get(language)
    if part is None or hour >= 12 or (hour == 0 and minute == 0):
        return text
    night, morning, day_starts = part
    return f"{text} {night if hour < day_starts else morning}"


# (night, morning, hour the morning starts) for a 24-hour clock's hours before noon
_MORNING = {
    "es": ("de la madrugada", "de la mañana", 6),
    "de": ("nachts", "morgens", 5),
    "fr": ("du matin", "du matin", 0),
}


def say_datetime(value: datetime, language: str, loc: Locale) -> str:
    """A day and a time in one phrase: "... a las 19:30", "... um 19:30 Uhr", "... à 19 h 30"."""
    day = say_date(value.date(), language, loc)
    clock = say_time(value.timetz(), language, loc)
    if language == "es":
        one = clock.startswith(("1:", "1 ")) or clock == "1"
        return f"{day} {'a la' if one else 'a las'} {clock}"
    if language == "de":
        return f"{day} um {clock}"
    if language == "fr":
        return f"{day} à {clock}"
    if language == "hi":
        return f"{day}, {clock}"
    glue = str(loc.datetime_formats.get("full", "{1} {0}"))
    glue = _QUOTED.sub(lambda m: m.group(1) or "'", glue)
    return glue.replace("{1}", day).replace("{0}", clock)


# Hindi: the part of the day goes first, and half, quarter past and quarter to are words.
def _hindi_part(hour: int) -> str:
    if 4 <= hour < 12:
        return "सुबह"
    if 12 <= hour < 16:
        return "दोपहर"
    if 16 <= hour < 20:
        return "शाम"
    return "रात"


def _hindi_time(hour: int, minute: int) -> str:
    """The Hindi clock: "शाम 7 बजे", "शाम साढ़े 7 बजे", "दोपहर डेढ़ बजे", "सुबह 9 बजकर 10 मिनट"."""
    part = _hindi_part(hour)
    h12 = hour % 12 or 12
    if minute == 0:
        return f"{part} {h12} बजे"
    if minute == 30:
        if h12 == 1:
            return f"{part} डेढ़ बजे"
        if h12 == 2:
            return f"{part} ढाई बजे"
        return f"{part} साढ़े {h12} बजे"
    if minute == 15:
        return f"{part} सवा {h12} बजे"
    if minute == 45:
        return f"{part} पौने {h12 % 12 + 1} बजे"
    return f"{part} {h12} बजकर {minute} मिनट"
