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

from pathlib import Path as FsPath

from superdialog.compile.compiler import compile_spec
from superdialog.errors import FlowError, Problem
from superdialog.spec.loader import salvage_document
from superdialog.spec.models import FlowSpec

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
        return [
            p
            for p in exc.problems
            if (p.line, p.column) not in seen
            and not any(word in p.message for word in _GRAPH_WORDS)
        ]
    except Exception:  # the rest of a broken file: its first problems stand
        return []
    return []
