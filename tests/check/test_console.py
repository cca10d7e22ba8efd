"""``superdialog chat``: errors with their message, the call ends the chat, the model notice."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import superdialog
from superdialog.cli.console import run_console

ERRORS = """\
flow: e
start: a
states:
  a: {say: "Hi", listen: true, next: b}
  b: {action: {call: nope}, next: c}
  c: {say: "done", end: completed}
"""


async def test_error_message_is_shown_and_the_chat_ends_with_the_call() -> None:
    flow = superdialog.loads(textwrap.dedent(ERRORS), "e.yaml")
    out = io.StringIO()
    lines = ["hello", "are you there?", "still there?"]
    machine, _ = await run_console(flow, lines=lines, out=out)
    text = out.getvalue()
    assert "! error in b: ActionError:" in text and "no action is bound to 'nope'" in text
    assert machine.finished
    assert "are you there?" not in text  # the call was over: no further line was read


async def test_llm_flow_without_endpoint_says_so_at_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    flow = superdialog.loads(
        "flow: t\nstart: a\nstates:\n  a: {say: Hi, llm: Talk., next: b}\n  b: {end: completed}\n",
        "t.yaml",
    )
    out = io.StringIO()
    await run_console(flow, lines=[], out=out)
    assert out.getvalue().startswith("  ! this flow has LLM states but no model endpoint")


async def test_a_call_that_ends_at_its_opening_reads_no_line() -> None:
    flow = superdialog.loads("flow: t\nstart: a\nstates:\n  a: {say: Closed., end: completed}\n")

    def lines() -> Iterator[str]:
        raise AssertionError("a line was read after the call ended")
        yield ""  # pragma: no cover - makes this a generator

    machine, _ = await run_console(flow, lines=lines(), out=io.StringIO())
    assert machine.finished


LEAKY_ACTION = """\
import superdialog


@superdialog.action("charge")
async def charge() -> dict[str, object]:
    raise superdialog.ActionError(
        "gateway 10.20.30.40 declined card 4111 1111 1111 1111 for jane.doe@example.com"
    )
"""


async def test_an_error_line_masks_what_the_logs_mask(tmp_path: Path) -> None:
    """``! error`` quotes the message: shaped like personal data, it is masked as in the logs."""
    (tmp_path / "leaky.py").write_text(LEAKY_ACTION, encoding="utf-8")
    flow_file = tmp_path / "leaky.yaml"
    flow_file.write_text(
        "flow: leaky\npython: [leaky.py]\nstart: a\nstates:\n"
        "  a: {say: Hi, listen: true, next: b}\n"
        "  b: {action: {call: charge}, next: c}\n"
        "  c: {say: done, end: completed}\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    await run_console(superdialog.load(flow_file), lines=["hello"], out=out)
    text = out.getvalue()
    assert "! error in b: ActionError:" in text and "declined card" in text
    for secret in ("4111", "10.20.30.40", "jane.doe@example.com"):
        assert secret not in text


async def test_control_and_direction_characters_are_shown_as_escapes() -> None:
    """ESC sequences and a right-to-left override were echoed raw: the terminal ran them."""
    flow = superdialog.loads(
        "flow: t\nslots:\n  n: {type: number}\nstart: a\nstates:\n"
        "  a: {collect: [n], next: b}\n  b: {say: 'got {{ slots.n }}', end: completed}\n",
        "t.yaml",
    )
    out = io.StringIO()
    lines = ["\x1b[Kgone", "\u202eevil\x00", "seven"]
    await run_console(flow, lines=lines, out=out)
    text = out.getvalue()
    assert "\x1b" not in text and "\u202e" not in text and "\x00" not in text
    assert "you> \\u001b[Kgone" in text and "you> \\u202eevil\\u0000" in text
    assert "agent> got 7" in text
