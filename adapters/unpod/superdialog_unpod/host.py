"""The Unpod host: run a flow inside an Unpod call.

This module only speaks to the ``Session`` object the SDK hands the
entrypoint (its controls are duck-typed by the core's ``Host``). Typical use
with the SDK's runner::

    flow = superdialog.load("flows/dental_booking.yaml")   # once per process
    runner = AgentRunner(agent_id="dental", entrypoint=superdialog_unpod.entrypoint(flow))

or by hand inside your own entrypoint::

    async def handle_call(ctx):
        await run_call(ctx, flow)
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from superdialog import CallMachine, Flow
from superdialog.pii import PIIFilter, get_logger, use_masker
from superdialog.runtime.clock import CallClock, Scheduler
from superdialog.runtime.gc_tuning import tune_gc as tune_process_gc
from superdialog.store import CallStore

__all__ = ["attach", "entrypoint", "run_call", "run_session"]

MAX_SESSION_RUNS = 4
"""Session loops one call may run: a refused transfer's error path can reopen the call."""

log = get_logger("superdialog.unpod")


def attach(
    ctx_or_session: Any,
    flow: Flow,
    *,
    llm: Mapping[str, Any] | None = None,
    trace: bool = False,
    mask_host_logs: bool = True,
    scheduler: Scheduler | None = None,
) -> CallMachine:
    """Build the call's machine, set it as ``session.dialog_machine`` and hook the session.

    The ``call_end`` hook cancels the call's clock and resumes recording if the
    caller hung up inside a PII state. The call's clock (silence and
    ``max_duration``, see ``superdialog.runtime.clock``) follows the worker's
    ``state`` events: it runs only while the worker is ``listening``, and
    ``user_partial`` events (when a worker sends them) restart the silence.
    An ``error`` event right after a transfer to a number is the worker refusing
    it (its allowlist): the call takes the flow's error path (``run_call`` keeps serving the
    call afterwards). ``scheduler``: the clock's time (tests pass a
    ``VirtualTime``); default the event loop.

    ``mask_host_logs``: the SDK logs every caller utterance (also inside
    PII states); its loggers get our ``PIIFilter``, which masks this call's
    secrets and anything shaped like personal data in them. Values in the call
    context's ``data`` (e.g. a CRM record put there by dispatch) are copied into
    ``session.data`` where that key is unset, so templates read them as
    ``session.<key>``.
    """
    session = getattr(ctx_or_session, "session", ctx_or_session)
    ctx_data = getattr(ctx_or_session, "data", None) if ctx_or_session is not session else None
    if isinstance(ctx_data, dict) and isinstance(getattr(session, "data", None), dict):
        for key, value in ctx_data.items():
            session.data.setdefault(key, value)
    machine = flow.build(session, llm=llm, trace=trace)
    session.dialog_machine = machine
    if mask_host_logs:
        _mask_sdk_logs(machine)
    clock = CallClock(machine, scheduler)
    on = getattr(session, "on", None)
    if callable(on):
        reopened: list[bool] = []

        async def _state(event: Any) -> None:
            clock.host_state(str(getattr(event, "state", "")))

        async def _partial(*_: Any) -> None:
            clock.caller_activity()

        async def _error(code: Any = "", *_: Any) -> None:
            # the worker checks only number targets (its allowlist): an error right after
            # one is that transfer refused; the call is ours again
            sent = machine.outcome
            if sent is None or sent.get("target_kind") != "number":
                return
            if await clock.transfer_refused(str(code)[:60]) and not machine.finished:
                reopened.append(True)  # the session loop ends now; run_session runs it again

        async def _closed(*_: Any) -> None:
            if reopened and not machine.finished:
                reopened.clear()
                return
            try:
                await machine.close()
            except Exception as exc:
                # At hang-up the worker has closed the socket, so a resume cannot be
                # delivered (nor is it needed: the recording ended with the call).
                # Raising here would fail the entrypoint and make the runner redial.
                log.info(
                    "call_end: could not resume recording (%s); the call is over",
                    type(exc).__name__,
                )

        on("state")(_state)
        on("user_partial")(_partial)
        on("error")(_error)
        on("call_end")(_closed)
    return machine


_SDK_LOGGERS = ("unpod", "unpod.session", "unpod.runner", "unpod.hooks", "unpod.bridge.server")
_SDK_FILTER = PIIFilter()


def _mask_sdk_logs(machine: CallMachine) -> None:
    """The SDK's log lines in this call's task are masked with its secrets (and by shape)."""
    for name in _SDK_LOGGERS:
        logger = logging.getLogger(name)
        if _SDK_FILTER not in logger.filters:
            logger.addFilter(_SDK_FILTER)
    use_masker(machine.masker)


async def run_call(
    ctx_or_session: Any,
    flow: Flow,
    *,
    llm: Mapping[str, Any] | None = None,
    trace: bool = False,
    scheduler: Scheduler | None = None,
    store: CallStore | None = None,
) -> CallMachine:
    """Run one whole call: attach, speak the opening, then the session's loop.

    With a ``store`` (``superdialog.store``) the call is durable: saved after
    every turn, and picked up from its record if another worker stopped
    (``superdialog_unpod.durable.run_durable_call``).
    """
    if store is not None:
        from superdialog_unpod.durable import run_durable_call  # lazy: it imports this module

        return await run_durable_call(
            ctx_or_session, flow, store, llm=llm, trace=trace, scheduler=scheduler
        )
    machine = attach(ctx_or_session, flow, llm=llm, trace=trace, scheduler=scheduler)
    await machine.start()
    await run_session(getattr(ctx_or_session, "session", ctx_or_session), machine)
    return machine


async def run_session(session: Any, machine: CallMachine) -> None:
    """Run the session's loop until the call is over.

    The SDK's loop ends on a worker ``error`` event. When that event was the
    worker refusing our transfer and the flow's error path goes on with the
    call, the loop is run again (at most ``MAX_SESSION_RUNS`` times in all).
    A loop that raises once the call is over (a reply sent into the socket the
    worker closed at hang-up) ends the call normally.
    """
    for _ in range(MAX_SESSION_RUNS):
        if machine.finished:
            return
        try:
            await session.run()
        except Exception as exc:
            # The SDK's loop raises when it sends into a socket the worker closed (the
            # caller hung up mid-reply). Its ``call_end`` hook has closed the call by
            # then: that is the call's normal end, not a failure of the entrypoint.
            if not machine.finished:
                raise
            log.info("call over; the session's loop ended with %s", type(exc).__name__)
            return
    if not machine.finished:
        await machine.close()


def entrypoint(
    flow: Flow,
    *,
    llm: Mapping[str, Any] | None = None,
    scheduler: Scheduler | None = None,
    store: CallStore | None = None,
    tune_gc: bool = True,
) -> Callable[[Any], Awaitable[None]]:
    """An ``AgentRunner`` entrypoint that runs ``flow`` for every call (durable with a store).

    ``tune_gc`` freezes what is loaded by now (the flow, the model client) and
    raises the collector's thresholds, unless the process set its own
    (``superdialog.runtime.gc_tuning``): a worker holding thousands of calls
    spends far less CPU in garbage collection.
    """
    if tune_gc:
        tune_process_gc()

    async def _entry(ctx: Any) -> None:
        await run_call(ctx, flow, llm=llm, scheduler=scheduler, store=store)

    return _entry
