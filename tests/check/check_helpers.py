"""Loading flow text in the checks' tests: the problems or the warnings it gives."""

from __future__ import annotations

import textwrap

import superdialog
from superdialog.errors import FlowError, Problem

BASE = """\
flow: t
start: greet
"""


def problems(text: str) -> list[Problem]:
    """Every error loading ``text`` gives (empty when it loads)."""
    try:
        superdialog.loads(textwrap.dedent(text), "f.yaml", run_code=False)
    except FlowError as exc:
        return list(exc.problems)
    return []


def warnings(text: str) -> list[Problem]:
    """The warnings of a flow that loads."""
    return list(superdialog.loads(textwrap.dedent(text), "f.yaml", run_code=False).warnings)


def messages(found: list[Problem]) -> str:
    """All messages (and hints) on one string, for ``in`` checks."""
    return "\n".join(str(p) for p in found)
