"""A call's path on the diagram: numbered steps, highlighted states, no PII."""

from __future__ import annotations

import itertools
import json

import pytest

import superdialog
from superdialog.errors import RenderError
from superdialog.flow import Flow
from superdialog.render import call_path, flow_dot, flow_mermaid, render, render_to_file
from superdialog.render.style import PATH

from .conftest import FLOWS, SVG, parse_svg

CANARY_CARD = "4111 1111 1111 1111"
CANARY_WORDS = "my secret answer is pineapple"


def state(src: str | None, dst: str, edge: str | None, via: str) -> dict[str, object]:
    return {"kind": "state", "src": src, "dst": dst, "edge": edge, "via": via}


def dental_trace() -> dict[str, object]:
    """What a real call of dental_booking records: start over, then ask for a person."""
    return {"flow": "dental_booking", "events": [
        state(None, "greet", None, "start"),
        {"kind": "spoke", "text": "Hi, this is Alex.", "state": "greet", "interrupted": False},
        {"kind": "slot", "slot": "wants_booking", "shown": "True", "state": "greet",
         "confirmed": False},
        state("greet", "details", "greet->details", "if"),
        {"kind": "slot", "slot": "patient_name", "shown": CANARY_WORDS, "state": "details",
         "confirmed": False},
        state("details", "greet", "global:start_over", "global:start_over"),
        state("greet", "details", "greet->details", "if"),
        {"kind": "slot", "slot": "card_number", "shown": CANARY_CARD, "state": "details",
         "confirmed": False},
        {"kind": "spoke", "text": f"I heard {CANARY_CARD}", "state": "details",
         "interrupted": False},
        state("details", "handoff", "global:human", "global:human"),
        {"kind": "transferred", "target_kind": "human", "target": "front-desk",
         "mode": "cold", "state": "handoff"},
    ]}


def test_call_path_indexes_steps(dental: Flow) -> None:
    path = call_path(dental, dental_trace())
    assert [s.number for s in path.steps] == [1, 2, 3, 4, 5]
    assert path.visits["greet"] == (1, 3)
    assert path.visits["details"] == (2, 4)
    assert path.edge_steps["greet->details"] == (2, 4)
    assert path.start_steps == (1,)
    assert path.extra == {("details", "greet", "global:start_over"): (3,),
                          ("details", "handoff", "global:human"): (5,)}
    assert path.outcome == {"handoff": "call transferred here: front-desk"}
    # the events list alone works too, and gives the same path
    events = dental_trace()["events"]
    assert call_path(dental, events).digest == path.digest


def test_svg_highlights_numbered_path(dental: Flow) -> None:
    svg = parse_svg(render(dental, "svg", trace=dental_trace()))
    visited = {g.get("id", "").removeprefix("state_") for g in svg.groups("visited")}
    assert visited == {"greet", "details", "handoff"}
    greet = svg.text(svg.by_id("state_greet"))
    assert "steps 1, 3" in greet  # entered twice: both numbers
    assert "steps 2, 4" in svg.text(svg.by_id("state_details"))
    assert "step 5" in svg.text(svg.by_id("state_handoff"))
    assert "call transferred here: front-desk" in svg.text(svg.by_id("state_handoff"))
    start = svg.by_id("edge_start")
    assert "path" in start.get("class", "") and svg.text(start).strip() == "1"
    edge = svg.by_id("edge_greet->details")
    assert "path" in edge.get("class", "").split()
    assert svg.text(edge).split()[:2] == ["2,", "4"]
    stroke = next(edge.iter(f"{SVG}path")).get("stroke", "").upper()
    assert stroke == PATH
    extras = svg.groups("extra")
    labels = sorted(svg.text(g) for g in extras)
    assert labels == ["3 hears \u201cstart over\u201d", "5 hears \u201chuman\u201d"]
    # everything else is greyed out
    for name in ("check_calendar", "booked", "deposit"):
        shapes = svg.shapes(svg.by_id(f"state_{name}"))
        assert any(s.get("fill", "").upper() == "#FAFAFA" for s in shapes), name
    not_taken = svg.by_id("edge_greet->handoff")
    assert "path" not in not_taken.get("class", "").split()
    assert "this call's path" in svg.all_text()
    assert "one call, 5 steps" in svg.all_text()


def test_numbered_edges_are_in_visit_order(lost_card: Flow) -> None:
    names = ["greet", "identity", "verify", "reason", "block", "blocked", "fraud_check",
             "replacement", "order", "ordered", "closing"]
    events: list[dict[str, object]] = [state(None, "greet", None, "start")]
    for a, b in itertools.pairwise(names):
        edge = next(e for e in lost_card.edges if e.src == a and e.dst == b)
        events.append(state(a, b, edge.id, edge.kind))
    events.append({"kind": "ended", "reason": "completed", "state": "closing"})
    svg = parse_svg(render(lost_card, "svg", trace={"flow": "lost_card", "events": events}))
    for n, (a, b) in enumerate(itertools.pairwise(names), start=2):
        edge = next(e for e in lost_card.edges if e.src == a and e.dst == b)
        assert svg.text(svg.by_id(f"edge_{edge.id}")).split()[0] == str(n)
    assert "call ended here: completed" in svg.text(svg.by_id("state_closing"))
    assert "visited" not in svg.by_id("state_fraud").get("class", "")


def test_pii_never_reaches_a_diagram(dental: Flow, tmp_path: object) -> None:
    trace = dental_trace()
    outputs = [
        flow_dot(dental, trace=trace),
        flow_mermaid(dental, trace=trace),
        render(dental, "svg", trace=trace).decode("utf-8"),
    ]
    for out in outputs:
        assert CANARY_CARD not in out
        assert CANARY_WORDS not in out
        assert "4111" not in out and "pineapple" not in out


def test_a_trace_of_another_flow_is_refused(dental: Flow) -> None:
    with pytest.raises(RenderError, match="trace is of flow 'lost_card'"):
        flow_dot(dental, trace={"flow": "lost_card", "events": []})
    with pytest.raises(RenderError, match="does not have"):
        flow_dot(dental, trace=[state(None, "nowhere", None, "start")])
    with pytest.raises(RenderError, match="events"):
        flow_dot(dental, trace={"flow": "dental_booking"})
    with pytest.raises(RenderError, match="cannot read a trace"):
        flow_dot(dental, trace=42)


def test_flow_error_path_is_drawn_from_where_it_happened(dental: Flow) -> None:
    trace = [
        state(None, "greet", None, "start"),
        state("greet", "details", "greet->details", "if"),
        {"kind": "error", "state": "details", "error": "TemplateError", "message": "x"},
        state("details", "handoff", None, "error"),
    ]
    svg = parse_svg(render(dental, "svg", trace=trace))
    assert "\u26a0 TemplateError" in svg.text(svg.by_id("state_details"))
    extra = svg.by_id("edge_details->handoff~error")
    assert svg.text(extra) == "3 after an error"


async def test_real_call_trace_renders(tmp_path: object) -> None:
    """A trace recorded by a real CallMachine (lost card, no model needed) highlights."""
    from pathlib import Path

    flow = superdialog.load(FLOWS / "lost_card.yaml")
    machine = flow.build(trace=True)
    await machine.start()
    for text in ["the fourth of July nineteen eighty", "four two four two", "it was lost"]:
        await machine.turn(text)
    record = machine.trace_record()
    json.dumps(record)  # what `superdialog render --trace` reads
    out = render_to_file(flow, Path(str(tmp_path)) / "call.svg", trace=record)
    svg = parse_svg(out.read_bytes())
    visited = {g.get("id", "").removeprefix("state_") for g in svg.groups("visited")}
    entered = {e["dst"] for e in record["events"] if e["kind"] == "state"}
    assert visited == entered
    assert {"greet", "identity", "verify"} <= visited
    shown = [e["shown"] for e in record["events"]
             if e["kind"] == "slot" and flow.slots[e["slot"]].pii]
    assert shown and not any(v in svg.all_text() for v in shown)
    assert "4242" not in svg.all_text()
