"""A caller switches language mid-call through the real Unpod ``Session``.

The speech worker reports the recogniser's language on each utterance
(``UserTextEvent.extra["language"]``); the SDK's ``Session.run()`` passes it to
``stream(text, language=...)``. This loopback worker attaches a language to
each step, as a real one does.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

import superdialog
from superdialog.runtime.events import LanguageChanged

unpod_session = pytest.importorskip("unpod.connectivity.session")
unpod_protocol = pytest.importorskip("unpod._protocol")
superdialog_unpod = pytest.importorskip("superdialog_unpod")
unpod_testing = pytest.importorskip("superdialog_unpod.testing")

FLOW = superdialog.load(Path(__file__).parent / "flows" / "casa_luna.yaml")


class _SpeakingWorker(unpod_testing.LoopbackBridge):  # type: ignore[misc,name-defined]
    """The loopback worker, with the recogniser's language on each caller line."""

    def __init__(self, steps: list[tuple[str, str | None]]) -> None:
        super().__init__([text for text, _ in steps])
        self._languages = [lang for _, lang in steps]

    def _put(self, event: Any) -> None:
        if isinstance(event, unpod_protocol.UserTextEvent) and self._languages:
            lang = self._languages.pop(0)
            if lang is not None:
                event = unpod_protocol.UserTextEvent(text=event.text, extra={"language": lang})
        super()._put(event)


async def _call(steps: list[tuple[str, str | None]]) -> tuple[Any, superdialog.CallMachine]:
    bridge = _SpeakingWorker(steps)
    session = unpod_session.Session(bridge=bridge)
    machine = superdialog_unpod.attach(session, FLOW, trace=True)
    await machine.start()
    bridge.begin()
    await asyncio.wait_for(session.run(), 10)
    return bridge, machine


async def test_english_to_spanish_mid_booking_through_the_unpod_session() -> None:
    bridge, machine = await _call([("4", None), ("Ana García", "es-ES")])
    assert bridge.turns() == [
        "What name is the booking under?",
        "Una mesa para 4 a nombre de Ana García. ¡Hasta pronto!",
    ]
    assert [f.reason for f in bridge.terminal()] == ["completed"]
    assert [e.language for e in machine.trace if isinstance(e, LanguageChanged)] == ["es"]


async def test_english_to_hindi_and_a_transfer_announced_in_hindi() -> None:
    bridge, machine = await _call([("4", "en-IN"), ("मुझे किसी इंसान से बात करनी है", "hi-IN")])
    (transfer,) = bridge.terminal()
    assert (transfer.kind, transfer.target) == ("transfer", "host-stand")
    assert transfer.announcement == "एक कॉलर टेबल बुक करना चाहते हैं (हिंदी में)।"
    assert machine.language == "hi"
