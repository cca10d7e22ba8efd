"""``wait:`` and ``silence:`` in conversation tests, played the same on every host.

On the ``recording`` host the test host says when it listens; on ``unpod`` the
loopback worker's ``state`` events do, through the real ``Session``. Either
way the call's clock runs on virtual time: these conversations wait minutes
and take milliseconds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from superdialog.testing.conversations import run_file

pytest.importorskip("unpod.connectivity.session")

FLOW = """
flow: waits
start: ask
slots:
  age: {type: number, min: 1, max: 120, prompt: "How old are you?"}
  card: {type: digits, pii: true, min_length: 4, max_length: 4, prompt: "The last four digits?"}
  callback: {type: phone, prompt: "Which number should we call?"}
global:
  - {intent: human, goto: desk}
states:
  ask: {collect: [age], next: card}
  card: {pii: true, collect: [card], next: number, no_input_timeout: 12}
  number: {collect: [callback], next: ring}
  ring: {say: "Connecting you.", transfer: {number: "{{ slots.callback }}", mode: warm}}
  desk: {say: "One moment.", transfer: {number: "+14155550100"}}
limits: {no_input: 3, no_input_timeout: 5, max_duration: 30}
"""

TESTS = """
flow: waits.yaml
host: [recording, unpod]
conversations:
  - name: silence is re-asked, then no_response
    turns:
      - {wait: 5s, agent: "didn't hear anything", state: ask}
      - {wait: 4.9s, agent_not: "didn't hear"}
      - {wait: 100ms, agent: "How old are you?"}
      - {silence: true, end: no_response, agent: "haven't heard from you"}
    outcome: {end: no_response}
  - name: the card state waits longer, inside the pause
    turns:
      - {user: "forty two", state: card, recording_paused: true}
      - {wait: 11s, agent_not: "didn't hear"}
      - {wait: 1s, agent: "The last four digits?", recording_paused: true}
      - {user: "one two three four", state: number, recording_paused: false}
  - name: max_duration with nobody speaking
    turns:
      - {user: "forty two"}
      - {wait: 2m, end: max_duration, agent: "run out of time"}
    outcome: {end: max_duration}
  - name: a number from a slot, warm
    turns:
      - {user: "forty two"}
      - {user: "one two three four"}
      - {user: "+1 415 555 0100", transfer: {number: "+14155550100", mode: warm}}
    outcome: {transfer: {number: "+14155550100", mode: warm}}
  - name: a fixed number from a global intent
    turns:
      - {user: "a human please", transfer: {number: "+14155550100", mode: cold}}
"""

WRONG = """
flow: waits.yaml
host: [recording, unpod]
conversations:
  - name: expects another number
    turns:
      - {user: "a human please", transfer: {number: "+14155550199"}}
  - name: expects another mode
    turns:
      - {user: "a human please", transfer: {number: "+14155550100", mode: warm}}
"""


def test_wait_and_silence_play_the_same_on_every_host(tmp_path: Path) -> None:
    (tmp_path / "waits.yaml").write_text(FLOW, encoding="utf-8")
    path = tmp_path / "waits.test.yaml"
    path.write_text(TESTS, encoding="utf-8")
    result = run_file(path)
    assert not result.problems, result.problems
    verdicts = {(r.name, r.host): (r.status, [str(f) for f in r.failures]) for r in result.results}
    assert len(verdicts) == 10
    assert all(v == ("passed", []) for v in verdicts.values()), verdicts
    for r in result.results:
        assert r.run is not None and r.run.elapsed_s < 5  # minutes of silence, no sleeping


def test_a_number_transfer_is_checked_as_a_number(tmp_path: Path) -> None:
    # an expectation that cannot fail checks nothing: a wrong number or mode fails
    (tmp_path / "waits.yaml").write_text(FLOW, encoding="utf-8")
    path = tmp_path / "wrong.test.yaml"
    path.write_text(WRONG, encoding="utf-8")
    result = run_file(path)
    assert not result.problems, result.problems
    assert len(result.results) == 4
    for r in result.results:
        assert r.status == "failed", (r.name, r.host)
        assert "transfer to number '+14155550100' (cold)" in "\n".join(
            str(f) for f in r.failures), r.failures
