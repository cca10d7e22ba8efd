"""Mutation fuzz of the loader: thousands of broken variants of our own files.

Every example file in ``flows/`` (flows, conversation tests, scripted models)
and every hostile seed is mutated (byte flips, deleted, duplicated and swapped
lines, indentation changes, swapped tokens, inserted YAML tags / anchors /
aliases / directives, truncation, random Unicode, hostile values) and loaded as
the kind of file it is. The only acceptable outcomes are success and a
``FlowError`` whose every problem is located; no single load may run past the
hang guard (2 s; loads take milliseconds).

The run is deterministic (a fixed seed). ``SUPERDIALOG_FUZZ_N`` sets the number
of mutants (default 2400, ~20-30 s) and ``SUPERDIALOG_FUZZ_SEED`` the seed, for a
larger run by hand::

    SUPERDIALOG_FUZZ_N=100000 .venv/bin/python -m pytest tests/fuzz/test_mutations.py -s
"""

from __future__ import annotations

import os
import random
import re
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from .seeds import (
    HOSTILE_SEEDS,
    check_outcome,
    copy_examples,
    example_seeds,
    kind_of,
    load_as,
)

N = int(os.environ.get("SUPERDIALOG_FUZZ_N", "2400"))
SEED = int(os.environ.get("SUPERDIALOG_FUZZ_SEED", "20240611"))

TAGS = [
    "!foo ",
    "!!int ",
    "!!bool ",
    "!!timestamp ",
    "!!float ",
    "!!null ",
    "!!str ",
    "!!binary ",
    "!!set ",
    "!!omap ",
    "!!pairs ",
    "!!seq ",
    "!!map ",
    "!!python/object:os.system ",
    "!!python/name:os.system ",
    "!<tag:yaml.org,2002:int> ",
    "! ",
    "!!merge ",
    "!!value ",
]
SYNTAX = [
    "&a ",
    "*a",
    "&b ",
    "*b",
    "<<: *a",
    "? ",
    "- ",
    ": ",
    "{",
    "}",
    "[",
    "]",
    ",",
    '"',
    "'",
    "|",
    ">",
    "#",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "%TAG ! tag:x.org,2000:\n",
    "\t",
    "@",
    "`",
    "%",
    "&a [*a]",
    "*nowhere",
    "{{",
    "}}",
    "{%",
    "%}",
]
VALUES = [
    "2024-02-30",
    "1:2:3:4:5",
    "0x1F",
    "0o17",
    "0b101",
    ".inf",
    "-.nan",
    "~",
    "null",
    "yes",
    "no",
    "on",
    "off",
    "=",
    "<<",
    "1e999",
    "1" * 60,
    "-" + "9" * 4400,
    "'{{ 10 ** 5000 }}'",
    "'{{ range(10**9) | list }}'",
    "\"{{ 'a' * 10**9 }}\"",
    "'{{ ' + 'x' | center(10**9) }}'",
    "'{{ " + "(" * 300 + "1" + ")" * 300 + " }}'",
    "'^(a+)+$'",
    "'(a|aa)+$'",
    "'(x+x+)+y'",
    "'((((((((((((a))))))))))))'",
    "'" + "(" * 1200 + ")" * 1200 + "'",
    "'a{99999999999}'",
    "/etc/passwd",
    "../../../x.py",
    "'" + "s" * 200 + "'",
    "[" * 80 + "]" * 80,
    "{}",
    "[]",
    "''",
    '"\\ud800"',
    '"\\x00"',
    "!!int abc",
    "!!bool maybe",
    "&x [*x]",
]
UNICODE = [
    "\x00",
    "\x07",
    "\x1b",
    "\x7f",
    "\x85",
    "\u00a0",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\ufffe",
    "\uffff",
    "\u200b",
    "\u202e",
    "é",
    "ß",
    "İ",
    "中",
    "😀",
    "\U0010ffff",
    "\r",
    "\r\n",
    "\t",
]

Mutator = Callable[[random.Random, bytes, list[bytes]], bytes]


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def flip_byte(r: random.Random, data: bytes, _: list[bytes]) -> bytes:
    if not data:
        return bytes([r.randrange(256)])
    b = bytearray(data)
    for _i in range(r.choice((1, 1, 2, 4))):
        b[r.randrange(len(b))] = r.randrange(256)
    return bytes(b)


def delete_line(r: random.Random, data: bytes, _: list[bytes]) -> bytes:
    lines = _lines(data)
    del lines[r.randrange(len(lines))]
    return b"\n".join(lines)


def duplicate_line(r: random.Random, data: bytes, _: list[bytes]) -> bytes:
    lines = _lines(data)
    i = r.randrange(len(lines))
    lines.insert(i, lines[i])
    return b"\n".join(lines)


def swap_lines(r: random.Random, data: bytes, _: list[bytes]) -> bytes:
    lines = _lines(data)
    i, j = r.randrange(len(lines)), r.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


def reindent(r: random.Random, data: bytes, _: list[bytes]) -> bytes:
    lines = _lines(data)
    i = r.randrange(len(lines))
    line = lines[i]
    if r.random() < 0.5:
        lines[i] = b" " * r.choice((1, 2, 3, 4, 8)) + line
    elif r.random() < 0.2:
        lines[i] = b"\t" + line
    else:
        lines[i] = line[r.choice((1, 2, 4)) :] if line.startswith(b" ") else line
    return b"\n".join(lines)


_TOKEN = re.compile(rb"[A-Za-z0-9_.{}$-]+|[:\[\]{},\-#&*!|>'\"]")


def swap_tokens(r: random.Random, data: bytes, _: list[bytes]) -> bytes:
    tokens = list(_TOKEN.finditer(data))
    if len(tokens) < 2:
        return data
    a, b = sorted(r.sample(tokens, 2), key=lambda m: m.start())
    if a.end() > b.start():
        return data
    return data[: a.start()] + b.group() + data[a.end() : b.start()] + a.group() + data[b.end() :]


def _insert(r: random.Random, data: bytes, piece: bytes) -> bytes:
    at = r.randrange(len(data) + 1)
    if r.random() < 0.6:  # often right after ': ' or '- ', where values start
        spots = [m.end() for m in re.finditer(rb": |- ", data)]
        if spots:
            at = r.choice(spots)
    return data[:at] + piece + data[at:]


def insert_syntax(r: random.Random, data: bytes, _: list[bytes]) -> bytes:
    return _insert(r, data, r.choice(TAGS + SYNTAX).encode())


def replace_value(r: random.Random, data: bytes, _: list[bytes]) -> bytes:
    spots = list(re.finditer(rb"(?<=: )[^\n#]+", data))
    value = r.choice(VALUES).encode("utf-8", "surrogatepass")
    if not spots:
        return _insert(r, data, value)
    m = r.choice(spots)
    return data[: m.start()] + value + data[m.end() :]


def truncate(r: random.Random, data: bytes, _: list[bytes]) -> bytes:
    return data[: r.randrange(len(data) + 1)]


def insert_unicode(r: random.Random, data: bytes, _: list[bytes]) -> bytes:
    text = "".join(r.choice(UNICODE) for _ in range(r.choice((1, 1, 3))))
    return _insert(r, data, text.encode("utf-8", "surrogatepass"))


def splice(r: random.Random, data: bytes, others: list[bytes]) -> bytes:
    donor = _lines(r.choice(others))
    lines = _lines(data)
    lines.insert(r.randrange(len(lines) + 1), r.choice(donor))
    return b"\n".join(lines)


MUTATORS: list[Mutator] = [
    flip_byte,
    delete_line,
    duplicate_line,
    swap_lines,
    reindent,
    swap_tokens,
    insert_syntax,
    replace_value,
    truncate,
    insert_unicode,
    splice,
]


def test_mutants_of_our_files_load_or_fail_with_a_location(tmp_path: Path) -> None:
    folder = copy_examples(tmp_path)
    seeds = {**example_seeds(), **{f"{k}.yaml": v for k, v in HOSTILE_SEEDS.items()}}
    names = sorted(seeds)
    corpus = list(seeds.values())
    r = random.Random(SEED)
    outcomes: Counter[str] = Counter()
    slowest = (0.0, "")
    started = time.perf_counter()
    examples = sorted(example_seeds())
    hostile = sorted(set(names) - set(examples))
    for name in examples:  # unmutated, unguarded: they load, and one-off imports are paid here
        assert load_as(kind_of(name), folder / name) is None, name
    for i in range(N):
        # two mutants in three start from our own files, the rest from hostile seeds
        name = examples[i % len(examples)] if i % 3 else hostile[(i // 3) % len(hostile)]
        data = seeds[name]
        steps = []
        for _ in range(r.choice((1, 1, 1, 2, 3))):
            mutate = r.choice(MUTATORS)
            steps.append(mutate.__name__)
            data = mutate(r, data, corpus)
        # hostile seeds are tried as every kind of file, examples as their own kind
        kind = kind_of(name) if name in examples else ("flow", "test", "llm")[(i // 3) % 3]
        target = folder / (
            {"flow": "mutant.yaml", "test": "mutant.test.yaml"}.get(kind, "mutant.llm.yaml")
        )
        target.write_bytes(data)
        try:
            outcome, elapsed = check_outcome(kind, target)
        except BaseException as exc:
            crash = tmp_path / f"crash-{i}.yaml"
            crash.write_bytes(data)
            raise AssertionError(
                f"mutant {i} of {name} ({' + '.join(steps)}, seed {SEED}) loaded as {kind} "
                f"escaped as {type(exc).__name__}: {str(exc)[:300]}\n(saved to {crash})\n"
                + "".join(traceback.format_exception(exc)[-6:])
            ) from None
        outcomes[f"{kind}:{outcome}"] += 1
        if elapsed > slowest[0]:
            slowest = (elapsed, f"{name} ({' + '.join(steps)})")
    total = time.perf_counter() - started
    print(
        f"\nfuzz: {N} mutants in {total:.1f} s ({N / total:.0f}/s), seed {SEED}; "
        f"outcomes {dict(sorted(outcomes.items()))}; slowest load {slowest[0] * 1000:.0f} ms: "
        f"{slowest[1]}"
    )
    assert (
        sum(v for k, v in outcomes.items() if k.endswith(":error")) > N // 4
    )  # it did break things
    assert sum(v for k, v in outcomes.items() if k.endswith(":ok")) > 0  # and not only that
