"""YAML bytes or text → plain Python data plus the line:column of every key and value.

This is the one door every file SuperDialog reads goes through (flows, sub-flows,
conversation tests, scripted-model files), so it is where hostile or broken input
is stopped: whatever the input, the result is data or a list of located
``Problem``s, quickly and in bounded memory. Never a traceback, never a hang.

We build the data ourselves from the parser's event stream (no composer, no
recursion) so that:

* every path (``("states", "greet", "say")``) keeps its position;
* duplicate keys are reported instead of silently overwritten;
* nesting deeper than ``MAX_DEPTH`` stops the parse at the offending line
  (libyaml and PyYAML both slow down quadratically with depth);
* aliases (``*name``) are allowed but bounded: one that refers to the value
  containing it is an error, and all aliases together may add at most
  ``MAX_ALIAS_VALUES`` values (a 400-byte "billion laughs" file would
  otherwise expand to hundreds of millions);
* only the core YAML tags are accepted (``!!str``, ``!!int``, ``!!float``,
  ``!!bool``, ``!!null``, ``!!timestamp``, ``!!seq``, ``!!map``); anything else
  (``!foo``, ``!!python/object``, ``!!binary``, ``!!set``) is a located error;
* a value that cannot be constructed (``!!int abc``, ``!!bool maybe``,
  ``2024-02-30``) is a located error, not a ``ValueError``;
* bytes that are not UTF-8, control characters and files over
  ``MAX_FILE_BYTES`` are located errors.
"""

from __future__ import annotations

import codecs
import copy
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from superdialog.errors import FlowError, Location, Problem

__all__ = [
    "MAX_ALIAS_VALUES",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NUMBER_CHARS",
    "Path",
    "SourceMap",
    "decode_source",
    "is_regular_file",
    "parse_yaml",
    "read_source",
]

Path = tuple[str | int, ...]

MAX_FILE_BYTES = 2 * 1024 * 1024
"""Largest file we read (2 MiB; a 500-state flow is about 90 KB)."""

MAX_DEPTH = 64
"""Deepest nesting of mappings and lists, aliases included (flows need about 8)."""

MAX_ALIAS_VALUES = 10_000
"""How many values all aliases (``*name``) of one file may add together."""

MAX_NUMBER_CHARS = 1_000
"""Longest scalar read as a number (longer ones are refused, not converted)."""

_FALLBACK_BYTES = 64 * 1024
"""Re-parse with the pure-Python parser (better messages) only when the error is this early."""

_TAG = "tag:yaml.org,2002:"
_STR, _MERGE = _TAG + "str", _TAG + "merge"
_SEQ_TAGS = frozenset({_TAG + "seq"})
_MAP_TAGS = frozenset({_TAG + "map"})
_NUMBER_TAGS = frozenset({_TAG + "int", _TAG + "float"})
_SCALAR_TAGS = frozenset(
    {_STR, _TAG + "int", _TAG + "float", _TAG + "bool", _TAG + "null", _TAG + "timestamp"}
)
_ALLOWED_TAGS_HINT = (
    "allowed tags: !!str, !!int, !!float, !!bool, !!null, !!timestamp, !!seq, !!map"
)
# PyYAML's own definition of what may appear in a YAML stream.
_NON_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_ESCAPED_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
"""What an escape in a double-quoted text can put in that the file itself may not hold."""
_RESOLVE: Callable[[type[yaml.Node], str, tuple[bool, bool]], str] = (
    yaml.resolver.Resolver().resolve
)
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_BUILDERS: dict[str, Callable[[yaml.constructor.SafeConstructor, yaml.ScalarNode], Any]] = {
    tag: _CONSTRUCTOR.yaml_constructors[tag] for tag in _SCALAR_TAGS
}


@dataclass(slots=True)
class SourceMap:
    """Positions of keys and values in one YAML file, by data path."""

    file: str
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    lines: tuple[str, ...] = ()
    """The file's lines, to find a word inside a value (see ``within``)."""

    def within(self, at: Location, needle: str) -> Location:
        """Where ``needle`` is first written in the value located at ``at``.

        A template in a block text (``say: >-`` then lines) is located at its
        first line; a problem with one word in it is better shown where that
        word is. ``at`` itself when the word is on its first line or not found.
        """
        if at.file != self.file or not needle or not 1 <= at.line <= len(self.lines):
            return at
        first = self.lines[at.line - 1]
        indent = len(first) - len(first.lstrip(" "))
        word = re.compile(rf"(?<![\w-]){re.escape(needle)}(?![\w-])")
        if word.search(first, at.column - 1):
            return at
        for number in range(at.line + 1, min(len(self.lines), at.line + 1000) + 1):
            line = self.lines[number - 1]
            if line.strip() and len(line) - len(line.lstrip(" ")) <= indent:
                break  # the next key: the block ended
            found = word.search(line)
            if found is not None:
                return Location(at.file, number, found.start() + 1)
        return at

    def locate(self, path: Path, *, key: bool = False) -> Location:
        """Best location for ``path``: the exact node, else its nearest parent."""
        p = tuple(path)
        while True:
            found = self.node_at(p, key=key)
            if found is not None:
                return found
            if not p:
                return Location(self.file, 1, 1)
            p = p[:-1]

    def node_at(self, path: Path, *, key: bool = False) -> Location | None:
        """Where exactly ``path`` is written (its key when ``key``), or None."""
        if key and path in self.keys:
            line, col = self.keys[path]
            return Location(self.file, line, col)
        if path in self.values:
            line, col = self.values[path]
            return Location(self.file, line, col)
        return None


# --------------------------------------------------------------------------- reading


def is_regular_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a regular file; ``False`` for names the OS refuses.

    ``Path.is_file`` raises for a name that is too long or holds a NUL, and
    file names in flows come from YAML.
    """
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def read_source(path: str | os.PathLike[str], name: str | None = None) -> str:
    """Read a UTF-8 file of at most ``MAX_FILE_BYTES``.

    Args:
        path: The file.
        name: How the file is named in problems (default: ``str(path)``).

    Raises:
        FlowError: the file cannot be read, is not a regular file, is too large
            or is not UTF-8 (located at the first bad byte).

    """
    file = str(path) if name is None else name

    def fail(message: str, hint: str | None = None) -> FlowError:
        return FlowError([Problem(Location(file, 1, 1), message, hint)])

    try:
        # a FIFO or device would block or never end: only regular files are read
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise fail("cannot read file: not a regular file")
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise fail(f"cannot read file: {exc.strerror or exc}") from None
    except ValueError as exc:  # an embedded NUL in the path
        raise fail(f"cannot read file: {exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise fail(
            f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB",
            "split it into sub-flows with use:",
        )
    return decode_source(data, file)


def decode_source(data: bytes, file: str) -> str:
    """Decode UTF-8 (a BOM is dropped); a bad byte is a problem at its line and column."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FlowError([Problem(Location(file, 1, 1), "the file is UTF-16", "save it as UTF-8")])
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        column = len(data[line_start : exc.start].decode("utf-8", errors="replace")) + 1
        raise FlowError(
            [
                Problem(
                    Location(file, line, column),
                    f"the file is not UTF-8: byte 0x{data[exc.start]:02x} cannot be decoded",
                    "save the file as UTF-8",
                )
            ]
        ) from None


# --------------------------------------------------------------------------- building


class _Stop(Exception):
    """The input cannot be read further safely; the problem is already recorded."""


_Entry = tuple[bool, Path, tuple[int, int]]
"""A logged position: (is a key, path, (line, column))."""


@dataclass(slots=True)
class _Anchor:
    """A value defined with ``&name``, copied wherever ``*name`` appears."""

    value: Any = None
    complete: bool = False
    size: int = 1
    height: int = 0
    entries: list[_Entry] = field(default_factory=list)


class _Key:
    """Sentinels for a mapping frame's key slot."""

    WANTED: Any = object()  # the next value is a key
    DROPPED: Any = object()  # the next value belongs to a refused key: read, then dropped


@dataclass(slots=True)
class _Frame:
    """A mapping or list being built."""

    value: dict[Any, Any] | list[Any]
    path: Path
    pos: tuple[int, int]
    record: bool
    anchor: str | None
    log_start: int
    size: int = 1
    height: int = 1
    key: Any = _Key.WANTED


_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _line_column(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of ``text[index]``, counting line breaks as YAML does."""
    line, start = 1, 0
    for found in _BREAK.finditer(text, 0, index):
        line, start = line + 1, found.end()
    return line, index - start + 1


def _pos(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


class _Builder:
    """Parser events → data, source map and problems, with every bound enforced.

    Iterative (an explicit stack, no recursion), so input depth can never
    reach Python's recursion limit; each bound stops the build at the line
    that crossed it.
    """

    def __init__(self, smap: SourceMap) -> None:
        self.smap = smap
        self.problems: list[Problem] = []
        self.stack: list[_Frame] = []
        self.anchors: dict[str, _Anchor] = {}
        self.log: list[_Entry] = []
        self.alias_values = 0
        self.documents = 0
        self.root: Any = None
        self.stopped = False

    # -- problems and positions ---------------------------------------------------------
    def problem(self, pos: tuple[int, int], message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(Location(self.smap.file, *pos), message, hint))

    def stop(self, pos: tuple[int, int], message: str, hint: str | None = None) -> _Stop:
        self.problem(pos, message, hint)
        return _Stop()

    def note(self, is_key: bool, path: Path, pos: tuple[int, int]) -> None:
        (self.smap.keys if is_key else self.smap.values)[path] = pos
        self.log.append((is_key, path, pos))

    def slot(self) -> tuple[Path, bool, bool]:
        """Where the next value goes: its path, whether to record it, whether it is a key."""
        if not self.stack:
            return (), True, False
        top = self.stack[-1]
        if isinstance(top.value, list):
            return (*top.path, len(top.value)), top.record, False
        if top.key is _Key.WANTED:
            return top.path, False, True
        if top.key is _Key.DROPPED:
            return top.path, False, False
        return (*top.path, top.key), top.record, False

    # -- events -------------------------------------------------------------------------
    def run(self, events: Iterator[yaml.Event]) -> None:
        for event in events:
            if isinstance(event, yaml.ScalarEvent):
                self.scalar(event)
            elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                self.start(event)
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                self.end()
            elif isinstance(event, yaml.AliasEvent):
                self.alias(event)
            elif isinstance(event, yaml.DocumentStartEvent):
                self.documents += 1
                if self.documents > 1:
                    raise self.stop(
                        _pos(event.start_mark),
                        "a second YAML document ('---') in the file",
                        "a file holds one document",
                    )

    def tag_ok(self, tag: str | None, allowed: frozenset[str], pos: tuple[int, int]) -> bool:
        if tag is None or tag == "!" or tag in allowed:
            return True
        shown = "!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag
        self.problem(pos, f"unsupported YAML tag '{shown}'", _ALLOWED_TAGS_HINT)
        return False

    def scalar(self, event: yaml.ScalarEvent) -> None:
        pos = _pos(event.start_mark)
        tag = event.tag
        if tag is None or tag == "!":
            tag = _RESOLVE(yaml.ScalarNode, event.value, event.implicit)
            if tag == _MERGE and self.stack and self.stack[-1].key is _Key.WANTED:
                self.problem(
                    pos,
                    "YAML merge keys ('<<') are not supported",
                    "write the shared keys out in each place (what a state says and where it "
                    "goes should be readable where it is), or put shared states in a sub-flow "
                    "(use:)",
                )
                self.stack[-1].key = _Key.DROPPED
                return
            if tag not in _SCALAR_TAGS:  # '=' (YAML 1.1 value) and '<<' as a value: text
                tag = _STR
        value = self.construct(event, tag, pos) if self.tag_ok(tag, _SCALAR_TAGS, pos) else None
        if event.anchor is not None:
            self.anchors[event.anchor] = _Anchor(value, complete=True)
        self.add(value, 1, 0, pos)

    def construct(self, event: yaml.ScalarEvent, tag: str, pos: tuple[int, int]) -> Any:
        if tag == _STR:
            return self.text(event.value, pos)
        text = event.value
        shown = text if len(text) <= 40 else text[:40] + "…"
        explicit = event.tag not in (None, "!")
        kind = tag.removeprefix(_TAG)
        if tag in _NUMBER_TAGS and len(text) > MAX_NUMBER_CHARS:
            self.problem(
                pos,
                f"a number of {len(text)} characters (at most {MAX_NUMBER_CHARS})",
                None if explicit else "quote it to keep it as text",
            )
            return None
        node = yaml.ScalarNode(tag, text, None, None, event.style)
        try:
            return _BUILDERS[tag](_CONSTRUCTOR, node)
        except (
            ValueError,
            TypeError,
            LookupError,
            AttributeError,
            ArithmeticError,
            yaml.YAMLError,
        ):
            if explicit:
                self.problem(pos, f"'{shown}' is not a valid !!{kind}")
            else:
                what = "date" if kind == "timestamp" else kind
                self.problem(
                    pos,
                    f"'{shown}' reads as a {what} but is not a valid one",
                    "quote it to keep it as text",
                )
            return None

    def text(self, value: str, pos: tuple[int, int]) -> str | None:
        """A text, unless an escape (a NUL, a lone surrogate) put in what the file may not hold.

        The file itself is refused for a control character; written as an
        escape in a double-quoted text it reached a spoken line (a NUL to the
        speech engine), and a lone surrogate failed later as 'unable to parse
        raw data as a unicode string'.
        """
        bad = _ESCAPED_BAD.search(value)
        if bad is None:
            return value
        char = ord(bad.group())
        if 0xD800 <= char <= 0xDFFF:
            self.problem(
                pos,
                f"the text holds a lone surrogate U+{char:04X} (half of a UTF-16 pair)",
                "write the character itself, or \\U and its eight hex digits",
            )
        else:
            self.problem(
                pos,
                f"the text holds the control character U+{char:04X} (written as an escape)",
                "remove it: a spoken line or a name cannot hold control characters",
            )
        return None

    def start(self, event: yaml.MappingStartEvent | yaml.SequenceStartEvent) -> None:
        pos = _pos(event.start_mark)
        if len(self.stack) >= MAX_DEPTH:
            raise self.stop(pos, f"nested more than {MAX_DEPTH} levels deep")
        is_map = isinstance(event, yaml.MappingStartEvent)
        self.tag_ok(event.tag, _MAP_TAGS if is_map else _SEQ_TAGS, pos)
        path, record, _ = self.slot()
        if record:
            self.note(False, path, pos)
        value: dict[Any, Any] | list[Any] = {} if is_map else []
        self.stack.append(_Frame(value, path, pos, record, event.anchor, len(self.log)))
        if event.anchor is not None:
            self.anchors[event.anchor] = _Anchor()  # pending: an alias to it now is recursive

    def end(self) -> None:
        frame = self.stack.pop()
        if frame.anchor is not None:
            cut = len(frame.path)
            entries = [(k, p[cut:], at) for k, p, at in self.log[frame.log_start :]]
            self.anchors[frame.anchor] = _Anchor(
                frame.value, True, frame.size, frame.height, entries
            )
        self.add(frame.value, frame.size, frame.height, frame.pos, noted=True)

    def alias(self, event: yaml.AliasEvent) -> None:
        pos = _pos(event.start_mark)
        name = event.anchor or ""
        anchor = self.anchors.get(name)
        if anchor is None or not anchor.complete:
            if anchor is None:
                self.problem(pos, f"unknown alias '*{name}'", f"define it first with '&{name}'")
            else:
                self.problem(pos, f"alias '*{name}' is used inside the value it names")
            self.add(None, 1, 0, pos)
            return
        self.alias_values += anchor.size
        if self.alias_values > MAX_ALIAS_VALUES:
            raise self.stop(
                pos,
                f"aliases (*name) expand to more than {MAX_ALIAS_VALUES} values",
                "aliases are for small shared blocks; write the values out",
            )
        if len(self.stack) + anchor.height > MAX_DEPTH:
            raise self.stop(pos, f"alias '*{name}' nests more than {MAX_DEPTH} levels deep")
        path, record, is_key = self.slot()
        if record and not is_key:
            self.note(False, path, pos)
            for k, rel, at in anchor.entries:
                if rel:
                    self.note(k, (*path, *rel), at)
        value = copy.deepcopy(anchor.value) if anchor.height else anchor.value
        self.add(value, anchor.size, anchor.height, pos, noted=True)

    # -- placing a finished value -------------------------------------------------------
    def add(
        self, value: Any, size: int, height: int, pos: tuple[int, int], *, noted: bool = False
    ) -> None:
        if not self.stack:
            if not noted:
                self.note(False, (), pos)
            self.root = value
            return
        top = self.stack[-1]
        top.size += size
        top.height = max(top.height, height + 1)
        if isinstance(top.value, list):
            if top.record and not noted:
                self.note(False, (*top.path, len(top.value)), pos)
            top.value.append(value)
        elif top.key is _Key.WANTED:
            top.key = self.key(top, value, pos)
        else:
            if top.key is not _Key.DROPPED:
                if top.record and not noted:
                    self.note(False, (*top.path, top.key), pos)
                top.value[top.key] = value
            top.key = _Key.WANTED

    def key(self, top: _Frame, value: Any, pos: tuple[int, int]) -> Any:
        if isinstance(value, dict | list):
            self.problem(pos, "a key must be a plain value (text or a number)")
            return _Key.DROPPED
        said = self.problems[-1] if self.problems else None
        if value is None and (said is None or (said.line, said.column) != pos):
            self.problem(
                pos,
                "a key that reads as nothing (null)",
                "YAML reads an empty key, null, Null, NULL and ~ as nothing: "
                'quote it ("null") or give a name',
            )
            return _Key.DROPPED
        if value is None:  # a key whose text was refused: already said
            return _Key.DROPPED
        key: str | int
        if isinstance(value, bool):
            key = str(value).lower()
        elif isinstance(value, int | str):
            key = value
        else:
            key = str(value)
        kpath = (*top.path, key)
        assert isinstance(top.value, dict)
        if key in top.value:
            first = self.smap.keys.get(kpath, pos)
            self.problem(pos, f"duplicate key '{key}'", f"first defined at line {first[0]}")
            return _Key.DROPPED
        if top.record:
            self.note(True, kpath, pos)
        return key


# --------------------------------------------------------------------------- parsing


def _syntax_problem(exc: yaml.YAMLError, file: str, text: str = "") -> Problem:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        plain = _in_plain_words(exc, text.splitlines())
        if plain is not None:
            line, column, message, hint = plain
            return Problem(Location(file, line, column), message, hint)
        msg = exc.problem or str(exc)
        if exc.context:
            msg = f"{exc.context}, {msg}"
        return Problem(Location(file, *_pos(mark)), f"invalid YAML: {msg}")
    return Problem(Location(file, 1, 1), f"invalid YAML: {exc}")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _above(lines: list[str], index: int) -> tuple[int, str] | None:
    """The nearest line above ``index`` (0-based) with content: (its index, its text)."""
    for k in range(index - 1, -1, -1):
        stripped = lines[k].strip()
        if stripped and not stripped.startswith("#"):
            return k, lines[k]
    return None


def _key(line: str) -> str:
    return line.strip().removeprefix("- ").split(":", 1)[0].strip()


_MAX_PLAIN_KEY = 1024


def _in_plain_words(
    exc: yaml.MarkedYAMLError, lines: list[str]
) -> tuple[int, int, str, str | None] | None:
    """The usual YAML mistakes, at the line that is wrong and said plainly (else None).

    The parser words them after its grammar ("expected <block end>, but found
    '<block mapping start>'") and sometimes at the line after the mistake.
    """
    mark = exc.problem_mark
    if mark is None or not 0 <= mark.line < len(lines):
        return None
    problem = exc.problem or ""
    context = exc.context or ""
    index, here = mark.line, lines[mark.line]
    above = _above(lines, index)
    if "'\\t'" in problem or "\t" in problem:
        return (
            index + 1,
            mark.column + 1,
            "a tab character where YAML needs spaces",
            "YAML indents with spaces only: replace the tab with spaces",
        )
    if "mapping values are not allowed" in problem or "could not find expected ':'" in problem:
        # YAML takes a plain key of at most 1024 characters; past that the parser
        # said 'mapping values are not allowed' at the colon, or found no ':'
        key = here.strip().removeprefix("- ").split(": ", 1)[0].rstrip(":")
        if len(key) > _MAX_PLAIN_KEY:
            return (
                index + 1,
                _indent(here) + 1,
                f"a key of {len(key)} characters (YAML allows at most {_MAX_PLAIN_KEY})",
                "use a shorter name",
            )
    if problem == "mapping values are not allowed here":
        if above is not None and _indent(here) > _indent(above[1]) and ":" in above[1]:
            _, value = above[1].split(":", 1)
            if value.strip() and not value.strip().startswith(("|", ">", "&", "#")):
                return (
                    index + 1,
                    _indent(here) + 1,
                    f"this line is indented more than line {above[0] + 1} "
                    f"('{_key(above[1])}: …'), which already has a value",
                    f"indent '{_key(here)}:' like '{_key(above[1])}:' if it belongs beside it",
                )
        if above is not None and _indent(here) == _indent(above[1]) and ":" not in above[1]:
            words = above[1].strip()
            if not words.startswith(("-", '"', "'", "{", "[", "|", ">", "&", "*", "!")):
                # 'flow f' above 'start: a': YAML reads both lines as one text
                first, _, rest = words.partition(" ")
                return (
                    above[0] + 1,
                    _indent(above[1]) + 1,
                    f"'{words}' has no ':', so it is not a key",
                    f"write it as '{first}: {rest}'" if rest else f"write it as '{first}: …'",
                )
        return (
            index + 1,
            mark.column + 1,
            "a ': ' inside a value makes it look like a key",
            "put the value in quotes",
        )
    if "expected <block end>" in problem and "<block mapping start>" in problem:
        levels = sorted(
            {_indent(ln) for ln in lines[:index] if ln.strip() and not ln.strip().startswith("#")}
        )
        n = _indent(here)
        near = [lv for lv in levels if lv != n]
        lower = max((lv for lv in near if lv < n), default=None)
        higher = min((lv for lv in near if lv > n), default=None)
        options = [f"{lv} spaces" for lv in (higher, lower) if lv is not None]
        return (
            index + 1,
            n + 1,
            f"this line is indented {n} spaces, which lines up with no key above it",
            "indent it like the keys it belongs with: " + " or ".join(options) if options else None,
        )
    if "expected <block end>" in problem and "'?'" in problem and "collection" in context:
        return (
            index + 1,
            mark.column + 1,
            "a key where a list item ('- ') was expected",
            "a list and keys cannot share one indentation; indent the key under an item, "
            "or end the list first",
        )
    if "expected <block end>" in problem and "'<scalar>'" in problem:
        return (
            index + 1,
            mark.column + 1,
            "more text after a value that is already complete (a closing quote?)",
            "put the whole value inside the quotes",
        )
    if "flow mapping" in context or "flow sequence" in context:
        start = exc.context_mark
        bracket = "{" if "mapping" in context else "["
        closing = "}" if bracket == "{" else "]"
        opened = f" on line {start.line + 1}" if start is not None else ""
        return (
            index + 1,
            mark.column + 1,
            f"the '{bracket}'{opened} is not closed before this",
            f"close it with '{closing}', or write the value as indented lines",
        )
    return None


def _error_offset(exc: yaml.YAMLError) -> int:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return int(mark.index) if mark is not None else 0


def _build(text: str, file: str, loader: Any) -> _Builder:
    builder = _Builder(SourceMap(file, lines=tuple(text.split("\n"))))
    try:
        builder.run(yaml.parse(text, Loader=loader))
    except _Stop:
        builder.stopped = True
    return builder


def parse_yaml(text: str, file: str) -> tuple[Any, SourceMap, list[Problem]]:
    """Parse ``text``; return the data, its source map and the problems found.

    The data is ``None`` when the file holds no value (empty, comments only,
    ``~``) or nothing usable was read (a syntax error, a bound crossed: then
    there are problems). Problems are always located.
    """
    if len(text) > MAX_FILE_BYTES:
        return (
            None,
            SourceMap(file),
            [
                Problem(
                    Location(file, 1, 1),
                    f"the text is longer than {MAX_FILE_BYTES} characters",
                    "split it into sub-flows with use:",
                )
            ],
        )
    bad = _NON_PRINTABLE.search(text)
    if bad is not None:
        char = ord(bad.group())
        return (
            None,
            SourceMap(file),
            [
                Problem(
                    Location(file, *_line_column(text, bad.start())),
                    f"the file contains the control character U+{char:04X}",
                    "YAML files may not hold control characters; remove it",
                )
            ],
        )
    fast = getattr(yaml, "CSafeLoader", None)
    try:
        builder = _build(text, file, fast or yaml.SafeLoader)
    except yaml.YAMLError as exc:
        if fast is None or _error_offset(exc) > _FALLBACK_BYTES:
            return None, SourceMap(file), [_syntax_problem(exc, file, text)]
        # the pure-Python parser words errors better ("found character '@' ..."); it stops
        # at the same place, so re-reading costs at most _FALLBACK_BYTES of slow parsing
        try:
            builder = _build(text, file, yaml.SafeLoader)
        except yaml.YAMLError as slow:
            return None, SourceMap(file), [_syntax_problem(slow, file, text)]
    if builder.stopped:  # a bound was crossed part-way: nothing read is usable
        return None, builder.smap, builder.problems
    return builder.root, builder.smap, builder.problems
