"""Deterministic intent matching by example phrases (no model call).

Phrases are matched as whole words in normalised caller text, so "bye" does
not fire on "byers" and "agent" does not fire on "agenda". Each intent
compiles to a single regular expression at load.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["BUILTIN_PHRASES", "IntentMatcher", "compile_intent", "normalise"]

BUILTIN_PHRASES: Mapping[str, tuple[str, ...]] = {
    "human": (
        "speak to a person",
        "talk to a person",
        "speak to someone",
        "talk to someone",
        "speak with someone",
        "talk with someone",
        "a real person",
        "real human",
        "talk to a human",
        "speak to a human",
        "speak with a human",
        "human please",
        "an operator",
        "operator",
        "representative",
        "a live agent",
        "live person",
        "speak to an agent",
        "talk to an agent",
        "customer service",
        "transfer me",
        "can i talk to somebody",
        "speak to somebody",
    ),
    "goodbye": (
        "goodbye",
        "good bye",
        "bye",
        "bye bye",
        "that's all",
        "that is all",
        "hang up",
        "nothing else",
        "i'm done",
        "we're done",
        "no that's it",
        "that's everything",
        "have a nice day",
    ),
    "repeat": (
        "say that again",
        "repeat that",
        "can you repeat",
        "could you repeat",
        "please repeat",
        "come again",
        "what did you say",
        "pardon",
        "sorry what",
        "one more time",
        "didn't catch that",
        "repeat please",
    ),
    "start_over": ("start over", "start again", "from the beginning", "begin again", "restart"),
    "help": (
        "help",
        "i need help",
        "what can you do",
        "what are my options",
        "how does this work",
        "i'm confused",
    ),
}
"""Example phrases for the built-in global intents; flows may add more."""

_NON_WORD = re.compile(r"[^\w'\s]+")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower-case, punctuation to spaces, single spaces: what phrases match against."""
    return _SPACES.sub(" ", _NON_WORD.sub(" ", text.lower().replace("\u2019", "'"))).strip()


@dataclass(frozen=True, slots=True)
class IntentMatcher:
    """One intent's compiled phrases."""

    name: str
    phrases: tuple[str, ...]
    _regex: re.Pattern[str]

    def matches(self, normalised_text: str) -> bool:
        """Whether any phrase occurs, as whole words, in already-normalised text."""
        return self._regex.search(normalised_text) is not None


def compile_intent(name: str, phrases: Iterable[str]) -> IntentMatcher:
    """Compile phrases into one whole-word alternation."""
    cleaned = tuple(sorted({normalise(p) for p in phrases if normalise(p)}, key=len, reverse=True))
    body = "|".join(re.escape(p) for p in cleaned) or r"(?!x)x"
    return IntentMatcher(name, cleaned, re.compile(rf"(?<![\w'])(?:{body})(?![\w'])"))
