"""A loopback OpenAI-compatible chat server that answers from a script.

Flows are state machines whose LLM states call a model; testing them against a
real model is slow, costs money and is not reproducible. This server speaks the
same HTTP/SSE protocol as OpenAI's ``/v1/chat/completions`` (so the real
openai client, connection pooling and all, is exercised) but answers from
rules: "in state ``triage``, when the caller says *book*, reply this and call
``goto_details``". It can also misbehave on purpose (HTTP 500/429, hang, cut
the stream, send bad JSON...) so the resilience of a flow can be tested offline.

It is written on asyncio streams so it adds no dependency, and runs either in
the caller's event loop (``async with``) or in a daemon thread (``with``) for
synchronous code and separate benchmark processes (see ``cli``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import re
import threading
import time
from collections.abc import Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from superdialog.errors import Problem
from superdialog.spec.loader import load_document
from superdialog.spec.yaml_source import SourceMap, read_source

__all__ = [
    "DEFAULT_REPLY",
    "FAULTS",
    "ChatContext",
    "Fault",
    "Latency",
    "RecordedRequest",
    "Rule",
    "Script",
    "ScriptedLLMServer",
    "ToolReply",
    "estimate_tokens",
]

DEFAULT_REPLY = "Could you tell me a bit more?"
"""What the server answers when no rule matches."""

STATE_HEADER = "x-superdialog-state"

Fault = Literal["500", "429", "hang", "cut", "bad_json", "unknown_tool", "empty"]
FAULTS: tuple[str, ...] = ("500", "429", "hang", "cut", "bad_json", "unknown_tool", "empty")
# Faults that replace the answer entirely, so reply/tool/goto would be ignored.
_NO_CONTENT_FAULTS = frozenset({"500", "429", "hang", "bad_json", "empty"})


# --------------------------------------------------------------------------- script


class Latency(BaseModel):
    """How fast the fake model answers.

    ``ttft_ms`` is accepted as well as ``ttft_s`` so YAML scripts can use
    milliseconds, the unit voice latency is usually discussed in.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    ttft_s: float = Field(default=0.0, ge=0)
    tokens_per_s: float | None = Field(default=None, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _accept_ms(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "ttft_ms" in data:
            if "ttft_s" in data:
                raise ValueError("give ttft_ms or ttft_s, not both")
            data = dict(data)
            ms = data.pop("ttft_ms")
            if not isinstance(ms, int | float) or isinstance(ms, bool):
                raise ValueError(f"ttft_ms must be a number of milliseconds, got {ms!r}")
            data["ttft_s"] = ms / 1000.0
        return data

    @property
    def token_gap_s(self) -> float:
        """Seconds between two streamed pieces."""
        return 0.0 if self.tokens_per_s is None else 1.0 / self.tokens_per_s


class ToolReply(BaseModel):
    """A tool call the fake model makes.

    ``arguments`` may be a raw string, sent verbatim, to test how a flow copes
    with malformed JSON from the model.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    arguments: dict[str, Any] | str = Field(default_factory=dict)

    @property
    def raw_arguments(self) -> str:
        """The arguments exactly as they will be streamed."""
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments, ensure_ascii=False, separators=(",", ":"))


class Rule(BaseModel):
    """One scripted answer: when all matchers hold, respond like this.

    Matchers (all optional, all must hold): ``state`` (the
    ``x-superdialog-state`` header), ``user`` (case-insensitive regex searched
    in the last user message), ``tools`` (tool name(s) that must be offered),
    ``call`` (the n-th chat request since start/reset, 1-based).

    Responses: ``reply`` text (streamed word by word) and/or one tool call,
    given as ``tool`` or as ``goto: STATE`` (sugar for a call to
    ``goto_STATE`` with ``args``); or a ``fault``. ``times`` limits how often
    the rule applies; ``latency`` overrides the server's latency.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    state: str | None = None
    user: str | None = None
    tools: str | list[str] | None = None
    call: int | None = Field(default=None, ge=1)
    reply: str | None = None
    tool: ToolReply | None = None
    goto: str | None = None
    args: dict[str, Any] | None = None
    fault: Fault | None = None
    cut_after: int | None = Field(default=None, ge=0)
    times: int | None = Field(default=None, ge=1)
    latency: Latency | None = None

    @field_validator("fault", mode="before")
    @classmethod
    def _fault_as_text(cls, value: Any) -> Any:
        # YAML reads `fault: 500` as an int.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("user")
    @classmethod
    def _valid_regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
            except (RecursionError, OverflowError) as exc:
                raise ValueError(f"regular expression too complex: {type(exc).__name__}") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.tool is not None and self.goto is not None:
            raise ValueError("give either tool or goto, not both")
        if self.args is not None and self.goto is None:
            raise ValueError("args only goes with goto (use tool.arguments otherwise)")
        if self.cut_after is not None and self.fault != "cut":
            raise ValueError("cut_after only goes with fault: cut")
        answers = self.reply is not None or self.tool is not None or self.goto is not None
        if self.fault in _NO_CONTENT_FAULTS and answers:
            raise ValueError(f"fault {self.fault} sends no reply; drop reply/tool/goto")
        if self.fault == "unknown_tool" and (self.tool is not None or self.goto is not None):
            raise ValueError("fault unknown_tool picks its own tool; drop tool/goto")
        if not answers and self.fault is None:
            raise ValueError("a rule needs reply, tool, goto or fault")
        return self

    @property
    def tool_call(self) -> tuple[str, str] | None:
        """``(name, raw_arguments)`` of the tool call this rule makes, if any."""
        if self.goto is not None:
            from superdialog.compile.compiler import tool_name

            return tool_name(self.goto), json.dumps(
                self.args or {}, ensure_ascii=False, separators=(",", ":")
            )
        if self.tool is not None:
            return self.tool.name, self.tool.raw_arguments
        return None

    def matches(self, request: ChatContext) -> bool:
        """Whether every matcher of this rule holds for ``request``."""
        if self.state is not None and request.state != self.state:
            return False
        if self.user is not None and (
            request.last_user is None or not re.search(self.user, request.last_user, re.IGNORECASE)
        ):
            return False
        if self.tools is not None:
            needed = [self.tools] if isinstance(self.tools, str) else self.tools
            if not set(needed) <= request.tool_names:
                return False
        return self.call is None or request.call == self.call


class Script(BaseModel):
    """A whole script, as loaded from YAML."""

    model_config = ConfigDict(extra="forbid")

    latency: Latency = Field(default_factory=Latency)
    default: str = DEFAULT_REPLY
    rules: list[Rule] = Field(default_factory=list)

    @classmethod
    def from_yaml(cls, text: str, *, source: str = "<script>") -> Script:
        """Parse a YAML script; a bare list is taken as the rules.

        The text goes through the same loader as flow files (bounded size,
        depth and aliases; core tags only), so a broken or hostile script is a
        located ``FlowError``, never a traceback or a hang.

        Args:
            text: The YAML text.
            source: File name used in error locations.

        Returns:
            The validated script.

        Raises:
            FlowError: The YAML is invalid or does not match the format; every
                problem is reported with its line and column.

        """
        script, _ = load_document(
            text,
            source,
            cls,
            what="scripted-model file",
            translate=_problems,
            prepare=_bare_list,
            empty={},
        )
        return script

    @classmethod
    def from_file(cls, path: str | Path) -> Script:
        """Load a YAML script file (see :meth:`from_yaml`).

        Raises:
            FlowError: The file cannot be read, is not UTF-8, or is not a valid script.

        """
        return cls.from_yaml(read_source(path), source=str(path))


def _bare_list(data: Any, smap: SourceMap) -> tuple[Any, SourceMap]:
    """A script that is a bare list of rules is ``{rules: [...]}``; positions follow."""
    if not isinstance(data, list):
        return data, smap
    moved = SourceMap(smap.file)
    moved.values = {("rules", *p): at for p, at in smap.values.items()}
    moved.keys = {("rules", *p): at for p, at in smap.keys.items()}
    moved.values[()] = smap.values.get((), (1, 1))
    return {"rules": data}, moved


def _allowed_keys(loc: tuple[int | str, ...]) -> list[str]:
    if not loc:
        return list(Script.model_fields)
    if loc[-1] == "latency":
        return [*Latency.model_fields, "ttft_ms"]
    if loc[-1] == "tool":
        return list(ToolReply.model_fields)
    if loc[0] == "rules" and len(loc) == 2:
        return list(Rule.model_fields)
    return []


# Pydantic adds the union member to error locations (``tools.list[str]``).
_UNION_TAGS = ("str", "list[", "dict[", "function-", "literal[", "int", "float")


def _problems(exc: ValidationError, data: Any, smap: SourceMap) -> list[Problem]:
    problems: dict[tuple[int, int, str], Problem] = {}
    for error in exc.errors():
        loc = tuple(error["loc"])
        where = smap.locate(_locate(data, loc), key=True)
        path = ".".join(
            str(p) for p in loc if not isinstance(p, str) or not p.startswith(_UNION_TAGS)
        )
        hint = None
        if error["type"] == "extra_forbidden":
            message = f"unknown key {loc[-1]!r}" + (
                f" in {'.'.join(map(str, loc[:-1]))}" if loc[:-1] else ""
            )
            hint = "allowed keys: " + ", ".join(_allowed_keys(loc[:-1]))
        else:
            message = f"{path or 'script'}: {error['msg']}"
        problems.setdefault((where.line, where.column, message), Problem(where, message, hint))
    return list(problems.values())


def _locate(data: Any, loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """The longest prefix of an error location that exists in the data.

    Located with ``key=True``, the last mapping key points at its key, so both
    "unknown key" and "bad value" errors point at the start of the offending
    ``key: value`` line.
    """
    out: list[int | str] = []
    node = data
    for part in loc:
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not (in_list or (isinstance(node, dict) and part in node)):
            break  # an absent key, or a union tag pydantic added
        node = node[part]
        out.append(part)
    return tuple(out)


# --------------------------------------------------------------------------- requests


@dataclass(frozen=True, slots=True)
class ChatContext:
    """What rules can match on, extracted from one chat request."""

    call: int
    state: str | None
    last_user: str | None
    tool_names: frozenset[str]


@dataclass(slots=True)
class RecordedRequest:
    """One request the server received, for assertions in tests.

    Attributes:
        method: HTTP method.
        path: Request path without the query string.
        headers: Header names lower-cased.
        body: The decoded JSON body (``None`` if empty or not JSON).
        call: 1-based chat request number (0 for other endpoints).
        rule: The rule that answered, ``None`` for the default reply.
        completed: The whole response was sent.
        disconnected: The client went away before the response was complete
            (barge-in, a client timeout, ``aclose()``).
        connection: 1-based number of the TCP connection it came on; equal
            numbers prove keep-alive reuse.

    """

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    call: int = 0
    rule: Rule | None = None
    completed: bool = False
    disconnected: bool = False
    connection: int = 0

    @property
    def state(self) -> str | None:
        """The flow state the client sent in ``x-superdialog-state``."""
        value = self.headers.get(STATE_HEADER)
        return None if value is None else unquote(value)

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The chat messages of the request."""
        messages = (self.body or {}).get("messages")
        return [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []

    @property
    def tool_names(self) -> list[str]:
        """Names of the tools offered in the request."""
        return _tool_names((self.body or {}).get("tools"))


def _tool_names(tools: Any) -> list[str]:
    names: list[str] = []
    for tool in tools if isinstance(tools, list) else []:
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            names.append(function["name"])
    return names


def _message_text(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            part["text"]
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def _last_user(messages: list[dict[str, Any]]) -> str | None:
    for message in reversed(messages):
        if message.get("role") == "user":
            return _message_text(message)
    return None


def estimate_tokens(text: str) -> int:
    """A deterministic token estimate: one token per four characters.

    Real tokenizers differ per model; tests only need counts that are stable
    and grow with the text.
    """
    return max(1, math.ceil(len(text) / 4)) if text else 0


def _prompt_tokens(body: Mapping[str, Any]) -> int:
    messages = body.get("messages")
    total = sum(
        4 + estimate_tokens(_message_text(m))
        for m in (messages if isinstance(messages, list) else [])
        if isinstance(m, dict)
    )
    if body.get("tools"):
        total += estimate_tokens(json.dumps(body["tools"], sort_keys=True))
    return total


def _text_pieces(text: str) -> list[str]:
    """Split text into word-like tokens that concatenate back to ``text``."""
    return re.findall(r"\s*\S+|\s+", text)


def _argument_pieces(raw: str) -> list[str]:
    """Split JSON into OpenAI-like fragments (``{"``, ``city``, ``":"``...)."""
    return re.findall(r"[A-Za-z0-9_]+|\s+|[^A-Za-z0-9_\s]+", raw)


# --------------------------------------------------------------------------- responses


@dataclass(frozen=True, slots=True)
class _Plan:
    """The answer to one chat request, decided before anything is sent."""

    call: int
    model: str
    text: str
    tool: tuple[str, str] | None
    fault: str | None
    cut_after: int | None
    latency: Latency
    prompt_tokens: int
    include_usage: bool

    @property
    def finish_reason(self) -> str:
        return "tool_calls" if self.tool is not None else "stop"

    @property
    def completion_tokens(self) -> int:
        tool = "" if self.tool is None else self.tool[0] + self.tool[1]
        return estimate_tokens(self.text) + estimate_tokens(tool)

    @property
    def tool_call_id(self) -> str:
        return f"call_scripted_{self.call}"

    def usage(self) -> dict[str, Any]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }

    def deltas(self) -> list[dict[str, Any]]:
        """The content deltas, one per streamed piece, as OpenAI fragments them."""
        deltas: list[dict[str, Any]] = [{"content": piece} for piece in _text_pieces(self.text)]
        if self.tool is not None:
            name, raw = self.tool
            first = {"index": 0, "id": self.tool_call_id, "type": "function"}
            deltas.append({"tool_calls": [{**first, "function": {"name": name, "arguments": ""}}]})
            deltas += [
                {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}
                for piece in _argument_pieces(raw)
            ]
        return deltas

    def completion(self) -> dict[str, Any]:
        """The non-streaming ``chat.completion`` body."""
        message: dict[str, Any] = {
            "role": "assistant",
            "content": self.text if self.text or self.tool is None else None,
            "refusal": None,
            "annotations": [],
        }
        if self.tool is not None:
            message["tool_calls"] = [
                {
                    "id": self.tool_call_id,
                    "type": "function",
                    "function": {"name": self.tool[0], "arguments": self.tool[1]},
                }
            ]
        return {
            "id": f"chatcmpl-scripted-{self.call}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model,
            "system_fingerprint": "fp_scripted",
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": self.finish_reason,
                }
            ],
            "usage": self.usage(),
        }

    def chunk(self, delta: dict[str, Any] | None, finish_reason: str | None = None) -> bytes:
        """One SSE event in OpenAI's ``chat.completion.chunk`` format."""
        body: dict[str, Any] = {
            "id": f"chatcmpl-scripted-{self.call}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": self.model,
            "system_fingerprint": "fp_scripted",
            "choices": []
            if delta is None
            else [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
        }
        if self.include_usage:
            body["usage"] = self.usage() if delta is None else None
        return b"data: " + json.dumps(body, ensure_ascii=False).encode() + b"\n\n"


_STATUS_TEXT = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
}
_MAX_HEAD = 64 * 1024
_MAX_BODY = 32 * 1024 * 1024


class _BadRequestError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _error_body(message: str, kind: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


class _Connection:
    """Buffered reading over an asyncio stream.

    The buffer lets a disconnect watcher and the request parser share one
    socket without losing bytes.
    """

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, number: int
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.number = number
        self._buffer = bytearray()
        self._eof = False

    async def _fill(self) -> bool:
        if self._eof:
            return False
        data = await self.reader.read(65536)
        if not data:
            self._eof = True
            return False
        self._buffer += data
        return True

    async def read_until(self, separator: bytes, limit: int) -> bytes | None:
        while True:
            index = self._buffer.find(separator)
            if index >= 0:
                data = bytes(self._buffer[:index])
                del self._buffer[: index + len(separator)]
                return data
            if len(self._buffer) > limit:
                raise _BadRequestError(431, "request head too large")
            if not await self._fill():
                return None

    async def read_exactly(self, size: int) -> bytes | None:
        while len(self._buffer) < size:
            if not await self._fill():
                return None
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    async def wait_peer_closed(self) -> None:
        """Return when the client closes its side (buffers anything it sends)."""
        while await self._fill():
            pass

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()


@dataclass(slots=True)
class _HTTPRequest:
    method: str
    path: str
    version: str
    headers: dict[str, str]
    body: bytes

    @property
    def keep_alive(self) -> bool:
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection


async def _read_request(conn: _Connection) -> _HTTPRequest | None:
    head = await conn.read_until(b"\r\n\r\n", _MAX_HEAD)
    if head is None:
        return None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise _BadRequestError(400, f"malformed request line {lines[0]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise _BadRequestError(400, f"malformed header line {line!r}")
        key = name.strip().lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    body = await _read_body(conn, headers)
    if body is None:
        return None
    return _HTTPRequest(parts[0].upper(), urlsplit(parts[1]).path, parts[2], headers, body)


async def _read_body(conn: _Connection, headers: Mapping[str, str]) -> bytes | None:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = bytearray()
        while True:
            size_line = await conn.read_until(b"\r\n", _MAX_HEAD)
            if size_line is None:
                return None
            try:
                size = int(size_line.split(b";")[0].strip(), 16)
            except ValueError:
                raise _BadRequestError(400, "malformed chunk size") from None
            if size == 0:
                # Trailers, if any, end with an empty line.
                while await conn.read_until(b"\r\n", _MAX_HEAD) not in (b"", None):
                    pass
                return bytes(body)
            if len(body) + size > _MAX_BODY:
                raise _BadRequestError(413, "request body too large")
            data = await conn.read_exactly(size + 2)
            if data is None:
                return None
            body += data[:-2]
    try:
        length = int(headers.get("content-length", "0"))
    except ValueError:
        raise _BadRequestError(400, "malformed Content-Length") from None
    if length > _MAX_BODY:
        raise _BadRequestError(413, "request body too large")
    return await conn.read_exactly(length) if length > 0 else b""


def _head(status: int, headers: Mapping[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} {_STATUS_TEXT.get(status, 'Status')}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _send_json(
    conn: _Connection,
    status: int,
    payload: Any,
    *,
    keep_alive: bool,
    extra: Mapping[str, str] | None = None,
) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        "Connection": "keep-alive" if keep_alive else "close",
        **(extra or {}),
    }
    await conn.send(_head(status, headers) + body)


def _chunked(data: bytes) -> bytes:
    return f"{len(data):X}\r\n".encode() + data + b"\r\n"


# --------------------------------------------------------------------------- server


@dataclass(slots=True)
class _Slot:
    rule: Rule
    used: int = 0


@dataclass(slots=True)
class _State:
    slots: list[_Slot] = field(default_factory=list)
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
            self._state.slots.append(_Slot(rule))
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
        conn = _Connection(reader, writer, self._connections)
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

    async def _serve_one(self, conn: _Connection) -> bool:
        """Serve one request; returns whether the connection stays open."""
        try:
            request = await _read_request(conn)
        except _BadRequestError as exc:
            await _send_json(
                conn, exc.status, _error_body(str(exc), "invalid_request_error"), keep_alive=False
            )
            return False
        if request is None:
            return False
        path = request.path[3:] if request.path.startswith("/v1/") else request.path
        body = _json_object(request.body)
        record = RecordedRequest(
            request.method, request.path, dict(request.headers), body, connection=conn.number
        )
        keep_alive = request.keep_alive
        simple = self._simple_response(request, path, body)
        if simple is not None:
            self._record(record)
            await _send_json(conn, *simple, keep_alive=keep_alive)
            record.completed = True
            return keep_alive
        assert body is not None
        plan = self._plan(record, body)
        if body.get("stream") is True:
            respond: Coroutine[Any, Any, bool] = self._stream(conn, plan, keep_alive)
        else:
            respond = self._complete(conn, plan, keep_alive)
        return await _watched(conn, respond, record)

    def _simple_response(
        self, request: _HTTPRequest, path: str, body: dict[str, Any] | None
    ) -> tuple[int, dict[str, Any]] | None:
        """Status and JSON for everything but a valid chat request (``None``)."""
        if path == "/models" and request.method == "GET":
            model = {"id": self.model or "scripted", "object": "model", "created": 0}
            return 200, {"object": "list", "data": [{**model, "owned_by": "superdialog"}]}
        if path != "/chat/completions":
            return 404, _error_body(f"no route {request.path}", "invalid_request_error")
        if request.method != "POST":
            return 405, _error_body("use POST", "invalid_request_error")
        if body is None or not isinstance(body.get("messages"), list):
            message = "body must be a JSON object with a messages list"
            return 400, _error_body(message, "invalid_request_error")
        return None

    def _record(self, record: RecordedRequest) -> None:
        with self._lock:
            self._state.requests.append(record)

    def _plan(self, record: RecordedRequest, body: dict[str, Any]) -> _Plan:
        messages = record.messages
        with self._lock:
            self._state.calls += 1
            context = ChatContext(
                call=self._state.calls,
                state=record.state,
                last_user=_last_user(messages),
                tool_names=frozenset(record.tool_names),
            )
            rule = None
            for slot in self._state.slots:
                if slot.rule.times is not None and slot.used >= slot.rule.times:
                    continue
                if slot.rule.matches(context):
                    slot.used += 1
                    rule = slot.rule
                    break
            record.call, record.rule = context.call, rule
            self._state.requests.append(record)
        options = body.get("stream_options")
        include_usage = isinstance(options, dict) and options.get("include_usage") is True
        model = self.model or str(body.get("model") or "scripted")
        common: dict[str, Any] = {
            "call": context.call,
            "model": model,
            "prompt_tokens": _prompt_tokens(body),
            "include_usage": include_usage,
        }
        if rule is None:
            return _Plan(
                text=self.default_reply,
                tool=None,
                fault=None,
                cut_after=None,
                latency=self.latency,
                **common,
            )
        text = rule.reply or ""
        tool = rule.tool_call
        if rule.fault == "cut" and rule.reply is None and tool is None:
            text = self.default_reply
        if rule.fault == "unknown_tool":
            name = "unknown_tool"
            while name in context.tool_names:
                name += "_x"
            tool = (name, "{}")
        return _Plan(
            text=text,
            tool=tool,
            fault=rule.fault,
            cut_after=rule.cut_after,
            latency=rule.latency or self.latency,
            **common,
        )

    async def _stream(self, conn: _Connection, plan: _Plan, keep_alive: bool) -> bool:
        if plan.fault in ("500", "429", "hang"):
            return await _status_fault(conn, plan, keep_alive)
        headers = {
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache",
            "Transfer-Encoding": "chunked",
            "Connection": "keep-alive" if keep_alive else "close",
            "x-request-id": f"req_scripted_{plan.call}",
        }
        await conn.send(_head(200, headers))
        await asyncio.sleep(plan.latency.ttft_s)
        await conn.send(_chunked(plan.chunk({"role": "assistant", "content": "", "refusal": None})))
        if plan.fault == "bad_json":
            await conn.send(_chunked(b'data: {"id": "chatcmpl-broken", "choices": [{"delta": \n\n'))
        else:
            deltas = [] if plan.fault == "empty" else plan.deltas()
            limit = len(deltas)
            if plan.fault == "cut":
                limit = plan.cut_after if plan.cut_after is not None else max(1, len(deltas) // 2)
            for index, delta in enumerate(deltas[:limit]):
                if index:
                    await asyncio.sleep(plan.latency.token_gap_s)
                await conn.send(_chunked(plan.chunk(delta)))
            if plan.fault == "cut":
                conn.writer.close()  # no terminating chunk, no [DONE]
                return False
            await conn.send(_chunked(plan.chunk({}, plan.finish_reason)))
            if plan.include_usage:
                await conn.send(_chunked(plan.chunk(None)))
        await conn.send(_chunked(b"data: [DONE]\n\n") + b"0\r\n\r\n")
        return keep_alive

    async def _complete(self, conn: _Connection, plan: _Plan, keep_alive: bool) -> bool:
        if plan.fault in ("500", "429", "hang"):
            return await _status_fault(conn, plan, keep_alive)
        pieces = 0 if plan.fault == "empty" else len(plan.deltas())
        await asyncio.sleep(plan.latency.ttft_s + max(0, pieces - 1) * plan.latency.token_gap_s)
        if plan.fault == "bad_json":
            body = b'{"id": "chatcmpl-broken", "choices": ['
            headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
            await conn.send(_head(200, headers) + body)
            return False
        completion = plan.completion()
        if plan.fault == "empty":
            completion["choices"][0]["message"]["content"] = ""
        if plan.fault == "cut":
            body = json.dumps(completion).encode()
            headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
            await conn.send(_head(200, headers) + body[: len(body) // 2])
            conn.writer.close()
            return False
        await _send_json(conn, 200, completion, keep_alive=keep_alive)
        return keep_alive


def _json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(raw) if raw else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


async def _status_fault(conn: _Connection, plan: _Plan, keep_alive: bool) -> bool:
    if plan.fault == "hang":
        await asyncio.Event().wait()  # until the client gives up or the server stops
    if plan.fault == "429":
        body = _error_body("scripted fault: rate limited", "requests", "rate_limit_exceeded")
        await _send_json(conn, 429, body, keep_alive=keep_alive, extra={"Retry-After": "0"})
    else:
        body = _error_body("scripted fault: internal server error", "server_error")
        await _send_json(conn, 500, body, keep_alive=keep_alive)
    return keep_alive


async def _watched(
    conn: _Connection, respond: Coroutine[Any, Any, bool], record: RecordedRequest
) -> bool:
    """Run a response while watching for the client hanging up.

    An HTTP/1.1 client sends nothing while it waits for a response, so end of
    input during a response means the client closed the connection (barge-in,
    timeout, ``aclose()``). The response is then abandoned and the request is
    marked ``disconnected``, which tests use to prove the client let go.
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
    if watcher.done() and not watcher.cancelled():
        watcher.exception()  # a reset (not closed) connection is a hang-up too; mark it seen
    if responder in done and not responder.cancelled():
        error = responder.exception()
        if error is None:
            record.completed = True
            return responder.result()
        if not isinstance(error, ConnectionError):
            raise error
    record.disconnected = True
    return False


def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
