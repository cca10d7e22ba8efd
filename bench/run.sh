#!/usr/bin/env bash
# The one benchmark command (`make bench`): set up both venvs, measure us and the peers side by
# side in one run, and write bench/results.json and docs/benchmarks.md.
#
#   bash bench/run.sh                 # full run (~8 min on 2 cores; first run adds the set-ups)
#   bash bench/run.sh --quick         # smoke run: fewer samples, 1,000 concurrent calls (~5 min)
#   bash bench/run.sh --ours-only     # re-measure us only; reuse the peers' JSON of the last run
#
# Raw outputs stay in out/bench/ and out/peers/ (git-ignored); see bench/README.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

QUICK=()
OURS_CALLS=10000
PEERS=1
for arg in "$@"; do
    case "$arg" in
        --quick) QUICK=(--quick); OURS_CALLS=1000 ;;
        --ours-only) PEERS=0 ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        *) echo "bench/run.sh: unknown option $arg" >&2; exit 2 ;;
    esac
done
OURS_CALLS="${BENCH_CALLS:-$OURS_CALLS}"

step() { printf '\n== %s (%s)\n' "$1" "$(date +%H:%M:%S)"; }

step "set-up: our venv (scripts/setup.sh) and the peers' venv (bench/setup_peers.sh)"
bash scripts/setup.sh
if [[ $PEERS == 1 ]]; then
    bash bench/setup_peers.sh
fi

mkdir -p out/bench out/peers
PY="$ROOT/.venv/bin/python"
# Bytecode for our package, as a deployed (pip-installed) package has; the peers' packages were
# compiled by pip. The environment may set PYTHONDONTWRITEBYTECODE, so compile explicitly.
"$PY" -m compileall -q superdialog >/dev/null

step "ours: bench/ours/superdialog_ours.py (${OURS_CALLS} concurrent calls)"
# From /tmp with -I, like the peers: only the installed (editable) package is importable.
(cd /tmp && "$PY" -I "$ROOT/bench/ours/superdialog_ours.py" "${QUICK[@]}" --calls "$OURS_CALLS" \
    >"$ROOT/out/bench/ours.json" 2>"$ROOT/out/bench/ours.stderr") || {
    tail -20 "$ROOT/out/bench/ours.stderr" >&2
    echo "bench/run.sh: our benchmark failed (out/bench/ours.stderr)" >&2
    exit 1
}
"$PY" -c 'import json,sys; d=json.loads(open(sys.argv[1]).read().splitlines()[-1]); print("   done in", d.get("runtime_s"), "s;", ", ".join(k for k in d if k.endswith("_error")) or "no part failed")' out/bench/ours.json

if [[ $PEERS == 1 ]]; then
    step "peers: bench/peers/run_all.sh (superdialog 0.3.0, Pipecat Flows; 1,000 calls each)"
    bash bench/peers/run_all.sh "${QUICK[@]}" >/dev/null
else
    step "peers: skipped (--ours-only); reusing out/peers/*.json"
fi

step "slot extraction: bench/bench_slots.py"
"$PY" bench/bench_slots.py --out "$ROOT/out/bench/slots_results.json" >out/bench/slots.txt

step "slot extraction in es, de, fr, hi: bench/slots_languages.py (held-out corpus)"
"$PY" bench/slots_languages.py --out "$ROOT/out/bench/slots_languages.json" >out/bench/slots_languages.txt

step "report: bench/results.json and docs/benchmarks.md"
"$PY" bench/report.py
