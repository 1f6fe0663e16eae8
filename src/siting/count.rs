//! A certified lower bound on the number of sites a coverage target needs. For a count `k`,
//! any multipliers `λ ∈ [0, w]` give the Lagrangian bound
//! `L(λ) = Σ_i (w_i − λ_i) + (sum of the k largest c_j)`, `c_j = Σ_{i reached by j} λ_i`, on the
//! weight any `k` candidates can cover. When some `λ` brings it below the weight needed, no `k`
//! sites reach the target: at least `k + 1` are needed. Subgradient steps search for such
//! multipliers; a binary search over `k` keeps the largest count so refuted.

use std::time::Instant;

use super::problem::Instance;

/// Subgradient steps first tried per count; doubled (up to `MAX_STEPS`) for the count just
/// above the bound once the binary search has settled.
const STEPS_PER_COUNT: usize = 300;
const MAX_STEPS: usize = 4_800;
/// Steps without a lower bound before the step size halves.
const STALL: usize = 60;

/// The fewest sites any choice needs to cover `needed` weight, certified: somewhere in
/// `[lo, hi]`, where `lo` is already known to be needed and `hi` sites are known to suffice.
/// Returns `lo` when no count above it can be refuted before `deadline`.
pub fn count_lower_bound(
    inst: &Instance,
    needed: f64,
    lo: usize,
    hi: usize,
    deadline: Instant,
) -> usize {
    let mut lambda: Vec<f64> = inst.weight.iter().map(|w| 0.5 * w).collect();
    // What greedy covers with its first k sites: a value k sites surely reach.
    let reached = greedy_prefix_values(inst, hi);
    // Invariant: `lo` sites are needed; `hi` suffice.
    let (mut lo, top) = (lo.min(hi), hi);
    let mut hi = top;
    let mut steps = STEPS_PER_COUNT;
    while lo < top && steps <= MAX_STEPS && Instant::now() < deadline {
        // Binary search first; then the count right above the bound, with more effort.
        let k = if lo < hi { lo + (hi - lo) / 2 } else { lo };
        let goal = Refute {
            k,
            needed,
            reached: reached[k],
            steps,
        };
        // Refuting k sites proves k + 1 needed.
        if refutes(inst, &goal, &mut lambda, deadline) {
            lo = k + 1;
            hi = hi.max(lo);
        } else if lo < hi {
            hi = k;
        } else {
            steps *= 2;
        }
    }
    lo
}

/// Covered weight of greedy's first `k` sites, for `k` in `0..=hi`.
fn greedy_prefix_values(inst: &Instance, hi: usize) -> Vec<f64> {
    let order = super::heuristic::greedy(inst, hi, &vec![false; inst.n_candidates()]);
    let mut hit = vec![false; inst.weight.len()];
    let mut values = vec![0.0];
    for &c in &order {
        let mut v = *values.last().expect("starts with 0");
        for &i in &inst.by_candidate[c as usize] {
            if !std::mem::replace(&mut hit[i as usize], true) {
                v += inst.weight[i as usize];
            }
        }
        values.push(v);
    }
    // Greedy stops when nothing adds weight: more sites reach no more.
    values.resize(hi + 1, *values.last().expect("starts with 0"));
    values
}

/// One refutation attempt: show that `k` sites cannot cover `needed`.
struct Refute {
    k: usize,
    needed: f64,
    /// A value `k` sites are known to reach (the subgradient step aims at it).
    reached: f64,
    steps: usize,
}

/// Whether subgradient steps from `lambda` find multipliers whose bound on `goal.k` sites is
/// below `goal.needed`. Leaves in `lambda` the multipliers with the lowest bound seen.
fn refutes(inst: &Instance, goal: &Refute, lambda: &mut [f64], deadline: Instant) -> bool {
    let (k, needed) = (goal.k, goal.needed);
    let m = inst.n_candidates();
    let mut c = vec![0.0; m];
    let mut order: Vec<u32> = (0..m as u32).collect();
    let mut picks = vec![0u32; inst.weight.len()];
    let mut mu = 2.0;
    let mut best = f64::INFINITY;
    let mut best_lambda = lambda.to_vec();
    let mut stall = 0;
    let mut refuted = false;
    for step in 0..goal.steps {
        if step % 16 == 15 && Instant::now() >= deadline {
            break;
        }
        let value = bound(inst, k, lambda, &mut c, &mut order);
        if value < best {
            best = value;
            best_lambda.copy_from_slice(lambda);
            stall = 0;
        } else {
            stall += 1;
            if stall >= STALL {
                mu /= 2.0;
                stall = 0;
            }
        }
        if value < needed {
            refuted = true;
            break;
        }
        // Descent direction g_i = y_i − (picked candidates reaching i), y_i = [λ_i < w_i]
        // (the subgradient of L is −g).
        picks.iter_mut().for_each(|p| *p = 0);
        for &j in &order[..k.min(m)] {
            for &i in &inst.by_candidate[j as usize] {
                picks[i as usize] += 1;
            }
        }
        let g = |l: f64, i: usize| (l < inst.weight[i]) as u32 as f64 - picks[i] as f64;
        let norm: f64 = (0..lambda.len()).map(|i| g(lambda[i], i).powi(2)).sum();
        if norm == 0.0 || mu < 1e-6 {
            break;
        }
        // Polyak's step toward a value k sites reach.
        let aim = goal.reached.min(needed);
        let step = mu * (value - aim).max(1e-9 * needed.abs().max(1.0)) / norm;
        for (i, l) in lambda.iter_mut().enumerate() {
            *l = (*l + step * g(*l, i)).clamp(0.0, inst.weight[i]);
        }
    }
    lambda.copy_from_slice(&best_lambda);
    refuted
}

/// `L(λ)` for `k` sites; leaves `c_j` in `c` and the `k` largest first in `order`.
fn bound(inst: &Instance, k: usize, lambda: &[f64], c: &mut [f64], order: &mut [u32]) -> f64 {
    for (j, items) in inst.by_candidate.iter().enumerate() {
        c[j] = items.iter().map(|&i| lambda[i as usize]).sum();
    }
    let k = k.min(order.len());
    let by_c = |a: &u32, b: &u32| c[*b as usize].total_cmp(&c[*a as usize]).then(a.cmp(b));
    if k > 0 && k < order.len() {
        order.select_nth_unstable_by(k - 1, by_c);
    }
    let free: f64 = inst.weight.iter().zip(lambda).map(|(w, l)| w - l).sum();
    free + order[..k].iter().map(|&j| c[j as usize]).sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::CoverageMatrix;
    use crate::rng::Rng;
    use std::time::Duration;

    /// The fewest candidates covering `needed`, by trying every subset in size order.
    fn fewest_exhaustive(inst: &Instance, needed: f64) -> usize {
        let m = inst.n_candidates();
        (0..=m)
            .find(|&k| {
                (0u32..1 << m)
                    .filter(|s| s.count_ones() as usize == k)
                    .any(|s| {
                        let set: Vec<u32> = (0..m as u32).filter(|j| s >> j & 1 == 1).collect();
                        inst.value(&set) >= needed
                    })
            })
            .unwrap_or(m + 1)
    }

    fn random_instance(rng: &mut Rng, m: usize, n: usize) -> Instance {
        let mut cover = CoverageMatrix::new(n);
        for _ in 0..m {
            let row: Vec<(u32, f32)> = (0..n as u32)
                .filter(|_| rng.f64() < 0.25)
                .map(|i| (i, 0.0))
                .collect();
            cover.push_row(row);
        }
        let population: Vec<f64> = (0..n).map(|_| 1.0 + rng.below(100) as f64).collect();
        Instance::new(&cover, &population, &vec![false; n])
    }

    #[test]
    fn never_above_the_exhaustive_fewest_and_often_tight() {
        let mut rng = Rng::new(11);
        let mut tight = 0;
        let trials = 60;
        for _ in 0..trials {
            let inst = random_instance(&mut rng, 10, 30);
            let total: f64 = inst.weight.iter().sum();
            let needed = total * (0.5 + 0.5 * rng.f64());
            let fewest = fewest_exhaustive(&inst, needed);
            if fewest > inst.n_candidates() {
                continue;
            }
            let far = Instant::now() + Duration::from_secs(5);
            let lb = count_lower_bound(&inst, needed, 0, fewest, far);
            assert!(lb <= fewest, "bound {lb} above the fewest {fewest}");
            tight += (lb == fewest) as usize;
        }
        // The bound is the LP's at best; on these small instances it is usually exact.
        assert!(tight >= trials / 2, "tight on only {tight} of {trials}");
    }
}
