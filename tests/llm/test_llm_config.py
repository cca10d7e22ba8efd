"""LLMConfig, environment overrides, the call-data contract and cheap imports."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
from llm_helpers import collect

from superdialog.llm import (
    DEFAULT_MODEL,
    PLACEHOLDER_API_KEY,
    Finished,
    LLMCallData,
    LLMConfig,
    TextDelta,
    ToolCall,
    Usage,
)
from superdialog.testing.llm_server import ScriptedLLMServer

ROOT = Path(__file__).resolve().parents[2]


def test_defaults():
    config = LLMConfig()
    assert (config.connect_timeout_s, config.first_token_timeout_s, config.total_timeout_s) == (
        3.0,
        6.0,
        30.0,
    )
    assert (config.retries, config.backoff_s) == (2, 0.25)
    assert config.resolved_model == DEFAULT_MODEL
    assert config.resolved_api_key == PLACEHOLDER_API_KEY


def test_with_env_fills_only_unset_fields():
    env = {
        "OPENAI_BASE_URL": "http://env/v1",
        "OPENAI_API_KEY": "sk-env",
        "OPENAI_MODEL": "env-model",
    }
    filled = LLMConfig().with_env(env)
    assert (filled.base_url, filled.api_key, filled.model) == (
        "http://env/v1",
        "sk-env",
        "env-model",
    )
    explicit = LLMConfig(model="flow-model", api_key="sk-flow").with_env(env)
    assert (explicit.base_url, explicit.api_key, explicit.model) == (
        "http://env/v1",
        "sk-flow",
        "flow-model",
    )
    assert LLMConfig().with_env({"OPENAI_MODEL": ""}).model is None  # empty counts as unset
    config = LLMConfig(model="m")
    assert config.with_env({}) is config


def test_config_is_frozen_and_copies_params():
    params = {"top_p": 0.5}
    config = LLMConfig(params=params)
    params["seed"] = 1
    assert config.params == {"top_p": 0.5}
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.model = "x"


@pytest.mark.parametrize(
    "bad",
    [
        {"first_token_timeout_s": 0},
        {"total_timeout_s": -1},
        {"connect_timeout_s": 0},
        {"retries": -1},
        {"backoff_s": -0.1},
        {"max_tokens": 0},
    ],
)
def test_invalid_values_are_rejected(bad: dict[str, float]):
    with pytest.raises(ValueError, match=next(iter(bad))):
        LLMConfig(**bad)


async def test_environment_points_the_client_at_the_endpoint(
    llm_server: ScriptedLLMServer, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("OPENAI_BASE_URL", llm_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    monkeypatch.setenv("OPENAI_MODEL", "env-model")
    llm_server.add_rule(reply="from env")
    events = await collect(
        LLMConfig(first_token_timeout_s=2.0), [{"role": "user", "content": "hi"}]
    )
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["from", " env"]
    request = llm_server.requests[0]
    assert request.headers["authorization"] == "Bearer sk-from-env"
    assert request.body is not None and request.body["model"] == "env-model"


async def test_without_any_key_a_placeholder_is_sent(
    llm_server: ScriptedLLMServer, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_MODEL", raising=False)
    await collect(LLMConfig(base_url=llm_server.base_url), [{"role": "user", "content": "hi"}])
    request = llm_server.requests[0]
    assert request.headers["authorization"] == f"Bearer {PLACEHOLDER_API_KEY}"
    assert request.body is not None and request.body["model"] == DEFAULT_MODEL


def test_call_data_has_exactly_the_host_contract_fields():
    assert [(f.name, f.default) for f in dataclasses.fields(LLMCallData)] == [
        ("latency_ms", dataclasses.MISSING),
        ("call_type", dataclasses.MISSING),
        ("node_id", dataclasses.MISSING),
        ("model", dataclasses.MISSING),
        ("prompt_messages", dataclasses.MISSING),
        ("response_json", dataclasses.MISSING),
        ("tokens_in", dataclasses.MISSING),
        ("tokens_out", dataclasses.MISSING),
        ("edge_id", dataclasses.MISSING),
        ("cached", 0),
        ("cache_write", 0),
        ("ttft_ms", None),
    ]
    assert hasattr(LLMCallData, "__slots__")


@pytest.mark.parametrize("cls", [TextDelta, ToolCall, Usage, Finished])
def test_events_are_frozen_and_slotted(cls: type):
    params = cls.__dataclass_params__
    assert params.frozen
    assert hasattr(cls, "__slots__")


def test_importing_superdialog_llm_does_not_import_openai():
    code = (
        "import sys, superdialog.llm, superdialog.testing;"
        "assert 'openai' not in sys.modules and 'httpx2' not in sys.modules, 'eager import'"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
