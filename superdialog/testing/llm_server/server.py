"""ScriptedLLMServer: a loopback OpenAI-compatible chat server answering from a script.

Flows are state machines whose LLM states call a model; testing them against a
real model is slow, costs money and is not reproducible. This server speaks the
same HTTP/SSE protocol as OpenAI's ``/v1/chat/completions`` (so the real
openai client, connection pooling and all, is exercised) but answers from
rules. This module is the server's life: binding and stopping (in the caller's
event loop with ``async with``, or in a daemon thread with ``with`` for
synchronous code and separate processes), one task per connection, routing,
and the shared state (rules, ``times`` usage, recorded requests) behind one
lock so rules can be added while serving. Reading and writing bytes
(:mod:`.protocol`), choosing the answer (:mod:`.matching`) and sending it with
its latency and fault (:mod:`.respond`) live next door.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from superdialog.testing.llm_server.answer import Plan
from superdialog.testing.llm_server.matching import (
    RecordedRequest,
    Slot,
    chat_context,
    choose,
    decide,
)
from superdialog.testing.llm_server.protocol import (
    BadRequestError,
    Connection,
    HTTPRequest,
    error_body,
    json_object,
    read_request,
    send_json,
)
from superdialog.testing.llm_server.respond import run_watched, send_completion, send_stream
from superdialog.testing.llm_server.script import DEFAULT_REPLY, Latency, Rule, Script

__all__ = ["ScriptedLLMServer"]


@dataclass(slots=True)
class _State:
    """What the server shares between connections, guarded by its lock."""

    slots: list[Slot] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    calls: int = 0


class ScriptedLLMServer:
    """A real HTTP/1.1 server on 127.0.0.1 answering chat completions from rules.

    Use ``async with ScriptedLLMServer(...) as srv`` inside a running loop, or
    ``with ScriptedLLMServer(...) as srv`` from synchronous code (the server
    then runs its own loop in a daemon thread). Either way point an
    ``LLMConfig`` at ``srv.base_url`` and inspect ``srv.requests`` afterwards.

    Rules are tried in order and the first match answers; a request that
    matches none gets ``default_reply``. Rules can be added while serving.
    """

    def __init__(
        self,
        rules: Iterable[Rule | Mapping[str, Any]] = (),
        *,
        default_reply: str = DEFAULT_REPLY,
        latency: Latency | Mapping[str, Any] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        model: str | None = None,
    ) -> None:
        """Configure (not start) a server.

        Args:
            rules: Rules, as ``Rule`` objects or mappings in the YAML format.
            default_reply: The answer when no rule matches.
            latency: Default latency of every answer (none by default).
            host: Interface to bind; keep the loopback default in tests.
            port: TCP port; 0 picks a free one.
            model: Model name reported in answers; default echoes the request.

        """
        self.default_reply = default_reply
        self.latency = (
            Latency.model_validate(latency) if isinstance(latency, Mapping) else latency
        ) or Latency()
        self.host = host
        self.model = model
        self._requested_port = port
        self._lock = threading.Lock()
        self._state = _State()
        for rule in rules:
            self.add_rule(rule)
        self._server: asyncio.Server | None = None
        self._port: int | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._connections = 0
        self._thread: threading.Thread | None = None
        self._thread_loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def from_script(cls, script: Script, **kwargs: Any) -> ScriptedLLMServer:
        """A server answering from a loaded :class:`Script`."""
        return cls(script.rules, default_reply=script.default, latency=script.latency, **kwargs)

    @classmethod
    def from_file(cls, path: str | Path, **kwargs: Any) -> ScriptedLLMServer:
        """A server answering from a YAML script file.

        Raises:
            FlowError: The file is not a valid script (with line and column).

        """
        return cls.from_script(Script.from_file(path), **kwargs)

    # -- script management -------------------------------------------------

    def add_rule(self, rule: Rule | Mapping[str, Any] | None = None, /, **fields: Any) -> Rule:
        """Append a rule (a ``Rule``, a mapping, or keyword fields).

        Returns:
            The validated rule.

        """
        if rule is None:
            rule = Rule.model_validate(fields)
        elif not isinstance(rule, Rule):
            rule = Rule.model_validate({**rule, **fields})
        elif fields:
            rule = Rule.model_validate({**rule.model_dump(exclude_unset=True), **fields})
        with self._lock:
            self._state.slots.append(Slot(rule))
        return rule

    @property
    def rules(self) -> tuple[Rule, ...]:
        """The current rules, in matching order."""
        with self._lock:
            return tuple(slot.rule for slot in self._state.slots)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received since start or :meth:`reset`, in order."""
        return self._state.requests

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """Only the chat-completion requests."""
        return [r for r in self._state.requests if r.call > 0]

    def reset(self, *, rules: bool = False) -> None:
        """Forget recorded requests, the call counter and ``times`` usage.

        Args:
            rules: Also remove every rule.

        """
        with self._lock:
            self._state.requests.clear()
            self._state.calls = 0
            if rules:
                self._state.slots.clear()
            for slot in self._state.slots:
                slot.used = 0

    # -- lifecycle -----------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound TCP port (only once started)."""
        if self._port is None:
            raise RuntimeError("ScriptedLLMServer is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """The ``base_url`` for an OpenAI client, ending in ``/v1``."""
        return f"http://{self.host}:{self.port}/v1"

    async def start(self) -> None:
        """Bind and start serving in the running loop."""
        if self._server is not None:
            raise RuntimeError("ScriptedLLMServer is already started")
        self._server = await asyncio.start_server(
            self._on_connection, self.host, self._requested_port
        )
        self._port = int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop serving and drop every connection, including hanging ones."""
        server, self._server = self._server, None
        if server is None:
            return
        self._port = None
        server.close()
        for task in list(self._handlers):
            task.cancel()
        # a keep-alive transport can linger half-open (the client holds its pool):
        # abort it so the handlers' writer.wait_closed() returns
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await server.wait_closed()

    async def serve_forever(self) -> None:
        """Start (if needed) and serve until cancelled."""
        if self._server is None:
            await self.start()
        try:
            await asyncio.Event().wait()
        finally:
            await self.stop()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def __enter__(self) -> Self:
        if self._server is not None or self._thread is not None:
            raise RuntimeError("ScriptedLLMServer is already started")
        loop = asyncio.new_event_loop()
        thread = threading.Thread(
            target=_run_loop, args=(loop,), name="ScriptedLLMServer", daemon=True
        )
        thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self.start(), loop).result(timeout=10)
        except BaseException:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            raise
        self._thread, self._thread_loop = thread, loop
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        thread, loop = self._thread, self._thread_loop
        self._thread = self._thread_loop = None
        if thread is None or loop is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self.stop(), loop).result(timeout=10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)

    # -- HTTP ------------------------------------------------------------------

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self._writers.add(writer)
        self._connections += 1
        conn = Connection(reader, writer, self._connections)
        try:
            while await self._serve_one(conn):
                pass
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._handlers.discard(task)
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _serve_one(self, conn: Connection) -> bool:
        """Serve one request; returns whether the connection stays open."""
        try:
            request = await read_request(conn)
        except BadRequestError as exc:
            await send_json(
                conn, exc.status, error_body(str(exc), "invalid_request_error"), keep_alive=False
            )
            return False
        if request is None:
            return False
        path = request.path[3:] if request.path.startswith("/v1/") else request.path
        body = json_object(request.body)
        record = RecordedRequest(
            request.method, request.path, dict(request.headers), body, connection=conn.number
        )
        keep_alive = request.keep_alive
        simple = self._simple_response(request, path, body)
        if simple is not None:
            self._record(record)
            await send_json(conn, *simple, keep_alive=keep_alive)
            record.completed = True
            return keep_alive
        assert body is not None
        plan = self._plan(record, body)
        if body.get("stream") is True:
            respond: Coroutine[Any, Any, bool] = send_stream(conn, plan, keep_alive)
        else:
            respond = send_completion(conn, plan, keep_alive)
        return await run_watched(conn, respond, record)

    def _simple_response(
        self, request: HTTPRequest, path: str, body: dict[str, Any] | None
    ) -> tuple[int, dict[str, Any]] | None:
        """Status and JSON for everything but a valid chat request (``None``)."""
        if path == "/models" and request.method == "GET":
            model = {"id": self.model or "scripted", "object": "model", "created": 0}
            return 200, {"object": "list", "data": [{**model, "owned_by": "superdialog"}]}
        if path != "/chat/completions":
            return 404, error_body(f"no route {request.path}", "invalid_request_error")
        if request.method != "POST":
            return 405, error_body("use POST", "invalid_request_error")
        if body is None or not isinstance(body.get("messages"), list):
            message = "body must be a JSON object with a messages list"
            return 400, error_body(message, "invalid_request_error")
        return None

    def _record(self, record: RecordedRequest) -> None:
        with self._lock:
            self._state.requests.append(record)

    def _plan(self, record: RecordedRequest, body: dict[str, Any]) -> Plan:
        """Count the call, choose its rule, record the request; then decide the answer."""
        with self._lock:
            self._state.calls += 1
            context = chat_context(self._state.calls, record)
            rule = choose(self._state.slots, context)
            record.call, record.rule = context.call, rule
            self._state.requests.append(record)
        return decide(
            rule,
            context,
            body,
            default_reply=self.default_reply,
            latency=self.latency,
            model=self.model,
        )


def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
