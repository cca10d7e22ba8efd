"""A value that fits no branch of a union is reported where it is wrong, in plain words.

Found writing fresh flows: ``choices: {all: {en: [everything, yes]}}`` (an
unquoted ``yes`` is YAML's true) was reported at the ``choices`` key as
``slots.s.choices.dict[str,union[list[str],dict[constrained-str,list[str]]]]:
Input should be a valid list`` — pydantic's union tags, the wrong line — plus a
cascade ``unknown slot 's'`` where the slot was used.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import superdialog

FLOW = """\
flow: f
slots:
  s:
    type: enum
    choices:
      a: {en: [alpha, WORD], es: [alfa]}
      b: [beta]
start: ask
states:
  ask: {collect: [s], next: done}
  done: {say: bye, end: completed}
"""


@pytest.mark.parametrize(
    ("word", "value"),
    [("yes", "true"), ("no", "false"), ("on", "true"), ("off", "false"), ("true", "true")],
)
def test_unquoted_yes_in_choices_is_named_at_its_line(word: str, value: str) -> None:
    with pytest.raises(superdialog.FlowError) as err:
        superdialog.loads(FLOW.replace("WORD", word), name="f.yaml")
    problems = err.value.problems
    assert len(problems) == 1, problems
    p = problems[0]
    assert (p.line, p.column) == (6, 23)  # the word itself
    assert f"unquoted yes/no/on/off/true/false as {value}" in p.message
    assert "[" not in p.message.split(":")[0]  # no pydantic union tags in the place


@given(st.sampled_from(["intents", "prompt", "say"]))
def test_no_union_tag_ever_reaches_a_message(where: str) -> None:
    texts = {
        "intents": FLOW + "intents:\n  x: {phrases: [fine, yes]}\n",
        "prompt": FLOW.replace("    type: enum", "    type: enum\n    prompt: [ask, 3]"),
        "say": FLOW.replace("{say: bye,", "{say: {en: [bye, no]},"),
    }
    with pytest.raises(superdialog.FlowError) as err:
        superdialog.loads(texts[where].replace("WORD", "'w'"), name="f.yaml")
    for p in err.value.problems:
        assert "union[" not in p.message and "function-after" not in p.message, p
        assert "unknown slot" not in p.message, p
