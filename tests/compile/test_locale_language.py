"""``locale.language`` cannot silently disagree with ``languages`` (what a call speaks)."""

from __future__ import annotations

import pytest

import superdialog

BASE = """
flow: f
{extra}
start: a
states:
  a: {{say: "Hola.", end: completed}}
"""


def test_a_locale_language_the_flow_does_not_speak_is_a_located_error() -> None:
    with pytest.raises(superdialog.FlowError) as err:
        superdialog.loads(BASE.format(extra="locale: {language: es}"), "f.yaml")
    text = str(err.value)
    assert "f.yaml:3:" in text and "locale.language is 'es'" in text
    assert "languages: [es" in text


@pytest.mark.parametrize("extra", ["locale: {language: en-US}", "locale: {region: ES}", ""])
def test_an_agreeing_or_absent_locale_language_is_fine(extra: str) -> None:
    superdialog.loads(BASE.format(extra=extra), "f.yaml")
