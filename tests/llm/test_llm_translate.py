"""Every exception the client stack can raise maps onto the LLMError tree."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import openai
import openai._exceptions
import openai._response
import pytest
from openai.types.chat import ChatCompletion

from superdialog.errors import (
    LLMConnectionError,
    LLMError,
    LLMProtocolError,
    LLMStatusError,
    LLMTimeoutError,
)
from superdialog.llm.translate import boundary_exceptions, retry_after_s, translate_error

REQUEST = httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions")


def response(status: int, headers: dict[str, str] | None = None) -> httpx2.Response:
    return httpx2.Response(status, headers=headers, request=REQUEST)


def subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | subclasses(sub)
    return found


def openai_exception_classes() -> list[type[BaseException]]:
    listed = {
        getattr(openai, name)
        for name in openai.__all__
        if isinstance(getattr(openai, name, None), type)
        and issubclass(getattr(openai, name), BaseException)
    }
    everything = listed | subclasses(openai.OpenAIError) | {openai.OpenAIError}
    return sorted(everything, key=lambda c: c.__qualname__)


STATUS_OF = {
    "BadRequestError": 400,
    "AuthenticationError": 401,
    "OAuthError": 401,
    "PermissionDeniedError": 403,
    "NotFoundError": 404,
    "ConflictError": 409,
    "UnprocessableEntityError": 422,
    "RateLimitError": 429,
    "InternalServerError": 503,
    "APIStatusError": 418,
}


def make(cls: type[BaseException]) -> BaseException:
    """A real instance of ``cls``, built the way the openai client builds it."""
    name = cls.__name__
    if name in STATUS_OF:
        if name == "OAuthError":
            return cls(response=response(401), body={"error": "invalid_token"})
        return cls("boom", response=response(STATUS_OF[name]), body=None)
    if cls is openai.APITimeoutError:
        return cls(REQUEST)
    if cls is openai.APIConnectionError:
        return cls(request=REQUEST)
    if cls is openai.APIResponseValidationError:
        return cls(response(200), body=None)
    if cls is openai.APIError:
        return cls("stream error", REQUEST, body={"type": "server_error"})
    if cls is openai.LengthFinishReasonError:
        return cls(completion=ChatCompletion.construct(usage=None))
    # Every other class (and any added by a future openai release): built
    # without its own __init__, which is all translate_error relies on.
    error = cls.__new__(cls)
    Exception.__init__(error, "boom")
    return error


EXPECTED: dict[str, type[LLMError]] = {
    "APITimeoutError": LLMTimeoutError,
    "APIConnectionError": LLMConnectionError,
    "SubjectTokenProviderError": LLMConnectionError,
    "WebSocketConnectionClosedError": LLMConnectionError,
    "WebSocketQueueFullError": LLMConnectionError,
    **dict.fromkeys(STATUS_OF, LLMStatusError),
}


@pytest.mark.parametrize("cls", openai_exception_classes(), ids=lambda c: c.__qualname__)
def test_every_openai_exception_is_mapped(cls: type[BaseException]):
    error = make(cls)
    mapped = translate_error(error)
    assert isinstance(mapped, EXPECTED.get(cls.__name__, LLMProtocolError))
    if isinstance(mapped, LLMStatusError):
        assert mapped.status_code == STATUS_OF[cls.__name__]
        assert mapped.retryable is (mapped.status_code in (429, 503))
    if issubclass(cls, openai.OpenAIError):
        assert isinstance(error, boundary_exceptions())


def test_the_openai_exception_list_is_not_trivially_small():
    names = {c.__name__ for c in openai_exception_classes()}
    assert {"RateLimitError", "APITimeoutError", "StreamAlreadyConsumed"} <= names


def test_stream_error_events_are_retryable_only_for_server_errors():
    transient = openai.APIError("x", REQUEST, body={"type": "server_error", "message": "x"})
    permanent = openai.APIError("x", REQUEST, body={"type": "invalid_request_error"})
    assert translate_error(transient).retryable is True
    assert translate_error(permanent).retryable is False


def http_exception_classes() -> list[type[BaseException]]:
    return sorted(
        {
            getattr(httpx2, name)
            for name in httpx2.__all__
            if isinstance(getattr(httpx2, name), type)
            and issubclass(getattr(httpx2, name), Exception)
        },
        key=lambda c: c.__name__,
    )


def make_http(cls: type[BaseException]) -> BaseException:
    if cls is httpx2.HTTPStatusError:
        return cls("bad", request=REQUEST, response=response(502))
    error = cls.__new__(cls)
    Exception.__init__(error, "boom")
    return error


@pytest.mark.parametrize("cls", http_exception_classes(), ids=lambda c: c.__name__)
def test_every_httpx2_exception_is_mapped(cls: type[BaseException]):
    mapped = translate_error(make_http(cls))
    if issubclass(cls, httpx2.TimeoutException):
        assert isinstance(mapped, LLMTimeoutError)
    elif cls is httpx2.HTTPStatusError:
        assert isinstance(mapped, LLMStatusError) and mapped.status_code == 502
    elif issubclass(cls, httpx2.DecodingError | httpx2.StreamError | httpx2.CookieConflict):
        assert isinstance(mapped, LLMProtocolError)
    else:
        assert isinstance(mapped, LLMConnectionError)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (TimeoutError(), LLMTimeoutError),
        (ConnectionResetError(), LLMConnectionError),
        (json.JSONDecodeError("Expecting value", "{x", 1), LLMProtocolError),
    ],
)
def test_builtin_errors_at_the_boundary(error: BaseException, expected: type[LLMError]):
    assert isinstance(translate_error(error), expected)
    assert isinstance(error, boundary_exceptions())


def test_llm_errors_pass_through_unchanged():
    error = LLMTimeoutError("x")
    assert translate_error(error) is error


def test_programming_errors_are_not_boundary_errors():
    assert not isinstance(TypeError("bug"), boundary_exceptions())
    assert not isinstance(KeyError("bug"), boundary_exceptions())


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "0"}, 0.0),
        ({"retry-after": "2.5"}, 2.5),
        ({"retry-after-ms": "150"}, 0.15),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, None),
        ({}, None),
    ],
)
def test_retry_after(headers: dict[str, str], expected: Any):
    error = openai.RateLimitError("slow down", response=response(429, headers), body=None)
    assert retry_after_s(error) == expected
    assert retry_after_s(None) is None
