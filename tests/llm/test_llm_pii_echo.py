"""Secrets and the model: never in its prompts, never spoken back outside a PII state.

A card said in a PII state, a social security number an action returns as
PII: the model is never told them (prompts, ``LLMCallData``, the history later
states see). A model that echoes one anyway (it may have been told one with
``send_to_llm``, or guess) is masked as it streams, whatever the format
(grouped, spoken digit by digit, in pairs, mixed) and wherever the stream cuts
it. Generated formats and cut points; the real client over a real socket.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from answers import Answer, data, delta_chunk, endpoint
from hypothesis import given, settings
from hypothesis import strategies as st

import superdialog
from superdialog.llm import aclose_clients
from superdialog.slots.numbers import say_digits
from superdialog.testing import RecordingSession

CARD = "4929618723645213"  # Luhn-valid
SSN = "536204718"

FLOW = """
flow: pii_echo
slots:
  card: {type: card_number, pii: true, mask: last4, prompt: "Your card number?"}
start: ask
states:
  ask: {pii: true, collect: [card], next: lookup}
  lookup:
    action: {call: lookup, result: customer, pii: [ssn]}
    next: chat
  chat:
    say: "Thanks. What else?"
    llm: Help the caller.
    transitions:
      - {when: the caller is done, to: bye}
  bye: {say: "Bye!", end: completed}
"""


async def lookup() -> dict[str, Any]:
    return {"ssn": SSN, "name": "Ana"}


def _grouped(digits: str, sizes: list[int], sep: str) -> str:
    out, i = [], 0
    for size in sizes:
        if i >= len(digits):
            break
        out.append(digits[i : i + size])
        i += size
    if i < len(digits):
        out.append(digits[i:])
    return sep.join(out)


@st.composite
def renderings(draw: st.DrawFn) -> str:
    digits = draw(st.sampled_from([CARD, SSN]))
    style = draw(st.sampled_from(["plain", "grouped", "words", "mixed"]))
    if style == "plain":
        return digits
    if style == "grouped":
        sizes = draw(st.lists(st.integers(2, 5), min_size=1, max_size=6))
        return _grouped(digits, sizes, draw(st.sampled_from([" ", "-", ".", ", "])))
    if style == "words":
        return say_digits(digits)
    flags = draw(st.lists(st.booleans(), min_size=len(digits), max_size=len(digits)))
    return " ".join(say_digits(d) if f else d for d, f in zip(digits, flags, strict=True))


def leaked(text: str) -> bool:
    flat = "".join(ch for ch in text if ch.isdigit())
    return CARD in flat or SSN in flat or say_digits(SSN) in text or say_digits(CARD)[:40] in text


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    echo=renderings(),
    before=st.sampled_from(["Your number is ", "Sure: ", "", "I have "]),
    cuts=st.lists(st.integers(1, 80), max_size=6),
)
def test_a_secret_the_model_echoes_is_masked_however_written_and_cut(
    echo: str, before: str, cuts: list[int]
) -> None:
    reply = f"{before}{echo}. Anything else?"
    points = sorted({c % len(reply) for c in cuts} | {0, len(reply)})
    pieces = [reply[a:b] for a, b in itertools.pairwise(points) if b > a]
    events = [data(delta_chunk({"content": p})) for p in pieces]
    events.append(data(delta_chunk({}, "stop")))

    async def scenario() -> None:
        async with endpoint([Answer(events=events)]) as (url, _):
            flow = superdialog.loads(FLOW, "pii_echo.yaml")
            machine = flow.build(
                RecordingSession(),
                llm={"base_url": url, "api_key": "t", "retries": 0},
                actions={"lookup": lookup},
            )
            seen: list[Any] = []
            machine.register_llm_callback(seen.append)
            await machine.start()
            await machine.turn(say_digits(CARD))  # in the PII state
            assert machine.node == "chat"
            heard = await machine.turn("what do you have on file")
            again = await machine.turn("and once more")
            for text in (heard, again):
                assert not leaked(text), (reply, text)
            for record in seen:
                dumped = json.dumps([record.prompt_messages, record.response_json])
                assert not leaked(dumped), dumped
            assert not leaked(json.dumps(machine.snapshot()["history"]))
            await machine.close()
        await aclose_clients()

    asyncio.run(scenario())


def test_what_the_model_is_sent_never_holds_the_secrets() -> None:
    """Every request body, after the PII state, whatever the caller says there."""

    async def scenario() -> None:
        reply = [data(delta_chunk({"content": "Okay."})), data(delta_chunk({}, "stop"))]
        async with endpoint([Answer(events=reply)]) as (url, bodies):
            flow = superdialog.loads(FLOW, "pii_echo.yaml")
            machine = flow.build(
                RecordingSession(),
                llm={"base_url": url, "api_key": "t", "retries": 0},
                actions={"lookup": lookup},
            )
            await machine.start()
            await machine.turn("it is " + say_digits(CARD))
            for said in ("my social is " + say_digits(SSN), "card " + CARD, "read it back"):
                await machine.turn(said)
            assert len(bodies) == 3
            for body in bodies:
                assert not leaked(json.dumps(json.loads(body), ensure_ascii=False)), body
            await machine.close()
        await aclose_clients()

    asyncio.run(scenario())
