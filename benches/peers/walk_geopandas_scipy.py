#!/usr/bin/env python3
"""Peer for `circleplan coverage --metric network --node-crossings`: the walking-coverage job
done the way an expert Python user would, with GeoPandas, Shapely 2 and SciPy.

    walk_geopandas_scipy.py COMPOUNDS CENTERS STREETS RADIUS_M OUTDIR [--compare CIRCLEPLAN_DIR]

Steps (each timed):
  read      geopandas.read_file (pyogrio) of the three GeoJSON layers
  project   to_crs to the local transverse Mercator circleplan measures on
  node      shapely.unary_union of the street lines (GEOS noding: lines split where they
            cross), exploded into two-point segments; nodes = unique endpoints
  graph     scipy.sparse CSR of the undirected segment graph, lengths in metres
  snap      STRtree.query_nearest of every compound and centre onto the nearest segment,
            line_locate_point for the position along it, distance for the straight offset;
            points farther than 300 m from every street are unreachable
  dijkstra  one multi-source scipy.sparse.csgraph.dijkstra(min_only=True): each centre is a
            virtual source joined to both ends of its segment (offset + distance along)
  derive    per compound: walk cost = offset + min over the two ends of its segment of
            (along + distance to the end's nearest centre); covered = cost <= RADIUS_M
            (a compound and a centre on the same segment are joined through the segment's
            ends, as most hand-built pipelines do)
  write     OUTDIR/compounds.geojson (to_file, pyogrio, WGS84 geometry)

Prints one line per step and a final line of JSON (timings, wall time, peak RSS). With
--compare, matches compounds by id against CIRCLEPLAN_DIR/compounds.geojson and prints how many
`covered` flags agree.
"""

import argparse
import json
import os
import resource
import time

T_START = time.perf_counter()

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402
from scipy.sparse import coo_matrix  # noqa: E402
from scipy.sparse.csgraph import dijkstra  # noqa: E402

SNAP_LIMIT_M = 300.0


def local_tmerc(*frames):
    b = np.array([f.total_bounds for f in frames])
    lon0 = float(0.5 * (b[:, 0].min() + b[:, 2].max()))
    lat0 = float(0.5 * (b[:, 1].min() + b[:, 3].max()))
    return (
        f"+proj=tmerc +lat_0={lat0!r} +lon_0={lon0!r} +k_0=1 +x_0=0 +y_0=0 "
        f"+ellps=WGS84 +units=m +no_defs"
    )


def segments_of(lines):
    """Noded two-point segments (a, b) as float arrays, and their node ids."""
    noded = shapely.unary_union(lines)
    parts = shapely.get_parts(noded)
    coords, index = shapely.get_coordinates(parts, return_index=True)
    same_line = index[1:] == index[:-1]
    a = coords[:-1][same_line]
    b = coords[1:][same_line]
    keep = np.any(a != b, axis=1)
    a, b = a[keep], b[keep]
    ends = np.vstack([a, b])
    _, node = np.unique(np.round(ends, 6), axis=0, return_inverse=True)
    node = node.ravel()
    return a, b, node[: len(a)], node[len(a):]


def snap(points_xy, tree, seg_geoms, seg_len):
    """Nearest segment, distance along it and straight offset for each point."""
    pts = shapely.points(points_xy)
    idx = tree.query_nearest(pts, all_matches=False, return_distance=False)
    pt_i, seg_i = idx[0], idx[1]
    seg = np.full(len(points_xy), -1)
    seg[pt_i] = seg_i
    along = shapely.line_locate_point(seg_geoms[seg], pts)
    offset = shapely.distance(seg_geoms[seg], pts)
    ok = offset <= SNAP_LIMIT_M
    return seg, np.clip(along, 0.0, seg_len[seg]), offset, ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("compounds")
    ap.add_argument("centers")
    ap.add_argument("streets")
    ap.add_argument("radius_m", type=float)
    ap.add_argument("outdir")
    ap.add_argument("--compare")
    args = ap.parse_args()
    t = {}
    t0 = time.perf_counter()
    comp = gpd.read_file(args.compounds, engine="pyogrio")
    cent = gpd.read_file(args.centers, engine="pyogrio")
    streets = gpd.read_file(args.streets, engine="pyogrio")
    t["read"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    crs = local_tmerc(comp, cent, streets)
    comp_m, cent_m, streets_m = comp.to_crs(crs), cent.to_crs(crs), streets.to_crs(crs)
    t["project"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    a, b, na, nb = segments_of(streets_m.geometry.values)
    seg_len = np.hypot(b[:, 0] - a[:, 0], b[:, 1] - a[:, 1])
    n_nodes = int(max(na.max(), nb.max())) + 1
    t["node"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    n_cent = len(cent_m)
    seg_geoms = shapely.linestrings(np.stack([a, b], axis=1))
    tree = shapely.STRtree(seg_geoms)
    c_seg, c_along, c_off, c_ok = snap(shapely.get_coordinates(cent_m.geometry.values), tree, seg_geoms, seg_len)
    t["snap"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    # Streets both ways; each reachable centre a virtual node joined to its segment's ends.
    vc = n_nodes + np.arange(n_cent)[c_ok]
    rows = np.concatenate([na, nb, vc, vc])
    cols = np.concatenate([nb, na, na[c_seg[c_ok]], nb[c_seg[c_ok]]])
    w = np.concatenate([
        seg_len, seg_len,
        c_off[c_ok] + c_along[c_ok],
        c_off[c_ok] + seg_len[c_seg[c_ok]] - c_along[c_ok],
    ])
    size = n_nodes + n_cent
    graph = coo_matrix((w, (rows, cols)), shape=(size, size)).tocsr()
    t["graph"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    dist, _, source = dijkstra(graph, directed=True, indices=vc, min_only=True, return_predecessors=True)
    t["dijkstra"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    s_seg, s_along, s_off, s_ok = snap(shapely.get_coordinates(comp_m.geometry.values), tree, seg_geoms, seg_len)
    t["snap"] += time.perf_counter() - t0

    t0 = time.perf_counter()
    via_a = s_along + dist[na[s_seg]]
    via_b = seg_len[s_seg] - s_along + dist[nb[s_seg]]
    cost = s_off + np.minimum(via_a, via_b)
    src = np.where(via_a <= via_b, source[na[s_seg]], source[nb[s_seg]])
    cost[~s_ok] = np.inf
    covered = cost <= args.radius_m
    ids = cent["id"].to_numpy() if "id" in cent else np.arange(n_cent).astype(str)
    nearest = np.where(np.isfinite(cost) & (src >= n_nodes), ids[np.clip(src - n_nodes, 0, n_cent - 1)], None)
    out = comp[["id", "population"]].copy() if "population" in comp else comp[["id"]].copy()
    out["nearest_center"] = nearest
    out["distance_m"] = np.where(np.isfinite(cost), np.round(cost, 2), np.nan)
    out["covered"] = covered
    out = gpd.GeoDataFrame(out, geometry=comp.geometry, crs=comp.crs)
    t["derive"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    os.makedirs(args.outdir, exist_ok=True)
    out.to_file(os.path.join(args.outdir, "compounds.geojson"), driver="GeoJSON", engine="pyogrio")
    t["write"] = time.perf_counter() - t0

    for k, v in t.items():
        print(f"{k:9s} {v:7.2f} s")
    total = time.perf_counter() - T_START
    result = {
        "timings_s": {k: round(v, 3) for k, v in t.items()},
        "wall_s": round(total, 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
        "compounds": int(len(comp)),
        "covered": int(covered.sum()),
        "graph_nodes": n_nodes,
        "segments": int(len(a)),
    }
    if args.compare:
        theirs = gpd.read_file(os.path.join(args.compare, "compounds.geojson"), engine="pyogrio")
        mine = dict(zip(out["id"], out["covered"]))
        agree = sum(bool(mine.get(i)) == bool(c) for i, c in zip(theirs["id"], theirs["covered"]))
        result["covered_flags_agree"] = f"{agree}/{len(theirs)}"
    print(json.dumps(result))


if __name__ == "__main__":
    main()
