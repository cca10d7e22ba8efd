"""Regression: a client that resets its connection mid-response leaves no unretrieved task error.

A barge-in can drop the model's HTTP connection with a TCP reset rather than a
clean close. The server's disconnect watcher then ends with
``ConnectionResetError``; it used to be left unretrieved, so asyncio logged
"Task exception was never retrieved" once the task was collected.
"""

from __future__ import annotations

import asyncio
import gc
import json
import socket
import struct

from superdialog.testing.llm_server import ScriptedLLMServer


async def test_reset_during_a_stream_is_a_quiet_disconnect() -> None:
    loop = asyncio.get_running_loop()
    reported: list[str] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, ctx: reported.append(str(ctx.get("message"))))
    try:
        async with ScriptedLLMServer(latency={"ttft_ms": 200}) as server:
            body = json.dumps(
                {"model": "m", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
            ).encode()
            head = (
                f"POST /v1/chat/completions HTTP/1.1\r\nHost: test\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            )
            _, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(head.encode() + body)
            await writer.drain()
            for _ in range(100):  # until the server is waiting on its first token
                if server.requests:
                    break
                await asyncio.sleep(0.01)
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()  # RST instead of FIN
            for _ in range(100):
                if server.requests[-1].disconnected:
                    break
                await asyncio.sleep(0.01)
            assert server.requests[-1].disconnected
        gc.collect()
        await asyncio.sleep(0)
        assert reported == []
    finally:
        loop.set_exception_handler(previous)
