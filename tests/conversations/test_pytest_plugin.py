"""``pytest flows/``: *.test.yaml files collected as one item per conversation."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

DENTAL = Path(__file__).resolve().parents[2] / "flows" / "dental_booking.yaml"

TESTS = f"""
flow: {DENTAL}
conversations:
  - name: declines
    turns:
      - {{user: "no", state: handoff, transfer: {{queue: front-desk}}}}
  - name: wrong on purpose
    turns:
      - {{user: "yes", state: handoff}}
  - name: later
    skip: not written yet
    turns: [{{silence: true}}]
"""


# the inner runs only need our plugin: leaving out the other auto-loaded ones
# keeps each in-process run (and its sys.modules snapshot) cheap
INNER = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:anyio",
         "-p", "no:asyncio")


def write(pytester: pytest.Pytester, name: str, text: str) -> None:
    (pytester.path / name).write_text(text, encoding="utf-8")


def test_each_conversation_is_a_test_item(pytester: pytest.Pytester) -> None:
    write(pytester, "calls.test.yaml", TESTS)
    pytester.makepyfile(test_plain="def test_ok():\n    assert True\n")
    result = pytester.runpytest_inprocess("-v", *INNER)
    result.assert_outcomes(passed=2, failed=1, skipped=1)
    result.stdout.fnmatch_lines([
        "*calls.test.yaml::declines PASSED*",
        "*calls.test.yaml::wrong on purpose FAILED*",
        "*calls.test.yaml::later SKIPPED*",
    ])
    # the failure is the runner's report, not a traceback
    out = result.stdout.str()
    assert "turn 1: state (calls.test.yaml:9:" in out
    assert "expected: handoff" in out and "got:      details" in out
    assert "transcript so far:" in out and "Traceback" not in out


def test_host_option_and_collection_errors(pytester: pytest.Pytester) -> None:
    pytest.importorskip("unpod.connectivity.session")
    write(pytester, "calls.test.yaml", TESTS)
    write(pytester, "broken.test.yaml",
          f"flow: {DENTAL}\nconversations:\n  - {{name: x, turns: [{{usr: hi}}]}}\n")
    result = pytester.runpytest_inprocess("-v", *INNER,
                                          "--continue-on-collection-errors",
                                          "--superdialog-host", "unpod")
    result.assert_outcomes(passed=1, failed=1, skipped=1, errors=1)
    result.stdout.fnmatch_lines(["*calls.test.yaml::declines ?unpod? PASSED*"])
    assert "broken.test.yaml:3:24: unknown key 'usr' (did you mean 'user'?)" in result.stdout.str()


def test_plain_files_are_left_alone(pytester: pytest.Pytester) -> None:
    write(pytester, "flow.yaml", "flow: x\n")
    write(pytester, "notes.test.txt", "hi")
    result = pytester.runpytest_inprocess(*INNER)
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_the_plugin_imports_nothing_heavy_until_a_test_file_is_collected() -> None:
    # every pytest run of every project with SuperDialog installed imports the plugin
    code = textwrap.dedent("""
        import sys
        import superdialog.testing.pytest_plugin
        heavy = [m for m in ("pydantic", "superdialog.testing.conversation_spec",
                             "superdialog.compile", "openai", "yaml") if m in sys.modules]
        print(heavy)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
