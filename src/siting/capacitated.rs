//! The exact capacitated solver: the Lagrangian branch and bound of `lagrange.rs` with each
//! compound's "served at most once" constraint relaxed, exact maximum flows pricing every
//! candidate set it meets.
//!
//! The model is the capacitated maximal-covering MILP (`benches/peers/capacitated_milp.py`
//! with `--strong`): flows `x_is ≥ 0` from compound `i` to a site `s` within reach,
//! `Σ_s x_is ≤ p_i`, `Σ_i x_is ≤ cap_s · y_s`, `x_is ≤ p_i · y_s`, at most `k` candidates
//! open, existing centres always open. Relaxing `Σ_s x_is ≤ p_i` with multipliers
//! `u_i ∈ [0, 1]` splits it by site: each site's value is a continuous knapsack of
//! `(1 − u_i)` per resident up to its capacity, and the best `k` candidates are the largest
//! values. For any `u` that is a valid upper bound (its minimum equals the strong LP
//! relaxation's); subgradient steps tighten it. The greedy plan starts the search and each
//! set the relaxation picks is priced by the exact flow.

use std::time::Instant;

use super::lagrange::{Model, Price, Solved, solve};
use super::{Goal, PlanStatus};
use crate::capacity::{
    CapacitatedPlan, SiteFlow, SitingInstance, from_units, plan_capacitated,
    plan_capacitated_target, plan_for_set, to_units,
};

/// The capacitated model: compounds with identical reach merged (the flow cannot tell them
/// apart), amounts and capacities in milli-residents, every gain 1.
fn capacitated_model(inst: SitingInstance<'_>) -> Model {
    let (n, m_e, m_c) = (
        inst.existing.n_rows(),
        inst.existing.n_cols(),
        inst.candidates.n_cols(),
    );
    let mut key_to_item: std::collections::HashMap<Vec<u32>, u32> = Default::default();
    let mut pop: Vec<f64> = Vec::new();
    let mut reach = vec![Vec::new(); m_e + m_c];
    for i in 0..n {
        let mut key: Vec<u32> = inst.existing.row(i).0.to_vec();
        key.extend(inst.candidates.row(i).0.iter().map(|&c| c + m_e as u32));
        let p = to_units(inst.population[i]) as f64;
        if key.is_empty() || p <= 0.0 {
            continue;
        }
        let next = pop.len() as u32;
        let item = *key_to_item.entry(key.clone()).or_insert(next);
        if item == next {
            pop.push(0.0);
            for &s in &key {
                reach[s as usize].push((item, 1.0));
            }
        }
        pop[item as usize] += p;
    }
    let mut cap: Vec<f64> = inst
        .existing_capacity
        .iter()
        .map(|&c| to_units(c) as f64)
        .collect();
    cap.extend(inst.candidate_capacity.iter().map(|&c| to_units(c) as f64));
    Model {
        u_max: vec![1.0; pop.len()],
        u_start: Vec::new(),
        amount: pop,
        reach,
        cap,
        m_e,
    }
}

/// The flow prices a set in whole milli-residents.
impl Price for SiteFlow {
    const STEP: f64 = 1.0;

    fn value(&mut self, set: &[u32]) -> f64 {
        self.served(set) as f64
    }
}

/// The most residents `k` candidates serve under capacities (milli-residents), from `start`;
/// see [`solve`] for `floor` and `ceiling`.
fn solve_capacitated(
    inst: SitingInstance<'_>,
    flow: &mut SiteFlow,
    k: usize,
    start: &[u32],
    deadline: Instant,
    (floor, ceiling): (Option<f64>, f64),
) -> Solved {
    let model = capacitated_model(inst);
    solve(&model, flow, k, start, deadline, floor, ceiling)
}

/// A capacitated plan proven (or certified within a gap) and how its search ended.
#[derive(Debug, Clone)]
pub(crate) struct ExactCapacitated {
    /// The plan, bounds filled in.
    pub plan: CapacitatedPlan,
    /// Target mode: the fewest sites any choice needs (certified); `None` for add-K.
    pub count_lower_bound: Option<usize>,
    /// Target mode: whether the target is reached.
    pub reached: Option<bool>,
    /// How the search ended.
    pub status: PlanStatus,
    /// Branch-and-bound nodes explored.
    pub nodes: usize,
    /// Residents the lazy greedy alone served with as many sites.
    pub greedy_objective: f64,
}

/// The exact capacitated plan for `goal`: the lazy greedy starts it, [`solve_capacitated`]
/// proves or improves it by `deadline`. `ceiling` (residents) is a bound on what `k` sites
/// serve known beforehand (add-K; the uncapacitated optimum's bound): the search ends, proven,
/// when a set serves that much.
pub(crate) fn plan_capacitated_exact(
    inst: SitingInstance<'_>,
    goal: Goal,
    deadline: Instant,
    ceiling: Option<f64>,
) -> ExactCapacitated {
    let mut flow = SiteFlow::new(inst);
    match goal {
        Goal::Add(k) => {
            let greedy = plan_capacitated(inst, k);
            let start: Vec<u32> = greedy.chosen.iter().map(|c| c.0).collect();
            // The greedy's submodular bound is in the search's own milli-residents; a set
            // meeting it (the greedy's, often, when capacities bind) needs no search.
            let known = ceiling.map_or(f64::INFINITY, |c| to_units(c) as f64);
            let known = known.min(to_units(greedy.upper_bound) as f64);
            let s = solve_capacitated(inst, &mut flow, k, &start, deadline, (None, known));
            let upper = s.upper_bound.min(to_units(greedy.upper_bound) as f64);
            let plan = finish(inst, &greedy, &s, upper);
            ExactCapacitated {
                status: status_of(plan.optimal),
                plan,
                count_lower_bound: None,
                reached: None,
                nodes: s.nodes,
                greedy_objective: greedy.objective,
            }
        }
        Goal::Target(share) => target(inst, &mut flow, share, deadline),
    }
}

/// The fewest sites serving `share` of all residents, then the most those serve.
fn target(
    inst: SitingInstance<'_>,
    flow: &mut SiteFlow,
    share: f64,
    deadline: Instant,
) -> ExactCapacitated {
    let total: f64 = inst.population.iter().sum();
    let threshold = share * total * (1.0 - 1e-12);
    let needed = (threshold * 1000.0).ceil() as i64;
    let greedy = plan_capacitated_target(inst, threshold);
    let reached = to_units(greedy.objective) >= needed;
    let mut hi = greedy.chosen.len();
    let mut lo = greedy.count_bound.min(hi);
    let mut best: Vec<u32> = greedy.chosen.iter().map(|c| c.0).collect();
    let mut nodes = 0;
    if !reached {
        // Every useful candidate is open and the target is still out of reach.
        let greedy_objective = greedy.objective;
        let mut plan = greedy;
        plan.optimal = true;
        return ExactCapacitated {
            plan,
            count_lower_bound: Some(hi),
            reached: Some(false),
            status: PlanStatus::Proven,
            nodes,
            greedy_objective,
        };
    }
    // Three quarters of the time for the count, the rest to serve the most with it.
    let now = Instant::now();
    let count_deadline = now + deadline.saturating_duration_since(now) * 3 / 4;
    while lo < hi {
        let k = lo;
        let start: Vec<u32> = plan_capacitated(inst, k)
            .chosen
            .iter()
            .map(|c| c.0)
            .collect();
        let floor = Some(needed as f64);
        let s = solve_capacitated(
            inst,
            flow,
            k,
            &start,
            count_deadline,
            (floor, f64::INFINITY),
        );
        nodes += s.nodes;
        if s.value >= needed as f64 {
            hi = k;
            best = s.chosen;
        } else if s.exhausted {
            lo = k + 1;
        } else {
            break;
        }
    }
    let reference = plan_capacitated(inst, hi);
    let known = to_units(reference.upper_bound) as f64;
    let s = solve_capacitated(inst, flow, hi, &best, deadline, (None, known));
    nodes += s.nodes;
    let upper = s.upper_bound.min(to_units(reference.upper_bound) as f64);
    let mut plan = finish(inst, &greedy, &s, upper);
    plan.count_bound = lo;
    let proven = plan.optimal && lo >= hi;
    ExactCapacitated {
        plan,
        count_lower_bound: Some(lo),
        reached: Some(true),
        status: status_of(proven),
        nodes,
        greedy_objective: reference.objective,
    }
}

/// The plan of the search's set with its bound `upper` (milli-residents).
fn finish(
    inst: SitingInstance<'_>,
    reference: &CapacitatedPlan,
    s: &Solved,
    upper: f64,
) -> CapacitatedPlan {
    let mut plan = plan_for_set(inst, &s.chosen, reference);
    let value = to_units(plan.objective);
    debug_assert_eq!(
        value as f64, s.value,
        "the plan serves what the search priced"
    );
    // Served counts are whole milli-residents: the bound rounds down to one.
    let upper = ((upper + 1e-6).floor() as i64).max(value);
    plan.upper_bound = from_units(upper);
    plan.gap = if upper > 0 {
        (upper - value) as f64 / upper as f64
    } else {
        0.0
    };
    plan.optimal = s.exhausted || value >= upper;
    plan
}

fn status_of(proven: bool) -> PlanStatus {
    if proven {
        PlanStatus::Proven
    } else {
        PlanStatus::TimeLimit
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capacity::augmenting_paths;
    use crate::coverage::CoverageMatrix;
    use crate::rng::Rng;

    /// A random capacitated siting instance, owned: `n` compounds, `m_e` existing centres,
    /// `m_c` candidates, each reaching a compound with probability `p`.
    struct Owned {
        existing: CoverageMatrix,
        existing_capacity: Vec<f64>,
        candidates: CoverageMatrix,
        candidate_capacity: Vec<f64>,
        population: Vec<f64>,
    }

    impl Owned {
        fn new(rng: &mut Rng, tight: f64) -> Owned {
            let n = 5 + rng.below(40);
            let (m_e, m_c) = (rng.below(4), 2 + rng.below(9));
            let p = rng.range(0.1, 0.4);
            let population: Vec<f64> = (0..n).map(|_| rng.range(10.0, 500.0).round()).collect();
            let total: f64 = population.iter().sum();
            let mut reach = |m: usize| {
                let mut cover = CoverageMatrix::new(m);
                for _ in 0..n {
                    let row: Vec<(u32, f32)> = (0..m as u32)
                        .filter(|_| rng.f64() < p)
                        .map(|s| (s, 0.0))
                        .collect();
                    cover.push_row(row);
                }
                cover
            };
            let (existing, candidates) = (reach(m_e), reach(m_c));
            // `tight` scales capacities against the population per site.
            let per_site = tight * total / (m_e + m_c) as f64;
            let mut caps = |m: usize| -> Vec<f64> {
                (0..m)
                    .map(|_| rng.range(0.2 * per_site, 2.0 * per_site).round().max(1.0))
                    .collect()
            };
            let (existing_capacity, candidate_capacity) = (caps(m_e), caps(m_c));
            Owned {
                existing,
                existing_capacity,
                candidates,
                candidate_capacity,
                population,
            }
        }

        fn view(&self) -> SitingInstance<'_> {
            SitingInstance {
                existing: &self.existing,
                existing_capacity: &self.existing_capacity,
                candidates: &self.candidates,
                candidate_capacity: &self.candidate_capacity,
                population: &self.population,
            }
        }

        /// What the subset `mask` of candidates serves, by plain augmenting paths.
        fn served(&self, mask: u32) -> f64 {
            let (m_e, m_c) = (self.existing.n_cols(), self.candidates.n_cols());
            let mut both = CoverageMatrix::new(m_e + m_c);
            for i in 0..self.population.len() {
                let e = self.existing.row(i).0.iter().map(|&s| (s, 0.0));
                let c = self.candidates.row(i).0.iter();
                let c = c
                    .filter(|&&s| mask >> s & 1 == 1)
                    .map(|&s| (s + m_e as u32, 0.0));
                both.push_row(e.chain(c).collect::<Vec<_>>());
            }
            let mut cap = self.existing_capacity.clone();
            cap.extend(&self.candidate_capacity);
            augmenting_paths(&both, &self.population, &cap)
        }

        /// The most any `k` candidates serve, and the fewest serving `residents`.
        fn brute_force(&self, k: usize, residents: f64) -> (f64, Option<usize>) {
            let m_c = self.candidates.n_cols();
            let mut best = 0.0f64;
            let mut fewest: Option<usize> = None;
            for mask in 0u32..(1 << m_c) {
                let size = mask.count_ones() as usize;
                let served = self.served(mask);
                if size <= k {
                    best = best.max(served);
                }
                if served >= residents {
                    fewest = Some(fewest.map_or(size, |f| f.min(size)));
                }
            }
            (best, fewest)
        }
    }

    fn far_deadline() -> Instant {
        Instant::now() + std::time::Duration::from_secs(3600)
    }

    #[test]
    fn capacitated_add_k_matches_exhaustive_search() {
        for seed in 0..150 {
            let mut rng = Rng::new(21_000 + seed);
            let tight = [0.3, 0.8, 2.0][seed as usize % 3];
            let owned = Owned::new(&mut rng, tight);
            let k = 1 + rng.below(4);
            let (best, _) = owned.brute_force(k, f64::INFINITY);
            let exact = plan_capacitated_exact(owned.view(), Goal::Add(k), far_deadline(), None);
            let plan = &exact.plan;
            assert_eq!(exact.status, PlanStatus::Proven, "seed {seed}");
            assert!(plan.optimal, "seed {seed}");
            assert_eq!(plan.objective, best, "seed {seed}: k {k} plan {plan:?}");
            assert_eq!(plan.upper_bound, best, "seed {seed}");
            assert!(plan.chosen.len() <= k, "seed {seed}");
            let mask = plan.chosen.iter().fold(0u32, |m, c| m | 1 << c.0);
            assert_eq!(
                owned.served(mask),
                plan.objective,
                "seed {seed}: its own sites"
            );
        }
    }

    #[test]
    fn capacitated_target_count_matches_exhaustive_search() {
        for seed in 0..100 {
            let mut rng = Rng::new(22_000 + seed);
            let tight = [0.3, 0.8, 2.0][seed as usize % 3];
            let owned = Owned::new(&mut rng, tight);
            let total: f64 = owned.population.iter().sum();
            let all = owned.served(u32::MAX >> (32 - owned.candidates.n_cols()));
            let base = owned.served(0);
            let share = (base + rng.range(0.3, 1.0) * (all - base)) / total;
            let threshold = share * total * (1.0 - 1e-12);
            let (_, fewest) = owned.brute_force(0, threshold);
            let fewest = fewest.expect("all candidates open reach it");
            let exact =
                plan_capacitated_exact(owned.view(), Goal::Target(share), far_deadline(), None);
            let n = exact.plan.chosen.len();
            assert_eq!(exact.reached, Some(true), "seed {seed}");
            assert_eq!(n, fewest, "seed {seed}: share {share}");
            assert_eq!(exact.count_lower_bound, Some(fewest), "seed {seed}");
            assert!(exact.plan.objective >= threshold, "seed {seed}");
            let (best, _) = owned.brute_force(n, f64::INFINITY);
            assert_eq!(
                exact.plan.objective, best,
                "seed {seed}: most with {n} sites"
            );
            assert_eq!(exact.status, PlanStatus::Proven, "seed {seed}");
        }
    }

    #[test]
    fn a_stopped_search_keeps_a_valid_bound() {
        // The deadline has passed before the root: the answer is the greedy one, the bound
        // still at or above the exhaustive best, and the status says the clock stopped it.
        for seed in 0..40 {
            let mut rng = Rng::new(23_000 + seed);
            let owned = Owned::new(&mut rng, 0.5);
            let k = 1 + rng.below(3);
            let (best, _) = owned.brute_force(k, f64::INFINITY);
            let exact = plan_capacitated_exact(owned.view(), Goal::Add(k), Instant::now(), None);
            let plan = &exact.plan;
            assert!(plan.objective <= best, "seed {seed}");
            assert!(plan.upper_bound >= best, "seed {seed}");
            if exact.status == PlanStatus::Proven {
                assert_eq!(plan.objective, best, "seed {seed}");
            } else {
                assert_eq!(exact.status, PlanStatus::TimeLimit, "seed {seed}");
            }
        }
    }
}
