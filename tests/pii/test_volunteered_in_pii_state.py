"""A PII value said inside a PII state is a secret even when a plain slot takes the words."""

from __future__ import annotations

import json

import superdialog
from superdialog.testing.session import RecordingSession

FLOW = """
flow: zip_then_account
start: zip
slots:
  zip: {type: postal_code, confirm: true, prompt: Your ZIP code?}
  account: {type: digits, pii: true, min_length: 9, max_length: 9, prompt: Your account?}
states:
  zip:
    pii: true
    collect: [zip]
    next: account
  account:
    collect: [account]
    next: done
  done: {say: Thanks., end: completed}
"""


async def test_an_account_said_at_a_zip_read_back_in_a_pii_state_is_masked() -> None:
    m = superdialog.loads(FLOW, "z.yaml").build(RecordingSession(), trace=True)
    await m.start()
    await m.turn("nine oh two one oh")
    await m.turn("oh and the account is nine five two eight five four oh eight six by the way")
    shown = json.dumps(m.snapshot(), default=str) + repr(list(m.trace))
    flat = "".join(ch for ch in shown if ch.isdigit() or ch == " ")
    assert "952854086" not in flat.replace(" ", "")
    assert "95285-4086" not in shown
