//! Straight-line coverage on the local metric plane: a bucket grid answers which sites reach
//! each compound, an R-tree finds the nearest site when none does. `brute_force` is the oracle.

use rayon::prelude::*;

use super::{Coverage, CoverageMatrix};
use crate::index::{PointGrid, SiteTree, plane_dist};
use crate::matrix::BLOCK_ROWS;

/// Compounds per parallel task: one matrix block, so finished blocks join without copying.
const CHUNK: usize = BLOCK_ROWS;

/// Straight-line coverage: compound `i` is reached by site `s` when their distance is `<=`
/// `budget_m[s]`. Positions are metres on one plane. Runs in parallel; the result does not
/// depend on the thread count.
///
/// # Panics
/// When `budget_m.len() != sites.len()`.
pub fn euclidean(compounds: &[[f64; 2]], sites: &[[f64; 2]], budget_m: &[f64]) -> Coverage {
    assert_eq!(budget_m.len(), sites.len(), "one budget per site");
    let tree = SiteTree::new(sites);
    let max_budget = budget_m.iter().copied().fold(0.0, f64::max);
    let uniform = budget_m.iter().all(|&b| b == max_budget);
    let grid = PointGrid::new(sites, max_budget.max(1.0));
    let parts: Vec<(Vec<Option<u32>>, Vec<f64>, CoverageMatrix)> = compounds
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut nearest = Vec::with_capacity(chunk.len());
            let mut nearest_cost = Vec::with_capacity(chunk.len());
            let mut rows = CoverageMatrix::new(sites.len());
            // Pairs packed as `site << 32 | cost bits`: sorting plain u64 keys is the cheapest
            // way to order a row by site (it is a third of the work otherwise).
            let mut row: Vec<u64> = Vec::new();
            let mut pairs: Vec<(u32, f32)> = Vec::new();
            for p in chunk {
                row.clear();
                let mut best = (f64::INFINITY, u32::MAX);
                grid.for_each_within(*p, max_budget, |_, q, d| {
                    let s = q.index;
                    if (d, s) < best {
                        best = (d, s);
                    }
                    // With one budget for all sites (the usual case) every hit qualifies and
                    // the per-site lookup, a cache miss per pair, is skipped.
                    if uniform || d <= budget_m[s as usize] {
                        row.push(((s as u64) << 32) | (d as f32).to_bits() as u64);
                    }
                });
                if best.1 == u32::MAX {
                    // Nothing within the largest budget: the nearest site, lowest index on ties.
                    if let Some(b) = tree.nearest(*p) {
                        best = b;
                    }
                }
                row.sort_unstable();
                pairs.clear();
                pairs.extend(
                    row.iter()
                        .map(|&x| ((x >> 32) as u32, f32::from_bits(x as u32))),
                );
                rows.push_sorted_row(&pairs);
                nearest.push((best.1 != u32::MAX).then_some(best.1));
                nearest_cost.push(best.0);
            }
            (nearest, nearest_cost, rows)
        })
        .collect();
    let mut coverage = Coverage {
        nearest: Vec::with_capacity(compounds.len()),
        nearest_cost_m: Vec::with_capacity(compounds.len()),
        by_compound: CoverageMatrix::with_capacity(sites.len(), compounds.len(), 0),
    };
    // Each part is one whole block: it moves into the matrix without a copy.
    for (nearest, cost, rows) in parts {
        coverage.nearest.extend(nearest);
        coverage.nearest_cost_m.extend(cost);
        coverage.by_compound.append(rows);
    }
    coverage
}

/// The oracle for [`euclidean`]: every compound against every site, sequentially.
#[doc(hidden)]
pub fn brute_force(compounds: &[[f64; 2]], sites: &[[f64; 2]], budget_m: &[f64]) -> Coverage {
    let mut coverage = Coverage {
        nearest: Vec::new(),
        nearest_cost_m: Vec::new(),
        by_compound: CoverageMatrix::new(sites.len()),
    };
    for p in compounds {
        let mut best = (f64::INFINITY, None);
        let mut row = Vec::new();
        for (s, q) in sites.iter().enumerate() {
            let d = plane_dist(*p, *q);
            if d < best.0 {
                best = (d, Some(s as u32));
            }
            if d <= budget_m[s] {
                row.push((s as u32, d as f32));
            }
        }
        coverage.nearest.push(best.1);
        coverage.nearest_cost_m.push(best.0);
        coverage.by_compound.push_row(row);
    }
    coverage
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn random_points(rng: &mut Rng, n: usize, size: f64) -> Vec<[f64; 2]> {
        (0..n)
            .map(|_| [rng.range(0.0, size), rng.range(0.0, size)])
            .collect()
    }

    #[test]
    fn fast_path_matches_brute_force_on_random_cities() {
        for seed in 0..40 {
            let mut rng = Rng::new(seed);
            let n = 1 + rng.below(3000);
            let m = 1 + rng.below(200);
            // Snap to a 10 m grid so that many distances tie and many fall exactly on a radius.
            let snap = |v: Vec<[f64; 2]>| -> Vec<[f64; 2]> {
                v.into_iter()
                    .map(|[x, y]| [(x / 10.0).round() * 10.0, (y / 10.0).round() * 10.0])
                    .collect()
            };
            let compounds = snap(random_points(&mut rng, n, 8000.0));
            let sites = snap(random_points(&mut rng, m, 8000.0));
            let budget: Vec<f64> = (0..m)
                .map(|_| [300.0, 500.0, 1000.0][rng.below(3)])
                .collect();
            let fast = euclidean(&compounds, &sites, &budget);
            let slow = brute_force(&compounds, &sites, &budget);
            assert_eq!(fast, slow, "seed {seed}: n={n} m={m}");
        }
    }

    #[test]
    fn covers_point_exactly_on_radius() {
        let sites = [[0.0, 0.0]];
        let compounds = [
            [300.0, 0.0],
            [0.0, -300.0],
            [300.0000001, 0.0],
            [180.0, 240.0],
        ];
        let c = euclidean(&compounds, &sites, &[300.0]);
        assert_eq!(c.covered(), vec![true, true, false, true]);
        assert_eq!(c.nearest_cost_m[3], 300.0);
    }

    #[test]
    fn nearest_tie_goes_to_the_lowest_index() {
        let sites = [[10.0, 0.0], [-10.0, 0.0], [0.0, 10.0]];
        let far = euclidean(&[[0.0, 0.0]], &sites, &[1.0, 1.0, 1.0]);
        assert_eq!(far.nearest, vec![Some(0)]);
        let near = euclidean(&[[0.0, 0.0]], &sites, &[20.0, 20.0, 20.0]);
        assert_eq!(near.nearest, vec![Some(0)]);
        assert_eq!(near.sites_within(0), 3);
    }

    #[test]
    fn larger_radius_or_extra_site_never_lowers_coverage() {
        for seed in 0..20 {
            let mut rng = Rng::new(100 + seed);
            let compounds = random_points(&mut rng, 500, 5000.0);
            let mut sites = random_points(&mut rng, 20, 5000.0);
            let covered = |sites: &[[f64; 2]], r: f64| {
                euclidean(&compounds, sites, &vec![r; sites.len()]).covered()
            };
            let base = covered(&sites, 500.0);
            let wider = covered(&sites, 700.0);
            assert!(
                base.iter().zip(&wider).all(|(a, b)| !a || *b),
                "seed {seed}"
            );
            sites.push([rng.range(0.0, 5000.0), rng.range(0.0, 5000.0)]);
            let more = covered(&sites, 500.0);
            assert!(base.iter().zip(&more).all(|(a, b)| !a || *b), "seed {seed}");
        }
    }

    #[test]
    fn same_result_on_one_thread_and_many() {
        let mut rng = Rng::new(9);
        let compounds = random_points(&mut rng, 20_000, 20_000.0);
        let sites = random_points(&mut rng, 300, 20_000.0);
        let budget = vec![800.0; 300];
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| euclidean(&compounds, &sites, &budget));
        let many = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap()
            .install(|| euclidean(&compounds, &sites, &budget));
        assert_eq!(one, many);
    }
}
