"""The ``date`` slot type and the date phrases ``datetime`` reuses.

Resolution rules (documented in docs/slot-types.md because callers and
flow authors must be able to predict them):

* "tuesday", "on tuesday", "this coming tuesday": the first Tuesday *after*
  today (1-7 days ahead).
* "this tuesday": the first Tuesday on or after today (0-6 days ahead).
* "next tuesday", "tuesday next week": the Tuesday of next Monday-Sunday week.
* "last tuesday": the latest Tuesday before today.
* A month and day without a year ("march 3rd"), or a bare day ("the 5th"),
  is the next such date on or after today: callers book ahead.
* "12/25": month/day in the US and its territories, day/month elsewhere;
  "2026-12-01" is always ISO.
* "next week" / "next month" alone are too vague and give ``None``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from .base import ExtractContext, Match, SlotType
from .clock import local_now
from .counted import CLOCK_WORDS, COUNTED_NOUNS
from .numbers import (
    ORDINALS,
    TENS,
    UNITS,
    ordinal_suffix,
    parse_cardinal,
    parse_ordinal,
    parse_year,
)
from .tokens import FILLERS, Token, is_numeral, tokenize

__all__ = [
    "MONTHS",
    "WEEKDAYS",
    "DateHit",
    "DateType",
    "Offset",
    "add_months",
    "find_date",
    "names_a_day",
    "parse_offset",
    "say_date",
    "says_a_day",
]

WEEKDAYS: dict[str, int] = {
    "monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "wednesday": 2, "weds": 2,
    "wed": 2, "thursday": 3, "thurs": 3, "thu": 3, "friday": 4, "fri": 4, "saturday": 5,
    "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip
MONTHS: dict[str, int] = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11,
    "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")  # fmt: skip
# Regions that write month/day/year.
_MONTH_FIRST = frozenset({"US", "PR", "GU", "VI", "AS", "MP", "UM", "PH", "FM", "MH", "PW"})
_OFFSET_UNITS = {
    "minute": "minute", "minutes": "minute", "min": "minute", "mins": "minute",
    "hour": "hour", "hours": "hour", "hr": "hour", "hrs": "hour", "day": "day", "days": "day",
    "week": "week", "weeks": "week", "fortnight": "fortnight", "month": "month",
    "months": "month", "year": "year", "years": "year",
}  # fmt: skip


# After "june second thirty", these make the number a time or a count, not a year.
_NOT_YEAR_AFTER = COUNTED_NOUNS | CLOCK_WORDS
# Longest day of each month (February 29th exists, in leap years).
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@dataclass(frozen=True, slots=True)
class DateHit:
    """A date found in tokens ``[first, end)``."""

    value: date
    first: int
    end: int


@dataclass(frozen=True, slots=True)
class Offset:
    """An offset such as "in two weeks", said in tokens ``[first, end)``."""

    amount: int
    unit: str  # minute, hour, day, week, month, year
    first: int
    end: int

    def apply(self, moment: datetime) -> datetime:
        """``moment`` moved forward by this offset (months clamp to the month's end)."""
        if self.unit == "minute":
            return moment + timedelta(minutes=self.amount)
        if self.unit == "hour":
            return moment + timedelta(hours=self.amount)
        if self.unit == "day":
            return moment + timedelta(days=self.amount)
        if self.unit == "week":
            return moment + timedelta(weeks=self.amount)
        months = self.amount * (12 if self.unit == "year" else 1)
        return datetime.combine(add_months(moment.date(), months), moment.timetz())


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months``, clamped to the last day of the target month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    following = date(year + month // 12, month % 12 + 1, 1)
    last = (following - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def _safe_date(year: int, month: int, day: int) -> date | None:
    """``date(...)`` or ``None`` for impossible dates such as February 30th."""
    try:
        return date(year, month, day)
    except (ValueError, OverflowError):
        return None


def _upcoming(today: date, month: int, day: int) -> date | None:
    """The next ``month``/``day`` on or after today (looking up to 8 years for Feb 29)."""
    for year in range(today.year, today.year + 9):
        found = _safe_date(year, month, day)
        if found is not None and found >= today:
            return found
    return None


def _text(toks: list[Token], i: int) -> str:
    """Token text at ``i`` or "" past the end."""
    return toks[i].text if 0 <= i < len(toks) else ""


# ----------------------------------------------------------------------- offsets


def parse_offset(toks: list[Token], i: int) -> Offset | None:
    """Parse "in 3 days", "two weeks from now", "in half an hour", "a week from today"."""
    if _text(toks, i) == "in":
        body = _offset_body(toks, i + 1)
        if body is None:
            return None
        amount, unit, j = body
        if _text(toks, j) in ("time", "from") and _text(toks, j + 1) in ("now", "today", ""):
            j += 2 if _text(toks, j + 1) else 1
        return Offset(amount, unit, i, j)
    body = _offset_body(toks, i)
    if body is None:
        return None
    amount, unit, j = body
    if _text(toks, j) == "from" and _text(toks, j + 1) in ("now", "today"):
        return Offset(amount, unit, i, j + 2)
    if _text(toks, j) in ("later", "after") and _text(toks, j + 1) in ("", "that"):
        return None  # "two days later" needs an anchor we do not have
    return None


def _offset_body(toks: list[Token], i: int) -> tuple[int, str, int] | None:
    """Parse "<amount> <unit>" with amount a number, "a", "an" or "a couple of"."""
    word = _text(toks, i)
    if word == "half" and _text(toks, i + 1) in ("an", "a") and _text(toks, i + 2) == "hour":
        return 30, "minute", i + 3
    if word in ("a", "an"):
        if _text(toks, i + 1) == "couple" and _text(toks, i + 2) == "of":
            amount, j = 2, i + 3
        else:
            amount, j = 1, i + 1
    else:
        parsed = parse_cardinal(toks, i)
        if parsed is None or not isinstance(parsed[0], int) or not 0 < parsed[0] <= 1000:
            return None
        amount, j = parsed[0], parsed[1]
    unit = _OFFSET_UNITS.get(_text(toks, j))
    if unit is None:
        return None
    j += 1
    if unit == "fortnight":
        amount, unit = amount * 2, "week"
    if unit == "hour" and [_text(toks, j + k) for k in range(3)] == ["and", "a", "half"]:
        return amount * 60 + 30, "minute", j + 3
    return amount, unit, j


# ------------------------------------------------------------------------- dates


def find_date(toks: list[Token], today: date, region: str) -> DateHit | None:
    """The first date phrase in ``toks``, resolved against ``today``.

    A shorter phrase never hides a longer one it overlaps: in "born on the 24th
    of January 1966", "on the 24th" (this month) starts first, but "the 24th of
    January 1966" covers more of what was said and wins.
    """
    if _impossible(toks):
        return None  # "april 31st": not the 31st of this month, nor May 1st: ask again
    if _weekday_clash(toks, today, region):
        return None  # "wednesday the 17th" when the 17th is a Tuesday: one was misheard
    only_ordinal = _only_ordinal(toks)
    for i in range(len(toks)):
        hit = _date_at(toks, i, today, region, only_ordinal)
        if hit is None:
            continue
        j = i + 1
        while j < hit.end:
            longer = _date_at(toks, j, today, region, only_ordinal)
            if longer is not None and longer.end > hit.end:
                hit = longer
            j += 1
        return _weekday_after(toks, hit)
    return None


def _weekday_after(toks: list[Token], hit: DateHit) -> DateHit | None:
    """A weekday said after the date: "the 3rd, a Saturday", "October 3rd, Saturday".

    The same day: one answer, said twice. Another day: one of the two was misheard, no
    date (as "Friday the 3rd" when the 3rd is a Saturday).
    """
    k = hit.end + (_text(toks, hit.end) == ",")
    k += _text(toks, k) in ("a", "the", "on", "that's", "which's")
    weekday = _weekday(_text(toks, k))
    if weekday is None or _weekday(_text(toks, hit.first)) is not None:
        return hit
    if (
        _text(toks, k + 1) in ("after", "next", "week", "the")
        or _weekday(
            _text(toks, hit.first + (_text(toks, hit.first) in ("this", "next", "last", "on")))
        )
        is not None
    ):
        return hit
    return DateHit(hit.value, hit.first, k + 1) if hit.value.weekday() == weekday else None


def _impossible(toks: list[Token]) -> bool:
    """True when a month is said with a day it never has ("april 31st", "the 30th of february")."""
    for k, tok in enumerate(toks):
        month = MONTHS.get(tok.text)
        if month is None or (tok.text == "may" and k == 0):
            continue
        after = _day_number(toks, k + 1 + (_text(toks, k + 1) == "the"))
        if after is not None and after[0] > _MONTH_DAYS[month - 1]:
            return True
        back = k - 1 - (_text(toks, k - 1) == "of")
        for start in (back - 2, back - 1, back):
            if start < 0 or start == k:
                continue
            ordinal = parse_ordinal(toks, start)
            if (
                ordinal is not None
                and ordinal[1] == back + 1
                and ordinal[0] > _MONTH_DAYS[month - 1]
            ):
                return ordinal[0] <= 31
    return False


_DAY_WORDS_SAID = re.compile(
    r"\b(?:day|days|week|weeks|weekend|month|today|tonight|tomorrow|yesterday|"
    r"mon|tues|wednes|thurs|fri|satur|sun)(?:day)?s?\b",
    re.IGNORECASE,
)


def says_a_day(text: str) -> bool:
    """True when ``text`` holds a day word ("day", "week", "tomorrow", "friday")."""
    return _DAY_WORDS_SAID.search(text) is not None


_DAY_WORDS = frozenset(
    {"day", "days", "week", "weeks", "weekend", "month", "months", "year", "fortnight"}
)
_SUFFIXES = frozenset({"st", "nd", "rd", "th"})


def names_a_day(toks: list[Token]) -> bool:
    """True when ``toks`` name a day, read or not: a month, a weekday, "next week", "the 32nd".

    A ``datetime`` with a time but no day it can read must not fall back to today: "next
    week at 3", "april 31st at 3" and "wednesday the 17th at 3" (a Tuesday) are no value.
    """
    for k, tok in enumerate(toks):
        word = tok.text
        if word in _DAY_WORDS or _weekday(word) is not None:
            return True
        if word in MONTHS and (word != "may" or is_numeral(_text(toks, k + 1))):
            return True
        glued = k > 0 and toks[k - 1].end == tok.start and is_numeral(toks[k - 1].text)
        if word in _SUFFIXES and glued:
            return True  # "the 32nd"
        if k and toks[k - 1].text in ("the", "on") and parse_ordinal(toks, k) is not None:
            return True  # "the thirty-second"
        if k > 1 and [toks[k - 2].text, toks[k - 1].text] == ["on", "the"] and is_numeral(word):
            return True  # "on the 12, at 7": a day said without its ending
    return False


def _weekday_clash(toks: list[Token], today: date, region: str) -> bool:
    """True when a weekday is said with a date that falls on another day of the week.

    "Wednesday the seventeenth" when the 17th is a Tuesday: the weekday or the number
    was misheard (or misremembered), and either date would be a guess.
    """
    for k, tok in enumerate(toks):
        weekday = _weekday(tok.text)
        if weekday is None:
            continue
        j = k + 1 + (_text(toks, k + 1) == ",")
        explicit = (
            _month_day(toks, j, today)
            or _ordinal_day(toks, j, today, False)
            or _numeric(toks, j, today, region)
        )
        if explicit is not None and explicit.value.weekday() != weekday:
            return True
    return False


def _date_at(
    toks: list[Token], i: int, today: date, region: str, only_ordinal: bool
) -> DateHit | None:
    return (
        _relative_word(toks, i, today)
        or _weekday_phrase(toks, i, today, region)
        or _month_day(toks, i, today)
        or _ordinal_day(toks, i, today, only_ordinal)
        or _numeric(toks, i, today, region)
        or _offset_date(toks, i, today, region)
    )


def _relative_word(toks: list[Token], i: int, today: date) -> DateHit | None:
    """today, tonight, tomorrow, (the) day after tomorrow, yesterday, this morning."""
    word = toks[i].text
    later = {"week": 7, "fortnight": 14}.get(_text(toks, i + 1), 0)
    if word in ("today", "tonight", "todays", "today's"):
        # UK "today week", "tomorrow fortnight": a week or two after that day (they gave it)
        return DateHit(today + timedelta(days=later), i, i + 1 + bool(later))
    if word in ("tomorrow", "tmrw", "tomorrows", "tomorrow's", "tomorow"):
        return DateHit(today + timedelta(days=1 + later), i, i + 1 + bool(later))
    if word == "yesterday":
        return DateHit(today - timedelta(days=1), i, i + 1)
    start = i + 1 if word == "the" else i
    if _text(toks, start) == "day":
        rel, anchor = _text(toks, start + 1), _text(toks, start + 2)
        if rel == "after" and anchor == "tomorrow":
            return DateHit(today + timedelta(days=2), i, start + 3)
        if rel == "before" and anchor == "yesterday":
            return DateHit(today - timedelta(days=2), i, start + 3)
    if word == "this" and _text(toks, i + 1) in ("morning", "afternoon", "evening"):
        return DateHit(today, i, i + 2)
    return None


def _weekday(word: str) -> int | None:
    """Weekday number of "friday", "fri", "friday's" ("Saturday's better"), else ``None``."""
    return WEEKDAYS.get(word.removesuffix("'s"))


def _weekday_phrase(toks: list[Token], i: int, today: date, region: str) -> DateHit | None:
    """Parse "[on|this|next|last|this coming] <weekday> [next week]", "next week <weekday>"."""
    j = i
    mode = ""
    if _text(toks, j) in ("on", "the"):
        j += 1
    word = _text(toks, j)
    if word == "this" and _text(toks, j + 1) in ("coming", "upcoming"):
        mode, j = "coming", j + 2
    elif word in ("this", "next", "last", "coming", "upcoming", "past"):
        mode, j = {"upcoming": "coming", "past": "last"}.get(word, word), j + 1
        if mode == "next" and _text(toks, j) == "week":
            j += 1 + (_text(toks, j + 1) == "on")
            if _weekday(_text(toks, j)) is None:
                return None
    weekday = _weekday(_text(toks, j))
    if weekday is None:
        return None
    end = j + 1
    if _text(toks, end) == "of" and _text(toks, j - 1) in _NTH_OF:
        return None  # "the last friday of the month": not the latest Friday before today
    gone = 1 + (_text(toks, end) == "just")
    if mode in ("", "coming") and _text(toks, end + gone - 1) == "gone":
        mode, end = "last", end + gone  # "monday gone", "friday just gone" (gave the next one)
    # "the thursday after next", "friday after next": a week after "next friday"
    if mode in ("", "coming") and [_text(toks, end + k) for k in range(2)] == ["after", "next"]:
        monday = today - timedelta(days=today.weekday()) + timedelta(days=14)
        return DateHit(monday + timedelta(days=weekday), i, end + 2)
    later = {"week": 7, "fortnight": 14}.get(_text(toks, end))
    if mode in ("", "coming") and later and _text(toks, end + 1) != "of":
        # "thursday week", "friday fortnight" (UK): a week or two after the coming Thursday
        # (it gave the coming one); said on a Thursday it is a week or two away to different
        # callers: no date
        ahead = (weekday - today.weekday()) % 7
        return DateHit(today + timedelta(days=ahead + later), i, end + 1) if ahead else None
    if mode in ("", "coming") and _text(toks, end) == "next" and _text(toks, end + 1) == "week":
        mode, end = "next", end + 2
    elif mode in ("", "coming") and [_text(toks, end + k) for k in range(3)] == [
        "of",
        "next",
        "week",
    ]:
        mode, end = "next", end + 3
    # "tuesday march 3rd" / "tuesday the 5th": the explicit date (the same day: a clash
    # is no date at all, see _weekday_clash)
    k = end + (_text(toks, end) == ",")
    explicit = _month_day(toks, k, today) or _ordinal_day(toks, k, today, False)
    if explicit is None:
        explicit = _numeric(toks, k, today, region)
    if explicit is not None:
        return DateHit(explicit.value, i, explicit.end)
    ahead = (weekday - today.weekday()) % 7
    if mode == "this":
        value = today + timedelta(days=ahead)
    elif mode == "next":
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
        value = monday + timedelta(days=weekday)
    elif mode == "last":
        value = today - timedelta(days=(today.weekday() - weekday) % 7 or 7)
    else:
        value = today + timedelta(days=ahead or 7)
    return DateHit(value, i, end)


# "the last/first/second friday of the month": a weekday counted in a month (not read)
_NTH_OF = frozenset({"last", "first", "second", "third", "fourth", "final", "1st", "2nd", "3rd"})


def _day_number(toks: list[Token], i: int) -> tuple[int, int, bool] | None:
    """A day of month at ``i``: (day, end, said as an ordinal)."""
    ordinal = parse_ordinal(toks, i)
    if ordinal is not None:
        return ordinal[0], ordinal[1], True
    cardinal = parse_cardinal(toks, i)
    if cardinal is not None and isinstance(cardinal[0], int) and 1 <= cardinal[0] <= 31:
        return cardinal[0], cardinal[1], False
    return None


def _year_after(toks: list[Token], j: int, today: date | None = None) -> tuple[int, int] | None:
    """An optional ", 2026" / "twenty twenty six" / "seventy nine" / "'79" after a day."""
    k = j + (_text(toks, j) in (",", "of"))
    parsed = parse_year(toks, k)
    if parsed is not None:
        return parsed if 1900 <= parsed[0] <= 2199 else None
    if today is None:
        return None
    return _short_year(toks, k, today)


def _short_year(toks: list[Token], k: int, today: date) -> tuple[int, int] | None:
    """A two-digit year after a month and day: "seventy nine", "'79", "oh five".

    Only forms that cannot be a day or an hour count: "'79", "oh five", and from 32 up
    said as words or digits ("4 March 80" is 1980; up to 31 the date is no value, see
    :func:`short_number_after_day`).
    The century is the one that puts the year at or before this year ("seventy nine" is
    1979, "oh five" 2005): dates said this way are birth dates and past events.
    """
    word = _text(toks, k)
    if word == "'" and is_numeral(_text(toks, k + 1)) and len(_text(toks, k + 1)) == 2:
        short, end = int(_text(toks, k + 1)), k + 2
    elif word in ("oh", "o") and _text(toks, k + 1) in UNITS and _text(toks, k + 1) != "zero":
        short, end = UNITS[_text(toks, k + 1)], k + 2
    elif is_numeral(word) and len(word) == 2 and int(word) >= 32:  # "4 March 80"
        short, end = int(word), k + 1
        if _text(toks, end) in _NOT_YEAR_AFTER:
            return None
    elif word in TENS and TENS[word] >= 30:
        short, end = TENS[word], k + 1
        nxt = _text(toks, end + (_text(toks, end) == "-"))
        if nxt in UNITS and nxt != "zero":
            short, end = short + UNITS[nxt], end + 1 + (_text(toks, end) == "-")
        if short < 32 or _text(toks, end) in _NOT_YEAR_AFTER:
            return None
    else:
        return None
    year = 2000 + short if 2000 + short <= today.year else 1900 + short
    return year, end


def short_number_after_day(toks: list[Token], today: date) -> bool:
    """True when a month and day are followed by a bare number up to 31 that is no year.

    "March 4 20", "4 March 20", "August 1st 31", "June second, twenty": the number may be
    a year said short ('20: 2020, or 1920?), a misheard day ("March 24"), an hour or a count,
    so the date is no value. From 32 up the number can only be a year ("4 March 80" is
    1980, :func:`_short_year`), and a time word or counted noun after it ("March 4 20
    people", "June 2, 5 pm") makes it what it counts.
    """
    for k, tok in enumerate(toks):
        if tok.text not in MONTHS:
            continue
        back = k - 1 - (_text(toks, k - 1) == "of")
        day_before = False
        for start in (back - 1, back):
            day = _day_number(toks, start) if start >= 0 else None
            if day is not None and day[1] == back + 1:
                day_before = True  # "the first of january ...": the year comes next
                if _bare_short(toks, k + 1, today):
                    return True
        if day_before:
            continue
        start = k + 1 + (_text(toks, k + 1) == "the")
        after_day = _day_number(toks, start)
        if after_day is None:
            continue
        if _bare_short(toks, after_day[1], today):
            return True
        year = None if after_day[2] else parse_year(toks, start)
        if year is not None and year[1] > after_day[1]:
            return True  # "january nineteen ninety": January 1990, or the 19th in '90?
    return False


def _bare_short(toks: list[Token], j: int, today: date) -> bool:
    """A number from 0 to 31 at ``j`` (after an optional comma) that is no year or time."""
    if _year_after(toks, j, today) is not None:
        return False  # "twenty twenty", "'20", "oh five", "80": a year
    k = j + (_text(toks, j) == ",")
    word = _text(toks, k)
    if word in ("oh", "o") or _text(toks, k - 1) in ("at", "for", "by", "around", "about"):
        return False
    parsed = parse_cardinal(toks, k)
    if parsed is None or not isinstance(parsed[0], int) or not 0 <= parsed[0] <= 31:
        return False
    if is_numeral(word) and len(word) > 2:
        return False
    nxt = _text(toks, parsed[1])
    return not (
        nxt in _NOT_YEAR_AFTER
        or nxt in (":", ".", "h")
        or parse_cardinal(toks, parsed[1]) is not None
        or nxt in MONTHS
    )


def _year_before(toks: list[Token], i: int) -> int | None:
    """A year said just before a month and day ("nineteen-sixty six, january 24th")."""
    end = i - (_text(toks, i - 1) in (",", "in"))
    for start in range(max(0, end - 4), end):
        parsed = parse_year(toks, start)
        if parsed is not None and parsed[1] == end and 1900 <= parsed[0] <= 2199:
            return parsed[0]
    return None


def _month_day(toks: list[Token], i: int, today: date) -> DateHit | None:
    """Parse "march 3rd [2026]", "march the third", "3rd of march", "the third of march"."""
    month = MONTHS.get(_text(toks, i))
    if month is not None:
        j = i + 1 + (_text(toks, i + 1) == "the")
        day = _day_number(toks, j)
        if day is None:
            return None
        return _resolve(toks, i, month, day[0], day[1], today)
    j = i + (_text(toks, i) == "the")
    day = _day_number(toks, j)
    if day is None:
        return None
    k = day[1] + (_text(toks, day[1]) == "of")
    month = MONTHS.get(_text(toks, k))
    if month is None or (k == day[1] and not day[2] and _text(toks, k) == "may"):
        return None  # "2 may be fine": "may" straight after a cardinal is the verb
    return _resolve(toks, i, month, day[0], k + 1, today)


def _resolve(
    toks: list[Token], i: int, month: int, day: int, j: int, today: date
) -> DateHit | None:
    """Month and day (and maybe a year said after or before) to a date; ``None`` if impossible."""
    year = _year_after(toks, j, today)
    if year is not None:
        value = _safe_date(year[0], month, day)
        return None if value is None else DateHit(value, i, year[1])
    before = _year_before(toks, i)
    if before is not None:
        value = _safe_date(before, month, day)
        return None if value is None else DateHit(value, i, j)
    value = _upcoming(today, month, day)
    return None if value is None else DateHit(value, i, j)


def _only_ordinal(toks: list[Token]) -> bool:
    """True when the utterance is just an ordinal ("the fifth", "uh, fifth", "twenty-second")."""
    words = [
        t.text for t in toks if t.text not in FILLERS and t.text not in (",", ".", "-", "the", "on")
    ]
    if len(words) == 2 and words[0] in TENS:  # "twenty second", said after a repair marker
        return words[1] in ORDINALS and ORDINALS[words[1]] < 10
    return len(words) == 1 and words[0] in ORDINALS


def _only_numeral_ordinal(toks: list[Token]) -> bool:
    """True when ``toks`` are just a day written as an ordinal ("22nd", "the 3rd")."""
    words = [t for t in toks if t.text not in FILLERS and t.text not in (",", ".", "the", "on")]
    parsed = parse_ordinal(words, 0) if len(words) == 2 else None
    return parsed is not None and parsed[1] == 2


def _ordinal_day(toks: list[Token], i: int, today: date, only: bool) -> DateHit | None:
    """Parse "the 5th", "on the fifth", "5th": the next such day of a month."""
    word = _text(toks, i)
    j = i + (word in ("the", "on")) + (word == "on" and _text(toks, i + 1) == "the")
    parsed = parse_ordinal(toks, j)
    if parsed is None:
        return None
    day, end = parsed
    of_month = _text(toks, end) == "of" and _text(toks, end + 2) == "month"
    strong = j > i or is_numeral(_text(toks, j)) or only or of_month
    if not strong or not 1 <= day <= 31:
        return None
    if _text(toks, end) in ("time", "one", "option", "floor", "choice", "person", "week"):
        return None  # "the second time", "the first one"
    first_month = 0
    if of_month:
        if _text(toks, end + 1) not in ("this", "next", "the"):
            return None
        first_month = _text(toks, end + 1) == "next"
        end += 3
    for ahead in range(first_month, 3):
        month_start = add_months(date(today.year, today.month, 1), ahead)
        value = _safe_date(month_start.year, month_start.month, day)
        if value is not None and value >= today:
            return DateHit(value, i, end)
    return None


def _numeric(toks: list[Token], i: int, today: date, region: str) -> DateHit | None:
    """Parse numeric dates: "12/25", "12/25/2026", "25.12.2026", "2026-12-01"."""
    parts: list[str] = []
    seps: list[str] = []
    j = i
    while j < len(toks) and is_numeral(toks[j].text) and len(parts) < 3:
        parts.append(toks[j].text)
        nxt = j + 1
        if (
            nxt + 1 < len(toks)
            and toks[nxt].text in ("/", "-", ".")
            and toks[nxt].start == toks[j].end
            and toks[nxt + 1].start == toks[nxt].end
            and is_numeral(toks[nxt + 1].text)
            and len(parts) < 3
        ):
            seps.append(toks[nxt].text)
            j = nxt + 1
            continue
        j += 1
        break
    if len(parts) < 2 or len(set(seps)) > 1 or any(len(p) > 4 for p in parts):
        return None  # no part of a written date has more than 4 digits
    if len(parts) == 2 and seps[0] != "/":
        return None
    nums = [int(p) for p in parts]
    if len(parts) == 3 and len(parts[0]) == 4:
        value = _safe_date(nums[0], nums[1], nums[2])
        return None if value is None else DateHit(value, i, j)
    if len(parts[0]) > 2 or len(parts[1]) > 2:
        return None
    month_first = region.upper() in _MONTH_FIRST
    if month_first and nums[0] > 12 >= nums[1]:
        month_first = False
    elif not month_first and nums[1] > 12 >= nums[0]:
        month_first = True
    month, day = (nums[0], nums[1]) if month_first else (nums[1], nums[0])
    if len(parts) == 2:
        value = _upcoming(today, month, day)
        return None if value is None else DateHit(value, i, j)
    year = nums[2]
    if len(parts[2]) == 2:
        year += 1900 if year >= 69 else 2000
    elif len(parts[2]) != 4:
        return None
    value = _safe_date(year, month, day)
    return None if value is None else DateHit(value, i, j)


def _offset_date(toks: list[Token], i: int, today: date, region: str = "US") -> DateHit | None:
    """Parse "in two weeks", "3 days from now", "in a month", "two weeks from monday"."""
    if _text(toks, i) != "in":
        body = _offset_body(toks, i)
        if body is None:
            return None  # every offset but "in ..." starts with its amount
    else:
        body = None
    if body is not None and body[1] in ("day", "week", "month", "year"):
        amount, unit, j = body
        # "two weeks from monday", "3 days after friday", UK "a week on friday"
        joint = _text(toks, j)
        if unit in ("week", "fortnight") and joint in ("today", "tomorrow"):
            # UK "a week today", "a fortnight tomorrow" (they gave today and tomorrow)
            start = today + timedelta(days=joint == "tomorrow")
            moved = Offset(amount, unit, i, j + 1).apply(
                datetime.combine(start, datetime.min.time())
            )
            return DateHit(moved.date(), i, j + 1)
        if joint == "on" and _text(toks, i - 1) == "for":
            return None  # "for a week on friday": how long, from when
        if joint in ("from", "after", "on") and _text(toks, j + 1) not in ("now", "today"):
            if j + 1 >= len(toks):
                return None  # "a week from ...": the day was not said
            anchor = _relative_word(toks, j + 1, today) or _weekday_phrase(
                toks, j + 1, today, region
            )
            if anchor is None:
                return None  # "two weeks from when i called": no anchor we know
            moved = Offset(amount, unit, i, anchor.end).apply(
                datetime.combine(anchor.value, datetime.min.time())
            )
            return DateHit(moved.date(), i, anchor.end)
    offset = parse_offset(toks, i)
    if offset is None or offset.unit in ("minute", "hour"):
        return None
    moved = offset.apply(datetime.combine(today, datetime.min.time()))
    return DateHit(moved.date(), offset.first, offset.end)


def say_date(value: date) -> str:
    """Say "Tuesday, March 3rd, 2026": weekday and year make a mishearing obvious."""
    weekday = _WEEKDAY_NAMES[value.weekday()]
    return f"{weekday}, {_MONTH_NAMES[value.month - 1]} {ordinal_suffix(value.day)}, {value.year}"


class DateType(SlotType):
    """A calendar date: "tomorrow", "next tuesday", "march 3rd", "12/25", "in two weeks".

    Value: ``datetime.date`` in the caller's time zone. Impossible dates
    ("february 30th") give ``None``.
    """

    name = "date"
    needs_before = True  # repaired() keeps the month said before a repaired day
    ranged = True  # "under a hundred", "before five", "2 to 3": a bound or a span, no value
    pauses_inside = True  # "twenty, um, five" is 25
    description = "a calendar date, datetime.date"
    past_reason = "that date is in the past"
    future_reason = "that date is in the future"

    def scan(self, text: str, ctx: ExtractContext) -> Match | None:
        """First date phrase in ``text``."""
        toks = tokenize(text)
        today = local_now(ctx).date()
        hit = find_date(toks, today, ctx.region)
        if hit is None or short_number_after_day(toks, today):
            return None
        return Match(hit.value, toks[hit.first].start, toks[hit.end - 1].end)

    def repaired(
        self, before: Match | None, after: Match, text: str, cut: int, ctx: ExtractContext
    ) -> Match | None:
        """A repaired day of the month keeps the month said before it.

        "June second, no sorry, twenty third" is June 23rd, not the next 23rd (it gave
        March 23rd in March); a day the month does not have is no value.
        """
        if (
            before is None
            or not isinstance(before.value, date)
            or not isinstance(after.value, date)
        ):
            return after
        said = tokenize(text[after.start : after.end])
        if not (_only_ordinal(said) or _only_numeral_ordinal(said)):
            return after
        if not any(t.text in MONTHS for t in tokenize(text[before.start : before.end])):
            return after  # "the 21st, no, 22nd": the next 22nd, as said
        try:
            value = before.value.replace(day=after.value.day)
        except ValueError:
            return None  # "february second, no, thirtieth"
        today = local_now(ctx).date()
        if value < today <= before.value:
            ahead = add_months(value, 12)  # "march 20th, no, 5th" on March 11th: next March
            if ahead.day != value.day:
                return None  # a 29th of February with no leap year after it
            value = ahead
        return Match(value, after.start, after.end)

    def retracted(self, after: str) -> bool:
        """Day words after the marker take the day said before back.

        "tomorrow, actually the day after": the new day has no anchor we can read, so no
        value, never the tomorrow taken back.
        """
        return super().retracted(after) or says_a_day(after)

    def spoken(self, value: Any) -> str:
        """Read back as "Tuesday, March 3rd, 2026"."""
        if isinstance(value, datetime):
            value = value.date()
        return say_date(value) if isinstance(value, date) else str(value)

    def bound(self, raw: Any, ctx: ExtractContext) -> Any | None:
        """A date, a datetime, an ISO string, or a phrase ("today")."""
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        if isinstance(raw, str):
            try:
                return date.fromisoformat(raw.strip())
            except ValueError:
                return self.extract(raw, ctx)
        return None

    def order_key(self, value: Any, ctx: ExtractContext) -> Any:
        """Compare dates (a datetime counts as its date)."""
        return value.date() if isinstance(value, datetime) else value

    def too_low(self, bound: Any) -> str:
        """Reason like "that's before March 3rd"."""
        return f"that's before {self.spoken(bound)}"

    def too_high(self, bound: Any) -> str:
        """Reason like "that's after March 3rd"."""
        return f"that's after {self.spoken(bound)}"

    def tense(self, value: Any, ctx: ExtractContext) -> int:
        """Compare with the caller's today."""
        day = self.order_key(value, ctx)
        today = local_now(ctx).date()
        return int(day > today) - int(day < today)
