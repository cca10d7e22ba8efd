"""The process-wide registry says so when a name is registered twice by different code."""

from __future__ import annotations

import pytest

import superdialog
from superdialog.runtime.registry import registered_actions


def test_a_second_different_action_under_one_name_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    @superdialog.action("registry_twice_probe")
    def first() -> dict[str, int]:
        return {"n": 1}

    @superdialog.action("registry_twice_probe")
    def second() -> dict[str, int]:
        return {"n": 2}

    assert registered_actions()["registry_twice_probe"] is second
    assert "action 'registry_twice_probe' registered again" in caplog.text
    assert "first" in caplog.text and "second" in caplog.text


def test_the_same_function_registered_again_is_quiet(caplog: pytest.LogCaptureFixture) -> None:
    def make() -> object:
        def probe() -> None:
            return None

        return probe

    for _ in range(2):  # a module imported again defines the same function again
        superdialog.validator("registry_twice_quiet")(make())  # type: ignore[arg-type]
    assert "registered again" not in caplog.text
