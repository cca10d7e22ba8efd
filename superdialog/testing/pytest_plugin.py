"""Pytest fixtures for testing flows against the scripted LLM server, and ``*.test.yaml`` items.

Registered through the ``pytest11`` entry point, so any project with
SuperDialog installed gets them::

    async def test_booking(llm_server, llm_config):
        llm_server.add_rule(state="triage", user="book", reply="Sure.", goto="details")
        ...  # run the flow with llm_config, then assert on llm_server.requests

This module is imported by every pytest run of such a project, so it imports
nothing heavy at module level and works without pytest-asyncio (the server then
runs in its own thread, which serves async and sync tests alike).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from superdialog.llm import LLMConfig  # lazy: every pytest run loads the plugin
    from superdialog.testing.llm_server import ScriptedLLMServer

__all__ = [
    "ConversationFailed",
    "ConversationItem",
    "ConversationTestFile",
    "llm_config",
    "llm_server",
    "pytest_addoption",
    "pytest_collect_file",
]

try:
    import pytest_asyncio

    _HAVE_PYTEST_ASYNCIO = True
except ImportError:  # pragma: no cover - exercised only without the dev extras
    _HAVE_PYTEST_ASYNCIO = False


if _HAVE_PYTEST_ASYNCIO:

    @pytest_asyncio.fixture
    async def no_leaked_tasks() -> AsyncIterator[None]:
        """Fail the test if it leaves asyncio tasks running (a call's work must be owned).

        Use it with ``autouse`` in a ``conftest.py``: a started action, a model
        stream or a timer left running after a test is a bug in the call.
        """
        before = set(asyncio.all_tasks())
        yield
        await asyncio.sleep(0)
        leaked = [
            t
            for t in asyncio.all_tasks() - before
            if t is not asyncio.current_task() and not t.done()
        ]
        for t in leaked:
            t.cancel()
        assert not leaked, f"test leaked asyncio tasks: {leaked}"

    @pytest_asyncio.fixture
    async def llm_server() -> AsyncIterator[ScriptedLLMServer]:
        """A started scripted server with no rules, in the test's event loop.

        Tests add rules with ``llm_server.add_rule(...)``. On teardown the
        cached openai client for this server is closed first, so no pooled
        keep-alive socket outlives the test's loop.
        """
        from superdialog.llm import aclose_clients  # lazy: every pytest run loads the plugin
        from superdialog.testing.llm_server import ScriptedLLMServer

        async with ScriptedLLMServer() as server:
            try:
                yield server
            finally:
                await aclose_clients(server.base_url)

else:  # pragma: no cover

    @pytest.fixture
    def llm_server() -> Iterator[ScriptedLLMServer]:
        """A started scripted server with no rules, on its own thread."""
        from superdialog.testing.llm_server import (
            ScriptedLLMServer,  # lazy: every pytest run loads the plugin
        )

        with ScriptedLLMServer() as server:
            yield server


@pytest.fixture
def llm_config(llm_server: ScriptedLLMServer) -> LLMConfig:
    """An ``LLMConfig`` pointed at ``llm_server``, with test-friendly timings.

    Timeouts stay short and back-off tiny so fault scenarios run in
    milliseconds; replace fields with ``dataclasses.replace`` as needed.
    """
    from superdialog.llm import LLMConfig  # lazy: every pytest run loads the plugin

    return LLMConfig(
        model="scripted-model",
        base_url=llm_server.base_url,
        api_key="sk-scripted",
        connect_timeout_s=2.0,
        first_token_timeout_s=2.0,
        total_timeout_s=10.0,
        retries=2,
        backoff_s=0.01,
        max_backoff_s=0.05,
    )


# --------------------------------------------------------------------------- conversation tests
#
# ``pytest flows/`` collects every ``*.test.yaml`` as a file of conversation
# tests, one item per conversation (and host). This hook runs for every file
# pytest looks at in every project with SuperDialog installed, so it only
# compares a file name; the test-file models, the flow compiler and the
# runner are imported when such a file is actually collected.


class ConversationFailed(Exception):
    """A conversation did not do what its test file says (carries the report)."""

    def __init__(self, report: list[str]) -> None:
        super().__init__("\n".join(report))
        self.report = report


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--superdialog-host``: play every conversation test on one host."""
    group = parser.getgroup("superdialog", "SuperDialog conversation tests")
    group.addoption(
        "--superdialog-host",
        default=None,
        help="play every *.test.yaml conversation on this host "
        "(default: each file's host: key; recording is the fast path)",
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collect ``*.test.yaml`` files as conversation tests."""
    if file_path.name.endswith(".test.yaml"):
        return ConversationTestFile.from_parent(parent, path=file_path)
    return None


class ConversationTestFile(pytest.File):
    """One ``*.test.yaml``: loads it (with its flow) and yields an item per conversation."""

    def collect(self) -> Iterator[pytest.Item]:
        """Load the file; a located problem becomes a collection error."""
        import os

        from superdialog.errors import FlowError  # lazy: every pytest run loads the plugin
        from superdialog.testing.conversation_spec import load_test_file

        shown = os.path.relpath(self.path)
        try:
            test = load_test_file(shown)
        except FlowError as exc:
            raise self.CollectError("\n".join(str(p) for p in exc.problems)) from None
        forced = self.config.getoption("superdialog_host", None)
        for index, conv in enumerate(test.spec.conversations):
            hosts = [forced] if forced else test.hosts(conv)
            for host in hosts:
                name = conv.name if len(hosts) == 1 and not forced else f"{conv.name} [{host}]"
                yield ConversationItem.from_parent(
                    self, name=name, test=test, index=index, host=host
                )


class ConversationItem(pytest.Item):
    """One conversation of a test file, played on one host."""

    def __init__(self, *, test: Any, index: int, host: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.test = test
        self.index = index
        self.host = host

    def runtest(self) -> None:
        """Play the conversation in its own event loop (and its own model server if needed)."""
        import asyncio

        from superdialog.testing.conversations import (
            run_test_file,  # lazy: every pytest run loads the plugin
        )

        (result,) = asyncio.run(run_test_file(self.test, host=self.host, only=[self.index]))
        if result.status == "skipped":
            pytest.skip(result.skip_reason)
        if result.status == "failed":
            raise ConversationFailed(result.report())

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | Any:
        """Show the runner's report (expectation, what happened, transcript), not a traceback."""
        if isinstance(excinfo.value, ConversationFailed):
            return "\n".join(excinfo.value.report)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        """Where the conversation is written, for pytest's report headers."""
        line = self.test.locate("conversations", self.index).line
        return self.path, line - 1, f"conversation: {self.name}"
