"""One model client per event loop, closed with it: two ``asyncio.run`` in a row both work."""

from __future__ import annotations

import asyncio
import gc
import warnings

from superdialog.llm import LLMConfig, TextDelta, get_client, stream_chat
from superdialog.llm.client import _clients
from superdialog.testing import ScriptedLLMServer


def test_each_event_loop_gets_its_own_client_and_closes_it() -> None:
    with ScriptedLLMServer() as srv:  # its own thread and loop
        srv.add_rule(reply="Hello there.")
        config = LLMConfig(base_url=srv.base_url, api_key="x", model="m")
        seen = []

        async def one_call() -> str:
            seen.append(get_client(config))
            out = []
            async for ev in stream_chat(config, [{"role": "user", "content": "hi"}]):
                if isinstance(ev, TextDelta):
                    out.append(ev.text)
            return "".join(out)

        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a leaked socket is a ResourceWarning
            assert asyncio.run(one_call()) == "Hello there."
            assert asyncio.run(one_call()) == "Hello there."  # failed on the old global client
            gc.collect()
        assert seen[0] is not seen[1]
        assert seen[0].is_closed() and seen[1].is_closed()
        assert len(_clients) == 0
