"""Drive flows through the REAL Unpod ``Session`` and check the call-wide invariants.

Everything here runs the SDK's own ``Session.run()`` loop over a
``LoopbackBridge`` (no re-implementation of the session). On top of the stock
bridge, ``ObservedBridge``:

* notes, for every frame the worker receives, the machine's state at that
  moment (node, whether it is a PII state / a terminal state, and whether the
  call is finishing), so speech can be attributed to states;
* can delay control frames (``verb_delay``) the way a real websocket send
  suspends, so a barge-in can land *inside* a control verb;
* can take its caller turns from a policy (a function of the machine) instead
  of a fixed list: the property test draws each turn when it is due.

``check_invariants`` states precisely what must hold on every call; ``leaks``
greps every output of a call for canary values.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import superdialog
from superdialog.compile.flow import Flow
from superdialog.runtime.call import CallMachine
from superdialog.testing.unpod_bridge import Frame, LoopbackBridge, Step

ROOT = Path(__file__).resolve().parents[2]
FLOWS = ROOT / "flows"

TERMINAL = frozenset({"end", "transfer"})
SPEECH = frozenset({"delta", "say"})
CONTROL = frozenset({"pause", "resume", "end", "transfer", "say", "filler"})

Policy = Callable[[CallMachine], "Step | str | None"]


# --------------------------------------------------------------------------- bridge


@dataclass(frozen=True, slots=True)
class Ctx:
    """The machine's state when a frame was sent."""

    node: str
    pii: bool
    terminal: bool
    finishing: bool  # a terminal verb is pending or sent (the closing line is being said)


class ObservedBridge(LoopbackBridge):
    """A ``LoopbackBridge`` that records the machine's state per frame (see module doc)."""

    def __init__(self, steps: list[Step | str] | None = None, *, policy: Policy | None = None,
                 verb_delay: float = 0.0) -> None:
        super().__init__(steps)
        self.machine: CallMachine | None = None
        self.contexts: list[Ctx | None] = []
        self.policy = policy
        self.verb_delay = verb_delay
        self.spoken: list[str] = []  # caller turns actually sent, in order
        self.hung_up = False
        self.barge_ins = 0  # interrupts actually sent to the session

    async def send_verb(self, verb: Any) -> None:
        m = self.machine
        ctx = None
        if m is not None:
            st = m.current
            ctx = Ctx(m.node, st.pii, st.terminal, m._status != 0)
        if self.verb_delay and type(verb).__name__ != "AgentTextDeltaEvent":
            # a real websocket send suspends: a barge-in can cancel the sender here
            await asyncio.sleep(self.verb_delay)
        before = len(self.frames)
        await super().send_verb(verb)
        if len(self.frames) > before:
            self.contexts.append(ctx)
            step = self._current
            if (self.frames[-1].kind == "delta" and step is not None
                    and step.interrupt_after == self._chunks_this_turn):
                self.barge_ins += 1

    def _next_step(self) -> None:
        if self.policy is None:
            if not self._steps:
                self.hung_up = True
            else:
                self.spoken.append(self._steps[0].text)
            super()._next_step()
            return
        from unpod._protocol import UserTextEvent

        self._chunks_this_turn = 0
        step = self.policy(self.machine) if self.machine is not None else None
        if step is None:
            self._current = None
            self.hung_up = True
            self._events.put_nowait(None)
            return
        self._current = step if isinstance(step, Step) else Step(step)
        self.spoken.append(self._current.text)
        self._events.put_nowait(UserTextEvent(text=self._current.text))


# --------------------------------------------------------------------------- logs


class LogCapture(logging.Handler):
    """Every record of the ``superdialog`` and ``unpod`` loggers, at DEBUG."""

    NAMES = ("superdialog", "unpod")

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._levels: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self) -> LogCapture:
        for name in self.NAMES:
            lg = logging.getLogger(name)
            self._levels[name] = lg.level
            lg.setLevel(logging.DEBUG)
            lg.addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        for name in self.NAMES:
            lg = logging.getLogger(name)
            lg.removeHandler(self)
            lg.setLevel(self._levels[name])

    @staticmethod
    def text(record: logging.LogRecord) -> str:
        """The record as a handler would write it, traceback and all."""
        out = f"{record.name} {record.levelname} {record.getMessage()}"
        if record.exc_info:
            out += "\n" + logging.Formatter().formatException(record.exc_info)
        if record.stack_info:
            out += "\n" + record.stack_info
        return out

    def ours(self) -> list[str]:
        return [self.text(r) for r in self.records if r.name.startswith("superdialog")]

    def sdk(self) -> list[str]:
        return [self.text(r) for r in self.records if r.name.startswith("unpod")]


# --------------------------------------------------------------------------- a call


@dataclass
class Call:
    """Everything one call produced."""

    flow: Flow
    bridge: ObservedBridge
    machine: CallMachine
    session: Any
    logs: LogCapture
    llm_data: list[Any] = field(default_factory=list)
    hooks: list[tuple[str, Any]] = field(default_factory=list)
    requests: list[Any] = field(default_factory=list)
    error: BaseException | None = None

    @property
    def frames(self) -> list[Frame]:
        return self.bridge.frames

    def kinds(self) -> list[str]:
        return self.bridge.kinds()

    def turns(self) -> list[str]:
        return self.bridge.turns()

    def speech(self) -> str:
        """Everything the agent said, in order."""
        return " ".join(f.text for f in self.frames if f.kind in SPEECH)


def load(name: str) -> Flow:
    """An example flow from ``flows/``."""
    return superdialog.load(FLOWS / name)


async def run_call(
    flow: Flow,
    steps: Iterable[Step | str] = (),
    *,
    policy: Policy | None = None,
    llm: Mapping[str, Any] | None = None,
    actions: Mapping[str, Callable[..., Any]] | None = None,
    validators: Mapping[str, Callable[[Any], Any]] | None = None,
    clock: Callable[[], float] | None = None,
    data: Mapping[str, Any] | None = None,
    server: Any = None,
    verb_delay: float = 0.0,
    timeout: float = 20.0,
) -> Call:
    """One whole call: opening line via ``start()``, then ``Session.run()`` until it ends.

    Mirrors ``superdialog.adapters.unpod.attach``/``run_call`` (machine set as
    ``session.dialog_machine``, ``close()`` on the ``call_end`` hook), but lets
    the test pass actions, validators and a clock to ``flow.build``.
    """
    from unpod.connectivity.session import Session

    bridge = ObservedBridge(list(steps), policy=policy, verb_delay=verb_delay)
    session = Session(bridge=bridge)
    session.data.update(data or {})
    with LogCapture() as logs:
        machine = flow.build(session, llm=llm, actions=actions, validators=validators,
                             trace=True, clock=clock)
        bridge.machine = machine
        call = Call(flow, bridge, machine, session, logs)
        session.dialog_machine = machine
        assert session.dialog_machine is machine  # not auto-wrapped

        async def _on_llm(d: Any) -> None:
            call.llm_data.append(d)

        machine.register_llm_callback(_on_llm)

        def _hook(name: str) -> None:
            async def record(*args: Any, **kwargs: Any) -> None:
                call.hooks.append((name, {"args": args, **kwargs}))

            session.on(name)(record)

        for name in ("user_turn", "agent_turn", "turn_complete", "llm_call"):
            _hook(name)

        @session.on("call_end")
        async def _closed(*_: Any) -> None:
            await machine.close()

        try:
            await asyncio.wait_for(_drive(machine, session, bridge), timeout)
        except Exception as exc:
            call.error = exc
    if server is not None:
        call.requests = list(server.chat_requests)
    return call


async def _drive(machine: CallMachine, session: Any, bridge: ObservedBridge) -> None:
    await machine.start()
    if machine.finished:
        return
    bridge.begin()
    await session.run()


# --------------------------------------------------------------------------- invariants


def check_invariants(call: Call) -> list[str]:
    """Every violation of the call-wide contract (empty when the call is correct).

    Walking the frames in order with the recording on/paused:

    R1  ``pause`` only while recording is on, ``resume`` only while paused:
        pauses and resumes alternate (no double pause, no spurious resume).
    R2  every ``pause`` carries the reason of the PII state being entered.
    R3  speech (``delta``/``say``) is paused exactly when it belongs to a PII
        state: the machine is in a PII state and the call is not leaving it,
        or the PII state is itself the end/transfer state being entered. So a
        PII prompt is never recorded, nothing else is ever unrecorded, and a
        closing line said while leaving a PII state (error, limit, no input,
        retries exhausted) comes after the resume.
    R4  at most one terminal verb (``end`` or ``transfer``); none only when the
        caller hung up first (then the machine's outcome is ``hangup``).
    R5  nothing but ``text.end`` after the terminal verb.
    R6  recording is on when the terminal verb is sent, and at the very end
        (hang-up in a PII state: the ``call_end`` hook resumed it).
    R7  the terminal frame matches the machine's outcome (reason / target).
    R8  the call never raised out of the session, and the machine is finished.
    R9  the trace reports the same effects: its pause/resume events match the
        frames one for one, and it has one end/transfer event per terminal frame.
    """
    bad: list[str] = []
    frames, ctxs = call.bridge.frames, call.bridge.contexts
    m = call.machine
    paused = False
    terminal_at: int | None = None
    for i, (f, ctx) in enumerate(zip(frames, ctxs, strict=True)):
        where = f"frame {i} {f.kind}" + (f" in {ctx.node}" if ctx else "")
        if terminal_at is not None and f.kind != "text.end":
            bad.append(f"R5 {where} after the terminal verb")
        if f.kind == "pause":
            if paused:
                bad.append(f"R1 {where}: paused twice")
            paused = True
            if ctx is not None:
                st = call.flow.states[ctx.node]
                if not st.pii:
                    bad.append(f"R2 {where}: pause outside a PII state")
                elif f.reason != st.pause_reason:
                    bad.append(f"R2 {where}: reason {f.reason!r} != {st.pause_reason!r}")
        elif f.kind == "resume":
            if not paused:
                bad.append(f"R1 {where}: resume while not paused")
            paused = False
        elif f.kind in SPEECH and ctx is not None:
            want = ctx.pii and (not ctx.finishing or ctx.terminal)
            if paused != want:
                state = "paused" if paused else "recorded"
                bad.append(f"R3 {where}: speech {state} ({f.text[:60]!r})")
        elif f.kind in TERMINAL:
            if terminal_at is not None:
                bad.append(f"R4 {where}: second terminal verb")
            terminal_at = i
            if paused:
                bad.append(f"R6 {where}: terminal verb while recording is paused")
    if paused:
        bad.append("R6 recording left paused at the end of the call")
    outcome = m.outcome or {}
    terms = [f for f in frames if f.kind in TERMINAL]
    if not terms:
        if outcome.get("verb") != "hangup" or not call.bridge.hung_up:
            bad.append(f"R4 no terminal verb, outcome {outcome}")
    else:
        t = terms[0]
        if t.kind == "end" and (outcome.get("verb") != "end" or outcome.get("reason") != t.reason):
            bad.append(f"R7 end({t.reason}) but outcome {outcome}")
        if t.kind == "transfer" and (outcome.get("verb") != "transfer"
                                     or outcome.get("target") != t.target):
            bad.append(f"R7 transfer to {t.target} but outcome {outcome}")
    if call.error is not None:
        bad.append(f"R8 the call raised {type(call.error).__name__}: {call.error}")
    if not m.finished:
        bad.append("R8 the machine is not finished after the call")
    events = [e.kind for e in m.trace]
    recording = [k for k in events if k in ("recording_paused", "recording_resumed")]
    sent = ["recording_paused" if f.kind == "pause" else "recording_resumed"
            for f in frames if f.kind in ("pause", "resume")]
    if recording != sent:
        bad.append(f"R9 trace recording events {recording} != frames {sent}")
    ends = [k for k in events if k in ("ended", "transferred")]
    if len(ends) != len(terms):
        bad.append(f"R9 trace has {ends} for terminal frames {[f.kind for f in terms]}")
    return bad


# --------------------------------------------------------------------------- canaries


@dataclass(frozen=True)
class Canary:
    """A planted PII value and every form in which it must never appear."""

    name: str
    forms: tuple[str, ...]

    def found_in(self, text: str) -> list[str]:
        low = text.lower()
        return [f for f in self.forms if f.lower() in low]


def _dump(value: Any) -> str:
    return json.dumps(value, default=repr, ensure_ascii=False)


def surfaces(call: Call) -> dict[str, str]:
    """Every output of a call that our contract says is PII-free, as text."""
    m = call.machine
    llm = []
    for d in call.llm_data:
        llm.append(_dump({"prompt_messages": d.prompt_messages,
                          "response_json": d.response_json, "node_id": d.node_id,
                          "edge_id": d.edge_id}))
    return {
        "frames": _dump([dataclasses.asdict(f) for f in call.frames]),
        "state": _dump(m.state),
        "snapshot": _dump(m.snapshot()),
        "trace": _dump(m.trace_record()),
        "outcome": _dump(m.outcome),
        "llm_callback": "\n".join(llm),
        "llm_requests": "\n".join(_dump(r.body) for r in call.requests),
        "logs(superdialog)": "\n".join(call.logs.ours()),
    }


def sdk_surfaces(call: Call) -> dict[str, str]:
    """Outputs of the host SDK itself (its logs and hook payloads): not ours to fix."""
    return {
        "logs(unpod)": "\n".join(call.logs.sdk()),
        "hooks(unpod)": "\n".join(_dump([n, p]) for n, p in call.hooks),
    }


def leaks(call: Call, canaries: Iterable[Canary], *, sdk: bool = False) -> list[str]:
    """``"<surface>: <canary> as <form>"`` for every canary found in an output."""
    out = []
    where = sdk_surfaces(call) if sdk else surfaces(call)
    for name, text in where.items():
        for c in canaries:
            out += [f"{name}: {c.name} as {form!r}" for form in c.found_in(text)]
    return out


def spoken_digits(digits: str) -> str:
    """``"4242"`` -> ``"four two four two"`` (how a caller reads digits out)."""
    words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    return " ".join(words[int(d)] for d in digits)
