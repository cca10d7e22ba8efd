"""GC tuning for many long-lived calls: applied once, never over a host's own choice."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from superdialog.runtime.gc_tuning import DEFAULT_THRESHOLDS, MANY_CALLS_THRESHOLDS, tune_gc


@pytest.fixture
def gc_restored() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


@pytest.mark.usefixtures("gc_restored")
def test_tunes_a_default_process_once() -> None:
    gc.set_threshold(*DEFAULT_THRESHOLDS)
    gc.unfreeze()
    kept = [object() for _ in range(100)]  # something loaded before the calls
    assert tune_gc() is True
    assert gc.get_threshold() == MANY_CALLS_THRESHOLDS
    assert gc.get_freeze_count() >= len(kept)
    assert tune_gc() is False  # the second time it is the process's own setting


@pytest.mark.usefixtures("gc_restored")
def test_a_hosts_own_thresholds_win() -> None:
    gc.set_threshold(1000, 15, 15)
    gc.unfreeze()
    assert tune_gc() is False
    assert gc.get_threshold() == (1000, 15, 15) and gc.get_freeze_count() == 0


@pytest.mark.usefixtures("gc_restored")
def test_the_unpod_entrypoint_tunes_unless_told_not_to() -> None:
    pytest.importorskip("superdialog_unpod")
    import superdialog
    from superdialog_unpod import entrypoint

    flow = superdialog.loads("flow: f\nstart: a\nstates:\n  a: {say: hi, end: completed}\n")
    gc.set_threshold(*DEFAULT_THRESHOLDS)
    entrypoint(flow, tune_gc=False)
    assert gc.get_threshold() == DEFAULT_THRESHOLDS
    entrypoint(flow)
    assert gc.get_threshold() == MANY_CALLS_THRESHOLDS
