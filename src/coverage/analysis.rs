//! One coverage analysis end to end: project compounds and centres onto the study plane,
//! build the coverage matrix for the circle, and derive every statistic the outputs show.

use crate::Warning;
use serde::Serialize;

use crate::circle::Circle;
use crate::model::{Centres, Compounds};
use crate::study::StudyArea;

use super::{
    CentreLoad, Costs, Coverage, DetourStats, DistanceStats, GroupRow, LevelClasses, LevelRow,
    Metric, NetworkCoverage, Reach, SiteClasses, Totals, coverage_curve, detour_stats,
    distance_stats, group_rows, level_rows, stream_euclidean,
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
    /// Each centre's budget, metres: its level's radius plus [`crate::COVER_TOLERANCE_M`]
    /// (what costs are compared with; [`Analysis::radius_m`] gives the radius).
    pub budget_m: Vec<f64>,
    /// What each compound reaches (nearest centre, cost, centres within budget) and what each
    /// centre serves.
    pub coverage: Reach,
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
    /// The street network's figures (network metric only).
    pub network: Option<NetworkStats>,
    /// Walk against straight line (network metric only).
    pub detour: Option<DetourStats>,
    /// The straight-line coverage of the same compounds and centres (network metric only:
    /// measured for the detour figures, and shown beside the walking figure).
    pub straight: Option<Totals>,
}

/// Positions and budgets of one run on its study plane.
#[derive(Debug, Clone)]
pub struct Projected {
    /// The plane distances are measured on.
    pub study: StudyArea,
    /// Compound positions on the plane, metres.
    pub compounds_xy: Vec<[f64; 2]>,
    /// Centre positions on the plane, metres.
    pub centres_xy: Vec<[f64; 2]>,
    /// Each centre's budget, metres.
    pub budget_m: Vec<f64>,
}

/// The street network's figures for a walking run.
fn network_stats(
    costs: &Costs,
    walk: &NetworkCoverage,
    coverage: &Coverage,
) -> Option<NetworkStats> {
    let (network, snap_limit_m) = costs.walking()?;
    Some(NetworkStats {
        nodes: network.node_count(),
        edges: network.edge_count(),
        // Metres are all a street length is good for.
        length_km: network.total_length_m().round() / 1000.0,
        components: network.component_count(),
        snap_limit_m,
        compounds_beyond_snap_limit: walk.compounds_beyond_snap_limit(),
        compounds_on_isolated_streets: walk
            .compound_snap_m
            .iter()
            .zip(&coverage.nearest)
            .filter(|(snap, nearest)| snap.is_some() && nearest.is_none())
            .count(),
        centers_beyond_snap_limit: walk.sites_beyond_snap_limit(),
    })
}

/// What the street network looked like and who could not join it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NetworkStats {
    /// Graph nodes.
    pub nodes: usize,
    /// Graph edges.
    pub edges: usize,
    /// Total street length, km.
    pub length_km: f64,
    /// Connected pieces.
    pub components: usize,
    /// Snap limit used, metres.
    pub snap_limit_m: f64,
    /// Compounds farther than the snap limit from every street (unreachable).
    pub compounds_beyond_snap_limit: usize,
    /// Compounds on a piece of network no centre is on (unreachable).
    pub compounds_on_isolated_streets: usize,
    /// Centres farther than the snap limit from every street (they reach nobody).
    pub centers_beyond_snap_limit: usize,
}

impl Analysis {
    /// Centre `i`'s radius as the circle gives it (its budget less the millimetre of
    /// [`crate::COVER_TOLERANCE_M`]), for display.
    pub fn radius_m(&self, i: usize) -> f64 {
        self.budget_m[i] - crate::circle::COVER_TOLERANCE_M
    }

    /// Coverage of `compounds` by `centres` under `circle`, measured with `costs` on the
    /// `study` plane. With the network metric, the straight-line coverage is computed too, for
    /// the detour figures.
    pub fn new(
        study: StudyArea,
        costs: &Costs,
        compounds: &Compounds,
        centres: &Centres,
        circle: &Circle,
    ) -> Analysis {
        let compounds_xy = study.project(&compounds.lonlat);
        let centres_xy = study.project(&centres.lonlat);
        let classes = LevelClasses::new(&centres.level);
        let class_budget: Vec<f64> = classes
            .names
            .iter()
            .map(|l| circle.budget_for_level(l))
            .collect();
        let budget_m: Vec<f64> = classes
            .of_site
            .iter()
            .map(|&c| class_budget[c as usize])
            .collect();
        let pop = &compounds.population;
        let site_classes = SiteClasses {
            of_site: &classes.of_site,
            budget_m: &class_budget,
        };
        let (reach, network) = match costs {
            // Straight line: one streaming pass, no matrix (memory grows with compounds +
            // centres, not with the pairs).
            Costs::Euclidean => (
                stream_euclidean(&compounds_xy, &centres_xy, site_classes, pop),
                None,
            ),
            _ => {
                let (coverage, walk) =
                    costs.coverage(&compounds_xy, &centres_xy, &centres.ids, &budget_m);
                let reach = Reach::from_coverage(&coverage, &classes.of_site, pop);
                let network = walk.map(|walk| {
                    // The straight-line side streams too: no second matrix (through the
                    // same gates when there are gates, so a detour is never below 1).
                    let straight = match costs.gates() {
                        Some(gates) => {
                            let straight = Costs::Gated {
                                gates,
                                network: None,
                                snap_limit_m: 0.0,
                            };
                            let ids = &centres.ids;
                            let (cov, _) =
                                straight.coverage(&compounds_xy, &centres_xy, ids, &budget_m);
                            Reach::from_coverage(&cov, &classes.of_site, pop)
                        }
                        None => stream_euclidean(&compounds_xy, &centres_xy, site_classes, pop),
                    };
                    let detour = detour_stats(&straight, &reach);
                    let totals = Totals::of(&straight, pop);
                    (network_stats(costs, &walk, &coverage), detour, totals)
                });
                (reach, network)
            }
        };
        let mut analysis = Analysis::from_reach(
            Projected {
                study,
                compounds_xy,
                centres_xy,
                budget_m,
            },
            costs.metric(),
            reach,
            &classes,
            compounds,
            circle,
        );
        if let Some((stats, detour, straight)) = network {
            analysis.network = stats;
            analysis.detour = Some(detour);
            analysis.straight = Some(straight);
        }
        analysis
    }

    /// Straight-line coverage of `compounds` by `centres` under `circle`.
    pub fn euclidean(
        compounds: &Compounds,
        centres: &Centres,
        circle: &Circle,
        warnings: &mut Vec<Warning>,
    ) -> Analysis {
        let study = StudyArea::new(
            &[
                ("compounds", &compounds.lonlat),
                ("centers", &centres.lonlat),
            ],
            warnings,
        );
        Analysis::new(study, &Costs::Euclidean, compounds, centres, circle)
    }

    /// Derives the statistics from a computed reach (any metric) over the centres' level
    /// classes.
    pub fn from_reach(
        projected: Projected,
        metric: Metric,
        coverage: Reach,
        classes: &LevelClasses,
        compounds: &Compounds,
        circle: &Circle,
    ) -> Analysis {
        let Projected {
            study,
            compounds_xy,
            centres_xy,
            budget_m,
        } = projected;
        let pop = &compounds.population;
        let radii: Vec<f64> = CURVE_MINUTES
            .iter()
            .map(|m| m / 60.0 * circle.speed_kmh * 1000.0)
            .collect();
        // Independent passes over a million compounds: the sort of the distances beside the
        // rest.
        let ((totals, groups, levels), (distance, shares)) = rayon::join(
            || {
                let covered = coverage.covered();
                let groups = (compounds.groups.iter())
                    .map(|values| group_rows(values, pop, &covered))
                    .collect();
                let levels = level_rows(classes, |l| circle.radius_for_level(l), &coverage, pop);
                (Totals::of(&coverage, pop), groups, levels)
            },
            || {
                (
                    distance_stats(&coverage.nearest_cost_m, pop),
                    coverage_curve(&coverage.nearest_cost_m, pop, &radii),
                )
            },
        );
        let loads = coverage.loads.clone();
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
            network: None,
            detour: None,
            straight: None,
        }
    }
}
