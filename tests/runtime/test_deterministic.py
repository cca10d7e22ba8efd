"""Deterministic state kinds: speak, branch, collect, action, end, transfer, PII, sub-flow."""

from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import superdialog
from superdialog.runtime.events import ActionFinished, ErrorRaised, SlotRejected
from superdialog.testing import RecordingSession


async def talk(machine: superdialog.CallMachine, *lines: str) -> list[str]:
    return [await machine.turn(line) for line in lines]


BOOKING = """
flow: booking
context: {clinic: Acme}
slots:
  name: {type: name, prompt: "Your name?"}
  day: {type: date, confirm: true, future_only: true, prompt: "Which day?"}
  party: {type: number, min: 1, max: 8, prompt: ["How many people?", "How many guests?"]}
  code: {type: digits, validator: even_code, prompt: "Your code?"}
start: ask
states:
  ask:
    collect: [name, day, party]
    retries: 1
    on_fail: human
    next: check
  check:
    transitions:
      - {if: "slots.party > 4", to: big, say: "That's a big group."}
      - {to: code}
  code: {collect: [code], next: done}
  big:
    say: "Groups of {{ slots.party }} need the manager."
    transfer: {queue: managers, mode: warm, announcement: "Group of {{ slots.party }}"}
  done: {say: "Booked for {{ slots.name }} on {{ slots.day | spoken }}.", end: completed}
  human: {say: "Let me find someone.", transfer: {agent: front-desk}}
"""


def booking(**kw: object) -> tuple[superdialog.CallMachine, RecordingSession]:
    flow = superdialog.loads(BOOKING, "booking.yaml")
    session = RecordingSession()
    return flow.build(session, trace=True, **kw), session  # type: ignore[arg-type]


async def test_several_slots_in_one_utterance_in_any_order() -> None:
    machine, _ = booking()
    assert await machine.start() == "Your name?"
    (reply,) = await talk(machine, "my name is Maria Lopez, three of us next friday")
    assert machine.slots["name"] == "Maria Lopez" and machine.slots["party"] == 3
    assert reply.startswith("I have Friday") and reply.endswith("Is that right?")


async def test_confirmation_correction_and_refusal() -> None:
    machine, _ = booking()
    await machine.start()
    await talk(machine, "I'm Sam")
    r1, r2, r3 = await talk(machine, "next monday", "no, next tuesday", "no")
    assert r1.startswith("I have Monday") and r2.startswith("I have Tuesday")
    assert r3 == "Okay, let's try that again. Which day?"
    assert "day" not in machine.slots
    _, r5 = await talk(machine, "next wednesday", "yes")
    assert r5 == "How many people?"


async def test_reprompt_says_why_and_varies_then_on_fail() -> None:
    machine, session = booking()
    await machine.start()
    await talk(machine, "I'm Sam", "next monday", "yes")
    r1, r2 = await talk(machine, "twelve", "banana")
    assert r1 == "Sorry, that's more than 8. How many guests?"
    assert r2 == "Let me find someone."
    assert session.terminal[0].verb == "transfer_to_agent"
    rejected = [e for e in machine.trace if isinstance(e, SlotRejected)]
    assert [(e.slot, e.attempt) for e in rejected] == [("party", 1), ("party", 2)]


async def test_correcting_an_earlier_slot_later() -> None:
    machine, _ = booking(validators={"even_code": lambda v: int(v) % 2 == 0 or "it must be even"})
    await machine.start()
    await talk(machine, "I'm Sam", "next monday", "yes", "two")
    (reply,) = await talk(machine, "actually make it three people")
    assert machine.slots["party"] == 3
    assert reply.startswith("Okay, I've changed the party to 3.")


async def test_custom_validator_reason_is_spoken() -> None:
    machine, _ = booking(validators={"even_code": lambda v: int(v) % 2 == 0 or "it must be even"})
    await machine.start()
    r = await talk(machine, "I'm Sam", "next monday", "yes", "two", "one two three", "one two")
    assert r[4] == "Sorry, it must be even. Your code?"
    assert machine.finished and machine.outcome == {
        "verb": "end",
        "reason": "completed",
        "delegated": "no",
    }


async def test_branch_edge_line_and_warm_transfer_with_announcement() -> None:
    machine, session = booking()
    await machine.start()
    r = await talk(machine, "I'm Sam", "next monday", "yes", "six")
    assert r[-1] == "That's a big group. Groups of 6 need the manager."
    (t,) = session.terminal
    assert t.args == ("managers",) and dict(t.kwargs) == {
        "mode": "warm",
        "announcement": "Group of 6",
    }


async def test_build_without_session_runs_hostless_then_binds_on_start() -> None:
    flow = superdialog.loads(BOOKING, "booking.yaml")
    hostless = flow.build()
    assert await hostless.start() == "Your name?"
    bound = flow.build()
    session = RecordingSession()
    await bound.start(session)
    assert session.effects[0].args == ("Your name?",)


ACTIONS = """
flow: acts
python: []
start: run
states:
  run:
    action:
      call: lookup
      args: {who: "{{ session.customer }}"}
      result: info
      timeout: 0.3
      holding_line: "One moment."
      holding_after: 0.05
      filler: "Checking"
    transitions:
      - {if: "results.info.vip", to: vip}
      - {to: normal}
    on_error: oops
  vip: {say: "Welcome back, {{ results.info.name }}.", end: completed}
  normal: {say: "Hello.", end: completed}
  oops: {say: "Our systems are slow today.", transfer: {queue: support}}
"""


async def run_action_flow(fn: object) -> tuple[superdialog.CallMachine, RecordingSession, str]:
    flow = superdialog.loads(ACTIONS, "acts.yaml")
    session = RecordingSession(data={"customer": "C-7"})
    machine = flow.build(session, actions={"lookup": fn}, trace=True)  # type: ignore[dict-item]
    return machine, session, await machine.start()


async def test_action_result_is_stored_and_branched_on() -> None:
    async def lookup(who: str) -> dict[str, object]:
        return {"vip": who == "C-7", "name": "Ana"}

    machine, session, opening = await run_action_flow(lookup)
    assert opening == "Welcome back, Ana."
    assert machine.results["info"]["vip"] is True
    assert session.verbs == ["set_filler", "say", "end"]


async def test_sync_action_runs_off_the_event_loop() -> None:
    seen = []

    def lookup(who: str) -> dict[str, object]:
        seen.append(threading.current_thread() is threading.main_thread())
        return {"vip": False}

    _, _, opening = await run_action_flow(lookup)
    assert opening == "Hello." and seen == [False]


async def test_slow_action_gets_a_holding_line_then_times_out_to_on_error() -> None:
    async def lookup(who: str) -> dict[str, object]:
        await asyncio.sleep(5)
        return {}

    machine, session, opening = await run_action_flow(lookup)
    assert opening == "One moment. Our systems are slow today."
    assert session.terminal[0].verb == "transfer_to_human"
    (done,) = [e for e in machine.trace if isinstance(e, ActionFinished)]
    assert not done.ok and done.error == "timeout"


async def test_failing_action_takes_error_path_without_leaking_the_message() -> None:
    async def lookup(who: str) -> dict[str, object]:
        raise RuntimeError("secret 4111111111111111")

    machine, _, opening = await run_action_flow(lookup)
    assert opening == "Our systems are slow today."
    errors = [e for e in machine.trace if isinstance(e, ErrorRaised)]
    assert errors and "4111" not in str(machine.trace_record())


async def test_unbound_action_is_an_error_path_not_a_crash() -> None:
    flow = superdialog.loads(ACTIONS, "acts.yaml")
    machine = flow.build(RecordingSession(data={"customer": "x"}))
    assert await machine.start() == "Our systems are slow today."


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        out = json.dumps({"vip": body["who"] == "C-7", "name": "Bo"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_server():  # type: ignore[no-untyped-def]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def test_http_action(http_server: str) -> None:
    text = ACTIONS.replace("      call: lookup\n", f"      http: {{url: '{http_server}/vip'}}\n")
    flow = superdialog.loads(text, "http.yaml")
    machine = flow.build(RecordingSession(data={"customer": "C-7"}))
    assert (await machine.start()).endswith("Welcome back, Bo.")


async def test_runtime_template_error_takes_error_path() -> None:
    text = """
flow: t
start: a
states:
  a: {say: "Hi {{ session.profile.name }}", next: b}
  b: {say: "Bye.", end: completed}
"""
    flow = superdialog.loads(text, "t.yaml")
    session = RecordingSession()
    machine = flow.build(session)
    opening = await machine.start()
    assert opening == "I'm sorry, something went wrong on our side."
    assert session.terminal[0].args == ("error",)


async def test_pii_state_pauses_before_speaking_and_resumes_on_the_way_out() -> None:
    text = """
flow: p
slots:
  pin: {type: digits, pii: true, min_length: 4, max_length: 4}
start: a
states:
  a: {say: "Hi.", next: secure}
  secure: {pii: true, say: "Now your PIN.", collect: [pin], next: b}
  b: {say: "Thanks.", next: c}
  c: {say: "Again, privately.", pii: true, collect: [pin], next: d}
  d: {say: "Bye.", end: completed}
"""
    flow = superdialog.loads(text, "p.yaml")
    session = RecordingSession()
    machine = flow.build(session)
    await machine.start()
    assert session.verbs == ["say", "recording.pause", "say", "say"]
    await machine.turn("one two three four")
    assert session.verbs[-2:] == ["recording.resume", "end"]
    assert machine.state["slots"] == {"pin": "•••• 1234"[:0] + machine.state["slots"]["pin"]}
    assert "1234" not in str(machine.state) and "1234" not in str(machine.snapshot())


HOLDING_FAILS = """
flow: holding_fails
start: first
on_error: oops
states:
  first:
    action: {call: first}
    next: second
  second:
    action:
      call: second
      timeout: 2
      holding_after: 0.01
      holding_line: "Checking {{ results.first.ref }}."
      filler: "Still on {{ results.first.ref }}."
    next: done
  done: {say: "Done.", end: completed}
  oops: {say: "Something went wrong.", end: error}
"""


async def test_a_line_said_while_an_action_runs_that_fails_to_render_is_left_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A holding line or filler that reads a missing result field must not take the error
    path while the action still runs (the call would move past unfinished work): it is left
    out and logged, and the action's outcome decides — here, the happy path."""
    finished: list[str] = []

    async def first() -> dict[str, object]:
        return {"ok": True}  # no "ref"

    async def second() -> dict[str, object]:
        await asyncio.sleep(0.1)
        finished.append("second")
        return {"ok": True}

    session = RecordingSession()
    machine = superdialog.loads(HOLDING_FAILS, "holding_fails.yaml").build(
        session, actions={"first": first, "second": second}
    )
    with caplog.at_level("WARNING"):
        opening = await machine.start()
    assert finished == ["second"] and opening == "Done."
    assert machine.finished and "set_filler" not in session.verbs
    assert "holding line of state second did not render" in caplog.text
    assert "filler of state second did not render" in caplog.text
