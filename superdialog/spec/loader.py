"""YAML text → a validated pydantic model, with every problem located at once.

This is the one boundary where YAML, construction and pydantic errors are
translated into ``FlowError`` problems (``file:line:column: message (hint)``).
Flow files, conversation-test files and scripted-model files all load through
:func:`load_document`; whatever the text holds, it returns a model or raises
``FlowError`` (the YAML layer, ``superdialog.spec.yaml_source``, bounds size,
depth, aliases and tags first).
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Callable
from pathlib import Path as FsPath
from typing import Any

from pydantic import BaseModel, ValidationError

from superdialog.errors import FlowError, Location, Problem
from superdialog.spec.message_files import merge_message_files
from superdialog.spec.models import FlowSpec, IntentSpec, SlotSpec, StateSpec
from superdialog.spec.yaml_source import Path, SourceMap, is_regular_file, parse_yaml

__all__ = [
    "did_you_mean",
    "flow_folder",
    "load_document",
    "model_at",
    "parse_flow",
    "problems_from",
    "salvage_document",
]

Translate = Callable[[ValidationError, Any, SourceMap], list[Problem]]


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
    for i, part in enumerate(loc):
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if (isinstance(node, dict) and part in node) or in_list:
            out.append(part)
            node = node[part]
        elif (
            isinstance(node, dict)
            and isinstance(part, str)
            and out[-1:] != [part]
            and i == len(loc) - 1
            and not _UNION_TAG.search(part)
        ):
            # a key that is absent (a missing required key): keep it as the tip
            out.append(part)
            break
        else:
            continue  # a union branch's tag ('list[str]', 'function-after[...]')
    return tuple(out)


_UNION_TAG = re.compile(r"[\[\]]|^(?:str|int|float|bool|list|dict|constrained-\w+)$")
"""How pydantic names a union branch in an error's ``loc`` (never a key of ours)."""


def _most_specific(
    errors: list[tuple[Path, Any]],
) -> list[tuple[Path, Any]]:
    """Drop a union's vague errors ("should be a valid list") when a branch says what is wrong.

    A value that fits no branch of a union gets one error per branch; the one
    located deepest in the data names the actual mistake (an unquoted ``yes``
    read as true, three levels down), the others only repeat that the whole
    value has the wrong shape.
    """
    kept: list[tuple[Path, Any]] = []
    for path, err in errors:
        deeper = any(
            len(other) > len(path) and other[: len(path)] == path
            for other, e in errors
            if e["type"] not in ("missing", "extra_forbidden")
        )
        if err["type"] in ("missing", "extra_forbidden") or not deeper:
            kept.append((path, err))
    return kept


_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_\-]*$"
_KINDS: dict[str, type[BaseModel]] = {"states": StateSpec, "slots": SlotSpec, "intents": IntentSpec}
_TYPE_WORDS = {
    str: "a text",
    int: "a number",
    float: "a number",
    bool: "true/false",
    list: "a list",
    type(None): "empty (nothing after its ':')",
}


def _plain_message(err: Any, path: Path = ()) -> str:
    """Pydantic's message, with what a YAML newcomer needs to know added."""
    msg = str(err["msg"]).removeprefix("Value error, ")
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if err["type"] == "string_pattern_mismatch" and ctx.get("pattern") == _NAME_PATTERN:
        return (
            f"'{value}' is not a usable name: names are ASCII letters (a-z, A-Z), digits, "
            "_ and -, and start with a letter or _"
        )
    if err["type"] in ("model_type", "dict_type") and len(path) == 2 and path[0] in _KINDS:
        section, key = str(path[0]), str(path[1])
        model = _KINDS[section]
        what = section.removesuffix("s")
        if key in _keys_of(model):
            return (
                f"'{key}' is a key of a {what}, but it is written among the {section}, "
                f"as if it were a {what} of its own: indent it under the {what} it belongs to"
            )
        said = _TYPE_WORDS.get(type(value), "that")
        return (
            f"{what} '{key}' must be a mapping of its keys "
            f"({', '.join(_keys_of(model)[:4])}, ...), not {said}"
        )
    if err["type"] == "string_type" and isinstance(value, bool):
        word = "yes" if value else "no"
        return (
            f"YAML reads an unquoted yes/no/on/off/true/false as {str(value).lower()}, "
            f'not as a word: quote it ("{word}")'
        )
    if err["type"] == "string_type" and isinstance(value, int | float):
        return f'YAML reads an unquoted {value} as a number, not as text: quote it ("{value}")'
    if err["type"] == "string_type" and value is None:
        return "this is empty (YAML reads a key with nothing after it as null): give it a text"
    return msg


def problems_from(
    exc: ValidationError,
    data: Any,
    smap: SourceMap,
    *,
    root: type[BaseModel] = FlowSpec,
    what: str = "flow",
) -> list[Problem]:
    """Translate pydantic errors into located problems, one per place.

    Args:
        exc: The validation error.
        data: The data that was validated (to map pydantic paths onto it).
        smap: Where every key and value of ``data`` was written.
        root: The model ``data`` was validated against (for key hints).
        what: How the whole file is named in messages ("flow", "test file").

    """
    problems: list[Problem] = []
    seen: set[Path] = set()
    located = [(_data_path(tuple(e["loc"]), data), e) for e in exc.errors(include_url=False)]
    for path, err in _most_specific(located):
        loc = tuple(err["loc"])
        kind = err["type"]
        if kind == "extra_forbidden":
            key = str(path[-1]) if path else "?"
            model = model_at(path[:-1], root)
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
        msg = _plain_message(err, path)
        where = ".".join(str(p) for p in path) or what
        problems.append(Problem(smap.locate(path), f"{where}: {msg}"))
    return problems


_VALIDATOR_FAILURES = (RecursionError, OverflowError, re.error, Warning)
"""What a field validator can raise besides ValueError (``re.compile`` on a hostile pattern)."""


def _strings(data: Any, path: Path = ()) -> typing.Iterator[tuple[Path, str]]:
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _strings(value, (*path, i))


def _crash_problem(exc: BaseException, data: Any, smap: SourceMap) -> Problem:
    """Locate a validator that blew up instead of raising ``ValueError``.

    Such failures come from ``re.compile`` on a hostile pattern (nesting too deep
    for its parser, a repeat count too large): the string that reproduces the
    failure is the one to point at.
    """
    import warnings

    for path, text in _strings(data):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                re.compile(text)
        except type(exc):
            return Problem(
                smap.locate(path),
                f"{'.'.join(map(str, path))}: not a usable regular expression "
                f"({type(exc).__name__}: {exc})",
            )
        except Exception:  # any other outcome: not this string
            continue
    return Problem(smap.locate(()), f"the file could not be checked: {type(exc).__name__}: {exc}")


def load_document[M: BaseModel](
    text: str,
    file: str,
    model: type[M],
    *,
    what: str,
    translate: Translate | None = None,
    prepare: Callable[[Any, SourceMap], tuple[Any, SourceMap]] | None = None,
    empty: Any = None,
    label: str | None = None,
) -> tuple[M, SourceMap]:
    """Parse YAML ``text`` and validate it as ``model``; raise ``FlowError`` on any problem.

    Args:
        text: The file's text.
        file: Its name in locations.
        model: The pydantic model of the whole file.
        what: How the file is named in messages ("flow file", "test file").
        translate: Turns a ``ValidationError`` into problems (default: :func:`problems_from`).
        prepare: Adjusts the parsed data (and its source map) before validation.
        empty: Data to use for an empty file; ``None``: an empty file is a problem.
        label: How a problem with the whole document is prefixed (default: ``what``).

    Raises:
        FlowError: every problem found, each located as ``file:line:column``.

    """
    data, smap, problems = parse_yaml(text, file)
    if problems:
        raise FlowError(problems)
    if data is None:
        if empty is None:
            raise FlowError([Problem(Location(file, 1, 1), "the file is empty")])
        data = empty
    if prepare is not None:
        data, smap = prepare(data, smap)
    if not isinstance(data, dict):
        raise FlowError([Problem(smap.locate(()), f"a {what} must be a mapping of keys")])
    try:
        return model.model_validate(data), smap
    except ValidationError as exc:
        if translate is not None:
            raise FlowError(translate(exc, data, smap)) from None
        raise FlowError(problems_from(exc, data, smap, root=model, what=label or what)) from None
    except _VALIDATOR_FAILURES as exc:
        raise FlowError([_crash_problem(exc, data, smap)]) from None


_SALVAGE_ROUNDS = 3


def _drop(data: Any, path: Path, smap: SourceMap) -> bool:
    """Remove the value at ``path`` from nested dicts/lists; whether anything was removed.

    A list item is removed too (a turn whose keys contradict each other), and
    the positions of the items after it move up with them, so what is still
    checked is located where it is written.
    """
    if not path:
        return False
    node = data
    for part in path[:-1]:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not (in_dict or in_list):
            return False
        node = node[part]
    last = path[-1]
    if isinstance(node, dict) and last in node:
        del node[last]
        return True
    if isinstance(node, list) and isinstance(last, int) and 0 <= last < len(node):
        del node[last]
        _shift(smap, path[:-1], last)
        return True
    return False


def _shift(smap: SourceMap, parent: Path, removed: int) -> None:
    """Renumber the source positions of a list's items after item ``removed`` was deleted."""
    depth = len(parent)
    for positions in (smap.values, smap.keys):
        moved: dict[Path, tuple[int, int]] = {}
        for p, where in positions.items():
            index = p[depth] if len(p) > depth and p[:depth] == parent else None
            if not isinstance(index, int) or isinstance(index, bool):
                moved[p] = where
            elif index > removed:
                moved[(*parent, index - 1, *p[depth + 1 :])] = where
            elif index < removed:
                moved[p] = where
        positions.clear()
        positions.update(moved)


def _later_first(path: Path) -> tuple[tuple[int, int | str], ...]:
    """Sort key: removing later list items first keeps the indices of earlier ones."""
    return tuple((0, p) if isinstance(p, int) else (1, str(p)) for p in path)


def salvage_document[M: BaseModel](
    text: str,
    file: str,
    model: type[M],
    *,
    prepare: Callable[[Any, SourceMap], tuple[Any, SourceMap]] | None = None,
) -> tuple[M, SourceMap] | None:
    """The document without the keys that made it invalid, when that leaves a valid one.

    Used after :func:`load_document` refused a file, so that checks needing a
    model (a test file against its flow) still run and every problem is
    reported in one pass. Unknown keys and wrong values of optional keys are
    dropped (their problems are already reported); ``None`` when the rest does
    not validate either.
    """
    data, smap, problems = parse_yaml(text, file)
    if problems or not isinstance(data, dict):
        return None
    if prepare is None and model is FlowSpec:  # its message files, as parse_flow merges them
        prepare = _merging(file, [])
    if prepare is not None:
        data, smap = prepare(data, smap)
    for _ in range(_SALVAGE_ROUNDS):
        try:
            return model.model_validate(data), smap
        except ValidationError as exc:
            paths = {
                _data_path(tuple(err["loc"]), data)
                for err in exc.errors(include_url=False)
                if err["type"] != "missing"
            }
            dropped = False
            for path in sorted(paths, key=_later_first, reverse=True):
                dropped = _drop(data, path, smap) or dropped
            if not dropped:
                return None
        except _VALIDATOR_FAILURES:
            return None
    return None


def flow_folder(file: str) -> FsPath:
    """Where a flow's message files are: beside the flow file, else the current directory."""
    return FsPath(file).parent if is_regular_file(file) else FsPath.cwd()


def _merging(
    file: str, problems: list[Problem]
) -> Callable[[Any, SourceMap], tuple[Any, SourceMap]]:
    """A ``prepare`` step merging the flow's message files (``spec/message_files.py``)."""

    def prepare(data: Any, smap: SourceMap) -> tuple[Any, SourceMap]:
        data, smap, found = merge_message_files(data, smap, flow_folder(file))
        problems.extend(found)
        return data, smap

    return prepare


def parse_flow(text: str, file: str) -> tuple[FlowSpec, SourceMap]:
    """Parse and validate flow text; raise ``FlowError`` listing every problem.

    The message files its ``translations:`` names are merged first, so their
    texts validate as if written inline (located in their own files).
    """
    merging: list[Problem] = []
    try:
        spec, smap = load_document(
            text, file, FlowSpec, what="flow file", label="flow", prepare=_merging(file, merging)
        )
    except FlowError as exc:
        raise FlowError([*merging, *exc.problems]) from None
    if merging:
        raise FlowError(merging)
    return spec, smap
