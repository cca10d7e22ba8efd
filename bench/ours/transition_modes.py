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
  transition is decided (what the runtime does: `LLMConfig.speculative_openings`); extra cost:
  one prompt per candidate state, cancelled when unused.

Prints one JSON object: p50/p99 per mode, in ms, and the extra requests per turn.
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

from superdialog.llm import LLMConfig, TextDelta, ToolCall, aclose_clients, stream_chat
from superdialog.testing import ScriptedLLMServer

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


async def first_text(cfg: LLMConfig, state: str, tools: Any = None) -> tuple[float, float]:
    """(first text, tool call decided) in ms from the start; inf when absent."""
    t0 = time.perf_counter()
    text_at = call_at = float("inf")
    async with contextlib.aclosing(stream_chat(cfg, MESSAGES, tools=tools, node_id=state)) as ev:
        async for e in ev:
            now = (time.perf_counter() - t0) * 1000
            if isinstance(e, TextDelta) and e.text and text_at == float("inf"):
                text_at = now
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
            for k in ("sequential", "same_response_unsafe", "same_response_safe", "speculative")
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
        await aclose_clients()
    return {
        "bench_ttft_ms": lat["ttft_ms"],
        "bench_tokens_per_s": lat["tokens_per_s"],
        "turns": turns,
        **{f"{k}_ms_p50": round(statistics.median(v), 1) for k, v in modes.items()},
        **{f"{k}_ms_p99": round(C.pct(v, 99), 1) for k, v in modes.items()},
        "speculative_extra_requests_per_candidate": 1,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--turns", type=int, default=10)
    print(json.dumps(asyncio.run(measure(ap.parse_args().turns))))


if __name__ == "__main__":
    main()
