"""``CallMachine``: one live call of a flow, implementing the host's dialog contract.

The host (the Unpod ``Session``) calls ``stream(text)`` for every caller
utterance and speaks each chunk we yield at once. This module is the call
object itself: the host contract (``start``, ``stream``, ``turn``, ``assist``,
``mark_interrupted``, ``is_complete``, ``state``, ``register_llm_callback``,
``close``), the call's state, and the small helpers every part of a turn uses
(saying a line, templates, history, masking). The work lives by job in
``turn`` (the turn loop and the error path), ``moves`` (moving between
states), ``effects`` (recording and the one terminal verb) and the state kinds
(``collect``, ``actions``, ``llm_call``, ``dispatch``).

The class is deliberately not named ``DialogMachine``: the Unpod session
auto-wraps objects of that name from ``superdialog`` modules in an adapter
with a different calling convention.
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import AsyncGenerator, Callable, Mapping
from typing import TYPE_CHECKING, Any

from superdialog.compile.model import CompiledState
from superdialog.compile.templates import LANGUAGE_VAR, REGION_VAR, CompiledTemplate
from superdialog.compile.translations import for_language
from superdialog.llm.config import LLMConfig, call_overrides
from superdialog.pii import Masker, get_logger
from superdialog.runtime import durable
from superdialog.runtime.actions import await_pending
from superdialog.runtime.detect_language import LanguageVotes
from superdialog.runtime.effects import FINISHED, HANGUP, RUNNING, host_gone, resume
from superdialog.runtime.events import CallEvent, LLMCalled, Spoke, StateEntered, event_to_dict
from superdialog.runtime.gate import TurnGate
from superdialog.runtime.host import Host, HostGone
from superdialog.runtime.language import follow_caller
from superdialog.runtime.metrics import CallMetrics
from superdialog.runtime.moves import enter
from superdialog.runtime.redact import shown, spoken_masked
from superdialog.runtime.secrets import masked_event, masked_results, result_secrets
from superdialog.runtime.steps import run
from superdialog.runtime.turn import drive, end_turn

if TYPE_CHECKING:
    from superdialog.compile.compiled import CompiledFlow
    from superdialog.compile.model import CompiledAction
    from superdialog.runtime.actions import PendingAction
    from superdialog.runtime.clock import CallClock
    from superdialog.runtime.durable_seal import StateKey
    from superdialog.runtime.repairs import Repairs

__all__ = ["CallMachine"]

log = get_logger("superdialog.call")


class CallMachine:
    """One call's dialog state. Build it with ``flow.build(session)``.

    Attributes:
        flow: The shared, immutable flow.
        node: Current state name (the shared ``transitions`` machine's model attribute).
        slots: Filled slot values, in clear text. Never log this: use ``state``.
        results: Action results by name.

    """

    __slots__ = (
        "_action",
        "_assist",
        "_call_clock",
        "_clock",
        "_confirming",
        "_durable",
        "_error_depth",
        "_from",
        "_gate",
        "_heard_tail",
        "_history",
        "_host",
        "_in_stream",
        "_lang_votes",
        "_listeners",
        "_llm_callbacks",
        "_llm_config",
        "_masker",
        "_metrics",
        "_misses",
        "_outcome",
        "_overrides",
        "_paused",
        "_pending",
        "_repairs",
        "_said",
        "_said_language",
        "_spoke_turn",
        "_started",
        "_status",
        "_t0",
        "_trace",
        "_turn_spoken",
        "_visits",
        "flow",
        "language",
        "node",
        "results",
        "slots",
    )

    def __init__(
        self,
        flow: CompiledFlow,
        session: Any = None,
        *,
        llm: Mapping[str, Any] | LLMConfig | None = None,
        actions: Mapping[str, Callable[..., Any]] | None = None,
        validators: Mapping[str, Callable[[Any], Any]] | None = None,
        trace: bool = False,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.flow = flow
        self.node: str = flow.spec.start
        self.language: str = flow.spec.languages[0]
        """The language the call speaks: the flow's default until the caller switches."""
        self.slots: dict[str, Any] = {}
        self.results: dict[str, Any] = {}
        self._host = Host(session)
        llm = call_overrides(llm)  # checked now, not at the first model request
        self._overrides = (llm, actions, validators) if (llm or actions or validators) else None
        self._clock = clock or time.monotonic
        self._t0 = 0.0
        self._from = ""
        self._status = RUNNING
        self._pending: tuple[str, Any, str] | None = None
        self._outcome: dict[str, str] | None = None
        self._paused = False
        self._started = False
        self._in_stream = False
        self._lang_votes: LanguageVotes | None = None  # detect_language: pending switch votes
        self._spoke_turn = False
        self._error_depth = 0
        self._said: tuple[tuple[str, bool], ...] = ()
        self._said_language: str | None = None
        """The language ``_said`` was said in (None: the call's, as after a restore)."""
        self._turn_spoken: list[tuple[str, bool]] | None = None
        self._confirming: str | None = None
        self._repairs: Repairs | None = None  # read-backs owed, the digression stack
        self._misses: dict[str, int] | None = None
        self._visits: dict[str, int] | None = None
        self._history: deque[tuple[str, str]] | None = None
        self._gate: TurnGate | None = None  # one turn at a time (gate.py)
        self._heard_tail = ""  # the caller's last words, read with the next (slot_values)
        self._assist: list[str] | None = None
        self._listeners: list[Callable[[CallEvent], Any]] | None = None
        self._llm_callbacks: list[Callable[[Any], Any]] | None = None
        self._llm_config: tuple[Any, dict[str, Any], Any, LLMConfig] | None = None  # llm_config
        self._trace: list[CallEvent] | None = [] if trace else None
        self._metrics: CallMetrics | None = None
        self._action: PendingAction | None = None
        self._masker: Masker | None = None
        self._durable: durable.Durable | None = None  # set_llm, switch_flow, the host's saver
        self._call_clock: CallClock | None = None  # set by a host that times silence

    # ------------------------------------------------------------------ host contract
    async def start(self, session: Any = None) -> str:
        """Bind to ``session`` (if given) and speak the flow's opening through ``session.say``.

        Returns the opening text. Host-less, the text is only returned and
        reported as ``Spoke`` events.
        """
        if session is not None:
            self._host = Host(session)
        if self._started:
            return ""
        gate = self._gate
        if gate is None:
            gate = self._gate = TurnGate()
        me = await gate.enter()  # words said during the opening wait for it (gate.py)
        try:
            return await self._opening()
        finally:
            gate.leave(me)

    async def _opening(self) -> str:
        if self._started:  # a turn came first
            return ""
        self._started = True
        self._t0 = self._clock()
        if self.flow.graph.uses_llm:
            # the model client (TLS context, connection pool) is made once per process and
            # event loop: make it now, before the caller speaks, not in the first turn
            from superdialog.llm import get_client  # lazy: importing openai costs ~0.3 s
            from superdialog.runtime.llm_call import llm_config

            get_client(llm_config(self))
        self.emit(StateEntered(None, self.node, None, "start"))
        spoken: list[str] = []
        clock = self._call_clock
        if clock is not None:
            await clock.turn_begins()
        try:
            try:
                async with contextlib.aclosing(run(drive(self, enter(self)))) as gen:
                    async for utterance in gen:
                        text = utterance.strip()
                        spoken.append(text)
                        await self._host.say(text)
            except HostGone:  # the caller hung up during the opening: the call is over
                host_gone(self)
            end_turn(self, caller_turn=False)
        finally:
            if clock is not None:
                clock.turn_ends()
        durable.turn_ended(self)
        return " ".join(spoken)

    async def stream(
        self, text: str, context: dict[str, Any] | None = None, language: str | None = None
    ) -> AsyncGenerator[str, None]:
        """Handle one caller utterance; yield what to speak, chunk by chunk.

        ``context`` is accepted for the host contract. ``language`` is the
        speech recogniser's ('es-ES'): when the flow speaks it, the call
        answers in it from this turn on (``runtime/language.py``).
        """
        gate = self._gate
        if gate is None:
            gate = self._gate = TurnGate()
        me = await gate.enter()  # one turn at a time; an idle one is superseded (gate.py)
        clock = None
        try:
            follow_caller(self, language, text)
            clock = self._call_clock
            if clock is not None:  # no silence timer while the caller's words are handled
                await clock.turn_begins()
            self._in_stream = True
            gen = run(durable.next_turn(self, text))
            try:
                async for chunk in gen:
                    gate.speaking(me, gen)
                    yield chunk
                    if not gate.holds(me):
                        break  # superseded: the turn that took over closes ``gen``
                    gate.speaking(me, None)
            finally:
                if gate.holds(me):
                    await gen.aclose()
        finally:
            if clock is not None:
                clock.turn_ends()
            if gate.leave(me):  # superseded: the turn that took over closes the books
                self._in_stream = False
                durable.turn_ended(self)

    async def turn(
        self, text: str, context: dict[str, Any] | None = None, language: str | None = None
    ) -> str:
        """Handle one utterance and return the whole reply (not used by live hosts)."""
        parts: list[str] = []
        gate = self._gate
        if gate is None:
            gate = self._gate = TurnGate()
        me = await gate.enter()
        clock = None
        try:
            follow_caller(self, language, text)
            clock = self._call_clock
            if clock is not None:  # as in stream(): no silence timer during the turn
                await clock.turn_begins()
            async with contextlib.aclosing(run(durable.next_turn(self, text))) as gen:
                async for chunk in gen:
                    parts.append(chunk)
        finally:
            if clock is not None:
                clock.turn_ends()
            if gate.leave(me):
                durable.turn_ended(self)
        return "".join(parts).strip()

    def assist(self, text: str) -> None:
        """Queue an instruction for the next model call (cheap; from the host)."""
        if self._assist is None:
            self._assist = []
        self._assist.append(text)
        del self._assist[:-5]

    def mark_interrupted(self, heard_text: str | None = None) -> None:
        """The caller barged in: keep only what they heard in the history."""
        hist = self._history
        if hist and hist[-1][0] == "assistant":
            heard = (heard_text or "").strip()
            hist.pop()
            if heard:
                hist.append(("assistant", self.mask(heard) + " …"))
        trace = self._trace
        if trace:
            i = len(trace) - 1
            while i > 0 and isinstance(trace[i], LLMCalled):
                i -= 1  # a model reply's Spoke is followed by its LLMCalled record
            last = trace[i]
            if isinstance(last, Spoke):
                trace[i] = Spoke(self.mask(heard_text or ""), last.state, interrupted=True)
        durable.turn_ended(self)  # what the caller heard is part of the last turn's record

    @property
    def is_complete(self) -> bool:
        """True when the call completed and the host should send ``end("completed")``."""
        return self._outcome is not None and self._outcome.get("delegated") == "yes"

    @property
    def state(self) -> dict[str, Any]:
        """A redacted snapshot for the host: ``node_id``, ``from_node`` and more."""
        return {
            "node_id": self.node,
            "from_node": self._from,
            "flow": self.flow.name,
            "slots": self.redacted_slots(),
            "turns": self.metrics.turns,
            "recording_paused": self._paused,
            "finished": self.finished,
            "outcome": dict(self._outcome) if self._outcome else None,
        }

    def register_llm_callback(self, fn: Callable[[Any], Any]) -> None:
        """Call ``await fn(LLMCallData)`` once per model call (prompts PII-redacted)."""
        if self._llm_callbacks is None:
            self._llm_callbacks = []
        self._llm_callbacks.append(fn)

    # ------------------------------------------------------------------ public extras
    def on_event(self, fn: Callable[[CallEvent], Any]) -> None:
        """Subscribe to the call's typed events (speech, states, slots, effects)."""
        if self._listeners is None:
            self._listeners = []
        self._listeners.append(fn)

    @property
    def trace(self) -> list[CallEvent]:
        """Events recorded so far (with ``build(trace=True)``; PII already masked)."""
        return list(self._trace or [])

    def trace_record(self) -> dict[str, Any]:
        """The trace as JSON-ready data (``superdialog render --trace`` reads this)."""
        return {"flow": self.flow.name, "events": [event_to_dict(e) for e in self._trace or ()]}

    @property
    def finished(self) -> bool:
        """Whether the call reached its one terminal verb (sent, or left to the host)."""
        return self._status == FINISHED

    @property
    def outcome(self) -> dict[str, str] | None:
        """How the call ended: ``{"verb": "end", "reason": ...}`` or a transfer, else None."""
        return dict(self._outcome) if self._outcome else None

    @property
    def metrics(self) -> CallMetrics:
        """Per-call counters: turns, model calls, latency, tokens."""
        if self._metrics is None:
            self._metrics = CallMetrics()
        return self._metrics

    @property
    def recording_paused(self) -> bool:
        """Whether we have paused the call recording and not yet resumed it."""
        return self._paused

    def redacted_slots(self) -> dict[str, str]:
        """Filled slots in display form: PII masked, and secrets inside any other slot too."""
        slots = self.flow.slots
        return {
            k: shown(slots[k], v) if slots[k].pii else self.mask(shown(slots[k], v))
            for k, v in self.slots.items()
            if k in slots
        }

    def hears_pii(self) -> bool:
        """Whether the caller's next words may hold a PII value, so are never kept.

        In a PII state; or where the question being answered is a PII slot's
        (its answer is sensitive even when it is refused or fails validation).
        """
        st = self.current
        if st.pii:
            return True
        if st.kind != "collect":
            return False
        slots = self.flow.slots
        if self._confirming is not None:
            return slots[self._confirming].pii
        asked = next((n for n in st.collect if n not in self.slots), None)
        return asked is not None and slots[asked].pii

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready, PII-redacted picture of the call for logs and debugging."""
        snap = self.state
        snap["history"] = [list(x) for x in (self._history or ())]
        snap["results"] = masked_results(self)
        return snap

    # ------------------------------------------------------------------ durable calls
    def dump(
        self, *, key: StateKey | str | None = durable.USE_ENV, call_id: str | None = None
    ) -> dict[str, Any]:
        """A versioned, JSON-safe record of the call, taken between turns.

        ``flow.restore(record, session)`` continues the call from it on any
        worker. Personal data is sealed with ``key`` (default: the
        ``SUPERDIALOG_STATE_KEY`` variable), or left out when there is none.
        See ``superdialog.runtime.durable``.
        """
        return durable.dump(self, key=key, call_id=call_id)

    def switch_flow(self, flow: CompiledFlow, *, preserve_memory: bool = False) -> None:
        """Continue the call in ``flow`` from its start, at the next turn (see ``durable``)."""
        durable.switch_flow(self, flow, preserve_memory=preserve_memory)

    def set_llm(self, uri: str) -> None:
        """Use another model (``"gpt-4o"``) or endpoint (``"https://host/v1#model"``)."""
        durable.set_llm(self, uri)

    async def close(self) -> None:
        """The host is closing the call (hang-up): resume recording if we paused it.

        The call is marked over even if the resume cannot be sent (the worker
        may already have closed the socket). An action that already started
        still runs to its end (bounded by its own timeout): the caller may have
        hung up after asking us to block a card, and the block must happen.
        """
        clock = self._call_clock
        try:
            if clock is not None:
                await clock.close()
            if self._paused:
                await resume(self)
        except HostGone:  # the socket closed first: the recording ended with the call
            pass
        finally:
            # a terminal verb decided but not sent never will be: the caller is gone (a
            # turn the host abandoned mid-reply may still be finalised later, by the GC)
            self._pending = None
            if self._status != FINISHED:
                self._status = FINISHED
                self._outcome = dict(HANGUP)
            if self._action is not None:
                await await_pending(self)

    # ------------------------------------------------------------------ events & speech
    def emit(self, event: CallEvent) -> None:
        """Report ``event`` (masked) to the trace and to listeners."""
        if self._masker:
            event = masked_event(event, self._masker)
        if self._trace is not None:
            self._trace.append(event)
        if self._listeners:
            for fn in self._listeners:
                try:
                    fn(event)
                except Exception as exc:  # an observer must never break the call
                    log.warning(
                        "call %s: event listener %s raised %s",
                        self.flow.name,
                        getattr(fn, "__qualname__", type(fn).__name__),
                        type(exc).__name__,
                    )

    def utter(self, text: str) -> str | None:
        """Record one utterance; return it (masked when recorded) with a separating space."""
        text = self.speakable(text.strip())
        if not text:
            return None
        out = " " + text if self._spoke_turn else text
        self._spoke_turn = True
        self.said(text)
        self.remember("assistant", text)
        self.emit(Spoke(text, self.node))
        return out

    def said(self, text: str) -> None:
        """Note what this turn said (for "say that again"), and whether it was recorded."""
        if self._turn_spoken is None:
            self._turn_spoken = []
        self._turn_spoken.append((text, self._paused))

    # ------------------------------------------------------------------ secrets
    @property
    def masker(self) -> Masker:
        """The call's masking service: every secret it knows, masked at every exit."""
        if self._masker is None:
            self._masker = Masker()
        return self._masker

    @property
    def has_secrets(self) -> bool:
        """Whether the call knows any secret yet (nothing to mask until it does)."""
        return bool(self._masker)

    def add_secret(
        self,
        value: Any,
        *,
        llm_ok: bool = False,
        spoken: str | None = None,
        kind: str | None = None,
    ) -> None:
        """Make ``value`` a secret of the call; what was kept before it was known is re-masked."""
        masker = self.masker
        before = len(masker)
        masker.add(value, llm_ok=llm_ok, spoken=spoken, kind=kind)
        if len(masker) == before:
            return
        if self._history:
            self._history = deque(
                ((role, masker.mask(text)) for role, text in self._history),
                maxlen=self._history.maxlen,
            )
        if self._trace:
            self._trace[:] = [masked_event(e, masker) for e in self._trace]

    def mask(self, text: str, *, for_llm: bool = False) -> str:
        """``text`` as it may be stored, logged or (``for_llm``) sent to the model."""
        return self._masker.mask(text, for_llm=for_llm) if self._masker else text

    def speakable(self, text: str) -> str:
        """``text`` as it may be said now: secrets spoken masked unless recording is paused."""
        if self._masker and not self._paused:
            return self._masker.mask(text, spoken=True)
        return text

    def on_result(self, action: CompiledAction, result: Any) -> None:
        """An action succeeded: the values it declares as PII become secrets of the call."""
        if action.spec.pii:
            result_secrets(self, action, result)

    def remember(self, role: str, text: str) -> None:
        """Append to the bounded conversation history (what the model sees), masked."""
        if self._history is None:
            self._history = deque(maxlen=self.flow.spec.llm.history_turns * 2)
        self._history.append((role, self.mask(text)))

    def variables(self, *, clear: bool = False) -> dict[str, Any]:
        """Template variables. PII slots are spoken-masked unless ``clear`` (actions only)."""
        flow = self.flow
        slots: dict[str, Any] = {}
        for name, cs in flow.slots.items():
            value = self.slots.get(name)
            if value is not None and cs.pii and not clear:
                value = spoken_masked(cs, value, self.language)
            slots[name] = value
        ctx = flow.spec.context
        out = dict(ctx)
        out.update(
            slots=slots,
            context=ctx,
            session=self._host.data,
            results=self.results,
            flow=flow.name,
            state=self.node,
        )
        if self.language != "en":  # ``| spoken`` words values in the caller's language
            out[LANGUAGE_VAR] = self.language
            out[REGION_VAR] = flow.spec.locale.region
        return out

    def render(self, template: CompiledTemplate, **extra: Any) -> str:
        """Render a template for speech, in the call's language."""
        template = for_language(template, self.language)
        if template.static is not None:
            return template.static
        variables = self.variables()
        variables.update(extra)
        return template.render(variables, state=self.node)

    def pick(self, lines: tuple[CompiledTemplate, ...], n: int) -> CompiledTemplate | None:
        """The ``n``-th variant of a list of lines (cycling), for varied wording."""
        return lines[n % len(lines)] if lines else None

    def message(self, key: str, n: int = 0, **extra: Any) -> str:
        """Render one of the flow's ``messages`` lines."""
        t = self.pick(self.flow.graph.messages[key], n)
        return self.render(t, **extra) if t is not None else ""

    @property
    def host(self) -> Host:
        """The bound host controls."""
        return self._host

    @property
    def current(self) -> CompiledState:
        """The current compiled state."""
        return self.flow.graph.states[self.node]

    def visit_count(self, name: str) -> int:
        """How many times ``name`` was entered before this visit (picks varied lines)."""
        return (self._visits or {}).get(name, 1) - 1

    def count(self, key: str, *, reset: bool = False) -> int:
        """Increment (or reset) a per-call miss counter; return the new value."""
        if self._misses is None:
            self._misses = {}
        if reset:
            self._misses.pop(key, None)
            return 0
        n = self._misses.get(key, 0) + 1
        self._misses[key] = n
        return n
