"""Client CPU per LLM turn: our process's CPU time for chain turns, against raw HTTP.

Run with our main venv (from /tmp, like the rest of the bench):

    .venv/bin/python -I bench/ours/cpu.py [--quick]

Prints one JSON object. The loopback server (``_common.LLMServer``) is another process, so
``time.process_time()`` here counts only the client side: our runtime, ``superdialog.llm`` and the
openai client / HTTP stack under it.

* ``client_cpu_us_per_llm_turn``: median CPU per chain turn (a caller turn answered by the model:
  transition request and, today, the next state's opening request), conversations of the
  40-state chain played end to end, the first conversation as warm-up.
* ``raw_http_cpu_us_per_llm_turn``: the same turns' requests (recorded from our own run: same
  bodies, same headers) sent by a few lines of asyncio HTTP/1.1 over one keep-alive connection,
  the chunked body read to its end and nothing parsed: the floor any Python client pays.
* ``client_cpu_over_raw_us_per_llm_turn``: the difference, what we add over raw HTTP.
* ``sdk_post_cpu_us_per_llm_turn``: the same requests through the openai client's documented
  ``post`` alone (our client's own shard: same transport and pool), the body read raw and
  nothing parsed: the floor of any client that keeps the SDK as its request layer.
  ``sdk_post_over_raw_us_per_llm_turn`` is what the SDK adds to raw HTTP,
  ``ours_over_sdk_post_us_per_llm_turn`` what we add to the SDK (runtime, parsing, prompts).
* ``client_cpu_us_per_request``: our CPU per model request.

Wall times are not used: process CPU does not depend on the server's speed or on what the
other core does, so short runs give stable figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "peers"))

import _common as C  # noqa: E402
from noop_host import HostSession  # noqa: E402

import flows as F  # noqa: E402

C.claim_stdout()

import superdialog  # noqa: E402
import superdialog.llm.client as client_mod  # noqa: E402


async def play(m: Any, text: str) -> None:
    async with contextlib.aclosing(m.stream(text)) as chunks:
        async for _ in chunks:
            pass


def _record_requests() -> tuple[list[tuple[bytes, dict[str, str]]], Any]:
    """Wrap the client's request preparation to keep each request's body and headers."""
    seen: list[tuple[bytes, dict[str, str]]] = []
    name = "prepare_request" if hasattr(client_mod, "prepare_request") else "_request_kwargs"
    real = getattr(client_mod, name)

    def recording(*a: Any, **kw: Any) -> Any:
        prepared = real(*a, **kw)
        if name == "prepare_request":
            seen.append((prepared.body, dict(prepared.headers)))
        else:  # the client before prepared bodies (kept to measure the "before")
            body = {k: v for k, v in prepared.items() if k not in ("extra_headers", "extra_body")}
            body.update(prepared.get("extra_body") or {})
            seen.append((json.dumps(body).encode(), dict(prepared.get("extra_headers") or {})))
        return prepared

    setattr(client_mod, name, recording)
    return seen, lambda: setattr(client_mod, name, real)


async def ours(flow: Any, conversations: int) -> tuple[list[float], int, list[list[Any]]]:
    """CPU seconds, turns and requests over `conversations` conversations (after a warm-up)."""
    n_states = sum(1 for s in flow.states.values() if s.kind == "llm")
    script = [f"Here is my answer number {i}." for i in range(n_states - 1)]
    seen, restore = _record_requests()
    turns_requests: list[list[Any]] = []
    samples: list[float] = []
    requests = 0
    try:
        for c in range(conversations + 1):
            m = flow.build(HostSession())
            await m.start()
            gc.collect()
            for text in script:
                seen.clear()
                t = time.process_time()
                await play(m, text)
                dt = time.process_time() - t
                if c:
                    samples.append(dt)
                    requests += len(seen)
                else:
                    turns_requests.append(list(seen))
            assert m.node == f"s{n_states - 1}", m.node
    finally:
        restore()
    return samples, requests, turns_requests


class RawHTTP:
    """HTTP/1.1 over one keep-alive asyncio connection; the body is read, not parsed."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.path = parts.path.rstrip("/") + "/chat/completions"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, body: bytes, headers: dict[str, str]) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = [
            f"POST {self.path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
            "Accept: text/event-stream",
            "Authorization: Bearer sk-raw",
        ]
        head += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        status = await self.reader.readuntil(b"\r\n\r\n")
        if not status.startswith(b"HTTP/1.1 200"):
            raise SystemExit(f"raw: {status[:80]!r}")
        if b"chunked" not in status.lower():
            raise SystemExit("raw: expected a chunked body")
        n = 0
        while True:
            size = int((await self.reader.readuntil(b"\r\n"))[:-2].split(b";")[0], 16)
            data = await self.reader.readexactly(size + 2)
            n += size
            if size == 0:
                return n
            del data

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()


async def raw(base_url: str, turns_requests: list[list[Any]], rounds: int) -> list[float]:
    client = RawHTTP(base_url)
    samples: list[float] = []
    try:
        for r in range(rounds + 1):
            gc.collect()
            for reqs in turns_requests:
                t = time.process_time()
                for body, headers in reqs:
                    await client.send(body, headers)
                dt = time.process_time() - t
                if r:
                    samples.append(dt)
    finally:
        await client.close()
    return samples


async def sdk(base_url: str, turns_requests: list[list[Any]], rounds: int) -> list[float]:
    """The same requests through the openai client's ``post`` alone, as our client sends them
    (same client, transport and pool), the body read raw and nothing parsed: what the SDK
    costs on top of raw HTTP, without any of our parsing or runtime."""
    from superdialog.llm import LLMConfig
    from superdialog.llm.request import PreparedRequest

    shard = client_mod._shard(LLMConfig(model="m", base_url=base_url, api_key="sk-raw"))
    samples: list[float] = []
    for r in range(rounds + 1):
        gc.collect()
        for reqs in turns_requests:
            t = time.process_time()
            for body, headers in reqs:
                response = await client_mod._post(shard, PreparedRequest(body, headers, None))
                async for _ in response.aiter_raw():
                    pass
                await response.aclose()
            dt = time.process_time() - t
            if r:
                samples.append(dt)
    return samples


async def main_async(quick: bool) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="bench-cpu-") as tmp,
        C.LLMServer(F.rules_chain(40)) as srv,
    ):
        import yaml

        doc = F.chain_doc(40)
        base_url = srv.base_url if srv.base_url.endswith("/v1") else srv.base_url + "/v1"
        doc["llm"]["base_url"] = base_url
        path = Path(tmp) / "c40.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False, width=10_000))
        flow = superdialog.load(path)
        conversations = 2 if quick else 6
        samples, requests, recorded = await ours(flow, conversations)
        raw_samples = await raw(base_url, recorded, conversations)
        sdk_samples = await sdk(base_url, recorded, conversations)
        await client_mod.aclose_clients()
    # The median turn: CPU time barely depends on the other core, but cache and frequency
    # effects of a neighbour's work still move single turns; the median is the stable figure.
    per_turn = statistics.median(samples) * 1e6
    raw_per_turn = statistics.median(raw_samples) * 1e6
    sdk_per_turn = statistics.median(sdk_samples) * 1e6
    per_request = per_turn * len(samples) / requests
    return {
        "client_cpu_us_per_llm_turn": round(per_turn, 1),
        "raw_http_cpu_us_per_llm_turn": round(raw_per_turn, 1),
        "client_cpu_over_raw_us_per_llm_turn": round(per_turn - raw_per_turn, 1),
        "client_cpu_us_per_llm_turn_mean": round(statistics.fmean(samples) * 1e6, 1),
        "sdk_post_cpu_us_per_llm_turn": round(sdk_per_turn, 1),
        "sdk_post_over_raw_us_per_llm_turn": round(sdk_per_turn - raw_per_turn, 1),
        "ours_over_sdk_post_us_per_llm_turn": round(per_turn - sdk_per_turn, 1),
        "client_cpu_us_per_request": round(per_request, 1),
        "client_cpu_requests_per_turn": round(requests / len(samples), 2),
        "client_cpu_turns": len(samples),
        "client_cpu_flow_states": 40,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    C.emit(asyncio.run(main_async(args.quick)))


if __name__ == "__main__":
    main()
