"""Corrections: "actually make it Wednesday", "no, make it Wednesday at three pm".

A correction may come at any point — while a slot is asked, during a
read-back, in a later state — and may change several slots in one breath.
What it finds and how:

* **What counts as a correction.** Words that correct ("actually", "make
  it", "I meant", "change it to", "no wait", "instead", "not X but Y"); during
  a read-back a "no" followed by a value counts too. Without such words a
  value for an already filled slot is left alone (the caller may be restating
  it), except the value being read back: "no, it's 4568" and a bare
  "January 16th" answer the read-back.
* **Which slots.** The slot being read back, the state's missing slots (the
  caller may answer them in the same breath: "make it Wednesday at three
  pm" while the time is asked) and, with a correcting word, every filled slot
  of a type that can be told apart from ordinary words (free ``text`` and
  ``yes_no`` never: the "no" in "no, make it Wednesday" is not a new answer to
  an earlier yes/no question; a ``name`` only when it is the one asked or read
  back, or the words say they are a name ("no wait, my name is Karen Smith",
  "call me Kate": these count as correcting words too), and only when no other
  value was found: in "actually make it five people", asked for a name,
  "people" is what is left, not a name).
* **Which value goes where.** Every candidate slot's type looks at the
  words; the longest value found wins ("the 16th" is a date, not 4 PM). When
  the same words suit several slots, they go to the first in this order, or
  to the next of the same type when it refuses them (a date of birth and a
  visit date): the slot read back, then (with a
  correcting word) the filled slots, latest first, then the slot asked, then
  the state's other missing slots. Words two different types read ("twenty":
  a number, or 8 PM) go to the number when a counted noun follows ("twenty
  people"), else to the slot read back or asked if it is one of them, else to
  no slot at all. Those words are blanked and the rest is
  looked at again, so one utterance gives each slot at most one value, each
  from its own words.
  Nothing is ever guessed: every value is one a slot type parsed from what
  the caller said, and it passes the slot's validation before it is stored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from superdialog.compile.model import CompiledSlot, CompiledState
from superdialog.runtime.slot_values import extract_context, readback, validate
from superdialog.slots import find
from superdialog.slots.counted import COUNTED_NOUNS

if TYPE_CHECKING:
    from superdialog.runtime.call import CallMachine

__all__ = ["Change", "Plan", "corrects", "plan"]

_CUE = re.compile(
    r"\b(?:actually|make (?:it|that)|change (?:it|that|the \w+(?: \w+)?)(?: to)?|"
    r"switch (?:it|that)(?: to)?|move (?:it|that)(?: to)?|no wait|wait no|instead|"
    r"i meant|i mean|sorry,? i meant|correction|rather|not .{1,40}? but)\b",
    re.IGNORECASE,
)
# The same cues in the languages the slot types read, matched on the words lower case and
# without accents or nukta (``slots.lang.plain_text``: speech recognisers drop them).
_LANGUAGE_CUES = {
    "es": re.compile(
        r"\b(?:en realidad|mejor|quise decir|queria decir|quiero decir|me equivoque|"
        r"cambia(?:lo|la)? (?:a|por|para)|cambie(?:lo|la)? (?:a|por|para)|corrijo|correccion|"
        r"en vez de|en lugar de|no,? espera|espera,? no|no .{1,40}? sino)\b"
    ),
    "de": re.compile(
        r"\b(?:eigentlich|lieber|besser|ich meinte|ich meine|ich wollte sagen|"
        r"(?:andern|andere) sie (?:das|es)|(?:andere|aendere) (?:das|es)|nein,? warte|"
        r"warte,? nein|korrektur|stattdessen|nicht .{1,40}? sondern)\b"
    ),
    "fr": re.compile(
        r"\b(?:en fait|plutot|je voulais dire|je veux dire|je me suis trompe|"
        r"changez(?:-le|-la)? (?:pour|en)|change(?:-le|-la)? (?:pour|en)|non,? attendez|"
        r"attendez,? non|correction|au lieu de|pas .{1,40}? mais)\b"
    ),
    # Devanagari has no \b of its own (vowel signs are not \w): these words are not
    # the inside of others; romanised forms as callers' recognisers write them
    "hi": re.compile(
        r"असल में|दरअसल|मेरा मतलब|मतलब|बल्कि|बदल दीजिए|बदल दो|बदलकर|की जगह|गलती से|"
        r"\b(?:asal mein|darasal|matlab|balki|ki jagah|badal do|badal dijiye)\b",
        re.IGNORECASE,
    ),
}
# words that say they are the caller's name: with them a filled name may change anywhere
# ("no wait, my name is Karen Smith" asked for something else)
_NAMED = re.compile(r"\b(?:my name(?:'s| is)|call me|spel(?:led|t))\b", re.IGNORECASE)
_NEVER = frozenset({"text"})  # free words are never a correction of free text
_WEAK = frozenset({"text", "name"})
_NEXT_WORD = re.compile(r"\s*([^\W\d_]+)")  # the word after a number: a counted noun?
_CLOCK24 = re.compile(r"\b(?:0\d|1\d|2[0-3])[:.h][0-5]\d\b")
_MAX_CANDIDATES = 32  # slots looked at in one utterance (each parse takes microseconds)


def _one_type(
    tied: list[tuple[CompiledSlot, Any]], text: str, end: int, preferred: tuple[str, ...]
) -> list[tuple[CompiledSlot, Any]]:
    """Words two types read ("twenty": 20, or 8 PM): keep one type's slots, or none.

    A counted noun after them ("twenty people") makes them a number; else the
    slot read back or asked, when it is among them, is the one they answer;
    else they are ambiguous and go to no slot (no value beats a wrong one).
    """
    after = _NEXT_WORD.match(text, end)
    if after is not None and after.group(1).lower() in COUNTED_NOUNS:
        numbers = [t for t in tied if t[0].spec.type == "number"]
        if numbers:
            return numbers
    for name in preferred:
        pick = next((t for t in tied if t[0].name == name), None)
        if pick is not None:
            return [t for t in tied if t[0].spec.type == pick[0].spec.type]
    return []


def _near_the_old(match: Any, text: str, old: dt.time, ctx: Any) -> Any:
    """A time correcting ``old``, said without a part of day: the reading nearest ``old``.

    "no, eight thirty" after 7:30 PM was read back is 8:30 PM, not the type's
    business-hours reading (8:30 AM). Whether the words leave the part of day
    open is asked of the type itself: with " am" and " pm" put after them they
    read as two different times. An "am", "in the evening", "08:30" closes it. The
    old time itself is never the answer (the caller is changing it).
    """
    if _CLOCK24.search(text, match.start, match.end) is not None:
        return match  # "08:30", "20:30": the 24-hour form says which
    readings = []
    for meridiem in (" am", " pm"):
        said = find("time", text[: match.end] + meridiem + text[match.end :], ctx)
        if said is None or said.start != match.start:
            return match
        readings.append(said.value)
    am, pm = readings
    if am == pm or match.value not in (am, pm) or not isinstance(am, dt.time):
        return match
    at = old.hour * 60 + old.minute

    def gap(t: dt.time) -> int:
        d = abs(t.hour * 60 + t.minute - at)
        return min(d, 24 * 60 - d)

    if gap(am) == gap(pm):
        return match
    near, far = (am, pm) if gap(am) < gap(pm) else (pm, am)
    # a correction never says the old time again: "no, one" to "1 AM?" is 1 PM
    return dataclasses.replace(match, value=far if near == old else near)


def corrects(raw: str, language: str = "en") -> bool:
    """Whether the words say they correct something ("actually", "make it", "I meant").

    In a call in Spanish, German, French or Hindi the language's own cues count
    too ("en realidad", "lieber", "je voulais dire", "की जगह"); the English ones
    always do (callers mix them in: "actually" in Hindi).
    """
    if _CUE.search(raw) is not None or _NAMED.search(raw) is not None:
        return True
    cue = _LANGUAGE_CUES.get(language)
    if cue is None:
        return False
    from superdialog.slots.lang import plain_text  # lazy: only calls in those languages

    return cue.search(plain_text(raw)) is not None


@dataclass(frozen=True, slots=True)
class Change:
    """One slot the utterance gives a new value: ``before`` is None when it was empty."""

    slot: CompiledSlot
    value: Any
    before: Any
    start: int

    @property
    def was_filled(self) -> bool:
        """Whether this changes a value the slot had (rather than filling it)."""
        return self.before is not None


@dataclass(frozen=True, slots=True)
class Plan:
    """What an utterance changes, in the order it was said, and what was refused."""

    changes: tuple[Change, ...]
    refused: tuple[tuple[CompiledSlot, str], ...]

    @property
    def corrects_filled(self) -> bool:
        """Whether any change replaces a value the caller gave before."""
        return any(c.was_filled for c in self.changes)

    def told(self, m: CallMachine) -> list[str]:
        """How each replaced value is read back in a line ('the visit date to Wednesday…')."""
        return [readback(m, c.slot, c.value) for c in self.changes if c.was_filled]


def _candidates(
    m: CallMachine,
    st: CompiledState,
    *,
    confirming: str | None,
    filled: bool,
    named: bool = False,
) -> list[CompiledSlot]:
    """Slots an utterance may give values to, highest priority first.

    ``named``: the words say they are a name ("my name is …"): filled names may change too.
    """
    slots = m.flow.slots
    names: list[str] = []
    if confirming is not None:
        names.append(confirming)
    if filled:  # the words correct: what was said before comes first, latest first
        names += [
            n
            for n in reversed(m.slots)
            if slots[n].spec.type not in _WEAK or (named and slots[n].spec.type == "name")
        ]
    todo = [n for n in st.collect if n not in m.slots] if st.kind == "collect" else []
    names += todo[:1]
    names += [n for n in todo[1:] if slots[n].spec.type not in _WEAK]
    out: list[CompiledSlot] = []
    for name in dict.fromkeys(names):
        slot = slots.get(name)
        if slot is None or slot.spec.type == "yes_no":
            continue  # a yes/no slot is answered by yes or no only, never corrected in passing
        if slot.spec.type in _NEVER and name != confirming:
            continue
        out.append(slot)
    return out[:_MAX_CANDIDATES]


async def plan(
    m: CallMachine, st: CompiledState, raw: str, *, confirming: str | None, filled: bool
) -> Plan:
    """The values ``raw`` gives to the slots it may change (see the module docstring).

    Args:
        m: The call.
        st: The state the caller is in (its missing slots may be answered too).
        raw: The caller's words.
        confirming: The slot being read back, if any (it may change without a cue).
        filled: Whether already filled slots may change (the words correct).

    Returns:
        The changes in the order they were said; values the slot's validation
        refused are in ``refused`` with the caller-facing reason, not stored.

    """
    named = filled and _NAMED.search(raw) is not None
    every = _candidates(m, st, confirming=confirming, filled=filled, named=named)
    found: list[Change] = []
    refused: list[tuple[CompiledSlot, str]] = []
    contexts = {slot.name: extract_context(m, slot) for slot in every}
    todo = [n for n in st.collect if n not in m.slots] if st.kind == "collect" else []
    preferred = tuple(n for n in (confirming, todo[0] if todo else None) if n is not None)
    strong = [slot for slot in every if slot.spec.type not in _WEAK]
    await _take(m, raw, strong, contexts, found, refused, preferred)
    if not found and not refused:
        # a name or free text takes the words only when nothing else did: in "actually make
        # it five people" asked for a name, "people" is what is left, not a name
        weak = [slot for slot in every if slot.spec.type in _WEAK]
        await _take(m, raw, weak, contexts, found, refused, preferred)
    found.sort(key=lambda c: c.start)
    return Plan(tuple(found), tuple(refused))


async def _take(
    m: CallMachine,
    raw: str,
    left: list[CompiledSlot],
    contexts: dict[str, Any],
    found: list[Change],
    refused: list[tuple[CompiledSlot, str]],
    preferred: tuple[str, ...],
) -> None:
    """Give ``left`` (in priority order) the values in ``raw``, longest first."""
    text = raw
    while left:
        matches: list[tuple[CompiledSlot, Any]] = []
        for slot in left:
            match = find(slot.spec.type, text, contexts[slot.name])
            if match is not None and match.end > match.start:
                matches.append((slot, match))
        if not matches:
            break
        longest = max(match.end - match.start for _, match in matches)
        span = next((mt.start, mt.end) for _, mt in matches if mt.end - mt.start == longest)
        # the same words may suit several slots: the first (by priority) that accepts them
        tied = [(slot, mt) for slot, mt in matches if (mt.start, mt.end) == span]
        if len({slot.spec.type for slot, _ in tied}) > 1:
            tied = _one_type(tied, text, span[1], preferred)
        # another slot may take words the first refused only if it is of the same type
        # (a past and a future date); "twenty" refused as a party size is not 8 PM
        tied = [(slot, mt) for slot, mt in tied if slot.spec.type == tied[0][0].spec.type]
        said, text = text, text[: span[0]] + " " * (span[1] - span[0]) + text[span[1] :]
        if not tied:
            continue  # the words read as two kinds of value: neither is guessed
        why: tuple[CompiledSlot, str] | None = None
        for slot, match in tied:
            if slot.spec.type == "time" and isinstance(m.slots.get(slot.name), dt.time):
                match = _near_the_old(match, said, m.slots[slot.name], contexts[slot.name])
            if slot.name in m.slots and match.value == m.slots[slot.name]:
                left.remove(slot)  # said again as it was: nothing to change
                why = None
                break
            reason = await validate(m, slot, match.value, contexts[slot.name])
            if reason:
                why = why or (slot, reason)
                continue
            left.remove(slot)
            why = None
            before = m.slots.get(slot.name) if slot.name in m.slots else None
            found.append(Change(slot, match.value, before, match.start))
            break
        if why is not None:
            left.remove(why[0])
            refused.append(why)
