"""Dead air through the real Unpod ``Session``: the caller's last word -> the first spoken chunk.

What the caller feels on a voice call is the silence between the end of their words and the first
chunk the agent speaks. Measured here exactly where the speech worker sees it: a bridge on the far
side of the Unpod SDK's own ``Session(bridge=...)`` (``superdialog_unpod.run_session`` drives the
flow, as in production) stamps the moment it hands the Session the caller's final text
(``UserTextEvent``) and the moment the first ``agent.text.delta`` with text comes back. The model
is the scripted loopback server with a latency model (``DEAD_AIR_LATENCY``: time to first token
and tokens per second), so the figure is what the round trips cost and not the machine's noise.

Turn kinds:

* `dead_air_call` on the 40-state chain (part `dead_air` of `superdialog_ours.py`): every caller
  turn an LLM state -> LLM state transition (the model picks the transition with a tool call, the
  next state speaks), the kind the peers are measured on too.
* `turn_kinds` (part `turn_kinds` of `superdialog_ours.py`, both ways below; or run this file:
  `.venv/bin/python -I bench/ours/dead_air.py [--cycles N] [--no-slot-args]`): one call cycling
  through every kind a caller meets, each measured the same way: `llm_stay` (the model answers
  in words), `llm_to_llm` (a tool call, the next LLM state's opening), `llm_to_deterministic` (a
  tool call, the next state's fixed question) and `deterministic_to_llm` (a slot parsed without
  a model, the next LLM state's opening); once with transition tools that take no arguments
  (decided on the tool's name) and once offering the slots as their arguments (`_slot_args`
  keys: decided when the arguments are complete, one streamed token later).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from unpod._protocol import UserTextEvent
from unpod.connectivity import session as unpod_session

from superdialog_unpod import attach, run_session
from superdialog_unpod.testing import LoopbackBridge

__all__ = [
    "DEAD_AIR_LATENCY",
    "KINDS",
    "StampingBridge",
    "dead_air_call",
    "kinds_doc",
    "kinds_rules",
    "kinds_texts",
    "measure_kinds",
    "turn_kinds",
]

DEAD_AIR_LATENCY = {"ttft_ms": 300, "tokens_per_s": 50}  # = _common.DEAD_AIR_LATENCY
"""The scripted model's speed for dead-air figures (the issue's reference point)."""


class StampingBridge(LoopbackBridge):
    """The loopback speech worker, stamping when the caller stops and the agent starts."""

    def __init__(self, steps: list[Any]) -> None:
        super().__init__(steps)
        self.said_at: list[int] = []
        self.first_chunk_at: list[int] = []
        self._waiting_first = False

    def _take(self, event: Any) -> Any:
        result = super()._take(event)
        if isinstance(event, UserTextEvent):
            self.said_at.append(time.perf_counter_ns())
            self._waiting_first = True
        return result

    async def send_verb(self, verb: Any) -> None:
        if (
            self._waiting_first
            and getattr(verb, "text", "")
            and (getattr(verb, "event", "") == "agent.text.delta")
        ):
            self.first_chunk_at.append(time.perf_counter_ns())
            self._waiting_first = False
        await super().send_verb(verb)

    def gaps_ms(self) -> list[float]:
        return [(b - a) / 1e6 for a, b in zip(self.said_at, self.first_chunk_at, strict=False)]


async def dead_air_call(flow: Any, texts: list[str], timeout_s: float = 300.0) -> list[float]:
    """One call through the Unpod Session; the dead air of each caller turn, in ms."""
    bridge = StampingBridge(list(texts))
    session = unpod_session.Session(bridge=bridge)
    machine = attach(session, flow)
    await machine.start()
    if not machine.finished:
        bridge.begin()
        await asyncio.wait_for(run_session(session, machine), timeout_s)
    return bridge.gaps_ms()


# --------------------------------------------------------------------------------------------
# every turn kind, in one call
# --------------------------------------------------------------------------------------------

KINDS = ("llm_stay", "llm_to_llm", "llm_to_deterministic", "deterministic_to_llm")
"""The caller turns of one cycle, in order (see `kinds_doc`)."""

_TEXTS = {
    "llm_stay": "Let us chat for a moment.",
    "llm_to_llm": "Next step please.",
    "llm_to_deterministic": "I want to fill in the form.",
    "deterministic_to_llm": "forty two",
}


def kinds_doc(
    cycles: int, model: str = "gpt-4.1-mini", *, slot_args: bool = True
) -> dict[str, Any]:
    """A flow whose caller turns cycle through `KINDS`.

    Cycle i: `chat_i` (LLM state; the caller chats, then asks to go on) -> `more_i` (LLM state;
    the caller asks for the form) -> `ask_i` (a `number` slot asked with a fixed question, parsed
    without a model) -> `chat_<i+1>`, whose opening is the model's.

    `slot_args`: the slots keep `llm_fallback` (the default), so the LLM states offer them as
    arguments of every transition tool and a transition is decided once its arguments are
    complete; without, the transition tools take no arguments and a transition is decided by the
    tool's name.
    """
    states: dict[str, Any] = {}
    slots: dict[str, Any] = {}
    for i in range(cycles):
        nxt = f"chat_{i + 1}" if i + 1 < cycles else "done"
        states[f"chat_{i}"] = {
            "llm": "Chat with the caller.",
            "transitions": [{"when": "the caller wants the next step", "to": f"more_{i}"}],
        }
        states[f"more_{i}"] = {
            "llm": "Offer the form.",
            "transitions": [{"when": "the caller wants the form", "to": f"ask_{i}"}],
        }
        slots[f"n_{i}"] = {"type": "number", "prompt": "Which number is on your form?"}
        if not slot_args:
            slots[f"n_{i}"]["llm_fallback"] = False
        states[f"ask_{i}"] = {"collect": [f"n_{i}"], "next": nxt}
    states["done"] = {"say": "Thanks, goodbye.", "end": "completed"}
    return {
        "flow": f"kinds_{cycles}",
        "llm": {"model": model, "temperature": 0.3},
        "persona": "You are Alex, a helpful assistant on a phone call.",
        "slots": slots,
        "start": "chat_0",
        "states": states,
    }


def kinds_rules(cycles: int, reply: str, latency: dict[str, Any]) -> dict[str, Any]:
    """The scripted model of `kinds_doc`: it chats in words, or calls the transition's tool."""
    rules: list[dict[str, Any]] = []
    for i in range(cycles):
        rules.append({"state": f"chat_{i}", "user": "chat", "reply": reply})
        rules.append(
            {
                "state": f"chat_{i}",
                "user": "next step",
                "tools": f"goto_more_{i}",
                "tool": {"name": f"goto_more_{i}"},
            }
        )
        rules.append(
            {
                "state": f"more_{i}",
                "user": "form",
                "tools": f"goto_ask_{i}",
                "tool": {"name": f"goto_ask_{i}"},
            }
        )
    return {"latency": latency, "default": reply, "rules": rules}


def kinds_texts(cycles: int) -> list[str]:
    """The caller's turns: `KINDS` in order, `cycles` times."""
    return [_TEXTS[k] for _ in range(cycles) for k in KINDS]


async def turn_kinds(flow: Any, cycles: int) -> dict[str, list[float]]:
    """One call through the Unpod Session over `kinds_doc(cycles)`; dead air (ms) by kind."""
    gaps = await dead_air_call(flow, kinds_texts(cycles))
    out: dict[str, list[float]] = {k: [] for k in KINDS}
    for i, gap in enumerate(gaps):
        out[KINDS[i % len(KINDS)]].append(gap)
    return out


async def measure_kinds(C: Any, cycles: int, *, slot_args: bool) -> dict[str, Any]:
    """Dead air of every kind in `KINDS` (p50, p99, samples), one call of `cycles` cycles.

    Keys `dead_air_<kind>_ms_p50/_p99` when the transition tools take no arguments, with
    `_slot_args` after the kind when they offer the slots as arguments (`kinds_doc`).
    `C` is `bench/peers/_common.py` (its server, latency model and statistics).
    """
    import tempfile
    from pathlib import Path

    import yaml

    import superdialog

    with (
        C.LLMServer(kinds_rules(cycles, C.REPLY, C.DEAD_AIR_LATENCY)) as srv,
        tempfile.TemporaryDirectory() as tmp,
    ):
        doc = kinds_doc(cycles, slot_args=slot_args)
        base = srv.base_url if srv.base_url.endswith("/v1") else srv.base_url + "/v1"
        doc["llm"]["base_url"] = base
        path = Path(tmp) / "kinds.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False, width=10_000))
        flow = superdialog.load(path)
        srv.reset()
        by_kind = await turn_kinds(flow, cycles)
        requests = srv.requests()
    tag = "_slot_args" if slot_args else ""
    res: dict[str, Any] = {f"dead_air_kinds{tag}_requests": len(requests)}
    for kind, gaps in by_kind.items():
        res[f"dead_air_{kind}{tag}_ms_p50"] = round(C.pct(gaps, 50), 1)
        res[f"dead_air_{kind}{tag}_ms_p99"] = round(C.pct(gaps, 99), 1)
        res[f"dead_air_{kind}{tag}_samples"] = len(gaps)
    return res


def _main() -> None:
    import argparse
    import sys
    from pathlib import Path

    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here.parent / "peers"))
    import _common as C

    ap = argparse.ArgumentParser(description="dead air of every turn kind (see module docstring)")
    ap.add_argument("--cycles", type=int, default=15)
    ap.add_argument(
        "--no-slot-args",
        action="store_true",
        help="slots without llm_fallback: transition tools take no arguments",
    )
    args = ap.parse_args()
    C.claim_stdout()
    res: dict[str, Any] = {
        "bench_ttft_ms": C.DEAD_AIR_LATENCY["ttft_ms"],
        "bench_tokens_per_s": C.DEAD_AIR_LATENCY["tokens_per_s"],
        "cycles": args.cycles,
        **asyncio.run(measure_kinds(C, args.cycles, slot_args=not args.no_slot_args)),
    }
    C.emit(res)


if __name__ == "__main__":
    _main()
