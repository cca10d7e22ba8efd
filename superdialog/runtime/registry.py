"""Named Python callables that flows refer to: actions and slot validators.

Bind them explicitly: either register process-wide with the decorators, or
pass a mapping to ``flow.build(actions=..., validators=...)`` (which wins).
Flows name them; nothing is resolved by ``getattr`` magic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["action", "registered_actions", "registered_validators", "validator"]

F = TypeVar("F", bound=Callable[..., Any])

_ACTIONS: dict[str, Callable[..., Any]] = {}
_VALIDATORS: dict[str, Callable[[Any], Any]] = {}


def action(name: str) -> Callable[[F], F]:
    """Register an action callable (sync or async) under ``name``.

    The callable receives the action's ``args`` as keyword arguments and returns
    a JSON-like result stored as ``results.<name>`` for templates and ``if:``.
    """

    def deco(fn: F) -> F:
        _ACTIONS[name] = fn
        return fn

    return deco


def validator(name: str) -> Callable[[F], F]:
    """Register a slot validator under ``name``.

    It receives the parsed value and returns ``None``/``True`` when valid, or a
    short caller-facing reason (a string) or ``False`` when not.
    """

    def deco(fn: F) -> F:
        _VALIDATORS[name] = fn
        return fn

    return deco


def registered_actions() -> dict[str, Callable[..., Any]]:
    """The process-wide action registry (read-only view by copy)."""
    return dict(_ACTIONS)


def registered_validators() -> dict[str, Callable[[Any], Any]]:
    """The process-wide validator registry (copy)."""
    return dict(_VALIDATORS)
