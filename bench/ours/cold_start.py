"""Cold start: a new process's first spoken chunk (run by superdialog_ours.py's `cold_start` part).

    .venv/bin/python -I bench/ours/cold_start.py FLOW.yaml

In this fresh process: import superdialog, load the flow, build a call, start it and play the
first caller turn to its first chunk (the model is the loopback server at TTFT 0, so the figure is
ours: imports, the lazy openai import, the first client and connection). Prints one JSON line:
`first_chunk_ns` (host clock, `time.time_ns`, compared by the parent with its spawn time) and
`after_load_ms` (flow loaded -> first chunk of the first call, in this process).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # -I leaves the script's folder out
from noop_host import HostSession


async def main(path: str) -> None:
    import superdialog

    flow = superdialog.load(path)
    loaded = time.perf_counter_ns()
    m = flow.build(HostSession())
    await m.start()
    first = 0
    async with contextlib.aclosing(m.stream("Here is my answer number 0.")) as chunks:
        async for chunk in chunks:
            if chunk and not first:
                first = time.time_ns()
                after = time.perf_counter_ns()
    print(json.dumps({"first_chunk_ns": first, "after_load_ms": (after - loaded) / 1e6}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
