"""Issue 15: the two ways to one round trip on an LLM -> LLM transition, measured side by side.

    .venv/bin/python -I bench/ours/transition_modes.py [--turns N]

Against the scripted server at `_common.DEAD_AIR_LATENCY` (300 ms to the first token, 50
tokens/s), with our streaming client (`superdialog.llm.stream_chat`), time from sending to the
first text the caller may hear:

* `sequential`: the transition request (a tool call, no text), then the next state's opening
  (what every framework in the bench did before).
* `same_response_unsafe`: the model speaks the next state's opening in the response that calls
  the tool (the tool's description carries the target's instruction) and the text is spoken as it
  streams: one round trip, but a reply whose tool call then turns out invalid has been heard.
* `same_response_safe`: the same response, its text held until the tool call has arrived and is
  valid (a model streams its text before its tool call, so this waits for the whole text).
* `speculative`: the opening requested alongside the transition request, heard once the
  transition's tool call has ended (what the runtime did before it acted on tool names); extra
  cost: one prompt per candidate state, cancelled when unused.
* `speculative_on_name`: the same, heard once the tool's name is known complete (`ToolNamed`,
  what the runtime does when the state's tools take no arguments): the arguments' tokens are
  not waited for (here the stream is closed there; the runtime reads the short rest aside, to
  keep the connection warm, and cuts only a rest longer than 0.25 s).

Then what speculation costs on the bench's 40-state chain (`speculation_cost`): the call played
through the runtime against the in-process scripted server at the same latency, counting the
prompt tokens of the openings that were requested and never heard (cancelled) and the completion
tokens the transitions did not generate (cut once decided: only a rest longer than 0.25 s).

Prints one JSON object: p50/p99 per mode, in ms, and the costs per caller turn.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "peers"))

import _common as C

import superdialog
from superdialog.llm import LLMConfig, TextDelta, ToolCall, aclose_clients, stream_chat
from superdialog.llm.events import ToolNamed
from superdialog.testing import RecordingSession, ScriptedLLMServer
from superdialog.testing.llm_server.answer import estimate_tokens
from superdialog.testing.llm_server.matching import prompt_tokens

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "goto_next",
            "parameters": {"type": "object", "properties": {}, "additionalProperties": False},
        },
    }
]
MESSAGES = [{"role": "system", "content": C.PERSONA}, {"role": "user", "content": "Done."}]


async def first_text(
    cfg: LLMConfig, state: str, tools: Any = None, *, on_name: bool = False
) -> tuple[float, float]:
    """(first text, tool call decided) in ms from the start; inf when absent.

    `on_name`: the call is decided when its name is known complete, and the stream is closed
    there (as the runtime does for tools that take no arguments).
    """
    t0 = time.perf_counter()
    text_at = call_at = float("inf")
    async with contextlib.aclosing(stream_chat(cfg, MESSAGES, tools=tools, node_id=state)) as ev:
        async for e in ev:
            now = (time.perf_counter() - t0) * 1000
            if isinstance(e, TextDelta) and e.text and text_at == float("inf"):
                text_at = now
            elif isinstance(e, ToolNamed) and on_name and e.name == "goto_next":
                call_at = min(call_at, now)
                break
            elif isinstance(e, ToolCall) and e.error is None:
                call_at = min(call_at, now)
    return text_at, call_at


async def measure(turns: int) -> dict[str, Any]:
    lat = C.DEAD_AIR_LATENCY
    async with ScriptedLLMServer() as srv:
        srv.latency = type(srv.latency)(ttft_ms=lat["ttft_ms"], tokens_per_s=lat["tokens_per_s"])
        srv.add_rule(state="transition", tool={"name": "goto_next", "arguments": {}})
        srv.add_rule(state="both", reply=C.REPLY, tool={"name": "goto_next", "arguments": {}})
        srv.add_rule(state="opening", reply=C.REPLY)
        cfg = LLMConfig(base_url=srv.base_url, api_key="x", model="m", retries=0)
        await first_text(cfg, "opening")  # warm the connection pool
        modes: dict[str, list[float]] = {
            k: []
            for k in (
                "sequential",
                "same_response_unsafe",
                "same_response_safe",
                "speculative",
                "speculative_on_name",
            )
        }
        for _ in range(turns):
            t0 = time.perf_counter()
            await first_text(cfg, "transition", TOOLS)  # acted on once its stream has ended
            ended = (time.perf_counter() - t0) * 1000
            text, _ = await first_text(cfg, "opening")
            modes["sequential"].append(ended + text)
            text, decided = await first_text(cfg, "both", TOOLS)
            modes["same_response_unsafe"].append(text)
            modes["same_response_safe"].append(max(text, decided))
            (_, decided), (text, _) = await asyncio.gather(
                first_text(cfg, "transition", TOOLS), first_text(cfg, "opening")
            )
            modes["speculative"].append(max(decided, text))
            (_, decided), (text, _) = await asyncio.gather(
                first_text(cfg, "transition", TOOLS, on_name=True), first_text(cfg, "opening")
            )
            modes["speculative_on_name"].append(max(decided, text))
        await aclose_clients()
    return {
        "bench_ttft_ms": lat["ttft_ms"],
        "bench_tokens_per_s": lat["tokens_per_s"],
        "turns": turns,
        **{f"{k}_ms_p50": round(statistics.median(v), 1) for k, v in modes.items()},
        **{f"{k}_ms_p99": round(C.pct(v, 99), 1) for k, v in modes.items()},
        "speculative_extra_requests_per_candidate": 1,
    }


async def speculation_cost(turns: int) -> dict[str, Any]:
    """Tokens speculation spends and saves per caller turn on the 40-state chain."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import yaml

    import flows as F

    rules = F.rules_chain(40, C.DEAD_AIR_LATENCY)
    async with ScriptedLLMServer(rules["rules"], default_reply=rules["default"]) as srv:
        lat = C.DEAD_AIR_LATENCY
        srv.latency = type(srv.latency)(ttft_ms=lat["ttft_ms"], tokens_per_s=lat["tokens_per_s"])
        doc = F.chain_doc(40)
        doc["llm"]["base_url"] = srv.base_url
        flow = superdialog.loads(yaml.safe_dump(doc, sort_keys=False), "chain40.yaml")
        machine = flow.build(RecordingSession(), llm={"api_key": "x"})
        await machine.start()
        srv.reset()
        for i in range(turns):
            async with contextlib.aclosing(machine.stream(f"Here is my answer number {i}.")) as c:
                async for _ in c:
                    pass
        await asyncio.sleep(0.2)  # let the server record the last hang-ups
        unheard = [r for r in srv.chat_requests if not r.body.get("tools") and r.disconnected]
        cut = [r for r in srv.chat_requests if r.body.get("tools") and r.disconnected]
        # a cut transition did not generate its arguments ("{}") or anything after them
        saved = sum(estimate_tokens("{}") for _ in cut)
        await aclose_clients()
    return {
        "chain_turns": turns,
        "chain_requests_per_turn": round(len(srv.chat_requests) / turns, 2),
        "unheard_openings_per_turn": round(len(unheard) / turns, 2),
        "unheard_prompt_tokens_per_turn": round(
            sum(prompt_tokens(r.body) for r in unheard) / turns, 1
        ),
        "opening_prompt_tokens_mean": round(
            statistics.mean(prompt_tokens(r.body) for r in unheard), 1
        )
        if unheard
        else 0,
        "transitions_closed_on_name_per_turn": round(len(cut) / turns, 2),
        "completion_tokens_saved_per_turn": round(saved / turns, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--turns", type=int, default=10)
    turns = ap.parse_args().turns
    out = asyncio.run(measure(turns))
    out.update(asyncio.run(speculation_cost(max(turns, 25))))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
