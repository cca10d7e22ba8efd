"""Configuration of one model endpoint, as a flow's ``llm:`` block resolves to."""

from __future__ import annotations

import dataclasses
import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DEFAULT_MODEL", "PLACEHOLDER_API_KEY", "LLMConfig", "call_overrides"]

DEFAULT_MODEL = "gpt-4o-mini"
"""Model used when neither the config nor ``OPENAI_MODEL`` names one."""

PLACEHOLDER_API_KEY = "sk-superdialog-no-key"
"""Sent when no API key is configured anywhere.

Loopback and self-hosted OpenAI-compatible servers (the scripted test server,
vLLM, llama.cpp, Ollama) ignore the key, but the openai client refuses to
start without one. A real endpoint answers 401, which surfaces as
``LLMStatusError(status_code=401)`` rather than a confusing start-up error.
"""


@dataclass(frozen=True, slots=True)
class LLMConfig:
    """Everything needed to call one OpenAI-compatible chat endpoint.

    Frozen so a config can be shared between concurrent calls without anyone
    changing timeouts under a live stream.

    Attributes:
        model: Model name; ``None`` means ``OPENAI_MODEL`` or ``DEFAULT_MODEL``.
        base_url: Endpoint root such as ``http://127.0.0.1:8000/v1``; ``None``
            means ``OPENAI_BASE_URL`` or the openai client's default.
        api_key: ``None`` means ``OPENAI_API_KEY`` or ``PLACEHOLDER_API_KEY``.
        temperature: Sampling temperature; ``None`` leaves it to the server.
        max_tokens: Completion cap sent as ``max_tokens``; ``None`` omits it.
        params: Extra body fields passed through unchanged (``top_p``,
            ``seed``, ``max_completion_tokens``, vendor-specific keys).
        connect_timeout_s: TCP/TLS connect timeout of one attempt.
        first_token_timeout_s: Longest wait, per attempt, from sending the
            request to the first text or tool-call fragment.
        total_timeout_s: Wall-clock budget of the whole call, retries and
            back-off included.
        retries: Extra attempts after the first one, made only while nothing
            has been yielded to the caller.
        backoff_s: Base delay of the exponential back-off between attempts.
        max_backoff_s: Cap of one back-off delay.
        speculative_openings: When the caller speaks in an LLM state whose
            transitions lead to LLM states, request those states' openings
            alongside the transition request, so the next state speaks one
            model round trip after the caller instead of two. The runtime only
            lets the caller hear an opening whose request is exactly the one
            it would have sent after the move; the others are cancelled (their
            prompt tokens are the cost). ``False`` asks strictly one model
            request at a time.

    """

    model: str | None = None
    base_url: str | None = None
    api_key: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    connect_timeout_s: float = 3.0
    first_token_timeout_s: float = 6.0
    total_timeout_s: float = 30.0
    retries: int = 2
    backoff_s: float = 0.25
    max_backoff_s: float = 2.0
    speculative_openings: bool = True

    def __post_init__(self) -> None:
        for name in ("connect_timeout_s", "first_token_timeout_s", "total_timeout_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"LLMConfig.{name} must be > 0, got {getattr(self, name)!r}")
        if self.retries < 0:
            raise ValueError(f"LLMConfig.retries must be >= 0, got {self.retries!r}")
        if self.backoff_s < 0 or self.max_backoff_s < 0:
            raise ValueError("LLMConfig.backoff_s and max_backoff_s must be >= 0")
        if self.max_tokens is not None and self.max_tokens <= 0:
            raise ValueError(f"LLMConfig.max_tokens must be > 0, got {self.max_tokens!r}")
        # Copy so a caller mutating its dict later cannot change a frozen config.
        object.__setattr__(self, "params", dict(self.params))

    def with_env(self, environ: Mapping[str, str] | None = None) -> LLMConfig:
        """Fill unset ``base_url``, ``api_key`` and ``model`` from the environment.

        Explicit values always win, so a flow can pin a model while the
        deployment supplies the key. Empty variables count as unset.

        Args:
            environ: Where to read ``OPENAI_BASE_URL``, ``OPENAI_API_KEY`` and
                ``OPENAI_MODEL``; defaults to ``os.environ``.

        Returns:
            A new config (or ``self`` when nothing changed).

        """
        env = os.environ if environ is None else environ
        base_url = self.base_url or env.get("OPENAI_BASE_URL") or None
        api_key = self.api_key or env.get("OPENAI_API_KEY") or None
        model = self.model or env.get("OPENAI_MODEL") or None
        if (base_url, api_key, model) == (self.base_url, self.api_key, self.model):
            return self
        return dataclasses.replace(self, base_url=base_url, api_key=api_key, model=model)

    @property
    def resolved_model(self) -> str:
        """The model name that will be sent (``DEFAULT_MODEL`` if unset)."""
        return self.model or DEFAULT_MODEL

    @property
    def resolved_api_key(self) -> str:
        """The API key that will be sent (``PLACEHOLDER_API_KEY`` if unset)."""
        return self.api_key or PLACEHOLDER_API_KEY


def call_overrides(llm: Mapping[str, Any] | LLMConfig | None) -> dict[str, Any] | None:
    """A call's model settings (``build(llm=...)``) as checked overrides of the flow's.

    Checked when the call is built: a misspelt setting or a value out of range used to
    fail at the call's first model request, mid-call, on the error path. An ``LLMConfig``
    stands for all of its settings.

    Raises:
        TypeError: a setting ``LLMConfig`` does not have, or not a mapping.
        ValueError: a value ``LLMConfig`` refuses.

    """
    if llm is None:
        return None
    known = [f.name for f in dataclasses.fields(LLMConfig)]
    if isinstance(llm, LLMConfig):
        return {name: getattr(llm, name) for name in known}
    if not isinstance(llm, Mapping):
        raise TypeError(f"llm= takes a mapping or an LLMConfig, not {type(llm).__name__}")
    for name in llm:
        if name not in known:
            close = difflib.get_close_matches(str(name), known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f"; known: {', '.join(known)}"
            raise TypeError(f"llm=: unknown setting {name!r}{hint}")
    LLMConfig(**llm)  # values out of range say so now
    return dict(llm)
