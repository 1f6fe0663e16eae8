//! One coverage analysis end to end: project compounds and centres onto the study plane,
//! build the coverage matrix for the circle, and derive every statistic the outputs show.

use crate::circle::Circle;
use crate::model::{Centres, Compounds};
use crate::study::StudyArea;

use super::{
    CentreLoad, Coverage, DistanceStats, GroupRow, LevelRow, Metric, Totals, centre_loads,
    coverage_curve, distance_stats, euclidean, group_rows, level_rows,
};

/// Minutes at which the coverage curve is sampled.
pub const CURVE_MINUTES: [f64; 6] = [5.0, 10.0, 15.0, 20.0, 25.0, 30.0];

/// The result of a coverage run and everything derived from it.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The plane distances were measured on.
    pub study: StudyArea,
    /// How cost was measured.
    pub metric: Metric,
    /// Compound positions on the plane, metres.
    pub compounds_xy: Vec<[f64; 2]>,
    /// Centre positions on the plane, metres.
    pub centres_xy: Vec<[f64; 2]>,
    /// Each centre's budget, metres (its level's radius).
    pub budget_m: Vec<f64>,
    /// The coverage matrix and nearest costs.
    pub coverage: Coverage,
    /// Overall figures.
    pub totals: Totals,
    /// One table per group field, in the order of `Compounds::group_fields`.
    pub groups: Vec<Vec<GroupRow>>,
    /// One row per centre level.
    pub levels: Vec<LevelRow>,
    /// Per-centre load.
    pub loads: Vec<CentreLoad>,
    /// Distance to the nearest centre.
    pub distance: Option<DistanceStats>,
    /// `(minutes, radius_m, population share)` at [`CURVE_MINUTES`].
    pub curve: Vec<(f64, f64, f64)>,
}

impl Analysis {
    /// Straight-line coverage of `compounds` by `centres` under `circle`.
    pub fn euclidean(
        compounds: &Compounds,
        centres: &Centres,
        circle: &Circle,
        warnings: &mut Vec<String>,
    ) -> Analysis {
        let study = StudyArea::new(
            &[
                ("compounds", &compounds.lonlat),
                ("centers", &centres.lonlat),
            ],
            warnings,
        );
        let compounds_xy = study.project(&compounds.lonlat);
        let centres_xy = study.project(&centres.lonlat);
        let budget_m: Vec<f64> = centres
            .level
            .iter()
            .map(|l| circle.radius_for_level(l))
            .collect();
        let coverage = euclidean(&compounds_xy, &centres_xy, &budget_m);
        Analysis::from_coverage(
            study,
            Metric::Euclidean,
            compounds_xy,
            centres_xy,
            budget_m,
            coverage,
            compounds,
            centres,
            circle,
        )
    }

    /// Derives the statistics from a computed coverage (any metric).
    #[allow(clippy::too_many_arguments)]
    pub fn from_coverage(
        study: StudyArea,
        metric: Metric,
        compounds_xy: Vec<[f64; 2]>,
        centres_xy: Vec<[f64; 2]>,
        budget_m: Vec<f64>,
        coverage: Coverage,
        compounds: &Compounds,
        centres: &Centres,
        circle: &Circle,
    ) -> Analysis {
        let pop = &compounds.population;
        let covered = coverage.covered();
        let totals = Totals::of(&coverage, pop);
        let groups = compounds
            .groups
            .iter()
            .map(|values| group_rows(values, pop, &covered))
            .collect();
        let levels = level_rows(
            &centres.level,
            |l| circle.radius_for_level(l),
            &coverage,
            pop,
        );
        let loads = centre_loads(&coverage, pop, centres.len());
        let distance = distance_stats(&coverage.nearest_cost_m, pop);
        let radii: Vec<f64> = CURVE_MINUTES
            .iter()
            .map(|m| m / 60.0 * circle.speed_kmh * 1000.0)
            .collect();
        let shares = coverage_curve(&coverage.nearest_cost_m, pop, &radii);
        let curve = CURVE_MINUTES
            .iter()
            .zip(&radii)
            .zip(shares)
            .map(|((m, r), s)| (*m, *r, s))
            .collect();
        Analysis {
            study,
            metric,
            compounds_xy,
            centres_xy,
            budget_m,
            coverage,
            totals,
            groups,
            levels,
            loads,
            distance,
            curve,
        }
    }
}
