"""Helpers for testing SuperDialog flows offline.

Names are exported lazily through module ``__getattr__`` so that importing
``superdialog.testing`` (which pytest does for the plugin entry point) costs
nothing until a helper is actually used.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Effect", "Latency", "RecordingSession", "Rule", "ScriptedLLMServer"]

_LAZY: dict[str, str] = {
    "Effect": "superdialog.testing.session",
    "RecordingSession": "superdialog.testing.session",
    "Latency": "superdialog.testing.llm_server",
    "Rule": "superdialog.testing.llm_server",
    "ScriptedLLMServer": "superdialog.testing.llm_server",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
