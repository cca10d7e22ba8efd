"""What the fake speech worker saw of a call: timestamped records and the transcript.

The transcript is what tests assert on: every frame the worker received, in
order, and the caller's lines as the worker heard them (redacted while the
recording was paused, as a real worker keeps no copy of them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from superdialog.testing.frames import agent_turns, collapse_deltas
from superdialog_unpod.testing.bridge import classify

__all__ = ["REDACTED", "CallTimeout", "LoopbackError", "Record", "Transcript"]


_TERMINAL = frozenset({"end", "transfer"})
REDACTED = "[redacted]"


class LoopbackError(RuntimeError):
    """The loopback could not run the call (the runner never registered, a job was refused...)."""


class CallTimeout(TimeoutError):
    """The call did not finish within its timeout; ``transcript`` holds what happened so far."""

    def __init__(self, message: str, transcript: Transcript) -> None:
        super().__init__(message)
        self.transcript = transcript


@dataclass(frozen=True, slots=True)
class Record:
    """One thing on the wire, as the speech worker saw it.

    Attributes:
        t: Seconds since the worker sent ``call.started``.
        source: ``agent`` (a frame the worker received), ``caller`` (an event
            the worker sent for the caller) or ``worker`` (the worker's own
            doing, e.g. hanging up).
        kind: For agent frames ``say``, ``delta``, ``text.end``, ``pause``,
            ``resume``, ``filler``, ``transfer``, ``end`` or the raw event
            name; for the caller ``speech`` and ``interrupt``; for the worker
            ``hangup`` and ``close``.
        text: Speech text (``[redacted]`` for caller speech while recording
            was paused), the heard prefix of an interrupt, or a filler.

    """

    t: float
    source: Literal["agent", "caller", "worker"]
    kind: str
    text: str = ""
    reason: str = ""
    target: str = ""
    transfer_type: str = ""
    mode: str = ""
    announcement: str = ""


def _agent_record(t: float, event: Any) -> Record:
    """Classify a parsed bridge frame (one classifier with the in-process bridge)."""
    f = classify(event)
    return Record(
        t,
        "agent",
        f.kind,
        text=f.text,
        reason=f.reason,
        target=f.target,
        transfer_type=f.transfer_type,
        mode=f.mode,
        announcement=f.announcement,
    )


_TARGET_KIND = {"human": "human queue", "agent": "agent", "number": "number"}


@dataclass(slots=True)
class Transcript:
    """What one call looked like from the speech worker's side.

    ``str(transcript)`` is a readable call transcript with the effects in
    place; the methods give the frame sequence for assertions.

    Attributes:
        call_id: The call (also the session id the runner saw).
        job_id: The orchestrator's job id.
        agent_id: The agent the job was assigned to.
        records: Every frame received and every caller event sent, in order.
        setup: The control-plane steps before the first word (register,
            ``job.assign``/``job.ack``, the bridge handshake), one line each.
        final_state: The runner's verdict on the entrypoint: ``ended`` (it
            returned), ``failed`` (it raised), or ``None`` if never reported.
        violations: Contract breaches the worker noticed (a frame after a
            terminal verb, a second terminal verb, an unknown frame).
        machine: The call's dialog machine, read off the session after the
            entrypoint returned (``None`` for custom entrypoints that set none).
        duration_s: From ``call.started`` to the socket closing.

    """

    call_id: str
    job_id: str
    agent_id: str
    records: list[Record] = field(default_factory=list)
    setup: list[str] = field(default_factory=list)
    final_state: str | None = None
    violations: list[str] = field(default_factory=list)
    machine: Any = None
    duration_s: float = 0.0

    # -- reading --------------------------------------------------------------------
    @property
    def frames(self) -> list[Record]:
        """Only the frames the agent sent, in order."""
        return [r for r in self.records if r.source == "agent"]

    def kinds(self) -> list[str]:
        """Agent frame kinds in order, the deltas of a run collapsed into one ``delta``."""
        return collapse_deltas(r.kind for r in self.frames)

    def timeline(self) -> list[str]:
        """Like :meth:`kinds`, with the caller's events (``caller``, ``interrupt``) in place."""
        return collapse_deltas(
            "caller" if r.source == "caller" and r.kind == "speech" else r.kind
            for r in self.records
        )

    def turns(self) -> list[str]:
        """The agent's streamed text per turn (deltas joined up to each ``text.end``)."""
        return agent_turns(self.frames)

    def said(self) -> list[str]:
        """The ``agent.say`` lines (the opening, spoken by the host before ``run()``)."""
        return [r.text for r in self.frames if r.kind == "say"]

    def terminal(self) -> list[Record]:
        """The terminal frames (``end`` / ``transfer``); a correct call has at most one."""
        return [r for r in self.frames if r.kind in _TERMINAL]

    @property
    def problems(self) -> list[str]:
        """Everything wrong with the call from the worker's point of view (empty if fine)."""
        out = list(self.violations)
        if self.final_state != "ended":
            out.append(f"the runner reported the call as {self.final_state or 'unfinished'}")
        if len(self.terminal()) > 1:
            out.append(f"{len(self.terminal())} terminal verbs")
        return out

    @property
    def ok(self) -> bool:
        """Whether the entrypoint returned normally and no contract was broken."""
        return not self.problems

    # -- showing --------------------------------------------------------------------
    def render(self, *, timestamps: bool = False, chunks: bool = False) -> str:
        """The call as readable lines: ``caller:``, ``agent:`` and ``[effects]``.

        Args:
            timestamps: Prefix each line with its time since ``call.started``.
            chunks: Note how a reply arrived when it came in more than one
                chunk: the chunk count and the time from the caller's last
                word to the first chunk (what a caller waits for; off by
                default because a scripted line is one chunk per utterance).

        """
        lines: list[str] = []
        buf: list[Record] = []
        last_caller_t: float | None = None

        def emit(t: float, text: str) -> None:
            lines.append(f"{t:7.3f}s  {text}" if timestamps else text)

        def flush() -> None:
            if not buf:
                return
            text = "".join(r.text for r in buf).strip()
            note = ""
            if chunks and len(buf) > 1:
                note = f"   ({len(buf)} chunks"
                if last_caller_t is not None:
                    note += f", first after {(buf[0].t - last_caller_t) * 1000:.0f} ms"
                note += ")"
            emit(buf[0].t, f"agent:  {text}{note}")
            buf.clear()

        for r in self.records:
            if r.source == "agent" and r.kind == "delta":
                buf.append(r)
                continue
            flush()
            if r.source == "caller":
                if r.kind == "speech":
                    last_caller_t = r.t
                    emit(r.t, f"caller: {r.text if r.text.strip() else '(silence)'}")
                elif r.kind == "silence":
                    emit(r.t, f"caller: (silent for {r.text})" if r.text else "caller: (silence)")
                else:
                    heard = f' heard "{r.text}"' if r.text else ""
                    emit(r.t, f"[caller barges in;{heard}]" if heard else "[caller barges in]")
            elif r.source == "worker":
                emit(
                    r.t,
                    "[caller hangs up]"
                    if r.kind == "hangup"
                    else "[worker closes the call socket]",
                )
            elif r.kind == "say":
                emit(r.t, f"agent:  {r.text}")
            elif r.kind == "text.end":
                continue
            else:
                emit(r.t, _effect(r))
        flush()
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


def _effect(r: Record) -> str:
    if r.kind == "pause":
        return f"[recording paused: {r.reason}]" if r.reason else "[recording paused]"
    if r.kind == "resume":
        return "[recording resumed]"
    if r.kind == "filler":
        return f"[filler: {r.text}]"
    if r.kind == "end":
        return f"[end: {r.reason}]"
    if r.kind == "transfer":
        kind = _TARGET_KIND.get(r.transfer_type, r.transfer_type)
        text = f"[transfer → {kind} {r.target} ({r.mode})"
        if r.announcement:
            text += f', announcing "{r.announcement}"'
        return text + "]"
    return f"[{r.kind}]"
