"""Action states: run a bound Python callable or an HTTP call, with a time limit.

The result is stored as ``results.<name>`` for templates and ``if:``
branches. A slow action is covered by the platform filler (``set_filler``)
and/or a holding line spoken after ``holding_after`` seconds, so the caller
never hears dead air. Any failure becomes ``ActionError`` and takes the
error path.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import AsyncGenerator, Callable
from typing import TYPE_CHECKING, Any

from superdialog.compile.model import CompiledState
from superdialog.compile.templates import CompiledTemplate
from superdialog.errors import ActionError
from superdialog.runtime.events import ActionFinished
from superdialog.runtime.registry import registered_actions, registered_validators

if TYPE_CHECKING:
    import httpx

    from superdialog.runtime.call import CallMachine

__all__ = ["resolve_action", "resolve_validator", "run_action"]

_HTTP: httpx.AsyncClient | None = None


def _http_client() -> httpx.AsyncClient:
    global _HTTP
    if _HTTP is None:
        import httpx

        _HTTP = httpx.AsyncClient(follow_redirects=False)
    return _HTTP


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


def _render_json(m: CallMachine, value: Any, variables: dict[str, Any]) -> Any:
    if isinstance(value, CompiledTemplate):
        return _render_value(m, value, variables)
    if isinstance(value, dict):
        return {k: _render_json(m, v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [_render_json(m, v, variables) for v in value]
    return value


async def _http_call(m: CallMachine, st: CompiledState, variables: dict[str, Any]) -> Any:
    action = st.action
    assert action is not None and action.spec.http is not None and action.url is not None
    spec = action.spec.http
    url = action.url.render(variables, state=m.node)
    headers = {k: str(_render_value(m, v, variables)) for k, v in action.headers}
    body = _render_json(m, action.body, variables) if action.body is not None else None
    if body is None and action.args:
        body = {k: _render_value(m, v, variables) for k, v in action.args}
    response = await _http_client().request(
        spec.method,
        url,
        headers=headers,
        json=body if spec.method != "GET" else None,
        params=None if spec.method != "GET" or not isinstance(body, dict) else body,
    )
    if response.status_code >= 400:
        raise ActionError(f"HTTP {response.status_code} from the action endpoint", state=m.node)
    if "json" in response.headers.get("content-type", ""):
        return response.json()
    return response.text


async def _python_call(m: CallMachine, st: CompiledState, variables: dict[str, Any]) -> Any:
    action = st.action
    assert action is not None and action.spec.call is not None
    fn = resolve_action(m, action.spec.call)
    kwargs = {k: _render_value(m, v, variables) for k, v in action.args}
    if inspect.iscoroutinefunction(fn):
        return await fn(**kwargs)
    result = await asyncio.to_thread(fn, **kwargs)
    if inspect.isawaitable(result):
        return await result
    return result


async def run_action(m: CallMachine, st: CompiledState) -> AsyncGenerator[str, None]:
    """Run the state's action; yield a holding line if it is slow; store the result."""
    action = st.action
    assert action is not None
    spec = action.spec
    name = spec.call or "http"
    variables = m.variables(clear=True)  # actions get the clear values (e.g. a card to block)
    if spec.filler:
        await m.host.set_filler(spec.filler)
    runner = _http_call if spec.http is not None else _python_call
    started = time.perf_counter()
    task = asyncio.ensure_future(runner(m, st, variables))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + spec.timeout
    try:
        # No asyncio.timeout() around the yield below: a host may resume this generator
        # from another task (the Unpod session runs each __anext__ in a new one), and a
        # timeout only ever cancels the task that entered it, so it would never fire.
        if action.holding_line is not None:
            done, _ = await asyncio.wait({task}, timeout=min(spec.holding_after, spec.timeout))
            if not done:
                out = m._utter(m.render(action.holding_line))
                if out:
                    yield out
        done, _ = await asyncio.wait({task}, timeout=max(0.0, deadline - loop.time()))
        if not done:
            raise TimeoutError
        result = task.result()
    except TimeoutError as exc:
        m._emit(ActionFinished(name, False, _ms(started), st.name, "timeout"))
        raise ActionError(
            f"action '{name}' timed out after {spec.timeout:g}s", state=st.name, timed_out=True
        ) from exc
    except ActionError:
        m._emit(ActionFinished(name, False, _ms(started), st.name, "failed"))
        raise
    except Exception as exc:
        m._emit(ActionFinished(name, False, _ms(started), st.name, type(exc).__name__))
        raise ActionError(f"action '{name}' failed: {type(exc).__name__}", state=st.name) from exc
    finally:
        if not task.done():
            task.cancel()
    m.results[action.result_name] = result
    m._emit(ActionFinished(name, True, _ms(started), st.name))


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
