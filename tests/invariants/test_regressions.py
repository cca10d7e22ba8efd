"""One test per runtime bug found by the invariants work, each through the real Session."""

from __future__ import annotations

import asyncio
import time

import superdialog
from superdialog.testing.frames import Frame
from superdialog.testing.llm_server import ScriptedLLMServer
from superdialog_unpod.testing import Step

from .harness import Canary, check_invariants, leaks, run_call

# A barge-in cancels the turn wherever it is suspended. Over a real websocket a
# control verb's send suspends, so the cancellation can land *inside* it.
# The ObservedBridge's verb_delay reproduces that.
SOCKET = 0.005

CANCEL = """
flow: cancel
start: greet
slots:
  age: {type: number, min: 1, max: 120, prompt: "How old are you?"}
  pin: {type: digits, pii: true, mask: last2, min_length: 4, max_length: 4, prompt: "Your PIN?"}
end_reasons: [pin_taken]
states:
  greet: {say: "Hello.", next: ask}
  ask: {collect: [age], transitions: [{if: "slots.age >= 18", to: ok}, {to: minor}]}
  ok: {say: "Great, adult.", next: secure}
  secure: {pii: true, say: "Now your PIN. Not recorded.", collect: [pin], next: noted}
  noted: {pii: true, say: "Noted.", next: done}
  done: {say: "Thanks. Bye!", end: completed}
  minor: {pii: true, say: "Sorry, adults only.", end: pin_taken}
"""


async def test_barge_in_during_the_pause_verb_still_pauses() -> None:
    # the caller barges in on "Great, adult." while the pause for `secure` is being sent
    flow = superdialog.loads(CANCEL, "cancel.yaml")
    c = await run_call(flow, [Step("forty two", interrupt_after=1), "one two three four"],
                       verb_delay=SOCKET)
    assert check_invariants(c) == []
    kinds = c.kinds()
    assert kinds[:5] == ["say", "say", "delta", "pause", "text.end"]  # paused before the PIN
    assert c.machine.slots["pin"] == "1234"


async def test_barge_in_during_the_resume_verb_still_resumes() -> None:
    # barge in on "Noted." (a PII pass-through) while the resume for `done` is being sent
    flow = superdialog.loads(CANCEL, "cancel.yaml")
    c = await run_call(flow, ["forty two", Step("one two three four", interrupt_after=1)],
                       verb_delay=SOCKET)
    assert check_invariants(c) == []
    assert "resume" in c.kinds()
    assert not c.machine.recording_paused


async def test_barge_in_during_the_resume_before_the_terminal_verb_still_ends() -> None:
    # a PII end state: its closing line is said paused, then resume, then end(pin_taken)
    flow = superdialog.loads(CANCEL, "cancel.yaml")
    c = await run_call(flow, [Step("twelve", interrupt_after=1)], verb_delay=SOCKET)
    assert check_invariants(c) == []
    assert c.bridge.terminal() == [Frame("end", reason="pin_taken")]
    assert c.kinds()[-3:] == ["resume", "end", "text.end"]


LEAVE = """
flow: leave
start: secure
slots:
  pin: {type: digits, pii: true, mask: last2, min_length: 4, max_length: 4, prompt: "Your PIN?"}
limits: {no_input: 2, max_turns: 3}
states:
  secure: {pii: true, say: "Your PIN. Not recorded.", collect: [pin], retries: 5, next: done}
  done: {say: "Thanks. Bye!", end: completed}
"""


async def test_closing_line_of_no_response_in_a_pii_state_is_said_after_the_resume() -> None:
    flow = superdialog.loads(LEAVE, "leave.yaml")
    c = await run_call(flow, ["", "  "])
    assert check_invariants(c) == []
    assert c.kinds()[-5:] == ["text.end", "resume", "delta", "end", "text.end"]
    assert c.bridge.terminal() == [Frame("end", reason="no_response")]


async def test_closing_line_of_max_turns_in_a_pii_state_is_said_after_the_resume() -> None:
    flow = superdialog.loads(LEAVE, "leave.yaml")
    c = await run_call(flow, ["one", "two", "three", "four"])  # the fourth turn is one too many
    assert check_invariants(c) == []
    assert c.bridge.terminal() == [Frame("end", reason="max_duration")]
    assert c.kinds()[-4:] == ["resume", "delta", "end", "text.end"]


async def test_apology_after_retries_run_out_in_a_pii_state_is_said_after_the_resume() -> None:
    flow = superdialog.loads(LEAVE.replace("retries: 5", "retries: 0"), "leave0.yaml")
    c = await run_call(flow, ["blue"])  # no on_fail, no on_error: end with no_response
    assert check_invariants(c) == []
    assert c.kinds()[-4:] == ["resume", "delta", "end", "text.end"]


ANNOUNCE = """
flow: announce
start: ask
global:
  - {intent: human, goto: agent}
states:
  ask: {say: "How can I help?", listen: true, next: ask}
  agent:
    say: "Transferring you."
    transfer: {queue: humans, mode: warm, announcement: "Caller {{ session.crm.name }}"}
"""
FALLBACK = """  fallback: {say: "Let me find someone else.", transfer: {queue: desk}}
on_error: fallback
"""


async def test_announcement_that_fails_at_run_time_takes_the_error_path() -> None:
    # no crm record in session.data: the announcement template fails when transferring
    flow = superdialog.loads(ANNOUNCE, "announce.yaml")
    c = await run_call(flow, ["a real person please"])
    assert check_invariants(c) == []
    assert c.bridge.terminal() == [Frame("end", reason="error")]
    assert c.turns() == ["I'm sorry, something went wrong on our side."]


async def test_announcement_failure_goes_to_the_flows_on_error() -> None:
    flow = superdialog.loads(ANNOUNCE + FALLBACK, "announce2.yaml")
    c = await run_call(flow, ["a real person please"])
    assert check_invariants(c) == []
    assert c.bridge.terminal() == [Frame("transfer", target="desk", transfer_type="human",
                                         mode="cold")]


async def test_announcement_renders_when_the_data_is_there() -> None:
    flow = superdialog.loads(ANNOUNCE, "announce3.yaml")
    c = await run_call(flow, ["a real person please"], data={"crm": {"name": "Ana"}})
    assert check_invariants(c) == []
    (t,) = c.bridge.terminal()
    assert (t.target, t.mode, t.announcement) == ("humans", "warm", "Caller Ana")


EDGE_LINES = """
flow: edge_lines
start: ask
slots:
  age: {type: number, min: 1, max: 120, prompt: "How old are you?"}
  pin: {type: digits, pii: true, mask: last2, min_length: 4, max_length: 4, prompt: "Your PIN?"}
states:
  ask:
    collect: [age]
    transitions:
      - {if: "slots.age >= 65", to: check, say: "Thank you."}
      - {if: "slots.age >= 18", to: secure, say: "Great, an adult."}
      - {to: done}
  check:
    transitions:
      - {if: "slots.age >= 65", to: secure, say: "A senior, welcome."}
      - {to: done}
  secure: {pii: true, say: "Your PIN. Not recorded.", collect: [pin], next: done}
  done: {say: "Bye!", end: completed}
"""


async def test_a_line_on_an_edge_into_a_pii_state_is_said_paused() -> None:
    flow = superdialog.loads(EDGE_LINES, "edge_lines.yaml")
    c = await run_call(flow, ["forty", "one two three four"])
    assert check_invariants(c) == []
    assert c.kinds()[:5] == ["say", "pause", "delta", "text.end", "resume"]
    assert c.turns()[0] == "Great, an adult. Your PIN. Not recorded. Your PIN?"


async def test_a_line_on_a_pass_through_edge_into_a_pii_state_is_said_paused() -> None:
    flow = superdialog.loads(EDGE_LINES, "edge_lines.yaml")
    c = await run_call(flow, ["seventy", "one two three four"])
    assert check_invariants(c) == []
    assert c.kinds()[:6] == ["say", "delta", "pause", "delta", "text.end", "resume"]
    assert c.turns()[0] == "Thank you. A senior, welcome. Your PIN. Not recorded. Your PIN?"


AGAIN = """
flow: again
start: ask
slots:
  age: {type: number, min: 1, max: 120, prompt: "How old are you?"}
  city: {type: text, prompt: "Which city do you live in?"}
states:
  ask: {collect: [age], next: where}
  where: {say: "Thanks.", collect: [city], next: done}
  done: {say: "Bye!", end: completed}
"""


async def test_repeat_after_a_barge_in_repeats_the_interrupted_turn() -> None:
    # the caller cut "Thanks. Which city do you live in?" short, then asks to hear it again
    flow = superdialog.loads(AGAIN, "again.yaml")
    c = await run_call(flow, [Step("forty two", interrupt_after=1), "say that again", "Paris"])
    assert check_invariants(c) == []
    assert c.turns()[:2] == ["Thanks.", "Thanks. Which city do you live in?"]
    assert c.machine.slots == {"age": 42, "city": "Paris"}


VALIDATED = """
flow: validated
start: secure
slots:
  pin: {type: digits, pii: true, min_length: 4, max_length: 4, prompt: "Your PIN?", validator: pin}
states:
  secure: {pii: true, say: "Not recorded.", collect: [pin], next: done}
  done: {say: "Bye!", end: completed}
"""


def _pin_validator(value: str) -> None:
    int("PIN-" + value)  # a bug in user code: its ValueError message quotes the value


async def test_an_unexpected_error_is_logged_without_its_message() -> None:
    flow = superdialog.loads(VALIDATED, "validated.yaml")
    c = await run_call(flow, ["nine eight seven six"], validators={"pin": _pin_validator})
    assert check_invariants(c) == []
    assert c.bridge.terminal() == [Frame("end", reason="error")]
    ours = "\n".join(c.logs.ours())
    assert "9876" not in ours
    assert "ValueError" in ours and "_pin_validator" in ours  # where it failed is still logged


VOLUNTEERED = """
flow: volunteered
start: ask
slots:
  city: {type: text, prompt: "Which city?"}
  dob: {type: date, pii: true, past_only: true, prompt: "Your date of birth?"}
states:
  ask: {collect: [dob], next: where}
  where: {collect: [city], next: chat}
  chat:
    llm: Chat with the caller.
    transitions:
      - {when: the caller is done, to: bye}
  bye: {say: "Bye!", end: completed}
"""
DOB = Canary("date of birth", ("1980-07-04", "fourth of july nineteen eighty",
                               "fifth of july nineteen eighty", "1980-07-05"))


async def test_an_utterance_that_filled_a_pii_slot_is_redacted_in_the_history(
    server: ScriptedLLMServer,
) -> None:
    # a PII slot collected (and later corrected) outside a pii: true state
    flow = superdialog.loads(VOLUNTEERED, "volunteered.yaml")
    c = await run_call(
        flow,
        ["the fourth of july nineteen eighty", "actually the fifth of july nineteen eighty",
         "Paris", "what happens now"],
        server=server, llm={"base_url": server.base_url, "api_key": "x", "retries": 0},
    )
    assert check_invariants(c) == []
    assert str(c.machine.slots["dob"]) == "1980-07-05"
    assert len(c.requests) == 2 and c.llm_data  # the opening of `chat`, then a reply
    assert leaks(c, [DOB]) == []
    history = c.machine.snapshot()["history"]
    assert ["user", "[redacted]"] in history and ["user", "Paris"] in history


OVER = """
flow: over
start: greet
slots:
  name: {type: name, prompt: "Your name?"}
  day: {type: date, prompt: "Which day?"}
global:
  - {intent: start_over, goto: greet}
states:
  greet: {say: "Hello.", next: ask}
  ask: {collect: [name, day], next: done}
  done: {say: "Booked for {{ slots.name }}.", end: completed}
"""


async def test_start_over_forgets_what_was_collected() -> None:
    flow = superdialog.loads(OVER, "over.yaml")
    c = await run_call(flow, ["Maria Lopez", "let's start over", "Ana Diaz", "next friday"])
    assert check_invariants(c) == []
    assert c.turns()[:2] == ["Which day?", "Hello. Your name?"]
    assert c.turns()[-1] == "Booked for Ana Diaz."


SLOW = """
flow: slow
start: ask
slots:
  ref: {type: digits, min_length: 3, max_length: 3, prompt: "Your reference?"}
end_reasons: [lookup_failed]
states:
  ask: {collect: [ref], next: lookup}
  lookup:
    action:
      call: lookup
      args: {ref: "{{ slots.ref }}"}
      timeout: 0.3
      holding_line: "One moment."
      holding_after: 0.05
    next: found
    on_error: sorry
  found: {say: "Found it.", end: completed}
  sorry: {say: "The lookup timed out.", end: lookup_failed}
"""


async def test_action_timeout_holds_after_its_holding_line_under_the_session() -> None:
    # The Session runs each __anext__ of our stream in a new task; an asyncio.timeout
    # spanning the holding line's yield was bound to the first one and never fired.
    async def slow(ref: str) -> dict[str, bool]:
        await asyncio.sleep(3)
        return {"ok": True}

    flow = superdialog.loads(SLOW, "slow.yaml")
    started = time.perf_counter()
    c = await run_call(flow, ["one two three"], actions={"lookup": slow})
    assert time.perf_counter() - started < 1.5
    assert check_invariants(c) == []
    assert c.turns() == ["One moment. The lookup timed out."]
    assert c.bridge.terminal() == [Frame("end", reason="lookup_failed")]


RULE_LINE = """
flow: rule_line
start: secure
slots:
  pin: {type: digits, pii: true, min_length: 4, max_length: 4, prompt: "Your PIN?"}
global:
  - {intent: human, say: "Sure, no problem.", goto: agent}
states:
  secure: {pii: true, say: "Not recorded.", collect: [pin], next: done}
  done: {say: "Bye!", end: completed}
  agent: {say: "Let me get a colleague.", transfer: {queue: humans}}
"""


async def test_a_global_rules_line_leaving_a_pii_state_is_said_after_the_resume() -> None:
    # like a line on an edge out of a PII state: the way out resumes first
    flow = superdialog.loads(RULE_LINE, "rule_line.yaml")
    c = await run_call(flow, ["can I talk to a person"])
    assert check_invariants(c) == []
    assert c.kinds() == ["pause", "say", "say", "resume", "delta", "transfer", "text.end"]
    assert c.turns() == ["Sure, no problem. Let me get a colleague."]


ECHO = """
flow: echo
start: ask
slots:
  account: {type: digits, pii: true, mask: last4, min_length: 8, max_length: 8,
            prompt: "Your account number?", send_to_llm: true}
states:
  ask: {pii: true, collect: [account], next: chat}
  chat:
    pii: true
    llm: Help with the account.
    transitions:
      - {when: the caller is done, to: bye}
  bye: {say: "Bye!", end: completed}
"""
ACCOUNT = Canary("account", ("12345678",))


async def test_a_model_echoing_a_pii_value_it_was_allowed_to_see_stays_out_of_traces(
    server: ScriptedLLMServer,
) -> None:
    # send_to_llm lets the value into the prompt; the model reads it back to the caller.
    # The caller hears it (paused), but the trace, history and snapshot keep the mask.
    server.add_rule(state="chat", reply="Account 12345678 is in good standing.")
    flow = superdialog.loads(ECHO, "echo.yaml")
    c = await run_call(flow, ["one two three four five six seven eight", "how is it"],
                       server=server, llm={"base_url": server.base_url, "api_key": "x"})
    assert check_invariants(c) == []
    assert "12345678" in c.speech()  # what the model said is what TTS says
    found = [f for f in leaks(c, [ACCOUNT]) if not f.startswith(("frames", "llm_requests"))]
    assert found == []
    assert ["assistant", "Account [redacted] is in good standing."] in (
        c.machine.snapshot()["history"])
