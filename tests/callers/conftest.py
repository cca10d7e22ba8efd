"""Shared pieces of the generated-caller tests: the example flows, effect checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_asyncio

from superdialog.llm import aclose_clients
from superdialog.testing.session import TERMINAL_VERBS

FLOWS = Path(__file__).resolve().parents[2] / "flows"


@pytest_asyncio.fixture(autouse=True)
async def _close_model_clients() -> AsyncIterator[None]:
    """A call of an LLM flow makes its model client at start(): close it with the loop."""
    yield
    await aclose_clients()


def effect_violations(session: Any, machine: Any) -> list[str]:
    """What a ``RecordingSession``'s verbs break of the call's contract (empty: none).

    Pauses and resumes alternate; at most one terminal verb, the last verb,
    never sent while paused; the recording is on when the call is over, and
    the machine agrees with the verbs about it.
    """
    bad: list[str] = []
    paused = False
    terminal = 0
    for i, effect in enumerate(session.effects):
        verb = effect.verb
        if terminal:
            bad.append(f"{i} {verb} after the terminal verb")
        if verb == "recording.pause":
            if paused:
                bad.append(f"{i} pause while paused")
            paused = True
        elif verb == "recording.resume":
            if not paused:
                bad.append(f"{i} resume while recording")
            paused = False
        elif verb in TERMINAL_VERBS:
            terminal += 1
            if paused:
                bad.append(f"{i} {verb} while paused")
    if paused and machine.finished:
        bad.append("the call is over and the recording still paused")
    if machine.recording_paused != paused:
        bad.append(f"the machine thinks paused={machine.recording_paused}, the verbs say {paused}")
    return bad
