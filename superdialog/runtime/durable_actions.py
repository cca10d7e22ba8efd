"""Actions at most once, also when a worker dies in the middle of the turn that started one.

A record is of the last completed turn, so a worker that dies while a turn's
action runs leaves a record from before the action started: the call, picked
up elsewhere, would enter the action's state again and run it a second time.
``guard_actions`` closes that gap for Python actions: before an action runs,
its idempotency key (``state#visit``, the same on every worker) is journaled
in the store (``before``: one round trip, in the action's own task, so it
delays the action, never speech); a call restored with that key among
``Durable.started`` takes the error path for it instead of running it again.

HTTP actions (``http:``) are not covered: give their endpoint an idempotency
key of its own.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from superdialog.errors import ActionError
from superdialog.runtime.actions import resolve_action
from superdialog.runtime.blocking import run_blocking
from superdialog.runtime.durable import state_of

if TYPE_CHECKING:
    from superdialog.runtime.call import CallMachine

__all__ = ["guard_actions", "running_key"]

Journal = Callable[[str], Awaitable[None]]


def running_key(m: CallMachine) -> str:
    """The idempotency key of the action the call is running now (its state and visit)."""
    return f"{m.node}#{(m._visits or {}).get(m.node, 1)}"


def _guarded(m: CallMachine, name: str, fn: Callable[..., Any], timeout: float,
             before: Journal) -> Callable[..., Awaitable[Any]]:  # fmt: skip
    async def action(**kwargs: Any) -> Any:
        key = running_key(m)
        if key in state_of(m).started:
            raise ActionError(
                f"action '{name}' was started by a worker that stopped; its outcome is "
                "unknown, so it is not run again",
                state=m.node,
            )
        await before(key)
        if inspect.iscoroutinefunction(fn):
            return await fn(**kwargs)
        result = await run_blocking(functools.partial(fn, **kwargs), timeout=timeout)
        return await result if inspect.isawaitable(result) else result

    return action


def guard_actions(m: CallMachine, before: Journal) -> None:
    """Journal every Python action of the call before it runs (see the module docstring).

    Call it once, right after building or restoring the machine. An action
    that is not bound stays unbound (the call reports it when it gets there).
    """
    llm, actions, validators = m._overrides or (None, None, None)
    table = dict(actions or {})
    done: set[str] = set()
    for st in m.flow.graph.states.values():
        spec = st.action.spec if st.action is not None else None
        if spec is None or spec.call is None or spec.call in done:
            continue
        done.add(spec.call)
        try:
            fn = resolve_action(m, spec.call)
        except ActionError:
            continue
        table[spec.call] = _guarded(m, spec.call, fn, spec.timeout, before)
    m._overrides = (llm, table, validators)
