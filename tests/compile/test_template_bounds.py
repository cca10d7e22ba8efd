"""Templates never run while a flow loads, and the operators that build huge values are bounded.

jinja2 folds constant expressions at compile time: ``{{ 10 ** 5000 }}`` used to
raise ``ValueError`` out of ``load``, and ``{{ 'a' * 1000000000 }}`` filled a
gigabyte there.
"""

from __future__ import annotations

import tracemalloc

import pytest

import superdialog
from superdialog import TemplateError
from superdialog.compile.templates import MAX_OUTPUT, compile_expression, compile_template

HUGE = [
    "{{ 10 ** 5000 }}",
    "{{ 9 ** 99999 }}",
    "{{ 'a' * 1000000000 }}",
    "{{ 'a' * 10 ** 9 }}",
    "{{ [1] * 10 ** 9 }}",
    "{{ 'x' | center(1000000000) }}",
    "{{ '%0999999999d' % 1 }}",
    "{{ '%.999999999f' | format(1) }}",
    "{{ 'x' | indent(1000000000) }}",
    "{{ lipsum(100000) }}",
    "{{ range(10 ** 9) | list }}",
    "{% autoescape 'x' | center(1000000000) %}x{% endautoescape %}",
    "{% for i in range(99999) %}{{ 'x' * 99 }}{% endfor %}",
]


@pytest.mark.parametrize("source", HUGE)
def test_loading_evaluates_nothing(source: str) -> None:
    text = 'flow: t\nstart: a\nstates:\n  a: {say: "' + source + '", end: completed}\n'
    tracemalloc.start()
    try:
        superdialog.loads(text, "t.yaml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024


@pytest.mark.parametrize("source", HUGE)
def test_rendering_refuses_instead_of_building(source: str) -> None:
    template = compile_template(source)
    with pytest.raises(TemplateError):
        template.render({})


def test_expressions_are_bounded_too() -> None:
    expr = compile_expression("10 ** 5000 > 1")
    with pytest.raises(TemplateError, match="too large"):
        expr.evaluate({})
    assert compile_expression("2 ** 10 == 1024").evaluate({})


def test_ordinary_arithmetic_and_formatting_still_work() -> None:
    cases = {
        "{{ 2 ** 10 }}": "1024",
        "{{ 'ab' * 3 }}": "ababab",
        "{{ [0] * 2 }}": "[0, 0]",
        "{{ '%05.1f' % 3.14159 }}": "003.1",
        "{{ 'x' | center(5) }}": "x",
        "{{ '%s-%s' | format(1, 2) }}": "1-2",
        "{{ 7 % 3 }}": "1",
        "{{ 3 * 4 }}": "12",
    }
    for source, expected in cases.items():
        assert compile_template(source).render({}) == expected, source


def test_one_render_is_capped() -> None:
    template = compile_template("{% for i in range(3000) %}{{ 'x' * 99 }}{% endfor %}")
    with pytest.raises(TemplateError, match=f"more than {MAX_OUTPUT} characters"):
        template.render({})
    assert len(compile_template("{{ 'x' * 99999 }}").render({})) == 99_999
