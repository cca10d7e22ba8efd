#!/usr/bin/env bash
# Create bench/.venv-peers: a venv, separate from /work/main/.venv, holding the peers we benchmark
# against side by side:
#   * superdialog==0.3.0 (the original "SuperDialog" on PyPI, a different project that shares our
#     name) with its `mcp` extra: litellm 1.106.2 imports `mcp` on every request that carries tools,
#     so without it every routing call of superdialog 0.3.0 fails.
#   * pipecat-ai==1.14.0 with the `openai` extra: Pipecat Flows ships inside it as `pipecat.flows`
#     (the standalone `pipecat-ai-flows` 1.4.0 is frozen and not used).
# Every version is pinned in bench/peers/requirements.lock (a `pip freeze` of a working venv).
# Idempotent: a venv whose installed set already matches the lock is left alone.
# Usage: bash bench/setup_peers.sh            (prints one line on success)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY312="${PEERS_PYTHON:-/root/.pyenv/versions/3.12.1/bin/python3}"
VENV="$ROOT/bench/.venv-peers"
LOCK="$ROOT/bench/peers/requirements.lock"

# dateparser (the date/time parser bench/dates_vs_dateparser.py measures ours against) goes into
# bench/.dateparser with the MAIN venv's pip (same Python as our parsers), never into .venv itself,
# so that it cannot become a dependency of the project. Skipped when already there.
DATEPARSER_DIR="$ROOT/bench/.dateparser"
if [[ -x "$ROOT/.venv/bin/python" && ! -f "$DATEPARSER_DIR/dateparser-1.5.0.dist-info/METADATA" ]]; then
    if ! "$ROOT/.venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
            --target "$DATEPARSER_DIR" dateparser==1.5.0 >"/tmp/setup_peers_dateparser.log" 2>&1; then
        tail -20 /tmp/setup_peers_dateparser.log >&2
        echo "setup_peers: pip install --target bench/.dateparser dateparser==1.5.0 failed" >&2
        exit 1
    fi
fi

if [[ ! -x "$PY312" ]]; then
    echo "setup_peers: Python 3.12 not found at $PY312 (set PEERS_PYTHON to a python3.12)" >&2
    exit 2
fi
case "$("$PY312" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" in
    3.12) ;;
    *) echo "setup_peers: $PY312 is not Python 3.12" >&2; exit 2 ;;
esac
[[ -f "$LOCK" ]] || { echo "setup_peers: missing $LOCK" >&2; exit 2; }

if [[ ! -x "$VENV/bin/python" ]]; then
    "$PY312" -m venv "$VENV"
fi

# Run everything from /tmp with -I so that /work/main (our own `superdialog`) is never on sys.path.
cd /tmp
wanted="$(grep -E '^[A-Za-z0-9_.-]+==' "$LOCK" | tr 'A-Z_' 'a-z-' | sort)"
have="$("$VENV/bin/python" -I -m pip freeze --disable-pip-version-check 2>/dev/null \
        | grep -E '^[A-Za-z0-9_.-]+==' | tr 'A-Z_' 'a-z-' | sort || true)"
if [[ "$wanted" != "$have" ]]; then
    if ! "$VENV/bin/python" -I -m pip install --quiet --disable-pip-version-check \
            --no-input -r "$LOCK" >"$VENV/.install.log" 2>&1; then
        grep -v '^WARNING: Location' "$VENV/.install.log" | tail -20 >&2
        echo "setup_peers: pip install failed (full log: $VENV/.install.log)" >&2
        exit 1
    fi
fi

# Isolation checks: the peers venv sees superdialog 0.3.0 from its own site-packages ...
PEERS_CHECK='
import os, sys
venv = os.path.realpath(sys.argv[1])
import superdialog, pipecat.flows
f = os.path.realpath(superdialog.__file__)
assert superdialog.__version__ == "0.3.0", superdialog.__version__
assert f.startswith(venv + os.sep), "peers venv imports superdialog from " + f
'
if ! LITELLM_LOCAL_MODEL_COST_MAP=True "$VENV/bin/python" -I -c "$PEERS_CHECK" "$VENV" \
        >"$VENV/.check.log" 2>&1; then
    cat "$VENV/.check.log" >&2
    echo "setup_peers: isolation check failed in the peers venv" >&2
    exit 1
fi
# ... and our main venv, if present, never sees it.
MAIN_CHECK='
import importlib.util, os, sys
venv = os.path.realpath(sys.argv[1])
spec = importlib.util.find_spec("superdialog")
if spec is not None and spec.origin:
    assert not os.path.realpath(spec.origin).startswith(venv + os.sep), spec.origin
from importlib.metadata import PackageNotFoundError, version
try:
    assert version("superdialog") != "0.3.0", "superdialog 0.3.0 is installed in the main venv"
except PackageNotFoundError:
    pass
'
if [[ -x "$ROOT/.venv/bin/python" ]]; then
    if ! "$ROOT/.venv/bin/python" -I -c "$MAIN_CHECK" "$VENV"; then
        echo "setup_peers: superdialog 0.3.0 is visible from the main venv" >&2
        exit 1
    fi
fi

echo "setup_peers: ok ($VENV: superdialog 0.3.0, pipecat-ai 1.14.0)"
