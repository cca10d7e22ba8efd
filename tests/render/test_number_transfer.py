"""Transfers to phone numbers are drawn with the number (or the template that gives it)."""

from __future__ import annotations

import superdialog
from superdialog.render.mermaid import flow_mermaid

FLOW = """
flow: phones
start: ask
slots:
  callback: {type: phone, prompt: "Your number?"}
global:
  - {intent: human, goto: desk}
states:
  ask: {collect: [callback], next: back}
  back: {say: "Calling you back.", transfer: {number: "{{ slots.callback }}", mode: warm}}
  desk: {transfer: {number: "+14155550100"}}
"""


def test_number_transfers_show_the_number_and_mode_in_both_renderers() -> None:
    flow = superdialog.loads(FLOW, "phones.yaml")
    mermaid = flow_mermaid(flow)
    dot = flow.diagram().source
    for text in (mermaid, dot):
        assert "number +14155550100 · cold" in text
        assert "number \u2039callback\u203a · warm" in text  # a slot, as diagrams show slots
