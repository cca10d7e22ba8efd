"""Shared helpers for the peer benchmarks (run with bench/.venv-peers/bin/python, never our venv).

Everything here is framework-neutral: the abstract flows every peer translates into its own
native format, the scripted conversations, the server rules, the loopback LLM server process,
and the statistics. Each peer script imports this module, measures what it can, and prints one
JSON object on stdout.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from _scale import scale_key, scale_metrics  # noqa: F401  (the runners use C.scale_metrics)

REPO = Path(__file__).resolve().parents[2]
PEERS_DIR = Path(__file__).resolve().parent
MAIN_PYTHON = REPO / ".venv" / "bin" / "python"

# litellm (superdialog 0.3.0's client) fetches its model cost map over the network at import
# time and retries; offline that only adds noise. The local copy is what an offline deployment
# uses, and it is the fastest option for the peer.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
# No keys anywhere: every request goes to the loopback server.
os.environ.setdefault("OPENAI_API_KEY", "sk-loopback-no-key")
os.environ.pop("OPENAI_BASE_URL", None)


# --------------------------------------------------------------------------------------------
# isolation: our own `superdialog` (in /work/main) must never be importable here
# --------------------------------------------------------------------------------------------


def assert_isolated(module: Any | None = None) -> None:
    """Fail loudly if the repo root is on sys.path or `module` was imported from the repo."""
    repo = os.path.realpath(REPO)
    for entry in sys.path:
        if entry and os.path.realpath(entry) == repo:
            raise SystemExit(f"isolation: {repo} is on sys.path; run from /tmp with -I")
        if entry == "" and os.path.realpath(os.getcwd()) == repo:
            raise SystemExit("isolation: cwd is the repo root and '' is on sys.path; use -I")
    if module is not None:
        origin = os.path.realpath(getattr(module, "__file__", "") or "")
        if origin.startswith(repo + os.sep) and ".venv-peers" not in origin:
            raise SystemExit(f"isolation: {module.__name__} imported from {origin}")


# --------------------------------------------------------------------------------------------
# abstract flows (each peer translates these into its native format)
# --------------------------------------------------------------------------------------------

PERSONA = "You are Alex, a booking assistant on a phone call. Answer in one or two sentences."


def chain_flow(n: int) -> list[dict[str, Any]]:
    """A linear-ish flow of `n` states: s0 -> s1 -> ... -> s{n-1} (final).

    Every state has an LLM prompt and 1-2 transitions: `advance` to the next state, and on every
    5th state (i % 5 == 4) also `go_back` to the start of its block of five. The last state is
    final. Transitions are judged by the LLM (tool calls) in every framework.
    """
    states = []
    for i in range(n):
        trans = []
        if i < n - 1:
            trans.append(
                {
                    "name": "advance",
                    "to": f"s{i + 1}",
                    "when": f"the caller has answered question {i}",
                }
            )
        if i % 5 == 4:
            trans.append(
                {
                    "name": "go_back",
                    "to": f"s{i - 4}",
                    "when": "the caller wants to start this part over",
                }
            )
        states.append(
            {
                "id": f"s{i}",
                "prompt": f"Ask the caller question {i} about their booking, in one sentence.",
                "transitions": trans,
                "final": i == n - 1,
            }
        )
    return states


# The reference conversation used for llm_calls_per_turn (and, first three caller turns, for the
# concurrency test). The opening line is spoken when the call starts (host-side greeting); the
# caller then takes five turns.
BOOKING_STATES: list[dict[str, Any]] = [
    {
        "id": "triage",
        "prompt": "Greet the caller as Alex from Bright Smile Dental and find out whether they "
        "want to book a visit or something else.",
        "transitions": [
            {"name": "wants_booking", "to": "ask_name", "when": "the caller wants to book a visit"},
            {"name": "wants_other", "to": "handoff", "when": "the caller wants anything else"},
        ],
    },
    {
        "id": "ask_name",
        "prompt": "Ask for the caller's full name.",
        "transitions": [
            {
                "name": "record_name",
                "to": "ask_date",
                "when": "the caller has given their full name",
                "args": {"name": "the caller's full name"},
            }
        ],
    },
    {
        "id": "ask_date",
        "prompt": "Ask which day the caller would like to come in.",
        "transitions": [
            {
                "name": "record_date",
                "to": "confirm",
                "when": "the caller has given a day for the visit",
                "args": {"date": "the day the caller asked for"},
            }
        ],
    },
    {
        "id": "confirm",
        "prompt": "Read back the caller's name and day and ask them to confirm.",
        "transitions": [
            {"name": "confirmed", "to": "booked", "when": "the caller confirms the details"},
            {
                "name": "wrong_details",
                "to": "ask_name",
                "when": "the caller says a detail is wrong",
            },
        ],
    },
    {
        "id": "booked",
        "prompt": "Tell the caller the visit is booked and ask whether there is anything else.",
        "transitions": [
            {"name": "goodbye", "to": "bye", "when": "the caller has nothing else and says goodbye"}
        ],
    },
    {"id": "bye", "prompt": "Thank the caller and say goodbye.", "transitions": [], "final": True},
    {
        "id": "handoff",
        "prompt": "Tell the caller you are connecting them with a colleague.",
        "transitions": [],
        "final": True,
    },
]

BOOKING_CALLER_TURNS = [
    "Hi, I'd like to book a cleaning.",
    "My name is Jane Doe.",
    "Next Tuesday, please.",
    "Yes, that's correct.",
    "No, that's all. Goodbye!",
]

# --------------------------------------------------------------------------------------------
# server rules (YAML for superdialog.testing.llm_server)
#
# Each tool rule answers with that tool call only when the request offers a tool of that name
# (`tools:`) AND its last message is the caller's (`user:` regex, with the user-turn hook of
# llm_server_hooks.py); otherwise the next rule / the default text applies. That is what a real
# model does with these prompts, and it keeps node-entry calls (which also carry tools in
# Pipecat) from chaining through the whole flow.
# --------------------------------------------------------------------------------------------

REPLY = "Sure, I can help you with that today."
# ~20 words, for the streaming test: long enough that a non-streaming client visibly waits.
LONG_REPLY = (
    "Thanks for waiting, I have found a slot for you next Tuesday at ten in the morning "
    "with Doctor Patel, does that work for you?"
)


def _tool_rule(user: str, tool: str, **arguments: Any) -> dict[str, Any]:
    return {"user": user, "tools": tool, "tool": {"name": tool, "arguments": arguments}}


def rules_chain(latency: dict[str, Any] | None = None, reply: str = REPLY) -> dict[str, Any]:
    return {
        "latency": latency or {"ttft_ms": 0},
        "default": reply,
        "rules": [_tool_rule(".", "advance")],
    }


def rules_booking() -> dict[str, Any]:
    return {
        "latency": {"ttft_ms": 0},
        "default": "Certainly.",
        "rules": [
            _tool_rule("book", "wants_booking"),
            _tool_rule("name is", "record_name", name="Jane Doe"),
            _tool_rule("tuesday", "record_date", date="next Tuesday"),
            _tool_rule("^yes", "confirmed"),
            _tool_rule("goodbye", "goodbye"),
        ],
    }


# --------------------------------------------------------------------------------------------
# the loopback LLM server, as a separate process
# --------------------------------------------------------------------------------------------


class LLMServer:
    """Our loopback server as a separate process, with the hooks in llm_server_hooks.py:

        <our venv>/python bench/peers/llm_server_hooks.py --rules FILE --port N

    (`superdialog.testing.llm_server.ScriptedLLMServer` answering; the wrapper adds a control
    endpoint for recorded requests, server-side timestamps and user-turn matching).
    """

    def __init__(self, rules: dict[str, Any], port: int = 0) -> None:
        self.rules = rules
        self.port = port
        self.base_url = ""
        self.control = ""
        self.proc: subprocess.Popen[str] | None = None
        self._dir = tempfile.TemporaryDirectory(prefix="peers-llm-")

    def __enter__(self) -> LLMServer:
        import yaml

        rules_path = Path(self._dir.name) / "rules.yaml"
        rules_path.write_text(yaml.safe_dump(self.rules, sort_keys=False))
        if not MAIN_PYTHON.exists():
            raise SystemExit(f"the loopback LLM server runs in our main venv: no {MAIN_PYTHON}")
        cmd = [
            str(MAIN_PYTHON),
            str(PEERS_DIR / "llm_server_hooks.py"),
            "--rules",
            str(rules_path),
            "--port",
            str(self.port),
        ]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        self._stderr = open(Path(self._dir.name) / "server.stderr", "w+")
        self.proc = subprocess.Popen(
            cmd,
            cwd="/tmp",
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            stdin=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,
        )  # stdin stays open while we live: the server stops when it reaches EOF
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # bounded: the process prints it or exits
        if "http://" not in line or "control=" not in line:
            self.proc.wait(timeout=10)
            self._stderr.seek(0)
            err = self._stderr.read()
            self.__exit__(None, None, None)
            raise SystemExit(f"loopback server did not start: {line!r} {err[-2000:]}")
        url, control = line.split()
        self.base_url = url.rstrip("/")
        self.control = control.split("=", 1)[1].rstrip("/")
        threading.Thread(target=self._drain, daemon=True).start()
        return self

    def _drain(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for _ in self.proc.stdout:
            pass

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._stderr.close()
        self._dir.cleanup()

    def requests(self) -> list[dict[str, Any]]:
        """Chat requests received since start/reset, oldest first: call, tools (offered),
        tool (the tool call answered, or None), user, stream, t_recv_ns, t_first_token_ns."""
        with urllib.request.urlopen(self.control + "/requests", timeout=30) as r:  # loopback
            return json.loads(r.read())

    def reset(self) -> None:
        req = urllib.request.Request(self.control + "/reset", data=b"{}", method="POST")
        with urllib.request.urlopen(req, timeout=30) as r:
            r.read()


# --------------------------------------------------------------------------------------------
# measurements
# --------------------------------------------------------------------------------------------


def import_time(stmt: str, runs: int = 5, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Wall time of a fresh `python -I -c stmt` (best of `runs`), its in-process import time and
    peak RSS, and the bare interpreter start-up for reference. Run from /tmp (isolation)."""
    py = sys.executable
    e = dict(os.environ, **(env or {}))
    probe = (
        "import time, resource; t=time.perf_counter(); " + stmt + "; d=time.perf_counter()-t; "
        "print(d, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )

    def wall(code: str) -> tuple[float, str]:
        t = time.perf_counter()
        out = subprocess.run(
            [py, "-I", "-c", code],
            cwd="/tmp",
            env=e,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return time.perf_counter() - t, out.stdout

    walls, inproc, rss = [], [], []
    for _ in range(runs):
        w, out = wall(probe)
        d, kb = out.split()
        walls.append(w)
        inproc.append(float(d))
        rss.append(int(kb))
    startup = min(wall("pass")[0] for _ in range(runs))
    return {
        "import_s": round(min(walls), 4),
        "import_inproc_s": round(min(inproc), 4),
        "import_rss_mb": round(min(rss) / 1024, 1),
        "python_startup_s": round(startup, 4),
    }


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(p / 100 * len(s) + 0.5) - 1))
    return s[k]


def summary_us(values_ns: list[int]) -> dict[str, float]:
    us = [v / 1000 for v in values_ns]
    return {
        "p50": round(statistics.median(us), 1),
        "p99": round(pct(us, 99), 1),
        "mean": round(statistics.fmean(us), 1),
        "n": len(us),
    }


class GCMeter:
    """Python GC pauses that fall inside timed turns (the GC stays on, as in production)."""

    def __init__(self) -> None:
        import gc

        self._gc = gc
        self.timing = False
        self.turn_ns = 0
        self.total_ns = 0
        self.gen2 = 0
        self._t0 = 0

    def _cb(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._t0 = time.perf_counter_ns()
        elif self.timing:
            d = time.perf_counter_ns() - self._t0
            self.turn_ns += d
            self.total_ns += d
            self.gen2 += info.get("generation") == 2

    def __enter__(self) -> GCMeter:
        self._gc.callbacks.append(self._cb)
        return self

    def __exit__(self, *exc: object) -> None:
        self._gc.callbacks.remove(self._cb)

    def start_turn(self) -> None:
        self.turn_ns = 0
        self.timing = True

    def end_turn(self) -> int:
        self.timing = False
        return self.turn_ns


def turn_metrics(
    walls: list[int],
    bare: list[int],
    gcs: list[int],
    n_requests: list[int],
    gc_meter: GCMeter,
    n_states: int,
) -> dict[str, Any]:
    """The turn_* fields, computed the same way for every framework."""
    over = [w - b for w, b in zip(walls, bare, strict=True)]
    over_nogc = [o - g for o, g in zip(over, gcs, strict=True)]
    o, w, b, ng = summary_us(over), summary_us(walls), summary_us(bare), summary_us(over_nogc)
    return {
        "turn_overhead_us_p50": o["p50"],
        "turn_overhead_us_p99": o["p99"],
        "turn_wall_us_p50": w["p50"],
        "turn_wall_us_p99": w["p99"],
        "turn_bare_llm_us_p50": b["p50"],
        "turn_overhead_minus_gc_us_p50": ng["p50"],
        "turn_overhead_minus_gc_us_p99": ng["p99"],
        "turn_gc_gen2_pauses": gc_meter.gen2,
        "turn_gc_ms_total": round(gc_meter.total_ns / 1e6, 1),
        "turn_requests_mean": round(sum(n_requests) / len(n_requests), 2),
        "turn_samples": o["n"],
        "turn_flow_states": n_states,
    }


def peak_rss_mb() -> float:
    """Peak RSS of this process image (VmHWM; ru_maxrss would carry the parent's peak across
    fork+exec)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


_JSON_OUT: Any = None


def claim_stdout() -> None:
    """Frameworks print banners and logs on stdout: point fd 1 at stderr for the whole run and
    keep a private handle on the real stdout for the one JSON object `emit` writes."""
    global _JSON_OUT
    if _JSON_OUT is not None:
        return
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    _JSON_OUT = os.fdopen(saved, "w")


def emit(obj: dict[str, Any]) -> None:
    out = _JSON_OUT or sys.stdout
    out.write(json.dumps(obj, sort_keys=False) + "\n")
    out.flush()


PARTS = ("compile", "build", "turns", "first_chunk", "llm_calls", "concurrent", "dead_air")
STREAM_LATENCY = {"ttft_ms": 0, "tokens_per_s": 50}
# Dead air (the caller's last word -> the first spoken chunk) is measured with a realistic model
# speed: 300 ms to the first token, 50 tokens/s. Every framework plays the same chain turns (each
# an LLM state -> LLM state transition) against the same server.
DEAD_AIR_LATENCY = {"ttft_ms": 300, "tokens_per_s": 50}


def first_chunk_runs(quick: bool) -> tuple[int, int]:
    """(conversations, turns each) of the first-chunk part, the same for every framework: 100
    samples, so its p99 is not simply the slowest of a few dozen."""
    return (2, 8) if quick else (4, 25)


def dead_air_turns(quick: bool) -> list[str]:
    """The caller turns of the dead-air part (one chain conversation)."""
    return [f"Here is my answer number {i}." for i in range(8 if quick else 25)]


def dead_air_metrics(gaps_ms: list[float], requests: int) -> dict[str, Any]:
    """The dead_air_* fields from the measured gaps (ms), the same way for every framework."""
    return {
        "dead_air_llm_transition_ms_p50": round(pct(gaps_ms, 50), 1),
        "dead_air_llm_transition_ms_p99": round(pct(gaps_ms, 99), 1),
        "dead_air_samples": len(gaps_ms),
        "dead_air_requests_per_turn": round(requests / max(1, len(gaps_ms)), 2),
        "bench_ttft_ms": DEAD_AIR_LATENCY["ttft_ms"],
        "bench_tokens_per_s": DEAD_AIR_LATENCY["tokens_per_s"],
    }


def run_parts(
    script: str, quick: bool, calls: int, timeout: float = 480, parts: tuple[str, ...] = PARTS
) -> dict[str, Any]:
    """Run each measurement of `script` as `script --part NAME` in its own fresh process, so one
    phase's heap, garbage and peak RSS never leak into another's numbers; merge the results."""
    out: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    for part in parts:
        t0 = time.perf_counter()
        cmd = [sys.executable, "-I", script, "--part", part, "--calls", str(calls)]
        if quick:
            cmd.append("--quick")
        child = subprocess.Popen(
            cmd,
            cwd="/tmp",
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        # The peers' 1,000-call concurrency is CPU-bound in their clients: on a busy 2-core
        # host Pipecat's took more than 480 s once, which left its figures out of the run.
        limit = timeout * 2 if part == "concurrent" else timeout
        try:
            stdout, stderr = child.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
            out[f"{part}_error"] = f"timed out after {limit:g} s"
            continue
        lines = stdout.strip().splitlines()
        if child.returncode != 0 or not lines:
            out[f"{part}_error"] = (stderr or "no output")[-1500:]
            continue
        res = json.loads(lines[-1])
        out.update(concurrent_metrics(res, calls) if part == "concurrent" else res)
        seconds[part] = round(time.perf_counter() - t0, 1)
    out["part_runtime_s"] = seconds
    return out


def concurrent_metrics(conc: dict[str, Any], calls: int) -> dict[str, Any]:
    """concurrent_10k_* from a run of `calls` calls (extrapolated linearly if < 10,000)."""
    out: dict[str, Any] = {"concurrent_calls_run": conc["calls"]}
    if calls >= 10_000:
        out["concurrent_10k_rss_mb"] = conc["peak_rss_mb"]
    else:
        scale = 10_000 / calls
        out["concurrent_10k_rss_mb"] = round(
            conc["base_rss_mb"] + (conc["peak_rss_mb"] - conc["base_rss_mb"]) * scale, 1
        )
        out["note"] = (
            f"concurrency measured with {calls} concurrent calls, not 10,000: "
            f"concurrent_10k_rss_mb = base + (peak - base) x {scale:g} (linear "
            f"extrapolation of the measured peak RSS); concurrent_10k_turns_per_s is "
            f"the rate measured at {calls} calls"
        )
    out["concurrent_10k_turns_per_s"] = conc["turns_per_s"]
    out.update(scale_metrics(conc))
    if conc.get("client_turns_per_cpu_s") is not None:  # ours: capacity, free of the server
        out["concurrent_client_turns_per_cpu_s"] = conc["client_turns_per_cpu_s"]
    out["concurrent_detail"] = conc
    return out


def write_yaml(data: Any, name: str, directory: str) -> Path:
    import yaml

    p = Path(directory) / name
    p.write_text(yaml.safe_dump(data, sort_keys=False))
    return p
