"""The conversation-test runner itself: reports, failures, contracts, JUnit, coverage, CLI."""

from __future__ import annotations

import io
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from superdialog.testing.conversations import main

ROOT = Path(__file__).resolve().parents[2]
FLOWS = ROOT / "flows"
DENTAL = FLOWS / "dental_booking.yaml"

# The dental flow up to the card deposit (the PII state).
TO_DEPOSIT = """
              - {user: "yes"}
              - {user: Jane Doe}
              - {user: january fifteenth twenty thirty}
              - {user: "yes"}
              - {user: ten am}
              - {user: five five five one two oh four four seven eight}
              - {user: "yes"}"""


def run(tmp_path: Path, body: str, *args: str, name: str = "t.test.yaml", **kw: object
        ) -> tuple[int, str]:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    out = io.StringIO()
    code = main([str(path), *args], out=out, **kw)  # type: ignore[arg-type]
    return code, out.getvalue()


def test_example_flows_pass_with_full_coverage() -> None:
    out = io.StringIO()
    assert main([str(FLOWS)], coverage=True, out=out) == 0
    text = out.getvalue()
    lines = text.splitlines()
    assert lines[-1].endswith(" passed, 0 failed")
    assert int(lines[-1].split()[0]) >= 30
    assert all(line.startswith("PASS ") for line in lines if line[:4] in ("PASS", "FAIL"))
    for flow in ("dental_booking", "lost_card", "support_triage", "table_booking"):
        cov = next(line for line in lines if line.startswith(f"coverage {flow} "))
        states, edges = cov.split("states ")[1].split(", edges ")
        assert states.split("/")[0] == states.split("/")[1], cov
        assert edges.split("/")[0] == edges.split("/")[1], cov
    # digressions and the flow-wide "never mind" are any-time moves, counted once each
    table = lines[lines.index(next(x for x in lines if x.startswith("coverage table_booking"))) + 1]
    assert "call faq_hours (call:hours)" in table and "return from faq_hours" in table
    assert "flow on_cancel → anything_else" in table


@pytest.mark.parametrize("flow", ["dental_booking", "support_triage"])
def test_example_flows_pass_through_the_real_unpod_session(flow: str) -> None:
    pytest.importorskip("unpod.connectivity.session")
    out = io.StringIO()
    assert main([str(FLOWS / f"{flow}.yaml")], host="unpod", out=out) == 0, out.getvalue()
    assert "[unpod]" in out.getvalue()


def test_a_broken_expectation_shows_what_happened_and_the_redacted_transcript(
    tmp_path: Path,
) -> None:
    code, out = run(tmp_path, f"""
        flow: {DENTAL}
        conversations:
          - name: wrong state after the email
            turns:{TO_DEPOSIT}
              - user: jane at example dot com
                state: deposit
              - user: four two four two four two four two four two four two four two four two
                state: charge
                agent: Thanks
          - name: fine
            turns:
              - {{user: "no", transfer: {{queue: front-desk}}}}
    """)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("FAIL ") and lines[0].split("::")[1].startswith("wrong state")
    failure = out[out.index("turn 9: state"):]
    assert failure.startswith(f"turn 9: state ({tmp_path / 't.test.yaml'}:16:16)")
    assert "expected: charge\n    got:      booked" in failure
    assert 'turn 9: agent' in failure and '"You\'re all set, Jane Doe' in failure
    # the transcript so far: what the agent said, the state changes, PII masked
    assert "transcript so far:" in out
    assert "caller: jane at example dot com" in out
    assert "recording paused (card-deposit)" in out
    assert "caller: [redacted]" in out
    assert "slot card_number = •••• 4242" in out
    assert "four two four two four" not in out and "4242424242424242" not in out
    assert any(line.startswith("PASS ") and line.split("::")[1].startswith("fine")
               for line in lines)
    assert lines[-1] == "1 passed, 1 failed"


def test_only_the_first_failing_turn_is_reported(tmp_path: Path) -> None:
    code, out = run(tmp_path, f"""
        flow: {DENTAL}
        conversations:
          - name: two bad turns
            turns:
              - {{user: "yes", state: greet}}
              - {{user: Jane Doe, state: nowhere_near}}
    """)
    assert code == 1  # the unknown state is a load error, reported with a hint
    assert "unknown state 'nowhere_near'" in out


def test_failures_after_the_call_ended_and_outcome(tmp_path: Path) -> None:
    code, out = run(tmp_path, f"""
        flow: {DENTAL}
        conversations:
          - name: talks after the transfer
            turns:
              - {{user: "no"}}
              - {{user: "hello?"}}
          - name: wrong outcome
            turns:
              - {{user: "no"}}
            outcome: {{end: completed, llm_calls: 0}}
          - name: wrong transfer
            turns:
              - user: "no"
                transfer: {{queue: front-desk, mode: warm}}
    """)
    assert code == 1
    assert "turn 2 (" in out
    assert ("got:      the call was over after turn 1 (transfer to human queue "
            "'front-desk' (cold))") in out
    assert "outcome: end" in out and "expected: end(completed)" in out
    assert "transfer to human queue 'front-desk', warm" in out
    assert out.splitlines()[-1] == "0 passed, 3 failed"


def test_recording_expectations_name_the_verbs(tmp_path: Path) -> None:
    code, out = run(tmp_path, f"""
        flow: {DENTAL}
        conversations:
          - name: says resumed where it paused
            turns:{TO_DEPOSIT}
              - user: jane at example dot com
                recording: resumed
    """)
    assert code == 1
    assert "expected: resumed\n    got:      paused (verbs this turn: pause; paused now: True)" \
        in out


def test_barge_in_that_never_happens_is_a_failure(tmp_path: Path) -> None:
    code, out = run(tmp_path, f"""
        flow: {DENTAL}
        conversations:
          - name: barges in too late
            turns:
              - user: "yes"
                barge_in: {{after_chunks: 5}}
    """)
    assert code == 1
    assert "a barge-in after 5 chunk(s)" in out and "the reply had only 1 chunk(s)" in out


def test_slot_expectations_cover_typed_masked_unset_and_patterns(tmp_path: Path) -> None:
    code, out = run(tmp_path, f"""
        flow: {DENTAL}
        conversations:
          - name: slots
            turns:{TO_DEPOSIT}
              - user: jane at example dot com
                slots:
                  wants_booking: true
                  visit_date: 2030-01-15
                  visit_time: 10:00
                  phone: "+15551204478"
                  email: {{re: "@example\\\\.com$"}}
                  card_number: null
              - user: four two four two four two four two four two four two four two four two
                slots: {{card_number: "•••• 4242"}}
            outcome:
              slots: {{card_number: "4242424242424242", visit_time: "10:00:00"}}
    """)
    assert code == 0, out
    code, out = run(tmp_path, f"""
        flow: {DENTAL}
        conversations:
          - name: wrong card
            turns:{TO_DEPOSIT}
              - user: jane at example dot com
              - user: four two four two four two four two four two four two four two four two
                slots: {{card_number: "4000000000000002"}}
    """, name="u.test.yaml")
    assert code == 1
    assert "expected: 4000000000000002\n    got:      •••• 4242" in out
    assert "4242424242424242" not in out


def test_skips_are_counted(tmp_path: Path) -> None:
    code, out = run(tmp_path, f"""
        flow: {DENTAL}
        conversations:
          - {{name: not yet, skip: waiting for the new calendar, turns: [{{user: "yes"}}]}}
          - {{name: runs, turns: [{{user: "yes", state: details}}]}}
    """)
    assert code == 0
    assert "SKIP" in out and "(waiting for the new calendar)" in out
    assert out.splitlines()[-1] == "1 passed, 0 failed, 1 skipped"


def test_both_hosts_play_the_same_conversation(tmp_path: Path) -> None:
    pytest.importorskip("unpod.connectivity.session")
    code, out = run(tmp_path, f"""
        flow: {DENTAL}
        host: [recording, unpod]
        conversations:
          - name: declines
            turns:
              - {{user: "no", transfer: {{queue: front-desk}}, state: handoff}}
            outcome: {{transfer: {{queue: front-desk}}}}
    """)
    assert code == 0, out
    assert "::declines [recording]" in out and "::declines [unpod]" in out


def test_junit_report(tmp_path: Path) -> None:
    junit = tmp_path / "out" / "junit.xml"
    code, _ = run(tmp_path, f"""
        flow: {DENTAL}
        conversations:
          - {{name: ok, turns: [{{user: "yes", state: details}}]}}
          - {{name: bad, turns: [{{user: "yes", state: handoff}}]}}
          - {{name: later, skip: true, turns: [{{user: "yes"}}]}}
    """, junit=str(junit))
    assert code == 1
    root = ET.parse(junit).getroot()
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("3", "1", "1")
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert cases["ok"].find("failure") is None
    assert cases["ok"].get("classname") == "dental_booking"
    failure = cases["bad"].find("failure")
    assert failure is not None and "expected handoff" in (failure.get("message") or "")
    assert "got:      details" in (failure.text or "")
    assert cases["later"].find("skipped") is not None


def test_coverage_lists_what_was_never_visited(tmp_path: Path) -> None:
    code, out = run(tmp_path, f"""
        flow: {DENTAL}
        conversations:
          - {{name: declines, turns: [{{user: "no"}}]}}
    """, coverage=True)
    assert code == 0
    cov = [line for line in out.splitlines()
           if line.startswith("coverage ") or line.startswith("  ")]
    assert cov[0].startswith("coverage dental_booking (") and "states 2/14, edges 1/14" in cov[0]
    assert any(line.startswith("  unvisited states: details, check_calendar") for line in cov)
    assert any("greet->details (if)" in line for line in cov)
    assert any("never taken: global:goodbye, global:human, global:start_over" in line
               for line in cov)


def test_load_errors_are_located_with_hints(tmp_path: Path) -> None:
    code, out = run(tmp_path, f"""
        flow: {DENTAL}
        conversations:
          - name: typos
            turns:
              - user: "yes"
                stat: details
              - user: yes
              - {{user: Jane Doe, state: detials, slots: {{patient_nam: Jane}}}}
              - {{user: x, transfer: {{queue: front-dsk}}, end: complete}}
    """)
    assert code == 1
    path = tmp_path / "t.test.yaml"
    assert f"{path}:7:9: unknown key 'stat' (did you mean 'state'?)" in out
    assert f"{path}:8:15: conversations.0.turns.1.user: YAML reads an unquoted yes" in out
    assert "user: \"yes\"" in out
    assert out.splitlines()[-1] == "0 passed, 1 failed"
    # with the shape fixed, names are checked against the flow
    code, out = run(tmp_path, f"""
        flow: {DENTAL}
        conversations:
          - name: typos
            turns:
              - {{user: Jane Doe, state: detials, slots: {{patient_nam: Jane}}}}
              - {{user: x, transfer: {{queue: front-dsk}}}}
              - {{user: y, end: complete}}
    """, name="v.test.yaml")
    assert "unknown state 'detials' (did you mean 'details'?)" in out
    assert "unknown slot 'patient_nam' (did you mean 'patient_name'?)" in out
    assert "unknown transfer queue 'front-dsk' (did you mean 'front-desk'?)" in out
    assert "unknown end reason 'complete' (did you mean 'completed'?)" in out
    assert f"{tmp_path / 'v.test.yaml'}:6:33: unknown state 'detials'" in out


def test_missing_flow_and_bad_paths(tmp_path: Path) -> None:
    (tmp_path / "real.yaml").write_text("flow: x\n", encoding="utf-8")
    code, out = run(tmp_path, """
        flow: reel.yaml
        conversations: [{name: a, turns: [{silence: true}]}]
    """)
    assert code == 1 and "no flow file 'reel.yaml' next to this test file" in out
    assert "did you mean 'real.yaml'?" in out
    out_io = io.StringIO()
    assert main([str(tmp_path / "nope")], out=out_io) == 2
    assert "no such file or directory" in out_io.getvalue()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main([str(empty)], out=io.StringIO()) == 2
    assert main([str(FLOWS)], host="skype", out=io.StringIO()) == 2


def test_cli_runs_the_tests_beside_a_flow(capsys: pytest.CaptureFixture[str]) -> None:
    from superdialog.cli import main as cli

    assert cli(["test", str(FLOWS / "support_triage.yaml")]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.endswith(" passed, 0 failed")


def test_a_hung_call_times_out_and_the_next_conversation_still_runs(tmp_path: Path) -> None:
    code, out = run(tmp_path, f"""
        flow: {FLOWS / "support_triage.yaml"}
        timeout: 0.3
        conversations:
          - name: the model hangs
            llm:
              rules: [{{state: triage, fault: hang}}]
              config: {{first_token_timeout_s: 10}}
            turns:
              - {{user: something odd, state: human_queue}}
          - name: next
            turns:
              - {{user: my bill is wrong, transfer: {{agent: billing-assistant}}}}
    """)
    assert code == 1
    assert "got:      timed out after 0.3s in state triage" in out
    assert "caller: something odd [cut short]" in out
    assert "turn 1: state" not in out  # the cut-short turn is not judged
    assert out.splitlines()[-1] == "1 passed, 1 failed"


def test_shared_model_rules_come_after_a_conversation_s_own(tmp_path: Path) -> None:
    code, out = run(tmp_path, f"""
        flow: {FLOWS / "support_triage.yaml"}
        llm:
          default: Tell me more, please.
          rules:
            - {{state: triage, user: "router", reply: "Shared rule.", goto: tech_check}}
        conversations:
          - name: own rule first
            llm: [{{state: triage, user: "router", reply: "Own rule.", goto: human_queue}}]
            turns:
              - {{user: my router blinks, agent: Own rule., state: human_queue}}
          - name: shared rule and default
            turns:
              - {{user: hmm, agent: "Tell me more, please.", state: triage, llm_calls: 1}}
              - {{user: my router blinks, agent: Shared rule., state: tech_check}}
    """)
    assert code == 0, out


def test_validate_checks_test_files_as_tests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `superdialog validate flows/*.yaml` (the README's command) also matches the
    # *.test.yaml files: they are checked as conversation tests, not as flows
    from superdialog.cli import main as cli

    assert cli(["validate", str(FLOWS / "dental_booking.test.yaml")]) == 0
    assert "conversation tests of flow 'dental_booking'" in capsys.readouterr().out
    bad = tmp_path / "bad.test.yaml"
    bad.write_text(f"flow: {DENTAL}\nconversations:\n  - {{name: x, turns: [{{usr: hi}}]}}\n")
    assert cli(["validate", str(bad)]) == 1
    assert "unknown key 'usr' (did you mean 'user'?)" in capsys.readouterr().err


def test_numeric_caller_lines_are_taken_as_written(tmp_path: Path) -> None:
    # YAML 1.1 reads 10:30 as 630; the caller said "10:30"
    code, out = run(tmp_path, f"""
        flow: {DENTAL}
        conversations:
          - name: numbers
            turns:
              - {{user: "yes"}}
              - {{user: Jane Doe}}
              - {{user: january fifteenth twenty thirty}}
              - {{user: "yes"}}
              - user: 10:30
                slots: {{visit_time: 10:30}}
              - {{user: 5551204478, agent: "five five five, one two zero, four four seven eight"}}
    """, verbose=True)
    assert code == 0, out
    assert "caller: 10:30" in out
