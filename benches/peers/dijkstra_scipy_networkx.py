#!/usr/bin/env python3
"""Peer for circleplan's network metric: multi-source nearest-source Dijkstra with SciPy and
NetworkX.

    dijkstra_scipy_networkx.py STREETS SOURCES [--no-networkx]
    dijkstra_scipy_networkx.py --grid N [--sources K] [--seed S] [--no-networkx]

Street mode builds the same graph circleplan does from a GeoJSON street layer:
  * every LineString (MultiLineString parts too) vertex is a node, and vertices with identical
    coordinates (bit-identical lon/lat as read) are one node, so streets join where they share
    a vertex and nowhere else (no noding at crossings);
  * consecutive vertices form an undirected edge (walking: `oneway` is ignored) weighted by the
    segment length on the local transverse Mercator plane (+proj=tmerc, WGS84, centred on the
    middle of the bbox of the streets and sources together); zero-length segments are dropped
    and of parallel edges only the shortest is kept.
  * Sources (e.g. centres) are snapped to the NEAREST GRAPH NODE (a cKDTree on the plane), not to
    the nearest point of the nearest segment as circleplan does; the snap offset is not added.
    That is good enough for a timing peer and for checking the Dijkstra itself, but per-node
    distances will not equal circleplan's network costs for compounds.

Grid mode (--grid N) builds an s x s 4-neighbour grid with s = floor(sqrt(N)) nodes on a side
and uniform random weights in [1, 10) (numpy default_rng(seed)), with K random source nodes, to
time the pure Dijkstra on a 1,000,000-node graph.

Timed: read + graph build, scipy.sparse.csgraph.dijkstra(indices=sources, min_only=True), the
NetworkX graph build, and networkx.multi_source_dijkstra_path_length. Printed: a checksum per
tool (sum of finite distances, number of reachable nodes), the largest per-node difference
between the two, and a final JSON line.
"""

import argparse
import json
import math
import resource
import sys
import time

import numpy as np
import scipy
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class Timer:
    def __init__(self):
        self.steps = {}
        self.t = time.perf_counter()

    def lap(self, name):
        now = time.perf_counter()
        dt = now - self.t
        self.steps[name] = round(dt, 4)
        print(f"{name:22s} {dt:9.3f} s   peak {peak_rss_mb():8.1f} MB", flush=True)
        self.t = time.perf_counter()
        return dt


def dedupe_undirected(a, b, w):
    """Drops self-loops and keeps the shortest of parallel edges; returns (a<b, b, w)."""
    keep = a != b
    a, b, w = a[keep], b[keep], w[keep]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    order = np.lexsort((w, hi, lo))
    lo, hi, w = lo[order], hi[order], w[order]
    first = np.ones(len(lo), dtype=bool)
    first[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    return lo[first], hi[first], w[first]


def street_graph(streets_path, sources_path, timer):
    import pyogrio
    import shapely
    from pyproj import Transformer
    from scipy.spatial import cKDTree

    streets = pyogrio.read_dataframe(streets_path, columns=[])
    sources = pyogrio.read_dataframe(sources_path, columns=[])
    timer.lap("read")

    parts = shapely.get_parts(streets.geometry.to_numpy())
    lines = parts[shapely.get_type_id(parts) == 1]  # LineString
    coords, part = shapely.get_coordinates(lines, return_index=True)
    src_xy = shapely.get_coordinates(sources.geometry.to_numpy())
    allb = np.vstack([coords, src_xy])
    lon0 = float(0.5 * (allb[:, 0].min() + allb[:, 0].max()))
    lat0 = float(0.5 * (allb[:, 1].min() + allb[:, 1].max()))
    crs = (f"+proj=tmerc +lat_0={lat0!r} +lon_0={lon0!r} +k_0=1 +x_0=0 +y_0=0 "
           f"+ellps=WGS84 +units=m +no_defs")
    tr = Transformer.from_crs("EPSG:4326", crs, always_xy=True)

    # Identical coordinates -> one node.
    uniq, inv = np.unique(coords, axis=0, return_inverse=True)
    inv = inv.ravel()
    nx_, ny_ = tr.transform(uniq[:, 0], uniq[:, 1])
    node_xy = np.column_stack([nx_, ny_])
    same = part[1:] == part[:-1]
    a, b = inv[:-1][same], inv[1:][same]
    w = np.hypot(*(node_xy[a] - node_xy[b]).T)
    a, b, w = dedupe_undirected(a, b, w)

    sx, sy = tr.transform(src_xy[:, 0], src_xy[:, 1])
    snap_d, snap_node = cKDTree(node_xy).query(np.column_stack([sx, sy]))
    info = {
        "plane": crs,
        "streets": len(streets),
        "vertices": len(coords),
        "nodes": len(uniq),
        "edges": len(a),
        "length_km": round(float(w.sum()) / 1000.0, 3),
        "sources": len(src_xy),
        "source_nodes": int(len(np.unique(snap_node))),
        "snap_m": {"mean": round(float(snap_d.mean()), 2), "max": round(float(snap_d.max()), 2)},
    }
    return len(uniq), a, b, w, np.unique(snap_node), info


def grid_graph(n, k, seed):
    s = math.isqrt(n)
    n = s * s
    rng = np.random.default_rng(seed)
    idx = np.arange(n, dtype=np.int64).reshape(s, s)
    a = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    b = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    w = rng.uniform(1.0, 10.0, len(a))
    src = np.unique(rng.choice(n, size=min(k, n), replace=False))
    info = {"grid_side": s, "nodes": n, "edges": len(a), "sources": len(src), "seed": seed}
    return n, a, b, w, src, info


def checksum(d):
    fin = np.isfinite(d)
    return {"reachable": int(fin.sum()), "sum_finite": float(d[fin].sum())}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("streets", nargs="?")
    ap.add_argument("sources", nargs="?")
    ap.add_argument("--grid", type=int, metavar="N", help="in-memory N-node square grid instead of files")
    ap.add_argument("--sources", dest="k", type=int, default=100, help="grid mode: random source nodes (default 100)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-networkx", action="store_true", help="skip NetworkX (slow on big graphs)")
    args = ap.parse_args()
    t_start = time.perf_counter()
    timer = Timer()

    if args.grid:
        n, a, b, w, src, info = grid_graph(args.grid, args.k, args.seed)
        info["mode"] = "grid"
        timer.lap("build grid")
    elif args.streets and args.sources:
        n, a, b, w, src, info = street_graph(args.streets, args.sources, timer)
        info["mode"] = "streets"
        timer.lap("build graph")
    else:
        ap.error("give STREETS SOURCES, or --grid N")
    print(json.dumps(info), flush=True)

    # Symmetric CSR; duplicates were removed, so coo->csr summing cannot merge edges.
    g = csr_matrix(
        (np.concatenate([w, w]), (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(n, n)
    )
    timer.lap("scipy csr")
    d_sp = dijkstra(g, directed=True, indices=src, min_only=True)
    t_sp = timer.lap("scipy dijkstra")
    cs_sp = checksum(d_sp)
    print(f"scipy     reachable {cs_sp['reachable']:>10,}  sum {cs_sp['sum_finite']:.6f}", flush=True)

    result = {
        "tool": "scipy+networkx",
        "versions": {"scipy": scipy.__version__},
        **info,
        "scipy": {"dijkstra_s": round(t_sp, 4), **cs_sp},
    }
    if not args.no_networkx:
        import networkx as nx

        result["versions"]["networkx"] = nx.__version__
        G = nx.Graph()
        G.add_nodes_from(range(n))
        G.add_weighted_edges_from(zip(a.tolist(), b.tolist(), w.tolist()))
        t_build = timer.lap("networkx graph")
        dist = nx.multi_source_dijkstra_path_length(G, set(src.tolist()), weight="weight")
        t_nx = timer.lap("networkx dijkstra")
        d_nx = np.full(n, np.inf)
        d_nx[np.fromiter(dist.keys(), dtype=np.int64, count=len(dist))] = np.fromiter(
            dist.values(), dtype=np.float64, count=len(dist)
        )
        cs_nx = checksum(d_nx)
        print(f"networkx  reachable {cs_nx['reachable']:>10,}  sum {cs_nx['sum_finite']:.6f}", flush=True)
        same_reach = bool(np.array_equal(np.isfinite(d_sp), np.isfinite(d_nx)))
        fin = np.isfinite(d_sp) & np.isfinite(d_nx)
        max_diff = float(np.max(np.abs(d_sp[fin] - d_nx[fin]))) if fin.any() else 0.0
        print(f"agree: same reachable set {same_reach}, max |scipy - networkx| {max_diff:.3e}", flush=True)
        result["networkx"] = {"graph_s": round(t_build, 4), "dijkstra_s": round(t_nx, 4), **cs_nx}
        result["agree"] = {"same_reachable": same_reach, "max_abs_diff": max_diff}
        del G, dist
    result["wall_s"] = round(time.perf_counter() - t_start, 3)
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    print(json.dumps(result), flush=True)
    if not args.no_networkx and not result["agree"]["same_reachable"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
