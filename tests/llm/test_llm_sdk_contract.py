"""What we rely on in the openai SDK: if one of these fails, the SDK changed under us.

``superdialog.llm`` posts its own prepared JSON through the SDK's documented
low-level ``AsyncOpenAI.post`` (README, "Undocumented endpoints") with
``cast_to=httpx2.Response`` and ``stream=True``, and reads the body itself. That
only works while the SDK:

* keeps ``post``'s keywords (``cast_to``, ``content``, ``options``, ``stream``,
  ``stream_cls``);
* returns the ``httpx2.Response`` unread for that ``cast_to`` when streaming;
* sends ``content`` byte for byte, with its own auth and default headers added;
* raises its ``APIStatusError`` (body read, headers kept) for an error status.

And our body must stay what ``chat.completions.create`` itself sends for the
same arguments. Every check talks to a real socket; nothing is patched.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from typing import Any

import httpx2
import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rawhttp import raw_server

from superdialog.llm import LLMConfig
from superdialog.llm.client import CHAT_PATH
from superdialog.llm.request import prepare_request

_SSE = (
    b'data: {"id":"c","object":"chat.completion.chunk","created":0,"model":"m",'
    b'"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}\n\n'
    b"data: [DONE]\n\n"
)


class _Recorder:
    """A raw HTTP endpoint that keeps every request (head and body) and answers SSE."""

    def __init__(self, status: bytes = b"200 OK", extra: bytes = b"") -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.status = status
        self.extra = extra

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {
            k.strip().lower(): v.strip()
            for k, _, v in (line.partition(":") for line in lines[1:] if line)
        }
        body = await reader.readexactly(int(headers["content-length"]))
        self.requests.append((headers | {":path": lines[0].split()[1]}, body))
        if self.status.startswith(b"200"):
            payload = b"%X\r\n%s\r\n0\r\n\r\n" % (len(_SSE), _SSE)
            kind = b"Content-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
        else:
            error = b'{"error": {"message": "slow down", "type": "requests"}}'
            payload = error
            kind = b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(error)
        writer.write(b"HTTP/1.1 " + self.status + b"\r\n" + kind + self.extra)
        writer.write(b"Connection: close\r\n\r\n" + payload)
        await writer.drain()
        writer.close()
        await writer.wait_closed()


def _client(base_url: str) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(api_key="sk-contract", base_url=base_url, max_retries=0)


def test_post_keeps_the_keywords_we_pass() -> None:
    parameters = inspect.signature(openai.AsyncOpenAI.post).parameters
    for name in ("cast_to", "content", "options", "stream", "stream_cls"):
        assert name in parameters, f"AsyncOpenAI.post lost its {name!r} keyword"
        assert parameters[name].kind is inspect.Parameter.KEYWORD_ONLY


async def test_post_returns_the_unread_response_and_sends_our_bytes() -> None:
    recorder = _Recorder()
    request = prepare_request(LLMConfig(model="m"), [{"role": "user", "content": "hi"}], None, "s1")
    async with raw_server(recorder) as url:
        client = _client(url)
        try:
            response = await client.post(
                CHAT_PATH,
                cast_to=httpx2.Response,
                content=request.body,
                options={"headers": dict(request.headers)},
                stream=True,
                stream_cls=openai.AsyncStream[Any],
            )
            assert isinstance(response, httpx2.Response)
            assert not response.is_stream_consumed and not response.is_closed
            assert response.headers.get("content-encoding") is None
            body = b"".join([part async for part in response.aiter_raw()])
            assert response.is_closed  # read to the end: the connection is released
        finally:
            await client.close()
    assert body == _SSE
    ((headers, sent),) = recorder.requests
    assert sent == request.body  # byte for byte: no transform, no re-serialisation
    assert headers[":path"] == "/v1/chat/completions"
    assert headers["authorization"] == "Bearer sk-contract"
    assert headers["content-type"] == "application/json"
    assert headers["x-superdialog-state"] == "s1"
    assert "user-agent" in headers


async def test_an_error_status_is_the_sdks_status_error_with_headers() -> None:
    recorder = _Recorder(b"429 Too Many Requests", b"Retry-After: 1\r\n")
    async with raw_server(recorder) as url:
        client = _client(url)
        try:
            with pytest.raises(openai.APIStatusError) as caught:
                await client.post(
                    CHAT_PATH,
                    cast_to=httpx2.Response,
                    content=b"{}",
                    stream=True,
                    stream_cls=openai.AsyncStream[Any],
                )
        finally:
            await client.close()
    assert caught.value.status_code == 429
    assert caught.value.response.headers["retry-after"] == "1"
    assert isinstance(caught.value.body, dict)  # read and decoded by the SDK
    assert len(recorder.requests) == 1  # max_retries=0 is honoured


async def _sdk_body(kwargs: dict[str, Any]) -> dict[str, Any]:
    recorder = _Recorder()
    async with raw_server(recorder) as url:
        client = _client(url)
        try:
            stream = await client.chat.completions.create(**kwargs)
            async for _ in stream:
                pass
        finally:
            await client.close()
    ((_, body),) = recorder.requests
    decoded: dict[str, Any] = json.loads(body)
    return decoded


_text = st.text(st.characters(codec="utf-8"), max_size=40)
_messages = st.lists(
    st.fixed_dictionaries(
        {"role": st.sampled_from(["system", "user", "assistant"]), "content": _text}
    ),
    min_size=1,
    max_size=6,
)
_tool = st.builds(
    lambda name, desc, props: {
        "type": "function",
        "function": {
            "name": name,
            "description": desc,
            "parameters": {
                "type": "object",
                "properties": {p: {"type": "string", "description": d} for p, d in props.items()},
                "additionalProperties": False,
            },
        },
    },
    st.from_regex(r"[a-z_]{1,20}", fullmatch=True),
    _text,
    st.dictionaries(st.from_regex(r"[a-z]{1,8}", fullmatch=True), _text, max_size=3),
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    messages=_messages,
    tools=st.lists(_tool, max_size=3),
    temperature=st.none() | st.floats(0, 2),
    max_tokens=st.none() | st.integers(1, 4096),
    seed=st.none() | st.integers(0, 2**31),
)
def test_our_body_is_the_body_the_sdk_sends(
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]],
    temperature: float | None,
    max_tokens: int | None,
    seed: int | None,
) -> None:
    params = {} if seed is None else {"seed": seed}
    cfg = LLMConfig(model="m", temperature=temperature, max_tokens=max_tokens, params=params)
    ours = json.loads(prepare_request(cfg, messages, tools or None).body)
    kwargs: dict[str, Any] = {
        "model": "m",
        "messages": messages,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if temperature is not None:
        kwargs["temperature"] = temperature
    if max_tokens is not None:
        kwargs["max_tokens"] = max_tokens
    if tools:
        kwargs["tools"] = tools
    if params:
        kwargs["extra_body"] = params
    assert ours == asyncio.run(_sdk_body(kwargs))


async def test_an_absolute_url_is_posted_as_given_with_the_clients_auth() -> None:
    # We join base_url and CHAT_PATH once per client; the SDK must use an absolute
    # URL as is (its _prepare_url contract) and still add its auth and headers.
    recorder = _Recorder()
    async with raw_server(recorder) as url:
        client = _client(url)
        try:
            absolute = str(client.base_url).rstrip("/") + CHAT_PATH
            response = await client.post(
                absolute,
                cast_to=httpx2.Response,
                content=b"{}",
                stream=True,
                stream_cls=openai.AsyncStream[Any],
            )
            assert isinstance(response, httpx2.Response)
            await response.aread()
        finally:
            await client.close()
    ((headers, _),) = recorder.requests
    assert headers[":path"] == "/v1/chat/completions"
    assert headers["authorization"] == "Bearer sk-contract"


async def test_the_sdk_sends_through_the_http_client_we_give_it() -> None:
    # Our transport reaches the SDK only through its public http_client parameter.
    from superdialog.llm.transport import LeanTransport

    recorder = _Recorder()
    async with raw_server(recorder) as url:
        transport = LeanTransport()
        client = openai.AsyncOpenAI(
            api_key="sk-contract",
            base_url=url,
            max_retries=0,
            http_client=openai.DefaultAsyncHttpxClient(transport=transport),
        )
        try:
            response = await client.post(
                CHAT_PATH,
                cast_to=httpx2.Response,
                content=b"{}",
                stream=True,
                stream_cls=openai.AsyncStream[Any],
            )
            body = b"".join([part async for part in response.aiter_raw()])
        finally:
            await client.close()
    assert body == _SSE
    assert len(recorder.requests) == 1
    # Closing the SDK's client closed our transport: it was the one in use.
    async with httpx2.AsyncClient(transport=transport) as plain:
        with pytest.raises(httpx2.ConnectError):
            await plain.get(url)
