"""What a diagram says about a flow, independent of how it is drawn.

Graphviz and Mermaid render the same ``FlowView``, so a reviewer sees the same
summaries, edge words and any-time rules in either. The view reads the
compiled flow and never changes it; it reads template *sources* only, so slot
values cannot appear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING

from superdialog.render.language import diagram_language, source_in
from superdialog.render.style import plain_template, trim, wrap

if TYPE_CHECKING:
    from superdialog.compile.compiled import CompiledFlow
    from superdialog.compile.model import CompiledState, Edge

__all__ = [
    "AnyTimeRow",
    "ClusterView",
    "EdgeView",
    "FlowView",
    "NodeView",
    "flow_view",
    "via_words",
]

_WIDTH = 30
"""Characters per summary line: keeps boxes narrow enough for a tall TB layout."""

_NS = re.compile(r"\b(?:slots|results)\.")


@dataclass(frozen=True, slots=True)
class NodeView:
    """One state as a reader sees it.

    Attributes:
        name: The state's name (its id in every output).
        title: The name shown (inside a sub-flow box, without the box's prefix).
        kind: The ``StateKind``.
        lines: What it does, in a few short lines.
        outcome: For end and transfer states: the reason or the target and mode.
        notes: Small print (timeouts, any-time words switched off here).
        pii: Whether recording is paused here.
        pause_reason: The reason sent with the pause, when not the default.
        cluster: The sub-flow box it belongs to, if any.
        tooltip: The full, untrimmed text for hovering in an SVG.

    """

    name: str
    title: str
    kind: str
    lines: tuple[str, ...]
    outcome: str | None
    notes: tuple[str, ...]
    pii: bool
    pause_reason: str | None
    cluster: str | None
    tooltip: str


@dataclass(frozen=True, slots=True)
class EdgeView:
    """One edge: ``kind`` picks the style, ``label`` the (trimmed, wrapped) words."""

    id: str
    src: str
    dst: str
    kind: str
    label: tuple[str, ...]
    tooltip: str | None
    via: str | None = None


@dataclass(frozen=True, slots=True)
class AnyTimeRow:
    """One rule of the single 'at any time' node: what triggers it and where it goes."""

    words: str
    target: str | None
    effect: str
    kind: str


@dataclass(frozen=True, slots=True)
class ClusterView:
    """A sub-flow box: its key, its caption and the states inside."""

    key: str
    label: str
    states: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FlowView:
    """Everything a diagram of one flow shows."""

    name: str
    description: str | None
    start: str
    nodes: tuple[NodeView, ...]
    edges: tuple[EdgeView, ...]
    any_time: tuple[AnyTimeRow, ...]
    clusters: tuple[ClusterView, ...]
    language: str | None = None
    """The language the spoken texts are shown in, when it is not the flow's default."""


def via_words(via: str) -> tuple[str, str]:
    """Words and edge kind for a move a trace made off the drawn edges.

    Why: a global intent or the flow-wide error path has no edge of its own
    from the state the caller was in; the path still has to show the jump.
    """
    if via.startswith("global:"):
        return f"hears {_words(via[7:])}", "global"
    if via.startswith("call:"):
        return f"hears {_words(via[5:])}", "call"
    if via == "return":
        return "back to the interrupted step", "return"
    if via == "cancel":
        return f"hears {_words('never_mind')}", "cancel"
    if via == "error":
        return "after an error", "error"
    if via == "fail":
        return "not understood", "fail"
    return via, "next"


def _words(intent: str) -> str:
    """An intent name as the caller would say it: ``start_over`` → “start over”."""
    return _quote(intent.replace("_", " "))


def _quote(text: str) -> str:
    return f"\u201c{text}\u201d"


def _said(state: CompiledState, language: str) -> list[str]:
    if not state.say:
        return []
    text = plain_template(source_in(state.say[0], language))
    lines = wrap(_quote(text), _WIDTH, 3)
    if len(state.say) > 1:
        lines.append(f"(+{len(state.say) - 1} variant{'s' if len(state.say) > 2 else ''})")
    return lines


def _slot_line(flow: CompiledFlow, name: str) -> str:
    slot = flow.slots.get(name)
    if slot is None:
        return name
    bits = [slot.spec.type.replace("_", " ")]
    if slot.spec.confirm:
        bits.append("read back")
    if slot.pii:
        bits.append("private")
    return f"\u2022 {name} ({', '.join(bits)})"


def _summary(
    flow: CompiledFlow, st: CompiledState, language: str
) -> tuple[list[str], list[str], str | None]:
    lines: list[str] = []
    notes: list[str] = []
    outcome: str | None = None
    if st.description:
        lines += wrap(st.description, _WIDTH, 2)
    if st.kind == "llm" and st.llm is not None:
        lines += wrap(plain_template(source_in(st.llm, language)), _WIDTH, 3)
        lines += _said(st, language)
    elif st.kind == "collect":
        lines += _said(st, language)
        shown = st.collect[:4]
        lines += [_slot_line(flow, s) for s in shown]
        if len(st.collect) > len(shown):
            lines.append(f"\u2022 +{len(st.collect) - len(shown)} more")
    elif st.kind == "action" and st.action is not None:
        spec = st.action.spec
        if spec.call:
            lines.append(f"runs {spec.call}")
        elif spec.http is not None:
            lines.append(trim(f"{spec.http.method} {plain_template(spec.http.url)}", _WIDTH))
        lines += _said(st, language)
        notes.append(f"gives up after {spec.timeout:g} s")
    elif st.kind == "subflow":
        use = flow.spec.states[st.name].use if st.name in flow.spec.states else None
        if use:
            lines.append(f"runs {PurePath(use).name}")
        lines += _said(st, language)
    elif st.kind == "transfer" and st.transfer is not None:
        lines += _said(st, language)
        t = st.transfer
        if t.kind == "number":  # a templated number is shown as what it reads
            target = plain_template(t.target) if t.template is not None else t.target
            outcome = f"\u2192 number {target} \u00b7 {t.mode}"
        else:
            where = "queue" if t.kind == "human" else "agent"
            outcome = f"\u2192 {where} {_quote(t.target)} \u00b7 {t.mode}"
        if t.announcement is not None:
            notes.append("briefs the colleague first")
    elif st.kind == "end":
        lines += _said(st, language)
        outcome = f"reason: {st.end_reason}"
    else:
        lines += _said(st, language)
    return lines, notes, outcome


def _tooltip(st: CompiledState, language: str) -> str:
    parts = [f"{st.name} ({st.kind})"]
    parts += [plain_template(source_in(t, language)) for t in st.say]
    if st.llm is not None:
        parts.append("AI: " + plain_template(source_in(st.llm, language)))
    return "\n".join(parts)


def _edge_label(st: CompiledState, e: Edge) -> tuple[tuple[str, ...], str | None]:
    src = e.label or ""
    if e.kind == "if":
        return (trim("if " + _NS.sub("", src), 34),), src
    if e.kind == "else":
        return ("otherwise",), None
    if e.kind == "intent":
        return (f"hears {_words(src)}",), None
    if e.kind == "when":
        return tuple(wrap(src, 26, 3)), src
    if e.kind == "fail":
        tries = st.retries
        return (
            (
                f"unclear after {tries} re-ask{'s' if tries != 1 else ''}"
                if tries
                else "not understood"
            ),
        ), None
    if e.kind == "error":
        return ("if it fails",), None
    if e.kind == "cancel":
        return (f"hears {_words('never_mind')}",), None
    return (), None


def _any_time(flow: CompiledFlow) -> tuple[list[AnyTimeRow], set[tuple[str, str | None]]]:
    rows: list[AnyTimeRow] = []
    keys: set[tuple[str, str | None]] = set()
    for rule in flow.spec.global_:
        keys.add((rule.intent, rule.goto))
        if rule.call is not None:  # a digression: drawn to its target, which comes back
            effect = f"\u21aa {rule.call}, then back"
            rows.append(AnyTimeRow(_words(rule.intent), rule.call, effect, "call"))
            continue
        effect = f"\u2192 {rule.goto}" if rule.goto is not None else "answers, stays put"
        rows.append(AnyTimeRow(_words(rule.intent), rule.goto, effect, "global"))
    for builtin, effect in (("repeat", "says it again"), ("help", "explains, stays put")):
        if all(r.intent != builtin for r in flow.spec.global_):
            keys.add((builtin, None))
            rows.append(AnyTimeRow(_words(builtin), None, effect, "global"))
    if all(r.intent != "never_mind" for r in flow.spec.global_):
        keys.add(("never_mind", None))
        oc = flow.spec.on_cancel
        if oc is None:
            rows.append(
                AnyTimeRow(_words("never_mind"), None, "drops this step's answers", "global")
            )
        else:
            target = oc if isinstance(oc, str) else oc.to
            rows.append(AnyTimeRow(_words("never_mind"), target, f"\u2192 {target}", "cancel"))
    if flow.graph.flow_error_edge_target is not None:
        target = flow.graph.flow_error_edge_target
        rows.append(AnyTimeRow("something fails", target, f"\u2192 {target}", "error"))
    return rows, keys


def flow_view(flow: CompiledFlow, language: str | None = None) -> FlowView:
    """Summarise ``flow`` for drawing. Reads only; the flow is not touched.

    ``language`` picks the version of every spoken text shown (a declared
    language; default: the flow's first). Raises ``RenderError`` (located at
    the flow's ``languages:``) for a language the flow does not declare.
    """
    lang = diagram_language(flow, language)
    rows, flow_globals = _any_time(flow)
    flow_names = {name for name, _ in flow_globals}
    nodes: list[NodeView] = []
    edges: list[EdgeView] = []
    members: dict[str, list[str]] = {}
    for st in flow.states.values():
        lines, notes, outcome = _summary(flow, st, lang)
        if st.returns:
            notes.append("\u21a9 then back to the interrupted step")
        own = {(g.intent.name, g.goto) for g in st.globals}
        off = sorted(flow_names - {name for name, _ in own})
        if off and not st.terminal:
            notes.append("not here: " + ", ".join(_words(n) for n in off))
        title = st.name
        if st.cluster is not None:
            members.setdefault(st.cluster, []).append(st.name)
            prefix = st.cluster + "."
            if title.startswith(prefix):
                title = title[len(prefix) :]
        nodes.append(
            NodeView(
                name=st.name,
                title=title,
                kind=st.kind,
                lines=tuple(lines),
                outcome=outcome,
                notes=tuple(notes),
                pii=st.pii,
                pause_reason=st.pause_reason if st.pii and st.pause_reason != "pii" else None,
                cluster=st.cluster,
                tooltip=_tooltip(st, lang),
            )
        )
        own_cancel = (
            st.cancel_edge if st.cancel_edge and st.cancel_edge.label == "on_cancel" else None
        )
        own_edges = [*st.edges, st.next_edge, st.fail_edge, st.error_edge, own_cancel]
        for e in own_edges:
            if e is None:
                continue
            label, tip = _edge_label(st, e)
            edges.append(EdgeView(e.id, e.src, e.dst, e.kind, label, tip))
        for name, goto in sorted(own - flow_globals, key=lambda k: (k[0], k[1] or "")):
            if goto is not None and not st.terminal:
                edges.append(
                    EdgeView(
                        f"{st.name}->{goto}~global:{name}",
                        st.name,
                        goto,
                        "global",
                        (f"hears {_words(name)}",),
                        None,
                        via=f"global:{name}",
                    )
                )
    clusters = []
    for key, names in members.items():
        use = flow.spec.states[key].use if key in flow.spec.states else None
        caption = f"sub-flow {key}" + (f"  \u00b7  {PurePath(use).name}" if use else "")
        clusters.append(ClusterView(key, caption, tuple(names)))
    return FlowView(
        name=flow.name,
        description=flow.spec.description,
        start=flow.start,
        nodes=tuple(nodes),
        edges=tuple(edges),
        any_time=tuple(rows),
        clusters=tuple(clusters),
        language=None if lang == diagram_language(flow, None) else lang,
    )
