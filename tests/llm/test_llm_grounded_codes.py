"""A code the model fills (order number, phone, card) must be digits the caller said.

Models drop, swap and invent digits; a slot filled with such a value is a wrong
value. The property: a value made of the digits the caller said (however the
model formats them) is kept, any value with a digit changed, dropped or added is
refused and the state asks again. End to end with the real client and the
scripted server: the model's tool call is what it would be.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import superdialog
from superdialog.runtime.grounding import grounded, spoken_digits
from superdialog.slots.numbers import say_digits
from superdialog.testing import RecordingSession, ScriptedLLMServer

_DIGITS = st.text(alphabet="0123456789", min_size=4, max_size=16)
_FILLERS = st.sampled_from(["", " uh", " um,", ",", " you know"])


def _said(digits: str, cuts: list[int], fillers: list[str]) -> str:
    """The digits read out one by one, a filler after some of them."""
    words = say_digits(digits).split()
    out: list[str] = []
    for i, word in enumerate(words):
        out.append(word)
        if i in cuts:
            out[-1] += fillers[i % len(fillers)]
    return "it is " + " ".join(out) + " please"


def _formatted(digits: str, style: int) -> str:
    if style == 0:
        return digits
    if style == 1:
        return "-".join(digits[i : i + 3] for i in range(0, len(digits), 3))
    if style == 2:
        return " ".join(digits)
    return say_digits(digits)  # words, as the caller said them


@settings(max_examples=300, deadline=None)
@given(
    digits=_DIGITS,
    cuts=st.lists(st.integers(0, 15), max_size=4),
    fillers=st.lists(_FILLERS, min_size=1, max_size=3),
    style=st.integers(0, 3),
    where=st.integers(0, 15),
    change=st.sampled_from(["swap", "drop", "add", "replace"]),
)
def test_the_digits_said_are_kept_and_any_other_digits_refused(
    digits: str,
    cuts: list[int],
    fillers: list[str],
    style: int,
    where: int,
    change: str,
) -> None:
    said = _said(digits, cuts, fillers)
    assert spoken_digits(said) == [digits, digits] or spoken_digits(said)[0] == digits
    assert grounded(_formatted(digits, style), [said])
    i = where % len(digits)
    if change == "swap" and i + 1 < len(digits):
        other = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
    elif change == "drop":
        other = digits[:i] + digits[i + 1 :]
    elif change == "add":
        other = digits[:i] + "7" + digits[i:]
    else:
        other = digits[:i] + str((int(digits[i]) + 1) % 10) + digits[i + 1 :]
    if other not in digits:  # a drop at either end is still what was said
        assert not grounded(_formatted(other, style), [said])


@pytest.mark.parametrize(
    ("language", "said", "value"),
    [
        ("es", "mi pedido es cuatro siete uno uno dos", "47112"),
        ("de", "die Nummer ist vier sieben eins eins zwei", "47112"),
        ("fr", "c'est quatre sept un un deux", "47112"),
        ("en", "order forty seven, double one, two", "47112"),
    ],
)
def test_digits_said_in_the_calls_language_count(language: str, said: str, value: str) -> None:
    assert grounded(value, [said], language)
    assert not grounded(value.replace("7", "1"), [said], language)


FLOW = """
flow: orders
slots:
  order_id: {type: digits, min_length: 5, max_length: 5, description: the order number}
start: chat
states:
  chat:
    llm: Find the caller's order number.
    transitions:
      - {when: the caller gave their order number, to: done}
  done: {say: "Order {{ slots.order_id }}, thanks.", end: completed}
"""


async def test_a_digit_the_model_changed_is_not_filled_and_the_caller_is_asked_again(
    llm_server: ScriptedLLMServer,
) -> None:
    llm_server.add_rule(state="chat", user="my order", goto="done", args={"order_id": "47113"})
    llm_server.add_rule(state="chat", user="again", goto="done", args={"order_id": "47112"})
    llm_server.add_rule(state="chat", reply="Could you say the order number again?")
    flow = superdialog.loads(FLOW, "orders.yaml")
    machine = flow.build(RecordingSession(), llm={"base_url": llm_server.base_url, "api_key": "t"})
    await machine.start()
    await machine.turn("my order is four seven one one two")
    assert "order_id" not in machine.slots  # 47113 was never said
    assert machine.node == "chat"  # the move carried it: refused too
    # the next model call is told, by slot name, to ask again
    note = "The order id was not accepted (those digits are not what the caller said)"
    assert machine._assist is not None and machine._assist[0].startswith(note)
    reply = await machine.turn("again: four seven one one two")
    assert machine.slots["order_id"] == "47112"
    assert reply.startswith("Order")
    assert note in llm_server.requests[-1].messages[0]["content"]  # the note reached the model
