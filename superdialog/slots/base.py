"""The value objects and the base class every slot type shares.

``SlotType.check`` is implemented once here, driven by a few small hooks,
so every type words its reasons the same short, caller-facing way ("that's
more than 10", "that date is in the past") and a flow author gets the same
``SlotTypeError`` for a constraint that makes no sense for the type.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from superdialog.errors import SlotTypeError
from superdialog.pii.logs import get_logger

from .bounds import MAX_PATTERN_CHARS, scan_window
from .repairs import resolve

__all__ = ["Constraints", "ExtractContext", "Match", "Refusal", "SlotType"]

_log = get_logger("superdialog.slots")
_NUMERIC_RE = re.compile(
    r"[0-9]|\b(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"\w+teen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|"
    r"double|triple|first|second|third|\w+th)\b",
    re.IGNORECASE,
)


class Refusal(str):
    """Why a value was refused, in English ("that's more than 12"), and what it was about.

    A ``str``, so every caller of :meth:`SlotType.check` keeps working; the
    ``kind`` and ``bound`` let a call in another language say the same reason in
    its own words and forms (``superdialog.slots.speak.refused``).

    Attributes:
        kind: ``low``, ``high``, ``past``, ``future``, ``short``, ``long``,
            ``pattern`` or ``options``.
        bound: The ``min``/``max`` (a value of the slot's type) or the length
            limit; ``None`` for the others.
        unit: For ``short``/``long``: the type's ``length_unit`` ("digits").

    """

    kind: str
    bound: Any
    unit: str | None

    def __new__(
        cls, text: str, kind: str = "", bound: Any = None, unit: str | None = None
    ) -> Refusal:
        """The reason ``text``, of ``kind``, about ``bound`` (in ``unit``)."""
        self = super().__new__(cls, text)
        self.kind, self.bound, self.unit = kind, bound, unit
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with its kind and bound (``str`` alone would drop them)."""
        return (Refusal, (str(self), self.kind, self.bound, self.unit))


@dataclass(frozen=True, slots=True)
class Match:
    """A value found in an utterance and the ``[start, end)`` span of text it used."""

    value: Any
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class ExtractContext:
    """What an extractor may need beyond the words.

    Attributes:
        now: The current moment; relative dates ("tomorrow") count from it. A
            naive ``now`` is taken to be wall-clock time in ``timezone``; an
            aware one is converted to ``timezone`` first.
        region: ISO 3166 country code for phone numbers, postcodes, default
            currency and day/month order ("US", "GB", ...).
        timezone: IANA zone name the caller lives in.
        choices: For ``enum``: canonical choice -> synonyms.
        language: The language the caller speaks ("es"); other than English,
            its yes/no and number words are read first (``slots.lang``).
        question: What the agent last said, for ``yes_no``: an answer that
            restates it ("I'd like to book" to "Are you calling to book?") is
            a yes (``slots.restated``).

    """

    now: datetime
    region: str = "US"
    timezone: str = "UTC"
    choices: Mapping[str, tuple[str, ...]] | None = None
    language: str = "en"
    question: str = ""


@dataclass(frozen=True, slots=True)
class Constraints:
    """Limits a flow puts on a slot value; checked by :meth:`SlotType.check`.

    ``min``/``max`` may be given as values of the slot's type or as strings the
    type can parse ("today", "9am", "10", "$20"). ``pattern`` is compiled once,
    here, not on every check; one that does not compile is reported by
    :meth:`SlotType.check` as a flow mistake.
    """

    min: Any = None
    max: Any = None
    future_only: bool = False
    past_only: bool = False
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    _regex: re.Pattern[str] | re.error | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.pattern is None:
            return
        try:
            compiled: re.Pattern[str] | re.error = re.compile(self.pattern)
        except re.error as exc:
            compiled = exc
        object.__setattr__(self, "_regex", compiled)


class SlotType:
    """A kind of value callers say: how to find it, read it back and check it.

    Subclasses implement :meth:`scan` and usually :meth:`spoken`; the check
    hooks (``bound``, ``order_key``, ``tense``, ...) opt a type into the
    matching constraints. Callers use :meth:`find`, which bounds the text a
    parser reads and keeps a parser's failure from reaching a live call.
    """

    #: Registry name, e.g. ``"phone"``.
    name: str = ""
    #: One line for docs and ``superdialog`` CLI listings.
    description: str = ""
    #: Unit used in length reasons ("that should be at least 4 digits").
    length_unit: str | None = None
    #: Reason given when ``pattern`` does not match.
    pattern_reason: str = "that doesn't look right"
    #: Which self-repair markers this type listens to (see :mod:`.repairs`): ``"all"``,
    #: ``"corrections"`` (not "no"/"sorry" alone, which are yes/no answers) or ``None``
    #: (the parser sees the utterance as is: free text, custom types).
    repair_markers: str | None = "all"
    #: Whether "not X" refuses X ("not Friday, Saturday"); off where "not" is the answer.
    refusable: bool = True
    #: Whether :meth:`repaired` looks at the value said before the marker (one more scan).
    needs_before: bool = False
    #: Whether "uh", "mm" carry meaning ("uh huh" is yes); else repairs read past them.
    hesitations_matter: bool = False
    #: Whether a value said as a bound ("under a hundred", "before five") or as one end of
    #: a span ("two to three", "the 5th to the 8th") is no value: quantities and moments.
    ranged: bool = False
    #: Whether a hesitation with a comma either side (", um,") is a pause inside one value
    #: ("twenty, um, five" is 25), so both commas go; else the comma before it stays.
    pauses_inside: bool = False

    def find(self, text: str, ctx: ExtractContext) -> Match | None:
        """Find the first value of this type in ``text``; ``None`` if there is none.

        Only the first ``MAX_SCAN_CHARS`` characters are read (see
        :func:`~superdialog.slots.bounds.scan_window`), so the time a call spends
        here is bounded whatever the caller says. Never raises: a parser that
        fails anyway is logged (its type and the exception's class, never the
        text or the exception's message, which may quote personal data) and
        counts as "no value", so the flow asks again instead of ending the call.
        """
        if not isinstance(text, str):
            return None
        window = scan_window(text)
        try:
            return resolve(self, window, ctx)
        except Exception as exc:
            _log.error(
                "slot type %r failed on a %d-character utterance (%s); treated as no value",
                self.name,
                len(window),
                type(exc).__name__,
            )
            return None

    def scan(self, text: str, ctx: ExtractContext) -> Match | None:
        """The parser proper: the first value in ``text``, already bounded by :meth:`find`.

        Implementations must be linear in ``len(text)`` and should not raise.
        """
        raise NotImplementedError

    def repaired(
        self, before: Match | None, after: Match, text: str, cut: int, ctx: ExtractContext
    ) -> Match | None:
        """The value meant when ``after`` was said after a repair marker at ``cut``.

        ``before`` is this type's value in ``text[:cut]``, if any. The default is the
        value after the repair; a type overrides this to merge the halves (a new time
        keeps the day said before) or to refuse a repair it cannot apply (``None``).
        """
        return after

    def patched(
        self, said: Match, text: str, cut: int, resume: int, ctx: ExtractContext
    ) -> Match | None:
        """A value ``said`` before a repair marker, with the part after it applied.

        Called when the words after the marker (``text[resume:]``) hold no value of
        their own; a type whose values are read in groups can replace the last group
        ("... two six seven one, sorry, two six seven two"). ``None``: no patch.
        """
        return None

    def retracted(self, after: str) -> bool:
        """True when ``after`` (the words after a repair marker) takes the value back.

        The default: the words after the marker hold a digit or a number word, so the
        caller said another value this type could not read ("fifteen, no, sixteen-ish");
        the value before the marker must not be used in its place.
        """
        return _NUMERIC_RE.search(after) is not None

    def extract(self, text: str, ctx: ExtractContext) -> Any | None:
        """The value :meth:`find` finds, without its span."""
        match = self.find(text, ctx)
        return None if match is None else match.value

    def spoken(self, value: Any) -> str:
        """How to read ``value`` back to the caller through TTS."""
        return str(value)

    # ------------------------------------------------------------------ checking

    def check(self, value: Any, constraints: Constraints, ctx: ExtractContext) -> str | None:
        """Return ``None`` if ``value`` meets ``constraints``, else a short reason.

        The reason is said to the caller, so it is plain and short. A
        constraint the type cannot honour (``future_only`` on a phone number,
        a ``min`` that does not parse) raises ``SlotTypeError``: that is a
        mistake in the flow, not something the caller did.
        """
        c = constraints
        regex = c._regex
        if isinstance(regex, re.error):
            raise SlotTypeError(f"bad pattern {c.pattern!r} for {self.name}: {regex}")
        if regex is not None:
            text = self.pattern_text(value)
            # A value longer than any real answer is refused unread: matching it is the
            # one part of a check whose time the caller controls.
            if len(text) > MAX_PATTERN_CHARS or regex.fullmatch(text) is None:
                return Refusal(self.pattern_reason, "pattern")
        if c.min_length is not None or c.max_length is not None:
            reason = self._check_length(value, c.min_length, c.max_length)
            if reason:
                return reason
        for raw, too_low in ((c.min, True), (c.max, False)):
            if raw is None:
                continue
            bound = self.bound(raw, ctx)
            if bound is None:
                raise SlotTypeError(f"{self.name}: cannot use {raw!r} as a min/max")
            key, limit = self.order_key(value, ctx), self.order_key(bound, ctx)
            if too_low and key < limit:
                return Refusal(self.too_low(bound), "low", bound)
            if not too_low and key > limit:
                return Refusal(self.too_high(bound), "high", bound)
        if c.future_only or c.past_only:
            tense = self.tense(value, ctx)
            if c.future_only and tense < 0:
                return Refusal(self.past_reason, "past")
            if c.past_only and tense > 0:
                return Refusal(self.future_reason, "future")
        return None

    def pattern_text(self, value: Any) -> str:
        """The text a ``pattern`` constraint is matched against."""
        return str(value)

    def length_of(self, value: Any) -> int:
        """The length ``min_length``/``max_length`` measure."""
        return len(str(value))

    def _check_length(self, value: Any, low: int | None, high: int | None) -> str | None:
        """Reason for a value that is too short or too long, or ``None``."""
        size = self.length_of(value)
        unit = self.length_unit
        if low is not None and size < low:
            text = f"that should be at least {low} {unit}" if unit else "that's too short"
            return Refusal(text, "short", low, unit)
        if high is not None and size > high:
            text = f"that should be at most {high} {unit}" if unit else "that's too long"
            return Refusal(text, "long", high, unit)
        return None

    def bound(self, raw: Any, ctx: ExtractContext) -> Any | None:
        """Turn a ``min``/``max`` from a flow into a comparable value of this type.

        The default says "this type has no order", which makes any min/max a
        flow error.
        """
        raise SlotTypeError(f"slot type {self.name!r} does not support min/max")

    def order_key(self, value: Any, ctx: ExtractContext) -> Any:
        """What ``min``/``max`` compare; the value itself by default."""
        return value

    def too_low(self, bound: Any) -> str:
        """Reason for a value under ``min``."""
        return f"that's less than {self.spoken(bound)}"

    def too_high(self, bound: Any) -> str:
        """Reason for a value over ``max``."""
        return f"that's more than {self.spoken(bound)}"

    #: Reasons for ``future_only``/``past_only``.
    past_reason = "that's in the past"
    future_reason = "that's in the future"

    def tense(self, value: Any, ctx: ExtractContext) -> int:
        """-1 if ``value`` is before now, 0 if it is now/today, 1 if after."""
        raise SlotTypeError(f"slot type {self.name!r} does not support future_only/past_only")

    def __repr__(self) -> str:
        return f"<SlotType {self.name}>"
