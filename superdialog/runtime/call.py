"""``CallMachine``: one live call of a flow, implementing the host's dialog contract.

The host (the Unpod ``Session``) calls ``stream(text)`` for every caller
utterance and speaks each chunk we yield at once. Around the speech we send the
session's control verbs in the order the contract needs:

* a PII state pauses recording *before* its first word; every way out resumes
  it *before* the next state speaks (and the ``finally`` of every turn
  reconciles, so a barge-in or an error cannot leave recording paused);
* a terminal verb (``end`` or a transfer) is the last thing a turn does, and a
  call sends exactly one. When the host itself ends a completed call
  (``is_complete``), we leave that verb to it.

The class is deliberately not named ``DialogMachine``: the Unpod session
auto-wraps objects of that name from ``superdialog`` modules in an adapter
with a different calling convention.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections import deque
from collections.abc import AsyncGenerator, Callable, Mapping
from typing import TYPE_CHECKING, Any

from superdialog.compile.intents import normalise
from superdialog.compile.model import CompiledState, CompiledTransfer, Edge
from superdialog.compile.templates import CompiledTemplate
from superdialog.errors import RuntimeFlowError, SuperDialogError
from superdialog.pii import Masker, get_logger
from superdialog.runtime.events import (
    CallEnded,
    CallEvent,
    CallTransferred,
    ErrorRaised,
    InputTruncated,
    LLMCalled,
    RecordingPaused,
    RecordingResumed,
    Spoke,
    StateEntered,
)
from superdialog.runtime.host import Host
from superdialog.runtime.metrics import CallMetrics
from superdialog.runtime.redact import REDACTED, shown, spoken_masked

if TYPE_CHECKING:
    from superdialog.compile.flow import Flow
    from superdialog.compile.model import CompiledAction
    from superdialog.runtime.actions import PendingAction

__all__ = ["CallMachine"]

log = get_logger("superdialog.call")

_RUNNING, _PENDING, _FINISHED = 0, 1, 2


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
        "_clock",
        "_confirming",
        "_error_depth",
        "_from",
        "_history",
        "_host",
        "_in_stream",
        "_listeners",
        "_llm_callbacks",
        "_masker",
        "_metrics",
        "_misses",
        "_outcome",
        "_overrides",
        "_paused",
        "_pending",
        "_said",
        "_spoke_turn",
        "_started",
        "_status",
        "_t0",
        "_trace",
        "_turn_spoken",
        "_visits",
        "flow",
        "node",
        "results",
        "slots",
    )

    def __init__(
        self,
        flow: Flow,
        session: Any = None,
        *,
        llm: Mapping[str, Any] | None = None,
        actions: Mapping[str, Callable[..., Any]] | None = None,
        validators: Mapping[str, Callable[[Any], Any]] | None = None,
        trace: bool = False,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.flow = flow
        self.node: str = flow.spec.start
        self.slots: dict[str, Any] = {}
        self.results: dict[str, Any] = {}
        self._host = Host(session)
        self._overrides = (llm, actions, validators) if (llm or actions or validators) else None
        self._clock = clock or time.monotonic
        self._t0 = 0.0
        self._from = ""
        self._status = _RUNNING
        self._pending: tuple[str, Any, str] | None = None
        self._outcome: dict[str, str] | None = None
        self._paused = False
        self._started = False
        self._in_stream = False
        self._spoke_turn = False
        self._error_depth = 0
        self._said: tuple[tuple[str, bool], ...] = ()
        self._turn_spoken: list[tuple[str, bool]] | None = None
        self._confirming: str | None = None
        self._misses: dict[str, int] | None = None
        self._visits: dict[str, int] | None = None
        self._history: deque[tuple[str, str]] | None = None
        self._assist: list[str] | None = None
        self._listeners: list[Callable[[CallEvent], Any]] | None = None
        self._llm_callbacks: list[Callable[[Any], Any]] | None = None
        self._trace: list[CallEvent] | None = [] if trace else None
        self._metrics: CallMetrics | None = None
        self._action: PendingAction | None = None
        self._masker: Masker | None = None

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
        self._started = True
        self._t0 = self._clock()
        if self.flow.graph.uses_llm:
            # the model client (TLS context, connection pool) is made once per process and
            # event loop: make it now, before the caller speaks, not in the first turn
            from superdialog.llm import get_client
            from superdialog.runtime.llm_state import llm_config

            get_client(llm_config(self))
        self._emit(StateEntered(None, self.node, None, "start"))
        spoken: list[str] = []
        async with contextlib.aclosing(self._drive(self._enter())) as gen:
            async for utterance in gen:
                text = utterance.strip()
                spoken.append(text)
                await self._host.say(text)
        self._end_turn(caller_turn=False)
        return " ".join(spoken)

    async def stream(
        self, text: str, context: dict[str, Any] | None = None, language: str | None = None
    ) -> AsyncGenerator[str, None]:
        """Handle one caller utterance; yield what to speak, chunk by chunk.

        ``context`` and ``language`` are accepted for the host contract; the
        Unpod session passes ``language`` from its speech recogniser.
        """
        self._in_stream = True
        try:
            async with contextlib.aclosing(self._turn(text)) as gen:
                async for chunk in gen:
                    yield chunk
        finally:
            self._in_stream = False

    async def turn(self, text: str, context: dict[str, Any] | None = None) -> str:
        """Handle one utterance and return the whole reply (not used by live hosts)."""
        parts: list[str] = []
        async with contextlib.aclosing(self._turn(text)) as gen:
            async for chunk in gen:
                parts.append(chunk)
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
        from superdialog.runtime.events import event_to_dict

        return {"flow": self.flow.name, "events": [event_to_dict(e) for e in self._trace or ()]}

    @property
    def finished(self) -> bool:
        """Whether the call reached its one terminal verb (sent, or left to the host)."""
        return self._status == _FINISHED

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
        """Filled slots in display form (PII masked)."""
        slots = self.flow.slots
        return {k: shown(slots[k], v) for k, v in self.slots.items() if k in slots}

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready, PII-redacted picture of the call for logs and debugging."""
        snap = self.state
        snap["history"] = [list(x) for x in (self._history or ())]
        from superdialog.runtime.secrets import masked_results

        snap["results"] = masked_results(self)
        return snap

    async def close(self) -> None:
        """The host is closing the call (hang-up): resume recording if we paused it.

        The call is marked over even if the resume cannot be sent (the worker
        may already have closed the socket). An action that already started
        still runs to its end (bounded by its own timeout): the caller may have
        hung up after asking us to block a card, and the block must happen.
        """
        try:
            if self._paused:
                await self._resume()
        finally:
            if self._status != _FINISHED:
                self._status = _FINISHED
                self._outcome = {"verb": "hangup", "reason": "hangup"}
            if self._action is not None:
                from superdialog.runtime.actions import await_pending

                await await_pending(self)

    # ------------------------------------------------------------------ events & speech
    def _emit(self, event: CallEvent) -> None:
        if self._masker:
            event = _masked_event(event, self._masker)
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

    def _utter(self, text: str) -> str | None:
        """Record one utterance; return it (masked when recorded) with a separating space."""
        text = self.speakable(text.strip())
        if not text:
            return None
        out = " " + text if self._spoke_turn else text
        self._spoke_turn = True
        self.said(text)
        self.remember("assistant", text)
        self._emit(Spoke(text, self.node))
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
            self._trace[:] = [_masked_event(e, masker) for e in self._trace]

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
            from superdialog.runtime.secrets import result_secrets

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
                value = spoken_masked(cs, value)
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
        return out

    def render(self, template: CompiledTemplate, **extra: Any) -> str:
        """Render a template for speech."""
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

    # ------------------------------------------------------------------ turn loop
    async def _turn(self, text: str) -> AsyncGenerator[str, None]:
        if self._status != _RUNNING:
            return
        if not self._started:
            self._started = True
            self._t0 = self._clock()
        self._spoke_turn = False
        self._error_depth = 0
        self.metrics.turns += 1
        try:
            async with contextlib.aclosing(self._drive(self._handle(text))) as gen:
                async for chunk in gen:
                    yield chunk
        finally:  # a barge-in closes us mid-turn: what we said is still the last utterance
            self._end_turn()

    def _end_turn(self, *, caller_turn: bool = True) -> None:
        if self._turn_spoken:
            self._said = tuple(self._turn_spoken)
        self._turn_spoken = None
        m = self.metrics
        if caller_turn:  # the opening line is not a turn of the host's
            self._host.record_turn(
                stt_ms=0,
                llm_ms=int(m.turn_llm_ms),
                tts_ms=0,
                cost_voice=0.0,
                cost_llm=0.0,
                tokens_in=m.turn_tokens_in,
                tokens_out=m.turn_tokens_out,
                llm=self.flow.spec.llm.model if m.turn_llm_calls else "",
            )
        m.close_turn()

    async def _drive(self, body: AsyncGenerator[str, None]) -> AsyncGenerator[str, None]:
        """Run ``body``; route any failure to the error path; always reconcile effects."""
        try:
            try:
                async with contextlib.aclosing(body) as gen:
                    async for chunk in gen:
                        yield chunk
            except Exception as exc:  # a call never crashes: recover or end with a reason
                async with contextlib.aclosing(self._fail(exc)) as gen:
                    async for chunk in gen:
                        yield chunk
            if self._pending is not None:
                await self._send_terminal()
        finally:
            await self._reconcile()

    async def _reconcile(self) -> None:
        """Whatever interrupted the turn, leave the effects consistent."""
        if self._pending is not None:
            await self._send_terminal()
        elif self._paused and not self.current.pii:
            await self._resume()

    async def _handle(self, text: str) -> AsyncGenerator[str, None]:
        flow = self.flow
        limits = flow.spec.limits
        elapsed = self._clock() - self._t0
        if (limits.max_turns is not None and self.metrics.turns > limits.max_turns) or (
            limits.max_duration is not None and elapsed > limits.max_duration
        ):
            log.info("call %s: limit reached in %s", flow.name, self.node)
            async with contextlib.aclosing(
                self.finish("end", "max_duration", self.message("max_duration"))
            ) as _sub:
                async for c in _sub:
                    yield c
            return
        raw = self._heard(text)
        if raw and not self._paused and not self.current.pii:
            from superdialog.runtime.secrets import scan_volunteered

            scan_volunteered(self, raw)
        if self._action is not None:
            async with contextlib.aclosing(self._settle_action(raw)) as _sub:
                async for c in _sub:
                    yield c
            return
        if not raw:
            async with contextlib.aclosing(self._no_input()) as _sub:
                async for c in _sub:
                    yield c
            return
        self.count("no_input", reset=True)
        st = self.current
        self.remember("user", REDACTED if st.pii else raw)
        async with contextlib.aclosing(self._words(st, raw)) as _sub:
            async for c in _sub:
                yield c

    def _heard(self, text: object) -> str:
        """The caller's words as we handle them: text, stripped, at most the flow's cap.

        A host may hand us ``None`` (silence) or a runaway transcript; neither
        may cost more than a bounded amount of work.
        """
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        cap = self.flow.spec.limits.max_utterance_chars
        if len(text) > cap:
            self._emit(InputTruncated(len(text), cap, self.node))
            text = text[:cap]
        return text.strip()

    async def _settle_action(self, raw: str) -> AsyncGenerator[str, None]:
        """The caller spoke while an action ran (they barged in over it): finish it first.

        The action's outcome decides what happens before the new words do: a
        failure takes the error path. After a success, words that ask to leave
        (a global intent with a ``goto``: "agent", "goodbye") are taken from
        the action state; any other words were said before the caller heard
        where the action led, so they answer nothing the flow asks next — the
        flow goes on, and the words count only if nothing new was said.
        """
        st = self.current
        leave = None
        if raw:
            self.count("no_input", reset=True)
            self.remember("user", REDACTED if st.pii else raw)
            norm = normalise(raw)
            leave = next((g for g in st.globals if g.goto and g.intent.matches(norm)), None)
        if leave is not None:
            from superdialog.runtime.actions import run_action

            async with contextlib.aclosing(run_action(self, st)) as _sub:
                async for c in _sub:
                    yield c
            async with contextlib.aclosing(
                self._global(leave.intent.name, leave.goto, leave.say)
            ) as _sub:
                async for c in _sub:
                    yield c
            return
        async with contextlib.aclosing(self._enter(resume=True)) as _sub:
            async for c in _sub:
                yield c
        if self._status == _RUNNING and raw and not self._spoke_turn:
            async with contextlib.aclosing(self._words(self.current, raw)) as _sub:
                async for c in _sub:
                    yield c

    async def _words(self, st: CompiledState, raw: str) -> AsyncGenerator[str, None]:
        """A non-empty utterance in a waiting state: global intents, then the state's own."""
        norm = normalise(raw)
        for rule in st.globals:
            if rule.intent.matches(norm):
                async with contextlib.aclosing(
                    self._global(rule.intent.name, rule.goto, rule.say, raw)
                ) as _sub:
                    async for c in _sub:
                        yield c
                return
        from superdialog.runtime.dispatch import handle_utterance

        async with contextlib.aclosing(handle_utterance(self, st, raw, norm)) as _sub:
            async for c in _sub:
                yield c

    async def _no_input(self) -> AsyncGenerator[str, None]:
        n = self.count("no_input")
        if n >= self.flow.spec.limits.no_input:
            async with contextlib.aclosing(
                self.finish("end", "no_response", self.message("no_response"))
            ) as _sub:
                async for c in _sub:
                    yield c
            return
        for line in (self.message("no_input", n - 1), self.reprompt_text()):
            out = self._utter(line)
            if out:
                yield out

    def reprompt_text(self) -> str:
        """What the current state asks again after a miss."""
        from superdialog.runtime.collect import current_question

        st = self.current
        if st.kind == "collect":
            return current_question(self)
        if st.say:
            t = self.pick(st.say, self._visit_count(st.name))
            return self.render(t) if t else ""
        return ""

    async def _global(
        self, intent: str, goto: str | None, say: CompiledTemplate | None, raw: str | None = None
    ) -> AsyncGenerator[str, None]:
        if intent == "repeat" and goto is None and say is None:
            # what was said while recording was paused is never replayed into a recording
            again = " ".join(t for t, paused in self._said if self._paused or not paused)
            if not again and self.current.kind == "llm" and raw is not None:
                # nothing we may say again: the model answers "say that again" itself
                from superdialog.runtime.dispatch import handle_utterance

                async with contextlib.aclosing(
                    handle_utterance(self, self.current, raw, normalise(raw))
                ) as _sub:
                    async for c in _sub:
                        yield c
                return
            out = self._utter(again or self.reprompt_text() or self.message("not_understood"))
            if out:
                yield out
            return
        if say is not None and goto is None:
            out = self._utter(self.render(say))
            if out:
                yield out
        elif intent == "help" and goto is None:
            for line in (self.message("help"), self.reprompt_text()):
                out = self._utter(line)
                if out:
                    yield out
        if goto is not None:
            on_the_way = None  # rendered here, said on the way like an edge's line
            if say is not None:
                text = self.render(say)
                on_the_way = CompiledTemplate(text, text, None)
            if intent == "start_over":  # the caller starts again: forget what they gave
                self.slots.clear()
                self.results.clear()
                self._misses = None
            async with contextlib.aclosing(
                self.goto(goto, f"global:{intent}", f"global:{intent}", on_the_way)
            ) as _sub:
                async for c in _sub:
                    yield c

    # ------------------------------------------------------------------ moving
    def _visit_count(self, name: str) -> int:
        return (self._visits or {}).get(name, 1) - 1

    def _move(self, dst: str, edge_id: str | None, via: str) -> None:
        src = self.node
        allowed = self.flow.sources.get(dst)
        if allowed is None or src not in allowed:  # the shared machine's transition table
            raise RuntimeFlowError(f"no transition to '{dst}'", state=src)
        self.node = dst
        self._from = src
        self._confirming = None
        if self._visits is None:
            self._visits = {}
        self._visits[dst] = self._visits.get(dst, 0) + 1
        self._emit(StateEntered(src, dst, edge_id, via))

    def take(self, edge: Edge) -> AsyncGenerator[str, None]:
        """Follow ``edge`` and run the states it leads to.

        Returns ``goto``'s generator itself: one generator less for every chunk to pass.
        """
        return self.goto(edge.dst, edge.id, edge.kind, edge.say)

    async def goto(
        self, dst: str, edge_id: str | None, via: str, say: CompiledTemplate | None = None
    ) -> AsyncGenerator[str, None]:
        """Move to ``dst`` (validated by the shared machine) and enter it."""
        self._move(dst, edge_id, via)
        await self._follow_recording()
        if say is not None:
            out = self._utter(self.render(say))
            if out:
                yield out
        async with contextlib.aclosing(self._enter()) as _sub:
            async for c in _sub:
                yield c

    async def _enter(self, *, resume: bool = False) -> AsyncGenerator[str, None]:
        """Run the current state's entry, following pass-through states until one waits.

        ``resume``: the current state was entered in an earlier turn (an action
        still running): its line was said then and is not said again.
        """
        hops = 0
        while True:
            hops += 1
            if hops > len(self.flow.graph.states) + 2:
                raise RuntimeFlowError("states keep passing without waiting", state=self.node)
            st = self.current
            if st.pii and not self._paused:
                await self._pause(st)
            elif self._paused and not st.pii:
                await self._resume()
            if self._visits is None:
                self._visits = {}
            self._visits.setdefault(st.name, 1)
            if st.kind in ("end", "transfer"):
                line = self.pick(st.say, self._visit_count(st.name))
                verb = "transfer" if st.kind == "transfer" else "end"
                payload: Any = st.transfer if st.transfer is not None else st.end_reason
                async with contextlib.aclosing(
                    self.finish(verb, payload, self.render(line) if line else "")
                ) as _sub:
                    async for c in _sub:
                        yield c
                return
            if (st.kind != "llm" or st.say) and not resume:
                line = self.pick(st.say, self._visit_count(st.name))
                if line is not None:
                    out = self._utter(self.render(line))
                    if out:
                        yield out
            resume = False
            edge: Edge | None
            if st.kind == "action":
                from superdialog.runtime.actions import run_action

                async with contextlib.aclosing(run_action(self, st)) as _sub:
                    async for c in _sub:
                        yield c
                edge = self.choose_edge(st)
            elif st.kind == "collect":
                from superdialog.runtime.collect import enter_collect

                done = False
                async with contextlib.aclosing(enter_collect(self, st)) as asks:
                    async for ask in asks:
                        if ask is None:
                            done = True
                        else:
                            yield ask
                if not done:
                    return
                edge = self.choose_edge(st)
            elif st.kind == "llm":
                if not st.say and not self._spoke_turn and self.flow.spec.llm is not None:
                    from superdialog.runtime.llm_state import llm_opening

                    async with contextlib.aclosing(llm_opening(self, st)) as _sub:
                        async for c in _sub:
                            yield c
                return
            elif st.listens:
                return
            else:
                edge = self.choose_edge(st)
            if edge is None:
                raise RuntimeFlowError("no transition applies", state=st.name)
            self._move(edge.dst, edge.id, edge.kind)
            if edge.say is not None:
                await self._follow_recording()
                out = self._utter(self.render(edge.say))
                if out:
                    yield out

    def choose_edge(
        self, st: CompiledState, *, text: str | None = None, norm: str | None = None
    ) -> Edge | None:
        """The first deterministic edge that applies (intent, if, otherwise, next)."""
        variables: dict[str, Any] | None = None
        for e in st.edges:
            if e.kind == "if" and e.expr is not None:
                if variables is None:
                    variables = self.variables()
                    variables["text"] = text or ""
                if e.expr.evaluate(variables, state=st.name):
                    return e
            elif e.kind == "intent" and e.intent is not None:
                if norm is not None and e.intent.matches(norm):
                    return e
            elif e.kind == "else":
                return e
        return st.next_edge

    # ------------------------------------------------------------------ effects
    async def _follow_recording(self) -> None:
        """Pause in a PII state, resume outside one: before anything is said there.

        A line on the edge into a PII state is said in that state, so paused;
        one on the edge out of it is said after the resume.
        """
        st = self.current
        if st.pii and not self._paused:
            await self._pause(st)
        elif self._paused and not st.pii:
            await self._resume()

    async def _pause(self, st: CompiledState) -> None:
        self._paused = True
        try:
            await self._host.pause_recording(st.pause_reason)
        finally:  # a barge-in mid-send still sent the verb: the event must say so too
            self._emit(RecordingPaused(st.pause_reason, st.name))

    async def _resume(self) -> None:
        self._paused = False
        try:
            await self._host.resume_recording()
        finally:
            self._emit(RecordingResumed(self.node))

    async def finish(self, verb: str, payload: Any, closing: str) -> AsyncGenerator[str, None]:
        """Speak ``closing``, then send the one terminal verb, last.

        Leaving a PII state without entering a PII end/transfer state (an
        error, a limit, no input, retries run out), recording resumes first:
        the closing line is not part of the PII bracket.
        """
        if self._status != _RUNNING:
            return
        announcement = ""  # rendered before anything is said: a failure takes the error path
        if verb == "transfer" and payload.announcement is not None:
            announcement = self.render(payload.announcement)
            if self._masker and not (self.current.pii and self.current.terminal):
                announcement = self._masker.mask(announcement, spoken=True)
        self._status = _PENDING
        self._pending = (verb, payload, announcement)
        if self._paused and not (self.current.pii and self.current.terminal):
            await self._resume()
        if closing:
            out = self._utter(closing)
            if out:
                yield out
        await self._send_terminal()

    async def _send_terminal(self) -> None:
        pending = self._pending
        if pending is None:
            return
        self._status = _FINISHED
        if self._paused:
            await self._resume()  # a barge-in may cancel us after it: _reconcile sends the verb
        self._pending = None
        verb, payload, announcement = pending
        if verb == "transfer":
            t: CompiledTransfer = payload
            self._outcome = {
                "verb": "transfer",
                "reason": "transferred",
                "target_kind": t.kind,
                "target": t.target,
                "mode": t.mode,
            }
            try:
                await self._host.transfer(t.kind, t.target, t.mode, announcement)
            finally:
                self._emit(CallTransferred(t.kind, t.target, t.mode, self.node))
            return
        reason = str(payload)
        session = self._host.session
        delegate = (
            reason == "completed"
            and self._in_stream
            and self._host.owns_completion
            and getattr(session, "dialog_machine", None) is self
        )
        self._outcome = {"verb": "end", "reason": reason, "delegated": "yes" if delegate else "no"}
        try:
            if not delegate:
                await self._host.end(reason)
        finally:
            self._emit(CallEnded(reason, self.node))

    async def _fail(self, exc: Exception) -> AsyncGenerator[str, None]:
        """The error path: the state's ``on_error``, the flow's, else apologise and end."""
        st = self.current
        self._error_depth += 1
        log.warning(
            "call %s: %s in state %s%s",
            self.flow.name,
            type(exc).__name__,
            st.name,
            _where(exc),
        )
        self._emit(ErrorRaised(st.name, type(exc).__name__, self.mask(_safe_message(exc))))
        target = st.error_edge.dst if st.error_edge else self.flow.spec.on_error
        if self._error_depth == 1 and target is not None and target != st.name:
            try:
                async with contextlib.aclosing(
                    self.goto(target, st.error_edge.id if st.error_edge else None, "error")
                ) as gen:
                    async for c in gen:
                        yield c
                return
            except Exception as again:  # the error path itself failed: stop here
                log.warning(
                    "call %s: error path failed too (%s)", self.flow.name, type(again).__name__
                )
        try:
            apology = self.message("error")
        except SuperDialogError:
            apology = "I'm sorry, something went wrong."
        async with contextlib.aclosing(self.finish("end", "error", apology)) as _sub:
            async for c in _sub:
                yield c


def _frames(exc: BaseException) -> str:
    """Where an error came from: file, line and function of each frame, nothing else.

    Messages of errors we did not raise (and of their causes) can carry caller
    data, e.g. ``int(value)`` on a PII slot value, so they stay out of logs;
    source lines stay out too (a developer has the file, the log needs no copy).
    """
    import traceback

    return "\n".join(
        f'  File "{f.filename}", line {f.lineno}, in {f.name}'
        for f in traceback.extract_tb(exc.__traceback__)
    )


def _where(exc: BaseException) -> str:
    """Where a failure came from, for the log: types and stack frames, never a message.

    An error we raise on purpose (``ActionError``…) is enough by itself unless
    it wraps user code's exception (an action's, a validator's): then that
    one's type and frames are what a developer needs to find the bug.
    """
    if not isinstance(exc, SuperDialogError):
        return " (unexpected)\n" + _frames(exc)
    cause = exc.__cause__
    if cause is None or isinstance(cause, SuperDialogError):
        return ""
    return f" (from {type(cause).__name__})\n" + _frames(cause)


def _safe_message(exc: Exception) -> str:
    """An error message safe for traces: ours are PII-free by construction; others are not."""
    if isinstance(exc, SuperDialogError):
        return str(exc)[:300]
    return type(exc).__name__


def _masked_event(event: CallEvent, masker: Masker) -> CallEvent:
    """The event with every text field masked (events are kept, shown and logged)."""
    changes: dict[str, str] = {}
    for f in dataclasses.fields(event):
        value = getattr(event, f.name)
        if isinstance(value, str) and f.name not in ("kind", "state", "src", "dst", "edge", "via"):
            masked = masker.mask(value)
            if masked != value:
                changes[f.name] = masked
    return dataclasses.replace(event, **changes) if changes else event  # type: ignore[arg-type]
