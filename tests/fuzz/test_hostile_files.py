"""Each kind of broken or hostile file the issue names: a located ``FlowError``, quickly.

Every case is loaded as a flow, as a conversation-test file and as a
scripted-model file, because all three go through the same loader.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from superdialog.errors import FlowError
from superdialog.spec.yaml_source import MAX_DEPTH, MAX_FILE_BYTES

from .seeds import (
    BASE,
    BOMB_422,
    BOMB_470,
    BOMB_HEAD,
    FILE_NAME,
    FLOW,
    KINDS,
    hang_guard,
    load_as,
)


def _write(tmp_path: Path, kind: str, data: bytes) -> Path:
    (tmp_path / "tiny.yaml").write_text(FLOW, encoding="utf-8")  # the flow a test file names
    path = tmp_path / FILE_NAME[kind]
    path.write_bytes(data)
    return path


def _problems(tmp_path: Path, kind: str, data: bytes) -> list[str]:
    path = _write(tmp_path, kind, data)
    with hang_guard():
        error = load_as(kind, path)
    assert error is not None, "expected a FlowError"
    for p in error.problems:
        assert p.file == str(path) and p.line >= 1 and p.column >= 1
    return [
        f"{p.line}:{p.column}: {p.message}" + (f" ({p.hint})" if p.hint else "")
        for p in error.problems
    ]


def _appended(kind: str, line: str) -> tuple[bytes, int]:
    """The kind's minimal file with ``line`` appended, and that line's number."""
    base = BASE[kind]
    return (base + line + "\n").encode(), base.count("\n") + 1


VALUE_CASES = [
    ("!foo x", "unsupported YAML tag '!foo'"),
    ("!!int abc", "'abc' is not a valid !!int"),
    ("!!bool maybe", "'maybe' is not a valid !!bool"),
    ("!!timestamp abc", "'abc' is not a valid !!timestamp"),
    ("!!float many", "'many' is not a valid !!float"),
    ("!!binary aGk=", "unsupported YAML tag '!!binary'"),
    (
        "!!python/object/apply:os.system [echo]",
        "unsupported YAML tag '!!python/object/apply:os.system'",
    ),
    ("!!set {a}", "unsupported YAML tag '!!set'"),
    ("2024-02-30", "'2024-02-30' reads as a date but is not a valid one"),
    ("&a [1, *a]", "alias '*a' is used inside the value it names"),
    ("&b {c: *b}", "alias '*b' is used inside the value it names"),
    ("*nowhere", "unknown alias '*nowhere'"),
    ("1" * 5000, "a number of 5000 characters"),
    ('"say\\0this"', "the text holds the control character U+0000 (written as an escape)"),
    ('"\\e[31mred"', "the text holds the control character U+001B (written as an escape)"),
    ('"\\ud800"', "the text holds a lone surrogate U+D800"),
    ("{~: x}", "a key that reads as nothing (null)"),
    ("{null: x}", "a key that reads as nothing (null)"),
    ('{"a\\x07": x}', "the text holds the control character U+0007"),
    (":".join(["1"] * 700), "a number of 1399 characters"),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("value", "message"), VALUE_CASES, ids=[c[1][:40] for c in VALUE_CASES])
def test_bad_values_are_located_problems(
    tmp_path: Path, kind: str, value: str, message: str
) -> None:
    data, line = _appended(kind, f"bad: {value}")
    problems = _problems(tmp_path, kind, data)
    assert any(p.startswith(f"{line}:") and message in p for p in problems), problems


@pytest.mark.parametrize("kind", KINDS)
def test_an_impossible_date_says_how_to_keep_it_as_text(tmp_path: Path, kind: str) -> None:
    data, line = _appended(kind, "opened: 2024-02-30")
    (problem,) = _problems(tmp_path, kind, data)
    assert problem == (
        f"{line}:9: '2024-02-30' reads as a date but is not a valid one "
        "(quote it to keep it as text)"
    )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "nesting",
    [
        "[" * 5000 + "]" * 5000,
        "{a: " * 5000 + "1" + "}" * 5000,
        "\n" + "".join(" " * (i + 1) + "a:\n" for i in range(200)),
        "&deep " + "[" * 40 + "]" * 40 + "\nmore: " + "[" * 40 + "*deep" + "]" * 40,
    ],
    ids=["flow-sequences", "flow-mappings", "block-mappings", "through-an-alias"],
)
def test_deep_nesting_stops_at_the_limit(tmp_path: Path, kind: str, nesting: str) -> None:
    data, _ = _appended(kind, f"bad: {nesting}")
    (problem,) = _problems(tmp_path, kind, data)
    assert f"more than {MAX_DEPTH} levels deep" in problem


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bomb", [BOMB_422, BOMB_470], ids=["422-bytes", "470-bytes"])
def test_alias_bombs_are_refused_in_bounded_time_and_memory(
    tmp_path: Path, kind: str, bomb: bytes
) -> None:
    head = BASE[kind].encode()
    data = head + bomb[len(BOMB_HEAD) :]  # the bomb's anchors after this kind's own keys
    path = _write(tmp_path, kind, data)
    tracemalloc.start()
    try:
        with hang_guard():
            error = load_as(kind, path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error is not None
    (problem,) = error.problems
    assert "aliases (*name) expand to more than 10000 values" in problem.message
    assert problem.line == BASE[kind].count("\n") + 5  # the alias that crossed the bound
    assert peak < 20 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def test_small_aliases_still_work() -> None:
    """Aliases are bounded, not banned: a shared block is copied, positions included."""
    from superdialog.spec.yaml_source import parse_yaml

    text = "shared: &s {a: [1, 2], b: x}\nuse: *s\n"
    data, smap, problems = parse_yaml(text, "f.yaml")
    assert problems == []
    assert data == {"shared": {"a": [1, 2], "b": "x"}, "use": {"a": [1, 2], "b": "x"}}
    assert data["use"] is not data["shared"]
    assert smap.values[("use",)] == (2, 6)  # where the alias is written
    assert smap.values[("use", "a", 1)] == (1, 20)  # inside: where the anchored value is


@pytest.mark.parametrize("kind", KINDS)
def test_latin1_is_located_at_the_first_bad_byte(tmp_path: Path, kind: str) -> None:
    data = BASE[kind].encode() + "bad: caf\xe9 cr\xe8me\n".encode("latin-1")
    (problem,) = _problems(tmp_path, kind, data)
    line = BASE[kind].count("\n") + 1
    assert problem == (
        f"{line}:9: the file is not UTF-8: byte 0xe9 cannot be decoded (save the file as UTF-8)"
    )


def test_a_non_ascii_prefix_counts_characters_not_bytes(tmp_path: Path) -> None:
    data = "say: “héllo” \xff\n".encode().replace(b"\xc3\xbf", b"\xff")
    (problem,) = _problems(tmp_path, "flow", data)
    assert problem.startswith("1:14: the file is not UTF-8: byte 0xff")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (FLOW.encode("utf-16"), "1:1: the file is UTF-16 (save it as UTF-8)"),
        (b"\xef\xbb\xbf" + b"x: \x00\n", "1:4: the file contains the control character U+0000"),
        (b"x: 1\r\ny: \x07\n", "2:4: the file contains the control character U+0007"),
        (b"x: 1\n---\ny: 2\n", "2:1: a second YAML document ('---') in the file"),
        (b"[a, b]: 1\n", "1:1: a key must be a plain value"),
        (b"a: 1\na: 2\n", "2:1: duplicate key 'a' (first defined at line 1)"),
        (b"a: [1\n", "2:1: invalid YAML: while parsing a flow sequence"),
        (b"x: &a {b: 1}\ny:\n  <<: *a\n", "3:3: YAML merge keys ('<<') are not supported"),
        (b"", "1:1: the file is empty"),
    ],
    ids=[
        "utf16",
        "nul",
        "bell",
        "two-docs",
        "complex-key",
        "duplicate",
        "syntax",
        "merge",
        "empty",
    ],
)
def test_broken_files_are_located(tmp_path: Path, kind: str, data: bytes, message: str) -> None:
    if kind == "llm" and data == b"":  # a valid script: every answer is the default
        assert load_as(kind, _write(tmp_path, kind, b"# nothing yet\n")) is None
        return
    problems = _problems(tmp_path, kind, data)
    assert any(p.startswith(message) for p in problems), problems


@pytest.mark.parametrize("kind", KINDS)
def test_oversized_files_are_refused_unread(tmp_path: Path, kind: str) -> None:
    data = BASE[kind].encode() + b"# " + b"." * MAX_FILE_BYTES + b"\n"
    (problem,) = _problems(tmp_path, kind, data)
    assert problem.startswith("1:1: the file is larger than 2 MiB")


@pytest.mark.parametrize("kind", KINDS)
def test_files_that_cannot_be_read(tmp_path: Path, kind: str) -> None:
    (tmp_path / "dir.yaml").mkdir()
    for path, message in [
        (tmp_path / "missing.yaml", "cannot read file: No such file or directory"),
        (tmp_path / "dir.yaml", "cannot read file: not a regular file"),
    ]:
        error = load_as(kind, path)
        assert error is not None and error.problems[0].message == message


def test_loads_refuses_oversized_text_and_lone_surrogates() -> None:
    import superdialog

    with pytest.raises(FlowError, match="longer than"):
        superdialog.loads("a: " + "x" * (MAX_FILE_BYTES + 1))
    with pytest.raises(FlowError) as info:
        superdialog.loads(FLOW + "x: \ud800\n", "s.yaml")
    assert str(info.value).startswith("s.yaml:6:4: the file contains the control character U+D800")


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (
            "{{ " + "(" * 400 + "1" + ")" * 400 + " }}",
            "template cannot be compiled: nested too deeply",
        ),
        ("{{ " + "1" * 5000 + " }}", "template cannot be compiled: Exceeds the limit"),
        ("{{ " + "a." * 3000 + "b }}", "template cannot be compiled: nested too deeply"),
    ],
    ids=["parentheses", "integer-literal", "attribute-chain"],
)
def test_templates_that_cannot_compile_are_located(template: str, message: str) -> None:
    import superdialog

    text = FLOW.replace('"Hi there."', f'"{template}"')
    with pytest.raises(FlowError) as info, hang_guard():
        superdialog.loads(text, "t.yaml")
    (problem,) = info.value.problems
    assert (problem.line, problem.column) == (4, 16)
    assert problem.message.startswith(message)
