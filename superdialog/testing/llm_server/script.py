"""What a test writes to script the fake model: rules, latency, faults, the YAML format.

This is the scripted server's user-facing contract, so it lives on its own:
the pydantic models validate a script the moment it is built (an inconsistent
rule never reaches a running server), and ``Script.from_yaml`` loads files
through the same bounded loader as flow files, so a broken script is a located
``FlowError``. A rule also knows how to match a request (:class:`ChatContext`,
the few facts it matches on) and which tool call it makes; choosing among
rules and answering is the job of :mod:`.matching`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from superdialog.errors import Problem
from superdialog.spec.loader import did_you_mean, load_document
from superdialog.spec.yaml_source import SourceMap, read_source

__all__ = [
    "DEFAULT_REPLY",
    "FAULTS",
    "ChatContext",
    "Fault",
    "Latency",
    "Rule",
    "Script",
    "ToolReply",
    "script_problems_against",
]

DEFAULT_REPLY = "Could you tell me a bit more?"
"""What the server answers when no rule matches."""

Fault = Literal["500", "429", "hang", "cut", "bad_json", "unknown_tool", "empty"]
FAULTS: tuple[str, ...] = ("500", "429", "hang", "cut", "bad_json", "unknown_tool", "empty")
# Faults that replace the answer entirely, so reply/tool/goto would be ignored.
_NO_CONTENT_FAULTS = frozenset({"500", "429", "hang", "bad_json", "empty"})


class Latency(BaseModel):
    """How fast the fake model answers.

    ``ttft_ms`` is accepted as well as ``ttft_s`` so YAML scripts can use
    milliseconds, the unit voice latency is usually discussed in.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    ttft_s: float = Field(default=0.0, ge=0)
    tokens_per_s: float | None = Field(default=None, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _accept_ms(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "ttft_ms" in data:
            if "ttft_s" in data:
                raise ValueError("give ttft_ms or ttft_s, not both")
            data = dict(data)
            ms = data.pop("ttft_ms")
            if not isinstance(ms, int | float) or isinstance(ms, bool):
                raise ValueError(f"ttft_ms must be a number of milliseconds, got {ms!r}")
            data["ttft_s"] = ms / 1000.0
        return data

    @property
    def token_gap_s(self) -> float:
        """Seconds between two streamed pieces."""
        return 0.0 if self.tokens_per_s is None else 1.0 / self.tokens_per_s


class ToolReply(BaseModel):
    """A tool call the fake model makes.

    ``arguments`` may be a raw string, sent verbatim, to test how a flow copes
    with malformed JSON from the model.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    arguments: dict[str, Any] | str = Field(default_factory=dict)

    @property
    def raw_arguments(self) -> str:
        """The arguments exactly as they will be streamed."""
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(self.arguments, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class ChatContext:
    """What rules can match on, extracted from one chat request."""

    call: int
    state: str | None
    last_user: str | None
    tool_names: frozenset[str]


class Rule(BaseModel):
    """One scripted answer: when all matchers hold, respond like this.

    Matchers (all optional, all must hold): ``state`` (the
    ``x-superdialog-state`` header), ``user`` (case-insensitive regex searched
    in the last user message), ``tools`` (tool name(s) that must be offered),
    ``call`` (the n-th chat request since start/reset, 1-based).

    Responses: ``reply`` text (streamed word by word) and/or one tool call,
    given as ``tool`` or as ``goto: STATE`` (sugar for a call to
    ``goto_STATE`` with ``args``); or a ``fault``. ``times`` limits how often
    the rule applies; ``latency`` overrides the server's latency.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    state: str | None = None
    user: str | None = None
    tools: str | list[str] | None = None
    call: int | None = Field(default=None, ge=1)
    reply: str | None = None
    tool: ToolReply | None = None
    goto: str | None = None
    args: dict[str, Any] | None = None
    fault: Fault | None = None
    cut_after: int | None = Field(default=None, ge=0)
    times: int | None = Field(default=None, ge=1)
    latency: Latency | None = None

    @field_validator("fault", mode="before")
    @classmethod
    def _fault_as_text(cls, value: Any) -> Any:
        # YAML reads `fault: 500` as an int.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("user")
    @classmethod
    def _valid_regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
            except (RecursionError, OverflowError) as exc:
                raise ValueError(f"regular expression too complex: {type(exc).__name__}") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.tool is not None and self.goto is not None:
            raise ValueError("give either tool or goto, not both")
        if self.args is not None and self.goto is None:
            raise ValueError("args only goes with goto (use tool.arguments otherwise)")
        if self.cut_after is not None and self.fault != "cut":
            raise ValueError("cut_after only goes with fault: cut")
        answers = self.reply is not None or self.tool is not None or self.goto is not None
        if self.fault in _NO_CONTENT_FAULTS and answers:
            raise ValueError(f"fault {self.fault} sends no reply; drop reply/tool/goto")
        if self.fault == "unknown_tool" and (self.tool is not None or self.goto is not None):
            raise ValueError("fault unknown_tool picks its own tool; drop tool/goto")
        if not answers and self.fault is None:
            raise ValueError("a rule needs reply, tool, goto or fault")
        return self

    @property
    def tool_call(self) -> tuple[str, str] | None:
        """``(name, raw_arguments)`` of the tool call this rule makes, if any."""
        if self.goto is not None:
            # The compiler and all it loads is needed only once a goto rule answers:
            # lazy, for start-up speed (not to dodge a circle).
            from superdialog.compile.compiler import tool_name

            return tool_name(self.goto), json.dumps(
                self.args or {}, ensure_ascii=False, separators=(",", ":")
            )
        if self.tool is not None:
            return self.tool.name, self.tool.raw_arguments
        return None

    def matches(self, request: ChatContext) -> bool:
        """Whether every matcher of this rule holds for ``request``."""
        if self.state is not None and request.state != self.state:
            return False
        if self.user is not None and (
            request.last_user is None or not re.search(self.user, request.last_user, re.IGNORECASE)
        ):
            return False
        if self.tools is not None:
            needed = [self.tools] if isinstance(self.tools, str) else self.tools
            if not set(needed) <= request.tool_names:
                return False
        return self.call is None or request.call == self.call


class Script(BaseModel):
    """A whole script, as loaded from YAML."""

    model_config = ConfigDict(extra="forbid")

    latency: Latency = Field(default_factory=Latency)
    default: str = DEFAULT_REPLY
    rules: list[Rule] = Field(default_factory=list)

    @classmethod
    def from_yaml(cls, text: str, *, source: str = "<script>") -> Script:
        """Parse a YAML script; a bare list is taken as the rules.

        The text goes through the same loader as flow files (bounded size,
        depth and aliases; core tags only), so a broken or hostile script is a
        located ``FlowError``, never a traceback or a hang.

        Args:
            text: The YAML text.
            source: File name used in error locations.

        Returns:
            The validated script.

        Raises:
            FlowError: The YAML is invalid or does not match the format; every
                problem is reported with its line and column.

        """
        script, _ = load_document(
            text,
            source,
            cls,
            what="scripted-model file",
            translate=_problems,
            prepare=_bare_list,
            empty={},
        )
        return script

    @classmethod
    def from_file(cls, path: str | Path) -> Script:
        """Load a YAML script file (see :meth:`from_yaml`).

        Raises:
            FlowError: The file cannot be read, is not UTF-8, or is not a valid script.

        """
        return cls.from_yaml(read_source(path), source=str(path))


def script_problems_against(path: str | Path, states: Collection[str]) -> list[Problem]:
    """Rules of a scripted-model file that name a state the flow does not have.

    A rule whose ``state:`` is not a state of the flow never matches (the
    model is never asked there), and a ``goto:`` to a missing state offers a
    tool the flow does not have: both are located problems with a
    did-you-mean, every one at once.

    Raises:
        FlowError: the file itself is not a valid script.

    """
    text = read_source(path)
    script, smap = load_document(
        text,
        str(path),
        Script,
        what="scripted-model file",
        translate=_problems,
        prepare=_bare_list,
        empty={},
    )
    known = sorted(states)
    problems: list[Problem] = []
    for i, rule in enumerate(script.rules):
        for key in ("state", "goto"):
            name = getattr(rule, key)
            if name is not None and name not in states:
                problems.append(
                    Problem(
                        smap.locate(("rules", i, key)),
                        f"unknown state '{name}': this rule "
                        + ("never matches" if key == "state" else "calls a tool the flow lacks"),
                        did_you_mean(name, known) or f"the flow has: {', '.join(known)}",
                    )
                )
    return problems


def _bare_list(data: Any, smap: SourceMap) -> tuple[Any, SourceMap]:
    """A script that is a bare list of rules is ``{rules: [...]}``; positions follow."""
    if not isinstance(data, list):
        return data, smap
    moved = SourceMap(smap.file)
    moved.values = {("rules", *p): at for p, at in smap.values.items()}
    moved.keys = {("rules", *p): at for p, at in smap.keys.items()}
    moved.values[()] = smap.values.get((), (1, 1))
    return {"rules": data}, moved


def _allowed_keys(loc: tuple[int | str, ...]) -> list[str]:
    if not loc:
        return list(Script.model_fields)
    if loc[-1] == "latency":
        return [*Latency.model_fields, "ttft_ms"]
    if loc[-1] == "tool":
        return list(ToolReply.model_fields)
    if loc[0] == "rules" and len(loc) == 2:
        return list(Rule.model_fields)
    return []


# Pydantic adds the union member to error locations (``tools.list[str]``).
_UNION_TAGS = ("str", "list[", "dict[", "function-", "literal[", "int", "float")


def _problems(exc: ValidationError, data: Any, smap: SourceMap) -> list[Problem]:
    problems: dict[tuple[int, int, str], Problem] = {}
    for error in exc.errors():
        loc = tuple(error["loc"])
        where = smap.locate(_locate(data, loc), key=True)
        path = ".".join(
            str(p) for p in loc if not isinstance(p, str) or not p.startswith(_UNION_TAGS)
        )
        hint = None
        if error["type"] == "extra_forbidden":
            message = f"unknown key {loc[-1]!r}" + (
                f" in {'.'.join(map(str, loc[:-1]))}" if loc[:-1] else ""
            )
            hint = "allowed keys: " + ", ".join(_allowed_keys(loc[:-1]))
        else:
            message = f"{path or 'script'}: {error['msg']}"
        problems.setdefault((where.line, where.column, message), Problem(where, message, hint))
    return list(problems.values())


def _locate(data: Any, loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """The longest prefix of an error location that exists in the data.

    Located with ``key=True``, the last mapping key points at its key, so both
    "unknown key" and "bad value" errors point at the start of the offending
    ``key: value`` line.
    """
    out: list[int | str] = []
    node = data
    for part in loc:
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not (in_list or (isinstance(node, dict) and part in node)):
            break  # an absent key, or a union tag pydantic added
        node = node[part]
        out.append(part)
    return tuple(out)
