"""Sending a decided answer: at the scripted speed, with its scripted fault.

A :class:`~.answer.Plan` says what to send; this module sends it the way a
model server would, streamed (SSE over chunked encoding) or whole, waiting the
scripted time to first token and between pieces, and misbehaving as the rule
asks (an error status, a hang, a stream cut mid-way, bytes that are not JSON,
an empty answer). :func:`run_watched` runs a response while watching the
socket, so a client that hangs up (barge-in) is seen and recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Coroutine
from typing import Any

from superdialog.testing.llm_server.answer import Plan
from superdialog.testing.llm_server.matching import RecordedRequest
from superdialog.testing.llm_server.protocol import (
    LAST_CHUNK,
    SSE_DONE,
    Connection,
    chunked,
    error_body,
    head,
    send_json,
)

__all__ = ["run_watched", "send_completion", "send_stream"]

# Faults answered with an error status (or, for hang, nothing at all) instead of a 200.
_STATUS_FAULTS = ("500", "429", "hang")


async def send_stream(conn: Connection, plan: Plan, keep_alive: bool) -> bool:
    """Send ``plan`` as an SSE stream; returns whether the connection stays open."""
    if plan.fault in _STATUS_FAULTS:
        return await _send_status_fault(conn, plan, keep_alive)
    headers = {
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-cache",
        "Transfer-Encoding": "chunked",
        "Connection": "keep-alive" if keep_alive else "close",
        "x-request-id": f"req_scripted_{plan.call}",
    }
    await conn.send(head(200, headers))
    await asyncio.sleep(plan.latency.ttft_s)
    await conn.send(chunked(plan.chunk({"role": "assistant", "content": "", "refusal": None})))
    if plan.fault == "bad_json":
        await conn.send(chunked(b'data: {"id": "chatcmpl-broken", "choices": [{"delta": \n\n'))
    else:
        deltas = [] if plan.fault == "empty" else plan.deltas()
        limit = len(deltas)
        if plan.fault == "cut":
            limit = plan.cut_after if plan.cut_after is not None else max(1, len(deltas) // 2)
        for index, delta in enumerate(deltas[:limit]):
            if index:
                await asyncio.sleep(plan.latency.token_gap_s)
            await conn.send(chunked(plan.chunk(delta)))
        if plan.fault == "cut":
            conn.writer.close()  # no terminating chunk, no [DONE]
            return False
        await conn.send(chunked(plan.chunk({}, plan.finish_reason)))
        if plan.include_usage:
            await conn.send(chunked(plan.chunk(None)))
    await conn.send(chunked(SSE_DONE) + LAST_CHUNK)
    return keep_alive


async def send_completion(conn: Connection, plan: Plan, keep_alive: bool) -> bool:
    """Send ``plan`` as one ``chat.completion`` body, after the time streaming it would take.

    Returns:
        Whether the connection stays open.

    """
    if plan.fault in _STATUS_FAULTS:
        return await _send_status_fault(conn, plan, keep_alive)
    pieces = 0 if plan.fault == "empty" else len(plan.deltas())
    await asyncio.sleep(plan.latency.ttft_s + max(0, pieces - 1) * plan.latency.token_gap_s)
    if plan.fault == "bad_json":
        body = b'{"id": "chatcmpl-broken", "choices": ['
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
        await conn.send(head(200, headers) + body)
        return False
    completion = plan.completion()
    if plan.fault == "empty":
        completion["choices"][0]["message"]["content"] = ""
    if plan.fault == "cut":
        body = json.dumps(completion).encode()
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
        await conn.send(head(200, headers) + body[: len(body) // 2])
        conn.writer.close()
        return False
    await send_json(conn, 200, completion, keep_alive=keep_alive)
    return keep_alive


async def _send_status_fault(conn: Connection, plan: Plan, keep_alive: bool) -> bool:
    if plan.fault == "hang":
        await asyncio.Event().wait()  # until the client gives up or the server stops
    if plan.fault == "429":
        body = error_body("scripted fault: rate limited", "requests", "rate_limit_exceeded")
        await send_json(conn, 429, body, keep_alive=keep_alive, extra={"Retry-After": "0"})
    else:
        body = error_body("scripted fault: internal server error", "server_error")
        await send_json(conn, 500, body, keep_alive=keep_alive)
    return keep_alive


async def run_watched(
    conn: Connection, respond: Coroutine[Any, Any, bool], record: RecordedRequest
) -> bool:
    """Run a response while watching for the client hanging up.

    An HTTP/1.1 client sends nothing while it waits for a response, so end of
    input during a response means the client closed the connection (barge-in,
    timeout, ``aclose()``). The response is then abandoned and the request is
    marked ``disconnected``, which tests use to prove the client let go.

    Returns:
        Whether the connection stays open (never after a hang-up).

    """
    responder = asyncio.ensure_future(respond)
    watcher = asyncio.ensure_future(conn.wait_peer_closed())
    try:
        done, _ = await asyncio.wait({responder, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (watcher, responder):
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                    await task
    for task in (watcher, responder):
        if task.done() and not task.cancelled():
            # seen, whatever it was: a reset (not closed) connection is a hang-up too, and a
            # response that failed on it just after the wait returned is no error to report
            task.exception()
    if responder in done and not responder.cancelled():
        error = responder.exception()
        if error is None:
            record.completed = True
            return responder.result()
        if not isinstance(error, ConnectionError):
            raise error
    record.disconnected = True
    return False
