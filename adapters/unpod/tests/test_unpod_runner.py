"""Calls through the Unpod SDK's real runner path: AgentRunner → job.assign → bridge dial.

``UnpodLoopback`` plays the orchestrator and the speech worker over real
websockets on 127.0.0.1; the SDK's ``AgentRunner``, bridge dialer, handshake,
``CallContext`` and ``Session.run`` run unchanged around our entrypoint.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import superdialog
from superdialog_unpod import attach
from superdialog_unpod.testing import BridgeClosed, LoopbackBridge, Step, Transcript, UnpodLoopback

pytest.importorskip("unpod.connectivity.runner")

FLOWS = Path(__file__).resolve().parents[3] / "flows"

SMOKE = (Path(__file__).parent / "smoke.yaml").read_text(encoding="utf-8")


async def smoke_call(steps: list, data: dict | None = None) -> Transcript:
    flow = superdialog.loads(SMOKE, "smoke.yaml")
    async with UnpodLoopback(timeout=5) as lo:
        return await lo.run_call(flow, steps, data=data)


# -- hang-up inside a PII state (regression: the resume over a closed socket failed the call)


async def test_hangup_in_pii_state_ends_cleanly_over_the_runner() -> None:
    tr = await smoke_call(["forty two"])  # then the caller hangs up inside `secure`
    assert tr.timeline() == ["say", "say", "caller", "pause", "delta", "text.end", "hangup"]
    assert tr.final_state == "ended", tr.problems  # was "failed": the entrypoint raised
    assert tr.ok
    assert tr.machine.outcome == {"verb": "hangup", "reason": "hangup"}
    assert not tr.machine.recording_paused
    assert len([s for s in tr.setup if "dialled" in s]) == 1  # no redial of a dead call


class _HungUpBridge(LoopbackBridge):
    """A worker that refuses every frame once the caller hung up, like a closed socket."""

    hung_up = False

    async def recv_event(self):  # type: ignore[no-untyped-def]
        try:
            return await super().recv_event()
        except BridgeClosed:
            self.hung_up = True
            raise

    async def send_verb(self, verb) -> None:  # type: ignore[no-untyped-def]
        if self.hung_up:
            raise BridgeClosed("socket closed by the worker")
        await super().send_verb(verb)


async def test_call_end_hook_survives_a_closed_socket() -> None:
    from unpod.connectivity.session import Session

    flow = superdialog.loads(SMOKE, "smoke.yaml")
    bridge = _HungUpBridge(["forty two"])
    session = Session(bridge=bridge)
    machine = attach(session, flow)
    await machine.start()
    bridge.begin()
    await asyncio.wait_for(session.run(), 5)  # raised BridgeClosed from the call_end hook
    assert machine.finished and machine.outcome == {"verb": "hangup", "reason": "hangup"}
    assert not machine.recording_paused


# -- the dental booking, start to finish, through AgentRunner

DENTAL_CALL = [
    "yes please",
    "Jane Doe",
    "next Tuesday",
    "yes",
    "ten thirty",
    "five five five, one two three, four five six seven",
    "yes",
    "jane at example dot com",
    "4242 4242 4242 4242",
]


@pytest.fixture(scope="module")
def dental() -> superdialog.Flow:
    return superdialog.load(FLOWS / "dental_booking.yaml")


def index(tr: Transcript, kind: str, startswith: str = "") -> int:
    for i, r in enumerate(tr.records):
        if r.kind == kind and r.text.startswith(startswith):
            return i
    raise AssertionError(f"no {kind} frame starting {startswith!r} in\n{tr.render()}")


async def test_dental_booking_through_the_runner(dental: superdialog.Flow) -> None:
    async with UnpodLoopback(timeout=8) as lo:
        tr = await lo.run_call(dental, DENTAL_CALL)
    assert tr.ok, tr.problems
    assert [s.split(":")[0] for s in tr.setup] == ["orchestrator", "orchestrator", "worker"]
    assert "job.ack accepted" in tr.setup[1]
    assert tr.said() == [
        "Hi, this is Alex from Bright Smile Dental.",
        "Are you calling to book a check-up?",
    ]
    # the last three turns, frame by frame: the pause comes after the sub-flow's
    # goodbye and before the PII state's first word, in the same streamed turn;
    # the resume comes before the next state's first word; end is the last frame.
    assert tr.timeline()[-11:] == [
        "caller",
        "delta",
        "pause",
        "delta",
        "text.end",
        "caller",
        "resume",
        "delta",
        "text.end",
        "end",
        "close",
    ]
    contact_done = index(tr, "delta", "Thanks, I've got your contact details.")
    pause = index(tr, "pause")
    deposit = index(tr, "delta", " To hold the appointment")
    assert contact_done < pause < deposit
    assert tr.records[pause].reason == "card-deposit"
    resume = index(tr, "resume")
    booked = index(tr, "delta", "You're all set, Jane Doe")
    assert pause < resume < booked
    # what the caller said while paused is not in the worker's recording
    card_turn = [r for r in tr.records[pause:resume] if r.source == "caller"]
    assert [r.text for r in card_turn] == ["[redacted]"]
    (end,) = tr.terminal()
    assert end.kind == "end" and end.reason == "completed"
    assert tr.frames[-1] is end  # exactly one terminal verb, and nothing after it
    assert tr.machine.outcome["reason"] == "completed"
    shown = tr.render(timestamps=True)
    assert "[recording paused: card-deposit]" in shown and "[end: completed]" in shown
    for canary in ("4242 4242 4242 4242", "4242424242424242"):
        assert canary not in shown
        assert canary not in repr(tr.records)
        assert canary not in repr(tr.machine.snapshot())


async def test_dental_handoff_is_a_cold_transfer_to_the_front_desk(
    dental: superdialog.Flow,
) -> None:
    async with UnpodLoopback(timeout=5) as lo:
        tr = await lo.run_call(dental, ["no, I need to talk to someone"])
    assert tr.ok, tr.problems
    (t,) = tr.terminal()
    assert (t.transfer_type, t.target, t.mode, t.announcement) == (
        "human",
        "front-desk",
        "cold",
        "",
    )
    assert tr.timeline()[-4:] == ["delta", "transfer", "text.end", "close"]
    assert "[transfer → human queue front-desk (cold)]" in str(tr)


# -- the contract points, on a small flow


async def test_session_data_reaches_templates_via_call_started() -> None:
    tr = await smoke_call(["forty two", "one two three four"], {"first_name": "Ana"})
    assert tr.said() == ["Hello Ana.", "How old are you?"]
    assert tr.kinds() == [
        "say",
        "say",
        "pause",
        "delta",
        "text.end",  # PII state: paused before its first word
        "resume",
        "delta",
        "text.end",  # resumed before the goodbye
        "end",  # the one terminal verb, sent by the session for a completed call
    ]
    assert tr.turns() == ["Now your PIN. Not recorded. Your PIN?", "Thanks. Bye!"]
    assert [(r.kind, r.reason) for r in tr.terminal()] == [("end", "completed")]
    assert tr.ok


async def test_custom_end_reason_is_ours_and_precedes_the_turns_text_end() -> None:
    tr = await smoke_call(["twelve"])
    assert tr.kinds() == ["say", "say", "delta", "end", "text.end"]
    assert [(r.kind, r.reason) for r in tr.terminal()] == [("end", "not_allowed")]
    assert tr.ok, tr.problems  # text.end after our end is the turn's own, not a violation


async def test_transfer_from_pii_state_resumes_first_and_carries_queue_mode_announcement() -> None:
    tr = await smoke_call(["forty two", "can I talk to a real person"])
    assert tr.timeline() == [
        "say",
        "say",
        "caller",
        "pause",
        "delta",
        "text.end",
        "caller",
        "resume",
        "delta",
        "transfer",
        "text.end",
        "close",
    ]
    (t,) = tr.terminal()
    assert (t.transfer_type, t.target, t.mode, t.announcement) == (
        "human",
        "humans",
        "warm",
        "Age 42",
    )
    assert tr.ok
    assert '[transfer → human queue humans (warm), announcing "Age 42"]' in str(tr)


async def test_barge_in_during_goodbye_still_ends_once() -> None:
    tr = await smoke_call(
        ["forty two", Step("one two three four", interrupt_after=1, heard="Thanks.")]
    )
    assert tr.timeline()[-6:] == ["resume", "delta", "interrupt", "text.end", "end", "close"]
    assert [(r.kind, r.reason) for r in tr.terminal()] == [("end", "completed")]
    assert tr.frames[-1].kind == "end"
    assert tr.ok, tr.problems
    assert tr.machine.finished
    assert '[caller barges in; heard "Thanks."]' in str(tr)


async def test_silence_is_timed_by_the_call_clock_not_sent_as_an_empty_utterance() -> None:
    tr = await smoke_call(["", "forty two"])
    assert [r.kind for r in tr.records if r.source == "caller"][:2] == ["silence", "speech"]
    assert "" not in [r.text for r in tr.records if r.kind == "speech"]
    assert "caller: (silence)" in str(tr)
    assert tr.said()[2:] == ["Sorry, I didn't hear anything.", "How old are you?"]  # re-asked
    assert tr.ok, tr.problems


async def test_a_silent_caller_over_the_runner_ends_with_no_response() -> None:
    tr = await smoke_call([Step(wait=60)])
    assert "caller: (silent for 60s)" in str(tr)
    assert [r.reason for r in tr.terminal()] == ["no_response"]
    assert tr.said().count("Sorry, I didn't hear anything.") == 2
    assert tr.ok, tr.problems


async def test_max_duration_over_the_runner_with_nobody_speaking() -> None:
    flow = superdialog.loads(SMOKE + "limits: {max_duration: 7, no_input: 5}\n", "smoke.yaml")
    async with UnpodLoopback(timeout=5) as lo:
        tr = await lo.run_call(flow, [Step(wait=30)])
    assert [r.reason for r in tr.terminal()] == ["max_duration"]
    assert tr.said()[-1] == "I'm sorry, we've run out of time on this call. Goodbye."
    assert tr.ok, tr.problems


async def test_a_number_transfer_over_the_runner_is_agent_transfer_type_number() -> None:
    flow = superdialog.loads(
        SMOKE.replace("transfer: {queue: humans,", 'transfer: {number: "+14155550100",'),
        "smoke.yaml",
    )
    async with UnpodLoopback(timeout=5) as lo:
        tr = await lo.run_call(flow, ["forty two", "a real person please"])
    (t,) = tr.terminal()
    assert (t.kind, t.transfer_type, t.target, t.mode) == (
        "transfer",
        "number",
        "+14155550100",
        "warm",
    )
    assert "[transfer → number +14155550100 (warm)" in str(tr)
    assert tr.ok, tr.problems


# -- an LLM state over the runner path, served by the scripted loopback model


async def test_llm_reply_streams_through_the_runner(llm_server) -> None:  # type: ignore[no-untyped-def]
    reply = "Happy to help. Is it about a bill, a technical problem, or your plan?"
    llm_server.add_rule(state="triage", user="account", reply=reply)
    llm_server.add_rule(
        state="triage",
        user="modem",
        reply="That sounds like a technical problem.",
        goto="tech_check",
    )
    flow = superdialog.load(FLOWS / "support_triage.yaml")
    caller = ["I'm calling about my account", "the lights on my modem are blinking red", "yes"]
    async with UnpodLoopback(timeout=8) as lo:
        tr = await lo.run_call(
            flow, caller, llm={"base_url": llm_server.base_url, "api_key": "sk-loopback"}
        )
    assert tr.ok, tr.problems
    assert tr.turns()[0] == reply
    deltas_of_first_turn = 0
    for r in tr.frames[2:]:
        if r.kind == "text.end":
            break
        deltas_of_first_turn += r.kind == "delta"
    assert deltas_of_first_turn > 5  # streamed token by token, not one blob
    (t,) = tr.terminal()
    assert (t.target, t.mode) == ("tech-support-tier1", "warm")
    assert t.announcement == "Caller's service is down; router already restarted."
    assert [r.state for r in llm_server.chat_requests] == ["triage", "triage"]


# -- the loopback itself: bounded and clean


async def test_a_stuck_entrypoint_times_out_with_a_partial_transcript() -> None:
    from superdialog_unpod.testing import CallTimeout

    async def stuck(ctx) -> None:  # type: ignore[no-untyped-def]
        await ctx.session.say("Hello?")
        await asyncio.Event().wait()

    async with UnpodLoopback() as lo:
        with pytest.raises(CallTimeout) as info:
            await lo.run_call(stuck, ["hi"], timeout=0.6)
    assert info.value.transcript.said() == ["Hello?"]


async def test_wrong_credentials_are_refused() -> None:
    from unpod.connectivity.runner import AgentRunner, RunnerAuthError

    async def never(ctx) -> None:  # type: ignore[no-untyped-def]
        raise AssertionError("no call expected")

    async with UnpodLoopback() as lo:
        runner = AgentRunner(
            never,
            agent_id="x",
            platform_token="wrong",
            org_handle="loopback-org",
            base_url=lo.orchestrator.url,
        )
        with pytest.raises(RunnerAuthError):
            await asyncio.wait_for(runner.run(), 3)


async def test_concurrent_calls_each_get_their_own_runner_and_data() -> None:
    flow = superdialog.loads(SMOKE, "smoke.yaml")
    async with UnpodLoopback(timeout=5) as lo:
        calls = await asyncio.gather(
            *(
                lo.run_call(flow, ["forty two", "one two three four"], data={"first_name": f"N{i}"})
                for i in range(5)
            )
        )
    assert [tr.said()[0] for tr in calls] == [f"Hello N{i}." for i in range(5)]
    assert all(tr.ok for tr in calls)
    assert len({tr.agent_id for tr in calls}) == 5


async def test_a_call_that_ends_in_its_opening_is_ended_by_us_and_never_runs_the_loop() -> None:
    closed = superdialog.loads(
        'flow: closed\nstart: bye\nstates:\n  bye: {say: "We are closed.", end: completed}\n',
        "closed.yaml",
    )
    async with UnpodLoopback(timeout=5) as lo:
        tr = await lo.run_call(closed, ["hello?"])
    assert tr.timeline() == ["say", "end", "close"]  # the caller never got to speak
    assert tr.ok and tr.machine.outcome["delegated"] == "no"
