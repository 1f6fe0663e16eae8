//! One life-circle run end to end: per facility type, the nearest facility of the type and
//! whether it is within the type's distance; per compound, completeness per level and overall;
//! per type, level and group, the population covered.

use std::collections::BTreeMap;

use serde::Serialize;

use super::walk::measure_types_on_foot;
use super::{Facilities, Profile, two_step_fca};
use crate::coverage::{Costs, Metric, NetworkStats, Reach, SiteClasses, stream_euclidean};
use crate::model::Compounds;
use crate::study::StudyArea;

/// What a life-circle run computes beyond the distances.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LifeCircleOptions {
    /// Also compute two-step floating catchment accessibility per type.
    pub accessibility: bool,
    /// Also count each facility's catchment (`served_population`: residents within its
    /// distance) under the walking metric, which takes one bounded search per facility. The
    /// straight-line and cost-table metrics always count it (it costs them nothing extra).
    pub catchments: bool,
}

/// Results for one facility type.
#[derive(Debug, Clone, Default)]
pub struct TypeResult {
    /// Indices (into [`Facilities`]) of the type's facilities, ascending.
    pub facilities: Vec<usize>,
    /// Per compound: metres to the nearest facility of the type (`f64::INFINITY` when none
    /// is reachable).
    pub nearest_m: Vec<f64>,
    /// Per compound: a facility of the type within `max_distance_m` (cost `<=` distance).
    pub ok: Vec<bool>,
    /// Per facility of the type (in `facilities` order): residents within its distance
    /// (`None` on foot unless [`LifeCircleOptions::catchments`] or 2SFCA asked for it).
    pub served_population: Option<Vec<f64>>,
    /// Per facility of the type (in `facilities` order): residents for whom it is the
    /// nearest facility of the type and within the distance (each compound counted once, so
    /// these sum to the type's covered population).
    pub nearest_population: Vec<f64>,
    /// Per compound: 2SFCA supply per 1,000 residents (with
    /// [`LifeCircleOptions::accessibility`]).
    pub access: Option<Vec<f64>>,
}

impl TypeResult {
    /// The result for a type without facilities among `n` compounds.
    pub(crate) fn empty(facilities: Vec<usize>, n: usize, options: LifeCircleOptions) -> Self {
        TypeResult {
            facilities,
            nearest_m: vec![f64::INFINITY; n],
            ok: vec![false; n],
            served_population: Some(Vec::new()),
            nearest_population: Vec::new(),
            access: options.accessibility.then(|| vec![0.0; n]),
        }
    }
}

/// Population and compounds meeting a condition.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Share {
    /// Residents meeting it.
    pub population: f64,
    /// Their share of all residents (0 when there are none).
    pub population_share: f64,
    /// Compounds meeting it.
    pub compounds: usize,
}

/// One row of the per-type table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeRow {
    /// Profile type id.
    #[serde(rename = "type")]
    pub type_id: String,
    /// Level, minutes.
    pub level: u32,
    /// Distance, metres.
    pub max_distance_m: f64,
    /// Facilities of the type (in a group row: those carrying the group's value).
    pub facilities: usize,
    /// Residents within the distance of one.
    pub population_covered: f64,
    /// Their share.
    pub population_share: f64,
    /// Compounds within the distance of one.
    pub compounds_covered: usize,
    /// Population-weighted mean 2SFCA access (with accessibility only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_mean: Option<f64>,
    /// Capacity of the type per 1,000 residents (千人指标; with accessibility only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supply_per_1000: Option<f64>,
}

/// One row of the per-level table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelRow {
    /// Level, minutes.
    pub minutes: u32,
    /// Residents of compounds complete at this level.
    pub population_complete: f64,
    /// Their share.
    pub population_share: f64,
    /// Compounds complete at this level.
    pub compounds_complete: usize,
}

/// The shares of one value of a group field. Its type rows count the facilities that carry
/// the same value (facility layers without the field count for no value), and with
/// accessibility give their capacity per 1,000 of the group's residents (千人指标).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupRow {
    /// The field's value (empty when missing).
    pub value: String,
    /// Compounds with that value.
    pub compounds: usize,
    /// Their residents.
    pub population: f64,
    /// Per type, in profile order.
    pub types: Vec<TypeRow>,
    /// Per level, ascending.
    pub levels: Vec<LevelRow>,
    /// Compounds with every type.
    pub complete: Share,
}

/// The result of a life-circle run.
#[derive(Debug, Clone)]
pub struct LifeCircle {
    /// The plane distances were measured on.
    pub study: StudyArea,
    /// How cost was measured.
    pub metric: Metric,
    /// The profile applied.
    pub profile: Profile,
    /// The profile's levels, ascending (minutes).
    pub levels: Vec<u32>,
    /// One result per profile type, in profile order.
    pub types: Vec<TypeResult>,
    /// `complete_level[l][i]`: compound `i` has every type of level `levels[l]`.
    pub complete_level: Vec<Vec<bool>>,
    /// Per compound: every type ok.
    pub complete: Vec<bool>,
    /// Per compound: share of the profile's types that are ok (0–1).
    pub completeness: Vec<f64>,
    /// Per type, over all compounds.
    pub type_rows: Vec<TypeRow>,
    /// Per level, over all compounds.
    pub level_rows: Vec<LevelRow>,
    /// Compounds with every type.
    pub complete_share: Share,
    /// One table per group field, rows by ascending value.
    pub groups: Vec<Vec<GroupRow>>,
    /// The street network and who could not join it (walking metric only; its
    /// `centers_beyond_snap_limit` counts facilities, and `compounds_on_isolated_streets`
    /// the compounds on the network that reach no facility of any type).
    pub network: Option<NetworkStats>,
}

impl LifeCircle {
    /// Measures `compounds` against `facilities` for every type of `profile`, with `costs`
    /// on the `study` plane (the matrix metric's site ids are the facility ids).
    pub fn new(
        study: StudyArea,
        costs: &Costs,
        compounds: &Compounds,
        facilities: &Facilities,
        profile: &Profile,
        options: LifeCircleOptions,
    ) -> LifeCircle {
        let compounds_xy = study.project(&compounds.lonlat);
        let facilities_xy = study.project(&facilities.lonlat);
        let input = TypeInput {
            costs,
            compounds_xy: &compounds_xy,
            facilities_xy: &facilities_xy,
            facilities,
            population: &compounds.population,
            options,
        };
        let budgets: Vec<f64> = (profile.types.iter())
            .map(|ty| ty.max_distance_m + crate::circle::COVER_TOLERANCE_M)
            .collect();
        let of_types = (0..profile.types.len()).map(|t| facilities.of_type(t));
        let (types, network) = match costs.walking() {
            Some((network, snap_limit_m)) => {
                let of_types = of_types.collect();
                let gates = costs.gates();
                let (types, stats) =
                    measure_types_on_foot(network, snap_limit_m, gates, &input, of_types, &budgets);
                (types, Some(stats))
            }
            None => {
                let types = (of_types.zip(&budgets))
                    .map(|(of_type, &budget)| measure_type(&input, of_type, budget))
                    .collect();
                (types, None)
            }
        };
        let mut lc =
            LifeCircle::from_types(study, costs.metric(), compounds, facilities, profile, types);
        lc.network = network;
        lc
    }

    /// Completeness and the tables, from per-type results.
    pub fn from_types(
        study: StudyArea,
        metric: Metric,
        compounds: &Compounds,
        facilities: &Facilities,
        profile: &Profile,
        types: Vec<TypeResult>,
    ) -> LifeCircle {
        let n = compounds.len();
        let levels = profile.levels();
        let complete_level: Vec<Vec<bool>> = levels
            .iter()
            .map(|&l| {
                (0..n)
                    .map(|i| {
                        profile
                            .types
                            .iter()
                            .zip(&types)
                            .filter(|(t, _)| t.level_min == l)
                            .all(|(_, r)| r.ok[i])
                    })
                    .collect()
            })
            .collect();
        let complete: Vec<bool> = (0..n).map(|i| types.iter().all(|r| r.ok[i])).collect();
        let completeness: Vec<f64> = (0..n)
            .map(|i| types.iter().filter(|r| r.ok[i]).count() as f64 / types.len().max(1) as f64)
            .collect();
        let all: Vec<usize> = (0..n).collect();
        let tables = Tables {
            profile,
            levels: &levels,
            types: &types,
            complete_level: &complete_level,
            complete: &complete,
            population: &compounds.population,
            capacity: &facilities.capacity,
        };
        let groups = compounds
            .groups
            .iter()
            .enumerate()
            .map(|(g, values)| tables.group_rows(values, facilities.groups.get(g)))
            .collect();
        LifeCircle {
            study,
            metric,
            profile: profile.clone(),
            type_rows: tables.type_rows(&all),
            level_rows: tables.level_rows(&all),
            complete_share: tables.share(&all, |i| complete[i]),
            groups,
            levels,
            types,
            complete_level,
            complete,
            completeness,
            network: None,
        }
    }

    /// The profile types compound `i` lacks, in profile order.
    pub fn missing(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.types.len()).filter(move |&t| !self.types[t].ok[i])
    }
}

/// What every type's measurement shares.
pub(crate) struct TypeInput<'a> {
    /// The metric.
    pub costs: &'a Costs<'a>,
    /// Compound positions on the plane, metres.
    pub compounds_xy: &'a [[f64; 2]],
    /// Facility positions on the plane, metres (all types).
    pub facilities_xy: &'a [[f64; 2]],
    /// The facilities (ids for the matrix metric, capacity for 2SFCA).
    pub facilities: &'a Facilities,
    /// Residents per compound.
    pub population: &'a [f64],
    /// Whether to compute 2SFCA.
    pub options: LifeCircleOptions,
}

/// Nearest distance, reach and load for one type's facilities (`of_type`, indices into the
/// facilities) within `max_distance_m`.
pub(crate) fn measure_type(
    input: &TypeInput,
    of_type: Vec<usize>,
    max_distance_m: f64,
) -> TypeResult {
    let TypeInput {
        costs,
        compounds_xy,
        facilities_xy,
        facilities,
        population,
        options,
    } = *input;
    let n = compounds_xy.len();
    if of_type.is_empty() {
        return TypeResult::empty(of_type, n, options);
    }
    let sites_xy: Vec<[f64; 2]> = of_type.iter().map(|&f| facilities_xy[f]).collect();
    let class = vec![0u32; of_type.len()];
    let budget = [max_distance_m];
    let (reach, access) = match costs {
        // Straight line without 2SFCA: one streaming pass, no compound × facility matrix.
        Costs::Euclidean if !options.accessibility => {
            let classes = SiteClasses {
                of_site: &class,
                budget_m: &budget,
            };
            (
                stream_euclidean(compounds_xy, &sites_xy, classes, population),
                None,
            )
        }
        _ => {
            let ids: Vec<String> = of_type.iter().map(|&f| facilities.ids[f].clone()).collect();
            let budgets = vec![max_distance_m; of_type.len()];
            let (coverage, _) = costs.coverage(compounds_xy, &sites_xy, &ids, &budgets);
            let access = options.accessibility.then(|| {
                let supply: Vec<f64> = of_type.iter().map(|&f| facilities.capacity[f]).collect();
                two_step_fca(&coverage.by_compound, population, &supply)
            });
            (Reach::from_coverage(&coverage, &class, population), access)
        }
    };
    TypeResult {
        nearest_m: reach.nearest_cost_m.clone(),
        ok: reach.covered(),
        served_population: Some(reach.loads.iter().map(|l| l.served_population).collect()),
        nearest_population: reach.loads.iter().map(|l| l.nearest_population).collect(),
        facilities: of_type,
        access,
    }
}

/// What the tables are computed from.
struct Tables<'a> {
    profile: &'a Profile,
    levels: &'a [u32],
    types: &'a [TypeResult],
    complete_level: &'a [Vec<bool>],
    complete: &'a [bool],
    population: &'a [f64],
    capacity: &'a [f64],
}

/// True when facility `f` carries group value `value`.
fn in_group(values: Option<&Vec<Option<String>>>, f: usize, value: &str) -> bool {
    values.is_some_and(|v| v[f].as_deref() == Some(value))
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

impl Tables<'_> {
    /// Population and compounds among `members` (sums in index order) meeting `test`.
    fn share(&self, members: &[usize], test: impl Fn(usize) -> bool) -> Share {
        let total: f64 = members.iter().map(|&i| self.population[i]).sum();
        let (mut population, mut compounds) = (0.0, 0);
        for &i in members {
            if test(i) {
                population += self.population[i];
                compounds += 1;
            }
        }
        Share {
            population,
            population_share: ratio(population, total),
            compounds,
        }
    }

    fn type_rows(&self, members: &[usize]) -> Vec<TypeRow> {
        let total: f64 = members.iter().map(|&i| self.population[i]).sum();
        self.profile
            .types
            .iter()
            .zip(self.types)
            .map(|(t, r)| {
                let s = self.share(members, |i| r.ok[i]);
                let access_mean = r.access.as_ref().map(|a| {
                    ratio(
                        members.iter().map(|&i| a[i] * self.population[i]).sum(),
                        total,
                    )
                });
                let supply: f64 = r.facilities.iter().map(|&f| self.capacity[f]).sum();
                TypeRow {
                    type_id: t.type_id.clone(),
                    level: t.level_min,
                    max_distance_m: t.max_distance_m,
                    facilities: r.facilities.len(),
                    population_covered: s.population,
                    population_share: s.population_share,
                    compounds_covered: s.compounds,
                    access_mean,
                    supply_per_1000: r.access.as_ref().map(|_| 1000.0 * ratio(supply, total)),
                }
            })
            .collect()
    }

    fn level_rows(&self, members: &[usize]) -> Vec<LevelRow> {
        self.levels
            .iter()
            .zip(self.complete_level)
            .map(|(&minutes, flags)| {
                let s = self.share(members, |i| flags[i]);
                LevelRow {
                    minutes,
                    population_complete: s.population,
                    population_share: s.population_share,
                    compounds_complete: s.compounds,
                }
            })
            .collect()
    }

    /// One row per value of a group field, by ascending value. Facility counts and supply
    /// count the facilities carrying the group's value: read from the facility layers, or,
    /// for the areas of `--boundaries`, the area each facility lies in.
    fn group_rows(
        &self,
        values: &[String],
        facility_values: Option<&Vec<Option<String>>>,
    ) -> Vec<GroupRow> {
        let mut members: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, v) in values.iter().enumerate() {
            members.entry(v.as_str()).or_default().push(i);
        }
        members
            .into_iter()
            .map(|(value, m)| {
                let mut types = self.type_rows(&m);
                let population: f64 = m.iter().map(|&i| self.population[i]).sum();
                for (t, row) in self.types.iter().zip(&mut types) {
                    row.facilities = t
                        .facilities
                        .iter()
                        .filter(|&&f| in_group(facility_values, f, value))
                        .count();
                    let supply: f64 = t
                        .facilities
                        .iter()
                        .filter(|&&f| in_group(facility_values, f, value))
                        .map(|&f| self.capacity[f])
                        .sum();
                    row.supply_per_1000 = row
                        .supply_per_1000
                        .map(|_| 1000.0 * ratio(supply, population));
                }
                GroupRow {
                    value: value.to_string(),
                    compounds: m.len(),
                    population,
                    types,
                    levels: self.level_rows(&m),
                    complete: self.share(&m, |i| self.complete[i]),
                }
            })
            .collect()
    }
}
