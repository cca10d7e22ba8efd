"""Masking by value at every exit (issue 11 §3), one failure mode each, through the real Session.

Each test is one of the leaks seen before the per-call masking service:
a non-string PII value in a result, a template reading a PII result field
outside a PII state, a send_to_llm value handed back reformatted, raw tool
arguments in logs, PII the caller volunteers where they shouldn't, and "say
that again" replaying a PII state's line into the recording.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal
from typing import Any

import superdialog
from superdialog.testing.llm_server import ScriptedLLMServer
from superdialog_unpod.testing import Step

from .harness import Canary, check_invariants, leaks, run_call, spoken_digits, surfaces


def recorded_speech(frames: list[Any]) -> list[str]:
    """What the agent said while the recording was on (chunks joined per stretch)."""
    out, buf, paused = [], [], False
    for f in frames:
        if f.kind in ("pause", "resume"):
            out.append("".join(buf))
            buf, paused = [], f.kind == "pause"
        elif f.kind in ("delta", "say") and not paused:
            buf.append(f.text if f.kind == "delta" else f" {f.text} ")
    out.append("".join(buf))
    return [t for t in out if t]

DOB = dt.date(1975, 3, 12)
DOB_CANARY = Canary("dob", ("1975-03-12", "12/03/1975", "twelfth of march"), date=DOB)
VISA = "4111111111111111"
CARD = Canary("card", (VISA, "4111 1111 1111 1111", spoken_digits(VISA)), digits=(VISA,))

RESULT_FLOW = """
flow: results_pii
slots:
  dob: {type: date, pii: true, past_only: true, prompt: "Your date of birth?"}
start: ask
states:
  ask: {pii: true, collect: [dob], next: lookup}
  lookup:
    action: {call: lookup, result: who, PII}
    next: tell
  tell:
    say: "We have {{ results.who.dob }} on file, reference {{ results.who.ref }}."
    next: bye
  bye: {say: "Goodbye.", end: completed}
"""


def result_flow(pii: str) -> superdialog.Flow:
    return superdialog.loads(RESULT_FLOW.replace("PII", pii), f"results_{len(pii)}.yaml")


async def test_a_result_holding_a_secret_as_any_type_is_masked_everywhere() -> None:
    async def lookup() -> dict[str, Any]:  # the DOB comes back as a date, a Decimal, nested
        return {"dob": DOB, "ref": "R-1", "history": [{"when": DOB, "amount": Decimal("1975")}],
                "text": f"customer born {DOB:%d/%m/%Y}"}

    c = await run_call(result_flow("timeout: 2"), ["the twelfth of march nineteen seventy five"],
                       actions={"lookup": lookup})
    assert check_invariants(c) == []
    assert leaks(c, [DOB_CANARY]) == []
    assert c.machine.results["who"]["dob"] == DOB  # the call itself keeps the real value
    snap = c.machine.snapshot()["results"]["who"]
    assert snap["dob"] == "[redacted]" and snap["ref"] == "R-1"
    assert "the one you gave me" in c.speech()  # said in a recorded state: spoken mask


async def test_result_fields_declared_pii_are_masked_in_lines_history_and_prompts() -> None:
    secret = "AB-123-456-7C"

    async def lookup() -> dict[str, Any]:
        return {"dob": "1961-01-09", "ref": secret}

    canaries = [Canary("ref", (secret,), alnum=("ab1234567c",)),
                Canary("dob2", ("1961-01-09",), date=dt.date(1961, 1, 9))]
    c = await run_call(result_flow("pii: [dob, ref]"),
                       ["the twelfth of march nineteen seventy five"],
                       actions={"lookup": lookup})
    assert check_invariants(c) == []
    assert leaks(c, canaries) == []
    assert c.machine.snapshot()["results"]["who"] == {"dob": "[redacted]", "ref": "[redacted]"}


LLM_FLOW = """
flow: echo
persona: "You are Kim."
slots:
  account: {type: digits, pii: true, mask: last4, min_length: 8, max_length: 8,
            prompt: "Your account number?", send_to_llm: true}
  card: {type: card_number, pii: true, mask: last4}
start: ask
states:
  ask: {pii: true, collect: [account], next: chat}
  chat:
    llm: "Help with the account."
    transitions:
      - {when: the caller is done, to: bye}
  bye: {say: "Bye!", end: completed}
"""
ACCOUNT = Canary("account", ("12345678", "1234 5678", "one two three four five six seven eight"),
                 digits=("12345678",), llm_ok=True)


async def llm_call(server: ScriptedLLMServer, steps: list[str | Step], **kw: Any):  # type: ignore[no-untyped-def]
    flow = superdialog.loads(LLM_FLOW, "echo.yaml")
    return await run_call(flow, steps, server=server,
                          llm={"base_url": server.base_url, "api_key": "x", "retries": 0}, **kw)


async def test_a_send_to_llm_value_handed_back_reformatted_is_scrubbed(
    server: ScriptedLLMServer,
) -> None:
    server.add_rule(state="chat", reply="Sure, account 1234 5678 is active, also 12-34-56-78.")
    c = await llm_call(server, [spoken_digits("12345678"), "is my account active"])
    assert check_invariants(c) == []
    assert "account: 12345678" in c.requests[-1].messages[0]["content"]  # the flow allows it
    outside = {k: v for k, v in surfaces(c).items() if k != "llm_requests"}
    assert [k for k, v in outside.items() if ACCOUNT.found_in(v)] == []
    assert "ending in 5 6 7 8" in c.speech()  # the caller hears the mask, recording on


async def test_malformed_tool_arguments_never_reach_the_logs(server: ScriptedLLMServer) -> None:
    server.add_rule(state="chat", user="card",
                    tool={"name": "goto_bye", "arguments": '{"card": "' + VISA})
    server.add_rule(state="chat", reply="Okay.")
    c = await llm_call(server, [spoken_digits("12345678"), f"my card is {VISA}"])
    assert check_invariants(c) == []
    assert leaks(c, [CARD]) == []
    # goto_bye takes no arguments: the turn is decided on its streamed name (the malformed
    # arguments after it carry nothing), and nothing of them is logged (leaks checks the logs)
    assert c.machine.node == "bye", c.machine.node


async def test_pii_volunteered_outside_a_pii_state_is_masked_and_a_model_echo_too(
    server: ScriptedLLMServer,
) -> None:
    # the model "remembers" the card the caller volunteered and says it back
    server.add_rule(state="chat", user="stolen",
                    reply="I see your card 4111 1111 1111 1111 was stolen.")
    server.add_rule(state="chat", reply="How can I help?")
    c = await llm_call(server, [spoken_digits("12345678"),
                                "my card four one one one one one one one one one one one one one "
                                "one one was stolen too"])
    assert check_invariants(c) == []
    assert leaks(c, [CARD]) == []
    user_turns = [m for m in c.requests[-1].messages if m["role"] == "user"]
    assert user_turns[-1]["content"] == "my card [redacted] was stolen too"


async def test_say_that_again_never_replays_pii_speech_into_a_recording(
    server: ScriptedLLMServer,
) -> None:
    flow = superdialog.loads("""
flow: replay
slots:
  pin: {type: digits, pii: true, min_length: 4, max_length: 4, prompt: "Your PIN?"}
start: ask
states:
  ask: {say: "Hi.", collect: [pin], pii: true, next: check}
  check:
    pii: true
    action:
      call: check
      holding_line: "Checking PIN {{ slots.pin }} now."
      holding_after: 0
      timeout: 2
    next: chat
  chat:
    llm: "Help the caller."
    transitions:
      - {when: done, to: bye}
  bye: {say: "Bye.", end: completed}
""", "replay.yaml")
    server.add_rule(state="chat", reply="")  # a silent model state right after

    async def check() -> dict[str, bool]:
        await asyncio.sleep(0.05)  # slow: the holding line (with the PIN) is said, paused
        return {"ok": True}

    c = await run_call(flow, ["one two three four", "say that again", "bye"], server=server,
                       llm={"base_url": server.base_url, "api_key": "x", "retries": 0},
                       actions={"check": check})
    assert check_invariants(c) == []  # R3: nothing unrecorded outside PII, nothing PII recorded
    assert "Checking PIN" in c.speech()  # said, while paused
    recorded = " ".join(recorded_speech(c.frames))
    assert "Checking PIN" not in recorded
    assert "Your PIN?" not in recorded
