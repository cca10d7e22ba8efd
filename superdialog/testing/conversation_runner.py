"""Play one conversation test against a flow and record what happened, turn by turn.

A test host plays the caller (see ``superdialog.testing.hosts``):

* ``recording`` (the fast path, here): the flow is built on a
  ``RecordingSession`` and each turn is a direct ``stream(text)``; a barge-in
  is played the way the Unpod session does it (cancel the pending
  ``__anext__``, ``aclose()``, ``mark_interrupted(heard)``, ``assist(nudge)``).
* hosts that adapters add, such as ``unpod`` (``superdialog-unpod``): the
  real SDK ``Session.run()`` loop drives the flow, so the test also proves the
  host contract (one terminal verb, nothing sent after it, completion left to
  the session).

Every host produces the same :class:`Run` (cut into turns by an
:class:`Observer`): one :class:`TurnRecord` per turn (index 0
is the opening line), built from the call's typed events and the host verbs,
so expectations are checked the same way whichever host played the call.
Nothing here keeps a PII slot value in a printable form; the clear values
live only in ``TurnRecord.raw_slots`` for comparisons and in ``Run.secrets``
for the leak check.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from superdialog.runtime.clock import CallClock, VirtualTime
from superdialog.runtime.events import CallEvent, LLMCalled
from superdialog.testing.conversation_spec import Conversation, LLMScript, LoadedTestFile, Turn
from superdialog.testing.frames import Frame
from superdialog.testing.hosts import TestHost, find_host
from superdialog.testing.llm_server import Latency
from superdialog.testing.session import RecordingSession

if TYPE_CHECKING:
    from superdialog.runtime.call import CallMachine
    from superdialog.testing.llm_server import ScriptedLLMServer
__all__ = [
    "BARGE_IN_NUDGE",
    "Observer",
    "Run",
    "TurnRecord",
    "llm_overrides",
    "needs_llm_server",
    "play",
    "play_recording",
    "prepare_server",
]

BARGE_IN_NUDGE = (
    "Note: The user just interrupted the agent mid-speech. Their next utterance may be "
    "incomplete or unclear."
)
"""What the runner passes to ``assist`` after a barge-in, as the Unpod session does."""

_TEST_TIMINGS: dict[str, Any] = {"backoff_s": 0.01, "max_backoff_s": 0.05}
"""Back-off between model retries: the count of retries is the flow's, the waits are tiny."""


@dataclass(slots=True)
class TurnRecord:
    """What one turn did. ``index`` 0 is the opening line (no caller action).

    Attributes:
        index: 0 for the opening, then 1-based caller turns.
        caller: What the caller said (``""`` silence, ``None`` for the opening).
        caller_in_pii: The caller spoke inside a PII state (their words are redacted).
        chunks: The streamed chunks the caller heard (deltas; say verbs for the opening).
        node: The state after the turn.
        shown_slots: Slot display forms (PII masked) after the turn.
        raw_slots: Slot values after the turn, for comparisons only; never print these.
        paused: Whether recording was paused after the turn.
        events: The call's events during the turn (already PII-masked).
        verbs: Control verbs the host received during the turn.
        barge_after: The turn asked for a barge-in after this many chunks.
        barged: The barge-in happened.

    """

    index: int
    caller: str | None
    caller_in_pii: bool
    chunks: list[str]
    node: str
    shown_slots: dict[str, str]
    raw_slots: dict[str, Any]
    paused: bool
    events: list[CallEvent] = field(default_factory=list)
    verbs: list[Frame] = field(default_factory=list)
    barge_after: int | None = None
    barged: bool = False
    partial: bool = False

    @property
    def said(self) -> str:
        """What the agent said in this turn, as one string."""
        if self.index == 0:
            return " ".join(c.strip() for c in self.chunks if c.strip())
        return "".join(self.chunks).strip()

    @property
    def llm_calls(self) -> int:
        """Model calls made during the turn."""
        return sum(1 for e in self.events if isinstance(e, LLMCalled))


@dataclass(slots=True)
class Run:
    """A played conversation: its turns, how it ended, and anything that went wrong."""

    host: str
    turns: list[TurnRecord] = field(default_factory=list)
    after: TurnRecord | None = None
    outcome: dict[str, str] | None = None
    finished: bool = False
    turns_handled: int = 0
    llm_calls: int = 0
    final_node: str = ""
    final_shown: dict[str, str] = field(default_factory=dict)
    final_raw: dict[str, Any] = field(default_factory=dict)
    final_paused: bool = False
    verbs: list[Frame] = field(default_factory=list)
    crash: str | None = None
    secrets: dict[str, set[str]] = field(default_factory=dict)
    exposed: dict[str, str] = field(default_factory=dict)
    llm_bodies: list[str] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0


def needs_llm_server(test: LoadedTestFile) -> bool:
    """A file needs the loopback model when it scripts one or its flow can call one.

    A flow with LLM states gets the server even when no conversation scripts
    it, so an unexpected model call is answered by the default reply (and
    counted) instead of reaching a real endpoint from a test run.
    """
    if test.spec.llm is not None or any(c.llm is not None for c in test.spec.conversations):
        return True
    return any(st.llm is not None or st.kind == "llm" for st in test.flow.states.values())


def _script(test: LoadedTestFile, conv: Conversation) -> LLMScript:
    own, shared = conv.llm, test.spec.llm
    rules = [*(own.rules if own else ()), *(shared.rules if shared else ())]
    default = next(
        (s.default for s in (own, shared) if s is not None and "default" in s.model_fields_set),
        LLMScript().default,
    )
    config = {**(shared.config if shared else {}), **(own.config if own else {})}
    latency = (own.latency if own else None) or (shared.latency if shared else None)
    return LLMScript(rules=rules, default=default, latency=latency, config=config)


def prepare_server(server: ScriptedLLMServer, test: LoadedTestFile, conv: Conversation) -> None:
    """Load a conversation's rules (then the file's shared ones) into a fresh server state."""
    script = _script(test, conv)
    server.reset(rules=True)
    for rule in script.rules:
        server.add_rule(rule)
    server.default_reply = script.default
    server.latency = script.latency or Latency()


def llm_overrides(
    server: ScriptedLLMServer | None, test: LoadedTestFile, conv: Conversation
) -> dict[str, Any] | None:
    """``build(llm=...)`` for a conversation: the loopback endpoint and test timings."""
    if server is None:
        return None
    return {
        "base_url": server.base_url,
        "api_key": "test",
        **_TEST_TIMINGS,
        **_script(test, conv).config,
    }


# --------------------------------------------------------------------------- observation


class Observer:
    """Cuts the call's event stream and the host's verbs into turns (for every host)."""

    def __init__(self, machine: CallMachine, verbs: Any, run: Run) -> None:
        self.machine = machine
        self.verbs = verbs  # () -> list[Frame]
        self.run = run
        self.event_mark = 0
        self.verb_mark = 0

    def secrets(self) -> None:
        """Remember every clear PII value the call has held (for the leak check)."""
        slots = self.machine.flow.slots
        for name, value in self.machine.slots.items():
            slot = slots.get(name)
            if slot is not None and slot.pii and value is not None:
                text = str(value)
                if len(text) >= 4:
                    self.run.secrets.setdefault(name, set()).add(text)

    def cut(
        self,
        index: int,
        caller: str | None,
        caller_in_pii: bool,
        chunks: list[str],
        *,
        barge_after: int | None = None,
        barged: bool = False,
        partial: bool = False,
    ) -> TurnRecord:
        """Close turn ``index``: its events and verbs since the last cut become a record."""
        m = self.machine
        trace = m.trace
        verbs = self.verbs()
        record = TurnRecord(
            index=index,
            caller=caller,
            caller_in_pii=caller_in_pii,
            chunks=list(chunks),
            node=m.node,
            shown_slots=m.redacted_slots(),
            raw_slots=dict(m.slots),
            paused=m.recording_paused,
            events=trace[self.event_mark :],
            verbs=verbs[self.verb_mark :],
            barge_after=barge_after,
            barged=barged,
            partial=partial,
        )
        self.event_mark, self.verb_mark = len(trace), len(verbs)
        self.secrets()
        self.run.turns.append(record)
        return record

    def close(self) -> None:
        """After the call: keep what came after the last turn apart; record the ending.

        What follows the last turn is the host's doing (the session's own
        ``end("completed")``, the hang-up that resumes recording), so it is
        kept out of the last turn's expectations.
        """
        m, run = self.machine, self.run
        events, verbs = m.trace[self.event_mark :], self.verbs()[self.verb_mark :]
        if events or [f for f in verbs if f.kind != "text.end"]:
            run.after = TurnRecord(
                index=len(run.turns),
                caller=None,
                caller_in_pii=False,
                chunks=[],
                node=m.node,
                shown_slots=m.redacted_slots(),
                raw_slots={},
                paused=m.recording_paused,
                events=events,
                verbs=verbs,
            )
        self.secrets()
        run.outcome = m.outcome
        run.finished = m.finished
        run.turns_handled = m.metrics.turns
        run.llm_calls = m.metrics.llm_calls
        run.final_node = m.node
        run.final_shown = m.redacted_slots()
        run.final_raw = dict(m.slots)
        run.final_paused = m.recording_paused
        run.verbs = list(self.verbs())
        import json

        run.exposed = {
            "the call trace": json.dumps(m.trace_record(), default=str, ensure_ascii=False),
            "the host state": json.dumps(m.state, default=str, ensure_ascii=False),
            "the call snapshot": json.dumps(m.snapshot(), default=str, ensure_ascii=False),
        }


def _effects_as_frames(session: RecordingSession) -> list[Frame]:
    out: list[Frame] = []
    for e in session.effects:
        kw = dict(e.kwargs)
        if e.verb == "say":
            out.append(Frame("say", text=str(e.args[0])))
        elif e.verb == "recording.pause":
            out.append(Frame("pause", reason=str(e.args[0]) if e.args else ""))
        elif e.verb == "recording.resume":
            out.append(Frame("resume"))
        elif e.verb == "end":
            out.append(Frame("end", reason=str(e.args[0]) if e.args else "completed"))
        elif e.verb in ("transfer_to_human", "transfer_to_agent"):
            out.append(
                Frame(
                    "transfer",
                    target=str(e.args[0]),
                    transfer_type="human" if e.verb.endswith("human") else "agent",
                    mode=str(kw.get("mode", "cold")),
                    announcement=str(kw.get("announcement", "")),
                )
            )
        elif e.verb == "transfer":  # session.transfer: a number (the SDK's generic verb)
            out.append(
                Frame(
                    "transfer",
                    target=str(e.args[0]),
                    transfer_type=str(kw.get("transfer_type", "number")),
                    mode=str(kw.get("mode", "cold")),
                    announcement=str(kw.get("announcement", "")),
                )
            )
        elif e.verb == "set_filler":
            out.append(Frame("filler", text=str(e.args[0])))
        else:
            out.append(Frame(e.verb))
    return out


class _LogTap(logging.Handler):
    """Keeps the library's warnings for the failure report instead of spraying stderr."""

    def __init__(self, run: Run) -> None:
        super().__init__(logging.INFO)
        self.run = run

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            self.run.logs.append(f"{record.levelname.lower()}: {record.getMessage()}")


@contextlib.contextmanager
def _tap_logs(run: Run) -> Any:
    logger = logging.getLogger("superdialog")
    handler = _LogTap(run)
    old_level, old_propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        logger.propagate = old_propagate


# --------------------------------------------------------------------------- hosts


async def _stream_turn(
    machine: CallMachine, turn: Turn, chunks: list[str]
) -> tuple[list[str], bool]:
    """One caller turn on the fast path; a barge-in is played like the Unpod session does.

    ``chunks`` is filled as they arrive, so a turn cut short (a timeout) still
    shows what the caller heard.
    """
    after = turn.barge_in.after_chunks if turn.barge_in is not None else None
    stream = machine.stream(turn.text, language=turn.language)
    barged = False
    try:
        while True:
            pending = asyncio.ensure_future(stream.__anext__())
            if after is not None and len(chunks) >= after:
                await asyncio.sleep(0)  # the reply carries on while the caller starts talking
                pending.cancel()
                with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                    await pending
                barged = True
                break
            try:
                chunk = await pending
            except StopAsyncIteration:
                break
            if chunk:
                chunks.append(chunk)
    finally:
        await stream.aclose()
    if barged:
        assert turn.barge_in is not None
        machine.mark_interrupted(turn.barge_in.heard)
        machine.assist(BARGE_IN_NUDGE)
    return chunks, barged


async def play_recording(
    test: LoadedTestFile, conv: Conversation, run: Run, llm: Mapping[str, Any] | None
) -> None:
    """The ``recording`` host: the flow on a ``RecordingSession``, turns streamed directly."""
    session = RecordingSession(data={**test.spec.session, **conv.session})
    machine = test.flow.build(session, llm=llm, trace=True)
    vtime = VirtualTime()
    clock = CallClock(machine, vtime)  # this host listens as soon as the agent has spoken
    obs = Observer(machine, lambda: _effects_as_frames(session), run)
    try:
        opening = await machine.start()
        obs.cut(0, None, False, [opening] if opening else [])
        for i, turn in enumerate(conv.turns, 1):
            if machine.finished:
                break
            clock.listening()
            in_pii = machine.current.pii
            chunks: list[str] = []
            if turn.wait is not None:
                mark = len(session.effects)
                await vtime.advance(turn.wait, lambda: _heard_out(clock))
                said = [str(e.args[0]) for e in session.effects[mark:] if e.verb == "say"]
                obs.cut(i, "", in_pii, [" ".join(said)] if said else [])
                continue
            try:
                _, barged = await _stream_turn(machine, turn, chunks)
            except BaseException:
                obs.cut(i, turn.text, in_pii, chunks, partial=True)  # for the report
                raise
            obs.cut(
                i,
                turn.text,
                in_pii,
                chunks,
                barge_after=turn.barge_in.after_chunks if turn.barge_in else None,
                barged=barged,
            )
        if not machine.finished:
            await machine.close()  # the caller hangs up, as the host's call_end hook does
    finally:
        obs.close()


async def _heard_out(clock: CallClock) -> None:
    """After the clock fired: its turn is over and its words played; the host listens again."""
    await clock.settled()
    clock.listening()


RECORDING = TestHost(
    "recording", play_recording, "the flow on a RecordingSession: fast, no host SDK"
)
"""The built-in host, declared under the ``superdialog.test_hosts`` entry points like any other."""


async def play(
    test: LoadedTestFile, conv: Conversation, host: str, server: ScriptedLLMServer | None
) -> Run:
    """Play ``conv`` on ``host`` and return what happened (never raises for call failures).

    Args:
        test: The loaded test file (its flow is already compiled).
        conv: The conversation to play.
        host: A test host's name (``recording``, or one an installed adapter adds).
        server: The file's loopback model server, already started, or None.

    """
    run = Run(host)
    if server is not None:
        prepare_server(server, test, conv)
    llm = llm_overrides(server, test, conv)
    found = find_host(host)
    if found is None:
        raise ValueError(f"no test host {host!r} is installed")
    player = found.play
    started = time.perf_counter()
    with _tap_logs(run):
        try:
            async with asyncio.timeout(test.spec.timeout):
                await player(test, conv, run, llm)
        except TimeoutError:
            run.crash = f"timed out after {test.spec.timeout:g}s in state {run.final_node or '?'}"
        except Exception as exc:  # a test report, not a traceback: keep going
            run.crash = f"{type(exc).__name__}: {exc}"
    run.elapsed_s = time.perf_counter() - started
    if server is not None:
        run.llm_bodies = [str(r.body) for r in server.chat_requests]
    return run
