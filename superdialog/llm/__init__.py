"""OpenAI-compatible model access for LLM-backed flow states.

``import superdialog.llm`` is cheap: the openai package (hundreds of
milliseconds to import) is only imported when the first client is created.
"""

from superdialog.llm.calldata import LLMCallData
from superdialog.llm.client import (
    EDGE_HEADER,
    STATE_HEADER,
    aclose_clients,
    get_client,
    stream_chat,
)
from superdialog.llm.config import DEFAULT_MODEL, PLACEHOLDER_API_KEY, LLMConfig
from superdialog.llm.events import Finished, LLMEvent, TextDelta, ToolCall, ToolNamed, Usage
from superdialog.llm.translate import translate_error

__all__ = [
    "DEFAULT_MODEL",
    "EDGE_HEADER",
    "PLACEHOLDER_API_KEY",
    "STATE_HEADER",
    "Finished",
    "LLMCallData",
    "LLMConfig",
    "LLMEvent",
    "TextDelta",
    "ToolCall",
    "ToolNamed",
    "Usage",
    "aclose_clients",
    "get_client",
    "stream_chat",
    "translate_error",
]
