"""Our loopback LLM server (superdialog.testing.llm_server), plus the three hooks the peer
benchmarks need from another process. Runs with OUR venv's python, never the peers venv:

    /work/main/.venv/bin/python bench/peers/llm_server_hooks.py --rules FILE [--port N]

Prints `<base_url> control=<url>` as its first stdout line and serves until SIGTERM/SIGINT or
until its stdin closes (the benchmark that started it is gone).

Everything that answers chat requests (HTTP/1.1, SSE, rules, latency model) is the project's
`ScriptedLLMServer`, unchanged. This wrapper adds only what that server does not (yet) offer to a
client in another process; each is a request to the server's owner (see bench/peers/README.md):

1. A control endpoint on a second loopback port: `GET /requests` returns the chat requests
   received since start or reset (JSON list), `POST /reset` forgets them
   (`ScriptedLLMServer.reset`).
2. Server-side timestamps (host clock, `time.time_ns`): `t_recv_ns` when the request is planned
   (fully read), `t_first_token_ns` when the first content/tool delta is written to the socket
   (streaming) or, for a non-streaming request, when the first token would have been streamed
   (`t_recv_ns + ttft`: the client only sees it when the whole body is sent, at `t_sent_ns`).
3. "User turn" matching: a rule's `user:` regex matches only when the request's LAST message is
   the caller's. A node-entry request (last message: system/developer/tool) never matches a `user`
   rule, as a real model would not re-answer an utterance it already answered. Without this, a
   Pipecat node-entry request (which carries the node's tools and the same last user message)
   would re-fire the routing rule and run through the whole flow without the caller.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import superdialog.testing.llm_server as S  # noqa: E402
import superdialog.testing.llm_server.answer as A  # noqa: E402
import superdialog.testing.llm_server.matching as M  # noqa: E402

for _module, _name in ((M, "last_user"), (A, "Plan"), (S, "ScriptedLLMServer"), (S, "Script")):
    if not hasattr(_module, _name):
        raise SystemExit(
            f"llm_server_hooks: {_module.__name__} has no {_name}; "
            "update bench/peers/llm_server_hooks.py"
        )

# ---- hook 3: `user` rules match a new caller utterance only --------------------------------------
_orig_last_user = M.last_user


def _last_user_turn(messages: list[dict[str, Any]]) -> str | None:
    if not messages or messages[-1].get("role") != "user":
        return None
    return _orig_last_user(messages)


M.last_user = _last_user_turn

# ---- hook 2: timestamps --------------------------------------------------------------------------
TIMES: dict[int, dict[str, Any]] = {}


class _TimedPlan(A.Plan):
    __slots__ = ()

    def chunk(self, delta: dict[str, Any] | None, finish_reason: str | None = None) -> bytes:
        data = super().chunk(delta, finish_reason)
        if delta and (delta.get("content") or delta.get("tool_calls")):
            t = TIMES.get(self.call)
            if t is not None and "t_first_token_ns" not in t:
                t["t_first_token_ns"] = time.time_ns()
        return data

    def completion(self) -> dict[str, Any]:
        t = TIMES.get(self.call)
        if t is not None:
            t["t_sent_ns"] = time.time_ns()
        return super().completion()


class HookedServer(S.ScriptedLLMServer):  # type: ignore[misc,name-defined]
    def _plan(self, record: Any, body: dict[str, Any]) -> Any:
        t_recv = time.time_ns()
        plan = super()._plan(record, body)
        stream = body.get("stream") is True
        TIMES[plan.call] = entry = {"t_recv_ns": t_recv, "stream": stream}
        if not stream:
            entry["t_first_token_ns"] = t_recv + int(plan.latency.ttft_s * 1e9)
        fields = {f.name: getattr(plan, f.name) for f in dataclasses.fields(plan)}
        return _TimedPlan(**fields)

    def snapshot(self) -> list[dict[str, Any]]:
        out = []
        for r in self.chat_requests:
            tool = r.rule.tool_call[0] if r.rule is not None and r.rule.tool_call else None
            out.append(
                {
                    "call": r.call,
                    "tools": r.tool_names,
                    "tool": tool,
                    "user": _orig_last_user(r.messages),
                    "completed": r.completed,
                    **TIMES.get(r.call, {}),
                }
            )
        return out

    def reset(self, *, rules: bool = False) -> None:
        super().reset(rules=rules)
        TIMES.clear()


# ---- hook 1: control endpoint --------------------------------------------------------------------
async def _control(
    server: HookedServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        length = 0
        for h in head.split(b"\r\n")[1:]:
            k, _, v = h.decode("latin-1").partition(":")
            if k.strip().lower() == "content-length":
                length = int(v.strip() or 0)
        if length:
            await reader.readexactly(length)
        method, path = line.split(" ")[:2]
        if method == "GET" and path == "/requests":
            status, payload = 200, server.snapshot()
        elif method == "POST" and path == "/reset":
            server.reset()
            status, payload = 200, {"ok": True}
        else:
            status, payload = 404, {"error": f"no route {method} {path}"}
        body = json.dumps(payload).encode()
        writer.write(
            f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


async def _serve(server: HookedServer) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    def _parent_gone() -> None:  # our stdin is the benchmark's pipe: EOF = it died, stop too
        sys.stdin.buffer.read()
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=_parent_gone, daemon=True).start()
    control = await asyncio.start_server(lambda r, w: _control(server, r, w), "127.0.0.1", 0)
    cport = control.sockets[0].getsockname()[1]
    async with server:
        print(f"{server.base_url} control=http://127.0.0.1:{cport}", flush=True)
        await stop.wait()
    control.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rules", type=Path, required=True)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    script = S.Script.from_file(args.rules)
    server = HookedServer.from_script(script, host="127.0.0.1", port=args.port)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(server))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
