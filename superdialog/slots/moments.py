"""The ``datetime`` slot type: a date and a time said together.

"next tuesday at 3", "tomorrow morning at 9", "at 3 on the 5th", "in two
hours". The date and time phrases are the ones the ``date`` and ``time``
types use; this module only combines them:

* date and time said: that moment;
* only a time said: the next time it is that time (today, or tomorrow if
  the time has passed);
* "in N minutes/hours": now plus that;
* only a date said ("tomorrow morning"): ``None``, so the flow asks for a
  time instead of inventing one.

The result is aware (in the caller's zone) when ``ctx.now`` is aware, and
naive local time when it is naive.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from .base import ExtractContext, Match, SlotType
from .clock import local_now, zone
from .dates import DateHit, find_date, names_a_day, say_date, says_a_day
from .times import (
    TimeHit,
    TimeType,
    find_time,
    minutes_without_hour,
    part_of_day,
    passed_over,
    say_time,
)
from .tokens import Token, tokenize

__all__ = ["DateTimeType"]


_TIME = TimeType()
"""The time type's rules, for a repair of the time alone."""


def _parts(toks: list[Token], now: datetime, region: str) -> tuple[DateHit | None, TimeHit | None]:
    """The date phrase and the time phrase in ``toks`` (the time never inside the date)."""
    date_hit = find_date(toks, now.date(), region)
    part = part_of_day(toks)
    if date_hit is None:
        return None, find_time(toks, part=part)
    time_hit = find_time(toks, skip=range(date_hit.first, date_hit.end), part=part)
    if time_hit is None:
        # "at 7 tonight", "at 9 this evening": the day phrase is also the time's part of day
        whole = find_time(toks, part=part)
        if whole is not None and whole.first < date_hit.first and whole.end == date_hit.end:
            time_hit = whole
    return date_hit, time_hit


def _alternative(toks: list[Token], first: int, end: int, now: datetime, region: str) -> bool:
    """Whether another day or time is offered with "or" beside the one in ``[first, end)``."""
    for k in range(len(toks)):
        if toks[k].text != "or" or first <= k < end:
            continue
        other = toks[k + 1 :] if k >= end else toks[:k]
        if find_date(other, now.date(), region) is not None or find_time(other) is not None:
            return True
    return False


_SMALL_HOURS_END = 5
"""Hours before this, said "at night", belong to the night that began the evening before."""


def _night_of(day: date, clock: time, night: bool, now: datetime) -> date | None:
    """The calendar day of ``clock`` on the night of ``day``; ``None`` when that is unclear.

    "tonight at 1" is tomorrow's date at 01:00, "tonight at midnight" tomorrow's 00:00 —
    unless the night already began (said at 00:30, "tonight at 1" is in half an hour).
    Another day's night ("Friday night at 2") is read either way by callers, Saturday
    02:00 or Friday 02:00: no value, so the flow asks rather than books the wrong day.
    """
    if not night or clock.hour >= _SMALL_HOURS_END:
        return day
    if day == now.date():
        return day if now.hour < _SMALL_HOURS_END else day + timedelta(days=1)
    return None


class DateTimeType(SlotType):
    """A moment: "next tuesday at 3", "tomorrow morning at 9", "in 2 hours".

    Value: ``datetime`` (minutes precision).
    """

    name = "datetime"
    ranged = True  # "under a hundred", "before five", "2 to 3": a bound or a span, no value
    pauses_inside = True  # "twenty, um, five" is 25
    description = "a date and time, datetime.datetime"
    past_reason = "that time has already passed"
    future_reason = "that's in the future"

    def scan(self, text: str, ctx: ExtractContext) -> Match | None:
        """Find a date and a time and put them together."""
        toks = tokenize(text)
        now = local_now(ctx)
        date_hit, time_hit = _parts(toks, now, ctx.region)
        if time_hit is None:
            return None
        if date_hit is None and names_a_day(toks):
            return None  # "next week at 3", "april 31st at 3": a day said, not today
        if passed_over(toks, time_hit, part_of_day(toks)) or minutes_without_hour(toks, time_hit):
            return None  # "tomorrow, ten, ten thirty"
        if date_hit is not None:
            low, high = sorted((date_hit.end, time_hit.first))
            if any(toks[k].text == "or" for k in range(low, high)):
                return None  # "friday or saturday at ten": not decided yet
        said = (
            (time_hit.first, time_hit.end)
            if date_hit is None
            else (
                min(date_hit.first, time_hit.first),
                max(date_hit.end, time_hit.end),
            )
        )
        if _alternative(toks, *said, now, ctx.region):
            return None  # "friday at 10 or saturday": not decided yet
        if time_hit.offset is not None:
            if date_hit is not None:
                return None  # "tomorrow in two hours" contradicts itself
            moved = time_hit.offset.apply(now).replace(second=0, microsecond=0)
            return Match(moved, toks[time_hit.first].start, toks[time_hit.end - 1].end)
        clock = time_hit.value
        assert clock is not None
        if date_hit is not None:
            day = _night_of(date_hit.value, clock, part_of_day(toks) == "night", now)
            if day is None:
                return None
            moment = datetime.combine(day, clock)
            first, end = min(date_hit.first, time_hit.first), max(date_hit.end, time_hit.end)
        else:
            moment = datetime.combine(now.date(), clock)
            if moment < now.replace(tzinfo=None, second=0, microsecond=0):
                moment += timedelta(days=1)
            first, end = time_hit.first, time_hit.end
        if ctx.now.tzinfo is not None:
            moment = moment.replace(tzinfo=zone(ctx.timezone) or ctx.now.tzinfo)
        return Match(moment, toks[first].start, toks[end - 1].end)

    def repaired(
        self, before: Match | None, after: Match, text: str, cut: int, ctx: ExtractContext
    ) -> Match | None:
        """A repair of the time alone keeps the day said before it.

        "tomorrow at two, no sorry, three" is tomorrow at 3; "actually make it Wednesday
        at four" changes both (see also :meth:`patched` for a repair of the day alone).
        """
        now = local_now(ctx)
        old_date, old_time = _parts(tokenize(text[:cut]), now, ctx.region)
        new_date, new_time = _parts(tokenize(text[after.start :]), now, ctx.region)
        if old_date is None or new_date is not None or new_time is None:
            return after
        if new_time.value is None:
            return None  # "tomorrow at two, no, in an hour": contradicts itself
        clock = new_time.value
        if old_time is not None and isinstance(old_time.value, time):
            # "tomorrow at seven thirty, sorry, eight thirty": the evening said before holds
            # (the time type's rule: a repaired hour keeps its side of noon)
            kept = _TIME.repaired(
                Match(old_time.value, 0, cut), Match(clock, after.start, after.end), text, cut, ctx
            )
            if kept is not None and isinstance(kept.value, time):
                clock = kept.value
        return self._at(old_date.value, clock, after, ctx)

    def patched(
        self, said: Match, text: str, cut: int, resume: int, ctx: ExtractContext
    ) -> Match | None:
        """A repair of the day alone keeps the time: "Tuesday at 3, no, Wednesday"."""
        if not isinstance(said.value, datetime):
            return None
        new_date, new_time = _parts(tokenize(text[resume:]), local_now(ctx), ctx.region)
        if new_date is None or new_time is not None:
            return None
        clock = said.value.time().replace(tzinfo=None)
        found = Match(None, said.start, len(text.rstrip()))
        return self._at(new_date.value, clock, found, ctx)

    @staticmethod
    def _at(day: Any, clock: Any, span: Match, ctx: ExtractContext) -> Match:
        """The moment ``day`` at ``clock`` over ``span``, aware when ``ctx.now`` is."""
        moment = datetime.combine(day, clock)
        if ctx.now.tzinfo is not None:
            moment = moment.replace(tzinfo=zone(ctx.timezone) or ctx.now.tzinfo)
        return Match(moment, span.start, span.end)

    def retracted(self, after: str) -> bool:
        """Day words after the marker take the moment back ("..., actually the day after")."""
        return super().retracted(after) or says_a_day(after)

    def spoken(self, value: Any) -> str:
        """Read back as "Tuesday, March 3rd, 2026 at 3 PM"."""
        if not isinstance(value, datetime):
            return str(value)
        return f"{say_date(value.date())} at {say_time(value.time())}"

    def bound(self, raw: Any, ctx: ExtractContext) -> Any | None:
        """A datetime, an ISO string, or a phrase ("tomorrow at 9")."""
        if isinstance(raw, datetime):
            return raw
        if isinstance(raw, str):
            try:
                return datetime.fromisoformat(raw.strip())
            except ValueError:
                return self.extract(raw, ctx)
        return None

    def order_key(self, value: Any, ctx: ExtractContext) -> Any:
        """Compare as naive local wall-clock time, whatever mix of aware/naive."""
        if isinstance(value, datetime) and value.tzinfo is not None:
            tz = zone(ctx.timezone)
            if tz is not None:
                value = value.astimezone(tz)
            return value.replace(tzinfo=None)
        return value

    def too_low(self, bound: Any) -> str:
        """Reason like "that's before <moment>"."""
        return f"that's before {self.spoken(bound)}"

    def too_high(self, bound: Any) -> str:
        """Reason like "that's after <moment>"."""
        return f"that's after {self.spoken(bound)}"

    def tense(self, value: Any, ctx: ExtractContext) -> int:
        """Compare with now, to the minute."""
        now = local_now(ctx).replace(tzinfo=None, second=0, microsecond=0)
        when = self.order_key(value, ctx)
        return int(when > now) - int(when < now)
