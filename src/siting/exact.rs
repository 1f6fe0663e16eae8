//! The exact solver: branch and bound on the maximal-covering problem with Lagrangian bounds
//! (coverage constraints relaxed, multipliers tuned by subgradient steps), Lagrangian
//! variable fixing, and a time limit that leaves a certified gap when it strikes.

use std::time::Instant;

use super::heuristic::{greedy_from, perturbed_search, swap_search};
use super::problem::Instance;
use super::relax::{Subproblem, lp_relaxation};

/// Nodes with more sites than this left to choose skip the LP relaxation.
pub(super) const LP_MAX_K: usize = 150;

/// When the root's LP needed more candidates than this, nodes below skip the LP.
const NODE_LP_MAX_CORE: usize = 400;

/// Every this many nodes without a proof, an iterated local search looks for a better
/// incumbent (`PERTURB_ROUNDS` perturbations).
const PERTURB_EVERY_NODES: usize = 500;
const PERTURB_ROUNDS: usize = 100;

/// What the exact solver proved.
#[derive(Debug, Clone, PartialEq)]
pub struct Solved {
    /// The best set found (at most `k` candidates).
    pub chosen: Vec<u32>,
    /// Its covered weight.
    pub value: f64,
    /// No choice of `k` candidates covers more than this.
    pub upper_bound: f64,
    /// True when `value` is proven optimal.
    pub optimal: bool,
    /// Branch-and-bound nodes explored.
    pub nodes: usize,
}

struct Node {
    fixed_in: Vec<u32>,
    fixed_out: Vec<bool>,
    lambda: Vec<f64>,
    bound: f64,
    /// The candidates the parent's LP relaxation priced in (its column-generation core).
    core: Vec<u32>,
}

/// The branch-and-bound state shared by all nodes.
struct Search<'a, P: Fn(f64, f64) -> bool> {
    inst: &'a Instance,
    k: usize,
    /// The incumbent: covered weight and its candidates.
    best: (f64, Vec<u32>),
    /// Whether a bound cannot beat a value (integral weights round the bound down).
    prunes: &'a P,
    deadline: Instant,
    nodes: usize,
    /// Per item, how many fixed-in candidates reach it (scratch, per node).
    covered_in: Vec<u32>,
    /// Whether nodes below the root solve the LP (off when the root's needed a large core).
    node_lp: bool,
}

struct Bound {
    value: f64,
    /// Candidates picked by the relaxation (fixed-in first).
    picked: Vec<u32>,
    /// Per candidate Lagrangian value `c_j` (0 for fixed/forbidden).
    c: Vec<f64>,
    /// The k'-th and (k'+1)-th largest `c_j` among free candidates.
    kth: f64,
    next: f64,
}

/// Maximal covering with exactly-up-to-`k` candidates. `start` is a known good set (from the
/// heuristic). Stops at `deadline` with the best set and a valid upper bound.
pub fn solve(inst: &Instance, k: usize, start: &[u32], deadline: Instant) -> Solved {
    solve_with_floor(inst, k, start, deadline, None)
}

/// [`solve`] for a feasibility question: is there a set of `k` covering at least `floor`?
/// Returns as soon as one is found (`value >= floor`, `optimal` false: not maximised), and
/// prunes every branch whose bound is below `floor`, so an exhausted search (`optimal` true,
/// `value < floor`) proves that no such set exists.
pub fn solve_with_floor(
    inst: &Instance,
    k: usize,
    start: &[u32],
    deadline: Instant,
    floor: Option<f64>,
) -> Solved {
    solve_limited(inst, k, start, (deadline, usize::MAX), floor)
}

/// [`solve_with_floor`] that also stops after `max_nodes` nodes (as at the deadline: the best
/// set and a valid bound, not proven). A node cap stops at the same place on any machine.
pub fn solve_limited(
    inst: &Instance,
    k: usize,
    start: &[u32],
    (deadline, max_nodes): (Instant, usize),
    floor: Option<f64>,
) -> Solved {
    let m = inst.n_candidates();
    let n = inst.weight.len();
    let integral = inst.weight.iter().all(|w| w.fract() == 0.0);
    let best = (inst.value(start), start.to_vec());
    if let Some(solved) = trivially_solved(inst, k, start) {
        return solved;
    }
    // Branches whose bound cannot reach the floor are pruned; reaching it is `value >= f`.
    let floor_lb = floor.map_or(f64::NEG_INFINITY, |f| f - 1e-9 * f.abs().max(1.0));
    let prunes = |bound: f64, lb: f64| {
        let lb = lb.max(floor_lb);
        if integral {
            (bound + 1e-6).floor() <= lb
        } else {
            bound <= lb + 1e-9 * lb.max(1.0)
        }
    };
    let mut search = Search {
        inst,
        k,
        best,
        prunes: &prunes,
        deadline,
        nodes: 0,
        covered_in: vec![0u32; n],
        node_lp: true,
    };
    let mut stack = vec![Node {
        fixed_in: Vec::new(),
        fixed_out: vec![false; m],
        lambda: inst.weight.iter().map(|w| w * 0.5).collect(),
        bound: f64::INFINITY,
        core: Vec::new(),
    }];
    let mut timed_out_bound: Option<f64> = None;
    while let Some(node) = stack.pop() {
        if prunes(node.bound, search.best.0) {
            continue;
        }
        if floor.is_some_and(|f| search.best.0 >= f) {
            // Feasibility answered: a set reaching the floor exists.
            timed_out_bound = Some(f64::INFINITY);
            break;
        }
        // The root is always bounded, so even an instant deadline leaves a finite bound.
        if search.nodes > 0 && (search.nodes >= max_nodes || Instant::now() >= deadline) {
            let open = stack.iter().map(|s| s.bound).fold(node.bound, f64::max);
            timed_out_bound = Some(open);
            break;
        }
        stack.extend(search.expand(node));
        if search.nodes.is_multiple_of(PERTURB_EVERY_NODES) {
            // A long search: look for a better incumbent around the current one.
            search.perturb();
        }
    }
    let (nodes, mut best) = (search.nodes, search.best);
    let upper_bound = match timed_out_bound {
        Some(b) => b.max(best.0),
        None => best.0,
    };
    best.1.sort_unstable();
    Solved {
        value: best.0,
        chosen: best.1,
        upper_bound,
        optimal: timed_out_bound.is_none(),
        nodes,
    }
}

/// Every useful candidate fits in `k` (or `start` already wins everything): optimal by
/// definition, no search needed.
fn trivially_solved(inst: &Instance, k: usize, start: &[u32]) -> Option<Solved> {
    let total: f64 = inst.weight.iter().sum();
    let useful = inst.by_candidate.iter().filter(|r| !r.is_empty()).count();
    let start_value = inst.value(start);
    if k < useful && start_value < total {
        return None;
    }
    let chosen: Vec<u32> = if start_value >= total {
        start.to_vec()
    } else {
        (0..inst.n_candidates() as u32)
            .filter(|&c| !inst.by_candidate[c as usize].is_empty())
            .collect()
    };
    let value = inst.value(&chosen);
    Some(Solved {
        chosen,
        value,
        upper_bound: value,
        optimal: true,
        nodes: 0,
    })
}

impl<P: Fn(f64, f64) -> bool> Search<'_, P> {
    /// Bounds a node, fixes what the bound decides, and returns its children (none when
    /// pruned or solved).
    fn expand(&mut self, mut node: Node) -> Vec<Node> {
        let (inst, m) = (self.inst, self.inst.n_candidates());
        self.nodes += 1;
        // Items won by the fixed-in candidates are constants of this node.
        self.covered_in.iter_mut().for_each(|c| *c = 0);
        for &j in &node.fixed_in {
            for &i in &inst.by_candidate[j as usize] {
                self.covered_in[i as usize] += 1;
            }
        }
        let kk = self.k - node.fixed_in.len();
        // The LP's dense basis grows with the sites left to choose: beyond LP_MAX_K the
        // subgradient method alone bounds the node.
        let use_lp = kk <= LP_MAX_K && (self.nodes == 1 || self.node_lp);
        let iterations = match (self.nodes == 1, use_lp) {
            (true, true) => 400,
            (false, true) => 10,
            (true, false) => 400,
            (false, false) => 60,
        };
        let (covered_in, best) = (&self.covered_in, &mut self.best);
        let lagrangian = subgradient(
            inst,
            &mut node,
            covered_in,
            kk,
            iterations,
            best,
            &self.deadline,
        );
        let (bound, x) = if use_lp {
            self.lp_bound(&mut node, kk, lagrangian)
        } else {
            (lagrangian, vec![0.0; m])
        };
        node.bound = node.bound.min(bound.value);
        if (self.prunes)(node.bound, self.best.0) {
            return Vec::new();
        }
        // Lagrangian fixing: forcing a candidate in (or out) that cannot beat the incumbent.
        let mut forced_in: Vec<u32> = Vec::new();
        let is_in = membership(m, &node.fixed_in);
        let is_picked = membership(m, &bound.picked);
        for j in 0..m as u32 {
            let ju = j as usize;
            if node.fixed_out[ju] || is_in[ju] {
                continue;
            }
            if !is_picked[ju] && (self.prunes)(bound.value - bound.kth + bound.c[ju], self.best.0) {
                node.fixed_out[ju] = true;
            } else if is_picked[ju]
                && (self.prunes)(bound.value - bound.c[ju] + bound.next, self.best.0)
            {
                forced_in.push(j);
            }
        }
        if !forced_in.is_empty() && node.fixed_in.len() + forced_in.len() <= self.k {
            node.fixed_in.extend(forced_in);
            return vec![node];
        }
        self.branch(node, kk, &bound, &x)
    }

    /// Splits a node on one free candidate: the "out" child first on the stack, so the "in"
    /// child (a dive along the relaxation) is explored first.
    fn branch(&mut self, mut node: Node, kk: usize, bound: &Bound, x: &[f64]) -> Vec<Node> {
        let inst = self.inst;
        let m = inst.n_candidates();
        let is_in = membership(m, &node.fixed_in);
        let free: Vec<u32> = (0..m as u32)
            .filter(|&j| {
                !node.fixed_out[j as usize]
                    && !is_in[j as usize]
                    && !inst.by_candidate[j as usize].is_empty()
            })
            .collect();
        if free.len() <= kk {
            // Everything left fits: this node's optimum is explicit.
            let mut all = node.fixed_in.clone();
            all.extend(&free);
            let v = inst.value(&all);
            if v > self.best.0 {
                self.best = (v, all);
            }
            return Vec::new();
        }
        if kk == 0 {
            return Vec::new();
        }
        // The free candidate the LP wants most without having it whole; else the strongest
        // relaxed pick.
        let fractional = free
            .iter()
            .copied()
            .filter(|&j| x[j as usize] < 1.0 - 1e-6)
            .max_by(|&a, &b| x[a as usize].total_cmp(&x[b as usize]).then(b.cmp(&a)))
            .filter(|&j| x[j as usize] > 1e-6);
        let j = fractional
            .or_else(|| {
                bound
                    .picked
                    .iter()
                    .copied()
                    .find(|&j| !is_in[j as usize] && !node.fixed_out[j as usize])
            })
            .unwrap_or(free[0]);
        let mut out_child = Node {
            fixed_in: node.fixed_in.clone(),
            fixed_out: node.fixed_out.clone(),
            lambda: node.lambda.clone(),
            bound: node.bound,
            core: node.core.clone(),
        };
        out_child.fixed_out[j as usize] = true;
        node.fixed_in.push(j);
        vec![out_child, node]
    }

    /// Replaces the node's multipliers by those of the LP relaxation (column generation from
    /// the parent's core, or at the root from the candidates the Lagrangian bound ranks
    /// highest) when they bound tighter, and rounds the LP into incumbents. Returns the
    /// better bound and the LP value of each candidate.
    fn lp_bound(&mut self, node: &mut Node, kk: usize, lagrangian: Bound) -> (Bound, Vec<f64>) {
        let inst = self.inst;
        let m = inst.n_candidates();
        let mut free: Vec<bool> = node.fixed_out.iter().map(|o| !o).collect();
        for &j in &node.fixed_in {
            free[j as usize] = false;
        }
        let open_item: Vec<bool> = self.covered_in.iter().map(|&c| c == 0).collect();
        let mut core: Vec<u32> = (0..m as u32).filter(|&j| free[j as usize]).collect();
        core.sort_unstable_by(|a, b| {
            lagrangian.c[*b as usize]
                .total_cmp(&lagrangian.c[*a as usize])
                .then(a.cmp(b))
        });
        core.truncate((3 * kk).max(50));
        core.extend(&self.best.1);
        core.extend(&node.core);
        let sub = Subproblem {
            inst,
            free: &free,
            open_item: &open_item,
            k: kk,
            hint: &node.lambda,
            stop_below: self.best.0,
        };
        let relaxed = lp_relaxation(&sub, core, self.deadline);
        if self.nodes == 1 && relaxed.core.len() > NODE_LP_MAX_CORE {
            // Each node LP would cost seconds: below the root, subgradient steps from the
            // root's LP multipliers bound the nodes instead (a count, not a clock, decides,
            // so the search is the same on any machine).
            self.node_lp = false;
        }
        node.core = relaxed.core;
        self.round(node, &free, &relaxed.x);
        let saved = std::mem::replace(&mut node.lambda, relaxed.lambda);
        let at_lp = subgradient(
            inst,
            node,
            &self.covered_in,
            kk,
            1,
            &mut self.best,
            &self.deadline,
        );
        if at_lp.value < lagrangian.value {
            (at_lp, relaxed.x)
        } else {
            node.lambda = saved;
            (lagrangian, relaxed.x)
        }
    }

    /// Iterated local search from the incumbent (seeded by the node count, so the same on
    /// any machine).
    fn perturb(&mut self) {
        let found = perturbed_search(
            self.inst,
            &self.best.1,
            (PERTURB_ROUNDS, self.nodes as u64),
            f64::INFINITY,
            self.deadline,
        );
        let v = self.inst.value(&found);
        if v > self.best.0 {
            self.best = (v, found);
        }
    }

    /// LP rounding: the fixed-in candidates, greedy among the LP's support, greedy among all,
    /// then swaps.
    fn round(&mut self, node: &Node, free: &[bool], x: &[f64]) {
        let inst = self.inst;
        let m = inst.n_candidates();
        let outside: Vec<bool> = (0..m).map(|j| !free[j] || x[j] <= 1e-6).collect();
        let in_support = greedy_from(inst, &node.fixed_in, self.k, &outside);
        let none = vec![false; m];
        let filled = greedy_from(inst, &in_support, self.k, &none);
        let rounded = swap_search(inst, filled, 20, self.deadline);
        let v = inst.value(&rounded);
        if v > self.best.0 {
            self.best = (v, rounded);
        }
    }
}

fn membership(m: usize, set: &[u32]) -> Vec<bool> {
    let mut v = vec![false; m];
    for &j in set {
        v[j as usize] = true;
    }
    v
}

/// Tunes the node's multipliers and returns its best bound; every relaxed solution is also
/// tried as a real one, improving `best`.
fn subgradient(
    inst: &Instance,
    node: &mut Node,
    covered_in: &[u32],
    kk: usize,
    iterations: usize,
    best: &mut (f64, Vec<u32>),
    deadline: &Instant,
) -> Bound {
    let n = inst.weight.len();
    let constant: f64 = (0..n)
        .filter(|&i| covered_in[i] > 0)
        .map(|i| inst.weight[i])
        .sum();
    let mut relaxed = Relaxed::new(inst, node, covered_in, kk);
    let mut lambda = node.lambda.clone();
    let mut best_bound: Option<Bound> = None;
    let mut mu = 2.0;
    let mut stall = 0;
    for it in 0..iterations {
        if it % 16 == 15 && Instant::now() >= *deadline {
            break;
        }
        let (kth, next) = relaxed.rank(&lambda);
        let top = relaxed.top();
        let mut value = constant;
        for i in 0..n {
            if covered_in[i] == 0 {
                value += (inst.weight[i] - lambda[i]).max(0.0);
            }
        }
        value += top.iter().map(|&j| relaxed.c[j as usize]).sum::<f64>();
        let mut picked = node.fixed_in.clone();
        picked.extend_from_slice(top);
        // The relaxed choice is a real choice too.
        let v = inst.value(&picked);
        if v > best.0 {
            *best = (v, picked.clone());
        }
        let improved = best_bound.as_ref().is_none_or(|b| value < b.value - 1e-12);
        if improved {
            let c = relaxed.c.clone();
            best_bound = Some(Bound {
                value,
                picked,
                c,
                kth,
                next,
            });
            node.lambda.clone_from(&lambda);
            stall = 0;
        } else {
            stall += 1;
            if stall >= 12 {
                mu /= 2.0;
                stall = 0;
            }
        }
        if value - best.0 <= 1e-9 * best.0.max(1.0) || mu < 1e-4 {
            break;
        }
        let gap = (value - best.0).max(1e-9);
        if !relaxed.step(&mut lambda, mu * gap) {
            break;
        }
    }
    best_bound.expect("at least one iteration runs")
}

/// The Lagrangian subproblem of one node: each free candidate's value `c_j` under the
/// multipliers and the candidates ranked by it.
struct Relaxed<'a> {
    inst: &'a Instance,
    covered_in: &'a [u32],
    /// Free (neither fixed in nor out) candidates.
    free: Vec<bool>,
    kk: usize,
    c: Vec<f64>,
    /// Free candidates, the `kk` largest `c_j` first (in order).
    order: Vec<u32>,
    /// Scratch: per item, how many of the top candidates reach it.
    sel_count: Vec<u32>,
}

impl<'a> Relaxed<'a> {
    fn new(inst: &'a Instance, node: &Node, covered_in: &'a [u32], kk: usize) -> Self {
        let m = inst.n_candidates();
        let is_in = membership(m, &node.fixed_in);
        Relaxed {
            inst,
            covered_in,
            free: (0..m).map(|j| !node.fixed_out[j] && !is_in[j]).collect(),
            kk,
            c: vec![0.0; m],
            order: Vec::with_capacity(m),
            sel_count: vec![0; inst.weight.len()],
        }
    }

    /// Computes `c_j` and ranks the free candidates; returns the `kk`-th and the next
    /// largest values.
    fn rank(&mut self, lambda: &[f64]) -> (f64, f64) {
        let (inst, kk) = (self.inst, self.kk);
        self.order.clear();
        for j in 0..inst.n_candidates() {
            self.c[j] = 0.0;
            if !self.free[j] {
                continue;
            }
            let mut s = 0.0;
            for &i in &inst.by_candidate[j] {
                if self.covered_in[i as usize] == 0 {
                    s += lambda[i as usize];
                }
            }
            self.c[j] = s;
            self.order.push(j as u32);
        }
        let (c, order) = (&self.c, &mut self.order);
        let by_c = |a: &u32, b: &u32| c[*b as usize].total_cmp(&c[*a as usize]).then(a.cmp(b));
        if order.len() > kk {
            if kk > 0 {
                order.select_nth_unstable_by(kk, by_c);
                order[..kk].sort_unstable_by(by_c);
                let next = c[order[kk] as usize];
                (c[order[kk - 1] as usize], next)
            } else {
                let next = order.iter().map(|&j| c[j as usize]).fold(0.0, f64::max);
                (0.0, next)
            }
        } else {
            order.sort_unstable_by(by_c);
            (order.last().map(|&j| c[j as usize]).unwrap_or(0.0), 0.0)
        }
    }

    /// The relaxation's picks: the `kk` free candidates of largest `c_j`.
    fn top(&self) -> &[u32] {
        &self.order[..self.kk.min(self.order.len())]
    }

    /// One subgradient step of size `scale / |g|²` along `g_i = y_i − (top candidates
    /// reaching i)`; false when `g` is zero (the multipliers are optimal).
    fn step(&mut self, lambda: &mut [f64], scale: f64) -> bool {
        let inst = self.inst;
        self.sel_count.iter_mut().for_each(|s| *s = 0);
        for &j in &self.order[..self.kk.min(self.order.len())] {
            for &i in &inst.by_candidate[j as usize] {
                self.sel_count[i as usize] += 1;
            }
        }
        let open = |i: usize| self.covered_in[i] == 0;
        let g = |i: usize, l: f64| {
            let y = if inst.weight[i] - l > 0.0 { 1.0 } else { 0.0 };
            y - self.sel_count[i] as f64
        };
        let norm: f64 = (0..lambda.len())
            .filter(|&i| open(i))
            .map(|i| g(i, lambda[i]).powi(2))
            .sum();
        if norm == 0.0 {
            return false;
        }
        let step = scale / norm;
        for (i, l) in lambda.iter_mut().enumerate() {
            if open(i) {
                *l = (*l + step * g(i, *l)).max(0.0);
            }
        }
        true
    }
}
