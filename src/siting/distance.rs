//! Distance objectives: p-median (the least population-weighted walk to the nearest open
//! centre) and p-center (the least longest walk), existing centres always open, exact with a
//! proof or a certified gap.
//!
//! Walks are measured up to a cap (`max_distance_m`): a compound with no open centre within it
//! counts at the cap, so every compound is in the objective and far ones weigh the most
//! they can. p-median is the Lagrangian branch and bound of `lagrange.rs` on metres saved
//! against each compound's walk today; p-center searches the sorted distinct walks, deciding
//! each by the exact maximal-covering solver ("can `k` sites bring everyone within r?").

use std::time::Instant;

use super::heuristic::greedy;
use super::lagrange::{Model, Price, solve};
use super::problem::Instance;
use super::{PlanStatus, solve_with_floor};
use crate::coverage::CoverageMatrix;

/// Which distance is minimised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistanceKind {
    /// p-median: the population-weighted mean walk.
    Mean,
    /// p-center: the longest walk of any compound (with residents).
    Max,
}

/// A distance question: walks to existing centres and to candidates, up to a cap.
#[derive(Debug, Clone, Copy)]
pub struct DistanceInstance<'a> {
    /// Rows: candidates; columns: compounds; costs in metres within the cap.
    pub candidates: &'a CoverageMatrix,
    /// Per compound, the walk to the nearest existing centre (`f64::INFINITY`: none).
    pub existing_m: &'a [f64],
    /// Residents per compound.
    pub population: &'a [f64],
    /// Walks beyond this count at it, metres.
    pub max_distance_m: f64,
}

/// The answer to a distance question.
#[derive(Debug, Clone, PartialEq)]
pub struct DistancePlan {
    /// What was minimised.
    pub kind: DistanceKind,
    /// Chosen candidates, in the order that shortens the objective most first.
    pub chosen: Vec<u32>,
    /// Population-weighted mean walk with the chosen sites (capped), metres.
    pub mean_distance_m: f64,
    /// Longest walk of a compound with residents (capped), metres.
    pub max_distance_m: f64,
    /// The same two before any new site.
    pub mean_before_m: f64,
    /// See `mean_before_m`.
    pub max_before_m: f64,
    /// No choice of as many sites does better than this (in the objective's metres).
    pub lower_bound_m: f64,
    /// `(objective − lower_bound) / objective`.
    pub gap: f64,
    /// The objective is proven the least.
    pub optimal: bool,
    /// How the search ended.
    pub status: PlanStatus,
    /// Branch-and-bound nodes (p-median) or feasibility questions (p-center).
    pub nodes: usize,
    /// Each compound's walk with the chosen sites (capped), metres.
    pub walk_m: Vec<f64>,
    /// Each compound's walk today, before any new site (capped), metres.
    pub walk_before_m: Vec<f64>,
    /// The cap: longer walks, and compounds no centre reaches within it, count at it.
    pub cap_m: f64,
}

impl DistanceInstance<'_> {
    /// Each compound's walk today, capped.
    fn before(&self) -> Vec<f64> {
        self.existing_m
            .iter()
            .map(|&e| e.min(self.max_distance_m))
            .collect()
    }

    /// Each compound's capped walk with `set` open.
    pub fn walks(&self, set: &[u32]) -> Vec<f64> {
        let mut walk = self.before();
        for &c in set {
            let (cols, costs) = self.candidates.row(c as usize);
            for (&i, &d) in cols.iter().zip(costs) {
                let w = &mut walk[i as usize];
                *w = w.min(f64::from(d));
            }
        }
        walk
    }

    /// Population-weighted mean and the longest walk (over compounds with residents).
    fn summarise(&self, walk: &[f64]) -> (f64, f64) {
        let total: f64 = self.population.iter().sum();
        let weighted: f64 = walk.iter().zip(self.population).map(|(w, p)| w * p).sum();
        let longest = walk
            .iter()
            .zip(self.population)
            .filter(|(_, p)| **p > 0.0)
            .map(|(w, _)| *w)
            .fold(0.0, f64::max);
        (if total > 0.0 { weighted / total } else { 0.0 }, longest)
    }
}

/// Minimises `kind` with at most `k` new sites by `deadline`.
pub fn plan_distance(
    inst: DistanceInstance<'_>,
    kind: DistanceKind,
    k: usize,
    deadline: Instant,
) -> DistancePlan {
    let (mut chosen, bound_m, exhausted, nodes) = match kind {
        DistanceKind::Mean => p_median(inst, k, deadline),
        DistanceKind::Max => p_center(inst, k, deadline),
    };
    chosen = ranked(inst, kind, &chosen);
    let walk = inst.walks(&chosen);
    let (mean, max) = inst.summarise(&walk);
    let (mean_before, max_before) = inst.summarise(&inst.before());
    let objective = match kind {
        DistanceKind::Mean => mean,
        DistanceKind::Max => max,
    };
    let lower = bound_m.min(objective).max(0.0);
    let gap = if objective > 0.0 {
        (objective - lower) / objective
    } else {
        0.0
    };
    let optimal = exhausted || gap <= 1e-9;
    DistancePlan {
        kind,
        chosen,
        mean_distance_m: mean,
        max_distance_m: max,
        mean_before_m: mean_before,
        max_before_m: max_before,
        lower_bound_m: if optimal { objective } else { lower },
        gap: if optimal { 0.0 } else { gap },
        optimal,
        status: if optimal {
            PlanStatus::Proven
        } else {
            PlanStatus::TimeLimit
        },
        nodes,
        walk_m: walk,
        walk_before_m: inst.before(),
        cap_m: inst.max_distance_m,
    }
}

/// Minimises `kind` with at most `k` new sites, the `required` candidates among them (in the
/// order given, first in `chosen`) and the `excluded` ones in none. Required sites are opened
/// before the search, which then runs on the remaining candidates with `k − required` sites;
/// the bound and the proof carry over because every plan it compares contains them. Before
/// figures stay those of today (no new site).
///
/// # Panics
/// More required sites than `k`, or `excluded` not one flag per candidate.
pub fn plan_distance_fixed(
    inst: DistanceInstance<'_>,
    kind: DistanceKind,
    k: usize,
    required: &[u32],
    excluded: &[bool],
    deadline: Instant,
) -> DistancePlan {
    assert!(required.len() <= k, "more required sites than k");
    assert_eq!(
        excluded.len(),
        inst.candidates.n_rows(),
        "one flag per candidate"
    );
    if required.is_empty() && !excluded.contains(&true) {
        return plan_distance(inst, kind, k, deadline);
    }
    let rest: Vec<u32> = (0..inst.candidates.n_rows() as u32)
        .filter(|&c| !excluded[c as usize] && !required.contains(&c))
        .collect();
    let mut sub = CoverageMatrix::with_capacity(inst.candidates.n_cols(), rest.len(), 0);
    for &c in &rest {
        let (cols, costs) = inst.candidates.row(c as usize);
        sub.push_row(cols.iter().copied().zip(costs.iter().copied()));
    }
    // Walks with the required sites open stand in for today's (they are capped already).
    let existing_m = inst.walks(required);
    let inner = DistanceInstance {
        candidates: &sub,
        existing_m: &existing_m,
        ..inst
    };
    let mut plan = plan_distance(inner, kind, k - required.len(), deadline);
    let mut chosen = required.to_vec();
    chosen.extend(plan.chosen.iter().map(|&c| rest[c as usize]));
    plan.chosen = chosen;
    plan.walk_before_m = inst.before();
    let (mean_before, max_before) = inst.summarise(&plan.walk_before_m);
    plan.mean_before_m = mean_before;
    plan.max_before_m = max_before;
    plan
}

/// The chosen sites in the order a planner reads them: each next one shortens the objective
/// most (ties: lower index); sites that shorten nothing are left out.
fn ranked(inst: DistanceInstance<'_>, kind: DistanceKind, chosen: &[u32]) -> Vec<u32> {
    let score = |set: &[u32]| {
        let (mean, max) = inst.summarise(&inst.walks(set));
        match kind {
            DistanceKind::Mean => mean,
            DistanceKind::Max => max,
        }
    };
    let mut left: Vec<u32> = chosen.to_vec();
    left.sort_unstable();
    let mut out: Vec<u32> = Vec::new();
    while !left.is_empty() {
        let (pos, _) = left
            .iter()
            .enumerate()
            .map(|(p, &c)| {
                let mut trial = out.clone();
                trial.push(c);
                (p, score(&trial))
            })
            .fold((0, f64::INFINITY), |b, x| if x.1 < b.1 { x } else { b });
        out.push(left.remove(pos));
    }
    // Drop sites that change nobody's walk (a planner would build them for nothing).
    let (all, before) = (inst.walks(&out), inst.before());
    out.retain(|&c| {
        let (cols, costs) = inst.candidates.row(c as usize);
        cols.iter().zip(costs).any(|(&i, &d)| {
            let d = f64::from(d);
            d <= all[i as usize] && d < before[i as usize]
        })
    });
    out
}

/// Prices a set by the residents' metres saved against today's walks.
struct Savings<'a> {
    model: &'a Model,
    /// Scratch: per item, the most metres an open site saves.
    best: Vec<f64>,
}

impl Price for Savings<'_> {
    const STEP: f64 = 0.0;

    fn value(&mut self, set: &[u32]) -> f64 {
        self.best.iter_mut().for_each(|b| *b = 0.0);
        for &c in set {
            for &(i, s) in &self.model.reach[c as usize] {
                let b = &mut self.best[i as usize];
                *b = b.max(s);
            }
        }
        self.best
            .iter()
            .zip(&self.model.amount)
            .map(|(b, a)| b * a)
            .sum()
    }
}

/// p-median: maximise residents × metres saved. Returns the set, a lower bound on the mean
/// walk, whether the search was exhausted, and the nodes.
fn p_median(
    inst: DistanceInstance<'_>,
    k: usize,
    deadline: Instant,
) -> (Vec<u32>, f64, bool, usize) {
    let m = inst.candidates.n_rows();
    // A compound every candidate reaches walks no farther than its farthest candidate once
    // any site opens (k ≥ 1): measuring savings from there instead of the cap keeps the
    // savings, and the bound's arithmetic, on the scale of the walks that can differ.
    let before = {
        let mut b = inst.before();
        let mut reached = vec![0usize; b.len()];
        let mut farthest = vec![0.0f64; b.len()];
        for c in 0..m {
            let (cols, costs) = inst.candidates.row(c);
            for (&i, &d) in cols.iter().zip(costs) {
                reached[i as usize] += 1;
                farthest[i as usize] = farthest[i as usize].max(f64::from(d));
            }
        }
        if k >= 1 {
            for ((b, &r), &f) in b.iter_mut().zip(&reached).zip(&farthest) {
                if r == m {
                    *b = b.min(f);
                }
            }
        }
        b
    };
    let mut reach = vec![Vec::new(); m];
    let mut amount = Vec::new();
    let mut item_of = vec![u32::MAX; before.len()];
    for (c, row) in reach.iter_mut().enumerate() {
        let (cols, costs) = inst.candidates.row(c);
        for (&i, &d) in cols.iter().zip(costs) {
            let saved = before[i as usize] - f64::from(d);
            let p = inst.population[i as usize];
            if saved <= 0.0 || p <= 0.0 {
                continue;
            }
            if item_of[i as usize] == u32::MAX {
                item_of[i as usize] = amount.len() as u32;
                amount.push(p);
            }
            row.push((item_of[i as usize], saved));
        }
    }
    let mut u_max = vec![0.0f64; amount.len()];
    for row in &reach {
        for &(i, s) in row {
            u_max[i as usize] = u_max[i as usize].max(s);
        }
    }
    let mut model = Model {
        amount,
        reach,
        cap: vec![f64::INFINITY; m],
        m_e: 0,
        u_max,
        u_start: Vec::new(),
    };
    let start = greedy_savings(&model, k);
    // Multipliers at the greedy's savings make the first bound the greedy's submodular one
    // (its value plus the k largest gains over it), far nearer than zero multipliers.
    let mut u_start = vec![0.0f64; model.amount.len()];
    for &c in &start {
        for &(i, s) in &model.reach[c as usize] {
            u_start[i as usize] = u_start[i as usize].max(s);
        }
    }
    model.u_start = u_start;
    let mut pricer = Savings {
        model: &model,
        best: vec![0.0; model.amount.len()],
    };
    let s = solve(
        &model,
        &mut pricer,
        k,
        &start,
        deadline,
        None,
        f64::INFINITY,
    );
    let total: f64 = inst.population.iter().sum();
    let weighted_before: f64 = before.iter().zip(inst.population).map(|(w, p)| w * p).sum();
    let lower = if total > 0.0 {
        (weighted_before - s.upper_bound) / total
    } else {
        0.0
    };
    let mut chosen = s.chosen;
    if chosen.is_empty() && k >= 1 && m >= 1 {
        // Savings from the farthest candidate are all zero here, so every non-empty set is
        // as good as any other and better than none: open the one that shortens walks most.
        let best = (0..m as u32)
            .map(|c| (inst.summarise(&inst.walks(&[c])).0, c))
            .fold((f64::INFINITY, 0), |b, x| if x.0 < b.0 { x } else { b });
        chosen.push(best.1);
    }
    (chosen, lower, s.exhausted, s.nodes)
}

/// The greedy start: each step adds the site saving the most (ties: lower index). Each
/// item's best saving so far is kept, so a step costs one pass over every candidate's reach.
fn greedy_savings(model: &Model, k: usize) -> Vec<u32> {
    let mut best = vec![0.0f64; model.amount.len()];
    let mut set: Vec<u32> = Vec::new();
    let mut open = vec![false; model.reach.len()];
    for _ in 0..k.min(model.reach.len()) {
        let mut pick = (0.0, None);
        for (c, row) in model.reach.iter().enumerate() {
            if open[c] {
                continue;
            }
            let gain: f64 = row
                .iter()
                .map(|&(i, s)| (s - best[i as usize]).max(0.0) * model.amount[i as usize])
                .sum();
            if gain > pick.0 {
                pick = (gain, Some(c));
            }
        }
        let Some(c) = pick.1 else { break };
        open[c] = true;
        set.push(c as u32);
        for &(i, s) in &model.reach[c] {
            let b = &mut best[i as usize];
            *b = b.max(s);
        }
    }
    set
}

/// p-center: the least r such that `k` sites bring every compound with residents within r
/// (walks capped), over the sorted distinct walks. Returns the set, a lower bound on the
/// longest walk, whether every step was decided, and the questions asked.
fn p_center(
    inst: DistanceInstance<'_>,
    k: usize,
    deadline: Instant,
) -> (Vec<u32>, f64, bool, usize) {
    let before = inst.before();
    let cap = inst.max_distance_m;
    let live: Vec<bool> = inst.population.iter().map(|&p| p > 0.0).collect();
    let mut radii: Vec<f64> = before
        .iter()
        .zip(&live)
        .filter(|(_, l)| **l)
        .map(|(b, _)| *b)
        .collect();
    for c in 0..inst.candidates.n_rows() {
        let (cols, costs) = inst.candidates.row(c);
        for (&i, &d) in cols.iter().zip(costs) {
            let d = f64::from(d).min(cap);
            if live[i as usize] && d < before[i as usize] {
                radii.push(d);
            }
        }
    }
    radii.push(0.0);
    radii.sort_unstable_by(f64::total_cmp);
    radii.dedup();
    // Today's longest walk is always reachable (no new site); answers lie at or below it.
    let today = before
        .iter()
        .zip(&live)
        .filter(|(_, l)| **l)
        .map(|(b, _)| *b)
        .fold(0.0, f64::max);
    let mut hi = radii.partition_point(|&r| r < today);
    let mut best: Vec<u32> = Vec::new();
    let mut lo = 0usize;
    let mut questions = 0;
    let mut decided = true;
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        questions += 1;
        match within(inst, &before, &live, radii[mid], k, deadline) {
            Some(Some(set)) => {
                hi = mid;
                best = set;
            }
            Some(None) => lo = mid + 1,
            None => {
                decided = false;
                break;
            }
        }
    }
    (best, radii[lo], decided, questions)
}

/// Can `k` sites bring every live compound within `r`? `Some(Some(set))`: yes, by `set`;
/// `Some(None)`: proven not; `None`: the deadline struck first.
fn within(
    inst: DistanceInstance<'_>,
    before: &[f64],
    live: &[bool],
    r: f64,
    k: usize,
    deadline: Instant,
) -> Option<Option<Vec<u32>>> {
    let m = inst.candidates.n_rows();
    let mut cover = CoverageMatrix::new(before.len());
    for c in 0..m {
        let (cols, costs) = inst.candidates.row(c);
        let row: Vec<(u32, f32)> = cols
            .iter()
            .zip(costs)
            .filter(|&(&i, &d)| live[i as usize] && f64::from(d) <= r)
            .map(|(&i, &d)| (i, d))
            .collect();
        cover.push_row(row);
    }
    let done: Vec<bool> = before
        .iter()
        .zip(live)
        .map(|(&b, &l)| !l || b <= r)
        .collect();
    let ones = vec![1.0; before.len()];
    let instance = Instance::new(&cover, &ones, &done);
    let needed = done.iter().filter(|d| !**d).count() as f64;
    let reachable: f64 = instance.weight.iter().sum();
    if reachable < needed {
        // Some compound is beyond every candidate's r.
        return Some(None);
    }
    if needed == 0.0 {
        return Some(Some(Vec::new()));
    }
    let start = greedy(&instance, k.min(m), &vec![false; m]);
    if instance.value(&start) >= needed {
        return Some(Some(start));
    }
    let s = solve_with_floor(&instance, k.min(m), &start, deadline, Some(needed));
    if s.value >= needed {
        Some(Some(s.chosen))
    } else if s.optimal {
        Some(None)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    struct Owned {
        candidates: CoverageMatrix,
        existing_m: Vec<f64>,
        population: Vec<f64>,
        cap: f64,
    }

    impl Owned {
        fn new(rng: &mut Rng) -> Owned {
            let n = 3 + rng.below(30);
            let m = 2 + rng.below(9);
            let cap = rng.range(300.0, 1500.0).round();
            let pts = |rng: &mut Rng, count: usize| -> Vec<[f64; 2]> {
                (0..count)
                    .map(|_| [rng.range(0.0, 2000.0), rng.range(0.0, 2000.0)])
                    .collect()
            };
            let n_old = rng.below(3);
            let (homes, sites, old) = (pts(rng, n), pts(rng, m), pts(rng, n_old));
            let dist = |a: [f64; 2], b: [f64; 2]| ((a[0] - b[0]).hypot(a[1] - b[1])).round();
            let mut candidates = CoverageMatrix::new(n);
            for s in &sites {
                let row: Vec<(u32, f32)> = homes
                    .iter()
                    .enumerate()
                    .map(|(i, h)| (i as u32, dist(*h, *s)))
                    .filter(|&(_, d)| d <= cap)
                    .map(|(i, d)| (i, d as f32))
                    .collect();
                candidates.push_row(row);
            }
            let existing_m = homes
                .iter()
                .map(|h| {
                    old.iter()
                        .map(|o| dist(*h, *o))
                        .filter(|&d| d <= cap)
                        .fold(f64::INFINITY, f64::min)
                })
                .collect();
            let population = (0..n)
                .map(|_| {
                    if rng.f64() < 0.1 {
                        0.0
                    } else {
                        rng.range(1.0, 900.0).round()
                    }
                })
                .collect();
            Owned {
                candidates,
                existing_m,
                population,
                cap,
            }
        }

        fn view(&self) -> DistanceInstance<'_> {
            DistanceInstance {
                candidates: &self.candidates,
                existing_m: &self.existing_m,
                population: &self.population,
                max_distance_m: self.cap,
            }
        }

        /// The least mean and the least longest walk any `k` candidates give.
        fn brute_force(&self, k: usize) -> (f64, f64) {
            self.brute_force_fixed(k, &[], &vec![false; self.candidates.n_rows()])
        }

        /// The same over the sets of at most `k` that contain `required` and no `excluded`.
        fn brute_force_fixed(&self, k: usize, required: &[u32], excluded: &[bool]) -> (f64, f64) {
            let inst = self.view();
            let m = self.candidates.n_rows();
            let (mut mean, mut max) = (f64::INFINITY, f64::INFINITY);
            for mask in 0u32..(1 << m) {
                if mask.count_ones() as usize > k
                    || required.iter().any(|&r| mask >> r & 1 == 0)
                    || (0..m).any(|c| excluded[c] && mask >> c & 1 == 1)
                {
                    continue;
                }
                let set: Vec<u32> = (0..m as u32).filter(|c| mask >> c & 1 == 1).collect();
                let (a, b) = inst.summarise(&inst.walks(&set));
                mean = mean.min(a);
                max = max.min(b);
            }
            (mean, max)
        }
    }

    fn far() -> Instant {
        Instant::now() + std::time::Duration::from_secs(3600)
    }

    #[test]
    fn p_median_and_p_center_match_exhaustive_search() {
        for seed in 0..150 {
            let mut rng = Rng::new(31_000 + seed);
            let owned = Owned::new(&mut rng);
            let k = 1 + rng.below(4);
            let (mean, max) = owned.brute_force(k);
            let median = plan_distance(owned.view(), DistanceKind::Mean, k, far());
            assert!(median.optimal, "seed {seed}");
            assert!(
                (median.mean_distance_m - mean).abs() <= 1e-9 * mean.max(1.0),
                "seed {seed}: p-median {} vs {mean}",
                median.mean_distance_m
            );
            assert!(median.chosen.len() <= k, "seed {seed}");
            let center = plan_distance(owned.view(), DistanceKind::Max, k, far());
            assert!(center.optimal, "seed {seed}");
            assert_eq!(center.max_distance_m, max, "seed {seed}: p-center");
            assert!(center.chosen.len() <= k, "seed {seed}");
            assert_eq!(center.status, PlanStatus::Proven, "seed {seed}");
            // Nobody's walk grows, and none is above the cap.
            for (w, b) in center.walk_m.iter().zip(owned.view().before()) {
                assert!(*w <= b && *w <= owned.cap, "seed {seed}");
            }
        }
    }

    #[test]
    fn required_and_excluded_sites_match_exhaustive_search() {
        for seed in 0..150 {
            let mut rng = Rng::new(47_000 + seed);
            let owned = Owned::new(&mut rng);
            let m = owned.candidates.n_rows();
            let k = 1 + rng.below(4);
            let mut order: Vec<u32> = (0..m as u32).collect();
            for i in (1..m).rev() {
                order.swap(i, rng.below(i + 1));
            }
            let n_req = rng.below(k.min(m) + 1).min(2);
            let required = order[..n_req].to_vec();
            let mut excluded = vec![false; m];
            for &c in &order[n_req..] {
                excluded[c as usize] = rng.f64() < 0.3;
            }
            let (mean, max) = owned.brute_force_fixed(k, &required, &excluded);
            let (mean_today, max_today) = owned.view().summarise(&owned.view().before());
            for (kind, best) in [(DistanceKind::Mean, mean), (DistanceKind::Max, max)] {
                let plan = plan_distance_fixed(owned.view(), kind, k, &required, &excluded, far());
                let label = format!("seed {seed} {kind:?} k {k} req {required:?} ex {excluded:?}");
                assert!(plan.optimal, "{label}");
                let got = match kind {
                    DistanceKind::Mean => plan.mean_distance_m,
                    DistanceKind::Max => plan.max_distance_m,
                };
                assert!(
                    (got - best).abs() <= 1e-9 * best.max(1.0),
                    "{label}: {got} vs {best}"
                );
                assert_eq!(&plan.chosen[..required.len()], &required[..], "{label}");
                assert!(plan.chosen.len() <= k, "{label}");
                assert!(
                    plan.chosen.iter().all(|&c| !excluded[c as usize]),
                    "{label}"
                );
                // The plan's walks are those of its own sites, and "before" is today.
                let walks = owned.view().walks(&plan.chosen);
                assert_eq!(plan.walk_m, walks, "{label}");
                assert_eq!(
                    (plan.mean_before_m, plan.max_before_m),
                    (mean_today, max_today)
                );
                assert_eq!(plan.walk_before_m, owned.view().before(), "{label}");
            }
        }
    }

    #[test]
    fn a_compound_beyond_every_site_counts_at_the_cap() {
        let mut candidates = CoverageMatrix::new(2);
        candidates.push_row([(0, 100.0f32)]);
        let population = [10.0, 30.0];
        let inst = DistanceInstance {
            candidates: &candidates,
            existing_m: &[f64::INFINITY, f64::INFINITY],
            population: &population,
            max_distance_m: 1000.0,
        };
        let plan = plan_distance(inst, DistanceKind::Mean, 1, far());
        assert_eq!(plan.chosen, vec![0]);
        assert_eq!(plan.mean_distance_m, (10.0 * 100.0 + 30.0 * 1000.0) / 40.0);
        assert_eq!(plan.max_distance_m, 1000.0);
        assert_eq!(plan.mean_before_m, 1000.0);
    }
}
