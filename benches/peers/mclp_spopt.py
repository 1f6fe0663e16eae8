#!/usr/bin/env python3
"""Peer for circleplan's site selection ("add k"): PySAL spopt's Maximal Covering Location
Problem solved with PuLP's bundled CBC.

    mclp_spopt.py COMPOUNDS CANDIDATES RADIUS_M P [--centers CENTERS] [--time-limit S]
                  [--threads T] [--population-field F] [--id-field F] [--msg]

Instance, the same one circleplan solves:
  * demand = compounds, weight = population (default field `population`, else 1 each);
  * cost matrix = straight-line distances on the local transverse Mercator plane
    (+proj=tmerc, WGS84, centred on the middle of the union bbox of all layers read),
    computed with scipy.spatial.distance.cdist -- dense, compounds x sites;
  * a compound is covered when some open site is within RADIUS_M (cost <= radius);
  * P new sites are chosen among the candidates.
  * With --centers, existing centres are added as extra sites that are forced open through
    spopt's `predefined_facilities_arr` (the cost-matrix form of `predefined_facility_col`);
    since spopt's facility constraint is sum(x) == p, p = P + number of centres. The objective
    then is the total covered population (existing + new).

Model: spopt.locate.MCLP.from_cost_matrix(...) (timed as "build": dense aij, one PuLP
constraint per compound over all sites), then .solve(pulp.PULP_CBC_CMD(...), results=False)
(timed as "solve"; spopt's optional post-processing of who-covers-whom is skipped and the covered
population is recomputed with numpy instead).

Prints per-step timings and a final JSON line: times, status, objective (covered population as
CBC reports it), covered population recomputed from the chosen sites, the population covered by
the existing centres alone, and the chosen candidate ids (in candidate order).
"""

import argparse
import json
import resource
import time
import warnings

T0 = time.perf_counter()

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import pulp  # noqa: E402
import spopt  # noqa: E402
from scipy.spatial.distance import cdist  # noqa: E402
from spopt.locate import MCLP  # noqa: E402

T_IMPORT = time.perf_counter() - T0


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("compounds")
    ap.add_argument("candidates")
    ap.add_argument("radius_m", type=float)
    ap.add_argument("p", type=int, help="number of new sites to choose")
    ap.add_argument("--centers", help="existing centres, forced open")
    ap.add_argument("--time-limit", type=float, default=None, help="CBC time limit, seconds")
    ap.add_argument("--threads", type=int, default=None, help="CBC threads")
    ap.add_argument("--population-field", default=None)
    ap.add_argument("--id-field", default="id")
    ap.add_argument("--msg", action="store_true", help="show CBC's log")
    args = ap.parse_args()
    steps = {}
    t = time.perf_counter()

    def lap(name):
        nonlocal t
        dt = time.perf_counter() - t
        steps[name] = round(dt, 3)
        print(f"{name:10s} {dt:9.3f} s   peak {peak_rss_mb():8.1f} MB", flush=True)
        t = time.perf_counter()

    comp = gpd.read_file(args.compounds)
    cand = gpd.read_file(args.candidates)
    cent = gpd.read_file(args.centers) if args.centers else None
    lap("read")

    layers = [comp, cand] + ([cent] if cent is not None else [])
    b = np.array([f.total_bounds for f in layers])
    lon0 = float(0.5 * (b[:, 0].min() + b[:, 2].max()))
    lat0 = float(0.5 * (b[:, 1].min() + b[:, 3].max()))
    crs = (f"+proj=tmerc +lat_0={lat0!r} +lon_0={lon0!r} +k_0=1 +x_0=0 +y_0=0 "
           f"+ellps=WGS84 +units=m +no_defs")

    def xy(g):
        g = g.to_crs(crs).geometry
        return np.column_stack([g.x.to_numpy(), g.y.to_numpy()])

    pop_field = args.population_field or next(
        (c for c in ("population", "pop") if c in comp.columns), None)
    weights = comp[pop_field].astype("float64").to_numpy() if pop_field else np.ones(len(comp))
    comp_xy, cand_xy = xy(comp), xy(cand)
    n_cent = 0
    if cent is not None:
        cent_xy = xy(cent)
        n_cent = len(cent_xy)
        site_xy = np.vstack([cand_xy, cent_xy])  # candidates first, then centres
    else:
        site_xy = cand_xy
    n_cand = len(cand_xy)
    lap("project")

    cost = cdist(comp_xy, site_xy)
    lap("cost")

    predefined = None
    if n_cent:
        predefined = np.zeros(len(site_xy), dtype=int)
        predefined[n_cand:] = 1
    p_total = args.p + n_cent
    mclp = MCLP.from_cost_matrix(cost, weights, service_radius=args.radius_m,
                                 p_facilities=p_total, predefined_facilities_arr=predefined,
                                 name="mclp")
    lap("build")

    solver = pulp.PULP_CBC_CMD(msg=args.msg, timeLimit=args.time_limit, threads=args.threads)
    mclp.solve(solver, results=False)
    lap("solve")

    status = pulp.LpStatus[mclp.problem.status]
    sol_status = pulp.constants.LpSolution.get(mclp.problem.sol_status, mclp.problem.sol_status)
    objective = float(pulp.value(mclp.problem.objective))
    open_ = np.array([(v.value() or 0) > 0.5 for v in mclp.fac_vars])
    chosen = np.flatnonzero(open_[:n_cand])
    cover = cost <= args.radius_m
    covered = cover[:, open_].any(axis=1)
    covered_pop = float(weights[covered].sum())
    base_pop = float(weights[cover[:, n_cand:].any(axis=1)].sum()) if n_cent else 0.0
    cand_ids = cand[args.id_field].to_numpy() if args.id_field in cand.columns else np.arange(n_cand)
    result = {
        "tool": "spopt",
        "versions": {"spopt": spopt.__version__, "pulp": pulp.__version__},
        "compounds": len(comp),
        "candidates": n_cand,
        "centers": n_cent,
        "radius_m": args.radius_m,
        "p_new": args.p,
        "p_facilities": p_total,
        "plane": crs,
        "steps_s": steps,
        "import_s": round(T_IMPORT, 3),
        "build_s": steps["build"],
        "solve_s": steps["solve"],
        "wall_s": round(time.perf_counter() - T0, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "status": status,
        "solution_status": str(sol_status),
        "objective": objective,
        "covered_population": covered_pop,
        "covered_population_existing": base_pop,
        "newly_covered_population": covered_pop - base_pop,
        "population_total": float(weights.sum()),
        "chosen": [str(i) for i in cand_ids[chosen]],
    }
    print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=FutureWarning)
        main()
