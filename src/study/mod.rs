//! The [`Study`]: the layers of one run (compounds, centres, candidates), its local plane and
//! its metric (straight line, street network or cost table), loaded and checked once. Every
//! workflow (coverage, compare, gaps, site) is a method on it; the binary and the Python
//! package are two front ends over this one value.
//!
//! [`StudyArea`] (the plane and the cross-layer checks, `area.rs`) sits low in the pipeline;
//! `Study` itself is the facade on top of it and of the workflows.

mod area;

pub use area::{
    LayerExtent, MAX_LAYER_GAP_M, MAX_SPAN_M, OUTPUT_DECIMALS, StudyArea, check_layers_together,
    round_output,
};

use std::path::PathBuf;

use crate::circle::Circle;
use crate::coverage::{
    Analysis, Comparison, Costs, Scenario, SwitchSite, WhatIf, compare, what_if,
};
use crate::error::Result;
use crate::io::{CostTable, CostUnit, MatrixColumns};
use crate::model::{Centres, Compounds};
use crate::network::StreetNetwork;
use crate::siting::{SiteOptions, SiteRun, run_site};
use crate::warning::Warning;

/// How travel cost is measured, with the file the metric reads.
#[derive(Debug, Clone, Default)]
pub enum MetricSpec {
    /// Straight line on the study plane.
    #[default]
    Euclidean,
    /// Walking along the streets of an `.osm.pbf` extract or a GeoJSON road layer.
    Network {
        /// The street file.
        path: PathBuf,
        /// Split GIS lines where they cross (unless `layer`/`bridge`/`tunnel` say otherwise).
        node_crossings: bool,
        /// Points farther than this from every street are unreachable, metres.
        snap_limit_m: f64,
    },
    /// A cost table (site, compound, cost).
    Matrix {
        /// The CSV file.
        path: PathBuf,
        /// Its column names.
        columns: MatrixColumns,
        /// Its unit (minutes become metres at the circle's speed).
        unit: CostUnit,
    },
}

impl MetricSpec {
    /// The file the metric reads, if any.
    pub fn input(&self) -> Option<&std::path::Path> {
        match self {
            MetricSpec::Euclidean => None,
            MetricSpec::Network { path, .. } | MetricSpec::Matrix { path, .. } => Some(path),
        }
    }
}

/// The layers of a study.
#[derive(Debug, Clone)]
pub struct StudyLayers {
    /// Resident compounds (demand).
    pub compounds: Compounds,
    /// Existing centres (several layers already merged, ids unique).
    pub centres: Centres,
    /// Candidate sites, when the run has a candidates layer.
    pub candidates: Option<Centres>,
}

/// One study: layers, circle, plane and metric, ready for every workflow.
///
/// ```
/// use circleplan::{Circle, MetricSpec, Study, StudyLayers};
/// let (compounds, centres, _) = circleplan::synth::small_city(200, 10, 1);
/// let layers = StudyLayers { compounds, centres, candidates: None };
/// let circle = Circle::from_minutes(15.0, 4.0).unwrap();
/// let mut warnings = Vec::new();
/// let study = Study::new(layers, circle, &MetricSpec::Euclidean, &[], &mut warnings).unwrap();
/// let coverage = study.coverage();
/// assert!(coverage.totals.population_covered <= study.compounds.total_population());
/// ```
#[derive(Debug)]
pub struct Study {
    /// Resident compounds.
    pub compounds: Compounds,
    /// Existing centres.
    pub centres: Centres,
    /// Candidate sites, if any.
    pub candidates: Option<Centres>,
    /// The circle.
    pub circle: Circle,
    /// The plane every layer is measured on (and the output coordinate system).
    pub area: StudyArea,
    network: Option<StreetNetwork>,
    table: Option<CostTable>,
    snap_limit_m: f64,
}

impl Study {
    /// Checks the layers against each other, chooses the plane for all of them (and for
    /// `proposals`, sites a comparison will add) and reads what the metric needs.
    ///
    /// # Errors
    /// Layers more than [`MAX_LAYER_GAP_M`] apart; an unreadable street file or cost table;
    /// compounds that miss the street network.
    pub fn new(
        layers: StudyLayers,
        circle: Circle,
        metric: &MetricSpec,
        proposals: &[&Centres],
        warnings: &mut Vec<Warning>,
    ) -> Result<Study> {
        let StudyLayers {
            compounds,
            centres,
            candidates,
        } = layers;
        let mut sites: Vec<(&'static str, &Centres)> = vec![("centers", &centres)];
        sites.extend(candidates.iter().map(|c| ("candidates", c)));
        sites.extend(proposals.iter().map(|c| ("scenario", *c)));
        let mut extents = vec![LayerExtent {
            name: "compounds",
            path: &compounds.path,
            lonlat: &compounds.lonlat,
        }];
        extents.extend(
            sites
                .iter()
                .filter(|(_, l)| !l.is_empty())
                .map(|(name, l)| LayerExtent {
                    name,
                    path: &l.path,
                    lonlat: &l.lonlat,
                }),
        );
        check_layers_together(&extents)?;
        let plain: Vec<(&str, &[[f64; 2]])> = extents.iter().map(|l| (l.name, l.lonlat)).collect();
        let area = StudyArea::new(&plain, warnings);
        let (mut network, mut table, mut snap_limit_m) = (None, None, 0.0);
        match metric {
            MetricSpec::Euclidean => {}
            MetricSpec::Network {
                path,
                node_crossings,
                snap_limit_m: limit,
            } => {
                let n = StreetNetwork::read(path, &area.plane, *node_crossings)?;
                n.check_overlap(path, &area.project(&compounds.lonlat), *limit)?;
                network = Some(n);
                snap_limit_m = *limit;
            }
            MetricSpec::Matrix {
                path,
                columns,
                unit,
            } => {
                let ids: Vec<&str> = sites
                    .iter()
                    .flat_map(|(_, l)| l.ids.iter().map(String::as_str))
                    .collect();
                let speed = circle.speed_kmh;
                table = Some(CostTable::read(
                    path,
                    columns,
                    *unit,
                    speed,
                    &compounds.ids,
                    &ids,
                )?);
            }
        }
        Ok(Study {
            compounds,
            centres,
            candidates,
            circle,
            area,
            network,
            table,
            snap_limit_m,
        })
    }

    /// The metric as the workflows take it.
    pub fn costs(&self) -> Costs<'_> {
        match (&self.network, &self.table) {
            (Some(network), _) => Costs::Network {
                network,
                snap_limit_m: self.snap_limit_m,
            },
            (_, Some(table)) => Costs::Matrix { table },
            _ => Costs::Euclidean,
        }
    }

    /// The street network and snap limit, under the network metric.
    pub fn network(&self) -> Option<(&StreetNetwork, f64)> {
        self.network.as_ref().map(|n| (n, self.snap_limit_m))
    }

    /// Coverage of the compounds by the existing centres: who lives within the circle.
    pub fn coverage(&self) -> Analysis {
        Analysis::new(
            self.area,
            &self.costs(),
            &self.compounds,
            &self.centres,
            &self.circle,
        )
    }

    /// Each scenario (sites added, centres closed) against `baseline`, this study's
    /// [`Study::coverage`].
    ///
    /// ```
    /// use circleplan::{Circle, MetricSpec, Study, StudyLayers, coverage::Scenario};
    /// let (compounds, centres, candidates) = circleplan::synth::small_city(300, 8, 2);
    /// let layers = StudyLayers { compounds, centres, candidates: None };
    /// let circle = Circle::from_radius(500.0, 4.0).unwrap();
    /// let study = Study::new(layers, circle, &MetricSpec::Euclidean, &[], &mut Vec::new()).unwrap();
    /// let baseline = study.coverage();
    /// let proposal = Scenario { name: "A".into(), added: candidates, closed: vec![0] };
    /// let cmp = study.compare(&baseline, &[proposal]);
    /// let a = &cmp.scenarios[0];
    /// assert_eq!(a.covered_population - a.delta_population, baseline.totals.population_covered);
    /// ```
    pub fn compare(&self, baseline: &Analysis, scenarios: &[Scenario]) -> Comparison {
        compare(
            baseline,
            &self.costs(),
            &self.compounds,
            &self.centres,
            &self.circle,
            scenarios,
        )
    }

    /// What-if data for the report: `sites` to switch on and off over `baseline`.
    pub fn what_if(&self, baseline: &Analysis, sites: &[SwitchSite]) -> WhatIf {
        what_if(baseline, &self.costs(), &self.compounds, sites)
    }

    /// New sites for the compounds `baseline` leaves uncovered (see [`run_site`]).
    ///
    /// # Errors
    /// As [`run_site`].
    pub fn site(&self, baseline: &Analysis, options: SiteOptions) -> Result<SiteRun> {
        run_site(
            baseline,
            &self.costs(),
            &self.compounds,
            &self.centres,
            options,
        )
    }
}
