#!/usr/bin/env python3
"""Peer for `circleplan lifecircle --metric network --node-crossings`: the walking life
circle done the way an expert Python user would, with GeoPandas, Shapely 2 and SciPy.

    lifecircle_geopandas_scipy.py COMPOUNDS FACILITIES STREETS PROFILE.toml OUTDIR
        [--type-field 类型] [--compare CIRCLEPLAN_DIR] [--2sfca [--capacity-field capacity] [--population-field population]]

Steps (each timed):
  read      geopandas.read_file (pyogrio) of the three layers
  project   to_crs to the local transverse Mercator circleplan measures on
  node      shapely.unary_union of the street lines (GEOS noding), two-point segments
  snap      STRtree.query_nearest of every compound and facility onto the nearest segment
            (line_locate_point, distance); points beyond 300 m of every street unreachable
  dijkstra  per profile type, one multi-source scipy.sparse.csgraph.dijkstra(min_only=True)
            from all its facilities (virtual sources joined to their segment's ends)
  derive    per compound and type: offset + min over its segment's ends of (along + node
            distance), and the walk along a shared segment when a facility of the type
            snapped to the compound's own segment; d_<type>, ok_<type>
  2sfca     (with --2sfca) per type, each facility's walking catchment: the compounds
            within its distance in a straight line (STRtree dwithin, a walk is never shorter),
            then bounded scipy dijkstra(limit=distance) from the facilities in chunks of 256,
            the pairs within the walk kept; access_<type> = 1000 x sum over the facilities
            reaching a compound of capacity / residents in the facility's catchment
            (Luo & Wang 2003, as circleplan and pysal/access compute it)
  write     OUTDIR/compounds.geojson (pyogrio, WGS84)

The facility layer's type values are matched to profile types by the profile's `aliases`
(and type ids), case-insensitively, as circleplan does. With --compare, every d_<type> is
matched by compound id against CIRCLEPLAN_DIR/compounds.csv and the largest difference and
the count of pairs more than 0.5 m apart are printed.
"""

import argparse
import json
import os
import resource
import time
import tomllib

T_START = time.perf_counter()

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402
from scipy.sparse import coo_matrix  # noqa: E402
from scipy.sparse.csgraph import dijkstra  # noqa: E402

from walk_geopandas_scipy import SNAP_LIMIT_M, local_tmerc, segments_of, snap  # noqa: E402


def profile_types(path):
    with open(path, "rb") as f:
        prof = tomllib.load(f)
    types = []
    lookup = {}
    for k, fac in enumerate(prof["facility"]):
        types.append((fac["type"], float(fac["max_distance_m"])))
        for name in [fac["type"], *fac.get("aliases", [])]:
            lookup.setdefault(name.lower(), k)
    return types, lookup


class Walk:
    """The street graph both ways, to which one chunk of facilities at a time is joined."""

    def __init__(self, rows, cols, w, n_nodes, na, nb, seg_len):
        self.rows, self.cols, self.w = rows, cols, w
        self.n_nodes, self.na, self.nb, self.seg_len = n_nodes, na, nb, seg_len

    def from_sources(self, seg, along, off, limit):
        """Walks from each source (a point on a segment) to every node, bounded by limit."""
        m = len(seg)
        vc = self.n_nodes + np.arange(m)
        rows = np.concatenate([self.rows, vc, vc])
        cols = np.concatenate([self.cols, self.na[seg], self.nb[seg]])
        w = np.concatenate([self.w, off + along, off + self.seg_len[seg] - along])
        size = self.n_nodes + m
        graph = coo_matrix((w, (rows, cols)), shape=(size, size)).tocsr()
        return dijkstra(graph, directed=True, indices=vc, limit=limit)


TIE_M = 0.05


def two_step(walk, mine, limit, comp, facs, pop, supply, chunk=256):
    """2SFCA over walking catchments: 1000 * sum_j S_j / D_j per compound."""
    c_xy, c_seg, c_along, c_off, c_ok = comp
    f_xy, f_seg, f_along, f_off = facs
    access = np.zeros(len(c_xy))
    if len(mine) == 0:
        return access, np.zeros(0), np.zeros(0)
    ties = (np.zeros(len(supply)), np.zeros(len(supply)))
    tree = shapely.STRtree(shapely.points(c_xy))
    pairs_f, pairs_c = [], []
    for start in range(0, len(mine), chunk):
        part = mine[start:start + chunk]
        f_idx, c_idx = tree.query(shapely.points(f_xy[part]), predicate="dwithin", distance=limit)
        keep = c_ok[c_idx]
        f_idx, c_idx = f_idx[keep], c_idx[keep]
        dist = walk.from_sources(f_seg[part], f_along[part], f_off[part], limit)
        cs = c_seg[c_idx]
        via_a = c_along[c_idx] + dist[f_idx, walk.na[cs]]
        via_b = walk.seg_len[cs] - c_along[c_idx] + dist[f_idx, walk.nb[cs]]
        d = c_off[c_idx] + np.minimum(via_a, via_b)
        fj = part[f_idx]
        same = cs == f_seg[fj]
        direct = np.abs(c_along[c_idx] - f_along[fj]) + f_off[fj] + c_off[c_idx]
        d = np.where(same, np.minimum(d, direct), d)
        within = d <= limit
        pairs_f.append(fj[within])
        pairs_c.append(c_idx[within])
        # Pairs within TIE_M of the distance: the two tools project with different
        # transverse Mercator implementations (walks agree to about 0.02 m), so a pair this
        # close to the limit may fall on either side.
        for side, near in ((0, within & (d > limit - TIE_M)), (1, ~within & (d <= limit + TIE_M))):
            np.add.at(ties[side], fj[near], pop[c_idx[near]])
    pf, pc = np.concatenate(pairs_f), np.concatenate(pairs_c)
    demand = np.bincount(pf, weights=pop[pc], minlength=len(supply))
    ratio = np.divide(supply, demand, out=np.zeros(len(supply)), where=demand > 0)
    access = 1000.0 * np.bincount(pc, weights=ratio[pf], minlength=len(c_xy))
    return access, (demand - ties[0])[mine], (demand + ties[1])[mine]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("compounds")
    ap.add_argument("facilities")
    ap.add_argument("streets")
    ap.add_argument("profile")
    ap.add_argument("outdir")
    ap.add_argument("--type-field", default="类型")
    ap.add_argument("--compare")
    ap.add_argument("--2sfca", dest="twosfca", action="store_true")
    ap.add_argument("--capacity-field", default="capacity")
    ap.add_argument("--population-field", default="population")
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
    t["node"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    seg_geoms = shapely.linestrings(np.stack([a, b], axis=1))
    tree = shapely.STRtree(seg_geoms)
    c_xy = shapely.get_coordinates(comp_m.geometry.representative_point().values)
    f_xy = shapely.get_coordinates(fac_m.geometry.values)
    c_seg, c_along, c_off, c_ok = snap(c_xy, tree, seg_geoms, seg_len)
    f_seg, f_along, f_off, f_ok = snap(f_xy, tree, seg_geoms, seg_len)
    kind = np.array(
        [lookup.get(str(v).strip().lower(), -1) for v in fac[args.type_field].to_numpy()]
    )
    # Streets both ways, built once; each type adds its facilities as virtual sources.
    base_rows = np.concatenate([na, nb])
    base_cols = np.concatenate([nb, na])
    base_w = np.concatenate([seg_len, seg_len])
    t["snap"] = time.perf_counter() - t0

    t["dijkstra"] = 0.0
    t["derive"] = 0.0
    out = comp[["id"]].copy()
    catchments = []
    for k, (type_id, limit) in enumerate(types):
        t0 = time.perf_counter()
        mine = np.flatnonzero((kind == k) & f_ok)
        d = np.full(len(comp), np.inf)
        if len(mine):
            m = len(mine)
            vc = n_nodes + np.arange(m)
            rows = np.concatenate([base_rows, vc, vc])
            cols = np.concatenate([base_cols, na[f_seg[mine]], nb[f_seg[mine]]])
            w = np.concatenate([
                base_w,
                f_off[mine] + f_along[mine],
                f_off[mine] + seg_len[f_seg[mine]] - f_along[mine],
            ])
            size = n_nodes + m
            graph = coo_matrix((w, (rows, cols)), shape=(size, size)).tocsr()
            dist = dijkstra(graph, directed=True, indices=vc, min_only=True)
            t["dijkstra"] += time.perf_counter() - t0
            t0 = time.perf_counter()
            via_a = c_along + dist[na[c_seg]]
            via_b = seg_len[c_seg] - c_along + dist[nb[c_seg]]
            d = c_off + np.minimum(via_a, via_b)
            # A facility on the compound's own segment: walk straight along it.
            same = pd.DataFrame({"seg": c_seg, "c": np.arange(len(comp))}).merge(
                pd.DataFrame({"seg": f_seg[mine], "f": mine}), on="seg"
            )
            if len(same):
                ci, fi = same["c"].to_numpy(), same["f"].to_numpy()
                direct = np.abs(c_along[ci] - f_along[fi]) + f_off[fi] + c_off[ci]
                np.minimum.at(d, ci, direct)
            d[~c_ok] = np.inf
        out[f"d_{type_id}"] = np.where(np.isfinite(d), np.round(d, 2), np.nan)
        out[f"ok_{type_id}"] = d <= limit + 0.001
        t["derive"] += time.perf_counter() - t0
        if args.twosfca:
            t0 = time.perf_counter()
            walk = Walk(base_rows, base_cols, base_w, n_nodes, na, nb, seg_len)
            pop = comp[args.population_field].to_numpy(dtype=float)
            supply = (
                fac[args.capacity_field].to_numpy(dtype=float)
                if args.capacity_field in fac.columns
                else np.ones(len(fac))
            )
            out[f"access_{type_id}"], lo, hi = two_step(
                walk, mine, limit, (c_xy, c_seg, c_along, c_off, c_ok),
                (f_xy, f_seg, f_along, f_off), pop, supply,
            )
            catchments.append((fac["id"].to_numpy()[mine], lo, hi))
            t["2sfca"] = t.get("2sfca", 0.0) + time.perf_counter() - t0

    t0 = time.perf_counter()
    out = gpd.GeoDataFrame(out, geometry=comp.geometry, crs=comp.crs)
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
        "facilities": int(len(fac)),
        "graph_nodes": n_nodes,
    }
    if args.compare:
        theirs = pd.read_csv(os.path.join(args.compare, "compounds.csv"), encoding="utf-8-sig")
        theirs = theirs.set_index(theirs["id"].astype(str))
        mine = out.set_index(out["id"].astype(str))
        worst, far, pairs = 0.0, 0, 0
        for type_id, _ in types:
            col = f"d_{type_id}"
            x = mine[col].to_numpy(dtype=float)
            y = theirs.loc[mine.index, col].to_numpy(dtype=float)
            both = np.isfinite(x) & np.isfinite(y)
            pairs += int(both.sum())
            diff = np.abs(x[both] - y[both])
            worst = max(worst, float(diff.max()) if len(diff) else 0.0)
            far += int((diff > 0.5).sum()) + int((np.isfinite(x) != np.isfinite(y)).sum())
        result["pairs_compared"] = pairs
        result["max_abs_diff_m"] = round(worst, 4)
        result["pairs_over_0_5_m"] = far
        if args.twosfca:
            rel, off = 0.0, 0
            for type_id, _ in types:
                col = f"access_{type_id}"
                x = mine[col].to_numpy(dtype=float)
                y = theirs.loc[mine.index, col].to_numpy(dtype=float)
                r = np.abs(x - y) / np.maximum(np.abs(y), 1e-9)
                rel = max(rel, float(np.nanmax(np.where(np.abs(x - y) < 1e-9, 0.0, r))))
                off += int((np.abs(x - y) > 1e-6 * np.maximum(1.0, np.abs(y))).sum())
            result["access_max_rel_diff"] = rel
            result["access_values_off"] = off
            # Each facility's catchment population: circleplan's served_population must lie
            # between the peer's with every tie left out and with every tie let in.
            with open(os.path.join(args.compare, "facilities.geojson"), encoding="utf-8") as f:
                served = {
                    str(x["properties"]["id"]): x["properties"].get("served_population")
                    for x in json.load(f)["features"]
                }
            exact, tie, outside = 0, 0, 0
            for ids, lo, hi in catchments:
                for fid, a, b in zip(ids, lo, hi):
                    s = served.get(str(fid))
                    s = 0.0 if s is None else float(s)
                    if not a - 0.5 <= s <= b + 0.5:
                        outside += 1
                    elif b - a < 0.5:
                        exact += 1
                    else:
                        tie += 1
            result["catchments_equal"] = exact
            result["catchments_differing_only_by_ties"] = tie
            result["catchments_outside_ties"] = outside
    print(json.dumps(result))


if __name__ == "__main__":
    main()
