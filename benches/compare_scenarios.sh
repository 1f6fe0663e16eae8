#!/usr/bin/env bash
# What `compare` costs against one `coverage` run on the same city: the issue's bar is at most
# 2x with three scenarios. Whole commands, fresh process each, median of REPEAT (5) runs.
#
#   benches/compare_scenarios.sh [N] [M] [K]
#
# N compounds (1000000), M centres (100000), K candidates (M/10). BOX_KM and CLUSTERS make a
# dense city (as benches/peers/compare_coverage.sh; data in bench-data/dense_N_M-cC/), else
# the sparse 130 km region (bench-data/N_M/). The three scenarios: A adds 10 candidates, B adds
# 100 and closes 20 centres, C adds 1000 and closes 200 (every 50th centre); all write every
# layer (compounds.geojson/.csv with two columns per scenario). CIRCLEPLAN_BIN: binary to use
# (default target/release/circleplan, built when missing).
set -euo pipefail

N="${1:-1000000}"
M="${2:-100000}"
K="${3:-$(( M / 10 > 0 ? M / 10 : 1 ))}"
REPEAT="${REPEAT:-5}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${CIRCLEPLAN_BIN:-$root/target/release/circleplan}"
[ -x "$bin" ] || (cd "$root" && cargo build --release)
density=()
data="$root/bench-data/${N}_${M}"
if [ -n "${BOX_KM:-}" ]; then density+=(--box-km "$BOX_KM"); data="$root/bench-data/dense_${N}_${M}"; fi
if [ -n "${CLUSTERS:-}" ]; then density+=(--clusters "$CLUSTERS"); data="$data-c$CLUSTERS"; fi
if [ ! -f "$data/compounds.geojson" ]; then
    "$bin" synth --compounds "$N" --centers "$M" --candidates "$K" --seed 1 "${density[@]}" -o "$data" >/dev/null
fi
python3 - "$data" <<'PY'
import json, sys
d = sys.argv[1]
cands = json.load(open(f"{d}/candidates.geojson"))["features"]
centres = json.load(open(f"{d}/centers.geojson"))["features"]
def write(name, n):
    step = max(1, len(cands) // n)
    fc = {"type": "FeatureCollection", "features": cands[::step][:n]}
    json.dump(fc, open(f"{d}/scenario_{name}.geojson", "w"), ensure_ascii=False)
for name, n in [("a", 10), ("b", 100), ("c", 1000)]:
    write(name, n)
ids = [f["properties"]["id"] for f in centres[::50]]
open(f"{d}/close_b.txt", "w").write("\n".join(ids[:20]) + "\n")
open(f"{d}/close_c.txt", "w").write("\n".join(ids[:200]) + "\n")
PY
base=(--compounds "$data/compounds.geojson" --centers "$data/centers.geojson" -q)
scen=(--scenario "A=$data/scenario_a.geojson" --scenario "B=$data/scenario_b.geojson"
      --close "B=$data/close_b.txt" --scenario "C=$data/scenario_c.geojson" --close "C=$data/close_c.txt")
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_runs() {
    for _ in $(seq "$REPEAT"); do
        local t0 t1
        t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N)
        python3 -c "print($t1 - $t0)"
    done
}
cov=$(time_runs "$bin" coverage "${base[@]}" -o "$data/out_coverage" | median)
cmp=$(time_runs "$bin" compare "${base[@]}" "${scen[@]}" -o "$data/out_compare" | median)
python3 - "$cov" "$cmp" "$data/out_compare/summary.json" <<'PY'
import json, sys
cov, cmp, path = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
s = json.load(open(path))
for r in s["scenarios"]:
    print(f"  {r['name']}: +{r['added']} -{r['closed']}  share {r['share']:.4f} ({r['delta_share']:+.4f})")
print(f"coverage {cov:.2f} s, compare with 3 scenarios {cmp:.2f} s (median of runs): {cmp / cov:.2f}x")
PY
