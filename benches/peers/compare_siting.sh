#!/usr/bin/env bash
# circleplan `site --add P` vs PySAL spopt's MCLP (PuLP + CBC) on the same synthetic instance:
# N compounds, M existing centres kept open, K candidates, P new sites, 1000 m circle.
# Prints both times and both objectives, and the speed ratio.
#   benches/peers/compare_siting.sh [N] [M] [K] [P]     (defaults 10000 1000 500 20)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-10000}; M=${2:-1000}; K=${3:-500}; P=${4:-20}
[ -x .venv/bin/python ] || benches/peers/setup.sh
BIN=${CIRCLEPLAN_BIN:-target/release/circleplan}
[ -x "$BIN" ] || cargo build --release
DIR=bench-data/siting_${N}_${M}_${K}
if [ ! -f "$DIR/candidates.geojson" ]; then
  "$BIN" synth --compounds "$N" --centers "$M" --candidates "$K" --seed 1 -o "$DIR" >/dev/null
fi
t0=$(date +%s.%N)
"$BIN" site --compounds "$DIR/compounds.geojson" --centers "$DIR/centers.geojson" \
  --candidates "$DIR/candidates.geojson" --add "$P" --format json --quiet > "$DIR/circleplan.json"
t1=$(date +%s.%N)
.venv/bin/python benches/peers/mclp_spopt.py "$DIR/compounds.geojson" "$DIR/candidates.geojson" \
  1000 "$P" --centers "$DIR/centers.geojson" > "$DIR/spopt.log"
t2=$(date +%s.%N)
python3 - "$DIR" "$t0" "$t1" "$t2" <<'PY'
import json, sys
d, t0, t1, t2 = sys.argv[1], *map(float, sys.argv[2:])
cp = json.load(open(f"{d}/circleplan.json"))
sp = None
for line in open(f"{d}/spopt.log"):
    line = line.strip()
    if line.startswith("{"):
        sp = json.loads(line)
cp_s, sp_s = t1 - t0, t2 - t1
sp_obj = sp.get("covered_population") or sp.get("objective")
print(f"{'tool':<12}{'wall s':>10}{'covered population':>22}  proven")
print(f"{'circleplan':<12}{cp_s:>10.3f}{cp['objective']:>22,.0f}  {cp['optimal']} (gap {cp['gap']:.2e})")
print(f"{'spopt+CBC':<12}{sp_s:>10.3f}{sp_obj:>22,.0f}  {sp.get('status')}")
print(f"speed ratio spopt/circleplan: {sp_s / cp_s:.0f}x; objectives "
      + ("equal" if abs(cp['objective'] - sp_obj) < 0.5 else f"DIFFER by {cp['objective'] - sp_obj:,.0f}"))
PY
