"""Offline tools for testing flows in Unpod calls, through the SDK's real code paths.

* ``LoopbackBridge`` (``bridge``): a scripted speech worker on the far side of
  an in-process ``Session(bridge=...)``: caller turns, barge-ins, hang-ups.
* ``UnpodLoopback`` (``loopback``): a fake orchestrator and speech worker as
  real websocket servers, so the SDK's ``AgentRunner`` registers, takes a job,
  dials the bridge and runs the entrypoint exactly as in production.
* the ``unpod`` conversation-test host (``conversation_host``).
"""

from superdialog_unpod.testing.bridge import BridgeClosed, LoopbackBridge, Step, classify
from superdialog_unpod.testing.loopback.facade import UnpodLoopback
from superdialog_unpod.testing.loopback.records import CallTimeout, Record, Transcript

__all__ = [
    "BridgeClosed",
    "CallTimeout",
    "LoopbackBridge",
    "Record",
    "Step",
    "Transcript",
    "UnpodLoopback",
    "classify",
]
