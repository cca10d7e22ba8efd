"""A value that fits no branch of a union is reported where it is wrong, in plain words.

Found writing fresh flows: ``choices: {all: {en: [everything, yes]}}`` (an
unquoted ``yes`` is YAML's true) was reported at the ``choices`` key as
``slots.s.choices.dict[str,union[list[str],dict[constrained-str,list[str]]]]:
Input should be a valid list`` — pydantic's union tags, the wrong line — plus a
cascade ``unknown slot 's'`` where the slot was used.
"""

from __future__ import annotations

from pathlib import Path

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


BASE = """\
flow: f
start: greet
states:
  greet:
    say: hi
    next: done
  done: {say: bye, end: completed}
"""


def test_a_state_key_written_among_the_states_says_indent_it() -> None:
    text = BASE.replace("    next: done", "  next: done")
    with pytest.raises(superdialog.FlowError) as err:
        superdialog.loads(text, name="f.yaml")
    first = err.value.problems[0]
    assert (first.line, first.column) == (6, 9)
    assert "'next' is a key of a state" in first.message
    assert "indent it under the state it belongs to" in first.message


def test_a_state_that_is_a_text_says_what_a_state_is() -> None:
    with pytest.raises(superdialog.FlowError) as err:
        superdialog.loads(BASE + "  other: hello\n", name="f.yaml")
    assert "state 'other' must be a mapping of its keys" in str(err.value)
    assert "not a text" in str(err.value)


def test_a_name_with_spaces_is_explained_without_a_regex() -> None:
    with pytest.raises(superdialog.FlowError) as err:
        superdialog.loads(
            BASE.replace("  done:", "  all done:").replace("next: done", "next: all done"),
            name="f.yaml",
        )
    message = str(err.value)
    assert (
        "'all done' is not a usable name: names are ASCII letters (a-z, A-Z), digits, _ and -"
        in message
    )
    assert "A-Za-z" not in message


def test_a_missing_message_file_is_one_problem(tmp_path: Path) -> None:
    flow = tmp_path / "f.yaml"
    flow.write_text(
        "flow: f\nlanguages: [en, es]\ntranslations: {es: f.es.yaml}\nstart: a\nstates:\n"
        "  a: {say: hi, next: b}\n  b: {say: bye, end: completed}\n",
        encoding="utf-8",
    )
    with pytest.raises(superdialog.FlowError) as err:
        superdialog.load(flow)
    [problem] = err.value.problems
    assert "message file 'f.es.yaml' does not exist" in problem.message


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (
            "flow f\nstart: a\n",
            (1, 1),
            "'flow f' has no ':', so it is not a key (write it as 'flow: f')",
        ),
        (
            BASE.replace("    say: hi", "    say hi"),
            (5, 5),
            "'say hi' has no ':', so it is not a key (write it as 'say: hi')",
        ),
    ],
)
def test_a_key_without_its_colon_is_named_on_its_own_line(
    text: str, where: tuple[int, int], message: str
) -> None:
    # it was "a ': ' inside a value makes it look like a key (put the value in quotes)", one
    # line late: YAML reads 'flow f' and the next line as one text
    with pytest.raises(superdialog.FlowError) as err:
        superdialog.loads(text, name="f.yaml")
    first = err.value.problems[0]
    assert (first.line, first.column) == where
    assert str(first).endswith(message)


def test_an_empty_state_says_it_is_empty() -> None:
    with pytest.raises(superdialog.FlowError) as err:
        superdialog.loads(BASE + "  later:\n", name="f.yaml")
    assert "state 'later' must be a mapping of its keys" in str(err.value)
    assert "not empty (nothing after its ':')" in str(err.value)
