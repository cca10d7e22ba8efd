"""Slot accuracy and wrong-value rate on the ASR-style corpus, and speed per utterance.

Run from the repository root::

    .venv/bin/python bench/slots_accuracy.py [--repeat N] [--json PATH] [--show-misses]

For each corpus part (``tuning`` and ``heldout`` under ``tests/slots/asr_corpus/``) and
each slot type it prints:

* accuracy: the share of utterances whose value is exactly the expected one (``None``
  included: "no value" is right when nobody can know the value);
* wrong-value rate: the share of utterances that gave a value which is *not* the expected
  one (including a value where ``None`` was expected). This is the number that hurts: the
  flow acts on it. A miss that gave ``None`` only costs a re-ask;
* median and p99 microseconds per ``extract()`` call (every call timed on its own, after a
  warm-up pass, so lazy imports are not counted).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from superdialog.slots import extract  # noqa: E402
from tests.slots.asr_corpus.load import PARTS, Case, load  # noqa: E402


def _run(case: Case) -> Any:
    return extract(case.type, case.text, now=case.now, **case.opts)


def _same(got: Any, want: Any) -> bool:
    # type() too: Decimal("3") == 3, but the contract says int for whole numbers.
    return bool(got == want and type(got) is type(want))


def measure(cases: list[Case], repeat: int) -> dict[str, Any]:
    """Accuracy, wrong-value rate and timings per type for ``cases``."""
    right: dict[str, int] = defaultdict(int)
    wrong: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    misses: list[dict[str, str]] = []
    for case in cases:
        got = _run(case)
        total[case.type] += 1
        if _same(got, case.expected):
            right[case.type] += 1
            continue
        if got is not None:
            wrong[case.type] += 1
        misses.append(
            {"type": case.type, "text": case.text, "got": repr(got), "want": repr(case.expected)}
        )
    samples: dict[str, list[float]] = defaultdict(list)
    clock = time.perf_counter_ns
    for _ in range(repeat):
        for case in cases:
            t0 = clock()
            _run(case)
            samples[case.type].append((clock() - t0) / 1000)
    per_type = {
        name: {
            "cases": total[name],
            "accuracy": right[name] / total[name],
            "wrong_value_rate": wrong[name] / total[name],
            "median_us": statistics.median(samples[name]) if samples[name] else None,
        }
        for name in sorted(total)
    }
    everything = [s for values in samples.values() for s in values]
    n = sum(total.values())
    return {
        "cases": n,
        "accuracy": sum(right.values()) / n,
        "wrong_value_rate": sum(wrong.values()) / n,
        "median_us": statistics.median(everything) if everything else None,
        "p99_us": sorted(everything)[int(0.99 * (len(everything) - 1))] if everything else None,
        "per_type": per_type,
        "misses": misses,
    }


def _table(name: str, result: dict[str, Any]) -> str:
    lines = [
        f"== {name}: {result['cases']} utterances, accuracy {result['accuracy']:.1%}, "
        f"wrong value {result['wrong_value_rate']:.1%}, median {result['median_us']:.1f} µs, "
        f"p99 {result['p99_us']:.1f} µs",
        f"{'type':<12} {'n':>4} {'accuracy':>9} {'wrong':>7} {'median µs':>10}",
    ]
    for type_name, row in result["per_type"].items():
        lines.append(
            f"{type_name:<12} {row['cases']:>4} {row['accuracy']:>9.1%} "
            f"{row['wrong_value_rate']:>7.1%} {row['median_us']:>10.1f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed passes (default 20)")
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    parser.add_argument("--show-misses", action="store_true", help="list every miss")
    args = parser.parse_args()
    results = {}
    for part in PARTS:
        result = measure(load(part), args.repeat)
        results[part] = result
        print(_table(part, result))
        if args.show_misses:
            for miss in result["misses"]:
                got, want = miss["got"], miss["want"]
                print(f"  {miss['type']:<12} {miss['text']!r}: got {got}, want {want}")
        print()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
