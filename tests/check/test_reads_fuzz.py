"""``templates.reads`` on any text: names and guards, or a syntax problem, never a crash."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from superdialog.compile.templates import TemplateSyntaxProblem, reads

PIECES = st.sampled_from(
    [
        "{{",
        "}}",
        "{%",
        "%}",
        "if",
        "endif",
        "for",
        "in",
        "endfor",
        "results",
        "slots",
        ".",
        "rx",
        "[",
        "]",
        "'a'",
        "0",
        "is",
        "defined",
        "and",
        "or",
        "not",
        "|",
        "default",
        "(",
        ")",
        " ",
        "x",
        "else",
        "set",
        "=",
        "loop",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=30).map("".join), st.booleans())
def test_reads_never_crash(source: str, expression: bool) -> None:
    try:
        found = reads(source, expression=expression)
    except TemplateSyntaxProblem:
        return
    for read in found:
        assert read.path and isinstance(read.path[0], str)
        assert read.line >= 1


@settings(max_examples=100, deadline=None)
@given(st.from_regex(r"v[a-z]{0,7}", fullmatch=True), st.from_regex(r"v[a-z]{0,7}", fullmatch=True))
def test_a_defined_guard_protects_every_read_below_it(name: str, field: str) -> None:
    source = f"{{% if results.{name} is defined %}}{{{{ results.{name}.{field} }}}}{{% endif %}}"
    found = [r for r in reads(source) if r.path[:2] == ("results", name)]
    assert found and all(r.guarded for r in found)
