//! Walking against straight line: how much longer the walk to the nearest centre is than the
//! crow flies, and who is inside a circle but out of reach on foot.

use serde::Serialize;

use super::Reach;

/// How much longer the walk is than the straight line.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DetourStats {
    /// Compounds compared: reachable under both metrics, straight-line cost above 1 m.
    pub compounds_compared: usize,
    /// Median ratio of walking cost to straight-line cost to the nearest site.
    pub median_ratio: Option<f64>,
    /// 90th percentile of that ratio.
    pub p90_ratio: Option<f64>,
    /// Compounds inside a straight-line circle but not within any site's walking budget.
    pub covered_straight_not_walk: usize,
}

/// Compares walking with straight-line coverage of the same compounds and sites: the ratio of
/// the cost to the nearest site on foot to the cost to the nearest site as the crow flies.
///
/// # Panics
/// When the two coverages have different numbers of compounds.
pub fn detour_stats(straight: &Reach, walk: &Reach) -> DetourStats {
    assert_eq!(
        straight.len(),
        walk.len(),
        "same compounds in both coverages"
    );
    let mut ratios: Vec<f64> = straight
        .nearest_cost_m
        .iter()
        .zip(&walk.nearest_cost_m)
        .filter(|&(&s, &w)| s.is_finite() && w.is_finite() && s > 1.0)
        .map(|(&s, &w)| w / s)
        .collect();
    ratios.sort_unstable_by(f64::total_cmp);
    let pick = |q: f64| {
        (!ratios.is_empty()).then(|| ratios[((ratios.len() - 1) as f64 * q).round() as usize])
    };
    DetourStats {
        compounds_compared: ratios.len(),
        median_ratio: pick(0.5),
        p90_ratio: pick(0.9),
        covered_straight_not_walk: (0..straight.len())
            .filter(|&i| straight.is_covered(i) && !walk.is_covered(i))
            .count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::euclidean;

    #[test]
    fn detour_stats_of_identical_coverages_is_one() {
        let cov = euclidean(
            &[[0.0, 0.0], [10.0, 0.0], [0.5, 0.0]],
            &[[0.0, 0.0]],
            &[5.0],
        );
        let reach = Reach::from_coverage(&cov, &[0], &[1.0, 1.0, 1.0]);
        let s = detour_stats(&reach, &reach);
        assert_eq!(s.compounds_compared, 1);
        assert_eq!(s.median_ratio, Some(1.0));
        assert_eq!(s.covered_straight_not_walk, 0);
    }
}
