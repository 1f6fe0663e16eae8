#!/usr/bin/env bash
# Whole-command comparison of `circleplan lifecircle --metric network` with the expert Python
# pipeline (GeoPandas read, Shapely noding and STRtree snapping, one SciPy multi-source
# Dijkstra per type, GeoPandas write; lifecircle_geopandas_scipy.py) on one synthetic city.
#
#   benches/peers/compare_lifecircle.sh [N] [F] [STEP_M] [BOX_KM]
#
# N compounds (100000), F facilities of the 16 GB 50180-2018 types (50000), a GIS-style road
# layer with a vertex every STEP_M metres (50: about 290,000 vertices in a 25 km box) and a
# river with few bridges. Data: bench-data/lc_N_F_STEP_BOX/ (made by `circleplan synth --seed
# 7` when absent). circleplan runs REPEAT (3) times (median and worst printed), the peer once;
# the peer then checks every d_<type> against circleplan's to 0.5 m.
# Extra circleplan flags: CP_FLAGS (e.g. "--accessibility 2sfca": the peer then computes
# 2SFCA over walking catchments too, and every access_<type> is compared).
set -euo pipefail
N="${1:-100000}"
F="${2:-50000}"
STEP="${3:-50}"
BOX="${4:-25}"
REPEAT="${REPEAT:-3}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
py="$root/.venv/bin/python"
bin="${CIRCLEPLAN_BIN:-$root/target/release/circleplan}"
data="$root/bench-data/lc_${N}_${F}_${STEP}_${BOX}"
[ -x "$py" ] && "$py" -c 'import geopandas, scipy' 2>/dev/null || "$here/setup.sh"
[ -x "$bin" ] || (cd "$root" && cargo build --release --quiet)
if [ ! -f "$data/streets.geojson" ]; then
    "$bin" synth --compounds "$N" --centers 300 --candidates 1000 --facilities "$F" \
        --gis-streets "$STEP" --box-km "$BOX" --seed 7 -o "$data" >/dev/null
fi
out="$data/out"
mkdir -p "$out"
times=()
for _ in $(seq "$REPEAT"); do
    start=$(date +%s.%N)
    # shellcheck disable=SC2086
    "$bin" lifecircle --compounds "$data/compounds.geojson" --facilities "$data/facilities.geojson" \
        --metric network --network "$data/streets.geojson" --node-crossings \
        -o "$out/circleplan" --quiet --timings ${CP_FLAGS:-} >"$out/circleplan.log"
    end=$(date +%s.%N)
    times+=("$(python3 -c "print(round($end - $start, 3))")")
done
grep Timings "$out/circleplan.log" || true
peer_flags=""
case "${CP_FLAGS:-}" in *2sfca*) peer_flags="--2sfca" ;; esac
# shellcheck disable=SC2086
peer_json="$(cd "$here" && "$py" lifecircle_geopandas_scipy.py "$data/compounds.geojson" \
    "$data/facilities.geojson" "$data/streets.geojson" "$root/data/profiles/gb50180-2018.toml" \
    "$out/peer" --compare "$out/circleplan" $peer_flags | tail -1)"
python3 - "$peer_json" "${times[@]}" <<'PY'
import json, statistics, sys
peer = json.loads(sys.argv[1])
runs = [float(x) for x in sys.argv[2:]]
med, worst = statistics.median(runs), max(runs)
print(f"circleplan lifecircle: runs {runs} s, median {med:.2f} s, worst {worst:.2f} s")
print(f"peer (GeoPandas + SciPy): {peer['wall_s']:.2f} s, steps {peer['timings_s']}")
print(f"ratio: {peer['wall_s'] / med:.1f}x at the median, {peer['wall_s'] / worst:.1f}x at the worst run")
print(f"d_<type> agreement: {peer['pairs_compared']} pairs, max |diff| {peer['max_abs_diff_m']} m, "
      f"{peer['pairs_over_0_5_m']} over 0.5 m")
if "access_values_off" in peer:
    print(f"access_<type> agreement: max relative diff {peer['access_max_rel_diff']:.2e}, "
          f"{peer['access_values_off']} values off by more than 1e-6")
    print(f"catchments: {peer['catchments_equal']} equal, "
          f"{peer['catchments_differing_only_by_ties']} differing only by pairs within 0.05 m "
          f"of the distance, {peer['catchments_outside_ties']} otherwise")
PY
