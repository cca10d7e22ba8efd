"""A 300-state flow: DOT text in < 50 ms, SVG in < 10 s, every state drawn.

Generous sanity bounds, not a benchmark: measured on the dev machine, DOT text
takes ~13 ms and the SVG ~0.3 s. The numbers print with ``pytest -s``.
"""

from __future__ import annotations

import time

import superdialog
from superdialog.render import flow_dot, flow_mermaid, render

from .conftest import needs_dot, parse_svg
from .flowgen import big_flow_yaml


def test_generator_makes_a_valid_300_state_flow() -> None:
    flow = superdialog.loads(big_flow_yaml(300))
    assert len(flow.states) == 300
    kinds = {s.kind for s in flow.states.values()}
    assert kinds == {"speak", "collect", "branch", "llm", "action", "end", "transfer"}
    assert {e.kind for e in flow.edges} == {"next", "if", "else", "when", "intent", "fail",
                                           "error"}


def test_dot_text_for_300_states_is_fast() -> None:
    flow = superdialog.loads(big_flow_yaml(300))
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        text = flow_dot(flow)
        best = min(best, time.perf_counter() - started)
    print(f"\n300 states: DOT text {best * 1000:.1f} ms, {len(text) // 1024} KiB")
    assert best < 0.050
    started = time.perf_counter()
    flow_mermaid(flow)
    print(f"300 states: Mermaid text {(time.perf_counter() - started) * 1000:.1f} ms")


@needs_dot
def test_svg_for_300_states_is_under_ten_seconds() -> None:
    flow = superdialog.loads(big_flow_yaml(300))
    started = time.perf_counter()
    data = render(flow, "svg", timeout=60)
    took = time.perf_counter() - started
    print(f"\n300 states: SVG {took:.2f} s, {len(data) // 1024} KiB")
    assert took < 10
    svg = parse_svg(data)
    assert len(svg.groups("state")) == 300
    assert len(svg.groups("any-time")) >= 1
    started = time.perf_counter()
    assert render(flow, "svg") is data  # the second time comes from the cache
    assert time.perf_counter() - started < 0.5
