"""Benchmark superdialog 0.3.0 (PyPI; the original "SuperDialog", graph engine) headless.

Run with the peers venv only, from anywhere, isolated from our repo:
    bench/.venv-peers/bin/python -I bench/peers/superdialog_030.py [--quick]
Prints one JSON object on stdout. Needs our main venv for the loopback LLM server.

How it is driven: `superdialog.Flow` (their `ConversationFlow`, loaded from YAML) +
`superdialog.DialogMachine(flow, llm="openai/gpt-4.1-mini@<base_url>")`. That URI is their
documented "<provider>/<model>@<host>" form: the default backend (any-llm) is not installed, so
it resolves to `LitellmProvider(model="openai/gpt-4.1-mini", api_base=<base_url>)`, i.e. litellm's
OpenAI-compatible client against our loopback server. A turn is
`DialogMachine.turn(text, stream=True)` consumed to the last chunk (the voice path).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tempfile
import time
import tracemalloc
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C

C.claim_stdout()
C.assert_isolated()

import logging  # noqa: E402

logging.disable(logging.CRITICAL)  # their INFO/WARNING logs are not what we measure

import litellm  # noqa: E402

import superdialog  # noqa: E402
from superdialog import DialogMachine, Flow  # noqa: E402
from superdialog.cli.main import _lint_flow  # noqa: E402

C.assert_isolated(superdialog)
assert superdialog.__version__ == "0.3.0", superdialog.__version__
litellm.suppress_debug_info = True
SETTLE_S = 0.02  # idle gap between a turn and its bare-round-trip replays (see m_turns)
MODEL = "openai/gpt-4.1-mini"


# --------------------------------------------------------------------------------------------
# native format
# --------------------------------------------------------------------------------------------


def native(states: list[dict[str, Any]]) -> dict[str, Any]:
    """Abstract states -> superdialog 0.3.0 ConversationFlow document.

    A state is a node with an `instruction` (LLM-generated reply); a transition is an `edge`
    (`id` = tool name the router LLM calls, `condition` = its description, `input_schema` = the
    slots it extracts). Final states are `is_final` nodes.
    """
    nodes = []
    for s in states:
        edges = []
        for t in s["transitions"]:
            e: dict[str, Any] = {"id": t["name"], "condition": t["when"], "target_node_id": t["to"]}
            if t.get("args"):
                e["input_schema"] = {
                    "type": "object",
                    "properties": {
                        k: {"type": "string", "description": d} for k, d in t["args"].items()
                    },
                    "required": list(t["args"]),
                }
            edges.append(e)
        nodes.append(
            {
                "id": s["id"],
                "name": s["id"].replace("_", " ").title(),
                "instruction": s["prompt"],
                "edges": edges,
                "is_final": bool(s.get("final")),
            }
        )
    return {"system_prompt": C.PERSONA, "initial_node": states[0]["id"], "nodes": nodes}


def load(path: Any) -> Flow:
    """Load + validate + check: their YAML loader (pydantic validation) and their `lint`
    (edge-target reference check). Their graph is compiled into a pytransitions machine per
    call, which is counted in build_us, not here."""
    flow = Flow.from_yaml_file(path)
    issues = _lint_flow(flow)
    if issues:
        raise SystemExit(f"generated flow does not lint: {issues[:3]}")
    return flow


def uri(base_url: str) -> str:
    return f"{MODEL}@{base_url}"


async def build(flow: Flow, llm: str) -> DialogMachine:
    """Per-call construction, up to the point a turn can be served: the facade builds its
    DialogStateMachine (a pytransitions AsyncMachine over the whole graph) lazily on first use,
    so we trigger that (`_ensure_machine`, what the first turn() would do)."""
    dm = DialogMachine(flow, llm=llm)
    await dm._ensure_machine()
    return dm


async def play_turn(dm: DialogMachine, text: str) -> tuple[str, int]:
    """One caller turn on the streaming path; returns (spoken text, first-chunk time_ns)."""
    first = 0
    parts = []
    it = await dm.turn(text, stream=True)
    async for chunk in it:
        if chunk.text:
            if not first:
                first = time.time_ns()
            parts.append(chunk.text)
    return "".join(parts), first


# --------------------------------------------------------------------------------------------
# metrics
# --------------------------------------------------------------------------------------------


def m_compile(tmp: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    load(C.write_yaml(native(C.chain_flow(20)), "warm.yaml", tmp))  # warm imports/caches
    for n in (10, 50, 500):
        p = C.write_yaml(native(C.chain_flow(n)), f"chain{n}.yaml", tmp)
        times = []
        for _ in range(7 if n < 500 else 5):
            t = time.perf_counter()
            load(p)
            times.append(time.perf_counter() - t)
        out[f"compile_{n}_states_s"] = round(min(times), 6)
    return out


async def m_build(flow: Flow, llm: str, n_time: int, n_hold: int) -> dict[str, Any]:
    for _ in range(50):
        await build(flow, llm)
    gc.collect()
    t = time.perf_counter()
    for _ in range(n_time):
        await build(flow, llm)
    build_us = (time.perf_counter() - t) / n_time * 1e6
    gc.collect()
    rss0 = C.current_rss_mb()
    live = [await build(flow, llm) for _ in range(n_time)]
    rss_per = (C.current_rss_mb() - rss0) * 2**20 / n_time
    del live
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    held = [await build(flow, llm) for _ in range(n_hold)]
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    per = (after - before) / len(held)
    del held
    gc.collect()
    return {
        "build_us": round(build_us, 1),
        "build_bytes": int(per),
        "build_rss_bytes": int(rss_per),
        "build_flow_states": len(flow.nodes),
        "build_held": n_hold,
    }


async def m_turns(server: C.LLMServer, flow: Flow, conversations: int) -> dict[str, Any]:
    """turn_overhead_us: framework time per caller turn, LLM excluded (method in README):

    wall(turn) is timed from `turn()` to its last chunk, with `litellm.acompletion` (the client
    superdialog 0.3.0 calls) wrapped only to keep each request's exact kwargs. Right after the
    turn, each of its requests is re-sent with the same client and the same kwargs 3 times (stream
    consumed if streamed); its bare round trip is the median of the 3.
    overhead(turn) = wall(turn) - sum(bare round trips of the turn's requests).
    """
    llm = uri(server.base_url)
    n_states = len(flow.nodes)
    script = [f"Here is my answer number {i}." for i in range(n_states - 1)]
    real = litellm.acompletion
    turn_requests: list[dict[str, Any]] = []

    async def recording(*a: Any, **kw: Any) -> Any:
        turn_requests.append(kw)
        return await real(*a, **kw)

    async def rtt(kw: dict[str, Any]) -> int:
        t = time.perf_counter_ns()
        resp = await real(**kw)
        if kw.get("stream"):
            async for _ in resp:
                pass
        return time.perf_counter_ns() - t

    walls: list[int] = []
    bare: list[int] = []
    gcs: list[int] = []
    n_requests: list[int] = []
    litellm.acompletion = recording
    try:
        with C.GCMeter() as meter:
            for c in range(conversations + 1):  # conversation 0 warms up and is not counted
                dm = await build(flow, llm)
                await dm.start()
                gc.collect()
                for text in script:
                    turn_requests.clear()
                    meter.start_turn()
                    t = time.perf_counter_ns()
                    await play_turn(dm, text)
                    wall = time.perf_counter_ns() - t
                    gc_ns = meter.end_turn()
                    reqs = list(turn_requests)
                    await asyncio.sleep(SETTLE_S)  # let work queued behind the reply finish
                    total = 0
                    for kw in reqs:
                        total += sorted([await rtt(kw) for _ in range(3)])[1]
                    if c:
                        walls.append(wall)
                        bare.append(total)
                        gcs.append(gc_ns)
                        n_requests.append(len(reqs))
                    else:
                        meter.total_ns = meter.gen2 = 0
                assert dm.is_complete, dm.state
    finally:
        litellm.acompletion = real
    return C.turn_metrics(walls, bare, gcs, n_requests, meter, n_states)


async def m_first_chunk(
    server: C.LLMServer, flow: Flow, conversations: int, turns: int
) -> dict[str, Any]:
    """Server time_ns when it sends the first token of the reply that gets spoken -> client
    time_ns when `turn(stream=True)` yields its first non-empty chunk (same host clock)."""
    llm = uri(server.base_url)
    gaps: list[float] = []
    for _ in range(conversations):
        dm = await build(flow, llm)
        await dm.start()
        for i in range(turns):
            server.reset()
            _, first = await play_turn(dm, f"Here is my answer number {i}.")
            spoken = [r for r in server.requests() if not r["tool"] and r["t_first_token_ns"]]
            if first and spoken:
                gaps.append((first - spoken[0]["t_first_token_ns"]) / 1e6)
    return {
        "first_chunk_after_token_ms_p50": round(C.pct(gaps, 50), 2),
        "first_chunk_after_token_ms_p99": round(C.pct(gaps, 99), 2),
        "first_chunk_samples": len(gaps),
    }


async def m_dead_air(server: C.LLMServer, flow: Flow, texts: list[str]) -> dict[str, Any]:
    """Dead air: `turn(text, stream=True)` called -> its first non-empty chunk, each chain turn
    an LLM -> LLM transition, the server at C.DEAD_AIR_LATENCY."""
    dm = await build(flow, uri(server.base_url))
    await dm.start()
    server.reset()
    gaps: list[float] = []
    for text in texts:
        t = time.time_ns()
        _, first = await play_turn(dm, text)
        if first:
            gaps.append((first - t) / 1e6)
    return C.dead_air_metrics(gaps, len(server.requests()))


async def m_llm_calls(server: C.LLMServer, flow: Flow) -> dict[str, Any]:
    llm = uri(server.base_url)
    dm = await build(flow, llm)
    server.reset()
    await dm.start()
    greet_requests = len(server.requests())
    server.reset()
    path = [dm.state["node_id"]]
    for text in C.BOOKING_CALLER_TURNS:
        await play_turn(dm, text)
        path.append(dm.state["node_id"])
    reqs = server.requests()
    return {
        "llm_calls_per_turn": round(len(reqs) / len(C.BOOKING_CALLER_TURNS), 2),
        "llm_calls_greeting": greet_requests,
        "reference_path": path,
        "reference_completed": bool(dm.is_complete),
    }


async def m_concurrent(server: C.LLMServer, flow: Flow, calls: int) -> dict[str, Any]:
    """`calls` concurrent calls in this process; each builds its machine, speaks the greeting,
    then plays the first three caller turns of the reference conversation."""
    llm = uri(server.base_url)
    script = C.BOOKING_CALLER_TURNS[:3]
    # warm: one call end to end
    dm = await build(flow, llm)
    await dm.start()
    gc.collect()
    base_rss = C.current_rss_mb()
    done_turns = 0
    errors = 0
    wrong_state: list[str] = []

    async def one_call() -> None:
        nonlocal done_turns, errors
        try:
            m = await build(flow, llm)
            await m.start()
            for text in script:
                await play_turn(m, text)
                done_turns += 1
            if m.state["node_id"] != "confirm":  # the framework swallows LLM errors: check
                wrong_state.append(m.state["node_id"])
        except Exception:
            errors += 1

    server.reset()
    t = time.perf_counter()
    await asyncio.gather(*(one_call() for _ in range(calls)))
    wall = time.perf_counter() - t
    return {
        "calls": calls,
        "base_rss_mb": round(base_rss, 1),
        "peak_rss_mb": round(C.peak_rss_mb(), 1),
        "turns_per_s": round(done_turns / wall, 1),
        "wall_s": round(wall, 2),
        "turns_done": done_turns,
        "errors": errors,
        "calls_not_at_expected_state": len(wrong_state),
    }


async def run_part(part: str, args: argparse.Namespace) -> dict[str, Any]:
    """One measurement, in this (fresh) process; see C.run_parts."""
    with tempfile.TemporaryDirectory(prefix="peers-sd030-") as tmp:
        if part == "compile":
            return m_compile(tmp)
        chain40 = load(C.write_yaml(native(C.chain_flow(40)), "chain40.yaml", tmp))
        booking = load(C.write_yaml(native(C.BOOKING_STATES), "booking.yaml", tmp))
        if part == "build":
            with C.LLMServer(C.rules_chain()) as srv:
                return await m_build(
                    chain40,
                    uri(srv.base_url),
                    300 if args.quick else 1000,
                    1000 if args.quick else 10_000,
                )
        if part == "turns":
            with C.LLMServer(C.rules_chain()) as srv:
                return await m_turns(srv, chain40, 2 if args.quick else 5)
        if part == "first_chunk":
            with C.LLMServer(C.rules_chain(C.STREAM_LATENCY, C.LONG_REPLY)) as srv:
                res = await m_first_chunk(srv, chain40, *C.first_chunk_runs(args.quick))
            res["first_chunk_server_latency"] = C.STREAM_LATENCY
            return res
        if part == "llm_calls":
            with C.LLMServer(C.rules_booking()) as srv:
                return await m_llm_calls(srv, booking)
        if part == "dead_air":
            with C.LLMServer(C.rules_chain(C.DEAD_AIR_LATENCY)) as srv:
                return await m_dead_air(srv, chain40, C.dead_air_turns(args.quick))
        if part == "concurrent":
            with C.LLMServer(C.rules_booking()) as srv:
                return await m_concurrent(srv, booking, args.calls)
    raise SystemExit(f"unknown part {part}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer samples (smoke run)")
    ap.add_argument("--calls", type=int, default=1000, help="concurrent calls (default 1000)")
    ap.add_argument("--part", choices=["all", *C.PARTS], default="all")
    args = ap.parse_args()
    if args.part != "all":
        C.emit(asyncio.run(run_part(args.part, args)))
        return
    out: dict[str, Any] = {
        "peer": "superdialog",
        "version": superdialog.__version__,
        "driver": f"DialogMachine(Flow, llm='{MODEL}@<loopback>') via litellm",
    }
    t0 = time.perf_counter()
    out["loadavg_1m_start"] = round(os.getloadavg()[0], 2)  # other work on this 2-core host
    out.update(C.import_time("import superdialog"))
    out.update(C.run_parts(os.path.abspath(__file__), args.quick, args.calls))
    out["runtime_s"] = round(time.perf_counter() - t0, 1)
    out["loadavg_1m_end"] = round(os.getloadavg()[0], 2)
    C.emit(out)


if __name__ == "__main__":
    main()
