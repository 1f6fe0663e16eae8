//! The [`Study`]: the layers of one run (compounds, centres, candidates), its local plane and
//! its metric (straight line, street network or cost table), loaded and checked once. Every
//! workflow (coverage, compare, gaps, site) is a method on it; the binary and the Python
//! package are two front ends over this one value.
//!
//! [`StudyArea`] (the plane and the cross-layer checks, `area.rs`) sits low in the pipeline;
//! `Study` itself is the facade on top of it and of the workflows.

mod area;

pub use area::{
    FarPoint, LayerExtent, MAX_LAYER_GAP_M, MAX_SPAN_M, OUTPUT_DECIMALS, StudyArea,
    check_layers_together, far_points, round_output,
};

use std::path::{Path, PathBuf};

use crate::circle::Circle;
use crate::coverage::{
    Analysis, Comparison, Costs, Scenario, SwitchSite, WhatIf, compare, what_if,
};
use crate::crs::{TransverseMercator, transverse_mercator};
use crate::error::{Error, Result};
use crate::gaps::{GapOptions, GapStudy, study_gaps};
use crate::gates::{Access, GateLayer, Gates};
use crate::io::{CostTable, CostUnit, MatrixColumns};
use crate::lifecircle::{
    Added, Facilities, LifeCircle, LifeCircleOptions, LifeCircleScenarioResult, Profile,
    life_circle_changes,
};
use crate::model::{Centres, Compounds};
use crate::network::{StreetLines, StreetNetwork};
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
    /// Walking along street lines already in memory: a GeoJSON FeatureCollection of
    /// LineStrings (a GeoDataFrame's, from the Python package).
    NetworkGeoJson {
        /// Names the layer in messages.
        name: PathBuf,
        /// The FeatureCollection's bytes.
        geojson: std::sync::Arc<Vec<u8>>,
        /// As for [`MetricSpec::Network`].
        node_crossings: bool,
        /// As for [`MetricSpec::Network`], metres.
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
            MetricSpec::Euclidean | MetricSpec::NetworkGeoJson { .. } => None,
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
    /// Typed facilities, for the life circle.
    pub facilities: Option<Facilities>,
    /// Compound gates: walks start at a compound's nearest gate.
    pub gates: Option<GateLayer>,
    /// The street file of [`MetricSpec::Network`] already read ([`StreetLines::read`] on its
    /// path, while the other layers were read); `None` reads it in [`Study::new`].
    pub streets: Option<StreetLines>,
}

impl StudyLayers {
    /// Compounds and centres only.
    pub fn new(compounds: Compounds, centres: Centres) -> StudyLayers {
        StudyLayers {
            compounds,
            centres,
            candidates: None,
            facilities: None,
            gates: None,
            streets: None,
        }
    }
}

/// Sites and facilities that scenarios will add: placed on the plane and looked up in the
/// cost table with the layers, though not part of the baseline.
#[derive(Debug, Clone, Copy, Default)]
pub struct Proposals<'a> {
    /// Centre sites a comparison adds.
    pub sites: &'a [&'a Centres],
    /// Facilities a life-circle scenario adds.
    pub facilities: &'a [&'a Facilities],
}

/// One study: layers, circle, plane and metric, ready for every workflow.
///
/// ```
/// use circleplan::{Circle, MetricSpec, Study, StudyLayers};
/// let (compounds, centres, _) = circleplan::synth::small_city(200, 10, 1);
/// let layers = StudyLayers::new(compounds, centres);
/// let circle = Circle::from_minutes(15.0, 4.0).unwrap();
/// let mut warnings = Vec::new();
/// let study = Study::new(layers, circle, &MetricSpec::Euclidean, Default::default(), &mut warnings)
///     .unwrap();
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
    /// Typed facilities, if any.
    pub facilities: Option<Facilities>,
    /// The circle.
    pub circle: Circle,
    /// The plane every layer is measured on (and the output coordinate system).
    pub area: StudyArea,
    network: Option<StreetNetwork>,
    table: Option<CostTable>,
    snap_limit_m: f64,
    gates: Option<Gates>,
    access: Access,
}

/// Checks the layers (and the proposals) against each other and chooses the plane for all.
fn plane(
    layers: &StudyLayers,
    proposals: Proposals,
    warnings: &mut Vec<Warning>,
) -> Result<StudyArea> {
    let mut extents = vec![LayerExtent {
        name: "compounds",
        path: &layers.compounds.path,
        lonlat: &layers.compounds.lonlat,
    }];
    let sites = [("centers", &layers.centres)]
        .into_iter()
        .chain(layers.candidates.iter().map(|c| ("candidates", c)))
        .chain(proposals.sites.iter().map(|c| ("scenario", *c)));
    for (name, l) in sites.filter(|(_, l)| !l.is_empty()) {
        extents.push(LayerExtent {
            name,
            path: &l.path,
            lonlat: &l.lonlat,
        });
    }
    let facilities = layers.facilities.iter().map(|f| ("facilities", f));
    let facilities = facilities.chain(proposals.facilities.iter().map(|f| ("scenario", *f)));
    for (name, f) in facilities.filter(|(_, f)| !f.is_empty()) {
        extents.push(LayerExtent {
            name,
            path: f.layers.first().map_or(Path::new(""), |l| l.0.as_path()),
            lonlat: &f.lonlat,
        });
    }
    check_layers_together(&extents)?;
    let plain: Vec<(&str, &[[f64; 2]])> = extents.iter().map(|l| (l.name, l.lonlat)).collect();
    let area = StudyArea::new(&plain, warnings);
    Ok(match common_projection(layers, proposals) {
        Some(tm) => area.in_input_metres(tm),
        None => area,
    })
}

/// The transverse Mercator system every point layer came in, when they all share one
/// (facility layers carry no system, so a life-circle study keeps the WGS84 plane).
fn common_projection(layers: &StudyLayers, proposals: Proposals) -> Option<TransverseMercator> {
    if layers.facilities.is_some() {
        return None;
    }
    let sites = [&layers.centres]
        .into_iter()
        .chain(&layers.candidates)
        .chain(proposals.sites.iter().copied())
        .filter(|l| !l.is_empty());
    let mut systems = std::iter::once(&layers.compounds.crs).chain(sites.map(|l| &l.crs));
    let first = systems.next()?.as_deref()?;
    if systems.all(|c| c.as_deref() == Some(first)) {
        transverse_mercator(first)
    } else {
        None
    }
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
        proposals: Proposals,
        warnings: &mut Vec<Warning>,
    ) -> Result<Study> {
        let area = plane(&layers, proposals, warnings)?;
        let StudyLayers {
            compounds,
            centres,
            candidates,
            facilities,
            gates,
            streets,
        } = layers;
        let (mut network, mut table, mut snap_limit_m) = (None, None, 0.0);
        match metric {
            MetricSpec::Euclidean => {}
            MetricSpec::Network {
                path,
                node_crossings,
                snap_limit_m: limit,
            } => {
                let n = match streets.filter(|s| s.path() == path.as_path()) {
                    Some(lines) => {
                        StreetNetwork::from_street_lines(lines, &area.plane, *node_crossings)
                    }
                    None => StreetNetwork::read(path, &area.plane, *node_crossings)?,
                };
                n.check_overlap(path, &area.project(&compounds.lonlat), *limit)?;
                network = Some(n);
                snap_limit_m = *limit;
            }
            MetricSpec::NetworkGeoJson {
                name,
                geojson,
                node_crossings,
                snap_limit_m: limit,
            } => {
                let n = StreetNetwork::parse_geojson(name, geojson, &area.plane, *node_crossings)?;
                n.check_overlap(name, &area.project(&compounds.lonlat), *limit)?;
                network = Some(n);
                snap_limit_m = *limit;
            }
            MetricSpec::Matrix {
                path,
                columns,
                unit,
            } => {
                let mut ids: Vec<&str> = Vec::new();
                let site_layers = [&centres].into_iter().chain(&candidates);
                for l in site_layers.chain(proposals.sites.iter().copied()) {
                    ids.extend(l.ids.iter().map(String::as_str));
                }
                // Pairs for facilities left out of the profile are accepted and ignored.
                for f in facilities
                    .iter()
                    .chain(proposals.facilities.iter().copied())
                {
                    ids.extend(f.ids.iter().chain(&f.left_out_ids).map(String::as_str));
                }
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
        if let (Some(layer), Some(_)) = (&gates, &table) {
            return Err(Error::Format {
                path: layer.path.clone(),
                message: "gates need --metric euclidean or network: a cost table already \
                          holds each compound's costs"
                    .into(),
            });
        }
        let on_foot = network.as_ref().map(|n| (n, snap_limit_m));
        let (gates, access) = match table {
            Some(_) => (None, Access::Point),
            None => access_points(gates.as_ref(), &compounds, &area, on_foot, warnings)?,
        };
        Ok(Study {
            compounds,
            centres,
            candidates,
            facilities,
            circle,
            area,
            network,
            table,
            snap_limit_m,
            gates,
            access,
        })
    }

    /// How walks to and from compounds start: `gates` with a gate layer, `outline` for
    /// polygon compounds, else `point`.
    pub fn access(&self) -> Access {
        self.access
    }

    /// The metric as the workflows take it.
    pub fn costs(&self) -> Costs<'_> {
        if let Some(gates) = &self.gates {
            return Costs::Gated {
                gates,
                network: self.network.as_ref(),
                snap_limit_m: self.snap_limit_m,
            };
        }
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
    /// let layers = StudyLayers::new(compounds, centres);
    /// let circle = Circle::from_radius(500.0, 4.0).unwrap();
    /// let study =
    ///     Study::new(layers, circle, &MetricSpec::Euclidean, Default::default(), &mut Vec::new())
    ///         .unwrap();
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

    /// The life circle of the compounds against this study's facilities under `profile`
    /// (no facilities: none is within reach).
    pub fn lifecircle(&self, profile: &Profile, options: LifeCircleOptions) -> LifeCircle {
        let empty = Facilities::default();
        let facilities = self.facilities.as_ref().unwrap_or(&empty);
        self.lifecircle_with(facilities, profile, options)
    }

    /// The life circle against `facilities` (e.g. this study's plus a scenario's).
    pub fn lifecircle_with(
        &self,
        facilities: &Facilities,
        profile: &Profile,
        options: LifeCircleOptions,
    ) -> LifeCircle {
        let costs = self.costs();
        LifeCircle::new(
            self.area,
            &costs,
            &self.compounds,
            facilities,
            profile,
            options,
        )
    }

    /// A life-circle scenario: `with_added` is this study's facilities plus the scenario's,
    /// `added` the indices of the scenario's among them; `base` is [`Study::lifecircle`].
    pub fn lifecircle_scenario(
        &self,
        name: &str,
        base: &LifeCircle,
        (with_added, added): (&Facilities, &[usize]),
        profile: &Profile,
        options: LifeCircleOptions,
    ) -> LifeCircleScenarioResult {
        let after = self.lifecircle_with(with_added, profile, options);
        let ids: Vec<String> = added.iter().map(|&f| with_added.ids[f].clone()).collect();
        let types: Vec<u32> = added.iter().map(|&f| with_added.type_of[f]).collect();
        let xy = self.area.project(
            &added
                .iter()
                .map(|&f| with_added.lonlat[f])
                .collect::<Vec<_>>(),
        );
        let budget: Vec<f64> = types
            .iter()
            .map(|&t| profile.types[t as usize].max_distance_m + crate::circle::COVER_TOLERANCE_M)
            .collect();
        let compounds_xy = self.area.project(&self.compounds.lonlat);
        let reach = self.costs().site_reach(&compounds_xy, &xy, &ids, &budget);
        let added = Added {
            ids: &ids,
            types: &types,
            reach: &reach,
        };
        let pop = &self.compounds.population;
        life_circle_changes(name, base, &after, profile, pop, added)
    }

    /// What-if data for the report: `sites` to switch on and off over `baseline`.
    ///
    /// ```
    /// use circleplan::coverage::SwitchSite;
    /// use circleplan::{Circle, MetricSpec, Study, StudyLayers};
    /// let (compounds, centres, candidates) = circleplan::synth::small_city(300, 8, 5);
    /// let circle = Circle::from_radius(600.0, 4.0).unwrap();
    /// let study = Study::new(StudyLayers::new(compounds, centres), circle, &MetricSpec::Euclidean,
    ///     Default::default(), &mut Vec::new()).unwrap();
    /// let baseline = study.coverage();
    /// let sites: Vec<SwitchSite> = (0..candidates.len())
    ///     .map(|i| SwitchSite { id: candidates.ids[i].clone(), lonlat: candidates.lonlat[i],
    ///         budget_m: 600.0, existing: None, on: false, kind: "candidate" })
    ///     .collect();
    /// let w = study.what_if(&baseline, &sites);
    /// let off = vec![false; w.sites.len()];
    /// assert!((w.covered_population(&off) - baseline.totals.population_covered).abs() < 1e-6);
    /// ```
    pub fn what_if(&self, baseline: &Analysis, sites: &[SwitchSite]) -> WhatIf {
        what_if(baseline, &self.costs(), &self.compounds, sites)
    }

    /// The gap zones of `baseline` (this study's [`Study::coverage`]) with each zone's best
    /// new site, chosen among the uncovered compounds' own locations (when
    /// `sites_at_uncovered_compounds`) and this study's candidates.
    ///
    /// ```
    /// use circleplan::{Circle, MetricSpec, Study, StudyLayers};
    /// let (compounds, centres, _) = circleplan::synth::small_city(300, 6, 3);
    /// let circle = Circle::from_radius(500.0, 4.0).unwrap();
    /// let layers = StudyLayers::new(compounds, centres);
    /// let study =
    ///     Study::new(layers, circle, &MetricSpec::Euclidean, Default::default(), &mut Vec::new())
    ///         .unwrap();
    /// let baseline = study.coverage();
    /// let gaps = study.gaps(&baseline, true);
    /// let uncovered: f64 = gaps.zones.iter().map(|z| z.population).sum();
    /// let t = &baseline.totals;
    /// assert!((uncovered - (t.population_total - t.population_covered)).abs() < 1e-6);
    /// ```
    pub fn gaps(&self, baseline: &Analysis, sites_at_uncovered_compounds: bool) -> GapStudy {
        let options = GapOptions {
            sites_at_uncovered_compounds,
            candidates: self.candidates.as_ref(),
        };
        let radius_m = self.circle.radius_m;
        study_gaps(baseline, &self.costs(), &self.compounds, radius_m, options)
    }

    /// New sites for the compounds `baseline` leaves uncovered (see [`run_site`]).
    ///
    /// ```
    /// use circleplan::siting::{CandidateSource, FixedSites, Goal, SiteOptions};
    /// use circleplan::{Circle, MetricSpec, Study, StudyLayers};
    /// let (compounds, centres, candidates) = circleplan::synth::small_city(400, 10, 4);
    /// let circle = Circle::from_radius(600.0, 4.0).unwrap();
    /// let layers = StudyLayers { candidates: Some(candidates), ..StudyLayers::new(compounds, centres) };
    /// let study =
    ///     Study::new(layers, circle, &MetricSpec::Euclidean, Default::default(), &mut Vec::new())
    ///         .unwrap();
    /// let baseline = study.coverage();
    /// let keep = FixedSites { require: vec![study.candidates.as_ref().unwrap().ids[0].clone()], exclude: vec![] };
    /// let options = SiteOptions {
    ///     goal: Goal::Add(3),
    ///     time_limit: std::time::Duration::from_secs(10),
    ///     candidates: CandidateSource::Layer(study.candidates.as_ref().unwrap()),
    ///     radius_m: 600.0,
    ///     capacity: None,
    ///     fixed: Some(&keep),
    ///     distance: None,
    /// };
    /// let run = study.site(&baseline, options).unwrap();
    /// assert!(run.plan.optimal && run.plan.sites[0].candidate == 0);
    /// ```
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

/// Most gates a message lists by name.
const GATE_EXAMPLES: usize = 3;

/// The gates of `layer` on the plane, by compound: gates naming no compound and (on foot)
/// gates beyond the snap limit are left out with a warning; a layer none of whose gates
/// names a compound is an error.
fn place_gates(
    layer: &GateLayer,
    compounds: &Compounds,
    area: &StudyArea,
    on_foot: Option<(&StreetNetwork, f64)>,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Vec<[f64; 2]>>> {
    let index: std::collections::HashMap<&str, usize> =
        compounds.ids.iter().map(String::as_str).zip(0..).collect();
    let xy = area.project(&layer.lonlat);
    let snapped = on_foot.map(|(net, limit)| net.snap(&xy, limit));
    let mut gates_of: Vec<Vec<[f64; 2]>> = vec![Vec::new(); compounds.len()];
    let (mut unmatched, mut far) = (Vec::new(), Vec::new());
    for (g, id) in layer.compound_ids.iter().enumerate() {
        match index.get(id.as_str()) {
            None => unmatched.push(g),
            Some(_) if snapped.as_ref().is_some_and(|s| s[g].is_none()) => far.push(g),
            Some(&i) => gates_of[i].push(xy[g]),
        }
    }
    if unmatched.len() == layer.compound_ids.len() {
        return Err(Error::Format {
            path: layer.path.clone(),
            message: format!(
                "none of the {} gates names a compound of {} (e.g. {} names {:?})",
                layer.compound_ids.len(),
                compounds.path.display(),
                layer.labels.first().map_or("", String::as_str),
                layer.compound_ids.first().map_or("", String::as_str),
            ),
        });
    }
    let mut left_out = |list: Vec<usize>, why: String| {
        if list.is_empty() {
            return;
        }
        let examples: Vec<String> = (list.iter().take(GATE_EXAMPLES))
            .map(|&g| format!("{} names {:?}", layer.labels[g], layer.compound_ids[g]))
            .collect();
        warnings.push(Warning::GatesLeftOut {
            path: layer.path.clone(),
            why,
            count: list.len(),
            examples: examples.join(", "),
        });
    };
    left_out(unmatched, "name no compound".into());
    if let Some((_, limit)) = on_foot {
        left_out(far, format!("lie more than {limit} m from every street"));
    }
    Ok(gates_of)
}

/// Where each compound is entered: the gates of `layer`; else, for a polygon compound, its
/// outline (on foot: the polygon's point nearest the streets, snapped like a gate; straight:
/// the distance from the polygon, 0 inside); else its point. `None` when every compound is
/// measured from its point.
fn access_points(
    layer: Option<&GateLayer>,
    compounds: &Compounds,
    area: &StudyArea,
    on_foot: Option<(&StreetNetwork, f64)>,
    warnings: &mut Vec<Warning>,
) -> Result<(Option<Gates>, Access)> {
    // Point compounds and no gates (most runs): nothing to place, no second projection.
    if layer.is_none() && compounds.outlines.is_empty() {
        return Ok((None, Access::Point));
    }
    let mut gates_of = match layer {
        Some(layer) => place_gates(layer, compounds, area, on_foot, warnings)?,
        None => vec![Vec::new(); compounds.len()],
    };
    let outlines = plane_outlines(compounds, area, &gates_of);
    let any_outline = outlines.iter().any(Option::is_some);
    let compounds_xy = area.project(&compounds.lonlat);
    let gates = match on_foot {
        Some((net, limit)) => {
            for (i, outline) in outlines.into_iter().enumerate() {
                if let Some(p) = outline.and_then(|o| net.outline_access(&o, limit)) {
                    gates_of[i].push(p);
                }
            }
            Gates::new(&compounds_xy, gates_of)
        }
        None => Gates::new(&compounds_xy, gates_of).with_outlines(&compounds_xy, outlines),
    };
    let access = match (layer, any_outline) {
        (Some(_), _) => Access::Gates,
        (None, true) => Access::Outline,
        (None, false) => Access::Point,
    };
    Ok(((!gates.is_empty()).then_some(gates), access))
}

/// Each gateless polygon compound's outline on the plane.
fn plane_outlines(
    compounds: &Compounds,
    area: &StudyArea,
    gates_of: &[Vec<[f64; 2]>],
) -> Vec<Option<geo::MultiPolygon<f64>>> {
    use geo::MapCoords;
    use rayon::prelude::*;
    if compounds.outlines.is_empty() {
        return vec![None; compounds.len()];
    }
    (compounds.outlines.par_iter().zip(gates_of))
        .map(|(outline, gates)| {
            (gates.is_empty() && !outline.0.is_empty()).then(|| {
                outline.map_coords(|c| {
                    let [x, y] = area.plane.project(c.x, c.y);
                    geo::Coord { x, y }
                })
            })
        })
        .collect()
}
