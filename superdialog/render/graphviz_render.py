"""A flow as Graphviz DOT text, and as a ``graphviz.Digraph`` for notebooks.

The DOT text is written directly (not through ``graphviz.Digraph.node``) for
two reasons: it keeps a 300-state flow well under 50 ms, and it lets every
label be an HTML-like table whose text we escape in one place. The
``graphviz`` package is imported only by ``flow_diagram``, so ``import
superdialog`` and DOT/Mermaid output never pay for it.

Every state node carries ``id="state_<name>"`` and a ``class`` with its kind
(plus ``pii``, ``visited``); every edge ``id="edge_<edge id>"`` and a class
with its kind (plus ``path``). SVG consumers, CSS and our tests rely on them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from superdialog.render.style import (
    ANY_TIME,
    DIM,
    EDGE_STYLES,
    FONT,
    KINDS,
    PATH,
    PII,
    START,
    html,
)
from superdialog.render.trace import CallPath, call_path, numbers
from superdialog.render.view import EdgeView, FlowView, NodeView, flow_view, via_words

if TYPE_CHECKING:
    import graphviz

    from superdialog.compile.compiled import CompiledFlow

__all__ = ["flow_diagram", "flow_dot"]

START_ID = "@start"
ANY_ID = "@any"
_TEXT = "#37474F"
_NOTE = "#616161"
_DIM_TEXT = "#90A4AE"
_DIM_FILL = "#FAFAFA"
_PLAIN_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_KEYWORDS = frozenset({"node", "edge", "graph", "digraph", "subgraph", "strict"})


def quote(identifier: str) -> str:
    """Quote a DOT identifier the way the ``graphviz`` package does (so sources match)."""
    if _PLAIN_ID.match(identifier) and identifier.lower() not in _KEYWORDS:
        return identifier
    return '"' + identifier.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _attr(value: str) -> str:
    """A quoted attribute value; backslashes doubled so DOT's escapes stay literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _attrs(pairs: dict[str, str]) -> str:
    parts = []
    for key, value in pairs.items():
        if value.startswith("<") and value.endswith(">"):
            parts.append(f"{key}={value}")
        else:
            parts.append(f"{key}={_attr(value)}")
    return "[" + " ".join(parts) + "]"


def _font(
    text: str,
    *,
    color: str | None = None,
    size: int | None = None,
    bold: bool = False,
    italic: bool = False,
) -> str:
    """Wrap already-escaped ``text`` in font tags."""
    if bold:
        text = f"<B>{text}</B>"
    if italic:
        text = f"<I>{text}</I>"
    attrs = ""
    if color:
        attrs += f' COLOR="{color}"'
    if size:
        attrs += f' POINT-SIZE="{size}"'
    return f"<FONT{attrs}>{text}</FONT>" if attrs else text


def _badge(steps: Sequence[int]) -> str:
    return (
        f'<TD BGCOLOR="{PATH}" STYLE="rounded" CELLPADDING="2">'
        + _font(f"&nbsp;{html(numbers(steps))}&nbsp;", color="white", size=9, bold=True)
        + "</TD>"
    )


class _Dot:
    """Builds the DOT text of one flow view (with an optional call path)."""

    def __init__(self, view: FlowView, path: CallPath | None, legend: bool, title: bool) -> None:
        self.view = view
        self.path = path
        self.legend = legend
        self.title = title
        self.out: list[str] = []
        self.used_extra: set[tuple[str, str, str]] = set()

    # -- helpers -----------------------------------------------------------------------
    def dim(self, visited: bool) -> bool:
        return self.path is not None and not visited

    def node_label(self, n: NodeView, steps: Sequence[int]) -> str:
        ks = KINDS[n.kind]
        dim = self.dim(bool(steps))
        accent = DIM if dim else ks.border
        text = _DIM_TEXT if dim else _TEXT
        head = (
            '<TD ALIGN="LEFT" BALIGN="LEFT">'
            f"{_font(html(ks.header), color=accent, size=8, bold=True)}</TD>"
        )
        cols = 1
        if steps:  # text, not a filled cell: Graphviz would stretch a fill across the row
            word = "step" if len(steps) == 1 else "steps"
            head += (
                f'<TD ALIGN="RIGHT">'
                f"{_font(html(f'{word} {numbers(steps)}'), color=PATH, size=9, bold=True)}"
                "</TD>"
            )
            cols = 2
        span = f' COLSPAN="{cols}"' if cols > 1 else ""
        rows = [f"<TR>{head}</TR>"]
        rows.append(
            f'<TR><TD ALIGN="LEFT"{span}>'
            f"{_font(html(n.title), color=_DIM_TEXT if dim else '#000000', size=12, bold=True)}"
            "</TD></TR>"
        )
        if n.lines:
            body = '<BR ALIGN="LEFT"/>'.join(html(line) for line in n.lines)
            rows.append(
                f'<TR><TD ALIGN="LEFT" BALIGN="LEFT"{span}>'
                f'{_font(body, color=text, size=10)}<BR ALIGN="LEFT"/></TD></TR>'
            )
        if n.outcome:
            rows.append(
                f'<TR><TD ALIGN="LEFT"{span}>'
                f"{_font(html(n.outcome), color=accent, size=10, bold=True)}</TD></TR>"
            )
        note_color = _DIM_TEXT if dim else _NOTE
        for note in n.notes:
            rows.append(
                f'<TR><TD ALIGN="LEFT"{span}>'
                f"{_font(html(note), color=note_color, size=8, italic=True)}</TD></TR>"
            )
        if n.pii:
            words = "\u275a\u275a recording paused"
            if n.pause_reason:
                words += f" ({n.pause_reason})"
            rows.append(
                f'<TR><TD ALIGN="LEFT"{span}>'
                f"{_font(html(words), color=PII, size=9, bold=True)}</TD></TR>"
            )
        if self.path is not None:
            for err in self.path.errors.get(n.name, ()):
                rows.append(
                    f'<TR><TD ALIGN="LEFT"{span}>'
                    f"{_font(html('\u26a0 ' + err), color=PII, size=9, bold=True)}"
                    "</TD></TR>"
                )
            done = self.path.outcome.get(n.name)
            if done:
                rows.append(
                    f'<TR><TD ALIGN="LEFT"{span}>'
                    f"{_font(html('\u2691 ' + done), color=PATH, size=9, bold=True)}"
                    "</TD></TR>"
                )
        return (
            '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
            + "".join(rows)
            + "</TABLE>>"
        )

    def edge_label(
        self, lines: Sequence[str], kind: str, steps: Sequence[int], dim: bool
    ) -> str | None:
        color = _DIM_TEXT if dim else (EDGE_STYLES[kind].color if kind in EDGE_STYLES else _TEXT)
        text = '<BR ALIGN="LEFT"/>'.join(html(line) for line in lines)
        words = _font(text, color=color, size=9, italic=kind == "when") if text else ""
        if not steps:
            return f"<{words}>" if words else None
        cell = f'<TD ALIGN="LEFT" BALIGN="LEFT">{words}</TD>' if words else ""
        return (
            '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="0"><TR>'
            + _badge(steps)
            + cell
            + "</TR></TABLE>>"
        )

    # -- sections ----------------------------------------------------------------------
    def header(self) -> None:
        self.out.append(
            "\tgraph "
            + _attrs(
                {
                    "rankdir": "TB",
                    "newrank": "true",
                    "nodesep": "0.35",
                    "ranksep": "0.45",
                    "fontname": FONT,
                    "bgcolor": "white",
                    "pad": "0.3",
                    "compound": "true",
                    "outputorder": "edgesfirst",
                    "labeljust": "r",
                    "labelloc": "b",
                }
            )
            + "\n"
        )
        self.out.append(
            "\tnode "
            + _attrs(
                {
                    "fontname": FONT,
                    "fontsize": "11",
                    "shape": "box",
                    "style": "rounded,filled",
                    "penwidth": "1.4",
                    "margin": "0.12,0.06",
                }
            )
            + "\n"
        )
        self.out.append(
            "\tedge "
            + _attrs(
                {
                    "fontname": FONT,
                    "fontsize": "9",
                    "arrowsize": "0.7",
                    "penwidth": "1.2",
                    "color": "#263238",
                }
            )
            + "\n"
        )

    def state(self, n: NodeView, indent: str) -> None:
        ks = KINDS[n.kind]
        steps = self.path.visits.get(n.name, ()) if self.path is not None else ()
        dim = self.dim(bool(steps))
        styles = ["filled"]
        if ks.rounded:
            styles.insert(0, "rounded")
        if n.pii:
            styles.append("dashed")
        color = ks.border
        penwidth = "1.4"
        if n.pii:
            color, penwidth = PII, "2.2"
        if dim:
            color = "#F48FB1" if n.pii else DIM
        elif steps:
            penwidth = "3.2"
            if not n.pii:
                color = PATH
        classes = ["state", n.kind]
        if n.pii:
            classes.append("pii")
        if steps:
            classes.append("visited")
        attrs = {
            "id": f"state_{n.name}",
            "class": " ".join(classes),
            "shape": ks.shape,
            "style": ",".join(styles),
            "fillcolor": _DIM_FILL if dim else ks.fill,
            "color": color,
            "penwidth": penwidth,
            "tooltip": n.tooltip,
            "label": self.node_label(n, steps),
        }
        if ks.peripheries > 1:
            attrs["peripheries"] = str(ks.peripheries)
        if ks.shape == "diamond":
            attrs["margin"] = "0.02,0.02"
        self.out.append(f"{indent}{quote(n.name)} {_attrs(attrs)}\n")

    def nodes(self, skip: set[str]) -> None:
        by_name = {n.name: n for n in self.view.nodes}
        in_cluster = {name for c in self.view.clusters for name in c.states} | skip
        indent = "\t\t" if self.title else "\t"
        for n in self.view.nodes:
            if n.name not in in_cluster:
                self.state(n, indent)
        for i, c in enumerate(self.view.clusters):
            cid = "cluster_" + re.sub(r"[^A-Za-z0-9_]", "_", c.key) + f"_{i}"
            self.out.append(f"{indent}subgraph {quote(cid)} {{\n")
            label = _font(html(c.label), color=KINDS["subflow"].border, size=10, bold=True)
            self.out.append(
                f"{indent}\tgraph "
                + _attrs(
                    {
                        "label": f"<{label}>",
                        "labelloc": "t",
                        "labeljust": "l",
                        "style": "rounded,dashed,filled",
                        "color": KINDS["subflow"].border,
                        "fillcolor": "#F7F8FD",
                        "penwidth": "1.2",
                        "margin": "12",
                    }
                )
                + "\n"
            )
            for name in c.states:
                self.state(by_name[name], indent + "\t")
            self.out.append(f"{indent}}}\n")

    def start(self) -> None:
        indent = "\t\t" if self.title else "\t"
        steps = self.path.start_steps if self.path is not None else ()
        self.out.append(
            f"{indent}{quote(START_ID)} "
            + _attrs(
                {
                    "id": "start",
                    "class": "start",
                    "shape": "box",
                    "style": "rounded,filled",
                    "fillcolor": START,
                    "color": START,
                    "fontcolor": "white",
                    "fontsize": "11",
                    "label": "<<B>\u25b6 call starts</B>>",
                    "margin": "0.15,0.05",
                }
            )
            + "\n"
        )
        attrs = {"id": "edge_start", "class": "edge-start", "penwidth": "1.6"}
        if steps:
            attrs.update({"color": PATH, "penwidth": "3.2", "class": "edge-start path"})
            label = self.edge_label((), "next", steps, False)
            if label:
                attrs["label"] = label
        self.out.append(f"{indent}{quote(START_ID)} -> {quote(self.view.start)} {_attrs(attrs)}\n")

    def edge(self, e: EdgeView, indent: str) -> None:
        steps: tuple[int, ...] = ()
        if self.path is not None:
            steps = self.path.edge_steps.get(e.id, ())
            if e.via is not None:
                key = (e.src, e.dst, e.via)
                if key in self.path.extra:
                    steps = self.path.extra[key]
                    self.used_extra.add(key)
        dim = self.dim(bool(steps))
        es = EDGE_STYLES[e.kind]
        classes = ["edge-" + e.kind]
        attrs = {
            "id": f"edge_{e.id}",
            "style": es.style,
            "color": es.color,
            "penwidth": f"{es.penwidth:g}",
        }
        if dim:
            attrs["color"] = DIM
        elif steps:
            attrs["color"] = PATH
            attrs["penwidth"] = "3.2"
            classes.append("path")
        attrs["class"] = " ".join(classes)
        label = self.edge_label(e.label, e.kind, steps, dim)
        if label:
            attrs["label"] = label
        if e.tooltip:
            attrs["tooltip"] = e.tooltip
        if e.src == e.dst:
            attrs["headport"] = "e"
            attrs["tailport"] = "e"
        self.out.append(f"{indent}{quote(e.src)} -> {quote(e.dst)} {_attrs(attrs)}\n")

    def edges(self) -> None:
        indent = "\t\t" if self.title else "\t"
        for e in self.view.edges:
            self.edge(e, indent)
        if self.path is None:
            return
        for (src, dst, via), steps in self.path.extra.items():
            if (src, dst, via) in self.used_extra:
                continue
            words, kind = via_words(via)
            attrs = {
                "id": f"edge_{src}->{dst}~{via}",
                "class": f"edge-{kind} path extra",
                "style": "dashed",
                "color": PATH,
                "penwidth": "3.2",
                "constraint": "false",
            }
            label = self.edge_label((words,), kind, steps, False)
            if label:
                attrs["label"] = label
            self.out.append(f"{indent}{quote(src)} -> {quote(dst)} {_attrs(attrs)}\n")

    def any_time_only(self) -> list[str]:
        """States reached only by any-time rules: drawn inside the any-time panel.

        Why: with no incoming edge, dot puts them on the top rank, where a
        reader takes 'CALL ENDS bye' for the first thing that happens.
        """
        targets = {r.target for r in self.view.any_time if r.target is not None}
        entered = {e.dst for e in self.view.edges} | {self.view.start}
        in_cluster = {name for c in self.view.clusters for name in c.states}
        return [
            n.name
            for n in self.view.nodes
            if n.name in targets and n.name not in entered and n.name not in in_cluster
        ]

    def any_time(self, inside: Sequence[str]) -> None:
        rows = self.view.any_time
        if not rows:
            return
        indent = "\t\t" if self.title else "\t"
        dim = self.path is not None
        text = _DIM_TEXT if dim else _TEXT
        border = "#455A64"
        cells = []
        for i, r in enumerate(rows):
            color = EDGE_STYLES.get(r.kind, EDGE_STYLES["global"]).color
            words = r.words if r.kind == "error" else ("caller says " + r.words)
            cells.append(
                f'<TR><TD ALIGN="LEFT">{_font(html(words), color=text, size=10)}</TD>'
                f'<TD ALIGN="LEFT" PORT="r{i}">'
                f"{_font(html(r.effect), color=DIM if dim else color, size=10, bold=True)}"
                "</TD></TR>"
            )
        label = (
            '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">'
            + "".join(cells)
            + "</TABLE>>"
        )
        title = _font("AT ANY TIME", color=border, size=9, bold=True) + _font(
            "&nbsp;&nbsp;in every state unless a state says otherwise", color=_NOTE, size=8
        )
        self.out.append(f"{indent}subgraph cluster_any_time {{\n")
        self.out.append(
            f"{indent}\tgraph "
            + _attrs(
                {
                    "id": "any_time_panel",
                    "label": f"<{title}>",
                    "labelloc": "t",
                    "labeljust": "l",
                    "style": "rounded,filled",
                    "fillcolor": ANY_TIME,
                    "color": border,
                    "penwidth": "1.2",
                    "margin": "10",
                }
            )
            + "\n"
        )
        self.out.append(
            f"{indent}\t{quote(ANY_ID)} "
            + _attrs(
                {
                    "id": "any_time",
                    "class": "any-time",
                    "shape": "plain",
                    "style": "solid",
                    "label": label,
                }
            )
            + "\n"
        )
        by_name = {n.name: n for n in self.view.nodes}
        for name in inside:
            self.state(by_name[name], indent + "\t")
        self.out.append(f"{indent}}}\n")
        self.out.append(f"{indent}{{rank=same; {quote(START_ID)}; {quote(ANY_ID)}}}\n")
        for i, r in enumerate(rows):
            if r.target is None:
                continue
            es = EDGE_STYLES.get(r.kind, EDGE_STYLES["global"])
            near = r.target in inside
            self.out.append(
                f"{indent}{quote(ANY_ID)}{':s' if near else f':r{i}:e'} -> {quote(r.target)} "
                + _attrs(
                    {
                        "id": f"edge_any_{i}",
                        "class": f"edge-{r.kind} any-time",
                        "style": es.style,
                        "color": DIM if dim else es.color,
                        "penwidth": "1.0",
                        "constraint": "true" if near else "false",
                        "arrowhead": "vee",
                    }
                )
                + "\n"
            )

    def legend_label(self) -> str:
        cells: list[str] = [
            '<TR><TD COLSPAN="4" ALIGN="LEFT">'
            + _font("How to read this diagram", size=11, bold=True)
            + "</TD></TR>"
        ]
        kinds = list(KINDS.items())
        half = (len(kinds) + 1) // 2
        for i in range(half):
            row = ""
            for kind, ks in (kinds[i], kinds[i + half] if i + half < len(kinds) else (None, None)):
                if kind is None or ks is None:
                    row += "<TD></TD><TD></TD>"
                    continue
                row += (
                    f'<TD BGCOLOR="{ks.fill}" COLOR="{ks.border}" BORDER="1" STYLE="rounded">'
                    f"{_font(html(ks.header), color=ks.border, size=8, bold=True)}</TD>"
                    f'<TD ALIGN="LEFT">{_font(html(ks.legend), size=9)}</TD>'
                )
            cells.append(f"<TR>{row}</TR>")
        cells.append(
            f'<TR><TD BORDER="2" COLOR="{PII}" STYLE="dashed">'
            f"{_font(html('\u275a\u275a recording paused'), color=PII, size=8, bold=True)}</TD>"
            f'<TD ALIGN="LEFT" COLSPAN="3">'
            f"{_font('private details: the call recording is paused here', size=9)}</TD></TR>"
        )
        edge_rows = [k for k, es in EDGE_STYLES.items() if es.legend]
        for i in range(0, len(edge_rows), 2):
            row = ""
            for kind in edge_rows[i : i + 2]:
                es = EDGE_STYLES[kind]
                row += (
                    f"<TD>{_font(html(es.sample), color=es.color, size=11, bold=True)}</TD>"
                    f'<TD ALIGN="LEFT">{_font(html(es.legend), size=9)}</TD>'
                )
            if len(edge_rows[i : i + 2]) == 1:
                row += "<TD></TD><TD></TD>"
            cells.append(f"<TR>{row}</TR>")
        if self.path is not None:
            cells.append(
                "<TR><TD>"
                + _font("\u2501\u2501\u2501 2", color=PATH, size=11, bold=True)
                + '</TD><TD ALIGN="LEFT" COLSPAN="3">'
                + _font(
                    "this call's path: numbered steps in order; grey parts were not used", size=9
                )
                + "</TD></TR>"
            )
        return (
            '<<TABLE BORDER="1" COLOR="#B0BEC5" CELLBORDER="0" CELLSPACING="3" '
            'CELLPADDING="3" BGCOLOR="white">' + "".join(cells) + "</TABLE>>"
        )

    def title_label(self) -> str:
        label = _font(html(self.view.name), size=18, bold=True)
        if self.view.language is not None:
            label += _font(html(f"  \u00b7  {self.view.language}"), color="#546E7A", size=14)
        if self.view.description:
            label += '<BR ALIGN="LEFT"/>' + _font(
                html(self.view.description), color="#546E7A", size=11
            )
        if self.path is not None:
            label += '<BR ALIGN="LEFT"/>' + _font(
                html(f"one call, {len(self.path.steps)} steps"), color=PATH, size=11, bold=True
            )
        return f'<{label}<BR ALIGN="LEFT"/>>'

    def build(self) -> list[str]:
        self.header()
        if self.legend:
            self.out.append("\tgraph " + _attrs({"label": self.legend_label()}) + "\n")
        if self.title:
            self.out.append("\tsubgraph cluster_flow {\n")
            self.out.append(
                "\t\tgraph "
                + _attrs(
                    {
                        "label": self.title_label(),
                        "labelloc": "t",
                        "labeljust": "l",
                        "penwidth": "0",
                        "margin": "8",
                    }
                )
                + "\n"
            )
        inside = self.any_time_only()
        self.start()
        self.any_time(inside)
        self.nodes(skip=set(inside))
        self.edges()
        if self.title:
            self.out.append("\t}\n")
        return self.out


def _body(
    flow: CompiledFlow, trace: Any, legend: bool, title: bool, language: str | None
) -> list[str]:
    view = flow_view(flow, language)
    path = call_path(flow, trace) if trace is not None else None
    return _Dot(view, path, legend, title).build()


def flow_dot(
    flow: CompiledFlow,
    *,
    trace: Any = None,
    legend: bool = True,
    title: bool = True,
    language: str | None = None,
) -> str:
    """The flow as DOT text (no ``graphviz`` import, no ``dot`` run).

    Args:
        flow: A loaded flow; it is only read.
        trace: ``CallMachine.trace_record()`` (or its events) to highlight the
            call's path, numbered in visit order.
        legend: Draw the "how to read this diagram" box.
        title: Draw the flow's name and description on top.
        language: Show the spoken texts (what states say, the AI's
            instructions) in this declared language; default: the flow's
            first. The title names it when it is not the default.

    Raises:
        RenderError: ``trace`` does not belong to this flow, or ``language``
            is not one it declares (located at the flow's ``languages:``).

    """
    lines = _body(flow, trace, legend, title, language)
    return f"digraph {quote(flow.name)} {{\n" + "".join(lines) + "}\n"


def flow_diagram(
    flow: CompiledFlow,
    *,
    trace: Any = None,
    legend: bool = True,
    title: bool = True,
    language: str | None = None,
) -> graphviz.Digraph:
    """The flow as a ``graphviz.Digraph``: shows itself as SVG in a notebook.

    Same picture as ``flow_dot``; ``.source`` is identical text. Use
    ``render_to_file`` to write files with a timeout and a cache.
    """
    import graphviz  # lazy: only diagrams need it

    return graphviz.Digraph(name=flow.name, body=_body(flow, trace, legend, title, language))
