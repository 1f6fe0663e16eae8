#!/usr/bin/env python3
"""Second peer for `circleplan lifecircle --metric network`: pandana, the tool urban analysts
use for "nearest amenity of each type" (a contraction hierarchy, then nearest POIs).

    lifecircle_pandana.py COMPOUNDS FACILITIES STREETS PROFILE.toml OUTDIR
        [--type-field 类型] [--compare CIRCLEPLAN_DIR]

Steps (each timed): read (GeoPandas/pyogrio), project, node (Shapely noding, as in
lifecircle_geopandas_scipy.py), network (pandana.Network: builds the contraction hierarchy),
precompute (the largest profile distance), pois (one category per type), nearest (per type,
nearest_pois for every compound's node), write (GeoPandas). pandana snaps points to the
nearest graph node (no offset along a street), so its distances differ from circleplan's by
up to about half a segment; with --compare the median and 90th-percentile differences are
printed, not an equality check. Needs `pip install pandana` in the venv (not in
requirements.txt: its wheels are not available everywhere).
"""

import argparse
import json
import os
import resource
import time

T_START = time.perf_counter()

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pandana  # noqa: E402
import shapely  # noqa: E402

from lifecircle_geopandas_scipy import profile_types  # noqa: E402
from walk_geopandas_scipy import local_tmerc, segments_of  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("compounds")
    ap.add_argument("facilities")
    ap.add_argument("streets")
    ap.add_argument("profile")
    ap.add_argument("outdir")
    ap.add_argument("--type-field", default="类型")
    ap.add_argument("--compare")
    args = ap.parse_args()
    types, lookup = profile_types(args.profile)
    t = {}
    t0 = time.perf_counter()
    comp = gpd.read_file(args.compounds, engine="pyogrio")
    fac = gpd.read_file(args.facilities, engine="pyogrio")
    streets = gpd.read_file(args.streets, engine="pyogrio")
    t["read"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    crs = local_tmerc(comp, fac, streets)
    comp_m, fac_m, streets_m = comp.to_crs(crs), fac.to_crs(crs), streets.to_crs(crs)
    t["project"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    a, b, na, nb = segments_of(streets_m.geometry.values)
    seg_len = np.hypot(b[:, 0] - a[:, 0], b[:, 1] - a[:, 1])
    n_nodes = int(max(na.max(), nb.max())) + 1
    xy = np.zeros((n_nodes, 2))
    xy[na] = a
    xy[nb] = b
    t["node"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    nodes = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1]})
    edges = pd.DataFrame({"from": na, "to": nb, "len": seg_len})
    net = pandana.Network(nodes["x"], nodes["y"], edges["from"], edges["to"], edges[["len"]], twoway=True)
    t["network"] = time.perf_counter() - t0

    max_d = max(d for _, d in types)
    t0 = time.perf_counter()
    net.precompute(max_d + 1)
    t["precompute"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    kind = np.array(
        [lookup.get(str(v).strip().lower(), -1) for v in fac[args.type_field].to_numpy()]
    )
    fxy = shapely.get_coordinates(fac_m.geometry.values)
    cxy = shapely.get_coordinates(comp_m.geometry.representative_point().values)
    for k, (type_id, limit) in enumerate(types):
        mine = kind == k
        if mine.any():
            net.set_pois(type_id, max_d * 3, 1, pd.Series(fxy[mine, 0]), pd.Series(fxy[mine, 1]))
    comp_nodes = net.get_node_ids(pd.Series(cxy[:, 0]), pd.Series(cxy[:, 1]))
    t["pois"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    out = comp[["id"]].copy()
    for k, (type_id, limit) in enumerate(types):
        if not (kind == k).any():
            out[f"d_{type_id}"] = np.nan
            continue
        near = net.nearest_pois(max_d * 3, type_id, num_pois=1)
        d = near[1].reindex(comp_nodes.values).to_numpy(dtype=float, copy=True)
        d[d >= max_d * 3] = np.nan
        out[f"d_{type_id}"] = np.round(d, 2)
        out[f"ok_{type_id}"] = d <= limit
    t["nearest"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    out = gpd.GeoDataFrame(out, geometry=comp.geometry, crs=comp.crs)
    os.makedirs(args.outdir, exist_ok=True)
    out.to_file(os.path.join(args.outdir, "compounds.geojson"), driver="GeoJSON", engine="pyogrio")
    t["write"] = time.perf_counter() - t0

    for k, v in t.items():
        print(f"{k:10s} {v:8.2f} s")
    result = {
        "timings_s": {k: round(v, 3) for k, v in t.items()},
        "wall_s": round(time.perf_counter() - T_START, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
        "graph_nodes": n_nodes,
    }
    if args.compare:
        theirs = pd.read_csv(os.path.join(args.compare, "compounds.csv"), encoding="utf-8-sig")
        theirs = theirs.set_index(theirs["id"].astype(str))
        mine = out.set_index(out["id"].astype(str))
        diffs = []
        for type_id, _ in types:
            x = mine[f"d_{type_id}"].to_numpy(dtype=float)
            y = theirs.loc[mine.index, f"d_{type_id}"].to_numpy(dtype=float)
            both = np.isfinite(x) & np.isfinite(y)
            diffs.append(np.abs(x[both] - y[both]))
        diffs = np.concatenate(diffs)
        result["pairs_compared"] = int(len(diffs))
        result["median_abs_diff_m"] = round(float(np.median(diffs)), 2)
        result["p90_abs_diff_m"] = round(float(np.percentile(diffs, 90)), 2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
