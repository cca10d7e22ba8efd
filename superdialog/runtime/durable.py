"""Durable calls: a call's state as a versioned record, and a machine made again from one.

``dump`` writes everything that decides what a call does next — the state it
is in, the question being confirmed, slots, results, history, counters,
what was said last (for "say that again"), whether recording is paused, an
action that has started and its outcome, a model chosen with ``set_llm`` —
as JSON-safe data. ``restore_into`` puts such a record into a freshly built
machine of the same flow version, which then continues exactly as the
original would have.

**When.** A record is taken between turns (``dump`` refuses to run inside
one): it is the record of the last completed turn. A worker that dies in the
middle of a turn leaves the record of the turn before; the new worker
continues from there.

**Actions run at most once.** An action that started before the dump is in
the record with an idempotency key (its state and the visit that started
it). If it had finished, its outcome is in the record and the restored call
applies it as the original would have; if it was still running, its outcome
died with its worker: the restored call takes the error path for it
(``ActionError``) and never runs it again.

**Personal data.** Slot values, action results, the call's secrets (the
masker), history, host notes and what was last said are sealed with the
deployment's key (``durable_seal.StateKey``). With no key they are left out
where they could hold personal data, and the record says what it left out
(``"pii": "omitted"``, ``"omitted": [...]``); restoring such a record needs
``partial=True``.

**Flow versions.** A record names its flow and the flow's content hash; a
machine of another version refuses it (``RecordError``): state names, slots
and edges may mean something else there.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from superdialog.errors import ActionError, RuntimeFlowError
from superdialog.pii import Masker, json_safe
from superdialog.runtime.actions import PendingAction
from superdialog.runtime.detect_language import VOTES_TO_SWITCH, LanguageVotes
from superdialog.runtime.durable_seal import StateKey
from superdialog.runtime.durable_values import RecordError, decode, encode
from superdialog.runtime.effects import FINISHED, RUNNING
from superdialog.runtime.events import StateEntered
from superdialog.runtime.metrics import CallMetrics
from superdialog.runtime.moves import enter
from superdialog.runtime.repairs import dump_repairs, restore_repairs
from superdialog.runtime.steps import Step, sub
from superdialog.runtime.turn import _handle, drive, end_turn
from superdialog.runtime.turn import turn as plain_turn

if TYPE_CHECKING:
    from superdialog.compile.compiled import CompiledFlow
    from superdialog.runtime.call import CallMachine

__all__ = [
    "FORMAT",
    "USE_ENV",
    "VERSION",
    "Durable",
    "RecordError",
    "StateKey",
    "action_key",
    "dump",
    "next_turn",
    "parse_llm_uri",
    "personal_part",
    "read_record",
    "restore_into",
    "set_llm",
    "switch_flow",
]

FORMAT = "superdialog.call"
VERSION = 1
"""The record format this code writes and reads; a record of another version is refused."""

USE_ENV: Any = object()
"""``key`` default: read the key from ``SUPERDIALOG_STATE_KEY``."""


@dataclass(slots=True)
class Durable:
    """What a call needs beyond the runtime's own fields to be recorded and switched.

    Attributes:
        llm: Model settings chosen with ``set_llm`` (model, base_url; never a key).
        entry_due: ``switch_flow`` put the call at a new flow's start: it is
            entered at the beginning of the next turn.
        on_turn: Called with the machine after every turn (the host saves there).
        started: Idempotency keys of actions a worker journaled as started
            (``durable_actions``): a restored call never runs them again.

    """

    llm: dict[str, str] | None = None
    entry_due: bool = False
    on_turn: Callable[[CallMachine], None] | None = None
    started: frozenset[str] = frozenset()


def state_of(m: CallMachine) -> Durable:
    """The call's ``Durable`` part, made on first use."""
    if m._durable is None:
        m._durable = Durable()
    return m._durable


# ------------------------------------------------------------------ dump


def action_key(m: CallMachine) -> str | None:
    """The idempotency key of the action that started and is not applied yet, else None.

    Its state and the visit that started it: unique within a call, and the same
    on every worker (an action that went on after a restore would have the same
    key, so a backend that takes it can refuse a second run).
    """
    pending = m._action
    if pending is None:
        return None
    return f"{pending.state}#{(m._visits or {}).get(pending.state, 1)}"


def _outcome(m: CallMachine) -> dict[str, Any] | None:
    """A finished action's outcome, as settle() will read it; None while it runs."""
    pending = m._action
    if pending is None or not pending.task.done():
        return None
    task = pending.task
    if task.cancelled():
        return {"error": "cancelled"}
    exc = task.exception()
    if exc is None:
        return {"ok": encode(task.result(), f"results.{pending.name}")}
    if isinstance(exc, TimeoutError):
        return {"error": "timeout"}
    if isinstance(exc, ActionError):
        return {"error": "failed", "message": str(exc)[:300], "timed_out": exc.timed_out}
    if type(exc).__name__ == "_ActionCancelled":  # the action's own work was cancelled
        return {"error": "cancelled"}
    return {"error": "failed", "message": f"action '{pending.name}' failed: {type(exc).__name__}"}


def _masker_state(masker: Masker | None) -> dict[str, Any] | None:
    if not masker:
        return None
    return masker.export()


def _personal(m: CallMachine, outcome: dict[str, Any] | None) -> dict[str, Any]:
    """Everything of the record that may hold personal data (sealed when there is a key)."""
    return {
        "slots": {k: encode(v, f"slots.{k}") for k, v in m.slots.items()},
        "results": {k: encode(v, f"results.{k}") for k, v in m.results.items()},
        "history": [list(x) for x in (m._history or ())],
        "said": [[t, p] for t, p in m._said],
        "assist": list(m._assist or ()),
        "masker": _masker_state(m._masker),
        "action_outcome": outcome,
    }


def _open_part(m: CallMachine) -> tuple[dict[str, Any], list[str]]:
    """No key: what may stay in clear, and the names of what was left out."""
    flow_slots = m.flow.slots
    masker = m._masker
    omitted: list[str] = []

    def clean(value: Any) -> bool:
        """Whether ``value`` holds nothing the call knows is secret."""
        if not masker:
            return True
        safe = json_safe(value)
        return bool(masker.mask_data(safe) == safe)

    slots: dict[str, Any] = {}
    for name, value in m.slots.items():
        cs = flow_slots.get(name)
        if cs is not None and not cs.pii and clean(value):
            slots[name] = encode(value, f"slots.{name}")
        else:
            omitted.append(f"slots.{name}")
    declared = {
        st.action.result_name
        for st in m.flow.graph.states.values()
        if st.action is not None and st.action.spec.pii
    }
    results: dict[str, Any] = {}
    for name, value in m.results.items():
        if name not in declared and clean(value):
            results[name] = encode(value, f"results.{name}")
        else:
            omitted.append(f"results.{name}")
    said = []
    for text, paused in m._said:
        if paused:  # said inside a PII state: may hold values in clear
            omitted.append("said")
            continue
        said.append([m.mask(text), False])
    if masker:
        omitted.append("masker")
    if m._action is not None and m._action.task.done():
        omitted.append("action_outcome")
    part = {
        "slots": slots,
        "results": results,
        "history": [[r, m.mask(t)] for r, t in (m._history or ())],
        "said": said,
        "assist": [m.mask(t) for t in (m._assist or ())],
        "masker": None,
        "action_outcome": None,
    }
    return part, sorted(set(omitted))


def _header(record: Mapping[str, Any]) -> bytes:
    """The clear fields the sealed part is bound to."""
    flow = record["flow"]
    return json.dumps(
        [record["format"], record["v"], record.get("call"), flow["name"], flow["digest"]],
        separators=(",", ":"),
    ).encode("utf-8")


def dump(
    m: CallMachine, *, key: StateKey | str | None = USE_ENV, call_id: str | None = None
) -> dict[str, Any]:
    """The call as a versioned, JSON-safe record (see the module docstring).

    Args:
        m: The call, between turns.
        key: The key that seals personal data: a ``StateKey``, its text, or
            None for no key. Default: ``SUPERDIALOG_STATE_KEY`` if set.
        call_id: The host's id of the call, bound into the sealed part.

    Raises:
        RecordError: a turn is running, or a slot or result holds a value of a
            type that cannot be recorded.

    """
    if m._in_stream or m._pending is not None:
        raise RecordError("dump() runs between turns, not inside one", where=m.node)
    sealer = StateKey.from_env() if key is USE_ENV else key
    if isinstance(sealer, str):
        sealer = StateKey.parse(sealer)
    assert sealer is None or isinstance(sealer, StateKey)
    durable = m._durable
    pending = m._action
    outcome = _outcome(m)
    action = None
    if pending is not None:
        action = {
            "state": pending.state,
            "name": pending.name,
            "key": action_key(m),
            "done": pending.task.done(),
        }
    record: dict[str, Any] = {
        "format": FORMAT,
        "v": VERSION,
        "call": call_id,
        "flow": {"name": m.flow.name, "digest": m.flow.digest},
        "saved_at": time.time(),
        "elapsed": (m._clock() - m._t0) if m._started else None,
        "state": {
            "node": m.node,
            "language": m.language,
            # the detector's pending votes: a call moved to another worker keeps its hysteresis
            "language_votes": (
                [m._lang_votes.candidate, m._lang_votes.votes]
                if m._lang_votes is not None and m._lang_votes.candidate is not None
                else None
            ),
            "from": m._from,
            "status": m._status,
            "outcome": dict(m._outcome) if m._outcome else None,
            "paused": m._paused,
            "started": m._started,
            "confirming": m._confirming,
            "repairs": dump_repairs(m),  # read-backs owed, the digression stack (names only)
            "misses": dict(m._misses) if m._misses else None,
            "visits": dict(m._visits) if m._visits else None,
            "metrics": dataclasses.asdict(m.metrics),
            "llm": dict(durable.llm) if durable and durable.llm else None,
            "entry_due": bool(durable and durable.entry_due),
            "action": action,
        },
    }
    if sealer is not None:
        plain = json.dumps(_personal(m, outcome), separators=(",", ":")).encode("utf-8")
        record["pii"] = "sealed"
        record["sealed"] = sealer.seal(plain, _header(record))
    else:
        part, omitted = _open_part(m)
        record["pii"] = "omitted" if omitted else "none"
        record["omitted"] = omitted
        record["open"] = part
    return record


# ------------------------------------------------------------------ restore


class _Settled:
    """Stands in for the task of an action that ran under another worker: already done."""

    __slots__ = ("_cancelled", "_exc", "_result")

    def __init__(
        self, result: Any = None, exc: BaseException | None = None, cancelled: bool = False
    ) -> None:
        self._result = result
        self._exc = exc
        self._cancelled = cancelled

    def done(self) -> bool:
        return True

    def cancelled(self) -> bool:
        return self._cancelled

    def exception(self) -> BaseException | None:
        return self._exc

    def result(self) -> Any:
        if self._exc is not None:
            raise self._exc
        return self._result


def _settled(action: Mapping[str, Any], outcome: Mapping[str, Any] | None) -> _Settled:
    state, name = str(action["state"]), str(action["name"])
    if outcome is None:  # it was running when the record was taken: its outcome is lost
        return _Settled(
            exc=ActionError(
                f"action '{name}' was running when its worker stopped; "
                "its outcome is unknown, so it is not run again",
                state=state,
            )
        )
    if "ok" in outcome:
        return _Settled(result=decode(outcome["ok"], f"results.{name}"))
    kind = outcome.get("error")
    if kind == "cancelled":
        return _Settled(cancelled=True)
    if kind == "timeout":
        return _Settled(exc=TimeoutError())
    return _Settled(
        exc=ActionError(str(outcome.get("message", "")), timed_out=bool(outcome.get("timed_out")))
    )


def _masker_into(m: CallMachine, data: Mapping[str, Any] | None) -> None:
    """The recorded secrets into the call's masker (the same object a log filter may hold)."""
    if not data:
        return
    m.masker.load(data)


def read_record(record: Mapping[str, Any] | str | bytes) -> dict[str, Any]:
    """A record as a dict, from JSON text or bytes too; its format and version checked.

    Raises:
        RecordError: not a SuperDialog call record, or of another format version.

    """
    if isinstance(record, str | bytes):
        try:
            record = json.loads(record)
        except ValueError:
            raise RecordError("not JSON", where="record") from None
    if not isinstance(record, Mapping) or record.get("format") != FORMAT:
        raise RecordError("not a SuperDialog call record", where="record")
    if record.get("v") != VERSION:
        raise RecordError(
            f"record format version {record.get('v')!r}; this SuperDialog reads {VERSION}",
            where="record",
        )
    return dict(record)


def check_flow(record: Mapping[str, Any], flow: CompiledFlow) -> None:
    """Refuse a record of another flow or another version of this one."""
    rf = record.get("flow") or {}
    if rf.get("name") != flow.name or rf.get("digest") != flow.digest:
        raise RecordError(
            f"the record is of flow {rf.get('name')!r} version {str(rf.get('digest'))[:12]}, "
            f"this is {flow.name!r} version {flow.digest[:12]}: a call continues only on the "
            "flow version it started on (keep old versions loaded until their calls end)",
            where="flow",
        )


def personal_part(
    record: Mapping[str, Any], *, key: StateKey | str | None = USE_ENV, partial: bool = False
) -> Mapping[str, Any]:
    """The record's personal data (slots, results, history, secrets …), opened with ``key``.

    Raises:
        RecordError: sealed and no key or the wrong one; or saved without a key
            (its personal data left out) and ``partial`` is false.

    """
    rec = record
    if rec.get("pii") == "sealed":
        opener = StateKey.from_env() if key is USE_ENV else key
        if isinstance(opener, str):
            opener = StateKey.parse(opener)
        if not isinstance(opener, StateKey):
            raise RecordError("the record is sealed and no state key was given", where="sealed")
        opened: Mapping[str, Any] = json.loads(opener.open(str(rec["sealed"]), _header(rec)))
        return opened
    if rec.get("pii") == "omitted" and not partial:
        left = ", ".join(rec.get("omitted") or ())
        raise RecordError(
            f"the record was saved without a state key and leaves out {left}; "
            "restore it with partial=True to continue without them",
            where="record",
        )
    personal: Mapping[str, Any] = rec.get("open") or {}
    return personal


def restore_into(
    m: CallMachine,
    record: Mapping[str, Any] | str | bytes,
    *,
    key: StateKey | str | None = USE_ENV,
    partial: bool = False,
) -> CallMachine:
    """Make a freshly built machine continue the call ``record`` was taken of.

    Args:
        m: A machine just built from the record's flow (``flow.build``), not started.
        record: What ``dump`` returned (after any JSON round trip), or its JSON.
        key: The key that opens the sealed part (as for ``dump``).
        partial: Accept a record whose personal data was left out (no key at
            dump time): those slots are asked again when a state needs them.

    Raises:
        RecordError: the record is of another format or flow version, its
            sealed part does not open with ``key``, or it left data out and
            ``partial`` is false.

    """
    rec = read_record(record)
    check_flow(rec, m.flow)
    if m._started:
        raise RecordError("restore into a machine that has not started", where="machine")
    personal = personal_part(rec, key=key, partial=partial)
    s = rec["state"]
    m.node = str(s["node"])
    language = s.get("language")  # records before languages have none: the default
    m.language = language if language in m.flow.spec.languages else m.flow.spec.languages[0]
    votes = s.get("language_votes")  # absent before the detector's votes were kept
    if (
        isinstance(votes, list)
        and len(votes) == 2
        and votes[0] in m.flow.spec.languages
        and isinstance(votes[1], int)
        and not isinstance(votes[1], bool)
        and 0 < votes[1] < VOTES_TO_SWITCH
    ):
        m._lang_votes = LanguageVotes(votes[0], votes[1])
    m._from = str(s["from"])
    m._status = FINISHED if s["status"] == FINISHED else RUNNING
    m._outcome = dict(s["outcome"]) if s["outcome"] else None
    m._paused = bool(s["paused"])
    m._started = bool(s["started"])
    m._confirming = s["confirming"]
    restore_repairs(m, s.get("repairs"))
    m._misses = dict(s["misses"]) if s["misses"] else None
    m._visits = dict(s["visits"]) if s["visits"] else None
    m._metrics = CallMetrics(**s["metrics"])
    if rec.get("elapsed") is not None:
        gap = max(0.0, time.time() - float(rec["saved_at"]))  # the caller waited meanwhile
        m._t0 = m._clock() - float(rec["elapsed"]) - gap
    m.slots.update({k: decode(v, f"slots.{k}") for k, v in personal.get("slots", {}).items()})
    m.results.update({k: decode(v, f"results.{k}") for k, v in personal.get("results", {}).items()})
    history = personal.get("history") or ()
    if history:
        m._history = deque(
            ((str(r), str(t)) for r, t in history), maxlen=m.flow.spec.llm.history_turns * 2
        )
    m._said = tuple((str(t), bool(p)) for t, p in personal.get("said") or ())
    m._assist = [str(a) for a in personal.get("assist") or ()] or None
    _masker_into(m, personal.get("masker"))
    action = s.get("action")
    if action is not None:
        task: Any = _settled(action, personal.get("action_outcome"))
        m._action = PendingAction(
            str(action["state"]), str(action["name"]), task, time.perf_counter()
        )
    if s.get("llm"):
        set_llm(m, _llm_uri(s["llm"]))
    if s.get("entry_due"):
        state_of(m).entry_due = True
    return m


# ------------------------------------------------------------------ switch_flow / set_llm


def _between_turns(m: CallMachine, what: str) -> None:
    if m._in_stream or m._pending is not None:
        raise RuntimeFlowError(f"{what} runs between turns, not inside one", state=m.node)


def switch_flow(m: CallMachine, flow: CompiledFlow, *, preserve_memory: bool = False) -> None:
    """Continue the call in ``flow``, from its start state, at the next turn.

    The next turn first enters the new flow's start state (its line, its first
    question; recording follows the state), then handles the caller's words
    only if that entry said nothing. ``preserve_memory`` keeps slots, results
    and history (a model in the new flow sees the conversation so far);
    otherwise they are forgotten. The call's secrets are always kept: a value
    masked so far stays masked.

    Raises:
        RuntimeFlowError: inside a turn, after the call ended, or while an
            action the call started has not been applied.

    """
    _between_turns(m, "switch_flow")
    if m.finished:
        raise RuntimeFlowError("the call is over", state=m.node)
    if m._action is not None:
        raise RuntimeFlowError("an action the call started is not settled yet", state=m.node)
    src = m.node
    m.flow = flow
    m.node = flow.spec.start
    if m.language not in flow.spec.languages:  # the caller's, if the new flow speaks it
        m.language = flow.spec.languages[0]
    m._from = src
    m._confirming = None
    m._repairs = None  # the new flow has none of the old one's states to come back to
    m._misses = None
    m._visits = None
    if preserve_memory:
        if m._history is not None:
            m._history = deque(m._history, maxlen=flow.spec.llm.history_turns * 2)
    else:
        m.slots.clear()
        m.results.clear()
        m._history = None
        m._assist = None
        m._said = ()
    state_of(m).entry_due = True
    m.emit(StateEntered(src, m.node, None, "switch_flow"))


def parse_llm_uri(uri: str) -> dict[str, str]:
    """``set_llm``'s argument as model settings.

    ``"gpt-4o-mini"`` (or a gateway's ``"provider/model"``) names the model;
    ``"https://host/v1"`` is an OpenAI-compatible endpoint and
    ``"https://host/v1#model"`` names the model there too.

    Raises:
        ValueError: an empty name, or a URL with credentials in it.

    """
    text = uri.strip() if isinstance(uri, str) else ""
    if not text:
        raise ValueError("set_llm needs a model name or an endpoint URL")
    if text.startswith(("http://", "https://")):
        base, _, model = text.partition("#")
        if "@" in base.split("/", 3)[2]:
            raise ValueError("set_llm: put credentials in the environment, not in the URL")
        out = {"base_url": base}
        if model.strip():
            out["model"] = model.strip()
        return out
    return {"model": text}


def _llm_uri(settings: Mapping[str, str]) -> str:
    base, model = settings.get("base_url"), settings.get("model")
    if base:
        return f"{base}#{model}" if model else base
    return str(model)


def set_llm(m: CallMachine, uri: str) -> None:
    """Use another model (or endpoint) for this call's next model calls (see ``parse_llm_uri``)."""
    settings = parse_llm_uri(uri)
    state = state_of(m)
    state.llm = {**(state.llm or {}), **settings}
    llm, actions, validators = m._overrides or (None, None, None)
    m._overrides = ({**(llm or {}), **settings}, actions, validators)


# ------------------------------------------------------------------ turns


def next_turn(m: CallMachine, text: object) -> Step:
    """The step for the caller's next turn: the plain one, or the first after a switch."""
    durable = m._durable
    if durable is None or not durable.entry_due:
        return plain_turn(m, text)
    return _switched_turn(m, durable, text)


async def _switched_turn(m: CallMachine, durable: Durable, text: object) -> Step:
    durable.entry_due = False
    if m._status != RUNNING:
        return
    m._spoke_turn = False
    m._error_depth = 0
    m.metrics.turns += 1
    try:
        yield sub(drive(m, _enter_then_words(m, text)))
    finally:
        end_turn(m)


async def _enter_then_words(m: CallMachine, text: object) -> Step:
    yield sub(enter(m))
    if m._status == RUNNING and not m._spoke_turn:
        yield sub(_handle(m, text))  # the entry said nothing: the words are for this state


def turn_ended(m: CallMachine) -> None:
    """A turn (or the opening, or a barge-in's truncation) is over: tell the host's saver."""
    durable = m._durable
    if durable is not None and durable.on_turn is not None:
        durable.on_turn(m)
