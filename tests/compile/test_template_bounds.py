"""Templates never run while a flow loads, and the operators that build huge values are bounded.

jinja2 folds constant expressions at compile time: ``{{ 10 ** 5000 }}`` used to
raise ``ValueError`` out of ``load``, and ``{{ 'a' * 1000000000 }}`` filled a
gigabyte there.
"""

from __future__ import annotations

import math
import time
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import superdialog
from superdialog import TemplateError
from superdialog.compile.templates import (
    MAX_LOOP_STEPS,
    MAX_OUTPUT,
    compile_expression,
    compile_template,
)

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


# Found by the hostile-template probe: these held the event loop for minutes (loops with
# no output) or built a gigabyte before the output bound could see it.
SLOW_OR_HUGE = [
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}"
    "{% endfor %}{% endfor %}{% endfor %}",
    "{% set x = range(99999) | list %}{% for a in x %}{% for b in x %}{% endfor %}{% endfor %}",
    "{% for a in 'x' * 99999 %}{% for b in 'y' * 99999 %}{% endfor %}{% endfor %}",
    "{{ 'ab' | replace('a', 'x' * 100000) | replace('x', 'y' * 100000) }}",
    "{{ 'ab'.replace('a', 'x' * 100000).replace('x', 'y' * 100000) }}",
    "{{ 'a'.ljust(10 ** 9) }}",
    "{{ 'a'.rjust(10 ** 9) }}",
    "{{ 'x'.zfill(10 ** 9) }}",
    "{{ ('\\t' * 1000).expandtabs(1000000) }}",
    "{{ '{:>999999999}'.format(1) }}",
    "{{ '{0:{1}}'.format(1, 10 ** 9) }}",
    "{{ '{n:>999999999}'.format_map({'n': 1}) }}",
    "{{ '%*d' % (10 ** 8, 1) }}",
    "{{ '%.*f' % (10 ** 8, 1) }}",
    "{{ [1] | batch(10 ** 9, 'x') | list }}",
    "{{ [1] | slice(10 ** 9) | list }}",
]


@pytest.mark.parametrize("source", SLOW_OR_HUGE)
def test_loops_and_text_methods_are_bounded_before_they_run(source: str) -> None:
    template = compile_template(source)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(TemplateError):
            template.render({})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 2.0
    assert peak < 40 * 1024 * 1024


@settings(derandomize=True, deadline=None, max_examples=60)
@given(st.lists(st.integers(1, 400), min_size=1, max_size=4))
def test_nested_loops_run_or_stop_at_the_step_budget(sizes: list[int]) -> None:
    """Any nest of loops: it renders when its steps fit the budget, else a TemplateError, fast."""
    opening = "".join(f"{{% for i{n} in range({size}) %}}" for n, size in enumerate(sizes))
    source = opening + "." + "{% endfor %}" * len(sizes)
    steps = sum(math.prod(sizes[: k + 1]) for k in range(len(sizes)))
    dots = math.prod(sizes)
    template = compile_template(source)
    started = time.perf_counter()
    if steps <= MAX_LOOP_STEPS and dots <= MAX_OUTPUT:
        assert template.render({}) == "." * dots
    else:
        with pytest.raises(TemplateError):
            template.render({})
    assert time.perf_counter() - started < 1.0


def test_loops_keep_their_loop_variable_else_and_filter() -> None:
    cases = {
        "{% for i in range(3) %}{{ loop.index }}{% if loop.last %}!{% endif %}{% endfor %}": "123!",
        "{% for i in [1, 2, 3] if i > 1 %}{{ i }}{% else %}none{% endfor %}": "23",
        "{% for i in [] %}{{ i }}{% else %}none{% endfor %}": "none",
        "{% for a, b in [('x', 1)] %}{{ a }}{{ b }}{% endfor %}": "x1",
        "{{ 'Hi {}'.format('Bob') }} {{ 'a-b' | replace('-', ' ') }}": "Hi Bob a b",
        "{{ range(5) | batch(2) | list }}": "[[0, 1], [2, 3], [4]]",
    }
    for source, expected in cases.items():
        assert compile_template(source).render({}) == expected, source
    budget = compile_template("{% for i in range(60000) %}{% endfor %}")
    budget.render({})
    budget.render({})  # the budget is per render, not per template
