//! The maximal-covering instance the solvers work on: only demand that existing centres leave
//! uncovered, merged where candidates cannot tell compounds apart, in both row directions.

use crate::coverage::CoverageMatrix;

/// A reduced maximal-covering instance: `items` are groups of uncovered compounds reached by
/// exactly the same candidates; `weight` is their population.
#[derive(Debug, Clone)]
pub struct Instance {
    /// Items per candidate (rows = candidates, sorted item indices).
    pub by_candidate: Vec<Vec<u32>>,
    /// Candidates per item.
    pub by_item: Vec<Vec<u32>>,
    /// Weight (population) of each item.
    pub weight: Vec<f64>,
    /// The compounds each item stands for.
    pub members: Vec<Vec<u32>>,
}

impl Instance {
    /// Builds the instance from the candidates' coverage (rows = candidates, columns =
    /// compounds), the compounds' population and which compounds are already covered.
    /// Compounds that no candidate reaches are left out (they cannot be won).
    pub fn new(candidate_cover: &CoverageMatrix, population: &[f64], covered: &[bool]) -> Self {
        let by_compound = candidate_cover.transpose();
        let mut key_to_item: std::collections::HashMap<&[u32], u32> = Default::default();
        let mut by_item: Vec<Vec<u32>> = Vec::new();
        let mut weight = Vec::new();
        let mut members: Vec<Vec<u32>> = Vec::new();
        for i in 0..by_compound.n_rows() {
            let cands = by_compound.row(i).0;
            if covered[i] || cands.is_empty() {
                continue;
            }
            let item = *key_to_item.entry(cands).or_insert_with(|| {
                by_item.push(cands.to_vec());
                weight.push(0.0);
                members.push(Vec::new());
                (by_item.len() - 1) as u32
            });
            weight[item as usize] += population[i];
            members[item as usize].push(i as u32);
        }
        let mut by_candidate = vec![Vec::new(); candidate_cover.n_rows()];
        for (item, cands) in by_item.iter().enumerate() {
            for &c in cands {
                by_candidate[c as usize].push(item as u32);
            }
        }
        Instance {
            by_candidate,
            by_item,
            weight,
            members,
        }
    }

    /// Number of candidates.
    pub fn n_candidates(&self) -> usize {
        self.by_candidate.len()
    }

    /// Weight covered by a set of candidates.
    pub fn value(&self, chosen: &[u32]) -> f64 {
        let mut hit = vec![false; self.weight.len()];
        let mut v = 0.0;
        for &c in chosen {
            for &i in &self.by_candidate[c as usize] {
                if !hit[i as usize] {
                    hit[i as usize] = true;
                    v += self.weight[i as usize];
                }
            }
        }
        v
    }

    /// Orders a chosen set the way a planner reads it: each step adds the site with the
    /// largest marginal gain (ties: lowest index). Returns `(candidate, gain)` pairs.
    pub fn ranked(&self, chosen: &[u32]) -> Vec<(u32, f64)> {
        let mut hit = vec![false; self.weight.len()];
        let mut left: Vec<u32> = chosen.to_vec();
        left.sort_unstable();
        let mut out = Vec::new();
        while !left.is_empty() {
            let gain = |c: u32, hit: &[bool]| -> f64 {
                self.by_candidate[c as usize]
                    .iter()
                    .filter(|&&i| !hit[i as usize])
                    .map(|&i| self.weight[i as usize])
                    .sum()
            };
            let (pos, g) = left
                .iter()
                .enumerate()
                .map(|(p, &c)| (p, gain(c, &hit)))
                .fold(
                    (0, f64::NEG_INFINITY),
                    |best, x| if x.1 > best.1 { x } else { best },
                );
            let c = left.remove(pos);
            for &i in &self.by_candidate[c as usize] {
                hit[i as usize] = true;
            }
            out.push((c, g));
        }
        out
    }
}
