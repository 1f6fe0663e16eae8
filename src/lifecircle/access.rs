//! Two-step floating catchment (2SFCA, Luo & Wang 2003): supply per 1,000 residents that a
//! compound can reach, each facility's supply shared among all residents in its catchment.

use crate::coverage::CoverageMatrix;

/// Access per compound: `1000 × Σ_j S_j / D_j` over the facilities `j` that reach it, where
/// `D_j` is the population of the compounds that `j` reaches. `by_compound` rows are
/// compounds, columns facilities (ascending), holding the pairs within the catchment.
/// A facility whose catchment holds no residents adds nothing (its ratio is undefined).
/// Sums run sequentially in index order, so the result is deterministic.
///
/// # Panics
/// When `population` or `supply` do not match the matrix's rows or columns.
pub fn two_step_fca(by_compound: &CoverageMatrix, population: &[f64], supply: &[f64]) -> Vec<f64> {
    assert_eq!(
        by_compound.n_rows(),
        population.len(),
        "one population per row"
    );
    assert_eq!(by_compound.n_cols(), supply.len(), "one supply per column");
    // Step 1: residents in each facility's catchment, summed in compound order.
    let mut demand = vec![0.0f64; supply.len()];
    for (i, &p) in population.iter().enumerate() {
        for &j in by_compound.row(i).0 {
            demand[j as usize] += p;
        }
    }
    let ratio: Vec<f64> = supply
        .iter()
        .zip(&demand)
        .map(|(&s, &d)| if d > 0.0 { s / d } else { 0.0 })
        .collect();
    // Step 2: each compound sums the ratios of the facilities that reach it.
    (0..population.len())
        .map(|i| {
            1000.0
                * by_compound
                    .row(i)
                    .0
                    .iter()
                    .map(|&j| ratio[j as usize])
                    .sum::<f64>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::euclidean;
    use crate::rng::Rng;

    /// The textbook computation over every pair, no index.
    fn dense(
        compounds: &[[f64; 2]],
        sites: &[[f64; 2]],
        pop: &[f64],
        s: &[f64],
        r: f64,
    ) -> Vec<f64> {
        let d = |a: [f64; 2], b: [f64; 2]| ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
        let ratio: Vec<f64> = sites
            .iter()
            .zip(s)
            .map(|(&site, &sj)| {
                let dj: f64 = compounds
                    .iter()
                    .zip(pop)
                    .filter(|(c, _)| d(**c, site) <= r)
                    .map(|(_, p)| p)
                    .sum();
                if dj > 0.0 { sj / dj } else { 0.0 }
            })
            .collect();
        compounds
            .iter()
            .map(|&c| {
                1000.0
                    * sites
                        .iter()
                        .zip(&ratio)
                        .filter(|(site, _)| d(c, **site) <= r)
                        .map(|(_, q)| q)
                        .sum::<f64>()
            })
            .collect()
    }

    #[test]
    fn matches_a_dense_direct_computation() {
        for seed in 1..=20u64 {
            let mut rng = Rng::new(seed);
            let n = 50 + rng.below(150);
            let m = 1 + rng.below(30);
            let compounds: Vec<[f64; 2]> = (0..n)
                .map(|_| {
                    [
                        rng.range(0.0, 3000.0).round(),
                        rng.range(0.0, 3000.0).round(),
                    ]
                })
                .collect();
            let mut sites: Vec<[f64; 2]> = (0..m)
                .map(|_| {
                    [
                        rng.range(0.0, 3000.0).round(),
                        rng.range(0.0, 3000.0).round(),
                    ]
                })
                .collect();
            // A site exactly 500 m from compound 0 (on the catchment's edge).
            sites.push([compounds[0][0] + 300.0, compounds[0][1] + 400.0]);
            let pop: Vec<f64> = (0..n).map(|_| rng.below(3000) as f64).collect();
            let supply: Vec<f64> = (0..sites.len())
                .map(|_| 1.0 + rng.below(9) as f64)
                .collect();
            let r = 500.0;
            let cov = euclidean(&compounds, &sites, &vec![r; sites.len()]);
            let got = two_step_fca(&cov.by_compound, &pop, &supply);
            let want = dense(&compounds, &sites, &pop, &supply, r);
            for i in 0..n {
                assert!(
                    (got[i] - want[i]).abs() <= 1e-9 * want[i].abs().max(1.0),
                    "seed {seed} compound {i}: {} vs {}",
                    got[i],
                    want[i]
                );
            }
            assert!(
                got[0] > 0.0 || pop[0] == 0.0,
                "seed {seed}: the edge site is missed"
            );
        }
    }

    #[test]
    fn one_facility_shared_by_its_catchment() {
        let compounds = [[0.0, 0.0], [100.0, 0.0], [5000.0, 0.0]];
        let cov = euclidean(&compounds, &[[50.0, 0.0]], &[300.0]);
        let a = two_step_fca(&cov.by_compound, &[1000.0, 3000.0, 10.0], &[2.0]);
        assert_eq!(a, vec![0.5, 0.5, 0.0]);
    }
}
