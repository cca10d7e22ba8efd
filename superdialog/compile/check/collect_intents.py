"""An ``intent:`` transition of a collect state is only tried once its slots are filled.

A newcomer writes ``transitions: [{intent: wrong_person, to: wrong_party}, ...]``
on the state that asks for the last four digits of an SSN and expects "wrong
number" to end the call. It does not: a collect state keeps asking until every
slot is filled, and only then tries its transitions, on the words that filled
the last slot. What reacts while a state asks is a rule in its ``global:``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from superdialog.compile.check.findings import Findings
from superdialog.errors import Location
from superdialog.spec.models import StateSpec
from superdialog.spec.yaml_source import Path

__all__ = ["check_collect_intents"]


def check_collect_intents(
    states: Mapping[str, StateSpec], at: Callable[[str | None, Path], Location]
) -> Findings:
    """Warn about ``intent:`` transitions of collect states, pointing at the state's ``global:``."""
    out = Findings()
    for name, state in states.items():
        if not state.collect:
            continue
        for i, t in enumerate(state.transitions):
            if t.intent is None:
                continue
            out.warn(
                at(name, ("transitions", i, "intent")),
                f"state '{name}' collects {', '.join(state.collect)}: its transition on intent "
                f"'{t.intent}' is only tried on the words that fill its last slot, not while "
                "it asks",
                f"to react to it while asking, add it to the state's rules: global: "
                f"[{{intent: {t.intent}, goto: {t.to}}}]",
            )
    return out
