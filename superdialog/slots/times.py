"""The ``time`` slot type: times of day said the many ways people say them.

"3pm", "three thirty", "half past four", "quarter to five", "noon",
"15:45", "at 3", "in twenty minutes".

**Ambiguous hours.** A time said without am/pm, without a 24-hour form and
without a part of day ("in the morning", "tonight") is read as a business
hour: 1-7 are afternoon/evening (15:00 for "three"), 8-11 are morning, 12 is
noon. "tomorrow morning at 9" and "3 in the morning" follow the part of day;
"at night" makes 12 midnight and 1-4 small hours.

A bare number is only a time when something says so: a cue before it ("at",
"around", "by", ...), am/pm or "o'clock" after it, minutes ("three thirty"),
or nothing else in the utterance ("uh, three"). That keeps "two people"
from becoming 2 pm.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from .base import ExtractContext, Match, SlotType
from .clock import local_now
from .counted import COUNTED_NOUNS
from .dates import MONTHS, WEEKDAYS, Offset, parse_offset
from .numbers import TEENS, TENS, UNITS, parse_cardinal
from .tokens import FILLERS, Token, is_numeral, tokenize

__all__ = [
    "TimeHit",
    "TimeType",
    "find_time",
    "minutes_without_hour",
    "part_of_day",
    "resolve_hour",
    "say_time",
]

_CUES = frozenset(
    {"at", "around", "about", "by", "after", "before", "till", "until", "til", "from",
     "say", "maybe", "approximately", "roughly", "like", "between", "earliest", "latest"}
)  # fmt: skip
# Words that may surround a lone number and still leave it a time ("how about 3?").
_CHATTER = _CUES | FILLERS | frozenset(
    {"yeah", "yes", "ok", "okay", "um", "let's", "lets", "how", "is", "it", "it's", "ish",
     "please", "works", "work", "good", "fine", "sure", "the", "would", "be", "great", "then",
     "so", "well", "do", "does", "that", "i", "guess", "think", "can", "we", "make", "should",
     "or", ",", ".", "?", "!", "-", "oh", "time"}
)  # fmt: skip
_PAST = frozenset({"past", "after"})
_TO = frozenset({"to", "till", "til", "before", "of"})
_PARTS = {"morning": "am", "afternoon": "pm", "evening": "pm", "tonight": "night", "night": "night"}
_OCLOCK = frozenset({"o'clock", "oclock"})


@dataclass(frozen=True, slots=True)
class TimeHit:
    """A time said in tokens ``[first, end)``: a clock time or an offset from now."""

    value: time | None
    offset: Offset | None
    first: int
    end: int


@dataclass(frozen=True, slots=True)
class _Clock:
    """An unresolved clock reading."""

    hour: int
    minute: int
    end: int
    meridiem: str | None = None  # "am" / "pm" / "night" said right after it
    is24: bool = False  # "15:45", "fifteen hundred", "noon"
    sure: bool = False  # minutes, am/pm or o'clock were said: clearly a time


def _text(toks: list[Token], i: int) -> str:
    """Token text at ``i`` or "" past the end."""
    return toks[i].text if 0 <= i < len(toks) else ""


def part_of_day(toks: list[Token]) -> str | None:
    """Return "am", "pm" or "night" when the utterance names a part of the day."""
    for tok in toks:
        part = _PARTS.get(tok.text)
        if part is not None:
            return part
    return None


def resolve_hour(hour: int, minute: int, meridiem: str | None, is24: bool) -> time | None:
    """Turn a clock reading into a time of day using the ambiguity rule."""
    if not 0 <= minute <= 59:
        return None
    if meridiem in ("am", "pm"):
        if not 1 <= hour <= 12:
            return None  # "13pm", "0am"
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    elif is24 or hour == 0 or 13 <= hour <= 23:
        if hour > 23:
            return None
    elif not 1 <= hour <= 12:
        return None
    elif meridiem == "night":
        hour = 0 if hour == 12 else hour if hour <= 4 else hour + 12
    elif 1 <= hour <= 7:
        hour += 12
    return time(hour, minute)


def _hour_at(toks: list[Token], i: int) -> tuple[int, int, bool] | None:
    """An hour at ``i``: (hour, end, said in 24-hour form)."""
    word = _text(toks, i)
    if word in ("noon", "midday"):
        return 12, i + 1, True
    if word == "midnight":
        return 0, i + 1, True
    if is_numeral(word):
        if len(word) <= 2 and int(word) <= 23:
            return int(word), i + 1, int(word) > 12 or (len(word) == 2 and word[0] == "0")
        return None
    if word in UNITS and word != "zero":
        return UNITS[word], i + 1, False
    if word in TEENS:
        return TEENS[word], i + 1, TEENS[word] > 12
    if word == "twenty":
        j = i + 1 + (_text(toks, i + 1) == "-")
        if _text(toks, j) in ("one", "two", "three"):
            return 20 + UNITS[_text(toks, j)], j + 1, True
        return 20, i + 1, True
    if word in ("oh", "zero") and _text(toks, i + 1) in UNITS:
        return UNITS[_text(toks, i + 1)], i + 2, True
    return None


def _minutes_at(toks: list[Token], j: int) -> tuple[int, int, bool] | None:
    """Minutes after an hour: (minute, end, 24-hour "hundred" form)."""
    word = _text(toks, j)
    if word in _OCLOCK:
        return 0, j + 1, False
    if word == "o" and _text(toks, j + 1) == "clock":
        return 0, j + 2, False
    if word == "hundred":
        return 0, j + 1 + (_text(toks, j + 1) == "hours"), True
    if word in ("oh", "o", "zero") and _text(toks, j + 1) in UNITS:
        minute = UNITS[_text(toks, j + 1)]
        return (minute, j + 2, False) if minute else None
    if word in TEENS:
        return TEENS[word], j + 1, False
    if word in TENS and TENS[word] <= 50:
        k = j + 1 + (_text(toks, j + 1) == "-")
        if _text(toks, k) in UNITS and _text(toks, k) != "zero":
            return TENS[word] + UNITS[_text(toks, k)], k + 1, False
        return TENS[word], j + 1, False
    if is_numeral(word) and len(word) == 2:
        return int(word), j + 1, False
    return None


def _meridiem_at(toks: list[Token], j: int) -> tuple[str, int] | None:
    """am/pm after a time: "pm", "p.m.", "p m", "in the evening", "at night", "tonight"."""
    word = _text(toks, j)
    if word in ("am", "pm"):
        return word, j + 1 + (_text(toks, j + 1) == ".")
    if word in ("a", "p"):
        k = j + 1 + (_text(toks, j + 1) == ".")
        if _text(toks, k) == "m":
            return word + "m", k + 1 + (_text(toks, k + 1) == ".")
        return None
    if word == "in" and _text(toks, j + 1) == "the":
        part = _PARTS.get(_text(toks, j + 2))
        if part is not None and part != "night":
            return part, j + 3
    if word == "at" and _text(toks, j + 1) == "night":
        return "night", j + 2
    if word in ("tonight", "this") and (word == "tonight" or _text(toks, j + 1) in _PARTS):
        return _PARTS[_text(toks, j + (word == "this"))], j + 1 + (word == "this")
    return None


def _relational(toks: list[Token], i: int) -> _Clock | None:
    """Parse "half past four", "quarter to five", "ten after three", "half four"."""
    word = _text(toks, i)
    j = i
    if word in ("a", "an") and _text(toks, i + 1) == "quarter":
        j, word = i + 1, "quarter"
    if word == "half":
        minutes, j = 30, j + 1
    elif word == "quarter":
        minutes, j = 15, j + 1
    else:
        if _text(toks, i - 1) in ("from", "between"):
            return None  # "from two to five" is a range, not 4:58
        parsed = parse_cardinal(toks, i)
        if parsed is None or not isinstance(parsed[0], int) or not 1 <= parsed[0] <= 59:
            return None
        minutes, j = parsed[0], parsed[1]
        said_minutes = _text(toks, j) in ("minute", "minutes")
        if said_minutes:
            j += 1
        if not said_minutes and minutes % 5:
            return None
    rel = _text(toks, j)
    if rel in _PAST:
        sign = 1
    elif rel in _TO and not (rel == "of" and minutes == 30):
        sign = -1
    elif word == "half" and rel not in _TO:
        sign, j = 1, j - 1  # British "half four" = 4:30
    else:
        return None
    hour = _hour_at(toks, j + 1)
    if hour is None:
        return None
    h, end, is24 = hour
    if sign < 0:
        h, minutes = h - 1, 60 - minutes
        if h < 0:
            h = 23
        elif h == 0 and not is24:
            h = 12
    meridiem = _meridiem_at(toks, end)
    if meridiem is not None:
        return _Clock(h, minutes, meridiem[1], meridiem[0], is24, True)
    return _Clock(h, minutes, end, None, is24, True)


def _clock_at(toks: list[Token], i: int) -> _Clock | None:
    """Any clock reading starting at ``i``."""
    word = _text(toks, i)
    if word in ("noonish", "middayish"):
        return _Clock(12, 0, i + 1, None, True, True)  # "noonish": about noon, as "around noon"
    if word in ("noon", "midday", "midnight") or (
        word == "twelve" and _text(toks, i + 1) in ("noon", "midday", "midnight")
    ):
        k = i + (word == "twelve")
        at_noon = 0 if _text(toks, k) == "midnight" else 12
        oh = _text(toks, k + 1) in ("oh", "o")
        minutes = parse_cardinal(toks, k + 1 + oh)
        if (
            minutes is not None
            and isinstance(minutes[0], int)
            and _text(toks, minutes[1]) not in COUNTED_NOUNS
        ):
            # "noon fifteen", "midnight thirty", "noon oh five" (they gave noon, midnight);
            # "noon 4" (four minutes past, or four people?) is no time
            if not 1 <= minutes[0] <= 59 or (minutes[0] < 10) != oh:
                return None
            return _Clock(at_noon, minutes[0], minutes[1], None, True, True)
        return _Clock(at_noon, 0, k + 1, None, True, True)
    rel = _relational(toks, i)
    if rel is not None:
        return rel
    if is_numeral(word):
        clock = _numeral_clock(toks, i)
        if clock is not None:
            return clock
    hour = _hour_at(toks, i)
    if hour is None:
        return None
    h, j, is24 = hour
    sure = False
    minute = 0
    mins = _minutes_at(toks, j)
    if mins is not None:
        minute, j, hundred = mins
        is24 = is24 or hundred
        sure = True
    meridiem = _meridiem_at(toks, j)
    if meridiem is None and _text(toks, j) in _OCLOCK:
        j, sure = j + 1, True
        meridiem = _meridiem_at(toks, j)
    if meridiem is not None:
        return _Clock(h, minute, meridiem[1], meridiem[0], is24, True)
    if _text(toks, j) == "ish":
        j += 1
    return _Clock(h, minute, j, None, is24, sure)


def _numeral_clock(toks: list[Token], i: int) -> _Clock | None:
    """Parse "15:45", "3:30pm", "3.30 pm", "330pm", "1430 hours"."""
    word = toks[i].text
    nxt = _text(toks, i + 1)
    if (
        nxt in (":", ".")
        and i + 2 < len(toks)
        and toks[i + 1].start == toks[i].end
        and toks[i + 2].start == toks[i + 1].end
        and is_numeral(toks[i + 2].text)
        and len(toks[i + 2].text) == 2
        and len(word) <= 2
    ):
        hour, minute, j = int(word), int(toks[i + 2].text), i + 3
        is24 = hour > 12 or (len(word) == 2 and word[0] == "0")
        meridiem = _meridiem_at(toks, j)
        if meridiem is not None:
            return _Clock(hour, minute, meridiem[1], meridiem[0], is24, True)
        if nxt == "." and _text(toks, i - 1) not in _CUES:
            return None  # "3.30" is a decimal unless it looks like a time
        return _Clock(hour, minute, j, None, is24, True)
    if len(word) in (3, 4):
        hour, minute = int(word[:-2]), int(word[-2:])
        meridiem = _meridiem_at(toks, i + 1)
        if meridiem is not None:
            return _Clock(hour, minute, meridiem[1], meridiem[0], False, True)
        if nxt == "hours" or (len(word) == 4 and _text(toks, i - 1) in _CUES):
            end = i + 1 + (nxt == "hours")
            return _Clock(hour, minute, end, None, True, True)
    return None


def _cued(toks: list[Token], i: int) -> bool:
    """True when a cue word ("at", "around") comes before ``i``, skipping fillers."""
    k = i - 1
    while k >= 0 and toks[k].text in FILLERS:
        k -= 1
    return k >= 0 and toks[k].text in _CUES


def _substance(toks: list[Token]) -> list[int]:
    """``counts[k]``: how many of the first ``k`` tokens are not chatter.

    Computed once per utterance so that asking "is this number alone?" of
    every candidate stays linear overall.
    """
    counts = [0]
    for tok in toks:
        counts.append(counts[-1] + (tok.text not in _CHATTER))
    return counts


def _alone(counts: list[int], first: int, end: int) -> bool:
    """True when everything outside ``[first, end)`` is chatter ("how about three?")."""
    return counts[first] == 0 and counts[-1] == counts[end]


def find_time(
    toks: list[Token], *, skip: range = range(0), part: str | None = None
) -> TimeHit | None:
    """The first time of day (or "in N minutes/hours") in ``toks``.

    Args:
        toks: The utterance.
        skip: Token indices already used by a date, which a time may not use.
        part: Part of day said elsewhere ("tomorrow morning at 9").

    """
    counts: list[int] | None = None
    i = 0
    while i < len(toks):
        if i in skip:
            i += 1
            continue
        offset = parse_offset(toks, i)
        if offset is not None and offset.unit in ("minute", "hour"):
            return TimeHit(None, offset, offset.first, offset.end)
        clock = _clock_at(toks, i)
        if clock is None or any(k in skip for k in range(i, clock.end)):
            i += 1
            continue
        # a bare "twenty" is a time only with a cue or alone, like "three": "a party of
        # twenty" and "make it 20 people" are head counts, not 8 pm
        is_time = clock.sure or _cued(toks, i)
        if not is_time:
            if counts is None:
                counts = _substance(toks)
            is_time = _alone(counts, i, clock.end)
        if is_time:
            if _range_after(toks, clock.end):
                return None  # "between six and seven", "from 6 to 7": a span, not one time
            value = resolve_hour(clock.hour, clock.minute, clock.meridiem or part, clock.is24)
            if value is not None:
                return TimeHit(value, None, i, clock.end)
            i = clock.end  # "25:00": do not retry on its pieces
            continue
        i += 1
    return None


_RANGE_WORDS = frozenset({"and", "to", "-", "\u2013", "until", "till", "til", "through", "thru"})


def _range_after(toks: list[Token], end: int) -> bool:
    """Whether another hour follows the time ending at ``end`` as its other end.

    "between six and seven", "from 6 to 7", "six-thirty until eight": the caller
    gave a span, and either end would be a guess (a wrong value is worse than none).
    "at seven and two people": a number before a counted noun is no other end.
    """
    if _text(toks, end) not in _RANGE_WORDS:
        return False
    nxt = end + 1 + (_text(toks, end + 1) in ("at", "about", "around"))
    other = _clock_at(toks, nxt)
    if other is not None:
        return _text(toks, other.end) not in COUNTED_NOUNS
    hour = _hour_at(toks, nxt)
    return hour is not None and _text(toks, hour[1]) not in COUNTED_NOUNS


def _is_24h(text: str) -> bool:
    """True for a clock written in 24-hour form ("15:30", "07:30")."""
    head = text.lstrip()[:2]
    return head.isdigit() and (head[0] == "0" or int(head) > 12)


def say_time(value: time) -> str:
    """Say "3 PM", "3:30 PM", "noon", "midnight": numerals TTS reads naturally."""
    if value.minute == 0 and value.hour in (0, 12):
        return "midnight" if value.hour == 0 else "noon"
    hour = value.hour % 12 or 12
    suffix = "AM" if value.hour < 12 else "PM"
    if value.minute == 0:
        return f"{hour} {suffix}"
    return f"{hour}:{value.minute:02d} {suffix}"


def passed_over(toks: list[Token], hit: TimeHit, part: str | None) -> bool:
    """True when another time was said right before ``hit``: "ten, ten thirty".

    A bare hour is no time where a fuller one follows, so the reader passed it over; the
    caller said two times (a correction without its marker, or a choice): which one?
    """
    k = hit.first
    if k < 2 or toks[k - 1].text not in (",", ".") or hit.value is None:
        return False
    before = toks[k - 3].text if k >= 3 else ""
    if before in ("the", "on") or before in MONTHS or before in WEEKDAYS:
        return False  # "on the 12, 7 pm", "march 12, 7 pm": a day, then the time
    said = find_time(toks[k - 2 : k - 1], part=part)
    return said is not None and said.value is not None and said.value != hit.value


def minutes_without_hour(toks: list[Token], hit: TimeHit) -> bool:
    """True for "five after", "ten past", "twenty to" with no hour after them.

    The number counts minutes past or to an hour the caller did not say (or we did not
    hear): read as an hour it gave "five after" 5 PM.
    """
    end = hit.end
    if hit.end - hit.first != 1 or _text(toks, end) not in _PAST | _TO:
        return False
    nxt = end + 1 + (_text(toks, end + 1) in ("the", "a"))
    return _hour_at(toks, nxt) is None and _text(toks, nxt) not in COUNTED_NOUNS


class TimeType(SlotType):
    """A time of day: "3pm", "three thirty", "half past four", "noon", "15:45".

    Value: naive ``datetime.time`` (minutes precision). See the module
    docstring for how an hour without am/pm is read.
    """

    name = "time"
    ranged = True  # "under a hundred", "before five", "2 to 3": a bound or a span, no value
    pauses_inside = True  # "twenty, um, five" is 25
    needs_before = True  # repaired() compares with the value said before
    description = "a time of day, datetime.time"
    past_reason = "that time has already passed"
    future_reason = "that time hasn't come yet"

    def scan(self, text: str, ctx: ExtractContext) -> Match | None:
        """First time of day in ``text``."""
        toks = tokenize(text)
        part = part_of_day(toks)
        hit = find_time(toks, part=part)
        if hit is None:
            return None
        if passed_over(toks, hit, part) or minutes_without_hour(toks, hit):
            return None
        value = hit.value
        if hit.offset is not None:
            now = local_now(ctx)
            value = hit.offset.apply(now).time().replace(second=0, microsecond=0, tzinfo=None)
        return Match(value, toks[hit.first].start, toks[hit.end - 1].end)

    def repaired(
        self, before: Match | None, after: Match, text: str, cut: int, ctx: ExtractContext
    ) -> Match | None:
        """A repaired hour stays on the side of noon said before it, unless said again.

        "seven thirty, I mean eight" after an evening "seven thirty" is 8 PM, not the
        8 AM the business-hours rule would give a bare "eight"; "9 pm, sorry, 9:30" is
        9:30 PM.
        """
        old, new = before.value if before else None, after.value
        if not isinstance(old, time) or not isinstance(new, time):
            return after
        toks = tokenize(text[after.start :])
        said_half = part_of_day(toks) is not None or any(
            t.text in ("am", "pm", "a", "p", "noon", "midnight", "midday") for t in toks
        )
        if said_half or new.hour % 12 == 0 or (new.minute != 0 and _is_24h(text[after.start :])):
            return after
        hour = new.hour % 12 + (12 if old.hour >= 12 else 0)
        return Match(new.replace(hour=hour), after.start, after.end)

    def spoken(self, value: Any) -> str:
        """Read back as "3:30 PM"."""
        if isinstance(value, datetime):
            value = value.time()
        return say_time(value) if isinstance(value, time) else str(value)

    def bound(self, raw: Any, ctx: ExtractContext) -> Any | None:
        """A time, a datetime, an ISO "09:00", or a phrase ("9am")."""
        if isinstance(raw, datetime):
            return raw.time()
        if isinstance(raw, time):
            return raw
        if isinstance(raw, str):
            try:
                return time.fromisoformat(raw.strip())
            except ValueError:
                return self.extract(raw, ctx)
        return None

    def order_key(self, value: Any, ctx: ExtractContext) -> Any:
        """Compare naive times of day."""
        if isinstance(value, datetime):
            value = value.time()
        return value.replace(tzinfo=None) if isinstance(value, time) else value

    def too_low(self, bound: Any) -> str:
        """Reason like "that's earlier than 9 AM"."""
        return f"that's earlier than {self.spoken(bound)}"

    def too_high(self, bound: Any) -> str:
        """Reason like "that's later than 5 PM"."""
        return f"that's later than {self.spoken(bound)}"

    def tense(self, value: Any, ctx: ExtractContext) -> int:
        """Compare with the caller's current time of day."""
        now = local_now(ctx).time().replace(tzinfo=None, second=0, microsecond=0)
        when = self.order_key(value, ctx)
        return int(when > now) - int(when < now)
