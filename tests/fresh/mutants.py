"""Newcomer mistakes, made on purpose to valid flows: each mutant says what must be reported.

A mutation takes a valid flow's text and a random source and returns a
:class:`Mutant`: the broken text, the 1-based line the mistake is on, and what
the report must say there (a regular expression), or ``loads=True`` when the
change must not matter (CRLF line ends, a byte-order mark, comments). The
mistakes are the ones a team new to the flow language makes: a misspelt state,
slot, key or filter; a terminal left out; a word where a number goes; a tab;
a key written twice; a line indented wrongly.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

import yaml

__all__ = ["MUTATIONS", "Mutant", "typo"]


@dataclass(frozen=True, slots=True)
class Mutant:
    """A broken flow and what its report must say.

    ``line`` is where the mistake is (``None``: anywhere); ``message`` a regular
    expression one problem's message (with its hint) must match there.
    """

    operator: str
    text: str
    line: int | None = None
    message: str = ""
    loads: bool = False
    raw: bytes | None = None
    """The file's bytes, when the mistake is in the bytes (not UTF-8)."""


Mutation = Callable[[str, random.Random], Mutant | None]


def typo(word: str, rnd: random.Random, avoid: set[str]) -> str | None:
    """A one-key slip of ``word`` (drop, double, swap or change a letter) not in ``avoid``."""
    for _ in range(20):
        i = rnd.randrange(len(word))
        kind = rnd.choice(("drop", "double", "swap", "change"))
        if kind == "drop" and len(word) > 3:
            out = word[:i] + word[i + 1 :]
        elif kind == "double":
            out = word[:i] + word[i] + word[i:]
        elif kind == "swap" and i < len(word) - 1 and word[i] != word[i + 1]:
            out = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        else:
            out = word[:i] + rnd.choice("aeiourstn") + word[i + 1 :]
        if out != word and out not in avoid and re.fullmatch(r"[A-Za-z_][\w-]*", out):
            return out
    return None


def _names(text: str, section: str) -> set[str]:
    data = yaml.safe_load(text)
    value = data.get(section) if isinstance(data, dict) else None
    return {str(k) for k in value} if isinstance(value, dict) else set()


def _pick(text: str, pattern: str, rnd: random.Random) -> re.Match[str] | None:
    found = list(re.finditer(pattern, text, flags=re.MULTILINE))
    return rnd.choice(found) if found else None


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _replace(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def state_ref(text: str, rnd: random.Random) -> Mutant | None:
    """``next: greet`` → ``next: gret``: an unknown state, with the right one as a hint."""
    states = _names(text, "states")
    m = _pick(text, r"\b(?:next|to|goto|on_fail|on_error): *([A-Za-z_][\w-]*)", rnd)
    if m is None or m.group(1) not in states:
        return None
    bad = typo(m.group(1), rnd, states)
    if bad is None:
        return None
    return Mutant(
        "state_ref",
        _replace(text, m.start(1), m.end(1), bad),
        _line(text, m.start(1)),
        rf"unknown state '{re.escape(bad)}'",
    )


def collect_slot(text: str, rnd: random.Random) -> Mutant | None:
    """``collect: [dob]`` → ``collect: [dbo]``: an unknown slot, did you mean."""
    slots = _names(text, "slots")
    m = _pick(text, r"collect: \[([^\]]*)\]", rnd)
    if m is None:
        return None
    names = [n.strip() for n in m.group(1).split(",")]
    i = rnd.randrange(len(names))
    bad = typo(names[i], rnd, slots)
    if bad is None:
        return None
    names[i] = bad
    return Mutant(
        "collect_slot",
        _replace(text, m.start(1), m.end(1), ", ".join(names)),
        _line(text, m.start(1)),
        rf"unknown slot '{re.escape(bad)}'",
    )


def template_slot(text: str, rnd: random.Random) -> Mutant | None:
    """``{{ slots.zip }}`` → ``{{ slots.zpi }}``: an unknown slot in a template."""
    slots = _names(text, "slots")
    m = _pick(text, r"slots\.([A-Za-z_]\w*)", rnd)
    if m is None or m.group(1) not in slots:
        return None
    bad = typo(m.group(1), rnd, slots)
    if bad is None:
        return None
    return Mutant(
        "template_slot",
        _replace(text, m.start(1), m.end(1), bad),
        _line(text, m.start(1)),
        rf"unknown slot '{re.escape(bad)}'",
    )


STATE_KEYS = ("say", "next", "collect", "transitions", "action", "transfer", "retries")


def state_key(text: str, rnd: random.Random) -> Mutant | None:
    """``    next: x`` → ``    nxet: x``: an unknown key, did you mean."""
    m = _pick(text, r"^ {4}(" + "|".join(STATE_KEYS) + r"):", rnd)
    if m is None:
        return None
    bad = typo(m.group(1), rnd, set(STATE_KEYS) | {"use", "end", "llm", "pii", "listen"})
    if bad is None:
        return None
    return Mutant(
        "state_key",
        _replace(text, m.start(1), m.end(1), bad),
        _line(text, m.start(1)),
        rf"unknown key '{re.escape(bad)}'",
    )


def filter_name(text: str, rnd: random.Random) -> Mutant | None:
    """``| spoken`` → ``| spokn``: no such filter, did you mean 'spoken'."""
    m = _pick(text, r"\| *(spoken)\b", rnd)
    if m is None:
        return None
    bad = typo("spoken", rnd, {"spoken", "masked", "default", "d", "upper", "lower", "title"})
    if bad is None:
        return None
    return Mutant(
        "filter_name",
        _replace(text, m.start(1), m.end(1), bad),
        _line(text, m.start(1)),
        rf"No filter named '{re.escape(bad)}'",
    )


def wrong_type(text: str, rnd: random.Random) -> Mutant | None:
    """``retries: 2`` → ``retries: two``: a word where a number goes."""
    m = _pick(
        text, r"\b(?:retries|timeout|holding_after|min_length|max_length): *(\d+(?:\.\d+)?)", rnd
    )
    if m is None:
        return None
    word = rnd.choice(("two", "soon", "a few", "[1, 2]", "{n: 1}"))
    return Mutant(
        "wrong_type",
        _replace(text, m.start(1), m.end(1), word),
        _line(text, m.start(1)),
        r"valid (?:integer|number)|should be",
    )


def tab_indent(text: str, rnd: random.Random) -> Mutant | None:
    """Indent one line with a tab: YAML refuses tabs for indentation."""
    m = _pick(text, r"^( {2,})\S", rnd)
    if m is None:
        return None
    return Mutant(
        "tab_indent", _replace(text, m.start(1), m.end(1), "\t"), _line(text, m.start(1)), r"tab"
    )


def duplicate_key(text: str, rnd: random.Random) -> Mutant | None:
    """Write a state's ``say:`` (or ``next:``) line twice."""
    m = _pick(text, r"^( {4}(?:say|next|collect): [^\n]*\n)", rnd)
    if m is None:
        return None
    return Mutant(
        "duplicate_key",
        _replace(text, m.end(1), m.end(1), m.group(1)),
        _line(text, m.start(1)) + 1,
        r"duplicate key",
    )


def drop_terminal(text: str, rnd: random.Random) -> Mutant | None:
    """Leave out a state's ``end:``: the state is a dead end now."""
    m = _pick(text, r"^ {4}end: *[\w-]+\n", rnd)
    if m is None:
        return None
    heads = list(re.finditer(r"^  ([\w-]+):", text[: m.start()], flags=re.MULTILINE))
    if not heads:
        return None
    state = heads[-1]
    return Mutant(
        "drop_terminal",
        _replace(text, m.start(), m.end(), ""),
        None,
        rf"'{re.escape(state.group(1))}' is a dead end|no way out",
    )


def dedent_key(text: str, rnd: random.Random) -> Mutant | None:
    """``    next: x`` written at the states' level: it reads as a state of its own."""
    m = _pick(text, r"^ {4}(next): *[\w-]+$", rnd)
    if m is None:
        return None
    line = _line(text, m.start())
    follows = re.match(r"[^\n]*\n( {4,})\S", text[m.start() :])
    if follows is not None:  # a key below it: YAML itself sees the indentation go wrong there
        return Mutant(
            "dedent_key",
            _replace(text, m.start(), m.start(1), "  "),
            line + 1,
            r"indented more than line \d+ \('next: …'\)",
        )
    return Mutant(
        "dedent_key",
        _replace(text, m.start(), m.start(1), "  "),
        line,
        r"'next' is a key of a state.*indent it",
    )


def crlf(text: str, rnd: random.Random) -> Mutant | None:
    """Windows line ends change nothing."""
    return Mutant("crlf", text.replace("\n", "\r\n"), loads=True)


def bom(text: str, rnd: random.Random) -> Mutant | None:
    """A byte-order mark (what some editors save) changes nothing."""
    return Mutant("bom", "\ufeff" + text, loads=True)


_KEY_LINE = re.compile(r"^ *(?:- )?[\w.-]+:(?: |$)")


def comments(text: str, rnd: random.Random) -> Mutant | None:
    """Comment lines between keys change nothing.

    Not inside a block text (``say: >-`` then lines): YAML ends the block at a
    comment less indented than its lines, so there it is a change.
    """
    lines = text.split("\n")
    for _ in range(3):
        keys = [i for i, line in enumerate(lines) if _KEY_LINE.match(line)]
        i = rnd.choice(keys) if keys else rnd.randrange(len(lines))
        lines.insert(i, "# a note from the team: don't forget to ask legal")
    return Mutant("comments", "\n".join(lines), loads=True)


def remove_state(text: str, rnd: random.Random) -> Mutant | None:
    """Delete a state others go to: every reference to it is an unknown state."""
    heads = list(re.finditer(r"^  ([\w-]+):", text, flags=re.MULTILINE))
    states_at = text.find("\nstates:")
    heads = [h for h in heads if h.start() > states_at]
    if len(heads) < 2:
        return None
    i = rnd.randrange(1, len(heads))
    name = heads[i].group(1)
    refs = list(re.finditer(rf"\b(?:next|to|goto|on_fail|on_error|call|start): *{name}\b", text))
    if not refs:
        return None
    end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
    nxt = re.search(r"^\S", text[heads[i].end() :], flags=re.MULTILINE)
    if nxt is not None:
        end = min(end, heads[i].end() + nxt.start())
    return Mutant(
        "remove_state",
        _replace(text, heads[i].start(), end, ""),
        None,
        rf"unknown state '{name}'|start state '{name}' does not exist",
    )


def context_key(text: str, rnd: random.Random) -> Mutant | None:
    """``{{ pharmacy.name }}`` → ``{{ pharmacy.nmae }}``: the context has no such key."""
    data = yaml.safe_load(text)
    context = data.get("context") or {}
    nested = [k for k, v in context.items() if isinstance(v, dict)]
    if not nested:
        return None
    top = rnd.choice(nested)
    m = _pick(text, rf"{{{{[^}}]*\b{top}\.(\w+)", rnd)
    if m is None or m.group(1) not in context[top]:
        return None
    bad = typo(m.group(1), rnd, set(context[top]))
    if bad is None:
        return None
    return Mutant(
        "context_key",
        _replace(text, m.start(1), m.end(1), bad),
        _line(text, m.start(1)),
        rf"'{top}' has no key '{re.escape(bad)}'",
    )


def end_reason(text: str, rnd: random.Random) -> Mutant | None:
    """``end: completed`` → ``end: complted``: an end reason nobody declared."""
    m = _pick(text, r"^ {4}end: *([\w-]+)$", rnd)
    if m is None:
        return None
    bad = typo(m.group(1), rnd, {"completed", "error", "no_response", "max_duration"})
    if bad is None or bad in text:
        return None
    return Mutant(
        "end_reason",
        _replace(text, m.start(1), m.end(1), bad),
        _line(text, m.start(1)),
        rf"unknown end reason '{re.escape(bad)}'",
    )


def python_tag(text: str, rnd: random.Random) -> Mutant | None:
    """A ``!!python/object`` tag on a value: refused, nothing is built or run."""
    m = _pick(text, r"^ {4}say: ", rnd)
    if m is None:
        return None
    tag = rnd.choice(("!!python/object/apply:os.system ", "!!python/name:os.system ", "!custom "))
    return Mutant("python_tag", _replace(text, m.end(), m.end(), tag), _line(text, m.end()), r"tag")


def alias_bomb(text: str, rnd: random.Random) -> Mutant | None:
    """A billion-laughs alias bomb in ``context``: refused quickly, in bounded memory."""
    bomb = "  lol0: &l0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"  lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]\n" for i in range(1, 9)
    )
    m = re.search(r"^context:\n", text, flags=re.MULTILINE)
    if m is None:
        return None
    return Mutant("alias_bomb", _replace(text, m.end(), m.end(), bomb), None, r"alias")


def latin1(text: str, rnd: random.Random) -> Mutant | None:
    """A file saved as Latin-1 by an old editor: the first bad byte is located."""
    m = _pick(text, r"^ {4}say: \S", rnd)
    if m is None:
        return None
    broken = _replace(text, m.end() - 1, m.end() - 1, "é")
    at = next(i for i, c in enumerate(broken) if ord(c) > 127)  # the first bad byte
    return Mutant(
        "latin1", broken, _line(broken, at), r"UTF-8", raw=broken.encode("latin-1", "replace")
    )


def unquoted_yes(text: str, rnd: random.Random) -> Mutant | None:
    """An intent phrase list gains an unquoted ``yes`` (YAML's true)."""
    m = _pick(text, r"phrases: \[([^\]]*)\]", rnd)
    if m is None:
        return None
    word = rnd.choice(("yes", "no", "on", "off"))
    return Mutant(
        "unquoted_yes",
        _replace(text, m.end(1), m.end(1), f", {word}"),
        _line(text, m.start(1)),
        r"unquoted yes/no/on/off",
    )


MUTATIONS: dict[str, Mutation] = {
    f.__name__: f
    for f in (
        state_ref,
        collect_slot,
        template_slot,
        state_key,
        filter_name,
        wrong_type,
        tab_indent,
        duplicate_key,
        drop_terminal,
        dedent_key,
        crlf,
        bom,
        comments,
        remove_state,
        context_key,
        end_reason,
        python_tag,
        alias_bomb,
        latin1,
        unquoted_yes,
    )
}
