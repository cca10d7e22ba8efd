"""Benchmark OUR SuperDialog (this repository) with the same methods as the peers.

Run with our main venv:
    .venv/bin/python -I bench/ours/superdialog_ours.py [--quick] [--calls N]
Prints one JSON object on stdout (like bench/peers/*.py). Each measurement runs in its own fresh
process (`--part NAME`, via `_common.run_parts`), against the same loopback LLM server process
(`_common.LLMServer`: superdialog.testing.llm_server + bench/peers/llm_server_hooks.py), with the
same flow shapes (bench/ours/flows.py translates `_common`'s abstract flows), the same reference
conversation and the same statistics (`_common.pct`, `_common.summary_us`).

How it is driven: `superdialog.load(path)` once; per call `flow.build(session)` (a `CallMachine`)
and `await machine.start()` (speaks the opening through `session.say`); a caller turn is
`machine.stream(text)` consumed to its last chunk, which is exactly what the Unpod `Session`
does. The session is a minimal host with the Unpod controls (`say`, `recording`, `end`,
`transfer_to_*`, `data`), all no-ops.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "peers"))

import _common as C  # noqa: E402
from noop_host import HostSession  # noqa: E402

import flows as F  # noqa: E402

C.claim_stdout()

import superdialog  # noqa: E402
import superdialog.compile.compiled as _flowmod  # noqa: E402
from superdialog.flow import Flow  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
# the peers' parts, plus ours only (the peers' 1,000-call run gives their concurrent_1k_* keys)
OUR_PARTS = (*C.PARTS, "cpu", "cold_start", "turn_kinds", "concurrent_1k", "concurrent_30k")
SCALES = {"concurrent_1k": 1_000, "concurrent_30k": 30_000}
"""Extra concurrency points (`concurrent_<n>_turns_per_s` / `_rss_mb`), each in a fresh process."""
SETTLE_S = 0.02  # idle gap between a turn and its bare-round-trip replays (as the peers')
if not os.path.realpath(superdialog.__file__).startswith(os.path.realpath(REPO) + os.sep):
    raise SystemExit(f"ours: superdialog imported from {superdialog.__file__}, not {REPO}")


# --------------------------------------------------------------------------------------------
# loading
# --------------------------------------------------------------------------------------------


def load_cold(path: Path) -> Flow:
    """`superdialog.load` with the process-wide compile cache emptied first: load, validate and
    compile from scratch every time (a cache hit would only hash the file)."""
    _flowmod._CACHE.clear()
    return superdialog.load(path)


def write(text: str, name: str, tmp: str) -> Path:
    p = Path(tmp) / name
    p.write_text(text)
    return p


def with_endpoint(doc: dict[str, Any], base_url: str) -> dict[str, Any]:
    """The flow pointed at the loopback server (`llm.base_url`), as a deployment would."""
    doc["llm"]["base_url"] = base_url + "/v1" if not base_url.endswith("/v1") else base_url
    return doc


async def play_turn(m: Any, text: str) -> tuple[str, int]:
    """One caller turn as the Unpod session runs it; returns (spoken text, first-chunk time_ns)."""
    first = 0
    parts = []
    async with contextlib.aclosing(m.stream(text)) as chunks:
        async for chunk in chunks:
            if chunk:
                if not first:
                    first = time.time_ns()
                parts.append(chunk)
    return "".join(parts), first


# --------------------------------------------------------------------------------------------
# metrics
# --------------------------------------------------------------------------------------------


def m_compile(tmp: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    load_cold(write(F.chain_yaml(20), "warm.yaml", tmp))  # warm imports (openai, slots)
    for n in (10, 50, 500):
        p = write(F.chain_yaml(n), f"chain{n}.yaml", tmp)
        times = []
        for _ in range(7 if n < 500 else 5):
            gc.collect()
            t = time.perf_counter()
            load_cold(p)
            times.append(time.perf_counter() - t)
        out[f"compile_{n}_states_s"] = round(min(times), 6)
    p = write(F.chain_yaml(500), "chain500.yaml", tmp)
    superdialog.load(p)
    t = time.perf_counter()
    for _ in range(20):
        superdialog.load(p)
    out["compile_500_states_cached_s"] = round((time.perf_counter() - t) / 20, 6)
    return out


def m_build(flow: Flow, n_time: int, n_hold: int) -> dict[str, Any]:
    session = HostSession()  # the host's object, not ours: made once, outside the measurement
    for _ in range(200):
        flow.build(session)
    gc.collect()
    t = time.perf_counter()
    for _ in range(n_time):
        flow.build(session)
    build_us = (time.perf_counter() - t) / n_time * 1e6
    samples = []
    for _ in range(n_time):
        t0 = time.perf_counter_ns()
        flow.build(session)
        samples.append(time.perf_counter_ns() - t0)
    gc.collect()
    rss0 = C.current_rss_mb()
    live = [flow.build(session) for _ in range(n_time)]
    rss_per = (C.current_rss_mb() - rss0) * 2**20 / n_time
    del live
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    held = [flow.build(session) for _ in range(n_hold)]
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    per = (after - before) / len(held)
    del held
    gc.collect()
    return {"build_us": round(build_us, 2), "build_us_p99": round(C.pct(samples, 99) / 1000, 2),
            "build_bytes": int(per), "build_rss_bytes": int(rss_per),
            "build_flow_states": len(flow.states), "build_held": n_hold}


async def m_turns(server: C.LLMServer, flow: Flow, conversations: int) -> dict[str, Any]:
    """turn_overhead_us, the peers' method (bench/peers/README.md): wall(turn) from `stream()` to
    its last chunk, with `superdialog.llm.client.prepare_request` wrapped only to keep each
    request (body bytes and headers). After a 20 ms idle gap each request is re-sent 3 times the
    way our client sends it (the openai SDK's `client.post(..., content=body)`, body read to the
    end, nothing parsed); bare = median. overhead(turn) = wall(turn) - sum(bare of the turn's
    requests). Our SSE decoding, JSON parsing and tool-call assembly stay in our overhead.

    `turn_overhead_raw_http_us_*`: bare = the same bytes over raw HTTP/1.1 (a few lines of
    asyncio, one keep-alive connection, `cpu.RawHTTP`): no SDK in the baseline, so what the
    openai client and its HTTP stack cost counts as ours.

    Extra, `turn_overhead_seqbare_us_*`: bare = median of 3 replays of the turn's whole request
    sequence, back to back like the turn itself (the per-request re-sends start after the idle
    gap and pair each request with itself). `turn_method_floor_us_*` applies the method to no
    framework at all: what the method itself reports on this machine. `turn_overhead_sdkbare_us_*`
    re-sends each request through the openai SDK's own parsed stream instead (what Pipecat's bare
    trip is): what we add over a plain streaming call with the SDK."""
    import json

    import httpx2
    import openai
    from cpu import RawHTTP

    import superdialog.llm.client as client_mod

    n_states = sum(1 for s in flow.states.values() if s.kind == "llm")
    script = [f"Here is my answer number {i}." for i in range(n_states - 1)]
    real_prepare = client_mod.prepare_request
    turn_requests: list[Any] = []

    def recording(*a: Any, **kw: Any) -> Any:
        req = real_prepare(*a, **kw)
        turn_requests.append(req)
        return req

    def the_client() -> Any:
        return next(iter(client_mod._clients.get().values()))  # this loop's one client

    async def rtt(req: Any) -> int:
        client = the_client()
        t = time.perf_counter_ns()
        resp = await client.post(client_mod.CHAT_PATH, cast_to=httpx2.Response,
                                 content=req.body, options={"headers": dict(req.headers)},
                                 stream=True, stream_cls=openai.AsyncStream)
        async for _ in resp.aiter_raw():
            pass
        return time.perf_counter_ns() - t

    raw_client = RawHTTP(flow.spec.llm.base_url or "")

    async def rtt_raw(req: Any) -> int:
        t = time.perf_counter_ns()
        await raw_client.send(req.body, {k: v for k, v in req.headers.items()
                                         if k.lower() not in ("content-type", "accept")})
        return time.perf_counter_ns() - t

    async def rtt_sdk(req: Any) -> int:
        """The same request the way Pipecat's bare trip runs it: the openai SDK's own stream
        (`create(stream=True)`, parsed chunks consumed)."""
        client = the_client()
        kw = json.loads(req.body)
        kw["extra_headers"] = {k: v for k, v in req.headers.items() if k.startswith("x-")}
        t = time.perf_counter_ns()
        stream = await client.chat.completions.create(**kw)
        async for _ in stream:
            pass
        return time.perf_counter_ns() - t

    session = HostSession()
    walls: list[int] = []
    bare: list[int] = []
    gcs: list[int] = []
    n_requests: list[int] = []
    recorded_turns: list[list[Any]] = []
    seq_over: list[int] = []
    sdk_over: list[int] = []
    raw_over: list[int] = []
    client_mod.prepare_request = recording  # type: ignore[assignment]
    try:
        with C.GCMeter() as meter:
            for c in range(conversations + 1):  # conversation 0 warms up and is not counted
                m = flow.build(session)
                await m.start()
                gc.collect()
                for text in script:
                    turn_requests.clear()
                    meter.start_turn()
                    t = time.perf_counter_ns()
                    await play_turn(m, text)
                    wall = time.perf_counter_ns() - t
                    gc_ns = meter.end_turn()
                    reqs = list(turn_requests)
                    await asyncio.sleep(SETTLE_S)  # let work queued behind the reply finish
                    total = 0
                    for req in reqs:
                        total += sorted([await rtt(req) for _ in range(3)])[1]
                    raw_total = 0
                    for req in reqs:
                        raw_total += sorted([await rtt_raw(req) for _ in range(3)])[1]
                    seqs = []
                    for _ in range(3):  # extra: the turn's requests in sequence, as the turn ran
                        t = time.perf_counter_ns()
                        for req in reqs:
                            await rtt(req)
                        seqs.append(time.perf_counter_ns() - t)
                    sdk = 0
                    for req in reqs:  # extra: bare = the openai SDK's parsed stream
                        sdk += sorted([await rtt_sdk(req) for _ in range(3)])[1]
                    if c:
                        sdk_over.append(wall - sdk)
                        seq_over.append(wall - sorted(seqs)[1])
                        raw_over.append(wall - raw_total)
                        walls.append(wall)
                        bare.append(total)
                        gcs.append(gc_ns)
                        n_requests.append(len(reqs))
                        if c == 1:
                            recorded_turns.append(reqs)
                    else:
                        meter.total_ns = meter.gen2 = 0
                assert m.node == f"s{n_states - 1}", (m.node, m.outcome)
    finally:
        client_mod.prepare_request = real_prepare  # type: ignore[assignment]
        await raw_client.close()
    res = C.turn_metrics(walls, bare, gcs, n_requests, meter, n_states)
    res.update(await method_floor(rtt, recorded_turns))
    sq = C.summary_us(seq_over)
    res["turn_overhead_seqbare_us_p50"] = sq["p50"]
    res["turn_overhead_seqbare_us_p99"] = sq["p99"]
    sk = C.summary_us(sdk_over)
    res["turn_overhead_sdkbare_us_p50"] = sk["p50"]
    res["turn_overhead_sdkbare_us_p99"] = sk["p99"]
    rw = C.summary_us(raw_over)
    res["turn_overhead_raw_http_us_p50"] = rw["p50"]
    res["turn_overhead_raw_http_us_p99"] = rw["p99"]
    return res


async def method_floor(rtt: Any, turns: list[list[dict[str, Any]]]) -> dict[str, Any]:
    """Calibration of the method, no framework at all: replay each recorded turn's requests
    back to back with the bare client as "the turn", then apply the same procedure (settle, 3
    re-sends, median). What this reports as overhead is the method's own floor on this machine."""
    over: list[int] = []
    for reqs in turns:
        t = time.perf_counter_ns()
        for kw in reqs:
            await rtt(kw)
        wall = time.perf_counter_ns() - t
        await asyncio.sleep(SETTLE_S)
        total = 0
        for kw in reqs:
            total += sorted([await rtt(kw) for _ in range(3)])[1]
        over.append(wall - total)
    s = C.summary_us(over)
    return {"turn_method_floor_us_p50": s["p50"], "turn_method_floor_us_p99": s["p99"],
            "turn_method_floor_samples": s["n"]}


async def m_turns_replay(server: C.LLMServer, flow: Flow, conversations: int) -> dict[str, Any]:
    """Extra: the same chain turns with the server's recorded bytes replayed in-process
    (bench/ours/replay.py): our own CPU time per turn, free of loopback noise. Run last in its
    process: it replaces the model client."""
    from replay import ReplayClient, record

    import superdialog.llm.client as client_mod

    recorded = await record(server.base_url, "goto_s1")
    fake = ReplayClient(recorded, "goto_s1")
    real_get = client_mod.get_client
    client_mod.get_client = lambda cfg, shard=0: fake  # type: ignore[assignment]
    client_mod._shards.get().clear()  # the endpoint's shards hold real clients: forget them
    n_states = sum(1 for s in flow.states.values() if s.kind == "llm")
    script = [f"Here is my answer number {i}." for i in range(n_states - 1)]
    session = HostSession()
    samples: list[int] = []
    try:
        for c in range(conversations + 2):  # two warm-up conversations
            m = flow.build(session)
            await m.start()
            gc.collect()
            for text in script:
                t = time.perf_counter_ns()
                await play_turn(m, text)
                if c >= 2:
                    samples.append(time.perf_counter_ns() - t)
            assert m.node == f"s{n_states - 1}", m.node
    finally:
        client_mod.get_client = real_get
        client_mod._shards.get().clear()
    s = C.summary_us(samples)
    return {"turn_replay_us_p50": s["p50"], "turn_replay_us_p99": s["p99"],
            "turn_replay_samples": s["n"]}


async def m_turns_deterministic(flow: Flow, rounds: int) -> dict[str, Any]:
    """Extra: framework time of a turn that needs no model at all (the reference conversation's
    collect / yes-no / global-intent turns), timed in-process: no LLM to subtract."""
    session = HostSession()
    script = C.BOOKING_CALLER_TURNS[1:]
    samples: list[int] = []

    for r in range(rounds + 5):
        m = flow.build(session)
        await m.start()
        # turn 1 needs the model in triage: start in the collect state instead
        m.node = "ask_name"
        for text in script:
            t = time.perf_counter_ns()
            async with contextlib.aclosing(m.stream(text)) as chunks:
                async for _ in chunks:
                    pass
            if r >= 5:
                samples.append(time.perf_counter_ns() - t)
        assert m.finished and m.node == "bye", m.node
    s = C.summary_us(samples)
    return {"turn_deterministic_us_p50": s["p50"], "turn_deterministic_us_p99": s["p99"],
            "turn_deterministic_samples": s["n"]}


async def m_first_chunk(server: C.LLMServer, flow: Flow, conversations: int,
                        turns: int) -> dict[str, Any]:
    """Server time_ns when it writes the first token of the reply that gets spoken -> time_ns
    when `stream()` yields its first non-empty chunk (same host clock)."""
    session = HostSession()
    gaps: list[float] = []
    for _ in range(conversations):
        m = flow.build(session)
        await m.start()
        for i in range(turns):
            server.reset()
            _, first = await play_turn(m, f"Here is my answer number {i}.")
            spoken = [r for r in server.requests() if not r["tool"] and r.get("t_first_token_ns")]
            if first and spoken:
                gaps.append((first - spoken[0]["t_first_token_ns"]) / 1e6)
    return {"first_chunk_after_token_ms_p50": round(C.pct(gaps, 50), 3),
            "first_chunk_after_token_ms_p99": round(C.pct(gaps, 99), 3),
            "first_chunk_samples": len(gaps)}


async def m_dead_air(server: C.LLMServer, flow: Flow, texts: list[str]) -> dict[str, Any]:
    """Dead air through the real Unpod Session (bench/ours/dead_air.py): the caller's final
    text handed to the Session -> the first `agent.text.delta` it sends, each chain turn an
    LLM -> LLM transition, the server at C.DEAD_AIR_LATENCY. Also the requests the server saw
    and the prompt tokens of requests that were not spoken (speculative openings cancelled)."""
    from dead_air import dead_air_call

    server.reset()
    gaps = await dead_air_call(flow, texts)
    reqs = server.requests()
    res = C.dead_air_metrics(gaps, len(reqs))
    res["dead_air_requests"] = len(reqs)
    return res


def m_cold_start(server: C.LLMServer, path: Path, runs: int) -> dict[str, Any]:
    """Process start -> first spoken chunk of the first call (bench/ours/cold_start.py in a new
    `python -I` process, best of `runs`), and flow loaded -> first chunk inside that process."""
    import json
    import subprocess

    walls: list[float] = []
    after: list[float] = []
    for _ in range(runs):
        t = time.time_ns()
        out = subprocess.run([sys.executable, "-I", str(HERE / "cold_start.py"), str(path)],
                             cwd="/tmp", check=True, capture_output=True, text=True, timeout=120)
        res = json.loads(out.stdout.strip().splitlines()[-1])
        walls.append((res["first_chunk_ns"] - t) / 1e6)
        after.append(res["after_load_ms"])
    return {"cold_start_first_chunk_ms": round(min(walls), 1),
            "cold_start_first_call_after_load_ms": round(min(after), 1),
            "cold_start_runs": runs}


async def m_llm_calls(server: C.LLMServer, flow: Flow) -> dict[str, Any]:
    m = flow.build(HostSession())
    server.reset()
    await m.start()
    greet_requests = len(server.requests())
    server.reset()
    path = [m.node]
    spoken = []
    for text in C.BOOKING_CALLER_TURNS:
        said, _ = await play_turn(m, text)
        spoken.append(said.strip())
        path.append(m.node)
    reqs = server.requests()
    return {"llm_calls_per_turn": round(len(reqs) / len(C.BOOKING_CALLER_TURNS), 2),
            "llm_calls_greeting": greet_requests,
            "reference_path": path, "reference_completed": bool(m.finished and m.node == "bye"),
            "reference_replies": spoken}


async def m_concurrent(server: C.LLMServer, flow: Flow, calls: int) -> dict[str, Any]:
    """`calls` concurrent calls in this process; each builds its machine, speaks the greeting,
    then plays the first three caller turns of the reference conversation."""
    script = C.BOOKING_CALLER_TURNS[:3]
    warm = flow.build(HostSession())
    await warm.start()
    for text in script:
        await play_turn(warm, text)
    del warm
    gc.collect()
    base_rss = C.current_rss_mb()
    done_turns = 0
    errors: list[str] = []
    wrong_state: list[str] = []

    async def one_call() -> None:
        nonlocal done_turns
        try:
            m = flow.build(HostSession())
            await m.start()
            for text in script:
                await play_turn(m, text)
                done_turns += 1
            if m.node != "confirm":
                wrong_state.append(m.node)
        except Exception as exc:  # reported, not hidden
            errors.append(f"{type(exc).__name__}: {exc}"[:200])

    server.reset()
    if os.environ.get("BENCH_GC_FREEZE"):  # variant: the loaded heap moved out of the GC's way
        gc.freeze()
    if os.environ.get("BENCH_GC_THRESHOLD"):  # variant: e.g. "50000,20,50"
        gc.set_threshold(*(int(x) for x in os.environ["BENCH_GC_THRESHOLD"].split(",")))
    gc_meter = C.GCMeter()
    with gc_meter:
        gc_meter.start_turn()
        cpu = time.process_time()
        t = time.perf_counter()
        await asyncio.gather(*(one_call() for _ in range(calls)))
        wall = time.perf_counter() - t
        cpu = time.process_time() - cpu
        gc_meter.end_turn()
    n_llm = len(server.requests())
    # The loopback server (one Python process) answers ~200 requests/s on this machine, so
    # turns_per_s is the server's limit; our own capacity is turns per CPU second of this process.
    return {"calls": calls, "base_rss_mb": round(base_rss, 1),
            "peak_rss_mb": round(C.peak_rss_mb(), 1),
            "client_cpu_s": round(cpu, 2),
            "client_turns_per_cpu_s": round(done_turns / cpu, 1) if cpu else None,
            "gc_ms": round(gc_meter.total_ns / 1e6, 1), "gc_gen2": gc_meter.gen2,
            "gc_frozen": bool(os.environ.get("BENCH_GC_FREEZE")),
            "gc_threshold": list(gc.get_threshold()),
            "turns_per_s": round(done_turns / wall, 1), "wall_s": round(wall, 2),
            "turns_done": done_turns, "errors": len(errors), "first_errors": errors[:3],
            "calls_not_at_expected_state": len(wrong_state), "llm_requests": n_llm}


async def run_part(part: str, args: argparse.Namespace) -> dict[str, Any]:
    """One measurement, in this (fresh) process; see C.run_parts."""
    with tempfile.TemporaryDirectory(prefix="bench-ours-") as tmp:
        if part == "compile":
            return m_compile(tmp)
        if part == "build":
            res = m_build(superdialog.load(write(F.chain_yaml(40), "chain40.yaml", tmp)),
                          3000 if args.quick else 10_000, 1000 if args.quick else 10_000)
            res.update(await m_turns_deterministic(
                superdialog.load(write(F.booking_yaml(), "booking.yaml", tmp)),
                20 if args.quick else 200))
            return res

        def flow_for(doc: dict[str, Any], srv: C.LLMServer, name: str) -> Flow:
            import yaml

            text = yaml.safe_dump(with_endpoint(doc, srv.base_url), sort_keys=False, width=10_000)
            return superdialog.load(write(text, name, tmp))

        if part == "turns":
            with C.LLMServer(F.rules_chain(40)) as srv:
                flow = flow_for(F.chain_doc(40), srv, "c40.yaml")
                res = await m_turns(srv, flow, 2 if args.quick else 5)
                res.update(await m_turns_replay(srv, flow, 5 if args.quick else 20))
                return res
        if part == "first_chunk":
            with C.LLMServer(F.rules_chain(40, C.STREAM_LATENCY, C.LONG_REPLY)) as srv:
                res = await m_first_chunk(srv, flow_for(F.chain_doc(40), srv, "c40.yaml"),
                                          *C.first_chunk_runs(args.quick))
            res["first_chunk_server_latency"] = C.STREAM_LATENCY
            return res
        if part == "llm_calls":
            with C.LLMServer(F.rules_booking()) as srv:
                return await m_llm_calls(srv, flow_for(F.booking_doc(), srv, "booking.yaml"))
        if part == "dead_air":
            with C.LLMServer(F.rules_chain(40, C.DEAD_AIR_LATENCY)) as srv:
                return await m_dead_air(srv, flow_for(F.chain_doc(40), srv, "c40.yaml"),
                                        C.dead_air_turns(args.quick))
        if part == "cold_start":
            import yaml

            with C.LLMServer(F.rules_chain(40)) as srv:
                text = yaml.safe_dump(with_endpoint(F.chain_doc(40), srv.base_url),
                                      sort_keys=False, width=10_000)
                return m_cold_start(srv, write(text, "c40.yaml", tmp), 3 if args.quick else 5)
        if part == "turn_kinds":
            from dead_air import measure_kinds

            cycles = 5 if args.quick else 15
            res = await measure_kinds(C, cycles, slot_args=False)
            res.update(await measure_kinds(C, cycles, slot_args=True))
            return res
        if part == "cpu":
            from cpu import main_async as cpu_part

            return await cpu_part(args.quick)
        if part in SCALES and args.quick:
            return {f"{part}_skipped": "quick run"}
        if part == "concurrent" or part in SCALES:
            # The loopback server is one Python process (~200 requests/s): 10,000 calls asking at
            # once queue for tens of seconds, past our live-call deadlines (connect 3 s, first
            # token 6 s), which would then rightly take the error path. Here every request may
            # wait its turn, as the peers' clients do by default (litellm: 600 s).
            doc = F.booking_doc()
            doc["llm"]["timeouts"] = {"connect": 120.0, "first_token": 300.0, "total": 600.0}
            with C.LLMServer(F.rules_booking()) as srv:
                calls = SCALES.get(part, args.calls)
                conc = await m_concurrent(srv, flow_for(doc, srv, "booking.yaml"), calls)
                if part == "concurrent":
                    return conc  # run_parts derives concurrent_10k_* and the detail
                return {**C.scale_metrics(conc), f"{part}_detail": conc}
    raise SystemExit(f"unknown part {part}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer samples (smoke run)")
    ap.add_argument("--calls", type=int, default=10_000, help="concurrent calls (default 10,000)")
    ap.add_argument("--part", choices=["all", *OUR_PARTS], default="all")
    args = ap.parse_args()
    if args.part != "all":
        C.emit(asyncio.run(run_part(args.part, args)))
        return
    import datetime as dt
    import platform

    out: dict[str, Any] = {
        "peer": "ours", "version": superdialog.__version__,
        "run_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, "
                   f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB",
        "python": platform.python_version(),
        "driver": "superdialog.load(); flow.build(session); machine.start(); "
                  "machine.stream(text) consumed (as the Unpod Session does)",
    }
    out["loadavg_1m_start"] = round(os.getloadavg()[0], 2)  # other work on this 2-core host
    t0 = time.perf_counter()
    out.update(C.import_time("import superdialog"))
    rt = C.import_time("import superdialog.flow, superdialog.compile.compiled, "
                       "superdialog.runtime.call, superdialog.runtime.llm_call, "
                       "superdialog.runtime.collect, "
                       "superdialog.llm.client, openai", runs=3)
    out["import_runtime_s"] = rt["import_s"]
    out["import_runtime_rss_mb"] = rt["import_rss_mb"]
    out.update(C.run_parts(os.path.abspath(__file__), args.quick, args.calls, parts=OUR_PARTS))
    out["runtime_s"] = round(time.perf_counter() - t0, 1)
    out["loadavg_1m_end"] = round(os.getloadavg()[0], 2)
    C.emit(out)


if __name__ == "__main__":
    main()
