//! The metric chosen once per run and passed down: straight line, walking along a street
//! network, or the user's cost table. Each turns sites and budgets into a [`Coverage`].

use super::{Coverage, CoverageMatrix, Metric, NetworkCoverage, euclidean, network_coverage};
use crate::gates::{Gates, outline_coverage, reduce, reduce_walk};
use crate::index::PointGrid;
use crate::io::CostTable;
use crate::network::StreetNetwork;

/// How travel cost is computed for this run.
#[derive(Debug, Clone, Copy)]
pub enum Costs<'a> {
    /// Straight line on the study plane.
    Euclidean,
    /// Walking along streets.
    Network {
        /// The street graph, on the study plane.
        network: &'a StreetNetwork,
        /// Points farther than this from every street are unreachable.
        snap_limit_m: f64,
    },
    /// A user-supplied table.
    Matrix {
        /// The table.
        table: &'a CostTable,
    },
    /// Straight line or on foot (with `network`), from each compound's nearest gate.
    Gated {
        /// The gates.
        gates: &'a Gates,
        /// The street graph for walking; `None` for the straight line.
        network: Option<&'a StreetNetwork>,
        /// Points farther than this from every street are unreachable (walking only).
        snap_limit_m: f64,
    },
}

impl Costs<'_> {
    /// The metric's name.
    pub fn metric(&self) -> Metric {
        match self {
            Costs::Euclidean => Metric::Euclidean,
            Costs::Network { .. } => Metric::Network,
            Costs::Matrix { .. } => Metric::Matrix,
            Costs::Gated { network, .. } => match network {
                Some(_) => Metric::Network,
                None => Metric::Euclidean,
            },
        }
    }

    /// The street network and snap limit of a walking metric (gated or not).
    pub fn walking(&self) -> Option<(&StreetNetwork, f64)> {
        match *self {
            Costs::Network {
                network,
                snap_limit_m,
            } => Some((network, snap_limit_m)),
            Costs::Gated {
                network: Some(network),
                snap_limit_m,
                ..
            } => Some((network, snap_limit_m)),
            _ => None,
        }
    }

    /// The gates of a gated metric.
    pub fn gates(&self) -> Option<&Gates> {
        match self {
            Costs::Gated { gates, .. } => Some(gates),
            _ => None,
        }
    }

    /// How much shorter than from its point a walk from a compound can be (its farthest
    /// gate): straight-line prefilters widen their radius by this.
    pub fn slack_m(&self) -> f64 {
        self.gates().map_or(0.0, |g| g.slack_m)
    }

    /// The metric without gates.
    fn ungated(&self) -> Costs<'_> {
        match *self {
            Costs::Gated {
                network: Some(network),
                snap_limit_m,
                ..
            } => Costs::Network {
                network,
                snap_limit_m,
            },
            Costs::Gated { network: None, .. } => Costs::Euclidean,
            other => other,
        }
    }

    /// Coverage of compounds by sites under this metric. `site_ids` are needed by the matrix
    /// metric; positions by the others. The network's snap offsets come back too.
    pub fn coverage(
        &self,
        compounds_xy: &[[f64; 2]],
        sites_xy: &[[f64; 2]],
        site_ids: &[String],
        budget_m: &[f64],
    ) -> (Coverage, Option<NetworkCoverage>) {
        match self {
            Costs::Euclidean => (euclidean(compounds_xy, sites_xy, budget_m), None),
            Costs::Network {
                network,
                snap_limit_m,
            } => {
                let mut nc =
                    network_coverage(network, compounds_xy, sites_xy, budget_m, *snap_limit_m);
                let coverage = std::mem::take(&mut nc.coverage);
                (coverage, Some(nc))
            }
            Costs::Matrix { table } => (
                table_coverage(table, compounds_xy.len(), site_ids, budget_m),
                None,
            ),
            Costs::Gated { gates, network, .. } => {
                let (points, owner) = gates.expand(compounds_xy);
                let n = compounds_xy.len();
                if network.is_none() && gates.has_outlines() {
                    let access = (&points[..], &owner[..], compounds_xy);
                    let cov = outline_coverage(gates, access, sites_xy, budget_m);
                    return (reduce(&cov, &owner, n), None);
                }
                let (cov, walk) = self
                    .ungated()
                    .coverage(&points, sites_xy, site_ids, budget_m);
                let walk = walk.map(|w| reduce_walk(w, &owner, n));
                (reduce(&cov, &owner, n), walk)
            }
        }
    }
}

impl Costs<'_> {
    /// What each site reaches: rows are sites, columns compounds (cost `<=` the site's budget),
    /// as [`Costs::coverage`] transposed. Straight-line reach is found from the sites (one
    /// fixed-radius query each over a compound grid), so a few sites among a million compounds
    /// cost what they reach.
    pub fn site_reach(
        &self,
        compounds_xy: &[[f64; 2]],
        sites_xy: &[[f64; 2]],
        site_ids: &[String],
        budget_m: &[f64],
    ) -> CoverageMatrix {
        if !matches!(self, Costs::Euclidean) {
            let cov = self.coverage(compounds_xy, sites_xy, site_ids, budget_m).0;
            return cov.by_compound.transpose();
        }
        use rayon::prelude::*;
        let reach = budget_m.iter().copied().fold(1.0, f64::max);
        let grid = PointGrid::new(compounds_xy, PointGrid::cell_for(compounds_xy, reach, 8.0));
        let rows: Vec<Vec<(u32, f32)>> = sites_xy
            .par_iter()
            .zip(budget_m)
            .map(|(p, &b)| {
                let mut row = Vec::new();
                // The same `sqrt` distance and `<=` test as the compound-side path.
                grid.for_each_within(*p, b, |_, q, d| row.push((q.index, d as f32)));
                row.sort_unstable_by_key(|&(c, _)| c);
                row
            })
            .collect();
        let nnz = rows.iter().map(Vec::len).sum();
        let mut m = CoverageMatrix::with_capacity(compounds_xy.len(), rows.len(), nnz);
        for row in &rows {
            m.push_sorted_row(row);
        }
        m
    }
}

/// Coverage from a cost table: a compound is reached by a site when the table lists the pair
/// with cost `<=` the site's budget; the nearest site is the listed one with the lowest cost
/// (ties: lowest site index).
pub fn table_coverage(
    table: &CostTable,
    n_compounds: usize,
    site_ids: &[String],
    budget_m: &[f64],
) -> Coverage {
    let mut nearest: Vec<(f64, u32)> = vec![(f64::INFINITY, u32::MAX); n_compounds];
    let mut pairs: Vec<(u32, u32, f32)> = Vec::new();
    for (s, id) in site_ids.iter().enumerate() {
        let Some(list) = table.by_site.get(id) else {
            continue;
        };
        for &(c, cost) in list {
            let best = &mut nearest[c as usize];
            if (cost, s as u32) < *best {
                *best = (cost, s as u32);
            }
            if cost <= budget_m[s] {
                pairs.push((c, s as u32, cost as f32));
            }
        }
    }
    pairs.sort_unstable_by_key(|&(c, s, _)| (c, s));
    let mut by_compound = CoverageMatrix::with_capacity(site_ids.len(), n_compounds, pairs.len());
    let mut k = 0;
    for c in 0..n_compounds as u32 {
        let start = k;
        while k < pairs.len() && pairs[k].0 == c {
            k += 1;
        }
        by_compound.push_row(pairs[start..k].iter().map(|&(_, s, d)| (s, d)));
    }
    Coverage {
        nearest: nearest
            .iter()
            .map(|&(_, s)| (s != u32::MAX).then_some(s))
            .collect(),
        nearest_cost_m: nearest.iter().map(|&(d, _)| d).collect(),
        by_compound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn site_reach_is_the_coverage_transposed() {
        let mut rng = crate::rng::Rng::new(5);
        for n in [1usize, 50, 3000] {
            let pts = |k: usize, rng: &mut crate::rng::Rng| -> Vec<[f64; 2]> {
                (0..k)
                    .map(|_| [rng.f64() * 5000.0, rng.f64() * 5000.0])
                    .collect()
            };
            let compounds = pts(n, &mut rng);
            let sites = pts(40, &mut rng);
            let budget: Vec<f64> = (0..40).map(|s| 200.0 + 30.0 * s as f64).collect();
            let ids: Vec<String> = (0..40).map(|s| s.to_string()).collect();
            let fast = Costs::Euclidean.site_reach(&compounds, &sites, &ids, &budget);
            let slow = super::super::euclidean(&compounds, &sites, &budget);
            let slow = slow.by_compound.transpose();
            for s in 0..40 {
                assert_eq!(fast.row(s), slow.row(s), "n={n} site {s}");
            }
        }
    }

    #[test]
    fn table_coverage_uses_listed_pairs_only() {
        let mut by_site = HashMap::new();
        by_site.insert("a".to_string(), vec![(0u32, 500.0), (1, 1500.0)]);
        by_site.insert("b".to_string(), vec![(1u32, 1000.0)]);
        let table = CostTable {
            path: "m.csv".into(),
            by_site,
            rows: 3,
        };
        let ids = vec!["a".to_string(), "b".to_string()];
        let c = table_coverage(&table, 3, &ids, &[1000.0, 1000.0]);
        assert_eq!(c.covered(), vec![true, true, false]);
        assert_eq!(c.nearest, vec![Some(0), Some(1), None]);
        assert_eq!(c.nearest_cost_m[2], f64::INFINITY);
    }
}
