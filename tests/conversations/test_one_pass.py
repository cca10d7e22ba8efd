"""A test file's problems come all at once, each where it is written.

They used to come in rounds: a turn with two actions hid every check against
the flow, a repeated conversation name came only once the rest was fixed (at
1:1), and ``turns: []`` - a test that checks nothing - passed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from superdialog.errors import FlowError
from superdialog.testing.conversation_spec import load_test_file

FLOW = """\
flow: tiny
slots:
  n: {type: number}
start: ask
states:
  ask: {collect: [n], next: done}
  done: {say: bye, end: completed}
"""

TURNS = {
    "good": ('{user: "3", state: done}', None),
    "typo": ('{user: "3", stat: done}', "unknown key 'stat'"),
    "two actions": ('{user: "3", silence: true}', "a turn needs exactly one of"),
    "unknown state": ('{user: "3", state: dnoe}', "unknown state 'dnoe'"),
    "unknown slot": ('{user: "3", slots: {m: 3}}', "unknown slot 'm'"),
}


@st.composite
def _files(draw: st.DrawFn) -> tuple[str, set[tuple[int, str]]]:
    """A test file with faults anywhere, and the (line, message start) each must give."""
    lines = ["flow: tiny.yaml", "conversations:"]
    expected: set[tuple[int, str]] = set()
    seen: set[str] = set()
    for _ in range(draw(st.integers(1, 5))):
        name = draw(st.sampled_from(["a", "b", "c", "d"]))
        lines.append(f"  - name: {name}")
        if name in seen:
            expected.add((len(lines), "two conversations are named"))
        seen.add(name)
        kinds = draw(st.lists(st.sampled_from(sorted(TURNS)), max_size=4))
        if not kinds:
            lines.append("    turns: []")
            expected.add((len(lines), "a conversation with no turns"))
            continue
        lines.append("    turns:")
        for kind in kinds:
            text, message = TURNS[kind]
            lines.append(f"      - {text}")
            if message is not None:
                expected.add((len(lines), message))
    return "\n".join(lines) + "\n", expected


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("one_pass")
    (path / "tiny.yaml").write_text(FLOW, encoding="utf-8")
    return path


def _reported(folder: Path, text: str) -> set[tuple[int, str]]:
    test_file = folder / "t.test.yaml"
    test_file.write_text(text, encoding="utf-8")
    try:
        load_test_file(test_file)
    except FlowError as exc:
        return {(p.line, p.message) for p in exc.problems}
    return set()


@settings(
    derandomize=True,
    deadline=None,
    max_examples=120,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(_files())
def test_every_problem_is_reported_in_one_pass_at_its_line(
    folder: Path, case: tuple[str, set[tuple[int, str]]]
) -> None:
    text, expected = case
    reported = _reported(folder, text)
    matched = {
        (line, start)
        for line, start in expected
        for got_line, message in reported
        if got_line == line and start in message
    }
    assert matched == expected, (text, sorted(reported))
    assert len(reported) == len(expected), (text, sorted(reported))


def test_a_repeated_name_points_at_the_repeat_and_the_first(folder: Path) -> None:
    text = (
        "flow: tiny.yaml\nconversations:\n"
        "  - name: books\n    turns: [{user: '3'}]\n"
        "  - name: books\n    turns: [{user: '4'}]\n"
    )
    (folder / "t.test.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(FlowError) as caught:
        load_test_file(folder / "t.test.yaml")
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (5, 11)
    assert problem.hint is not None and "line 3" in problem.hint


def test_a_conversation_with_only_an_opening_check_is_a_test(folder: Path) -> None:
    text = "flow: tiny.yaml\nconversations:\n  - name: opens\n    start: {state: ask}\n"
    assert _reported(folder, text) == set()
    bare = "flow: tiny.yaml\nconversations:\n  - name: nothing\n"
    assert [m for _, m in _reported(folder, bare)] == [
        "this conversation checks nothing: it has no turns, start: or outcome:"
    ]
