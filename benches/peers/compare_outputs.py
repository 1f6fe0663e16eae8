#!/usr/bin/env python3
"""Compares two coverage output directories (circleplan's and the GeoPandas peer's) and prints
the results table. Used by compare_coverage.sh.

    compare_outputs.py RADIUS_M NAME_A DIR_A WALL_A PEAK_MB_A NAME_B DIR_B WALL_B PEAK_MB_B

Agreement is judged on the per-compound `covered` flags, matched by `id`. A compound whose flag
differs is listed with both distances; the difference counts as float noise when both distances
are within 1e-6 x radius of the radius (the two tools project with different transverse Mercator
code: circleplan's Krueger series vs PROJ's). Exit status 1 when any other difference is found.
Also reported (informational): nearest_center, centers_within and distance_m differences.
"""

import json
import sys

import numpy as np
import pyogrio

COLS = ["id", "population", "nearest_center", "distance_m", "covered", "centers_within"]


def load(d):
    df = pyogrio.read_dataframe(f"{d}/compounds.geojson", columns=COLS, read_geometry=False)
    df["id"] = df["id"].astype(str)
    df["covered"] = df["covered"].astype(bool)
    return df.set_index("id")


def main():
    if len(sys.argv) != 10:
        sys.exit(__doc__)
    radius = float(sys.argv[1])
    name_a, dir_a, wall_a, mb_a = sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
    name_b, dir_b, wall_b, mb_b = sys.argv[6], sys.argv[7], float(sys.argv[8]), float(sys.argv[9])
    a, b = load(dir_a), load(dir_b)
    if len(a) != len(b) or (not a.index.equals(b.index) and set(a.index) != set(b.index)):
        print(f"DISAGREE: different compound sets ({len(a)} vs {len(b)} rows)")
        sys.exit(1)
    b = b.loc[a.index]

    rows = []
    for name, df, wall, mb in ((name_a, a, wall_a, mb_a), (name_b, b, wall_b, mb_b)):
        cov = df["covered"].to_numpy()
        rows.append((name, wall, mb, int(cov.sum()), float(df["population"].to_numpy()[cov].sum())))
    print()
    print(f"{'tool':<12} {'wall s':>9} {'peak MB':>9} {'covered compounds':>18} {'covered population':>19}")
    for name, wall, mb, cc, cp in rows:
        print(f"{name:<12} {wall:9.3f} {mb:9.1f} {cc:18,d} {cp:19,.0f}")
    print(f"speed ratio  {name_b}/{name_a} wall time: {wall_b / wall_a:.1f}x")
    print(f"memory ratio {name_b}/{name_a} peak RSS:  {mb_b / mb_a:.1f}x")
    print()

    diff = a["covered"].to_numpy() != b["covered"].to_numpy()
    da, db = a["distance_m"].to_numpy(float), b["distance_m"].to_numpy(float)
    tol = 1e-6 * radius + 0.005  # distances in the files are rounded to 0.01 m
    noise = diff & (np.abs(da - radius) <= tol) & (np.abs(db - radius) <= tol)
    real = diff & ~noise
    same = rows[0][3:] == rows[1][3:] and not diff.any()
    status = {
        "agree": bool(same),
        "differing_compounds": int(diff.sum()),
        "at_radius_float_noise": int(noise.sum()),
        "real_differences": int(real.sum()),
        "nearest_center_differs": int((a["nearest_center"].astype(str).to_numpy()
                                       != b["nearest_center"].astype(str).to_numpy()).sum()),
        "centers_within_differs": int((a["centers_within"].to_numpy()
                                       != b["centers_within"].to_numpy()).sum()),
        "max_abs_distance_diff_m": float(np.max(np.abs(da - db))) if len(da) else 0.0,
    }
    if same:
        print("AGREE: covered compounds and covered population are equal; per-compound covered flags identical")
    else:
        print(f"DIFFER: {status['differing_compounds']} compounds "
              f"({status['at_radius_float_noise']} exactly on the radius = float noise, "
              f"{status['real_differences']} other)")
        for i in np.flatnonzero(diff)[:50]:
            print(f"  {a.index[i]}: {name_a} covered={a['covered'].iat[i]} d={da[i]!r}  "
                  f"{name_b} covered={b['covered'].iat[i]} d={db[i]!r}")
    print(f"(info: nearest_center differs for {status['nearest_center_differs']}, centers_within for "
          f"{status['centers_within_differs']}, max |distance_m difference| "
          f"{status['max_abs_distance_diff_m']:.3f} m; ties and on-radius points can differ)")
    print(json.dumps({"table": [dict(zip(["tool", "wall_s", "peak_mb", "covered_compounds",
                                          "covered_population"], r)) for r in rows],
                      "speed_ratio": round(wall_b / wall_a, 2),
                      "memory_ratio": round(mb_b / mb_a, 2), **status}))
    sys.exit(1 if status["real_differences"] else 0)


if __name__ == "__main__":
    main()
