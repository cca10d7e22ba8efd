"""Names of the concurrency figures by number of calls (`concurrent_10k_turns_per_s`...).

Its own module, free of side effects: `bench/report.py` names the peers' figures with it, and
must not import `_common` (which sets environment defaults for the peers' processes).
"""

from __future__ import annotations

from typing import Any


def scale_key(calls: int) -> str:
    """`1k`, `10k`, `30k`... for a number of concurrent calls (the figure's key names it)."""
    return f"{calls // 1000}k" if calls % 1000 == 0 else str(calls)


def scale_metrics(conc: dict[str, Any]) -> dict[str, Any]:
    """`concurrent_<n>_turns_per_s` / `_rss_mb` as measured at the run's own number of calls."""
    key = scale_key(conc["calls"])
    return {
        f"concurrent_{key}_turns_per_s": conc.get("turns_per_s"),
        f"concurrent_{key}_rss_mb": conc.get("peak_rss_mb"),
    }
