"""A call handed from one SuperDialog agent to another keeps what the caller already said.

When a flow ends with ``transfer: {agent: billing-bot}`` and the receiving
agent is SuperDialog too, both read the same store (``superdialog.store``):
the sending worker's last record of the call says it was transferred to an
agent, and the receiving worker, which serves another flow, starts the call on
its own flow with the caller's context carried over (``carry_over``) instead
of asking everything again:

* slots both flows declare, when the value is of the kind the receiving slot
  holds (a ``date`` is not carried into a ``time`` slot of the same name);
* the conversation so far (history), so a model in the new flow knows it;
* the call's secrets, so a value masked so far stays masked;
* the caller's language, when the new flow speaks it.

Results of the sender's actions and its state stay behind: the new flow has
its own. The record's personal data opens with the same state key as a
restore (``SUPERDIALOG_STATE_KEY``); a record saved without a key carries
what it has.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from superdialog.runtime.durable import USE_ENV, personal_part, read_record
from superdialog.runtime.durable_seal import StateKey
from superdialog.runtime.durable_values import RecordError, decode

if TYPE_CHECKING:
    from superdialog.runtime.call import CallMachine

__all__ = ["carry_over", "handed_to_agent"]


def handed_to_agent(record: Mapping[str, Any]) -> str | None:
    """The agent the recorded call was transferred to, or None if it was not."""
    outcome = (record.get("state") or {}).get("outcome") or {}
    if outcome.get("verb") == "transfer" and outcome.get("target_kind") == "agent":
        target = outcome.get("target")
        return str(target) if target else None
    return None


def _fits(type_name: str, value: Any) -> bool:
    """Whether ``value`` is of the kind a slot of ``type_name`` holds."""
    if isinstance(value, bool):
        return type_name == "yes_no"
    if isinstance(value, dt.datetime):
        return type_name == "datetime"
    if isinstance(value, dt.date):
        return type_name == "date"
    if isinstance(value, dt.time):
        return type_name == "time"
    if isinstance(value, int | Decimal | float):
        return type_name == "number"
    if type(value).__name__ == "Amount":
        return type_name == "amount"
    if isinstance(value, str):
        return type_name not in ("number", "yes_no", "date", "time", "datetime", "amount")
    return False


def carry_over(
    m: CallMachine,
    record: Mapping[str, Any] | str | bytes,
    *,
    key: StateKey | str | None = USE_ENV,
) -> list[str]:
    """Put the caller's context from another flow's record into ``m`` before it starts.

    Returns the names of the slots carried over.

    Raises:
        RecordError: not a call record, ``m`` has started, or the record's
            personal data is sealed and ``key`` does not open it.

    """
    rec = read_record(record)
    if m._started:
        raise RecordError("carry a handover into a machine that has not started", where="machine")
    personal = personal_part(rec, key=key, partial=True)
    carried: list[str] = []
    for name, encoded in (personal.get("slots") or {}).items():
        slot = m.flow.slots.get(name)
        if slot is None:
            continue
        value = decode(encoded, f"slots.{name}")
        if value is not None and _fits(slot.spec.type, value):
            m.slots[name] = value
            carried.append(name)
    history = personal.get("history") or ()
    if history:
        m._history = deque(
            ((str(r), str(t)) for r, t in history), maxlen=m.flow.spec.llm.history_turns * 2
        )
    masker = personal.get("masker")
    if masker:
        m.masker.load(masker)
    language = (rec.get("state") or {}).get("language")
    if language in m.flow.spec.languages:
        m.language = language
    return carried
