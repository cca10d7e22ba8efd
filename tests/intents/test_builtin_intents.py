"""The built-in global intents on a labelled corpus, and properties over it.

The corpus (``corpus.py``) holds requests and hard negatives for each built-in
intent; every utterance must get exactly its label (each built-in matcher is
asked, as the runtime asks them in turn). Properties then check that what
speech-to-text adds or changes - hesitations, punctuation, capitals, stutters,
cut-off words - never changes the answer.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from superdialog.compile.intents import (
    _NOT_FRAGMENTS,
    BUILTIN_PHRASES,
    MAX_INTENT_CHARS,
    IntentMatcher,
    compile_intent,
    normalise,
)

from .corpus import CORPUS, Sample

MATCHERS: dict[str, IntentMatcher] = {
    name: compile_intent(name, phrases) for name, phrases in BUILTIN_PHRASES.items()
}


def heard(text: str) -> list[str]:
    """Every built-in intent the utterance matches, as the runtime would see it."""
    norm = normalise(text)
    return [name for name, matcher in MATCHERS.items() if matcher.matches(norm)]


def test_corpus_is_big_and_covers_every_intent_both_ways() -> None:
    assert len(CORPUS) >= 300
    for name in MATCHERS:
        assert sum(s.intent == name for s in CORPUS) >= 30, name
    assert sum(s.intent is None for s in CORPUS) >= 150  # hard negatives


@pytest.mark.parametrize("batch", ["A", "B", "C"])
def test_every_utterance_gets_its_label(batch: str) -> None:
    wrong = [
        (s.text, s.intent, got)
        for s in CORPUS
        if s.batch == batch and (got := heard(s.text)) != ([s.intent] if s.intent else [])
    ]
    assert wrong == []


def test_the_issue_examples() -> None:
    assert heard("human") == ["human"]
    assert heard("I want a human") == ["human"]
    assert heard("agent please") == ["human"]
    assert heard("sorry, what time do you close") == []
    assert heard("sorry?") == ["repeat"]
    assert heard("I don't want a human") == []
    assert heard("no need for an agent") == []
    assert heard("goodbye Tuesday is fine") == []
    assert heard("I'm done with the form, next question") == []


# ------------------------------------------------------------------- properties

SAMPLES = st.sampled_from(CORPUS)
FILLERS = st.sampled_from(["uh", "um", "er", "erm", "hmm", "uhh", "umm", "mm"])


@settings(max_examples=400, deadline=None)
@given(SAMPLES, st.lists(st.tuples(st.integers(0, 40), FILLERS), max_size=3))
def test_hesitations_anywhere_change_nothing(
    sample: Sample, fillers: list[tuple[int, str]]
) -> None:
    words = normalise(sample.text).split()
    for position, filler in fillers:
        words.insert(position % (len(words) + 1), filler)
    assert heard(" ".join(words)) == heard(sample.text)


@settings(max_examples=400, deadline=None)
@given(SAMPLES, st.sampled_from([".", "?", "!", "...", ","]), st.booleans(), st.booleans())
def test_punctuation_and_capitals_change_nothing(
    sample: Sample, end: str, upper: bool, comma: bool
) -> None:
    words = sample.text.split()
    if comma and len(words) > 1:
        words[0] += ","
    text = " ".join(words) + end
    text = text.upper() if upper else text[:1].upper() + text[1:]
    assert heard(text) == heard(sample.text)


@settings(max_examples=400, deadline=None)
@given(SAMPLES, st.integers(0, 40))
def test_a_stuttered_word_changes_nothing(sample: Sample, position: int) -> None:
    words = normalise(sample.text).split()
    k = position % len(words)
    words.insert(k, words[k])  # "i i want a human"
    assert heard(" ".join(words)) == heard(sample.text)


@settings(max_examples=400, deadline=None)
@given(SAMPLES, st.integers(0, 40), st.integers(3, 4))
def test_a_cut_off_word_restarted_changes_nothing(sample: Sample, position: int, size: int) -> None:
    words = normalise(sample.text).split()
    k = position % len(words)
    word = words[k]
    if len(word) <= size + 1 or not word.isalpha() or word[:size] in _NOT_FRAGMENTS:
        return  # "not" before "nothing" is a word, not a cut-off one
    words.insert(k, word[:size])  # "a per person", "hel help"
    assert heard(" ".join(words)) == heard(sample.text)


@pytest.mark.parametrize(
    "text",
    [
        "i want a hu- a human",
        "can i speak to a uh to a human",
        "i wa- i want to talk to a person",
        "let me talk to a real per- a real person",
    ],
)
def test_self_repairs(text: str) -> None:
    assert heard(text) == ["human"]


# ------------------------------------------------------------ phrases a flow adds


def test_phrases_a_flow_adds_to_a_builtin_match_anywhere_as_whole_words() -> None:
    human = compile_intent("human", [*BUILTIN_PHRASES["human"], "a manager", "billing desk"])
    assert human.matches(normalise("I want a manager"))
    assert human.matches(normalise("the billing desk please, now"))
    assert not human.matches(normalise("the billing desktop app"))
    assert "can i speak to a manager" in human.phrases  # normalised
    assert [len(p) for p in human.phrases] == sorted(map(len, human.phrases), reverse=True)


def test_custom_intents_keep_whole_word_phrase_matching() -> None:
    outage = compile_intent("outage", ["internet is down", "not working", "no connection"])
    assert outage.matches(normalise("it's still not working!"))  # no negation logic here
    assert outage.matches(normalise("No connection."))
    assert not outage.matches(normalise("the network is working"))
    assert not outage.matches(normalise("no connections were dropped"))
    empty = compile_intent("nothing", [" ", "!"])
    assert empty.phrases == () and not empty.matches("anything at all")


# ------------------------------------------------------------------------ bounds


@pytest.mark.parametrize(
    "unit",
    ["talk to a human ", "don't want a human ", "please ", "sorry ", "uh ", "hu human ",
     "to a to a ", "is there a ", "bye ", "x"],
)  # fmt: skip
def test_huge_utterances_stay_bounded(unit: str) -> None:
    """Hang guard (not a benchmark): a 300 KB utterance, every built-in intent."""
    text = normalise((unit * (300_000 // len(unit)))[:300_000])
    for matcher in MATCHERS.values():
        started = time.perf_counter()
        matcher.matches(text)
        assert time.perf_counter() - started < 0.5


def test_long_utterances_are_read_at_both_ends() -> None:
    chatter = "so the thing is that my router keeps dropping " * 60
    assert len(chatter) > 2 * MAX_INTENT_CHARS
    assert heard(chatter + "can i just talk to a real person") == ["human"]
    assert heard("can i talk to a person " + chatter) == ["human"]
    assert heard(chatter + "ok thanks bye") == ["goodbye"]
    assert heard("operator " + chatter) == []  # the whole-utterance forms need a short one
