"""Tool calls a model wrote as text are read as calls and never spoken.

Properties over generated replies: speech that does not look like markup passes
through whole and in order, however it is cut into chunks; a call written in
any of the models' markups (Hermes ``<tool_call>``, Mistral ``[TOOL_CALLS]``,
Llama ``<|python_tag|>`` and ``<function=...>``, a bare JSON reply, a code
block), cut anywhere, gives that call and no speech from the markup on. End to
end: an LLM state moves on such a reply through the real client, and the caller
hears no JSON.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import superdialog
from superdialog.llm.events import TextDelta, ToolCall
from superdialog.llm.text_calls import TextCalls
from superdialog.testing import RecordingSession, ScriptedLLMServer

OFFERED = frozenset({"goto_done", "set_slots"})


def run(pieces: list[str], offered: frozenset[str] | None = OFFERED) -> tuple[str, list[ToolCall]]:
    reader = TextCalls(offered)
    events: list[TextDelta | ToolCall] = []
    for piece in pieces:
        events += reader.feed(piece)
    events += reader.finish()
    speech = "".join(e.text for e in events if isinstance(e, TextDelta))
    return speech, [e for e in events if isinstance(e, ToolCall)]


def cut(text: str, points: list[int]) -> list[str]:
    marks = sorted({p % (len(text) + 1) for p in points} | {0, len(text)})
    return [text[a:b] for a, b in itertools.pairwise(marks)]


_SPEECH = st.text(
    st.characters(codec="utf-8", exclude_characters="<[{`"), min_size=1, max_size=80
).filter(lambda t: t.strip() != "")


@settings(max_examples=300, deadline=None)
@given(_SPEECH, st.lists(st.integers(0, 200), max_size=6))
def test_speech_passes_through_whole_however_it_is_cut(text: str, points: list[int]) -> None:
    assert run(cut(text, points)) == (text, [])


@settings(max_examples=200, deadline=None)
@given(_SPEECH, st.lists(st.integers(0, 200), max_size=6))
def test_speech_with_brackets_later_on_is_still_spoken(text: str, points: list[int]) -> None:
    said = "Okay " + text + " [press 1] or <say> {yes}"
    assert run(cut(said, points)) == (said, [])


def _markups(name: str, args: dict[str, Any]) -> list[str]:
    body = json.dumps({"name": name, "arguments": args})
    return [
        f"<tool_call>\n{body}\n</tool_call>",
        f"[TOOL_CALLS] [{body}]",
        f"<|python_tag|>{json.dumps({'name': name, 'parameters': args})}<|eom_id|>",
        f"<function={name}>{json.dumps(args)}</function>",
        body,
        f"```json\n{body}\n```",
        json.dumps([{"type": "function", "function": {"name": name, "arguments": args}}]),
    ]


_ARGS = st.dictionaries(
    st.sampled_from(["day", "party_size", "note"]), st.text(max_size=12), max_size=3
)


@settings(max_examples=300, deadline=None)
@given(
    which=st.integers(0, 6),
    args=_ARGS,
    before=st.sampled_from(["", "  ", "Sure, one moment. "]),
    points=st.lists(st.integers(0, 400), max_size=8),
)
def test_a_call_written_as_text_is_a_call_and_is_not_spoken(
    which: int, args: dict[str, Any], before: str, points: list[int]
) -> None:
    markup = _markups("goto_done", args)[which]
    if before.strip() and which >= 4:  # a bare JSON reply counts only as the whole reply
        before = ""
    speech, calls = run(cut(before + markup, points))
    assert speech.strip() == before.strip()  # the speech before the markup, nothing of it
    assert [(c.name, c.arguments, c.error) for c in calls] == [("goto_done", args, None)]


def test_a_tool_that_was_not_offered_is_an_unusable_call() -> None:
    _speech, calls = run(['<tool_call>{"name": "transfer_now", "arguments": {}}</tool_call>'])
    assert len(calls) == 1 and calls[0].error is not None


def test_without_tools_everything_is_speech() -> None:
    text = '<tool_call>{"name": "goto_done", "arguments": {}}</tool_call>'
    assert run([text], offered=None) == (text, [])


def test_markup_that_holds_no_call_is_not_spoken_either() -> None:
    assert run(["<tool_call>not json at all</tool_call>"]) == ("", [])
    assert run(['{"name": ' + "[" * 5000]) == ("", [])  # deep: refused without recursion


FLOW = """
flow: text_calls
start: chat
states:
  chat:
    llm: Find out what the caller needs.
    transitions:
      - {when: the caller is done, to: done}
  done: {say: "Thanks, goodbye.", end: completed}
"""


@pytest.mark.parametrize("which", range(7))
async def test_an_llm_state_moves_on_a_call_written_as_text(
    llm_server: ScriptedLLMServer, which: int
) -> None:
    llm_server.add_rule(state="chat", reply=_markups("goto_done", {})[which])
    flow = superdialog.loads(FLOW, "text_calls.yaml")
    machine = flow.build(RecordingSession(), llm={"base_url": llm_server.base_url, "api_key": "t"})
    await machine.start()
    heard = await machine.turn("that's all, thanks")
    assert heard == "Thanks, goodbye."
    assert machine.node == "done"


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet='<>[]{}"`:,| tool_calTOLCSpyhngfuneis=0123abc\n', max_size=300),
    st.lists(st.integers(0, 400), max_size=8),
)
def test_any_text_is_speech_or_calls_and_never_an_error(text: str, points: list[int]) -> None:
    speech, calls = run(cut(text, points))
    assert text.startswith(speech) or text.lstrip().startswith(speech.lstrip())
    for call in calls:
        assert call.error is not None or isinstance(call.arguments, dict)
