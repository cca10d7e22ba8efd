"""The visual language of flow diagrams: one place for shapes, colours and words.

Diagrams are reviewed by the people who own a call script, not only by
engineers, so every visual choice here carries meaning and appears in the
legend: a colour and shape per state kind, a red dashed border where the
recording is paused, dotted purple where the AI decides and solid black where
a rule decides. Graphviz and Mermaid both read this module, so the two
outputs speak the same language.

Glyphs are limited to ones the common DejaVu/Liberation fonts carry, so PNGs
rendered on a bare Linux box show no missing-glyph boxes.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from superdialog.render.template_words import template_words

__all__ = [
    "ANY_TIME",
    "DIM",
    "EDGE_STYLES",
    "FONT",
    "KINDS",
    "PATH",
    "PII",
    "START",
    "EdgeStyle",
    "KindStyle",
    "html",
    "plain_template",
    "trim",
    "wrap",
]

FONT = "Helvetica,Arial,sans-serif"
"""Font list: Helvetica on macOS, Arial on Windows, a metric clone on Linux."""


@dataclass(frozen=True, slots=True)
class KindStyle:
    """How one state kind looks: shape, colours and the word over its name."""

    shape: str
    fill: str
    border: str
    header: str
    legend: str
    mermaid_open: str
    mermaid_close: str
    rounded: bool = True
    peripheries: int = 1


KINDS: dict[str, KindStyle] = {
    "speak": KindStyle(
        "box",
        "#E3F2FD",
        "#1E88E5",
        "SAYS",
        "says a line, then moves on",
        "(",
        ")",
    ),
    "llm": KindStyle(
        "box",
        "#F3E5F5",
        "#8E24AA",
        "\u2726 AI CONVERSATION",
        "the AI talks with the caller",
        "{{",
        "}}",
    ),
    "collect": KindStyle(
        "box",
        "#E8F5E9",
        "#43A047",
        "\u270e ASKS FOR",
        "asks for details (slots)",
        "[/",
        "/]",
    ),
    "branch": KindStyle(
        "diamond",
        "#FFFDE7",
        "#F9A825",
        "\u25c6 DECIDES",
        "decides by a rule, silently",
        "{",
        "}",
        rounded=False,
    ),
    "action": KindStyle(
        "box",
        "#E0F2F1",
        "#00897B",
        "\u2699 SYSTEM ACTION",
        "calls a back-office system",
        "[[",
        "]]",
        rounded=False,
    ),
    "subflow": KindStyle(
        "box",
        "#E8EAF6",
        "#3949AB",
        "\u21b3 SUB-FLOW",
        "runs a shared sub-flow (dashed box)",
        "[[",
        "]]",
        rounded=False,
        peripheries=2,
    ),
    "end": KindStyle(
        "box",
        "#EEEEEE",
        "#424242",
        "\u2691 CALL ENDS",
        "the call ends here",
        "([",
        "])",
        peripheries=2,
    ),
    "transfer": KindStyle(
        "box",
        "#FFF3E0",
        "#EF6C00",
        "\u260e TRANSFER",
        "hands the call to a person or agent",
        "[/",
        "\\]",
        peripheries=2,
    ),
}
"""Style per ``StateKind``; the order is the legend's order."""


@dataclass(frozen=True, slots=True)
class EdgeStyle:
    """How one edge kind looks, and what it means in the legend."""

    color: str
    style: str
    legend: str
    sample: str
    mermaid_arrow: str
    penwidth: float = 1.2


EDGE_STYLES: dict[str, EdgeStyle] = {
    "next": EdgeStyle(
        "#263238",
        "solid",
        "fixed rule: always, if \u2026, otherwise, hears \u201cwords\u201d",
        "\u2500\u2500\u2500\u25b6",
        "-->",
    ),
    "if": EdgeStyle("#263238", "solid", "", "", "-->"),
    "intent": EdgeStyle("#263238", "solid", "", "", "-->"),
    "else": EdgeStyle("#263238", "solid", "", "", "-->"),
    "when": EdgeStyle(
        "#8E24AA",
        "dotted",
        "the AI judges the condition",
        "\u2508\u2508\u2508\u25b6",
        "-.->",
        penwidth=1.6,
    ),
    "fail": EdgeStyle(
        "#757575",
        "dashed",
        "caller not understood after retries",
        "\u254c\u254c\u254c\u25b6",
        "-.->",
    ),
    "error": EdgeStyle(
        "#D32F2F",
        "dashed",
        "something failed (system, AI, template)",
        "\u254c\u254c\u254c\u25b6",
        "-.->",
    ),
    "global": EdgeStyle(
        "#455A64",
        "dashed",
        "words the caller may say at any time",
        "\u254c\u254c\u254c\u25b6",
        "-.->",
    ),
    "call": EdgeStyle(
        "#00796B",
        "dashed",
        "a digression: answered, then back to the question it interrupted",
        "\u254c\u254c\u254c\u25b6",
        "-.->",
    ),
    "return": EdgeStyle(
        "#00796B",
        "dotted",
        "back to the interrupted step, whose question is asked again",
        "\u2508\u2508\u2508\u25b6",
        "-.->",
    ),
    "cancel": EdgeStyle(
        "#EF6C00",
        "dashed",
        "the caller says \u201cnever mind\u201d",
        "\u254c\u254c\u254c\u25b6",
        "-.->",
    ),
}
"""Style per ``EdgeKind`` (``global`` covers the any-time intents)."""

PII = "#D32F2F"
"""Border and text colour marking a state where the recording is paused."""

PATH = "#C2185B"
"""Colour of a call's path: bold edges, numbered badges, visited borders."""

DIM = "#B0BEC5"
"""Colour of everything a highlighted call did not touch."""

START = "#263238"
"""Fill of the 'call starts' marker."""

ANY_TIME = "#FAFAFA"
"""Fill of the single 'at any time' node holding the global intents."""

_SPACES = re.compile(r"\s+")


def plain_template(source: str) -> str:
    """A template's source as a reader sees it: ``{{ slots.x | spoken }}`` becomes x in guillemets.

    The name is set in single guillemets (U+2039, U+203A) so it stands out;
    inline ifs and ``{% if %}`` blocks show each wording (see
    ``render.template_words``).

    Why: business reviewers read the words, not Jinja. Only the *source* is
    shown, never a rendered value, so no slot value can reach a diagram.
    """
    return template_words(source)


def trim(text: str, limit: int) -> str:
    """Collapse whitespace and cut at a word boundary with an ellipsis past ``limit``."""
    text = _SPACES.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "\u2026"


def wrap(text: str, width: int, max_lines: int) -> list[str]:
    """Wrap into at most ``max_lines`` lines of ``width``; the last one ends with an ellipsis."""
    text = _SPACES.sub(" ", text).strip()
    if not text:
        return []
    lines = textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False)
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    kept[-1] = trim(kept[-1] + " " + lines[max_lines], width)
    if not kept[-1].endswith("\u2026"):
        kept[-1] = kept[-1].rstrip(" ,;:.-") + "\u2026"
    return kept


def html(text: str) -> str:
    """Escape text for a Graphviz HTML-like label (``&``, ``<``, ``>``, ``"``)."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
