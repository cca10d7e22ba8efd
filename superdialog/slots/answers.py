"""Answers to the agent's own questions: ``yes_no``, ``enum`` and ``text``.

``yes_no`` is deliberately pessimistic: any negation wins ("yeah no" is
no, "no, it's 4568" is no), because acting on a wrong "yes" (charging a
card, cancelling a booking) costs more than asking again. Idioms that
contain a negative word but mean yes ("why not", "no problem") are
recognised first, and hedges ("I'm not sure", "maybe") give ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from .base import ExtractContext, Match, SlotType
from .restated import restated
from .tokens import Token, tokenize

__all__ = ["EnumType", "TextType", "YesNoType"]

_UNSURE = (
    ("not", "sure"), ("don't", "know"), ("dont", "know"), ("do", "not", "know"),
    ("no", "idea"), ("not", "certain"), ("maybe",), ("perhaps",), ("dunno",),
    ("hard", "to", "say"), ("not", "yet"), ("possibly",), ("let", "me", "think"),
    ("hold", "on"), ("wait",), ("yes", "and", "no"), ("yeah", "and", "no"), ("sort", "of"),
    ("kind", "of"), ("kinda",), ("sorta",),
)  # fmt: skip
_NEGATIVE_IDIOMS = (
    ("of", "course", "not"), ("absolutely", "not"), ("definitely", "not"),
    ("certainly", "not"), ("not", "really"), ("not", "at", "all"), ("no", "thanks"),
    ("no", "thank", "you"), ("i", "don't", "think", "so"), ("rather", "not"),
    ("i'd", "rather", "not"), ("not", "right", "now"), ("not", "now"),
)  # fmt: skip
_POSITIVE_IDIOMS = (
    ("why", "not"), ("no", "problem"), ("not", "a", "problem"), ("no", "worries"),
    ("don't", "mind"), ("dont", "mind"), ("do", "not", "mind"), ("no", "doubt"),
    ("not", "bad"), ("no", "objection"), ("no", "objections"), ("go", "ahead"),
    ("that's", "right"), ("thats", "right"), ("sounds", "good"), ("of", "course"),
    ("i", "guess"), ("i", "think", "so"), ("uh", "huh"), ("mm", "hmm"), ("do", "it"),
    ("you", "bet"), ("for", "sure"), ("all", "right"), ("please", "do"), ("that", "works"),
    ("i", "do"), ("i", "am"), ("i", "would"), ("i", "will"), ("i", "can"), ("it", "is"),
    ("that", "is"), ("i", "have"), ("i", "did"), ("we", "do"), ("go", "for", "it"),
    ("let's", "do", "it"), ("lets", "do", "it"), ("sounds", "great"), ("works", "for", "me"),
    ("i", "reckon"), ("reckon", "so"), ("i", "suppose"), ("suppose", "so"), ("guess", "so"),
    ("believe", "so"), ("i", "believe", "so"), ("i", "expect", "so"), ("should", "be", "fine"),
    ("you", "got", "it"), ("wouldn't", "say", "no"), ("would", "not", "say", "no"),
    ("can't", "say", "no"),
)  # fmt: skip
_NEGATIVE = frozenset(
    {"no", "nope", "nah", "not", "don't", "dont", "never", "negative", "wrong", "incorrect",
     "isn't", "wasn't", "can't", "cannot", "won't", "wouldn't", "shouldn't", "doesn't",
     "didn't", "nay", "noo", "nooo", "neither", "nor", "aren't", "haven't", "hasn't"}
)  # fmt: skip
_POSITIVE = frozenset(
    {"yes", "yeah", "yep", "yup", "ya", "yah", "yea", "yess", "yesss", "sure", "ok", "okay",
     "alright", "correct", "right", "absolutely", "definitely", "certainly", "affirmative",
     "exactly", "perfect", "great", "fine", "please", "indeed", "totally", "aye", "good",
     "cool", "agreed", "agree", "confirm", "confirmed", "yessir", "k", "kay", "true",
     "awesome", "excellent", "surely", "gladly", "naturally", "precisely"}
)  # fmt: skip
# "next Tuesday, no sorry, Wednesday": a "no" that takes back a value the caller was saying
# is a repair, not an answer. It is one when a word that is no answer comes before it and a
# repair word right after it; "no, sorry" at the start stays a polite no.
_REPAIR_AFTER_NO = frozenset({"sorry", "wait", "actually", "make", "scratch"})
_NOT_CONTENT = frozenset(
    {"um", "uh", "er", "erm", "hmm", "mm", "well", "oh", "so", "like", "and", "but", "i",
     "said", "say", "think", "actually", "just", "then", "ah", "eh", "uhm", "umm"}
)  # fmt: skip
_MAX_IDIOM = 4
# Every idiom in the order find() tries them (negative, unsure, positive), and where to
# start for a given first word: an answer of a few words looks at a few idioms, not all 70.
_IDIOMS: tuple[tuple[tuple[str, ...], str], ...] = tuple(
    (phrase, kind)
    for group, kind in ((_NEGATIVE_IDIOMS, "no"), (_UNSURE, "unsure"), (_POSITIVE_IDIOMS, "yes"))
    for phrase in group
)
_IDIOMS_BY_FIRST: dict[str, list[int]] = {}
for _i, (_phrase, _kind) in enumerate(_IDIOMS):
    _IDIOMS_BY_FIRST.setdefault(_phrase[0], []).append(_i)


def _first_content(texts: list[str]) -> int:
    """Index of the first word that is no answer and no chatter (``len(texts)`` if none)."""
    return next(
        (
            i
            for i, w in enumerate(texts)
            if w not in _NOT_CONTENT and w not in _POSITIVE and w not in _NEGATIVE
        ),
        len(texts),
    )


def _takes_back(texts: list[str], k: int, first_content: int) -> bool:
    """Whether the "no" at ``k`` repairs a value said before it ("the fifth, no sorry, …")."""
    if first_content >= k:
        return False
    after = texts[k + 1 : k + 3]
    return bool(after) and (after[0] in _REPAIR_AFTER_NO or after == ["i", "mean"])


# "everyone is fine", "we're good", "no one was hurt": words about someone, not an answer.
# Whether they mean yes or no depends on the question ("Was anyone hurt?" / "Is everyone
# OK?"), which the parser does not see: they decide nothing. "That's fine" still does.
_SOMEONE = frozenset(
    {"everyone", "everybody", "we", "they", "he", "she", "i", "all", "both", "kids",
     "people", "us", "anyone", "anybody", "someone", "somebody", "nobody"}
)  # fmt: skip
_SOMEONE_IS = frozenset(
    {"i'm", "im", "we're", "they're", "he's", "she's", "everyone's", "everybody's",
     "someone's", "somebody's", "nobody's"}
)  # fmt: skip
_COPULAS = frozenset({"is", "are", "am", "was", "were", "feel", "feels", "seem", "seems"})
_DEGREES = frozenset({"all", "both", "just", "totally", "perfectly", "really", "pretty", "so"})
_STATES = frozenset(
    {"fine", "good", "great", "ok", "okay", "alright", "perfect", "cool", "excellent",
     "awesome", "right", "safe"}
)  # fmt: skip


def _about_someone(texts: list[str], index: list[int]) -> list[bool]:
    """Words that say how someone is ("everyone is fine") or name no one ("no one"): unused."""
    used = [False] * len(texts)
    for k, word in enumerate(texts):
        if word in _STATES:
            j = k - 1 if k >= 1 and texts[k - 1] in _DEGREES else k  # "we're all good"
            if j >= 1 and texts[j - 1] in _SOMEONE_IS:
                used[j - 1 : k + 1] = [True] * (k + 2 - j)
            elif j >= 2 and texts[j - 1] in _COPULAS and texts[j - 2] in _SOMEONE:
                # "i am fine" is not the idiom "i am"
                used[j - 2 : k + 1] = [True] * (k + 3 - j)
        # "no one", not "no, one moment": the two words are adjacent tokens
        if word == "no" and texts[k + 1 : k + 2] == ["one"] and index[k + 1] == index[k] + 1:
            used[k] = used[k + 1] = True
    return used


def _words(toks: list[Token]) -> list[int]:
    """Indices of word tokens (letters or digits), skipping punctuation."""
    return [k for k, t in enumerate(toks) if t.text[:1].isalnum()]


def _positions(texts: list[str]) -> dict[str, list[int]]:
    """Where each word occurs, so phrases are only tried where their first word is."""
    where: dict[str, list[int]] = {}
    for k, word in enumerate(texts):
        where.setdefault(word, []).append(k)
    return where


def _occurrences(
    texts: list[str], where: dict[str, list[int]], phrase: tuple[str, ...]
) -> list[int]:
    """Start of every occurrence of ``phrase`` in ``texts`` (linear in the hits)."""
    size = len(phrase)
    return [k for k in where.get(phrase[0], ()) if tuple(texts[k : k + size]) == phrase]


class YesNoType(SlotType):
    """Yes or no: "yeah go ahead" -> True, "nope", "not really", "yeah no" -> False.

    Value: ``bool``. Hedges ("I'm not sure", "maybe") and non-answers give
    ``None``. A negation anywhere wins over any yes, except between two: "yeah, no,
    yeah" went back and forth (``None``).
    """

    name = "yes_no"
    description = "a yes/no answer, bool"
    # "no, sorry" is a polite no, not a repair; "no, I mean yes" is one.
    repair_markers = "corrections"
    refusable = False
    hesitations_matter = True

    def scan(self, text: str, ctx: ExtractContext) -> Match | None:
        """Classify the answer; the span is the word or idiom that decided it."""
        toks = tokenize(text, hesitations=True)  # "uh huh", "mm hmm" are answers
        index = _words(toks)
        texts = [toks[k].text for k in index]
        where = _positions(texts)
        used = _about_someone(texts, index)
        if "no" in where:
            first_content = _first_content(texts)
            for k in where["no"]:
                if _takes_back(texts, k, first_content):
                    used[k] = True
        negative: tuple[int, int] | None = None
        positive: tuple[int, int] | None = None
        yeses: list[int] = []  # where each yes was said
        unsure = False
        # the idioms whose first word occurs, in their order (each has one first word)
        for i in sorted(i for word in where for i in _IDIOMS_BY_FIRST.get(word, ())):
            phrase, kind = _IDIOMS[i]
            for start in _occurrences(texts, where, phrase):
                end = start + len(phrase)
                if any(used[start:end]):
                    continue
                used[start:end] = [True] * len(phrase)
                if kind == "no":
                    negative = negative or (start, end)
                elif kind == "yes":
                    positive = positive or (start, end)
                    yeses.append(start)
                else:
                    unsure = True
        for k, word in enumerate(texts):
            if used[k]:
                continue
            if word in _NEGATIVE:
                negative = negative or (k, k + 1)
            elif word in _POSITIVE:
                positive = positive or (k, k + 1)
                yeses.append(k)
        if (
            negative is not None
            and any(k < negative[0] for k in yeses)
            and any(k >= negative[1] for k in yeses)
        ):
            return None  # "yeah, uh, no, yeah": the caller went back and forth
        if negative is not None:
            first, end, value = negative[0], negative[1], False
        elif positive is not None and not unsure:
            first, end, value = positive[0], positive[1], True
        elif positive is None and not unsure and ctx.question and index:
            # no yes or no word: "I'd like to book" to "Are you calling to book?"
            said = restated(text, ctx.question, ctx.language)
            if said is None:
                return None
            return Match(said, toks[index[0]].start, toks[index[-1]].end)
        else:
            return None
        return Match(value, toks[index[first]].start, toks[index[end - 1]].end)

    def spoken(self, value: Any) -> str:
        """Read back as "yes" or "no"."""
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)


@lru_cache(maxsize=4096)
def _phrase_words(text: str) -> tuple[str, ...]:
    """A choice or synonym as lower-case words without punctuation ("Extra-Large").

    Cached: the same choices are tokenised again on every answer otherwise.
    """
    return tuple(t.text for t in tokenize(text) if t.text[:1].isalnum())


def _choice_items(choices: Any) -> list[tuple[str, tuple[str, ...]]]:
    """Choices as (canonical, synonyms), tolerating a bare list or a string synonym.

    ``ExtractContext`` may be built by hand, so a ``{"amex": "american
    express"}`` or a plain list must not be iterated character by character.
    """
    if isinstance(choices, str):
        return [(choices, ())]
    if not isinstance(choices, Mapping):
        return [(str(c), ()) for c in choices]
    items = []
    for canonical, synonyms in choices.items():
        if isinstance(synonyms, str):
            synonyms = (synonyms,)
        items.append((str(canonical), tuple(str(s) for s in synonyms or ())))
    return items


def _inflected(
    bases: list[frozenset[str]], where: dict[str, list[int]], phrase: tuple[str, ...]
) -> list[int]:
    """Start of every occurrence of ``phrase``, each word as said or inflected."""
    size = len(phrase)
    return [
        k
        for k in where.get(phrase[0], ())
        if k + size <= len(bases) and all(phrase[m] in bases[k + m] for m in range(1, size))
    ]


_VOWELS = frozenset("aeiou")


@lru_cache(maxsize=8192)
def _bases(word: str) -> frozenset[str]:
    """``word`` and what it may be an inflection of: "burgers" -> burger, "picking" -> pick.

    Only regular endings are taken off ("'s", "s", "es", "ies", "ing", "ed", with a doubled
    consonant: "shopping" -> shop), and never below three letters, so a choice matches
    "two burgers", "picking up" and "delivered" but never another word that starts like it
    ("team" is no "tea", "cashier" no "cash", "reddish" no "red").
    """
    forms = {word}
    stem = word.removesuffix("'s")
    forms.add(stem)
    if stem.endswith("ies"):
        forms.add(stem[:-3] + "y")
    elif stem.endswith("es") and stem[-3:-2] in ("s", "x", "z", "h", "o"):
        forms.add(stem[:-2])
    if stem.endswith("s") and not stem.endswith(("ss", "us", "is")) and stem not in _NOT_PLURAL:
        forms.add(stem[:-1])
    for ending in ("ing", "ed"):
        if stem.endswith(ending):
            base = stem[: -len(ending)]
            if len(base) > 3 and base[-1] == base[-2] and base[-1] not in _VOWELS:
                forms.add(base[:-1])  # "shopping", "stopped"
            elif not _short_closed(base):
                forms.add(base)  # "picking", "delivered"; "hated" is no "hat", "caring" no "car"
    return frozenset(f for f in forms if len(f) >= 3 or f == word)


# Words ending in "s" that are no plural: "news" is no "new".
_NOT_PLURAL = frozenset(
    {"news", "series", "species", "means", "thanks", "lens", "always", "perhaps", "towards",
     "whereas", "yes", "its", "his", "hers", "ours", "yours", "theirs", "was", "does", "goes",
     "hiss", "physics", "mathematics", "politics", "economics", "christmas"}
)  # fmt: skip


def _short_closed(base: str) -> bool:
    """One syllable ending in one vowel and one consonant ("hat", "car", "plan").

    Such a word doubles its consonant before "-ed"/"-ing" ("planned", "starring"), so
    "hated", "caring", "planed" are forms of "hate", "care", "plane", not of it.
    """
    if len(base) < 2 or base[-1] in _VOWELS or base[-1] in "wxy" or base[-2] not in _VOWELS:
        return False
    if len(base) > 2 and base[-3] in _VOWELS:
        return False  # "rain", "book": two vowels
    return (
        sum(
            1
            for k, ch in enumerate(base)
            if ch in _VOWELS and (k == 0 or base[k - 1] not in _VOWELS)
        )
        == 1
    )


_NEGATORS = frozenset({"not", "no", "don't", "dont", "never", "without", "except", "but"})
_CORRECTIONS = frozenset({"actually", "instead", "rather", "mean", "make", "change", "switch"})
# "extra large" when only small, medium and large are offered: another size, not "large"
_MODIFIERS = frozenset(
    {"extra", "xtra", "super", "ultra", "mega", "mini", "semi", "non", "half", "double", "triple"}
)


class EnumType(SlotType):
    """One of the flow's choices, by canonical name or synonym.

    Matching is whole-word, case- and punctuation-insensitive; the longest
    phrase wins ("extra large" over "large"). A negated choice ("not the
    large") is ignored, and so is one with a modifier that makes it another option
    ("extra large" when small, medium and large are offered). If two different choices
    remain, the one after a correction ("small, actually large") wins; otherwise the
    answer is ambiguous and gives ``None``.

    Value: the canonical choice string from ``ctx.choices``.
    """

    name = "enum"
    description = "one of the flow's choices (canonical name)"

    def scan(self, text: str, ctx: ExtractContext) -> Match | None:
        """Find the chosen option."""
        if not ctx.choices:
            return None
        toks = tokenize(text)
        index = _words(toks)
        texts = [toks[k].text for k in index]
        bases = [_bases(word) for word in texts]
        where: dict[str, list[int]] = {}
        for k, forms in enumerate(bases):
            for form in forms:
                where.setdefault(form, []).append(k)
        found: list[tuple[int, int, str]] = []  # (start, end, canonical) in word positions
        for canonical, synonyms in _choice_items(ctx.choices):
            for phrase in {_phrase_words(canonical), *(_phrase_words(s) for s in synonyms)}:
                if phrase:
                    for start in _inflected(bases, where, phrase):
                        found.append((start, start + len(phrase), canonical))
        if not found:
            return None
        # Longest first, then leftmost; drop matches overlapping a longer one.
        found.sort(key=lambda m: (m[0] - m[1], m[0]))
        kept: list[tuple[int, int, str]] = []
        taken = [False] * len(texts)
        for match in found:
            if not any(taken[match[0] : match[1]]):
                taken[match[0] : match[1]] = [True] * (match[1] - match[0])
                kept.append(match)
        kept.sort()
        kept = [
            m
            for m in kept
            if not self._negated(toks, index, texts, m[0])
            and not (m[0] and texts[m[0] - 1] in _MODIFIERS)
        ]
        if not kept:
            return None
        chosen = kept[0]
        if len({m[2] for m in kept}) > 1:
            cues = [k for k, w in enumerate(texts) if w in _CORRECTIONS]
            after = [m for m in kept if cues and m[0] > cues[-1]]
            if not after or len({m[2] for m in after}) > 1:
                return None  # "small or large?": ambiguous, ask again
            chosen = after[0]
        start, end, canonical = chosen
        return Match(canonical, toks[index[start]].start, toks[index[end - 1]].end)

    @staticmethod
    def _negated(toks: list[Token], index: list[int], texts: list[str], start: int) -> bool:
        """True for "not the large", "no large"; false for "no, large" (a correction)."""
        for back in (1, 2):
            k = start - back
            if k < 0:
                return False
            if texts[k] in _NEGATORS:
                between = toks[index[k] + 1 : index[start]]
                return not any(t.text in (",", ".", "!", "?", ";") for t in between)
            if texts[k] not in ("the", "a", "an", "that", "this"):
                return False
        return False


class TextType(SlotType):
    """Free text: the whole utterance, stripped. ``None`` when empty."""

    name = "text"
    description = "free text, stripped string"
    repair_markers = None  # free text is kept as said, repairs and all

    def scan(self, text: str, ctx: ExtractContext) -> Match | None:
        """The stripped utterance."""
        stripped = text.strip()
        if not stripped:
            return None
        start = len(text) - len(text.lstrip())
        return Match(stripped, start, start + len(stripped))
