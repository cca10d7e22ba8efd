"""The ``httpx2.AsyncClient`` handed to the openai SDK: a cheap path to build and send requests.

The SDK builds every request through its ``http_client``'s public ``build_request``
and sends it with ``send``. httpx2's own versions re-parse the URL the SDK just
formatted, copy and re-normalise the headers three times (client defaults,
request headers, auto headers) and pass the request through its auth, redirect
and cookie machinery: about a third of the SDK's CPU per request, for features a
chat endpoint does not use here.

:class:`LeanClient` overrides those two public methods for the requests the SDK
makes for us (a string URL, a bytes body, no query, files or cookies): the URL
object is parsed once per distinct URL, the client's default headers are
merged once per request with httpx2's rules (a default the request also
sets is dropped, case-insensitively; the request's headers follow in order),
``Host`` and ``Content-Length`` are added where and as httpx2 adds them, and
``send`` hands the request to the transport directly. Anything else (query
parameters, multipart, auth, event hooks, redirects followed) takes httpx2's
own path.

What the lean path drops, on purpose: cookies (a process-wide client shared by
every call must not carry one call's cookies into another's requests) and
httpx2's per-request ``INFO`` log line (the endpoint's URL on every turn).
"""

from __future__ import annotations

from typing import Any

import httpx2
from httpx2 import USE_CLIENT_DEFAULT

from superdialog.llm.transport import LeanTransport

__all__ = ["LeanClient"]

_MAX_URLS = 64
"""Parsed URLs kept per client: one per endpoint path in practice."""

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "QUERY"})


class LeanClient(httpx2.AsyncClient):
    """An ``httpx2.AsyncClient`` over :class:`LeanTransport` with a cheap request path.

    Args:
        transport: The transport every request goes through.
        timeout: The client's default timeout (the SDK passes its own per request).

    """

    def __init__(self, transport: LeanTransport, timeout: httpx2.Timeout) -> None:
        """Make the client; redirects are not followed (a chat endpoint that redirects is wrong)."""
        super().__init__(transport=transport, timeout=timeout, follow_redirects=False)
        self._lean_transport = transport
        self._urls: dict[str, httpx2.URL] = {}

    def build_request(
        self,
        method: str,
        url: httpx2.URL | str,
        *,
        content: Any = None,
        data: Any = None,
        files: Any = None,
        json: Any = None,
        params: Any = None,
        headers: Any = None,
        cookies: Any = None,
        timeout: Any = USE_CLIENT_DEFAULT,
        extensions: Any = None,
    ) -> httpx2.Request:
        """Build a request; a bytes body to a string URL takes the lean path (see the module)."""
        if (
            not isinstance(url, str)
            or not isinstance(content, bytes)
            or data is not None
            or files is not None
            or json is not None
            or params
            or cookies
            or extensions is not None
            or self.params
        ):
            return super().build_request(
                method,
                url,
                content=content,
                data=data,
                files=files,
                json=json,
                params=params,
                headers=headers,
                cookies=cookies,
                timeout=timeout,
                extensions=extensions,
            )
        parsed = self._urls.get(url)
        if parsed is None:
            parsed = httpx2.URL(url)
            if parsed.is_relative_url:  # joined to base_url by httpx2's rules
                return super().build_request(
                    method, url, content=content, headers=headers, timeout=timeout
                )
            if len(self._urls) >= _MAX_URLS:
                self._urls.clear()
            self._urls[url] = parsed
        given = [(k, k.lower(), v) for k, v in httpx2.Headers(headers).raw]
        names = {lowered for _, lowered, _ in given}
        # the client's own defaults, read per request: they may be changed in place
        merged = [(raw, v) for raw, v in self.headers.raw if raw.lower() not in names]
        merged.extend((raw, v) for raw, _, v in given)
        method = method.upper()
        # httpx2's order: a body's length after the given headers, then Host (and
        # a zero length for an empty body that must say so) before them all.
        auto: list[tuple[bytes, bytes]] = []
        if b"host" not in names:
            auto.append((b"Host", parsed.netloc))
        if b"content-length" not in names and b"transfer-encoding" not in names:
            if content:
                merged.append((b"Content-Length", b"%d" % len(content)))
            elif method in _BODY_METHODS:
                auto.append((b"Content-Length", b"0"))
        if auto:
            merged = auto + merged
        if isinstance(timeout, httpx2.Timeout):
            limits = timeout
        elif timeout is USE_CLIENT_DEFAULT:
            limits = self.timeout
        else:
            limits = httpx2.Timeout(timeout)
        return httpx2.Request(
            method,
            parsed,
            headers=merged,
            stream=httpx2.ByteStream(content),
            extensions={"timeout": limits.as_dict()},
        )

    async def send(
        self,
        request: httpx2.Request,
        *,
        stream: bool = False,
        auth: Any = USE_CLIENT_DEFAULT,
        follow_redirects: Any = USE_CLIENT_DEFAULT,
    ) -> httpx2.Response:
        """Send ``request`` straight to the transport; auth or redirects take httpx2's path."""
        if (
            auth is not USE_CLIENT_DEFAULT
            or follow_redirects is True
            or self.auth is not None
            or any(self.event_hooks.values())
            or "timeout" not in request.extensions
        ):
            return await super().send(
                request, stream=stream, auth=auth, follow_redirects=follow_redirects
            )
        if self.is_closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        response = await self._lean_transport.handle_async_request(request)
        response.request = request
        if not stream:
            try:
                await response.aread()
            except BaseException:
                await response.aclose()
                raise
        return response
