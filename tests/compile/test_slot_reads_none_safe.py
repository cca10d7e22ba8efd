"""An empty slot reads None: only reads that fail or print 'None' are worth a warning.

Found writing fresh flows: ``{{ slots.kind or 'unknown' }}`` and
``{{ '!' if slots.reason == 'better' else '' }}`` were warned about, although
neither can go wrong when the slot is still empty.
"""

from __future__ import annotations

import pytest

import superdialog

FLOW = """\
flow: f
slots:
  kind: {type: enum, choices: [a, b], required: false}
  n: {type: number}
start: ask
states:
  ask:
    say: "TEMPLATE"
    collect: [n]
    next: done
  done: {say: bye, end: completed}
"""


@pytest.mark.parametrize(
    "template",
    [
        "{{ slots.kind or 'unknown' }}",
        "{{ 'x' if slots.kind == 'a' else 'y' }}",
        "{{ 'x' if slots.kind != 'a' else 'y' }}",
        "{{ 'x' if slots.kind in ['a', 'b'] else 'y' }}",
        "{% if slots.kind %}{{ slots.kind }}{% endif %}",
    ],
)
def test_none_safe_reads_are_not_warned(template: str) -> None:
    flow = superdialog.loads(FLOW.replace("TEMPLATE", template), name="f.yaml")
    assert not [w for w in flow.warnings if "still empty" in str(w)]


@pytest.mark.parametrize(
    "template",
    [
        "{{ slots.kind }}",  # prints None
        "{{ slots.kind.upper() or 'x' }}",  # an attribute of None fails
        "{{ 'x' if slots.n > 3 else 'y' }}",  # None > 3 fails
        "{{ 'x' if 'a' in slots.kind else 'y' }}",  # None is no container
    ],
)
def test_unsafe_reads_are_still_warned(template: str) -> None:
    flow = superdialog.loads(FLOW.replace("TEMPLATE", template), name="f.yaml")
    assert [w for w in flow.warnings if "still empty" in str(w)]
