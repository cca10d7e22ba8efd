"""How callers take back, refuse and hedge a value: self-repairs, negation and "X or Y".

People on the phone correct themselves mid-sentence ("fifteen, no sorry, sixteen"), say
what they do *not* want before what they do ("not Friday, Saturday's better") and think
aloud ("five or six"). A parser that takes the first value it meets acts on the wrong one
in all three cases. This module sits between :meth:`SlotType.find` and every built-in
parser and applies three rules, the same for every type:

* **Self-repair**: after a repair marker ("no sorry", "no wait", "I mean", "actually",
  "scratch that", ...) the value said *after* the marker is the one meant. A type may
  merge the two halves (a ``datetime`` keeps the day when only the time is repaired);
  a repair it cannot apply gives no value rather than the value taken back.
* **Negation**: a value right after "not" (or followed by "doesn't work") is refused; the
  next value said is the one meant, and with none, there is no value.
* **Undecided**: a value followed (or preceded) by "or" and a *different* value of the
  same type means the caller has not decided: no value, the flow asks again.

When in doubt no value beats a wrong one: the flow re-asks, where a wrong value would be
acted on. Every rule is a bounded regular-expression test around one match, and at most a
few more parser runs on parts of the utterance, so the cost stays linear.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .tokens import FILLERS

if TYPE_CHECKING:
    from .base import ExtractContext, Match, SlotType

__all__ = ["CORRECTION_MARKERS", "REPAIR_MARKERS", "resolve"]

_GAP = r"[\s,.;:!?\u2013\u2014-]+"
_FILL = r"(?:(?:um+|uh+|uhm|er+m?|ah+|hmm|mm+)" + _GAP + r")*"


#: Markers that only ever introduce a correction ("I mean", "scratch that"); the ones a
#: yes/no answer listens to.
CORRECTION_MARKERS: tuple[str, ...] = (
    "i mean", "i meant", "sorry i mean", "i'm sorry i mean", "no wait", "wait no",
    "no actually", "actually no", "actually", "or rather", "scratch that", "strike that",
    "correction", "make that", "make it", "change that to", "change it to", "my mistake",
    "my bad", "oops", "whoops", "let me correct that", "wait",
)  # fmt: skip
#: Every marker: also "sorry" and "no" alone, which for yes/no are (part of) the answer.
REPAIR_MARKERS: tuple[str, ...] = (
    *CORRECTION_MARKERS, "sorry no", "no sorry", "no i'm sorry", "i'm sorry", "sorry",
    "no no", "oh no", "no",
)  # fmt: skip


def _table(phrases: tuple[str, ...]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Phrases by first word, longest first, for :func:`_markers`."""
    table: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        words = tuple(phrase.split())
        table.setdefault(words[0], []).append(words)
    return {first: tuple(sorted(group, key=len, reverse=True)) for first, group in table.items()}


_CORRECTION_TABLE = _table(CORRECTION_MARKERS)
_REPAIR_TABLE = _table(REPAIR_MARKERS)
_WORD_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
# "not friday": the value right after is refused. "not before three" is a bound, not a
# refusal, so only articles and fillers may stand between.
_NOT_BEFORE = re.compile(
    r"\b(?:not|anything\s+but|except|apart\s+from|other\s+than|can't\s+do|cannot\s+do|"
    r"can\s+not\s+do|instead\s+of|rather\s+than)"
    + _GAP
    + _FILL
    + r"(?:(?:the|a|an|on|at|this)\s+)?$",
    re.IGNORECASE,
)
_NOT_AFTER = re.compile(
    r"^(?:'s|\s+is|\s+was)?\s+(?:doesn't|does\s+not|won't|will\s+not|wouldn't|isn't|"
    r"is\s+not|is\s+no|'s\s+no|no)\s+(?:work|good|suit|possible|go)",
    re.IGNORECASE,
)
# "five or six": "or" then something else; "or so", "or more" keep the value.
# "seven I think, or eight": a hedge between the value and its alternative
_HEDGES = (
    r"(?:(?:i\s+think|i\s+guess|i\s+suppose|i\s+believe|i\s+reckon|probably|"
    r"i'm\s+not\s+sure|not\s+sure)" + _GAP + r")*"
)
_OR_AFTER = re.compile(
    r"^"
    + _GAP.replace("+", "*")
    + _FILL
    + _HEDGES
    + r"(?:or(?:"
    + _GAP
    + r"(?:maybe|perhaps))?|maybe|"
    r"perhaps|possibly)\b(?!" + _GAP + r"(?:so|thereabouts|something|more|less|later|earlier|"
    r"after|before|anything|whatever|whenever|else|not)\b)",
    re.IGNORECASE,
)
# "… or the one after", "… or the next one", "… or the following week": another choice
_OTHER_ONE = re.compile(
    r"\s*(?:the\s+)?(?:one|day|week|month|time)\s+(?:after|before)(?:\s+that)?\b"
    r"|\s*the\s+(?:next|following|other|previous)\s+(?:one|day|week|month)?",
    re.IGNORECASE,
)
_OR_BEFORE = re.compile(
    r"\bor" + _GAP + _FILL + r"(?:(?:the|a|an|on|at|maybe)\s+)?$", re.IGNORECASE
)
# Whole-word tests on the padded, punctuation-free utterance that must pass before a
# regular expression is run: most utterances hold no marker, "not" or "or", and these
# tests cost tens of nanoseconds where the expressions cost microseconds.
_CORRECTION_WORDS = frozenset(
    {"wait", "mean", "meant", "actually", "rather", "scratch", "strike", "correction", "make",
     "change", "mistake", "bad", "oops", "whoops", "correct"}
)  # fmt: skip
_MARKER_WORDS = _CORRECTION_WORDS | {"no", "sorry"}
_NOT_WORDS = frozenset(
    {"not", "but", "except", "apart", "other", "can't", "cannot", "doesn't", "won't", "isn't",
     "wouldn't", "no", "instead", "than"}
)  # fmt: skip
# "not three, four": a refused clause up to its punctuation; what follows is the answer.
_REFUSAL_RE = re.compile(
    r"\b(?:not|anything\s+but|except|instead\s+of|rather\s+than)\b[\s,]*\w[^,.;!?]{0,40}[,.;!?]",
    re.IGNORECASE,
)
# Hesitations, blanked before any rule runs ("not uh, Friday" refuses Friday; "three uh,
# lakh" is 300,000): see :func:`_blank_fillers`.
_DISCOURSE_WORDS = frozenset({"like", "know", "y'know"})
_UNIT_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*|,")
# "under a hundred", "before five", "at least ten": a bound the value is said against,
# not the value ("not before four" is the earliest time, and stays one).
_BOUND_BEFORE = re.compile(
    r"\b(?:(?<!not\s)(?:before|after)|(?:earlier|later|sooner|less|more|fewer|greater|"
    r"higher|lower|bigger|smaller|longer|shorter)\s+than|under|over|above|below|between|"
    r"at\s+(?:the\s+)?(?:least|most)|up\s+to|upwards\s+of|anything\s+(?:over|under)|"
    r"between\b[^.;!?]{1,40}?\band)"
    + _GAP
    + _FILL
    + r"(?:(?:the|a|an|on|about|around|roughly)\s+)?$",
    re.IGNORECASE,
)
# "two to three hundred", "the 5th to the 8th", "5-10": a span, when a value follows
_SPAN_AFTER = re.compile(
    r"\s*(?:[-\u2013\u2014]|(?:to|till|til|until|through|thru)\b)"
    + _GAP.replace("+", "*")
    + _FILL
    + r"(?:the\s+)?",
    re.IGNORECASE,
)
# "2 to 300 dollars": the value is the far end of a span that began with a number
_SPAN_BEFORE = re.compile(
    r"(?:\d|\b(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"\w+teen|\w+ty|hundred|thousand|million|grand|bucks?|dollars?|euros?|pounds?|noon|"
    r"first|second|third|\w+th|am|pm|o'clock))"
    r"\s*(?:[-\u2013\u2014]|(?:to|till|til|until|through|thru)\b)"
    + _GAP.replace("+", "*")
    + _FILL
    + r"(?:the\s+)?$",
    re.IGNORECASE,
)
_RANGE_WORDS = frozenset(
    {"before", "after", "than", "under", "over", "above", "below", "between", "least", "most",
     "up", "upwards", "to", "till", "til", "until", "through", "thru"}
)  # fmt: skip
_REFUSAL_WORDS = frozenset({"not", "but", "except", "instead", "than"})
_EITHER_WORDS = frozenset({"or", "maybe", "perhaps", "possibly"})
# "..., 4:30 actually": a marker said after the value it brings, at the end
_TRAILING = re.compile(r"actually[\s,.;:!?]*$", re.IGNORECASE)
_LOOK_BACK = 48  # characters of context a "not"/"or" before a value is looked for in
# "the 5th, the 6th, whichever", "fifty, sixty dollars": two values listed with only a comma
# (and an article) between them are two candidates, as "or" makes them
_LISTED_GAP = re.compile(r"\s*,[\s,]*(?:(?:the|a|an|on|at|or)\s+)?", re.IGNORECASE)
# "the third or fourth, whichever's easier": the caller leaves the choice to us
_PAUSE_WORDS = frozenset({"like", "well", "so", "and", "or", "i", "guess", "mean", "just"})
_INDIFFERENT = frozenset(
    {"whichever", "whichever's", "whatever", "whatever's", "either", "matter", "cualquiera",
     "sea", "egal", "importe", "n'importe", "भी"}
)  # fmt: skip


def _padded(text: str) -> str:
    """``text`` lower-cased, punctuation as spaces, a space either side (same offsets + 1).

    Chained ``str.replace`` calls: ``str.translate`` with a table costs microseconds.
    """
    low = text.lower()
    for ch in ",.;:!?-":
        if ch in low:
            low = low.replace(ch, " ")
    return f" {low} "


def _shift(match: Match | None, offset: int) -> Match | None:
    """``match`` moved by ``offset`` characters (a part's span as a span of the whole)."""
    if match is None or not offset:
        return match
    return replace(match, start=match.start + offset, end=match.end + offset)


def _scan_part(
    slot_type: SlotType, text: str, start: int, end: int, ctx: ExtractContext
) -> Match | None:
    """The type's value in ``text[start:end]``, as a span of ``text``."""
    if start >= end or not text[start:end].strip():
        return None
    return _shift(slot_type.scan(text[start:end], ctx), start)


def _same(a: Any, b: Any) -> bool:
    """Values equal in value and type (``Decimal("3") == 3`` is not the same answer)."""
    return bool(a == b and type(a) is type(b))


def _decided(
    slot_type: SlotType,
    text: str,
    start: int,
    end: int,
    ctx: ExtractContext,
    refusing: bool,
    either: bool,
    ranging: bool = False,
) -> Match | None:
    """The value in ``text[start:end]`` unless it is refused, bounded or left undecided.

    ``refusing``, ``either`` and ``ranging`` say whether the utterance holds a word that
    may refuse a value ("not"), offer an alternative ("or", "maybe") or make it a bound
    or one end of a span ("under", "before", "to", "-"); without one, the checks are
    skipped.
    """
    match = _scan_part(slot_type, text, start, end, ctx)
    for _ in range(4):  # "not A, not B, C": a few refusals in a row at most
        if match is None:
            return None
        if not (refusing or either or ranging):
            return match
        before = text[max(start, match.start - _LOOK_BACK) : match.start]
        after = text[match.end : end]
        if refusing and (_NOT_BEFORE.search(before) or _NOT_AFTER.match(after)):
            refused = match
            match = _scan_part(slot_type, text, match.end, end, ctx)
            if match is not None and _same(match.value, refused.value):
                return None  # "not this friday, next friday" when both are one day
            continue
        if ranging and _bounded(slot_type, text, match, before, end, ctx):
            return None
        if not either:
            return match
        if _OR_BEFORE.search(before):
            return None  # "next week or tuesday": an alternative came first
        alt = _OR_AFTER.match(after)
        if alt is not None:
            if _OTHER_ONE.match(after, alt.end()):
                return None  # "next tuesday or the one after": a second choice, unnamed
            other = _scan_part(slot_type, text, match.end + alt.end(), end, ctx)
            if other is None:
                # "... one two one two, or maybe one two one three": another last group
                other = slot_type.patched(
                    match, text, match.end + alt.start(), match.end + alt.end(), ctx
                )
            if other is not None and not _same(other.value, match.value):
                return None  # "five or six": not decided yet
        return match
    return None


def _listed(slot_type: SlotType, text: str, match: Match, ctx: ExtractContext) -> bool:
    """True when another value of the type is listed next to ``match`` with only a comma.

    "the 5th, the 6th", "friday, saturday, whichever", "fifty, sixty dollars": the caller
    names candidates, as with "or"; the same value said twice ("twelve, twelve people") and
    one value said in two parts ("friday, the 25th", "twenty dollars, fifty cents", which
    the type reads whole) are one answer.
    """
    nxt = _scan_part(slot_type, text, match.end, len(text), ctx)
    if (
        nxt is not None
        and _LISTED_GAP.fullmatch(text, match.end, nxt.start)
        and not _same(nxt.value, match.value)
    ):
        return True
    prev = _scan_part(slot_type, text, 0, match.start, ctx)
    return (
        prev is not None
        and _LISTED_GAP.fullmatch(text, prev.end, match.start) is not None
        and not _same(prev.value, match.value)
    )


def _bounded(
    slot_type: SlotType, text: str, match: Match, before: str, end: int, ctx: ExtractContext
) -> bool:
    """True when ``match`` is a bound ("under a hundred") or one end of a span ("2 to 3")."""
    if _BOUND_BEFORE.search(before) or _SPAN_BEFORE.search(before):
        return True
    span = _SPAN_AFTER.match(text, match.end, end)
    if span is None:
        return False
    other = _scan_part(slot_type, text, span.end(), end, ctx)
    # the other end must come right after the "to": "2 to go, 5 people" is no span
    return other is not None and not text[span.end() : other.start].strip()


def _filler_units(text: str) -> list[tuple[str, int, int]]:
    """Words and commas of ``text`` as (kind, start, end), for :func:`_blank_fillers`.

    Kind: "h" for a hesitation, "d" for a discourse filler ("like", "you know"), "," for
    a comma and "w" for any other word.
    """
    units: list[tuple[str, int, int]] = []
    for m in _UNIT_RE.finditer(text):
        word = m.group().lower()
        if word == ",":
            units.append((",", m.start(), m.end()))
        elif word in FILLERS:
            units.append(("h", m.start(), m.end()))
        elif word in ("like", "y'know"):
            units.append(("d", m.start(), m.end()))
        elif (
            word == "know"
            and units
            and units[-1][0] == "w"
            and (text[units[-1][1] : units[-1][2]].lower() in ("you", "ya"))
        ):
            units[-1] = ("d", units[-1][1], m.end())
        else:
            units.append(("w", m.start(), m.end()))
    return units


def _blank_fillers(text: str, *, pauses: bool) -> str:
    """``text`` with its hesitations blanked out (same length, so every span holds).

    "uh", "um" always go, with the comma after them. "like" and "you know" go where the
    recogniser set them off as a hesitation: next to a comma or another hesitation
    ("twenty, uh, you know, five"); "I'd like two" keeps its verb. A run of hesitations
    with a comma on both sides (", um, like,") was a pause inside what the caller was
    saying, so with ``pauses`` (:attr:`SlotType.pauses_inside`) both commas go
    too: "twenty, um, five" reads as "twenty um five" does. Other types keep the comma
    before: in "Okafor, O K A F O R, uh, Okafor" it ends the spelling.
    """
    units = _filler_units(text)
    n = len(units)
    chars = list(text)
    k = 0
    while k < n:
        if units[k][0] not in ("h", "d"):
            k += 1
            continue
        # one run of hesitations, the commas between them included
        end = k
        while end + 1 < n and units[end + 1][0] in ("h", "d", ","):
            end += 1
        while units[end][0] == ",":
            end -= 1
        run = units[k : end + 1]
        before = units[k - 1][0] if k else ""
        after = units[end + 1][0] if end + 1 < n else ""
        if any(kind == "h" for kind, _, _ in run) or "," in (before, after):
            lo, hi = run[0][1], run[-1][2]
            if after == ",":
                hi = units[end + 1][2]
                if before == "," and pauses:
                    lo = units[k - 1][1]
            chars[lo:hi] = " " * (hi - lo)
        k = end + 1
    return "".join(chars)


def _markers(text: str, table: dict[str, tuple[tuple[str, ...], ...]]) -> list[tuple[int, int]]:
    """Spans of the repair markers in ``text``, left to right, longest phrase first.

    Word by word (hesitations between the words of a phrase are skipped: "I, um, mean"),
    so the cost is one pass over the words, not a regular expression per position.
    """
    found = [
        (m.group().lower(), m.start(), m.end())
        for m in _WORD_RE.finditer(text)
        if m.group().lower() not in FILLERS
    ]
    spans: list[tuple[int, int]] = []
    k = 0
    while k < len(found):
        if (
            found[k][0] == "no"
            and k + 1 < len(found)
            and found[k + 1][0] in ("one", "body")
            and text[found[k][2] : found[k + 1][1]] in (" ", "-")
        ):
            k += 2  # "no one else": a pronoun, not a "no" that takes a value back ("no, one")
            continue
        group = table.get(found[k][0])
        if group is not None:
            for phrase in group:
                size = len(phrase)
                if tuple(w for w, _, _ in found[k : k + size]) == phrase:
                    spans.append((found[k][1], found[k + size - 1][2]))
                    k += size
                    break
            else:
                k += 1
            continue
        k += 1
    return spans


def resolve(slot_type: SlotType, text: str, ctx: ExtractContext) -> Match | None:
    """The value ``slot_type`` finds in ``text`` once repairs, refusals and "or" are applied.

    The last repair marker with a value after it decides: that value, merged with what
    came before by :meth:`SlotType.repaired` (which may refuse an ambiguous repair).
    Without a marker, or with nothing usable after any marker, the whole utterance is
    read, and a value whose repair could not be applied is never returned in its place.
    An utterance with no marker, "not" or "or" costs one scan and a few substring tests.
    """
    markers = slot_type.repair_markers
    if markers is None:
        return slot_type.scan(text, ctx)
    # The words said, once: deciding that no rule applies costs a split and a few set
    # tests (the regular expressions below cost microseconds each).
    said = set(_padded(text).split())
    if markers == "corrections":
        table, hints = _CORRECTION_TABLE, _CORRECTION_WORDS
    else:
        table, hints = _REPAIR_TABLE, _MARKER_WORDS
    refusing = slot_type.refusable and not said.isdisjoint(_NOT_WORDS)
    either = not said.isdisjoint(_EITHER_WORDS)
    marked = not said.isdisjoint(hints)
    ranging = slot_type.ranged and (
        not said.isdisjoint(_RANGE_WORDS) or any(ch in text for ch in "-\u2013\u2014")
    )
    listing = slot_type.ranged and "," in text
    indifferent = not said.isdisjoint(_INDIFFERENT)
    rules = marked or refusing or either or ranging or listing
    if (
        not slot_type.hesitations_matter
        and (rules or "," in text)
        and not (said.isdisjoint(FILLERS) and said.isdisjoint(_DISCOURSE_WORDS))
    ):
        # "not uh, Friday", "three uh, lakh": the hesitation and its comma blanked (same
        # length, so spans hold); the parsers skip a bare "uh" themselves
        text = _blank_fillers(text, pauses=slot_type.pauses_inside)
    if not rules:
        return slot_type.scan(text, ctx)
    cuts = _markers(text, table) if marked else []
    for cut in reversed(cuts[-4:]):
        after = _decided(slot_type, text, cut[1], len(text), ctx, refusing, either, ranging)
        if after is None:
            continue
        before = _scan_part(slot_type, text, 0, cut[0], ctx) if slot_type.needs_before else None
        return slot_type.repaired(before, after, text, cut[0], ctx)
    if cuts and _TRAILING.match(text, cuts[-1][0]):
        # "at 4, 4:30 actually": the marker after the repair; the last value before it wins
        marker = cuts[-1][0]
        first = _decided(slot_type, text, 0, marker, ctx, refusing, either, ranging)
        if first is not None:
            second = _decided(slot_type, text, first.end, marker, ctx, refusing, either, ranging)
            if second is not None and not _same(second.value, first.value):
                return slot_type.repaired(first, second, text, first.end, ctx)
    if refusing and not said.isdisjoint(_REFUSAL_WORDS):
        refusals = list(_REFUSAL_RE.finditer(text))
        if refusals:
            clause = refusals[-1]
            after = _decided(
                slot_type, text, clause.end(), len(text), ctx, refusing, either, ranging
            )
            if after is not None:
                refused = _scan_part(slot_type, text, clause.start(), clause.end(), ctx)
                if refused is not None and _same(refused.value, after.value):
                    return None  # "not this friday, next friday" when both are one day
                return after
    whole = _decided(slot_type, text, 0, len(text), ctx, refusing, either, ranging)
    if whole is not None and cuts and whole.end <= cuts[-1][0]:
        # A value said, then taken back with no value after the marker: a type may patch
        # it ("... two six seven one, sorry, two six seven two"); a repair it cannot apply
        # ("fifteen, no, six... teen") gives no value, never the value taken back.
        cut = cuts[-1]
        patched = slot_type.patched(whole, text, cut[0], cut[1], ctx)
        if patched is not None:
            return patched
        if slot_type.retracted(text[cut[1] :]):
            return None
    if whole is not None and (
        (indifferent and _left_open(text, whole.end))
        or (listing and _listed(slot_type, text, whole, ctx))
    ):
        return None  # "the 5th, the 6th, whichever": candidates, not an answer
    return whole


def _left_open(text: str, end: int) -> bool:
    """True when more than a pause stands between a value and a "whichever" after it.

    "the first, second, whichever", "the third or fourth, whatever's easier": the caller
    named another candidate (one we may not read) and leaves the choice to us; "Friday,
    whatever works" keeps Friday.
    """
    words = _padded(text[end:]).split()
    for k, word in enumerate(words):
        if word in _INDIFFERENT or word.removesuffix("'s") in _INDIFFERENT:
            return any(w not in FILLERS and w not in _PAUSE_WORDS for w in words[:k])
    return False
