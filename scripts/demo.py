"""`make demo`: validate the flows, draw one, and play two calls through the real Unpod runner path.

Fully offline. The calls are not simulated around the SDK: the Unpod SDK's own
``AgentRunner`` registers with a loopback orchestrator, accepts a
``job.assign``, dials a loopback speech worker's bridge, does the hello
handshake and runs ``superdialog_unpod.entrypoint(flow)``; the worker
plays a scripted caller and records every frame (see
``superdialog_unpod.testing.loopback``). The LLM state of the support call is
answered by ``ScriptedLLMServer``, an OpenAI-compatible server on 127.0.0.1.

Exit status 0 when every step passed, 1 otherwise.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FLOWS = ROOT / "flows"
OUT = ROOT / "out"

DENTAL_CALLER = [
    "yes please",  # calling to book a check-up?
    "Jane Doe",  # full name
    "next Tuesday",  # day
    "yes",  # confirms the day read back
    "ten thirty",  # time
    "five five five, one two three, four five six seven",  # phone
    "yes",  # confirms the number read back
    "jane at example dot com",  # email
    "4242 4242 4242 4242",  # card number, in the PII state: recording paused
]
CARD = "4242 4242 4242 4242"

SUPPORT_CALLER = [
    "hi, I'm calling about my account",  # no intent matches: the LLM state answers
    "the lights on my modem are blinking red",  # the LLM replies and picks tech_check
    "yes",  # already restarted the router → a technician, warm transfer
]
SUPPORT_MODEL = [  # rules of the scripted model (see docs/llm.md)
    {
        "state": "triage",
        "user": "account",
        "reply": "Happy to help. Is it about a bill, a technical problem, or your plan?",
    },
    {
        "state": "triage",
        "user": "modem|router|lights",
        "reply": "Thanks, that sounds like a technical problem.",
        "goto": "tech_check",
    },
]

results: list[tuple[str, bool, str]] = []


def heading(text: str) -> None:
    """Print a section heading."""
    print(f"\n== {text} " + "=" * max(3, 76 - len(text)))


def step(name: str, fn: Callable[[], str]) -> None:
    """Run one demo step; record whether it passed; never stop the demo."""
    try:
        detail = fn()
    except Exception as exc:  # the demo reports every failure and carries on
        print(f"  FAILED: {type(exc).__name__}: {exc}")
        results.append((name, False, f"{type(exc).__name__}: {exc}"))
    else:
        results.append((name, True, detail))


def indent(text: str, by: str = "  ") -> str:
    """Indent every line of ``text``."""
    return "\n".join(by + line for line in text.splitlines())


# ---------------------------------------------------------------------------- (a) validate


def validate() -> str:
    """Validate every flows/*.yaml the way `superdialog validate` does (its own code)."""
    from superdialog.cli import main as cli

    paths = sorted(FLOWS.glob("*.yaml"))
    bad: list[str] = []
    checked = 0
    for path in paths:
        rel = str(path.relative_to(ROOT))
        if path.name.endswith(".test.yaml"):
            print(f"  -- {rel}: conversation tests (run with `superdialog test`), skipped")
            continue
        sys.stdout.flush()
        checked += 1
        if cli(["validate", rel]) != 0:
            bad.append(rel)
    if bad:
        raise RuntimeError(f"{len(bad)} file(s) failed validation: {', '.join(bad)}")
    return f"{checked} files OK"


# ---------------------------------------------------------------------------- (b) render


def render() -> str:
    """Draw flows/dental_booking.yaml as SVG and PNG into out/."""
    import superdialog

    try:
        from superdialog.render import render_to_file
    except ImportError as exc:
        raise RuntimeError(f"superdialog.render is not available yet ({exc})") from exc
    flow = superdialog.load(FLOWS / "dental_booking.yaml")
    written = []
    for suffix in (".svg", ".png"):
        path = render_to_file(flow, OUT / f"dental_booking{suffix}", timeout=15)
        size = path.stat().st_size
        print(f"  wrote {path.relative_to(ROOT)} ({size / 1024:.0f} KB)")
        written.append(path.name)
    return ", ".join(written)


# ---------------------------------------------------------------------------- (c)+(d) calls


def show_call(tr: Any, *, chunks: bool) -> None:
    """Print the control-plane steps, then the transcript with its effects."""
    for line in tr.setup:
        print(f"  · {line}")
    print()
    print(indent(tr.render(timestamps=True, chunks=chunks), "  "))
    print()


def check(ok: bool, message: str) -> None:
    """Fail the current step with ``message`` unless ``ok``."""
    if not ok:
        raise AssertionError(message)


async def dental_call(lo: Any) -> str:
    """The dental booking, yes to card, through AgentRunner and the loopback worker."""
    import superdialog

    flow = superdialog.load(FLOWS / "dental_booking.yaml")
    tr = await lo.run_call(flow, DENTAL_CALLER)
    show_call(tr, chunks=False)
    check(tr.ok, f"call problems: {tr.problems}")
    kinds = [r.kind for r in tr.frames]
    check("pause" in kinds and "resume" in kinds, "recording was not paused and resumed")
    check(kinds.index("pause") < kinds.index("resume"), "resume before pause")
    ends = tr.terminal()
    check(len(ends) == 1 and ends[0].reason == "completed", f"terminal verbs: {ends}")
    check(tr.frames[-1] is ends[0], "a frame followed the terminal verb")
    shown = tr.render() + repr(tr.records)
    check(CARD not in shown and CARD.replace(" ", "") not in shown, "card number leaked")
    outcome = tr.machine.outcome if tr.machine is not None else {}
    return (f"{outcome.get('verb')} ({outcome.get('reason')}), "
            f"{sum(r.kind == 'speech' for r in tr.records)} caller turns, "
            f"{tr.duration_s:.2f} s, recording paused for the card, one terminal verb")


async def support_call(lo: Any, base_url: str) -> str:
    """support_triage with its LLM state answered by the scripted model server."""
    import superdialog

    flow = superdialog.load(FLOWS / "support_triage.yaml")
    tr = await lo.run_call(flow, SUPPORT_CALLER,
                           llm={"base_url": base_url, "api_key": "sk-loopback-demo"})
    show_call(tr, chunks=True)
    check(tr.ok, f"call problems: {tr.problems}")
    # per caller turn: how many chunks the reply came in, and how soon the first one came
    turns: list[tuple[int, float]] = []
    spoke_at, chunks, first = 0.0, 0, 0.0
    for r in tr.records:
        if r.kind == "speech":
            spoke_at, chunks = r.t, 0
        elif r.kind == "delta":
            chunks += 1
            first = r.t - spoke_at if chunks == 1 else first
        elif r.kind == "text.end":
            turns.append((chunks, first))
    llm_turns = turns[:2]  # the triage state answers the first two utterances
    check(all(n > 1 for n, _ in llm_turns), f"the LLM replies were not streamed: {turns}")
    (t,) = tr.terminal()
    check(t.kind == "transfer", f"expected a transfer, got {t.kind}")
    latency = " and ".join(f"{ms * 1000:.0f} ms" for _, ms in llm_turns)
    return (f"transfer to {t.target} ({t.mode}); LLM replies streamed in "
            f"{' and '.join(str(n) for n, _ in llm_turns)} chunks, first chunk after {latency} "
            f"(the first includes the model client's one-off start-up)")


async def calls(base_url: str) -> None:
    """Both calls inside one loopback (orchestrator + worker), each with its own runner."""
    from superdialog.llm import aclose_clients
    from superdialog_unpod.testing import UnpodLoopback

    async def run(name: str, coro_fn: Callable[[], Any]) -> None:
        try:
            detail = await coro_fn()
        except Exception as exc:
            print(f"  FAILED: {type(exc).__name__}: {exc}")
            partial = getattr(exc, "transcript", None)
            if partial is not None:
                print(indent(partial.render(timestamps=True), "  | "))
            results.append((name, False, f"{type(exc).__name__}: {exc}"))
        else:
            print(f"  ✓ {detail}")
            results.append((name, True, detail))

    try:
        async with UnpodLoopback(timeout=10) as lo:
            heading("3. A dental booking call through the Unpod SDK's AgentRunner")
            print("  caller script: yes · name · date · confirm · time · phone · confirm · "
                  "email · card (PII)\n")
            await run("dental call", lambda: dental_call(lo))
            heading("4. A support call with an LLM state (scripted model on 127.0.0.1)")
            await run("support call", lambda: support_call(lo, base_url))
    finally:
        await aclose_clients()


def play_calls() -> None:
    """Serve the scripted model on its own thread (like a real model server) and play."""
    from superdialog.testing.llm_server import ScriptedLLMServer

    with ScriptedLLMServer(SUPPORT_MODEL, latency={"ttft_ms": 120, "tokens_per_s": 60},
                           model="scripted-demo") as server:
        asyncio.run(asyncio.wait_for(calls(server.base_url), 60))


# ---------------------------------------------------------------------------- main


def main() -> int:
    """Run every step, print a summary, return the exit status."""
    t0 = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    print("SuperDialog demo — offline: flows validated, drawn, and played through the real")
    print("Unpod SDK runner path (loopback orchestrator + speech worker on 127.0.0.1).")

    heading("1. Validate flows/*.yaml")
    step("validate", validate)
    heading("2. Draw flows/dental_booking.yaml")
    step("render", render)
    try:
        play_calls()
    except Exception as exc:  # e.g. the calls as a whole timed out
        print(f"  FAILED: {type(exc).__name__}: {exc}")
        results.append(("calls", False, f"{type(exc).__name__}: {exc}"))

    heading("Summary")
    for name, ok, detail in results:
        print(f"  {'✓' if ok else '✗'} {name:<13} {detail}")
    failed = [name for name, ok, _ in results if not ok]
    print(f"\n  {'all steps passed' if not failed else 'FAILED: ' + ', '.join(failed)} "
          f"in {time.perf_counter() - t0:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
