"""A loopback OpenAI-compatible chat server that answers from a script.

Flows are state machines whose LLM states call a model; testing them against a
real model is slow, costs money and is not reproducible. ``ScriptedLLMServer``
speaks the same HTTP/SSE protocol as OpenAI's ``/v1/chat/completions`` (so the
real openai client, connection pooling and all, is exercised) but answers from
rules: "in state ``triage``, when the caller says *book*, reply this and call
``goto_details``". It can also misbehave on purpose (HTTP 500/429, hang, cut
the stream, send bad JSON...) so the resilience of a flow can be tested offline.

One job per module, imports only going down the list:

* :mod:`.script`: what a test writes (``Rule``, ``Latency``, ``ToolReply``,
  ``Script`` and its YAML format);
* :mod:`.protocol`: the wire (bounded HTTP/1.1 reading, responses, chunked
  encoding, SSE events, OpenAI error bodies);
* :mod:`.answer`: one decided answer in OpenAI's format (``Plan``, token estimates);
* :mod:`.matching`: which rule answers a request and what the answer is
  (``RecordedRequest``);
* :mod:`.respond`: sending an answer with its latency and fault, watching for hang-ups;
* :mod:`.server`: ``ScriptedLLMServer`` (start/stop, async and thread modes,
  connections, recorded requests);
* :mod:`.cli`: ``python -m superdialog.testing.llm_server`` for other processes.
"""

from superdialog.testing.llm_server.answer import estimate_tokens
from superdialog.testing.llm_server.matching import RecordedRequest
from superdialog.testing.llm_server.script import (
    DEFAULT_REPLY,
    FAULTS,
    ChatContext,
    Fault,
    Latency,
    Rule,
    Script,
    ToolReply,
)
from superdialog.testing.llm_server.server import ScriptedLLMServer

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
