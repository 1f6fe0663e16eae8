//! Statistics read from a [`Reach`]: totals, tables per group field and per centre level,
//! per-centre load, the distance distribution and the coverage-by-budget curve. Every sum runs
//! sequentially in compound order so that results are identical whatever the thread count.

use rayon::prelude::*;
use std::collections::BTreeMap;

use serde::Serialize;

use super::Reach;

/// Overall coverage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Totals {
    /// Compounds in the layer.
    pub compounds_total: usize,
    /// Compounds within budget of at least one centre.
    pub compounds_covered: usize,
    /// Compounds no centre can reach at all (network/matrix metrics).
    pub compounds_unreachable: usize,
    /// Total population.
    pub population_total: f64,
    /// Population in covered compounds.
    pub population_covered: f64,
}

impl Totals {
    /// Sums over all compounds.
    pub fn of(coverage: &Reach, population: &[f64]) -> Totals {
        let mut t = Totals {
            compounds_total: coverage.len(),
            compounds_covered: 0,
            compounds_unreachable: 0,
            population_total: 0.0,
            population_covered: 0.0,
        };
        for (i, &p) in population.iter().enumerate() {
            t.population_total += p;
            if coverage.is_covered(i) {
                t.compounds_covered += 1;
                t.population_covered += p;
            }
            if coverage.nearest[i].is_none() {
                t.compounds_unreachable += 1;
            }
        }
        t
    }

    /// Covered share of the population (0 when there is none).
    pub fn population_share(&self) -> f64 {
        ratio(self.population_covered, self.population_total)
    }

    /// Covered share of the compounds.
    pub fn compound_share(&self) -> f64 {
        ratio(self.compounds_covered as f64, self.compounds_total as f64)
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

/// Coverage within one value of a grouping field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupRow {
    /// The field value (empty when missing).
    pub value: String,
    /// Compounds with that value.
    pub compounds: usize,
    /// Of which covered.
    pub covered_compounds: usize,
    /// Their population.
    pub population: f64,
    /// Of which covered.
    pub covered_population: f64,
    /// `covered_population / population`.
    pub share: f64,
}

/// One row per distinct value of a grouping field, sorted by value.
pub fn group_rows(values: &[String], population: &[f64], covered: &[bool]) -> Vec<GroupRow> {
    let mut rows: BTreeMap<&str, GroupRow> = BTreeMap::new();
    for i in 0..values.len() {
        let row = rows.entry(values[i].as_str()).or_insert_with(|| GroupRow {
            value: values[i].clone(),
            compounds: 0,
            covered_compounds: 0,
            population: 0.0,
            covered_population: 0.0,
            share: 0.0,
        });
        row.compounds += 1;
        row.population += population[i];
        if covered[i] {
            row.covered_compounds += 1;
            row.covered_population += population[i];
        }
    }
    rows.into_values()
        .map(|mut r| {
            r.share = ratio(r.covered_population, r.population);
            r
        })
        .collect()
}

/// What the centres of one level reach.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelRow {
    /// The level (empty when missing).
    pub level: String,
    /// Centres of that level.
    pub centers: usize,
    /// Their budget, metres.
    pub radius_m: f64,
    /// Compounds within budget of at least one centre of this level.
    pub covered_compounds: usize,
    /// Population of those compounds.
    pub covered_population: f64,
    /// `covered_population` over the total population.
    pub share: f64,
}

/// The distinct centre levels, sorted, and each centre's index among them: the site classes
/// that coverage is computed over (a level shares one budget).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelClasses {
    /// Distinct level names, ascending.
    pub names: Vec<String>,
    /// For each centre, the index of its level in `names`.
    pub of_site: Vec<u32>,
}

impl LevelClasses {
    /// Classes of the centres with these levels.
    pub fn new(levels: &[String]) -> LevelClasses {
        let mut names: Vec<&str> = levels.iter().map(String::as_str).collect();
        names.sort_unstable();
        names.dedup();
        let index: BTreeMap<&str, u32> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (*n, i as u32))
            .collect();
        LevelClasses {
            of_site: levels.iter().map(|l| index[l.as_str()]).collect(),
            names: names.into_iter().map(str::to_string).collect(),
        }
    }
}

/// One row per centre level, sorted by level. `radius_for_level` gives each level's budget;
/// `coverage` must have been computed over `classes`.
pub fn level_rows(
    classes: &LevelClasses,
    radius_for_level: impl Fn(&str) -> f64,
    coverage: &Reach,
    population: &[f64],
) -> Vec<LevelRow> {
    let mut rows: Vec<LevelRow> = classes
        .names
        .iter()
        .enumerate()
        .map(|(k, n)| LevelRow {
            level: n.clone(),
            centers: classes.of_site.iter().filter(|&&c| c as usize == k).count(),
            radius_m: radius_for_level(n),
            covered_compounds: 0,
            covered_population: 0.0,
            share: 0.0,
        })
        .collect();
    let total: f64 = population.iter().sum();
    for (i, &pop) in population.iter().enumerate().take(coverage.len()) {
        for &l in coverage.classes_of(i) {
            rows[l as usize].covered_compounds += 1;
            rows[l as usize].covered_population += pop;
        }
    }
    for r in &mut rows {
        r.share = ratio(r.covered_population, total);
    }
    rows
}

/// What one centre serves.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct CentreLoad {
    /// Compounds within the centre's budget.
    pub served_compounds: usize,
    /// Their population (a compound counts for every centre that reaches it).
    pub served_population: f64,
    /// Population for which this is the nearest centre and within budget (each covered
    /// compound counts once, for its nearest centre).
    pub nearest_population: f64,
}

/// Distribution of the distance to the nearest centre over reachable compounds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DistanceStats {
    /// Mean, metres.
    pub mean_m: f64,
    /// Median, metres.
    pub median_m: f64,
    /// 90th percentile, metres.
    pub p90_m: f64,
    /// Maximum, metres.
    pub max_m: f64,
    /// Population-weighted mean, metres.
    pub population_mean_m: f64,
}

/// Distance statistics; `None` when no compound reaches any centre.
pub fn distance_stats(nearest_cost_m: &[f64], population: &[f64]) -> Option<DistanceStats> {
    let mut d: Vec<f64> = nearest_cost_m
        .iter()
        .copied()
        .filter(|d| d.is_finite())
        .collect();
    if d.is_empty() {
        return None;
    }
    // Values equal under `total_cmp` are the same bits: any sort gives the one sequence.
    d.par_sort_unstable_by(f64::total_cmp);
    let pick = |q: f64| d[((d.len() - 1) as f64 * q).round() as usize];
    let (mut wsum, mut psum) = (0.0, 0.0);
    for (c, p) in nearest_cost_m.iter().zip(population) {
        if c.is_finite() {
            wsum += c * p;
            psum += p;
        }
    }
    Some(DistanceStats {
        mean_m: d.iter().sum::<f64>() / d.len() as f64,
        median_m: pick(0.5),
        p90_m: pick(0.9),
        max_m: d[d.len() - 1],
        population_mean_m: ratio(wsum, psum),
    })
}

/// Population share whose nearest centre is within each budget (metres), in the given
/// order: the coverage curve officials ask for (5, 10, 15, … minutes).
pub fn coverage_curve(nearest_cost_m: &[f64], population: &[f64], budgets_m: &[f64]) -> Vec<f64> {
    let total: f64 = population.iter().sum();
    budgets_m
        .iter()
        .map(|&b| {
            let covered: f64 = nearest_cost_m
                .iter()
                .zip(population)
                .filter(|(c, _)| **c <= b)
                .map(|(_, p)| p)
                .sum();
            ratio(covered, total)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::euclidean;

    /// Two centres, "street" (500 m) and "station" (200 m): classes 1 and 0.
    fn sample() -> (Reach, Vec<f64>) {
        let sites = [[0.0, 0.0], [1000.0, 0.0]];
        let compounds = [[100.0, 0.0], [900.0, 0.0], [500.0, 0.0], [5000.0, 0.0]];
        let pop = vec![10.0, 20.0, 30.0, 40.0];
        let cov = euclidean(&compounds, &sites, &[500.0, 200.0]);
        (Reach::from_coverage(&cov, &[1, 0], &pop), pop)
    }

    #[test]
    fn totals_and_shares() {
        let (c, pop) = sample();
        let t = Totals::of(&c, &pop);
        assert_eq!((t.compounds_total, t.compounds_covered), (4, 3));
        assert_eq!(t.population_covered, 60.0);
        assert!((t.population_share() - 0.6).abs() < 1e-12);
    }

    #[test]
    fn groups_sum_to_totals() {
        let (c, pop) = sample();
        let values: Vec<String> = ["b", "a", "b", ""].iter().map(|s| s.to_string()).collect();
        let rows = group_rows(&values, &pop, &c.covered());
        assert_eq!(
            rows.iter().map(|r| r.value.as_str()).collect::<Vec<_>>(),
            ["", "a", "b"]
        );
        assert_eq!(rows[2].covered_population, 40.0);
        let sum: f64 = rows.iter().map(|r| r.covered_population).sum();
        assert_eq!(sum, Totals::of(&c, &pop).population_covered);
    }

    #[test]
    fn levels_count_each_compound_once_per_level() {
        let (c, pop) = sample();
        let levels = vec!["street".to_string(), "station".to_string()];
        let classes = LevelClasses::new(&levels);
        assert_eq!(classes.of_site, vec![1, 0]);
        let rows = level_rows(
            &classes,
            |l| if l == "station" { 200.0 } else { 500.0 },
            &c,
            &pop,
        );
        assert_eq!(rows[0].level, "station");
        assert_eq!(rows[0].covered_population, 20.0);
        assert_eq!(rows[1].covered_population, 40.0);
    }

    #[test]
    fn loads_and_curve() {
        let (c, pop) = sample();
        let loads = &c.loads;
        assert_eq!(loads[0].served_population, 40.0);
        assert_eq!(loads[1].nearest_population, 20.0);
        let curve = coverage_curve(&c.nearest_cost_m, &pop, &[100.0, 500.0, 10_000.0]);
        assert_eq!(curve, vec![0.3, 0.6, 1.0]);
        let d = distance_stats(&c.nearest_cost_m, &pop).unwrap();
        assert_eq!(d.max_m, 4000.0);
    }
}
