#!/usr/bin/env bash
# Runs fuzz targets one after another: fuzz/run.sh SECONDS [TARGET...] (default: all eight).
# Uses the nightly toolchain when installed, else stable with RUSTC_BOOTSTRAP=1 (for this
# build only: libFuzzer needs -Z flags). One job, lowest priority; no sanitizer (circleplan
# forbids unsafe code) but debug assertions and overflow checks on.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(geojson csv cost_matrix osm_pbf streets cli gpkg shapefile)
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  fuzz=(cargo +nightly fuzz)
else
  export RUSTC_BOOTSTRAP=1
  fuzz=(cargo fuzz)
fi
./seed.sh >/dev/null
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1}
nice -n 19 "${fuzz[@]}" build -s none -a 2>&1 | tail -1
for t in "${targets[@]}"; do
  echo "== $t: $seconds s"
  nice -n 19 "${fuzz[@]}" run -s none -a "$t" -- -max_total_time="$seconds" -max_len=20000 \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 2>&1 |
    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb|Done|ERROR|panicked|deadly|SUMMARY|Test unit written' || true
  if compgen -G "artifacts/$t/crash-*" >/dev/null || compgen -G "artifacts/$t/oom-*" >/dev/null ||
     compgen -G "artifacts/$t/timeout-*" >/dev/null; then
    echo "FINDINGS in fuzz/artifacts/$t"; exit 1
  fi
done
