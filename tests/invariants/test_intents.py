"""Global intents (built-in and custom), per-state overrides, and silence, via the real Session.

Intents are matched by phrases, deterministically: none of these turns may
reach the model, which the scripted server proves by recording no request.
"""

from __future__ import annotations

import pytest

import superdialog
from superdialog.testing.frames import Frame
from superdialog.testing.llm_server import ScriptedLLMServer
from superdialog_unpod.testing import Step

from .harness import check_invariants, run_call

INTENTS = """
flow: intents
start: greet
persona: "You are Kim."
slots:
  city: {type: text, prompt: "Which city?"}
  pin: {type: digits, pii: true, min_length: 4, max_length: 4, prompt: "Your PIN?"}
intents:
  human: {phrases: [a manager]}
  complaint: {phrases: [make a complaint, file a complaint]}
global:
  - {intent: human, goto: agent}
  - {intent: goodbye, goto: bye}
  - {intent: start_over, goto: greet}
  - {intent: complaint, goto: complaints}
limits: {no_input: 3}
messages: {help: "You can ask for a person at any time."}
states:
  greet: {say: "Hi, this is Kim.", next: chat}
  chat:
    llm: Chat with the caller.
    transitions:
      - {when: the caller wants to give their city, to: where}
  where: {collect: [city], next: secure}
  secure:
    pii: true
    say: "Not recorded."
    collect: [pin]
    next: done
    global:
      - {intent: human, say: "Not while we take your PIN."}
    disable_global: [goodbye]
  done: {say: "Done.", end: completed}
  complaints: {say: "I'm sorry to hear that.", transfer: {queue: complaints}}
  agent: {say: "Let me get a colleague.", transfer: {queue: humans}}
  bye: {say: "Bye!", end: completed}
"""
TO_WHERE = "I want to give you my city"  # the model moves chat -> where
TO_SECURE = [TO_WHERE, "Paris"]


@pytest.fixture
def model(server: ScriptedLLMServer) -> ScriptedLLMServer:
    server.add_rule(state="chat", user="city", reply="Sure.", goto="where")
    server.add_rule(state="chat", reply="Happy to chat. What's on your mind?")
    return server


async def call(server: ScriptedLLMServer, steps: list[Step | str], text: str = INTENTS
               ):  # type: ignore[no-untyped-def]
    c = await run_call(superdialog.loads(text, "intents.yaml"), steps, server=server,
                       llm={"base_url": server.base_url, "api_key": "x", "retries": 0})
    assert check_invariants(c) == []
    return c


def model_calls(c) -> int:  # type: ignore[no-untyped-def]
    return len(c.requests)


@pytest.mark.parametrize("said", ["can I talk to a person", "operator please",
                                  "I want a real human", "get me a manager"])
async def test_human_transfers_without_a_model_call(model: ScriptedLLMServer, said: str) -> None:
    c = await call(model, [said])
    assert c.kinds() == ["say", "delta", "transfer", "text.end"]
    assert c.turns() == ["Let me get a colleague."]
    assert model_calls(c) == 0


@pytest.mark.parametrize("said", ["bye", "ok goodbye", "that's all thanks"])
async def test_goodbye_ends_without_a_model_call(model: ScriptedLLMServer, said: str) -> None:
    c = await call(model, [said])
    assert c.bridge.terminal() == [Frame("end", reason="completed")]
    assert c.turns() == ["Bye!"]
    assert model_calls(c) == 0


async def test_phrases_match_whole_words_only(model: ScriptedLLMServer) -> None:
    c = await call(model, ["I live near Byers street"])  # not "bye"
    assert c.turns() == ["Happy to chat. What's on your mind?"]
    assert model_calls(c) == 1


async def test_repeat_says_the_last_agent_utterance_again_without_a_model_call(
    model: ScriptedLLMServer,
) -> None:
    c = await call(model, ["hello there", "sorry, say that again", "pardon?"])
    assert c.turns() == ["Happy to chat. What's on your mind?"] * 3
    assert model_calls(c) == 1  # only the first turn reached the model


async def test_repeat_of_the_opening_line(model: ScriptedLLMServer) -> None:
    c = await call(model, ["what did you say"])
    assert c.turns() == ["Hi, this is Kim."]
    assert model_calls(c) == 0


async def test_repeat_in_a_pii_state_repeats_the_pii_prompt_still_paused(
    model: ScriptedLLMServer,
) -> None:
    c = await call(model, [*TO_SECURE, "could you repeat that"])
    assert c.turns()[-1] == c.turns()[-2] == "Not recorded. Your PIN?"
    assert c.kinds()[-2:] == ["text.end", "resume"]  # paused throughout, resumed at hang-up


async def test_start_over_goes_back_to_the_start_and_forgets_slots(
    model: ScriptedLLMServer,
) -> None:
    c = await call(model, [TO_WHERE, "let's start over"])
    assert c.turns() == ["Sure. Which city?", "Hi, this is Kim."]
    assert c.machine.node == "chat" and c.machine.slots == {}


async def test_start_over_from_a_pii_state_resumes_first(model: ScriptedLLMServer) -> None:
    c = await call(model, [*TO_SECURE, "can we start again"])
    assert c.kinds()[-4:] == ["text.end", "resume", "delta", "text.end"]
    assert c.turns()[-1] == "Hi, this is Kim."
    assert c.machine.slots == {}


async def test_help_says_the_help_line_then_asks_again(model: ScriptedLLMServer) -> None:
    c = await call(model, [TO_WHERE, "help"])
    assert c.turns()[-1] == "You can ask for a person at any time. Which city?"
    assert c.machine.node == "where"


async def test_custom_global_intent_with_phrases(model: ScriptedLLMServer) -> None:
    c = await call(model, [TO_WHERE, "I'd like to file a complaint"])
    assert c.bridge.terminal() == [Frame("transfer", target="complaints",
                                         transfer_type="human", mode="cold")]
    assert model_calls(c) == 1


async def test_per_state_override_replaces_the_flow_rule(model: ScriptedLLMServer) -> None:
    c = await call(model, [*TO_SECURE, "operator", "one two three four"])
    assert c.turns()[-2] == "Not while we take your PIN."  # said, stayed, still paused
    assert c.kinds().count("pause") == 1
    assert c.bridge.terminal() == [Frame("end", reason="completed")]


async def test_disable_global_turns_an_intent_off_in_one_state(model: ScriptedLLMServer) -> None:
    c = await call(model, [*TO_SECURE, "bye", "one two three four"])
    assert c.turns()[-2] == "Sorry, I didn't catch that. Your PIN?"  # not a goodbye here
    assert c.turns()[-1] == "Done."


async def test_other_globals_stay_active_where_one_is_disabled(model: ScriptedLLMServer) -> None:
    c = await call(model, [*TO_SECURE, "I want to make a complaint"])
    assert c.kinds()[-4:] == ["resume", "delta", "transfer", "text.end"]


# ------------------------------------------------------------------ silence


@pytest.mark.parametrize("silence", ["", " ", "\t", "  \n "])
async def test_empty_or_whitespace_turns_are_no_input(model: ScriptedLLMServer,
                                                      silence: str) -> None:
    c = await call(model, [TO_WHERE, silence])
    assert c.turns()[-1] == "Sorry, I didn't hear anything. Which city?"


async def test_silence_reprompts_then_ends_with_no_response(model: ScriptedLLMServer) -> None:
    c = await call(model, [TO_WHERE, "", "", ""])
    assert c.turns()[1:] == ["Sorry, I didn't hear anything. Which city?"] * 2 + [
        "I haven't heard from you, so I'll end the call now. Goodbye."]
    assert c.bridge.terminal() == [Frame("end", reason="no_response")]


async def test_silence_counts_only_in_a_row(model: ScriptedLLMServer) -> None:
    c = await call(model, [TO_WHERE, "", "", "Paris", "", "", "one two three four"])
    # four silent turns, never three in a row: the call completes
    assert c.bridge.terminal() == [Frame("end", reason="completed")]
    assert c.turns()[-3:] == ["Sorry, I didn't hear anything. Your PIN?"] * 2 + ["Done."]


async def test_silence_in_an_llm_state_never_calls_the_model(model: ScriptedLLMServer) -> None:
    c = await call(model, ["", ""])
    assert model_calls(c) == 0
    assert c.turns() == ["Sorry, I didn't hear anything."] * 2
