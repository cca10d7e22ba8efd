"""Planted PII canaries never leave the call in clear text, through the real Session.

Surfaces checked (``harness.surfaces``): every frame the worker receives, the
machine's ``state`` and ``snapshot()``, the trace (``trace_record()``), the
``LLMCallData`` handed to ``register_llm_callback`` (prompts and responses),
the requests the scripted model server received, and every record of the
``superdialog`` loggers at DEBUG (tracebacks included).

The host SDK's own outputs are checked separately: the Unpod ``Session`` logs
every caller utterance at INFO (``turn %d user: %r``) and passes it to its
``user_turn``/``turn_complete`` hooks and Langfuse spans, paused or not. That
is a finding about ``unpod`` 0.5.0, pinned by a strict xfail below.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import pytest

import superdialog
from superdialog.pii import PIIFilter
from superdialog.testing.llm_server import ScriptedLLMServer

from .harness import (
    FLOWS,
    Canary,
    check_invariants,
    leaks,
    load,
    run_call,
    spoken_digits,
    surfaces,
)

VISA = "4111111111111111"
DECLINED = "4000000000000002"
CARD = Canary("card", (VISA, "4111 1111 1111 1111", spoken_digits(VISA)))
DECLINED_CARD = Canary("declined card", (DECLINED, spoken_digits(DECLINED)))
DOB = Canary("date of birth", ("1975-03-12", "12/03/1975", "twelfth of march nineteen seventy"))
LAST4 = Canary("last four", ("1881", "one eight eight one"))

DENTAL_TO_DEPOSIT = [
    "yes", "Maria Lopez", "next tuesday", "yes", "ten thirty",
    "two one two five five five zero one nine nine", "yes", "maria at example dot com",
]
LOST_CARD = ["the twelfth of march nineteen seventy five", "one eight eight one",
             "it was stolen", "no", "no"]


async def test_dental_card_number_never_appears(  # the whole booking, card read as digits
) -> None:
    c = await run_call(load("dental_booking.yaml"), [*DENTAL_TO_DEPOSIT, spoken_digits(VISA)])
    assert check_invariants(c) == []
    assert c.machine.outcome == {"verb": "end", "reason": "completed", "delegated": "yes"}
    assert leaks(c, [CARD]) == []
    # the masked forms are where they should be
    assert c.machine.state["slots"]["card_number"] == "•••• 1111"
    assert c.machine.snapshot()["results"]["payment"] == {"charged": 20, "reference": "DEP-1111"}
    assert ["user", "[redacted]"] in c.machine.snapshot()["history"]


async def test_dental_declined_card_error_path_never_shows_the_card() -> None:
    c = await run_call(load("dental_booking.yaml"),
                       [*DENTAL_TO_DEPOSIT, spoken_digits(DECLINED)])
    assert check_invariants(c) == []
    assert c.machine.outcome is not None and c.machine.outcome["target"] == "billing"
    assert leaks(c, [DECLINED_CARD]) == []


async def test_dental_confirmed_readback_is_masked() -> None:
    c = await run_call(load("dental_booking.yaml"),
                       [*DENTAL_TO_DEPOSIT, "four one one one", spoken_digits(VISA)])
    assert check_invariants(c) == []
    assert leaks(c, [CARD]) == []


async def test_lost_card_identity_never_appears() -> None:
    c = await run_call(load("lost_card.yaml"), LOST_CARD, data={"customer_id": "C-1001"})
    assert check_invariants(c) == []
    assert c.machine.results["identity"] == {"verified": True}
    assert leaks(c, [DOB, LAST4]) == []
    assert "ending in 8 1" in c.speech()  # mask: last2, said as digits
    assert c.machine.state["slots"]["date_of_birth"] == "[redacted]"


async def test_action_error_messages_carrying_pii_stay_out_of_everything() -> None:
    async def charge(card: str, amount: str) -> dict[str, Any]:
        raise RuntimeError(f"gateway refused card {card}")  # user code quoting the value

    c = await run_call(load("dental_booking.yaml"), [*DENTAL_TO_DEPOSIT, spoken_digits(VISA)],
                       actions={"charge_deposit": charge})
    assert check_invariants(c) == []
    assert leaks(c, [CARD]) == []


async def test_validator_errors_carrying_pii_stay_out_of_our_logs() -> None:
    text = (FLOWS / "lost_card.yaml").read_text()
    text = text.replace("    past_only: true\n", "    past_only: true\n    validator: dob\n", 1)
    def dob(value: Any) -> None:
        raise ValueError(f"no customer born on {value}")

    with contextlib.chdir(FLOWS):  # loads() finds python: files from the current folder
        flow = superdialog.loads(text, "lost_card_validated.yaml")
    c = await run_call(flow, LOST_CARD, validators={"dob": dob})
    assert check_invariants(c) == []
    assert leaks(c, [DOB]) == []


# ------------------------------------------------------------------ the model


LLM_FLOW = """
flow: llm_pii
start: ask
persona: "You are Kim."
slots:
  account: {type: digits, pii: true, mask: last4, min_length: 8, max_length: 8,
            prompt: "Your account number?", send_to_llm: SEND}
states:
  ask: {pii: true, collect: [account], next: chat}
  chat:
    llm: "Help with account {{ slots.account }}."
    transitions:
      - {when: the caller is done, to: bye}
  bye: {say: "Bye!", end: completed}
"""
ACCOUNT = Canary("account", ("12345678", spoken_digits("12345678")))


async def llm_call(server: ScriptedLLMServer, send: bool, steps: list[str]
                   ):  # type: ignore[no-untyped-def]
    server.add_rule(state="chat", reply="Happy to help with that.")
    text = LLM_FLOW.replace("SEND", "true" if send else "false")
    c = await run_call(superdialog.loads(text, f"llm_pii_{send}.yaml"), steps, server=server,
                       llm={"base_url": server.base_url, "api_key": "x", "retries": 0})
    assert check_invariants(c) == []
    return c


async def test_pii_never_reaches_the_model_by_default(server: ScriptedLLMServer) -> None:
    c = await llm_call(server, False, [spoken_digits("12345678"), "what's my balance"])
    assert len(c.requests) == 2 and len(c.llm_data) == 2
    assert leaks(c, [ACCOUNT]) == []
    system = c.requests[-1].messages[0]["content"]
    assert "account: (given, hidden for privacy)" in system
    assert "ending in 5 6 7 8" in system  # templates only ever see the spoken mask


async def test_send_to_llm_lets_the_value_into_prompts_only(server: ScriptedLLMServer) -> None:
    c = await llm_call(server, True, [spoken_digits("12345678"), "what's my balance"])
    # the flow says so: the value reaches the model's prompt...
    assert "account: 12345678" in c.requests[-1].messages[0]["content"]
    # ...but nothing else: LLMCallData, logs, traces, state, frames stay clean
    outside = {k: v for k, v in surfaces(c).items() if k != "llm_requests"}
    assert not [k for k, v in outside.items() if ACCOUNT.found_in(v)]


async def test_caller_words_in_a_pii_state_reach_the_model_only_as_redacted(
    server: ScriptedLLMServer,
) -> None:
    text = LLM_FLOW.replace("SEND", "false").replace(
        "  chat:\n", "  chat:\n    pii: true\n")
    server.add_rule(state="chat", reply="Happy to help with that.")
    c = await run_call(superdialog.loads(text, "llm_pii_state.yaml"),
                       [spoken_digits("12345678"), "my other account is 87654321"],
                       server=server, llm={"base_url": server.base_url, "api_key": "x"})
    assert check_invariants(c) == []
    assert {"role": "user", "content": "[redacted]"} in c.requests[-1].messages
    assert "87654321" not in str(c.requests[-1].body)


# ------------------------------------------------------------------ the host SDK (a finding)


@pytest.fixture
def sdk_logs_unfiltered() -> Iterator[None]:
    """The SDK's loggers as the SDK ships them (``attach`` elsewhere may have filtered them)."""
    removed = []
    for name in ("unpod", "unpod.session", "unpod.runner", "unpod.hooks", "unpod.bridge.server"):
        logger = logging.getLogger(name)
        for f in list(logger.filters):
            if isinstance(f, PIIFilter):
                logger.removeFilter(f)
                removed.append((logger, f))
    yield
    for logger, f in removed:
        logger.addFilter(f)


@pytest.mark.usefixtures("sdk_logs_unfiltered")
@pytest.mark.xfail(strict=True, reason=(
    "unpod 0.5.0 Session logs every caller utterance at INFO ('turn %d user: %r') and hands "
    "it to its user_turn/turn_complete hooks (and Langfuse spans when enabled) even while "
    "recording is paused: a card number read out in a PII state ends up in the host's logs. "
    "Not ours to fix; see docs/pii-and-endings.md."
))
async def test_host_sdk_outputs_are_clean_too() -> None:
    c = await run_call(load("dental_booking.yaml"), [*DENTAL_TO_DEPOSIT, spoken_digits(VISA)])
    assert leaks(c, [CARD]) == []  # ours: clean
    assert leaks(c, [CARD], sdk=True) == []  # the SDK's: not clean (xfail)


@pytest.mark.usefixtures("sdk_logs_unfiltered")
async def test_the_sdk_leak_is_only_the_callers_own_words() -> None:
    # what the SDK leaks is the raw caller text; nothing we produce carries the value
    c = await run_call(load("dental_booking.yaml"), [*DENTAL_TO_DEPOSIT, spoken_digits(VISA)])
    found = leaks(c, [CARD], sdk=True)
    assert found and all(f.endswith(repr(spoken_digits(VISA))) for f in found)
    user_lines = [r.getMessage() for r in c.logs.records if r.name == "unpod.session"
                  and r.getMessage().startswith("turn ") and " user: " in r.getMessage()]
    assert any(spoken_digits(VISA) in line for line in user_lines)


async def test_logs_are_captured_at_debug() -> None:
    # the capture itself works: both namespaces (a failing action makes ours log)
    async def down(**_: Any) -> None:
        raise ConnectionError

    c = await run_call(load("lost_card.yaml"), LOST_CARD, actions={"verify_identity": down})
    names = {r.name.split(".")[0] for r in c.logs.records}
    assert names == {"superdialog", "unpod"}
    assert min(r.levelno for r in c.logs.records) <= logging.INFO
