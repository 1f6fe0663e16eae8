#!/usr/bin/env python3
"""circleplan's 2SFCA against pysal/access `two_stage_fca` on the same costs.

Makes a synthetic city with typed facilities (`circleplan synth --facilities`), computes one
cost table (great-circle metres for every compound-facility pair within 1,500 m), runs
`circleplan lifecircle --metric matrix --accessibility 2sfca` on it, then runs
`access.fca.two_stage_fca` per facility type on the same table, demand (population) and
supply (capacity), with that type's max_distance_m as max_cost, and compares
1000 x pysal's ratio with circleplan's `access_<type>` for every compound.

Usage: twosfca_access.py CIRCLEPLAN_BIN WORKDIR [--compounds N] [--facilities M] [--seed S]
Needs: numpy, pandas, access (pip install access==1.1.10.post3). Exit 1 on a mismatch.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from access.fca import two_stage_fca

CUTOFF_M = 1500.0


def points(path):
    feats = json.load(open(path, encoding="utf-8"))["features"]
    props = pd.DataFrame([f["properties"] for f in feats])
    xy = np.array([f["geometry"]["coordinates"] for f in feats], dtype=float)
    return props, xy


def haversine_pairs(a, b, cutoff):
    """(i, j, metres) for pairs of a and b (lon/lat degrees) within cutoff metres."""
    r = 6371008.8
    lon1, lat1 = np.radians(a[:, 0])[:, None], np.radians(a[:, 1])[:, None]
    rows = []
    for j0 in range(0, len(b), 2000):
        bb = b[j0 : j0 + 2000]
        lon2, lat2 = np.radians(bb[:, 0])[None, :], np.radians(bb[:, 1])[None, :]
        h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
        d = 2 * r * np.arcsin(np.sqrt(h))
        i, j = np.nonzero(d <= cutoff)
        rows.append((i, j + j0, d[i, j]))
    i = np.concatenate([r[0] for r in rows])
    j = np.concatenate([r[1] for r in rows])
    d = np.concatenate([r[2] for r in rows])
    return i, j, d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin")
    ap.add_argument("workdir", type=Path)
    ap.add_argument("--compounds", type=int, default=3000)
    ap.add_argument("--facilities", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    w = args.workdir
    w.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [args.bin, "synth", "--compounds", str(args.compounds), "--centers", "10", "--candidates", "0",
         "--facilities", str(args.facilities), "--seed", str(args.seed), "-o", str(w / "city")],
        check=True, stdout=subprocess.DEVNULL,
    )
    comp, cxy = points(w / "city/compounds.geojson")
    fac, fxy = points(w / "city/facilities.geojson")
    i, j, d = haversine_pairs(cxy, fxy, CUTOFF_M)
    costs = pd.DataFrame({"site": fac["id"].values[j], "compound": comp["id"].values[i], "cost": d})
    costs.to_csv(w / "costs.csv", index=False, float_format="%.6f")
    # Read back exactly what circleplan reads.
    costs = pd.read_csv(w / "costs.csv", dtype={"site": str, "compound": str})
    subprocess.run(
        [args.bin, "lifecircle", "--compounds", str(w / "city/compounds.geojson"),
         "--facilities", str(w / "city/facilities.geojson"), "--metric", "matrix",
         "--matrix", str(w / "costs.csv"), "--accessibility", "2sfca", "--capacity-field", "capacity",
         "-o", str(w / "out"), "-q"],
        check=True, stdout=subprocess.DEVNULL,
    )
    ours, _ = points(w / "out/compounds.geojson")
    ours = ours.set_index("id")
    ofac, _ = points(w / "out/facilities.geojson")
    summary = json.load(open(w / "out/summary.json", encoding="utf-8"))
    demand = pd.DataFrame({"demand": ours["population"].astype(float)})
    worst = 0.0
    for t in summary["lifecircle"]["types"]:
        ty, max_cost = t["type"], float(t["max_distance_m"])
        f = ofac[ofac["type"] == ty]
        supply = pd.DataFrame({"supply": f["capacity"].astype(float).values}, index=f["id"].values)
        c = costs[costs["site"].isin(supply.index)]
        peer = two_stage_fca(
            demand, supply, c, max_cost=max_cost, demand_index="id", demand_name="demand",
            supply_name="supply", cost_origin="compound", cost_dest="site", cost_name="cost",
        )
        peer = (1000.0 * peer).reindex(ours.index).fillna(0.0)
        mine = ours[f"access_{ty}"].astype(float)
        diff = float(np.max(np.abs(peer.values - mine.values) / np.maximum(1.0, np.abs(peer.values))))
        worst = max(worst, diff)
        print(f"{ty:28} facilities {len(f):5}  max rel diff {diff:.2e}  mean access {mine.mean():.4f}")
    print(f"worst relative difference {worst:.2e} over {len(ours)} compounds")
    sys.exit(0 if worst <= 1e-6 else 1)


if __name__ == "__main__":
    main()
