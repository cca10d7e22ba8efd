"""Effects on the host: call recording and the one terminal verb.

Around the speech, the session's control verbs go out in the order the
contract needs:

* a PII state pauses recording *before* its first word; every way out
  resumes it *before* the next state speaks;
* a terminal verb (``end`` or a transfer) is the last thing a turn does, and
  a call sends exactly one. When the host itself ends a completed call
  (``is_complete``), we leave that verb to it;
* whatever interrupts a turn (a barge-in, an error), ``reconcile`` leaves the
  effects consistent: a terminal verb decided but not sent is sent, a pause
  outside a PII state is resumed;
* when the host's connection is gone (a verb raised ``HostGone``: the caller
  hung up and the socket closed), ``host_gone`` ends the call as a hang-up and
  nothing more is sent; events report only the verbs that were sent.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from superdialog.compile.compiler import e164_problem
from superdialog.compile.model import CompiledState, CompiledTransfer
from superdialog.errors import RuntimeFlowError
from superdialog.runtime.events import (
    CallEnded,
    CallTransferred,
    RecordingPaused,
    RecordingResumed,
)
from superdialog.runtime.host import HostGone
from superdialog.runtime.steps import Step

if TYPE_CHECKING:
    from superdialog.runtime.call import CallMachine

__all__ = [
    "FINISHED",
    "PENDING",
    "RUNNING",
    "finish",
    "follow_recording",
    "host_gone",
    "pause",
    "reconcile",
    "reopen",
    "resume",
    "send_terminal",
]

RUNNING, PENDING, FINISHED = 0, 1, 2
"""A call's status: running; terminal verb decided (closing line being said); verb sent."""


async def follow_recording(m: CallMachine) -> None:
    """Pause in a PII state, resume outside one: before anything is said there.

    A line on the edge into a PII state is said in that state, so paused;
    one on the edge out of it is said after the resume.
    """
    st = m.current
    if st.pii and not m._paused:
        await pause(m, st)
    elif m._paused and not st.pii:
        await resume(m)


HANGUP: dict[str, str] = {"verb": "hangup", "reason": "hangup"}
"""The outcome of a call the caller left (``close()``, or the host's connection gone)."""


def host_gone(m: CallMachine) -> None:
    """The host's connection closed under us: the call is over as a hang-up.

    Nothing more can be sent, so nothing is pending and recording is not ours
    to resume (it ended with the call). A terminal verb that did reach the host
    keeps its outcome.
    """
    m._pending = None
    m._paused = False
    if m._status != FINISHED or m._outcome is None:
        m._outcome = dict(HANGUP)
    m._status = FINISHED


async def pause(m: CallMachine, st: CompiledState) -> None:
    """``recording.pause(reason)`` for ``st``."""
    m._paused = True
    try:
        await m.host.pause_recording(st.pause_reason)
    except HostGone:
        host_gone(m)  # never sent: no event
        raise
    except BaseException:  # a barge-in mid-send still sent the verb: the event must say so too
        m.emit(RecordingPaused(st.pause_reason, st.name))
        raise
    m.emit(RecordingPaused(st.pause_reason, st.name))


async def resume(m: CallMachine) -> None:
    """``recording.resume()``."""
    m._paused = False
    try:
        await m.host.resume_recording()
    except HostGone:
        host_gone(m)
        raise
    except BaseException:
        m.emit(RecordingResumed(m.node))
        raise
    m.emit(RecordingResumed(m.node))


async def finish(m: CallMachine, verb: str, payload: Any, closing: str) -> Step:
    """Speak ``closing``, then send the one terminal verb, last.

    Leaving a PII state without entering a PII end/transfer state (an error, a
    limit, no input, retries run out), recording resumes first: the closing
    line is not part of the PII bracket.
    """
    if m._status != RUNNING:
        return
    st = m.current
    announcement = ""  # rendered before anything is said: a failure takes the error path
    if verb == "transfer" and payload.template is not None:
        payload = _number(m, payload)
    if verb == "transfer" and payload.announcement is not None:
        announcement = m.render(payload.announcement)
        if m.has_secrets:  # sent after the resume, to the receiving side: always masked
            announcement = m.masker.mask(announcement, spoken=True)
    m._status = PENDING
    m._pending = (verb, payload, announcement)
    if m._paused and not (st.pii and st.terminal):
        await resume(m)
    if closing:
        out = m.utter(closing)
        if out:
            yield out
    await send_terminal(m)


async def send_terminal(m: CallMachine) -> None:
    """Send the terminal verb decided by ``finish`` (once), recording resumed first."""
    pending = m._pending
    if pending is None:
        return
    m._status = FINISHED
    if m._paused:
        await resume(m)  # a barge-in may cancel us after it: reconcile sends the verb
    m._pending = None
    verb, payload, announcement = pending
    if verb == "transfer":
        t: CompiledTransfer = payload
        m._outcome = {
            "verb": "transfer",
            "reason": "transferred",
            "target_kind": t.kind,
            "target": t.target,
            "mode": t.mode,
        }
        try:
            await m.host.transfer(t.kind, t.target, t.mode, announcement)
        except HostGone:
            m._outcome = dict(HANGUP)  # the caller left before the transfer reached the host
            raise
        except BaseException:
            m.emit(CallTransferred(t.kind, t.target, t.mode, m.node))
            raise
        m.emit(CallTransferred(t.kind, t.target, t.mode, m.node))
        return
    reason = str(payload)
    session = m.host.session
    delegate = (
        reason == "completed"
        and m._in_stream
        and m.host.owns_completion
        and getattr(session, "dialog_machine", None) is m
    )
    m._outcome = {"verb": "end", "reason": reason, "delegated": "yes" if delegate else "no"}
    try:
        if not delegate:
            await m.host.end(reason)
    except HostGone:
        m._outcome = dict(HANGUP)
        raise
    except BaseException:
        m.emit(CallEnded(reason, m.node))
        raise
    m.emit(CallEnded(reason, m.node))


async def reconcile(m: CallMachine) -> None:
    """Whatever interrupted the turn, leave the effects consistent."""
    if m._pending is not None:
        await send_terminal(m)
    elif m._paused and not m.current.pii:
        await resume(m)


def _number(m: CallMachine, t: CompiledTransfer) -> CompiledTransfer:
    """A templated transfer number, rendered and checked (E.164) before anything is said.

    An invalid number raises, so the call takes its error path instead of
    handing the worker a number it would refuse. The message never holds the
    number: it may be a caller's.
    """
    assert t.template is not None
    number = m.render(t.template).strip()
    if e164_problem(number) is not None:
        raise RuntimeFlowError("the transfer number is not a valid E.164 number", state=m.node)
    return dataclasses.replace(t, target=number, template=None)


def reopen(m: CallMachine) -> bool:
    """The host refused the transfer we sent (a number not allowed): the call is ours again.

    Returns whether it was reopened (only a sent transfer can be); the caller
    then takes the error path.
    """
    out = m._outcome
    if m._status != FINISHED or out is None or out.get("verb") != "transfer":
        return False
    m._status = RUNNING
    m._outcome = None
    return True
