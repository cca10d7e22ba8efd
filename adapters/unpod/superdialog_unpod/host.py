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

__all__ = ["attach", "entrypoint", "run_call"]

log = get_logger("superdialog.unpod")


def attach(
    ctx_or_session: Any,
    flow: Flow,
    *,
    llm: Mapping[str, Any] | None = None,
    trace: bool = False,
    mask_host_logs: bool = True,
) -> CallMachine:
    """Build the call's machine, set it as ``session.dialog_machine`` and hook ``call_end``.

    The ``call_end`` hook resumes recording if the caller hung up inside a PII
    state. ``mask_host_logs``: the SDK logs every caller utterance (also inside
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
    on = getattr(session, "on", None)
    if callable(on):

        async def _closed(*_: Any) -> None:
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
) -> CallMachine:
    """Run one whole call: attach, speak the opening, then the session's loop."""
    machine = attach(ctx_or_session, flow, llm=llm, trace=trace)
    await machine.start()
    session = getattr(ctx_or_session, "session", ctx_or_session)
    if not machine.finished:
        await session.run()
    return machine


def entrypoint(
    flow: Flow, *, llm: Mapping[str, Any] | None = None
) -> Callable[[Any], Awaitable[None]]:
    """An ``AgentRunner`` entrypoint that runs ``flow`` for every call."""

    async def _entry(ctx: Any) -> None:
        await run_call(ctx, flow, llm=llm)

    return _entry
