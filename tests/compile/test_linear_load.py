"""Loading a big flow parses and compiles each distinct template once, however many there are.

The checks walk every template again after compiling it; a parse cache of
1,024 thrashed on a flow with more distinct ``if:`` texts than that, and each
was parsed three times (8,000 ``if:`` transitions took ~11 s to validate).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import jinja2
import pytest

import superdialog
from superdialog.compile.templates import compile_expression, environment


def _flow(conditions: list[str]) -> str:
    rules = "".join(f"      - {{if: '{c}', to: done}}\n" for c in conditions)
    return (
        "flow: big\nslots:\n  n: {type: number}\nstart: ask\nstates:\n"
        "  ask:\n    collect: [n]\n    transitions:\n"
        f"{rules}      - {{to: done}}\n"
        "  done: {say: 'Bye {{ slots.n }}.', end: completed}\n"
    )


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many times jinja2 parsed each source."""
    seen: Counter[str] = Counter()
    env = environment()
    real_parse = type(env)._parse

    def counting(self: Any, source: str, name: Any, filename: Any) -> Any:
        seen[source] += 1
        return real_parse(self, source, name, filename)

    monkeypatch.setattr(type(env), "_parse", counting)
    real_expr = type(env).compile_expression

    def counting_expr(self: Any, source: str, undefined_to_none: bool = True) -> Any:
        seen["{{ " + source + " }}"] += 1  # jinja2 parses it on its own
        return real_expr(self, source, undefined_to_none)

    monkeypatch.setattr(type(env), "compile_expression", counting_expr)
    return seen


def test_each_distinct_expression_is_parsed_once(parses: Counter[str]) -> None:
    conditions = [f"slots.n == {i}" for i in range(1_100)]  # more than the old cache held
    superdialog.loads(_flow(conditions), "big.yaml")
    per_expression = [parses["{{ " + c + " }}"] for c in conditions]
    assert max(per_expression) == 1, Counter(per_expression)


def test_a_repeated_expression_is_compiled_once(parses: Counter[str]) -> None:
    superdialog.loads(_flow(["slots.n > 3"] * 500 + ["slots.n < 2"] * 500), "same.yaml")
    assert parses["{{ slots.n > 3 }}"] == 1
    assert parses["{{ slots.n < 2 }}"] == 1


@pytest.mark.parametrize(
    ("source", "truth"),
    [
        ("slots.n == 3", {3: True, 4: False}),
        ("slots.n is none or slots.n > 2", {None: True, 1: False, 5: True}),
        ("(slots.n or 0) in [1, 2]", {1: True, None: False}),
        ("slots.n | default(7) == 7", {None: False, 7: True}),
    ],
)
def test_an_expression_from_the_shared_tree_reads_like_jinja2s(
    source: str, truth: dict[Any, bool]
) -> None:
    ours = compile_expression(source)
    theirs = environment().compile_expression(source, undefined_to_none=False)
    for value, expected in truth.items():
        variables = {"slots": {"n": value}}
        assert ours.evaluate(variables) is expected
        assert bool(theirs(variables)) is expected


@pytest.mark.parametrize(
    "source",
    ["slots.n }}{{ slots.n", "slots.n }} and {{ 1", "slots.n ==", "slots.n }}{% if x %}{% endif"],
)
def test_texts_that_are_not_one_expression_are_still_refused(source: str) -> None:
    with pytest.raises(ValueError, match="syntax error"):
        compile_expression(source)
    with pytest.raises(jinja2.TemplateSyntaxError):
        environment().compile_expression(source)
