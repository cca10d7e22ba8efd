"""The Graphviz picture: nodes, edges, labels, PII marks, legend, any-time rules, clusters.

Every assertion reads the SVG that the real ``dot`` produced, so what is
checked is what a reviewer sees.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import superdialog
from superdialog.flow import Flow
from superdialog.render import flow_diagram, flow_dot, render
from superdialog.render.style import EDGE_STYLES, KINDS, PII

from .conftest import ROOT, SVG, Svg, bbox, needs_dot, parse_svg

pytestmark = needs_dot

EXAMPLES = ["dental_booking", "lost_card", "support_triage"]


def svg_of(flow: Flow, **kw: object) -> Svg:
    return parse_svg(render(flow, "svg", **kw))  # type: ignore[arg-type]


def flow_edges(svg: Svg) -> list[str]:
    """Ids of edges that are the flow's own (not start, not any-time, not trace extras)."""
    out = []
    for g in svg.root.iter(f"{SVG}g"):
        cls = (g.get("class") or "").split()
        if "edge" in cls and "any-time" not in cls and "edge-start" not in cls \
                and "extra" not in cls:
            out.append(g.get("id", "").removeprefix("edge_"))
    return out


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_state_and_edge_is_drawn_once(name: str) -> None:
    flow = superdialog.load(ROOT / "flows" / f"{name}.yaml")
    svg = svg_of(flow)
    states = svg.groups("state")
    assert sorted(g.get("id", "").removeprefix("state_") for g in states) == sorted(flow.states)
    assert sorted(flow_edges(svg)) == sorted(e.id for e in flow.edges)
    assert len(svg.groups("start")) == 1
    assert len(svg.groups("edge-start")) == 1


@pytest.mark.parametrize("name", EXAMPLES)
def test_legend_and_title(name: str) -> None:
    flow = superdialog.load(ROOT / "flows" / f"{name}.yaml")
    text = svg_of(flow).all_text()
    assert "How to read this diagram" in text
    for ks in KINDS.values():
        assert ks.header in text and ks.legend in text
    for es in EDGE_STYLES.values():
        if es.legend:
            assert es.legend in text
    assert "private details: the call recording is paused here" in text
    assert flow.name in text
    assert flow.spec.description is not None
    assert flow.spec.description.split()[0] in text


def test_without_legend_and_title(dental: Flow) -> None:
    text = parse_svg(render_svg_plain(dental)).all_text()
    assert "How to read this diagram" not in text
    assert "Book a dental check-up" not in text
    assert "greet" in text


def render_svg_plain(flow: Flow) -> bytes:
    from superdialog.render import run_dot

    return run_dot(flow_dot(flow, legend=False, title=False), "svg")


def test_node_labels_summarise_each_kind(dental: Flow, triage: Flow, small: Flow) -> None:
    svg = svg_of(dental)
    greet = svg.text(svg.by_id("state_greet"))
    assert "ASKS FOR" in greet and "greet" in greet
    assert "\u201cHi, this is Alex from" in greet
    assert "\u2039clinic.name\u203a" in greet  # the template, as words; no Jinja braces
    assert "{{" not in svg.all_text()
    assert "wants_booking (yes no)" in greet
    details = svg.text(svg.by_id("state_details"))
    assert "visit_date (date, read back)" in details
    calendar = svg.text(svg.by_id("state_check_calendar"))
    assert "SYSTEM ACTION" in calendar and "runs check_availability" in calendar
    assert "gives up after 4 s" in calendar
    no_slot = svg.text(svg.by_id("state_no_slot"))
    assert "TRANSFER" in no_slot and "queue \u201cscheduling\u201d \u00b7 warm" in no_slot
    assert "reason: completed" in svg.text(svg.by_id("state_booked"))
    assert "runs contact_details.yaml" in svg.text(svg.by_id("state_contact"))
    tsvg = svg_of(triage)
    assert "Work out what the caller needs" in tsvg.text(tsvg.by_id("state_triage"))
    assert "agent \u201cbilling-assistant\u201d \u00b7 cold" in tsvg.text(
        tsvg.by_id("state_billing_agent"))
    ssvg = svg_of(small)
    assert "DECIDES" in ssvg.text(ssvg.by_id("state_decide"))
    assert any(e.tag == f"{SVG}polygon" and len((e.get("points") or "").split()) == 5
               for e in ssvg.by_id("state_decide").iter()), "a branch is a diamond"


def test_shapes_and_colours_per_kind(small: Flow) -> None:
    svg = svg_of(small)
    for name in small.states:
        st = small.states[name]
        g = svg.by_id(f"state_{name}")
        assert st.kind in g.get("class", "").split()
        fills = {s.get("fill") for s in svg.shapes(g)}
        assert KINDS[st.kind].fill.lower() in {f.lower() for f in fills if f}, name
    # end and transfer states have a double border
    assert len(svg.shapes(svg.by_id("state_bye"))) >= 2
    assert len(svg.shapes(svg.by_id("state_agent"))) >= 2


def test_pii_states_are_marked(dental: Flow, lost_card: Flow) -> None:
    for flow in (dental, lost_card):
        svg = svg_of(flow)
        for name, st in flow.states.items():
            g = svg.by_id(f"state_{name}")
            marked = "pii" in g.get("class", "").split()
            assert marked == st.pii, name
            text = svg.text(g)
            assert ("recording paused" in text) == st.pii, name
            border = [s for s in svg.shapes(g) if s.get("stroke", "").upper() == PII]
            if st.pii:
                assert border and all(s.get("stroke-dasharray") for s in border), name
            else:
                assert not border, name
    svg = svg_of(dental)
    assert "recording paused (card-deposit)" in svg.text(svg.by_id("state_deposit"))


def test_edge_styles_say_who_decides(triage: Flow, small: Flow) -> None:
    svg = svg_of(triage)
    for e in triage.edges:
        g = svg.by_id(f"edge_{e.id}")
        path = next(g.iter(f"{SVG}path"), None)
        assert path is not None
        assert f"edge-{e.kind}" in g.get("class", "")
        if e.kind == "when":
            assert path.get("stroke", "").upper() == EDGE_STYLES["when"].color
            assert path.get("stroke-dasharray") == "1,5"  # dotted
        elif e.kind in ("if", "else", "intent", "next"):
            assert path.get("stroke", "").upper() == "#263238"
            assert path.get("stroke-dasharray") is None
        elif e.kind in ("fail", "error"):
            assert path.get("stroke", "").upper() == EDGE_STYLES[e.kind].color
            assert path.get("stroke-dasharray") == "5,2"  # dashed
    text = svg.all_text()
    assert "hears \u201cbilling\u201d" in text
    assert "the caller has a question" in text
    assert "unclear after 2 re-asks" in text
    ssvg = svg_of(small)
    assert "if name == 'Ann' and 1 &lt; 2" not in ssvg.all_text()  # escaped once, shown raw
    assert "if name == 'Ann' and 1 < 2" in ssvg.all_text()
    assert "otherwise" in ssvg.text(ssvg.by_id("edge_decide->pay"))
    assert "if it fails" in ssvg.text(ssvg.by_id("edge_charge->agent"))


def test_long_conditions_are_trimmed_but_kept_in_tooltips() -> None:
    long_when = " ".join(["the caller explains at great length"] * 8)
    flow = superdialog.loads(f"""
flow: long
llm: {{model: test}}
start: talk
states:
  talk:
    llm: Chat.
    transitions:
      - {{to: done, when: "{long_when}"}}
  done: {{say: ok, end: completed}}
""")
    svg = svg_of(flow)
    g = svg.by_id("edge_talk->done")
    lines = [t.text or "" for t in g.iter(f"{SVG}text")]
    assert 1 < len(lines) <= 3
    assert all(len(line) <= 28 for line in lines)
    assert lines[-1].endswith("\u2026")
    titles = [a.get("{http://www.w3.org/1999/xlink}title") for a in g.iter(f"{SVG}a")]
    assert long_when in titles


def test_awkward_text_is_escaped(small: Flow) -> None:
    svg = svg_of(small)  # would not parse, or dot would fail, if escaping were wrong
    hello = svg.text(svg.by_id("state_hello"))
    assert "\u201cHi <there> & welcome to" in hello
    assert '"Acme"' in hello
    assert 'some <awkward> "text"' in svg.all_text()
    assert "< 10 or > 5" in svg.text(svg.by_id("edge_talk->pay#2"))


def test_global_intents_are_drawn_once(dental: Flow) -> None:
    svg = svg_of(dental)
    panels = svg.groups("any-time")
    nodes = [g for g in panels if "node" in g.get("class", "").split()]
    assert len(nodes) == 1
    text = svg.text(nodes[0])
    for rule in dental.spec.global_:
        assert f"caller says \u201c{rule.intent.replace('_', ' ')}\u201d" in text
        assert f"\u2192 {rule.goto}" in text
    assert "something fails" in text  # the flow-wide on_error, once
    assert "says it again" in text and "explains, stays put" in text  # built-ins
    whole = svg.all_text()
    assert whole.count("\u201chuman\u201d") == 1
    edges = [g for g in panels if "edge" in g.get("class", "").split()]
    # one edge per rule with a target (3 globals + on_error), not one per state
    assert len(edges) == 4
    into_handoff = [g for g in svg.groups("edge") if (g.findtext(f"{SVG}title") or "")
                    .endswith("&gt;handoff") or (g.findtext(f"{SVG}title") or "")
                    .endswith(">handoff")]
    drawn = sum(1 for e in dental.edges if e.dst == "handoff") + 2  # + human, + on_error
    assert len(into_handoff) == drawn
    # a state reached only by an any-time rule sits in the any-time panel
    cluster = svg.by_id("any_time_panel")
    x0, y0, x1, y1 = bbox(cluster)
    bx0, by0, bx1, by1 = bbox(svg.by_id("state_bye"))
    assert x0 <= bx0 and bx1 <= x1 and y0 <= by0 and by1 <= y1


def test_state_level_global_overrides_are_shown() -> None:
    flow = superdialog.loads("""
flow: overrides
global:
  - {intent: human, goto: agent}
start: a
states:
  a:
    say: hi
    collect: [x]
    disable_global: [human]
    next: b
  b:
    collect: [x]
    global:
      - {intent: human, goto: supervisor}
    next: done
  done: {say: bye, end: completed}
  agent: {say: one moment, transfer: {queue: q}}
  supervisor: {say: one moment, transfer: {queue: sup}}
slots:
  x: {type: yes_no}
""")
    svg = svg_of(flow)
    assert "not here: \u201chuman\u201d" in svg.text(svg.by_id("state_a"))
    edge = svg.by_id("edge_b->supervisor~global:human")
    assert "hears \u201chuman\u201d" in svg.text(edge)
    assert "edge-global" in edge.get("class", "")


def test_subflow_states_are_grouped_in_a_labelled_cluster(dental: Flow) -> None:
    svg = svg_of(dental)
    clusters = [g for g in svg.groups("cluster")
                if (g.findtext(f"{SVG}title") or "").startswith("cluster_contact")]
    assert len(clusters) == 1
    label = svg.text(clusters[0])
    assert "sub-flow contact" in label and "contact_details.yaml" in label
    x0, y0, x1, y1 = bbox(clusters[0])
    inside = [n for n, st in dental.states.items() if st.cluster == "contact"]
    assert sorted(inside) == ["contact.ask_email", "contact.ask_phone", "contact.done"]
    for name in dental.states:
        nx0, ny0, nx1, ny1 = bbox(svg.by_id(f"state_{name}"))
        within = x0 <= nx0 and nx1 <= x1 and y0 <= ny0 and ny1 <= y1
        assert within == (name in inside), name
    # inside the box a state shows its own short name
    assert svg.text(svg.by_id("state_contact.ask_phone")).split()[3] == "ask_phone"


def test_flow_diagram_is_a_digraph_with_the_same_source(dental: Flow) -> None:
    import graphviz

    d = flow_diagram(dental)
    assert isinstance(d, graphviz.Digraph)
    assert d.source == flow_dot(dental)
    assert d.name == "dental_booking"
    bundle = d._repr_mimebundle_()
    assert "image/svg+xml" in bundle and "<svg" in bundle["image/svg+xml"]
    assert dental.diagram(legend=False).source == flow_dot(dental, legend=False)


def test_rendering_does_not_change_the_flow(dental: Flow) -> None:
    before = repr([(s, dental.states[s]) for s in dental.states]) + repr(dental.edges)
    trace = {"flow": "dental_booking", "events": [
        {"kind": "state", "src": None, "dst": "greet", "edge": None, "via": "start"},
        {"kind": "state", "src": "greet", "dst": "details", "edge": "greet->details",
         "via": "if"},
    ]}
    for fmt in ("dot", "mermaid", "svg"):
        render(dental, fmt, trace=trace)
    flow_diagram(dental, trace=trace)
    after = repr([(s, dental.states[s]) for s in dental.states]) + repr(dental.edges)
    assert before == after


def test_import_superdialog_render_does_not_import_graphviz() -> None:
    code = ("import sys, superdialog, superdialog.render; "
            "print('graphviz' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"
