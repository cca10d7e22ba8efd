"""The Unpod session's controls as no-ops: what a host hands `flow.build` in our bench parts.

One definition for every part (and the cold-start child process, which imports nothing else
of the bench): the host's own cost is not what the bench measures.
"""

from __future__ import annotations

from typing import Any


class _Recording:
    async def pause(self, reason: str = "") -> None:
        pass

    async def resume(self) -> None:
        pass


class HostSession:
    """The Unpod session's controls as no-ops (what a host hands `flow.build`)."""

    __slots__ = ("data", "recording")

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.recording = _Recording()

    async def say(self, text: str) -> None:
        pass

    async def end(self, reason: str = "completed") -> None:
        pass

    async def transfer_to_human(self, queue: str, **kw: Any) -> None:
        pass

    async def transfer_to_agent(self, agent_id: str, **kw: Any) -> None:
        pass

    async def transfer(self, target: str, **kw: Any) -> None:
        pass
