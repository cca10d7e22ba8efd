"""LoopLocal: one resource per event loop, closed while that loop shuts down."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest

from superdialog._loop_local import LoopLocal


class Resource:
    made = 0

    def __init__(self) -> None:
        Resource.made += 1
        self.id = Resource.made
        self.closed_on: asyncio.AbstractEventLoop | None = None
        self.loop = asyncio.get_running_loop()


def _local(log: list[Resource]) -> LoopLocal[Resource]:
    async def close(r: Resource) -> None:
        await asyncio.sleep(0)  # closing may await: the loop still runs
        r.closed_on = asyncio.get_running_loop()
        log.append(r)

    return LoopLocal(Resource, close)


def test_one_resource_per_loop_closed_when_asyncio_run_ends() -> None:
    closed: list[Resource] = []
    local = _local(closed)

    async def main() -> Resource:
        first = local.get()
        assert local.get() is first
        assert await asyncio.create_task(_get(local)) is first  # other tasks, same loop
        return first

    a = asyncio.run(main())
    assert closed == [a] and a.closed_on is a.loop
    b = asyncio.run(main())
    assert b is not a and closed == [a, b] and b.closed_on is b.loop
    assert len(local) == 0


async def _get(local: LoopLocal[Resource]) -> Resource:
    return local.get()


def test_aclose_closes_now_and_the_next_get_makes_a_new_one() -> None:
    closed: list[Resource] = []
    local = _local(closed)

    async def main() -> None:
        assert local.peek() is None
        first = local.get()
        await local.aclose()
        assert closed == [first] and local.peek() is None
        await local.aclose()  # nothing to close: fine
        second = local.get()
        assert second is not first

    asyncio.run(main())
    assert len(closed) == 2


def test_the_entry_does_not_keep_its_loop_alive() -> None:
    closed: list[Resource] = []
    local = _local(closed)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(_get(local))
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()
    ref = weakref.ref(loop)
    assert len(closed) == 1
    del loop, closed[:]  # the test's own references (a Resource remembers its loop)
    gc.collect()
    assert ref() is None
    assert len(local) == 0


def test_a_loop_closed_without_shutdown_is_forgotten_on_the_next_get() -> None:
    closed: list[Resource] = []
    local = _local(closed)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(_get(local))
    loop.close()  # no shutdown_asyncgens: nothing could close the resource
    assert len(local) == 1
    asyncio.run(_get(local))
    assert len(local) == 0
    assert len(closed) == 1  # only the asyncio.run loop's resource


def test_needs_a_running_loop() -> None:
    with pytest.raises(RuntimeError):
        _local([]).get()
    assert _local([]).peek() is None


async def test_inside_a_pytest_loop() -> None:
    local = _local([])
    assert local.get() is local.get()
