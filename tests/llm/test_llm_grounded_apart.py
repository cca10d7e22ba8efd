"""Two numbers in one sentence are two codes: a model may not splice them into one.

"I have 2 kids and my order is 4 7 1 1": a model asked for a five-digit order
number that answers "24711" gives digits the caller said, in order, but not
together: they are two numbers. The grounding check read every digit of an
utterance as one string and let it pass. Generated: two codes said with words
between them; any value spanning both is refused, each code alone is kept,
and parts of one code said across a hesitation are still one code.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from superdialog.runtime.grounding import grounded, said_codes
from superdialog.slots.numbers import say_digits

_CODE = st.text(alphabet="0123456789", min_size=2, max_size=8)
_BETWEEN = st.sampled_from(
    [
        " kids and my order is ",
        " people, the order number is ",
        " and my zip is ",
        " then the account ",
        ". Order ",
        " of them, code ",
    ]
)


def _say(digits: str, words: bool) -> str:
    return say_digits(digits) if words else " ".join(digits)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    first=_CODE,
    second=_CODE,
    between=_BETWEEN,
    words=st.booleans(),
    cut_first=st.integers(1, 8),
    cut_second=st.integers(1, 8),
)
def test_a_value_spanning_two_numbers_is_not_what_the_caller_said(
    first: str, second: str, between: str, words: bool, cut_first: int, cut_second: int
) -> None:
    said = "I have " + _say(first, words) + between + _say(second, words)
    assert grounded(first, [said]) and grounded(second, [said])
    spliced = first[-min(cut_first, len(first)) :] + second[: min(cut_second, len(second))]
    if spliced not in first and spliced not in second:
        assert not grounded(spliced, [said]), (said, spliced)


def test_the_documented_example() -> None:
    said = "I have 2 kids and my order is 4 7 1 1"
    assert said_codes(said) == ["2", "4711"]
    assert not grounded("24711", [said])
    assert grounded("4711", [said])
    # one code, said across hesitations and filler words
    assert said_codes("four seven, you know, one one two") == ["47112"]
    assert said_codes("four seven uh one, I mean, one two") == ["47112"]
