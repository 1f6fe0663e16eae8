#!/usr/bin/env bash
# Whole-command comparison of `circleplan coverage` with the GeoPandas peer on one synthetic city.
#
#   benches/peers/compare_coverage.sh [N] [M] [K]
#
# N compounds (default 1000000), M centres (default 100000), K candidates for synth (default M/10;
# coverage does not use them). Data: bench-data/N_M/ (made by `circleplan synth --seed 1` when
# absent; an existing directory is reused whatever its K). Outputs: bench-data/N_M/out/{circleplan,
# geopandas}/ and logs beside them. Circle: MINUTES (15) at SPEED (4 km/h) = 1000 m by default.
#
# Density: BOX_KM and CLUSTERS pass `--box-km`/`--clusters` to synth (default: the sparse
# 130 km region at 1M compounds). The dense megacity of the README's table:
#   BOX_KM=30 CLUSTERS=40 benches/peers/compare_coverage.sh 1000000 100000
# (data in bench-data/dense_N_M/ then).
#
# Environment: CIRCLEPLAN_BIN (use this binary, no build), MINUTES, SPEED, SEED (1),
# PEERS_TIMER=gnu|python (default: /usr/bin/time -v, apt-installed if missing, else Python).
# Each tool runs REPEAT (1) times, fresh process each, under /usr/bin/time -v (wall time, peak RSS);
# the table shows the fastest run.
set -euo pipefail

N="${1:-1000000}"
M="${2:-100000}"
K="${3:-$(( M / 10 > 0 ? M / 10 : 1 ))}"
MINUTES="${MINUTES:-15}"
SPEED="${SPEED:-4}"
SEED="${SEED:-1}"
REPEAT="${REPEAT:-1}"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
py="$root/.venv/bin/python"
# The peer's centres-within count: dwithin (one query, all pairs in memory), chunked (the same
# in 50,000-compound chunks: what a dense city needs) or none (nearest only).
PEER_WITHIN="${PEER_WITHIN:-dwithin}"
BOX_KM="${BOX_KM:-}"
CLUSTERS="${CLUSTERS:-}"
density_args=()
data="$root/bench-data/${N}_${M}"
if [ -n "$BOX_KM" ]; then
    density_args+=(--box-km "$BOX_KM")
    data="$root/bench-data/dense_${N}_${M}"
fi
if [ -n "$CLUSTERS" ]; then
    density_args+=(--clusters "$CLUSTERS")
    data="$data-c$CLUSTERS"
fi
out="$data/out"
radius="$(python3 -c "print(repr($MINUTES / 60 * $SPEED * 1000))")"

# --- peers -------------------------------------------------------------------------------------
if [ ! -x "$py" ] || ! "$py" -c 'import geopandas, pyogrio' 2>/dev/null; then
    "$here/setup.sh"
fi

# --- circleplan binary ---------------------------------------------------------------------------
bin="${CIRCLEPLAN_BIN:-$root/target/release/circleplan}"
if [ -z "${CIRCLEPLAN_BIN:-}" ]; then
    stale=""
    if [ ! -x "$bin" ]; then
        stale="missing"
    elif [ -n "$(find "$root/src" "$root/Cargo.toml" "$root/Cargo.lock" -newer "$bin" -print -quit)" ]; then
        stale="older than the sources"
    fi
    if [ -n "$stale" ]; then
        # Others may be compiling in this tree on a 2-core machine: wait for them first.
        while pgrep -x cargo >/dev/null || pgrep -x rustc >/dev/null; do
            echo "waiting for another cargo/rustc to finish..."
            sleep 15
        done
        echo "building circleplan (release binary $stale)"
        if ! (cd "$root" && cargo build --release); then
            # Someone's work in progress may not compile; an older binary still measures.
            [ -x "$bin" ] || { echo "cargo build --release failed and there is no binary" >&2; exit 1; }
            echo "warning: cargo build --release failed; using the existing $bin" >&2
        fi
    fi
fi

# --- data ------------------------------------------------------------------------------------------
if [ ! -s "$data/compounds.geojson" ] || [ ! -s "$data/centers.geojson" ]; then
    echo "synth: $N compounds, $M centres, $K candidates, seed $SEED -> $data"
    "$bin" synth --compounds "$N" --centers "$M" --candidates "$K" --seed "$SEED" \
        ${density_args[@]+"${density_args[@]}"} -o "$data"
fi

# --- measuring -------------------------------------------------------------------------------------
timer="${PEERS_TIMER:-}"  # gnu or python to force one
if [ -n "$timer" ]; then
    :
elif [ -x /usr/bin/time ]; then
    timer=gnu
elif command -v apt-get >/dev/null && [ "$(id -u)" = 0 ] \
        && { apt-get install -y -qq time >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq time; } >/dev/null 2>&1; } \
        && [ -x /usr/bin/time ]; then
    timer=gnu
else
    timer=python
fi

# measure NAME LOG CMD... -> sets WALL (s) and PEAK_MB; the command's output goes to LOG.
measure() {
    local name="$1" log="$2"
    shift 2
    local tfile="$log.time" t0 t1 kb
    rm -f "$tfile"
    if [ "$timer" = gnu ]; then
        t0="$(date +%s.%N)"
        /usr/bin/time -v -o "$tfile" "$@" >"$log" 2>&1 || { cat "$log"; echo "$name failed" >&2; exit 1; }
        t1="$(date +%s.%N)"
        kb="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tfile")"
        WALL="$(python3 -c "print(f'{$t1 - $t0:.3f}')")"
    else
        # Fallback: wall time and the child's ru_maxrss from Python's resource module.
        python3 - "$tfile" "$@" >"$log" 2>&1 <<'PY' || { cat "$log"; echo "$name failed" >&2; exit 1; }
import resource, subprocess, sys, time
t = time.perf_counter()
rc = subprocess.call(sys.argv[2:])
wall = time.perf_counter() - t
with open(sys.argv[1], "w") as f:
    f.write(f"wall {wall:.3f}\nMaximum resident set size (kbytes): {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}\n")
sys.exit(rc)
PY
        kb="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tfile")"
        WALL="$(awk '/^wall/ {print $2}' "$tfile")"
    fi
    PEAK_MB="$(python3 -c "print(f'{$kb / 1024:.1f}')")"
    local cpu
    cpu="$(awk -F': ' '/Percent of CPU/ {print ", CPU " $2}' "$tfile")"
    echo "$name: wall ${WALL} s, peak ${PEAK_MB} MB${cpu}  (log: $log)"
}

# Other work on this 2-core machine skews the timings: say so when the load is up.
check_load() {
    local load
    load="$(cut -d' ' -f1 /proc/loadavg)"
    if python3 -c "import sys; sys.exit(0 if $load > 0.5 else 1)"; then
        echo "warning: 1-min load average is $load before this run; other processes compete for the 2 cores" >&2
        ps -eo pcpu,comm --sort=-pcpu | awk 'NR>1 && $1 > 10 {print "  busy: " $2 " " $1 "%"}' | head -5 >&2
    fi
}

mkdir -p "$out"
echo "data: $data ($(du -sh "$data/compounds.geojson" | cut -f1) compounds, $(du -sh "$data/centers.geojson" | cut -f1) centres), radius ${radius} m, timer: $timer, $(nproc) cores"
rm -rf "$out/circleplan" "$out/geopandas"

# best_of NAME LOG CMD...: REPEAT runs, keeps the smallest wall time (and that run's peak RSS).
best_of() {
    local name="$1" log="$2" best_wall="" best_mb="" r
    shift 2
    for r in $(seq 1 "$REPEAT"); do
        check_load
        measure "$name" "$log" "$@"
        if [ -z "$best_wall" ] || python3 -c "import sys; sys.exit(0 if $WALL < $best_wall else 1)"; then
            best_wall="$WALL" best_mb="$PEAK_MB"
        fi
    done
    WALL="$best_wall" PEAK_MB="$best_mb"
}

best_of circleplan "$out/circleplan.log" \
    "$bin" coverage --compounds "$data/compounds.geojson" --centers "$data/centers.geojson" \
    --minutes "$MINUTES" --speed "$SPEED" -o "$out/circleplan" --timings
CP_WALL="$WALL" CP_MB="$PEAK_MB"
grep -E '^(Timings|Population covered|Compounds covered)' "$out/circleplan.log" | sed 's/^/  /'

best_of geopandas "$out/geopandas.log" \
    "$py" "$here/coverage_geopandas.py" "$data/compounds.geojson" "$data/centers.geojson" \
    "$radius" "$out/geopandas" --speed "$SPEED" --within "$PEER_WITHIN"
GP_WALL="$WALL" GP_MB="$PEAK_MB"
grep -vE '^\{' "$out/geopandas.log" | sed 's/^/  /'

"$py" "$here/compare_outputs.py" "$radius" \
    circleplan "$out/circleplan" "$CP_WALL" "$CP_MB" \
    geopandas "$out/geopandas" "$GP_WALL" "$GP_MB"
