"""Action states: run a bound Python callable or an HTTP call, owned by the call.

A started action belongs to the call, not to the turn that started it: a
barge-in cancels the turn's generator (it stops speech), never the action.
The action runs as its own task, bounded only by its own ``timeout``; if the
turn is cancelled while it runs, the call stays in the action state and the
next turn settles it first (its result decides the next state, or its failure
takes the error path) before the caller's new words are looked at. A flow
therefore never moves past an action that did not complete.

A slow action is covered by the platform filler (``set_filler``) and/or a
holding line spoken after ``holding_after`` seconds. Every failure — an
exception, a timeout, a ``CancelledError`` raised by the action's own work —
becomes ``ActionError`` and takes the error path. The task's exception is
always retrieved, so asyncio never logs it (its text may hold caller data).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from superdialog.compile.model import CompiledState
from superdialog.compile.templates import CompiledTemplate
from superdialog.errors import ActionError, TemplateError
from superdialog.pii import get_logger, masking_call
from superdialog.runtime.blocking import PoolExhausted, run_blocking
from superdialog.runtime.events import ActionFinished
from superdialog.runtime.registry import registered_actions, registered_validators

if TYPE_CHECKING:
    from superdialog.runtime.call import CallMachine

log = get_logger("superdialog.actions")

__all__ = [
    "PendingAction",
    "await_pending",
    "resolve_action",
    "resolve_validator",
    "run_action",
]


class _ActionCancelled(Exception):
    """The action's own work raised ``CancelledError`` (it awaited something cancelled)."""


@dataclass(slots=True)
class PendingAction:
    """An action that has started and whose outcome the call has not applied yet."""

    state: str
    name: str
    task: asyncio.Task[Any]
    started: float  # perf_counter at start, for ActionFinished.elapsed_ms


def resolve_action(m: CallMachine, name: str) -> Callable[..., Any]:
    """The callable bound to ``name``: ``build(actions=...)`` first, then the registry."""
    overrides = m._overrides[1] if m._overrides else None
    fn = (overrides or {}).get(name) or registered_actions().get(name)
    if fn is None:
        raise ActionError(f"no action is bound to '{name}'", state=m.node)
    return fn


def resolve_validator(m: CallMachine, name: str) -> Callable[[Any], Any]:
    """The validator bound to ``name``."""
    overrides = m._overrides[2] if m._overrides else None
    fn = (overrides or {}).get(name) or registered_validators().get(name)
    if fn is None:
        raise ActionError(f"no validator is bound to '{name}'", state=m.node)
    return fn


def _render_value(m: CallMachine, value: Any, variables: dict[str, Any]) -> Any:
    if isinstance(value, CompiledTemplate):
        return value.render(variables, state=m.node) if value.static is None else value.static
    return value


async def _http_call(m: CallMachine, st: CompiledState, variables: dict[str, Any]) -> Any:
    from superdialog.runtime.http_action import http_call  # lazy: only HTTP flows load it

    assert st.action is not None
    return await http_call(st.action, variables, state=st.name)


async def _python_call(m: CallMachine, st: CompiledState, variables: dict[str, Any]) -> Any:
    action = st.action
    assert action is not None and action.spec.call is not None
    fn = resolve_action(m, action.spec.call)
    kwargs = {k: _render_value(m, v, variables) for k, v in action.args}
    if inspect.iscoroutinefunction(fn):
        return await fn(**kwargs)
    # blocking user code runs in the bounded pool of its own, never the loop's executor
    try:
        result = await run_blocking(functools.partial(fn, **kwargs), timeout=action.spec.timeout)
    except PoolExhausted as exc:
        raise PoolExhausted(str(exc), state=st.name) from None
    if inspect.isawaitable(result):
        return await result
    return result


async def _execute(m: CallMachine, st: CompiledState, variables: dict[str, Any]) -> Any:
    """The action's task: its work under its own timeout.

    A ``CancelledError`` that the work raises by itself (it awaited a future
    another task cancelled) is a failure like any other; only a cancellation of
    this task itself (the event loop shutting down) propagates as one.
    """
    action = st.action
    assert action is not None
    runner = _http_call if action.spec.http is not None else _python_call
    try:
        # this task is the call's own: log lines made inside it mask the call's secrets
        with masking_call(m.masker):
            async with asyncio.timeout(action.spec.timeout):
                return await runner(m, st, variables)
    except asyncio.CancelledError:
        me = asyncio.current_task()
        if me is not None and me.cancelling():
            raise
        raise _ActionCancelled from None


def _retrieve(task: asyncio.Task[Any]) -> None:
    """Mark the task's outcome as seen: asyncio must never log it (PII in messages)."""
    if not task.cancelled():
        task.exception()


def start_action(m: CallMachine, st: CompiledState) -> PendingAction:
    """Start the state's action as a task owned by the call."""
    action = st.action
    assert action is not None
    variables = m.variables(clear=True)  # actions get the clear values (e.g. a card to block)
    task = asyncio.ensure_future(_execute(m, st, variables))
    task.add_done_callback(_retrieve)
    pending = PendingAction(st.name, action.spec.call or "http", task, time.perf_counter())
    m._action = pending
    return pending


def settle(m: CallMachine, st: CompiledState, pending: PendingAction) -> None:
    """Apply a finished action's outcome: store its result, or raise ``ActionError``."""
    m._action = None
    action = st.action
    assert action is not None and pending.task.done()
    task, name = pending.task, pending.name
    elapsed = _ms(pending.started)
    exc = None if task.cancelled() else task.exception()
    if task.cancelled() or isinstance(exc, _ActionCancelled):
        m.emit(ActionFinished(name, False, elapsed, st.name, "cancelled"))
        raise ActionError(f"action '{name}' was cancelled by its own work", state=st.name)
    if isinstance(exc, TimeoutError):
        m.emit(ActionFinished(name, False, elapsed, st.name, "timeout"))
        raise ActionError(
            f"action '{name}' timed out after {action.spec.timeout:g}s",
            state=st.name,
            timed_out=True,
        )
    if isinstance(exc, ActionError):
        m.emit(ActionFinished(name, False, elapsed, st.name, "failed"))
        raise exc
    if exc is not None:
        m.emit(ActionFinished(name, False, elapsed, st.name, type(exc).__name__))
        raise ActionError(f"action '{name}' failed: {type(exc).__name__}", state=st.name) from exc
    result = task.result()
    m.results[action.result_name] = result
    m.on_result(action, result)
    m.emit(ActionFinished(name, True, elapsed, st.name))


async def _wait(task: asyncio.Task[Any], timeout: float | None) -> bool:
    """Wait for ``task`` without ever cancelling it (a cancelled turn leaves it running)."""
    if task.done():
        return True
    done, _ = await asyncio.wait({task}, timeout=timeout)
    return bool(done)


async def run_action(m: CallMachine, st: CompiledState) -> AsyncGenerator[str, None]:
    """Run (or keep waiting for) the state's action; say a holding line if it is slow.

    Returns normally once the outcome is applied; raises ``ActionError`` when
    the action failed. If the turn is cancelled meanwhile, the action goes on.
    """
    action = st.action
    assert action is not None
    spec = action.spec
    pending = m._action
    if pending is None or pending.state != st.name:
        pending = start_action(m, st)  # first: a barge-in during the filler's send stops no work
        if action.filler is not None:
            filler = m.speakable(_aside(m, st, action.filler, "filler").strip())
            if filler:
                await m.host.set_filler(filler)
    # No asyncio.timeout() here: a host may resume this generator from another task
    # (the Unpod session runs each __anext__ in a new one); the action's own task
    # enforces its timeout, so waiting for it is always bounded.
    if action.holding_line is not None and not await _wait(pending.task, spec.holding_after):
        out = m.utter(_aside(m, st, action.holding_line, "holding line"))
        if out:
            yield out
    await _wait(pending.task, None)
    settle(m, st, pending)


def _aside(m: CallMachine, st: CompiledState, line: CompiledTemplate, what: str) -> str:
    """A line said while the action runs ("" when it does not render).

    A template error here must not take the error path while the action is
    still running (the flow would move past work that has not finished): the
    line is left out, logged, and the action's outcome decides where the call
    goes, as it would have.
    """
    try:
        return m.render(line)
    except TemplateError as exc:
        log.warning(
            "call %s: the %s of state %s did not render (%s); the action goes on without it",
            m.flow.name,
            what,
            st.name,
            type(exc.__cause__ or exc).__name__,
        )
        return ""


async def await_pending(m: CallMachine) -> None:
    """Hang-up: let a started action finish (bounded by its timeout) and record how it went.

    The call is over, so the outcome moves no state and takes no error path;
    it is stored (results) and reported (``ActionFinished``) like any other.
    """
    pending = m._action
    if pending is None:
        return
    await _wait(pending.task, None)
    st = m.flow.graph.states[pending.state]
    with contextlib.suppress(ActionError):  # reported by settle(); the call is over
        settle(m, st, pending)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
