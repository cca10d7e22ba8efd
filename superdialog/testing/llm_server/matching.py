"""Which rule answers a chat request, and what the answer is.

Everything here works on data and touches no socket, so the decision can be
made under the server's lock in one step (count the call, pick the first rule
that matches and still has ``times`` left, record the request) and then be
sent at leisure. The request side is :class:`RecordedRequest`, which tests
also read afterwards; the answer side is a :class:`~.answer.Plan`, where a
rule's fault is turned into data (``cut`` without a reply cuts the default
reply, ``unknown_tool`` picks a name the request did not offer).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from superdialog.testing.llm_server.answer import Plan, estimate_tokens
from superdialog.testing.llm_server.script import ChatContext, Latency, Rule

__all__ = [
    "STATE_HEADER",
    "RecordedRequest",
    "Slot",
    "chat_context",
    "choose",
    "decide",
    "last_user",
    "message_text",
    "prompt_tokens",
    "tool_names",
]

STATE_HEADER = "x-superdialog-state"
"""The header in which the client names the flow state (``Rule.state`` matches it)."""


@dataclass(slots=True)
class RecordedRequest:
    """One request the server received, for assertions in tests.

    Attributes:
        method: HTTP method.
        path: Request path without the query string.
        headers: Header names lower-cased.
        body: The decoded JSON body (``None`` if empty or not JSON).
        call: 1-based chat request number (0 for other endpoints).
        rule: The rule that answered, ``None`` for the default reply.
        completed: The whole response was sent.
        disconnected: The client went away before the response was complete
            (barge-in, a client timeout, ``aclose()``).
        connection: 1-based number of the TCP connection it came on; equal
            numbers prove keep-alive reuse.

    """

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    call: int = 0
    rule: Rule | None = None
    completed: bool = False
    disconnected: bool = False
    connection: int = 0

    @property
    def state(self) -> str | None:
        """The flow state the client sent in ``x-superdialog-state``."""
        value = self.headers.get(STATE_HEADER)
        return None if value is None else unquote(value)

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The chat messages of the request."""
        messages = (self.body or {}).get("messages")
        return [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []

    @property
    def tool_names(self) -> list[str]:
        """Names of the tools offered in the request."""
        return tool_names((self.body or {}).get("tools"))


def tool_names(tools: Any) -> list[str]:
    """Names of the function tools in a request's ``tools`` (malformed entries skipped)."""
    names: list[str] = []
    for tool in tools if isinstance(tools, list) else []:
        function = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(function, dict) and isinstance(function.get("name"), str):
            names.append(function["name"])
    return names


def message_text(message: Mapping[str, Any]) -> str:
    """The text of a chat message: its string content, or its text parts joined."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            part["text"]
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def last_user(messages: list[dict[str, Any]]) -> str | None:
    """The text of the last user message, what ``Rule.user`` is searched in."""
    for message in reversed(messages):
        if message.get("role") == "user":
            return message_text(message)
    return None


def prompt_tokens(body: Mapping[str, Any]) -> int:
    """Estimated prompt tokens: 4 per message plus its text, plus the tools' JSON."""
    messages = body.get("messages")
    total = sum(
        4 + estimate_tokens(message_text(m))
        for m in (messages if isinstance(messages, list) else [])
        if isinstance(m, dict)
    )
    if body.get("tools"):
        total += estimate_tokens(json.dumps(body["tools"], sort_keys=True))
    return total


@dataclass(slots=True)
class Slot:
    """A rule in the server's list, with how often it has answered (for ``times``)."""

    rule: Rule
    used: int = 0


def chat_context(call: int, record: RecordedRequest) -> ChatContext:
    """What rules match on for the ``call``-th chat request."""
    return ChatContext(
        call=call,
        state=record.state,
        last_user=last_user(record.messages),
        tool_names=frozenset(record.tool_names),
    )


def choose(slots: list[Slot], context: ChatContext) -> Rule | None:
    """The first rule that matches and has ``times`` left, counted as used; ``None``: default.

    The caller holds the server's lock: counting a use and matching are one step.
    """
    for slot in slots:
        if slot.rule.times is not None and slot.used >= slot.rule.times:
            continue
        if slot.rule.matches(context):
            slot.used += 1
            return slot.rule
    return None


def decide(
    rule: Rule | None,
    context: ChatContext,
    body: Mapping[str, Any],
    *,
    default_reply: str,
    latency: Latency,
    model: str | None,
) -> Plan:
    """The whole answer to a chat request that ``rule`` (``None``: no rule) answers.

    Args:
        rule: The chosen rule, or ``None`` for the default reply.
        context: What the rule matched on.
        body: The request's JSON body (for ``model``, ``stream_options``, tokens).
        default_reply: The server's answer when no rule matches.
        latency: The server's latency, used unless the rule has its own.
        model: The server's model name; ``None`` echoes the request's.

    """
    options = body.get("stream_options")
    include_usage = isinstance(options, dict) and options.get("include_usage") is True
    common: dict[str, Any] = {
        "call": context.call,
        "model": model or str(body.get("model") or "scripted"),
        "prompt_tokens": prompt_tokens(body),
        "include_usage": include_usage,
    }
    if rule is None:
        return Plan(
            text=default_reply, tool=None, fault=None, cut_after=None, latency=latency, **common
        )
    text = rule.reply or ""
    tool = rule.tool_call
    if rule.fault == "cut" and rule.reply is None and tool is None:
        text = default_reply
    if rule.fault == "unknown_tool":
        name = "unknown_tool"
        while name in context.tool_names:
            name += "_x"
        tool = (name, "{}")
    return Plan(
        text=text,
        tool=tool,
        fault=rule.fault,
        cut_after=rule.cut_after,
        latency=rule.latency or latency,
        **common,
    )
