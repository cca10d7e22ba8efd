"""A chat-completion request, serialised once by us instead of per request by the SDK.

The openai SDK's typed ``chat.completions.create`` walks every message and tool
through its TypedDict transform before serialising (``_async_transform_recursive``):
about 4 ms of CPU for a 25-message request, on every model call of every live
call, to produce exactly the JSON we already have. We build the body here, encode
it once with orjson, and hand the bytes to the SDK's documented low-level
``client.post(..., content=...)``; auth, base URL, default headers, the HTTP
stack and the mapping of HTTP errors stay the SDK's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import orjson

from superdialog.llm.config import LLMConfig

__all__ = ["EDGE_HEADER", "STATE_HEADER", "PreparedRequest", "encode_json", "prepare_request"]

STATE_HEADER = "x-superdialog-state"
"""Request header carrying the flow state (``node_id``), percent-encoded UTF-8."""

EDGE_HEADER = "x-superdialog-edge"
"""Request header carrying ``edge_hint``, percent-encoded UTF-8."""

# Printable ASCII except "%" passes through unchanged; everything else is escaped.
_HEADER_SAFE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%")

_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS
_JSON_HEADERS = {"Content-Type": "application/json", "Accept": "text/event-stream"}


@dataclass(frozen=True, slots=True)
class PreparedRequest:
    """One request, ready to post: every attempt of the call sends these same bytes.

    Attributes:
        body: The JSON body, encoded.
        headers: Headers added to the client's own (auth, user agent...).
        offered: Names of the tools offered, or ``None`` when none were.

    """

    body: bytes
    headers: Mapping[str, str]
    offered: frozenset[str] | None


def _default(value: Any) -> Any:
    """What orjson cannot encode natively but a flow's ``params`` may hold."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (tuple, set, frozenset)):
        return list(value)
    if isinstance(value, (dt.date, dt.time)):  # YAML reads dates; orjson needs them plain
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def encode_json(value: Any) -> bytes:
    """``value`` as compact UTF-8 JSON (orjson, with the few conversions flows need).

    Raises:
        TypeError: A value that has no JSON form (a programming error, not an outage).

    """
    try:
        return orjson.dumps(value, default=_default, option=_JSON_OPTIONS)
    except orjson.JSONEncodeError as exc:
        if "surrogates" not in str(exc):
            raise TypeError(f"request body is not JSON serialisable ({exc})") from None
    # A lone UTF-16 surrogate in some text (a caller's words, a value a model gave, the
    # model's own words): not UTF-8, so orjson refuses the whole body, and every later
    # request of the call failed with it. It becomes U+FFFD, as a UTF-8 decoder reads it.
    try:
        return orjson.dumps(_scrubbed(value), default=_default, option=_JSON_OPTIONS)
    except orjson.JSONEncodeError as exc:
        raise TypeError(f"request body is not JSON serialisable ({exc})") from None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _scrubbed(value: Any) -> Any:
    """``value`` with every lone surrogate in its strings (keys too) replaced by U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, Mapping):
        return {_scrubbed(k): _scrubbed(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrubbed(v) for v in value]
    return value


def prepare_request(
    cfg: LLMConfig,
    messages: Sequence[Mapping[str, Any]],
    tools: Sequence[Mapping[str, Any]] | None = None,
    node_id: str | None = None,
    edge_hint: str | None = None,
) -> PreparedRequest:
    """The body and headers of one streamed chat completion.

    The body is what ``chat.completions.create(stream=True, ...)`` sends for the
    same arguments: ``model``, ``messages``, ``stream``, ``stream_options``
    (usage in the last chunk), ``temperature`` and ``max_tokens`` when set,
    ``tools`` when any, and ``cfg.params`` merged last (as ``extra_body`` is),
    so vendor keys pass through and can override ours.

    Args:
        cfg: The endpoint settings (model and sampling fields are read).
        messages: OpenAI-format chat messages.
        tools: OpenAI-format tool definitions; ``None`` or empty offers none.
        node_id: Sent as ``x-superdialog-state``.
        edge_hint: Sent as ``x-superdialog-edge``.

    Returns:
        The prepared request.

    Raises:
        TypeError: ``messages``, ``tools`` or ``cfg.params`` hold a value with
            no JSON form.

    """
    body: dict[str, Any] = {
        "model": cfg.resolved_model,
        "messages": messages,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if cfg.temperature is not None:
        body["temperature"] = cfg.temperature
    if cfg.max_tokens is not None:
        body["max_tokens"] = cfg.max_tokens
    offered: frozenset[str] | None = None
    if tools:  # OpenAI rejects an empty list
        body["tools"] = tools
        offered = frozenset(_tool_names(tools))
    elif tools is not None:
        offered = frozenset()
    if cfg.params:
        body.update(cfg.params)
    headers = dict(_JSON_HEADERS)  # the caller's own: the SDK merges, never mutates
    if node_id is not None or edge_hint is not None:
        if node_id is not None:
            headers[STATE_HEADER] = quote(node_id, safe=_HEADER_SAFE)
        if edge_hint is not None:
            headers[EDGE_HEADER] = quote(edge_hint, safe=_HEADER_SAFE)
    return PreparedRequest(body=encode_json(body), headers=headers, offered=offered)


def _tool_names(tools: Sequence[Mapping[str, Any]]) -> list[str]:
    names: list[str] = []
    for tool in tools:
        function = tool.get("function")
        name = function.get("name") if isinstance(function, Mapping) else tool.get("name")
        if isinstance(name, str):
            names.append(name)
    return names
