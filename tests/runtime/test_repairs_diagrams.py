"""Digressions, returns and "never mind" in diagrams and call-path overlays (table_booking)."""

from __future__ import annotations

from pathlib import Path

import superdialog
from superdialog.render import call_path, flow_dot, flow_mermaid

FLOW = Path(__file__).resolve().parents[2] / "flows" / "table_booking.yaml"


async def _call() -> tuple[superdialog.Flow, dict[str, object]]:
    flow = superdialog.load(FLOW)
    m = flow.build(trace=True)
    await m.start()
    for line in ("four of us", "what time do you close", "january fifteenth twenty thirty"):
        await m.turn(line)
    await m.turn("yes")
    await m.turn("never mind")
    await m.turn("no")
    return flow, m.trace_record()


def test_the_any_time_panel_shows_calls_and_never_mind() -> None:
    flow = superdialog.load(FLOW)
    text = flow_mermaid(flow)
    assert "“hours” ↪ faq_hours, then back" in text
    assert "“never mind” → anything_else" in text
    dot = flow_dot(flow)
    assert "faq_hours, then back" in dot and "#00796B" in dot
    assert "then back to the interrupted step" in dot  # the note on return: true states


async def test_the_call_path_draws_the_call_the_return_and_the_cancel() -> None:
    flow, trace = await _call()
    path = call_path(flow, trace)
    assert [(s.src, s.dst, s.via) for s in path.steps][2:5] == [
        ("details", "faq_hours", "call:hours"),
        ("faq_hours", "details", "return"),
        ("details", "anything_else", "cancel"),
    ]
    text = flow_mermaid(flow, trace=trace)
    assert 's_details ==>|"3 · hears “hours”"| s_faq_hours' in text
    assert 's_faq_hours ==>|"4 · back to the interrupted step"| s_details' in text
    assert 's_details ==>|"5 · hears “never mind”"| s_anything_else' in text
    assert "back to the interrupted step" in flow_dot(flow, trace=trace)
