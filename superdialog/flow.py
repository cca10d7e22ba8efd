"""``Flow``, ``load`` and ``loads``: what users of SuperDialog hold.

A ``Flow`` is a compiled flow (``superdialog.compile.CompiledFlow``) with the
things people do with one: ``build`` a call (or ``restore`` one), draw it
(``diagram``, ``render``), read the language's ``schema``. It sits
above the layers it uses (compile, runtime, render), so none of them imports
upward.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any

from superdialog.compile.compiled import CompiledFlow, compile_file, compile_text
from superdialog.llm.config import LLMConfig
from superdialog.runtime.call import CallMachine
from superdialog.runtime.durable import USE_ENV, restore_into
from superdialog.runtime.durable_seal import StateKey
from superdialog.spec.schema import flow_json_schema

if TYPE_CHECKING:
    import graphviz

__all__ = ["Flow", "load", "loads"]


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Flow(CompiledFlow):
    """A validated, compiled flow. Immutable; share it across all calls."""

    def build(
        self,
        session: Any = None,
        *,
        llm: Mapping[str, Any] | LLMConfig | None = None,
        actions: Mapping[str, Callable[..., Any]] | None = None,
        validators: Mapping[str, Callable[[Any], Any]] | None = None,
        trace: bool = False,
        clock: Callable[[], float] | None = None,
    ) -> CallMachine:
        """Make the per-call machine. Cheap: call it once per call.

        Args:
            session: The host's per-call session (Unpod ``ctx.session`` or any object with
                its controls). ``None``: bind later with ``start(session)``, or run host-less.
            llm: Per-call overrides of the flow's ``llm`` settings (model, base_url, …), or a
                whole ``LLMConfig``; checked here (a misspelt setting raises ``TypeError``).
            actions: Callables for action states, beside those registered globally.
            validators: Slot validators, beside those registered globally.
            trace: Record a call trace (PII redacted) for diagrams and debugging.
            clock: Monotonic clock in seconds (tests); default ``time.monotonic``.

        """
        return CallMachine(
            self,
            session,
            llm=llm,
            actions=actions,
            validators=validators,
            trace=trace,
            clock=clock,
        )

    def restore(
        self,
        record: Mapping[str, Any] | str | bytes,
        session: Any = None,
        *,
        key: StateKey | str | None = USE_ENV,
        partial: bool = False,
        llm: Mapping[str, Any] | LLMConfig | None = None,
        actions: Mapping[str, Callable[..., Any]] | None = None,
        validators: Mapping[str, Callable[[Any], Any]] | None = None,
        trace: bool = False,
        clock: Callable[[], float] | None = None,
    ) -> CallMachine:
        """A machine that continues the call ``record`` (from ``machine.dump()``) was taken of.

        Do not ``start()`` it: the call has started. Hand it to the session
        (``session.dialog_machine``) and feed it the caller's next turn.

        Args:
            record: The record, as a dict (after any JSON round trip) or JSON text.
            session: As for ``build``.
            key: Opens the sealed personal data; default ``SUPERDIALOG_STATE_KEY``.
            partial: Accept a record saved without a key (its personal data left out).
            llm: As for ``build``.
            actions: As for ``build``.
            validators: As for ``build``.
            trace: As for ``build`` (the trace starts at the restore).
            clock: As for ``build``.

        Raises:
            RecordError: another flow or flow version, another record format, a
                sealed part that does not open, or left-out data without ``partial``.

        """
        machine = self.build(
            session, llm=llm, actions=actions, validators=validators, trace=trace, clock=clock
        )
        return restore_into(machine, record, key=key, partial=partial)

    def diagram(self, **options: Any) -> graphviz.Digraph:
        """The flow as a ``graphviz.Digraph`` (renders as SVG in notebooks).

        Options are ``flow_diagram``'s: ``trace``, ``legend``, ``title`` and
        ``language`` (the spoken texts in one of the flow's languages).
        """
        from superdialog.render import flow_diagram  # lazy: graphviz only when drawing

        return flow_diagram(self, **options)

    def render(
        self,
        output: str | FsPath,
        *,
        trace: Any = None,
        timeout: float = 30.0,
        language: str | None = None,
    ) -> FsPath:
        """Draw the flow into ``output`` (``.svg``, ``.png``, ``.pdf``, ``.dot``, ``.mmd``).

        ``trace`` (``CallMachine.trace_record()``) highlights one call's path;
        ``language`` shows the spoken texts in one of the flow's languages
        (default: its first). Raises ``RenderError`` when Graphviz is missing,
        times out or fails, or the flow does not declare ``language``.
        """
        from superdialog.render import render_to_file  # lazy: graphviz only when drawing

        return render_to_file(self, output, trace=trace, timeout=timeout, language=language)

    @staticmethod
    def schema() -> dict[str, Any]:
        """The JSON Schema every flow file validates against (for editors and tools)."""
        return flow_json_schema()


def load(path: str | FsPath, *, run_code: bool = True) -> Flow:
    """Load, validate and compile a flow file (cached by content).

    Args:
        path: The flow file.
        run_code: Import the ``python:`` files the flow names (their actions
            register). ``False`` checks them (inside the flow's folder, they
            compile) without running anything: for tools that only look at a
            flow, such as ``superdialog validate``.

    Raises:
        FlowError: with every problem located as ``file:line:column``.

    """
    return compile_file(path, run_code=run_code, kind=Flow)


def loads(text: str, name: str = "<flow>", *, run_code: bool = True) -> Flow:
    """Load a flow from YAML text; ``name`` is used in error locations.

    Sub-flow (``use:``) and ``python:`` paths resolve against the current
    directory. ``run_code`` is as for :func:`load`.

    Raises:
        FlowError: with every problem located as ``file:line:column``.

    """
    return compile_text(text, name, None, run_code=run_code, kind=Flow)
