"""What a call knows is secret, and where it learns it.

The call's ``Masker`` (``superdialog.pii``) is fed from four places:

* a PII slot gets a value (``slot_secret``) — with ``send_to_llm`` it may stay
  in prompts, nowhere else;
* an action returns a result whose fields it declares as PII
  (``result_secrets``: ``pii: true`` for all of it, or dotted paths);
* outside PII states the caller volunteers a value one of the flow's PII slot
  types recognises (``scan_volunteered``): "my card 4111 … was stolen too";
* anything equal to one of those, of any type, wherever it turns up, is found
  by value (the masker looks for every rendering).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from superdialog.pii import REDACTED, json_safe
from superdialog.runtime.redact import spoken_masked

if TYPE_CHECKING:
    from superdialog.compile.flow import Flow
    from superdialog.compile.model import CompiledAction, CompiledSlot
    from superdialog.runtime.call import CallMachine

__all__ = ["masked_results", "result_secrets", "scan_volunteered", "slot_secret"]

# Types whose extractor only means something as the answer to a question: run over any
# sentence they would "find" ordinary words (a name, free text, a yes, a menu choice).
_NOT_SCANNED = frozenset({"text", "name", "yes_no", "enum"})
_SCANS: dict[str, tuple[CompiledSlot, ...]] = {}  # by flow digest: same text, same slots
_MAX_FINDS = 8
_WINDOW = 2000  # slot parsers read at most ~2 KB; longer words are scanned window by window
_OVERLAP = 200


def slot_secret(m: CallMachine, slot: CompiledSlot, value: Any) -> None:
    """A PII slot got ``value``: from now on it is masked everywhere it is not allowed."""
    if value is None:
        return
    m.add_secret(
        value,
        llm_ok=slot.spec.send_to_llm,
        spoken=spoken_masked(slot, value),
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


def _scannable(flow: Flow) -> tuple[CompiledSlot, ...]:
    cached = _SCANS.get(flow.digest)
    if cached is None:
        seen: set[tuple[Any, ...]] = set()
        out: list[CompiledSlot] = []
        for slot in flow.graph.slots.values():
            spec = slot.spec
            if not slot.pii or spec.type in _NOT_SCANNED:
                continue
            key = (spec.type, spec.min, spec.max, spec.min_length, spec.max_length,
                   spec.past_only, spec.future_only, spec.pattern)  # fmt: skip
            if key not in seen:
                seen.add(key)
                out.append(slot)
        cached = tuple(out)
        if len(_SCANS) > 256:
            _SCANS.clear()
        _SCANS[flow.digest] = cached
    return cached


def scan_volunteered(m: CallMachine, text: str) -> None:
    """Caller words outside a PII state: values a PII slot type recognises become secrets.

    A value counts when the slot's own constraints accept it (a date of birth
    slot with ``past_only`` ignores "next Tuesday"). Masking then hides it in
    everything that stores or forwards the words.
    """
    slots = _scannable(m.flow)
    if not slots or not text:
        return
    from superdialog.runtime.collect import extract_context
    from superdialog.slots import get_type

    windows = [text[i : i + _WINDOW] for i in range(0, len(text), _WINDOW - _OVERLAP)]
    for slot in slots:
        ctx = extract_context(m, slot)
        kind = get_type(slot.spec.type)
        for window in windows:
            _scan(m, slot, kind, ctx, window)


def _scan(m: CallMachine, slot: CompiledSlot, kind: Any, ctx: Any, text: str) -> None:
    """Every value of ``slot``'s type in ``text`` (parsers read one window at a time)."""
    from superdialog.slots import Constraints, find

    rest = text
    for _ in range(_MAX_FINDS):
        match = find(slot.spec.type, rest, ctx)
        if match is None:
            break
        if not kind.check(match.value, slot.constraints or Constraints(), ctx):
            slot_secret(m, slot, match.value)
            said = rest[match.start : match.end]
            m.add_secret(said, spoken=spoken_masked(slot, match.value))
        if match.end <= match.start:
            break
        rest = rest[: match.start] + " " * (match.end - match.start) + rest[match.end :]
