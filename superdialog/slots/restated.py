"""A yes or a no said by restating the question: "Are you calling to book?" → "I'd like to book".

Callers often answer a yes/no question with what they want, in the question's own verb:
"Are you calling to book a check-up?" — "I'd like to book a cleaning"; "Would you like a
receipt?" — "I'd love a receipt"; "¿Llama para pedir cita?" — "quiero pedir cita". Without
a yes word the answer was "not understood", three times, and the caller was transferred.

The rule is narrow, because a wrong value is worse than none: a lead that states a wish or a
purpose ("I'd like to", "I want to", "I'm calling to", "quiero", "je voudrais", "ich
möchte") followed by a word the question itself used is a yes; the same lead negated ("I
don't want to", "I'm not calling to", "no quiero", "je ne veux pas", "ich möchte nicht") is
a no. Anything after it that turns away ("but", "instead", "rather", "actually") gives no
answer, as does a word the question did not use ("I'd like to cancel" to "Are you calling to
book?": maybe a digression, not a no).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

__all__ = ["restated"]

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")

# Leads, per language: (affirmative, negative). Each is matched at a word boundary and
# followed by the restated word(s); "{obj}" marks where English allows an article first.
_LEADS: Final[dict[str, tuple[str, str]]] = {
    "en": (
        r"(?:i|we)(?:'d| would) (?:really )?(?:like|love)(?: to)?"
        r"|(?:i|we) (?:really )?(?:want|need|wanna|hope|plan|mean)(?: to)?"
        r"|(?:i|we)(?:'m|'re| am| are| was| were) (?:calling|phoning|ringing|looking|hoping|trying"
        r"|here|planning)(?: (?:to|for|about))?"
        r"|(?:i|we)(?:'d| would) (?:like|love)",
        r"(?:i|we) (?:don't|do not|didn't|did not|dont) (?:really )?"
        r"(?:want|need|wanna|plan|mean)(?: to)?"
        r"|(?:i|we)(?:'m|'re| am| are) not (?:calling|looking|trying|here|planning)"
        r"(?: (?:to|for|about))?"
        r"|(?:i|we)(?:'d| would) not (?:like|love)(?: to)?|(?:i|we) wouldn't (?:like|love)(?: to)?",
    ),
    "es": (
        r"(?:yo )?(?:quiero|quisiera|querría|quería|necesito|deseo|busco)"
        r"|me gustaría|(?:le |te )?llamo para|(?:le |te )?llamaba para|es para",
        r"no (?:quiero|quisiera|necesito|deseo|busco|llamo para|llamaba para|me gustaría|es para)",
    ),
    "fr": (
        r"je (?:voudrais|veux|souhaite|souhaiterais|dois)|j'aimerais|j'appelle pour|c'est pour",
        r"je ne (?:voudrais|veux|souhaite|dois) pas|je n'appelle pas pour|ce n'est pas pour",
    ),
    "de": (
        r"ich (?:möchte|will|würde gern|würde gerne|wollte|brauche)"
        r"|wir (?:möchten|wollen|brauchen)",
        r"ich (?:möchte|will|wollte|brauche) (?:nicht|kein|keine|keinen)"
        r"|wir (?:möchten|wollen|brauchen) (?:nicht|kein|keine|keinen)",
    ),
}
_TURNS_AWAY: Final = frozenset(
    {
        "but", "instead", "rather", "actually", "except", "not", "unless", "although",
        "pero", "sino", "mejor", "realmente", "mais", "plutôt", "aber", "sondern", "lieber",
        "eigentlich",
    }
)  # fmt: skip
_HEDGES: Final = frozenset(
    {"if", "whether", "maybe", "perhaps", "unsure", "sure", "si", "quizás", "tal", "wenn", "ob",
     "vielleicht", "peut"}
)  # fmt: skip
# Verbs that carry no wish of their own: "I'd like to make an appointment".
_LIGHT: Final = frozenset(
    {"make", "get", "have", "set", "take", "grab", "go", "come", "hacer", "tener", "faire",
     "avoir", "machen", "haben"}
)  # fmt: skip
# Words too common to say what a question is about.
_STOP: Final = frozenset(
    {
        "a", "an", "the", "to", "for", "of", "on", "in", "at", "with", "and", "or", "is", "are",
        "am", "be", "you", "your", "yours", "i", "me", "my", "we", "us", "our", "it", "this",
        "that", "do", "does", "did", "have", "has", "had", "would", "could", "can", "will",
        "like", "want", "need", "calling", "call", "today", "please", "some", "any", "one",
        "el", "la", "los", "las", "un", "una", "de", "del", "para", "por", "que", "en", "su",
        "sus", "usted", "le", "lo", "se", "es", "con", "y", "o", "quiere", "desea", "llama",
        "les", "du", "des", "une", "pour", "vous", "votre", "vos", "est", "et", "ou",
        "der", "die", "das", "den", "dem", "ein", "eine", "einen", "für", "sie", "ihr", "ihre",
        "und", "oder", "zu", "möchten", "wollen",
    }
)  # fmt: skip


@lru_cache(maxsize=8)
def _leads(language: str) -> tuple[re.Pattern[str], re.Pattern[str]] | None:
    leads = _LEADS.get(language)
    if leads is None:
        return None
    yes, no = leads
    return (
        re.compile(rf"(?<!\w)(?:{yes})(?!\w)", re.IGNORECASE),
        re.compile(rf"(?<!\w)(?:{no})(?!\w)", re.IGNORECASE),
    )


def _stem(word: str) -> str:
    """A crude stem, enough to meet "book"/"booking"/"booked", "pedir"/"pido" are left apart."""
    w = word.lower().replace("'", "")
    for suffix in ("ings", "ing", "ed", "es", "s", "e"):
        if len(w) - len(suffix) >= 3 and w.endswith(suffix):
            return w[: -len(suffix)]
    return w


@lru_cache(maxsize=1024)
def _topics(question: str) -> frozenset[str]:
    """The stems of the question's own content words."""
    return frozenset(_stem(w) for w in _WORD.findall(question.lower()) if w not in _STOP)


def _restates(rest: str, topics: frozenset[str], language: str) -> bool | None:
    """Whether the words after a lead restate the question (None: they turn away).

    The word that carries the wish decides: the first content word (a light verb such as
    "make" or "get" skipped) — in German, where the verb comes last, the last one. "I want
    to cancel my booking" does not restate "Are you calling to book?".
    """
    words = _WORD.findall(rest.lower())
    if any(w in _TURNS_AWAY for w in words):
        return None
    content = [w for w in words if w not in _STOP and w not in _LIGHT]
    if not content:
        return False
    key = content[-1] if language == "de" else content[0]
    return _stem(key) in topics


def restated(answer: str, question: str, language: str = "en") -> bool | None:
    """True/False when ``answer`` restates ``question`` as a wish or its negation; else None.

    Args:
        answer: The caller's words (cleaned).
        question: What the agent asked (its last line).
        language: The call's language; others than en/es/fr/de give None.

    """
    lang = language.split("-")[0].lower()
    leads = _leads(lang)
    topics = _topics(question) if question else frozenset()
    if leads is None or not topics:
        return None
    yes, no = leads
    found = no.search(answer)
    if found is not None:
        return (
            False
            if not _hedged(answer, found.start()) and _restates(answer[found.end() :], topics, lang)
            else None
        )
    found = yes.search(answer)
    if found is None or _hedged(answer, found.start()):
        return None
    return True if _restates(answer[found.end() :], topics, lang) else None


def _hedged(answer: str, start: int) -> bool:
    """Whether the words before the lead turn it into something else ("if I want to book")."""
    before = _WORD.findall(answer[:start].lower())
    return any(w in _HEDGES or w in _TURNS_AWAY for w in before)
