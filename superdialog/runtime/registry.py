"""Named Python callables that flows refer to: actions and slot validators.

Bind them explicitly: either register process-wide with the decorators, or
pass a mapping to ``flow.build(actions=..., validators=...)`` (which wins).
Flows name them; nothing is resolved by ``getattr`` magic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from superdialog.pii import get_logger

__all__ = ["action", "registered_actions", "registered_validators", "validator"]

F = TypeVar("F", bound=Callable[..., Any])

_ACTIONS: dict[str, Callable[..., Any]] = {}
_VALIDATORS: dict[str, Callable[[Any], Any]] = {}

log = get_logger("superdialog.registry")


def _where(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def _register(table: dict[str, Any], kind: str, name: str, fn: Callable[..., Any]) -> None:
    """Register ``fn``; another callable already under ``name`` is replaced, and said so.

    The registry is process-wide: two flows whose files both register ``lookup``
    would otherwise call whichever was imported last, silently. The same function
    registered again (its module re-imported) replaces it quietly.
    """
    old = table.get(name)
    if old is not None and old is not fn and _where(old) != _where(fn):
        log.warning(
            "%s '%s' registered again: %s replaces %s for every flow of this process "
            "(give one another name, or pass it to flow.build(%ss=...))",
            kind, name, _where(fn), _where(old), kind,
        )  # fmt: skip
    table[name] = fn


def action(name: str) -> Callable[[F], F]:
    """Register an action callable (sync or async) under ``name``.

    The callable receives the action's ``args`` as keyword arguments and returns
    a JSON-like result stored as ``results.<name>`` for templates and ``if:``.
    """

    def deco(fn: F) -> F:
        _register(_ACTIONS, "action", name, fn)
        return fn

    return deco


def validator(name: str) -> Callable[[F], F]:
    """Register a slot validator under ``name``.

    It receives the parsed value and returns ``None``/``True`` when valid, or a
    short caller-facing reason (a string) or ``False`` when not.
    """

    def deco(fn: F) -> F:
        _register(_VALIDATORS, "validator", name, fn)
        return fn

    return deco


def registered_actions() -> dict[str, Callable[..., Any]]:
    """The process-wide action registry (read-only view by copy)."""
    return dict(_ACTIONS)


def registered_validators() -> dict[str, Callable[[Any], Any]]:
    """The process-wide validator registry (copy)."""
    return dict(_VALIDATORS)
