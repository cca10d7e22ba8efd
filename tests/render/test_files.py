"""Writing files: formats by suffix, the real ``dot`` with its failure modes, the cache."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import superdialog
from superdialog.errors import RenderError
from superdialog.flow import Flow
from superdialog.render import files, flow_dot, render, render_to_file, run_dot

from .conftest import ROOT, needs_dot, parse_svg
from .flowgen import big_flow_yaml

pytestmark = needs_dot


@pytest.mark.parametrize(("suffix", "magic"), [
    (".svg", b"<?xml"), (".png", b"\x89PNG"), (".pdf", b"%PDF"),
    (".dot", b"digraph dental_booking {"), (".gv", b"digraph dental_booking {"),
    (".mmd", b"flowchart TD"), (".mermaid", b"flowchart TD"),
])
def test_suffix_picks_the_format(dental: Flow, tmp_path: Path, suffix: str,
                                 magic: bytes) -> None:
    out = render_to_file(dental, tmp_path / "deep" / f"flow{suffix}")
    assert out == tmp_path / "deep" / f"flow{suffix}"
    assert out.read_bytes().startswith(magic)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temp files left


def test_unknown_suffix(dental: Flow, tmp_path: Path) -> None:
    with pytest.raises(RenderError, match=r"cannot tell the format.*\.svg"):
        render_to_file(dental, tmp_path / "flow.jpg")
    with pytest.raises(RenderError, match="unknown diagram format"):
        render(dental, "gif")


def test_missing_dot_named_explicitly(dental: Flow, tmp_path: Path) -> None:
    with pytest.raises(RenderError) as info:
        render_to_file(dental, tmp_path / "flow.svg", dot=str(tmp_path / "no" / "dot"))
    assert "was not found" in str(info.value) and "apt-get install graphviz" in str(info.value)
    assert info.value.dot_source == flow_dot(dental)
    assert not (tmp_path / "flow.svg").exists()
    # formats that need no Graphviz still work
    render_to_file(dental, tmp_path / "flow.dot", dot=str(tmp_path / "no" / "dot"))


def test_missing_dot_on_path(tmp_path: Path) -> None:
    """A process whose PATH has no ``dot`` gets a clear RenderError, with the DOT text."""
    empty = tmp_path / "empty"
    empty.mkdir()
    code = textwrap.dedent(f"""
        import superdialog
        from superdialog.errors import RenderError
        from superdialog.render import render_to_file
        flow = superdialog.load({str(ROOT / "flows" / "support_triage.yaml")!r})
        try:
            render_to_file(flow, {str(tmp_path / "out.png")!r})
        except RenderError as exc:
            print("ERR", exc)
            print("SRC", exc.dot_source.startswith("digraph support_triage {{"))
    """)
    env = {k: v for k, v in os.environ.items() if k != "SUPERDIALOG_DOT"}
    env["PATH"] = str(empty)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "ERR Graphviz's 'dot' program was not found" in done.stdout
    assert "SRC True" in done.stdout
    assert not (tmp_path / "out.png").exists()


def test_cli_saves_the_dot_source_when_dot_is_missing(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "SUPERDIALOG_DOT"}
    env["PATH"] = str(empty)
    done = subprocess.run(
        [sys.executable, "-m", "superdialog.cli", "render",
         str(ROOT / "flows" / "lost_card.yaml"), "-o", str(tmp_path / "lost.svg")],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=60,
    )
    assert done.returncode != 0
    assert "'dot' program was not found" in done.stderr
    assert (tmp_path / "lost.dot").read_text(encoding="utf-8").startswith("digraph lost_card")


def test_timeout_with_the_real_dot() -> None:
    flow = superdialog.loads(big_flow_yaml(300))
    with pytest.raises(RenderError, match=r"did not finish within 0\.001 s") as info:
        render(flow, "svg", timeout=0.001)
    assert info.value.dot_source is not None and "s00_say" in info.value.dot_source


def test_a_hung_dot_is_killed_at_the_timeout(dental: Flow, tmp_path: Path) -> None:
    slow = tmp_path / "dot"
    slow.write_text("#!/bin/sh\nsleep 30\n", encoding="utf-8")
    slow.chmod(0o755)
    started = time.monotonic()
    with pytest.raises(RenderError, match=r"did not finish within 0\.5 s"):
        render_to_file(dental, tmp_path / "out.svg", timeout=0.5, dot=str(slow))
    assert time.monotonic() - started < 10
    assert not (tmp_path / "out.svg").exists()


def test_dot_failure_reports_its_stderr() -> None:
    with pytest.raises(RenderError, match=r"exit status 1: .*syntax error") as info:
        run_dot("digraph { a -> }", "svg")
    assert info.value.dot_source == "digraph { a -> }"


def test_outputs_are_cached_per_flow_format_and_trace(dental: Flow, tmp_path: Path) -> None:
    first = render(dental, "svg")
    assert render(dental, "svg") is first
    assert render(dental, "png") is not first
    trace = [{"kind": "state", "src": None, "dst": "greet", "edge": None, "via": "start"}]
    traced = render(dental, "svg", trace=trace)
    assert traced != first and render(dental, "svg", trace=trace) is traced
    # a slow dot would not be run again: prove it with one that cannot run at all
    assert render(dental, "svg", dot=str(tmp_path / "missing")) is first


def test_cache_is_bounded() -> None:
    for n in range(files.CACHE_SIZE + 5):
        flow = superdialog.loads(f"""
flow: f{n}
start: a
states:
  a: {{say: "hello {n}", end: completed}}
""")
        parse_svg(render(flow, "svg"))
    assert len(files._cache) == files.CACHE_SIZE
