"""The single place where openai/httpx exceptions become SuperDialog errors.

Callers of :mod:`superdialog.llm` only ever see :class:`superdialog.errors.LLMError`
subclasses, so the runtime can decide "retry, reprompt or hang up" without
knowing which HTTP stack the openai package happens to use (``httpx2`` in
openai 3.x, ``httpx`` before). Both are looked up lazily in ``sys.modules`` so
importing this module never imports either.

Messages are built from facts we can vouch for: exception classes, HTTP status
codes, the operating system's reason for a socket error, and error types from a
fixed list. Never from what the endpoint wrote (a body, a status line, an error
message): endpoints quote the prompt back ("... your message 'my card is 4111...'
was flagged"), and these messages are logged. The original exception stays
attached as ``__cause__`` for a debugger, not for logs.
"""

from __future__ import annotations

import json
import ssl
import sys
from typing import Any

from superdialog.errors import (
    LLMConnectionError,
    LLMError,
    LLMProtocolError,
    LLMStatusError,
    LLMTimeoutError,
)

__all__ = [
    "boundary_exceptions",
    "error_kind",
    "retry_after_s",
    "stream_error",
    "translate_error",
]

_HTTP_MODULES = ("httpx2", "httpx")
_RETRYABLE_STREAM_ERRORS = frozenset({"server_error", "rate_limit_error", "rate_limit_exceeded"})


def boundary_exceptions() -> tuple[type[BaseException], ...]:
    """Exception types that may escape the openai client and must be translated.

    Returns:
        A tuple for an ``except`` clause. Programming errors (``TypeError``...)
        are deliberately absent so that bugs are not disguised as outages.

    """
    types: list[type[BaseException]] = [
        LLMError,
        TimeoutError,
        OSError,
        ssl.SSLError,
        json.JSONDecodeError,
    ]
    openai = sys.modules.get("openai")
    if openai is not None:
        types.append(openai.OpenAIError)
    for name in _HTTP_MODULES:
        http = sys.modules.get(name)
        if http is not None:
            types += [http.HTTPError, http.StreamError, http.InvalidURL]
    anyio = sys.modules.get("anyio")
    if anyio is not None:
        types += [anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError]
    return tuple(types)


def translate_error(exc: BaseException) -> LLMError:
    """Map one exception from the client stack onto the ``LLMError`` tree.

    Callers raise the result ``from exc`` so the original stays in the
    traceback for debugging.

    Args:
        exc: Anything raised by the openai client, httpx/httpx2, anyio or the
            socket layer while talking to the endpoint.

    Returns:
        The matching ``LLMError``; an ``LLMError`` passed in is returned as is.

    """
    if isinstance(exc, LLMError):
        return exc
    mapped = _from_openai(exc)
    if mapped is None:
        mapped = _from_http(exc)
    if mapped is None:
        mapped = _from_builtin(exc)
    return mapped


def retry_after_s(exc: BaseException | None) -> float | None:
    """Seconds the endpoint asked us to wait (``Retry-After``), if it did.

    Args:
        exc: Usually the ``__cause__`` of a translated ``LLMStatusError``.

    Returns:
        The delay in seconds, or ``None`` when absent or not a number.

    """
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) / scale
        except ValueError:
            continue  # an HTTP date: rare for LLM APIs, fall back to our back-off
        if seconds >= 0:
            return seconds
    return None


def stream_error(error: object) -> LLMError:
    """The error for an ``{"error": {...}}`` object sent inside a 200 stream.

    OpenAI reports failures that happen after the response started this way;
    ``server_error`` and rate limits are transient, anything else is not.

    Args:
        error: The value of the ``error`` key.

    Returns:
        An ``LLMProtocolError`` whose ``retryable`` reflects the error type,
        naming the type only if it is a known one (see :func:`error_kind`).

    """
    body = error if isinstance(error, dict) else {}
    return LLMProtocolError(
        f"LLM endpoint reported an error in the stream{_kind_suffix(body)}",
        retryable=_transient(body),
    )


# Error types and codes OpenAI and compatible servers send; anything else is "other".
_KNOWN_KINDS = frozenset(
    {
        "server_error", "rate_limit_error", "rate_limit_exceeded", "requests", "tokens",
        "invalid_request_error", "authentication_error", "permission_error",
        "permission_denied", "not_found_error", "insufficient_quota", "invalid_api_key",
        "model_not_found", "context_length_exceeded", "content_filter",
        "content_policy_violation", "overloaded_error", "api_error", "timeout",
        "engine_overloaded", "service_unavailable", "bad_request", "unsupported_parameter",
        "unsupported_value", "invalid_value", "invalid_type", "missing_required_parameter",
        "string_above_max_length", "tool_use_failed", "internal_error", "unavailable",
    }
)  # fmt: skip


def error_kind(body: object) -> str | None:
    """The error's ``type``/``code`` when both are known names, for messages.

    Args:
        body: An endpoint's error object (``{"type": ..., "code": ...}``), or
            anything else.

    Returns:
        ``"type"`` or ``"type/code"`` built only from :data:`_KNOWN_KINDS`
        (an unknown one reads ``other``), or ``None`` when neither is given.

    """
    if not isinstance(body, dict):
        return None
    inner = body.get("error")
    fields: dict[Any, Any] = inner if isinstance(inner, dict) else body
    parts = []
    for key in ("type", "code"):
        value = fields.get(key)
        if value is None or value == "":
            continue
        parts.append(value if isinstance(value, str) and value in _KNOWN_KINDS else "other")
    return "/".join(dict.fromkeys(parts)) or None


def _kind_suffix(body: object) -> str:
    kind = error_kind(body)
    return f" ({kind})" if kind else ""


def _transient(body: dict[Any, Any]) -> bool:
    kind = {str(body.get("type")), str(body.get("code"))}
    return bool(kind & _RETRYABLE_STREAM_ERRORS)


def _describe(exc: BaseException) -> str:
    """The exception and its causes by class, with the OS's reason for socket errors.

    Messages of the client stack's exceptions may quote what the endpoint sent
    (an HTTP status line, a header, a body), so they are left out.
    """
    labels: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(labels) < 5:
        seen.add(id(current))
        label = type(current).__name__
        if isinstance(current, OSError) and isinstance(current.strerror, str):
            label += f" ({current.strerror})"
        labels.append(label)
        current = current.__cause__ or current.__context__
    return " <- ".join(labels)


def _from_openai(exc: BaseException) -> LLMError | None:
    openai: Any = sys.modules.get("openai")
    if openai is None or not isinstance(exc, openai.OpenAIError):
        return None
    text = f"LLM endpoint: {_describe(exc)}"
    if isinstance(exc, openai.APITimeoutError):
        return LLMTimeoutError(text)
    if isinstance(exc, openai.APIConnectionError):
        return LLMConnectionError(text)
    if isinstance(exc, openai.APIResponseValidationError):
        return LLMProtocolError(text)
    if isinstance(exc, openai.APIStatusError):
        return LLMStatusError(
            f"LLM endpoint answered HTTP {exc.status_code}{_kind_suffix(exc.body)}",
            status_code=exc.status_code,
        )
    if isinstance(exc, openai.APIError):
        # An error event inside a 200 stream: the body says whether it is transient.
        body = exc.body if isinstance(exc.body, dict) else {}
        return LLMProtocolError(text + _kind_suffix(body), retryable=_transient(body))
    if type(exc).__name__ == "SubjectTokenProviderError":
        status = getattr(getattr(exc, "response", None), "status_code", None)
        if isinstance(status, int):
            return LLMStatusError(text, status_code=status)
        return LLMConnectionError(text, retryable=False)
    if type(exc).__name__ == "WebSocketConnectionClosedError":
        return LLMConnectionError(text)
    if type(exc).__name__ == "WebSocketQueueFullError":
        return LLMConnectionError(text, retryable=False)
    # LengthFinishReasonError, ContentFilterFinishReasonError and anything newer:
    # the endpoint answered, but not with something we can use.
    return LLMProtocolError(text)


def _from_http(exc: BaseException) -> LLMError | None:
    for name in _HTTP_MODULES:
        http: Any = sys.modules.get(name)
        if http is None or not isinstance(exc, http.HTTPError | http.StreamError | http.InvalidURL):
            continue
        text = f"LLM endpoint: {_describe(exc)}"
        if isinstance(exc, http.TimeoutException):
            return LLMTimeoutError(text)
        if isinstance(exc, http.HTTPStatusError):
            status = exc.response.status_code
            return LLMStatusError(f"LLM endpoint answered HTTP {status}", status_code=status)
        if isinstance(exc, http.DecodingError | http.StreamError):
            return LLMProtocolError(text)
        if isinstance(exc, http.UnsupportedProtocol | http.InvalidURL | http.TooManyRedirects):
            return LLMConnectionError(text, retryable=False)
        return LLMConnectionError(text)
    return None


def _from_builtin(exc: BaseException) -> LLMError:
    text = f"LLM endpoint: {_describe(exc)}"
    if isinstance(exc, TimeoutError):
        return LLMTimeoutError(text)
    if isinstance(exc, json.JSONDecodeError):
        kind = exc.msg.split(":", 1)[0]
        return LLMProtocolError(
            f"LLM endpoint sent data that is not JSON ({kind} at position {exc.pos})"
        )
    if isinstance(exc, OSError):
        return LLMConnectionError(text)
    anyio: Any = sys.modules.get("anyio")
    if anyio is not None and isinstance(
        exc, anyio.EndOfStream | anyio.BrokenResourceError | anyio.ClosedResourceError
    ):
        return LLMConnectionError(text)
    return LLMProtocolError(text)
