#!/usr/bin/env bash
# circleplan `site --objective distance|max-distance --add P` (p-median, p-center) vs PySAL
# spopt PMedian/PCenter (PuLP + CBC, dense straight-line cost matrix) end to end, on a seeded
# synthetic city with no existing centres (both solve the plain problem). pmedian_spopt.py
# re-scores both tools' sites on one matrix and prints one JSON line per run.
#   benches/peers/compare_pmedian.sh [N] [C] [P] [KIND...]   (defaults 10000 1000 20 distance max-distance)
# Env: PYTHON (with geopandas, scipy, pulp, spopt), CIRCLEPLAN_BIN, SPOPT_TIMEOUT (seconds,
# default 1800: spopt's model has N × C assignment variables, and is killed beyond it),
# SPOPT_MEM_GB (address-space limit for spopt, default 16).
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-10000}; C=${2:-1000}; P=${3:-20}; shift $(( $# < 3 ? $# : 3 ))
KINDS=${*:-distance max-distance}
PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || benches/peers/setup.sh
BIN=${CIRCLEPLAN_BIN:-${CARGO_TARGET_DIR:-target}/release/circleplan}
[ -x "$BIN" ] || cargo build --release
TIMEOUT=${SPOPT_TIMEOUT:-1800}
MEM_GB=${SPOPT_MEM_GB:-16}
DIR=bench-data/pmedian_${N}_${C}
mkdir -p "$DIR"
if [ ! -f "$DIR/candidates.geojson" ]; then
  "$BIN" synth --compounds "$N" --centers 0 --candidates "$C" --seed 1 -o "$DIR" >/dev/null
fi
for kind in $KINDS; do
  # A cap above every compound–candidate distance: the cap then changes nothing.
  t0=$(date +%s.%N)
  "$BIN" site --compounds "$DIR/compounds.geojson" --candidates "$DIR/candidates.geojson" \
    --add "$P" --objective "$kind" --max-distance 1000000 --time-limit 600 \
    --format json --quiet > "$DIR/circleplan_$kind.json"
  t1=$(date +%s.%N)
  cp_s=$(python3 -c "print(f'{$t1 - $t0:.3f}')")
  set +e
  ( ulimit -v $((MEM_GB * 1024 * 1024)); timeout "$TIMEOUT" "$PY" benches/peers/pmedian_spopt.py \
      "$DIR/compounds.geojson" "$DIR/candidates.geojson" "$P" "$DIR/circleplan_$kind.json" \
      --kind "$kind" --threads 1 ) > "$DIR/spopt_$kind.json" 2> "$DIR/spopt_$kind.err"
  rc=$?
  set -e
  t2=$(date +%s.%N)
  sp_s=$(python3 -c "print(f'{$t2 - $t1:.3f}')")
  python3 - "$kind" "$N" "$C" "$P" "$cp_s" "$sp_s" "$rc" "$DIR" <<'PY'
import json, sys
kind, n, c, p, cp_s, sp_s, rc, d = sys.argv[1:]
cp = json.load(open(f"{d}/circleplan_{kind}.json"))["site"]
ours = cp["mean_distance_m"] if kind == "distance" else cp["max_distance_m"]
line = {"kind": kind, "compounds": int(n), "candidates": int(c), "p": int(p),
        "circleplan_s": float(cp_s), "circleplan_objective_m": ours,
        "circleplan_status": cp["status"], "spopt_wall_s": float(sp_s), "spopt_exit": int(rc)}
if rc == "0":
    sp = [json.loads(l) for l in open(f"{d}/spopt_{kind}.json") if l.startswith("{")][-1]
    line.update(spopt_status=sp["spopt_status"], spopt_objective_m=sp["spopt_objective"],
                circleplan_rescored_m=sp["circleplan_objective_rescored"],
                relative_difference=sp["relative_difference"],
                ratio=round(float(sp_s) / float(cp_s), 1))
else:
    line.update(spopt_status="killed (timeout or memory limit)" if rc in ("124", "137") else "failed",
                ratio_at_least=round(float(sp_s) / float(cp_s), 1))
print(json.dumps(line))
PY
done
