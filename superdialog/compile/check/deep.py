"""``validate --deep``: walk the flow with representative values and try every outcome.

The walk is over *configurations*: a state, the slots filled and the action
results stored so far. From each it renders every template the state speaks
or sends (say lines, the LLM instruction and persona, action arguments, slot
prompts, transfer announcements, the runtime's messages, global rules' lines)
with representative values, evaluates every ``if:``, and follows every way
on: each transition taken and not taken, an action that succeeds and one
that fails or times out, retries running out, every global intent, every
model decision. A template or expression that fails, or a state left with
no transition that applies, is a path that reaches the error path **without
an external fault**, and is reported with that path.

It is bounded (``max_configs``), and says what it could not explore: states
never reached within the bound, and templates that read action results of
unknown shape (no ``returns:``), which render but cannot be verified.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from superdialog.compile.check.constraints import slot_context
from superdialog.compile.check.values import Anything, result_value, slot_value
from superdialog.compile.compiled import CompiledFlow
from superdialog.compile.model import CompiledState, Edge
from superdialog.compile.templates import CompiledExpr, CompiledTemplate, reads
from superdialog.errors import Location, TemplateError
from superdialog.slots.clock import zone

__all__ = ["DEFAULT_MAX_CONFIGS", "DeepFinding", "DeepReport", "deep_walk"]

DEFAULT_MAX_CONFIGS = 20_000
"""Configurations (state, slots filled, results stored) the walk visits at most."""

DEFAULT_PER_STATE = 32
"""Configurations per state at most: the slots and results that may or may not be set
double with every optional step, so each state is tried with the first ones found
(breadth first: the shortest ways in), and the report says where it stopped."""

_Config = tuple[str, frozenset[str], frozenset[str], tuple[str, ...]]
"""(state, slots filled, results stored, the states digressions will return to)."""

_MAX_STACK = 3  # digressions inside digressions the walk follows


@dataclass(frozen=True, slots=True)
class DeepFinding:
    """A path that ends in the error path by itself."""

    location: Location
    state: str
    message: str
    path: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}; path: {self.path}"


@dataclass(slots=True)
class DeepReport:
    """What the walk found and how far it got."""

    findings: list[DeepFinding] = field(default_factory=list)
    configs: int = 0
    complete: bool = True
    capped: set[str] = field(default_factory=set)
    """States that had more configurations than ``per_state`` (the rest were not tried)."""
    reached: set[str] = field(default_factory=set)
    unreached: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)
    """Templates (by state) that read results whose shape is not declared."""


class _Walk:
    def __init__(self, flow: CompiledFlow, max_configs: int, per_state: int) -> None:
        self.per_state = per_state
        self.per_state_seen: dict[str, int] = {}
        self.flow = flow
        self.states = flow.graph.states
        self.max_configs = max_configs
        self.report = DeepReport()
        self.parents: dict[_Config, tuple[_Config, str | None] | None] = {}
        self.seen_problems: set[tuple[str, str]] = set()
        self.unknown_shape: set[str] = set()
        self.shapes: dict[str, Any] = {}
        results: dict[str, list[Any]] = {}
        for st in self.states.values():
            if st.action is not None:
                results.setdefault(st.action.result_name, []).append(st.action.spec.returns)
        for name, declared in results.items():
            if all(d is not None for d in declared):
                merged: dict[str, Any] = {}
                for d in declared:
                    merged.update(d or {})
                self.shapes[name] = result_value(merged)
            else:
                self.unknown_shape.add(name)
        tz = zone(flow.spec.locale.timezone)
        self.slot_values = {
            name: slot_value(slot, slot_context(flow.spec, slot.spec, tz))
            for name, slot in flow.graph.slots.items()
        }
        declared_session = flow.spec.session
        self.session: Any = (
            {k: "sample" for k in declared_session} if declared_session is not None else Anything()
        )

    # -- locating and reporting ---------------------------------------------------------
    def where(self, state: str, at: tuple[str | int, ...] | None) -> Location:
        """Where the failing template was written.

        ``at`` is a path inside the state, or one in the flow file when it
        starts with ``"/"``; a state inlined from a sub-flow points at its using state.
        """
        smap = self.flow.source_map
        if smap is None:
            return Location(self.flow.file, 1, 1)
        if at is not None and at[:1] == ("/",):
            return smap.locate(at[1:])
        if "." in state:
            return smap.locate(("states", state.split(".")[0]))
        return smap.locate(("states", state, *(at or ())), key=at is None)

    def route(self, config: _Config) -> str:
        steps: list[str] = []
        cur: _Config | None = config
        while cur is not None:
            link = self.parents.get(cur)
            steps.append(f"'{cur[0]}'")
            if link is None:
                break
            cur, via = link
            if via:
                steps.append(f"({via})")
        return " → ".join(reversed(steps))

    def problem(
        self, config: _Config, message: str, at: tuple[str | int, ...] | None = None
    ) -> None:
        key = (config[0], message)
        if key in self.seen_problems:
            return
        self.seen_problems.add(key)
        self.report.findings.append(
            DeepFinding(self.where(config[0], at), config[0], message, self.route(config))
        )

    # -- values -------------------------------------------------------------------------
    def variables(self, config: _Config, **extra: Any) -> dict[str, Any]:
        state, filled, stored, _ = config
        spec = self.flow.spec
        out: dict[str, Any] = dict(spec.context)
        out.update(
            slots={n: (self.slot_values[n] if n in filled else None) for n in self.slot_values},
            context=spec.context,
            session=self.session,
            results={r: self.shapes.get(r, Anything()) for r in stored},
            flow=spec.flow,
            state=state,
            text="",
        )
        out.update(extra)
        return out

    def unverifiable(self, source: str, expression: bool, config: _Config) -> bool:
        """Whether a failure may come from a stand-in value rather than from the flow.

        A read of a result this path has not stored is the flow's failure; one of
        a stored result with no declared shape (or of undeclared session data)
        reads a stand-in, so its failure proves nothing.
        """
        try:
            found = reads(source, expression=expression)
        except Exception:  # does not parse: reported at load
            return True
        stored = config[2]
        results = [r for r in found if r.path[0] == "results" and len(r.path) > 1]
        if any(not r.guarded and r.path[1] not in stored for r in results):
            return False
        guessed = self.flow.spec.session is None
        return any(r.path[1] in self.unknown_shape for r in results) or (
            guessed and any(r.path[0] == "session" for r in found)
        )

    def render(
        self,
        config: _Config,
        t: CompiledTemplate | None,
        what: str,
        at: tuple[str | int, ...] | None = None,
        **extra: Any,
    ) -> None:
        if t is None or t.static is not None:
            return
        try:
            t.render(self.variables(config, **extra), state=config[0])
        except TemplateError as exc:
            if self.unverifiable(t.source, False, config):
                self.report.unverified.append(f"{config[0]}: {what}")
                return
            self.problem(config, f"{what} fails: {_reason(exc)}", at)

    def evaluate(
        self, config: _Config, expr: CompiledExpr, at: tuple[str | int, ...] | None = None
    ) -> bool:
        try:
            return expr.evaluate(self.variables(config), state=config[0])
        except TemplateError as exc:
            if self.unverifiable(expr.source, True, config):
                self.report.unverified.append(f"{config[0]}: if {expr.source}")
            else:
                self.problem(config, f"the condition {expr.source!r} fails: {_reason(exc)}", at)
            return False

    # -- the walk -----------------------------------------------------------------------
    def run(self) -> DeepReport:
        start: _Config = (self.flow.start, frozenset(), frozenset(), ())
        self.parents[start] = None
        todo = deque([start])
        while todo:
            config = todo.popleft()
            self.report.configs += 1
            self.report.reached.add(config[0])
            for nxt, via in self.step(config):
                if nxt[0] not in self.states or nxt in self.parents:
                    continue
                if len(self.parents) >= self.max_configs:
                    self.report.complete = False
                    continue
                count = self.per_state_seen.get(nxt[0], 0)
                if count >= self.per_state:
                    self.report.complete = False
                    self.report.capped.add(nxt[0])
                    continue
                self.per_state_seen[nxt[0]] = count + 1
                self.parents[nxt] = (config, via)
                todo.append(nxt)
        self.report.unreached = sorted(set(self.states) - self.report.reached)
        self.report.unverified = sorted(set(self.report.unverified))
        return self.report

    def step(self, config: _Config) -> Iterable[tuple[_Config, str | None]]:
        name, filled, stored, stack = config
        st = self.states[name]
        self.entry(config, st)
        if st.terminal:
            return []
        out: list[tuple[_Config, str | None]] = []
        error_to = st.error_edge.dst if st.error_edge else self.flow.spec.on_error
        if st.kind == "action" and st.action is not None:
            if error_to is not None:
                out.append(((error_to, filled, stored, stack), "action fails or times out"))
            done: _Config = (name, filled, stored | {st.action.result_name}, stack)
            out += self.leave(done, st, "action succeeds", passing=True)
        elif st.kind == "collect":
            required = {s for s in st.collect if self.flow.graph.slots[s].spec.required}
            done = (name, filled | required, stored, stack)
            out += self.leave(done, st, None, passing=True)
            if st.fail_edge is not None:
                out.append(((st.fail_edge.dst, filled, stored, stack), "retries run out"))
        elif st.kind in ("branch", "subflow") or (st.kind == "speak" and not st.listens):
            out += self.leave(config, st, None, passing=True)
        else:  # a waiting state: the caller or the model picks any way on
            out += self.leave(config, st, None, passing=False)
        cancel = st.cancel_edge
        if cancel is not None:
            flow_wide = cancel.label == "flow on_cancel"
            at: tuple[str | int, ...] = (
                ("/", "on_cancel", "say") if flow_wide else ("on_cancel", "say")
            )
            self.render(config, cancel.say, "the never-mind line", at)
            out.append(((cancel.dst, filled, stored, stack), "never mind"))
        if st.returns and stack:
            out.append(((stack[-1], filled, stored, stack[:-1]), "back from the digression"))
        for g in st.globals:
            if g.goto is not None:
                out.append(((g.goto, filled, stored, stack), f"global {g.intent.name}"))
            called = g.call
            if called is not None and len(stack) < _MAX_STACK:
                via = f"global {g.intent.name}, a digression"
                out.append(((called, filled, stored, (*stack, name)), via))
        return out

    def leave(
        self, config: _Config, st: CompiledState, via: str | None, *, passing: bool
    ) -> list[tuple[_Config, str | None]]:
        """Every edge out: each ``if`` both taken and not; the first otherwise ends the list."""
        out: list[tuple[_Config, str | None]] = []
        for i, e in enumerate(st.edges):  # one edge per transition, in order
            if e.kind == "if" and e.expr is not None:
                self.evaluate(config, e.expr, ("transitions", i, "if"))
            out.append(self.take(config, e, via, ("transitions", i, "say")))
            if e.kind == "else":
                return out
        if st.next_edge is not None:
            out.append(self.take(config, st.next_edge, via))
        elif (
            passing
            and any(e.kind == "if" for e in st.edges)
            and not any(e.kind == "else" for e in st.edges)
        ):
            self.problem(config, "no transition applies when no 'if' holds", ("transitions",))
        return out

    def take(
        self, config: _Config, e: Edge, via: str | None, at: tuple[str | int, ...] | None = None
    ) -> tuple[_Config, str | None]:
        self.render(config, e.say, f"the line of the transition to '{e.dst}'", at)
        return (e.dst, config[1], config[2], config[3]), via

    def entry(self, config: _Config, st: CompiledState) -> None:
        for i, line in enumerate(st.say):
            many = len(st.say) > 1
            self.render(
                config,
                line,
                f"say line {i + 1}" if many else "the say line",
                ("say", i) if many else ("say",),
            )
        if st.kind == "llm":
            self.render(config, st.llm, "the llm instruction", ("llm",))
            self.render(config, self.flow.graph.persona, "the persona", ("/", "persona"))
        a = st.action
        if a is not None:
            for key, value in a.args:
                if isinstance(value, CompiledTemplate):
                    self.render(config, value, f"action argument '{key}'", ("action", "args", key))
            self.render(config, a.url, "the action's url", ("action", "http", "url"))
            self.render(config, a.holding_line, "the holding line", ("action", "holding_line"))
            self.render(config, a.filler, "the filler", ("action", "filler"))
            for key, value in a.headers:
                self.render(config, value, f"header '{key}'", ("action", "http", "headers", key))
            for t in _templates(a.body):
                self.render(config, t, "the action's json body", ("action", "http", "json"))
        if st.transfer is not None:
            self.render(
                config,
                st.transfer.announcement,
                "the transfer announcement",
                ("transfer", "announcement"),
            )
            self.render(config, st.transfer.template, "the transfer number", ("transfer", "number"))
        for slot in st.collect:
            if slot not in config[1]:
                for t in self.flow.graph.slots[slot].prompts:
                    self.render(
                        config, t, f"the prompt of slot '{slot}'", ("/", "slots", slot, "prompt")
                    )
                if self.flow.graph.slots[slot].spec.confirm:
                    for t in self.flow.graph.messages.get("confirm", ()):
                        shown = str(self.slot_values.get(slot))
                        self.render(
                            config,
                            t,
                            "messages.confirm",
                            ("/", "messages", "confirm"),
                            value=shown,
                            slot=slot,
                        )
        for g in st.globals:
            self.render(config, g.say, f"the line of global '{g.intent.name}'")
        if not st.terminal and (st.listens or st.kind in ("collect", "llm")):
            keys: tuple[str, ...] = (
                "no_input",
                "not_understood",
                "help",
                "no_response",
                "max_duration",
            )
            if st.kind == "collect":
                keys += ("not_understood_end",)
            for key in keys:
                for t in self.flow.graph.messages.get(key, ()):
                    self.render(config, t, f"messages.{key}", ("/", "messages", key))


def _templates(value: object) -> Iterable[CompiledTemplate]:
    if isinstance(value, CompiledTemplate):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _templates(v)
    elif isinstance(value, list):
        for v in value:
            yield from _templates(v)


def _reason(exc: TemplateError) -> str:
    text = str(exc)
    return text.split("failed: ", 1)[-1] if "failed: " in text else text


def deep_walk(
    flow: CompiledFlow,
    *,
    max_configs: int = DEFAULT_MAX_CONFIGS,
    per_state: int = DEFAULT_PER_STATE,
) -> DeepReport:
    """Walk ``flow`` breadth first, bounded by ``max_configs`` and ``per_state``.

    See the module docstring. The report lists what was found, how many
    configurations were tried, and what was not reached or not verified.
    """
    return _Walk(flow, max_configs, per_state).run()
