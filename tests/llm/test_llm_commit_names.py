"""When is a streamed tool call's name known complete? (``ToolCallAssembler.named``)

A transition whose tool takes no arguments is decided by the tool's name, so
the runtime acts on :class:`ToolNamed` before the response ends. That is only
safe if the name reported is the call's name: never a piece of a longer name,
never a name the finished :class:`ToolCall` contradicts. Endpoints stream names
in different shapes (OpenAI: whole, with an empty ``arguments``; some: in
pieces; some: the whole name again in every delta; some: the whole call in one
delta), and a response may hold text, several calls, names we never offered
and arguments that do not parse. Every chunking here goes through the real
chunk reader (``read_chunk``) and assembler, as the client feeds them.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from superdialog.llm.assemble import ToolCallAssembler, read_chunk
from superdialog.llm.events import ToolCall, ToolNamed

OFFERED = frozenset({"goto_s1", "goto_s10", "goto_s2", "goto_status", "goto_status_2"})
NAMES = [*sorted(OFFERED), "goto_s", "goto_s2x", "lookup", "goto_"]
ARGUMENTS = ["{}", '{"order": "12345"}', "", '{"order": ', "not json", "[1, 2]", "{   }"]
STYLES = ("openai", "pieces", "repeat", "whole", "pieces_with_empty_arguments")
"""How an endpoint streams one call:

* ``openai``: the whole name with ``arguments: ""``, then the arguments in pieces;
* ``pieces``: the name in pieces (no ``arguments`` field), then the arguments;
* ``repeat``: the whole name in every delta, with the argument pieces;
* ``whole``: name and all the arguments in one delta;
* ``pieces_with_empty_arguments``: name pieces that each carry ``arguments: ""``.
"""


@dataclass(frozen=True)
class Planned:
    name: str
    arguments: str
    style: str
    name_cuts: tuple[int, ...]
    argument_cuts: tuple[int, ...]


def split(text: str, cuts: tuple[int, ...]) -> list[str]:
    points = sorted({c for c in cuts if 0 < c < len(text)})
    bounds = [0, *points, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def fragments(index: int, call: Planned, with_index: bool) -> list[dict[str, Any]]:
    """The ``tool_calls`` entries that stream ``call``, one per delta."""
    head: dict[str, Any] = {"id": f"call_{index}", "type": "function"}
    if with_index:
        head["index"] = index
    more: dict[str, Any] = {"index": index} if with_index else {}
    names = split(call.name, call.name_cuts) or [call.name]
    args = split(call.arguments, call.argument_cuts)
    if call.style == "openai":
        out = [{**head, "function": {"name": call.name, "arguments": ""}}]
        out += [{**more, "function": {"arguments": a}} for a in args]
    elif call.style == "pieces":
        out = [{**head, "function": {"name": names[0]}}]
        out += [{**more, "function": {"name": n}} for n in names[1:]]
        out += [{**more, "function": {"arguments": a}} for a in args]
    elif call.style == "repeat":
        out = [{**head, "function": {"name": call.name, "arguments": a}} for a in args or [""]]
    elif call.style == "whole":
        out = [{**head, "function": {"name": call.name, "arguments": call.arguments}}]
    else:
        out = [{**head, "function": {"name": names[0], "arguments": ""}}]
        out += [{**more, "function": {"name": n, "arguments": ""}} for n in names[1:]]
        out += [{**more, "function": {"arguments": a}} for a in args]
    if not with_index:
        out[0]["id"] = f"call_{index}"  # without an index, a new id starts a new call
    return out


def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {"id": "c", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


planned = st.builds(
    Planned,
    name=st.sampled_from(NAMES),
    arguments=st.sampled_from(ARGUMENTS),
    style=st.sampled_from(STYLES),
    name_cuts=st.lists(st.integers(1, 12), max_size=3).map(tuple),
    argument_cuts=st.lists(st.integers(1, 16), max_size=4).map(tuple),
)


@dataclass
class Run:
    named: list[tuple[int, ToolNamed]]  # (position of the chunk that revealed it, event)
    calls: list[ToolCall]
    starts: list[int]  # position of the chunk where each call's first fragment is


def stream(
    text: str, calls: list[Planned], with_index: bool, group: int, offered: frozenset[str]
) -> Run:
    """Feed the response through read_chunk and the assembler, chunk by chunk."""
    chunks: list[dict[str, Any]] = [chunk({"role": "assistant", "content": ""})]
    chunks += [chunk({"content": piece}) for piece in split(text, (3, 7))]
    starts: list[int] = []
    for index, call in enumerate(calls):
        entries = fragments(index, call, with_index)
        for at in range(0, len(entries), group):
            if at == 0:
                starts.append(len(chunks))
            chunks.append(chunk({"tool_calls": entries[at : at + group]}))
    chunks.append(chunk({}, "tool_calls" if calls else "stop"))
    assembler = ToolCallAssembler(offered)
    run = Run([], [], starts)
    for position, raw in enumerate(chunks):
        view = read_chunk(json.loads(json.dumps(raw)))
        for fragment in view.fragments:
            assembler.add(fragment)
        run.named += [(position, n) for n in assembler.named()]
        if view.finish_reason is not None:
            run.calls = assembler.finish()
    return run


@settings(max_examples=400, deadline=None)
@given(
    text=st.sampled_from(["", "Sure, one moment."]),
    calls=st.lists(planned, min_size=0, max_size=3),
    with_index=st.booleans(),
    group=st.integers(1, 3),
)
def test_a_reported_name_is_the_name_of_the_finished_call(
    text: str, calls: list[Planned], with_index: bool, group: int
) -> None:
    run = stream(text, calls, with_index, group, OFFERED)
    assert len(run.calls) == len(calls)
    reported = [n.index for _, n in run.named]
    assert len(reported) == len(set(reported))  # once per call
    for _, named in run.named:
        assert run.calls[named.index].name == named.name  # never contradicted
        assert named.id == run.calls[named.index].id
    for index, call in enumerate(calls):
        if call.style != "pieces_with_empty_arguments":
            assert run.calls[index].name == call.name  # pieces joined, repeats not doubled
    # a call's name is known by the time the next call starts
    for index in range(len(calls) - 1):
        when = {n.index: at for at, n in run.named}
        assert index in when and when[index] <= run.starts[index + 1]


@settings(max_examples=200, deadline=None)
@given(calls=st.lists(planned, min_size=1, max_size=2), with_index=st.booleans())
def test_a_name_an_offered_name_extends_waits_for_proof(
    calls: list[Planned], with_index: bool
) -> None:
    """``goto_s1`` is not reported while it could still be the start of ``goto_s10``."""
    run = stream("", calls, with_index, 1, OFFERED)
    for at, named in run.named:
        call = calls[named.index]
        longer = any(o != named.name and o.startswith(named.name) for o in OFFERED)
        if longer and at == run.starts[named.index]:
            # reported from its first delta alone only when that delta also proves it
            # (the whole call, or the arguments in the same delta)
            assert call.style in ("whole", "repeat") and call.arguments != ""


def test_openai_shape_is_known_at_the_first_delta() -> None:
    call = Planned("goto_s2", "{}", "openai", (), ())
    run = stream("", [call], True, 1, OFFERED)
    assert [(at, n.name) for at, n in run.named] == [(run.starts[0], "goto_s2")]


def test_a_prefix_with_empty_arguments_is_not_taken_for_the_name() -> None:
    """``goto_s1`` + ``0``, each delta with ``arguments: ""``: the call is ``goto_s10``."""
    call = Planned("goto_s10", "{}", "pieces_with_empty_arguments", (7,), ())
    run = stream("", [call], True, 1, OFFERED)
    assert [n.name for _, n in run.named] == ["goto_s10"]
    assert run.calls[0].name == "goto_s10" and run.calls[0].error is None


def test_a_name_in_pieces_is_reported_whole_once_the_arguments_start() -> None:
    call = Planned("goto_status_2", '{"order": "12345"}', "pieces", (3, 8), (4,))
    run = stream("", [call], True, 1, OFFERED)
    ((at, named),) = run.named
    assert named.name == "goto_status_2" and at == run.starts[0] + 3  # after its 3 pieces


def test_without_offered_tools_the_openai_shape_is_trusted() -> None:
    call = Planned("anything", "{}", "openai", (), ())
    run = stream("", [call], True, 1, frozenset())
    assert [n.name for _, n in run.named] == ["anything"]


def test_a_nameless_call_is_never_reported() -> None:
    assembler = ToolCallAssembler(OFFERED)
    view = read_chunk(chunk({"tool_calls": [{"index": 0, "function": {"arguments": "{}"}}]}))
    for fragment in view.fragments:
        assembler.add(fragment)
    assert assembler.named() == []
    assert assembler.finish()[0].error == "tool call has no function name"
