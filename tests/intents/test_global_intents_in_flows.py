"""Built-in intents in a real flow, through the conversation-test runner.

``flows/dental_booking.yaml`` checks its global intents before a state's own
parsing. "agent please" at a yes/no question used to miss ``human`` and be read
by the yes/no parser as "yes please": the call booked instead of transferring.
"""

from __future__ import annotations

import io
from pathlib import Path

from superdialog.testing.conversations import main

DENTAL = Path(__file__).resolve().parents[2] / "flows" / "dental_booking.yaml"

CONVERSATIONS = f"""
flow: {DENTAL}
conversations:
  - name: agent please at the opening yes/no question transfers
    turns:
      - {{user: agent please, state: handoff, transfer: {{queue: front-desk}}}}

  - name: agent please at the date confirmation transfers, nothing confirmed
    turns:
      - {{user: "yes", state: details}}
      - {{user: Jane Doe}}
      - user: january fifteenth twenty thirty
        agent: Is that right?
      - user: "Agent, please."
        state: handoff
        transfer: {{queue: front-desk}}
    outcome:
      slots: {{wants_booking: true, patient_name: Jane Doe}}

  - name: a caller who does not want a person keeps booking
    turns:
      - {{user: "yes", state: details}}
      - {{user: "I don't want a human, I want a check-up", state: details}}
      - {{user: no need for an agent, state: details}}

  - name: a real question that starts with sorry is not a repeat
    turns:
      - {{user: "yes", state: details}}
      - user: sorry, what time do you close
        agent: full name again
        state: details

  - name: goodbye inside an answer does not hang up
    turns:
      - {{user: "yes", state: details}}
      - {{user: Jane Doe}}
      - user: goodbye tuesday is fine
        state: details
        agent_not: [Thanks for calling]
"""


def test_global_intents_in_the_dental_flow(tmp_path: Path) -> None:
    path = tmp_path / "dental_intents.test.yaml"
    path.write_text(CONVERSATIONS, encoding="utf-8")
    out = io.StringIO()
    code = main([str(path)], out=out)
    assert code == 0, out.getvalue()
