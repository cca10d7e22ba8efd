"""One worker process of the crash test: serves a call through the real Unpod ``Session``.

    python crash_worker.py REDIS_URL CALL_ID WORKER_NAME FLOW_FILE

Its speech worker is the test itself, over pipes: caller events come in on
stdin as JSON lines (``{"text": ...}`` or ``{"interrupt": true}``) and every
verb the session sends goes out on stdout as one JSON line. The worker claims
the call in Redis (waiting for a dead worker's lease to lapse), restores it or
starts it, and saves after every turn (``superdialog_unpod.durable``).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

from unpod._protocol import UserInterruptEvent, UserTextEvent
from unpod.connectivity.session import Session

import superdialog
from superdialog.store.redis import RedisStore
from superdialog_unpod.durable import run_durable_call


class PipeBridge:
    """The session's bridge over this process's stdin and stdout."""

    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        self._reader: asyncio.StreamReader | None = None

    async def _stdin(self) -> asyncio.StreamReader:
        if self._reader is None:
            loop = asyncio.get_running_loop()
            reader = asyncio.StreamReader()
            await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
            self._reader = reader
        return self._reader

    async def recv_event(self) -> Any:
        line = await (await self._stdin()).readline()
        if not line:
            raise ConnectionError("the speech worker closed the call")
        data = json.loads(line)
        if data.get("interrupt"):
            return UserInterruptEvent(heard_prefix="…")
        return UserTextEvent(text=data["text"])

    async def send_verb(self, verb: Any) -> None:
        sys.stdout.write(json.dumps(verb.model_dump()) + "\n")
        sys.stdout.flush()


async def main() -> None:
    url, call_id, name, flow_file = sys.argv[1:5]
    flow = superdialog.load(flow_file)
    store = RedisStore.from_url(url, lease_s=float(os.environ.get("LEASE_S", "1")))
    session = Session(bridge=PipeBridge(call_id))
    session.data["customer_id"] = "C-1001"
    try:
        await run_durable_call(session, flow, store, call_id=call_id, worker=name,
                               claim_wait_s=60)
    finally:
        await store.aclose()


if __name__ == "__main__":
    asyncio.run(main())
