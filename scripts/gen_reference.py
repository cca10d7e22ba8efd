"""Regenerate the generated parts of the docs from the code.

* ``flow.schema.json``: the JSON Schema (``superdialog schema``).
* ``docs/flow-language.md``: the key tables between the ``<!-- keys:start -->`` and
  ``<!-- keys:end -->`` markers, one table per model, from the pydantic field
  descriptions. The tests fail when either is stale: run ``make docs`` after
  changing ``superdialog/spec/models.py``.
"""

from __future__ import annotations

import sys
import types
import typing
from pathlib import Path

from pydantic import BaseModel

from superdialog.spec import models
from superdialog.spec.schema import flow_json_schema_text

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- keys:start -->", "<!-- keys:end -->"

SECTIONS: list[tuple[str, type[BaseModel]]] = [
    ("Flow file (top level)", models.FlowSpec),
    ("`llm`", models.LLMSettings),
    ("`llm.timeouts`", models.TimeoutSettings),
    ("`locale`", models.LocaleSpec),
    ("`slots.<name>`", models.SlotSpec),
    ("`intents.<name>`", models.IntentSpec),
    ("`global[]` (flow or state)", models.GlobalRule),
    ("`states.<name>`", models.StateSpec),
    ("`states.<name>.transitions[]`", models.TransitionSpec),
    ("`states.<name>.action`", models.ActionSpec),
    ("`states.<name>.action.http`", models.HttpSpec),
    ("`states.<name>.transfer`", models.TransferSpec),
    ("`messages`", models.Messages),
    ("`limits`", models.Limits),
]


def _type_name(annotation: object) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in args)
    if origin is dict:
        return f"map {_type_name(args[0])} → {_type_name(args[1])}"
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is typing.Literal:
        return " / ".join(f"`{a}`" for a in args)
    if annotation is type(None):
        return "null"
    if annotation is typing.Any:
        return "any"
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return "mapping (below)"
        return {"str": "text", "int": "integer", "float": "number", "bool": "boolean"}.get(
            annotation.__name__, annotation.__name__
        )
    return str(annotation)


def _default(info: typing.Any) -> str:
    if info.is_required():
        return "**required**"
    if info.default_factory is not None:
        value = info.default_factory()
        if isinstance(value, BaseModel):
            return "see below"
        return f"`{value!r}`" if value not in ({}, []) else "empty"
    return f"`{info.default!r}`" if info.default is not None else "—"


def key_tables() -> str:
    """Markdown tables of every key, generated from the models."""
    out: list[str] = []
    for title, model in SECTIONS:
        out.append(f"### {title}\n")
        doc = (model.__doc__ or "").strip().splitlines()[0]
        out.append(f"{doc}\n")
        out.append("| key | type | default | meaning |")
        out.append("|---|---|---|---|")
        for name, info in model.model_fields.items():
            key = info.alias or name
            desc = (info.description or "").replace("|", "\\|")
            out.append(f"| `{key}` | {_type_name(info.annotation)} | {_default(info)} | {desc} |")
        out.append("")
    return "\n".join(out)


def main() -> int:
    """Write the generated files; with --check, only report staleness."""
    check = "--check" in sys.argv
    stale: list[str] = []
    schema_path = ROOT / "flow.schema.json"
    schema = flow_json_schema_text()
    if not schema_path.exists() or schema_path.read_text(encoding="utf-8") != schema:
        stale.append(str(schema_path))
        if not check:
            schema_path.write_text(schema, encoding="utf-8")
    doc_path = ROOT / "docs" / "flow-language.md"
    doc = doc_path.read_text(encoding="utf-8")
    head, rest = doc.split(START, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{START}\n\n{key_tables()}\n{END}{tail}"
    if new != doc:
        stale.append(str(doc_path))
        if not check:
            doc_path.write_text(new, encoding="utf-8")
    for path in stale:
        print(("stale: " if check else "wrote ") + path)
    return 1 if (check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
