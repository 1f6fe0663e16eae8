#!/usr/bin/env python3
"""A city circleplan's own `synth` did not make, for measuring on data shaped differently:
CLUSTERS gaussian settlement clusters (random sizes and spreads) plus SPREAD of the compounds
uniform over the box, centres drawn the same way from their own clusters, attributes of
mixed kinds (string ids with a prefix, integer populations from a lognormal, Chinese 街道
names, a float field, some null fields).

    heldout_city.py N_COMPOUNDS N_CENTRES OUTDIR [--box-km 30] [--clusters 50] [--spread 0.2]
                    [--seed 7] [--lon 121.47] [--lat 31.23]

Writes OUTDIR/compounds.geojson and OUTDIR/centers.geojson (WGS84, RFC 7946, one feature per
line as GIS exports usually are). numpy only.
"""

import argparse
import json
import math
import os

import numpy as np


def points(rng, n, box_m, clusters, spread):
    """n points in a box of side box_m (metres, centred on 0): clusters plus a uniform part."""
    n_uniform = int(round(n * spread))
    centres = rng.uniform(-0.4 * box_m, 0.4 * box_m, size=(clusters, 2))
    sigma = rng.uniform(0.01, 0.06, size=clusters) * box_m
    weight = rng.pareto(1.5, size=clusters) + 0.2
    pick = rng.choice(clusters, size=n - n_uniform, p=weight / weight.sum())
    xy = centres[pick] + rng.normal(size=(n - n_uniform, 2)) * sigma[pick, None]
    xy = np.vstack([xy, rng.uniform(-box_m / 2, box_m / 2, size=(n_uniform, 2))])
    rng.shuffle(xy)
    return np.clip(xy, -box_m / 2, box_m / 2)


def to_lonlat(xy, lon0, lat0):
    lat = lat0 + xy[:, 1] / 111_320.0
    lon = lon0 + xy[:, 0] / (111_320.0 * math.cos(math.radians(lat0)))
    return lon, lat


def write(path, features):
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"type":"FeatureCollection","features":[\n')
        for i, feat in enumerate(features):
            f.write(("," if i else "") + json.dumps(feat, ensure_ascii=False) + "\n")
        f.write("]}\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("m", type=int)
    ap.add_argument("outdir")
    ap.add_argument("--box-km", type=float, default=30.0)
    ap.add_argument("--clusters", type=int, default=50)
    ap.add_argument("--spread", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--lon", type=float, default=121.47)
    ap.add_argument("--lat", type=float, default=31.23)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    box = a.box_km * 1000
    os.makedirs(a.outdir, exist_ok=True)
    streets = [f"{s}街道" for s in ("东湖", "西城", "南苑", "北关", "中山", "和平", "新华", "长江", "人民", "解放")]
    lon, lat = to_lonlat(points(rng, a.n, box, a.clusters, a.spread), a.lon, a.lat)
    pop = np.maximum(1, rng.lognormal(7.0, 0.8, size=a.n)).astype(int)
    feats = []
    for i in range(a.n):
        props = {"id": f"XQ{i:07d}", "population": int(pop[i]), "street": streets[i % 10],
                 "area_ha": round(float(rng.uniform(0.5, 30)), 2)}
        if i % 17 == 0:
            props["note"] = None
        feats.append({"type": "Feature", "properties": props, "geometry": {
            "type": "Point", "coordinates": [round(float(lon[i]), 7), round(float(lat[i]), 7)]}})
    write(os.path.join(a.outdir, "compounds.geojson"), feats)
    lon, lat = to_lonlat(points(rng, a.m, box, max(1, a.clusters // 2), a.spread), a.lon, a.lat)
    levels = ["community", "sub-district", "station"]
    feats = [{"type": "Feature",
              "properties": {"id": f"DQ{j:06d}", "level": levels[j % 3], "capacity": int(50 + j % 400)},
              "geometry": {"type": "Point", "coordinates": [round(float(lon[j]), 7), round(float(lat[j]), 7)]}}
             for j in range(a.m)]
    write(os.path.join(a.outdir, "centers.geojson"), feats)


if __name__ == "__main__":
    main()
