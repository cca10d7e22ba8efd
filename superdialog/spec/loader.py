"""Flow text → validated ``FlowSpec``, with every problem located at once.

This is the one boundary where YAML and pydantic errors are translated into
``FlowError`` problems (``file:line:column: message (hint)``).
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from superdialog.errors import FlowError, Location, Problem
from superdialog.spec.models import FlowSpec
from superdialog.spec.yaml_source import Path, SourceMap, parse_yaml

__all__ = ["did_you_mean", "model_at", "parse_flow"]


def did_you_mean(word: str, options: typing.Iterable[str]) -> str | None:
    """A "did you mean 'x'?" hint for a misspelt name, or None."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def _unwrap(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        out: list[Any] = []
        for arg in typing.get_args(annotation):
            out.extend(_unwrap(arg))
        return out
    return [annotation]


def _field(model: type[BaseModel], key: str) -> Any:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info.annotation
    return None


def model_at(path: Path, root: type[BaseModel] = FlowSpec) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``path`` (for key hints)."""
    current: list[Any] = [root]
    for part in path:
        nxt: list[Any] = []
        for ann in current:
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                sub = _field(ann, str(part))
                if sub is not None:
                    nxt.extend(_unwrap(sub))
                continue
            origin = typing.get_origin(ann)
            args = typing.get_args(ann)
            if origin is dict and len(args) == 2:
                nxt.extend(_unwrap(args[1]))
            elif origin is list and args:
                nxt.extend(_unwrap(args[0]))
        current = nxt
    for ann in current:
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            return ann
    return None


def _keys_of(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _data_path(loc: tuple[Any, ...], data: Any) -> Path:
    """Keep the parts of a pydantic ``loc`` that exist in the data (drops union tags)."""
    out: list[str | int] = []
    node = data
    for part in loc:
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if (isinstance(node, dict) and part in node) or in_list:
            out.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and out[-1:] != [part]:
            # a key that is absent (missing / extra handled by caller): keep it as the tip
            out.append(part)
            break
        else:
            continue
    return tuple(out)


def _problems_from(exc: ValidationError, data: Any, smap: SourceMap) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[Path] = set()
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        kind = err["type"]
        path = _data_path(loc, data)
        if kind == "extra_forbidden":
            key = str(path[-1]) if path else "?"
            model = model_at(path[:-1])
            hint = did_you_mean(key, _keys_of(model)) if model else None
            if hint is None and model is not None:
                hint = "allowed: " + ", ".join(sorted(_keys_of(model)))
            problems.append(Problem(smap.locate(path, key=True), f"unknown key '{key}'", hint))
            continue
        if kind == "missing":
            key = str(loc[-1])
            parent = path[:-1] if path and path[-1] == loc[-1] else path
            problems.append(Problem(smap.locate(parent), f"missing required key '{key}'"))
            continue
        if path in seen:
            continue  # one message per place: union branches repeat themselves
        seen.add(path)
        msg = str(err["msg"]).removeprefix("Value error, ")
        where = ".".join(str(p) for p in path) or "flow"
        problems.append(Problem(smap.locate(path), f"{where}: {msg}"))
    return problems


def parse_flow(text: str, file: str) -> tuple[FlowSpec, SourceMap]:
    """Parse and validate flow text; raise ``FlowError`` listing every problem."""
    data, smap, problems = parse_yaml(text, file)
    if data is None or problems:
        raise FlowError(problems or [Problem(Location(file, 1, 1), "the file is empty")])
    if not isinstance(data, dict):
        raise FlowError([Problem(smap.locate(()), "a flow file must be a mapping of keys")])
    try:
        spec = FlowSpec.model_validate(data)
    except ValidationError as exc:
        raise FlowError(_problems_from(exc, data, smap)) from exc
    return spec, smap
