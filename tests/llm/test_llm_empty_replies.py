"""A model that keeps answering nothing: its misses are counted like any state's.

The caller heard "Sorry, I didn't catch that" after every turn, for as long as the call's
turn limit allowed (60 turns), while the model answered only "..." or broken tool calls.
Now each empty answer is a miss of the state: the state's ``retries`` re-ask (the
not-understood lines in turn), then its ``on_fail``, else the flow's ``on_error``, else
the call ends saying it could not understand. A spoken answer starts the count again.
"""

from __future__ import annotations

import pytest

import superdialog
from superdialog.llm import LLMConfig
from superdialog.testing import RecordingSession
from superdialog.testing.llm_server import ScriptedLLMServer

FLOW = """
flow: empty_model
llm: {{model: m}}
start: talk
states:
  talk:
    llm: Help the caller.
    retries: 2
    {on_fail}
    transitions:
      - {{to: done, when: the caller says goodbye}}
  done:
    say: Bye.
    end: completed
{human}"""
HUMAN = """  human:
    say: Let me get someone.
    transfer: {queue: front-desk}
"""


@pytest.mark.parametrize("on_fail", ["on_fail: human", ""])
async def test_a_model_that_keeps_answering_nothing_gives_up_after_the_retries(
    llm_server: ScriptedLLMServer, llm_config: LLMConfig, on_fail: str
) -> None:
    llm_server.add_rule(user="hello", reply="Hi, how can I help?")
    llm_server.add_rule(reply="...")  # everything else, the nudge to say it in words included
    flow = superdialog.loads(FLOW.format(on_fail=on_fail, human=HUMAN if on_fail else ""), "e.yaml")
    session = RecordingSession()
    m = flow.build(session, llm=llm_config)
    await m.start()
    heard = [await m.turn("the weather in Paris") for _ in range(2)]
    assert heard[0].startswith("Sorry, I didn't catch that.")
    assert heard[1] != heard[0] and not m.finished  # the second not-understood line
    assert await m.turn("hello") == "Hi, how can I help?"  # an answer: the count starts again
    heard = [await m.turn("the weather in Paris") for _ in range(3)]
    assert m.finished, heard
    if on_fail:
        assert m.outcome is not None and m.outcome["target"] == "front-desk"
    else:
        assert m.outcome is not None and m.outcome["reason"] == "no_response"
        assert "understand" in heard[-1]  # its last words say why, not "I haven't heard you"
