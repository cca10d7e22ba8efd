"""``superdialog``: validate, render, chat with, test and describe flows.

Exit codes: 0 success, 1 a flow or test failed, 2 bad usage. A broken file is
reported as ``file:line:column: message (hint)`` lines on stderr, never as a
traceback.

``validate`` and ``render`` only look at a flow: they do not run its code. The
``python:`` files a flow names are checked (inside the flow's folder, they
compile) but not imported; ``validate --run-code`` imports them too, as
``chat`` and ``test`` do (and as ``superdialog.load`` does by default), to catch
errors raised while they load.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import logging
import os
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from superdialog.errors import FlowError, RenderError, SuperDialogError

__all__ = ["main"]


def _load(path: str, *, run_code: bool = True) -> Any:
    import superdialog  # lazy: the CLI starts fast

    return superdialog.load(path, run_code=run_code)


def _report(exc: Any) -> None:
    """Print a ``FlowError``'s problems, one ``file:line:column: message`` per line."""
    for problem in exc.problems:
        print(problem, file=sys.stderr)


def _cmd_validate(args: argparse.Namespace) -> int:
    from superdialog.cli.validate import expand_paths  # lazy: the CLI starts fast

    failed = 0
    paths, missing = expand_paths(args.flows)
    for path in missing:
        print(f"{path}: no such file or folder", file=sys.stderr)
    failed += len(missing)
    for path in paths:
        if path.endswith(".llm.yaml"):
            failed += _validate_llm_script(path)
            continue
        if path.endswith(".test.yaml"):
            failed += _validate_conversation_tests(path, run_code=args.run_code)
            continue
        try:
            flow = _load(path, run_code=args.run_code)
        except FlowError as exc:
            failed += 1
            _report(exc)
            continue
        kinds: dict[str, int] = {}
        for st in flow.states.values():
            kinds[st.kind] = kinds.get(st.kind, 0) + 1
        summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        from superdialog.cli.validate import report_extra  # lazy: the CLI starts fast

        if report_extra(flow, deep=args.deep, max_configs=args.max_configs):
            failed += 1
            continue
        print(f"OK {path}: flow '{flow.name}', {len(flow.states)} states ({summary})")
    return 1 if failed else 0


def _validate_llm_script(path: str) -> int:
    """A scripted-model file (``*.llm.yaml``) is validated as what it is."""
    from superdialog.testing.llm_server import Script  # lazy: the CLI starts fast

    try:
        script = Script.from_file(path)
    except FlowError as exc:
        _report(exc)
        return 1
    from superdialog.cli.validate import script_flow_problems  # lazy: the CLI starts fast

    problems = script_flow_problems(path)
    if problems:
        _report(FlowError(problems))
        return 1
    print(f"OK {path}: scripted model, {len(script.rules)} rules")
    return 0


def _validate_conversation_tests(path: str, *, run_code: bool) -> int:
    """A conversation-test file (``*.test.yaml``) is checked, with its flow, without running it."""
    from superdialog.testing.conversation_spec import load_test_file  # lazy: the CLI starts fast

    try:
        test = load_test_file(path, run_code=run_code)
    except FlowError as exc:
        _report(exc)
        return 1
    print(
        f"OK {path}: conversation tests of flow '{test.flow.name}', "
        f"{len(test.spec.conversations)} conversations"
    )
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    from superdialog.spec.schema import flow_json_schema_text  # lazy: the CLI starts fast

    text = flow_json_schema_text()
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _cmd_translations(args: argparse.Namespace) -> int:
    from superdialog.compile.translations import BUILTIN_MESSAGES  # lazy: the CLI starts fast
    from superdialog.spec.languages import normalise_language  # lazy: as above
    from superdialog.spec.loader import parse_flow  # lazy: as above
    from superdialog.spec.message_files import skeleton  # lazy: as above
    from superdialog.spec.yaml_source import read_source  # lazy: as above

    language = normalise_language(args.language)
    if language is None:
        print(f"error: '{args.language}' is not a language code (es, de, hi)", file=sys.stderr)
        return 2
    spec, smap = parse_flow(read_source(args.flow), args.flow)  # need not compile: texts missing
    text = skeleton(spec, smap, language, messages=language not in BUILTIN_MESSAGES)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _cmd_keygen(args: argparse.Namespace) -> int:
    from superdialog.runtime.durable_seal import generate_key  # lazy: the CLI starts fast

    print(generate_key())
    return 0


def _cmd_render(args: argparse.Namespace) -> int:
    from superdialog.render import render_to_file  # lazy: the CLI starts fast

    try:
        flow = _load(args.flow, run_code=False)
    except FlowError as exc:
        _report(exc)
        return 1
    trace = None
    if args.trace:
        try:
            trace = json.loads(_read_text(args.trace))
        except ValueError as exc:
            print(f"{args.trace}: not a JSON trace: {exc}", file=sys.stderr)
            return 1
    try:
        out = render_to_file(
            flow, args.output, trace=trace, timeout=args.timeout, language=args.language
        )
    except RenderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if exc.dot_source:
            dot_path = Path(args.output).with_suffix(".dot")
            dot_path.write_text(exc.dot_source, encoding="utf-8")
            print(f"the DOT text was written to {dot_path}", file=sys.stderr)
        return 1
    print(f"wrote {out}")
    return 0


def _read_text(path: str) -> str:
    """A small text file the user named (a trace, a script of caller lines)."""
    from superdialog.spec.yaml_source import read_source  # lazy: the CLI starts fast

    return read_source(path)


def _llm_server(spec: str | None) -> AbstractContextManager[Any]:
    if not spec:
        return nullcontext(None)
    if spec.startswith("scripted:"):
        from superdialog.testing.llm_server import ScriptedLLMServer  # lazy: the CLI starts fast

        return ScriptedLLMServer.from_file(spec.removeprefix("scripted:"))
    raise SystemExit(
        f"error: --llm takes scripted:FILE (got {spec!r}); "
        "for a real endpoint set OPENAI_BASE_URL / OPENAI_API_KEY"
    )


def _cmd_chat(args: argparse.Namespace) -> int:
    from superdialog.cli.console import run_console  # lazy: the CLI starts fast

    try:
        flow = _load(args.flow)
        lines = _read_text(args.script).splitlines() if args.script else None
        server_cm = _llm_server(args.llm)
    except FlowError as exc:
        _report(exc)
        return 1
    if args.llm and args.llm.startswith("scripted:"):
        from superdialog.testing.llm_server.script import (  # lazy: the CLI starts fast
            script_problems_against,
        )

        script_file = args.llm.removeprefix("scripted:")
        for problem in script_problems_against(script_file, flow.states):
            line = f"{problem.location}: warning: {problem.message} ({problem.hint})"
            print(line, file=sys.stderr)
    try:
        data = json.loads(args.data) if args.data else None
    except ValueError as exc:
        print(f"error: --data is not JSON: {exc}", file=sys.stderr)
        return 2
    if data is not None and not isinstance(data, dict):  # [1] was an internal error
        print(
            f"error: --data must be a JSON object of session data (got {type(data).__name__}), "
            'e.g. {"customer_id": "C-1001"}',
            file=sys.stderr,
        )
        return 2
    with server_cm as server:
        llm = {"base_url": server.base_url, "api_key": "scripted"} if server else None
        if args.model:
            llm = {**(llm or {}), "model": args.model}
        machine, _session = asyncio.run(
            run_console(
                flow,
                lines=lines,
                llm=llm,
                data=data,
                verbose=not args.quiet,
                language=args.language,
            )
        )
    outcome = machine.outcome
    if outcome:
        detail = outcome.get("target") or outcome.get("reason")
        print(
            f"call over: {outcome['verb']} ({detail}); "
            f"{machine.metrics.turns} turns, {machine.metrics.llm_calls} model calls"
        )
    return 0


def _cmd_test(args: argparse.Namespace) -> int:
    from superdialog.testing.conversations import main as run_tests  # lazy: the CLI starts fast

    return int(
        run_tests(
            args.paths or ["flows"],
            junit=args.junit,
            coverage=args.coverage,
            verbose=args.verbose,
            host=args.host,
        )
    )


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="superdialog",
        description="YAML conversation flows for voice agents: validate, render, chat, test.",
    )
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser(
        "validate",
        help="check flow, test and script files; print file:line:column errors",
        description="Check files without running the flow's code (python: files are only "
        "checked to be inside the flow's folder and to compile).",
    )
    v.add_argument("flows", nargs="+", help="files, or folders searched for *.yaml files")
    v.add_argument(
        "--deep",
        action="store_true",
        help="also walk the flow with representative values, trying every outcome of "
        "every branch and action, and report paths that fail by themselves",
    )
    v.add_argument(
        "--max-configs",
        type=int,
        default=20_000,
        help="--deep: most configurations (state, slots, results) to visit",
    )
    v.add_argument(
        "--run-code",
        action="store_true",
        help="also import the flow's python: files (runs their code, as chat and test do)",
    )
    v.set_defaults(fn=_cmd_validate)

    s = sub.add_parser("schema", help="print the flow language's JSON Schema")
    s.add_argument("-o", "--output")
    s.set_defaults(fn=_cmd_schema)

    r = sub.add_parser(
        "render",
        aliases=["diagram"],  # what the Python API calls it (flow.diagram())
        help="draw a flow (svg, png, pdf, dot, mmd); also 'diagram'",
    )
    r.add_argument("flow")
    r.add_argument("-o", "--output", required=True)
    r.add_argument("--trace", help="a call trace (JSON) to highlight")
    r.add_argument("--timeout", type=float, default=30.0, help="seconds allowed for dot")
    r.add_argument(
        "--language",
        help="show the spoken texts in this one of the flow's languages (default: its first)",
    )
    r.set_defaults(fn=_cmd_render)

    c = sub.add_parser("chat", help="talk to a flow in the terminal")
    c.add_argument("flow")
    c.add_argument("--llm", help="scripted:FILE serves LLM states from a local scripted server")
    c.add_argument("--model", help="override the flow's model")
    c.add_argument("--script", help="a file of caller lines to play instead of typing")
    c.add_argument("--data", help="JSON object exposed to templates as session.*")
    c.add_argument("-q", "--quiet", action="store_true", help="hide state and slot events")
    c.add_argument(
        "--language",
        help="the language reported with each line, as a speech recogniser would (es, es-ES); "
        "a '/language CODE' line changes it",
    )
    c.set_defaults(fn=_cmd_chat)

    t = sub.add_parser("test", help="run YAML conversation tests")
    t.add_argument("paths", nargs="*")
    t.add_argument("--junit", help="write JUnit XML here")
    t.add_argument("--coverage", action="store_true", help="report states/edges visited")
    t.add_argument("-v", "--verbose", action="store_true")
    t.add_argument(
        "--host",
        help="run every conversation on this host: recording, or one an installed adapter "
        "adds such as unpod (default: each file's own)",
    )
    t.set_defaults(fn=_cmd_test)

    tr = sub.add_parser(
        "translations",
        help="write a message file skeleton: every text of a flow to translate into a language",
        description="List every spoken text and intent phrase list of FLOW that LANGUAGE "
        "lacks, keyed by where it is (states.greet.say), the default language's text as a "
        "comment; translations its message file already has are kept.",
    )
    tr.add_argument("flow")
    tr.add_argument("-l", "--language", required=True, help="the language to translate into")
    tr.add_argument("-o", "--output", help="write here (default: standard output)")
    tr.set_defaults(fn=_cmd_translations)

    k = sub.add_parser(
        "keygen",
        help="print a new key for SUPERDIALOG_STATE_KEY (seals personal data in call records)",
    )
    k.set_defaults(fn=_cmd_keygen)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``superdialog`` command.

    Every error is a message and an exit code: problems in files as
    ``file:line:column`` lines (exit 1); anything unexpected as one line naming
    it (exit 1; ``SUPERDIALOG_DEBUG=1`` shows the traceback instead).
    """
    for stream in (sys.stdout, sys.stderr):  # a path or value that is not valid Unicode
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    args = _parser().parse_args(argv)
    last_resort = logging.lastResort
    if not os.environ.get("SUPERDIALOG_DEBUG"):
        logging.lastResort = _one_line_handler()
    try:
        return int(args.fn(args))
    except KeyboardInterrupt:
        return 130
    except FlowError as exc:
        _report(exc)
        return 1
    except SuperDialogError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        if os.environ.get("SUPERDIALOG_DEBUG"):
            raise
        print(
            f"superdialog: internal error: {type(exc).__name__}: {exc} "
            "(a bug: please report it; SUPERDIALOG_DEBUG=1 shows where)",
            file=sys.stderr,
        )
        return 1
    finally:
        logging.lastResort = last_resort


class _FirstLine(logging.Formatter):
    """A log record as its first line: the stack frames a warning carries are for a log file."""

    def format(self, record: logging.LogRecord) -> str:
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return super().format(record).split("\n", 1)[0]


def _one_line_handler() -> logging.Handler:
    """What prints log records nobody configured a handler for: one line each, no traceback.

    Python's last-resort handler printed a call's warnings with their stack
    frames ('File ".../actions.py", line 127') in the middle of a chat.
    """
    handler = logging.StreamHandler()  # sys.stderr as it is when a record comes
    handler.setLevel(logging.WARNING)
    handler.setFormatter(_FirstLine("%(message)s"))
    return handler


if __name__ == "__main__":
    sys.exit(main())
