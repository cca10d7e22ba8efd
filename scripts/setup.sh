#!/usr/bin/env bash
# One-time (and idempotent) set-up: a Python >= 3.12 virtual environment at .venv with
# SuperDialog and its dev tools, Graphviz's `dot` for diagrams, and redis-server for the store tests.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  local candidates=("${PYTHON:-}" python3.13 python3.12
    /root/.pyenv/versions/3.13*/bin/python3 /root/.pyenv/versions/3.12*/bin/python3
    "$HOME"/.pyenv/versions/3.13*/bin/python3 "$HOME"/.pyenv/versions/3.12*/bin/python3
    /usr/bin/python3 python3)
  for c in "${candidates[@]}"; do
    [ -n "$c" ] || continue
    command -v "$c" >/dev/null 2>&1 || [ -x "$c" ] || continue
    if "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      echo "$c"; return 0
    fi
  done
  return 1
}

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
  PY=$(find_python) || {
    echo "error: SuperDialog needs Python >= 3.12 (the unpod SDK requires it) and none was found." >&2
    echo "       Install one (e.g. 'pyenv install 3.12') or point PYTHON=/path/to/python3.12 at it." >&2
    exit 1
  }
  rm -rf .venv
  "$PY" -m venv .venv
fi

# The core and every host integration under adapters/ (each its own distribution), editable.
stamp=.venv/.superdialog-installed
want=$(cat pyproject.toml adapters/*/pyproject.toml | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  adapters=()
  for a in adapters/*/pyproject.toml; do adapters+=(-e "$(dirname "$a")"); done
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev]" "${adapters[@]}"
  echo "$want" > "$stamp"
fi

if ! command -v dot >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Graphviz (dot) with apt-get ..." >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz) >/dev/null
  else
    echo "warning: Graphviz 'dot' is missing; install it (apt-get install graphviz) to render diagrams." >&2
  fi
fi

# Diagrams of flows in Hindi need a Devanagari font: Graphviz (pango) falls back to it per glyph;
# without one, Devanagari is drawn as empty boxes.
if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=hi family 2>/dev/null)" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing a Devanagari font (fonts-lohit-deva) with apt-get ..." >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-lohit-deva) >/dev/null
  else
    echo "warning: no Devanagari font; install one (apt-get install fonts-lohit-deva) to draw Hindi diagrams." >&2
  fi
fi

# The store tests run against a real Redis server they start themselves (on a free loopback port).
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing redis-server with apt-get ..." >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >/dev/null
  else
    echo "warning: redis-server is missing; install it (apt-get install redis-server) to run the Redis store tests." >&2
  fi
fi
