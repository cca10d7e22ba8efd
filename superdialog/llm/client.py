"""Streaming chat completions with the resilience a live phone call needs.

A voice agent speaks tokens as they arrive, so the rules differ from a batch
client: an attempt may be retried only while the caller has received nothing
(otherwise the caller would say the start of the answer twice), the first
token has its own short deadline, and closing the stream (barge-in) must drop
the HTTP connection at once so the endpoint stops generating.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from superdialog._loop_local import LoopLocal
from superdialog.errors import LLMConnectionError, LLMError, LLMProtocolError, LLMTimeoutError
from superdialog.llm.assemble import ToolCallAssembler, read_chunk
from superdialog.llm.bounded import MAX_CHUNK_DEPTH, MAX_EVENT_BYTES, loads_bounded
from superdialog.llm.config import LLMConfig
from superdialog.llm.events import Finished, LLMEvent, TextDelta, Usage
from superdialog.llm.sse import DONE, ServerSentEvent, SSEDecoder
from superdialog.llm.translate import (
    boundary_exceptions,
    retry_after_s,
    stream_error,
    translate_error,
)
from superdialog.pii.logs import get_logger

if TYPE_CHECKING:
    from openai import AsyncOpenAI

__all__ = ["EDGE_HEADER", "STATE_HEADER", "aclose_clients", "get_client", "stream_chat"]

STATE_HEADER = "x-superdialog-state"
"""Request header carrying the flow state (``node_id``), percent-encoded UTF-8."""

EDGE_HEADER = "x-superdialog-edge"
"""Request header carrying ``edge_hint``, percent-encoded UTF-8."""

_log = get_logger("superdialog.llm")

# Printable ASCII except "%" passes through unchanged; everything else is escaped.
_HEADER_SAFE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%")

_ClientKey = tuple[str | None, str, float]


async def _close_all(clients: dict[_ClientKey, AsyncOpenAI]) -> None:
    for client in list(clients.values()):
        with contextlib.suppress(*boundary_exceptions()):
            await client.close()
    clients.clear()


_clients: LoopLocal[dict[_ClientKey, AsyncOpenAI]] = LoopLocal(dict, _close_all)
"""The clients of each running event loop, closed when that loop shuts down."""


def get_client(config: LLMConfig) -> AsyncOpenAI:
    """The shared ``AsyncOpenAI`` for this endpoint and event loop, created on first use.

    One client per ``(base_url, api_key, connect_timeout_s)`` keeps one HTTP
    connection pool per endpoint, so consecutive turns of a call reuse warm
    keep-alive connections instead of paying TCP/TLS set-up each time. The
    openai client's own retries are disabled: :func:`stream_chat` retries,
    because only it knows whether anything was already spoken.

    A connection pool belongs to one event loop: each loop has its own clients,
    closed while that loop shuts down (``asyncio.run`` does it), so a second
    ``asyncio.run`` in the same process neither fails nor leaks sockets.
    Called with no loop running, the client is made but not kept.

    Args:
        config: The endpoint; unset fields are filled from the environment.

    Returns:
        The cached client.

    """
    cfg = config.with_env()
    key: _ClientKey = (cfg.base_url, cfg.resolved_api_key, cfg.connect_timeout_s)
    try:
        table = _clients.get()
    except RuntimeError:  # no running loop: nothing to share it with
        table = {}
    client = table.get(key)
    if client is not None:
        return client
    import openai  # deferred: importing openai costs hundreds of milliseconds

    client = openai.AsyncOpenAI(
        api_key=cfg.resolved_api_key,
        base_url=cfg.base_url,
        max_retries=0,
        # Read/write/pool deadlines are enforced with asyncio around each read.
        timeout=openai.Timeout(None, connect=cfg.connect_timeout_s),
    )
    table[key] = client
    return client


async def aclose_clients(base_url: str | None = None) -> None:
    """Close the running loop's cached clients now and forget them.

    Clients are closed when their loop shuts down anyway; call this to close
    them earlier (test teardown, a worker draining).

    Args:
        base_url: Only close clients for this endpoint; ``None`` closes all.

    """
    table = _clients.peek()
    if table is None:
        return
    for key, client in list(table.items()):
        if base_url is not None and key[0] != base_url:
            continue
        del table[key]
        with contextlib.suppress(*boundary_exceptions()):
            await client.close()


_MAX_IN_FLIGHT = 1000
"""Requests one client streams at once: the openai client's connection-pool size."""

_gates: weakref.WeakKeyDictionary[Any, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def _gate(client: Any) -> asyncio.Semaphore:
    """The in-flight limit of ``client`` (one client belongs to one event loop)."""
    gate = _gates.get(client)
    if gate is None:
        gate = _gates[client] = asyncio.Semaphore(_MAX_IN_FLIGHT)
    return gate


@dataclass(slots=True)
class _Call:
    """Book-keeping shared by the attempts of one :func:`stream_chat` call."""

    start: float
    deadline: float
    offered: frozenset[str] | None
    yielded: bool = False


async def stream_chat(
    config: LLMConfig,
    messages: Sequence[Mapping[str, Any]],
    *,
    tools: Sequence[Mapping[str, Any]] | None = None,
    node_id: str | None = None,
    edge_hint: str | None = None,
) -> AsyncGenerator[LLMEvent, None]:
    """Stream one chat completion as typed events.

    Yields ``TextDelta`` as text arrives, then one ``ToolCall`` per tool call
    (when the model finishes), then ``Usage`` (if the endpoint reports it) and
    finally ``Finished``.

    Failures before anything was yielded (429, 5xx, connection errors, a
    missing first token, a stream cut before content) are retried up to
    ``config.retries`` times with capped exponential back-off with jitter,
    within ``config.total_timeout_s``. A ``Retry-After`` up to
    ``config.max_backoff_s`` is honoured; a longer one ends the call at once
    (a caller waiting in silence is worse than the flow's error handling). After the
    first ``TextDelta``/``ToolCall`` any failure is raised with
    ``retryable=False``: the caller has already spoken part of the answer.

    Use ``async with contextlib.aclosing(stream_chat(...)) as events`` so that
    leaving the loop early (barge-in) closes the HTTP response immediately.

    Args:
        config: The endpoint and resilience settings.
        messages: OpenAI-format chat messages.
        tools: OpenAI-format tool definitions; tool calls naming a tool not in
            this list come back with ``ToolCall.error`` set.
        node_id: The flow state making the call, sent as ``x-superdialog-state``
            so scripted servers and proxies can tell states apart.
        edge_hint: Sent as ``x-superdialog-edge``; informational only.

    Yields:
        ``TextDelta``, ``ToolCall``, ``Usage`` and ``Finished`` events.

    Raises:
        LLMTimeoutError: No first token in time, or the total budget ran out.
        LLMConnectionError: Unreachable endpoint, or the stream was cut.
        LLMStatusError: The endpoint answered an HTTP error status.
        LLMProtocolError: The endpoint sent something that is not a chat
            completion stream.

    """
    cfg = config.with_env()
    client = get_client(cfg)
    loop = asyncio.get_running_loop()
    start = loop.time()
    call = _Call(
        start=start,
        deadline=start + cfg.total_timeout_s,
        offered=None if tools is None else frozenset(_tool_names(tools)),
    )
    request = _request_kwargs(cfg, messages, tools, node_id, edge_hint)
    attempt = 0
    while True:
        try:
            async with aclosing(_attempt(client, request, cfg, call)) as events:
                async for event in events:
                    yield event
            return
        except LLMError as err:
            if call.yielded:
                err.retryable = False
                raise
            delay = _retry_delay(cfg, call, attempt, err, loop.time())
            if delay is None:
                raise
            attempt += 1
            _log.warning(
                "LLM attempt %d/%d for state %s failed (%s); retrying in %.3fs",
                attempt,
                cfg.retries + 1,
                node_id,
                err,
                delay,
            )
            await asyncio.sleep(delay)


def _retry_delay(
    cfg: LLMConfig, call: _Call, attempt: int, err: LLMError, now: float
) -> float | None:
    """Seconds to wait before the next attempt, or ``None`` to give up."""
    if not err.retryable or attempt >= cfg.retries:
        return None
    delay = retry_after_s(err.__cause__)
    if delay is not None and delay > cfg.max_backoff_s:
        return None  # the caller would sit in dead air; let the flow handle it now
    if delay is None:
        cap = min(cfg.max_backoff_s, cfg.backoff_s * 2**attempt)
        delay = cap / 2 + random.uniform(0, cap / 2)
    if now + delay >= call.deadline:
        return None
    return delay


async def _attempt(
    client: AsyncOpenAI, request: dict[str, Any], cfg: LLMConfig, call: _Call
) -> AsyncGenerator[LLMEvent, None]:
    """One HTTP request; raises ``LLMError`` on any failure."""
    loop = asyncio.get_running_loop()
    errors = boundary_exceptions()
    deadline = min(loop.time() + cfg.first_token_timeout_s, call.deadline)
    async with contextlib.AsyncExitStack() as cleanup:
        try:
            async with asyncio.timeout_at(deadline):
                # Wait for a free connection here rather than inside the connection pool:
                # a request queued in the pool already holds its whole HTTP request, and
                # httpcore scans every queued request on each release.
                gate = _gate(client)
                await gate.acquire()
                cleanup.callback(gate.release)
                response = await cleanup.enter_async_context(
                    client.chat.completions.with_streaming_response.create(**request)
                )
        except TimeoutError as exc:
            raise _timeout_error(cfg, call, deadline, first=True) from exc
        except errors as exc:
            raise translate_error(exc) from exc
        body = response.http_response.aiter_bytes()
        # Runs before the response closes: stop reading, then drop the connection.
        cleanup.push_async_callback(_close_quietly, body, errors)

        decoder = SSEDecoder()
        tools = ToolCallAssembler(call.offered)
        first_at: float | None = None
        finish_reason: str | None = None
        usage: Usage | None = None
        done = False
        while not done:
            # The deadline wraps only the read, never a yield: time the caller
            # spends between events must not be cancelled from inside here.
            try:
                async with asyncio.timeout_at(deadline):
                    data = await anext(body, None)
            except TimeoutError as exc:
                raise _timeout_error(cfg, call, deadline, first=first_at is None) from exc
            except errors as exc:
                raise translate_error(exc) from exc
            if data is None:
                break
            for event in decoder.feed(data):
                if event.data == DONE:
                    done = True
                    break
                view = read_chunk(_decode(event))
                if view.usage is not None:
                    usage = view.usage
                if first_at is None and (view.text or view.fragments):
                    first_at = loop.time()
                    deadline = call.deadline
                if view.text:
                    call.yielded = True
                    yield TextDelta(view.text)
                for fragment in view.fragments:
                    tools.add(fragment)
                if view.finish_reason is not None and finish_reason is None:
                    finish_reason = view.finish_reason
                    for tool_call in tools.finish():
                        call.yielded = True
                        yield tool_call
        if not done:
            if finish_reason is None:
                raise LLMConnectionError(
                    "LLM stream ended before the model finished (connection cut?)",
                    retryable=not call.yielded,
                )
            _log.warning("LLM stream ended without [DONE] after finish_reason; accepting it")
        await _drain(body, min(loop.time() + _DRAIN_S, call.deadline), errors)
        for tool_call in tools.finish():  # servers that never send a finish_reason
            call.yielded = True
            yield tool_call
        if usage is not None:
            yield usage
        yield Finished(
            finish_reason=finish_reason,
            ttft_ms=None if first_at is None else (first_at - call.start) * 1000.0,
            latency_ms=(loop.time() - call.start) * 1000.0,
        )


_DRAIN_S = 0.1
"""How long to wait for the body to end after ``[DONE]``.

Reading the (normally empty) rest of the body lets the HTTP/1.1 connection go
back to the pool for the next turn; a server that keeps sending is cut off.
"""


def _decode(event: ServerSentEvent) -> Any:
    """One chunk's JSON, bounded in size and depth; an error event becomes its ``LLMError``.

    The message never quotes the chunk: it may hold the model's words, which may
    repeat the caller's.
    """
    payload, problem = loads_bounded(
        event.data, max_chars=MAX_EVENT_BYTES, max_depth=MAX_CHUNK_DEPTH
    )
    if problem is not None:
        raise LLMProtocolError(f"LLM endpoint sent a chunk that is {problem}")
    if isinstance(payload, dict) and (payload.get("error") or event.event == "error"):
        raise stream_error(payload.get("error") or payload)
    return payload


async def _drain(
    body: AsyncIterator[bytes], deadline: float, errors: tuple[type[BaseException], ...]
) -> None:
    with contextlib.suppress(TimeoutError, *errors):
        async with asyncio.timeout_at(deadline):
            async for _ in body:
                pass


async def _close_quietly(
    body: AsyncGenerator[bytes, None], errors: tuple[type[BaseException], ...]
) -> None:
    with contextlib.suppress(*errors):
        await body.aclose()


def _timeout_error(cfg: LLMConfig, call: _Call, deadline: float, *, first: bool) -> LLMTimeoutError:
    if deadline >= call.deadline:
        return LLMTimeoutError(f"LLM call exceeded its total timeout of {cfg.total_timeout_s}s")
    what = "first token" if first else "response"
    return LLMTimeoutError(f"no {what} from the LLM within {cfg.first_token_timeout_s}s")


def _tool_names(tools: Sequence[Mapping[str, Any]]) -> list[str]:
    names: list[str] = []
    for tool in tools:
        function = tool.get("function")
        name = function.get("name") if isinstance(function, Mapping) else tool.get("name")
        if isinstance(name, str):
            names.append(name)
    return names


def _header_value(value: str) -> str:
    return quote(value, safe=_HEADER_SAFE)


def _request_kwargs(
    cfg: LLMConfig,
    messages: Sequence[Mapping[str, Any]],
    tools: Sequence[Mapping[str, Any]] | None,
    node_id: str | None,
    edge_hint: str | None,
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "model": cfg.resolved_model,
        "messages": [dict(message) for message in messages],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if cfg.temperature is not None:
        kwargs["temperature"] = cfg.temperature
    if cfg.max_tokens is not None:
        kwargs["max_tokens"] = cfg.max_tokens
    if tools:  # OpenAI rejects an empty list
        kwargs["tools"] = [dict(tool) for tool in tools]
    headers: dict[str, str] = {}
    if node_id is not None:
        headers[STATE_HEADER] = _header_value(node_id)
    if edge_hint is not None:
        headers[EDGE_HEADER] = _header_value(edge_hint)
    if headers:
        kwargs["extra_headers"] = headers
    if cfg.params:
        # extra_body merges into the JSON body, so unknown vendor keys pass too.
        kwargs["extra_body"] = dict(cfg.params)
    return kwargs
