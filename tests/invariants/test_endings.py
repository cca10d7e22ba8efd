"""End reasons, the one terminal verb, and transfers, through the real Unpod Session.

Who sends the terminal verb: ``end("completed")`` reached inside a turn is
left to the session (``is_complete`` → it sends ``end("completed")`` after the
turn's ``text.end``); every other reason, every transfer, and a completed end
reached in the opening (outside ``Session.run``) is sent by us, after the
closing line and before the turn's ``text.end``.
"""

from __future__ import annotations

import pytest

import superdialog
from superdialog.testing.frames import Frame
from superdialog_unpod.testing import Step

from .harness import check_invariants, run_call

ENDINGS = """
flow: endings
start: menu
end_reasons: [resolved, not_allowed]
intents:
  fixed: {phrases: [it works, fixed]}
  banned: {phrases: [forbidden thing]}
  billing: {phrases: [my bill]}
  sales: {phrases: [new plan]}
  tech: {phrases: [broken]}
  vip: {phrases: [gold member]}
global:
  - {intent: goodbye, goto: bye}
  - {intent: human, goto: desk}
limits: {no_input: 2, max_turns: 4}
states:
  menu:
    say: "What can I do for you?"
    transitions:
      - {intent: fixed, to: resolved}
      - {intent: banned, to: refuse}
      - {intent: billing, to: billing}
      - {intent: sales, to: sales}
      - {intent: tech, to: tech}
      - {intent: vip, to: vip}
  resolved: {say: "Glad it works. Bye!", end: resolved}
  refuse: {say: ["We can't help with that.", "Still no."], end: not_allowed}
  bye: {say: "Thanks for calling. Goodbye!", end: completed}
  desk: {say: "Putting you through.", transfer: {queue: front-desk}}
  billing: {say: "Our billing assistant will take it from here.", transfer: {agent: billing-bot}}
  sales:
    say: "Connecting you to sales."
    transfer: {agent: sales-bot, mode: warm, announcement: "Caller wants a new plan."}
  tech:
    say: "A technician will help."
    transfer: {queue: tech-tier1, mode: warm, announcement: "Caller on {{ flow }} reports: broken."}
  vip: {say: "One moment.", transfer: {queue: vip, mode: warm}}
"""


async def call(steps: list[Step | str], text: str = ENDINGS):  # type: ignore[no-untyped-def]
    c = await run_call(superdialog.loads(text, "endings.yaml"), steps)
    assert check_invariants(c) == []
    return c


# ------------------------------------------------------------------ end reasons


async def test_completed_is_sent_by_the_session_after_the_closing_line() -> None:
    c = await call(["bye"])
    assert c.kinds() == ["say", "delta", "text.end", "end"]
    assert c.turns() == ["Thanks for calling. Goodbye!"]
    assert c.bridge.terminal() == [Frame("end", reason="completed")]
    assert c.machine.outcome == {"verb": "end", "reason": "completed", "delegated": "yes"}
    assert c.machine.is_complete


@pytest.mark.parametrize(("said", "reason", "line"), [
    ("it works now", "resolved", "Glad it works. Bye!"),  # a custom declared reason
    ("the forbidden thing", "not_allowed", "We can't help with that."),
])
async def test_custom_reason_closing_line_then_our_end_then_text_end(
    said: str, reason: str, line: str
) -> None:
    c = await call([said])
    assert c.kinds() == ["say", "delta", "end", "text.end"]
    assert c.turns() == [line]
    assert c.bridge.terminal() == [Frame("end", reason=reason)]
    assert c.machine.outcome == {"verb": "end", "reason": reason, "delegated": "no"}
    assert not c.machine.is_complete  # the session must not send a second end


async def test_no_response_after_the_silence_limit() -> None:
    c = await call(["", "   "])
    assert c.kinds() == ["say", "delta", "text.end", "delta", "end", "text.end"]
    assert c.turns() == ["Sorry, I didn't hear anything. What can I do for you?",
                         "I haven't heard from you, so I'll end the call now. Goodbye."]
    assert c.bridge.terminal() == [Frame("end", reason="no_response")]


async def test_max_duration_after_max_turns() -> None:
    c = await call(["hmm", "well", "so", "erm", "and"])
    assert c.turns()[-1] == "I'm sorry, we've run out of time on this call. Goodbye."
    assert c.bridge.terminal() == [Frame("end", reason="max_duration")]
    assert c.machine.metrics.turns == 5


async def test_error_reason_when_nothing_catches_an_error() -> None:
    text = ENDINGS.replace('"Caller on {{ flow }} reports: broken."',
                           '"Caller {{ session.crm.id }} reports: broken."')
    c = await call(["it's broken"], text)
    assert c.kinds() == ["say", "delta", "end", "text.end"]
    assert c.turns() == ["I'm sorry, something went wrong on our side."]
    assert c.bridge.terminal() == [Frame("end", reason="error")]


async def test_transferred_is_the_outcome_reason_of_a_transfer() -> None:
    c = await call(["can I talk to a human"])
    assert c.machine.outcome == {"verb": "transfer", "reason": "transferred",
                                 "target_kind": "human", "target": "front-desk", "mode": "cold"}


async def test_completed_end_in_the_opening_is_sent_by_us() -> None:
    text = 'flow: closed\nstart: bye\nstates:\n  bye: {say: "We are closed.", end: completed}\n'
    c = await run_call(superdialog.loads(text, "closed.yaml"), ["hello?"])
    assert check_invariants(c) == []
    # no Session.run(): nobody else would send it
    assert c.kinds() == ["say", "end"]
    assert c.machine.outcome == {"verb": "end", "reason": "completed", "delegated": "no"}


async def test_varied_closing_lines_are_still_one_line() -> None:
    c = await call(["the forbidden thing"])
    assert c.turns() == ["We can't help with that."]


# ------------------------------------------------------------------ barge-in on the closing line


async def test_barge_in_on_a_completed_goodbye_still_ends_once() -> None:
    c = await call([Step("bye", interrupt_after=1, heard="Thanks for")])
    assert c.kinds() == ["say", "delta", "text.end", "end"]
    assert c.bridge.terminal() == [Frame("end", reason="completed")]


async def test_barge_in_on_a_custom_closing_line_still_ends_once() -> None:
    c = await call([Step("it works now", interrupt_after=1), "hello? are you there"])
    assert c.kinds() == ["say", "delta", "end", "text.end"]
    assert c.bridge.terminal() == [Frame("end", reason="resolved")]


async def test_barge_in_on_a_transfer_line_still_transfers_once() -> None:
    c = await call([Step("my bill please", interrupt_after=1)])
    assert c.bridge.terminal() == [Frame("transfer", target="billing-bot",
                                         transfer_type="agent", mode="cold")]


async def test_nothing_is_said_after_the_end() -> None:
    # the caller keeps talking after the goodbye: no delta, no second verb
    c = await call(["it works now", "wait, one more thing", "hello?"])
    i = c.kinds().index("end")
    assert set(c.kinds()[i + 1:]) <= {"text.end"}
    assert c.machine.metrics.turns == 1


# ------------------------------------------------------------------ transfers


@pytest.mark.parametrize(("said", "line", "terminal"), [
    ("can I talk to a human", "Putting you through.",
     Frame("transfer", target="front-desk", transfer_type="human", mode="cold")),
    ("it's about my bill", "Our billing assistant will take it from here.",
     Frame("transfer", target="billing-bot", transfer_type="agent", mode="cold")),
    ("I'd like a new plan", "Connecting you to sales.",
     Frame("transfer", target="sales-bot", transfer_type="agent", mode="warm",
           announcement="Caller wants a new plan.")),
    ("my line is broken", "A technician will help.",
     Frame("transfer", target="tech-tier1", transfer_type="human", mode="warm",
           announcement="Caller on endings reports: broken.")),
    ("I'm a gold member", "One moment.",
     Frame("transfer", target="vip", transfer_type="human", mode="warm")),
])
async def test_transfers_cold_and_warm_to_queues_and_agents(
    said: str, line: str, terminal: Frame
) -> None:
    c = await call([said])
    assert c.kinds() == ["say", "delta", "transfer", "text.end"]
    assert c.turns() == [line]
    assert c.bridge.terminal() == [terminal]
    assert c.machine.outcome is not None and c.machine.outcome["reason"] == "transferred"


async def test_transfer_from_a_pii_state_resumes_recording_first() -> None:
    text = ENDINGS.replace(
        '  vip: {say: "One moment.", transfer: {queue: vip, mode: warm}}',
        '  vip:\n    pii: true\n    say: "Your member number? Not recorded."\n'
        "    collect: [member]\n    next: gold\n"
        '  gold: {say: "Thank you, gold member.", transfer: {queue: vip, mode: warm, '
        'announcement: "Member {{ slots.member }}"}}',
    ).replace("end_reasons:", "slots:\n  member: {type: digits, pii: true, mask: last2, "
              "min_length: 6, max_length: 6}\nend_reasons:")
    c = await call(["I'm a gold member", "one two three four five six"], text)
    assert c.kinds() == ["say", "pause", "delta", "text.end",
                         "resume", "delta", "transfer", "text.end"]
    (t,) = c.bridge.terminal()
    assert (t.target, t.mode) == ("vip", "warm")
    # a PII slot in the announcement is masked like everywhere else it is said
    assert t.announcement == "Member ending in 5 6"
