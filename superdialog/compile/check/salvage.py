"""All problems of a flow file in one pass, even when its shape is wrong.

When pydantic refuses a flow (an unknown key, a wrong type), nothing can be
compiled, so a template error or a misspelt state elsewhere in the same file
would only show after the first fix. Here the flow without the keys already
reported is compiled anyway, and the problems that stand on their own (a
template that does not parse, an unknown name, a constraint the slot type
cannot read, an unknown state) are added. Problems about the whole graph are
left out: dropping a key (``nxt:``) can make a state look like a dead end.
"""

from __future__ import annotations

import re
from pathlib import Path as FsPath

from superdialog.compile.compiler import compile_spec
from superdialog.errors import FlowError, Problem
from superdialog.spec.loader import salvage_document
from superdialog.spec.models import FlowSpec
from superdialog.spec.yaml_source import parse_yaml

__all__ = ["more_problems"]

_GRAPH_WORDS = (
    "unreachable",
    "dead end",
    "loop without waiting",
    "no way out",
    "reads results.",
    "reads slots.",
    "no action stores",
    "start state",
)


def more_problems(text: str, name: str, file: FsPath | None, known: list[Problem]) -> list[Problem]:
    """Problems besides ``known`` (the shape's) found by compiling what is left of the flow."""
    salvaged = salvage_document(text, name, FlowSpec)
    if salvaged is None:
        return []
    spec, smap = salvaged
    try:
        compile_spec(spec, smap, file)
    except FlowError as exc:
        seen = {(p.line, p.column) for p in known}
        written = _written_names(text, name)
        return [
            p
            for p in exc.problems
            if (p.line, p.column) not in seen
            and not any(word in p.message for word in _GRAPH_WORDS)
            and not _dropped_name(p.message, written)
        ]
    except Exception:  # the rest of a broken file: its first problems stand
        return []
    return []


_UNKNOWN = re.compile(r"^unknown (slot|state|intent) '([^']*)'")
_SECTIONS = {"slot": "slots", "state": "states", "intent": "intents"}


def _written_names(text: str, name: str) -> dict[str, set[str]]:
    """The slots, states and intents the file defines, before any were dropped."""
    data, _smap, _problems = parse_yaml(text, name)
    out: dict[str, set[str]] = {}
    for section in _SECTIONS.values():
        value = data.get(section) if isinstance(data, dict) else None
        out[section] = {str(k) for k in value} if isinstance(value, dict) else set()
    return out


def _dropped_name(message: str, written: dict[str, set[str]]) -> bool:
    """An "unknown slot 'x'" about a slot the file defines but whose shape was refused.

    The salvage drops what pydantic refused (a slot with an unquoted ``yes`` among
    its choices); every use of it would then read as a misspelling, which it is not.
    """
    match = _UNKNOWN.match(message)
    return match is not None and match.group(2) in written[_SECTIONS[match.group(1)]]
