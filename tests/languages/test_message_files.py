"""Per-language message files (``translations:``): merged at load, errors located in the file.

Real loader, compiler and runtime throughout; the adversarial part throws random keys,
values and hostile YAML at the message file and requires a located ``FlowError`` or a
flow whose texts are exactly the file's.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import superdialog
from superdialog.errors import FlowError
from superdialog.spec.message_files import skeleton, translatable_texts
from superdialog.testing.session import RecordingSession

FLOWS = Path(__file__).with_name("flows")
FLOW = FLOWS / "dental_booking.yaml"


def _copy(tmp_path: Path) -> Path:
    for name in ("dental_booking.yaml", "dental_booking.es.yaml"):
        shutil.copy(FLOWS / name, tmp_path / name)
    return tmp_path / "dental_booking.yaml"


def _problems(flow: Path) -> list[str]:
    with pytest.raises(FlowError) as caught:
        superdialog.load(flow)
    return [str(p) for p in caught.value.problems]


async def _talk(flow: superdialog.Flow, turns: list[tuple[str, str | None]]) -> list[str]:
    machine = flow.build(RecordingSession())
    said = [await machine.start()]
    for text, language in turns:
        said.append(await machine.turn(text, language=language))
    return said


# ------------------------------------------------------------------------------- merging


def test_the_spanish_file_speaks_as_if_written_inline() -> None:
    flow = superdialog.load(FLOW)
    said = asyncio.run(
        _talk(flow, [("cuánto cuesta, los precios", "es"), ("mañana", "es"), ("Ana", None)])
    )
    assert said[0] == "Hello, this is Smile Dental. What day suits you?"
    assert said[1].startswith("Una revisión cuesta 60 euros.")
    assert "¿A nombre de quién" in said[2]
    assert said[3].startswith("Perfecto, Ana.")


def test_every_text_of_the_file_lands_in_the_spec() -> None:
    flow = superdialog.load(FLOW)
    spec = flow.spec
    given = yaml.safe_load((FLOWS / "dental_booking.es.yaml").read_text(encoding="utf-8"))
    places = {t.key: t for t in translatable_texts(spec.model_dump(by_alias=True))}
    dumped = spec.model_dump(by_alias=True)
    for key, value in given.items():
        node = dumped
        for part in places[key].path:
            node = node[part]
        assert node["es"] == value, key
        assert "en" in node, key  # the plain inline text became the default language's


def test_a_missing_translation_names_the_file_and_the_empty_entry(tmp_path: Path) -> None:
    flow = _copy(tmp_path)
    es = tmp_path / "dental_booking.es.yaml"
    text = es.read_text(encoding="utf-8").replace("states.booked.say:", "# states.booked.say:")
    text = text.replace("states.goodbye.say: Adiós.", "states.goodbye.say:")
    es.write_text(text, encoding="utf-8")
    problems = _problems(flow)
    line = 1 + text.splitlines().index("states.goodbye.say:")
    assert any(
        "missing translation for 'es'" in p
        and f"fill in 'states.goodbye.say' at {tmp_path}/dental_booking.es.yaml:{line}:" in p
        for p in problems
    ), problems
    assert any(
        "missing translation for 'es'" in p
        and f"add 'states.booked.say: ...' to {tmp_path}/dental_booking.es.yaml" in p
        for p in problems
    ), problems


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("states.gret.say: Hola", "unknown text path 'states.gret.say' (did you mean "),
        ("states.greet.next: booked", "'states.greet.next' is not a spoken text"),
        ("slots.date.type: fecha", "'slots.date.type' is not a spoken text"),
        ("persona: Eres amable", "'persona' is not a spoken text"),
        ("intents.prices.phrases: precios", "intents.prices.phrases: intent phrases are a list"),
        ("states.greet.say: {es: Hola}", "give the text itself"),
        ("global.prices.say: [a, b]", "global.prices.say: a text is a string"),
        ("slots.date.prompt: [Hola, 3]", "every item of the list must be a non-empty string"),
        ("states.greet.say: Hola otra vez", "the 'es' text is also given in the flow"),
        ("1: Hola", "'1' is not a text path"),
    ],
)
def test_a_bad_entry_is_located_in_the_message_file(
    tmp_path: Path, entry: str, message: str
) -> None:
    es = _copy(tmp_path).with_name("dental_booking.es.yaml")
    text = es.read_text(encoding="utf-8")
    if entry.startswith("states.greet.say: Hola otra vez"):
        flow_file = tmp_path / "dental_booking.yaml"
        flow_text = flow_file.read_text(encoding="utf-8").replace(
            "    say: Hello, this is Smile Dental.",
            "    say: {en: Hello, this is Smile Dental., es: Hola}",
        )
        flow_file.write_text(flow_text, encoding="utf-8")
        line = 1 + text.splitlines().index(
            next(x for x in text.splitlines() if x.startswith("states.greet.say"))
        )
    else:
        key = entry.split(":")[0]
        kept = [x for x in text.splitlines() if not x.startswith(key + ":")]
        es.write_text("\n".join([*kept, entry]) + "\n", encoding="utf-8")
        line = len(kept) + 1
    problems = _problems(tmp_path / "dental_booking.yaml")
    located = [p for p in problems if p.startswith(f"{tmp_path}/dental_booking.es.yaml:{line}:")]
    assert any(message in p for p in located), problems


def test_a_default_language_file_may_not_repeat_an_inline_text(tmp_path: Path) -> None:
    flow = _copy(tmp_path)
    (tmp_path / "en.yaml").write_text("states.greet.say: Hi!\n", encoding="utf-8")
    text = flow.read_text(encoding="utf-8").replace(
        "  es: dental_booking.es.yaml", "  es: dental_booking.es.yaml\n  en: en.yaml"
    )
    flow.write_text(text, encoding="utf-8")
    problems = _problems(flow)
    assert any(
        p.startswith(f"{tmp_path}/en.yaml:1:1: states.greet.say: the 'en' text is also given")
        for p in problems
    ), problems


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("fr: dental_booking.es.yaml", "'fr' is not one of the flow's languages (en, es)"),
        ("es: nowhere.es.yaml", "message file 'nowhere.es.yaml' does not exist"),
        ("es: ../outside.yaml", "is outside the flow's folder"),
        ("es: /etc/hostname", "is an absolute path"),
    ],
)
def test_the_translations_key_is_checked_in_the_flow(
    tmp_path: Path, value: str, message: str
) -> None:
    flow = _copy(tmp_path)
    text = flow.read_text(encoding="utf-8").replace("  es: dental_booking.es.yaml", "  " + value)
    flow.write_text(text, encoding="utf-8")
    problems = _problems(flow)
    assert any(p.startswith(f"{flow}:") and message in p for p in problems), problems


HOSTILE = {
    "alias bomb": "a: &a [x,x,x,x,x,x,x,x,x,x]\n"
    + "".join(
        f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    ),
    "too deep": "x: " + "[" * 200 + "]" * 200 + "\n",
    "python tag": "states.greet.say: !!python/object:os.system echo\n",
    "duplicate key": "states.greet.say: Hola\nstates.greet.say: Buenas\n",
    "broken": "states.greet.say: [unclosed\n",
    "a list": "- states.greet.say\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_message_files_are_located_errors(tmp_path: Path, name: str) -> None:
    flow = _copy(tmp_path)
    (tmp_path / "dental_booking.es.yaml").write_text(HOSTILE[name], encoding="utf-8")
    problems = _problems(flow)
    assert any(p.startswith(f"{tmp_path}/dental_booking.es.yaml:") for p in problems), problems
    # an unreadable file is the one problem to fix, not every text it would have given
    assert not any("missing translation" in p for p in problems), problems


def test_bytes_that_are_not_utf8_and_huge_files(tmp_path: Path) -> None:
    flow = _copy(tmp_path)
    es = tmp_path / "dental_booking.es.yaml"
    es.write_bytes(b"states.greet.say: Hola \xff\n")
    assert any("not UTF-8" in p for p in _problems(flow))
    es.write_bytes(b"# " + b"x" * (3 * 1024 * 1024) + b"\n")
    assert any("larger than" in p for p in _problems(flow))


def test_editing_the_file_is_seen_on_the_next_load(tmp_path: Path) -> None:
    flow = _copy(tmp_path)
    first = asyncio.run(_talk(superdialog.load(flow), [("hola", "es")]))
    es = tmp_path / "dental_booking.es.yaml"
    text = es.read_text(encoding="utf-8").replace('"¿Qué día?"', '"¿Para qué día?"')
    es.write_text(text, encoding="utf-8")
    second = asyncio.run(_talk(superdialog.load(flow), [("hola", "es")]))
    assert first[1].endswith("¿Qué día?")
    assert second[1].endswith("¿Para qué día?")


def test_a_template_error_in_the_file_points_at_the_file(tmp_path: Path) -> None:
    flow = _copy(tmp_path)
    es = tmp_path / "dental_booking.es.yaml"
    text = es.read_text(encoding="utf-8").replace("{{ slots.patient }}", "{{ slots.patiente }}")
    es.write_text(text, encoding="utf-8")
    line = 1 + text.splitlines().index(next(x for x in text.splitlines() if "slots.patiente" in x))
    problems = _problems(flow)
    assert any(
        p.startswith(f"{es}:{line}:") and "unknown slot 'patiente'" in p for p in problems
    ), problems


# ------------------------------------------------------------------------------ skeleton


def test_a_skeleton_lists_every_text_and_loads_once_filled(tmp_path: Path) -> None:
    flow = _copy(tmp_path)
    text = flow.read_text(encoding="utf-8").replace("  es: dental_booking.es.yaml", "")
    text = text.replace("translations:\n", "").replace("languages: [en, es]", "languages: [en]")
    only_en = tmp_path / "only_en.yaml"
    only_en.write_text(text, encoding="utf-8")
    spec = superdialog.load(only_en).spec
    out = skeleton(spec, superdialog.load(only_en).source_map, "es")
    data = yaml.safe_load(out)
    assert data["states.greet.say"] is None
    assert "# en: Hello, this is Smile Dental." in out
    filled = {k: f"ES {k}" if not k.startswith("intents") else [f"es {k}"] for k in data}
    (tmp_path / "es.yaml").write_text(yaml.safe_dump(filled, allow_unicode=True), encoding="utf-8")
    both = text.replace("languages: [en]", "languages: [en, es]\ntranslations: {es: es.yaml}")
    (tmp_path / "both.yaml").write_text(both, encoding="utf-8")
    flow2 = superdialog.load(tmp_path / "both.yaml")
    said = asyncio.run(_talk(flow2, [("es intents.prices.phrases", "es")]))
    assert said[1].startswith("ES global.prices.say")


def test_a_skeleton_keeps_what_the_file_already_translates() -> None:
    flow = superdialog.load(FLOW)
    out = skeleton(flow.spec, flow.source_map, "es")
    data = yaml.safe_load(out)
    assert data["states.greet.say"] == "Hola, le atiende Clínica Sonrisa."
    assert "# en: Hello, this is Smile Dental." in out


# ----------------------------------------------------------------------------- fuzzing

_PATHS = st.sampled_from(
    [
        "states.greet.say",
        "states.booking.transitions.booked.say",
        "states.booking.transitions.0.say",
        "global.prices.say",
        "global.0.say",
        "slots.date.prompt",
        "intents.prices.phrases",
        "messages.no_input",
        "messages.help",
        "states.nope.say",
        "states.greet",
        "states",
        "",
        ".",
        "states..say",
    ]
)
_KEYS = st.one_of(_PATHS, st.text(max_size=30), st.integers(), st.booleans())
_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.text(max_size=40),
        st.integers(),
        st.floats(allow_nan=False),
        st.booleans(),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.dictionaries(_KEYS, _VALUES, max_size=6))
def test_any_message_file_loads_or_fails_with_located_problems(
    tmp_path: Path, entries: dict[object, object]
) -> None:
    flow = tmp_path / "dental_booking.yaml"
    if not flow.exists():
        _copy(tmp_path)
    text = yaml.safe_dump(entries, allow_unicode=True)
    (tmp_path / "dental_booking.es.yaml").write_text(text, encoding="utf-8")
    try:
        loaded = superdialog.load(flow, run_code=False)
    except FlowError as exc:
        assert exc.problems
        for p in exc.problems:
            assert p.line >= 1 and p.column >= 1
        return
    places = {t.key: t for t in translatable_texts(loaded.spec.model_dump(by_alias=True))}
    dumped = loaded.spec.model_dump(by_alias=True)
    for key, value in entries.items():
        if isinstance(key, str) and key in places and value not in (None, ""):
            node = dumped
            for part in places[key].path:
                node = node[part]
            assert node["es"] == value


def test_the_cli_writes_a_skeleton(tmp_path: Path) -> None:
    from superdialog.cli.main import main

    out = tmp_path / "dental_booking.it.yaml"
    assert main(["translations", str(FLOW), "--language", "it-IT", "-o", str(out)]) == 0
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data["states.greet.say"] is None
    assert "messages.not_understood" in data  # no built-in Italian messages: listed too
    assert main(["translations", str(FLOW), "--language", "x1"]) == 2


def test_a_message_only_in_a_file_says_why_every_language_needs_it(tmp_path: Path) -> None:
    flow = _copy(tmp_path)
    es = tmp_path / "dental_booking.es.yaml"
    text = es.read_text(encoding="utf-8") + "messages.no_input: Perdone, no le oigo.\n"
    es.write_text(text, encoding="utf-8")
    line = text.count("\n")
    problems = _problems(flow)
    assert any(
        p.startswith(f"{es}:{line}:1: missing translation for 'en'")
        and "the flow does not give 'messages.no_input'" in p
        for p in problems
    ), problems
