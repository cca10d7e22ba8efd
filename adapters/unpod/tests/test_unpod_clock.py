"""Silence, time limits and number transfers in calls driven by the real ``Session.run()``.

The loopback worker reports its conversation ``state`` as the platform's does
and never sends an empty utterance; silence passes in virtual time (the call's
clock and the worker share one ``VirtualTime``), so nothing here sleeps.
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import superdialog
from superdialog.runtime.clock import VirtualTime, clock_of
from superdialog.testing.frames import Frame
from superdialog_unpod import attach, run_session
from superdialog_unpod.testing import LoopbackBridge, Step

unpod_session = pytest.importorskip("unpod.connectivity.session")

SMOKE = (Path(__file__).parent / "smoke.yaml").read_text(encoding="utf-8")

HANDOFF = """
flow: handoff
start: ask
slots:
  callback: {type: phone, prompt: "Which number should the nurse call?"}
global:
  - {intent: human, goto: nurse}
states:
  ask: {collect: [callback], next: ring}
  ring:
    say: "Connecting you."
    transfer: {number: "{{ slots.callback }}", mode: warm, announcement: "Caller for the nurse"}
  nurse:
    say: "Putting you through to the nurse line."
    transfer: {number: "+14155550100", mode: cold}
    on_error: sorry
  sorry: {say: "The nurse line cannot take calls right now.", end: error}
"""


async def call(
    flow_text: str,
    steps: list[Step | str],
    *,
    refuse: frozenset[str] = frozenset(),
    name: str = "smoke.yaml",
) -> tuple[LoopbackBridge, superdialog.CallMachine, VirtualTime, Any]:
    flow = superdialog.loads(flow_text, name)
    time = VirtualTime()
    bridge = LoopbackBridge(steps, time=time, refuse_numbers=refuse)
    session = unpod_session.Session(bridge=bridge)
    machine = attach(session, flow, scheduler=time, trace=True)
    await machine.start()
    if not machine.finished:
        bridge.begin(clock_of(machine))
        await asyncio.wait_for(run_session(session, machine), 10)
    return bridge, machine, time, session


def says(bridge: LoopbackBridge) -> list[str]:
    return [f.text for f in bridge.frames if f.kind == "say"]


def states(bridge: LoopbackBridge) -> list[str]:
    return [e.state for e in bridge.sent if type(e).__name__ == "StateEvent"]


# -- silence ---------------------------------------------------------------------------


async def test_a_silent_caller_is_reprompted_then_the_call_ends_with_no_response() -> None:
    bridge, machine, time, _ = await call(SMOKE, [Step(wait=60)])
    assert says(bridge) == [
        "Hello there.",
        "How old are you?",
        "Sorry, I didn't hear anything.",
        "How old are you?",  # the question again, as for an empty utterance
        "Sorry, I didn't hear anything.",
        "How old are you?",
        "I haven't heard from you, so I'll end the call now. Goodbye.",
    ]
    assert bridge.terminal() == [Frame("end", reason="no_response")]
    assert machine.outcome == {"verb": "end", "reason": "no_response", "delegated": "no"}
    assert time.time() == 15.0  # the default timeout is 5 s: fired at 5, 10 and 15
    assert not any(type(e).__name__ == "UserTextEvent" and not e.text for e in bridge.sent)
    assert machine.metrics.turns == 3  # each silence counts as a turn, as an empty utterance


async def test_silence_is_timed_from_the_end_of_our_speech_and_a_word_resets_the_count() -> None:
    bridge, machine, time, _ = await call(
        SMOKE, [Step(wait=4.9), Step(wait=0.1), "forty two", Step(wait=5)]
    )
    assert says(bridge)[2:] == [
        "Sorry, I didn't hear anything.",
        "How old are you?",
        "Sorry, I didn't hear anything.",
        "Your PIN?",
    ]  # PIN state
    assert machine.node == "secure" and not machine.recording_paused  # resumed at hang-up
    assert bridge.kinds()[-2:] == ["say", "resume"]  # hung up: recording resumed, no verb
    assert bridge.terminal() == []
    assert clock_of(machine) is not None and not clock_of(machine).armed  # type: ignore[union-attr]
    assert time.pending() == 0


async def test_the_worker_reports_state_as_the_platform_does() -> None:
    bridge, _, _, _ = await call(SMOKE, ["forty two", ""])
    assert states(bridge) == [
        *("speaking", "listening"),  # the opening is played
        *("thinking", "listening"),  # a turn: the caller's words, then our reply played
        *("speaking", "listening"),  # the clock's reprompt, said with agent.say
    ]
    assert [type(e).__name__ for e in bridge.sent].count("UserTextEvent") == 1


async def test_no_input_in_a_pii_state_keeps_the_recording_rules() -> None:
    bridge, machine, _, _ = await call(SMOKE, ["forty two", "", "", ""])
    kinds = bridge.kinds()
    # reprompts inside the PIN state stay inside the pause; the closing line is after the resume
    assert kinds[kinds.index("pause") :] == [
        "pause",
        "delta",
        "text.end",
        "say",
        "say",
        "say",
        "say",
        "resume",
        "say",
        "end",
    ]
    assert bridge.terminal() == [Frame("end", reason="no_response")]
    assert not machine.recording_paused


async def test_max_duration_ends_the_call_on_time_with_nobody_speaking() -> None:
    flow = SMOKE + "limits: {max_duration: 12, no_input: 9}\n"
    bridge, machine, time, _ = await call(flow, [Step(wait=600)])
    assert bridge.terminal() == [Frame("end", reason="max_duration")]
    assert says(bridge)[-1] == "I'm sorry, we've run out of time on this call. Goodbye."
    assert says(bridge).count("Sorry, I didn't hear anything.") == 2  # at 5 s and 10 s
    assert time.time() == 12.0  # the worker closed the call at the limit, on time
    assert machine.metrics.turns == 2  # the time limit is not a caller turn


async def test_a_state_can_wait_longer_than_the_flow() -> None:
    flow = SMOKE.replace(
        "collect: [pin], next: done}", "collect: [pin], next: done, no_input_timeout: 20}"
    )
    bridge, _, _, _ = await call(flow, ["forty two", Step(wait=19.5)])
    assert "Sorry, I didn't hear anything." not in says(bridge)


async def test_hang_up_while_the_clock_waits_leaves_no_timer_and_no_task() -> None:
    bridge, machine, time, _ = await call(SMOKE, ["forty two", Step(wait=2)])
    clock = clock_of(machine)
    assert clock is not None and not clock.armed and clock.firing is None
    assert time.pending() == 0 and machine.finished
    assert bridge.terminal() == []


# -- transfers to numbers --------------------------------------------------------------


async def test_a_number_transfer_reaches_the_worker_as_agent_transfer_type_number() -> None:
    bridge, machine, _, _ = await call(HANDOFF, ["connect me to a human"], name="handoff.yaml")
    (verb,) = [v for v in bridge.raw if type(v).__name__ == "AgentTransferVerb"]
    assert (verb.transfer_type, verb.target, verb.mode) == ("number", "+14155550100", "cold")
    assert machine.outcome is not None and machine.outcome["target_kind"] == "number"
    assert bridge.kinds()[-2:] == ["transfer", "text.end"]


async def test_a_number_from_a_slot_is_checked_and_sent_in_e164() -> None:
    bridge, _, _, _ = await call(HANDOFF, ["call me on +44 20 7946 0958"], name="handoff.yaml")
    (t,) = bridge.terminal()
    assert (t.transfer_type, t.target, t.mode, t.announcement) == (
        "number",
        "+442079460958",
        "warm",
        "Caller for the nurse",
    )


async def test_a_number_the_worker_refuses_takes_the_flows_error_path() -> None:
    bridge, machine, _, _ = await call(
        HANDOFF, ["connect me to a human"], refuse=frozenset({"+14155550100"}), name="handoff.yaml"
    )
    assert [f.kind for f in bridge.terminal()] == ["transfer", "end"]  # refused, then ours
    assert says(bridge)[-1] == "The nurse line cannot take calls right now."
    assert bridge.frames[-1] == Frame("end", reason="error")
    assert machine.outcome == {"verb": "end", "reason": "error", "delegated": "no"}
    kinds = [e.kind for e in machine.trace]
    assert kinds.count("error") == 1 and kinds.index("transferred") < kinds.index("error")


async def test_a_refused_number_without_an_error_state_apologises_and_ends() -> None:
    flow = HANDOFF.replace("    on_error: sorry\n", "").split("  sorry:")[0]
    bridge, machine, _, _ = await call(
        flow, ["connect me to a human"], refuse=frozenset({"+14155550100"}), name="handoff.yaml"
    )
    assert says(bridge)[-1] == "I'm sorry, something went wrong on our side."
    assert machine.outcome is not None and machine.outcome["reason"] == "error"


# -- the session's other signals -------------------------------------------------------

FLOWS = Path(__file__).resolve().parents[3] / "flows"


async def test_live_metrics_show_each_turns_model_latency_and_tokens(llm_server: Any) -> None:
    """``session.metrics.live()`` is fed per turn; the SDK's ``llm_call`` hook fires once a call."""
    llm_server.add_rule(state="triage", user="account", reply="Is it about a bill or your plan?")
    flow = superdialog.load(FLOWS / "support_triage.yaml")
    time = VirtualTime()
    bridge = LoopbackBridge(["I'm calling about my account"], time=time)
    session = unpod_session.Session(bridge=bridge)
    hooked: list[Any] = []

    @session.on("llm_call")
    async def _seen(**data: Any) -> None:
        hooked.append(data)

    llm = {"base_url": llm_server.base_url, "api_key": "sk-loopback"}
    machine = attach(session, flow, llm=llm, scheduler=time)
    await machine.start()
    bridge.begin(clock_of(machine))
    await asyncio.wait_for(run_session(session, machine), 10)
    live = session.metrics.live()
    assert live.turns == 1 and machine.metrics.llm_calls == 1
    assert live.llm_p95_ms > 0 and live.active_llm == flow.spec.llm.model
    assert live.tokens.input > 0 and live.tokens.output > 0
    assert len(hooked) == 1  # once per model call: the SDK's own hook, nothing of ours twice
    assert hooked[0]["node_id"] == "triage" and hooked[0]["tokens_out"] > 0


async def test_user_partial_events_restart_the_silence_when_a_worker_sends_them() -> None:
    flow = superdialog.loads(SMOKE, "smoke.yaml")
    time = VirtualTime()
    bridge = LoopbackBridge([], time=time)
    session = unpod_session.Session(bridge=bridge)
    machine = attach(session, flow, scheduler=time)
    await machine.start()
    clock = clock_of(machine)
    assert clock is not None
    await session._hooks.fire("state", unpod_session.StateEvent(state="listening"))
    assert time.next_due() == 5.0
    time.advance_to(3.0)
    await session._hooks.fire("user_partial", "for")  # the caller started to answer
    assert time.next_due() == 8.0 and time.pending() == 1
    await machine.close()
    assert time.pending() == 0


async def test_an_invalid_number_from_a_slot_takes_the_error_path_before_any_verb() -> None:
    flow = HANDOFF.replace("callback: {type: phone,", "callback: {type: digits,")
    bridge, machine, _, _ = await call(
        flow, ["five five five zero one zero zero"], name="handoff.yaml"
    )
    assert bridge.terminal() == [Frame("end", reason="error")]  # no transfer verb was sent
    assert "Connecting you." not in " ".join(bridge.turns())  # failed before anything was said
    (err,) = [e for e in machine.trace if e.kind == "error"]
    assert "555" not in str(err)  # the caller's number is not in the trace


# -- generated calls: silences, waits, barge-ins and hang-ups through the real Session ---


STEPS = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "forty two",
                "twelve",
                "one two three four",
                "",
                "a real person",
                "help",
                "say that again",
            ]
        ),
        st.builds(lambda w: Step(wait=w), st.floats(0.5, 25, allow_nan=False)),
        st.builds(
            lambda t: Step(t, interrupt_after=1, heard="Now"),
            st.sampled_from(["forty two", "one two three four", "a real person"]),
        ),
    ),
    max_size=8,
)
LIMITS = st.sampled_from(
    [
        "",
        "limits: {max_duration: 9, no_input: 3}\n",
        "limits: {no_input: 1, no_input_timeout: 2}\n",
        "limits: {max_duration: 30, no_input: 5, no_input_timeout: 4}\n",
    ]
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=STEPS, limits=LIMITS)
def test_generated_calls_keep_one_ending_and_leave_nothing_behind(
    steps: list[Step | str], limits: str
) -> None:
    asyncio.run(_generated(steps, limits))


async def _generated(steps: list[Step | str], limits: str) -> None:
    before = set(asyncio.all_tasks())
    bridge, machine, time, _ = await call(SMOKE + limits, steps)
    kinds = [f.kind for f in bridge.frames]
    ends = [i for i, k in enumerate(kinds) if k in ("end", "transfer")]
    assert len(ends) <= 1, kinds
    if ends:
        assert set(kinds[ends[0] + 1 :]) <= {"text.end"}, kinds
    control = [k for k in kinds if k in ("pause", "resume")]
    assert all(a != b for a, b in itertools.pairwise(control)), control
    assert not any(type(e).__name__ == "UserTextEvent" and not e.text.strip() for e in bridge.sent)
    clock = clock_of(machine)
    assert clock is not None and not clock.armed and clock.firing is None
    assert time.pending() == 0 and machine.finished and not machine.recording_paused
    await asyncio.sleep(0)
    leaked = [
        t for t in asyncio.all_tasks() - before if t is not asyncio.current_task() and not t.done()
    ]
    assert not leaked, leaked
