"""A loopback OpenAI-compatible chat server that answers from a script."""

from superdialog.testing.llm_server.server import (
    DEFAULT_REPLY,
    FAULTS,
    ChatContext,
    Fault,
    Latency,
    RecordedRequest,
    Rule,
    Script,
    ScriptedLLMServer,
    ToolReply,
    estimate_tokens,
)

__all__ = [
    "DEFAULT_REPLY",
    "FAULTS",
    "ChatContext",
    "Fault",
    "Latency",
    "RecordedRequest",
    "Rule",
    "Script",
    "ScriptedLLMServer",
    "ToolReply",
    "estimate_tokens",
]
