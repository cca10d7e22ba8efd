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

* can make the caller hang up in the middle of a reply (``Turn.hang_up_after``)
  and slow down the sending of speech chunks (``delta_delay``), so a barge-in
  or a failure can land while a holding line is on the wire;
* can close the socket when the caller hangs up (``closing=True``), as the
  platform's worker does: every frame sent after that raises ``BridgeClosed``
  (the stock bridge only closes after a terminal verb);
* writes the caller's turns, barge-ins and hang-ups into the call's
  ``timeline``, next to every call event (``machine.on_event``) and whatever
  the test's own actions record there, in the order they happened.

``check_invariants`` states precisely what must hold on every call; ``leaks``
looks for canary values in every output of a call, in any rendering
(``Canary``: grouped or spoken digits, letters and digits ignoring case and
separators, dates in numeric, ISO and spoken forms); ``check_tasks`` finds
task exceptions asyncio had to log because nobody retrieved them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import gc
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from unpod._protocol import StateEvent

import superdialog
from superdialog.flow import Flow
from superdialog.runtime.call import CallMachine
from superdialog.runtime.clock import CallClock, VirtualTime
from superdialog.testing.frames import Frame
from superdialog_unpod import run_session
from superdialog_unpod.testing import LoopbackBridge, Step
from superdialog_unpod.testing.bridge import BridgeClosed

ROOT = Path(__file__).resolve().parents[2]
FLOWS = ROOT / "flows"

TERMINAL = frozenset({"end", "transfer"})
SPEECH = frozenset({"delta", "say"})
CONTROL = frozenset({"pause", "resume", "end", "transfer", "say", "filler"})

Policy = Callable[[CallMachine], "Turn | Step | str | None"]


@dataclass(frozen=True, slots=True)
class Turn:
    """One caller turn drawn by a policy: what to say, and whether to hang up mid-reply.

    ``hang_up_after``: the caller hangs up (the worker closes the socket) after
    that many streamed chunks of the agent's reply to this turn; ``0`` hangs up
    right after speaking, before any reply.
    """

    step: Step
    hang_up_after: int | None = None
    barge_in_when: Callable[[], bool] | None = None
    """Barge in on the first chunk of the reply sent while this holds (e.g. "an action is
    running": the caller talks over a holding line)."""
    hang_up_when: Callable[[], bool] | None = None
    """Hang up on the first chunk of the reply sent while this holds."""


# --------------------------------------------------------------------------- bridge


@dataclass(frozen=True, slots=True)
class Ctx:
    """The machine's state when a frame was sent."""

    node: str
    pii: bool
    terminal: bool
    finishing: bool  # a terminal verb is pending or sent (the closing line is being said)
    language: str = "en"  # the language the call spoke when the frame was sent


class ObservedBridge(LoopbackBridge):
    """A ``LoopbackBridge`` that records the machine's state per frame (see module doc)."""

    def __init__(
        self,
        steps: list[Step | str] | None = None,
        *,
        policy: Policy | None = None,
        verb_delay: float = 0.0,
        delta_delay: float = 0.0,
        timeline: list[tuple[Any, ...]] | None = None,
        closing: bool = False,
        vtime: VirtualTime | None = None,
    ) -> None:
        super().__init__(steps, time=vtime)
        self.closing = closing
        self.machine: CallMachine | None = None
        self.contexts: list[Ctx | None] = []
        self.policy = policy
        self.verb_delay = verb_delay
        self.delta_delay = delta_delay
        self.timeline: list[tuple[Any, ...]] = [] if timeline is None else timeline
        self.spoken: list[str] = []  # caller turns actually sent, in order
        self.hung_up = False
        self.barge_ins = 0  # interrupts actually sent to the session
        self._hang_up_after: int | None = None
        self._barge_when: Callable[[], bool] | None = None
        self._hang_up_when: Callable[[], bool] | None = None

    async def send_verb(self, verb: Any) -> None:
        if self.closing and self.hung_up:
            # the worker closed the socket at hang-up: nothing reaches it any more
            self.timeline.append(("after_hang_up", type(verb).__name__))
            raise BridgeClosed("socket closed: the caller hung up")
        m = self.machine
        ctx = None
        if m is not None:
            st = m.current
            ctx = Ctx(m.node, st.pii, st.terminal, m._status != 0, m.language)
        delta = type(verb).__name__ == "AgentTextDeltaEvent"
        # decided when the chunk starts out: the action may end while it is on the wire
        barge = delta and self._barge_when is not None and self._barge_when()
        hang = delta and self._hang_up_when is not None and self._hang_up_when()
        if self.verb_delay and not delta:
            # a real websocket send suspends: a barge-in can cancel the sender here
            await asyncio.sleep(self.verb_delay)
        if self.delta_delay and delta:
            # a slow speech send: the session is stuck here while the action runs on
            await asyncio.sleep(self.delta_delay)
        before = len(self.frames)
        await super().send_verb(verb)
        if len(self.frames) > before:
            self.contexts.append(ctx)
            step = self._current
            if (
                self.frames[-1].kind == "delta"
                and step is not None
                and step.interrupt_after == self._chunks_this_turn
            ):
                self.barge_ins += 1
                self.timeline.append(("barge_in", self._chunks_this_turn, ctx))
            if barge and self._barge_when is not None:
                from unpod._protocol import UserInterruptEvent

                self._barge_when = None
                self.barge_ins += 1
                self.timeline.append(("barge_in", self._chunks_this_turn, ctx))
                self._events.put_nowait(UserInterruptEvent(heard_prefix="…"))
            if self.frames[-1].kind == "delta" and (
                (self._hang_up_after is not None and self._hang_up_after <= self._chunks_this_turn)
                or (hang and self._hang_up_when is not None)
            ):
                self._hang_up_now(ctx)

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
        self._hang_up_after = None
        self._barge_when = self._hang_up_when = None
        if self.hung_up:  # the socket is closed: nothing more comes from the caller
            return
        m = self.machine
        step = self.policy(m) if m is not None else None
        if step is None:
            self._current = None
            self.hung_up = True
            self.timeline.append(("hang_up", None, m.node if m is not None else None))
            self._events.put_nowait(None)
            return
        turn = (
            step if isinstance(step, Turn) else Turn(step if isinstance(step, Step) else Step(step))
        )
        clocked = self.time is not None
        if clocked and self._speaking and not self._in_turn:
            self._speaking = False  # our reply has been played: the worker listens
            self._events.put_nowait(StateEvent(state="listening"))
        self._current = turn.step
        self.spoken.append(turn.step.text)
        self.timeline.append(
            (
                "caller",
                len(self.spoken) - 1,
                turn.step.text,
                m.node if m is not None else None,
                turn.step.language,
            )
        )
        if clocked and turn.step.silent:
            # the caller keeps quiet: the call's clock times it, in virtual time (as the
            # stock bridge does); nothing is sent
            self._waiting = True
            wait = turn.step.wait
            self._wait_until = None if wait is None else self.time.time() + wait  # type: ignore[union-attr]
            return
        if clocked:
            self._in_turn = True
            self._events.put_nowait(StateEvent(state="thinking"))
        # the recogniser's language rides on the event's ``extra``, as a real worker sends it
        lang = turn.step.language
        extra = {"extra": {"language": lang}} if lang else {}
        self._events.put_nowait(UserTextEvent(text=turn.step.text, **extra))
        self._hang_up_after = turn.hang_up_after
        self._barge_when = turn.barge_in_when
        self._hang_up_when = turn.hang_up_when
        if turn.hang_up_after == 0:
            self._hang_up_now(None)

    def _hang_up_now(self, ctx: Ctx | None) -> None:
        """The caller hangs up in the middle of the agent's turn: the socket closes."""
        self._hang_up_after = None
        self._hang_up_when = None
        self.hung_up = True
        self.timeline.append(("hang_up", self._chunks_this_turn, ctx))
        self._events.put_nowait(None)


# --------------------------------------------------------------------------- logs


class LogCapture(logging.Handler):
    """Every log record of ANY logger at DEBUG (``asyncio``, ``httpx``, the SDK, ours...).

    The handler sits on the root logger (and on ours and the SDK's directly when
    they do not propagate); their levels are lowered to DEBUG for the capture
    and restored after it.
    """

    NAMES = ("superdialog", "unpod")
    LOWERED = ("", "superdialog", "unpod", "asyncio", "openai", "httpx", "httpcore")
    # The host SDK's own transcript lines quote the caller's words and the agent's
    # speech (paused or not); pinned as a strict xfail in test_pii_canaries.py and
    # documented in docs/pii-and-endings.md, so not held against us.
    SDK_TRANSCRIPT = frozenset({"turn %d user: %r%s", "turn %d agent: %r", "verb agent.say: %r"})

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.all_records: list[logging.LogRecord] = []
        self._levels: dict[str, int] = {}
        self._direct: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.all_records.append(record)

    @property
    def records(self) -> list[logging.LogRecord]:
        """The records of our loggers and the SDK's (``NAMES``)."""
        return [r for r in self.all_records if r.name.split(".")[0] in self.NAMES]

    def __enter__(self) -> LogCapture:
        for name in self.LOWERED:
            lg = logging.getLogger(name)
            self._levels[name] = lg.level
            lg.setLevel(logging.DEBUG)
        logging.getLogger().addHandler(self)
        for name in self.NAMES:
            if not logging.getLogger(name).propagate:
                logging.getLogger(name).addHandler(self)
                self._direct.append(name)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger().removeHandler(self)
        for name in self._direct:
            logging.getLogger(name).removeHandler(self)
        for name, level in self._levels.items():
            logging.getLogger(name).setLevel(level)

    @staticmethod
    def text(record: logging.LogRecord) -> str:
        """The record as a handler would write it, traceback and all."""
        try:
            message = record.getMessage()
        except Exception:  # a bad format string still shows what it held
            message = f"{record.msg!r} % {record.args!r}"
        out = f"{record.name} {record.levelname} {message}"
        if record.exc_info:
            out += "\n" + logging.Formatter().formatException(record.exc_info)
        if record.stack_info:
            out += "\n" + record.stack_info
        return out

    def ours(self) -> list[str]:
        return [self.text(r) for r in self.records if r.name.startswith("superdialog")]

    def sdk(self) -> list[str]:
        return [self.text(r) for r in self.records if r.name.startswith("unpod")]

    def everything(self) -> list[str]:
        """Every record of every logger, except the SDK's own transcript lines."""
        return [
            self.text(r)
            for r in self.all_records
            if not (r.name.startswith("unpod") and r.msg in self.SDK_TRANSCRIPT)
        ]


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
    timeline: list[tuple[Any, ...]] = field(default_factory=list)
    """Caller turns, barge-ins, hang-ups, call events (``("event", e, time.monotonic())``)
    and whatever the test's actions wrote, in the order they happened."""

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
    delta_delay: float = 0.0,
    timeline: list[tuple[Any, ...]] | None = None,
    after: Callable[[], Awaitable[None]] | None = None,
    timeout: float = 20.0,
    closing: bool = False,
    prepare: Callable[[CallMachine], Any] | None = None,
    vtime: VirtualTime | None = None,
) -> Call:
    """One whole call: opening line via ``start()``, then ``Session.run()`` until it ends.

    Mirrors ``superdialog_unpod.attach``/``run_call`` (machine set as
    ``session.dialog_machine``, ``close()`` on the ``call_end`` hook), but lets
    the test pass actions, validators and a clock to ``flow.build``.

    ``timeline`` (shared with the test's actions, if given) receives the caller's
    turns and every call event in order; ``after`` is awaited once the call is
    over, still inside the log capture (e.g. to let abandoned work finish), and
    then garbage is collected, so asyncio reports any task whose exception
    nobody retrieved while we are still listening. ``closing``: the worker
    closes the socket when the caller hangs up (``ObservedBridge``). ``prepare``
    is called with the machine right after it is built (e.g. to attach a
    ``CallSaver``, as the durable host does). ``vtime``: the call gets a clock on
    this virtual time, hooked to the worker's ``state`` events as ``attach`` hooks
    it, and silent caller steps pass in it (``Step("")``, ``Step(wait=8)``).

    The session's loop is run by the adapter's ``run_session``, as
    ``run_call`` does in production.
    """
    from unpod.connectivity.session import Session

    timeline = [] if timeline is None else timeline
    bridge = ObservedBridge(
        list(steps),
        policy=policy,
        verb_delay=verb_delay,
        delta_delay=delta_delay,
        timeline=timeline,
        closing=closing,
        vtime=vtime,
    )
    session = Session(bridge=bridge)
    session.data.update(data or {})
    with LogCapture() as logs:
        machine = flow.build(
            session, llm=llm, actions=actions, validators=validators, trace=True, clock=clock
        )
        bridge.machine = machine
        if vtime is not None:
            clock = CallClock(machine, vtime)

            @session.on("state")
            async def _state(event: Any) -> None:
                clock.host_state(str(getattr(event, "state", "")))

        if prepare is not None:
            prepare(machine)
        call = Call(flow, bridge, machine, session, logs, timeline=timeline)
        machine.on_event(lambda e: timeline.append(("event", e, time.monotonic())))
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
        except asyncio.CancelledError as exc:  # escaped from the call, not aimed at us
            me = asyncio.current_task()
            if me is not None and me.cancelling():
                raise
            call.error = exc
        if after is not None:
            await after()
        await asyncio.sleep(0)
        gc.collect()  # "Task exception was never retrieved" is logged when a task dies
        await asyncio.sleep(0)
    if server is not None:
        call.requests = list(server.chat_requests)
    return call


async def _drive(machine: CallMachine, session: Any, bridge: ObservedBridge) -> None:
    await machine.start()
    if machine.finished:
        return
    bridge.begin(machine._call_clock)
    await run_session(session, machine)


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
        (hang-up in a PII state: the ``call_end`` hook resumed it; a worker that
        closed the socket at hang-up ended its recording with the call), and the
        machine does not think it is paused.
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
    if paused and not (call.bridge.closing and call.bridge.hung_up):
        # (a worker that closed the socket at hang-up ended its recording with the call)
        bad.append("R6 recording left paused at the end of the call")
    if m.recording_paused:
        bad.append("R6 the machine still has recording paused after the call")
    outcome = m.outcome or {}
    terms = [f for f in frames if f.kind in TERMINAL]
    # a completed call whose end("completed") was the session's to send, after the turn's
    # text.end, into a socket the worker had closed at hang-up: the session's send failed
    session_lost_it = (
        not terms
        and call.bridge.closing
        and call.bridge.hung_up
        and outcome.get("delegated") == "yes"
    )
    if not terms:
        if not session_lost_it and (outcome.get("verb") != "hangup" or not call.bridge.hung_up):
            bad.append(f"R4 no terminal verb, outcome {outcome}")
    else:
        t = terms[0]
        if t.kind == "end" and (outcome.get("verb") != "end" or outcome.get("reason") != t.reason):
            bad.append(f"R7 end({t.reason}) but outcome {outcome}")
        if t.kind == "transfer" and (
            outcome.get("verb") != "transfer" or outcome.get("target") != t.target
        ):
            bad.append(f"R7 transfer to {t.target} but outcome {outcome}")
    if call.error is not None:
        bad.append(f"R8 the call raised {type(call.error).__name__}: {call.error}")
    if not m.finished:
        bad.append("R8 the machine is not finished after the call")
    events = [e.kind for e in m.trace]
    recording = [k for k in events if k in ("recording_paused", "recording_resumed")]
    sent = [
        "recording_paused" if f.kind == "pause" else "recording_resumed"
        for f in frames
        if f.kind in ("pause", "resume")
    ]
    if recording != sent:
        bad.append(f"R9 trace recording events {recording} != frames {sent}")
    ends = [k for k in events if k in ("ended", "transferred")]
    if len(ends) != len(terms) + session_lost_it:
        bad.append(f"R9 trace has {ends} for terminal frames {[f.kind for f in terms]}")
    return bad


# --------------------------------------------------------------------------- canaries

_UNIT = {
    "zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9,
}  # fmt: skip
_TEEN = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_ORDINAL = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}  # fmt: skip
_SCALE = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_REPEAT = {"double": 2, "triple": 3, "treble": 3}
_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)  # fmt: skip
_MONTHS = {name: i + 1 for i, name in enumerate(_MONTH_NAMES)}
_MONTHS.update({name[:3]: n for name, n in list(_MONTHS.items())})
_MONTHS["sept"] = 9
# between two pieces of a value: these keep a run of digits going ("4111-1111", "(212) 555")
_RUN_SEPARATORS = frozenset("-.,/()+")
# words that join the pieces of an id or an email when it is spelled out
_CONNECTORS = frozenset({"at", "dot", "dash", "hyphen", "underscore", "period", "space"})
_TOKEN = re.compile(r"\d+(?:st|nd|rd|th)?|[^\W\d_]+|[^\w\s]|_")
# numbers in our own outputs that are measurements, never data: left out of the search
_MEASUREMENTS = re.compile(
    r'"(?:latency_ms|elapsed_ms|ttft_ms|tokens_in|tokens_out|cached|turns|t)": -?[\d.e+-]+'
)


@dataclass(frozen=True, slots=True)
class _Piece:
    """One token of a text's projection: a number (as digits), a month, a word or a mark."""

    kind: str  # "n" number, "m" month, "w" word, "sep" separator, "p" other punctuation
    value: str
    start: int
    end: int


def _pieces(text: str) -> list[_Piece]:
    """Tokenise ``text``: spoken numbers become digits, the way people say them.

    "four one one one" -> 4 1 1 1; "forty one eleven" -> 41 11; "nineteen
    seventy nine" -> 19 79; "two thousand and five" -> 2005; "double four" ->
    44; "oh" -> 0; ordinals ("2nd", "second", "twenty third") -> their number.
    """
    raw = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text.lower())]
    out: list[_Piece] = []
    big = small = 0
    last: str | None = None  # what the spoken number being built ended with
    begin = 0
    repeat = 0

    def flush(end: int) -> None:
        nonlocal big, small, last
        if last is not None:
            out.append(_Piece("n", str(big + small), begin, end))
        big = small = 0
        last = None

    def number(value: int, kind: str, start: int, end: int) -> None:
        """A unit, teen or tens word: extends the spoken number or starts another."""
        nonlocal small, last, begin
        joins = last in ("hundred", "thousand") or (kind == "unit" and last == "tens")
        if not joins:
            flush(start)
            begin = start
        small = small + value if joins else value
        last = kind

    for k, (tok, start, end) in enumerate(raw):
        nxt = raw[k + 1][0] if k + 1 < len(raw) else ""
        if repeat and (tok in _UNIT or (tok.isdigit() and len(tok) == 1)):
            flush(start)
            digit = str(_UNIT[tok]) if tok in _UNIT else tok
            out.append(_Piece("n", digit * repeat, start, end))
            repeat = 0
            continue
        repeat = 0
        if tok[0].isdigit():
            flush(start)
            out.append(_Piece("n", tok.rstrip("stndrh"), start, end))
        elif tok in ("oh", "zero"):
            flush(start)
            out.append(_Piece("n", "0", start, end))
        elif tok in _UNIT:
            number(_UNIT[tok], "unit", start, end)
        elif tok in _TEEN:
            number(_TEEN[tok], "teen", start, end)
        elif tok in _TENS:
            number(_TENS[tok], "tens", start, end)
        elif tok in _ORDINAL:
            value = _ORDINAL[tok]
            if value < 10 and last == "tens":
                small += value
                last = "ord"
            else:
                flush(start)
                begin, small, last = start, value, "ord"
            flush(end)
        elif tok in _SCALE:
            if last is None:
                begin, small = start, 1
            if tok == "hundred":
                small *= 100
                last = "hundred"
            else:
                big, small, last = (big + small) * _SCALE[tok], 0, "thousand"
        elif (
            tok == "and"
            and last in ("hundred", "thousand")
            and (nxt in _UNIT or nxt in _TEEN or nxt in _TENS)
        ):
            continue
        elif (
            tok == "-"
            and last is not None
            and k > 0
            and _is_number_word(raw[k - 1][0])
            and _is_number_word(nxt)
        ):
            continue  # "twenty-three", "two-thousand"
        elif tok in _REPEAT:
            flush(start)
            repeat = _REPEAT[tok]
        else:
            flush(start)
            if tok in _MONTHS and tok not in (
                "may",
                "mar",
                "jun",
                "jul",
                "sep",
                "oct",
                "nov",
                "dec",
                "jan",
                "feb",
                "apr",
                "aug",
            ):
                out.append(_Piece("m", str(_MONTHS[tok]), start, end))
            elif tok in _MONTHS:  # short forms only next to a number ("4 may", "jun 2")
                out.append(_Piece("m?", str(_MONTHS[tok]), start, end))
            elif tok[0].isalpha():
                out.append(_Piece("w", tok, start, end))
            elif tok in _RUN_SEPARATORS:
                out.append(_Piece("sep", tok, start, end))
            else:
                out.append(_Piece("p", tok, start, end))
    flush(len(text))
    return out


def _is_number_word(tok: str) -> bool:
    return tok in _UNIT or tok in _TEEN or tok in _TENS or tok in _ORDINAL or tok in _SCALE


class Projection:
    """A text seen the ways a leaked value may hide in it (built once, searched per canary)."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def pieces(self) -> list[_Piece]:
        return _pieces(_MEASUREMENTS.sub('"measured": 0', self.text))

    @cached_property
    def runs(self) -> list[tuple[str, int, int]]:
        """Maximal runs of digits, grouped or spoken any way: ``(digits, start, end)``."""
        out: list[tuple[str, int, int]] = []
        digits, start, end = "", 0, 0
        for p in self.pieces:
            if p.kind == "n":
                if not digits:
                    start = p.start
                digits += p.value
                end = p.end
            elif p.kind != "sep":
                if digits:
                    out.append((digits, start, end))
                digits = ""
        if digits:
            out.append((digits, start, end))
        return out

    @cached_property
    def alnum(self) -> tuple[str, list[int]]:
        """Letters and digits only, lower-cased, spelled-out joiners dropped; source offsets."""
        chars: list[str] = []
        where: list[int] = []
        for p in self.pieces:
            if p.kind in ("n", "w", "m", "m?") and not (p.kind == "w" and p.value in _CONNECTORS):
                value = p.value if p.kind in ("n", "w") else self.pieces_text(p)
                chars.append(value)
                where += [p.start] * len(value)
        return "".join(chars), where

    def pieces_text(self, p: _Piece) -> str:
        return "".join(ch for ch in self.text[p.start : p.end].lower() if ch.isalnum())

    @cached_property
    def numbers(self) -> list[tuple[int, int, int, int]]:
        """``(value, first piece, last piece, char offset)`` of every number.

        Spoken years are also read joined: "nineteen seventy nine" (19 79) and
        "nineteen oh five" (19 0 5) give 1979 and 1905 besides their parts.
        """
        ps = self.pieces
        out: list[tuple[int, int, int, int]] = []
        for k, p in enumerate(ps):
            if p.kind != "n":
                continue
            out.append((int(p.value), k, k, p.start))
            j = k + 1
            if j < len(ps) and ps[j].kind == "sep" and ps[j].value == "-":
                j += 1  # "nineteen-eighty four"
            nxt = ps[j] if j < len(ps) else None
            third = ps[j + 1] if j + 1 < len(ps) else None
            if p.value in ("19", "20") and nxt is not None and nxt.kind == "n":
                if len(nxt.value) == 2:
                    out.append((int(p.value + nxt.value), k, j, p.start))
                elif (
                    nxt.value == "0"
                    and third is not None
                    and third.kind == "n"
                    and len(third.value) == 1
                ):
                    out.append((int(p.value + "0" + third.value), k, j + 1, p.start))
        return out

    def has_date(self, d: dt.date) -> int | None:
        """Char offset of ``d`` written or said in any order (year, month, day close together)."""
        ps = self.pieces
        nums = self.numbers
        months = [(int(p.value), k) for k, p in enumerate(ps) if p.kind in ("m", "m?")]
        for value, first, last, offset in nums:
            if value != d.year:
                continue

            def near(j: int, first: int = first, last: int = last) -> bool:
                return not first <= j <= last and first - 6 <= j <= last + 6

            others = [(v, a) for v, a, b, _ in nums if a == b and near(a)]
            named = [j for v, j in months if v == d.month and near(j)]
            days = [j for v, j in others if v == d.day]
            by_number = [j for v, j in others if v == d.month]
            for day in days:
                if named or any(j != day for j in by_number):
                    return offset
        return None


@dataclass(frozen=True)
class Canary:
    """A planted PII value and every form in which it must never appear.

    ``forms`` are matched as they are (ignoring case). The projections find the
    value however it was rewritten: ``digits`` inside any run of digits,
    grouped or spoken ("4111 1111-1111.1111", "four one one one…", "forty one
    eleven…", "double one", "oh"); ``alnum`` inside the text's letters and
    digits ("AB 123 456 7C", "a b one two three…", "zeb dot quartz at…");
    ``date`` as any rendering of that day (ISO, D/M/Y, M/D/Y, "2nd of June
    1979", "June second nineteen seventy nine", ``datetime.date(1979, 6, 2)``).
    ``llm_ok``: the flow lets the value into model prompts (``send_to_llm``).
    """

    name: str
    forms: tuple[str, ...] = ()
    digits: tuple[str, ...] = ()
    alnum: tuple[str, ...] = ()
    date: dt.date | None = None
    llm_ok: bool = False

    def found_in(self, text: str | Projection) -> list[str]:
        """How the canary shows in ``text`` (its forms, or ``~kind 'context'``); empty if not."""
        proj = text if isinstance(text, Projection) else Projection(text)
        low = proj.text.lower()
        out = [f for f in self.forms if f.lower() in low]
        if out:
            return out
        for want in self.digits:
            for run, start, end in proj.runs:
                if want in run:
                    return [f"~digits {_context(proj.text, start, end)!r}"]
        if self.alnum:
            flat, where = proj.alnum
            for want in self.alnum:
                at = flat.find(want)
                if at >= 0:
                    start = where[at]
                    end = where[at + len(want) - 1] + 1
                    return [f"~alnum {_context(proj.text, start, end)!r}"]
        if self.date is not None:
            at = proj.has_date(self.date)
            if at is not None:
                return [f"~date {_context(proj.text, at, at + 4)!r}"]
        return []


def _context(text: str, start: int, end: int, margin: int = 40) -> str:
    return text[max(0, start - margin) : end + margin]


def _dump(value: Any) -> str:
    return json.dumps(value, default=repr, ensure_ascii=False)


def recorded_speech(frames: Iterable[Frame]) -> list[str]:
    """What the agent said while the recording was on, one text per recorded stretch.

    Chunks are joined, so a value split across streamed chunks is still one value.
    """
    out: list[str] = []
    buf: list[str] = []
    paused = False
    for f in frames:
        if f.kind == "pause":
            paused = True
            out.append("".join(buf))
            buf = []
        elif f.kind == "resume":
            paused = False
        elif f.kind in SPEECH and not paused:
            buf.append(f.text if f.kind == "delta" else f" {f.text} ")
    out.append("".join(buf))
    return [t for t in out if t]


def surfaces(call: Call) -> dict[str, str]:
    """Every output of a call that our contract says is PII-free, as text.

    Speech said while the recording was paused (inside a PII state) may hold
    values and is not included; everything else the worker received is:
    recorded speech and the control frames (a transfer's announcement is heard
    by the receiving side).
    """
    m = call.machine
    llm = []
    for d in call.llm_data:
        llm.append(
            _dump(
                {
                    "prompt_messages": d.prompt_messages,
                    "response_json": d.response_json,
                    "node_id": d.node_id,
                    "edge_id": d.edge_id,
                }
            )
        )
    control = [dataclasses.asdict(f) for f in call.frames if f.kind not in SPEECH]
    error = ""
    if call.error is not None:
        import traceback

        error = "".join(traceback.format_exception(call.error))
    return {
        "frames": "\n".join(recorded_speech(call.frames)),
        "frames(control)": _dump(control),
        "state": _dump(m.state),
        "snapshot": _dump(m.snapshot()),
        "trace": _dump(m.trace_record()),
        "outcome": _dump(m.outcome),
        "llm_callback": "\n".join(llm),
        "llm_requests": "\n".join(_dump(r.body) for r in call.requests),
        "logs": "\n".join(call.logs.everything()),
        "error": error,
    }


def sdk_surfaces(call: Call) -> dict[str, str]:
    """Outputs of the host SDK itself (its logs and hook payloads): not ours to fix."""
    return {
        "logs(unpod)": "\n".join(call.logs.sdk()),
        "hooks(unpod)": "\n".join(_dump([n, p]) for n, p in call.hooks),
    }


def leaks(call: Call, canaries: Iterable[Canary], *, sdk: bool = False) -> list[str]:
    """``"<surface>: <canary> as <form>"`` for every canary found in an output.

    A canary with ``llm_ok`` may be in the model requests (the flow sends it there).
    """
    out = []
    where = sdk_surfaces(call) if sdk else surfaces(call)
    canaries = list(canaries)
    for name, text in where.items():
        if not text:
            continue
        proj = Projection(text)
        for c in canaries:
            if c.llm_ok and name == "llm_requests":
                continue
            out += [
                f"{name}: {c.name} as {form}"
                if form.startswith("~")
                else f"{name}: {c.name} as {form!r}"
                for form in c.found_in(proj)
            ]
    return out


def spoken_digits(digits: str) -> str:
    """``"4242"`` -> ``"four two four two"`` (how a caller reads digits out)."""
    words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    return " ".join(words[int(d)] for d in digits)


# --------------------------------------------------------------------------- tasks & actions


def check_tasks(call: Call) -> list[str]:
    """T1: asyncio never had to log a task or future whose exception nobody retrieved.

    (``run_call`` collects garbage at the end of the call, inside the capture.)
    """
    bad = []
    for r in call.logs.all_records:
        text = LogCapture.text(r)
        if "exception was never retrieved" in text:
            bad.append(f"T1 {r.name}: {text.splitlines()[0][:160]}")
    return bad


@dataclass(frozen=True, slots=True)
class ActionMark:
    """What a test's action wrote in the timeline (``("action", mark)``).

    ``phase``: ``start``; then one of ``return`` (its work finished and it
    returned), ``raise`` (it raised on its own), ``raise_cancelled`` (its own
    work raised ``CancelledError``), ``cancelled`` (someone cancelled it).
    ``at`` is ``loop.time()``.
    """

    phase: str
    run: int
    state: str
    at: float


def check_actions(call: Call, timeouts: Mapping[str, float]) -> list[str]:
    """No move past an unfinished action (``timeouts``: action state -> its timeout).

    A1  a move out of an action state along any edge but ``error`` happens only
        after the action started in that visit returned; a move along
        ``error`` only after it ended, or its timeout passed (or if it never
        started).
    A2  an action is started at most once per visit of its state.
    A3  nobody cancels an action's work before its own timeout (a barge-in
        stops speech, never work; a hang-up lets it finish).
    A4  every action run ended (returned, raised, or was cancelled at its timeout)
        by the time the call was over and its work was given its timeout.
    A5  the call never ends while sitting in an action state whose run ended and
        a caller turn came after that, i.e. the outcome was never applied
        (an end by ``max_duration`` and a hang-up excepted).
    """
    bad: list[str] = []
    runs: dict[int, dict[str, ActionMark]] = {}
    node: str | None = None
    visit = 0
    current: dict[str, int | None] = {}  # action state -> run of the current visit
    started_in_visit: dict[tuple[str, int], int] = {}
    ended_at: dict[int, int] = {}  # run -> timeline index of its end
    settled_turn = False
    for i, item in enumerate(call.timeline):
        kind = item[0]
        if kind == "event":
            e = item[1]
            k = getattr(e, "kind", "")
            if k == "state":
                src = e.src
                if src is not None and src in timeouts:
                    run = current.get(src)
                    marks = runs.get(run, {}) if run is not None else {}
                    how = "error" if e.via == "error" else "ok"
                    if run is not None:
                        if how == "ok" and "return" not in marks:
                            state = (
                                "still running"
                                if len(marks) == 1
                                else "ended with " + "/".join(m for m in marks if m != "start")
                            )
                            bad.append(
                                f"A1 left action state {src} for {e.dst} via {e.via} "
                                f"while its run {run} was {state}"
                            )
                        took = item[2] - marks["start"].at if len(item) > 2 else 0.0
                        if how == "error" and len(marks) == 1 and took < timeouts[src] - 0.02:
                            # (after its timeout the call gives up on it: a sync action's
                            # thread may go on, abandoned)
                            bad.append(
                                f"A1 left action state {src} for {e.dst} via error "
                                f"while its run {run} was still running, {took:.3f}s "
                                f"into its {timeouts[src]:g}s"
                            )
                    elif how == "ok":
                        bad.append(
                            f"A1 left action state {src} for {e.dst} via {e.via} "
                            "without running its action"
                        )
                node = e.dst
                visit += 1
                current[e.dst] = None
            elif k in ("ended", "transferred"):
                reason = getattr(e, "reason", "")
                if node in timeouts and settled_turn and reason != "max_duration":
                    run = current.get(node)
                    bad.append(
                        f"A5 the call ended ({k} {reason}) in action state {node} "
                        f"without applying the outcome of run {run}"
                    )
        elif kind == "action":
            mark: ActionMark = item[1]
            marks = runs.setdefault(mark.run, {})
            marks[mark.phase] = mark
            if mark.phase == "start":
                key = (mark.state, visit)
                if key in started_in_visit:
                    bad.append(
                        f"A2 action of {mark.state} started twice in one visit "
                        f"(runs {started_in_visit[key]} and {mark.run})"
                    )
                started_in_visit[key] = mark.run
                current[mark.state] = mark.run
                settled_turn = False
            else:
                ended_at[mark.run] = i
                start = marks.get("start")
                if mark.phase == "cancelled" and start is not None:
                    limit = timeouts.get(mark.state, 0.0)
                    took = mark.at - start.at
                    if took < limit - 0.02:
                        bad.append(
                            f"A3 run {mark.run} of {mark.state} was cancelled after "
                            f"{took:.3f}s, before its {limit:g}s timeout"
                        )
        elif kind == "caller":
            run = current.get(node) if node in timeouts else None
            settled_turn = run is not None and run in ended_at
    for run, marks in runs.items():
        if len(marks) == 1:
            (start,) = marks.values()
            bad.append(f"A4 run {run} of {start.state} never ended")
    return bad
