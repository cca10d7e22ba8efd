"""The compiled graph: frozen, slotted records shared by every call of a flow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from superdialog.compile.intents import IntentMatcher
from superdialog.compile.templates import CompiledExpr, CompiledTemplate
from superdialog.slots.base import Constraints
from superdialog.spec.models import ActionSpec, SlotSpec

__all__ = [
    "CompiledAction",
    "CompiledGlobal",
    "CompiledSlot",
    "CompiledState",
    "CompiledTransfer",
    "Edge",
    "EdgeKind",
    "StateKind",
]

StateKind = Literal["speak", "llm", "collect", "branch", "action", "end", "transfer", "subflow"]
EdgeKind = Literal[
    "next", "if", "when", "intent", "else", "fail", "error", "global", "cancel", "call", "return"
]


@dataclass(frozen=True, slots=True)
class Edge:
    """One edge of the graph. ``id`` is stable: ``src->dst#n``."""

    id: str
    src: str
    dst: str
    kind: EdgeKind
    label: str | None = None
    expr: CompiledExpr | None = None
    intent: IntentMatcher | None = None
    say: CompiledTemplate | None = None
    tool_name: str | None = None
    clear: tuple[str, ...] = ()
    """Slots emptied when the edge is taken (a transition's ``clear:``)."""


@dataclass(frozen=True, slots=True)
class CompiledSlot:
    """A slot declaration with its prompts compiled."""

    name: str
    spec: SlotSpec
    prompts: tuple[CompiledTemplate, ...]
    choices: tuple[tuple[str, tuple[str, ...]], ...] | None
    constraints: Constraints | None = None
    choices_said: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    """Per language, how a choice is read back (its first synonym in that language)."""

    def said_choice(self, value: object, language: str) -> str | None:
        """``value`` (a choice) as read back to a caller speaking ``language``, if given."""
        for lang, words in self.choices_said:
            if lang == language:
                return next((w for c, w in words if c == value), None)
        return None

    @property
    def pii(self) -> bool:
        """Whether the value must never appear in clear text."""
        return self.spec.pii


@dataclass(frozen=True, slots=True)
class CompiledAction:
    """An action with its argument templates compiled."""

    spec: ActionSpec
    args: tuple[tuple[str, object], ...]
    url: CompiledTemplate | None
    holding_line: CompiledTemplate | None
    result_name: str
    headers: tuple[tuple[str, CompiledTemplate], ...] = ()
    body: object = None
    filler: CompiledTemplate | None = None


@dataclass(frozen=True, slots=True)
class CompiledTransfer:
    """A transfer target. A ``number`` target written as a template keeps it in ``template``."""

    kind: Literal["human", "agent", "number"]
    target: str
    mode: Literal["cold", "warm"]
    announcement: CompiledTemplate | None
    template: CompiledTemplate | None = None


@dataclass(frozen=True, slots=True)
class CompiledGlobal:
    """A global intent rule active in some states."""

    intent: IntentMatcher
    goto: str | None
    say: CompiledTemplate | None
    call: str | None = None
    """A digression: visit this state, come back at its ``return: true`` state."""


@dataclass(frozen=True, slots=True)
class CompiledState:
    """A state, ready to run. ``listens`` says whether it waits for the caller."""

    name: str
    kind: StateKind
    say: tuple[CompiledTemplate, ...]
    llm: CompiledTemplate | None
    collect: tuple[str, ...]
    action: CompiledAction | None
    transfer: CompiledTransfer | None
    end_reason: str | None
    edges: tuple[Edge, ...]
    next_edge: Edge | None
    fail_edge: Edge | None
    error_edge: Edge | None
    pii: bool
    pause_reason: str
    listens: bool
    retries: int
    globals: tuple[CompiledGlobal, ...]
    cluster: str | None
    description: str | None
    cancel_edge: Edge | None = None
    """Where "never mind" goes (``on_cancel``, the state's or the flow's); None: built-in."""
    returns: bool = False
    """``return: true``: the end of a digression, back to the state that called it."""

    @property
    def terminal(self) -> bool:
        """Whether entering this state ends the call."""
        return self.kind in ("end", "transfer")
