//! `summary.json`: the machine-readable record of a run (inputs, circle, totals, tables per
//! group and level, warnings, and each command's own sections). Keys are a contract for
//! scripts: add, never rename. The types below are that contract; fields serialise in
//! declaration order, and an optional section is left out when a run has none.

use crate::Warning;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::lifecircle::LifeCircleReport;
use super::plans::{SiteList, site_note, zone_id};
use crate::capacity::Capacitated;
use crate::circle::Circle;
use crate::coverage::{Analysis, DetourStats, GroupRow, LevelRow, NetworkStats, Totals};
use crate::gaps::GapStudy;
use crate::lifecircle::{self, Share, TypeRow};
use crate::model::Compounds;
use crate::siting::{Goal, SitePlan};
use crate::study::StudyArea;

/// What was read from one input layer.
#[derive(Debug, Clone, Serialize)]
pub struct LayerInfo {
    /// The path as given.
    pub path: String,
    /// Features read.
    pub features: usize,
    /// Coordinate system declared for the layer (`wgs84`, `gcj02`, `bd09`).
    pub coords: String,
    /// Projected CRS when given (`EPSG:4547`, ...).
    pub crs: Option<String>,
    /// Polygons reduced to an interior point.
    pub polygons: usize,
    /// The text encoding a CSV layer was read in (`utf-8`, `gbk`, `utf-16le`, `utf-16be`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
}

/// Facts about the run that are not results: inputs, warnings, timings.
#[derive(Debug, Clone, Default)]
pub struct RunInfo {
    /// Input layers by role (`compounds`, `centers`, ...), in order.
    pub inputs: Vec<(String, LayerInfo)>,
    /// Warnings gathered while reading and computing.
    pub warnings: Vec<Warning>,
    /// Step timings in milliseconds, only when asked for (they make output non-repeatable).
    pub timings_ms: Option<Vec<(String, f64)>>,
    /// Points left out of their layer for lying far from the rest of it.
    pub dropped: Vec<crate::study::FarPoint>,
    /// The run's date (`YYYY-MM-DD`) for the workbook's cover sheet; the binary passes it
    /// in (the library reads no clock), `None` leaves it out.
    pub date: Option<String>,
    /// How walks to and from compounds started (`gates`, `point`), when the run says.
    pub access: Option<&'static str>,
    /// The areas of `--boundaries`, which the report's map draws with their names.
    pub boundaries: Option<std::sync::Arc<crate::Boundaries>>,
}

impl RunInfo {
    /// The points of one layer that lie far from the rest of it: an error naming the first
    /// ([`Error::FarPoints`](crate::Error::FarPoints)), or with `drop` the indices to leave
    /// out, listed in the warnings and in `dropped`.
    ///
    /// # Errors
    /// Far points without `drop`.
    pub fn far_points(
        &mut self,
        layer: &'static str,
        path: &std::path::Path,
        ids: &[String],
        lonlat: &[[f64; 2]],
        drop: bool,
    ) -> crate::Result<Vec<usize>> {
        let far = crate::far_points(layer, path, ids, lonlat);
        if far.is_empty() {
            return Ok(Vec::new());
        }
        if !drop {
            return Err(crate::Error::far_points(&far));
        }
        const LISTED: usize = 5;
        let mut listed: Vec<String> = far
            .iter()
            .take(LISTED)
            .map(|p| format!("id {:?} at ({}, {})", p.id, p.lon, p.lat))
            .collect();
        if far.len() > LISTED {
            listed.push(format!(
                "{} more in summary.json \"dropped\"",
                far.len() - LISTED
            ));
        }
        self.warnings.push(Warning::FarPointsDropped {
            path: path.to_path_buf(),
            layer: layer.to_string(),
            listed: listed.join(", "),
            count: far.len(),
        });
        let indices = far.iter().map(|p| p.index).collect();
        self.dropped.extend(far);
        Ok(indices)
    }
}

/// `x` rounded to `digits` decimals.
pub(super) fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

/// Writes `(key, value)` pairs as a JSON object in their order.
pub(super) fn pairs_as_map<S: Serializer, K: Serialize, V: Serialize>(
    pairs: &[(K, V)],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_map(pairs.iter().map(|(k, v)| (k, v)))
}

/// `inputs`: one [`LayerInfo`] per role, then `population_source`.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// Layers by role (`compounds`, `centers`, ...), in order.
    pub layers: Vec<(String, LayerInfo)>,
    /// Where population came from (`population`, `households × 2.8`, ...).
    pub population_source: String,
}

impl Inputs {
    fn new(run: &RunInfo, compounds: &Compounds) -> Self {
        Inputs {
            layers: run.inputs.clone(),
            population_source: compounds.population_source.clone(),
        }
    }
}

impl Serialize for Inputs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.layers.len() + 1))?;
        for (role, info) in &self.layers {
            map.serialize_entry(role, info)?;
        }
        map.serialize_entry("population_source", &self.population_source)?;
        map.end()
    }
}

/// `timings_ms`: step timings in milliseconds, one decimal.
#[derive(Debug, Clone)]
pub struct Timings(pub Vec<(String, f64)>);

impl Serialize for Timings {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, ms)| (k, round(*ms, 1))))
    }
}

/// `summary.json` of `coverage`, `gaps`, `site` and `demo`: the coverage of the existing
/// centres, then the sections of the command that wrote it.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The version of circleplan that wrote it (also marks a folder as a circleplan run).
    pub circleplan_version: &'static str,
    /// The input layers.
    pub inputs: Inputs,
    /// The travel budget.
    pub circle: CircleSummary,
    /// The metric plane distances were measured on.
    pub plane: String,
    /// The coordinate system of written coordinates.
    pub output_coords: String,
    /// Compounds covered.
    pub compounds: CompoundCounts,
    /// Residents covered.
    pub population: PopulationCounts,
    /// Centres serving someone.
    pub centers: CentreCounts,
    /// Distance to the nearest centre (`null` when nobody reaches one).
    pub distance_m: Option<DistanceSummary>,
    /// Share covered at each curve budget.
    pub coverage_curve: Vec<CurvePoint>,
    /// One table per `--group-by` field, by field name.
    #[serde(serialize_with = "pairs_as_map")]
    pub groups: Vec<(String, Vec<GroupRow>)>,
    /// One row per centre level.
    pub levels: Vec<LevelRow>,
    /// Warnings gathered while reading and computing.
    pub warnings: Vec<Warning>,
    /// Points left out of their layer for lying far from the rest of it (`--drop-far`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<crate::study::FarPoint>,
    /// Where walks to and from compounds start: `gates` (a compound's nearest gate) or
    /// `point` (its point).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access: Option<&'static str>,
    /// The street network (walking metric only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkStats>,
    /// Walk against straight line (walking metric only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detour: Option<DetourSummary>,
    /// The same circle as the crow flies (walking metric only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub straight: Option<StraightSummary>,
    /// Step timings, only when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timings_ms: Option<Timings>,
    /// Capacities and the assignment (`coverage --capacitated`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity: Option<CapacitySummary>,
    /// The same circle measured on foot (`demo`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub walk: Option<WalkSummary>,
    /// Gap zones (`gaps`, `demo`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gaps: Option<GapsSummary>,
    /// The new sites (`site`, `demo`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<SiteSummary>,
    /// The plan's main keys again at the top level (`site`).
    #[serde(flatten)]
    pub plan: Option<PlanKeys>,
    /// Scenarios against the baseline (`compare`, `demo`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenarios: Option<Vec<super::compare::ScenarioSummary>>,
}

/// `circle`: the travel budget.
#[derive(Debug, Clone, Serialize)]
pub struct CircleSummary {
    /// Minutes (4 decimals).
    pub minutes: f64,
    /// Walking speed, km/h.
    pub speed_kmh: f64,
    /// Radius in metres (4 decimals).
    pub radius_m: f64,
    /// `euclidean`, `network` or `matrix`.
    pub metric: String,
    /// The standard whose preset radius was used.
    pub standard: Option<String>,
    /// Radius per centre level, metres.
    #[serde(serialize_with = "pairs_as_map")]
    pub level_radius_m: Vec<(String, f64)>,
}

/// `compounds`: counts of compounds.
#[derive(Debug, Clone, Serialize)]
pub struct CompoundCounts {
    /// All compounds.
    pub total: usize,
    /// Within the budget of some centre.
    pub covered: usize,
    /// Not covered.
    pub uncovered: usize,
    /// Not reachable at all (walking: beyond the snap limit or on an isolated street).
    pub unreachable: usize,
    /// Covered share of compounds.
    pub share: f64,
}

/// `population`: residents.
#[derive(Debug, Clone, Serialize)]
pub struct PopulationCounts {
    /// All residents.
    pub total: f64,
    /// Within the budget of some centre.
    pub covered: f64,
    /// Not covered.
    pub uncovered: f64,
    /// Covered share of residents.
    pub share: f64,
    /// Residents served under capacities (`--capacitated`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub served: Option<f64>,
    /// Served share of residents (`--capacitated`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub served_share: Option<f64>,
}

/// `centers`: existing centres.
#[derive(Debug, Clone, Serialize)]
pub struct CentreCounts {
    /// All centres.
    pub total: usize,
    /// Centres with at least one compound within budget.
    pub serving: usize,
    /// Centres with none.
    pub idle: usize,
}

/// `distance_m`: distance to the nearest centre, metres (2 decimals).
#[derive(Debug, Clone, Serialize)]
pub struct DistanceSummary {
    /// Mean over compounds.
    pub mean: f64,
    /// Median over compounds.
    pub median: f64,
    /// 90th percentile over compounds.
    pub p90: f64,
    /// Largest.
    pub max: f64,
    /// Mean weighted by population.
    pub population_mean: f64,
}

/// One point of `coverage_curve`.
#[derive(Debug, Clone, Serialize)]
pub struct CurvePoint {
    /// The budget in minutes.
    pub minutes: f64,
    /// The budget in metres (4 decimals).
    pub radius_m: f64,
    /// Share of residents covered.
    pub share: f64,
}

/// `detour`: the walk against the straight line.
#[derive(Debug, Clone, Serialize)]
pub struct DetourSummary {
    /// Compounds with both distances.
    pub compounds_compared: usize,
    /// Median walk / straight-line ratio (4 decimals).
    pub median_ratio: Option<f64>,
    /// 90th percentile ratio (4 decimals).
    pub p90_ratio: Option<f64>,
    /// Compounds inside a circle but beyond the budget on foot.
    pub covered_straight_not_walk: usize,
}

impl DetourSummary {
    fn new(d: &DetourStats) -> Self {
        DetourSummary {
            compounds_compared: d.compounds_compared,
            median_ratio: d.median_ratio.map(|r| round(r, 4)),
            p90_ratio: d.p90_ratio.map(|r| round(r, 4)),
            covered_straight_not_walk: d.covered_straight_not_walk,
        }
    }
}

/// `capacity`: centres with capacities (`coverage --capacitated`).
#[derive(Debug, Clone, Serialize)]
pub struct CapacitySummary {
    /// Sum of capacities, residents.
    pub total: f64,
    /// Residents assigned.
    pub assigned: f64,
    /// Centres at capacity.
    pub centers_full: usize,
    /// Centres with more residents within reach than capacity.
    pub centers_over_subscribed: usize,
    /// Residents within reach of a centre but not served.
    pub covered_not_served: f64,
}

/// `walk`: the same circle measured along the streets (`demo`).
#[derive(Debug, Clone, Serialize)]
pub struct WalkSummary {
    /// Always `network`.
    pub metric: &'static str,
    /// Compounds covered on foot.
    pub compounds: CompoundCounts,
    /// Residents covered on foot.
    pub population: PopulationCounts,
    /// The walk against the straight line.
    pub detour: Option<DetourSummary>,
    /// The street network.
    pub network: Option<NetworkStats>,
}

impl WalkSummary {
    /// The walking figures of `walk`, an analysis with the network metric.
    pub fn new(walk: &Analysis) -> Self {
        WalkSummary {
            metric: "network",
            compounds: compound_counts(&walk.totals),
            population: population_counts(&walk.totals),
            detour: walk.detour.as_ref().map(DetourSummary::new),
            network: walk.network,
        }
    }
}

/// `straight`: the same circle measured as the crow flies, beside a walking run's figures
/// (`coverage --metric network`).
#[derive(Debug, Clone, Serialize)]
pub struct StraightSummary {
    /// Always `euclidean`.
    pub metric: &'static str,
    /// Compounds within a straight-line circle.
    pub compounds: CompoundCounts,
    /// Residents within a straight-line circle.
    pub population: PopulationCounts,
}

impl StraightSummary {
    /// The straight-line figures of `walk`, an analysis with the network metric (`None`
    /// under any other metric).
    pub fn of(walk: &Analysis) -> Option<Self> {
        walk.straight.as_ref().map(|t| StraightSummary {
            metric: "euclidean",
            compounds: compound_counts(t),
            population: population_counts(t),
        })
    }
}

/// `gaps`: the zones of uncovered compounds.
#[derive(Debug, Clone, Serialize)]
pub struct GapsSummary {
    /// Number of zones.
    pub zones: usize,
    /// Compounds this close to each other share a zone, metres.
    pub link_m: f64,
    /// Compounds in a zone.
    pub uncovered_compounds: usize,
    /// Their residents.
    pub uncovered_population: f64,
    /// The zones, most populous first.
    pub list: Vec<GapZoneSummary>,
}

/// One zone of `gaps.list`.
#[derive(Debug, Clone, Serialize)]
pub struct GapZoneSummary {
    /// `Z001`, `Z002`, …
    pub zone: String,
    /// Residents.
    pub population: f64,
    /// Compounds.
    pub compounds: usize,
    /// Id of its first compound.
    pub first_compound: String,
    /// The site covering most of it (`null` when none reaches it).
    pub best_site: Option<String>,
    /// Residents of the zone that site covers.
    pub best_site_population: Option<f64>,
}

impl GapsSummary {
    /// The `gaps` section of `study`.
    pub fn new(study: &GapStudy, compounds: &Compounds) -> Self {
        let zones = &study.zones;
        let sites = study.sites();
        GapsSummary {
            zones: zones.len(),
            link_m: study.link_m,
            uncovered_compounds: zones.iter().map(|z| z.compounds.len()).sum(),
            uncovered_population: zones.iter().map(|z| z.population).sum(),
            list: zones
                .iter()
                .enumerate()
                .map(|(z, zone)| GapZoneSummary {
                    zone: zone_id(z),
                    population: zone.population,
                    compounds: zone.compounds.len(),
                    first_compound: compounds.ids[zone.compounds[0] as usize].clone(),
                    best_site: zone.best_site.map(|(s, _)| sites.ids[s as usize].clone()),
                    best_site_population: zone.best_site.map(|(_, p)| p),
                })
                .collect(),
        }
    }
}

/// `site`: what was asked (`goal`, `add`, `target`, candidates, time limit), the plan's
/// objective, bound and proof (`optimal`: the covered population is the most the chosen count
/// can reach; `count_optimal`: under a target, the count is proven the fewest, `null` for
/// add-K; `count_lower_bound`: under a target, no fewer sites can reach it), the chosen
/// `sites` and the `uncoverable` compounds.
#[derive(Debug, Clone, Serialize)]
pub struct SiteSummary {
    /// `add` or `target`.
    pub goal: &'static str,
    /// K of `--add K`.
    pub add: Option<usize>,
    /// The share of `--target`.
    pub target: Option<f64>,
    /// Whether the target share was reached (always true for add-K).
    pub target_reached: bool,
    /// Where the candidates came from and how many there were.
    pub candidates: CandidatesSummary,
    /// The solver's time limit, seconds.
    pub time_limit_s: f64,
    /// Residents covered after the new sites.
    pub objective: f64,
    /// Residents the new sites add.
    pub added_population: f64,
    /// Residents covered before.
    pub existing_population: f64,
    /// Covered share after.
    pub share: f64,
    /// Proven upper bound on the objective.
    pub upper_bound: f64,
    /// Relative gap between objective and bound.
    pub gap: f64,
    /// The objective is proven optimal.
    pub optimal: bool,
    /// How the search ended: `proven`, `time_limit`, `node_limit` or `bound_not_closed`.
    pub status: &'static str,
    /// Target: the count is proven the fewest; `null` for add-K.
    pub count_optimal: Option<bool>,
    /// Target: no fewer sites can reach it (certified); `null` for add-K.
    pub count_lower_bound: Option<usize>,
    /// Why the plan is smaller than asked, when it is.
    pub note: Option<String>,
    /// The greedy plan's objective.
    pub greedy_objective: f64,
    /// The largest share any choice of candidates reaches.
    pub reachable_share: f64,
    /// The chosen sites in rank order.
    pub sites: Vec<SiteEntry>,
    /// Ids of compounds no candidate reaches.
    pub uncoverable: Vec<String>,
    /// Ids of the sites every plan had to contain (`--require`), first in `sites`.
    pub required: Vec<String>,
    /// Ids of the candidates no plan could use (`--exclude`).
    pub excluded: Vec<String>,
    /// What was optimised: `coverage`, `distance` (p-median) or `max_distance` (p-center);
    /// `optimal`, `gap` and `status` refer to it.
    pub objective_kind: &'static str,
    /// Distance objectives: the population-weighted mean walk after, metres (capped).
    pub mean_distance_m: Option<f64>,
    /// Distance objectives: the longest walk of a compound with residents after, metres.
    pub max_distance_m: Option<f64>,
    /// Distance objectives: the same mean before any new site.
    pub mean_distance_before_m: Option<f64>,
    /// Distance objectives: the same longest walk before any new site.
    pub max_distance_before_m: Option<f64>,
    /// Distance objectives: no choice of as many sites does better (certified), metres.
    pub distance_lower_bound_m: Option<f64>,
    /// Distance objectives: walks beyond this, and compounds no centre reaches within it,
    /// count at it (metres).
    pub distance_cap_m: Option<f64>,
}

/// `site.candidates`.
#[derive(Debug, Clone, Serialize)]
pub struct CandidatesSummary {
    /// A file name or `auto`.
    pub source: String,
    /// Candidate sites considered.
    pub count: usize,
}

/// One chosen site of `site.sites`.
#[derive(Debug, Clone, Serialize)]
pub struct SiteEntry {
    /// Candidate id.
    pub id: String,
    /// 1 for the first chosen.
    pub rank: usize,
    /// Residents it adds.
    pub gain_population: f64,
    /// Residents added by it and the sites ranked before it.
    pub cumulative_population: f64,
    /// Covered share once it is open.
    pub cumulative_share: f64,
    /// Longitude in the output coordinate system.
    pub lon: f64,
    /// Latitude in the output coordinate system.
    pub lat: f64,
    /// Required by `--require` (land already secured).
    pub required: bool,
}

/// What a site plan was chosen from and under which limit.
#[derive(Debug, Clone, Copy)]
pub struct SiteContext<'a> {
    /// The candidates the plan indexes.
    pub candidates: SiteList<'a>,
    /// A file name or `auto`.
    pub source: &'a str,
    /// The compounds (for the `uncoverable` ids).
    pub compounds: &'a Compounds,
    /// The solver's time limit, seconds.
    pub time_limit_s: f64,
    /// The output coordinate system.
    pub study: &'a StudyArea,
}

impl SiteSummary {
    /// The `site` section of `plan`.
    pub fn new(plan: &SitePlan, ctx: SiteContext) -> Self {
        let (goal, add, target) = match plan.goal {
            Goal::Add(k) => ("add", Some(k), None),
            Goal::Target(t) => ("target", None, Some(t)),
        };
        let ids = ctx.candidates.ids;
        let lonlat = |c: u32| ctx.study.output_lonlat(ctx.candidates.lonlat[c as usize]);
        SiteSummary {
            goal,
            add,
            target,
            target_reached: plan.target_reached,
            candidates: CandidatesSummary {
                source: ctx.source.to_string(),
                count: ids.len(),
            },
            time_limit_s: ctx.time_limit_s,
            objective: plan.objective,
            added_population: plan.added_population,
            existing_population: plan.existing_population,
            share: if plan.total_population > 0.0 {
                plan.objective / plan.total_population
            } else {
                0.0
            },
            upper_bound: plan.upper_bound,
            gap: plan.gap,
            optimal: plan.optimal,
            status: plan.status.as_str(),
            count_optimal: plan.count_optimal,
            count_lower_bound: plan.count_lower_bound,
            note: site_note(plan),
            greedy_objective: plan.greedy_objective,
            reachable_share: plan.reachable_share,
            sites: plan
                .sites
                .iter()
                .map(|s| SiteEntry {
                    id: ids[s.candidate as usize].clone(),
                    rank: s.rank,
                    gain_population: s.gain_population,
                    cumulative_population: s.cumulative_population,
                    cumulative_share: s.cumulative_share,
                    lon: lonlat(s.candidate)[0],
                    lat: lonlat(s.candidate)[1],
                    required: plan.required.contains(&s.candidate),
                })
                .collect(),
            uncoverable: plan
                .uncoverable
                .iter()
                .map(|&i| ctx.compounds.ids[i as usize].clone())
                .collect(),
            required: plan
                .required
                .iter()
                .map(|&c| ids[c as usize].clone())
                .collect(),
            excluded: Vec::new(),
            objective_kind: "coverage",
            mean_distance_m: None,
            max_distance_m: None,
            mean_distance_before_m: None,
            max_distance_before_m: None,
            distance_lower_bound_m: None,
            distance_cap_m: None,
        }
    }

    /// Fills in a distance objective's figures; `optimal`, `gap` and `status` become its.
    pub fn set_distance(&mut self, d: &crate::siting::DistancePlan) {
        use crate::siting::DistanceKind;
        self.objective_kind = match d.kind {
            DistanceKind::Mean => "distance",
            DistanceKind::Max => "max_distance",
        };
        self.mean_distance_m = Some(d.mean_distance_m);
        self.max_distance_m = Some(d.max_distance_m);
        self.mean_distance_before_m = Some(d.mean_before_m);
        self.max_distance_before_m = Some(d.max_before_m);
        self.distance_lower_bound_m = Some(d.lower_bound_m);
        self.distance_cap_m = Some(d.cap_m);
        self.optimal = d.optimal;
        self.gap = d.gap;
        self.status = d.status.as_str();
    }
}

/// A `site` run repeats the plan's main keys at the top level of `summary.json`: these,
/// serialised from the [`SiteSummary`] they copy.
#[derive(Debug, Clone)]
pub struct PlanKeys(pub SiteSummary);

impl Serialize for PlanKeys {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = &self.0;
        let mut map = s.serialize_map(Some(8))?;
        map.serialize_entry("objective", &p.objective)?;
        map.serialize_entry("added_population", &p.added_population)?;
        map.serialize_entry("upper_bound", &p.upper_bound)?;
        map.serialize_entry("gap", &p.gap)?;
        map.serialize_entry("optimal", &p.optimal)?;
        map.serialize_entry("count_optimal", &p.count_optimal)?;
        map.serialize_entry("sites", &p.sites)?;
        map.serialize_entry("uncoverable", &p.uncoverable)?;
        map.end()
    }
}

fn compound_counts(t: &Totals) -> CompoundCounts {
    CompoundCounts {
        total: t.compounds_total,
        covered: t.compounds_covered,
        uncovered: t.compounds_total - t.compounds_covered,
        unreachable: t.compounds_unreachable,
        share: t.compound_share(),
    }
}

fn population_counts(t: &Totals) -> PopulationCounts {
    PopulationCounts {
        total: t.population_total,
        covered: t.population_covered,
        uncovered: t.population_total - t.population_covered,
        share: t.population_share(),
        served: None,
        served_share: None,
    }
}

impl Summary {
    /// The summary of a coverage analysis; the commands' own sections are empty.
    pub fn new(analysis: &Analysis, compounds: &Compounds, circle: &Circle, run: &RunInfo) -> Self {
        let serving = analysis
            .loads
            .iter()
            .filter(|l| l.served_compounds > 0)
            .count();
        Summary {
            circleplan_version: env!("CARGO_PKG_VERSION"),
            inputs: Inputs::new(run, compounds),
            circle: CircleSummary {
                minutes: round(circle.minutes, 4),
                speed_kmh: circle.speed_kmh,
                radius_m: round(circle.radius_m, 4),
                metric: analysis.metric.to_string(),
                standard: circle.standard.clone(),
                level_radius_m: circle.level_radius_m.clone(),
            },
            plane: analysis.study.plane_description(),
            output_coords: analysis.study.output.to_string(),
            compounds: compound_counts(&analysis.totals),
            population: population_counts(&analysis.totals),
            centers: CentreCounts {
                total: analysis.loads.len(),
                serving,
                idle: analysis.loads.len() - serving,
            },
            distance_m: analysis.distance.map(|d| DistanceSummary {
                mean: round(d.mean_m, 2),
                median: round(d.median_m, 2),
                p90: round(d.p90_m, 2),
                max: round(d.max_m, 2),
                population_mean: round(d.population_mean_m, 2),
            }),
            coverage_curve: analysis
                .curve
                .iter()
                .map(|&(minutes, r, share)| CurvePoint {
                    minutes,
                    radius_m: round(r, 4),
                    share,
                })
                .collect(),
            groups: compounds
                .group_fields
                .iter()
                .cloned()
                .zip(analysis.groups.iter().cloned())
                .collect(),
            levels: analysis.levels.clone(),
            warnings: run.warnings.clone(),
            dropped: run.dropped.clone(),
            access: run.access,
            network: analysis.network,
            detour: analysis.detour.as_ref().map(DetourSummary::new),
            straight: StraightSummary::of(analysis),
            timings_ms: run.timings_ms.clone().map(Timings),
            capacity: None,
            walk: None,
            gaps: None,
            site: None,
            plan: None,
            scenarios: None,
        }
    }

    /// Adds what capacities change: `population.served`, `population.served_share` and the
    /// `capacity` section.
    pub fn set_capacity(&mut self, analysis: &Analysis, cap: &Capacitated) {
        let total = analysis.totals.population_total;
        let served = cap.assignment.total;
        self.population.served = Some(served);
        self.population.served_share = Some(if total > 0.0 { served / total } else { 0.0 });
        let full = (0..cap.capacity.len())
            .filter(|&s| cap.utilisation(s) >= 1.0 - 1e-12)
            .count();
        self.capacity = Some(CapacitySummary {
            total: cap.capacity.iter().sum(),
            assigned: served,
            centers_full: full,
            centers_over_subscribed: cap.over_subscribed(&analysis.loads).len(),
            covered_not_served: analysis.totals.population_covered - served,
        });
    }

    /// Adds the plan of a `site` run: the `site` section, and its main keys again at the top
    /// level.
    pub fn set_site(&mut self, site: SiteSummary) {
        self.plan = Some(PlanKeys(site.clone()));
        self.site = Some(site);
    }

    /// The summary as a JSON value (for reading keys by path, as the report's checks do).
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("summaries always serialise")
    }

    /// `summary.json` as written: pretty-printed, with a trailing newline.
    pub fn to_json(&self) -> String {
        super::pretty_json(self)
    }
}

/// `summary.json` of `lifecircle`.
#[derive(Debug, Clone, Serialize)]
pub struct LifeCircleSummary {
    /// The version of circleplan that wrote it.
    pub circleplan_version: &'static str,
    /// The input layers.
    pub inputs: Inputs,
    /// `euclidean`, `network` or `matrix`.
    pub metric: String,
    /// The metric plane distances were measured on.
    pub plane: String,
    /// The coordinate system of written coordinates.
    pub output_coords: String,
    /// Compounds measured.
    pub compounds: Total<usize>,
    /// Their residents.
    pub population: Total<f64>,
    /// Facilities of the profile's types.
    pub facilities: Total<usize>,
    /// The life-circle results.
    pub lifecircle: LifeCircleSection,
    /// Warnings gathered while reading and computing.
    pub warnings: Vec<Warning>,
    /// Points left out of their layer for lying far from the rest of it (`--drop-far`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<crate::study::FarPoint>,
    /// Where walks to and from compounds start (`gates` or `point`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access: Option<&'static str>,
    /// The street network (walking metric only; `centers_beyond_snap_limit` counts
    /// facilities).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkStats>,
    /// Step timings, only when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timings_ms: Option<Timings>,
    /// Scenarios against the baseline (`lifecircle --scenario`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenarios: Option<Vec<crate::lifecircle::LifeCircleScenarioResult>>,
}

/// `{"total": n}`.
#[derive(Debug, Clone, Serialize)]
pub struct Total<T> {
    /// The count.
    pub total: T,
}

/// `lifecircle`: per type, per level, completeness and per group.
#[derive(Debug, Clone, Serialize)]
pub struct LifeCircleSection {
    /// The profile's name.
    pub profile: String,
    /// `2sfca` when accessibility was computed.
    pub accessibility: Option<&'static str>,
    /// One row per facility type.
    pub types: Vec<TypeSummary>,
    /// One row per life-circle level.
    pub levels: Vec<lifecircle::LevelRow>,
    /// Compounds with every type within its distance.
    pub complete: Share,
    /// One table per `--group-by` field, by field name.
    #[serde(serialize_with = "pairs_as_map")]
    pub groups: Vec<(String, Vec<lifecircle::GroupRow>)>,
}

/// One row of `lifecircle.types`: the type's figures and the standard it comes from.
#[derive(Debug, Clone, Serialize)]
pub struct TypeSummary {
    /// The figures.
    #[serde(flatten)]
    pub row: TypeRow,
    /// The clause of the standard.
    pub source: String,
}

impl LifeCircleSummary {
    /// The summary of a life-circle run.
    pub fn new(report: &LifeCircleReport) -> Self {
        let lc = report.result;
        let c = report.compounds;
        let types = lc.type_rows.iter().zip(&lc.profile.types);
        LifeCircleSummary {
            circleplan_version: env!("CARGO_PKG_VERSION"),
            inputs: Inputs::new(report.run, c),
            metric: lc.metric.to_string(),
            plane: lc.study.plane_description(),
            output_coords: lc.study.output.to_string(),
            compounds: Total { total: c.len() },
            population: Total {
                total: c.total_population(),
            },
            facilities: Total {
                total: report.facilities.len(),
            },
            lifecircle: LifeCircleSection {
                profile: lc.profile.name.clone(),
                accessibility: lc
                    .types
                    .first()
                    .and_then(|t| t.access.as_ref())
                    .map(|_| "2sfca"),
                types: types
                    .map(|(row, t)| TypeSummary {
                        row: row.clone(),
                        source: t.source.clone(),
                    })
                    .collect(),
                levels: lc.level_rows.clone(),
                complete: lc.complete_share,
                groups: c
                    .group_fields
                    .iter()
                    .cloned()
                    .zip(lc.groups.iter().cloned())
                    .collect(),
            },
            warnings: report.run.warnings.clone(),
            dropped: report.run.dropped.clone(),
            access: report.run.access,
            network: lc.network,
            timings_ms: report.run.timings_ms.clone().map(Timings),
            scenarios: None,
        }
    }

    /// `summary.json` as written: pretty-printed, with a trailing newline.
    pub fn to_json(&self) -> String {
        super::pretty_json(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analysis() -> (Analysis, Compounds, Circle) {
        let (c, s) = crate::report::test_district(60);
        let circle = Circle::from_minutes(10.0, 4.0).unwrap();
        (
            Analysis::euclidean(&c, &s, &circle, &mut Vec::new()),
            c,
            circle,
        )
    }

    fn keys(v: &serde_json::Value) -> Vec<&str> {
        v.as_object().unwrap().keys().map(String::as_str).collect()
    }

    #[test]
    fn coverage_summary_has_its_keys_in_contract_order_and_no_empty_sections() {
        let (a, c, circle) = analysis();
        let v = Summary::new(&a, &c, &circle, &RunInfo::default()).to_value();
        assert_eq!(
            keys(&v),
            [
                "circleplan_version",
                "inputs",
                "circle",
                "plane",
                "output_coords",
                "compounds",
                "population",
                "centers",
                "distance_m",
                "coverage_curve",
                "groups",
                "levels",
                "warnings"
            ]
        );
        assert_eq!(keys(&v["inputs"]), ["population_source"]);
        assert_eq!(keys(&v["groups"]), ["street"]);
        assert_eq!(
            keys(&v["population"]),
            ["total", "covered", "uncovered", "share"]
        );
    }

    #[test]
    fn sections_follow_the_coverage_keys_and_the_plan_repeats_at_the_top_level() {
        let (a, c, circle) = analysis();
        let run = RunInfo {
            timings_ms: Some(vec![("coverage".into(), 1.26)]),
            ..RunInfo::default()
        };
        let mut s = Summary::new(&a, &c, &circle, &run);
        s.population.served = Some(1.0);
        s.population.served_share = Some(0.5);
        s.capacity = Some(CapacitySummary {
            total: 2.0,
            assigned: 1.0,
            centers_full: 0,
            centers_over_subscribed: 0,
            covered_not_served: 0.0,
        });
        s.walk = Some(WalkSummary::new(&a));
        s.gaps = Some(GapsSummary {
            zones: 0,
            link_m: 40.0,
            uncovered_compounds: 0,
            uncovered_population: -0.0,
            list: Vec::new(),
        });
        s.set_site(SiteSummary {
            goal: "add",
            add: Some(1),
            target: None,
            target_reached: true,
            candidates: CandidatesSummary {
                source: "auto".into(),
                count: 0,
            },
            time_limit_s: 1.0,
            objective: 3.0,
            added_population: 0.0,
            existing_population: 3.0,
            share: 1.0,
            upper_bound: 3.0,
            gap: 0.0,
            optimal: true,
            status: "proven",
            count_optimal: None,
            count_lower_bound: None,
            note: None,
            greedy_objective: 3.0,
            reachable_share: 1.0,
            sites: Vec::new(),
            uncoverable: vec!["C1".into()],
            required: Vec::new(),
            excluded: Vec::new(),
            objective_kind: "coverage",
            mean_distance_m: None,
            max_distance_m: None,
            mean_distance_before_m: None,
            max_distance_before_m: None,
            distance_lower_bound_m: None,
            distance_cap_m: None,
        });
        let v = s.to_value();
        assert_eq!(
            keys(&v)[12..],
            [
                "warnings",
                "timings_ms",
                "capacity",
                "walk",
                "gaps",
                "site",
                "objective",
                "added_population",
                "upper_bound",
                "gap",
                "optimal",
                "count_optimal",
                "sites",
                "uncoverable"
            ]
        );
        assert_eq!(v["timings_ms"]["coverage"], 1.3);
        assert_eq!(v["uncoverable"], v["site"]["uncoverable"]);
        assert_eq!(
            keys(&v["walk"]),
            ["metric", "compounds", "population", "detour", "network"]
        );
        assert!(v["walk"]["network"].is_null(), "kept as null, not left out");
        let text = s.to_json();
        assert!(text.contains("\"uncovered_population\": 0.0,"), "{text}");
        assert!(text.ends_with("]\n}\n"), "{text}");
    }
}
