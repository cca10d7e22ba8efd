"""``build(llm=...)``: per-call model settings are checked when the call is built.

A misspelt setting used to pass ``build`` and fail at the call's first model request,
mid-call, as the error path (an apology and a transfer); an ``LLMConfig`` — our own type —
failed the same way ("'LLMConfig' object is not iterable").
"""

from __future__ import annotations

import re

import pytest

import superdialog
from superdialog.llm import LLMConfig
from superdialog.testing import RecordingSession
from superdialog.testing.llm_server import ScriptedLLMServer

FLOW = """
flow: overrides
llm: {model: gpt-4.1-mini}
start: talk
states:
  talk:
    llm: Answer in one short sentence.
    transitions:
      - {to: done, when: the caller says goodbye}
  done:
    say: Bye.
    end: completed
"""


@pytest.mark.parametrize(
    ("llm", "message"),
    [
        ({"base_ur": "http://x/v1"}, "unknown setting 'base_ur' (did you mean 'base_url'?)"),
        ({"nonsense": 1}, "unknown setting 'nonsense'; known: model, base_url"),
        ({"retries": -1}, "LLMConfig.retries must be >= 0"),
        (["model", "x"], "llm= takes a mapping or an LLMConfig, not list"),
    ],
)
def test_a_wrong_setting_fails_when_the_call_is_built(llm: object, message: str) -> None:
    flow = superdialog.loads(FLOW, "overrides.yaml")
    with pytest.raises((TypeError, ValueError), match=re.escape(message)):
        flow.build(RecordingSession(), llm=llm)  # type: ignore[arg-type]


async def test_an_llm_config_is_a_whole_set_of_settings(
    llm_server: ScriptedLLMServer, llm_config: LLMConfig
) -> None:
    llm_server.add_rule(user="hello", reply="Hello there.")
    m = superdialog.loads(FLOW, "overrides.yaml").build(RecordingSession(), llm=llm_config)
    await m.start()
    assert await m.turn("hello") == "Hello there."
    assert llm_server.chat_requests[-1].body["model"] == "scripted-model"


async def test_the_calls_settings_follow_what_they_are_made_of(
    llm_server: ScriptedLLMServer, llm_config: LLMConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The config is made once per call, and again when a part of it changes: set_llm,
    an environment variable the flow reads."""
    llm_server.add_rule(reply="Sure.")
    text = FLOW.replace("{model: gpt-4.1-mini}", "{model: gpt-4.1-mini, api_key_env: SD_TEST_KEY}")
    flow = superdialog.loads(text, "o.yaml")
    overrides = {"base_url": llm_config.base_url, "api_key": None}
    m = flow.build(RecordingSession(), llm={k: v for k, v in overrides.items() if v})
    await m.start()
    monkeypatch.setenv("SD_TEST_KEY", "sk-first")
    await m.turn("hello")
    assert llm_server.chat_requests[-1].headers["authorization"] == "Bearer sk-first"
    assert llm_server.chat_requests[-1].body["model"] == "gpt-4.1-mini"
    monkeypatch.setenv("SD_TEST_KEY", "sk-second")  # a key rotated: this call, the next one
    await m.turn("what are your opening hours")
    assert llm_server.chat_requests[-1].headers["authorization"] == "Bearer sk-second"
    other = flow.build(RecordingSession(), llm={k: v for k, v in overrides.items() if v})
    await other.start()
    assert llm_server.chat_requests[-1].headers["authorization"] == "Bearer sk-second"
    m.set_llm("other-model")
    await m.turn("and on sundays")
    assert llm_server.chat_requests[-1].body["model"] == "other-model"
