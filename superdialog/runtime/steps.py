"""Steps of a turn, and the one loop that relays what they say.

A turn's work is nested: the turn loop handles an utterance, which takes an
edge, which enters states, which run an action that says a holding line. Each
piece is an async generator that yields what to say. Written as nested
generators, every piece relays every chunk of every piece below it
(``async with aclosing(sub) as s: async for c in s: yield c``): the same three
lines at every call site, and one generator hop per level for every chunk.

Instead a step yields ``sub(other)`` to run ``other`` in its place and carry
on after it, and ``run`` drives the stack of open steps: chunks go straight
from the step that makes them to the host. The semantics are those of nested
generators, which the runtime's guarantees rely on:

* an exception raised in a sub-step is thrown into its parent at its
  ``yield sub(...)``, so ``try``/``except``/``finally`` around it work as
  written (the error path, effects settled in ``finally``);
* closing the run (a barge-in: the host cancels the pending chunk and closes
  the stream) closes every open step, innermost first, at once.

A sub-step cannot return a value (async generators cannot): a parent that
needs one passes an object for the sub-step to fill in.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

__all__ = ["Step", "Sub", "run", "sub"]


class Sub:
    """Run ``step`` here, then continue the step that yielded this."""

    __slots__ = ("step",)

    def __init__(self, step: AsyncGenerator[Any, None]) -> None:
        self.step = step


Step = AsyncGenerator["str | Sub", None]
"""A piece of a turn: yields text to say, or ``Sub`` to run another step in its place."""


def sub(step: AsyncGenerator[Any, None]) -> Sub:
    """Mark a step to run as part of the current one (``yield`` what this returns)."""
    return Sub(step)


async def run(top: Step) -> AsyncGenerator[str, None]:
    """Drive ``top`` and every step it runs; yield what they say, in order."""
    stack: list[AsyncGenerator[Any, None]] = [top]
    error: BaseException | None = None
    try:
        while stack:
            step = stack[-1]
            try:
                item = await (step.__anext__() if error is None else step.athrow(error))
            except StopAsyncIteration:
                stack.pop()
                error = None
                continue
            except BaseException as exc:  # the step failed: its parent gets the exception
                stack.pop()
                if not stack:
                    raise
                error = exc
                continue
            error = None
            if type(item) is str:
                yield item
            elif type(item) is Sub:
                stack.append(item.step)
            else:
                raise TypeError(f"a step yielded {type(item).__name__}, not text or sub()")
    finally:
        await _close(stack)


async def _close(stack: list[AsyncGenerator[Any, None]]) -> None:
    """Close the open steps innermost first (their ``finally`` blocks run), all of them."""
    first: BaseException | None = None
    while stack:
        try:
            await stack.pop().aclose()
        except BaseException as exc:  # keep closing the outer ones, then raise the first
            first = first or exc
    if first is not None:
        raise first
