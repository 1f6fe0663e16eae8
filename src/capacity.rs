//! Centres with capacity: residents are assigned to centres within reach, no centre over its
//! capacity, maximising the residents served — a maximum flow from compounds to centres
//! (Dinic's algorithm, exact in integer milli-residents, deterministic). A compound may be
//! split between centres. `augmenting_paths` is the plain oracle.

use crate::coverage::{Analysis, CentreLoad, Costs};
use crate::error::{Error, Param, Result};
use crate::matrix::CoverageMatrix;
use crate::model::Centres;

/// The result of a capacitated coverage run.
#[derive(Debug, Clone, PartialEq)]
pub struct Capacitated {
    /// Each centre's capacity in residents.
    pub capacity: Vec<f64>,
    /// Who is served by whom.
    pub assignment: Assignment,
}

impl Capacitated {
    /// Share of centre `s`'s capacity that is assigned (0 when the capacity is 0).
    pub fn utilisation(&self, s: usize) -> f64 {
        if self.capacity[s] > 0.0 {
            self.assignment.assigned[s] / self.capacity[s]
        } else {
            0.0
        }
    }

    /// Centres whose residents within reach exceed their capacity, most over-subscribed
    /// first (ties: lower index): `(centre, residents within reach / capacity)`.
    pub fn over_subscribed(&self, loads: &[CentreLoad]) -> Vec<(usize, f64)> {
        let mut over: Vec<(usize, f64)> = loads
            .iter()
            .enumerate()
            .filter(|(s, l)| l.served_population > self.capacity[*s])
            .map(|(s, l)| (s, l.served_population / self.capacity[s]))
            .collect();
        over.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        over
    }
}

/// Each centre's capacity in residents: its capacity value × `residents_per_capacity`
/// (1 when capacities are already residents; e.g. 8.73 residents per m² of floor area).
///
/// # Errors
/// [`Error::Parameter`] when `residents_per_capacity` is not a positive number;
/// [`Error::Format`] when no centre has a capacity value (naming the flags that supply it);
/// [`Error::Item`] naming the centre when one lacks a value or has one ≤ 0.
pub fn centre_capacities(centres: &Centres, residents_per_capacity: f64) -> Result<Vec<f64>> {
    check_residents_per_capacity(residents_per_capacity)?;
    capacities_in_residents(centres, residents_per_capacity)
}

/// Checks residents per capacity unit: a positive number.
pub(crate) fn check_residents_per_capacity(residents_per_capacity: f64) -> Result<()> {
    if residents_per_capacity > 0.0 && residents_per_capacity.is_finite() {
        Ok(())
    } else {
        Err(Error::parameter(
            Param::ResidentsPerCapacity,
            residents_per_capacity,
            "must be a positive number",
        ))
    }
}

/// [`centre_capacities`] with `residents_per_capacity` already checked.
pub(crate) fn capacities_in_residents(
    centres: &Centres,
    residents_per_capacity: f64,
) -> Result<Vec<f64>> {
    if centres.capacity.iter().all(Option::is_none) {
        return Err(Error::Format {
            path: centres.path.clone(),
            message: "no centre has a capacity: capacitated coverage needs a capacity field \
                      (--capacity-field NAME; detected: capacity, 容量, floor_area_m2, 面积), in \
                      residents or converted with --residents-per-capacity"
                .into(),
        });
    }
    centres
        .capacity
        .iter()
        .enumerate()
        .map(|(s, c)| match c {
            Some(v) if *v > 0.0 => Ok(v * residents_per_capacity),
            _ => Err(Error::Item {
                path: centres.path.clone(),
                item: format!("feature {} (id {:?})", s + 1, centres.ids[s]),
                message: match c {
                    Some(v) => format!("capacity {v} must be > 0 for capacitated coverage"),
                    None => "no capacity value; every centre needs one for capacitated \
                             coverage"
                        .into(),
                },
            }),
        })
        .collect()
}

/// Capacitated coverage of an analysis: the compounds each centre reaches (under the same
/// metric and budgets) and an exact maximum assignment of residents within `capacity`.
pub fn capacitated_coverage(
    analysis: &Analysis,
    costs: &Costs,
    centres: &Centres,
    population: &[f64],
    capacity: Vec<f64>,
) -> Capacitated {
    let cover = costs
        .coverage(
            &analysis.compounds_xy,
            &analysis.centres_xy,
            &centres.ids,
            &analysis.budget_m,
        )
        .0
        .by_compound;
    let assignment = capacitated(&cover, population, &capacity);
    Capacitated {
        capacity,
        assignment,
    }
}

/// A capacitated siting question: existing centres (open, with capacities) and candidate
/// sites (closed until chosen, with capacities), each with the compounds within reach.
#[derive(Debug, Clone, Copy)]
pub struct SitingInstance<'a> {
    /// Rows: compounds; columns: existing centres within reach.
    pub existing: &'a CoverageMatrix,
    /// Existing centres' capacities, residents.
    pub existing_capacity: &'a [f64],
    /// Rows: compounds; columns: candidate sites within reach.
    pub candidates: &'a CoverageMatrix,
    /// Candidates' capacities, residents.
    pub candidate_capacity: &'a [f64],
    /// Residents per compound.
    pub population: &'a [f64],
}

/// The answer to a capacitated siting question.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacitatedPlan {
    /// Chosen candidates in the order chosen, each with the residents it added.
    pub chosen: Vec<(u32, f64)>,
    /// Residents served by the existing centres alone.
    pub base: f64,
    /// Residents served with the chosen sites.
    pub objective: f64,
    /// No choice of as many sites serves more.
    pub upper_bound: f64,
    /// `(upper_bound - objective) / upper_bound`.
    pub gap: f64,
    /// True when `objective` is proven the most.
    pub optimal: bool,
    /// Residents served with every candidate open.
    pub reachable: f64,
    /// Target mode: the fewest sites any choice needs to reach the target by the bound
    /// (equal to the number chosen when the count is proven minimal).
    pub count_bound: usize,
    /// The final assignment: existing centres first, then the chosen sites in order.
    pub assignment: Assignment,
}

impl CapacitatedPlan {
    /// Tightens the upper bound with another valid one (e.g. the uncapacitated optimum's
    /// bound for as many sites: capacities only lower what sites can serve), and updates
    /// `gap` and `optimal`.
    pub fn tighten(&mut self, bound: f64) {
        if bound < self.upper_bound {
            self.upper_bound = bound.max(self.objective);
            self.gap = if self.upper_bound > 0.0 {
                (self.upper_bound - self.objective) / self.upper_bound
            } else {
                0.0
            };
            self.optimal |= self.objective >= self.upper_bound;
        }
    }
}

/// Chooses up to `k` candidates maximising the residents served under capacities, existing
/// centres kept with theirs. Lazy greedy on the exact served count (a maximum flow: adding a
/// site opens its edge to the sink and augments, trials are undone), which is submodular, so
/// the bound `base + the k largest single-site gains` certifies the answer: `optimal` when
/// they meet, else `gap`. Sites that add nobody are not chosen.
pub fn plan_capacitated(inst: SitingInstance<'_>, k: usize) -> CapacitatedPlan {
    greedy(inst, Stop::Count(k))
}

/// Chooses candidates by the same lazy greedy until `residents` are served (or no candidate
/// adds anyone). `count_bound` is the fewest sites any choice needs by the submodular bound
/// (`base` + the j largest single-site gains must reach the target), so the count is proven
/// minimal when it equals the number chosen; `upper_bound` bounds what as many sites serve.
pub fn plan_capacitated_target(inst: SitingInstance<'_>, residents: f64) -> CapacitatedPlan {
    greedy(inst, Stop::Reach(residents))
}

/// When the lazy greedy stops.
#[derive(Debug, Clone, Copy)]
enum Stop {
    /// After this many sites.
    Count(usize),
    /// Once this many residents are served.
    Reach(f64),
}

/// Existing centres and candidates as one reach matrix with their costs (rows compounds;
/// candidate `c` is column `existing + c`).
fn joined_cover(inst: &SitingInstance<'_>) -> CoverageMatrix {
    let m_e = inst.existing.n_cols();
    let mut both = CoverageMatrix::new(m_e + inst.candidates.n_cols());
    for i in 0..inst.existing.n_rows() {
        let (sites, costs) = inst.existing.row(i);
        let existing = sites.iter().zip(costs).map(|(&s, &d)| (s, d));
        let (cands, costs) = inst.candidates.row(i);
        let shifted = cands.iter().zip(costs).map(|(&c, &d)| (c + m_e as u32, d));
        both.push_row(existing.chain(shifted));
    }
    both
}

/// Bounds read off the lazy greedy at each step. Served residents are submodular in the
/// open sites, so with `S` chosen so far and `key_c` at least each other candidate's gain
/// over `S` (a stale lazy key is: it was measured over a subset of `S`), any `K` sites serve
/// at most `f(S) + (the K largest keys)`, and reaching `target` needs at least the fewest
/// keys whose sum with `f(S)` reaches it. Each step gives a valid bound; the tightest is kept.
struct StepBound {
    k: usize,
    target: i64,
    /// The least upper bound on what `k` sites serve.
    upper: i64,
    /// The largest lower bound on the sites reaching `target`.
    count: usize,
}

impl StepBound {
    fn new(k: usize, target: i64) -> StepBound {
        StepBound {
            k,
            target,
            upper: i64::MAX,
            count: 0,
        }
    }

    /// The bounds at a state serving `total` with `keys` for the candidates not chosen.
    fn at(&mut self, total: i64, keys: &[(i64, usize)]) {
        let sorted = Self::sorted(keys);
        let k = self.k.min(sorted.len());
        self.upper = self.upper.min(total + sorted[..k].iter().sum::<i64>());
        self.count = self.count.max(count_bound(total, &sorted, self.target));
    }

    /// What `k` sites serve at most, from a state serving `total` with `keys`.
    fn upper_at(total: i64, keys: &[(i64, usize)], k: usize) -> i64 {
        total + Self::sorted(keys).iter().take(k).sum::<i64>()
    }

    fn sorted(keys: &[(i64, usize)]) -> Vec<i64> {
        let mut sorted: Vec<i64> = keys.iter().map(|g| g.0.max(0)).collect();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        sorted
    }
}

/// The fewest sites that could reach `target` served (from `base`): the count at which the
/// largest single-site gains (`top`, descending; submodularity makes each a bound) first
/// sum to it; all of them when they never do.
fn count_bound(base: i64, top: &[i64], target: i64) -> usize {
    let mut prefix = base;
    std::iter::once(base)
        .chain(top.iter().map(|&g| {
            prefix += g;
            prefix
        }))
        .position(|p| p >= target)
        .unwrap_or(top.len())
}

/// What each candidate can add to any set, at most: its capacity, and the residents it
/// reaches (the flow through it comes from them), in milli-residents.
fn gain_ceilings(inst: &SitingInstance<'_>) -> Vec<i64> {
    let mut reached = vec![0i64; inst.candidates.n_cols()];
    for i in 0..inst.candidates.n_rows() {
        let p = units(inst.population[i]);
        for &c in inst.candidates.row(i).0 {
            reached[c as usize] += p;
        }
    }
    reached
        .iter()
        .zip(inst.candidate_capacity)
        .map(|(&r, &cap)| r.min(units(cap)))
        .collect()
}

fn greedy(inst: SitingInstance<'_>, stop: Stop) -> CapacitatedPlan {
    let (n, m_e, m_c) = (
        inst.existing.n_rows(),
        inst.existing.n_cols(),
        inst.candidates.n_cols(),
    );
    let both = joined_cover(&inst);
    let mut capacity = inst.existing_capacity.to_vec();
    capacity.extend(std::iter::repeat_n(0.0, m_c));
    let mut net = Network::of(&both, inst.population, &capacity);
    let sink = n + m_e + m_c + 1;
    let base = net.max_flow(0, sink);
    let open = |net: &mut Network, c: usize| {
        let e = net.sink_edge[m_e + c] as usize;
        net.set(e, units(inst.candidate_capacity[c]));
        net.max_flow(0, sink)
    };
    // Single-site gains: the bound, and the lazy greedy's first keys. Choosing K, keys that
    // only bound the gains serve as well (the lazy greedy re-measures a key before it takes
    // it, so it picks what exact keys would, ties included): a site adds at most its capacity
    // and at most the residents it reaches, so most candidates are never measured.
    let mut gains: Vec<(i64, usize)> = match stop {
        Stop::Count(_) => gain_ceilings(&inst).into_iter().zip(0..m_c).collect(),
        Stop::Reach(_) => (0..m_c)
            .map(|c| (net.trial(|net| open(net, c)), c))
            .collect(),
    };
    // Every candidate open at once: one flow (its value does not depend on the order).
    let reachable = net.trial(|net| {
        for c in 0..m_c {
            let e = net.sink_edge[m_e + c] as usize;
            net.set(e, units(inst.candidate_capacity[c]));
        }
        net.max_flow(0, sink)
    }) + base;
    let mut top: Vec<i64> = gains.iter().map(|g| g.0).collect();
    top.sort_unstable_by(|a, b| b.cmp(a));
    let (k, target) = match stop {
        Stop::Count(k) => (k, i64::MAX),
        Stop::Reach(r) => (m_c, units(r)),
    };
    let mut chosen: Vec<(u32, i64)> = Vec::new();
    let mut total = base;
    // The greedy's own bounds, tightest over its steps (see `StepBound`).
    let mut step_bound = StepBound::new(k, target.min(reachable));
    step_bound.at(total, &gains);
    while chosen.len() < k && total < target {
        let Some((gain, c)) = next_best(&mut net, &mut gains, &open) else {
            break;
        };
        total += open(&mut net, c);
        chosen.push((c as u32, gain));
        step_bound.at(total, &gains);
    }
    let assignment = chosen_assignment(&inst, &both, capacity, &chosen);
    debug_assert_eq!(units(assignment.total), total, "the same maximum flow");
    let counted = if matches!(stop, Stop::Count(_)) {
        k
    } else {
        chosen.len()
    };
    let mut upper = base + top.iter().take(counted).sum::<i64>();
    if matches!(stop, Stop::Count(_)) {
        upper = upper.min(step_bound.upper);
    } else {
        upper = upper.min(StepBound::upper_at(total, &gains, counted));
    }
    let upper = upper.max(total);
    let count_bound = count_bound(base, &top, target.min(reachable)).max(step_bound.count);
    CapacitatedPlan {
        chosen: chosen.iter().map(|&(c, g)| (c, g as f64 / UNITS)).collect(),
        base: base as f64 / UNITS,
        objective: total as f64 / UNITS,
        upper_bound: upper as f64 / UNITS,
        gap: if upper > 0 {
            (upper - total) as f64 / upper as f64
        } else {
            0.0
        },
        optimal: total >= upper || (chosen.len() < k && total < target),
        count_bound,
        reachable: reachable as f64 / UNITS,
        assignment,
    }
}

/// What a set of open candidates serves, measured again and again on one flow network: the
/// existing centres' maximum flow is computed once; then the network always holds the maximum
/// flow of the last set priced, and the next set starts from it — candidates that close have
/// their flow cancelled (every path is source → compound → site → sink, so that is local),
/// those that open get their capacity — and only augments from there. The branch and bound
/// prices long runs of sets that differ in a candidate or two.
pub(crate) struct SiteFlow {
    net: Network,
    sink: usize,
    /// Network node of candidate 0's site (candidate `c` is `first_candidate + c`).
    first_candidate: usize,
    m_e: usize,
    candidate_capacity: Vec<i64>,
    /// The candidates open in the network now (ascending) and the flow it carries.
    open: Vec<u32>,
    flow: i64,
}

impl SiteFlow {
    /// The network of `inst` with every candidate closed.
    pub(crate) fn new(inst: SitingInstance<'_>) -> SiteFlow {
        let (n, m_e, m_c) = (
            inst.existing.n_rows(),
            inst.existing.n_cols(),
            inst.candidates.n_cols(),
        );
        let both = joined_cover(&inst);
        let mut capacity = inst.existing_capacity.to_vec();
        capacity.extend(std::iter::repeat_n(0.0, m_c));
        let mut net = Network::of(&both, inst.population, &capacity);
        let sink = n + m_e + m_c + 1;
        let flow = net.max_flow(0, sink);
        SiteFlow {
            net,
            sink,
            first_candidate: 1 + n + m_e,
            m_e,
            candidate_capacity: inst.candidate_capacity.iter().map(|&c| units(c)).collect(),
            open: Vec::new(),
            flow,
        }
    }

    /// Milli-residents served with the existing centres and `open` candidates (ascending).
    pub(crate) fn served(&mut self, open: &[u32]) -> i64 {
        debug_assert!(
            open.windows(2).all(|w| w[0] < w[1]),
            "open sets are ascending"
        );
        let (was, m_e) = (std::mem::take(&mut self.open), self.m_e);
        for &c in was.iter().filter(|c| open.binary_search(c).is_err()) {
            let e = self.net.sink_edge[m_e + c as usize] as usize;
            self.flow -= self.net.close_site(self.first_candidate + c as usize, e);
        }
        for &c in open.iter().filter(|c| was.binary_search(c).is_err()) {
            let e = self.net.sink_edge[m_e + c as usize] as usize;
            self.net.cap[e] = self.candidate_capacity[c as usize];
        }
        self.flow += self.net.max_flow(0, self.sink);
        self.open = open.to_vec();
        self.flow
    }
}

/// A capacitated plan for a given set of candidates (from the exact search): the sites ranked
/// as the lazy greedy opens them among themselves (largest marginal gain first; sites that
/// add nobody left out), `reachable` and `count_bound` from `reference` (the plan over all
/// candidates); `upper_bound`, `gap` and `optimal` are the caller's to set.
pub(crate) fn plan_for_set(
    inst: SitingInstance<'_>,
    set: &[u32],
    reference: &CapacitatedPlan,
) -> CapacitatedPlan {
    let mut only = vec![0.0; inst.candidate_capacity.len()];
    for &c in set {
        only[c as usize] = inst.candidate_capacity[c as usize];
    }
    let restricted = SitingInstance {
        candidate_capacity: &only,
        ..inst
    };
    let mut plan = greedy(restricted, Stop::Count(set.len()));
    plan.reachable = reference.reachable;
    plan.count_bound = reference.count_bound;
    plan
}

/// Milli-residents: populations and capacities as the flow counts them.
pub(crate) fn to_units(v: f64) -> i64 {
    units(v)
}

/// Residents of `u` milli-residents.
pub(crate) fn from_units(u: i64) -> f64 {
    u as f64 / UNITS
}

/// Who serves whom with the existing centres and the `chosen` candidates open: the same
/// maximum, residents nearest-first (as [`capacitated`] assigns); `assigned` lists the
/// existing centres, then the chosen sites in the order chosen. `capacity` holds the existing
/// centres' capacities followed by zeros for the candidates.
fn chosen_assignment(
    inst: &SitingInstance<'_>,
    both: &CoverageMatrix,
    mut capacity: Vec<f64>,
    chosen: &[(u32, i64)],
) -> Assignment {
    let m_e = inst.existing.n_cols();
    for &(c, _) in chosen {
        capacity[m_e + c as usize] = inst.candidate_capacity[c as usize];
    }
    let full = capacitated(both, inst.population, &capacity);
    let mut order: Vec<usize> = (0..m_e).collect();
    order.extend(chosen.iter().map(|&(c, _)| m_e + c as usize));
    Assignment {
        served: full.served,
        assigned: order.iter().map(|&s| full.assigned[s]).collect(),
        total: full.total,
    }
}

/// Lazy greedy step: re-evaluates the candidate with the largest stale gain until it stays on
/// top (gains only shrink as sites open); `None` when no candidate adds anyone. Ties go to the
/// lowest index. Removes the winner from `gains`.
fn next_best(
    net: &mut Network,
    gains: &mut Vec<(i64, usize)>,
    open: &impl Fn(&mut Network, usize) -> i64,
) -> Option<(i64, usize)> {
    loop {
        let best = (0..gains.len()).max_by(|&a, &b| {
            gains[a]
                .0
                .cmp(&gains[b].0)
                .then(gains[b].1.cmp(&gains[a].1))
        })?;
        if gains[best].0 <= 0 {
            return None;
        }
        let c = gains[best].1;
        let fresh = net.trial(|net| open(net, c));
        let still_top = gains
            .iter()
            .enumerate()
            .all(|(j, g)| j == best || g.0 < fresh || (g.0 == fresh && g.1 > c));
        gains[best].0 = fresh;
        if still_top && fresh > 0 {
            gains.swap_remove(best);
            return Some((fresh, c));
        }
    }
}

/// Flow units per resident: populations and capacities are whole milli-residents, so sums
/// are exact and the result does not depend on summation order.
const UNITS: f64 = 1000.0;

/// Stands for an unlimited capacity (far above any real population in milli-residents).
const UNLIMITED: i64 = i64::MAX / 8;

/// Who is served by whom under capacities.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// Residents of each compound assigned to some centre (≤ its population).
    pub served: Vec<f64>,
    /// Residents assigned to each centre (≤ its capacity).
    pub assigned: Vec<f64>,
    /// Residents served in all.
    pub total: f64,
}

fn units(v: f64) -> i64 {
    if v.is_infinite() && v > 0.0 {
        UNLIMITED
    } else {
        ((v * UNITS).round() as i64).clamp(0, UNLIMITED)
    }
}

/// The flow network: source → compound (its population) → centre within reach (unlimited)
/// → sink (the centre's capacity). Edge `e`'s reverse is `e ^ 1`.
struct Network {
    adj: Vec<Vec<u32>>,
    to: Vec<u32>,
    cap: Vec<i64>,
    /// Each site's edge to the sink.
    sink_edge: Vec<u32>,
    /// When set, every change to `cap` is logged so a trial can be undone.
    log: Option<Vec<(u32, i64)>>,
}

impl Network {
    fn new(nodes: usize) -> Network {
        Network {
            adj: vec![Vec::new(); nodes],
            to: Vec::new(),
            cap: Vec::new(),
            sink_edge: Vec::new(),
            log: None,
        }
    }

    /// Sets edge `e`'s residual capacity (logged during a trial).
    fn set(&mut self, e: usize, value: i64) {
        if let Some(log) = &mut self.log {
            log.push((e as u32, self.cap[e]));
        }
        self.cap[e] = value;
    }

    /// Runs `f` as a trial: every capacity change it makes is undone afterwards.
    fn trial<T>(&mut self, f: impl FnOnce(&mut Network) -> T) -> T {
        self.log = Some(Vec::new());
        let out = f(self);
        if let Some(log) = self.log.take() {
            for &(e, old) in log.iter().rev() {
                self.cap[e as usize] = old;
            }
        }
        out
    }

    fn edge(&mut self, a: usize, b: usize, cap: i64) {
        let e = self.to.len() as u32;
        self.to.extend([b as u32, a as u32]);
        self.cap.extend([cap, 0]);
        self.adj[a].push(e);
        self.adj[b].push(e + 1);
    }

    /// Builds the network of `cover` (rows: compounds, columns: centres). Nodes: source 0,
    /// compounds `1..=n`, centres `n+1..=n+m`, sink `n+m+1`.
    fn of(cover: &CoverageMatrix, population: &[f64], capacity: &[f64]) -> Network {
        let (n, m) = (cover.n_rows(), cover.n_cols());
        let mut net = Network::new(n + m + 2);
        for (i, &p) in population.iter().enumerate().take(n) {
            if !cover.row(i).0.is_empty() {
                net.edge(0, 1 + i, units(p));
            }
            for &s in cover.row(i).0 {
                net.edge(1 + i, 1 + n + s as usize, UNLIMITED);
            }
        }
        for (s, &c) in capacity.iter().enumerate().take(m) {
            net.sink_edge.push(net.to.len() as u32);
            net.edge(1 + n + s, n + m + 1, units(c));
        }
        net
    }

    /// A first feasible flow, as a planner would assign by hand: compounds closest to a
    /// centre first (ties: lower index) send their residents to the nearest centre with room
    /// left (ties: lower index), then the next nearest. The maximum flow then only reroutes
    /// what this leaves unserved, so residents stay with their nearest centre wherever the
    /// capacities allow. Needs the network just built by [`Network::of`] from `cover`.
    fn seed_nearest(&mut self, cover: &CoverageMatrix) {
        let nearest = |i: usize| cover.row(i).1.iter().copied().fold(f32::INFINITY, f32::min);
        let mut compounds: Vec<(f32, usize)> = (0..cover.n_rows())
            .filter(|&i| !cover.row(i).0.is_empty())
            .map(|i| (nearest(i), i))
            .collect();
        compounds.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (_, i) in compounds {
            let (cols, costs) = cover.row(i);
            // The compound's edges: the source edge's reverse, then one per centre in row
            // order (see `of`).
            let edges = &self.adj[1 + i];
            let source_edge = edges[0] as usize ^ 1;
            let mut order: Vec<usize> = (0..cols.len()).collect();
            order.sort_by(|&a, &b| costs[a].total_cmp(&costs[b]).then(cols[a].cmp(&cols[b])));
            let to_centre: Vec<usize> = order.iter().map(|&k| edges[1 + k] as usize).collect();
            for (k, e) in order.into_iter().zip(to_centre) {
                let sink_edge = self.sink_edge[cols[k] as usize] as usize;
                let f = self.cap[source_edge].min(self.cap[sink_edge]);
                for edge in [source_edge, e, sink_edge] {
                    self.set(edge, self.cap[edge] - f);
                    self.set(edge ^ 1, self.cap[edge ^ 1] + f);
                }
                if self.cap[source_edge] == 0 {
                    break;
                }
            }
        }
    }

    /// Closes site node `site` (its edge to the sink `sink_edge`): the flow through it is
    /// cancelled back to the source along its compounds' edges and its capacity set to 0.
    /// Returns the flow cancelled.
    fn close_site(&mut self, site: usize, sink_edge: usize) -> i64 {
        let mut cancelled = 0;
        for k in 0..self.adj[site].len() {
            // At a site, the odd edges lead back to its compounds (see `of`): their residual
            // capacity is the flow from the compound.
            let back = self.adj[site][k] as usize;
            let f = self.cap[back];
            if back.is_multiple_of(2) || f == 0 {
                continue;
            }
            let compound = self.to[back] as usize;
            let from_source = self.adj[compound][0] as usize ^ 1;
            for (e, delta) in [
                (back ^ 1, f),
                (back, -f),
                (from_source, f),
                (from_source ^ 1, -f),
            ] {
                self.cap[e] += delta;
            }
            cancelled += f;
        }
        debug_assert_eq!(
            cancelled,
            self.cap[sink_edge ^ 1],
            "flow is conserved at the site"
        );
        self.cap[sink_edge] = 0;
        self.cap[sink_edge ^ 1] = 0;
        cancelled
    }

    /// Reads the assignment off the residual capacities.
    fn assignment(&self, n: usize, m: usize) -> Assignment {
        // Flow on an edge is its reverse edge's residual capacity.
        let flow_from = |node: usize, target: usize| -> i64 {
            self.adj[node]
                .iter()
                .filter(|&&e| e % 2 == 0 && self.to[e as usize] as usize == target)
                .map(|&e| self.cap[e as usize ^ 1])
                .sum()
        };
        let served: Vec<i64> = (0..n).map(|i| flow_from(0, 1 + i)).collect();
        let assigned: Vec<i64> = (0..m).map(|s| flow_from(1 + n + s, n + m + 1)).collect();
        let total: i64 = served.iter().sum();
        Assignment {
            served: served.iter().map(|&u| u as f64 / UNITS).collect(),
            assigned: assigned.iter().map(|&u| u as f64 / UNITS).collect(),
            total: total as f64 / UNITS,
        }
    }

    /// Breadth-first levels from the source over edges with residual capacity.
    fn levels(&self, source: usize) -> Vec<u32> {
        let mut level = vec![u32::MAX; self.adj.len()];
        level[source] = 0;
        let mut queue = std::collections::VecDeque::from([source]);
        while let Some(v) = queue.pop_front() {
            for &e in &self.adj[v] {
                let w = self.to[e as usize] as usize;
                if self.cap[e as usize] > 0 && level[w] == u32::MAX {
                    level[w] = level[v] + 1;
                    queue.push_back(w);
                }
            }
        }
        level
    }

    /// One augmenting path in the level graph (iterative depth-first search with current
    /// arcs); returns the flow pushed, 0 when the blocking flow is complete.
    fn augment(&mut self, source: usize, sink: usize, level: &mut [u32], arc: &mut [usize]) -> i64 {
        let mut path: Vec<u32> = Vec::new();
        let mut v = source;
        loop {
            if v == sink {
                let f = path
                    .iter()
                    .map(|&e| self.cap[e as usize])
                    .min()
                    .unwrap_or(0);
                for &e in &path {
                    let (e, r) = (e as usize, e as usize ^ 1);
                    self.set(e, self.cap[e] - f);
                    self.set(r, self.cap[r] + f);
                }
                return f;
            }
            let next = self.adj[v][arc[v]..].iter().position(|&e| {
                let w = self.to[e as usize] as usize;
                self.cap[e as usize] > 0 && level[w] == level[v].wrapping_add(1)
            });
            match next {
                Some(k) => {
                    arc[v] += k;
                    let e = self.adj[v][arc[v]];
                    path.push(e);
                    v = self.to[e as usize] as usize;
                }
                None => {
                    // A dead end: no augmenting path passes through `v` this phase.
                    arc[v] = self.adj[v].len();
                    level[v] = u32::MAX;
                    let Some(e) = path.pop() else { return 0 };
                    v = self.to[e as usize ^ 1] as usize;
                }
            }
        }
    }

    /// Dinic's maximum flow from the current residual network; returns the flow added.
    fn max_flow(&mut self, source: usize, sink: usize) -> i64 {
        let mut total = 0;
        loop {
            let mut level = self.levels(source);
            if level[sink] == u32::MAX {
                return total;
            }
            let mut arc = vec![0usize; self.adj.len()];
            loop {
                let f = self.augment(source, sink, &mut level, &mut arc);
                if f == 0 {
                    break;
                }
                total += f;
            }
        }
    }
}

/// Assigns residents to centres under capacities, maximising the residents served. `cover`
/// has a row per compound listing the centres that reach it; `capacity` is in residents
/// (`f64::INFINITY` for none). Populations and capacities are taken to the nearest
/// milli-resident; the result is exact at that precision and deterministic.
///
/// # Panics
/// When `population` or `capacity` is shorter than the matrix's rows or columns.
pub fn capacitated(cover: &CoverageMatrix, population: &[f64], capacity: &[f64]) -> Assignment {
    assert!(
        population.len() >= cover.n_rows(),
        "one population per compound"
    );
    assert!(capacity.len() >= cover.n_cols(), "one capacity per centre");
    let (n, m) = (cover.n_rows(), cover.n_cols());
    let mut net = Network::of(cover, population, capacity);
    net.seed_nearest(cover);
    net.max_flow(0, n + m + 1);
    net.assignment(n, m)
}

/// The oracle for [`capacitated`]'s total: plain shortest augmenting paths (Edmonds–Karp),
/// one path per breadth-first search.
#[doc(hidden)]
pub fn augmenting_paths(cover: &CoverageMatrix, population: &[f64], capacity: &[f64]) -> f64 {
    let (n, m) = (cover.n_rows(), cover.n_cols());
    let mut net = Network::of(cover, population, capacity);
    let (source, sink) = (0, n + m + 1);
    let mut total = 0i64;
    loop {
        let mut via = vec![u32::MAX; net.adj.len()];
        let mut queue = std::collections::VecDeque::from([source]);
        let mut seen = vec![false; net.adj.len()];
        seen[source] = true;
        while let Some(v) = queue.pop_front() {
            for &e in &net.adj[v] {
                let w = net.to[e as usize] as usize;
                if net.cap[e as usize] > 0 && !seen[w] {
                    seen[w] = true;
                    via[w] = e;
                    queue.push_back(w);
                }
            }
        }
        if !seen[sink] {
            return total as f64 / UNITS;
        }
        let mut path = Vec::new();
        let mut v = sink;
        while v != source {
            let e = via[v];
            path.push(e);
            v = net.to[e as usize ^ 1] as usize;
        }
        let f = path.iter().map(|&e| net.cap[e as usize]).min().unwrap_or(0);
        for &e in &path {
            net.cap[e as usize] -= f;
            net.cap[e as usize ^ 1] += f;
        }
        total += f;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn random_instance(rng: &mut Rng) -> (CoverageMatrix, Vec<f64>, Vec<f64>) {
        let n = 1 + rng.below(60);
        let m = 1 + rng.below(12);
        let mut cover = CoverageMatrix::new(m);
        for _ in 0..n {
            let row: Vec<(u32, f32)> = (0..m as u32)
                .filter_map(|s| {
                    let cost = (rng.below(20) * 50) as f32;
                    (rng.f64() < 0.3).then_some((s, cost))
                })
                .collect();
            cover.push_row(row);
        }
        let population = (0..n).map(|_| rng.range(0.0, 500.0).round()).collect();
        let capacity = (0..m)
            .map(|_| {
                if rng.f64() < 0.1 {
                    f64::INFINITY
                } else {
                    rng.range(0.0, 2000.0).round()
                }
            })
            .collect();
        (cover, population, capacity)
    }

    #[test]
    fn dinic_matches_augmenting_paths_and_is_feasible() {
        for seed in 0..200 {
            let mut rng = Rng::new(seed);
            let (cover, pop, cap) = random_instance(&mut rng);
            let a = capacitated(&cover, &pop, &cap);
            let oracle = augmenting_paths(&cover, &pop, &cap);
            assert_eq!(a.total, oracle, "seed {seed}");
            let served: f64 = a.served.iter().sum();
            let assigned: f64 = a.assigned.iter().sum();
            assert_eq!(served, a.total, "seed {seed}");
            assert_eq!(assigned, a.total, "seed {seed}");
            for (i, &s) in a.served.iter().enumerate() {
                assert!(s <= pop[i], "seed {seed}: compound {i}");
                assert!(s == 0.0 || !cover.row(i).0.is_empty(), "seed {seed}: {i}");
            }
            for (s, &x) in a.assigned.iter().enumerate() {
                assert!(x <= cap[s], "seed {seed}: centre {s} over capacity");
            }
        }
    }

    #[test]
    fn unlimited_capacity_serves_everyone_covered() {
        for seed in 0..50 {
            let mut rng = Rng::new(1000 + seed);
            let (cover, pop, cap) = random_instance(&mut rng);
            let a = capacitated(&cover, &pop, &vec![f64::INFINITY; cap.len()]);
            let covered: f64 = (0..cover.n_rows())
                .filter(|&i| !cover.row(i).0.is_empty())
                .map(|i| pop[i])
                .sum();
            assert_eq!(a.total, covered, "seed {seed}");
        }
    }

    #[test]
    fn residents_go_to_their_nearest_centre_when_capacities_allow() {
        for seed in 0..100 {
            let mut rng = Rng::new(7000 + seed);
            let (cover, pop, _) = random_instance(&mut rng);
            let a = capacitated(&cover, &pop, &vec![f64::INFINITY; cover.n_cols()]);
            // By hand: everyone at the nearest centre (ties: lower index).
            let mut expected = vec![0.0; cover.n_cols()];
            for (i, p) in pop.iter().enumerate() {
                let (cols, costs) = cover.row(i);
                let nearest = (0..cols.len())
                    .min_by(|&a, &b| costs[a].total_cmp(&costs[b]).then(cols[a].cmp(&cols[b])));
                if let Some(k) = nearest {
                    expected[cols[k] as usize] += p;
                }
            }
            assert_eq!(a.assigned, expected, "seed {seed}");
        }
    }

    #[test]
    fn a_far_centre_first_in_the_row_gets_no_one_the_near_one_can_take() {
        let mut cover = CoverageMatrix::new(2);
        cover.push_row([(0, 900.0), (1, 100.0)]);
        let a = capacitated(&cover, &[500.0], &[1000.0, 1000.0]);
        assert_eq!(a.assigned, vec![0.0, 500.0]);
        // Full near centre: the rest goes to the far one.
        let a = capacitated(&cover, &[500.0], &[1000.0, 300.0]);
        assert_eq!(a.assigned, vec![200.0, 300.0]);
    }

    #[test]
    fn the_closer_compound_is_served_first_when_one_centre_is_contested() {
        let mut cover = CoverageMatrix::new(1);
        cover.push_row([(0, 900.0)]);
        cover.push_row([(0, 100.0)]);
        let a = capacitated(&cover, &[500.0, 500.0], &[500.0]);
        assert_eq!(a.served, vec![0.0, 500.0]);
    }

    #[test]
    fn a_compound_splits_between_two_small_centres() {
        let mut cover = CoverageMatrix::new(2);
        cover.push_row([(0, 0.0), (1, 0.0)]);
        cover.push_row([(1, 0.0)]);
        let a = capacitated(&cover, &[1000.0, 300.0], &[600.0, 600.0]);
        // Both centres fill up; the first compound is split between them.
        assert_eq!(a.total, 1200.0);
        assert_eq!(a.assigned, vec![600.0, 600.0]);
        assert!(
            a.served[0] >= 600.0 && a.served[1] <= 300.0,
            "{:?}",
            a.served
        );
    }

    /// 1..=`max_m` candidates, each reaching a compound with probability `p`, with
    /// capacities in 50..`cap_max`.
    /// A random capacitated siting instance, owned.
    struct RandomSiting {
        existing: CoverageMatrix,
        population: Vec<f64>,
        existing_capacity: Vec<f64>,
        candidates: CoverageMatrix,
        candidate_capacity: Vec<f64>,
    }

    impl RandomSiting {
        fn new(rng: &mut Rng, max_m: usize, density: f64, cap_max: f64) -> Self {
            let (existing, population, existing_capacity) = random_instance(rng);
            let (candidates, candidate_capacity) =
                random_candidates(rng, existing.n_rows(), max_m, density, cap_max);
            RandomSiting {
                existing,
                population,
                existing_capacity,
                candidates,
                candidate_capacity,
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
    }

    fn random_candidates(
        rng: &mut Rng,
        n: usize,
        max_m: usize,
        p: f64,
        cap_max: f64,
    ) -> (CoverageMatrix, Vec<f64>) {
        let m_c = 1 + rng.below(max_m);
        let mut candidates = CoverageMatrix::new(m_c);
        for _ in 0..n {
            let row: Vec<(u32, f32)> = (0..m_c as u32)
                .filter(|_| rng.f64() < p)
                .map(|s| (s, 0.0))
                .collect();
            candidates.push_row(row);
        }
        let cap_c = (0..m_c).map(|_| rng.range(50.0, cap_max).round()).collect();
        (candidates, cap_c)
    }

    /// Candidate capacities with only the subset `mask` open (the others at 0).
    fn subset_capacities(inst: SitingInstance<'_>, mask: u32) -> Vec<f64> {
        let open = |c: usize| mask >> c & 1 == 1;
        (0..inst.candidates.n_cols())
            .map(|c| {
                if open(c) {
                    inst.candidate_capacity[c]
                } else {
                    0.0
                }
            })
            .collect()
    }

    /// The most residents any `k` candidates serve, by trying every subset.
    fn exhaustive(inst: SitingInstance<'_>, k: usize) -> f64 {
        let m_c = inst.candidates.n_cols();
        let mut best = 0.0f64;
        for mask in 0u32..(1 << m_c) {
            if mask.count_ones() as usize > k {
                continue;
            }
            let caps = subset_capacities(inst, mask);
            let plan = plan_capacitated(
                SitingInstance {
                    candidate_capacity: &caps,
                    ..inst
                },
                0,
            );
            // With k = 0 nothing is chosen: open the subset by giving only it capacity.
            let both = joined_cover(&inst);
            let mut cap = inst.existing_capacity.to_vec();
            cap.extend(&caps);
            let served = capacitated(&both, inst.population, &cap).total;
            assert_eq!(
                plan.base,
                capacitated(inst.existing, inst.population, inst.existing_capacity).total
            );
            best = best.max(served);
        }
        best
    }

    /// The warm-started pricing (each set starts from the last set's flow) against the
    /// plain augmenting-path oracle on the whole network of that set, over long random
    /// walks of sets that open, close and swap candidates.
    #[test]
    fn warm_started_pricing_matches_augmenting_paths() {
        let mut priced = 0;
        for seed in 0..30 {
            let mut rng = Rng::new(700 + seed);
            let r = RandomSiting::new(&mut rng, 12, 0.3, 400.0);
            let inst = r.view();
            let m_c = inst.candidates.n_cols();
            let mut flow = SiteFlow::new(inst);
            let both = joined_cover(&inst);
            for _ in 0..25 {
                let mask = (rng.below(1 << m_c.min(12))) as u32;
                let set: Vec<u32> = (0..m_c as u32).filter(|&c| mask >> c & 1 == 1).collect();
                let mut capacity = inst.existing_capacity.to_vec();
                capacity.extend(subset_capacities(inst, mask));
                let want = augmenting_paths(&both, inst.population, &capacity);
                let got = flow.served(&set) as f64 / UNITS;
                assert!(
                    (got - want).abs() < 1e-9,
                    "seed {seed} set {set:?}: {got} vs {want}"
                );
                priced += 1;
            }
        }
        assert_eq!(priced, 750);
    }

    #[test]
    fn capacitated_siting_is_bounded_and_exact_when_it_says_so() {
        let mut proven = 0;
        for seed in 0..60 {
            let mut rng = Rng::new(3000 + seed);
            let owned = RandomSiting::new(&mut rng, 8, 0.25, 3000.0);
            let inst = owned.view();
            let k = 1 + rng.below(3);
            let plan = plan_capacitated(inst, k);
            let best = exhaustive(inst, k);
            assert!(
                plan.objective <= best,
                "seed {seed}: {} > {best}",
                plan.objective
            );
            assert!(
                best <= plan.upper_bound,
                "seed {seed}: bound {} < {best}",
                plan.upper_bound
            );
            if plan.optimal {
                assert_eq!(
                    plan.objective, best,
                    "seed {seed}: claimed optimal {plan:?} k {k}"
                );
                proven += 1;
            }
            let gains: f64 = plan.chosen.iter().map(|c| c.1).sum();
            assert_eq!(plan.base + gains, plan.objective, "seed {seed}");
            assert_eq!(plan.assignment.total, plan.objective, "seed {seed}");
        }
        assert!(proven > 20, "only {proven} of 60 proven");
    }

    /// The fewest candidates (by trying every subset) that serve at least `residents`.
    fn fewest_reaching(inst: SitingInstance<'_>, residents: f64) -> Option<u32> {
        let m_c = inst.candidates.n_cols();
        (0u32..(1 << m_c))
            .filter(|mask| {
                let caps = subset_capacities(inst, *mask);
                let with = SitingInstance {
                    candidate_capacity: &caps,
                    ..inst
                };
                // Every candidate given capacity is open; count what they serve.
                plan_capacitated(with, m_c).objective >= residents
            })
            .map(u32::count_ones)
            .min()
    }

    #[test]
    fn capacitated_target_count_is_never_below_the_fewest_and_exact_when_proven() {
        let mut proven = 0;
        for seed in 0..40 {
            let mut rng = Rng::new(5000 + seed);
            let owned = RandomSiting::new(&mut rng, 7, 0.3, 2000.0);
            let inst = owned.view();
            let m_c = owned.candidates.n_cols();
            let all = plan_capacitated(inst, m_c);
            let target = (all.base + 0.6 * (all.objective - all.base)).round();
            let plan = plan_capacitated_target(inst, target);
            let fewest = fewest_reaching(inst, target).expect("all open reaches it") as usize;
            assert!(plan.objective >= target, "seed {seed}: target not reached");
            assert!(plan.chosen.len() >= fewest, "seed {seed}: below the fewest");
            assert!(
                plan.count_bound <= fewest,
                "seed {seed}: bound above the fewest: {} > {fewest}; target {target} base {} all {} plan {:?}",
                plan.count_bound,
                all.base,
                all.objective,
                plan.chosen
            );
            if plan.chosen.len() == plan.count_bound {
                assert_eq!(plan.chosen.len(), fewest, "seed {seed}: claimed minimal");
                proven += 1;
            }
        }
        assert!(proven > 10, "only {proven} of 40 proven");
    }

    #[test]
    fn same_answer_every_time() {
        let mut rng = Rng::new(7);
        let (cover, pop, cap) = random_instance(&mut rng);
        assert_eq!(
            capacitated(&cover, &pop, &cap),
            capacitated(&cover, &pop, &cap)
        );
    }
}
