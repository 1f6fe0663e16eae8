//! Coverage: the sparse compound × site matrix of costs within budget, nearest-site costs, and
//! the statistics read from them. Gaps, site selection and the report all start here.

mod analysis;
mod costs;
mod detour;
mod euclidean;
mod reach;
mod scenario;
mod stats;
mod walk;
mod whatif;

pub use crate::matrix::CoverageMatrix;
pub use analysis::{Analysis, CURVE_MINUTES, NetworkStats, Projected};
pub use costs::{Costs, table_coverage};
pub use detour::{DetourStats, detour_stats};
#[doc(hidden)]
pub use euclidean::brute_force;
pub use euclidean::euclidean;
pub use reach::{Reach, SiteClasses, stream_euclidean};
pub use scenario::{
    Change, Comparison, LOAD_CHANGES_LISTED, LoadChange, Scenario, ScenarioGroupRow,
    ScenarioLevelRow, ScenarioResult, check_scenario_names, compare,
};
pub use stats::{
    CentreLoad, DistanceStats, GroupRow, LevelClasses, LevelRow, Totals, coverage_curve,
    distance_stats, group_rows, level_rows,
};
pub use walk::{NetworkCoverage, network_coverage};
pub use whatif::{MAX_WHATIF_ENTRIES, SwitchSite, WhatIf, WhatIfGroup, WhatIfSite, what_if};

/// How travel cost is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Metric {
    /// Straight line on the local metric plane.
    #[default]
    Euclidean,
    /// Shortest walk along a street network.
    Network,
    /// A cost table supplied by the user.
    Matrix,
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Metric::Euclidean => "euclidean",
            Metric::Network => "network",
            Metric::Matrix => "matrix",
        })
    }
}

/// Coverage of compounds by sites under one metric and budget.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Coverage {
    /// For each compound, the site with the lowest cost (ties: lowest site index), whether
    /// within budget or not; `None` when no site is reachable at all.
    pub nearest: Vec<Option<u32>>,
    /// For each compound, the cost in metres to `nearest` (`f64::INFINITY` when none).
    pub nearest_cost_m: Vec<f64>,
    /// Rows are compounds; each row lists the sites whose budget reaches the compound
    /// (cost `<=` budget), by ascending site index, with the cost.
    pub by_compound: CoverageMatrix,
}

impl Coverage {
    /// Number of compounds.
    pub fn len(&self) -> usize {
        self.nearest.len()
    }

    /// True when there are no compounds.
    pub fn is_empty(&self) -> bool {
        self.nearest.is_empty()
    }

    /// True when at least one site reaches compound `i` within its budget.
    pub fn is_covered(&self, i: usize) -> bool {
        !self.by_compound.row(i).0.is_empty()
    }

    /// How many sites reach compound `i` within their budget.
    pub fn sites_within(&self, i: usize) -> usize {
        self.by_compound.row(i).0.len()
    }

    /// Covered flags for all compounds.
    pub fn covered(&self) -> Vec<bool> {
        (0..self.len()).map(|i| self.is_covered(i)).collect()
    }
}
