"""Flows written from the docs alone by a team new to SuperDialog, used as a user would.

``tests/fresh/flows/`` holds ten flows in domains the examples do not cover
(pharmacy refill, car-insurance first notice of loss, power outage, hotel
booking change, appointment reschedule/cancel, debt collection, a bilingual
survey with a message file, an IT helpdesk triage, a courier's parcel
redelivery, a vet clinic's triage line), each with its
conversation tests. Their ``*.test.yaml`` conversations are collected by the
pytest plugin as items of their own; here the same flows go through the other
entry points a user has: the ``superdialog`` command (``validate --deep``,
``test``, ``render`` to a real PNG with ``dot``) in a subprocess, and the
Python API (``load``, ``build``, ``diagram``, a call). The power-outage flow's
HTTP action is also played against a real local HTTP server.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

import superdialog
from superdialog.testing import RecordingSession
from superdialog.testing.conversations import run_file

HERE = Path(__file__).resolve().parent
FLOWS = HERE / "flows"
NOT_FLOWS = (".test.yaml", ".llm.yaml", ".es.yaml")
FLOW_FILES = sorted(p for p in FLOWS.glob("*.yaml") if not p.name.endswith(NOT_FLOWS))
TEST_FILES = sorted(FLOWS.glob("*.test.yaml"))
PNG = b"\x89PNG\r\n\x1a\n"


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The command as a user types it (``superdialog …``), from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "superdialog.cli", *map(str, args)],
        cwd=HERE.parent.parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_every_flow_has_its_conversations() -> None:
    assert len(FLOW_FILES) >= 8
    for flow in FLOW_FILES:
        assert flow.with_suffix(".test.yaml").exists(), flow


def test_validate_deep_accepts_every_file_without_warnings_but_the_endpoint_one() -> None:
    proc = _cli("validate", "--deep", FLOWS)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    ok = [line for line in proc.stdout.splitlines() if line.startswith("OK ")]
    # flows, the test files and the scripted model (the sub-flow is checked where it is used)
    assert len(ok) == len(FLOW_FILES) + len(TEST_FILES) + 1, proc.stdout
    assert "callback.yaml" not in proc.stdout
    warnings = [line for line in proc.stderr.splitlines() if ": warning: " in line]
    assert all("no model endpoint is configured" in w for w in warnings), warnings
    deep = [line for line in proc.stderr.splitlines() if line.startswith("deep: ")]
    assert deep and all(re.search(r"(\d+) of \1 states reached", d) for d in deep), deep


def test_the_test_command_passes_every_conversation_with_full_edge_coverage_report() -> None:
    proc = _cli("test", FLOWS, "--coverage")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    passed = int(last.split()[0])
    assert last == f"{passed} passed, 0 failed" and passed >= 45, last
    assert "FAIL" not in proc.stdout
    # every flow is reported, and no PII value ever reaches the report
    for flow in FLOW_FILES:
        assert f"coverage {flow.stem} " in proc.stdout, flow
    for secret in ("4242424242424242", "4000000000000002", "1961-03-14", "7788"):
        assert secret not in proc.stdout


@pytest.mark.parametrize(
    ("flow", "language", "command"),
    [
        ("debt_collection", None, "render"),
        ("survey", "es", "render"),
        ("power_outage", None, "diagram"),  # the Python API's word works too
    ],
)
def test_render_draws_a_png_with_dot(
    tmp_path: Path, flow: str, language: str | None, command: str
) -> None:
    out = tmp_path / f"{flow}.png"
    extra = ["--language", language] if language else []
    proc = _cli(command, FLOWS / f"{flow}.yaml", "-o", out, *extra)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = out.read_bytes()
    assert data.startswith(PNG) and len(data) > 20_000


@pytest.mark.parametrize("path", FLOW_FILES, ids=lambda p: p.stem)
def test_python_api_loads_builds_and_diagrams(path: Path, tmp_path: Path) -> None:
    flow = superdialog.load(path)
    assert flow.name == path.stem
    source = flow.diagram().source
    for state in flow.states:
        assert state.split(".")[-1] in source, state
    mermaid = flow.render(tmp_path / f"{path.stem}.mmd")  # text, no dot needed
    assert mermaid.read_text(encoding="utf-8").startswith(("flowchart", "%%", "---"))

    async def opening() -> str:
        session = RecordingSession()
        machine = flow.build(session)
        said = await machine.start()
        assert not machine.is_complete
        await machine.close()
        return said

    assert asyncio.run(opening()).strip()


@pytest.mark.parametrize("path", TEST_FILES, ids=lambda p: p.stem)
def test_run_file_passes(path: Path) -> None:
    result = run_file(path)
    assert not result.problems, result.problems
    statuses = {r.name: r.status for r in result.results}
    assert set(statuses.values()) == {"passed"}, statuses


# --------------------------------------------------------------- a real HTTP backend


class _Outages(BaseHTTPRequestHandler):
    """The outage map: 98101 has a known outage; the request is recorded."""

    seen: list[str] = []

    def do_GET(self) -> None:
        type(self).seen.append(self.path)
        query = parse_qs(urlsplit(self.path).query)
        known = query.get("zip") == ["98101"]
        body = json.dumps({"known": known, "restore_eta": "6 PM"}).encode()
        threading.Event().wait(0.4)  # slow enough for the holding line (after 0.2 s)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def outage_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Outages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_http_action_against_a_real_server(outage_api: str, tmp_path: Path) -> None:
    text = (FLOWS / "power_outage.yaml").read_text(encoding="utf-8")
    text = text.replace('api: "http://127.0.0.1:9"', f'api: "{outage_api}"')
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "callback.yaml").write_text(
        (FLOWS / "shared" / "callback.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "outage.yaml").write_text(text, encoding="utf-8")
    flow = superdialog.load(tmp_path / "outage.yaml")

    async def call() -> tuple[list[str], RecordingSession]:
        session = RecordingSession()
        machine = flow.build(session)
        said = [await machine.start()]
        for line in (
            "nine eight one zero one",
            "five five five two one two three four three four",
            "yes",
        ):
            said.append(await machine.turn(line))
        return said, session

    said, session = asyncio.run(call())
    assert "Let me check the outage map." in said[1]
    assert "Power should be back by 6 PM" in said[1]
    assert "we'll text five five five" in said[3].lower()
    assert session.verbs[-1] == "end" and session.effects[-1].args == ("known_outage",)
    assert any(p.startswith("/outages?") and "zip=98101" in p for p in _Outages.seen)


def test_a_folder_with_a_sub_flow_that_reads_the_using_flows_slots_validates(
    tmp_path: Path,
) -> None:
    # 'superdialog validate flows/' refused shared/bye.yaml on its own ("unknown slot
    # 'patient'"), though every flow using it loads and runs
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "bye.yaml").write_text(
        'flow: bye\nstart: b\nstates:\n  b: {say: "Goodbye {{ slots.patient }}.", '
        "end: completed}\n",
        encoding="utf-8",
    )
    (tmp_path / "main.yaml").write_text(
        "flow: main\nslots:\n  patient: {type: name}\nstart: a\nstates:\n"
        "  a: {collect: [patient], next: s}\n  s: {use: shared/bye.yaml, next: done}\n"
        "  done: {say: done, end: completed}\n",
        encoding="utf-8",
    )
    proc = _cli("validate", tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("OK ") == 1
    # named on its own, it is checked on its own (and is no flow by itself)
    alone = _cli("validate", tmp_path / "shared" / "bye.yaml")
    assert alone.returncode == 1 and "unknown slot 'patient'" in alone.stderr
    # flows that use each other in a circle are still checked, and refused, in a folder
    (tmp_path / "shared" / "bye.yaml").write_text(
        "flow: bye\nstart: b\nstates:\n  b: {use: ../main.yaml, next: c}\n"
        "  c: {say: bye, end: completed}\n",
        encoding="utf-8",
    )
    looped = _cli("validate", tmp_path)
    assert looped.returncode == 1 and "use each other in a circle" in looped.stderr
