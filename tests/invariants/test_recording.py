"""Recording control on every way into and out of a PII state, frame by frame.

Each test runs the real Unpod ``Session`` over the loopback bridge and asserts
the exact frames the speech worker receives, plus the call-wide invariants
(``check_invariants``: pause before a PII state's first word, resume before
anything said outside it, one terminal verb, last).
"""

from __future__ import annotations

import asyncio

import pytest

import superdialog
from superdialog.testing.frames import Frame
from superdialog.testing.llm_server import ScriptedLLMServer
from superdialog_unpod.testing import Step

from .harness import check_invariants, run_call

PATHS = """
flow: paths
start: greet
slots:
  age: {type: number, min: 1, max: 120, prompt: "How old are you?"}
  pin: {type: digits, pii: true, mask: last2, min_length: 4, max_length: 4, prompt: "Your PIN?"}
  card: {type: card_number, pii: true, mask: last4, prompt: "Card for {{ session.holder }}?"}
limits: {no_input: 2, max_turns: 8, max_duration: 600}
end_reasons: [pin_refused]
global:
  - {intent: human, goto: agent}
  - {intent: goodbye, goto: bye}
states:
  greet: {say: "Hello.", next: ask}
  ask: {collect: [age], next: secure}
  secure:
    pii: true
    pause_reason: pin-entry
    say: "Your PIN now. Not recorded."
    collect: [pin]
    next: card
  card: {pii: true, pause_reason: card-entry, collect: [card], next: check}
  check:
    pii: true
    action: {call: verify, args: {pin: "{{ slots.pin }}", card: "{{ slots.card }}"}, timeout: 0.2}
    transitions:
      - {if: "results.check.ok", to: done}
      - {to: refused}
  done: {say: "All set. Goodbye!", end: completed}
  refused: {say: "Sorry, that didn't match.", end: pin_refused}
  agent: {say: "Transferring you.", transfer: {queue: humans}}
  bye: {say: "Bye!", end: completed}
"""
DATA = {"holder": "Ana"}
CARD = "four two four two four two four two four two four two four two four two"
TO_PIN = ["forty two"]
TO_CARD = [*TO_PIN, "one two three four"]
TO_CHECK = [*TO_CARD, CARD]


async def verify(pin: str, card: str) -> dict[str, bool]:
    return {"ok": pin == "1234" and card == "4242424242424242"}


def flow(text: str = PATHS) -> superdialog.Flow:
    return superdialog.loads(text, "paths.yaml")


async def call(steps: list[Step | str], *, text: str = PATHS, data: dict | None = None,
               actions: dict | None = None, **kw: object):  # type: ignore[no-untyped-def]
    c = await run_call(flow(text), steps, data=DATA if data is None else data,
                       actions={"verify": verify, **(actions or {})}, **kw)  # type: ignore[arg-type]
    assert check_invariants(c) == []
    return c


OPENING = ["say", "say"]  # "Hello." and "How old are you?" through session.say
INTO_PII = ["pause", "delta", "text.end"]  # the PIN prompt, paused first


async def test_pause_before_the_first_word_with_its_reason() -> None:
    c = await call(TO_PIN)
    assert c.kinds() == [*OPENING, *INTO_PII, "resume"]  # (then the caller hangs up)
    assert c.frames[2] == Frame("pause", reason="pin-entry")
    assert c.turns() == ["Your PIN now. Not recorded. Your PIN?"]


async def test_consecutive_pii_states_pause_once_and_resume_on_the_normal_way_out() -> None:
    c = await call(TO_CHECK)
    assert c.kinds() == [
        *OPENING, *INTO_PII,
        "delta", "text.end",  # card-entry: already paused, no second pause
        "resume", "delta", "text.end",  # the action state passes to `done`: resume first
        "end",  # completed: sent by the session after the turn
    ]
    assert [f.reason for f in c.frames if f.kind == "pause"] == ["pin-entry"]
    assert c.turns()[-1] == "All set. Goodbye!"
    assert c.bridge.terminal() == [Frame("end", reason="completed")]


async def test_custom_end_reason_from_a_pii_state() -> None:
    c = await call([*TO_CARD, "four one one one one one one one one one one one one one one one"])
    assert c.kinds()[-4:] == ["resume", "delta", "end", "text.end"]
    assert c.turns()[-1] == "Sorry, that didn't match."
    assert c.bridge.terminal() == [Frame("end", reason="pin_refused")]


@pytest.mark.parametrize(("said", "tail", "terminal"), [
    ("can I speak to a real person", ["resume", "delta", "transfer", "text.end"],
     Frame("transfer", target="humans", transfer_type="human", mode="cold")),
    ("operator", ["resume", "delta", "transfer", "text.end"],
     Frame("transfer", target="humans", transfer_type="human", mode="cold")),
    ("bye", ["resume", "delta", "text.end", "end"], Frame("end", reason="completed")),
])
async def test_global_intent_from_inside_a_pii_state_resumes_first(
    said: str, tail: list[str], terminal: Frame
) -> None:
    c = await call([*TO_PIN, said])
    assert c.kinds() == [*OPENING, *INTO_PII, *tail]
    assert c.bridge.terminal() == [terminal]


async def test_action_error_in_a_pii_state_resumes_before_the_apology() -> None:
    async def broken(pin: str, card: str) -> dict[str, bool]:
        raise RuntimeError("core banking is down")

    c = await call(TO_CHECK, actions={"verify": broken})
    assert c.kinds()[-4:] == ["resume", "delta", "end", "text.end"]
    assert c.turns()[-1] == "I'm sorry, something went wrong on our side."
    assert c.bridge.terminal() == [Frame("end", reason="error")]


async def test_action_timeout_in_a_pii_state_resumes_before_the_apology() -> None:
    async def slow(pin: str, card: str) -> dict[str, bool]:
        await asyncio.sleep(5)
        return {"ok": True}

    c = await call(TO_CHECK, actions={"verify": slow})
    assert c.kinds()[-4:] == ["resume", "delta", "end", "text.end"]
    assert c.bridge.terminal() == [Frame("end", reason="error")]


async def test_template_error_at_run_time_inside_a_pii_state() -> None:
    # no session.holder: the card prompt fails to render on entering `card` (already paused)
    c = await call(TO_CARD, data={})
    assert c.kinds() == [*OPENING, *INTO_PII, "resume", "delta", "end", "text.end"]
    assert c.bridge.terminal() == [Frame("end", reason="error")]


async def test_error_in_a_pii_state_goes_to_the_flows_on_error_after_the_resume() -> None:
    c = await call(TO_CARD, data={}, text=PATHS + "on_error: agent\n")
    assert c.kinds()[-4:] == ["resume", "delta", "transfer", "text.end"]
    assert c.turns()[-1] == "Transferring you."


async def test_error_in_a_pii_state_goes_to_a_pii_on_error_state_still_paused() -> None:
    text = PATHS.replace("collect: [card], next: check}",
                         "collect: [card], next: check, on_error: card_help}") + (
        '  card_help: {pii: true, say: "Let me pass you to the card team.", '
        "transfer: {queue: cards}}\n")
    c = await call(TO_CARD, data={}, text=text)
    # card fails -> card_help (a PII transfer state): no second pause, its line said
    # paused, then the resume, then the transfer
    assert c.kinds() == [*OPENING, *INTO_PII, "delta", "resume", "transfer", "text.end"]
    assert c.turns()[1] == "Let me pass you to the card team."


LLM_PII = """
flow: llm_pii
start: greet
global:
  - {intent: human, goto: agent}
states:
  greet: {say: "Hello.", next: account}
  account:
    pii: true
    pause_reason: account
    llm: Help the caller with their account.
    transitions:
      - {when: the caller is done, to: done}
    {on_error}
  done: {say: "Thanks. Bye!", end: completed}
  agent: {say: "Transferring you.", transfer: {agent: account-bot}}
"""


def llm_pii(on_error: str = "") -> str:
    return LLM_PII.replace("{on_error}", on_error)


def fast(server: ScriptedLLMServer) -> dict[str, object]:
    return {"base_url": server.base_url, "api_key": "x", "retries": 0,
            "first_token_timeout_s": 0.3, "total_timeout_s": 1.0}


@pytest.mark.parametrize("fault", ["500", "hang", "cut"])
async def test_llm_outage_in_a_pii_state_resumes_before_the_apology(
    server: ScriptedLLMServer, fault: str
) -> None:
    server.add_rule(fault=fault, **({"reply": "one two three four"} if fault == "cut" else {}))
    c = await call(["what is my balance"], text=llm_pii(), llm=fast(server), server=server)
    assert c.kinds()[:2] == ["say", "pause"]
    assert c.kinds()[-4:] == ["resume", "delta", "end", "text.end"]
    assert c.turns()[-1].endswith("I'm sorry, something went wrong on our side.")
    assert c.bridge.terminal() == [Frame("end", reason="error")]


async def test_llm_outage_in_a_pii_state_takes_its_on_error_after_the_resume(
    server: ScriptedLLMServer,
) -> None:
    server.add_rule(fault="500")
    c = await call(["what is my balance"], text=llm_pii("on_error: agent"), llm=fast(server),
                   server=server)
    # the holding line is said in the PII state (paused), the error state's line after the resume
    assert c.kinds() == ["say", "pause", "delta", "resume", "delta", "transfer", "text.end"]
    assert c.turns() == ["Sorry, give me a moment. Transferring you."]
    assert c.bridge.terminal() == [Frame("transfer", target="account-bot",
                                         transfer_type="agent", mode="cold")]


async def test_llm_transition_out_of_a_pii_state_resumes_before_the_next_line(
    server: ScriptedLLMServer,
) -> None:
    server.add_rule(state="account", reply="Your balance is fine.", goto="done")
    c = await call(["what is my balance"], text=llm_pii(), llm=fast(server), server=server)
    assert c.kinds() == ["say", "pause", "delta", "resume", "delta", "text.end", "end"]
    assert c.turns() == ["Your balance is fine. Thanks. Bye!"]


async def test_barge_in_inside_a_pii_state_keeps_it_paused_then_resumes_on_the_way_out(
) -> None:
    c = await call([Step("forty two", interrupt_after=1), "one two three four", CARD])
    kinds = c.kinds()
    assert kinds[:5] == [*OPENING, "pause", "delta", "text.end"]  # cut short, still paused
    assert kinds.count("pause") == 1 and kinds.count("resume") == 1
    assert c.bridge.terminal() == [Frame("end", reason="completed")]


async def test_barge_in_on_the_closing_line_after_a_pii_state_still_ends_once() -> None:
    c = await call([*TO_CARD, Step(CARD, interrupt_after=1, heard="All set.")])
    assert c.kinds()[-4:] == ["resume", "delta", "text.end", "end"]
    assert c.bridge.terminal() == [Frame("end", reason="completed")]


async def test_barge_in_on_a_custom_closing_line_still_ends_once() -> None:
    c = await call([*TO_CARD, Step("four one one one one one one one one one one one one one "
                                   "one one", interrupt_after=1)])
    assert c.kinds()[-4:] == ["resume", "delta", "end", "text.end"]
    assert c.bridge.terminal() == [Frame("end", reason="pin_refused")]


async def test_no_input_limit_inside_a_pii_state() -> None:
    c = await call([*TO_PIN, "", "   "])
    assert c.kinds() == [*OPENING, *INTO_PII, "delta", "text.end",  # reprompt, still paused
                         "resume", "delta", "end", "text.end"]
    assert c.turns()[1] == "Sorry, I didn't hear anything. Your PIN?"
    assert c.bridge.terminal() == [Frame("end", reason="no_response")]


async def test_max_turns_inside_a_pii_state() -> None:
    text = PATHS.replace("max_turns: 8", "max_turns: 2")
    c = await call([*TO_PIN, "blue", "green"], text=text)
    assert c.kinds()[-4:] == ["resume", "delta", "end", "text.end"]
    assert c.turns()[-1] == "I'm sorry, we've run out of time on this call. Goodbye."
    assert c.bridge.terminal() == [Frame("end", reason="max_duration")]


async def test_max_duration_inside_a_pii_state_with_a_fake_clock() -> None:
    now = [0.0]
    steps = iter([*TO_PIN, "one two"])

    def caller(m: superdialog.CallMachine) -> str | None:
        if m.node == "secure":
            now[0] = 601.0  # ten minutes and a second later
        return next(steps, None)

    c = await call([], policy=caller, clock=lambda: now[0])
    assert c.kinds() == [*OPENING, *INTO_PII, "resume", "delta", "end", "text.end"]
    assert c.bridge.terminal() == [Frame("end", reason="max_duration")]


async def test_caller_hangs_up_while_paused_resume_from_the_call_end_hook() -> None:
    c = await call(TO_CARD)
    assert c.kinds()[-3:] == ["delta", "text.end", "resume"]
    assert c.bridge.terminal() == []
    assert c.machine.outcome == {"verb": "hangup", "reason": "hangup"}
    assert not c.machine.recording_paused


async def test_pii_end_state_says_its_line_paused_then_resumes_before_end() -> None:
    text = PATHS.replace('refused: {say: "Sorry, that didn\'t match.", end: pin_refused}',
                         'refused: {pii: true, say: "Sorry, that didn\'t match.", '
                         'end: pin_refused}')
    c = await call([*TO_CARD, "four one one one one one one one one one one one one one one "
                    "one"], text=text)
    assert c.kinds()[-4:] == ["delta", "resume", "end", "text.end"]
