"""Garbage-collector settings for a process that holds many long-lived calls.

A worker loads its flows once and then keeps thousands of calls alive for
minutes. With CPython's default thresholds (700, 10, 10) the collector walks
every one of those live objects again and again: at 10k concurrent calls the
bench measured 9.1 s of 45 s of CPU in GC. Freezing what was loaded (the
flows, the model client, the imported modules) takes it out of every future
walk, and larger thresholds make full collections rare: 26.8 s of CPU for the
same work, no full collections (bench/README.md, "Concurrent calls").
"""

from __future__ import annotations

import gc
import sys

__all__ = ["DEFAULT_THRESHOLDS", "MANY_CALLS_THRESHOLDS", "tune_gc"]

DEFAULT_THRESHOLDS = (2000, 10, 10) if sys.version_info >= (3, 13) else (700, 10, 10)
"""This interpreter's own; anything else means the application chose, and we leave it alone."""

_CPYTHON_DEFAULTS = frozenset({(700, 10, 10), (2000, 10, 10)})
"""CPython's defaults (3.12 and before; 3.13 raised the first to 2,000): none was chosen."""

MANY_CALLS_THRESHOLDS = (50_000, 20, 100)


def tune_gc(*, thresholds: tuple[int, int, int] = MANY_CALLS_THRESHOLDS) -> bool:
    """Freeze what is loaded and raise the thresholds; call it once, after loading flows.

    Returns False (and changes nothing) when the process already has thresholds
    of its own choosing: a host's settings win over ours.
    """
    if gc.get_threshold() not in _CPYTHON_DEFAULTS:
        return False
    gc.collect()  # what is garbage now should not be frozen
    gc.freeze()
    gc.set_threshold(*thresholds)
    return True
