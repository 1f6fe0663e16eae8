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
/// Returns the improved set.
pub fn swap_search(
    inst: &Instance,
    mut chosen: Vec<u32>,
    max_rounds: usize,
    deadline: std::time::Instant,
) -> Vec<u32> {
    let n = inst.weight.len();
    let mut count = vec![0u32; n];
    let mut is_chosen = vec![false; inst.n_candidates()];
    for &c in &chosen {
        is_chosen[c as usize] = true;
        for &i in &inst.by_candidate[c as usize] {
            count[i as usize] += 1;
        }
    }
    for _ in 0..max_rounds {
        if std::time::Instant::now() >= deadline {
            break;
        }
        let mut best: Option<(f64, usize, u32)> = None;
        for (pos, &out) in chosen.iter().enumerate() {
            // Remove `out` temporarily.
            let loss: f64 = inst.by_candidate[out as usize]
                .iter()
                .filter(|&&i| count[i as usize] == 1)
                .map(|&i| inst.weight[i as usize])
                .sum();
            for &i in &inst.by_candidate[out as usize] {
                count[i as usize] -= 1;
            }
            for cand in 0..inst.n_candidates() as u32 {
                if is_chosen[cand as usize] {
                    continue;
                }
                let gain: f64 = inst.by_candidate[cand as usize]
                    .iter()
                    .filter(|&&i| count[i as usize] == 0)
                    .map(|&i| inst.weight[i as usize])
                    .sum();
                let delta = gain - loss;
                if delta > 1e-9 && best.is_none_or(|(d, _, _)| delta > d) {
                    best = Some((delta, pos, cand));
                }
            }
            for &i in &inst.by_candidate[out as usize] {
                count[i as usize] += 1;
            }
        }
        let Some((_, pos, cand)) = best else { break };
        let out = chosen[pos];
        for &i in &inst.by_candidate[out as usize] {
            count[i as usize] -= 1;
        }
        for &i in &inst.by_candidate[cand as usize] {
            count[i as usize] += 1;
        }
        is_chosen[out as usize] = false;
        is_chosen[cand as usize] = true;
        chosen[pos] = cand;
    }
    chosen
}
