"""A console host: talk to a flow in the terminal, with every effect shown.

``superdialog chat FLOW`` runs this. The console plays the part of the voice
platform: it prints each streamed chunk as it arrives (so you see the
streaming), and prints the control verbs the call sends (recording pause and
resume, transfers, the end reason). An empty line is silence; ``/quit`` hangs up.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Any, TextIO

from superdialog.flow import Flow
from superdialog.pii.logs import mask_shapes
from superdialog.runtime.call import CallMachine
from superdialog.runtime.events import (
    CallEvent,
    ErrorRaised,
    LanguageChanged,
    SlotCleared,
    SlotFilled,
    SlotRejected,
    StateEntered,
)
from superdialog.testing.session import RecordingSession

__all__ = ["ConsoleSession", "run_console"]


class ConsoleSession(RecordingSession):
    """A recording session that also prints each verb and the opening line."""

    def __init__(
        self, out: TextIO | None = None, data: dict[str, Any] | None = None, *, color: bool = False
    ) -> None:
        super().__init__(data=dict(data or {}))
        self.out = out
        self.color = color
        self.before_output: Callable[[], None] = lambda: None

    def _dim(self, text: str) -> str:
        return f"\x1b[2m{text}\x1b[0m" if self.color else text

    def shown(self, verb: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """Print a verb as it is sent (the opening line as speech)."""
        if self.out is None:
            return
        self.before_output()
        if verb == "say":
            self.out.write(f"agent> {shown_text(str(args[0]))}\n")
        else:
            text = ", ".join(
                [*(repr(a) for a in args), *(f"{k}={v!r}" for k, v in kwargs.items() if v)]
            )
            self.out.write(self._dim(f"  [{verb}({text})]") + "\n")
        self.out.flush()


def _describe(event: CallEvent) -> str | None:
    if isinstance(event, StateEntered):
        return f"  · state {event.src or '∅'} → {event.dst} ({event.via})"
    if isinstance(event, SlotFilled):
        return f"  · slot {event.slot} = {event.shown}" + (" ✓" if event.confirmed else "")
    if isinstance(event, SlotCleared):
        return f"  · slot {event.slot} cleared"
    if isinstance(event, SlotRejected):
        return f"  · slot {event.slot} rejected: {event.reason} (attempt {event.attempt})"
    if isinstance(event, LanguageChanged):
        return f"  · language {event.previous} → {event.language}"
    if isinstance(event, ErrorRaised):  # the message, not only the type: what to fix
        # masked like a log line: an action's own error text may quote a card or an address
        return f"  ! error in {event.state}: {event.error}: {mask_shapes(event.message)}"
    return None


_UNSHOWN = {
    c: f"\\u{c:04x}"
    for c in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0), 0x200E, 0x200F, 0x061C)
}
_UNSHOWN.update({c: f"\\u{c:04x}" for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))})


def shown_text(text: str) -> str:
    """Text as the terminal may print it: control and direction characters as escapes.

    A scripted or typed line (or a reply) holding ESC sequences or a
    right-to-left override was echoed raw: the terminal ran the escapes and
    drew the rest of the line reversed.
    """
    return text.translate(_UNSHOWN)


def _break_line(out: TextIO, state: dict[str, bool]) -> None:
    if state["speaking"]:
        out.write("\n")
        state["speaking"] = False


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


def _endpoint_notice(flow: Flow, llm: Mapping[str, Any] | None) -> str | None:
    """Say at once when LLM states have no model to call, instead of failing the first turn."""
    if llm and (llm.get("base_url") or llm.get("api_key")):
        return None
    from superdialog.cli.validate import endpoint_problem  # lazy: only chat needs it

    return endpoint_problem(flow)


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
    language: str | None = None,
) -> tuple[CallMachine, ConsoleSession]:
    """Run one call in the console; ``lines`` scripts the caller (else stdin).

    ``language`` is reported with every line, as a speech recogniser would;
    a ``/language CODE`` line changes it for the lines after.

    Returns the machine and the session (with every effect recorded).
    """
    out = out if out is not None else sys.stdout
    color = out.isatty() if hasattr(out, "isatty") else False
    session = ConsoleSession(out=out, data=dict(data or {}), color=color)
    state = {"speaking": False}
    session.before_output = lambda: _break_line(out, state)
    machine = flow.build(session, llm=llm, trace=True)
    if on_machine is not None:
        on_machine(machine)
    notice = _endpoint_notice(flow, llm)
    if notice is not None:
        out.write(session._dim(f"  ! {notice}") + "\n")
    if verbose:

        def show(event: CallEvent) -> None:
            text = _describe(event)
            if text is not None:
                _break_line(out, state)
                out.write(session._dim(shown_text(text)) + "\n")
                out.flush()

        machine.on_event(show)
    # a log record ends the agent's half-written line first, so it never lands inside it
    breaker = _LineBreaker(lambda: _break_line(out, state))
    handlers = [*logging.getLogger().handlers, logging.lastResort]
    live = [h for h in handlers if h is not None]
    for handler in live:  # handler filters see records of every logger (logger ones do not)
        handler.addFilter(breaker)
    try:
        await _converse(machine, session, out, state, lines, echo_input, language)
    finally:
        for handler in live:
            handler.removeFilter(breaker)
    return machine, session


class _LineBreaker(logging.Filter):
    """Lets every record through, after ending the line the agent is speaking on."""

    def __init__(self, before: Callable[[], None]) -> None:
        super().__init__()
        self.before = before

    def filter(self, record: logging.LogRecord) -> bool:
        self.before()
        return True


async def _converse(
    machine: CallMachine,
    session: ConsoleSession,
    out: TextIO,
    state: dict[str, bool],
    lines: Iterable[str] | None,
    echo_input: bool | None,
    language: str | None = None,
) -> None:
    """Start the call and relay caller lines until it ends (or the lines run out)."""
    await machine.start()
    if machine.finished:  # the opening ended the call: read nothing
        return
    scripted = lines is not None
    echo = scripted if echo_input is None else echo_input
    source = _lines_from(lines) if lines is not None else _lines_from_stdin("you> ")
    async for line in source:
        if machine.finished:
            break
        if line is None or line.strip() == "/quit":
            await machine.close()
            break
        if line.startswith("/language"):  # what the recogniser reports from now on
            language = line.removeprefix("/language").strip() or None
            continue
        if echo:
            shown = line if line.strip() else "(silence)"
            if machine.current.pii and line.strip():
                shown = "[redacted: PII state, recording paused]"
            out.write(f"you> {shown_text(shown)}\n")
        async for chunk in machine.stream(line, language=language):
            chunk = shown_text(chunk)
            out.write(chunk if state["speaking"] else "agent> " + chunk.lstrip())
            state["speaking"] = True
            out.flush()
        if state["speaking"]:
            out.write("\n")
        state["speaking"] = False
        out.flush()
        if machine.finished:  # the call ended this turn: do not wait for another line
            break
    if not machine.finished and scripted:
        await machine.close()
