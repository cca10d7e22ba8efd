"""Durable Unpod calls: save after every turn, and pick up a call this worker has never seen.

``run_durable_call`` is ``run_call`` with a store (``superdialog.store``):

1. it claims the call (``store.claim``) under the session's id — waiting, up to
   ``claim_wait_s``, for the lease of a worker that stopped to lapse;
2. a call with a record is **restored** (``flow.restore``): no opening line,
   the call goes on from its last completed turn, recording paused if it was;
   a new call is built and starts as usual;
3. after the opening and every turn a ``CallSaver`` writes the record in the
   background (the caller never waits on the store), and every Python action's
   idempotency key is journaled before it runs: a call picked up after a worker
   died mid-action never runs that action again;
4. at the end it waits for the last write, saves nothing more (a turn the
   session finishes after a hang-up would take the lease back), and releases
   the lease; the record stays for its TTL.

A store that is down or stalled never costs the caller the call: a claim that
fails (``StoreError``, bounded by the store's ``timeout_s``) serves the call
from its opening without saving; a save, a journal entry or the release that
fails is logged and the call goes on.

The record names its flow and flow version; ``flows`` lists every flow this
worker serves (a call that ``switch_flow``-ed continues on the flow it
switched to). A record of a flow this worker does not serve, whose call was
transferred to an agent, is a **handover** from another SuperDialog agent:
the call starts on this worker's first flow with the caller's context carried
over (``superdialog.runtime.handover``): slots both flows declare, the
conversation so far, the call's secrets, the language.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Mapping, Sequence
from typing import Any

from superdialog import CallMachine, Flow
from superdialog.pii import get_logger
from superdialog.runtime.clock import Scheduler
from superdialog.runtime.durable import USE_ENV, RecordError, read_record, restore_into, state_of
from superdialog.runtime.durable_actions import guard_actions
from superdialog.runtime.durable_seal import StateKey
from superdialog.runtime.handover import carry_over, handed_to_agent
from superdialog.store import CallSaver, CallStore, Claim, LeaseHeld, LeaseLost, StoreError
from superdialog_unpod.host import attach, run_session

__all__ = ["call_id_of", "claim_call", "run_durable_call", "worker_name"]

log = get_logger("superdialog.unpod")


def worker_name() -> str:
    """The name of this worker in leases: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def call_id_of(ctx_or_session: Any) -> str:
    """The call's id: the context's ``session_id``, else the session's bridge's.

    Raises:
        RecordError: neither has one (pass ``call_id=`` explicitly).

    """
    for obj in (ctx_or_session, getattr(getattr(ctx_or_session, "session", None), "_bridge", None),
                getattr(ctx_or_session, "_bridge", None)):  # fmt: skip
        value = getattr(obj, "session_id", None) if obj is not None else None
        if isinstance(value, str) and value:
            return value
    raise RecordError("the call has no session id: pass call_id=", where="unpod")


async def claim_call(store: CallStore, call_id: str, owner: str, *, wait_s: float) -> Claim:
    """Claim the call, waiting (up to ``wait_s``) for another worker's lease to lapse.

    Raises:
        LeaseHeld: still held after ``wait_s``.

    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while True:
        try:
            return await store.claim(call_id, owner)
        except LeaseHeld as held:
            left = deadline - loop.time()
            if left <= 0:
                raise
            await asyncio.sleep(min(max(held.retry_after, 0.05), left, 1.0))


def _flow_for(record: Mapping[str, Any], flows: Sequence[Flow]) -> Flow:
    want = record.get("flow") or {}
    for flow in flows:
        if flow.name == want.get("name") and flow.digest == want.get("digest"):
            return flow
    # the right name at another version: restore refuses it with the clear error
    return next((f for f in flows if f.name == want.get("name")), flows[0])


def _handed_over_from_elsewhere(record: Mapping[str, Any], flows: Sequence[Flow]) -> bool:
    """A record of a flow not served here, of a call transferred to an agent."""
    name = (record.get("flow") or {}).get("name")
    return all(f.name != name for f in flows) and handed_to_agent(record) is not None


async def run_durable_call(
    ctx_or_session: Any,
    flows: Flow | Sequence[Flow],
    store: CallStore,
    *,
    call_id: str | None = None,
    worker: str | None = None,
    key: StateKey | str | None = USE_ENV,
    claim_wait_s: float = 30.0,
    llm: Mapping[str, Any] | None = None,
    trace: bool = False,
    scheduler: Scheduler | None = None,
) -> CallMachine:
    """Run one call durably (see the module docstring); the first of ``flows`` starts new calls.

    Raises:
        LeaseHeld: another worker still drives the call after ``claim_wait_s``.
        RecordError: the call's record is of a flow version this worker does not serve.

    A store that fails the claim (down, stalled) does not raise: the call is
    served from its opening, unsaved, and a warning logged.

    """
    served = [flows] if isinstance(flows, Flow) else list(flows)
    session = getattr(ctx_or_session, "session", ctx_or_session)
    cid = call_id or call_id_of(ctx_or_session)
    try:
        claim = await claim_call(store, cid, worker or worker_name(), wait_s=claim_wait_s)
    except LeaseHeld:
        raise
    except StoreError as exc:  # the caller is served all the same, without saving
        log.warning("call %s: store unavailable (%s): served without saving", cid, exc)
        machine = attach(ctx_or_session, served[0], llm=llm, trace=trace, scheduler=scheduler)
        await machine.start()
        await run_session(session, machine)
        return machine
    record = read_record(claim.record) if claim.record is not None else None
    handover = None
    if record is not None and _handed_over_from_elsewhere(record, served):
        handover, record = record, None  # not ours to continue: a new call that knows the caller
    flow = _flow_for(record, served) if record is not None else served[0]
    machine = attach(ctx_or_session, flow, llm=llm, trace=trace, scheduler=scheduler)

    def lost(_: LeaseLost) -> None:
        log.warning("call %s: picked up by another worker; this one stops saving it", cid)

    saver = CallSaver(store, claim.lease, key=key, on_lost=lost)
    try:
        if handover is not None:
            carried = carry_over(machine, handover, key=key)
            log.info("call %s: handed over by another agent, %d slot(s) carried", cid, len(carried))
        if record is not None:
            restore_into(machine, record, key=key)
            log.info("call %s: picked up at turn %s", cid, record["state"]["metrics"]["turns"])
        saver.attach(machine)
        state_of(machine).started = claim.actions  # journaled actions never run again
        guard_actions(machine, saver.before_action)
        if record is None:
            await machine.start()
        else:
            saver.offer(machine)  # the new lease holder's first save
        await run_session(session, machine)
    finally:
        try:
            await saver.close()  # no save after this: it would take the released lease back
        finally:
            if saver.lost is None:
                try:
                    await store.release(claim.lease)
                except StoreError as exc:  # the lease lapses on its own
                    log.warning("call %s: lease not released (%s)", cid, exc)
    return machine
