#!/usr/bin/env bash
# Run every peer benchmark (about 6 minutes on 2 cores) and keep each one's JSON in
# out/peers/<peer>.json (git-ignored). Extra arguments go to every script (e.g. --quick).
#   bash bench/peers/run_all.sh [--quick] [--calls N]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PY="$ROOT/bench/.venv-peers/bin/python"
bash "$ROOT/bench/setup_peers.sh" >/dev/null
mkdir -p "$ROOT/out/peers"
cd /tmp  # never run a peer with our repo on sys.path
for peer in superdialog_030 pipecat_flows; do
    "$PY" -I "$ROOT/bench/peers/$peer.py" "$@" >"$ROOT/out/peers/$peer.json" \
        2>"$ROOT/out/peers/$peer.stderr"
    cat "$ROOT/out/peers/$peer.json"
done
