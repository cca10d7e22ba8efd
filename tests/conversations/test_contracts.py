"""Rules every conversation is held to, whatever its test file says: PII and terminal verbs."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

from superdialog.runtime.events import Spoke
from superdialog.testing.conversation_check import Failure, check_run, transcript
from superdialog.testing.conversation_runner import Run, TurnRecord
from superdialog.testing.conversation_spec import load_test_file
from superdialog.testing.conversations import main
from superdialog.testing.frames import Frame

CARD = "4111111111111111"

LEAKY_FLOW = """
flow: leaky
python: [leaky_actions.py]
slots:
  card: {type: card_number, pii: true, mask: last4}
start: ask
states:
  ask: {pii: true, say: "Card please.", collect: [card], next: pay}
  pay:
    pii: true
    action: {call: leaky_echo_card, args: {card: "{{ slots.card }}"}, result: pay}
    next: done
  done: {say: "Charged the card {{ results.pay.card }}.", end: completed}
"""

ACTIONS = """
import superdialog

@superdialog.action("leaky_echo_card")
async def leaky_echo_card(card: str) -> dict[str, str]:
    return {"card": card}
"""


def test_a_flow_that_reads_a_pii_value_into_speech_is_masked_by_value(tmp_path: Path) -> None:
    """An action echoes the card and a line outside the PII state reads it: masked by value."""
    (tmp_path / "leaky.yaml").write_text(LEAKY_FLOW, encoding="utf-8")
    (tmp_path / "leaky_actions.py").write_text(ACTIONS, encoding="utf-8")
    (tmp_path / "leaky.test.yaml").write_text(textwrap.dedent("""
        flow: leaky.yaml
        conversations:
          - name: pays
            turns:
              - user: four one one one, one one one one, one one one one, one one one one
                agent: Charged the card ending in 1 1 1 1.
                end: completed
    """), encoding="utf-8")
    out = io.StringIO()
    assert main([str(tmp_path)], out=out) == 0, out.getvalue()
    assert CARD not in out.getvalue()
    assert out.getvalue().splitlines()[-1] == "1 passed, 0 failed"


def test_a_run_that_leaks_fails_the_pii_contract_and_the_report_stays_redacted(
    tmp_path: Path,
) -> None:
    (tmp_path / "leaky.yaml").write_text(LEAKY_FLOW, encoding="utf-8")
    (tmp_path / "leaky_actions.py").write_text(ACTIONS, encoding="utf-8")
    (tmp_path / "leaky.test.yaml").write_text(textwrap.dedent("""
        flow: leaky.yaml
        conversations:
          - name: pays
            turns: [{user: four one one one}]
    """), encoding="utf-8")
    test = load_test_file(tmp_path / "leaky.test.yaml")
    conv = test.spec.conversations[0]
    said = TurnRecord(1, "four one one one", True, [f"Charged the card {CARD}."], "done", {}, {},
                      False, events=[Spoke(f"Charged the card {CARD}.", "done")])
    run = Run("recording", turns=[said], outcome={"verb": "end", "reason": "completed"},
              finished=True, verbs=[Frame("end", reason="completed")],
              secrets={"card": {CARD}}, exposed={"the call trace": f"x {CARD} y"})
    failures = [f for f in check_run(test, 0, conv, run) if f.where == "contract: PII"]
    assert len(failures) == 1
    assert failures[0].expected == "no clear value of pii slot 'card' anywhere but the slot"
    assert failures[0].got == "found in the call trace, the agent's speech"
    lines = "\n".join(transcript(run))
    assert CARD not in lines  # the transcript of a leaking call is scrubbed too
    assert "agent: Charged the card [redacted]." in lines


def test_contract_checks_on_a_hand_made_run() -> None:
    flows = Path(__file__).resolve().parents[2] / "flows"
    test = load_test_file(flows / "dental_booking.test.yaml")
    conv = test.spec.conversations[0].model_copy(update={"turns": [], "start": None,
                                                          "outcome": None})
    opening = TurnRecord(0, None, False, ["Hi."], "greet", {}, {}, False)
    run = Run("recording", turns=[opening], outcome={"verb": "end", "reason": "completed"},
              finished=True, final_paused=False,
              verbs=[Frame("pause", reason="x"), Frame("pause", reason="x"),
                     Frame("end", reason="completed"), Frame("say", text="late"),
                     Frame("transfer", target="q", transfer_type="human")])
    failures = check_run(test, 0, conv, run)
    wheres = [f.where for f in failures]
    assert wheres.count("contract: one terminal verb") == 1
    assert "contract: nothing after the terminal verb" in wheres
    assert wheres.count("contract: recording") == 2  # paused twice, and left paused
    late = next(f for f in failures if f.where == "contract: nothing after the terminal verb")
    assert late.got == "say, transfer"
    assert isinstance(late, Failure) and late.turn is None


def test_caller_words_in_a_pii_state_never_reach_the_transcript() -> None:
    rec = TurnRecord(1, "my pin is 9876", True, ["Thanks."], "secure", {}, {}, True)
    other = TurnRecord(2, "it was 9876 I said", False, ["Okay."], "done", {}, {}, False)
    run = Run("recording", turns=[rec, other], secrets={"pin": {"9876"}})
    lines = "\n".join(transcript(run))
    assert "9876" not in lines
    assert "caller: [redacted]" in lines and "caller: it was [redacted] I said" in lines
