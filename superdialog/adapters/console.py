"""A console host: talk to a flow in the terminal, with every effect shown.

``superdialog chat FLOW`` runs this. The console plays the part of the voice
platform: it prints each streamed chunk as it arrives (so you see the
streaming), and prints the control verbs the call sends (recording pause and
resume, transfers, the end reason). An empty line is silence; ``/quit`` hangs up.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

from superdialog.compile.flow import Flow
from superdialog.runtime.call import CallMachine
from superdialog.runtime.events import CallEvent, SlotFilled, SlotRejected, StateEntered

__all__ = ["ConsoleSession", "Effect", "run_console"]


@dataclass(frozen=True, slots=True)
class Effect:
    """One control verb the call sent to the host."""

    verb: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()


class _Recording:
    def __init__(self, session: ConsoleSession) -> None:
        self._s = session

    async def pause(self, reason: str = "") -> None:
        self._s.effect("recording.pause", reason)

    async def resume(self) -> None:
        self._s.effect("recording.resume")


@dataclass
class ConsoleSession:
    """A host session with the Unpod controls, printing (and recording) each verb."""

    out: TextIO | None = None
    data: dict[str, Any] = field(default_factory=dict)
    effects: list[Effect] = field(default_factory=list)
    recording: _Recording = field(init=False)
    color: bool = False

    def __post_init__(self) -> None:
        self.recording = _Recording(self)

    def effect(self, verb: str, *args: Any, **kwargs: Any) -> None:
        """Record a control verb and show it."""
        self.effects.append(Effect(verb, args, tuple(sorted(kwargs.items()))))
        if self.out is not None:
            shown = ", ".join([*(repr(a) for a in args),
                               *(f"{k}={v!r}" for k, v in kwargs.items() if v)])
            self.out.write(self._dim(f"  [{verb}({shown})]") + "\n")
            self.out.flush()

    def _dim(self, text: str) -> str:
        return f"\x1b[2m{text}\x1b[0m" if self.color else text

    async def say(self, text: str) -> None:
        """Speak outside a turn (the opening line)."""
        self.effects.append(Effect("say", (text,)))
        if self.out is not None:
            self.out.write(f"agent> {text}\n")
            self.out.flush()

    async def end(self, reason: str = "completed") -> None:
        """End the call."""
        self.effect("end", reason)

    async def transfer_to_human(self, queue: str, *, mode: str = "cold",
                                announcement: str = "") -> None:
        """Transfer to a human queue."""
        self.effect("transfer_to_human", queue, mode=mode, announcement=announcement)

    async def transfer_to_agent(self, agent_id: str, *, mode: str = "cold",
                                announcement: str = "") -> None:
        """Transfer to another agent."""
        self.effect("transfer_to_agent", agent_id, mode=mode, announcement=announcement)

    async def set_filler(self, text: str) -> None:
        """Filler phrase hint."""
        self.effect("set_filler", text)

    @property
    def terminal(self) -> list[Effect]:
        """The terminal verbs sent (a correct call has exactly one)."""
        return [e for e in self.effects
                if e.verb in ("end", "transfer_to_human", "transfer_to_agent")]


def _describe(event: CallEvent) -> str | None:
    if isinstance(event, StateEntered):
        return f"  · state {event.src or '∅'} → {event.dst} ({event.via})"
    if isinstance(event, SlotFilled):
        return f"  · slot {event.slot} = {event.shown}" + (" ✓" if event.confirmed else "")
    if isinstance(event, SlotRejected):
        return f"  · slot {event.slot} rejected: {event.reason} (attempt {event.attempt})"
    return None


async def _lines_from_stdin(prompt: str) -> AsyncIterator[str | None]:
    loop = asyncio.get_running_loop()
    while True:
        try:
            line = await loop.run_in_executor(None, lambda: input(prompt))
        except EOFError:
            yield None
            return
        yield line


async def _lines_from(lines: Iterable[str]) -> AsyncIterator[str | None]:
    for line in lines:
        yield line


async def run_console(
    flow: Flow,
    *,
    lines: Iterable[str] | None = None,
    out: TextIO | None = None,
    llm: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
    verbose: bool = True,
    echo_input: bool | None = None,
    on_machine: Callable[[CallMachine], None] | None = None,
) -> tuple[CallMachine, ConsoleSession]:
    """Run one call in the console; ``lines`` scripts the caller (else stdin).

    Returns the machine and the session (with every effect recorded).
    """
    out = out if out is not None else sys.stdout
    color = out.isatty() if hasattr(out, "isatty") else False
    session = ConsoleSession(out=out, data=dict(data or {}), color=color)
    machine = flow.build(session, llm=llm, trace=True)
    if on_machine is not None:
        on_machine(machine)
    if verbose:
        def show(event: CallEvent) -> None:
            text = _describe(event)
            if text is not None:
                out.write(session._dim(text) + "\n")
                out.flush()

        machine.on_event(show)
    await machine.start()
    scripted = lines is not None
    echo = scripted if echo_input is None else echo_input
    source = _lines_from(lines) if lines is not None else _lines_from_stdin("you> ")
    async for line in source:
        if machine.finished:
            break
        if line is None or line.strip() == "/quit":
            await machine.close()
            break
        if echo:
            out.write(f"you> {line}\n" if line.strip() else "you> (silence)\n")
        out.write("agent> ")
        out.flush()
        async for chunk in machine.stream(line):
            out.write(chunk)
            out.flush()
        out.write("\n")
        out.flush()
    if not machine.finished and scripted:
        await machine.close()
    return machine, session
