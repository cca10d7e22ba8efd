"""A test report's event lines mask what is shaped like personal data, as the logs do.

An action's own error text can quote what it was given (a card, an address); the report of
a failing conversation printed it in clear.
"""

from __future__ import annotations

from superdialog.runtime.events import ActionFinished, ErrorRaised
from superdialog.testing.conversation_check import _event_line

CARD = "4111 1111 1111 1111"
IP = "203.0.113.77"


def test_error_and_action_lines_mask_personal_data() -> None:
    lines = [
        _event_line(ErrorRaised("charge", "ActionError", f"card {CARD} declined from {IP}")),
        _event_line(ActionFinished("charge", False, 3.0, "charge", f"declined: {CARD}")),
    ]
    for line in lines:
        assert line is not None and "charge" in line
        assert CARD not in line and "1111" not in line and IP not in line
