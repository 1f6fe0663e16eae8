//! The linear-programming relaxation of maximal covering, solved exactly through its dual by
//! column generation over a core of candidates. Its multipliers give the Lagrangian bound the
//! subgradient method only approaches, and its primal values guide branching and rounding.

use std::collections::HashMap;
use std::time::Instant;

use super::lp::{Lp, solve_lp};
use super::problem::Instance;

/// Column generation stops growing the core here (the basis inverse is dense).
const MAX_CORE: usize = 900;

/// The part of an instance a branch-and-bound node still decides.
pub struct Subproblem<'a> {
    /// The instance.
    pub inst: &'a Instance,
    /// Candidates still free (neither fixed in nor out).
    pub free: &'a [bool],
    /// Items not yet won by fixed-in candidates.
    pub open_item: &'a [bool],
    /// Sites left to choose.
    pub k: usize,
    /// Stop as soon as the bound is at or below this (the node is pruned anyway).
    pub stop_below: f64,
    /// Multipliers to warm-start from (one per item): groups whose members mostly sit at
    /// their full weight start there.
    pub hint: &'a [f64],
}

/// Multipliers from the LP relaxation.
pub struct Relaxation {
    /// Lagrangian multiplier per item (0 for items already won).
    pub lambda: Vec<f64>,
    /// LP value of each candidate (0 outside the final core).
    pub x: Vec<f64>,
    /// The final core: the candidates the LP priced in.
    pub core: Vec<u32>,
}

/// Solves the LP relaxation of `sub` by column generation, starting from `core` (free
/// candidates likely to matter). Returns the multipliers with the lowest Lagrangian bound
/// seen; stops when pricing finds nothing, when that bound is within a relative 1e-7 of
/// the core's or within 2 % of its distance to `sub.stop_below` (more rounds could not move
/// it by more), when it drops to `sub.stop_below`, when the core reaches `MAX_CORE`
/// candidates, or at `deadline`.
pub fn lp_relaxation(sub: &Subproblem, mut core: Vec<u32>, deadline: Instant) -> Relaxation {
    let inst = sub.inst;
    let m = inst.n_candidates();
    let mut in_core = vec![false; m];
    core.retain(|&j| sub.free[j as usize] && !std::mem::replace(&mut in_core[j as usize], true));
    let total: f64 = inst.weight.iter().sum();
    let tol = 1e-9 * total.max(1.0);
    let mut hint = sub.hint.to_vec();
    let mut best: Option<(f64, Relaxation)> = None;
    loop {
        let (lambda, x, mu, solved) = solve_core(sub, &core, &in_core, &hint, deadline);
        let c = candidate_sums(sub, &lambda);
        let constant: f64 = (0..inst.weight.len())
            .filter(|&i| sub.open_item[i])
            .map(|i| inst.weight[i] - lambda[i])
            .sum();
        let free_c: Vec<f64> = (0..m).filter(|&j| sub.free[j]).map(|j| c[j]).collect();
        let core_c: Vec<f64> = core.iter().map(|&j| c[j as usize]).collect();
        let bound_all = constant + top_sum(free_c, sub.k);
        let bound_core = constant + top_sum(core_c, sub.k);
        // Pricing: free candidates outside the core whose multipliers exceed the threshold.
        let mut violators: Vec<(f64, u32)> = (0..m as u32)
            .filter(|&j| sub.free[j as usize] && !in_core[j as usize])
            .map(|j| (c[j as usize] - mu, j))
            .filter(|&(v, _)| v > tol)
            .collect();
        let optimal = violators.is_empty();
        if best.as_ref().is_none_or(|b| bound_all < b.0) {
            let relaxation = Relaxation {
                lambda: lambda.clone(),
                x,
                core: core.clone(),
            };
            best = Some((bound_all, relaxation));
        }
        // More rounds could at most close `bound_all - bound_core`: stop when that is
        // negligible beside the gap to the incumbent.
        let slack = (bound_all - bound_core).max(0.0);
        // An LP stopped short (iteration cap, deadline) still bounds; more rounds would not.
        if optimal
            || !solved
            || slack <= 1e-7 * bound_all.abs()
            || (sub.stop_below.is_finite() && slack <= 0.02 * (bound_all - sub.stop_below))
            || bound_all <= sub.stop_below
            || core.len() >= MAX_CORE
            || Instant::now() >= deadline
        {
            let (_, relaxation) = best.expect("one round ran");
            return relaxation;
        }
        violators.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let add = violators.len().min((core.len() / 3).max(2 * sub.k).max(10));
        for &(_, j) in &violators[..add] {
            in_core[j as usize] = true;
            core.push(j);
        }
        hint = lambda;
    }
}

/// `c_j = Σ λ_i` over the items candidate `j` reaches (0 for candidates not free).
fn candidate_sums(sub: &Subproblem, lambda: &[f64]) -> Vec<f64> {
    let inst = sub.inst;
    (0..inst.n_candidates())
        .map(|j| {
            if !sub.free[j] {
                return 0.0;
            }
            inst.by_candidate[j]
                .iter()
                .map(|&i| lambda[i as usize])
                .sum()
        })
        .collect()
}

/// Sum of the `k` largest values.
fn top_sum(mut values: Vec<f64>, k: usize) -> f64 {
    if k == 0 {
        return 0.0;
    }
    if values.len() > k {
        values.select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a));
        values.truncate(k);
    }
    values.iter().sum()
}

/// One restricted dual: rows are core candidates, columns the item groups the core tells
/// apart (multiplier in `[0, weight]`), the threshold `μ` and each candidate's excess `s_j`.
/// Returns per-item multipliers (items no core candidate reaches keep their full weight),
/// the LP value of each candidate, `μ`, and whether the simplex finished.
fn solve_core(
    sub: &Subproblem,
    core: &[u32],
    in_core: &[bool],
    hint: &[f64],
    deadline: Instant,
) -> (Vec<f64>, Vec<f64>, f64, bool) {
    let inst = sub.inst;
    let mut row_of = vec![u32::MAX; inst.n_candidates()];
    for (r, &j) in core.iter().enumerate() {
        row_of[j as usize] = r as u32;
    }
    let mut groups: HashMap<Vec<u32>, usize> = HashMap::new();
    let mut group_of = vec![usize::MAX; inst.weight.len()];
    let mut lp = Lp::default();
    let mut key = Vec::new();
    let mut hinted: Vec<f64> = Vec::new();
    for (i, cands) in inst.by_item.iter().enumerate() {
        if !sub.open_item[i] {
            continue;
        }
        key.clear();
        key.extend(
            cands
                .iter()
                .filter(|&&j| in_core[j as usize])
                .map(|&j| row_of[j as usize]),
        );
        if key.is_empty() {
            continue;
        }
        let g = *groups.entry(key.clone()).or_insert_with(|| {
            lp.cols.push(key.iter().map(|&r| (r, 1.0)).collect());
            lp.cost.push(1.0);
            lp.upper.push(0.0);
            lp.cols.len() - 1
        });
        lp.upper[g] += inst.weight[i];
        hinted.resize(lp.cols.len(), 0.0);
        hinted[g] += hint[i];
        group_of[i] = g;
    }
    let n_groups = lp.cols.len();
    let big: f64 = lp.upper.iter().sum::<f64>().max(1.0);
    let r = core.len();
    lp.cols.push((0..r as u32).map(|k| (k, -1.0)).collect());
    lp.cost.push(-(sub.k as f64));
    lp.upper.push(big);
    for k in 0..r as u32 {
        lp.cols.push(vec![(k, -1.0)]);
        lp.cost.push(-1.0);
        lp.upper.push(big);
    }
    // A tiny distinct right-hand side per row keeps the all-zero start from cycling.
    let eps = 1e-9 * big / (r.max(1) as f64);
    lp.rhs = (0..r).map(|k| eps * (1.0 + (k % 7) as f64)).collect();
    let start: Vec<bool> = (0..n_groups)
        .map(|g| hinted[g] >= 0.5 * lp.upper[g])
        .collect();
    let sol = solve_lp(&lp, &start, 50 * (lp.cols.len() + r) + 1000, deadline);
    let lambda = (0..inst.weight.len())
        .map(|i| match group_of[i] {
            _ if !sub.open_item[i] => 0.0,
            usize::MAX => inst.weight[i],
            g => inst.weight[i] * sol.z[g] / lp.upper[g].max(f64::MIN_POSITIVE),
        })
        .collect();
    let mut x = vec![0.0; inst.n_candidates()];
    for (r, &j) in core.iter().enumerate() {
        x[j as usize] = sol.row_dual[r].clamp(0.0, 1.0);
    }
    (lambda, x, sol.z[n_groups], sol.optimal)
}
