"""Every edge the model may be offered has a tool name OpenAI accepts, unique in its state."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import superdialog
from superdialog.compile.compiler import MAX_TOOL_NAME, tool_name
from superdialog.llm import aclose_clients
from superdialog.testing import RecordingSession, ScriptedLLMServer

VALID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")

A, B = "a" * 64, "b" * 64  # state names are at most 64 characters; sub-flows join them
C1, C2 = "c" * 63 + "1", "c" * 63 + "2"


def test_short_names_read_as_before() -> None:
    assert tool_name("details") == "goto_details"
    assert tool_name("use.sub-state") == "goto_use_sub-state"
    assert tool_name("details", {"goto_details"}) == "goto_details_2"
    assert tool_name("details", {"goto_details", "goto_details_2"}) == "goto_details_3"


def test_a_200_character_target_is_cut_with_a_stable_distinct_suffix() -> None:
    one, two = f"{A}.{B}.{C1}", f"{A}.{B}.{C2}"  # 194 characters, differ at the very end
    first, second = tool_name(one), tool_name(two)
    for name in (first, second):
        assert VALID.match(name) and len(name) == MAX_TOOL_NAME
        assert name.startswith("goto_aaaa")
    assert first != second
    assert tool_name(one) == first  # stable across loads and processes (SHA-1, not hash())
    again = tool_name(one, {first})
    assert again != first and VALID.match(again) and again.endswith("_2")


@given(st.text(min_size=1, max_size=300), st.sets(st.text(max_size=70), max_size=5))
def test_any_target_gives_a_valid_name_not_taken(target: str, taken: set[str]) -> None:
    taken |= {tool_name(target)}
    name = tool_name(target, taken)
    assert VALID.match(name), name
    assert name not in taken


def _write_nested(tmp_path: Path) -> Path:
    """main → A (sub-flow) → B (sub-flow) → an LLM state whose edges target 194-char names."""
    (tmp_path / "inner.yaml").write_text(
        "flow: inner\nstart: chat\nstates:\n"
        "  chat:\n    llm: Help.\n    transitions:\n"
        f"      - {{when: the caller is done, to: {C1}}}\n"
        f"      - {{when: the caller wants more, to: {C2}}}\n"
        f"      - {{when: the caller is really done, to: {C1}}}\n"
        f"      - {{to: {C2}}}\n"
        f"    next: {C1}\n"
        f"  {C1}: {{say: One., end: completed}}\n"
        f"  {C2}: {{say: Two., end: completed}}\n",
        encoding="utf-8",
    )
    (tmp_path / "middle.yaml").write_text(
        f"flow: middle\nstart: {B}\nstates:\n  {B}: {{use: inner.yaml, next: fin}}\n"
        "  fin: {say: Done., end: completed}\n",
        encoding="utf-8",
    )
    main = tmp_path / "main.yaml"
    main.write_text(
        f"flow: main\nstart: {A}\nstates:\n  {A}: {{use: middle.yaml, next: bye}}\n"
        "  bye: {say: Bye., end: completed}\n",
        encoding="utf-8",
    )
    return main


def test_every_model_edge_of_an_llm_state_is_named(tmp_path: Path) -> None:
    flow = superdialog.load(_write_nested(tmp_path))
    state = flow.states[f"{A}.{B}.chat"]
    offered = [e for e in state.edges if e.kind in ("when", "else")] + [state.next_edge]
    names = [e.tool_name for e in offered if e is not None]
    assert len(names) == 5 and len(set(names)) == 5
    assert all(n is not None and VALID.match(n) for n in names), names
    # the same flow compiles to the same names
    superdialog.compile.compiled._CACHE.clear()
    again = superdialog.load(tmp_path / "main.yaml").states[f"{A}.{B}.chat"]
    assert [e.tool_name for e in again.edges] == [e.tool_name for e in state.edges]


def test_edges_outside_llm_states_offer_no_tools() -> None:
    flow = superdialog.loads(
        "flow: t\nstart: a\nstates:\n  a: {say: Hi., transitions: [{to: b}]}\n"
        "  b: {say: Bye., end: completed}\n"
    )
    assert all(e.tool_name is None for e in flow.edges)


@pytest.fixture
async def server():  # type: ignore[no-untyped-def]
    async with ScriptedLLMServer() as srv:
        yield srv
    await aclose_clients()


async def test_the_model_is_offered_only_valid_names_and_can_take_them(
    tmp_path: Path, server: ScriptedLLMServer
) -> None:
    flow = superdialog.load(_write_nested(tmp_path))
    chat = flow.states[f"{A}.{B}.chat"]
    wants_more = next(e for e in chat.edges if e.dst.endswith(C2) and e.kind == "when")
    server.add_rule(tool={"name": wants_more.tool_name, "arguments": {}})
    session = RecordingSession()
    machine = flow.build(session, llm={"base_url": server.base_url, "api_key": "t"})
    events: list[object] = []
    machine.on_event(events.append)
    await machine.start()
    [c async for c in machine.stream("I want more")]
    offered = [name for r in server.requests for name in r.tool_names]
    assert offered and all(VALID.match(n) for n in offered), offered
    assert machine.outcome is not None and machine.outcome.get("reason") == "completed"
    assert any(f"{A}.{B}.{C2}" in repr(e) for e in events)  # the model's choice was taken
