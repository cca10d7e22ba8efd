"""The ``name`` slot type: a person's name, from words or spelled letters.

Names are open-ended, so this type leans on what is *not* a name. Three
levels of evidence, from strongest:

1. A strong cue ("my name is", "call me", "last name is"): any run of
   words that are not function words, numbers or dates is the name - even
   words that are also names ("Will", "Rose").
2. A weak cue ("this is", "it's", "I'm"): the first word must not be a
   common English word ("I'm fine", "it's tuesday" are not names).
3. No cue: the whole utterance, minus greetings and hesitations, must be
   one to four name-like words ("john smith", "uh maria").

Spelled letters are joined ("S M I T H" -> "Smith"), and a spelling that
repeats the word before it is dropped ("smith, s m i t h" -> "Smith").
"""

from __future__ import annotations

from typing import Any

from .base import ExtractContext, Match, SlotType
from .numbers import is_number_word
from .spelling import fold_spelled
from .tokens import FILLERS, Token, tokenize

__all__ = ["NameType", "capitalise_name"]

_STRONG_CUES = (
    ("my", "name", "is"), ("my", "name's"), ("name", "is"), ("name's",), ("call", "me"),
    ("surname", "is"), ("spelled",), ("spelt",), ("names",), ("it's", "spelled"),
    ("is", "under"), ("it's", "under"), ("its", "under"), ("booked", "under"),
    ("booking", "under"), ("reservation", "under"), ("under", "the", "name"),
    ("under", "the", "name", "of"), ("under", "name"), ("booking's", "under"),
    ("reservation's", "under"), ("table's", "under"), ("it", "under"), ("me", "under"),
    ("us", "under"), ("them", "under"),
)  # fmt: skip
# "spelled with a K" is a note on a name already said, not a cue to one
_NOTE_WORDS = frozenset({"with", "without"})
# A clause of its own after the name: "Omar Haddad, my social is …", "Ana Ruiz and I'm …"
_OWN_CLAUSE = frozenset({"my", "our", "i", "i'm", "im", "i've", "i'd", "we", "we're"})
_WEAK_CUES = (
    ("this", "is"), ("it's",), ("its",), ("it", "is"), ("i'm",), ("im",), ("i", "am"),
    ("speaking", "with"), ("talking", "to"),
)  # fmt: skip
_ALL_CUES = tuple(sorted(_STRONG_CUES + _WEAK_CUES, key=len, reverse=True))


def _past_cues(texts: list[str], k: int) -> int:
    """``k`` moved past cue phrases said again right there ("this is it's …", "I'm, uh, I'm")."""
    for _ in range(3):
        while k < len(texts) and (texts[k] in FILLERS or not texts[k][:1].isalnum()):
            k += 1
        cue = next((c for c in _ALL_CUES if tuple(texts[k : k + len(c)]) == c), None)
        if cue is None:
            break
        k += len(cue)
    return k


_TITLES = frozenset(
    {"mr", "mrs", "ms", "miss", "dr", "doctor", "mister", "missus", "sir", "madam", "prof",
     "professor", "mx"}
)  # fmt: skip
_LEAD_CHATTER = FILLERS | frozenset(
    {"hi", "hello", "hey", "yeah", "yes", "yep", "sure", "ok", "okay", "so", "well", "oh",
     "sorry", "right", "good", "morning", "afternoon", "evening", "there", "um", "uh"}
)  # fmt: skip
_TAIL_CHATTER = frozenset({"speaking", "here", "calling", "please", "thanks", "thank", "you"})
# Skipped before the first part of a name ("uh, Dr. ...").
_NAME_PREAMBLE = FILLERS | _TITLES | frozenset({".", ","})


def _wordset(text: str) -> frozenset[str]:
    """A set of words written as one whitespace-separated block (easier to scan)."""
    return frozenset(text.split())


# Words that are never part of a name.
_NOT_NAME = _wordset(
    """
    a an the and or but if so of to in on at by for from with without about as into over under
    after before than then too very just also only still even really actually please
    thanks thank sorry hello hi hey bye goodbye okay ok yes yeah yep yup nope no not nah
    sure maybe right wrong correct fine good great bad well um uh er erm ah hmm oh
    i me my mine myself you your yours we us our they them their he him his she her it
    its it's i'm im i'd i'll i've you're we're they're that's thats there's what's
    this that these those there here who what when where why how which whose whom
    is are was were be been being am do does did done don't dont doesn't didn't can
    can't cannot could couldn't would wouldn't should shouldn't will won't shall may
    might must have has had having haven't hasn't isn't aren't wasn't weren't get got
    want wanted need needed like liked know knew think thought say said tell told call
    called calling speak speaking spell spelled spelt name names named surname first
    last middle full number phone email address mail account order booking appointment
    reservation card code zip postcode postal street road avenue city
    today tomorrow tonight yesterday now later soon morning afternoon evening night
    noon midnight week weekend month year day days time next this previous
    monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thurs
    fri sat sun january february march july september october november december jan
    feb mar apr jun jul aug sep sept oct nov dec am pm o'clock
    one two three four five six seven eight nine ten zero oh double triple hundred
    thousand million point dollars dollar euros pounds cents bucks
    help support agent human person someone somebody anyone nobody operator
    repeat again what's huh pardon excuse wait hold hang minute second moment
    looking trying wondering interested calling returning checking go going come
    coming yourself everything nothing something anything all any some none both
    either neither each every many much more most less few lot lots little bit
    please cancel change book schedule confirm check pay make take give send help
    never mind nevermind forget forgot skip stop quit leave whatever
    sounds works ready busy free available home work office here there back new old
    happy glad fine tired hungry late early same other another different
    да нет はい いいえ 是 是的 不 对 ja nein jawohl oui non ouais sí si नहीं हाँ हां जी haan nahi
    """
)
# Common words that are also given names or surnames: fine after "my name is"
# or as a second word ("John Brown"), not alone without a cue.
_ALSO_WORDS = _wordset(
    """
    will mark bill rose hope joy grace faith may june april august summer dawn amber sky
    frank pat sue don art ray drew gene guy chase hunter rich penny ruby jack jean king
    young brown white green black gray grey long rice price cook baker wood hall hill
    stone bell rock bush page hunt lane park ford love star sunny holly ivy lily daisy
    iris violet august autumn winter spring cliff dale glen miles norman lance rusty
    """
)


def capitalise_name(word: str) -> str:
    """Capitalise: "o'brien" -> "O'Brien", "mcdonald" -> "McDonald"."""
    out = []
    for piece in word.replace("'", "'\0").replace("-", "-\0").split("\0"):
        if piece.lower().startswith("mc") and len(piece) > 2:
            out.append("Mc" + piece[2:3].upper() + piece[3:].lower())
        else:
            out.append(piece[:1].upper() + piece[1:].lower())
    return "".join(out)


def _is_letter(tok: Token) -> bool:
    """A single spelled letter."""
    return len(tok.text) == 1 and tok.text.isalpha()


def _repeats(tok: Token, parts: list[str]) -> bool:
    """True when ``tok`` says the last name part again ("Nguyen ... Nguyen")."""
    return bool(parts) and tok.text == parts[-1].lower().replace(" ", "")


_NOTE_NONE = frozenset({"no", "without"})
_NOTE_ONE = frozenset({"a", "an", "one"})
_NOTE_TWO = frozenset({"two", "double"})


def _spelling_note(texts: list[str], end: int, name: str) -> int | bool | None:
    """Read "with no e", "without an h", "with a v", "with two n's" after a name.

    Returns ``None`` when there is no such note, the number of tokens it takes when the
    name as heard agrees with it ("Ann with no e"), and ``False`` when they disagree
    ("Ann with an e": the caller means Anne, which we did not hear): no value then.
    """
    skipped = 0
    while end + skipped < len(texts) and texts[end + skipped] in (",", "."):
        skipped += 1
    words = texts[end + skipped : end + skipped + 4]
    if len(words) < 2 or words[0] not in ("with", "without"):
        return None
    k = 1
    if words[0] == "without":
        kind = "none"
        k += words[1] in ("an", "a", "the", "any")
    elif words[1] in _NOTE_NONE:
        kind, k = "none", 2
    elif words[1] in _NOTE_ONE:
        kind, k = "one", 2
    elif words[1] in _NOTE_TWO:
        kind, k = "two", 2
    else:
        return None
    if k >= len(words):
        return None
    letter = words[k].removesuffix("'s").removesuffix("s") if len(words[k]) > 1 else words[k]
    if len(letter) != 1 or not letter.isalpha():
        return None
    low = name.lower()
    agrees = {
        "none": letter not in low,
        "one": letter in low,
        "two": letter * 2 in low,
    }[kind]
    return skipped + k + 1 if agrees else False


def _own_clause(texts: list[str], k: int) -> bool:
    """Whether a clause about something else starts at ``k``, after a comma or an "and"."""
    if k >= len(texts) or texts[k] not in (",", ".", ";", "and"):
        return False
    k += 1
    while k < len(texts) and texts[k] in (",", "and", "also"):
        k += 1
    return k < len(texts) and texts[k] in _OWN_CLAUSE


def _is_wordlike(word: str) -> bool:
    """Letters only (apostrophes allowed: "o'brien")."""
    return len(word) >= 2 and word.replace("'", "").isalpha()


class NameType(SlotType):
    """A person's name, capitalised: "my name is john smith" -> "John Smith".

    Value: ``str``. See the module docstring for what counts as a name;
    utterances that are clearly something else ("next tuesday", "yes",
    digits) give ``None``.
    """

    name = "name"
    description = "a person's name, capitalised string"

    def scan(self, text: str, ctx: ExtractContext) -> Match | None:
        """Find a name after a cue, or an utterance that is only a name."""
        toks = fold_spelled(tokenize(text))
        texts = [t.text for t in toks]
        for cues, level in ((_STRONG_CUES, 2), (_WEAK_CUES, 1)):
            start = self._after_cue(texts, cues)
            if start is not None:
                start = _past_cues(texts, start)  # "this is, it's Ana": a cue said again
                found = self._collect(text, toks, start, level)
                if found is not None:
                    note = _spelling_note(texts, found[1], str(found[0].value))
                    return None if note is False else found[0]
                if level == 2:
                    return None
        k = 0
        while k < len(toks) and (texts[k] in _LEAD_CHATTER or not texts[k][:1].isalnum()):
            k += 1
        found = self._collect(text, toks, k, 0)
        if found is None:
            return None
        match, end = found
        note = _spelling_note(texts, end, str(match.value))
        if note is False:
            return None  # "Ann with an e": the words and the spelling disagree
        after = end + (note or 0)
        if _own_clause(texts, after):
            return match  # "Omar Haddad, my social is …": the rest is about something else
        rest = [t for t in texts[after:] if t[:1].isalnum()]
        if any(t not in _TAIL_CHATTER and t not in FILLERS for t in rest):
            return None
        return match

    @staticmethod
    def _after_cue(texts: list[str], cues: tuple[tuple[str, ...], ...]) -> int | None:
        """Token index right after the earliest cue phrase, if any.

        Of the cues that start there, the longest: "under the name of Patel" reads past
        "of", not only past "under the name".
        """
        firsts = {cue[0] for cue in cues}
        where: dict[str, list[int]] = {}
        for k, word in enumerate(texts):
            if word in firsts and not (
                word in ("spelled", "spelt") and k + 1 < len(texts) and texts[k + 1] in _NOTE_WORDS
            ):
                where.setdefault(word, []).append(k)
        best: tuple[int, int] | None = None  # (start, -end): earliest, then longest
        for cue in cues:
            size = len(cue)
            for k in where.get(cue[0], ()):
                if tuple(texts[k : k + size]) == cue:
                    if best is None or (k, -(k + size)) < best:
                        best = (k, -(k + size))
                    break
        return None if best is None else -best[1]

    def _collect(
        self, text: str, toks: list[Token], k: int, level: int
    ) -> tuple[Match, int] | None:
        """Name parts from ``k``: words and spelled runs, up to four."""
        n = len(toks)
        parts: list[str] = []
        first = last = -1
        while k < n and toks[k].text in _NAME_PREAMBLE and not parts:
            k += 1
        while k < n and len(parts) < 4:
            tok = toks[k]
            if tok.text in FILLERS or (
                parts and tok.text in (",", ".", "-") and k + 1 < n and _is_letter(toks[k + 1])
            ):
                k += 1  # hesitations, and "smith, s m i t h"
                continue
            if parts and tok.text in (",", ".") and k + 1 < n and _repeats(toks[k + 1], parts):
                last, k = k + 1, k + 2  # "Okafor, O K A F O R, Okafor": said again
                continue
            if _is_letter(tok):
                letters, j = self._spelled(toks, k)
                if len(letters) < 2:
                    break
                word = capitalise_name(letters)
                if not (parts and parts[-1].lower() == letters):
                    parts.append(word)
                first = k if first < 0 else first
                last, k = j - 1, j
                continue
            if not _is_wordlike(tok.text) or not self._acceptable(tok.text, level, not parts):
                break
            raw, j = self._hyphenated(text, toks, k)
            parts.append(raw)
            first = k if first < 0 else first
            last, k = j - 1, j
        if not parts:
            return None
        # "s m i t h" right after "smith" was dropped above; a name is at most 4 words.
        return Match(" ".join(parts), toks[first].start, toks[last].end), last + 1

    @staticmethod
    def _acceptable(word: str, level: int, is_first: bool) -> bool:
        """Whether ``word`` can be part of a name at this level of evidence."""
        if word in _ALSO_WORDS:
            return level == 2 or not is_first
        if word in _NOT_NAME or is_number_word(word) or word in _TITLES:
            return False
        if level == 2 or not is_first:
            return True
        return not (len(word) > 5 and word.endswith("ing"))

    @staticmethod
    def _spelled(toks: list[Token], k: int) -> tuple[str, int]:
        """Letters spelled one by one ("s m i t h", "S-M-I-T-H", "s. m. i.")."""
        letters = ""
        j = k
        while j < len(toks):
            if _is_letter(toks[j]):
                letters += toks[j].text
                j += 1
                # Allow "-", "." or "," between letters, not after the last one.
                if (
                    j + 1 < len(toks)
                    and toks[j].text in ("-", ".", ",")
                    and _is_letter(toks[j + 1])
                ):
                    j += 1
                continue
            break
        if j < len(toks) and toks[j].text == "." and toks[j].start == toks[j - 1].end:
            j += 1
        return letters, j

    @staticmethod
    def _hyphenated(text: str, toks: list[Token], k: int) -> tuple[str, int]:
        """A word, joined with hyphenated neighbours ("mary-jane"), capitalised."""
        j = k + 1
        while (
            j + 1 < len(toks)
            and toks[j].text == "-"
            and toks[j].start == toks[j - 1].end
            and toks[j + 1].start == toks[j].end
            and _is_wordlike(toks[j + 1].text)
        ):
            j += 2
        raw = text[toks[k].start : toks[j - 1].end].replace("\u2019", "'")
        inner = raw[1:]
        if any(ch.isupper() for ch in inner) and not raw.isupper():
            return raw, j  # the caller's own casing ("McDonald", "DeShawn")
        return capitalise_name(raw), j

    def spoken(self, value: Any) -> str:
        """The name as is."""
        return str(value)
