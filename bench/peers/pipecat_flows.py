"""Benchmark Pipecat Flows (`pipecat.flows` in pipecat-ai 1.14.0) headless, text in -> text out.

Run with the peers venv only, isolated from our repo:
    bench/.venv-peers/bin/python -I bench/peers/pipecat_flows.py [--quick] [--calls N]
Prints one JSON object on stdout. Needs our main venv for the loopback LLM server.

How it is driven (the lightest pipeline that runs a FlowManager for real, no transport, no
STT/TTS): per call

    Pipeline([user_aggregator, OpenAILLMService(base_url=<loopback>), Collector,
              assistant_aggregator])
    PipelineWorker(pipeline, enable_rtvi=False, cancel_on_idle_timeout=False), run by a WorkerRunner
    FlowManager(worker=..., llm=..., context_aggregator=..., global_functions=flow.global_functions)

The flow is a declarative `FlowConfig` (YAML) joined to its handlers by `pipecat.flows.Flow`.
A caller turn is `worker.queue_frame(LLMMessagesAppendFrame([{"role": "user", ...}], run_llm=True))`
(what an STT + user-turn strategy would hand the user aggregator); the Collector stands where TTS
would: it timestamps the first LLMTextFrame and ends the turn at the LLMFullResponseEndFrame of a
response that carried no function call (a transition is a function call, then the new node's
LLM run, whose text is what the caller hears).
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

import warnings  # noqa: E402

warnings.simplefilter("ignore")  # pipecat's own deprecation warnings from its built-in actions

from loguru import logger  # noqa: E402

logger.remove()  # pipecat logs every frame-level event at DEBUG to stderr by default

import pipecat  # noqa: E402
from pipecat.flows import TRANSITION_IN_YAML, Flow, FlowConfig, FlowManager  # noqa: E402
from pipecat.frames.frames import (  # noqa: E402
    EndFrame,
    FunctionCallsStartedFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMMessagesAppendFrame,
    LLMTextFrame,
)
from pipecat.pipeline.pipeline import Pipeline  # noqa: E402
from pipecat.pipeline.worker import PipelineParams, PipelineWorker  # noqa: E402
from pipecat.processors.aggregators.llm_context import LLMContext  # noqa: E402
from pipecat.processors.aggregators.llm_response_universal import (  # noqa: E402
    LLMContextAggregatorPair,
    LLMUserAggregatorParams,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor  # noqa: E402
from pipecat.services.openai.llm import OpenAILLMService  # noqa: E402
from pipecat.turns.user_turn_strategies import ExternalUserTurnStrategies  # noqa: E402
from pipecat.workers.runner import WorkerRunner  # noqa: E402

C.assert_isolated(pipecat)
VERSION = getattr(pipecat, "__version__", "1.14.0")
SETTLE_S = 0.02  # idle gap between a turn and its bare-round-trip replays (see m_turns)
MODEL = "gpt-4.1-mini"


# --------------------------------------------------------------------------------------------
# native format
# --------------------------------------------------------------------------------------------


async def record_name(flow_manager: FlowManager, name: str) -> tuple[dict[str, Any], Any]:
    """Record the caller's full name once they have given it.

    Args:
        name: the caller's full name
    """
    flow_manager.state["name"] = name
    return {"name": name}, TRANSITION_IN_YAML


async def record_date(flow_manager: FlowManager, date: str) -> tuple[dict[str, Any], Any]:
    """Record the day of the visit once the caller has given one.

    Args:
        date: the day the caller asked for
    """
    flow_manager.state["date"] = date
    return {"date": date}, TRANSITION_IN_YAML


HANDLERS = {"record_name": record_name, "record_date": record_date}


def native(states: list[dict[str, Any]]) -> dict[str, Any]:
    """Abstract states -> Pipecat Flows FlowConfig document.

    A state is a node whose `task_messages` hold the prompt (the first node also sets the
    persona as `role_message`, which persists); a transition without slots is a
    `transition_only` function (description = when, transition_to = target); one that extracts
    slots is a direct function from HANDLERS (Pipecat takes parameters only from code) with
    `transition_to`. Final states end the conversation after speaking (`end_conversation`
    post-action).
    """
    nodes: dict[str, Any] = {}
    for k, s in enumerate(states):
        functions = []
        for t in s["transitions"]:
            if t.get("args"):
                functions.append({"name": t["name"], "transition_to": t["to"]})
            else:
                functions.append(
                    {
                        "name": t["name"],
                        "transition_only": True,
                        "description": t["when"],
                        "transition_to": t["to"],
                    }
                )
        node: dict[str, Any] = {"task_messages": [{"role": "developer", "content": s["prompt"]}]}
        if k == 0:
            node["role_message"] = C.PERSONA
        if functions:
            node["functions"] = functions
        if s.get("final"):
            node["post_actions"] = [{"type": "end_conversation"}]
        nodes[s["id"]] = node
    return {"initial_node": states[0]["id"], "nodes": nodes}


def load(path: Any) -> Flow:
    """Load + validate + compile: FlowConfig.from_file (YAML, pydantic validation, graph
    reference checks) and Flow(config, handlers) (node configs and function schemas built,
    handlers resolved)."""
    return Flow(FlowConfig.from_file(path), handlers=HANDLERS)


class Collector(FrameProcessor):
    """Stands where TTS would: records what the caller would hear, turn by turn."""

    def __init__(self) -> None:
        super().__init__()
        self.events: asyncio.Queue[tuple[str, int, bool]] = asyncio.Queue()
        self._parts: list[str] = []
        self._first = 0
        self._fc = False

    async def process_frame(self, frame: Any, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, LLMFullResponseStartFrame):
            self._parts, self._first, self._fc = [], 0, False
        elif isinstance(frame, LLMTextFrame) and frame.text:
            if not self._first:
                self._first = time.time_ns()
            self._parts.append(frame.text)
        elif isinstance(frame, FunctionCallsStartedFrame):
            self._fc = True
        elif isinstance(frame, LLMFullResponseEndFrame):
            self.events.put_nowait(("".join(self._parts), self._first, self._fc))
        await self.push_frame(frame, direction)


class SharedClientLLMService(OpenAILLMService):
    """Variant for build_shared_client_us only: one AsyncOpenAI client for every call (the
    default creates one per service, i.e. per call, with its own httpx pool and SSL context)."""

    _clients: dict[Any, Any] = {}

    def create_client(self, api_key: Any = None, base_url: Any = None, **kwargs: Any) -> Any:
        key = (api_key, base_url)
        if key not in self._clients:
            self._clients[key] = super().create_client(api_key=api_key, base_url=base_url, **kwargs)
        return self._clients[key]


class PipecatCall:
    """One call: its pipeline, worker and FlowManager."""

    def __init__(self, flow: Flow, base_url: str, service: type = OpenAILLMService) -> None:
        self.flow = flow
        self.context = LLMContext()
        # Turn detection belongs to the host here, as in our Unpod deployment: the default stop
        # strategy loads a local ONNX smart-turn model per call (~31 ms, ~100 MB when running)
        # to analyse audio this text pipeline never carries.
        self.aggregators = LLMContextAggregatorPair(
            self.context,
            user_params=LLMUserAggregatorParams(user_turn_strategies=ExternalUserTurnStrategies()),
        )
        self.llm = service(
            api_key=os.environ["OPENAI_API_KEY"],
            base_url=base_url,
            settings=OpenAILLMService.Settings(model=MODEL),
        )
        self.collector = Collector()
        self.pipeline = Pipeline(
            [self.aggregators.user(), self.llm, self.collector, self.aggregators.assistant()]
        )
        self.worker = PipelineWorker(
            self.pipeline, params=PipelineParams(), enable_rtvi=False, cancel_on_idle_timeout=False
        )
        self.manager = FlowManager(
            worker=self.worker,
            llm=self.llm,
            context_aggregator=self.aggregators,
            global_functions=flow.global_functions,
        )
        self._run: asyncio.Task[None] | None = None

    async def start(self) -> str:
        """Start the pipeline, enter the initial node, return the greeting."""
        started = asyncio.Event()

        @self.worker.event_handler("on_pipeline_started")
        async def _started(worker: Any, frame: Any) -> None:
            started.set()

        runner = WorkerRunner(handle_sigint=False)
        await runner.add_workers(self.worker)
        self._run = asyncio.create_task(runner.run())
        await asyncio.wait_for(started.wait(), 30)
        await self.manager.initialize(self.flow.initial_node)
        text, _ = await self._reply()
        return text

    async def _reply(self) -> tuple[str, int]:
        while True:
            text, first, fc = await asyncio.wait_for(self.collector.events.get(), 30)
            if not fc:
                return text, first

    async def turn(self, text: str) -> tuple[str, int]:
        """One caller turn; returns (what the caller hears, first-chunk time_ns)."""
        await self.worker.queue_frame(
            LLMMessagesAppendFrame(messages=[{"role": "user", "content": text}], run_llm=True)
        )
        return await self._reply()

    async def close(self) -> None:
        if self._run is None:
            return
        if not self._run.done():
            await self.worker.queue_frame(EndFrame())
        await asyncio.wait_for(self._run, 30)


# --------------------------------------------------------------------------------------------
# metrics
# --------------------------------------------------------------------------------------------


def m_compile(tmp: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    load(C.write_yaml(native(C.chain_flow(20)), "warm.yaml", tmp))
    for n in (10, 50, 500):
        p = C.write_yaml(native(C.chain_flow(n)), f"chain{n}.yaml", tmp)
        times = []
        for _ in range(7 if n < 500 else 5):
            t = time.perf_counter()
            load(p)
            times.append(time.perf_counter() - t)
        out[f"compile_{n}_states_s"] = round(min(times), 6)
    return out


async def m_build(flow: Flow, base_url: str, n_time: int, n_hold: int) -> dict[str, Any]:
    """Per-call construction: context, aggregator pair, OpenAILLMService (its AsyncOpenAI
    client), collector, Pipeline, PipelineWorker and FlowManager. Starting the pipeline
    (StartFrame through every processor) and entering the first node are not included.
    build_us: mean over `n_time` builds, each dropped; build_rss_bytes: RSS growth / n_time
    with n_time held (sees OpenSSL's C allocations, which
    tracemalloc does not); build_bytes: tracemalloc growth / n_hold with n_hold held."""
    for _ in range(20):
        PipecatCall(flow, base_url)
    gc.collect()
    t = time.perf_counter()
    for _ in range(n_time):
        PipecatCall(flow, base_url)
    build_us = (time.perf_counter() - t) / n_time * 1e6
    gc.collect()
    rss0 = C.current_rss_mb()
    live = [PipecatCall(flow, base_url) for _ in range(n_time)]
    rss_per = (C.current_rss_mb() - rss0) * 2**20 / n_time
    del live
    gc.collect()
    t = time.perf_counter()
    for _ in range(n_time):
        PipecatCall(flow, base_url, SharedClientLLMService)
    shared_us = (time.perf_counter() - t) / n_time * 1e6
    gc.collect()
    t = time.perf_counter()
    for _ in range(n_time):
        FlowManager(
            worker=PipelineWorker(Pipeline([]), enable_rtvi=False),
            llm=None,
            context_aggregator=None,
        )  # type: ignore[arg-type]
    fm_us = (time.perf_counter() - t) / n_time * 1e6
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    held = [PipecatCall(flow, base_url) for _ in range(n_hold)]
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    per = (after - before) / len(held)
    del held
    gc.collect()
    return {
        "build_us": round(build_us, 1),
        "build_bytes": int(per),
        "build_note": f"build_bytes with {n_hold} held, not 10,000 (time: ~28 ms a build "
        "under tracemalloc)",
        "build_rss_bytes": int(rss_per),
        "build_shared_client_us": round(shared_us, 1),
        "build_flowmanager_plus_empty_worker_us": round(fm_us, 1),
        "build_flow_states": len(flow.config.nodes),
        "build_held": n_hold,
    }


async def m_turns(server: C.LLMServer, flow: Flow, conversations: int) -> dict[str, Any]:
    """turn_overhead_us, same method as for every framework (README): wall(turn) from queueing
    the caller's text to the end of the spoken response at the Collector, with the service's
    `AsyncOpenAI.chat.completions.create` wrapped only to keep each request's kwargs. Right after
    the turn each request is re-sent 3 times with the same client and kwargs, stream consumed;
    bare = median. overhead(turn) = wall(turn) - sum(bare of the turn's requests)."""
    n_states = len(flow.config.nodes)
    script = [f"Here is my answer number {i}." for i in range(n_states - 1)]
    walls: list[int] = []
    bare: list[int] = []
    gcs: list[int] = []
    n_requests: list[int] = []
    meter = C.GCMeter()
    with meter:
        for c in range(conversations + 1):  # conversation 0 warms up and is not counted
            call = PipecatCall(flow, server.base_url)
            completions = call.llm._client.chat.completions
            real = completions.create
            turn_requests: list[dict[str, Any]] = []

            async def recording(
                *a: Any, _real: Any = real, _log: Any = turn_requests, **kw: Any
            ) -> Any:
                _log.append(kw)
                return await _real(*a, **kw)

            async def rtt(kw: dict[str, Any], _real: Any = real) -> int:
                t = time.perf_counter_ns()
                resp = await _real(**kw)
                if kw.get("stream"):
                    async for _ in resp:
                        pass
                return time.perf_counter_ns() - t

            completions.create = recording
            await call.start()
            gc.collect()
            for text in script:
                turn_requests.clear()
                meter.start_turn()
                t = time.perf_counter_ns()
                await call.turn(text)
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
            assert call.manager.current_node == f"s{n_states - 1}", call.manager.current_node
            await call.close()
    return C.turn_metrics(walls, bare, gcs, n_requests, meter, n_states)


async def m_first_chunk(
    server: C.LLMServer, flow: Flow, conversations: int, turns: int
) -> dict[str, Any]:
    """Server time_ns when it writes the first token of the reply that gets spoken -> time_ns
    when the first LLMTextFrame reaches the Collector (where TTS would be). Same host clock."""
    gaps: list[float] = []
    for _ in range(conversations):
        call = PipecatCall(flow, server.base_url)
        await call.start()
        for i in range(turns):
            server.reset()
            _, first = await call.turn(f"Here is my answer number {i}.")
            spoken = [r for r in server.requests() if not r["tool"] and r.get("t_first_token_ns")]
            if first and spoken:
                gaps.append((first - spoken[0]["t_first_token_ns"]) / 1e6)
        await call.close()
    return {
        "first_chunk_after_token_ms_p50": round(C.pct(gaps, 50), 2),
        "first_chunk_after_token_ms_p99": round(C.pct(gaps, 99), 2),
        "first_chunk_samples": len(gaps),
    }


async def m_dead_air(server: C.LLMServer, flow: Flow, texts: list[str]) -> dict[str, Any]:
    """Dead air: the caller's text handed to the pipeline -> the first LLMTextFrame at the
    Collector (where TTS would be), each chain turn an LLM -> LLM transition, the server at
    C.DEAD_AIR_LATENCY."""
    call = PipecatCall(flow, server.base_url)
    await call.start()
    server.reset()
    gaps: list[float] = []
    for text in texts:
        t = time.time_ns()
        _, first = await call.turn(text)
        if first:
            gaps.append((first - t) / 1e6)
    requests = len(server.requests())
    await call.close()
    return C.dead_air_metrics(gaps, requests)


async def m_llm_calls(server: C.LLMServer, flow: Flow) -> dict[str, Any]:
    call = PipecatCall(flow, server.base_url)
    server.reset()
    await call.start()
    greet_requests = len(server.requests())
    server.reset()
    path = [call.manager.current_node]
    for text in C.BOOKING_CALLER_TURNS:
        await call.turn(text)
        path.append(call.manager.current_node)
    reqs = server.requests()
    await call.close()
    return {
        "llm_calls_per_turn": round(len(reqs) / len(C.BOOKING_CALLER_TURNS), 2),
        "llm_calls_greeting": greet_requests,
        "reference_path": path,
        "reference_completed": path[-1] == "bye",
    }


async def m_concurrent(server: C.LLMServer, flow: Flow, calls: int) -> dict[str, Any]:
    """`calls` concurrent calls in this process; each builds its pipeline, starts it (greeting),
    plays the first three caller turns of the reference conversation, and ends."""
    script = C.BOOKING_CALLER_TURNS[:3]
    warm = PipecatCall(flow, server.base_url)
    await warm.start()
    await warm.close()
    gc.collect()
    base_rss = C.current_rss_mb()
    done_turns = 0
    errors: list[str] = []
    wrong_state: list[str] = []

    async def one_call() -> None:
        nonlocal done_turns
        try:
            call = PipecatCall(flow, server.base_url)
            await call.start()
            for text in script:
                await call.turn(text)
                done_turns += 1
            if call.manager.current_node != "confirm":
                wrong_state.append(str(call.manager.current_node))
            await call.close()
        except Exception as exc:  # reported, not hidden
            errors.append(f"{type(exc).__name__}: {exc}"[:200])

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
        "errors": len(errors),
        "first_errors": errors[:3],
        "calls_not_at_expected_state": len(wrong_state),
    }


async def run_part(part: str, args: argparse.Namespace) -> dict[str, Any]:
    """One measurement, in this (fresh) process; see C.run_parts."""
    with tempfile.TemporaryDirectory(prefix="peers-pipecat-") as tmp:
        if part == "compile":
            return m_compile(tmp)
        chain40 = load(C.write_yaml(native(C.chain_flow(40)), "chain40.yaml", tmp))
        booking = load(C.write_yaml(native(C.BOOKING_STATES), "booking.yaml", tmp))
        if part == "build":
            with C.LLMServer(C.rules_chain()) as srv:
                # 500 held, not 10,000: under tracemalloc a Pipecat call costs ~28 ms to build,
                # so 10,000 would take ~5 min on their own (build_bytes is per call either way).
                return await m_build(chain40, srv.base_url, 200, 500)
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
        "peer": "pipecat-flows",
        "version": f"pipecat-ai {VERSION}",
        "driver": "FlowManager in Pipeline([user agg, OpenAILLMService(<loopback>), collector, "
        "assistant agg]) on a PipelineWorker; FlowConfig YAML + pipecat.flows.Flow",
    }
    t0 = time.perf_counter()
    out["loadavg_1m_start"] = round(os.getloadavg()[0], 2)  # other work on this 2-core host
    out.update(C.import_time("from pipecat.flows import FlowManager"))
    rt = C.import_time(
        "from pipecat.flows import FlowManager; "
        "import pipecat.services.openai.llm, pipecat.pipeline.worker, "
        "pipecat.workers.runner, "
        "pipecat.processors.aggregators.llm_response_universal",
        runs=3,
    )
    out["import_runtime_s"] = rt["import_s"]
    out["import_runtime_rss_mb"] = rt["import_rss_mb"]
    out.update(C.run_parts(os.path.abspath(__file__), args.quick, args.calls))
    out["runtime_s"] = round(time.perf_counter() - t0, 1)
    out["loadavg_1m_end"] = round(os.getloadavg()[0], 2)
    C.emit(out)


if __name__ == "__main__":
    main()
