"""SuperDialog: YAML conversation flows run as state machines inside live voice calls.

    flow = superdialog.load("flows/dental_booking.yaml")   # once per process
    machine = flow.build(session)                          # once per call
    await machine.start()                                  # speaks the opening line

Names are imported lazily so ``import superdialog`` stays fast; the model
client, graphviz and slot parsers load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from superdialog._version import __version__

if TYPE_CHECKING:
    from superdialog.errors import (
        ActionError,
        FlowError,
        HostGone,
        LLMConnectionError,
        LLMError,
        LLMProtocolError,
        LLMStatusError,
        LLMTimeoutError,
        Location,
        Problem,
        RenderError,
        RuntimeFlowError,
        SlotTypeError,
        SuperDialogError,
        TemplateError,
    )
    from superdialog.flow import Flow, load, loads
    from superdialog.llm.calldata import LLMCallData
    from superdialog.runtime.call import CallMachine
    from superdialog.runtime.metrics import CallMetrics
    from superdialog.runtime.registry import action, validator

__all__ = [
    "ActionError",
    "CallMachine",
    "CallMetrics",
    "Flow",
    "FlowError",
    "HostGone",
    "LLMCallData",
    "LLMConnectionError",
    "LLMError",
    "LLMProtocolError",
    "LLMStatusError",
    "LLMTimeoutError",
    "Location",
    "Problem",
    "RenderError",
    "RuntimeFlowError",
    "SlotTypeError",
    "SuperDialogError",
    "TemplateError",
    "__version__",
    "action",
    "load",
    "loads",
    "validator",
]

_WHERE: dict[str, str] = {
    "Flow": "superdialog.flow",
    "load": "superdialog.flow",
    "loads": "superdialog.flow",
    "CallMachine": "superdialog.runtime.call",
    "CallMetrics": "superdialog.runtime.metrics",
    "LLMCallData": "superdialog.llm.calldata",
    "action": "superdialog.runtime.registry",
    "validator": "superdialog.runtime.registry",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None and name in __all__:
        module = "superdialog.errors"
    if module is None:
        raise AttributeError(f"module 'superdialog' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
