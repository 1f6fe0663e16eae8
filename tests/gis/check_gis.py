"""Shapefile and GeoPackage exchange with GDAL (pyogrio + GeoPandas), end to end.

Usage: python tests/gis/check_gis.py path/to/circleplan

1. A synthetic city's compounds are written by GDAL as an ArcGIS-style Shapefile (GBK .dbf
   named by a .cpg, EPSG:4548 CGCS2000 3-degree Gauss-Kruger CM 117E .prj), its centres as a
   GeoPackage in EPSG:4490 (CGCS2000 geographic); `coverage` on them must give the same
   summary figures and the same covered compounds as the GeoJSON route.
2. `-o out.gpkg` must open in pyogrio with one layer per GeoJSON file, in EPSG:4326, with the
   GeoJSON's attributes as typed columns, the summary.json inside, and each layer's QGIS
   style as its default row of `layer_styles`.
3. `--boundaries`: areas (holes, a MultiPolygon, overlaps) as GeoJSON, as a GBK Shapefile in
   EPSG:4548 and as a GeoPackage in EPSG:4490 give every compound the area Shapely's
   `covers` finds first in file order (edges inside, holes outside), and so does the
   hand-made fixture whose points lie on edges and corners.
"""

import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import geopandas as gpd
import pyogrio


def run(binary, *args):
    done = subprocess.run([binary, *args], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"circleplan {' '.join(args)} failed:\n{done.stderr}")
    return done


def figures(summary):
    """The summary without what names the input files or their systems."""
    drop = {"inputs", "timings", "input", "files"}
    if isinstance(summary, dict):
        return {k: figures(v) for k, v in summary.items() if k not in drop}
    if isinstance(summary, list):
        return [figures(v) for v in summary]
    return summary


def main(binary):
    tmp = Path(tempfile.mkdtemp(prefix="circleplan-gis-"))
    run(binary, "synth", "--compounds", "2000", "--centers", "80", "--seed", "3", "-o", str(tmp / "city"))
    compounds = gpd.read_file(tmp / "city/compounds.geojson")
    centres = gpd.read_file(tmp / "city/centers.geojson")
    shp = tmp / "小区.shp"
    compounds.to_crs(4548).to_file(shp, encoding="GBK", engine="pyogrio")
    assert (tmp / "小区.cpg").read_text().strip().upper() in ("GBK", "936", "CP936"), "cpg"
    assert "Gauss_Kruger" in (tmp / "小区.prj").read_text(), "prj"
    gpkg_in = tmp / "服务中心.gpkg"
    centres.to_crs(4490).to_file(gpkg_in, layer="centres", engine="pyogrio")

    run(binary, "coverage", "--compounds", str(tmp / "city/compounds.geojson"),
        "--centers", str(tmp / "city/centers.geojson"), "--group-by", "street",
        "-o", str(tmp / "geojson_out"))
    out = tmp / "out.gpkg"
    run(binary, "coverage", "--compounds", str(shp), "--centers", str(gpkg_in),
        "--group-by", "street", "-o", str(out))

    # 1. Same results as the GeoJSON route.
    with sqlite3.connect(out) as db:
        files = dict(db.execute("SELECT name, content FROM circleplan_files"))
    via_gis = json.loads(files["summary.json"])
    via_json = json.loads((tmp / "geojson_out/summary.json").read_text())
    assert figures(via_gis) == figures(via_json), "summaries differ"
    read = via_gis["inputs"]
    assert read["compounds"]["crs"] == "EPSG:4548", read["compounds"]
    assert read["compounds"]["encoding"] == "gbk", read["compounds"]
    assert read["centers"]["crs"] == "EPSG:4490", read["centers"]
    # 2. The GeoPackage as GDAL sees it.
    layers = {name: kind for name, kind in pyogrio.list_layers(out)}
    want = {p.stem: None for p in (tmp / "geojson_out").glob("*.geojson")}
    assert layers.pop("circleplan_files") is None, "the run's other files, as a table"
    # QGIS's default style of each layer, in the table QGIS and GDAL read styles from.
    assert layers.pop("layer_styles", None) is None, "the styles, as a table"
    styles = pyogrio.read_dataframe(out, layer="layer_styles")
    assert sorted(styles["f_table_name"]) == sorted(want), list(styles["f_table_name"])
    assert styles["useAsDefault"].astype(bool).all(), "not every style is the default"
    assert set(styles["f_geometry_column"]) == {"geom"}, set(styles["f_geometry_column"])
    assert all(q.startswith("<!DOCTYPE qgis") for q in styles["styleQML"])
    assert set(layers) == set(want), f"layers {sorted(layers)} != {sorted(want)}"
    checked = 0
    for name in want:
        info = pyogrio.read_info(out, layer=name)
        assert info["crs"] == "EPSG:4326", (name, info["crs"])
        table = gpd.read_file(out, layer=name, engine="pyogrio")
        twin = gpd.read_file(tmp / f"geojson_out/{name}.geojson", engine="pyogrio")
        assert len(table) == len(twin), name
        assert list(table.columns) == list(twin.columns), (name, list(table.columns), list(twin.columns))
        for column in twin.columns:
            if column == "geometry":
                assert table.geometry.geom_equals_exact(twin.geometry, 1e-9).all(), name
                continue
            # GeoJSON gives small integers int32, a GeoPackage INTEGER is int64: same kind.
            a, b = table[column], twin[column]
            assert a.dtype.kind == b.dtype.kind, (name, column, a.dtype, b.dtype)
            assert a.astype(b.dtype).equals(b), (name, column)
            checked += 1
    # 3. Streets as a Shapefile (EPSG:4548) and as a GeoPackage layer give the walking
    # network the GeoJSON gives.
    streets = gpd.read_file(tmp / "city/streets.geojson")
    streets.to_crs(4548).to_file(tmp / "streets.shp", engine="pyogrio")
    streets.to_crs(4490).to_file(tmp / "streets.gpkg", layer="roads", engine="pyogrio")
    walking = {}
    for network in ("city/streets.geojson", "streets.shp", "streets.gpkg:roads"):
        done = run(binary, "coverage", "--compounds", str(tmp / "city/compounds.geojson"),
                   "--centers", str(tmp / "city/centers.geojson"), "--metric", "network",
                   "--network", str(tmp / network), "--format", "json")
        walking[network] = figures(json.loads(done.stdout))
    first = walking["city/streets.geojson"]
    for network, summary in walking.items():
        assert summary == first, f"walking coverage on {network} differs"
    # 4. Candidates as a Shapefile (GBK names) and a GeoPackage layer: the same sites, with
    # the candidates' own properties in sites.geojson.
    candidates = gpd.read_file(tmp / "city/candidates.geojson")
    candidates.to_crs(4548).to_file(tmp / "候选点.shp", encoding="GBK", engine="pyogrio")
    candidates.to_file(tmp / "candidates.gpkg", layer="candidates", engine="pyogrio")
    sites = {}
    for layer in ("city/candidates.geojson", "候选点.shp", "candidates.gpkg"):
        folder = tmp / f"site_{Path(layer).stem}"
        run(binary, "site", "--compounds", str(tmp / "city/compounds.geojson"),
            "--centers", str(tmp / "city/centers.geojson"), "--candidates", str(tmp / layer),
            "--add", "3", "-o", str(folder))
        layer_json = json.loads((folder / "sites.geojson").read_text())
        sites[layer] = [f["properties"] for f in layer_json["features"]]
    for layer, chosen in sites.items():
        assert chosen == sites["city/candidates.geojson"], (layer, chosen)
    # 5. Life-circle facilities (typed by a Chinese field) as a Shapefile and a GeoPackage.
    demo = tmp / "demo"
    run(binary, "demo", "-o", str(demo))
    facilities = gpd.read_file(demo / "inputs/facilities.geojson")
    facilities.to_crs(4548).to_file(tmp / "设施.shp", encoding="GBK", engine="pyogrio")
    facilities.to_file(tmp / "facilities.gpkg", layer="facilities", engine="pyogrio")
    lifecircle = {}
    for layer in (demo / "inputs/facilities.geojson", tmp / "设施.shp", tmp / "facilities.gpkg"):
        done = run(binary, "lifecircle", "--compounds", str(demo / "inputs/compounds.geojson"),
                   "--facilities", str(layer), "--format", "json")
        lifecircle[layer.name] = figures(json.loads(done.stdout))
    assert len({json.dumps(v, sort_keys=True) for v in lifecircle.values()}) == 1, "lifecircle"
    boundary_points, boundary_areas = check_boundaries(binary, tmp)
    covered = gpd.read_file(out, layer="compounds")
    ids = gpd.read_file(tmp / "小区.shp", encoding="GBK")["id"]
    assert list(covered["id"]) == list(ids), "compound ids and order"
    print(f"ok: {len(compounds)} compounds via Shapefile (GBK, EPSG:4548) and {len(centres)} centres "
          f"via GeoPackage (EPSG:4490) give the GeoJSON route's summary; {out.name} has layers "
          f"{sorted(layers)} in EPSG:4326 with {checked} columns equal to the GeoJSON's; "
          f"{len(streets)} streets as Shapefile and GeoPackage give the same walking coverage; "
          f"{len(candidates)} candidates as Shapefile and GeoPackage give the same sites; "
          f"{len(facilities)} facilities as Shapefile and GeoPackage the same life circle; "
          f"{boundary_points} compounds in {boundary_areas} areas (GeoJSON, Shapefile, "
          f"GeoPackage) as Shapely's covers places them")


def first_covering(areas, points):
    """Per point, the name of the first area (in file order) that covers it, else ''."""
    names = []
    for p in points:
        hit = [name for name, g in zip(areas["街道"], areas.geometry) if g.covers(p)]
        names.append(hit[0] if hit else "")
    return names


def check_boundaries(binary, tmp):
    from shapely.geometry import MultiPolygon, Point, box

    compounds = gpd.read_file(tmp / "city/compounds.geojson")
    # Padded: a compound on the outer edge would lie within the round-off of the projected
    # layers' reprojection (edges are checked exactly in the GeoJSON layer and the fixture).
    x0, y0, x1, y1 = compounds.total_bounds + [-1e-4, -1e-4, 1e-4, 1e-4]
    dx, dy = (x1 - x0) / 3, (y1 - y0) / 3
    shapes, names = [], []
    for i in range(3):
        for j in range(3):
            cell = box(x0 + i * dx, y0 + j * dy, x0 + (i + 1) * dx, y0 + (j + 1) * dy)
            if (i + j) % 2 == 0:
                cell = cell.difference(cell.centroid.buffer(min(dx, dy) / 4))
            shapes.append(cell)
            names.append(f"街道{i}{j}")
    shapes[1] = MultiPolygon([shapes[1], box(x1 + dx, y1, x1 + 2 * dx, y1 + dy)])
    shapes.append(Point((x0 + x1) / 2, (y0 + y1) / 2).buffer(min(dx, dy)))
    names.append("重叠区")
    areas = gpd.GeoDataFrame({"街道": names}, geometry=shapes, crs=4326)
    areas.to_file(tmp / "areas.geojson", driver="GeoJSON", engine="pyogrio")
    areas.to_crs(4548).to_file(tmp / "街道.shp", encoding="GBK", engine="pyogrio")
    areas.to_crs(4490).to_file(tmp / "街道.gpkg", layer="areas", engine="pyogrio")
    want = first_covering(areas, compounds.geometry)
    assert len(set(want)) > 5, "the test layer spreads the compounds over the areas"
    for layer in ("areas.geojson", "街道.shp", "街道.gpkg"):
        out = tmp / f"areas_{layer.replace('.', '_')}"
        run(binary, "coverage", "--compounds", str(tmp / "city/compounds.geojson"),
            "--centers", str(tmp / "city/centers.geojson"), "--boundaries", str(tmp / layer),
            "--group-by", "街道", "-o", str(out), "-q")
        got = list(gpd.read_file(out / "compounds.geojson")["街道"].fillna(""))
        bad = [(i, g, w) for i, (g, w) in enumerate(zip(got, want)) if g != w]
        assert not bad, (layer, bad[:5])
    fixtures = Path(__file__).resolve().parent.parent / "fixtures/boundaries"
    edges = gpd.read_file(fixtures / "areas.geojson")
    edges = edges[edges.geom_type.isin(["Polygon", "MultiPolygon"])]
    points = gpd.read_file(fixtures / "compounds.geojson")
    out = tmp / "areas_fixture"
    run(binary, "coverage", "--compounds", str(fixtures / "compounds.geojson"),
        "--centers", str(fixtures / "centers.geojson"), "--boundaries",
        str(fixtures / "areas.geojson"), "-o", str(out), "-q")
    got = list(gpd.read_file(out / "compounds.geojson")["街道"].fillna(""))
    assert got == first_covering(edges, points.geometry), got
    return len(compounds), len(areas)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target/debug/circleplan")
