//! The fast first answer: lazy greedy (largest marginal gain first) followed by a 1-swap
//! local search. Good, not proven: the exact solver starts from it.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::problem::Instance;

#[derive(PartialEq)]
struct Entry(f64, u32);
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    // Largest gain first; ties to the lowest candidate index.
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0).then(other.1.cmp(&self.1))
    }
}

/// Lazy greedy: at most `k` candidates, each the one adding most weight (ties: lowest
/// index). Stops early when nothing adds weight. Excludes `forbidden` candidates.
pub fn greedy(inst: &Instance, k: usize, forbidden: &[bool]) -> Vec<u32> {
    greedy_from(inst, &[], k, forbidden)
}

/// [`greedy`] continuing from the already chosen `start`: returns `start` followed by up to
/// `k - start.len()` more candidates.
pub fn greedy_from(inst: &Instance, start: &[u32], k: usize, forbidden: &[bool]) -> Vec<u32> {
    let mut hit = vec![false; inst.weight.len()];
    let mut is_start = vec![false; inst.n_candidates()];
    for &c in start {
        is_start[c as usize] = true;
        for &i in &inst.by_candidate[c as usize] {
            hit[i as usize] = true;
        }
    }
    let gain = |c: u32, hit: &[bool]| -> f64 {
        inst.by_candidate[c as usize]
            .iter()
            .filter(|&&i| !hit[i as usize])
            .map(|&i| inst.weight[i as usize])
            .sum()
    };
    let mut heap: BinaryHeap<Entry> = (0..inst.n_candidates() as u32)
        .filter(|&c| !is_start[c as usize] && !forbidden.get(c as usize).copied().unwrap_or(false))
        .map(|c| Entry(gain(c, &hit), c))
        .collect();
    let mut chosen = start.to_vec();
    while chosen.len() < k {
        let Some(Entry(g, c)) = heap.pop() else { break };
        let fresh = gain(c, &hit);
        if fresh < g {
            heap.push(Entry(fresh, c));
            continue;
        }
        if fresh <= 0.0 {
            break;
        }
        for &i in &inst.by_candidate[c as usize] {
            hit[i as usize] = true;
        }
        chosen.push(c);
    }
    chosen
}

/// Best-improvement 1-swap local search: replaces one chosen candidate by one outside while
/// that raises the covered weight, for at most `max_rounds` rounds or until `deadline`.
/// Returns the improved set. Each round costs one pass over the coverage lists, whatever the
/// number of chosen sites (see `SwapState::best_swap`).
pub fn swap_search(
    inst: &Instance,
    mut chosen: Vec<u32>,
    max_rounds: usize,
    deadline: std::time::Instant,
) -> Vec<u32> {
    let mut state = SwapState::new(inst, &chosen);
    for _ in 0..max_rounds {
        if std::time::Instant::now() >= deadline {
            break;
        }
        let Some((_, pos, cand)) = state.best_swap(inst, &chosen) else {
            break;
        };
        state.remove(inst, chosen[pos]);
        state.add(inst, cand);
        chosen[pos] = cand;
    }
    chosen
}

/// One site fewer: `chosen` without the site whose loss is smallest (the weight only it
/// covers; ties: the earliest), then repaired by up to `max_rounds` swap rounds. The way down
/// from a count that reaches a target to one fewer that may still reach it.
pub fn drop_and_repair(
    inst: &Instance,
    chosen: &[u32],
    max_rounds: usize,
    deadline: std::time::Instant,
) -> Vec<u32> {
    if chosen.is_empty() {
        return Vec::new();
    }
    let state = SwapState::new(inst, chosen);
    let cheapest = (0..chosen.len())
        .map(|p| (p, state.sole_weight(inst, chosen[p])))
        .fold((0, f64::INFINITY), |b, x| if x.1 < b.1 { x } else { b })
        .0;
    let mut fewer = chosen.to_vec();
    fewer.remove(cheapest);
    swap_search(inst, fewer, max_rounds, deadline)
}

/// Iterated local search: `rounds` times, drops two or three sites of the best set found
/// (chosen by a seeded generator), refills it greedily without them and repairs it with swap
/// rounds, keeping the result when it covers more; stops early once it covers `enough`.
/// Deterministic for a given seed.
pub fn perturbed_search(
    inst: &Instance,
    start: &[u32],
    (rounds, seed): (usize, u64),
    enough: f64,
    deadline: std::time::Instant,
) -> Vec<u32> {
    let k = start.len();
    let mut best = start.to_vec();
    let mut best_value = inst.value(&best);
    if k < 2 {
        return best;
    }
    let mut rng = crate::rng::Rng::new(seed);
    let mut forbidden = vec![false; inst.n_candidates()];
    for round in 0..rounds {
        if best_value >= enough || std::time::Instant::now() >= deadline {
            break;
        }
        let mut kept = best.clone();
        let mut dropped = Vec::new();
        for _ in 0..(2 + round % 2).min(k) {
            let c = kept.swap_remove(rng.below(kept.len()));
            forbidden[c as usize] = true;
            dropped.push(c);
        }
        let refilled = greedy_from(inst, &kept, k, &forbidden);
        dropped.iter().for_each(|&c| forbidden[c as usize] = false);
        let repaired = swap_search(inst, refilled, PERTURB_SWAP_ROUNDS, deadline);
        let v = inst.value(&repaired);
        if v > best_value {
            best_value = v;
            best = repaired;
        }
    }
    best
}

/// Swap rounds after each perturbation of [`perturbed_search`].
const PERTURB_SWAP_ROUNDS: usize = 10;

/// Who covers each item among the chosen candidates: how many, and the sum of their ids
/// (the only one's id when the count is 1).
pub(crate) struct SwapState {
    count: Vec<u32>,
    id_sum: Vec<u64>,
    is_chosen: Vec<bool>,
}

impl SwapState {
    pub(crate) fn new(inst: &Instance, chosen: &[u32]) -> SwapState {
        let mut s = SwapState {
            count: vec![0; inst.weight.len()],
            id_sum: vec![0; inst.weight.len()],
            is_chosen: vec![false; inst.n_candidates()],
        };
        chosen.iter().for_each(|&c| s.add(inst, c));
        s
    }

    fn add(&mut self, inst: &Instance, c: u32) {
        self.is_chosen[c as usize] = true;
        for &i in &inst.by_candidate[c as usize] {
            self.count[i as usize] += 1;
            self.id_sum[i as usize] += u64::from(c);
        }
    }

    fn remove(&mut self, inst: &Instance, c: u32) {
        self.is_chosen[c as usize] = false;
        for &i in &inst.by_candidate[c as usize] {
            self.count[i as usize] -= 1;
            self.id_sum[i as usize] -= u64::from(c);
        }
    }

    /// The swap (chosen position out, candidate in) raising the covered weight most, as
    /// `(gain, position, candidate)`; ties go to the lowest position, then the lowest
    /// candidate. Swapping `out` for `cand` gains what `cand` covers alone, loses what only
    /// `out` covered, except the part of that `cand` covers too.
    pub(crate) fn best_swap(&self, inst: &Instance, chosen: &[u32]) -> Option<(f64, usize, u32)> {
        let mut pos_of = vec![usize::MAX; inst.n_candidates()];
        let mut loss = vec![0.0; chosen.len()];
        for (p, &c) in chosen.iter().enumerate() {
            pos_of[c as usize] = p;
            loss[p] = self.sole_weight(inst, c);
        }
        // The cheapest site to give up when `cand` shares nothing with it.
        let (min_pos, min_loss) =
            loss.iter()
                .enumerate()
                .fold((usize::MAX, f64::INFINITY), |b, (p, &l)| {
                    if l < b.1 { (p, l) } else { b }
                });
        let mut shared = vec![0.0; chosen.len()];
        let mut touched: Vec<usize> = Vec::new();
        let mut best: Option<(f64, usize, u32)> = None;
        for cand in 0..inst.n_candidates() as u32 {
            if self.is_chosen[cand as usize] {
                continue;
            }
            let mut gain = 0.0;
            for &i in &inst.by_candidate[cand as usize] {
                let (iu, w) = (i as usize, inst.weight[i as usize]);
                match self.count[iu] {
                    0 => gain += w,
                    1 => {
                        let p = pos_of[self.id_sum[iu] as usize];
                        if shared[p] == 0.0 {
                            touched.push(p);
                        }
                        shared[p] += w;
                    }
                    _ => {}
                }
            }
            let mut consider = |delta: f64, p: usize| {
                let better = best.is_none_or(|(d, bp, _)| delta > d || (delta == d && p < bp));
                if delta > 1e-9 && better {
                    best = Some((delta, p, cand));
                }
            };
            if min_pos != usize::MAX {
                consider(gain - min_loss, min_pos);
            }
            for &p in &touched {
                consider(gain - loss[p] + shared[p], p);
                shared[p] = 0.0;
            }
            touched.clear();
        }
        best
    }

    /// Weight that only candidate `c` covers.
    fn sole_weight(&self, inst: &Instance, c: u32) -> f64 {
        inst.by_candidate[c as usize]
            .iter()
            .filter(|&&i| self.count[i as usize] == 1)
            .map(|&i| inst.weight[i as usize])
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::CoverageMatrix;
    use crate::rng::Rng;

    #[test]
    fn best_swap_matches_trying_every_swap() {
        for seed in 0..80 {
            let mut rng = Rng::new(seed);
            let (n, m) = (20 + rng.below(40), 4 + rng.below(20));
            let mut cover = CoverageMatrix::new(n);
            for _ in 0..m {
                let row: Vec<u32> = (0..n as u32).filter(|_| rng.f64() < 0.2).collect();
                cover.push_row(row.into_iter().map(|i| (i, 1.0)));
            }
            let pop: Vec<f64> = (0..n).map(|_| (1 + rng.below(50)) as f64).collect();
            let inst = Instance::new(&cover, &pop, &vec![false; n]);
            let k = 1 + rng.below(m.min(6));
            let chosen: Vec<u32> = (0..k as u32).map(|c| c * (m / k) as u32).collect();
            let base = inst.value(&chosen);
            let mut truth = 0.0f64;
            for pos in 0..k {
                for cand in 0..m as u32 {
                    if !chosen.contains(&cand) {
                        let mut s = chosen.clone();
                        s[pos] = cand;
                        truth = truth.max(inst.value(&s) - base);
                    }
                }
            }
            let got = SwapState::new(&inst, &chosen).best_swap(&inst, &chosen);
            match got {
                None => assert!(truth <= 1e-9, "seed {seed}: missed a gain of {truth}"),
                Some((d, pos, cand)) => {
                    assert!((d - truth).abs() < 1e-6, "seed {seed}: {d} vs {truth}");
                    let mut s = chosen.clone();
                    s[pos] = cand;
                    assert!(
                        (inst.value(&s) - base - d).abs() < 1e-6,
                        "seed {seed}: wrong pair"
                    );
                }
            }
        }
    }
}
