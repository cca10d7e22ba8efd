"""The compiled-flow cache is bounded (least recently used go first) for load and loads."""

from __future__ import annotations

from pathlib import Path

import superdialog
from superdialog.compile import compiled as flow_module
from superdialog.compile.compiled import CACHE_SIZE


def _text(i: int) -> str:
    return f'flow: f{i}\nstart: a\nstates:\n  a: {{say: "Hi {i}.", end: completed}}\n'


def test_loads_keeps_at_most_cache_size_flows() -> None:
    flow_module._CACHE.clear()
    first = superdialog.loads(_text(0), "f0.yaml")
    for i in range(1, 3 * CACHE_SIZE):
        superdialog.loads(_text(i), f"f{i}.yaml")
        if i % 7 == 0:  # keep the first one in use: it must survive
            assert superdialog.loads(_text(0), "f0.yaml") is first
    assert len(flow_module._CACHE) == CACHE_SIZE
    assert superdialog.loads(_text(0), "f0.yaml") is first
    evicted = superdialog.loads(_text(1), "f1.yaml")  # long unused: compiled again
    assert evicted is superdialog.loads(_text(1), "f1.yaml")


def test_load_shares_the_bound(tmp_path: Path) -> None:
    flow_module._CACHE.clear()
    for i in range(CACHE_SIZE + 20):
        path = tmp_path / f"f{i}.yaml"
        path.write_text(_text(i), encoding="utf-8")
        superdialog.load(path)
    assert len(flow_module._CACHE) == CACHE_SIZE
    path = tmp_path / "f0.yaml"
    assert superdialog.load(path) is not None  # evicted, loads again
    assert superdialog.load(path) is superdialog.load(path)
