"""The single place where openai/httpx exceptions become SuperDialog errors.

Callers of :mod:`superdialog.llm` only ever see :class:`superdialog.errors.LLMError`
subclasses, so the runtime can decide "retry, reprompt or hang up" without
knowing which HTTP stack the openai package happens to use (``httpx2`` in
openai 3.x, ``httpx`` before). Both are looked up lazily in ``sys.modules`` so
importing this module never imports either.
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

__all__ = ["boundary_exceptions", "retry_after_s", "stream_error", "translate_error"]

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
        An ``LLMProtocolError`` whose ``retryable`` reflects the error type.

    """
    body = error if isinstance(error, dict) else {"message": str(error)}
    message = body.get("message") or "error event in the stream"
    return LLMProtocolError(f"LLM endpoint reported: {message}", retryable=_transient(body))


def _transient(body: dict[Any, Any]) -> bool:
    kind = {str(body.get("type")), str(body.get("code"))}
    return bool(kind & _RETRYABLE_STREAM_ERRORS)


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    cause = exc.__cause__ or exc.__context__
    if cause is not None and str(cause) and str(cause) not in text:
        text = f"{text} ({type(cause).__name__}: {cause})"
    return text


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
            f"LLM endpoint answered HTTP {exc.status_code}: {exc.message}",
            status_code=exc.status_code,
        )
    if isinstance(exc, openai.APIError):
        # An error event inside a 200 stream: the body says whether it is transient.
        body = exc.body if isinstance(exc.body, dict) else {}
        return LLMProtocolError(text, retryable=_transient(body))
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
            return LLMStatusError(text, status_code=exc.response.status_code)
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
        return LLMProtocolError(f"LLM endpoint sent data that is not JSON: {exc}")
    if isinstance(exc, OSError):
        return LLMConnectionError(text)
    anyio: Any = sys.modules.get("anyio")
    if anyio is not None and isinstance(
        exc, anyio.EndOfStream | anyio.BrokenResourceError | anyio.ClosedResourceError
    ):
        return LLMConnectionError(text)
    return LLMProtocolError(text)
