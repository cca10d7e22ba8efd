"""The turn loop: one caller utterance (or silence) in, what to say out, effects settled.

Order of decisions, cheapest first: limits → silence → an action still
running from an earlier turn (settled first) → global intents → the waiting
state's own handling (``dispatch``). Every turn runs inside ``drive``: any
failure takes the error path (the state's ``on_error``, the flow's, else an
apology and ``end("error")``) and, however the turn stops — barge-in,
error, hang-up — the effects are reconciled in ``finally``. A call never
crashes.
"""

from __future__ import annotations

import traceback
from typing import TYPE_CHECKING

from superdialog.compile.intents import normalise
from superdialog.compile.model import CompiledState
from superdialog.compile.templates import CompiledTemplate
from superdialog.errors import SuperDialogError
from superdialog.pii import REDACTED, get_logger
from superdialog.runtime.actions import run_action
from superdialog.runtime.cancel import cancel
from superdialog.runtime.digressions import and_return, digress
from superdialog.runtime.dispatch import handle_unusable, handle_utterance
from superdialog.runtime.effects import (
    RUNNING,
    finish,
    host_gone,
    reconcile,
    send_terminal,
)
from superdialog.runtime.events import ErrorRaised, InputTruncated, StateEntered
from superdialog.runtime.host import HostGone
from superdialog.runtime.moves import enter, goto
from superdialog.runtime.questions import repeat_text, reprompt_text
from superdialog.runtime.slot_values import scan_volunteered
from superdialog.runtime.steps import Step, sub
from superdialog.runtime.transcript import clean, usable

if TYPE_CHECKING:
    from superdialog.runtime.call import CallMachine

__all__ = ["drive", "end_turn", "turn"]

log = get_logger("superdialog.call")


async def turn(m: CallMachine, text: object) -> Step:
    """One caller turn: handle ``text`` under ``drive``; note what was said at the end."""
    if m._status != RUNNING:
        return
    m._spoke_turn = False
    if not m._started:
        # Words before the opening (a host that never called start()): the start state is
        # entered first, so its lines are said and, if it is a PII state, recording paused.
        m._started = True
        m._t0 = m._clock()
        m.emit(StateEntered(None, m.node, None, "start"))
        yield sub(drive(m, enter(m)))
        if m._status != RUNNING:
            return
    m._error_depth = 0
    m.metrics.turns += 1
    try:
        yield sub(drive(m, and_return(m, _handle(m, text))))  # a digression may come back
    finally:  # a barge-in closes us mid-turn: what we said is still the last utterance
        end_turn(m)


def end_turn(m: CallMachine, *, caller_turn: bool = True) -> None:
    """Close the turn's books: what was said (for "say that again"), the host's metrics."""
    if m._turn_spoken:
        m._said = tuple(m._turn_spoken)
        m._said_language = m.language
    m._turn_spoken = None
    metrics = m.metrics
    if caller_turn:  # the opening line is not a turn of the host's
        m.host.record_turn(
            stt_ms=0,
            llm_ms=int(metrics.turn_llm_ms),
            tts_ms=0,
            cost_voice=0.0,
            cost_llm=0.0,
            tokens_in=metrics.turn_tokens_in,
            tokens_out=metrics.turn_tokens_out,
            llm=m.flow.spec.llm.model if metrics.turn_llm_calls else "",
        )
    metrics.close_turn()


async def drive(m: CallMachine, body: Step) -> Step:
    """Run ``body``; route any failure to the error path; always reconcile effects.

    A host whose connection is gone (``HostGone``: the caller hung up and the
    socket closed) is no failure of the flow: the call ends as a hang-up, with
    no error path and nothing more sent; a running action still finishes.
    """
    try:
        try:
            yield sub(body)
        except HostGone:
            raise
        except Exception as exc:  # a call never crashes: recover or end with a reason
            yield sub(_fail(m, exc))
        if m._pending is not None:
            await send_terminal(m)
    except HostGone:
        log.info("call %s: the host's connection closed in %s; call over", m.flow.name, m.node)
        host_gone(m)
    finally:
        try:
            await reconcile(m)
        except HostGone:
            host_gone(m)


async def _handle(m: CallMachine, text: object) -> Step:
    limits = m.flow.spec.limits
    elapsed = m._clock() - m._t0
    if (limits.max_turns is not None and m.metrics.turns > limits.max_turns) or (
        limits.max_duration is not None and elapsed > limits.max_duration
    ):
        log.info("call %s: limit reached in %s", m.flow.name, m.node)
        yield sub(finish(m, "end", "max_duration", m.message("max_duration")))
        return
    raw = _heard(m, text)
    if raw:  # in PII states too: a value said there may land in a slot that is not PII
        scan_volunteered(m, raw)  # before anything stores or forwards the words
    if m._action is not None or m.current.kind == "action":
        # an action started (or due: the turn that entered its state was cut short
        # before it started) is settled before the new words are looked at
        yield sub(_settle_action(m, raw if usable(raw) else ""))
        return
    if not raw and not _sounded(text):
        yield sub(_no_input(m))
        return
    m.count("no_input", reset=True)
    st = m.current
    if not usable(raw, hesitations=st.kind == "llm"):  # "...", "[inaudible]", only "uh"
        yield sub(handle_unusable(m, st))
        return
    m.remember("user", REDACTED if m.hears_pii() else raw)
    yield sub(_words(m, st, raw))


def _heard(m: CallMachine, text: object) -> str:
    """The caller's words as we handle them: text, at most the flow's cap, cleaned.

    A host may hand us ``None`` (silence) or a runaway transcript; neither may
    cost more than a bounded amount of work. The recogniser's markup and
    invisible characters are nobody's words (``transcript.clean``).
    """
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    cap = m.flow.spec.limits.max_utterance_chars
    if len(text) > cap:
        m.emit(InputTruncated(len(text), cap, m.node))
        text = text[:cap]
    return clean(text)


def _sounded(text: object) -> bool:
    """Whether the recogniser heard something, if only what it could not make out ("[noise]")."""
    return isinstance(text, str) and any(ch.isprintable() and not ch.isspace() for ch in text)


async def _settle_action(m: CallMachine, raw: str) -> Step:
    """The caller spoke while an action ran or was due (they barged in): finish it first.

    The action's outcome decides what happens before the new words do: a
    failure takes the error path. After a success, words that ask to leave (a
    global intent with a ``goto``: "agent", "goodbye") are taken from the
    action state; any other words were said before the caller heard where the
    action led, so they answer nothing the flow asks next — the flow goes on,
    and the words count only if nothing new was said.
    """
    st = m.current
    leave = None
    if raw:
        m.count("no_input", reset=True)
        m.remember("user", REDACTED if m.hears_pii() else raw)
        norm = normalise(raw)
        leave = next((g for g in st.globals if g.goto and g.intent.matches(norm)), None)
    if leave is not None:
        yield sub(run_action(m, st))
        yield sub(_global(m, leave.intent.name, leave.goto, leave.say))
        return
    yield sub(enter(m, resume_action=True))
    if m._status == RUNNING and raw and not m._spoke_turn:
        yield sub(_words(m, m.current, raw))


async def _words(m: CallMachine, st: CompiledState, raw: str) -> Step:
    """A non-empty utterance in a waiting state: global intents, then the state's own."""
    norm = normalise(raw)
    for rule in st.globals:
        if rule.intent.matches(norm):
            if rule.call is not None:  # a digression that comes back (digressions.py)
                yield sub(digress(m, rule))
            else:
                yield sub(_global(m, rule.intent.name, rule.goto, rule.say, raw))
            return
    yield sub(handle_utterance(m, st, raw, norm))


async def _no_input(m: CallMachine) -> Step:
    n = m.count("no_input")
    if n >= m.flow.spec.limits.no_input:
        yield sub(finish(m, "end", "no_response", m.message("no_response")))
        return
    for line in (m.message("no_input", n - 1), reprompt_text(m)):
        out = m.utter(line)
        if out:
            yield out


async def _global(
    m: CallMachine,
    intent: str,
    goto_state: str | None,
    say: CompiledTemplate | None,
    raw: str | None = None,
) -> Step:
    if intent == "never_mind" and goto_state is None and say is None:
        yield sub(cancel(m, raw or ""))  # the flow's on_cancel, or the built-in (cancel.py)
        return
    if intent == "repeat" and goto_state is None and say is None:
        # the whole last reply, not what a barge-in cut; never paused words into a recording
        again = repeat_text(m)
        if not again and m.current.kind == "llm" and raw is not None:
            # nothing we may say again: the model answers "say that again" itself
            yield sub(handle_utterance(m, m.current, raw, normalise(raw)))
            return
        out = m.utter(again or reprompt_text(m) or m.message("not_understood"))
        if out:
            yield out
        return
    if say is not None and goto_state is None:
        out = m.utter(m.render(say))
        if out:
            yield out
    elif intent == "help" and goto_state is None:
        for line in (m.message("help"), reprompt_text(m)):
            out = m.utter(line)
            if out:
                yield out
    if goto_state is not None:
        on_the_way = None  # rendered here, said on the way like an edge's line
        if say is not None:
            text = m.render(say)
            on_the_way = CompiledTemplate(text, text, None)
        if intent == "start_over":  # the caller starts again: forget what they gave
            m.slots.clear()
            m.results.clear()
            m._misses = None
            m._repairs = None  # no read-back owed, no digression to come back to
        yield sub(goto(m, goto_state, f"global:{intent}", f"global:{intent}", on_the_way))


async def _fail(m: CallMachine, exc: Exception) -> Step:
    """The error path: the state's ``on_error``, the flow's, else apologise and end."""
    st = m.current
    m._error_depth += 1
    log.warning("call %s: %s in state %s%s", m.flow.name, type(exc).__name__, st.name, _where(exc))
    m.emit(ErrorRaised(st.name, type(exc).__name__, m.mask(_safe_message(exc))))
    target = st.error_edge.dst if st.error_edge else m.flow.spec.on_error
    if m._error_depth == 1 and target is not None and target != st.name:
        try:
            yield sub(goto(m, target, st.error_edge.id if st.error_edge else None, "error"))
            return
        except Exception as again:  # the error path itself failed: stop here
            log.warning("call %s: error path failed too (%s)", m.flow.name, type(again).__name__)
    try:
        apology = m.message("error")
    except SuperDialogError:
        apology = "I'm sorry, something went wrong."
    yield sub(finish(m, "end", "error", apology))


def _frames(exc: BaseException) -> str:
    """Where an error came from: file, line and function of each frame, nothing else.

    Messages of errors we did not raise (and of their causes) can carry caller
    data, e.g. ``int(value)`` on a PII slot value, so they stay out of logs;
    source lines stay out too (a developer has the file, the log needs no copy).
    """
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
