#!/usr/bin/env bash
# circleplan `site --add P` on a dense city (hard maximal covering: every compound within reach
# of dozens of candidates, greedy well below the optimum) vs PySAL spopt end to end (PuLP + CBC)
# and vs CBC's solve alone on the same sparse model (mclp_cbc.py). 10,000 compounds and 1,000
# candidates in a BOX_KM square, no existing centres, 1000 m circles.
#   benches/peers/compare_siting_dense.sh [BOX_KM] [P] [N] [K]     (defaults 12 20 10000 1000)
set -euo pipefail
cd "$(dirname "$0")/../.."
BOX=${1:-12}; P=${2:-20}; N=${3:-10000}; K=${4:-1000}
PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || benches/peers/setup.sh
BIN=${CIRCLEPLAN_BIN:-target/release/circleplan}
[ -x "$BIN" ] || cargo build --release
cargo build --release --example mclp_hard >/dev/null
DIR=bench-data/siting_dense_${N}_${K}_box${BOX}
mkdir -p "$DIR"
target/release/examples/mclp_hard --compounds "$N" --candidates "$K" --box-km "$BOX" --add "$P" \
  --dump "$DIR/model.json" --geojson "$DIR" | tee "$DIR/example.log"
t0=$(date +%s.%N)
"$BIN" site --compounds "$DIR/compounds.geojson" --candidates "$DIR/candidates.geojson" \
  --add "$P" --format json --quiet > "$DIR/circleplan.json"
t1=$(date +%s.%N)
"$PY" benches/peers/mclp_spopt.py "$DIR/compounds.geojson" "$DIR/candidates.geojson" 1000 "$P" \
  --threads 1 > "$DIR/spopt.log"
t2=$(date +%s.%N)
"$PY" benches/peers/mclp_cbc.py "$DIR/model.json" --threads 1 > "$DIR/cbc.log"
python3 - "$DIR" "$t0" "$t1" "$t2" <<'PY'
import json, sys
d, t0, t1, t2 = sys.argv[1], *map(float, sys.argv[2:])
cp = json.load(open(f"{d}/circleplan.json"))
def last_json(path):
    return [json.loads(l) for l in open(path) if l.strip().startswith("{")][-1]
sp, cbc = last_json(f"{d}/spopt.log"), last_json(f"{d}/cbc.log")
cp_s, sp_s = t1 - t0, t2 - t1
print(f"{'tool':<26}{'wall s':>10}{'covered population':>22}  status")
print(f"{'circleplan site':<26}{cp_s:>10.3f}{cp['objective']:>22,.0f}  optimal={cp['optimal']} gap={cp['gap']:.2e}")
print(f"{'spopt+CBC end to end':<26}{sp_s:>10.3f}{sp['covered_population']:>22,.0f}  {sp['status']}")
print(f"{'CBC solve alone (sparse)':<26}{cbc['solve_s']:>10.3f}{cbc['objective']:>22,.0f}  {cbc['status']}")
same = abs(cp['objective'] - sp['covered_population']) < 0.5 and abs(cp['objective'] - cbc['objective']) < 0.5
print(f"spopt/circleplan {sp_s / cp_s:.0f}x, CBC solve/circleplan {cbc['solve_s'] / cp_s:.1f}x; objectives "
      + ("equal" if same else "DIFFER"))
PY
