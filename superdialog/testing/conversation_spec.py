"""The conversation-test file format (``flows/<flow>.test.yaml``) as pydantic models.

A test file names one flow and holds many conversations. Each conversation
plays caller turns (a line, silence, or a line the caller barges in on) and
states what must happen after each one. The models forbid unknown keys and
every problem is reported as ``file:line:column: message (hint)``, like flow
files, because a typo in a test (``stat:`` for ``state:``) that silently
checks nothing is worse than no test at all.

Loading happens in two steps: :func:`parse_test_file` checks the file's own
shape; :func:`check_against_flow` then checks every state, slot, end reason
and transfer target it mentions against the compiled flow, with did-you-mean
hints, so a renamed state breaks the test at load time with a clear message
rather than as a confusing expectation failure.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from superdialog.errors import FlowError, Location, Problem
from superdialog.flow import load
from superdialog.llm import LLMConfig
from superdialog.spec.loader import did_you_mean, load_document, salvage_document
from superdialog.spec.models import BUILTIN_END_REASONS
from superdialog.spec.yaml_source import Path, SourceMap, is_regular_file, read_source
from superdialog.testing.hosts import KNOWN_HOSTS, test_hosts
from superdialog.testing.llm_server import DEFAULT_REPLY, Latency, Rule

if TYPE_CHECKING:
    from superdialog.flow import Flow

__all__ = [
    "BargeIn",
    "Conversation",
    "ConversationFile",
    "Expect",
    "HostName",
    "LLMScript",
    "LoadedTestFile",
    "Outcome",
    "SlotPattern",
    "TransferExpect",
    "Turn",
    "check_against_flow",
    "load_test_file",
    "parse_test_file",
]


def _host_name(value: str) -> str:
    """A host that is installed, or one of our adapters' (skipped with a hint when missing)."""
    known = {*test_hosts(), *KNOWN_HOSTS}
    if value not in known:
        hint = did_you_mean(value, known) or "hosts: " + ", ".join(sorted(known))
        raise ValueError(f"unknown test host {value!r} ({hint})")
    return value


HostName = Annotated[str, AfterValidator(_host_name)]
"""A test host: ``recording``, or one an adapter adds (``unpod``); see ``testing.hosts``."""

_FIXED_LLM_KEYS = frozenset({"base_url", "api_key"})


def _regex(value: str | None) -> str | None:
    if value is not None:
        try:
            re.compile(value)
        except (re.error, RecursionError, OverflowError) as exc:  # nesting, a huge {n}
            raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
    return value


def _slot_values(value: dict[str, Any] | None) -> dict[str, Any] | None:
    for name, expected in (value or {}).items():
        if isinstance(expected, dict):
            SlotPattern.model_validate(expected)
        elif isinstance(expected, list):
            raise ValueError(f"slot {name!r}: give one value, null, or {{re: PATTERN}}")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Text = Annotated[str | list[str], Field(description="A substring, or a list of substrings.")]


class TransferExpect(_Strict):
    """The call was handed to a human ``queue``, an ``agent`` or a phone ``number``.

    Mode and announcement are optional; with no target, any transfer matches.
    """

    queue: str | None = Field(None, min_length=1, description="Human queue (transfer_to_human).")
    agent: str | None = Field(None, min_length=1, description="Agent id (transfer_to_agent).")
    number: str | None = Field(
        None, min_length=1, description="E.164 phone number (transfer, type number)."
    )
    mode: Literal["cold", "warm"] | None = None
    announcement: str | None = Field(
        None, description="Substring of the announcement the receiving side hears."
    )

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if sum(t is not None for t in (self.queue, self.agent, self.number)) > 1:
            raise ValueError("a transfer goes to one of a queue, an agent or a number")
        return self

    def describe(self) -> str:
        """Human-readable form for failure messages."""
        target = (
            f"human queue {self.queue!r}"
            if self.queue is not None
            else f"agent {self.agent!r}"
            if self.agent is not None
            else f"number {self.number!r}"
            if self.number is not None
            else "anyone"
        )
        extra = f", {self.mode}" if self.mode else ""
        if self.announcement:
            extra += f", announcing {self.announcement!r}"
        return f"transfer to {target}{extra}"


class SlotPattern(_Strict):
    """Match a slot's display form with a regular expression (for values that move, like dates)."""

    re: str

    _valid = field_validator("re")(_regex)


class Expect(_Strict):
    """What must hold after the opening line or after one caller turn.

    Every key is optional; only what is written is checked.
    """

    agent: Text | None = Field(
        None, description="Substring(s) of what the agent said this turn (case-insensitive)."
    )
    agent_re: str | None = Field(None, description="Regex searched in what the agent said.")
    agent_not: Text | None = Field(None, description="Substring(s) the agent must not say.")
    state: str | None = Field(None, description="The state the call is in after the turn.")
    slots: dict[str, Any] | None = Field(
        None, description="Slot values: display form, typed value, null (unset) or {re: ...}."
    )
    recording: Literal["paused", "resumed", "unchanged"] | None = Field(
        None, description="What the turn did to the call recording."
    )
    recording_paused: bool | None = Field(None, description="Recording paused after the turn.")
    end: str | None = Field(None, description="The call ended this turn with this reason.")
    transfer: TransferExpect | None = Field(None, description="The call was transferred.")
    filler: str | None = Field(None, description="Substring of a set_filler phrase sent.")
    llm_calls: int | None = Field(None, ge=0, description="Model calls made in this turn.")

    _valid = field_validator("agent_re")(_regex)
    _slots = field_validator("slots")(_slot_values)

    @model_validator(mode="after")
    def _one_ending(self) -> Self:
        if self.end is not None and self.transfer is not None:
            raise ValueError("a call ends or is transferred, not both")
        return self


class BargeIn(_Strict):
    """The caller talks over the agent's reply after ``after_chunks`` streamed chunks."""

    after_chunks: int = Field(ge=1, description="Chunks of the reply streamed before the cut.")
    heard: str | None = Field(None, description="What the caller heard (the host reports it).")


_DURATION = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s|m)?\s*")


def _duration(value: Any) -> Any:
    """``8s``, ``1.5s``, ``500ms``, ``2m`` or a number of seconds, as seconds."""
    if isinstance(value, bool):
        raise ValueError("give a duration such as 8s, 500ms or 2m")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        found = _DURATION.fullmatch(value)
        if found is None:
            raise ValueError(f"{value!r} is not a duration (write e.g. 8s, 500ms or 2m)")
        scale = {"ms": 0.001, "m": 60.0}.get(found.group(2) or "s", 1.0)
        return float(found.group(1)) * scale
    return value


class Turn(Expect):
    """One caller action, then expectations.

    Exactly one of ``user`` (a line), ``silence: true`` (the caller says
    nothing until the agent speaks again) or ``wait: 8s`` (that much silence,
    in virtual time: the call's clock fires as often as it would, nobody
    sleeps); ``barge_in`` interrupts the agent's reply to a line.
    """

    user: str | None = Field(None, description="What the caller says.")
    silence: Literal[True] | None = Field(None, description="The caller says nothing.")
    wait: Annotated[float, Field(gt=0, le=86_400)] | None = Field(
        None, description="Seconds of silence to let pass (8s, 500ms, 2m; virtual time)."
    )
    barge_in: BargeIn | None = None
    language: str | None = Field(
        None,
        description="The language the host reports for this line ('es', 'es-ES'), as a "
        "speech recogniser would; the call follows it when the flow speaks it.",
    )

    _wait = field_validator("wait", mode="before")(_duration)

    @field_validator("user", mode="before")
    @classmethod
    def _quoted(cls, value: Any) -> Any:
        if isinstance(value, bool):
            word = "yes" if value else "no"
            raise ValueError(
                f"YAML reads an unquoted yes/no/on/off as {str(value).lower()}: "
                f'quote the line, e.g. user: "{word}"'
            )
        if isinstance(value, int | float):
            return str(value)  # user: 4242 is what the caller said
        return value

    @model_validator(mode="after")
    def _one_action(self) -> Self:
        if sum(x is not None for x in (self.user, self.silence, self.wait)) != 1:
            raise ValueError(
                "a turn needs exactly one of 'user: TEXT', 'silence: true' or 'wait: 8s'"
            )
        if self.barge_in is not None and self.wait is not None:
            raise ValueError("a 'wait' turn cannot barge in (the caller says nothing)")
        return self

    @property
    def text(self) -> str:
        """What the host passes to ``stream`` (empty for silence)."""
        return self.user or ""


class Outcome(_Strict):
    """How the whole call must have ended, checked after the last turn."""

    end: str | None = Field(None, description="The call ended with this reason.")
    transfer: TransferExpect | None = None
    hangup: Literal[True] | None = Field(
        None, description="The caller hung up: the flow itself never ended the call."
    )
    state: str | None = None
    slots: dict[str, Any] | None = None
    turns: int | None = Field(None, ge=0, description="Caller turns the call handled.")
    llm_calls: int | None = Field(None, ge=0, description="Model calls in the whole call.")
    recording_paused: bool | None = None

    _slots = field_validator("slots")(_slot_values)

    @model_validator(mode="after")
    def _one_ending(self) -> Self:
        if sum(x is not None for x in (self.end, self.transfer, self.hangup)) > 1:
            raise ValueError("give at most one of end / transfer / hangup")
        return self


def _llm_config_keys() -> list[str]:
    return [f.name for f in dataclasses.fields(LLMConfig) if f.name not in _FIXED_LLM_KEYS]


class LLMScript(_Strict):
    """The scripted model for a conversation (rules for ``ScriptedLLMServer``).

    A bare list is taken as ``rules``. ``config`` overrides ``LLMConfig``
    fields (timeouts, retries) for this conversation; ``base_url`` and
    ``api_key`` always point at the loopback server.
    """

    rules: list[Rule] = Field(default_factory=list)
    default: str = Field(DEFAULT_REPLY, description="Reply when no rule matches.")
    latency: Latency | None = None
    config: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _bare_list(cls, data: Any) -> Any:
        return {"rules": data} if isinstance(data, list) else data

    @field_validator("config")
    @classmethod
    def _known_config(cls, value: dict[str, Any]) -> dict[str, Any]:
        allowed = _llm_config_keys()
        for key in value:
            if key not in allowed:
                hint = did_you_mean(key, allowed) or "allowed: " + ", ".join(allowed)
                raise ValueError(f"unknown LLM setting {key!r} ({hint})")
        return value


Hosts = HostName | list[HostName]


class Conversation(_Strict):
    """One scripted call: caller turns with expectations."""

    name: str = Field(min_length=1)
    description: str | None = None
    skip: str | bool | None = Field(None, description="Skip this conversation (reason).")
    host: Hosts | None = Field(None, description="Overrides the file's host(s).")
    session: dict[str, Any] = Field(default_factory=dict, description="Data as session.*")
    llm: LLMScript | None = None
    start: Expect | None = Field(None, description="Expectations on the opening line.")
    turns: list[Turn] = Field(default_factory=list)
    outcome: Outcome | None = None


class ConversationFile(_Strict):
    """A whole ``*.test.yaml`` file."""

    flow: str = Field(min_length=1, description="The flow file, relative to this file.")
    description: str | None = None
    host: Hosts = Field(
        "recording", description="Test host(s): recording (fast) and/or unpod (real Session)."
    )
    timeout: float = Field(30.0, gt=0, description="Seconds allowed per conversation.")
    session: dict[str, Any] = Field(default_factory=dict, description="Defaults for session.*")
    llm: LLMScript | None = Field(None, description="Rules tried after each conversation's own.")
    conversations: list[Conversation] = Field(min_length=1)


@dataclasses.dataclass(frozen=True, slots=True)
class LoadedTestFile:
    """A parsed test file with its source positions and the flow it tests."""

    path: str
    spec: ConversationFile
    smap: SourceMap
    flow_path: FsPath
    flow: Flow

    def locate(self, *path: str | int) -> Location:
        """Where a part of the file is, e.g. ``locate("conversations", 0, "turns", 2)``."""
        return self.smap.locate(tuple(path))

    def hosts(self, conv: Conversation) -> list[str]:
        """The host(s) a conversation runs on."""
        chosen = conv.host if conv.host is not None else self.spec.host
        return [chosen] if isinstance(chosen, str) else list(dict.fromkeys(chosen))


_SCALAR_END = re.compile(r"[^,}\]#\n]*")


def _caller_lines_as_written(data: Any, smap: SourceMap, text: str) -> None:
    """Give back the caller's words YAML turned into numbers (``user: 10:30`` is not 630).

    YAML 1.1 reads ``10:30`` as the base-60 number 630 and ``1_000`` as 1000;
    what the caller said is the text as written, so a numeric ``user`` value is
    replaced by its source token.
    """
    if not isinstance(data, dict):
        return
    lines = text.splitlines()
    conversations = data.get("conversations")
    for i, conv in enumerate(conversations if isinstance(conversations, list) else []):
        turns = conv.get("turns") if isinstance(conv, dict) else None
        for j, turn in enumerate(turns if isinstance(turns, list) else []):
            value = turn.get("user") if isinstance(turn, dict) else None
            if not isinstance(value, int | float) or isinstance(value, bool):
                continue
            where = smap.values.get(("conversations", i, "turns", j, "user"))
            if where is None or where[0] > len(lines):
                continue
            match = _SCALAR_END.match(lines[where[0] - 1], where[1] - 1)
            raw = match.group(0).strip() if match else ""
            if raw:
                turn["user"] = raw


def _conversation_problems(data: Any, smap: SourceMap) -> list[Problem]:
    """What is wrong across conversations, found on the raw data with the rest.

    A repeated name is located at the repeat (it was a model check, so it
    came only once every other problem was fixed, and at 1:1); a conversation
    that plays no turn and checks nothing (``turns: []``) is refused: a test
    that checks nothing passes whatever the flow does.
    """
    conversations = data.get("conversations") if isinstance(data, dict) else None
    problems: list[Problem] = []
    first: dict[str, int] = {}
    for i, conv in enumerate(conversations if isinstance(conversations, list) else []):
        if not isinstance(conv, dict):
            continue
        name = conv.get("name")
        if isinstance(name, str) and name in first:
            where = smap.locate(("conversations", i, "name"))
            line = smap.locate(("conversations", first[name], "name")).line
            problems.append(
                Problem(
                    where,
                    f"two conversations are named '{name}'",
                    f"the other is on line {line}; give each its own name",
                )
            )
        elif isinstance(name, str):
            first[name] = i
        turns = conv.get("turns", None)
        if turns == []:
            problems.append(
                Problem(
                    smap.locate(("conversations", i, "turns")),
                    "a conversation with no turns checks nothing the caller does",
                    "add a turn ('- user: hello'), or leave 'turns' out and give start: "
                    "or outcome: to check only the opening",
                )
            )
        elif "turns" not in conv and conv.get("start") is None and conv.get("outcome") is None:
            problems.append(
                Problem(
                    smap.locate(("conversations", i), key=True),
                    "this conversation checks nothing: it has no turns, start: or outcome:",
                    "add turns ('- user: hello') with what must happen after each",
                )
            )
    return problems


def parse_test_file(text: str, file: str) -> tuple[ConversationFile, SourceMap]:
    """Parse and validate a test file's own shape (not yet against its flow).

    Raises:
        FlowError: every problem, located as ``file:line:column``.

    """
    found: list[Problem] = []

    def prepare(data: Any, smap: SourceMap) -> tuple[Any, SourceMap]:
        _caller_lines_as_written(data, smap, text)
        found.extend(_conversation_problems(data, smap))
        return data, smap

    try:
        spec, smap = load_document(text, file, ConversationFile, what="test file", prepare=prepare)
    except FlowError as exc:
        raise FlowError([*exc.problems, *found]) from None
    if found:
        raise FlowError(found)
    return spec, smap


# --------------------------------------------------------------------------- against the flow


def _end_reasons(flow: Flow) -> list[str]:
    reasons = {*BUILTIN_END_REASONS, *flow.spec.end_reasons}
    reasons.update(st.end_reason for st in flow.states.values() if st.end_reason)
    return sorted(reasons)


def _targets(flow: Flow, kind: str) -> list[str]:
    return sorted(
        {
            st.transfer.target
            for st in flow.states.values()
            if st.transfer is not None and st.transfer.kind == kind
        }
    )


class _Checker:
    def __init__(self, flow: Flow, smap: SourceMap) -> None:
        self.flow = flow
        self.smap = smap
        self.problems: list[Problem] = []
        self.states = list(flow.states)
        self.slots = list(flow.slots)
        self.reasons = _end_reasons(flow)
        self.queues = _targets(flow, "human")
        self.agents = _targets(flow, "agent")

    def name(
        self, value: str | None, known: list[str], what: str, path: Path, *, key: bool = False
    ) -> None:
        if value is None or value in known:
            return
        hint = did_you_mean(value, known) or (
            f"the flow has: {', '.join(known)}" if known else f"the flow has no {what}s"
        )
        where = self.smap.locate(path, key=key)
        self.problems.append(Problem(where, f"unknown {what} '{value}'", hint))

    def expect(self, e: Expect | Outcome, path: Path) -> None:
        self.name(e.state, self.states, "state", (*path, "state"))
        for slot in e.slots or {}:
            self.name(slot, self.slots, "slot", (*path, "slots", slot), key=True)
        self.name(e.end, self.reasons, "end reason", (*path, "end"))
        if e.transfer is not None:
            self.name(e.transfer.queue, self.queues, "transfer queue", (*path, "transfer", "queue"))
            self.name(e.transfer.agent, self.agents, "transfer agent", (*path, "transfer", "agent"))

    def script(self, script: LLMScript | None, path: Path) -> None:
        for i, rule in enumerate(script.rules if script else ()):
            self.name(rule.state, self.states, "state", (*path, "rules", i, "state"))
            self.name(rule.goto, self.states, "state", (*path, "rules", i, "goto"))


def check_against_flow(spec: ConversationFile, smap: SourceMap, flow: Flow) -> list[Problem]:
    """Every state, slot, end reason and transfer target named must exist in ``flow``."""
    c = _Checker(flow, smap)
    c.script(spec.llm, _rules_base(smap, ("llm",)))
    for i, conv in enumerate(spec.conversations):
        base: Path = ("conversations", i)
        c.script(conv.llm, _rules_base(smap, (*base, "llm")))
        if conv.start is not None:
            c.expect(conv.start, (*base, "start"))
        for j, turn in enumerate(conv.turns):
            c.expect(turn, (*base, "turns", j))
        if conv.outcome is not None:
            c.expect(conv.outcome, (*base, "outcome"))
    return c.problems


def _rules_base(smap: SourceMap, path: Path) -> Path:
    """Where rule ``i`` sits: ``llm.rules.i``, or ``llm.i`` when ``llm`` is a bare list."""
    return path if (*path, 0) in smap.values else (*path, "rules")


def load_test_file(path: str | FsPath, *, run_code: bool = True) -> LoadedTestFile:
    """Read a test file, load its flow, and check one against the other.

    Args:
        path: The ``*.test.yaml`` file.
        run_code: Import the flow's ``python:`` files (see ``superdialog.load``);
            ``False`` only checks them, for ``superdialog validate``.

    Raises:
        FlowError: located problems in the test file, or in the flow it names.

    """
    p = FsPath(path)
    name = str(path)
    text = read_source(p, name)
    own: list[Problem] = []  # the file's own problems, reported with those against the flow
    try:
        spec, smap = parse_test_file(text, name)
    except FlowError as exc:

        def prepare(data: Any, sm: SourceMap) -> tuple[Any, SourceMap]:
            _caller_lines_as_written(data, sm, text)
            return data, sm

        salvaged = salvage_document(text, name, ConversationFile, prepare=prepare)
        if salvaged is None:
            raise
        (spec, smap), own = salvaged, list(exc.problems)
    flow_path = p.parent / spec.flow
    if not is_regular_file(flow_path):
        siblings = sorted(
            f.name for f in p.parent.glob("*.yaml") if not f.name.endswith(".test.yaml")
        )
        raise FlowError(
            [
                Problem(
                    smap.locate(("flow",)),
                    f"no flow file '{spec.flow}' next to this test file",
                    did_you_mean(spec.flow, siblings),
                ),
                *own,
            ]
        )
    try:
        flow = load(flow_path, run_code=run_code)
    except FlowError as exc:
        raise FlowError([*own, *exc.problems]) from None
    problems = [*own, *check_against_flow(spec, smap, flow)]
    if problems:
        raise FlowError(problems)
    return LoadedTestFile(name, spec, smap, flow_path, flow)


def scalar_text(value: Any) -> str:
    """How an expected scalar reads in messages (YAML dates and times as ISO)."""
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)
