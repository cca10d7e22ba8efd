"""Per-language message files beside a flow, merged into it at load.

A flow that speaks several languages may keep a language's texts out of the
flow file, in a file a translator can own::

    # dental_booking.yaml
    languages: [en, es]
    translations:
      es: dental_booking.es.yaml

    # dental_booking.es.yaml
    states.greet.say: Hola, le atiende la clínica dental.
    slots.date.prompt: [¿Qué día le viene bien?, ¿Qué día?]
    intents.menu.phrases: [la carta, el menú]
    messages.no_input: Perdone, no le he oído.

Each key is where the text is in the flow, written as a dotted path (a
transition or global rule by its index, or by its target / intent when that
is unique: ``states.booking.transitions.done.say``, ``global.menu.say``).
The merge happens on the parsed data *before* validation, so the result is
exactly the flow as if every text had been written inline per language
(``{en: ..., es: ...}``): validation, the missing-translation checks, the
compiler and the runtime need to know nothing about files. A plain inline
text is the default language's once a file gives another language for it.

Why explicit ``translations:`` rather than picking up ``<flow>.<lang>.yaml``
by name: nothing changes a flow's behaviour without the flow saying so (a
stale file left in the folder does nothing), ``loads`` works the same as
``load``, and ``validate`` can say which file a text belongs in.

A text given both inline and in a file is an error, not "the file wins":
either rule would make one of the two silently dead, and an edit to the dead
one would do nothing. An empty entry (``states.greet.say:`` with no value, or
``""``) means "not translated yet" — what ``superdialog translations`` writes
— and is left for ``validate`` to report as missing, pointing at that line.

Message files go through the same hostile-input door as flows (size,
encoding, depth, alias bombs, tags: ``yaml_source``) and must live in the
flow's folder or below it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from pathlib import PurePath
from typing import Any, Literal

import yaml

from superdialog.errors import FlowError, Location, Problem
from superdialog.spec import models
from superdialog.spec.models import FlowSpec, Messages
from superdialog.spec.yaml_source import Path, SourceMap, is_regular_file, parse_yaml, read_source

__all__ = [
    "MergedSourceMap",
    "TextKind",
    "TranslatableText",
    "merge_message_files",
    "name_message_files",
    "name_message_files_in",
    "skeleton",
    "translatable_texts",
]

TextKind = Literal["text", "lines", "phrases"]
"""What a translatable place holds: one line, line variants, or intent phrases."""

_LINES_MESSAGES = frozenset(
    k for k, f in Messages.model_fields.items() if "list[" in str(f.annotation)
)
_FIELD_NAMES = frozenset(
    name
    for model in (
        models.FlowSpec,
        models.StateSpec,
        models.SlotSpec,
        models.TransitionSpec,
        models.GlobalRule,
        models.ActionSpec,
        models.TransferSpec,
        models.CancelSpec,
        models.IntentSpec,
        models.HttpSpec,
        models.LLMSettings,
        models.Limits,
        models.LocaleSpec,
        models.Messages,
    )
    for key, info in model.model_fields.items()
    for name in (key, info.alias)
    if name
)
_SEGMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$|^(?:0|[1-9][0-9]{0,5})$")
_OUTSIDE_HINT = (
    "message files live in the flow's folder or below it; "
    "name them relative to the flow file, e.g. booking.es.yaml"
)
_FILE_HINT = "a message file maps text paths to texts, e.g. 'states.greet.say: Hola'"


@dataclass(slots=True)
class MergedSourceMap(SourceMap):
    """A flow's source map plus where each merged text was written in its message file.

    ``locate`` prefers the message file for the texts that came from one, so
    a template error in a Spanish line points at the Spanish file.
    """

    foreign_values: dict[Path, Location] = field(default_factory=dict)
    foreign_keys: dict[Path, Location] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    """Each language's message file as named in locations."""
    untranslated: dict[tuple[str, Path], Location] = field(default_factory=dict)
    """(language, flow path) → the empty entry waiting for its translation."""
    broken: set[str] = field(default_factory=set)
    """Languages whose message file could not be read (its problems are reported)."""
    new_places: set[Path] = field(default_factory=set)
    """Places the flow leaves empty that a message file gave (located in the file)."""
    text_keys: dict[Path, str] = field(default_factory=dict)
    """Each translatable place's key as a message file writes it (a transition by its target)."""

    def node_at(self, path: Path, *, key: bool = False) -> Location | None:
        """Where exactly ``path`` is written: in the message file first, else in the flow."""
        if key and path in self.foreign_keys:
            return self.foreign_keys[path]
        if path in self.foreign_values:
            return self.foreign_values[path]
        return SourceMap.node_at(self, path, key=key)


# ----------------------------------------------------------------- where texts are


@dataclass(frozen=True, slots=True)
class TranslatableText:
    """One place in a flow that holds spoken text (or intent phrases)."""

    key: str
    """How a message file names it (``states.greet.say``)."""
    path: Path
    """Its data path in the flow (``("states", "greet", "say")``)."""
    kind: TextKind


def _selector(items: list[Any], index: int, attr: str) -> str:
    """A list item's name in keys: its target/intent when unique, else its index."""
    item = items[index]
    value = item.get(attr) if isinstance(item, dict) else getattr(item, attr, None)
    if isinstance(value, str) and _SEGMENT.match(value) and not value.isdigit():
        same = [
            x
            for x in items
            if (x.get(attr) if isinstance(x, dict) else getattr(x, attr, None)) == value
        ]
        if len(same) == 1:
            return value
    return str(index)


def _rules(rules: Any, base: Path, key: str) -> Iterator[TranslatableText]:
    if isinstance(rules, list):
        for i in range(len(rules)):
            name = _selector(rules, i, "intent")
            yield TranslatableText(f"{key}.{name}.say", (*base, i, "say"), "text")


def _state_texts(name: str, state: Mapping[str, Any]) -> Iterator[TranslatableText]:
    k, p = f"states.{name}", ("states", name)
    yield TranslatableText(f"{k}.say", (*p, "say"), "lines")
    transitions = state.get("transitions")
    if isinstance(transitions, list):
        for i in range(len(transitions)):
            sel = _selector(transitions, i, "to")
            yield TranslatableText(
                f"{k}.transitions.{sel}.say", (*p, "transitions", i, "say"), "text"
            )
    yield from _rules(state.get("global"), (*p, "global"), f"{k}.global")
    if isinstance(state.get("on_cancel"), dict):
        yield TranslatableText(f"{k}.on_cancel.say", (*p, "on_cancel", "say"), "text")
    if isinstance(state.get("action"), dict):
        yield TranslatableText(f"{k}.action.holding_line", (*p, "action", "holding_line"), "text")
        yield TranslatableText(f"{k}.action.filler", (*p, "action", "filler"), "text")
    if isinstance(state.get("transfer"), dict):
        yield TranslatableText(
            f"{k}.transfer.announcement", (*p, "transfer", "announcement"), "text"
        )


def translatable_texts(data: Mapping[str, Any]) -> list[TranslatableText]:
    """Every place in a flow's data (parsed YAML or ``model_dump(by_alias=True)``) a file may fill.

    Places that are not written yet count too (a state's ``say``, a message):
    a file may give the only text there is, and validation then asks for the
    other languages.
    """
    out: list[TranslatableText] = []
    groups: tuple[tuple[str, str, TextKind], ...] = (
        ("slots", "prompt", "lines"),
        ("intents", "phrases", "phrases"),
    )
    for group, leaf, kind in groups:
        items = data.get(group)
        if isinstance(items, dict):
            for name in items:
                if isinstance(name, str):
                    out.append(
                        TranslatableText(f"{group}.{name}.{leaf}", (group, name, leaf), kind)
                    )
    slots = data.get("slots")
    if isinstance(slots, dict):
        for name, slot in slots.items():
            choices = slot.get("choices") if isinstance(slot, dict) else None
            names = choices if isinstance(choices, (dict, list)) else ()
            for choice in names:
                if isinstance(choice, str) and _SEGMENT.match(choice):
                    path = ("slots", name, "choices", choice)
                    out.append(TranslatableText(f"slots.{name}.choices.{choice}", path, "phrases"))
    out.extend(_rules(data.get("global"), ("global",), "global"))
    if isinstance(data.get("on_cancel"), dict):
        out.append(TranslatableText("on_cancel.say", ("on_cancel", "say"), "text"))
    for key in Messages.model_fields:
        kind_: TextKind = "lines" if key in _LINES_MESSAGES else "text"
        out.append(TranslatableText(f"messages.{key}", ("messages", key), kind_))
    states = data.get("states")
    if isinstance(states, dict):
        for name, state in states.items():
            if isinstance(name, str) and isinstance(state, dict):
                out.extend(_state_texts(name, state))
    return out


def _index_form(path: Path) -> str:
    return ".".join(str(p) for p in path)


def _lookup(data: Mapping[str, Any]) -> dict[str, TranslatableText]:
    """Each place by its key, in both the name and the index form of its selectors."""
    found: dict[str, TranslatableText] = {}
    for t in translatable_texts(data):
        found[t.key] = t
        found.setdefault(_index_form(t.path), t)
    return found


def _exists(data: Any, parts: list[str]) -> bool:
    node = data
    for part in parts:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return True


def _unknown(key: str, data: Mapping[str, Any], places: Mapping[str, TranslatableText]) -> str:
    import difflib  # lazy: only a wrong key pays for it

    close = difflib.get_close_matches(key, list(places), n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    return (
        "translatable: say, prompt, a transition's or global rule's say, on_cancel.say, "
        "action.holding_line, action.filler, transfer.announcement, messages.<key>, "
        "intents.<name>.phrases"
    )


# ----------------------------------------------------------------------- merging


@dataclass(slots=True)
class _Merge:
    data: dict[str, Any]
    smap: MergedSourceMap
    default: str
    problems: list[Problem] = field(default_factory=list)

    def inline(self, path: Path) -> Location:
        return SourceMap.locate(self.smap, path)

    def one_file(self, lang: str, fs_path: FsPath, shown: str) -> None:
        try:
            text = read_source(fs_path, shown)
        except FlowError as exc:
            self.problems.extend(exc.problems)
            self.smap.broken.add(lang)
            return
        parsed, fmap, problems = parse_yaml(text, shown)
        if problems:
            self.problems.extend(problems)
            self.smap.broken.add(lang)
            return
        if parsed is None:
            return  # an empty file: nothing translated yet
        if not isinstance(parsed, dict):
            self.problems.append(
                Problem(fmap.locate(()), "a message file must be a mapping", _FILE_HINT)
            )
            self.smap.broken.add(lang)
            return
        self.smap.files[lang] = shown
        places = _lookup(self.data)
        for key, value in parsed.items():
            self.entry(lang, key, value, fmap, places)

    def entry(
        self,
        lang: str,
        key: Any,
        value: Any,
        fmap: SourceMap,
        places: Mapping[str, TranslatableText],
    ) -> None:
        at_key = fmap.locate((key,), key=True)
        if not isinstance(key, str):
            self.problems.append(Problem(at_key, f"'{key}' is not a text path", _FILE_HINT))
            return
        place = places.get(key)
        if place is None:
            parts = key.split(".")
            known = _exists(self.data, parts[:-1]) and _is_field(parts)
            if _exists(self.data, parts) or known:
                self.problems.append(
                    Problem(
                        at_key,
                        f"'{key}' is not a spoken text: only what the agent says and "
                        "intent phrases are translated",
                        _unknown(key, self.data, places),
                    )
                )
            else:
                self.problems.append(
                    Problem(at_key, f"unknown text path '{key}'", _unknown(key, self.data, places))
                )
            return
        at_value = fmap.locate((key,))
        if value is None or value == "":
            self.smap.untranslated[(lang, place.path)] = at_value
            return
        why = _shape_problem(value, place.kind)
        if why is not None:
            self.problems.append(Problem(at_value, f"{key}: {why}"))
            return
        self.put(lang, key, place, value, fmap)

    def put(
        self, lang: str, key: str, place: TranslatableText, value: Any, fmap: SourceMap
    ) -> None:
        *parents, leaf = place.path
        node: Any = self.data
        holder: Any = None
        for part in parents:
            if isinstance(node, dict) and part == "messages" and part not in node:
                node[part] = {}  # the messages mapping is the one a file may create
            try:
                holder, node = node, node[part]
            except (KeyError, IndexError, TypeError):
                return  # the place is not there in this shape: validation reports the flow
        if isinstance(node, list) and parents[-1:] == ["choices"] and isinstance(holder, dict):
            # choices given as a list gain their synonyms as a mapping (choice → words)
            node = holder["choices"] = {str(c): [] for c in node}
        if not isinstance(node, dict):
            return
        current = node.get(leaf)
        if isinstance(current, (str, list)):
            if lang == self.default:
                self.conflict(key, place, lang, fmap)
                return
            merged: dict[Any, Any] = {self.default: current, lang: value}
        elif isinstance(current, dict):
            if lang in current:
                self.conflict(key, place, lang, fmap)
                return
            merged = {**current, lang: value}
        elif current is None:
            merged = {lang: value}
        else:
            return  # a wrong type inline: validation reports it where it is
        node[leaf] = merged
        self.smap.foreign_values[(*place.path, lang)] = fmap.locate((key,))
        self.smap.foreign_keys[(*place.path, lang)] = fmap.locate((key,), key=True)
        if isinstance(value, list):
            for i in range(len(value)):
                self.smap.foreign_values[(*place.path, lang, i)] = fmap.locate((key, i))
        if current is None:
            self.smap.foreign_values[place.path] = fmap.locate((key,), key=True)
            self.smap.new_places.add(place.path)

    def conflict(self, key: str, place: TranslatableText, lang: str, fmap: SourceMap) -> None:
        where = self.inline((*place.path, lang))
        self.problems.append(
            Problem(
                fmap.locate((key,), key=True),
                f"{key}: the '{lang}' text is also given in the flow ({where})",
                "keep it in one place: remove it here or from the flow",
            )
        )


def _is_field(parts: list[str]) -> bool:
    """Whether ``parts`` ends in a key the flow language has (so: known, but not a text)."""
    return bool(parts) and parts[-1] in _FIELD_NAMES


def _shape_problem(value: Any, kind: TextKind) -> str | None:
    """Why ``value`` cannot be the text of a place of ``kind`` (None: it can)."""
    if isinstance(value, dict):
        return "give the text itself: this file is one language's (no per-language mapping)"
    if kind == "text":
        return None if isinstance(value, str) else "a text is a string"
    if isinstance(value, str):
        return None if kind == "lines" else "intent phrases are a list of strings"
    if not isinstance(value, list) or not value:
        return "give a text or a list of texts"
    if not all(isinstance(x, str) and x for x in value):
        return "every item of the list must be a non-empty string"
    return None


def _confined(rel: str, base: FsPath) -> tuple[FsPath | None, str | None]:
    if PurePath(rel).is_absolute() or rel.startswith("~"):
        return None, f"message file '{rel}' is an absolute path"
    try:
        root = base.resolve()
        path = (base / rel).resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # a symlink loop, a NUL
        return None, f"message file '{rel}' cannot be resolved: {exc}"
    if not path.is_relative_to(root):
        return None, f"message file '{rel}' is outside the flow's folder"
    if not is_regular_file(path):
        return None, f"message file '{rel}' does not exist"
    return path, None


def merge_message_files(
    data: Any, smap: SourceMap, base: FsPath
) -> tuple[Any, SourceMap, list[Problem]]:
    """Merge the message files a flow's ``translations:`` names into its parsed data.

    Args:
        data: The flow's parsed YAML (changed in place).
        smap: Where its keys and values are.
        base: The flow's folder (files are named relative to it).

    Returns:
        The data, a ``MergedSourceMap`` when anything was merged (else ``smap``),
        and the located problems of the message files. An entry with a problem is
        left out; the rest merge, so every problem is reported in one pass.

    """
    if not isinstance(data, dict) or not isinstance(data.get("translations"), dict):
        return data, smap, []
    languages = data.get("languages", ["en"])
    if not isinstance(languages, list) or not languages:
        return data, smap, []  # validation reports it
    declared = [x for x in languages if isinstance(x, str)]
    merged = MergedSourceMap(smap.file, smap.values, smap.keys, smap.lines)
    for text in translatable_texts(data):  # hints name a place as the skeleton does
        merged.text_keys.setdefault(tuple(text.path), text.key)
    merge = _Merge(data, merged, declared[0] if declared else "en")
    folder = os.path.dirname(smap.file)
    for lang, rel in data["translations"].items():
        if not isinstance(lang, str) or not isinstance(rel, str):
            continue  # validation reports the type
        loc = smap.locate(("translations", lang))
        if lang not in declared:
            merge.problems.append(
                Problem(
                    smap.locate(("translations", lang), key=True),
                    f"'{lang}' is not one of the flow's languages ({', '.join(declared)})",
                    "add it to 'languages', or remove its message file",
                )
            )
            continue
        fs_path, why = _confined(rel, base)
        if fs_path is None:
            merge.problems.append(Problem(loc, str(why), _OUTSIDE_HINT))
            merged.broken.add(lang)  # its texts are not missing one by one: the file is
            continue
        merge.one_file(lang, fs_path, os.path.join(folder, rel) if folder else rel)
    return data, merged, merge.problems


# ------------------------------------------------------------------ hints, skeleton

_MISSING = re.compile(r"^missing translation for ((?:'[a-z]{2,3}'(?:, )?)+)$")


def name_message_files(problems: list[Problem], smap: SourceMap) -> list[Problem]:
    """Missing-translation problems whose hint names the message file to add the text to.

    Only for flows with message files (a ``MergedSourceMap``); other problems
    pass unchanged. A text missing only because its language's file could not
    be read is not reported again (the file's own problem is).
    """
    if not isinstance(smap, MergedSourceMap) or not (smap.files or smap.broken):
        return problems
    by_place = {(smap.file, line, col): path for path, (line, col) in smap.values.items()}
    for path in smap.new_places:
        loc = smap.foreign_values[path]
        by_place[(loc.file, loc.line, loc.column)] = path
    out: list[Problem] = []
    for p in problems:
        found = _MISSING.match(p.message)
        place = by_place.get((p.file, p.line, p.column))
        if found is None or place is None:
            out.append(p)
            continue
        langs = [x for x in re.findall(r"'([a-z]{2,3})'", found.group(1)) if x not in smap.broken]
        if not langs:
            continue  # its message file is broken: that problem is the one to fix
        message = "missing translation for " + ", ".join(f"'{x}'" for x in langs)
        key = smap.text_keys.get(place) or _index_form(place)
        if place[0] == "messages" and place in smap.new_places:
            out.append(
                Problem(
                    p.location,
                    message,
                    f"the flow does not give '{key}', so every language speaks the built-in "
                    "one; to change it, give it in every language the flow declares, inline "
                    "per language or in each language's message file",
                )
            )
            continue
        where: list[str] = []
        for lang in langs:
            pending = smap.untranslated.get((lang, place))
            if pending is not None:
                where.append(f"fill in '{key}' at {pending}")
            elif lang in smap.files:
                where.append(f"add '{key}: ...' to {smap.files[lang]}")
            else:
                where.append(f"give the '{lang}' text inline, or in a message file")
        out.append(Problem(p.location, message, "; ".join(where)))
    return out


def name_message_files_in(problems: list[Problem], text: str, file: str) -> list[Problem]:
    """:func:`name_message_files` for a flow that did not validate (its text re-read).

    Only flows with ``translations:`` pay for the second read, and only on failure.
    """
    data, smap, found = parse_yaml(text, file)
    if found or not isinstance(data, dict) or not data.get("translations"):
        return problems
    from superdialog.spec.loader import flow_folder  # lazy: the loader imports this module

    _, merged, _ = merge_message_files(data, smap, flow_folder(file))
    return name_message_files(problems, merged)


def _scalar(value: Any) -> str:
    dumped = yaml.safe_dump(
        value, allow_unicode=True, default_flow_style=True, width=1_000_000, sort_keys=False
    )
    return dumped.removesuffix("\n...\n").rstrip("\n")


def _comment(value: Any) -> str:
    text = _scalar(value)
    return " ".join(text.splitlines())


def skeleton(spec: FlowSpec, smap: SourceMap, language: str, *, messages: bool = False) -> str:
    """A message file for ``language`` listing every text of ``spec`` to translate.

    Texts the flow gives inline in ``language`` are left out (a file entry
    for them would be a conflict); texts its message file already gives keep
    their translation, so a skeleton can be regenerated after the flow grows.
    Every entry carries the default language's text as a comment.

    Args:
        spec: The flow (parsed; it need not compile: missing texts are the point).
        smap: Its source map (tells file texts from inline ones).
        language: The language to write the file for.
        messages: List every runtime message too, not only those the flow
            gives (for a language without built-in messages).

    """
    data = spec.model_dump(by_alias=True, exclude_unset=True)
    if messages:
        defaults = Messages().model_dump()
        data["messages"] = {**defaults, **data.get("messages", {})}
    default = spec.languages[0]
    mine = smap.files.get(language) if isinstance(smap, MergedSourceMap) else None
    lines = [
        f"# {language} texts of flow '{spec.flow}'"
        f" (default language: {default}); fill in each empty entry."
    ]
    for place in translatable_texts(data):
        node: Any = data
        for part in place.path:
            node = (
                node.get(part)
                if isinstance(node, dict)
                else (node[part] if isinstance(node, list) and isinstance(part, int) else None)
            )
        if node is None:
            continue
        per = node if isinstance(node, dict) else {default: node}
        source = per.get(default)
        given = per.get(language)
        if given is not None and language != default:
            loc = smap.locate((*place.path, language))
            if mine is None or loc.file != mine:
                continue  # inline in the flow
        if language == default and not isinstance(node, dict):
            continue  # the default text is the inline plain one
        lines.append("")
        if source is not None and language != default:
            lines.append(f"# {default}: {_comment(source)}")
        lines.append(f"{place.key}:" + (f" {_scalar(given)}" if given is not None else ""))
    return "\n".join(lines) + "\n"
