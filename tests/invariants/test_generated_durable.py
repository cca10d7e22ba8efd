"""Generated calls saved to a real Redis after every turn: the store never holds a canary.

A durable call (``superdialog_unpod.run_durable_call``) hands every turn's
record to a ``CallSaver`` and journals every Python action before it runs.
Here each hypothesis example is one ``test_generated`` case — generated flow,
hostile caller (PII answers in every form, values volunteered where nobody
asked, barge-ins, hang-ups), faulty model and actions — played through the real
Unpod ``Session`` with a saver on a ``RedisStore`` attached to the machine as
the durable host attaches it, on a ``redis-server`` started for the module.
Half the calls seal personal data with a state key, half have none (personal
data left out of the record); half the hang-ups close the socket.

After each call (its last write flushed) every field of the call's Redis hash
— the record, the lease, the action journal — is read back and searched for
every canary in any rendering (``harness.Canary``); and the call must keep every
guarantee the other generated calls keep (``test_generated.violations``).

``SUPERDIALOG_DURABLE_EXAMPLES`` sets the number of calls (default 30).
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

import superdialog
from superdialog.runtime.durable_actions import guard_actions
from superdialog.runtime.durable_seal import generate_key
from superdialog.store import CallSaver, RedisStore

from .harness import Projection
from .test_generated import (
    CALL_SETTINGS,
    Case,
    Loop,
    canaries,
    cases,
    loop,  # noqa: F401  (the module-scoped fixture)
    play,
    violations,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "store"))  # no package there
from redis_server import redis_binary, redis_server

EXAMPLES = int(os.environ.get("SUPERDIALOG_DURABLE_EXAMPLES", "30"))
KEY = generate_key()
_IDS = itertools.count(1)


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if redis_binary() is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    pytest.importorskip("redis")
    with redis_server(tmp_path_factory.mktemp("redis-generated")) as url:
        yield url


@pytest.fixture(scope="module")
def store(loop: Loop, redis_url: str) -> Iterator[RedisStore]:  # noqa: F811
    s = RedisStore.from_url(redis_url)
    yield s
    loop.runner.run(s.aclose())


async def _everything_stored(s: RedisStore, call_id: str) -> str:
    """Every field and value of the call's hash, as text."""
    raw: dict[bytes, bytes] = await s.client.hgetall(s.key(call_id))
    return "\n".join(
        k.decode("utf-8", "replace") + "=" + v.decode("utf-8", "replace") for k, v in raw.items()
    )


@settings(max_examples=EXAMPLES, **CALL_SETTINGS)
@given(case=cases(), sealed=st.booleans(), closing=st.booleans())
def test_a_saved_call_keeps_every_canary_out_of_redis(
    loop: Loop,  # noqa: F811
    store: RedisStore,
    case: Case,
    sealed: bool,
    closing: bool,
) -> None:
    call_id = f"generated-{next(_IDS)}"
    claim = loop.runner.run(store.claim(call_id, "worker-a"))
    saver = CallSaver(store, claim.lease, key=KEY if sealed else None)

    def prepare(m: superdialog.CallMachine) -> None:  # what run_durable_call does
        saver.attach(m)
        guard_actions(m, saver.before_action)

    call = play(loop, case, closing=closing, prepare=prepare)
    loop.runner.run(saver.flush())
    stored = loop.runner.run(_everything_stored(store, call_id))
    loop.runner.run(store.release(claim.lease))
    found = violations(call, case)
    assert saver.saves > 0 and saver.lost is None, (saver.saves, saver.lost)
    proj = Projection(stored)
    for c in canaries(call, case):
        found += [f"PII redis: {c.name} as {form}" for form in c.found_in(proj)]
    if found:
        note(case.story(call))
    assert found == [], "\n".join(found) + "\n" + case.story(call) + f"\nsealed={sealed}"


def test_the_record_is_sealed_or_leaves_personal_data_out(
    loop: Loop,  # noqa: F811
    store: RedisStore,
) -> None:
    """What the property above searched: a record is there, sealed or without the secrets."""
    flow = superdialog.loads(
        "flow: one\nstart: ask\nslots:\n  card: {type: card_number, pii: true}\n"
        "states:\n  ask: {pii: true, collect: [card], next: bye}\n"
        "  bye: {say: Bye., end: completed}\n",
        "one.yaml",
    )
    from superdialog.testing import RecordingSession

    async def go(key: Any) -> str:
        claim = await store.claim(f"one-{key is None}", "w")
        saver = CallSaver(store, claim.lease, key=key)
        m = flow.build(RecordingSession())
        saver.attach(m)
        await m.start()
        await m.turn("hmm")  # asked again: the call goes on, paused
        await saver.flush()
        await m.turn("4111 1111 1111 1111")
        await saver.flush()
        return await _everything_stored(store, claim.lease.call_id)

    sealed = loop.runner.run(go(KEY))
    left_out = loop.runner.run(go(None))
    assert '"pii":"sealed"' in sealed and "4111" not in sealed
    assert '"pii":"omitted"' in left_out and "4111" not in left_out
