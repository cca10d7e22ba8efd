"""Serve a scripted LLM from the command line.

Benchmarks of other frameworks cannot share our event loop, so they run the
scripted server as its own process::

    python -m superdialog.testing.llm_server --rules script.yaml [--port N]

The first line printed on stdout is the base URL (``http://127.0.0.1:N/v1``);
the server then runs until interrupted (SIGINT/SIGTERM exit cleanly with 0).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path

from superdialog.errors import FlowError
from superdialog.testing.llm_server.server import ScriptedLLMServer

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m superdialog.testing.llm_server",
        description="Serve an OpenAI-compatible chat endpoint that answers from a YAML script.",
    )
    parser.add_argument("--rules", type=Path, help="YAML script (latency, default, rules)")
    parser.add_argument("--port", type=int, default=0, help="TCP port (default: a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="interface (default: 127.0.0.1)")
    return parser


async def _serve(server: ScriptedLLMServer) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(sig, stop.set)
    async with server:
        print(server.base_url, flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, start the server and serve until interrupted.

    Args:
        argv: Arguments without the program name; default ``sys.argv[1:]``.

    Returns:
        The process exit code: 0 after a clean stop, 1 if the server could
        not bind, 2 for a missing or invalid script.

    """
    args = _parser().parse_args(argv)
    try:
        if args.rules is not None:
            server = ScriptedLLMServer.from_file(args.rules, host=args.host, port=args.port)
        else:
            server = ScriptedLLMServer(host=args.host, port=args.port)
    except FlowError as exc:
        print(f"invalid LLM script:\n{exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"cannot read {args.rules}: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(_serve(server))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"cannot serve on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
