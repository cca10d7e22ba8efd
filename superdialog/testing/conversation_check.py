"""Check a played conversation against its expectations, and describe it without PII.

Besides what the test file asks, every conversation is held to the rules any
call must keep, whatever the flow (the contracts in ``docs/testing.md``):

* at most one terminal verb (``end`` or a transfer), and nothing after it;
* recording is never left paused when the call is over, and pause/resume
  alternate;
* no clear PII slot value appears in the call trace, the host state, the
  snapshot, anything the host was sent, or the model's requests (unless the
  slot is ``send_to_llm``), nor in this report.

Reports are built from the call's typed events (already masked) and the
host's verbs; caller lines said inside a PII state are replaced by
``[redacted]`` and any known PII value left anywhere is scrubbed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from superdialog.errors import Location
from superdialog.pii import REDACTED, Masker
from superdialog.pii.logs import mask_shapes
from superdialog.runtime.events import (
    ActionFinished,
    CallEnded,
    CallEvent,
    CallTransferred,
    ErrorRaised,
    LLMCalled,
    RecordingPaused,
    RecordingResumed,
    SlotFilled,
    SlotRejected,
    Spoke,
    StateEntered,
)
from superdialog.testing.conversation_runner import Run, TurnRecord
from superdialog.testing.conversation_spec import (
    Conversation,
    Expect,
    LoadedTestFile,
    Outcome,
    TransferExpect,
    Turn,
    scalar_text,
)
from superdialog.testing.frames import Frame

__all__ = [
    "REDACTED",
    "Failure",
    "check_run",
    "describe_outcome",
    "scrub",
    "shows_secret",
    "transcript",
]


@dataclass(frozen=True, slots=True)
class Failure:
    """One unmet expectation: where it is written, what was wanted, what happened."""

    where: str
    location: Location | None
    expected: str
    got: str
    turn: int | None = None

    def lines(self) -> list[str]:
        """The failure as report lines (no trailing newline)."""
        at = f" ({self.location})" if self.location else ""
        return [f"{self.where}{at}", f"  expected: {self.expected}", f"  got:      {self.got}"]


def _masker(secrets: Iterable[str]) -> Masker:
    masker = Masker()
    for secret in secrets:
        masker.add(secret)
    return masker


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Replace every known PII value in ``text``, in any rendering (as the runtime masks)."""
    values = sorted({s for s in secrets if s}, key=len, reverse=True)
    for secret in values:
        text = text.replace(secret, REDACTED)
    return _masker(values).mask(text)


def shows_secret(text: str, secrets: Iterable[str]) -> bool:
    """Whether ``text`` holds one of the values in any rendering (as written, spaced, spoken)."""
    values = [s for s in secrets if s]
    return any(v in text for v in values) or _masker(values).mask(text) != text


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _quote(text: str) -> str:
    return f'"{text}"' if text else "(nothing)"


def _texts(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


# --------------------------------------------------------------------------- endings


def describe_outcome(outcome: dict[str, str] | None) -> str:
    """``end(completed)``, ``transfer to human queue 'x' (warm)``, a hang-up, or still going."""
    if not outcome:
        return "the call is still going"
    verb = outcome.get("verb")
    if verb == "transfer":
        kind = _TARGET_KIND.get(str(outcome.get("target_kind")), "agent")
        return f"transfer to {kind} {outcome.get('target')!r} ({outcome.get('mode')})"
    if verb == "hangup":
        return "the caller hung up"
    return f"end({outcome.get('reason')})"


_TARGET_KIND = {"human": "human queue", "agent": "agent", "number": "number"}


def _transfer_verb(verbs: list[Frame]) -> Frame | None:
    return next((f for f in verbs if f.kind == "transfer"), None)


def _check_transfer(
    exp: TransferExpect, frame: Frame | None, outcome: dict[str, str] | None
) -> str | None:
    """What differs from the expected transfer (None when it matches)."""
    if frame is None:
        return "no transfer"
    expected = [
        (k, t)
        for k, t in (("human", exp.queue), ("agent", exp.agent), ("number", exp.number))
        if t is not None
    ]
    kind, target = expected[0] if expected else (None, None)
    got = (
        f"transfer to {_TARGET_KIND.get(frame.transfer_type, 'agent')} "
        f"{frame.target!r} ({frame.mode})"
    )
    if kind is not None and (frame.transfer_type != kind or frame.target != target):
        return got
    if exp.mode is not None and frame.mode != exp.mode:
        return got
    if exp.announcement is not None and _norm(exp.announcement) not in _norm(frame.announcement):
        return got + f" announcing {_quote(frame.announcement)}"
    return None


# --------------------------------------------------------------------------- slots


def _slot_matches(expected: Any, shown: str | None, raw: Any, present: bool) -> bool:
    if expected is None:
        return not present
    if not present:
        return False
    if isinstance(expected, dict):
        return re.search(str(expected["re"]), shown or "") is not None
    if isinstance(expected, bool) or isinstance(raw, bool):
        return raw is expected if isinstance(expected, bool) else str(expected) == shown
    if raw == expected:
        return True
    if isinstance(raw, dt.time):
        if isinstance(expected, int):  # YAML 1.1 reads an unquoted 10:30 as 630 (base 60)
            return raw.second == 0 and raw.hour * 60 + raw.minute == expected
        with contextlib.suppress(ValueError):
            return dt.time.fromisoformat(str(expected)) == raw
    text = scalar_text(expected)
    return text in (shown, str(raw), scalar_text(raw))


def _expected_slot_text(expected: Any, raw: Any) -> str:
    if expected is None:
        return "(not set)"
    if isinstance(expected, dict):
        return f"matching /{expected['re']}/"
    if isinstance(raw, dt.time) and isinstance(expected, int) and not isinstance(expected, bool):
        return f"{expected // 60}:{expected % 60:02d}"
    return scalar_text(expected)


def _check_slots(
    wanted: dict[str, Any],
    shown: dict[str, str],
    raw: dict[str, Any],
    where: str,
    loc: Any,
    turn: int | None,
) -> list[Failure]:
    out: list[Failure] = []
    for name, expected in wanted.items():
        present = name in raw and raw[name] is not None
        if _slot_matches(expected, shown.get(name), raw.get(name), present):
            continue
        got = shown.get(name, "") if present else "(not set)"
        want = _expected_slot_text(expected, raw.get(name))
        out.append(Failure(f"{where}: slot {name}", loc(name), want, got, turn))
    return out


# --------------------------------------------------------------------------- turns


def _recording_change(verbs: list[Frame]) -> str:
    kinds = [f.kind for f in verbs if f.kind in ("pause", "resume")]
    if not kinds:
        return "unchanged"
    return "paused" if kinds[-1] == "pause" else "resumed"


def _check_expect(
    test: LoadedTestFile, e: Expect, rec: TurnRecord, where: str, base: tuple[str | int, ...]
) -> list[Failure]:
    def loc(*key: str | int) -> Location:
        return test.locate(*base, *key)

    out: list[Failure] = []
    said = rec.said
    t = rec.index

    for text in _texts(e.agent):
        if _norm(text) not in _norm(said):
            out.append(
                Failure(
                    f"{where}: agent",
                    loc("agent"),
                    f"the agent to say {_quote(text)}",
                    _quote(said),
                    t,
                )
            )
    if e.agent_re is not None and re.search(e.agent_re, said) is None:
        out.append(
            Failure(
                f"{where}: agent_re",
                loc("agent_re"),
                f"speech matching /{e.agent_re}/",
                _quote(said),
                t,
            )
        )
    for text in _texts(e.agent_not):
        if _norm(text) in _norm(said):
            out.append(
                Failure(
                    f"{where}: agent_not",
                    loc("agent_not"),
                    f"the agent not to say {_quote(text)}",
                    _quote(said),
                    t,
                )
            )
    if e.state is not None and rec.node != e.state:
        out.append(Failure(f"{where}: state", loc("state"), e.state, rec.node, t))
    if e.slots:
        out += _check_slots(
            e.slots, rec.shown_slots, rec.raw_slots, where, lambda n: loc("slots", n), t
        )
    if e.recording is not None:
        got = _recording_change(rec.verbs)
        ok = (
            got == e.recording
            and (e.recording != "paused" or rec.paused)
            and (e.recording != "resumed" or not rec.paused)
        )
        if not ok:
            detail = [f.kind for f in rec.verbs if f.kind in ("pause", "resume")]
            out.append(
                Failure(
                    f"{where}: recording",
                    loc("recording"),
                    e.recording,
                    f"{got} (verbs this turn: {', '.join(detail) or 'none'}; "
                    f"paused now: {rec.paused})",
                    t,
                )
            )
    if e.recording_paused is not None and rec.paused != e.recording_paused:
        out.append(
            Failure(
                f"{where}: recording_paused",
                loc("recording_paused"),
                str(e.recording_paused).lower(),
                str(rec.paused).lower(),
                t,
            )
        )
    ended = next((ev for ev in rec.events if isinstance(ev, CallEnded)), None)
    moved = next((ev for ev in rec.events if isinstance(ev, CallTransferred)), None)
    if e.end is not None and (ended is None or ended.reason != e.end):
        got = (
            f"end({ended.reason})"
            if ended
            else f"transfer to {moved.target!r}"
            if moved
            else "the call did not end in this turn"
        )
        out.append(Failure(f"{where}: end", loc("end"), f"end({e.end})", got, t))
    if e.transfer is not None:
        if moved is None:
            got = f"end({ended.reason})" if ended else "no transfer in this turn"
            out.append(
                Failure(f"{where}: transfer", loc("transfer"), e.transfer.describe(), got, t)
            )
        else:
            diff = _check_transfer(e.transfer, _transfer_verb(rec.verbs), None)
            if diff:
                out.append(
                    Failure(f"{where}: transfer", loc("transfer"), e.transfer.describe(), diff, t)
                )
    if e.filler is not None:
        fillers = [f.text for f in rec.verbs if f.kind == "filler"]
        if not any(_norm(e.filler) in _norm(x) for x in fillers):
            out.append(
                Failure(
                    f"{where}: filler",
                    loc("filler"),
                    _quote(e.filler),
                    ", ".join(_quote(x) for x in fillers) or "no filler",
                    t,
                )
            )
    if e.llm_calls is not None and rec.llm_calls != e.llm_calls:
        out.append(
            Failure(
                f"{where}: llm_calls", loc("llm_calls"), str(e.llm_calls), str(rec.llm_calls), t
            )
        )
    return out


def _check_outcome(
    test: LoadedTestFile, o: Outcome, run: Run, base: tuple[str | int, ...]
) -> list[Failure]:
    def loc(*key: str | int) -> Location:
        return test.locate(*base, *key)

    out: list[Failure] = []
    got_end = describe_outcome(run.outcome)
    outcome = run.outcome or {}
    if o.end is not None and not (outcome.get("verb") == "end" and outcome.get("reason") == o.end):
        out.append(Failure("outcome: end", loc("end"), f"end({o.end})", got_end))
    if o.transfer is not None:
        diff = _check_transfer(o.transfer, _transfer_verb(run.verbs), run.outcome)
        if diff:
            out.append(
                Failure(
                    "outcome: transfer",
                    loc("transfer"),
                    o.transfer.describe(),
                    got_end if diff == "no transfer" else diff,
                )
            )
    if o.hangup and outcome.get("verb") != "hangup":
        out.append(Failure("outcome: hangup", loc("hangup"), "the caller hung up", got_end))
    if o.state is not None and run.final_node != o.state:
        out.append(Failure("outcome: state", loc("state"), o.state, run.final_node))
    if o.slots:
        out += _check_slots(
            o.slots, run.final_shown, run.final_raw, "outcome", lambda n: loc("slots", n), None
        )
    if o.turns is not None and run.turns_handled != o.turns:
        out.append(Failure("outcome: turns", loc("turns"), str(o.turns), str(run.turns_handled)))
    if o.llm_calls is not None and run.llm_calls != o.llm_calls:
        out.append(
            Failure("outcome: llm_calls", loc("llm_calls"), str(o.llm_calls), str(run.llm_calls))
        )
    if o.recording_paused is not None and run.final_paused != o.recording_paused:
        out.append(
            Failure(
                "outcome: recording_paused",
                loc("recording_paused"),
                str(o.recording_paused).lower(),
                str(run.final_paused).lower(),
            )
        )
    return out


# --------------------------------------------------------------------------- invariants


def _invariants(test: LoadedTestFile, run: Run) -> list[Failure]:
    out: list[Failure] = []
    verbs = run.verbs
    terminal = [i for i, f in enumerate(verbs) if f.kind in ("end", "transfer")]
    if len(terminal) > 1:
        out.append(
            Failure(
                "contract: one terminal verb",
                None,
                "exactly one end or transfer",
                ", ".join(verbs[i].kind for i in terminal),
            )
        )
    if terminal:
        late = [f.kind for f in verbs[terminal[0] + 1 :] if f.kind not in ("text.end",)]
        if late:
            out.append(
                Failure(
                    "contract: nothing after the terminal verb",
                    None,
                    "no verb after end/transfer",
                    ", ".join(late),
                )
            )
    paused = False
    for f in verbs:
        if f.kind == "pause":
            if paused:
                out.append(
                    Failure(
                        "contract: recording",
                        None,
                        "pause and resume alternate",
                        "recording.pause sent twice in a row",
                    )
                )
                break
            paused = True
        elif f.kind == "resume":
            paused = False
    if paused or run.final_paused:
        out.append(
            Failure(
                "contract: recording",
                None,
                "recording resumed when the call is over",
                "still paused",
            )
        )
    if run.outcome and run.outcome.get("verb") in ("end", "transfer") and not terminal:
        out.append(
            Failure(
                "contract: one terminal verb",
                None,
                "the host received end/transfer",
                f"no terminal verb for {describe_outcome(run.outcome)}",
            )
        )
    out += _leaks(test, run)
    return out


def _leaks(test: LoadedTestFile, run: Run) -> list[Failure]:
    places = dict(run.exposed)
    places["the host verbs"] = " ".join(
        f"{f.text} {f.reason} {f.target} {f.announcement}" for f in run.verbs
    )
    places["the agent's speech"] = " ".join(r.said for r in run.turns)
    slots = test.flow.slots
    out: list[Failure] = []
    for name, values in run.secrets.items():
        hidden_from_llm = not slots[name].spec.send_to_llm if name in slots else True
        found = [place for place, text in places.items() if shows_secret(text, values)]
        if hidden_from_llm and any(shows_secret(body, values) for body in run.llm_bodies):
            found.append("the model requests")
        if found:
            out.append(
                Failure(
                    "contract: PII",
                    None,
                    f"no clear value of pii slot '{name}' anywhere but the slot",
                    "found in " + ", ".join(found),
                )
            )
    return out


# --------------------------------------------------------------------------- whole run


def check_run(test: LoadedTestFile, conv_index: int, conv: Conversation, run: Run) -> list[Failure]:
    """Every failure of a played conversation: the first failing turn's, the outcome's, contracts.

    Turns after the first failing one are not checked: they usually fail only
    because of it, and their noise would hide the cause.
    """
    base: tuple[str | int, ...] = ("conversations", conv_index)
    out: list[Failure] = []
    if run.crash is not None:
        out.append(
            Failure(
                "the call",
                test.locate(*base),
                "the conversation to run",
                scrub(run.crash, _all_secrets(run)),
            )
        )
    turn_failures: list[Failure] = []
    if conv.start is not None and run.turns:
        turn_failures = _check_expect(test, conv.start, run.turns[0], "opening", (*base, "start"))
    if not turn_failures:
        for i, turn in enumerate(conv.turns, 1):
            where = f"turn {i}"
            path = (*base, "turns", i - 1)
            if i >= len(run.turns):
                if run.crash is None:
                    why = (
                        f"the call was over after turn {len(run.turns) - 1} "
                        f"({describe_outcome(run.outcome)})"
                    )
                    turn_failures.append(
                        Failure(where, test.locate(*path), "the caller to get a turn", why, i)
                    )
                break
            rec = run.turns[i]
            if rec.partial:
                break  # cut short by the crash or timeout reported above
            turn_failures = _barge(test, turn, rec, where, path)
            turn_failures += _check_expect(test, turn, rec, where, path)
            turn_failures.sort(key=_position)
            if turn_failures:
                break
    out += turn_failures
    if conv.outcome is not None and not turn_failures:
        out += _check_outcome(test, conv.outcome, run, (*base, "outcome"))
    out += _invariants(test, run)
    return out


def _position(f: Failure) -> tuple[int, int]:
    return (f.location.line, f.location.column) if f.location else (0, 0)


def _barge(
    test: LoadedTestFile, turn: Turn, rec: TurnRecord, where: str, path: tuple[str | int, ...]
) -> list[Failure]:
    if turn.barge_in is None or rec.barged:
        return []
    n = len(rec.chunks)
    return [
        Failure(
            f"{where}: barge_in",
            test.locate(*path, "barge_in"),
            f"a barge-in after {turn.barge_in.after_chunks} chunk(s)",
            f"the reply had only {n} chunk(s)",
            rec.index,
        )
    ]


def _all_secrets(run: Run) -> set[str]:
    out: set[str] = set()
    for values in run.secrets.values():
        out |= values
    return out


# --------------------------------------------------------------------------- transcript


def _event_line(ev: CallEvent) -> str | None:
    if isinstance(ev, StateEntered):
        return f"· state {ev.dst}" if ev.src is None else f"· {ev.src} → {ev.dst} ({ev.via})"
    if isinstance(ev, SlotFilled):
        return f"· slot {ev.slot} = {ev.shown}" + (" (confirmed)" if ev.confirmed else "")
    if isinstance(ev, SlotRejected):
        return f"· slot {ev.slot} rejected: {ev.reason} (attempt {ev.attempt})"
    if isinstance(ev, RecordingPaused):
        return f"· recording paused ({ev.reason})"
    if isinstance(ev, RecordingResumed):
        return "· recording resumed"
    if isinstance(ev, CallEnded):
        return f"· end({ev.reason})"
    if isinstance(ev, CallTransferred):
        kind = "human queue" if ev.target_kind == "human" else "agent"
        return f"· transfer to {kind} {ev.target!r} ({ev.mode})"
    if isinstance(ev, ActionFinished):
        status = "ok" if ev.ok else f"failed: {mask_shapes(str(ev.error))}"
        return f"· action {ev.name} {status} ({ev.elapsed_ms:.0f} ms)"
    if isinstance(ev, LLMCalled):
        tool = f", tool {ev.tool}" if ev.tool else ""
        return f"· model call in {ev.state}{tool}{'' if ev.ok else ', failed'}"
    if isinstance(ev, ErrorRaised):
        # an action's own error text may quote what it was given: masked like a log line
        return f"· error {ev.error} in {ev.state}: {mask_shapes(ev.message)}"
    return None


def transcript(run: Run, upto: int | None = None, *, indent: str = "    ") -> list[str]:
    """The conversation as report lines (PII redacted), up to turn ``upto`` included."""
    secrets = _all_secrets(run)
    lines: list[str] = []
    for rec in run.turns:
        if upto is not None and rec.index > upto:
            break
        if rec.caller is not None:
            said = REDACTED if rec.caller_in_pii and rec.caller else rec.caller
            said = "(silence)" if not rec.caller else said
            extra = f" [barges in after {rec.barge_after} chunk(s)]" if rec.barge_after else ""
            extra += " [cut short]" if rec.partial else ""
            lines.append(f"caller: {said}{extra}")
        for ev in rec.events:
            if isinstance(ev, Spoke):
                tag = " [interrupted; heard]" if ev.interrupted else ""
                lines.append(f"agent{tag}: {ev.text}")
            else:
                line = _event_line(ev)
                if line:
                    lines.append("  " + line)
        if rec.index > 0 and not rec.chunks and not any(isinstance(e, Spoke) for e in rec.events):
            lines.append("agent: (nothing)")
    if upto is None or upto >= len(run.turns) - 1:
        if run.outcome and run.outcome.get("verb") == "hangup":
            lines.append("caller: (hangs up)")
        after = run.after
        if after is not None:
            lines += ["  " + x for x in map(_event_line, after.events) if x]
            lines += [f"  · host: {f.kind}({f.reason})" for f in after.verbs if f.kind == "end"]
    return [indent + scrub(line, secrets) for line in lines]
