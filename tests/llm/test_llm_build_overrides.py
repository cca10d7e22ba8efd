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
