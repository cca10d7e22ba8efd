"""What a call knows is secret, and where it learns it.

The call's ``Masker`` (``superdialog.pii``) is fed from four places:

* a PII slot gets a value (``slot_secret``) — with ``send_to_llm`` it may stay
  in prompts, nowhere else;
* an action returns a result whose fields it declares as PII
  (``result_secrets``: ``pii: true`` for all of it, or dotted paths);
* outside PII states the caller volunteers a value one of the flow's PII slot
  types recognises (``slot_values.scan_volunteered``): "my card 4111 … was
  stolen too";
* anything equal to one of those, of any type, wherever it turns up, is found
  by value (the masker looks for every rendering).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from superdialog.pii import REDACTED, json_safe
from superdialog.runtime.redact import spoken_masked

if TYPE_CHECKING:
    from superdialog.compile.model import CompiledAction, CompiledSlot
    from superdialog.pii import Masker
    from superdialog.runtime.call import CallMachine
    from superdialog.runtime.events import CallEvent

__all__ = ["masked_event", "masked_results", "result_secrets", "slot_secret"]


def slot_secret(m: CallMachine, slot: CompiledSlot, value: Any) -> None:
    """A PII slot got ``value``: from now on it is masked everywhere it is not allowed."""
    if value is None:
        return
    m.add_secret(
        value,
        llm_ok=slot.spec.send_to_llm,
        spoken=spoken_masked(slot, value, m.language),
        kind=slot.spec.type,
    )


def _at(value: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list | tuple) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            value = getattr(value, part, None) if not isinstance(value, str) else None
        if value is None:
            return None
    return value


def result_secrets(m: CallMachine, action: CompiledAction, result: Any) -> None:
    """An action succeeded: the values it declares as PII become secrets of the call."""
    pii = action.spec.pii
    if pii is True:
        m.add_secret(result)
    elif isinstance(pii, list):
        for path in pii:
            value = _at(result, path)
            if value is not None:
                m.add_secret(value)


def _redact_paths(value: Any, paths: list[str]) -> Any:
    for path in paths:
        parts = path.split(".")
        node = value
        for part in parts[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and parts[-1] in node:
            node[parts[-1]] = REDACTED
    return value


def masked_results(m: CallMachine) -> dict[str, Any]:
    """Action results for ``snapshot()``: JSON-ready, declared fields and every secret masked."""
    declared: dict[str, bool | list[str]] = {}
    for st in m.flow.graph.states.values():
        if st.action is not None and st.action.spec.pii:
            declared[st.action.result_name] = st.action.spec.pii
    out: dict[str, Any] = {}
    for name, value in m.results.items():
        pii = declared.get(name)
        if pii is True:
            out[name] = REDACTED
            continue
        safe = json_safe(value)
        if isinstance(pii, list):
            safe = _redact_paths(safe, pii)
        out[name] = m.masker.mask_data(safe) if m.has_secrets else safe
    return out


_NAMES = frozenset({"kind", "state", "src", "dst", "edge", "via"})


def masked_event(event: CallEvent, masker: Masker) -> CallEvent:
    """The event with every text field masked (events are kept, shown and logged)."""
    changes: dict[str, str] = {}
    for f in dataclasses.fields(event):
        value = getattr(event, f.name)
        if isinstance(value, str) and f.name not in _NAMES:
            masked = masker.mask(value)
            if masked != value:
                changes[f.name] = masked
    return dataclasses.replace(event, **changes) if changes else event  # type: ignore[arg-type]
