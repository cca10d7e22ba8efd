"""A misspelt filter or test is a load error wherever the template uses it.

jinja2 refuses an unknown filter when it compiles - except inside an
``{% if %}`` block, where it defers the refusal to the moment the block runs:
``{% if slots.day %}{{ slots.day | spokn }}{% endif %}`` validated and the call
that took that branch ended in error (found writing a fresh parcel flow).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import superdialog
from superdialog.errors import FlowError

WRAPS = [
    "{}",
    "{{% if slots.n %}}{}{{% endif %}}",
    "{{% if slots.n %}}ok{{% else %}}{}{{% endif %}}",
    "{{% if slots.n %}}ok{{% elif slots.n > 2 %}}{}{{% endif %}}",
    "{{% for i in [1, 2] %}}{}{{% endfor %}}",
    "{{% if slots.n %}}{{% if slots.n > 1 %}}{}{{% endif %}}{{% endif %}}",
]
USES = [
    ("{{{{ slots.n | {} }}}}", "filter", "spoken"),
    ("{{{{ slots.n | {}('number') }}}}", "filter", "spoken"),
    ("{{% if slots.n is {} %}}x{{% endif %}}", "test", "number"),
]


def _flow(say: str) -> str:
    return (
        "flow: f\nslots:\n  n: {type: number}\nstart: a\nstates:\n"
        "  a: {collect: [n], next: b}\n"
        f"  b: {{say: {say!r}, end: completed}}\n".replace("\\'", "''")
    )


@settings(derandomize=True, deadline=None, max_examples=80)
@given(
    st.sampled_from(WRAPS),
    st.sampled_from(USES),
    st.sampled_from(["spokn", "spokne", "nmber", "numbr", "uper"]),
)
def test_an_unknown_filter_or_test_is_refused_at_its_line(
    wrap: str, use: tuple[str, str, str], bad: str
) -> None:
    template, kind, good = use
    say = wrap.format(template.format(bad))
    with pytest.raises(FlowError) as info:
        superdialog.loads(_flow(say), "f.yaml")
    assert [(p.line, p.message.split(".")[0]) for p in info.value.problems] == [
        (7, f"template syntax error: No {kind} named '{bad}'")
    ], say
    assert superdialog.loads(_flow(wrap.format(template.format(good))), "f.yaml")


@pytest.mark.parametrize("style", [">-", "|"])
@pytest.mark.parametrize("inside_if", [False, True])
def test_in_a_block_text_it_is_located_at_its_own_line(style: str, inside_if: bool) -> None:
    """A block text's template was located at its first line, the word several lines below."""
    use = "{{ slots.n | spokn }}"
    if inside_if:
        use = "{% if slots.n %}" + use + "{% endif %}"
    text = (
        "flow: f\nslots:\n  n: {type: number}\nstart: a\nstates:\n"
        "  a: {collect: [n], next: b}\n"
        f"  b:\n    say: {style}\n      Thanks.\n      You said\n      {use}.\n"
        "    end: completed\n"
        "  c: {say: 'spokn', end: completed}\n"
    )
    with pytest.raises(FlowError) as info:
        superdialog.loads(text, "f.yaml")
    problem = next(p for p in info.value.problems if "spokn" in p.message)
    assert (problem.line, problem.column) == (11, 7 + use.index("spokn")), problem


def test_an_unknown_name_in_a_block_text_is_located_at_its_line() -> None:
    text = (
        "flow: f\nslots:\n  n: {type: number}\nstart: a\nstates:\n"
        "  a: {collect: [n], next: b}\n"
        "  b:\n    say: >-\n      Thanks, my friend.\n      You said {{ slots.m }}.\n"
        "    end: completed\n"
    )
    with pytest.raises(FlowError) as info:
        superdialog.loads(text, "f.yaml")
    (problem,) = info.value.problems
    assert (problem.line, problem.column, problem.message) == (
        10,
        25,
        "unknown slot 'm' in template",
    )
