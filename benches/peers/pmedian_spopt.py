#!/usr/bin/env python3
"""Peer for `circleplan site --objective distance|max-distance`: PySAL spopt's PMedian and
PCenter (PuLP + bundled CBC) on the same straight-line instance, and a check of circleplan's
answer against spopt's optimum.

    pmedian_spopt.py COMPOUNDS CANDIDATES P SUMMARY_JSON --kind distance|max-distance
                     [--time-limit S] [--threads T]

Instance: demand = compounds weighted by `population`; sites = the candidates only (run
circleplan without --centers, so both solve the plain problem); cost = straight-line metres on
the local transverse Mercator plane circleplan uses (+proj=tmerc centred on the union bbox),
`scipy.spatial.distance.cdist`, dense. circleplan must be run with a --max-distance above every
compound-candidate distance (the cap then changes nothing). Both tools' chosen sites are
re-scored on this one matrix, so neither objective is taken on trust: the population-weighted
mean walk (p-median) or the longest walk (p-center). Prints one JSON line.
"""

import argparse
import json
import time

T0 = time.perf_counter()
import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import pulp  # noqa: E402
from scipy.spatial.distance import cdist  # noqa: E402
from spopt.locate import PCenter, PMedian  # noqa: E402

T_IMPORT = time.perf_counter() - T0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("compounds")
    ap.add_argument("candidates")
    ap.add_argument("p", type=int)
    ap.add_argument("summary", help="circleplan's summary.json (site.sites ids)")
    ap.add_argument("--kind", choices=["distance", "max-distance"], required=True)
    ap.add_argument("--time-limit", type=float, default=None)
    ap.add_argument("--threads", type=int, default=None)
    a = ap.parse_args()
    t = time.perf_counter()
    comp = gpd.read_file(a.compounds)
    cand = gpd.read_file(a.candidates)
    b = np.array([f.total_bounds for f in (comp, cand)])
    lon0 = float(0.5 * (b[:, 0].min() + b[:, 2].max()))
    lat0 = float(0.5 * (b[:, 1].min() + b[:, 3].max()))
    crs = f"+proj=tmerc +lat_0={lat0!r} +lon_0={lon0!r} +k_0=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"

    def xy(g):
        g = g.to_crs(crs).geometry
        return np.column_stack([g.x.to_numpy(), g.y.to_numpy()])

    w = comp["population"].astype("float64").to_numpy()
    live = w > 0
    comp, w = comp[live], w[live]
    cost = cdist(xy(comp), xy(cand))
    prep = time.perf_counter() - t
    t = time.perf_counter()
    if a.kind == "distance":
        model = PMedian.from_cost_matrix(cost, w, p_facilities=a.p, name="pmedian")
    else:
        model = PCenter.from_cost_matrix(cost, p_facilities=a.p, name="pcenter")
    build = time.perf_counter() - t
    t = time.perf_counter()
    model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=a.time_limit, threads=a.threads), results=False)
    solve = time.perf_counter() - t
    chosen = [j for j, v in enumerate(model.fac_vars) if (v.value() or 0) > 0.5]
    ids = [str(x) for x in cand["id"].to_numpy()]
    index = {x: j for j, x in enumerate(ids)}
    summary = json.load(open(a.summary))
    site = summary["site"]
    ours = [index[s["id"]] for s in site["sites"]]

    def score(sites):
        d = cost[:, sites].min(axis=1)
        return float((d * w).sum() / w.sum()) if a.kind == "distance" else float(d.max())

    spopt_score, our_score = score(chosen), score(ours)
    print(json.dumps({
        "kind": a.kind, "compounds": int(len(w)), "candidates": len(ids), "p": a.p,
        "spopt_status": pulp.LpStatus[model.problem.status],
        "spopt_import_s": round(T_IMPORT, 3), "spopt_prep_s": round(prep, 3),
        "spopt_build_s": round(build, 3), "spopt_solve_s": round(solve, 3),
        "spopt_total_s": round(T_IMPORT + prep + build + solve, 3),
        "spopt_objective": spopt_score, "circleplan_objective_rescored": our_score,
        "circleplan_reported": site["mean_distance_m"] if a.kind == "distance" else site["max_distance_m"],
        "circleplan_optimal": site["optimal"], "circleplan_status": site["status"],
        "relative_difference": (our_score - spopt_score) / max(spopt_score, 1e-12),
    }), flush=True)


if __name__ == "__main__":
    main()
