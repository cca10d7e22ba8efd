"""Mermaid text: one node per state, a subgraph per sub-flow, classes, safe ids, the path."""

from __future__ import annotations

import re

import superdialog
from superdialog.flow import Flow
from superdialog.render import flow_mermaid
from superdialog.render.style import KINDS

_NODE = re.compile(
    r"^\s+(s_\w+)(\(\[|\[\[|\[/|\{\{|\(|\{|\[)\"(.*)\""
    r"(\]\)|\]\]|/\]|\\\]|\}\}|\)|\}|\]):::(k_\w+)$"
)
_LINK = re.compile(r"^\s+(\w+) (-->|-\.->|==>)(?:\|\"([^\"]*)\"\|)? (\w+)$")


def parse(text: str) -> tuple[dict[str, tuple[str, str]], list[tuple[str, str, str, str]],
                              list[str]]:
    nodes: dict[str, tuple[str, str]] = {}
    links: list[tuple[str, str, str, str]] = []
    for line in text.splitlines():
        m = _NODE.match(line)
        if m:
            nodes[m.group(1)] = (m.group(3), m.group(5))
            continue
        m = _LINK.match(line)
        if m:
            links.append((m.group(1), m.group(2), m.group(3) or "", m.group(4)))
    return nodes, links, text.splitlines()


def test_structure(dental: Flow) -> None:
    text = flow_mermaid(dental)
    nodes, links, lines = parse(text)
    assert lines[0] == "flowchart TD"
    assert len(nodes) == len(dental.states)
    assert {kind for _, kind in nodes.values()} == {f"k_{s.kind}" for s in
                                                     dental.states.values()}
    # every flow edge, the start edge, and one edge per any-time rule with a target
    assert len(links) == len(dental.edges) + 1 + 4
    assert sum(1 for src, *_ in links if src == "anytime") == 4
    assert text.count('anytime["') == 1
    assert "caller says \u201chuman\u201d \u2192 handoff" in text
    # the sub-flow is a subgraph holding its three states
    start = lines.index('    subgraph sub_0["sub-flow contact  \u00b7  contact_details.yaml"]')
    end = lines.index("    end", start)
    inside = [m.group(1) for line in lines[start + 1:end] if (m := _NODE.match(line))]
    assert inside == ["s_contact_ask_phone", "s_contact_ask_email", "s_contact_done"]
    for kind, ks in KINDS.items():
        assert f"classDef k_{kind} fill:{ks.fill},stroke:{ks.border}" in text
    assert "class s_deposit pii" in text and "class s_charge pii" in text
    assert "class s_greet pii" not in text
    assert "recording paused" in nodes["s_deposit"][0]
    assert "linkStyle" in text


def test_edge_kinds(triage: Flow) -> None:
    _, links, _ = parse(flow_mermaid(triage))
    when = [lk for lk in links if lk[0] == "s_triage" and lk[2].startswith("the caller")]
    assert len(when) == 4 and all(arrow == "-.->" for _, arrow, _, _ in when)
    intent = [lk for lk in links if lk[2].startswith("hears")]
    assert intent and all(arrow == "-->" for _, arrow, _, _ in intent)
    assert ("s_triage", "-.->", "if it fails", "s_human_queue") in links


def test_ids_are_safe_and_text_is_escaped() -> None:
    flow = superdialog.loads("""
flow: awkward
start: end
states:
  end:
    say: 'He said "hi" | <b>bold</b> & more'
    next: graph-1
  graph-1: {say: ok, next: graph_1}
  graph_1: {say: bye, end: completed}
""")
    text = flow_mermaid(flow)
    nodes, links, _ = parse(text)
    assert set(nodes) == {"s_end", "s_graph_1", "s_graph_1_2"}
    label = nodes["s_end"][0]
    assert '"' not in label and "#quot;hi#quot;" in label
    assert "#124;" in label and "#lt;b#gt;bold#lt;/b#gt;" in label and "#amp;" in label
    assert ("s_end", "-->", "", "s_graph_1") in links
    assert ("s_graph_1", "-->", "", "s_graph_1_2") in links
    assert "classDef end" not in text and ":::end" not in text


def test_path(dental: Flow) -> None:
    trace = {"flow": "dental_booking", "events": [
        {"kind": "state", "src": None, "dst": "greet", "edge": None, "via": "start"},
        {"kind": "state", "src": "greet", "dst": "details", "edge": "greet->details",
         "via": "if"},
        {"kind": "state", "src": "details", "dst": "handoff", "edge": "global:human",
         "via": "global:human"},
        {"kind": "slot", "slot": "card_number", "shown": "4111111111111111",
         "state": "details"},
    ]}
    text = flow_mermaid(dental, trace=trace)
    nodes, links, _ = parse(text)
    assert ("start", "==>", "1", "s_greet") in links
    assert ("s_greet", "==>", "2 \u00b7 if wants_booking", "s_details") in links
    assert ("s_details", "==>", "3 \u00b7 hears \u201chuman\u201d", "s_handoff") in links
    assert "<b>step 2</b>" in nodes["s_details"][0]
    assert "class s_greet visited" in text and "class s_booked dim" in text
    assert "4111" not in text
