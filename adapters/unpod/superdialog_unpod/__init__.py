"""SuperDialog inside Unpod calls: the ``superdialog-unpod`` host integration.

The SDK's per-call ``Session`` hands every caller utterance to the flow's
``CallMachine`` and speaks what it yields::

    import superdialog
    from superdialog_unpod import entrypoint

    flow = superdialog.load("flows/dental_booking.yaml")    # once per process
    runner = AgentRunner(agent_id="dental", entrypoint=entrypoint(flow))

or inside your own entrypoint, ``await run_call(ctx, flow)``. Offline testing
tools (a loopback speech worker and orchestrator, the ``unpod`` conversation
test host) are in ``superdialog_unpod.testing``.
"""

from superdialog_unpod.host import attach, entrypoint, run_call, run_session

__all__ = ["attach", "entrypoint", "run_call", "run_session"]

__version__ = "1.0.0.dev0"
