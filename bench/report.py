# ruff: noqa: RUF001  (the table's ratio and minus signs are typographic)
"""Merge one benchmark run into bench/results.json and docs/benchmarks.md.

    .venv/bin/python bench/report.py [--ours out/bench/ours.json] [--peers-dir out/peers]

Inputs (written by bench/run.sh): our JSON (bench/ours/superdialog_ours.py), one JSON per peer
(bench/peers/*.py via run_all.sh) and the slot-extraction bench (bench/bench_slots.py). Outputs:

* bench/results.json: every metric as {"ours": x, "<peer>": y, ..., "unit": "..."}; a framework
  that could not be measured on a metric has null. Nothing else at the top level.
* docs/benchmarks.md: the table with ratios, the targets, how each figure was measured and what
  could not be measured.

Ratios are "times better than the peer": peer / ours for lower-is-better metrics, ours / peer for
higher-is-better ones; above 1 we lead, below 1 the peer does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import platform
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent / "peers"))
from _scale import scale_metrics  # side-effect free, unlike _common

ROOT = Path(__file__).resolve().parents[1]

PEERS = (("superdialog_030", "superdialog 0.3.0"), ("pipecat_flows", "Pipecat Flows"))

# key, unit, lower_is_better, our target (or None), label
REQUIRED: list[tuple[str, str, bool, float | None, str]] = [
    ("import_s", "s", True, 0.150, "`import` (fresh process, wall)"),
    ("compile_500_states_s", "s", True, 0.500, "load + validate + compile, 500 states"),
    ("build_us", "µs", True, 20.0, "`build()` per call"),
    ("build_bytes", "bytes", True, 2048, "`build()` bytes per call (tracemalloc)"),
    ("turn_overhead_us_p50", "µs", True, 100.0, "framework time per turn, p50 (LLM excluded)"),
    ("turn_overhead_us_p99", "µs", True, 500.0, "framework time per turn, p99 (LLM excluded)"),
    ("first_chunk_after_token_ms_p99", "ms", True, 1.0, "model's first token → first chunk, p99"),
    ("llm_calls_per_turn", "calls", True, None, "LLM calls per turn, reference conversation"),
    ("concurrent_10k_rss_mb", "MB", True, 300.0, "10,000 concurrent calls: peak RSS"),
    ("concurrent_10k_turns_per_s", "turns/s", False, 2000.0, "10,000 concurrent calls: turns/s"),
    ("dead_air_llm_transition_ms_p50", "ms", True, None,
     "dead air, LLM → LLM state, caller's last word → first chunk, p50"),
    ("dead_air_llm_transition_ms_p99", "ms", True, 310.0,
     "dead air, LLM → LLM state, caller's last word → first chunk, p99"),
    ("bench_ttft_ms", "ms", True, None, "the scripted model's time to first token (dead air)"),
    ("client_cpu_us_per_llm_turn", "µs", True, 1000.0,
     "process CPU per chain turn (runtime + model client + HTTP), median"),
    ("turn_overhead_raw_http_us_p50", "µs", True, None,
     "framework time per turn against raw HTTP (no SDK in the baseline), p50"),
    ("cold_start_first_chunk_ms", "ms", True, None,
     "cold start: process start → first spoken chunk of the first call"),
]

EXTRA: list[tuple[str, str, bool, float | None, str]] = [
    ("import_runtime_s", "s", True, None, "import of everything a call needs (model client too)"),
    ("import_rss_mb", "MB", True, None, "RSS after `import`"),
    ("compile_10_states_s", "s", True, None, "load + validate + compile, 10 states"),
    ("compile_50_states_s", "s", True, None, "load + validate + compile, 50 states"),
    ("build_rss_bytes", "bytes", True, None, "`build()` RSS growth per call held"),
    ("turn_wall_us_p50", "µs", True, None, "whole turn incl. LLM round trips, p50"),
    ("turn_bare_llm_us_p50", "µs", True, None, "the turn's bare LLM round trips, p50"),
    ("turn_overhead_minus_gc_us_p50", "µs", True, None, "turn overhead minus GC pauses, p50"),
    ("turn_overhead_minus_gc_us_p99", "µs", True, None, "turn overhead minus GC pauses, p99"),
    ("turn_requests_mean", "requests", True, None, "LLM requests per turn, 40-state chain"),
    ("turn_overhead_seqbare_us_p50", "µs", True, None,
     "turn overhead, bare = the turn's request sequence replayed, p50"),
    ("turn_overhead_seqbare_us_p99", "µs", True, None,
     "turn overhead, bare = the turn's request sequence replayed, p99"),
    ("turn_overhead_sdkbare_us_p50", "µs", True, None,
     "turn overhead, bare = the openai SDK's own parsed stream (as Pipecat's), p50"),
    ("turn_overhead_sdkbare_us_p99", "µs", True, None,
     "turn overhead, bare = the openai SDK's own parsed stream (as Pipecat's), p99"),
    ("turn_method_floor_us_p50", "µs", True, None,
     "what the turn method reports for no framework at all (its bias), p50"),
    ("turn_replay_us_p50", "µs", True, None,
     "framework CPU per chain turn, LLM bytes replayed in-process, p50"),
    ("turn_replay_us_p99", "µs", True, None,
     "framework CPU per chain turn, LLM bytes replayed in-process, p99"),
    ("turn_deterministic_us_p50", "µs", True, None, "turn needing no model (slots, yes/no), p50"),
    ("turn_deterministic_us_p99", "µs", True, None, "turn needing no model (slots, yes/no), p99"),
    ("first_chunk_after_token_ms_p50", "ms", True, None, "model's first token → first chunk, p50"),
    ("llm_calls_greeting", "calls", True, None, "LLM calls for the opening line"),
    ("concurrent_calls_run", "calls", False, None, "concurrent calls actually run"),
    ("turn_overhead_raw_http_us_p99", "µs", True, None,
     "framework time per turn against raw HTTP (no SDK in the baseline), p99"),
    ("raw_http_cpu_us_per_llm_turn", "µs", True, None,
     "process CPU per chain turn of raw HTTP alone (same bytes, nothing parsed)"),
    ("client_cpu_over_raw_us_per_llm_turn", "µs", True, None,
     "process CPU per chain turn over raw HTTP"),
    ("dead_air_requests_per_turn", "requests", True, None,
     "model requests per dead-air turn (speculative openings included)"),
    ("sdk_post_cpu_us_per_llm_turn", "µs", True, None,
     "process CPU per chain turn of the openai SDK's `post` alone (same bytes, nothing parsed)"),
    ("sdk_post_over_raw_us_per_llm_turn", "µs", True, None,
     "what the openai SDK's `post` adds to raw HTTP, per chain turn"),
    ("ours_over_sdk_post_us_per_llm_turn", "µs", True, None,
     "what we add to the SDK's `post` (runtime, prompts, stream parsing), per chain turn"),
    *(
        (f"dead_air_{kind}{tag}_ms_p{q}", "ms", True, None,
         f"dead air, {label}{how}, p{q}")
        for kind, label in (
            ("llm_stay", "LLM state answering in words"),
            ("llm_to_llm", "LLM → LLM state"),
            ("llm_to_deterministic", "LLM → fixed question"),
            ("deterministic_to_llm", "slot parsed without a model → LLM state"),
        )
        for tag, how in (("", ""), ("_slot_args", ", slots offered as tool arguments"))
        for q in (50, 99)
    ),
    ("cold_start_first_call_after_load_ms", "ms", True, None,
     "flow loaded → first chunk of the first call, same process"),
    *(
        (f"concurrent_{n}_{what}", unit, lower, None, f"{calls} concurrent calls: {label}")
        for n, calls in (("1k", "1,000"), ("30k", "30,000"))
        for what, unit, lower, label in (
            ("turns_per_s", "turns/s", False, "turns/s"),
            ("rss_mb", "MB", True, "peak RSS"),
        )
    ),
    ("concurrent_client_turns_per_cpu_s", "turns/s", False, None,
     "concurrent calls: turns per CPU second of our process (capacity, free of the server)"),
]


def load_json(path: Path) -> dict[str, Any] | None:
    """The last JSON object in a file (the scripts print one line), or None if missing."""
    if not path.exists():
        return None
    lines = [ln for ln in path.read_text().splitlines() if ln.strip().startswith("{")]
    return json.loads(lines[-1]) if lines else None


def with_scale_keys(res: dict[str, Any] | None) -> dict[str, Any] | None:
    """A peer's `concurrent_<n>_*` keys from its concurrency detail, for runs made before they
    were emitted (the same figures: turns/s and peak RSS at the calls really run)."""
    detail = (res or {}).get("concurrent_detail")
    if res is None or not detail or "calls" not in detail:
        return res
    for key, value in scale_metrics({**detail, "calls": int(detail["calls"])}).items():
        res.setdefault(key, value)
    return res


def num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    return None if math.isnan(v) else float(v)


def ratio(ours: float | None, peer: float | None, lower: bool) -> float | None:
    if ours is None or peer is None:
        return None
    if lower:
        return peer / ours if ours > 0 else (math.inf if peer > 0 else None)
    return ours / peer if peer > 0 else None


def fmt(v: float | None, unit: str = "") -> str:
    if v is None:
        return "n/a"
    if unit == "bytes":
        return f"{v:,.0f}"
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    if a >= 0.01:
        return f"{v:.3f}"
    return f"{v:.4f}"


def fmt_ratio(r: float | None) -> str:
    if r is None:
        return "n/a"
    if math.isinf(r):
        return "∞"
    if r >= 100:
        return f"×{r:,.0f}"
    if r >= 10:
        return f"×{r:.0f}"
    return f"×{r:.2g}" if r < 1 else f"×{r:.1f}"


def build_results(ours: dict[str, Any], peers: dict[str, dict[str, Any] | None]
                  ) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for key, unit, _lower, _target, _label in REQUIRED + EXTRA:
        row: dict[str, Any] = {"ours": num(ours.get(key))}
        for pkey, _ in PEERS:
            data = peers.get(pkey)
            row[pkey] = num(data.get(key)) if data else None
        row["unit"] = unit
        required = key in {k for k, *_ in REQUIRED}
        if required or any(row[p] is not None for p in ("ours", *(k for k, _ in PEERS))):
            results[key] = row
    return results


def table(rows: list[tuple[str, str, bool, float | None, str]],
          results: dict[str, dict[str, Any]], with_target: bool) -> list[str]:
    head = ["metric", "unit", "**ours**"]
    for _, name in PEERS:
        head += [name, f"ours vs {name.split()[0]}"]
    if with_target:
        head += ["target", "met"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key, unit, lower, target, label in rows:
        r = results.get(key)
        if r is None:
            continue
        cells = [f"{label} (`{key}`)", unit, f"**{fmt(r['ours'], unit)}**"]
        for pkey, _ in PEERS:
            cells += [fmt(r[pkey], unit), fmt_ratio(ratio(r["ours"], r[pkey], lower))]
        if with_target:
            if target is None:
                cells += ["—", "—"]
            else:
                v = r["ours"]
                ok = v is not None and (v <= target if lower else v >= target)
                cells += [("≤ " if lower else "≥ ") + fmt(target, unit), "yes" if ok else "**no**"]
        out.append("| " + " | ".join(cells) + " |")
    return out


def slots_section(slots: dict[str, Any] | None) -> list[str]:
    if not slots:
        return ["Not run in this session (`bench/bench_slots.py`)."]
    imp = slots.get("import", {})
    lines = [
        f"`bench/bench_slots.py`: {slots.get('cases')} spoken-form cases over "
        f"{len(slots.get('per_type', {}))} slot types, no model call: accuracy "
        f"**{slots.get('accuracy', 0) * 100:.1f}%**, **{slots.get('median_us')} µs** median and "
        f"**{slots.get('p99_us')} µs** p99 per extraction; `import superdialog.slots` "
        f"{imp.get('import_superdialog_slots_ms')} ms. Neither peer has typed slots (they send "
        "every value to the model, one LLM round trip each).",
        "",
        "| slot type | cases | accuracy | median µs | p99 µs |",
        "|---|---|---|---|---|",
    ]
    for name, t in slots.get("per_type", {}).items():
        lines.append(f"| {name} | {t['cases']} | {t['accuracy'] * 100:.1f}% | {t['median_us']} | "
                     f"{t['p99_us']} |")
    return lines


def notes(ours: dict[str, Any], peers: dict[str, dict[str, Any] | None]) -> list[str]:
    out = []
    for pkey, name in PEERS:
        data = peers.get(pkey)
        if data is None:
            out.append(f"* **{name}: not measured in this run** (no `out/peers/{pkey}.json`).")
            continue
        if data.get("note"):
            out.append(f"* {name}: {data['note']}.")
        if data.get("build_note"):
            out.append(f"* {name}: {data['build_note']}.")
        errs = {k: v for k, v in data.items() if k.endswith("_error")}
        for k, v in errs.items():
            out.append(f"* {name}: part `{k[:-6]}` failed: `{str(v).splitlines()[-1][:200]}`.")
    errs = {k: v for k, v in ours.items() if k.endswith("_error")}
    for k, v in errs.items():
        out.append(f"* ours: part `{k[:-6]}` failed: `{str(v).splitlines()[-1][:200]}`.")
    if ours.get("note"):  # e.g. parts re-measured after the run
        out.append(f"* ours: {ours['note']}.")
    conc = ours.get("concurrent_detail") or {}
    if conc:
        out.append(
            f"* ours: {conc.get('calls'):,} concurrent calls really run (not extrapolated): "
            f"{conc.get('turns_done'):,} turns in {conc.get('wall_s')} s, "
            f"{conc.get('errors')} errors, {conc.get('calls_not_at_expected_state')} calls not at "
            f"`confirm`, {conc.get('llm_requests')} LLM requests; base RSS "
            f"{conc.get('base_rss_mb')} MB.")
    return out


def where_time_goes(ours: dict[str, Any]) -> list[str]:
    """What our turn overhead is made of, from the calibration figures of the same run."""
    keys = ("turn_overhead_us_p50", "turn_method_floor_us_p50", "turn_overhead_seqbare_us_p50",
            "turn_replay_us_p50")
    if any(num(ours.get(k)) is None for k in keys):
        return []
    over, floor, seq, replay = (num(ours[k]) for k in keys)
    return [
        "## Where our turn overhead goes",
        "",
        f"`turn_overhead_us_p50` = {fmt(over)} µs on the 40-state chain "
        f"({fmt(num(ours.get('turn_requests_mean')))} model requests per turn: the transition, "
        "the next state's opening and, in every fifth state, a second candidate opening "
        "requested speculatively and cancelled). The method itself reports "
        f"{fmt(floor)} µs for no framework at all "
        "(`turn_method_floor_us_p50`). Measured against the turn's own request sequence "
        "replayed back to back, our overhead is "
        f"{fmt(seq)} µs (`turn_overhead_seqbare_us_p50`). With the server's bytes replayed "
        f"in-process, our CPU per turn is {fmt(replay)} µs (`turn_replay_us_p50`): the runtime and "
        "the streaming client (`superdialog/llm/`: request encoding, SSE decoding, JSON, chunk "
        "reading, one deadline per attempt), without the openai SDK's `post` and the HTTP stack. "
        "The whole process, SDK and HTTP stack included, spends "
        f"{fmt(num(ours.get('client_cpu_us_per_llm_turn')))} µs of CPU per chain turn "
        "(`client_cpu_us_per_llm_turn`), against "
        f"{fmt(num(ours.get('raw_http_cpu_us_per_llm_turn')))} µs for the same bytes over raw "
        "HTTP (`raw_http_cpu_us_per_llm_turn`); the openai SDK's `post` alone, with the same "
        "bytes and nothing parsed, costs "
        f"{fmt(num(ours.get('sdk_post_cpu_us_per_llm_turn')))} µs of it "
        "(`sdk_post_cpu_us_per_llm_turn`: the floor of any client that keeps the SDK as its "
        "request layer), and we add "
        f"{fmt(num(ours.get('ours_over_sdk_post_us_per_llm_turn')))} µs to the SDK "
        "(`ours_over_sdk_post_us_per_llm_turn`). A turn that needs no model "
        f"costs {fmt(num(ours.get('turn_deterministic_us_p50')))} µs "
        "(`turn_deterministic_us_p50`).",
        "",
        "Our bare round trip is the openai SDK's `post` of the same prepared body, the body "
        "read unparsed, because we parse the stream ourselves: our SSE and JSON work counts as "
        "ours. Against raw HTTP (no SDK in the baseline) our overhead is "
        f"{fmt(num(ours.get('turn_overhead_raw_http_us_p50')))} µs "
        "(`turn_overhead_raw_http_us_p50`): the openai SDK's request building and httpx2's "
        "request and response objects count as ours, over our own HTTP/1.1 transport "
        "(`superdialog/llm/transport.py`, given to the SDK as its `http_client`); our process "
        f"spends {fmt(num(ours.get('client_cpu_us_per_request')))} µs of CPU per model request "
        "(`client_cpu_us_per_request`), runtime included. "
        "The peers' bare trips include their client's "
        "parsing (litellm's whole non-streaming call; the openai SDK's parsed stream for "
        "Pipecat). Measured Pipecat's way, against the SDK's parsed stream, our overhead is "
        f"{fmt(num(ours.get('turn_overhead_sdkbare_us_p50')))} µs "
        "(`turn_overhead_sdkbare_us_p50`; negative: our whole turn costs less than the SDK's own "
        "stream parsing of the same two replies).",
        "",
    ]


def markdown(ours: dict[str, Any], peers: dict[str, dict[str, Any] | None],
             results: dict[str, dict[str, Any]], slots: dict[str, Any] | None) -> str:
    versions = ", ".join(
        f"{name} = {p.get('version', '?')}" for k, name in PEERS if (p := peers.get(k)))
    lines = [
        "# Benchmarks",
        "",
        "<!-- generated by bench/report.py from one `make bench` run; do not edit by hand -->",
        "",
        "SuperDialog against **superdialog 0.3.0** (PyPI; the original, unrelated project that "
        "shares our name) and **Pipecat Flows** (`pipecat.flows` in pipecat-ai), side by side in "
        "one run, on equivalent flows, against the same loopback OpenAI-compatible server "
        "(`superdialog.testing.llm_server`, in its own process) with a latency model.",
        "",
        "```text",  # text, not bash: tests/test_docs.py runs bash blocks
        "make bench                 # = bash bench/run.sh: set-up (both venvs), ours, peers, page",
        "bash bench/run.sh --quick  # fewer samples and 1,000 calls: a smoke run",
        "```",
        "",
        f"Run: {ours.get('run_at', dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC'))} · "
        f"{ours.get('machine', platform.machine())} · Python {ours.get('python', '?')} · "
        f"ours = {ours.get('version', '?')}" + (f", {versions}" if versions else "") + ".",
        "",
        "**Ratios** read \"times better than the peer\": peer ÷ ours where lower is better, ours ÷ "
        "peer for turns/s. ×10 means we are ten times better; below ×1 the peer is better. Only "
        "ratios from one run count: the machine is shared and absolute numbers move between runs.",
        "",
        "## The required figures",
        "",
        *table(REQUIRED, results, with_target=True),
        "",
        "## More figures from the same run",
        "",
        *table(EXTRA, results, with_target=False),
        "",
        "## Slot extraction (no model call)",
        "",
        *slots_section(slots),
        "",
        "## Notes on this run",
        "",
        *notes(ours, peers),
        "",
        *where_time_goes(ours),
        "## What could not be measured, and why",
        "",
        "* **The peers at 10,000 concurrent calls.** Both are CPU-bound in their clients at zero "
        "latency (2 requests per turn): 30,000 turns would take ≈ 5.5 min (superdialog 0.3.0) and "
        "≈ 14 min and ≈ 11.6 GB (Pipecat). They run 1,000 calls; their `concurrent_10k_rss_mb` is "
        "extrapolated linearly and their turns/s is the rate at 1,000. Ours is measured at 10,000.",
        "* **Pipecat `build_bytes` with 10,000 calls held**: ≈ 28 ms per build under tracemalloc; "
        "500 are held (per call either way).",
        "* **Real streaming in superdialog 0.3.0**: it has none (the whole reply is generated, "
        "then split on spaces), so its first-chunk figure is the whole generation time.",
        "* **Audio paths** (VAD, turn detection, STT/TTS, transports) are outside a text-in, "
        "text-out comparison, for every framework.",
        "* **A turn overhead free of loopback noise for the peers**: `turn_replay_us_*` needs a "
        "framework's own client seam; only ours has it here.",
        "",
        "## How each figure is measured",
        "",
        "Every framework runs the same abstract flows and conversations "
        "(`bench/peers/_common.py`), "
        "each in its own format, with the same statistics, each measurement in a fresh process. "
        "The peers' drivers and methods: [bench/peers/README.md](../bench/peers/README.md). Ours, "
        "and what differs in how our flows are written: [bench/README.md](../bench/README.md).",
        "",
        "* `import_s`: fresh `python -I -c \"import superdialog\"`, best of 5, interpreter "
        "start-up included. Our package imports its parts lazily; `import_runtime_s` imports "
        "everything a call uses, the openai client included.",
        "* `compile_500_states_s`: the 500-state chain written as each framework's YAML; load, "
        "validate, compile; best of 5. Ours empties the compile cache before each load.",
        "* `build_us` / `build_bytes`: per call on the 40-state chain (mean of 10,000 builds; "
        "tracemalloc growth with 10,000 held).",
        "* `turn_overhead_us_*`: 40-state chain, zero-latency server: wall(turn) − Σ bare round "
        "trips of the turn's requests, each re-sent 3× with the same client and kwargs (median). "
        "195 turns. Each chain turn makes 2 LLM requests in every framework (the transition tool "
        "call, then the new state's reply). `turn_replay_us_*` times the same turns with the "
        "server's recorded bytes replayed in-process (no socket, no server, no HTTP client): the "
        "framework's own CPU time, free of loopback noise.",
        "* `first_chunk_after_token_ms_p99`: server time of the spoken reply's first token → time "
        "the framework hands its first chunk to TTS (50 tokens/s, 25-token reply, 30 turns). "
        "Ours requests the next state's opening alongside the transition "
        "(`LLMConfig.speculative_openings`), so that reply's first token is written while the "
        "transition's tool call is still streaming, and its chunk is held until the transition is "
        "decided and valid (one token gap at 50 tokens/s): this figure then measures that wait, "
        "not our framework time; dead air is the figure the caller hears.",
        "* `llm_calls_per_turn`: requests the server received over the 5 caller turns of the "
        "reference booking conversation ÷ 5.",
        "* `concurrent_10k_*`: N calls at once in one process, each: build, greeting, 3 caller "
        "turns of the reference conversation; every call checked to end in `confirm`.",
        "* `dead_air_llm_transition_ms_*`: the server at `bench_ttft_ms` to the first token and "
        "50 tokens/s; one 40-state chain conversation, every caller turn an LLM state → LLM state "
        "transition: the caller's final text handed to the framework → its first non-empty "
        "chunk. Ours through the real Unpod `Session` (a stamping speech-worker bridge, "
        "`bench/ours/dead_air.py`); Pipecat's at its Collector (where TTS would be); superdialog "
        "0.3.0's from `turn(stream=True)`.",
        "* `client_cpu_us_per_llm_turn`: `time.process_time()` of our process around each chain "
        "turn (the server is another process), median; `raw_http_cpu_us_per_llm_turn` sends the "
        "same recorded bodies with a few lines of asyncio HTTP/1.1 (`bench/ours/cpu.py`).",
        "* `turn_overhead_raw_http_us_*`: as `turn_overhead_us_*`, the bare round trips re-sent "
        "over raw HTTP instead of the openai SDK: the SDK and its HTTP stack count as ours.",
        "* `cold_start_first_chunk_ms`: a new `python -I` process imports, loads the chain flow, "
        "builds a call and plays the first turn (server at TTFT 0); spawn → first chunk, best of "
        "5 (`bench/ours/cold_start.py`).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--ours", type=Path, default=ROOT / "out" / "bench" / "ours.json")
    ap.add_argument("--peers-dir", type=Path, default=ROOT / "out" / "peers")
    ap.add_argument("--slots", type=Path, default=ROOT / "out" / "bench" / "slots_results.json")
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "results.json")
    ap.add_argument("--doc", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = ap.parse_args()
    ours = load_json(args.ours)
    if ours is None:
        raise SystemExit(f"report: {args.ours} missing: run bench/run.sh first")
    peers = {k: with_scale_keys(load_json(args.peers_dir / f"{k}.json")) for k, _ in PEERS}
    slots = json.loads(args.slots.read_text()) if args.slots.exists() else None
    results = build_results(ours, peers)
    args.results.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    args.doc.write_text(markdown(ours, peers, results, slots))
    shown = [p.relative_to(ROOT) if p.is_relative_to(ROOT) else p for p in (args.results, args.doc)]
    print(f"report: wrote {shown[0]} and {shown[1]}")
    for key, unit, lower, _target, _ in REQUIRED:
        r = results[key]
        cmp = "  ".join(f"{p}={fmt(r[p], unit)} ({fmt_ratio(ratio(r['ours'], r[p], lower))})"
                        for p, _ in PEERS)
        print(f"  {key:34} ours={fmt(r['ours'], unit):>8} {unit:8} {cmp}")


if __name__ == "__main__":
    main()
