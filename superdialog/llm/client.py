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
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from superdialog._loop_local import LoopLocal
from superdialog.errors import LLMConnectionError, LLMError, LLMProtocolError, LLMTimeoutError
from superdialog.llm.assemble import ToolCallAssembler, read_chunk
from superdialog.llm.bounded import MAX_CHUNK_DEPTH, MAX_EVENT_BYTES, loads_bounded, loads_chunk
from superdialog.llm.config import LLMConfig
from superdialog.llm.deadline import Deadline
from superdialog.llm.events import Finished, LLMEvent, ToolNamed, Usage
from superdialog.llm.request import EDGE_HEADER, STATE_HEADER, PreparedRequest, prepare_request
from superdialog.llm.sse import DONE, ServerSentEvent, SSEDecoder
from superdialog.llm.text_calls import TextCalls
from superdialog.llm.translate import (
    boundary_exceptions,
    retry_after_s,
    stream_error,
    translate_error,
)
from superdialog.pii.logs import get_logger

if TYPE_CHECKING:
    import httpx2
    from openai import AsyncOpenAI

__all__ = [
    "EDGE_HEADER",
    "STATE_HEADER",
    "PreparedRequest",
    "aclose_clients",
    "get_client",
    "prepare_request",
    "stream_chat",
]

_log = get_logger("superdialog.llm")

CHAT_PATH = "/chat/completions"
"""Where chat completions are posted, relative to the client's ``base_url``."""

_ClientKey = tuple[str | None, str, float, int]
"""``(base_url, api_key, connect_timeout_s, shard)``."""

SHARD_CONNECTIONS = 1024
"""Connections in one client's pool, and requests one client streams at once.

Our transport (:mod:`superdialog.llm.transport`) takes and returns a connection
in O(1), so one client per endpoint carries a whole process's requests.
"""

STOCK_SHARD_CONNECTIONS = 64
"""The same for a client on httpx2's stock transport (used when a proxy is configured).

httpcore looks at every connection of a pool on each request and each response
(``_assign_requests_to_connections``): with the openai client's default pool of
1,000 that scan was about a third of a busy process's CPU. An endpoint under
load gets more clients (shards) instead of a bigger pool; every connection of a
shard is kept alive, so the connections a burst opened serve the next one.
"""

MAX_IN_FLIGHT = 1024
"""Requests one endpoint streams at once per event loop; more wait their turn."""


async def _close_all(clients: dict[_ClientKey, AsyncOpenAI]) -> None:
    for client in list(clients.values()):
        with contextlib.suppress(*boundary_exceptions()):
            await client.close()
    clients.clear()


async def _forget(shards: dict[Any, list[_Shard]]) -> None:
    shards.clear()  # their clients are closed with _clients


_clients: LoopLocal[dict[_ClientKey, AsyncOpenAI]] = LoopLocal(dict, _close_all)
"""The clients of each running event loop, closed when that loop shuts down."""


@dataclass(slots=True, eq=False)
class _Shard:
    """One client of an endpoint, with its in-flight limit and count."""

    client: AsyncOpenAI
    gate: asyncio.Semaphore
    size: int
    url: str
    """Where chat completions are posted: the client's ``base_url`` + ``CHAT_PATH``."""
    busy: int = 0


_shards: LoopLocal[dict[tuple[str | None, str, float], list[_Shard]]] = LoopLocal(dict, _forget)
"""Each endpoint's shards in each running event loop, in the order they were opened."""


def _lean() -> bool:
    """Whether new clients use our transport (not when the environment names a proxy)."""
    from superdialog.llm.transport import env_proxies  # lazy: it imports httpx2

    return not env_proxies()


def get_client(config: LLMConfig, shard: int = 0) -> AsyncOpenAI:
    """The shared ``AsyncOpenAI`` for this endpoint and event loop, created on first use.

    One client per ``(base_url, api_key, connect_timeout_s)`` keeps one HTTP
    connection pool per endpoint, so consecutive turns of a call reuse warm
    keep-alive connections instead of paying TCP/TLS set-up each time. The
    openai client's own retries are disabled: :func:`stream_chat` retries,
    because only it knows whether anything was already spoken. Redirects are
    not followed: a chat endpoint that redirects is misconfigured, and the
    answer is its status error.

    The client sends through :class:`~superdialog.llm.transport.LeanTransport`
    under :class:`~superdialog.llm.http_client.LeanClient` (given to the SDK as
    its public ``http_client``), unless the environment
    names a proxy: then httpx2's stock transport, which honours it, in shards
    of ``STOCK_SHARD_CONNECTIONS`` (``shard`` picks one).

    A connection pool belongs to one event loop: each loop has its own clients,
    closed while that loop shuts down (``asyncio.run`` does it), so a second
    ``asyncio.run`` in the same process neither fails nor leaks sockets.
    Called with no loop running, the client is made but not kept.

    Args:
        config: The endpoint; unset fields are filled from the environment.
        shard: Which of the endpoint's clients.

    Returns:
        The cached client.

    """
    cfg = config.with_env()
    key: _ClientKey = (cfg.base_url, cfg.resolved_api_key, cfg.connect_timeout_s, shard)
    try:
        table = _clients.get()
    except RuntimeError:  # no running loop: nothing to share it with
        table = {}
    client = table.get(key)
    if client is not None:
        return client
    import httpx2  # lazy: imported with openai, on the first request only
    import openai  # deferred: importing openai costs hundreds of milliseconds

    if _lean():
        from superdialog.llm.http_client import LeanClient  # lazy: as httpx2
        from superdialog.llm.transport import LeanTransport  # lazy: as httpx2

        http_client: httpx2.AsyncClient = LeanClient(
            LeanTransport(max_connections=SHARD_CONNECTIONS), openai.DEFAULT_TIMEOUT
        )
    else:
        http_client = openai.DefaultAsyncHttpxClient(
            limits=httpx2.Limits(
                max_connections=STOCK_SHARD_CONNECTIONS,
                max_keepalive_connections=STOCK_SHARD_CONNECTIONS,
            ),
            follow_redirects=False,
        )
    client = openai.AsyncOpenAI(
        api_key=cfg.resolved_api_key,
        base_url=cfg.base_url,
        max_retries=0,
        # Read/write/pool deadlines are enforced by stream_chat, one per attempt.
        timeout=openai.Timeout(None, connect=cfg.connect_timeout_s),
        http_client=http_client,
    )
    table[key] = client
    return client


def _shard(cfg: LLMConfig) -> _Shard:
    """The endpoint's first shard with a free connection, opening one more if all are busy."""
    endpoint = (cfg.base_url, cfg.resolved_api_key, cfg.connect_timeout_s)
    shards = _shards.get().setdefault(endpoint, [])
    for shard in shards:
        if shard.busy < shard.size:
            return shard
    size = shards[0].size if shards else (SHARD_CONNECTIONS if _lean() else STOCK_SHARD_CONNECTIONS)
    if len(shards) < max(1, MAX_IN_FLIGHT // size):
        client = get_client(cfg, len(shards))
        url = str(client.base_url).rstrip("/") + CHAT_PATH
        shard = _Shard(client, asyncio.Semaphore(size), size, url)
        shards.append(shard)
        return shard
    return min(shards, key=lambda s: s.busy)


async def aclose_clients(base_url: str | None = None) -> None:
    """Close the running loop's cached clients now and forget them.

    Clients are closed when their loop shuts down anyway; call this to close
    them earlier (test teardown, a worker draining).

    Args:
        base_url: Only close clients for this endpoint; ``None`` closes all.

    """
    shards = _shards.peek()
    if shards is not None:
        for endpoint in list(shards):
            if base_url is None or endpoint[0] == base_url:
                del shards[endpoint]
    table = _clients.peek()
    if table is None:
        return
    for key, client in list(table.items()):
        if base_url is not None and key[0] != base_url:
            continue
        del table[key]
        with contextlib.suppress(*boundary_exceptions()):
            await client.close()


@dataclass(slots=True)
class _Call:
    """Book-keeping shared by the attempts of one :func:`stream_chat` call."""

    loop: asyncio.AbstractEventLoop
    start: float
    deadline: float
    stall_s: float
    """Longest wait for more of a stream once it has started (``first_token_timeout_s``)."""
    offered: frozenset[str] | None
    yielded: bool = False
    answered: bool = False


async def stream_chat(
    config: LLMConfig,
    messages: Sequence[Mapping[str, Any]],
    *,
    tools: Sequence[Mapping[str, Any]] | None = None,
    node_id: str | None = None,
    edge_hint: str | None = None,
    on_response: Callable[[], None] | None = None,
) -> AsyncGenerator[LLMEvent, None]:
    """Stream one chat completion as typed events.

    Yields ``TextDelta`` as text arrives, then one ``ToolCall`` per tool call
    (when the model finishes), then ``Usage`` (if the endpoint reports it) and
    finally ``Finished``.

    The request is serialised once (:func:`prepare_request`) and posted with
    the openai client's documented low-level ``post`` (auth, base URL, headers,
    HTTP stack and status errors stay the SDK's); the stream is read and parsed
    here.

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
        on_response: Called once, when an attempt is answered with a success
            status (before its first token): the runtime starts work that only
            makes sense while the endpoint answers.

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
    loop = asyncio.get_running_loop()
    start = loop.time()
    call = _Call(
        loop=loop,
        start=start,
        deadline=start + cfg.total_timeout_s,
        stall_s=cfg.first_token_timeout_s,
        offered=None,
    )
    request: PreparedRequest | None = None
    errors: tuple[type[BaseException], ...] = ()
    attempt = 0
    while True:
        try:
            shard = _shard(cfg)  # per attempt: a retry may go to a less busy client
            if not errors:
                # Only now: the first client made imports openai, whose errors must be in
                # the tuple (taken earlier, a process's first status error escaped as is).
                errors = boundary_exceptions()
            # One timer for the attempt: it bounds the wait for a connection too.
            deadline = Deadline(loop, min(loop.time() + cfg.first_token_timeout_s, call.deadline))
            shard.busy += 1
            try:
                await _enter(shard, deadline, cfg, call)
                try:
                    if request is None:
                        # Serialised once a connection is ours, not while the call waits
                        # for one: under load most calls wait, and a body is kilobytes.
                        request = prepare_request(cfg, messages, tools, node_id, edge_hint)
                        call.offered = request.offered
                    response, body = await _open(shard, request, cfg, call, deadline, errors)
                    try:
                        if on_response is not None and not call.answered:
                            call.answered = True
                            on_response()
                        # The attempt's events are yielded from here, not through a
                        # nested generator: one hop less per event, one generator less
                        # per call in flight.
                        reader = _Reader(loop, call, deadline)
                        while not reader.done:
                            data = await _read(body, cfg, call, deadline, errors, reader)
                            if data is None:
                                break
                            events, failure = reader.feed(data)
                            for event in events:
                                # a name is a hint, not content: a cut after it is retried
                                if not isinstance(event, ToolNamed):
                                    call.yielded = True
                                yield event
                            if failure is not None:
                                raise failure
                        for event in await reader.end(body, errors):
                            if not isinstance(event, (Usage, Finished, ToolNamed)):
                                call.yielded = True
                            yield event
                    finally:
                        # Stop reading, then drop the connection (a no-op after a whole body).
                        await _close_quietly(response, body, errors)
                finally:
                    shard.gate.release()
            finally:
                shard.busy -= 1
                deadline.close()
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


_stream_cls: Any = None
"""``AsyncStream[Any]``, made once: subscripting a generic costs on every request."""


async def _post(shard: _Shard, request: PreparedRequest) -> httpx2.Response:
    """Send ``request`` through the SDK's documented low-level ``post``; the body is not read.

    ``cast_to`` an ``httpx2.Response`` makes the SDK return the response as is
    (its README's "undocumented endpoints" recipe); ``content`` posts our bytes
    without the SDK's per-request transform. The URL is the client's own
    ``base_url`` joined once per client (an absolute URL is used as given, which
    spares the SDK and httpx2 re-parsing and re-joining it on every request).
    An HTTP error status is raised by the SDK as its ``APIStatusError``, with
    the body read.
    """
    global _stream_cls  # a cache of a lazily imported type
    import httpx2  # lazy: imported with openai, on the first request only

    if _stream_cls is None:
        from openai import AsyncStream  # lazy: see get_client

        _stream_cls = AsyncStream[Any]
    response = await shard.client.post(
        shard.url,
        cast_to=httpx2.Response,
        content=request.body,
        options={"headers": request.headers},
        stream=True,
        stream_cls=_stream_cls,
    )
    return cast("httpx2.Response", response)


async def _enter(shard: _Shard, deadline: Deadline, cfg: LLMConfig, call: _Call) -> None:
    """Wait for a free connection of ``shard`` within the attempt's deadline.

    Requests wait here rather than inside the connection pool: a request queued
    in a pool already holds its whole HTTP request.

    Raises:
        LLMTimeoutError: The deadline passed first.

    """
    try:
        deadline.check()
        await deadline.guard(shard.gate.acquire())
    except TimeoutError as exc:
        raise _timeout_error(cfg, call, deadline.when, first=True) from exc


async def _open(
    shard: _Shard,
    request: PreparedRequest,
    cfg: LLMConfig,
    call: _Call,
    deadline: Deadline,
    errors: tuple[type[BaseException], ...],
) -> tuple[httpx2.Response, AsyncGenerator[bytes, None]]:
    """Post ``request`` on a connection slot already held: the response and its body reader.

    Raises:
        LLMError: The request failed or timed out (a status error included).

    """
    try:
        deadline.check()
        response = await deadline.guard(_post(shard, request))
    except TimeoutError as exc:
        raise _timeout_error(cfg, call, deadline.when, first=True) from exc
    except errors as exc:
        raise translate_error(exc) from exc
    encoding = response.headers.get("content-encoding")
    if encoding is None or encoding.strip().lower() == "identity":
        return response, response.aiter_raw()  # nothing to decode: skip the decoder chain
    return response, response.aiter_bytes()


async def _read(
    body: AsyncIterator[bytes],
    cfg: LLMConfig,
    call: _Call,
    deadline: Deadline,
    errors: tuple[type[BaseException], ...],
    reader: _Reader,
) -> bytes | None:
    """The next bytes of the body (``None`` at its end), within the attempt's deadline.

    The deadline interrupts only this read, never a yield: time the caller spends
    between events must not be cancelled from inside the client.
    """
    if reader.first_at is not None:
        # The stream has started: each wait for more is bounded on its own, so a stream
        # that stalls mid-answer is not waited for until the whole call's budget is gone
        # (the caller heard half a sentence, then up to ``total_timeout_s`` of silence).
        # Re-armed from the start of this wait (time the consumer held the stream does
        # not count), and only once it has drifted by a quarter: not a timer per chunk.
        stall = call.stall_s
        wanted = min(call.loop.time() + stall, call.deadline)
        if wanted - deadline.when > stall / 4:
            deadline.move(wanted)
    try:
        deadline.check()
        return await deadline.guard(anext(body, None))
    except TimeoutError as exc:
        raise _timeout_error(cfg, call, deadline.when, first=reader.first_at is None) from exc
    except errors as exc:
        raise translate_error(exc) from exc


class _Reader:
    """One attempt's stream, parsed: body bytes in, events out (no I/O here)."""

    __slots__ = (
        "_call",
        "_deadline",
        "_decoder",
        "_loop",
        "_text",
        "_tools",
        "done",
        "finish_reason",
        "first_at",
        "usage",
    )

    def __init__(self, loop: asyncio.AbstractEventLoop, call: _Call, deadline: Deadline) -> None:
        self._loop = loop
        self._call = call
        self._deadline = deadline
        self._decoder = SSEDecoder()
        self._tools = ToolCallAssembler(call.offered)
        self._text = TextCalls(call.offered)
        self.first_at: float | None = None
        self.finish_reason: str | None = None
        self.usage: Usage | None = None
        self.done = False  # ``[DONE]`` was read

    def feed(self, data: bytes) -> tuple[list[LLMEvent], LLMError | None]:
        """The events ``data`` completes, and the error that stopped the parse, if any.

        The events before an error are returned with it, to be yielded first, as
        they would have been had the bytes arrived one chunk per read.
        """
        events: list[LLMEvent] = []
        try:
            raw = self._decoder.whole(data)
            if raw is not None:  # the usual read: one whole event, decoded from its bytes
                if raw == _DONE_BYTES:
                    self.done = True
                else:
                    self._take(_decode_raw(raw), events)
                return events, None
            for event in self._decoder.feed(data):
                if event.data == DONE:
                    self.done = True
                    break
                self._take(_decode(event), events)
        except LLMError as err:
            return events, err
        return events, None

    def _take(self, chunk: Any, events: list[LLMEvent]) -> None:
        """Add the events of one decoded chunk to ``events``."""
        view = read_chunk(chunk)
        if view.usage is not None:
            self.usage = view.usage
        text = view.text
        fragments = view.fragments
        if self.first_at is None and (text or fragments or view.reasoning):
            self.first_at = now = self._loop.time()
            # from here on, a stall is bounded per wait (see _read)
            stall = self._call.stall_s
            self._deadline.move(min(now + stall, self._call.deadline))
        if text:
            events.extend(self._text.feed(text))
        if fragments:  # only a fragment completes a name (see ToolCallAssembler.named)
            tools = self._tools
            for fragment in fragments:
                tools.add(fragment)
            events.extend(tools.named())
        if view.finish_reason is not None and self.finish_reason is None:
            self.finish_reason = view.finish_reason
            events.extend(self._text.finish())
            events.extend(self._tools.finish())

    async def end(
        self, body: AsyncIterator[bytes], errors: tuple[type[BaseException], ...]
    ) -> list[LLMEvent]:
        """The events after the body: tool calls never finished, usage, ``Finished``.

        Raises:
            LLMConnectionError: The body ended before the model finished.

        """
        loop, call = self._loop, self._call
        if not self.done:
            if self.finish_reason is None:
                raise LLMConnectionError(
                    "LLM stream ended before the model finished (connection cut?)",
                    retryable=not call.yielded,
                )
            _log.warning("LLM stream ended without [DONE] after finish_reason; accepting it")
        else:
            self._deadline.move(min(loop.time() + _DRAIN_S, call.deadline))
            await _drain(body, self._deadline, errors)
        events: list[LLMEvent] = [*self._text.finish(), *self._tools.finish()]
        if self.usage is not None:
            events.append(self.usage)
        first_at = self.first_at
        events.append(
            Finished(
                finish_reason=self.finish_reason,
                ttft_ms=None if first_at is None else (first_at - call.start) * 1000.0,
                latency_ms=(loop.time() - call.start) * 1000.0,
            )
        )
        return events


_DRAIN_S = 0.1
"""How long to wait for the body to end after ``[DONE]``.

Reading the (normally empty) rest of the body lets the HTTP/1.1 connection go
back to the pool for the next turn; a server that keeps sending is cut off.
"""


_DONE_BYTES = DONE.encode()


def _decode_raw(raw: bytes) -> Any:
    """:func:`_decode` of an unnamed event whose data is ``raw``, undecoded."""
    payload, problem = loads_chunk(raw)
    if problem is not None:
        raise LLMProtocolError(f"LLM endpoint sent a chunk that is {problem}")
    if type(payload) is dict and payload.get("error"):
        raise stream_error(payload["error"])
    return payload


def _decode(event: ServerSentEvent) -> Any:
    """One chunk's JSON, bounded in size and depth; an error event becomes its ``LLMError``.

    The message never quotes the chunk: it may hold the model's words, which may
    repeat the caller's.
    """
    payload, problem = loads_bounded(
        event.data, max_chars=MAX_EVENT_BYTES, max_depth=MAX_CHUNK_DEPTH, exact_integers=False
    )
    if problem is not None:
        raise LLMProtocolError(f"LLM endpoint sent a chunk that is {problem}")
    if isinstance(payload, dict) and (payload.get("error") or event.event == "error"):
        raise stream_error(payload.get("error") or payload)
    return payload


async def _drain(
    body: AsyncIterator[bytes], deadline: Deadline, errors: tuple[type[BaseException], ...]
) -> None:
    with contextlib.suppress(TimeoutError, *errors):
        while True:
            deadline.check()
            if await deadline.guard(anext(body, None)) is None:
                return


async def _close_quietly(
    response: httpx2.Response,
    body: AsyncGenerator[bytes, None],
    errors: tuple[type[BaseException], ...],
) -> None:
    with contextlib.suppress(*errors):
        await body.aclose()
    with contextlib.suppress(*errors):
        await response.aclose()


def _timeout_error(cfg: LLMConfig, call: _Call, deadline: float, *, first: bool) -> LLMTimeoutError:
    if deadline >= call.deadline:
        return LLMTimeoutError(f"LLM call exceeded its total timeout of {cfg.total_timeout_s}s")
    if first:
        return LLMTimeoutError(f"no first token from the LLM within {cfg.first_token_timeout_s}s")
    return LLMTimeoutError(f"the LLM stream stalled for {cfg.first_token_timeout_s}s")
