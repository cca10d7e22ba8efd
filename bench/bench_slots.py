"""Benchmark the slot extractors: accuracy and speed on the corpus, and import cost.

Run from the repository root::

    .venv/bin/python bench/bench_slots.py [--repeat N]

Prints a table and writes ``bench/slots_results.json`` with, per type and
overall: accuracy on ``tests/slots/corpus.py``, median and p99 microseconds
per ``extract()`` call (every call timed on its own, after one warm-up pass
so that lazy imports are not counted), plus the wall-clock and
``-X importtime`` cost of ``import superdialog.slots`` in a fresh interpreter.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from superdialog.slots import builtin_types, extract  # noqa: E402


def load_corpus() -> Any:
    spec = importlib.util.spec_from_file_location(
        "slots_corpus", ROOT / "tests" / "slots" / "corpus.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    k = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[k]


def run_corpus(corpus: Any, repeat: int) -> dict[str, Any]:
    cases, now = corpus.CASES, corpus.NOW
    correct: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    failures: list[dict[str, str]] = []
    for case in cases:  # warm-up and accuracy
        got = extract(case.type, case.text, now=now, **case.opts)
        total[case.type] += 1
        if got == case.expected and type(got) is type(case.expected):
            correct[case.type] += 1
        else:
            failures.append(
                {
                    "type": case.type,
                    "text": case.text,
                    "got": repr(got),
                    "want": repr(case.expected),
                }
            )
    samples: dict[str, list[float]] = defaultdict(list)
    clock = time.perf_counter_ns
    for _ in range(repeat):
        for case in cases:
            t0 = clock()
            extract(case.type, case.text, now=now, **case.opts)
            samples[case.type].append((clock() - t0) / 1000)
    everything = [s for per_type in samples.values() for s in per_type]
    per_type = {
        name: {
            "cases": total[name],
            "accuracy": round(correct[name] / total[name], 4),
            "median_us": round(statistics.median(samples[name]), 1),
            "p99_us": round(percentile(samples[name], 0.99), 1),
        }
        for name in builtin_types()
        if total[name]
    }
    return {
        "cases": len(cases),
        "accuracy": round(sum(correct.values()) / len(cases), 4),
        "median_us": round(statistics.median(everything), 1),
        "p99_us": round(percentile(everything, 0.99), 1),
        "per_type": per_type,
        "failures": failures,
    }


def _python(code: str, env: dict[str, str], *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *flags, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
    )


def import_cost(runs: int = 7) -> dict[str, Any]:
    """Fresh-interpreter cost of ``import superdialog.slots`` (and of the baseline).

    Measured twice: with bytecode cached (as deployed: ``__pycache__`` in a
    temporary ``PYTHONPYCACHEPREFIX`` so the work tree stays clean) and with
    ``PYTHONDONTWRITEBYTECODE`` set, where every module is compiled from source.
    """
    probe = (
        "import time; t = time.perf_counter(); import {mod}; "
        "print((time.perf_counter() - t) * 1000)"
    )
    with tempfile.TemporaryDirectory() as cache:
        cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        cached["PYTHONPYCACHEPREFIX"] = cache
        uncached = {**cached, "PYTHONDONTWRITEBYTECODE": "1"}
        uncached.pop("PYTHONPYCACHEPREFIX")
        _python("import superdialog.slots, superdialog.errors", cached)  # fill the cache

        def wall(mod: str, env: dict[str, str]) -> float:
            times = [float(_python(probe.format(mod=mod), env).stdout) for _ in range(runs)]
            return round(statistics.median(times), 2)

        trace = _python("import superdialog.slots", cached, "-X", "importtime").stderr
        cumulative_us = None
        for line in trace.splitlines():
            m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|\s*superdialog\.slots$", line)
            if m:
                cumulative_us = int(m.group(2))
        loaded = _python(
            "import sys, superdialog.slots; print(','.join(sorted(m for m in ('phonenumbers',"
            " 'pydantic', 'zoneinfo', 'decimal', 'difflib') if m in sys.modules)))",
            cached,
        ).stdout.strip()
        first_phone = _python(
            "import time, superdialog.slots as s; t = time.perf_counter(); "
            "s.extract('phone', 'two one two five five five oh one two three'); "
            "print((time.perf_counter() - t) * 1000)",
            cached,
        ).stdout
        return {
            "import_superdialog_slots_ms": wall("superdialog.slots", cached),
            "import_superdialog_errors_ms": wall("superdialog.errors", cached),
            "import_superdialog_slots_ms_no_bytecode_cache": wall("superdialog.slots", uncached),
            "importtime_cumulative_us": cumulative_us,
            "heavy_modules_loaded_by_import": loaded.split(",") if loaded else [],
            "first_phone_extract_ms_incl_phonenumbers_import": round(float(first_phone), 2),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20, help="timed passes over the corpus")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "slots_results.json")
    args = parser.parse_args()

    results = run_corpus(load_corpus(), args.repeat)
    results["import"] = import_cost()
    results["python"] = platform.python_version()
    results["machine"] = platform.machine()
    results["repeat"] = args.repeat

    print(f"{'type':<12} {'cases':>5} {'accuracy':>9} {'median µs':>10} {'p99 µs':>9}")
    for name, row in results["per_type"].items():
        print(
            f"{name:<12} {row['cases']:>5} {row['accuracy']:>9.1%} "
            f"{row['median_us']:>10.1f} {row['p99_us']:>9.1f}"
        )
    print(
        f"{'overall':<12} {results['cases']:>5} {results['accuracy']:>9.1%} "
        f"{results['median_us']:>10.1f} {results['p99_us']:>9.1f}"
    )
    for failure in results["failures"]:
        print(
            f"FAIL {failure['type']}: {failure['text']!r} "
            f"got {failure['got']} want {failure['want']}"
        )
    print("import:", json.dumps(results["import"], indent=2))
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
