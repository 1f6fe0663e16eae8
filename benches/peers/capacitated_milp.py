#!/usr/bin/env python3
"""MILP cross-check for `circleplan site --capacitated --add K`: the capacitated maximal
covering instance `examples/capacitated_dump.rs --dump FILE` wrote, solved by PuLP + CBC.

    capacitated_milp.py INSTANCE.json [--time-limit S] [--threads T] [--msg] [--strong]

Model: y_j binary per candidate, sum y_j = K (min(K, candidates)); x_ij >= 0 for each compound
i and each facility j within reach of it (existing centres and candidates);
sum_j x_ij <= pop_i; sum_i x_ij <= cap_j for an existing centre, <= cap_j * y_j for a
candidate; maximise sum x_ij (residents served). Opening a site never lowers the flow, so
"= K" and circleplan's "up to K" have the same optimum. `--strong` adds the valid
x_ij <= pop_i * y_j (a tighter LP relaxation; same optimum).

Timed separately: "build" (the PuLP model) and "solve" (CBC, relative gap 0). Both the MILP's
chosen sites and circleplan's (from the dump) are re-evaluated by an independent maximum
flow, the assignment LP with those sites open solved by HiGHS (scipy.optimize.linprog; flow
LPs have integral optima), so neither objective is taken on trust. Prints one JSON line.
"""

import argparse
import json
import time

import numpy as np
import pulp
from scipy.optimize import linprog
from scipy.sparse import coo_matrix


def served(d, open_candidates):
    """Residents served with the existing centres and `open_candidates` open (HiGHS LP)."""
    pop, ex, ca = d["population"], d["existing"], d["candidates"]
    m_e = len(d["existing_capacity"])
    cap = list(d["existing_capacity"]) + list(d["candidate_capacity"])
    is_open = set(open_candidates)
    rows, cols, facility = [], [], []
    for i, (e_row, c_row) in enumerate(zip(ex, ca)):
        sites = list(e_row) + [m_e + c for c in c_row if c in is_open]
        for j in sites:
            e = len(facility)
            rows.append(i)
            cols.append(e)
            facility.append(j)
    n_e = len(facility)
    if n_e == 0:
        return 0.0
    n = len(pop)
    ones = np.ones(n_e)
    a_pop = coo_matrix((ones, (rows, range(n_e))), shape=(n, n_e))
    a_cap = coo_matrix((ones, (facility, range(n_e))), shape=(len(cap), n_e))
    from scipy.sparse import vstack

    res = linprog(
        -ones,
        A_ub=vstack([a_pop, a_cap]).tocsr(),
        b_ub=np.concatenate([np.asarray(pop, float), np.asarray(cap, float)]),
        bounds=(0, None),
        method="highs",
    )
    assert res.status == 0, res.message
    return -res.fun


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("instance")
    ap.add_argument("--time-limit", type=float, default=None)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--msg", action="store_true")
    ap.add_argument("--strong", action="store_true", help="add x_ij <= pop_i * y_j")
    a = ap.parse_args()
    d = json.load(open(a.instance))
    pop, ex, ca = d["population"], d["existing"], d["candidates"]
    cap_e, cap_c = d["existing_capacity"], d["candidate_capacity"]
    m_e, m_c = len(cap_e), len(cap_c)
    k = min(d["k"], m_c)

    t0 = time.perf_counter()
    prob = pulp.LpProblem("capacitated_mclp", pulp.LpMaximize)
    y = [pulp.LpVariable(f"y{j}", cat="Binary") for j in range(m_c)]
    flows_e = [[] for _ in range(m_e)]
    flows_c = [[] for _ in range(m_c)]
    every = []
    for i, (e_row, c_row) in enumerate(zip(ex, ca)):
        if not e_row and not c_row:
            continue
        mine = []
        for j in e_row:
            v = pulp.LpVariable(f"x{i}_e{j}", lowBound=0)
            flows_e[j].append(v)
            mine.append(v)
        for j in c_row:
            v = pulp.LpVariable(f"x{i}_c{j}", lowBound=0)
            flows_c[j].append(v)
            mine.append(v)
            if a.strong:
                prob += v - pop[i] * y[j] <= 0
        prob += pulp.lpSum(mine) <= pop[i]
        every.extend(mine)
    prob += pulp.lpSum(every)
    for j, fl in enumerate(flows_e):
        if fl:
            prob += pulp.lpSum(fl) <= cap_e[j]
    for j, fl in enumerate(flows_c):
        prob += pulp.lpSum(fl) - cap_c[j] * y[j] <= 0
    prob += pulp.lpSum(y) == k
    build = time.perf_counter() - t0

    t1 = time.perf_counter()
    prob.solve(pulp.PULP_CBC_CMD(msg=a.msg, timeLimit=a.time_limit, threads=a.threads, gapRel=0))
    solve = time.perf_counter() - t1
    chosen = [j for j in range(m_c) if (y[j].value() or 0) > 0.5]
    cp = d["circleplan"]
    print(json.dumps({
        "tool": "pulp+cbc", "pulp": pulp.__version__,
        "variables": len(every) + m_c, "build_s": round(build, 3), "solve_s": round(solve, 3),
        "status": pulp.LpStatus[prob.status],
        # 1: proven optimal; 2: a feasible solution, not proven (time limit)
        "sol_status": prob.sol_status,
        "proven": prob.sol_status == pulp.LpSolutionOptimal,
        "objective": pulp.value(prob.objective),
        "objective_recomputed": served(d, chosen),
        "base_recomputed": served(d, []),
        "circleplan_recomputed": served(d, cp["chosen"]),
        "chosen": [d["candidate_ids"][j] for j in chosen],
    }), flush=True)


if __name__ == "__main__":
    main()
