"""A slot, context key or result field named like a dict method reads its value.

Found writing fresh flows: a slot named ``items`` ("How many items?") was
spoken as "You want <built-in method items of dict object at 0x…> items" —
jinja2 tries attributes before keys, and every mapping has ``items``, ``keys``,
``values``, ``get``, ``copy``, ``update``, ``pop``…
"""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import superdialog
from superdialog.testing import RecordingSession

METHODS = sorted(n for n in dir(dict) if not n.startswith("_"))


def _said(text: str, *lines: str) -> str:
    flow = superdialog.loads(text, name="f.yaml")

    async def call() -> str:
        machine = flow.build(RecordingSession())
        said = await machine.start()
        for line in lines:
            said = await machine.turn(line)
        return said

    return asyncio.run(call())


@settings(max_examples=len(METHODS), deadline=None)
@given(st.sampled_from(METHODS))
def test_a_slot_named_like_a_dict_method_reads_its_value(name: str) -> None:
    text = (
        f"flow: f\nslots:\n  {name}: {{type: number, prompt: 'How many?'}}\nstart: a\n"
        f"states:\n  a: {{collect: [{name}], next: b}}\n"
        f"  b: {{say: 'You said {{{{ slots.{name} }}}}.', end: completed}}\n"
    )
    assert _said(text, "three") == "You said 3."


@pytest.mark.parametrize("name", ["items", "keys", "values", "get"])
def test_context_keys_and_result_fields_too(name: str) -> None:
    text = (
        f"flow: f\ncontext:\n  shop: {{{name}: Luigi}}\nstart: a\nstates:\n"
        f"  a: {{say: '{{{{ shop.{name} }}}} here.', end: completed}}\n"
    )
    assert _said(text) == "Luigi here."


def test_a_dashed_slot_read_with_a_dot_is_explained_once() -> None:
    # slots.card-number is slots.card minus number: two puzzling problems before
    text = (
        "flow: f\nslots:\n  card-number: {type: digits}\nstart: a\nstates:\n"
        "  a: {collect: [card-number], next: b}\n"
        '  b: {say: "got {{ slots.card-number }}", end: completed}\n'
    )
    with pytest.raises(superdialog.FlowError) as err:
        superdialog.loads(text, name="f.yaml")
    [problem] = err.value.problems
    assert problem.message == "unknown slot 'card' in template"
    assert problem.hint == (
        "a '-' in a template is a minus: write slots['card-number'], or name the slot card_number"
    )
    fixed = text.replace("slots.card-number", "slots['card-number']")
    assert _said(fixed, "one two three") == "got 123"
