#!/usr/bin/env python3
"""MILP cross-check for circleplan's exact site selection: the maximal covering model that
`examples/mclp_hard.rs --dump FILE` wrote, built sparsely with PuLP and solved by CBC.

    mclp_cbc.py MODEL.json [--time-limit S] [--threads T] [--msg]

Model (the textbook MCLP, as spopt builds it but sparse): x_j binary per candidate, y_i in
[0, 1] per compound not already covered by an existing centre and reached by some candidate,
max sum w_i y_i, y_i <= sum_{j reaching i} x_j, sum x_j = p. A dump with a target share
(`--target S`) gives the fewest-sites model instead: min sum x_j subject to the covered
population (existing included) >= S x total. Timed separately: "build"
(PuLP model) and "solve" (CBC alone, as CBC reports its own wall time). Prints a JSON line:
times, status, the model's objective (with --relax: the LP bound), the covered population (existing included) recomputed from the chosen sites.
"""

import argparse
import json
import time

import pulp


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--time-limit", type=float, default=None)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--msg", action="store_true")
    ap.add_argument("--relax", action="store_true", help="LP relaxation only: x_j in [0, 1]")
    a = ap.parse_args()
    d = json.load(open(a.model))
    w, existing, covers, p = d["weights"], d["existing"], d["covers"], d["p"]
    m = d["candidates"]
    t0 = time.perf_counter()
    target = d.get("target", 0) or 0
    sense = pulp.LpMinimize if target > 0 else pulp.LpMaximize
    prob = pulp.LpProblem("mclp", sense)
    x = [pulp.LpVariable(f"x{j}", 0, 1, cat="Continuous" if a.relax else "Binary") for j in range(m)]
    y = {}
    for i, row in enumerate(covers):
        if not existing[i] and row:
            y[i] = pulp.LpVariable(f"y{i}", 0, 1)
    covered_new = pulp.lpSum(w[i] * v for i, v in y.items())
    if target > 0:
        # Fewest sites reaching the share (circleplan's tolerance: 1e-9 of the total).
        total = sum(w)
        before = sum(wi for i, wi in enumerate(w) if existing[i])
        prob += pulp.lpSum(x)
        prob += covered_new >= target * total - before - 1e-9 * total
    else:
        prob += covered_new
        prob += pulp.lpSum(x) == p
    for i, v in y.items():
        prob += v <= pulp.lpSum(x[j] for j in covers[i])
    build = time.perf_counter() - t0
    t1 = time.perf_counter()
    prob.solve(pulp.PULP_CBC_CMD(msg=a.msg, timeLimit=a.time_limit, threads=a.threads))
    solve = time.perf_counter() - t1
    chosen = [j for j in range(m) if (x[j].value() or 0) > 0.5]
    hit = set(chosen)
    covered = sum(wi for i, wi in enumerate(w) if existing[i] or hit.intersection(covers[i]))
    print(json.dumps({
        "tool": "pulp+cbc", "pulp": pulp.__version__, "build_s": round(build, 3),
        "solve_s": round(solve, 3), "status": pulp.LpStatus[prob.status],
        "objective": covered, "model_objective": pulp.value(prob.objective),
        "sites": len(chosen), "chosen": chosen,
    }), flush=True)


if __name__ == "__main__":
    main()
