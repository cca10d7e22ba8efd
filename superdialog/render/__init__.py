"""Diagrams of flows, and of a call's path through one: Graphviz and Mermaid.

The people who own a call script review it as a picture, so these diagrams
have a visual language with a legend (see ``docs/diagrams.md``)::

    from superdialog.render import flow_diagram, render_to_file

    flow_diagram(flow)                                  # a graphviz.Digraph; SVG in notebooks
    render_to_file(flow, "flow.svg")                    # .svg .png .pdf (dot) · .dot · .mmd
    render_to_file(flow, "call.svg", trace=machine.trace_record())   # one call's path

Nothing here imports ``graphviz`` until ``flow_diagram`` is called, and
nothing changes the flow.
"""

from superdialog.render.files import clear_cache, render, render_to_file, run_dot
from superdialog.render.graphviz_render import flow_diagram, flow_dot
from superdialog.render.mermaid import flow_mermaid
from superdialog.render.trace import CallPath, call_path

__all__ = [
    "CallPath",
    "call_path",
    "clear_cache",
    "flow_diagram",
    "flow_dot",
    "flow_mermaid",
    "render",
    "render_to_file",
    "run_dot",
]
