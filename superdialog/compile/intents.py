"""Deterministic intent matching (no model call).

Global intents are checked in every state *before* the state's own parsing, so
a wrong match is expensive: "help" heard in "can you help me book" answers
with the help line instead of booking, "agent please" missed at a yes/no
question is read as "yes please". Two kinds of matcher share one interface:

* **Phrases** (custom intents, and phrases a flow adds to a built-in one) match
  as whole words anywhere in normalised caller text, so "bye" does not fire on
  "byers" and "agent" not on "agenda". One regular expression per intent.
* **Built-in intents** (``human``, ``goodbye``, ``repeat``, ``start_over``,
  ``help``, ``never_mind``) have a small grammar each, because their short phrases ("sorry
  what", "operator", "bye", "help") are requests only when they are the
  caller's whole request. A grammar has up to three regular expressions:

  - *whole*: the utterance is the request, give or take chatter around it
    ("uh, operator please", "sorry?", "no, agent please");
  - *tail*: the request ends the utterance ("ok thanks, bye", "this is all
    wrong, start over") - not "goodbye Tuesday is fine";
  - *free*: an unambiguous request anywhere ("can I talk to a real person
    about my bill", "you're breaking up").

  A tail or free match does not count when it is negated ("I don't want a
  human", "no need to repeat that", "please don't hang up"), asked about the
  agent ("am I talking to a real person?"), or taken back ("can I talk to a
  person - actually never mind").

Before matching, hesitations are dropped ("uh", "um"), a cut-off word that the
next words restart is dropped ("a per- a person"), and a word or phrase said
twice in a row is kept once ("to a to a human"). All of it is linear in the
utterance and takes microseconds; utterances longer than ``MAX_INTENT_CHARS``
are read at their start and end only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "BUILTIN_PHRASES",
    "MAX_INTENT_CHARS",
    "IntentMatcher",
    "compile_intent",
    "normalise",
]

MAX_INTENT_CHARS = 1000
"""Characters of an utterance a built-in intent reads at each end (about 170 words)."""

BUILTIN_PHRASES: Mapping[str, tuple[str, ...]] = {
    "human": (
        "operator",
        "agent please",
        "a real person",
        "human please",
        "talk to a person",
        "speak to a human",
        "can I speak to a manager",
        "put me through to someone",
        "transfer me to an agent",
        "is there a human there",
    ),
    "goodbye": (
        "bye",
        "goodbye",
        "ok thanks bye",
        "that's all",
        "no that's it",
        "nothing else",
        "I'm done",
        "have a nice day",
        "talk to you later",
        "I'm going to hang up",
    ),
    "repeat": (
        "sorry?",
        "pardon",
        "come again",
        "say that again",
        "could you repeat that",
        "what was that",
        "what did you say",
        "I didn't catch that",
        "one more time",
        "you're breaking up",
    ),
    "start_over": (
        "start over",
        "start again",
        "can we start from the beginning",
        "begin again",
        "restart",
    ),
    "never_mind": (
        "never mind",
        "forget it",
        "cancel that",
        "forget about it",
        "scratch that",
        "I changed my mind",
        "actually never mind",
    ),
    "help": (
        "help",
        "I need help",
        "what can you do",
        "what are my options",
        "how does this work",
        "I'm confused",
    ),
}
"""Examples of what each built-in intent understands (its grammar understands more).

A flow may add phrases to a built-in intent under ``intents:``; those match as
whole words anywhere, like a custom intent's.
"""

_NON_WORD = re.compile(r"[^\w'\s]+")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower-case, punctuation to spaces, single spaces: what phrases match against."""
    return _SPACES.sub(" ", _NON_WORD.sub(" ", text.lower().replace("\u2019", "'"))).strip()


# --------------------------------------------------------------------- preparing

_FILLERS = frozenset(
    {"uh", "uhh", "uhm", "um", "umm", "er", "erm", "err", "ah", "ahh", "hmm", "hm", "mm",
     "mmm", "mhm"}
)  # fmt: skip
# Short words that are words, not cut-off starts of the next one ("to" before "today").
_NOT_FRAGMENTS = frozenset(
    {"a", "i", "to", "no", "on", "in", "an", "at", "it", "is", "so", "do", "be", "we", "he",
     "me", "my", "up", "or", "of", "as", "by", "go", "if", "us", "am", "ok", "oh", "hi",
     "can", "not", "now", "the", "and", "for", "you", "are", "was", "his", "her", "our",
     "out", "get", "got", "one", "all", "any", "say", "see", "how", "who",
     "why", "yes", "yea", "yep", "hey", "bye", "too", "off", "own", "way", "day", "sir",
     "ask", "let", "put", "set", "end", "man", "him", "she", "they", "them", "this",
     "that", "then", "than", "just", "like", "real", "live", "help", "what", "when",
     "want", "need", "talk", "speak", "some", "more", "much", "good", "done", "over",
     "from", "with", "your", "sure", "okay", "well", "else", "here", "there", "time",
     "back", "rep", "re", "don't", "i'm", "it's", "can't", "won't", "start"}
)  # fmt: skip


@lru_cache(maxsize=256)
def _prepare(norm: str) -> str:
    """Normalised text without hesitations, cut-off words and immediate repeats.

    Cached: every built-in intent of a state reads the same utterance.
    """
    words = _collapse([w for w in norm.split(" ") if w and w not in _FILLERS], 1)
    kept: list[str] = []
    for k, word in enumerate(words):
        if 2 <= len(word) <= 4 and word not in _NOT_FRAGMENTS:
            ahead = words[k + 1 : k + 4]
            if any(len(nxt) > len(word) and nxt.startswith(word) for nxt in ahead):
                continue  # "per" in "a real per- a real person": the caller restarted
        kept.append(word)
    for size in (3, 2, 1):
        kept = _collapse(kept, size)
    return " ".join(kept)


def _collapse(words: list[str], size: int) -> list[str]:
    """Say ``size`` words once where they were said twice or more in a row."""
    out: list[str] = []
    for word in words:
        out.append(word)
        if len(out) >= 2 * size and out[-size:] == out[-2 * size : -size]:
            del out[-size:]
    return out


# ------------------------------------------------------------------- the grammars


def _any(*options: str) -> str:
    """A non-capturing alternation, longest option first."""
    return "(?:" + "|".join(sorted(options, key=len, reverse=True)) + ")"


def _words(text: str) -> str:
    """An alternation of the whitespace-separated words in ``text``."""
    return _any(*(re.escape(w) for w in text.split()))


# Chatter that may surround a request said on its own ("oh, operator please").
_LEAD = _any(
    _words(
        """ok okay oh so well yeah yes yep yup yea hey hi hello like just please right
        alright actually and but no nope nah sorry hmm look listen now then wait"""
    ),
    "excuse me",
)
_TRAIL = _any(
    _words(
        """please thanks thank you now then there again mate sir ma'am maam love buddy ok
        okay quickly yeah today instead here asap immediately cheers already exactly"""
    ),
    "for me",
    "right now",
    "if you can",
    "if possible",
    "so much",
    "very much",
    "a lot",
)


def _whole(*cores: str, lead: str = _LEAD) -> str:
    """The utterance is the request, with chatter around it.

    Several requests in a row count too ("I'm confused, what do I do?").
    """
    core = _any(*cores)
    return rf"^(?:{lead} )*{core}(?: (?:{core}|{_TRAIL}))*$"


def _tail(*cores: str, trail: str = _TRAIL) -> str:
    """The request ends the utterance, give or take chatter after it."""
    return rf"(?:^| )(?P<m>{_any(*cores)})(?: {trail})*$"


def _free(*phrases: str) -> str:
    return rf"(?<![\w']){_any(*phrases)}(?![\w'])"


# --- human
_DET = r"(?:(?:a|an|the|some|your|one of your|to) )?"
_ADJ = r"(?:(?:real|live|actual|proper|real live|human|other) )?"
_STRONG = _DET + _ADJ + _any(
    "human being", "humans", "human", "person", "agent", "representative", "rep",
    "operator", "manager", "supervisor", "staff member", "member of staff",
    "member of your staff", "receptionist", "reception", "front desk",
    "customer service(?: (?:rep|representative|agent))?", "customer support",
    "advisor", "adviser", "associate", "colleague", "someone in charge",
)  # fmt: skip
_WEAK = _any("someone", "somebody", "anyone", "anybody") + r"(?: (?:real|else|there))?"
# Whom a caller asks to be put through to, but would also "need" for other reasons ("I
# need a dentist" books a visit): only after "talk to", "put me through to".
_STAFF = _DET + _any(
    "doctor", "dentist", "nurse", "pharmacist", "technician", "engineer", "specialist",
    "billing", "sales", "support", "accounts", "the office",
    r"(?:\w+ )?(?:department|team|desk)",
    r"someone (?:from|in) (?:the )?\w+(?: (?:department|team|desk))?",
)  # fmt: skip
_TARGET = _any(_STRONG, _WEAK, _STAFF)
# "want a person to come out and fix it" is not asking for one on the phone.
_NOT_ERRAND = r"(?! to (?!talk|speak|chat|help)\w)"
_TALK = _any(
    "talk", "speak", "chat", "talking", "speaking", "chatting", "have a word",
    r"(?:be|get|getting|being) (?:transferred|connected|put through|passed|put|sent)",
    r"escalate(?: (?:this|it|me|my call|the call))?",
) + r"(?: (?:directly|right now|now|just))? (?:to|with)"  # fmt: skip
_CONNECT = _any("transfer", "put", "connect", "patch", "pass", "send", "forward", "switch")
_HUMAN_FREE = _free(
    rf"{_TALK} {_TARGET}",
    rf"{_CONNECT} me(?: (?:through|over|back|on))?(?: (?:to|with))? {_TARGET}",
    rf"(?:can|could|would|will|please) (?:you )?(?:just )?{_CONNECT} me(?: (?:through|over))?",
    rf"{_any('get', 'give', 'find', 'bring', 'fetch')} me {_STRONG}{_NOT_ERRAND}",
    rf"{_any('get', 'want', 'need', 'wanna', 'prefer', 'request', 'demand')} {_STRONG}"
    + _NOT_ERRAND,
    rf"{_any('ask for', 'asking for', 'looking for', 'waiting for')} {_STRONG}{_NOT_ERRAND}",
    rf"(?:i'd|i would|we'd|we would) (?:rather have|like) {_STRONG}{_NOT_ERRAND}",
    rf"(?:can|could|may) (?:i|we) (?:have|get) {_STRONG}{_NOT_ERRAND}",
    rf"get {_TARGET} on the (?:phone|line)",
    rf"put {_STRONG} on",
    rf"{_any('reach', 'reaching', 'get hold of', 'get ahold of', 'get through to')} {_TARGET}",
    rf"is there {_any('a', 'an', 'any', 'some')}? ?{_ADJ}{_any('human being', 'human', 'person', 'agent', 'operator', 'representative', 'manager', 'supervisor')}",  # noqa: E501
    rf"is there {_WEAK} (?:i|we) (?:can|could) (?:talk|speak)",
)
_HUMAN_WHOLE = _whole(
    _STRONG,
    "someone real",
    "somebody real",
    "transfer me",  # not a bare "transfer": in a bank that is what the caller wants to do
    "put me through",
    "connect me",
    "give me a person",
)

# --- goodbye
_GOODBYE_TAIL = _tail(
    r"(?:good ?)?bye(?: bye)?(?: (?:now|for now|then))?",
    "goodbye",
    "goodnight",
    r"see (?:you|ya)(?: (?:later|soon|then|tomorrow))?",
    r"(?:talk|speak) to you (?:later|soon|tomorrow)",
    "speak soon",
    "talk soon",
    "catch you later",
    r"have a (?:nice|good|great|lovely|wonderful) (?:day|one|evening|night|weekend|afternoon)",
    "take care",
    r"(?:that's|that is|that'll be|that will be|that'd be|that'll|that'd) (?:be )?"
    r"(?:all|everything)(?: (?:for (?:now|today)|i (?:needed|need|wanted|had)))?",
    r"(?:no|nope|nah) that's it",
    r"that's it (?:for (?:now|today)|thanks|thank you)",
    "nothing else",
    r"(?:i'm|i am|we're|we are)(?: all)? (?:done|finished)",
    r"(?:i|i've|we|we've) (?:have|got|gotta|need|must) (?:to )?(?:go|run)",
    r"(?:i )?gotta (?:go|run)",
    "hang up",
)
# Short sign-offs that also end ordinary sentences ("call me back later", "the payment
# is all done", "I had a good night") count only as the whole utterance.
_GOODBYE_WHOLE = _whole("later", "laters", "good night", "all done", "ciao", "cheers")

# --- repeat
_REPEAT_OBJECT = _any(
    "that", "it", "this", "yourself", "the question", "what you said", "that last part",
    r"the last (?:part|bit|sentence|thing|one|question)", "everything", "all of that",
    r"the (?:number|date|time|address|options|amount|details|total|name)", "your name",
)  # fmt: skip
# A lone "what" is left out: it is also how a question cut short by the endpointer
# arrives ("what... time do you close"), and the miss path asks the question again anyway.
_REPEAT_WHOLE = _whole(
    "sorry", "pardon", "pardon me", r"(?:i )?beg your pardon", "huh", "eh",
    r"(?:sorry|wait|huh|pardon|eh|you|excuse me) what", "come again", "say again", "again",
    "once more", "one more time",
    r"repeat(?: (?:that|it))?", "excuse me", r"what(?:'s| is| was) that", "what now",
    lead=_any(_words("ok okay oh so well hey hello like just sorry wait"), "excuse me"),
)  # fmt: skip
_REPEAT_TAIL = _tail(
    r"(?:can|could|would|will) you (?:please |just )?repeat",
    rf"(?:didn't|did not|couldn't|could not|can't|cannot) (?:quite )?"
    rf"(?:catch|get|hear|understand) (?:that|it|you|what you said|{_REPEAT_OBJECT})",
    r"(?:i )?missed (?:that|it|what you said|the last (?:part|bit))",
    r"what did you (?:just )?say",
    r"what was (?:that|it|the last (?:part|bit|thing|question))",
    "say again",
    trail=_any(_TRAIL, "sorry", "pardon"),
)
_REPEAT_FREE = _free(
    r"(?:say|read) (?:that|it|this|the last (?:part|bit)) (?:again|one more time|once more)",
    rf"repeat {_REPEAT_OBJECT}",
    r"you(?:'re| are| were| keep)? (?:cut|cutting|broke|breaking) (?:out|up)",
    r"(?:can't|cannot|couldn't) hear you",
)

# --- start over
_START_OVER_CORE = (
    r"start (?:all )?over(?: again)?",
    r"start (?:all )?again",
    r"(?:start|begin|do (?:it|this|this all|it all)(?: again)?|go back|start again|start over)"
    r" (?:from|to) (?:the )?(?:very )?(?:beginning|start|top|scratch)",
    "begin again",
    r"start (?:afresh|fresh|from scratch)",
    r"start (?:everything|it all|all this|this|it|the whole thing) (?:all )?(?:over|again)",
    r"do (?:it|this|the whole thing) (?:all )?over(?: again)?",
    r"(?:restart|reset) (?:the call|this call|everything|the conversation|it all)",
    # a bare "restart"/"reset" only as a request: "do I need to restart" is about a router
    r"(?:let's|let us|please|can we|could we|can i|could i|i want to|i'd like to|i wanna"
    r"|just) (?:restart|reset)",
)
_START_OVER_TAIL = _tail(*_START_OVER_CORE)
_START_OVER_WHOLE = _whole(
    *_START_OVER_CORE,
    "restart",
    "reset",
    r"from (?:the )?(?:beginning|start|top|scratch)",
)

# --- help
_HELP_WHOLE = _whole(
    r"help(?: me)?",
    r"(?:i|we) need (?:some |your )?help",
    r"(?:can|could|would|will) (?:you|someone|somebody|anyone|anybody) (?:please )?"
    r"help(?: me| us)?",
    r"please help(?: me)?",
    r"what (?:can|do|should) (?:i|we) (?:do|say|ask(?: you)?)(?: now)?",
    r"what can you do",
    r"what (?:are|were) (?:my|the|your|our) (?:options|choices)",
    r"what (?:options|choices) (?:do|have) (?:i|we)(?: (?:have|got))?",
    r"(?:can|could) you (?:tell|give) me (?:my|the) options",
    "options",
    r"(?:main )?menu",
    r"how (?:does|do) (?:this|it) work",
    r"how do i (?:use|do) (?:this|it)",
    r"(?:i'm|i am) (?:confused|lost|stuck)",
    r"(?:i )?don't understand",
    r"i don't (?:get it|know what to (?:do|say))",
    r"i'm not sure what to (?:do|say)",
)


# --- never mind (cancel): only a whole utterance or its end, never "never mind, make it
# Wednesday" (a correction) or "don't cancel that" (negated)
_NEVER_MIND_CORE = (
    r"never ?mind(?: (?:then|that|about (?:it|that)))?",
    r"forget (?:it|that|about it|about that|the whole thing|all of that)",
    r"cancel (?:that|this|it)",
    r"scratch that",
    r"(?:i(?:'ve| have)? )?changed my mind",
    r"(?:i )?don't (?:want|need) (?:it|that|to do (?:this|that)) (?:any ?more|after all)",
    r"(?:leave|drop) it",
)
_NEVER_MIND_WHOLE = _whole(*_NEVER_MIND_CORE, "cancel")
_NEVER_MIND_TAIL = _tail(*_NEVER_MIND_CORE)


# --------------------------------------------------------------------- guards

_NEGATORS = frozenset(
    {"not", "don't", "dont", "doesn't", "doesnt", "didn't", "didnt", "won't", "wont",
     "wouldn't", "wouldnt", "never", "without", "can't", "cant", "cannot", "isn't", "aren't",
     "shouldn't", "mustn't", "stop"}
)  # fmt: skip
# Words a negation reaches across: "don't [really want to] talk to a person".
_BRIDGE = frozenset(
    {"i", "i'm", "im", "we", "really", "even", "actually", "just", "want", "wanna", "need",
     "needs", "to", "trying", "try", "asking", "ask", "for", "looking", "going", "gonna",
     "do", "does", "have", "has", "got", "ever", "would", "i'd", "like", "care", "be",
     "am", "are", "you", "it", "a", "an", "the", "any", "with", "so", "much", "reason",
     "point", "should", "please", "necessarily", "make", "me", "let", "us"}
)  # fmt: skip
_NO_NEEDS = frozenset({"need", "needs", "reason", "point", "more", "longer"})
# Asking about the agent or the call ("am I talking to a real person", "are we all
# done"), or telling a story ("I was talking to a person"), not asking for something.
_BE = frozenset({"am", "are", "is", "was", "were"})
_SUBJECTS = frozenset({"i", "you", "we", "they", "he", "she", "it", "this", "that"})
_ABOUT_ONE = frozenset({"i'm", "im", "you're", "youre", "was", "were", "i've", "i'd"})
# A question word right before: "where do [I have to go]", "should [I hang up]".
_QUESTION = frozenset(
    {"do", "does", "did", "should", "shall", "must", "where", "when", "how", "why", "which",
     "what", "who", "whether", "if"}
)  # fmt: skip
_TAKEN_BACK = re.compile(
    r" (?:\w+ ){0,2}?(?:never ?mind|forget (?:it|that|about it)|scratch that|no wait|"
    r"actually no|cancel that|not now|no thanks)(?![\w'])"
)
_LOOK_BACK = 80  # characters before a match the guards read (six words or so)


def _negated(before: list[str]) -> bool:
    """Whether the words before a match (nearest last) negate it."""
    nearest = before[::-1][:6]
    for k, word in enumerate(nearest):
        if word in _NEGATORS:
            return True
        if word in ("no", "nope"):
            return k > 0 and nearest[k - 1] in _NO_NEEDS  # "no need to", not "no, I want"
        if word not in _BRIDGE:
            return False
    return False


def _about(before: list[str]) -> bool:
    """Whether the match is asked or told about rather than asked for."""
    if not before:
        return False
    if before[-1] in _ABOUT_ONE or before[-1] in _QUESTION:
        return True
    if len(before) < 2:
        return False
    first, second = before[-2], before[-1]
    return (
        (first in _BE and second in _SUBJECTS)
        or (first in _SUBJECTS and second in _BE)
        or (first in _QUESTION and second in _SUBJECTS)
    )


def _stands(text: str, start: int, end: int) -> bool:
    """Whether a tail or free match at ``[start, end)`` is really a request."""
    before = text[max(0, start - _LOOK_BACK) : start].split()
    if start - _LOOK_BACK > 0 and before:
        before = before[1:]  # the first word may be cut
    if _negated(before) or _about(before):
        return False
    return _TAKEN_BACK.match(text, end, end + _LOOK_BACK) is None


@dataclass(frozen=True, slots=True)
class _Grammar:
    """One built-in intent's whole / tail / free expressions."""

    whole: re.Pattern[str] | None
    tail: re.Pattern[str] | None
    free: re.Pattern[str] | None

    def matches(self, norm: str) -> bool:
        if len(norm) <= MAX_INTENT_CHARS:
            return self._in(_prepare(norm), whole=True)
        head = norm[:MAX_INTENT_CHARS].rsplit(" ", 1)[0]
        rest = norm[-MAX_INTENT_CHARS:]
        rest = rest.split(" ", 1)[-1] if " " in rest else rest
        return self._in(_prepare(head), whole=False, tail=False) or self._in(
            _prepare(rest), whole=False
        )

    def _in(self, text: str, *, whole: bool, tail: bool = True) -> bool:
        if whole and self.whole is not None and self.whole.match(text):
            return True
        if tail and self.tail is not None:
            found = self.tail.search(text)
            if found is not None and _stands(text, found.start("m"), found.end("m")):
                return True
        if self.free is not None:
            for found in self.free.finditer(text):
                if _stands(text, found.start(), found.end()):
                    return True
        return False


def _compiled(pattern: str | None) -> re.Pattern[str] | None:
    return None if pattern is None else re.compile(pattern)


_GRAMMARS: Mapping[str, _Grammar] = {
    name: _Grammar(_compiled(whole), _compiled(tail), _compiled(free))
    for name, (whole, tail, free) in {
        "human": (_HUMAN_WHOLE, None, _HUMAN_FREE),
        "goodbye": (_GOODBYE_WHOLE, _GOODBYE_TAIL, None),
        "repeat": (_REPEAT_WHOLE, _REPEAT_TAIL, _REPEAT_FREE),
        "start_over": (_START_OVER_WHOLE, _START_OVER_TAIL, None),
        "help": (_HELP_WHOLE, None, None),
        "never_mind": (_NEVER_MIND_WHOLE, _NEVER_MIND_TAIL, None),
    }.items()
}


# --------------------------------------------------------------------- matchers


@dataclass(frozen=True, slots=True)
class IntentMatcher:
    """One intent's compiled phrases, and for a built-in intent its grammar.

    Attributes:
        name: The intent.
        phrases: Its example phrases, normalised (a built-in intent's own and
            the flow's), longest first.

    """

    name: str
    phrases: tuple[str, ...]
    _regex: re.Pattern[str] | None
    _grammar: _Grammar | None = None

    def matches(self, normalised_text: str) -> bool:
        """Whether the caller asked for this intent, in already-normalised text."""
        if self._grammar is not None and self._grammar.matches(normalised_text):
            return True
        return self._regex is not None and self._regex.search(normalised_text) is not None


def compile_intent(name: str, phrases: Iterable[str]) -> IntentMatcher:
    """Compile an intent: a built-in name gets its grammar, every other phrase a whole-word match.

    Args:
        name: The intent's name; ``human``, ``goodbye``, ``repeat``,
            ``start_over``, ``help`` and ``never_mind`` are the built-in ones.
        phrases: Example phrases. For a built-in intent its own examples
            (``BUILTIN_PHRASES``) are covered by its grammar; any other phrase
            (one a flow added) matches as whole words anywhere.

    Returns:
        The matcher.

    """
    cleaned = tuple(sorted({normalise(p) for p in phrases if normalise(p)}, key=len, reverse=True))
    grammar = _GRAMMARS.get(name)
    own = {normalise(p) for p in BUILTIN_PHRASES.get(name, ())}
    extra = [p for p in cleaned if p not in own] if grammar is not None else list(cleaned)
    body = "|".join(re.escape(p) for p in extra)
    regex = re.compile(rf"(?<![\w'])(?:{body})(?![\w'])") if body else None
    return IntentMatcher(name, cleaned, regex, grammar)
