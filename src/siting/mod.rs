//! Choosing new centre sites: maximal covering ("add k") and fewest sites to a target share,
//! with existing centres always open. A greedy + swap heuristic answers first; branch and
//! bound with Lagrangian bounds proves it optimal or reports the certified gap.

mod candidates;
mod capacitated;
mod count;
mod distance;
mod exact;
mod fixed;
mod heuristic;
mod lagrange;
mod lp;
mod problem;
mod relax;
mod run;

use std::time::{Duration, Instant};

use crate::coverage::CoverageMatrix;
use crate::error::{Error, Param, Result};

pub use candidates::{AutoCandidates, GRID_FRACTION, MAX_AUTO_GRID, auto_candidates};
use count::count_lower_bound;
pub use distance::{
    DistanceInstance, DistanceKind, DistancePlan, plan_distance, plan_distance_fixed,
};
pub use exact::{Solved, solve, solve_limited, solve_with_floor};
pub use fixed::FixedSites;

pub(crate) use fixed::plan_fixed;
pub use heuristic::{drop_and_repair, greedy, perturbed_search, swap_search};
pub use problem::Instance;
pub use run::{CandidateSource, CapacityOptions, DistanceOptions, SiteOptions, SiteRun, run_site};

/// Swap rounds repairing a set one site smaller on the way down to the fewest sites (four
/// times as many beyond `LP_MAX_K` sites).
const REPAIR_ROUNDS: usize = 50;
/// Perturbations tried on the way down when repairing alone falls short of the target.
const WALK_PERTURB_ROUNDS: usize = 100;
/// Branch-and-bound nodes one step down may spend before the walk stops there (a count, not
/// the clock, so the walk ends at the same count on any machine within the time limit).
const WALK_MAX_NODES: usize = 2_000;

/// What to optimise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Goal {
    /// Add this many sites, maximising newly covered population.
    Add(usize),
    /// The fewest sites bringing covered population to at least this share (0, 1].
    Target(f64),
}

/// One chosen site, in the order a planner reads them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChosenSite {
    /// Candidate index.
    pub candidate: u32,
    /// 1-based rank (largest marginal gain first).
    pub rank: usize,
    /// Population newly covered when this site is added after the ones ranked before it.
    pub gain_population: f64,
    /// Covered population after adding it (existing centres included).
    pub cumulative_population: f64,
    /// `cumulative_population` over the total population.
    pub cumulative_share: f64,
}

/// The answer to a siting question.
#[derive(Debug, Clone, PartialEq)]
pub struct SitePlan {
    /// The goal asked for.
    pub goal: Goal,
    /// Chosen sites, ranked.
    pub sites: Vec<ChosenSite>,
    /// Total population.
    pub total_population: f64,
    /// Population the existing centres already cover.
    pub existing_population: f64,
    /// Covered population with the chosen sites (existing included).
    pub objective: f64,
    /// Population newly covered by the chosen sites.
    pub added_population: f64,
    /// No choice of the same number of sites covers more than this (existing included).
    pub upper_bound: f64,
    /// `(upper_bound - objective) / upper_bound`.
    pub gap: f64,
    /// True when the covered population is proven the most the chosen number of sites can
    /// reach (`gap` measures how far from proven it is otherwise).
    pub optimal: bool,
    /// For a target: true when the number of sites is proven the fewest that reach it
    /// (`None` for add-K, where the count is given).
    pub count_optimal: Option<bool>,
    /// For a target: no choice of fewer sites reaches it (a certified lower bound on the
    /// count; equal to the number of sites when `count_optimal`). `None` for add-K.
    pub count_lower_bound: Option<usize>,
    /// The covered population the greedy heuristic alone reached with the same number of
    /// sites.
    pub greedy_objective: f64,
    /// The largest share any choice of candidates can reach (all candidates open).
    pub reachable_share: f64,
    /// For a target: whether it is reached.
    pub target_reached: bool,
    /// Compounds neither existing centres nor any candidate can cover.
    pub uncoverable: Vec<u32>,
    /// For each compound, the chosen candidate that newly covers it (lowest rank first).
    pub new_cover: Vec<Option<u32>>,
    /// Branch-and-bound nodes explored.
    pub nodes: usize,
    /// Candidates the plan was required to contain (`--require`), first in `sites`.
    pub required: Vec<u32>,
    /// Why the search stopped: proven, or which limit left the gap.
    pub status: PlanStatus,
}

/// How a plan's search ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlanStatus {
    /// The objective (and, for a target, the count) is proven best.
    #[default]
    Proven,
    /// The time limit stopped the search; the gap is certified.
    TimeLimit,
    /// The search stopped at its node budget before the time limit; the gap is certified.
    NodeLimit,
    /// The bound was not closed: the method has no proof for this case (capacitated plans
    /// whose bound stays above the answer); the gap is certified.
    BoundNotClosed,
}

impl PlanStatus {
    /// `proven`, `time_limit`, `node_limit` or `bound_not_closed`, as `summary.json` writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Proven => "proven",
            PlanStatus::TimeLimit => "time_limit",
            PlanStatus::NodeLimit => "node_limit",
            PlanStatus::BoundNotClosed => "bound_not_closed",
        }
    }

    /// The status in plain words for a gap of `gap` (0–1): "proven best", "at most 0.4 %
    /// from the best (time limit)" …
    pub fn describe(self, gap: f64) -> String {
        let within = format!("at most {:.2} % from the best", gap * 100.0);
        match self {
            PlanStatus::Proven => "proven best".into(),
            PlanStatus::TimeLimit => format!("{within} (the time limit stopped the proof)"),
            PlanStatus::NodeLimit => format!("{within} (the search stopped at its node limit)"),
            PlanStatus::BoundNotClosed => format!("{within} (the bound is not closed)"),
        }
    }
}

/// Chosen sites in rank order with their gains, cumulative population and share, starting
/// from the `existing` covered population out of `total`.
pub(crate) fn rank_sites(ranked: &[(u32, f64)], existing: f64, total: f64) -> Vec<ChosenSite> {
    let mut cumulative = existing;
    ranked
        .iter()
        .enumerate()
        .map(|(r, &(c, gain))| {
            cumulative += gain;
            ChosenSite {
                candidate: c,
                rank: r + 1,
                gain_population: gain,
                cumulative_population: cumulative,
                cumulative_share: if total > 0.0 { cumulative / total } else { 0.0 },
            }
        })
        .collect()
}

impl Goal {
    /// Checks the goal: at least one site, or a share in (0, 1].
    pub fn check(self) -> Result<Goal> {
        match self {
            Goal::Add(0) => Err(Error::parameter(Param::SiteCount, 0, "must be at least 1")),
            Goal::Target(s) if !(s > 0.0 && s <= 1.0) => Err(Error::parameter(
                Param::TargetShare,
                s,
                "must be a share in (0, 1], e.g. 0.95",
            )),
            _ => Ok(self),
        }
    }
}

/// A solver time limit of `seconds`, which must be a number > 0 (values too large for a
/// [`Duration`] mean no limit).
pub fn time_limit(seconds: f64) -> Result<Duration> {
    if !(seconds.is_finite() && seconds > 0.0) {
        return Err(Error::parameter(
            Param::TimeLimit,
            seconds,
            "must be > 0 seconds",
        ));
    }
    Ok(Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX))
}

/// The checks of a siting request, made once where it enters the library ([`plan_sites`],
/// [`run_site`]).
fn check_request(goal: Goal, time_limit: Duration) -> Result<()> {
    goal.check()?;
    if time_limit.is_zero() {
        return Err(Error::parameter(Param::TimeLimit, 0, "must be > 0 seconds"));
    }
    Ok(())
}

/// Plans new sites. `candidate_cover` rows are candidates, columns compounds (cost within
/// budget); `covered` says which compounds existing centres already cover.
pub fn plan_sites(
    candidate_cover: &CoverageMatrix,
    population: &[f64],
    covered: &[bool],
    goal: Goal,
    time_limit: Duration,
) -> Result<SitePlan> {
    check_request(goal, time_limit)?;
    let demand = Demand {
        cover: candidate_cover,
        population,
        covered,
    };
    plan_checked(demand, goal, time_limit)
}

/// What a siting question is asked on: the candidates' reach (rows candidates, columns
/// compounds), the compounds' population and which compounds existing centres cover.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Demand<'a> {
    pub cover: &'a CoverageMatrix,
    pub population: &'a [f64],
    pub covered: &'a [bool],
}

/// [`plan_sites`] on a checked request.
pub(crate) fn plan_checked(demand: Demand, goal: Goal, time_limit: Duration) -> Result<SitePlan> {
    let Demand {
        cover: candidate_cover,
        population,
        covered,
    } = demand;
    let m = candidate_cover.n_rows();
    let inst = Instance::new(candidate_cover, population, covered);
    if inst.weight.iter().all(|&w| w <= 0.0) {
        // No candidate can cover anyone new (everyone reachable is covered already): the
        // answer is no sites, whatever the count asked for.
        return Ok(finish(
            goal,
            &inst,
            &[],
            candidate_cover,
            population,
            covered,
        ));
    }
    // A limit too large to represent means no limit.
    let deadline = Instant::now()
        .checked_add(time_limit)
        .unwrap_or_else(|| Instant::now() + Duration::from_secs(1 << 40));
    let total: f64 = population.iter().sum();
    let existing = covered_population(population, covered);
    let none = vec![false; m];
    let heuristic = |k: usize| swap_search(&inst, greedy(&inst, k, &none), 50, deadline);

    let (solved, greedy_value, target_reached, count_bound) = match goal {
        Goal::Add(k) => {
            // More sites than candidates: every candidate may be chosen; the plan then lists
            // fewer sites than asked, which the caller reports.
            let k = k.min(m);
            let g = inst.value(&greedy(&inst, k, &none));
            let start = heuristic(k);
            let s = solve(&inst, k, &start, deadline);
            (s, g, true, None)
        }
        Goal::Target(share) => {
            let (best, reachable, fewest) =
                fewest_sites(&inst, share, total, existing, deadline, &heuristic);
            let g = inst.value(&greedy(&inst, best.chosen.len(), &none));
            (best, g, reachable, Some(fewest))
        }
    };
    let mut plan = finish(
        goal,
        &inst,
        &solved.chosen,
        candidate_cover,
        population,
        covered,
    );
    plan.upper_bound = existing + solved.upper_bound.max(solved.value);
    plan.gap = if plan.upper_bound > 0.0 {
        (plan.upper_bound - plan.objective) / plan.upper_bound
    } else {
        0.0
    };
    plan.optimal = solved.optimal;
    plan.count_optimal = count_bound.map(|lb| lb >= solved.chosen.len());
    plan.count_lower_bound = count_bound.map(|lb| lb.min(solved.chosen.len()));
    let proven = plan.optimal && plan.count_optimal != Some(false);
    plan.status = match (proven, Instant::now() >= deadline) {
        (true, _) => PlanStatus::Proven,
        (false, true) => PlanStatus::TimeLimit,
        (false, false) => PlanStatus::NodeLimit,
    };
    plan.greedy_objective = existing + greedy_value;
    plan.target_reached = target_reached;
    plan.nodes = solved.nodes;
    Ok(plan)
}

/// The fewest sites reaching `share` of `total` (with `existing` already covered), then the
/// most coverage with that many. Returns the solution, whether the target is reachable, and
/// a certified lower bound on the count (equal to the solution's count when it is proven the
/// fewest).
fn fewest_sites(
    inst: &Instance,
    share: f64,
    total: f64,
    existing: f64,
    deadline: Instant,
    heuristic: &dyn Fn(usize) -> Vec<u32>,
) -> (Solved, bool, usize) {
    let m = inst.n_candidates();
    let reachable_added: f64 = inst.weight.iter().sum();
    let needed = (share * total - existing).max(0.0);
    let reachable = needed <= reachable_added + 1e-9 * total.max(1.0);
    // One tolerance for every "reaches the target" test, here and in the solver.
    let needed = needed.min(reachable_added) - 1e-9 * total.max(1.0);
    let order = greedy(inst, m, &vec![false; m]);
    let hi = if needed <= 0.0 {
        0
    } else {
        greedy_count(inst, &order, needed)
    };
    let mut best = Solved {
        chosen: order[..hi].to_vec(),
        value: inst.value(&order[..hi]),
        upper_bound: f64::INFINITY,
        optimal: false,
        nodes: 0,
    };
    // At most a third of the time goes to the Lagrangian bound; the rest to the search.
    let now = Instant::now();
    let bound_deadline = now + deadline.saturating_duration_since(now) / 3;
    let lo = largest_sizes_bound(inst, needed).min(hi);
    // Up to LP_MAX_K sites the walk's LP-bounded search refutes a count quickly; beyond, the
    // Lagrangian count bound is what proves anything.
    let mut lo = if hi > exact::LP_MAX_K {
        count_lower_bound(inst, needed, lo, hi, bound_deadline)
    } else {
        lo
    };
    // The walk down leaves a quarter of what remains to maximising the final count's coverage.
    let now = Instant::now();
    let walk_deadline = now + deadline.saturating_duration_since(now) * 3 / 4;
    let walk = Walk {
        inst,
        needed,
        deadline: walk_deadline,
        heuristic,
    };
    let mut nodes = walk.down(&mut best, &mut lo);
    // With the fewest sites fixed, cover as many people as possible with them.
    if !best.chosen.is_empty() {
        let s = solve(inst, best.chosen.len(), &best.chosen, deadline);
        nodes += s.nodes;
        if s.value >= best.value {
            best = s;
        }
    } else {
        best.upper_bound = 0.0;
        best.optimal = true;
    }
    best.nodes = nodes;
    let lo = lo.min(best.chosen.len());
    (best, reachable, lo)
}

/// The walk down from a count that reaches the target toward the certified lower bound.
struct Walk<'a> {
    inst: &'a Instance,
    needed: f64,
    deadline: Instant,
    heuristic: &'a dyn Fn(usize) -> Vec<u32>,
}

impl Walk<'_> {
    /// Can one site fewer than `best` still reach the target? Repeats while it can (a
    /// repaired, fresh or perturbed set; else branch and bound), raising `lo` when the search
    /// proves a count impossible. Returns the branch-and-bound nodes spent.
    fn down(&self, best: &mut Solved, lo: &mut usize) -> usize {
        let (inst, needed) = (self.inst, self.needed);
        let mut nodes = 0;
        let mut k = best.chosen.len();
        while k > *lo {
            let trial = k - 1;
            let start = self.one_fewer(&best.chosen);
            let found = if inst.value(&start) >= needed {
                Some(start)
            } else {
                let limits = (self.deadline, WALK_MAX_NODES);
                let s = solve_limited(inst, trial, &start, limits, Some(needed));
                nodes += s.nodes;
                if s.optimal && s.value < needed {
                    // Exhausted: no `trial` sites reach the target.
                    *lo = k;
                }
                (s.value >= needed).then_some(s.chosen)
            };
            let Some(chosen) = found else { break };
            best.value = inst.value(&chosen);
            best.chosen = chosen;
            k = trial;
        }
        nodes
    }

    /// The best set one site smaller than `chosen` the heuristics find.
    fn one_fewer(&self, chosen: &[u32]) -> Vec<u32> {
        let (inst, needed) = (self.inst, self.needed);
        let trial = chosen.len() - 1;
        // Large counts repair longer: one swap round is cheap beside their search.
        let rounds = if trial > exact::LP_MAX_K { 4 } else { 1 } * REPAIR_ROUNDS;
        let mut start = drop_and_repair(inst, chosen, rounds, self.deadline);
        if inst.value(&start) < needed {
            let fresh = (self.heuristic)(trial);
            if inst.value(&fresh) > inst.value(&start) {
                start = fresh;
            }
        }
        // Up to LP_MAX_K sites the LP-bounded search settles the step faster than
        // perturbations would.
        if inst.value(&start) < needed && trial > exact::LP_MAX_K {
            let effort = (WALK_PERTURB_ROUNDS, trial as u64);
            start = perturbed_search(inst, &start, effort, needed, self.deadline);
        }
        start
    }
}

/// How many sites of the greedy `order` (by marginal gain) reach `needed`; all of them when
/// none do.
fn greedy_count(inst: &Instance, order: &[u32], needed: f64) -> usize {
    let mut acc = 0.0;
    let mut hit = vec![false; inst.weight.len()];
    for (n, &c) in order.iter().enumerate() {
        for &i in &inst.by_candidate[c as usize] {
            if !std::mem::replace(&mut hit[i as usize], true) {
                acc += inst.weight[i as usize];
            }
        }
        if acc >= needed {
            return n + 1;
        }
    }
    order.len()
}

/// A lower bound on the count: even the largest candidates together must reach `needed`.
fn largest_sizes_bound(inst: &Instance, needed: f64) -> usize {
    let mut sizes: Vec<f64> = inst
        .by_candidate
        .iter()
        .map(|r| r.iter().map(|&i| inst.weight[i as usize]).sum())
        .collect();
    sizes.sort_unstable_by(|a, b| b.total_cmp(a));
    let mut lo = 0;
    let mut s = 0.0;
    while lo < sizes.len() && s < needed {
        s += sizes[lo];
        lo += 1;
    }
    lo
}

/// Population of the covered compounds (`0.0`, never `-0.0`, when none are).
fn covered_population(population: &[f64], covered: &[bool]) -> f64 {
    population
        .iter()
        .zip(covered)
        .filter(|(_, c)| **c)
        .map(|(p, _)| p)
        .sum::<f64>()
        + 0.0
}

/// The plan for a chosen set, ranked, as if proven optimal: sites that add nobody are left
/// out (a planner would build them for nothing). The solver's bounds are filled in by the
/// caller.
fn finish(
    goal: Goal,
    inst: &Instance,
    chosen: &[u32],
    candidate_cover: &CoverageMatrix,
    population: &[f64],
    covered: &[bool],
) -> SitePlan {
    let total: f64 = population.iter().sum();
    let existing = covered_population(population, covered);
    let share = |p: f64| if total > 0.0 { p / total } else { 0.0 };
    let mut ranked = inst.ranked(chosen);
    ranked.retain(|&(_, gain)| gain > 0.0);
    let sites = rank_sites(&ranked, existing, total);
    let mut new_cover = vec![None; population.len()];
    for (c, _) in &ranked {
        for &item in &inst.by_candidate[*c as usize] {
            for &i in &inst.members[item as usize] {
                new_cover[i as usize].get_or_insert(*c);
            }
        }
    }
    let by_compound = candidate_cover.transpose();
    let uncoverable = (0..population.len() as u32)
        .filter(|&i| !covered[i as usize] && by_compound.row(i as usize).0.is_empty())
        .collect();
    let added: f64 = ranked.iter().map(|&(_, g)| g).sum::<f64>() + 0.0;
    let objective = existing + added;
    SitePlan {
        goal,
        sites,
        total_population: total,
        existing_population: existing,
        objective,
        added_population: added,
        upper_bound: objective,
        gap: 0.0,
        optimal: true,
        count_optimal: matches!(goal, Goal::Target(_)).then_some(true),
        count_lower_bound: matches!(goal, Goal::Target(_)).then_some(ranked.len()),
        greedy_objective: objective,
        reachable_share: share(existing + inst.weight.iter().sum::<f64>()),
        target_reached: match goal {
            Goal::Add(_) => true,
            Goal::Target(t) => objective >= t * total - 1e-9 * total.max(1.0),
        },
        uncoverable,
        new_cover,
        nodes: 0,
        required: Vec::new(),
        status: PlanStatus::Proven,
    }
}

#[cfg(test)]
mod tests;
