"""Render a flow to bytes or a file: ``dot`` run with a timeout, results cached.

Diagrams are drawn off the call path, but a server may still draw them on
request (an admin page, a chat-ops command), so running Graphviz is bounded
by a timeout and its output is kept in a small LRU: the same flow, format and
trace are drawn once per process.

Graphviz is run as the ``dot`` program directly (not through the
``graphviz`` package) so the timeout, the error text and the exit status are
ours to report. ``SUPERDIALOG_DOT`` or the ``dot=`` argument name another
executable.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from superdialog.errors import RenderError
from superdialog.render.graphviz_render import flow_dot
from superdialog.render.mermaid import flow_mermaid
from superdialog.render.trace import call_path

if TYPE_CHECKING:
    from superdialog.compile.compiled import CompiledFlow

__all__ = ["CACHE_SIZE", "FORMATS", "clear_cache", "render", "render_to_file", "run_dot"]

FORMATS: dict[str, str] = {
    ".svg": "svg",
    ".png": "png",
    ".pdf": "pdf",
    ".dot": "dot",
    ".gv": "dot",
    ".mmd": "mermaid",
    ".mermaid": "mermaid",
}
"""File suffix → format. ``svg``, ``png`` and ``pdf`` need Graphviz's ``dot``."""

_NEEDS_DOT = frozenset({"svg", "png", "pdf"})
CACHE_SIZE = 32
"""Rendered outputs kept; a 300-state SVG is ~1 MB, so the cache stays small."""

_PNG_DPI = "144"
"""Sharp on high-density screens and in docs; the default 96 looks blurry."""

_cache: OrderedDict[tuple[str, str, str, str], bytes] = OrderedDict()
_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every cached rendering (tests; or after swapping Graphviz)."""
    with _lock:
        _cache.clear()


def _missing(exe: str, source: str) -> RenderError:
    return RenderError(
        f"Graphviz's 'dot' program was not found (looked for {exe!r}). Install Graphviz "
        "(apt-get install graphviz, brew install graphviz or choco install graphviz), "
        "or render to .dot or .mmd, which need no Graphviz.",
        dot_source=source,
    )


def run_dot(source: str, fmt: str, *, timeout: float = 30.0, dot: str | None = None) -> bytes:
    """Run ``dot -T<fmt>`` on DOT text and return its output.

    Args:
        source: DOT text.
        fmt: A Graphviz output format (``svg``, ``png``, ``pdf``, ...).
        timeout: Seconds before ``dot`` is killed; huge graphs can take minutes.
        dot: The executable; default ``$SUPERDIALOG_DOT`` or ``dot`` on ``PATH``.

    Raises:
        RenderError: ``dot`` is missing, timed out or failed; ``dot_source``
            carries the DOT text so the caller can save it and try elsewhere.

    """
    wanted = dot or os.environ.get("SUPERDIALOG_DOT") or "dot"
    exe = shutil.which(wanted)
    if exe is None:
        raise _missing(wanted, source)
    args = [exe, f"-T{fmt}"]
    if fmt == "png":
        args.append(f"-Gdpi={_PNG_DPI}")
    try:
        done = subprocess.run(
            args,
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise _missing(wanted, source) from exc
    except PermissionError as exc:
        raise RenderError(f"cannot run {exe!r}: permission denied", dot_source=source) from exc
    except subprocess.TimeoutExpired as exc:
        raise RenderError(
            f"Graphviz 'dot' did not finish within {timeout:g} s and was stopped; "
            "raise the timeout (--timeout) or render to .dot or .mmd",
            dot_source=source,
        ) from exc
    if done.returncode != 0 or not done.stdout:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        why = "; ".join(detail[:3]) if detail else "no output"
        status = (
            f"crashed with signal {-done.returncode}"
            if done.returncode < 0
            else f"failed with exit status {done.returncode}"
        )
        raise RenderError(f"Graphviz 'dot' {status}: {why}", dot_source=source)
    return done.stdout


def render(
    flow: CompiledFlow,
    fmt: str,
    *,
    trace: Any = None,
    timeout: float = 30.0,
    dot: str | None = None,
    language: str | None = None,
) -> bytes:
    """The flow drawn as ``fmt`` (``svg``, ``png``, ``pdf``, ``dot`` or ``mermaid``).

    Outputs of ``dot`` are cached per (flow digest, format, trace hash, DOT
    text hash). The DOT hash is there because the flow digest covers only the
    flow's own file, not the sub-flow files it uses, nor renderer options
    (such as ``language``, which picks the spoken texts shown).

    Raises:
        RenderError: unknown format, a trace of another flow, a language the
            flow does not declare, or ``dot`` trouble.

    """
    if fmt == "mermaid":
        return flow_mermaid(flow, trace=trace, language=language).encode("utf-8")
    source = flow_dot(flow, trace=trace, language=language)
    if fmt == "dot":
        return source.encode("utf-8")
    if fmt not in _NEEDS_DOT:
        raise RenderError(f"unknown diagram format {fmt!r}: use svg, png, pdf, dot or mermaid")
    trace_key = call_path(flow, trace).digest if trace is not None else ""
    key = (flow.digest, fmt, trace_key, hashlib.sha256(source.encode("utf-8")).hexdigest())
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    data = run_dot(source, fmt, timeout=timeout, dot=dot)
    with _lock:
        _cache[key] = data
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return data


def render_to_file(
    flow: CompiledFlow,
    output: str | os.PathLike[str],
    *,
    trace: Any = None,
    timeout: float = 30.0,
    dot: str | None = None,
    language: str | None = None,
) -> Path:
    """Draw the flow into ``output``; the suffix picks the format.

    ``.svg``, ``.png`` and ``.pdf`` run Graphviz's ``dot`` (bounded by
    ``timeout`` seconds); ``.dot``/``.gv`` write DOT text and
    ``.mmd``/``.mermaid`` Mermaid text, neither needing Graphviz. The file is
    replaced atomically, so a failed render never leaves half a picture.

    Args:
        flow: A loaded flow; it is only read.
        output: Where to write; missing parent folders are created.
        trace: ``CallMachine.trace_record()`` (or its events) to highlight.
        timeout: Seconds allowed for ``dot``.
        dot: The ``dot`` executable to run (default: ``$SUPERDIALOG_DOT`` or ``PATH``).
        language: Show the spoken texts in this declared language (default:
            the flow's first).

    Returns:
        The path written.

    Raises:
        RenderError: unknown suffix, a trace of another flow, a language the
            flow does not declare (located), or ``dot`` missing, timed out or
            failed (with ``dot_source`` set).

    """
    path = Path(output)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(FORMATS)
        raise RenderError(f"cannot tell the format of {str(path)!r}: use one of {known}")
    data = render(flow, fmt, trace=trace, timeout=timeout, dot=dot, language=language)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; a diagram is meant to be read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
