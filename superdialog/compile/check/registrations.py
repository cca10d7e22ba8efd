"""Action and validator names a flow uses that its ``python:`` files never register.

``call: rx_refil`` for an action registered as ``rx_refill`` loaded fine and
took every call down the error path when it got there. The files are read,
never run (``validate`` runs no flow code): registrations are found in their
syntax tree as ``action("name")`` / ``validator("name")`` calls with a
constant name, the way ``@superdialog.action("name")`` is written. A name the
files do not register is a warning, not an error: the host may pass it to
``flow.build(actions=...)``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from pathlib import Path as FsPath

from superdialog.compile.check.findings import Findings
from superdialog.errors import Location
from superdialog.spec.loader import did_you_mean
from superdialog.spec.models import FlowSpec, SlotSpec, StateSpec
from superdialog.spec.yaml_source import Path, SourceMap, read_source

__all__ = ["check_registrations", "registered_in"]

_KINDS = ("action", "validator")


def registered_in(source: str) -> dict[str, set[str]]:
    """Names registered in Python ``source``: ``{"action": {...}, "validator": {...}}``."""
    out: dict[str, set[str]] = {kind: set() for kind in _KINDS}
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return out  # reported by the bindings check
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        first = node.args[0]
        if name in _KINDS and isinstance(first, ast.Constant) and isinstance(first.value, str):
            out[name].add(first.value)
    return out


def _scan(spec: FlowSpec, file: FsPath | None) -> dict[str, set[str]] | None:
    """What the flow's python: files register; None when one cannot be read."""
    base = file.parent if file is not None else FsPath.cwd()
    found: dict[str, set[str]] = {kind: set() for kind in _KINDS}
    for rel in spec.python:
        try:
            source = read_source((base / rel).resolve(), rel)
        except Exception:  # a missing or unreadable file is the bindings check's problem
            return None
        for kind, names in registered_in(source).items():
            found[kind] |= names
    return found


def check_registrations(
    spec: FlowSpec,
    smap: SourceMap,
    states: Mapping[str, StateSpec],
    slots: Mapping[str, SlotSpec],
    at: Callable[[str | None, Path], Location],
    file: FsPath | None,
) -> Findings:
    """Warn about action and validator names the flow's python: files do not register."""
    out = Findings()
    if not spec.python:
        return out
    found = _scan(spec, file)
    if found is None:
        return out
    hint_tail = "or pass it to flow.build(actions=...)"
    for name, state in states.items():
        if "." in name:
            continue  # a sub-flow's state: its own python: files bind it
        action = state.action
        if action is None or action.call is None or action.call in found["action"]:
            continue
        close = did_you_mean(action.call, found["action"])
        out.warn(
            at(name, ("action", "call")),
            f"action '{action.call}' is not registered by the flow's python: files"
            + (f" ({close})" if close else ""),
            f"register it with @superdialog.action('{action.call}') in one of them, {hint_tail}",
        )
    for slot_name, slot in slots.items():
        if slot.validator is None or slot.validator in found["validator"]:
            continue
        close = did_you_mean(slot.validator, found["validator"])
        out.warn(
            smap.locate(("slots", slot_name, "validator")),
            f"validator '{slot.validator}' is not registered by the flow's python: files"
            + (f" ({close})" if close else ""),
            f"register it with @superdialog.validator('{slot.validator}') in one of them, "
            "or pass it to flow.build(validators=...)",
        )
    return out
