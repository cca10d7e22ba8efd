"""Where conversation tests are played: the built-in host and the ones adapters add.

A test host plays one conversation of a ``*.test.yaml`` file against its flow
and fills in a ``Run`` (turn records cut by an ``Observer``). SuperDialog ships
``recording`` (the flow on a ``RecordingSession``: fast, no SDK; declared by our own
distribution like any other, so this registry imports no player). Each host
integration under ``adapters/`` may add its own — the Unpod adapter adds
``unpod``, which drives the call through the real SDK ``Session`` — by
declaring a ``TestHost`` under the ``superdialog.test_hosts`` entry-point
group of its distribution, so the core never imports a host SDK::

    [project.entry-points."superdialog.test_hosts"]
    unpod = "superdialog_unpod.testing.conversation_host:HOST"
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from superdialog.pii import get_logger

if TYPE_CHECKING:
    from superdialog.testing.conversation_runner import Run
    from superdialog.testing.conversation_spec import Conversation, LoadedTestFile

__all__ = ["ENTRY_POINT_GROUP", "KNOWN_HOSTS", "TestHost", "find_host", "test_hosts"]

log = get_logger("superdialog.testing")

ENTRY_POINT_GROUP = "superdialog.test_hosts"
"""The entry-point group a host integration declares its ``TestHost`` under."""

KNOWN_HOSTS: Mapping[str, str] = {
    "recording": "reinstall superdialog: its entry points are missing",
    "unpod": "pip install superdialog[unpod]",
}
"""Hosts SuperDialog's own adapters provide, with how to install each."""

Player = Callable[
    ["LoadedTestFile", "Conversation", "Run", Mapping[str, Any] | None], Awaitable[None]
]
"""``play(test, conversation, run, llm_overrides)``: play the call, record it in ``run``."""


@dataclass(frozen=True, slots=True)
class TestHost:
    """A place conversation tests can be played."""

    __test__ = False  # not a pytest test class

    name: str
    play: Player
    description: str = ""


@cache
def test_hosts() -> Mapping[str, TestHost]:
    """Every host declared by an installed distribution: ``recording`` (ours) and adapters'."""
    found: dict[str, TestHost] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            host = ep.load()
        except Exception as exc:  # a broken plugin must not break the other hosts
            log.warning("test host %r could not be loaded: %s", ep.name, type(exc).__name__)
            continue
        if isinstance(host, TestHost) and host.name == ep.name:
            found[host.name] = host
        else:
            log.warning("entry point %r is not a TestHost named %r", ep.value, ep.name)
    return found


test_hosts.__test__ = False  # type: ignore[attr-defined]


def find_host(name: str) -> TestHost | None:
    """The host called ``name``, or None when no installed adapter provides it."""
    return test_hosts().get(name)
