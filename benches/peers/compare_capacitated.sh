#!/usr/bin/env bash
# circleplan `site --capacitated --add K` (lazy greedy on the exact max flow, certified by a
# submodular bound) vs the capacitated maximal-covering MILP in PuLP + CBC on the identical
# instance (examples/capacitated_dump.rs writes it; capacitated_milp.py solves it), on
#   (a) the demo data (data/demo, add K_DEMO) and
#   (b) a seeded synthetic city (`circleplan synth --compounds N --centers M --candidates C
#       --seed 1`, add K),
# each at several --residents-per-capacity values (RPC, env; the synth's centres hold
# 100-3,000 capacity units by level, its candidates 400). Prints objectives, circleplan's
# upper_bound / gap / optimal, times and their ratio. Exits 1 on a BUG:
#   - circleplan claims `optimal` but the MILP serves more;
#   - the MILP serves more than circleplan's `upper_bound`;
#   - circleplan's objective is above the MILP's proven optimum, or is not what its own sites
#     serve (recomputed by an independent max flow);
# and on a MISMATCH: the dumped instance's answer differs from the CLI's (not one instance).
#   benches/peers/compare_capacitated.sh [N] [M] [C] [K] [K_DEMO]   (defaults 5000 50 300 20 5)
# Env: RPC ("3 30 300"), MILP_TIME_LIMIT (seconds, default 600), CP_TIME_LIMIT (circleplan's
# --time-limit, seconds; default its own 60), DEMO (0: skip the demo
# rows), PYTHON, CIRCLEPLAN_BIN, CARGO_TARGET_DIR (where the release binary and example are
# built).
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-5000}; M=${2:-50}; C=${3:-300}; K=${4:-20}; K_DEMO=${5:-5}
RPC=${RPC:-3 30 300}
LIMIT=${MILP_TIME_LIMIT:-600}
CP_LIMIT=()
[ -n "${CP_TIME_LIMIT:-}" ] && CP_LIMIT=(--time-limit "$CP_TIME_LIMIT")
PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || benches/peers/setup.sh
TGT=${CARGO_TARGET_DIR:-target}
BIN=${CIRCLEPLAN_BIN:-$TGT/release/circleplan}
[ -x "$BIN" ] || cargo build --release
cargo build --release --example capacitated_dump >/dev/null 2>&1 \
  || cargo build --release --example capacitated_dump
DUMP=$TGT/release/examples/capacitated_dump
OUT=bench-data/capacitated
SYN=bench-data/capacitated_${N}_${M}_${C}
mkdir -p "$OUT"
if [ ! -f "$SYN/candidates.geojson" ]; then
  "$BIN" synth --compounds "$N" --centers "$M" --candidates "$C" --seed 1 -o "$SYN" >/dev/null
fi

status=0
printf '%-22s %5s %3s %12s %12s %8s %7s %12s %6s %8s %9s %9s %8s  %s\n' instance rpc K \
  circleplan upper_bound gap optimal MILP proven below% cp_wall_s milp_s ratio verdict
run_one() { # NAME DIR K RPC
  local name=$1 dir=$2 k=$3 r=$4
  local tag="$OUT/${name}_k${k}_r${r}"
  local layers=(--compounds "$dir/compounds.geojson" --centers "$dir/centers.geojson"
    --candidates "$dir/candidates.geojson" --add "$k" --residents-per-capacity "$r")
  local t0 t1
  t0=$(date +%s.%N)
  "$BIN" site "${layers[@]}" --capacitated "${CP_LIMIT[@]}" --format json --quiet \
    > "$tag.circleplan.json"
  t1=$(date +%s.%N)
  "$DUMP" "${layers[@]}" "${CP_LIMIT[@]}" --dump "$tag.instance.json" > "$tag.dump.log"
  "$PY" benches/peers/capacitated_milp.py "$tag.instance.json" --threads 1 \
    --time-limit "$LIMIT" > "$tag.milp.json"
  "$PY" - "$name" "$k" "$r" "$tag" "$t0" "$t1" <<'PY' || status=1
import json, sys
name, k, r, tag = sys.argv[1:5]
t0, t1 = map(float, sys.argv[5:7])
cp = json.load(open(f"{tag}.circleplan.json"))
dumped = json.load(open(f"{tag}.instance.json"))["circleplan"]
milp = [json.loads(l) for l in open(f"{tag}.milp.json") if l.startswith("{")][-1]
tol = lambda v: 0.01 + 1e-8 * abs(v)
obj, ub, opt = cp["objective"], cp["upper_bound"], cp["optimal"]
best = milp["objective_recomputed"]  # what the MILP's sites serve, by an independent max flow
bugs = []
# A search the time limit stopped ends wherever the clock found it: answers must agree when
# both runs proved theirs.
proven_both = opt and dumped["optimal"]
if proven_both and (abs(dumped["objective"] - obj) > tol(obj) or abs(dumped["upper_bound"] - ub) > tol(ub)):
    bugs.append(f"MISMATCH: dump {dumped['objective']}/{dumped['upper_bound']} vs CLI {obj}/{ub}")
if abs(milp["objective"] - best) > tol(best):
    bugs.append(f"MILP model objective {milp['objective']} != its sites' max flow {best}")
if opt and best > obj + tol(obj):
    bugs.append(f"BUG: circleplan claims optimal at {obj}, the MILP serves {best}")
if best > ub + tol(ub):
    bugs.append(f"BUG: the MILP serves {best} > circleplan's upper_bound {ub}")
if milp["proven"] and obj > best + tol(best):
    bugs.append(f"BUG: circleplan {obj} above the MILP's proven optimum {best}")
if abs(milp["circleplan_recomputed"] - obj) > tol(obj):
    bugs.append(f"BUG: circleplan's sites serve {milp['circleplan_recomputed']}, it reports {obj}")
cp_s = t1 - t0
below = 100 * (best - obj) / best if best > 0 else 0.0
verdict = "; ".join(bugs) if bugs else ("ok, equal" if abs(best - obj) <= tol(obj) else "ok, greedy below")
print(f"{name:<22} {r:>5} {k:>3} {obj:>12,.0f} {ub:>12,.0f} {cp['gap']:>8.2e} {str(opt):>7} "
      f"{best:>12,.0f} {str(milp['proven']):>6} {below:>8.3f} {cp_s:>9.3f} {milp['solve_s']:>9.3f} "
      f"{milp['solve_s'] / cp_s:>7.1f}x  {verdict}")
sys.exit(1 if bugs else 0)
PY
}
if [ "${DEMO:-1}" != 0 ]; then
  for r in $RPC; do run_one demo data/demo "$K_DEMO" "$r"; done
fi
for r in $RPC; do run_one "synth_${N}_${M}_${C}" "$SYN" "$K" "$r"; done
echo "cp_wall_s: whole circleplan command; milp_s: CBC's solve alone (--threads 1, limit ${LIMIT} s);"
echo "below%: circleplan below the MILP's objective; proven: CBC proved its optimum. Files in $OUT/"
exit $status
