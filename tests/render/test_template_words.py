"""Diagrams show a template as words: inline ifs, ``{% if %}`` blocks, filters never half raw.

The old regex showed ``{{ 'morning' if slots.hour < 12 else 'afternoon' }}`` as
that whole expression in guillemets, cut a quoted ``|`` or ``}}`` in
the middle, and joined both branches of an ``{% if %}`` into one sentence.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import superdialog
from superdialog.compile.templates import compile_template
from superdialog.render.mermaid import flow_mermaid
from superdialog.render.style import plain_template

CASES = [
    (
        "Good {{ 'morning' if slots.hour < 12 else 'afternoon' }}, {{ slots.name }}.",
        "Good (morning / afternoon), \u2039name\u203a.",
    ),
    (
        "{% if slots.vip %}Welcome back{% else %}Hello{% endif %} {{ slots.name }}",
        "(Welcome back / Hello) \u2039name\u203a",
    ),
    ("{% if slots.vip %}Nice to see you.{% endif %} Hi", "(Nice to see you.) Hi"),
    ("Total: {{ results.order.total | spoken('amount') }}", "Total: \u2039order.total\u203a"),
    ("{{ slots['card-number'] | masked }}", "\u2039card-number\u203a"),
    ("{{ (slots.name or 'friend') | title }}", "(\u2039name\u203a / friend)"),
    ("{{ slots.n ~ ' people' }}", "\u2039n\u203a people"),
    ("A {{ 'a|b' }} c", "A a|b c"),
    ('{{ "}}" }} hi', "}} hi"),
    ("{{ slots.n + 1 }} seats", "\u2039n\u203a seats"),
    ("{{ 'x' * 10**9 }}", "\u2039\u2026\u203a"),  # nothing is evaluated
]


@pytest.mark.parametrize(("source", "words"), CASES)
def test_templates_read_as_words(source: str, words: str) -> None:
    assert plain_template(source) == words


_TEXT = st.text(alphabet="abcdefghij ,.!?", min_size=1, max_size=12).filter(str.strip)
_SLOT = st.sampled_from(["name", "day", "party_size", "hour"])


@st.composite
def _pieces(draw: st.DrawFn) -> tuple[str, list[str], list[str]]:
    """A template of text, slot reads, inline ifs and if blocks; the words and names in it."""
    source, words, names = [], [], []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["text", "read", "inline", "block", "filter"]))
        a, b, slot = draw(_TEXT), draw(_TEXT), draw(_SLOT)
        if kind == "text":
            source.append(a)
            words.append(a)
        elif kind == "read":
            source.append(f"{{{{ slots.{slot} }}}}")
            names.append(slot)
        elif kind == "inline":
            source.append(f"{{{{ '{a}' if slots.{slot} else '{b}' }}}}")
            words += [a, b]
        elif kind == "block":
            source.append(f"{{% if slots.{slot} %}}{a}{{% else %}}{b}{{% endif %}}")
            words += [a, b]
        else:
            source.append(f"{{{{ slots.{slot} | spoken | title }}}}")
            names.append(slot)
        source.append(" ")
    return "".join(source), words, names


@settings(derandomize=True, deadline=None, max_examples=300)
@given(_pieces())
def test_generated_templates_show_no_jinja_and_every_wording(
    case: tuple[str, list[str], list[str]],
) -> None:
    source, words, names = case
    compile_template(source)  # a template a flow could hold
    shown = plain_template(source)
    for mark in ("{{", "}}", "{%", "%}", " if slots", " else ", "|"):
        assert mark not in shown, (source, shown)
    for word in words:
        assert " ".join(word.split()) in shown, (source, shown)
    for name in names:
        assert f"\u2039{name}\u203a" in shown, (source, shown)


def test_a_diagram_shows_the_wordings_of_a_greeting() -> None:
    flow = superdialog.loads(
        "flow: g\nslots:\n  name: {type: name}\nstart: a\nstates:\n"
        "  a:\n    collect: [name]\n    next: b\n"
        "  b: {say: \"Good {{ 'morning' if now.hour < 12 else 'evening' }}, "
        '{{ slots.name }}.", end: completed}\n',
        "g.yaml",
    )
    text = flow_mermaid(flow)
    assert "morning / evening" in text and "if now.hour" not in text
