#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from data/ and the test fixtures (the corpus itself is not
# committed: libFuzzer grows it). Safe to run again: existing corpus files stay.
set -euo pipefail
shopt -s nullglob
cd "$(dirname "$0")"
root=..
mkdir -p corpus/{geojson,csv,cost_matrix,osm_pbf,streets,cli,gpkg,shapefile}

# Small slices of the demo layers (whole files too, but small inputs fuzz faster).
for f in "$root"/data/demo/*.geojson; do
  cp "$f" "corpus/geojson/demo-$(basename "$f")"
  python3 - "$f" "corpus/geojson/head-$(basename "$f")" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
d["features"] = d["features"][:3]
json.dump(d, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
PY
done
cp "$root"/data/demo/compounds.csv corpus/csv/demo-compounds.csv
head -4 "$root"/data/demo/compounds.csv > corpus/csv/head-compounds.csv
printf 'id,x,y,pop,户数\nA,528770.237,3386666.251,"1,234",\nB,528771,3386667,1.2万,12\n' > corpus/csv/projected.csv
for f in "$root"/tests/fixtures/bad/*; do
  case "$f" in
    *.expected|*.args|*README*) ;;
    */a_directory.geojson) ;;
    *.csv|*.txt) cp "$f" "corpus/csv/bad-$(basename "$f")" ;;
    *.gpkg) cp "$f" "corpus/gpkg/bad-$(basename "$f")" ;;
    *.shp|*.shx|*.dbf|*.prj|*.cpg) ;;
    *) cp "$f" "corpus/geojson/bad-$(basename "$f")" ;;
  esac
done

printf 'site,compound,cost\nS1,1,120.5\nS2,a,300\nc1,小区,0\n' > corpus/cost_matrix/metres.csv
printf '\xEF\xBB\xBFsite,compound,cost\nS1,2,3.5\n1,3,1e2\n' > corpus/cost_matrix/bom.csv
printf 'site,compound,cost\nS1,1,10\nS1,1,11\n' > corpus/cost_matrix/twice.csv

cp "$root"/tests/fixtures/network/*.pbf corpus/osm_pbf/

# Road layers: lines, a MultiLineString, layer/bridge/tunnel properties in any case.
printf '%s\n' '{"type":"FeatureCollection","features":[' \
  '{"type":"Feature","id":1,"properties":{"highway":"residential","layer":0},"geometry":{"type":"LineString","coordinates":[[7.4201,43.7301],[7.4212,43.7305,12.5],[7.4223,43.7311]]}},' \
  '{"type":"Feature","properties":{"ID":"b2","bridge":"yes"},"geometry":{"coordinates":[[[7.4212,43.7305],[7.4215,43.7322]],[[7.419,43.729],[7.4201,43.7301]]],"type":"MultiLineString"}},' \
  '{"type":"Feature","properties":{"tunnel":true,"LAYER":"-1"},"geometry":{"type":"LineString","coordinates":[[7.418,43.731],[7.423,43.729]]}},' \
  '{"type":"Feature","properties":null,"geometry":{"type":"LineString","coordinates":[[7.4223,43.7311],[7.424,43.733]]}}' \
  ']}' > corpus/streets/roads.geojson
cp "$root"/tests/fixtures/bad/not_a_collection.geojson "$root"/tests/fixtures/bad/broken.geojson \
  corpus/streets/

# Command lines, one argument per line, from the README's examples.
printf 'coverage\n--compounds\nc.geojson\n--centers\ns.geojson\n--minutes\n15\n--group-by\nstreet\n--circles\n-o\nout/' > corpus/cli/coverage
printf 'coverage\n--compounds\n小区.csv\n--centers\n服务中心.csv\n--coords\ngcj02\n--minutes\n10\n--standard\ngb50180\n--group-by\n街道\n--format\njson' > corpus/cli/chinese
printf 'site\n--compounds\nc.geojson\n--candidates\nauto\n--target\n0.99\n--level-radius\nstation=300\n--crs\nEPSG:4547\n--compounds-id-field\n编号' > corpus/cli/site
printf 'coverage\n--compounds\nc.csv\n--metric\nmatrix\n--matrix\nm.csv\n--matrix-columns\na,b,c\n--matrix-unit\nmin' > corpus/cli/matrix
printf 'urn:ogc:def:crs:EPSG::4548\n1,234\n1.2万\n+proj=tmerc +lon_0=117' > corpus/cli/values
echo "seeded: $(find corpus -type f | wc -l) files"

# Shapefile: two u16 lengths, then the .shp, .shx and .dbf of a GDAL-written layer.
python3 - "$root"/tests/fixtures/bad corpus/shapefile/gdal-three-points <<'PY'
import struct, sys
d = sys.argv[1]
shp = open(f"{d}/no_dbf.shp", "rb").read()
shx = open(f"{d}/no_dbf.shx", "rb").read()
dbf = open(f"{d}/unknown_prj.dbf", "rb").read()
open(sys.argv[2], "wb").write(struct.pack("<HH", len(shp), len(shx)) + shp + shx + dbf)
PY

