"""Diagrams per language (issue 16, item 4): real flows, real ``dot``.

A flow that speaks several languages is drawn with the lines of the one asked for (what each
state says, the AI's instruction, in the nodes and their tooltips); the default is the flow's
first language and draws exactly what was drawn before; a language the flow does not declare
is refused with the place in the flow file where its languages are written.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import superdialog
from superdialog.compile.translations import for_language
from superdialog.errors import RenderError
from superdialog.render import flow_diagram, flow_dot, flow_mermaid, render, render_to_file
from superdialog.render.style import html, plain_template

ROOT = Path(__file__).resolve().parents[2]
CASA_LUNA = ROOT / "tests" / "languages" / "flows" / "casa_luna.yaml"
EXAMPLES = [ROOT / "flows" / f"{n}.yaml" for n in ("dental_booking", "table_booking", "lost_card")]
DOT = pytest.mark.skipif(
    subprocess.run(["which", "dot"], capture_output=True).returncode != 0,
    reason="Graphviz's dot is not installed (scripts/setup.sh installs it)",
)


@pytest.fixture(scope="module")
def casa_luna() -> superdialog.Flow:
    return superdialog.load(CASA_LUNA)


def test_the_lines_are_drawn_in_the_language_asked_for(casa_luna: superdialog.Flow) -> None:
    es = flow_dot(casa_luna, language="es")
    hi = flow_dot(casa_luna, language="hi")
    en = flow_dot(casa_luna)
    assert "Bienvenido a Casa Luna." in es and "Welcome to Casa Luna." not in es
    assert "कासा लूना में आपका स्वागत है।" in hi and "Welcome to Casa Luna." not in hi
    assert "Welcome to Casa Luna." in en
    # templates are shown as words, whatever the language
    assert "Una mesa para \u2039party\u203a a" in es
    # the title says which language a diagram is in, when it is not the default
    assert "\u00b7  es" in es and "\u00b7  hi" in hi and "\u00b7  en" not in en


def test_the_default_language_draws_what_was_drawn_before(casa_luna: superdialog.Flow) -> None:
    assert flow_dot(casa_luna, language="en") == flow_dot(casa_luna)
    assert flow_dot(casa_luna, language="EN-gb") == flow_dot(casa_luna)
    assert flow_mermaid(casa_luna, language="en") == flow_mermaid(casa_luna)


def test_a_tag_is_read_as_the_call_reads_it(casa_luna: superdialog.Flow) -> None:
    assert flow_dot(casa_luna, language="es-ES") == flow_dot(casa_luna, language="es")
    assert flow_dot(casa_luna, language="hi_IN") == flow_dot(casa_luna, language="hi")


@pytest.mark.parametrize("language", ["it", "de", "zz-ZZ", "", "español"])
def test_an_undeclared_language_is_a_located_error(
    casa_luna: superdialog.Flow, language: str
) -> None:
    for draw in (
        lambda: flow_dot(casa_luna, language=language),
        lambda: flow_mermaid(casa_luna, language=language),
        lambda: render(casa_luna, "dot", language=language),
    ):
        with pytest.raises(RenderError) as err:
            draw()
        message = str(err.value)
        assert message.startswith(f"{CASA_LUNA}:4:12: flow 'casa_luna' does not speak"), message
        assert "en, es, hi" in message


def test_a_flow_in_english_only_knows_english() -> None:
    flow = superdialog.load(ROOT / "flows" / "support_triage.yaml")
    assert flow_dot(flow, language="en") == flow_dot(flow)
    with pytest.raises(RenderError, match=r"support_triage\.yaml:\d+:\d+: .* its languages are en"):
        flow_dot(flow, language="es")


def test_mermaid_and_the_graphviz_object_follow_the_language(casa_luna: superdialog.Flow) -> None:
    mmd = flow_mermaid(casa_luna, language="hi")
    assert "स्वागत" in mmd and "Welcome" not in mmd
    assert "%% spoken texts in 'hi'" in mmd
    assert flow_diagram(casa_luna, language="es").source == flow_dot(casa_luna, language="es")
    assert casa_luna.diagram(language="es").source == flow_dot(casa_luna, language="es")


@DOT
def test_real_pictures_per_language(casa_luna: superdialog.Flow, tmp_path: Path) -> None:
    png = casa_luna.render(tmp_path / "es" / "casa_luna.png", language="es")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = render_to_file(casa_luna, tmp_path / "casa_luna.hi.svg", language="hi").read_text()
    assert "स्वागत" in svg  # the text stays text: the viewer's fonts draw it
    assert "Welcome" not in svg
    # one cached picture per language: the DOT text is part of the key
    assert render(casa_luna, "svg", language="es") != render(casa_luna, "svg", language="hi")


@DOT
def test_the_cli_draws_a_language_and_locates_a_wrong_one(tmp_path: Path) -> None:
    out = tmp_path / "luna.svg"
    done = subprocess.run(
        [sys.executable, "-m", "superdialog.cli", "render", str(CASA_LUNA), "-o", str(out),
         "--language", "es"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "Bienvenido" in out.read_text()
    bad = subprocess.run(
        [sys.executable, "-m", "superdialog.cli", "render", str(CASA_LUNA), "-o", str(out),
         "--language", "it"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )
    assert bad.returncode == 1
    assert f"{CASA_LUNA}:4:12: flow 'casa_luna' does not speak 'it'" in bad.stderr


@settings(max_examples=30, deadline=None)
@given(st.sampled_from([*EXAMPLES, CASA_LUNA]), st.data())
def test_every_example_flow_draws_in_every_language_it_speaks(
    path: Path, data: st.DataObject
) -> None:
    flow = superdialog.load(path)
    language = data.draw(st.sampled_from(list(flow.spec.languages)))
    dot = flow_dot(flow, language=language)
    mmd = flow_mermaid(flow, language=language)
    for state in flow.states.values():
        if not state.say:
            continue
        first = plain_template(for_language(state.say[0], language).source).split()[0]
        found = re.search(r"[\w\u0900-\u097f]+", first)  # the first word, without quotes
        if found is None:
            continue
        word = found.group()
        assert html(word) in dot, (state.name, language, word)
        assert word in mmd, (state.name, language, word)
