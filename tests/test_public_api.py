"""The curated public API: complete, sorted, importable, and light to import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import superdialog


def test_all_is_sorted_and_every_name_resolves() -> None:
    names = [n for n in superdialog.__all__ if n != "__version__"]
    assert names == sorted(names)
    for name in superdialog.__all__:
        assert getattr(superdialog, name) is not None


def test_every_public_error_is_exported() -> None:
    from superdialog import errors

    exported = {n for n in errors.__all__ if n[0].isupper()}
    assert exported <= set(superdialog.__all__)


def test_unknown_attribute_raises() -> None:
    try:
        superdialog.nope  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "nope" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_import_is_light() -> None:
    code = ("import sys, superdialog; heavy = [m for m in ('openai', 'pydantic', 'jinja2', "
            "'transitions', 'graphviz', 'phonenumbers', 'yaml') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_machine_class_is_not_auto_wrapped_by_unpod() -> None:
    from superdialog.runtime.call import CallMachine

    assert CallMachine.__name__ not in ("DialogMachine", "LLMAgent")


def test_import_pulls_in_no_host_sdk() -> None:
    code = ("import sys, superdialog; flow = superdialog.load('flows/dental_booking.yaml'); "
            "flow.build(); print([m for m in sys.modules if m.split('.')[0] in "
            "('unpod', 'superdialog_unpod', 'pipecat', 'livekit')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "[]"


def test_flow_does_what_users_do_with_a_flow(tmp_path: Path) -> None:
    flow = superdialog.load(Path(__file__).resolve().parents[1] / "flows" / "dental_booking.yaml")
    png = flow.render(tmp_path / "deep" / "flow.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert flow.render(tmp_path / "flow.mmd").read_text().startswith("flowchart")
    schema = flow.schema()
    assert schema["title"] == "SuperDialog flow" and "states" in schema["properties"]
    with pytest.raises(superdialog.RenderError, match="format"):
        flow.render(tmp_path / "flow.xyz")
