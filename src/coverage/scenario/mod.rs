//! Scenarios: the baseline centres with some closed and proposed sites added, evaluated
//! against the baseline on the same plane and metric. Only compounds within reach of a
//! changed site can change, so each scenario is measured there alone, exactly, from one
//! coverage list over the changed sites and the baseline centres near them.

use std::collections::{BTreeMap, HashMap};

use rstar::RTree;
use rstar::primitives::GeomWithData;
use serde::Serialize;

use super::{Analysis, Costs, GroupRow, LevelClasses, group_rows};

mod straight;
use crate::circle::Circle;
use crate::error::{Error, Result};
use crate::model::{Centres, Compounds};

/// How many centres a scenario lists under "load changes most".
pub const LOAD_CHANGES_LISTED: usize = 10;

/// A named change to the centres: sites added (their own layer) and baseline centres closed.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The name (may be Chinese: 方案A).
    pub name: String,
    /// Sites the scenario adds (ids unique against the baseline's).
    pub added: Centres,
    /// Indices of baseline centres the scenario closes, ascending, no repeats.
    pub closed: Vec<u32>,
}

impl Scenario {
    /// A scenario named `name` adding the sites `added` and closing the baseline centres
    /// with ids `close`.
    ///
    /// # Errors
    /// An empty name or one with characters a column name cannot hold; a closed id that is
    /// not a centre's (or given twice); an added id that is a centre's.
    pub fn new(
        name: &str,
        added: Centres,
        close: &[String],
        centres: &Centres,
    ) -> Result<Scenario> {
        let name = name.trim();
        if name.is_empty() || name.chars().any(|c| c.is_control() || c == ',' || c == '"') {
            return Err(Error::Unknown {
                what: "scenario".into(),
                name: name.into(),
                message: "a scenario name must be non-empty, without commas, quotes or control \
                          characters (it names the columns covered_<name> and change_<name>)"
                    .into(),
            });
        }
        let index: HashMap<&str, u32> = centres.ids.iter().map(String::as_str).zip(0..).collect();
        if let Some(id) = added.ids.iter().find(|id| index.contains_key(id.as_str())) {
            return Err(Error::DuplicateIdAcrossLayers {
                id: id.clone(),
                path_a: centres.path.clone(),
                path_b: added.path.clone(),
                what: "the centres and a scenario's sites",
            });
        }
        let mut closed = Vec::with_capacity(close.len());
        for id in close {
            let Some(&i) = index.get(id.as_str()) else {
                return Err(Error::Unknown {
                    what: format!("scenario {name}: closed centre"),
                    name: id.clone(),
                    message: format!(
                        "is not the id of a centre {}",
                        crate::error::id_hint(id, &centres.ids, "centres")
                    ),
                });
            };
            if closed.contains(&i) {
                return Err(Error::Unknown {
                    what: format!("scenario {name}: closed centre"),
                    name: id.clone(),
                    message: "is listed twice".into(),
                });
            }
            closed.push(i);
        }
        closed.sort_unstable();
        Ok(Scenario {
            name: name.to_string(),
            added,
            closed,
        })
    }
}

/// Checks that no two scenarios share a name.
///
/// # Errors
/// [`Error::Unknown`] naming the repeated name.
pub fn check_scenario_names(scenarios: &[Scenario]) -> Result<()> {
    for (k, s) in scenarios.iter().enumerate() {
        if scenarios[..k].iter().any(|t| t.name == s.name) {
            return Err(Error::Unknown {
                what: "scenario".into(),
                name: s.name.clone(),
                message: "is given twice: every scenario needs its own name".into(),
            });
        }
    }
    Ok(())
}

/// What happens to one compound under a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// Covered now, not in the baseline.
    Gained,
    /// Covered in the baseline, not now.
    Lost,
    /// As in the baseline.
    Same,
}

impl Change {
    /// `gained`, `lost` or `same`, as written in the layers.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Gained => "gained",
            Change::Lost => "lost",
            Change::Same => "same",
        }
    }
}

/// One group value under a scenario beside the baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioGroupRow {
    /// The group value.
    pub value: String,
    /// Its population.
    pub population: f64,
    /// Covered population in the baseline.
    pub baseline_population: f64,
    /// Covered population under the scenario.
    pub covered_population: f64,
    /// `covered_population / population`.
    pub share: f64,
    /// Change in covered population.
    pub delta_population: f64,
    /// Change in share.
    pub delta_share: f64,
    /// Compounds covered now and not before.
    pub compounds_gained: usize,
    /// Compounds covered before and not now.
    pub compounds_lost: usize,
}

/// One centre level under a scenario: population within reach of a centre of that level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioLevelRow {
    /// The level.
    pub level: String,
    /// Centres of the level open under the scenario.
    pub centers: usize,
    /// Population within reach of one of them in the baseline.
    pub baseline_population: f64,
    /// The same under the scenario.
    pub covered_population: f64,
    /// `covered_population` over the total population.
    pub share: f64,
    /// Change in covered population.
    pub delta_population: f64,
    /// Change in share.
    pub delta_share: f64,
}

/// A centre whose served residents change: each covered compound is served by the nearest
/// open centre that reaches it (ties: baseline centres first, then by order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadChange {
    /// Centre id.
    pub id: String,
    /// Its level.
    pub level: String,
    /// `existing`, `added` or `closed`.
    pub status: &'static str,
    /// Residents it serves in the baseline (0 for an added site).
    pub baseline_population: f64,
    /// Residents it serves under the scenario (0 when closed).
    pub scenario_population: f64,
    /// The change.
    pub delta_population: f64,
}

/// One scenario against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioResult {
    /// The name.
    pub name: String,
    /// Ids of the sites added.
    pub added_ids: Vec<String>,
    /// Ids of the centres closed.
    pub closed_ids: Vec<String>,
    /// Covered population under the scenario.
    pub covered_population: f64,
    /// Covered share of the population.
    pub share: f64,
    /// Change in covered population against the baseline.
    pub delta_population: f64,
    /// Change in share.
    pub delta_share: f64,
    /// Compounds covered now and not before.
    pub compounds_gained: usize,
    /// Compounds covered before and not now.
    pub compounds_lost: usize,
    /// Covered compounds under the scenario.
    pub covered_compounds: usize,
    /// Per group field (in the order of `Compounds::group_fields`), one row per value.
    pub groups: Vec<Vec<ScenarioGroupRow>>,
    /// Per centre level.
    pub levels: Vec<ScenarioLevelRow>,
    /// The centres whose served residents change most (at most [`LOAD_CHANGES_LISTED`]).
    pub load_changes: Vec<LoadChange>,
    /// Per compound: covered under the scenario.
    #[serde(skip)]
    pub covered: Vec<bool>,
    /// Per compound: against the baseline.
    #[serde(skip)]
    pub change: Vec<Change>,
}

/// The baseline and every scenario, measured on one plane with one metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Covered population of the baseline.
    pub baseline_population: f64,
    /// Total population.
    pub total_population: f64,
    /// One result per scenario, in the order given.
    pub scenarios: Vec<ScenarioResult>,
}

/// Every site of a comparison: the baseline centres, then each scenario's added sites.
struct Sites<'a> {
    xy: Vec<[f64; 2]>,
    ids: Vec<&'a str>,
    level: Vec<&'a str>,
    budget_m: Vec<f64>,
    /// Sites below this index are baseline centres.
    n_base: usize,
    /// Scenario `k` adds the sites `added[k]`.
    added: Vec<std::ops::Range<usize>>,
}

impl<'a> Sites<'a> {
    fn new(analysis: &Analysis, centres: &'a Centres, circle: &Circle, sc: &'a [Scenario]) -> Self {
        let mut s = Sites {
            xy: analysis.centres_xy.clone(),
            ids: centres.ids.iter().map(String::as_str).collect(),
            level: centres.level.iter().map(String::as_str).collect(),
            budget_m: analysis.budget_m.clone(),
            n_base: centres.len(),
            added: Vec::new(),
        };
        for scenario in sc {
            let start = s.xy.len();
            let a = &scenario.added;
            s.xy.extend(analysis.study.project(&a.lonlat));
            s.ids.extend(a.ids.iter().map(String::as_str));
            s.level.extend(a.level.iter().map(String::as_str));
            s.budget_m
                .extend(a.level.iter().map(|l| circle.budget_for_level(l)));
            s.added.push(start..s.xy.len());
        }
        s
    }

    /// The sites with these indices, as positions, ids and budgets for a coverage list.
    fn subset(&self, which: &[usize]) -> (Vec<[f64; 2]>, Vec<String>, Vec<f64>) {
        (
            which.iter().map(|&s| self.xy[s]).collect(),
            which.iter().map(|&s| self.ids[s].to_string()).collect(),
            which.iter().map(|&s| self.budget_m[s]).collect(),
        )
    }
}

/// The compounds a changed site can reach and, for each, every site (baseline or added)
/// reaching it with the cost: `rows[k]` belongs to compound `affected[k]`.
struct Local {
    affected: Vec<u32>,
    rows: Vec<Vec<(u32, f32)>>,
}

/// Sites changed by any scenario: closed centres and added sites, ascending.
fn changed_sites(sites: &Sites, scenarios: &[Scenario]) -> Vec<usize> {
    let mut changed: Vec<usize> = scenarios
        .iter()
        .flat_map(|s| s.closed.iter().map(|&c| c as usize))
        .chain(sites.added.iter().flat_map(|r| r.clone()))
        .collect();
    changed.sort_unstable();
    changed.dedup();
    changed
}

/// Baseline centres that may reach one of `affected` (straight line within the largest
/// budget: a walk is never shorter than the straight line), or all of them for a cost table.
fn nearby_centres(
    sites: &Sites,
    analysis: &Analysis,
    affected: &[u32],
    costs: &Costs,
) -> Vec<usize> {
    if matches!(costs, Costs::Matrix { .. }) {
        return (0..sites.n_base).collect();
    }
    let max_budget = sites.budget_m[..sites.n_base]
        .iter()
        .copied()
        .fold(0.0, f64::max);
    let tree = RTree::bulk_load(
        (0..sites.n_base)
            .map(|s| GeomWithData::new(sites.xy[s], s))
            .collect(),
    );
    // A hair over the budget: the exact test is the metric's own, below.
    // Through a gate a walk can be shorter than from the compound's point by the gate's
    // distance from it.
    let r2 = ((max_budget + costs.slack_m()) * (1.0 + 1e-9) + 1e-6).powi(2);
    let mut near = vec![false; sites.n_base];
    for &c in affected {
        for p in tree.locate_within_distance(analysis.compounds_xy[c as usize], r2) {
            near[p.data] = true;
        }
    }
    (0..sites.n_base).filter(|&s| near[s]).collect()
}

impl Local {
    fn new(analysis: &Analysis, costs: &Costs, sites: &Sites, scenarios: &[Scenario]) -> Local {
        let changed = changed_sites(sites, scenarios);
        let (xy, ids, budget) = sites.subset(&changed);
        let reach = costs.coverage(&analysis.compounds_xy, &xy, &ids, &budget).0;
        let affected: Vec<u32> = (0..reach.len())
            .filter(|&i| reach.is_covered(i))
            .map(|i| i as u32)
            .collect();
        let mut involved = nearby_centres(sites, analysis, &affected, costs);
        involved.extend(changed.iter().copied().filter(|&s| s >= sites.n_base));
        involved.sort_unstable();
        involved.dedup();
        let (xy, ids, budget) = sites.subset(&involved);
        let reach = costs.coverage(&analysis.compounds_xy, &xy, &ids, &budget).0;
        let rows = affected
            .iter()
            .map(|&c| {
                let (cols, cost) = reach.by_compound.row(c as usize);
                cols.iter()
                    .zip(cost)
                    .map(|(&k, &d)| (involved[k as usize] as u32, d))
                    .collect()
            })
            .collect();
        Local { affected, rows }
    }
}

/// Which sites are open under one scenario (the baseline: every baseline centre).
struct Open {
    closed: Vec<bool>,
    added: std::ops::Range<usize>,
    n_base: usize,
}

impl Open {
    fn new(sites: &Sites, scenario: Option<(usize, &Scenario)>) -> Open {
        let mut closed = vec![false; sites.n_base];
        let mut added = 0..0;
        if let Some((k, s)) = scenario {
            for &c in &s.closed {
                closed[c as usize] = true;
            }
            added = sites.added[k].clone();
        }
        Open {
            closed,
            added,
            n_base: sites.n_base,
        }
    }

    fn is_open(&self, site: u32) -> bool {
        let s = site as usize;
        if s < self.n_base {
            !self.closed[s]
        } else {
            self.added.contains(&s)
        }
    }

    /// The nearest open site of `row` (ties: lowest index), if any.
    fn serving(&self, row: &[(u32, f32)]) -> Option<u32> {
        row.iter()
            .filter(|(s, _)| self.is_open(*s))
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
            .map(|&(s, _)| s)
    }
}

/// Evaluates every scenario against the baseline of `analysis` (the coverage of `centres`),
/// under the same metric `costs` and `circle` (added sites take their level's radius).
///
/// # Panics
/// When a scenario closes an index beyond `centres`.
pub fn compare(
    analysis: &Analysis,
    costs: &Costs,
    compounds: &Compounds,
    centres: &Centres,
    circle: &Circle,
    scenarios: &[Scenario],
) -> Comparison {
    let sites = Sites::new(analysis, centres, circle, scenarios);
    let levels = LevelIndex::new(&sites);
    let evaluate: Box<dyn Fn(usize) -> Evaluated + Sync> = match costs {
        // Straight line: each scenario alone, from the changed sites' reach and nearest
        // searches where a closure matters; no list of every site reaching a compound.
        Costs::Euclidean => {
            let s = straight::Straight::new(analysis, &sites, &levels, scenarios);
            Box::new(move |k| s.evaluate(k, &scenarios[k]))
        }
        _ => {
            let local = Local::new(analysis, costs, &sites, scenarios);
            let baseline = Open::new(&sites, None);
            let base: Vec<Figures> = local
                .rows
                .iter()
                .map(|r| figures(&baseline, &levels, r))
                .collect();
            let (sites, levels) = (&sites, &levels);
            Box::new(move |k| {
                Evaluated::from_rows(sites, levels, &local, &base, (k, &scenarios[k]))
            })
        }
    };
    let ctx = Context {
        analysis,
        compounds,
        sites: &sites,
        levels: &levels,
    };
    let results = scenarios
        .iter()
        .enumerate()
        .map(|(k, s)| ctx.summarise(s, evaluate(k)))
        .collect();
    Comparison {
        baseline_population: analysis.totals.population_covered,
        total_population: compounds.total_population(),
        scenarios: results,
    }
}

/// The levels of every site, sorted, each site's index among them, and the baseline's level
/// classes mapped onto them.
struct LevelIndex {
    names: Vec<String>,
    of_site: Vec<u32>,
    /// Class `k` of the baseline analysis is level `of_class[k]`.
    of_class: Vec<u32>,
}

impl LevelIndex {
    fn new(sites: &Sites) -> LevelIndex {
        let mut names: Vec<&str> = sites.level.clone();
        names.sort_unstable();
        names.dedup();
        let index: BTreeMap<&str, u32> = names.iter().copied().zip(0..).collect();
        let base: Vec<String> = sites.level[..sites.n_base]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let classes = LevelClasses::new(&base);
        LevelIndex {
            of_site: sites.level.iter().map(|l| index[l]).collect(),
            of_class: classes.names.iter().map(|n| index[n.as_str()]).collect(),
            names: names.into_iter().map(str::to_string).collect(),
        }
    }
}

/// One scenario evaluated on the compounds a changed site reaches, beside the baseline.
struct Evaluated {
    open: Open,
    /// The compounds a site the scenario changes reaches, ascending.
    affected: Vec<u32>,
    /// Per affected compound: the serving site in the baseline and under the scenario
    /// (`None`: not covered).
    base_serving: Vec<Option<u32>>,
    serving: Vec<Option<u32>>,
    /// Per affected compound: the levels of open sites reaching it, ascending.
    base_levels: Vec<Vec<u32>>,
    levels: Vec<Vec<u32>>,
}

impl Evaluated {
    /// From the list of every site reaching each affected compound (the matrix path);
    /// `base` holds the baseline's figures per row, computed once for all scenarios.
    fn from_rows(
        sites: &Sites,
        li: &LevelIndex,
        local: &Local,
        base: &[Figures],
        sc: (usize, &Scenario),
    ) -> Self {
        let open = Open::new(sites, Some(sc));
        let (serving, levels) = local.rows.iter().map(|row| figures(&open, li, row)).unzip();
        let (base_serving, base_levels) = base.iter().cloned().unzip();
        Evaluated {
            open,
            affected: local.affected.clone(),
            base_serving,
            serving,
            base_levels,
            levels,
        }
    }
}

/// One compound's serving site and the levels reaching it.
type Figures = (Option<u32>, Vec<u32>);

/// The serving site of `row` among the open sites, and the levels of the open sites in it,
/// ascending.
fn figures(open: &Open, li: &LevelIndex, row: &[(u32, f32)]) -> Figures {
    let mut lv: Vec<u32> = row
        .iter()
        .filter(|(s, _)| open.is_open(*s))
        .map(|&(s, _)| li.of_site[s as usize])
        .collect();
    lv.sort_unstable();
    lv.dedup();
    (open.serving(row), lv)
}

/// What every scenario's summary reads.
struct Context<'a> {
    analysis: &'a Analysis,
    compounds: &'a Compounds,
    sites: &'a Sites<'a>,
    levels: &'a LevelIndex,
}

impl Context<'_> {
    fn summarise(&self, scenario: &Scenario, e: Evaluated) -> ScenarioResult {
        let (covered, change) = self.per_compound(&e);
        let pop = &self.compounds.population;
        let total = self.compounds.total_population();
        let share = |p: f64| if total > 0.0 { p / total } else { 0.0 };
        let covered_population: f64 = (0..pop.len()).filter(|&i| covered[i]).map(|i| pop[i]).sum();
        let baseline = self.analysis.totals.population_covered;
        let count = |what: Change| change.iter().filter(|&&c| c == what).count();
        ScenarioResult {
            name: scenario.name.clone(),
            added_ids: scenario.added.ids.clone(),
            closed_ids: scenario
                .closed
                .iter()
                .map(|&c| self.sites.ids[c as usize].to_string())
                .collect(),
            covered_population,
            share: share(covered_population),
            delta_population: covered_population - baseline,
            delta_share: share(covered_population) - share(baseline),
            compounds_gained: count(Change::Gained),
            compounds_lost: count(Change::Lost),
            covered_compounds: covered.iter().filter(|&&c| c).count(),
            groups: self.group_tables(&covered, &change),
            levels: self.level_table(&e),
            load_changes: self.load_changes(&e),
            covered,
            change,
        }
    }

    /// Covered flags and changes for every compound: the baseline's outside the affected
    /// compounds.
    fn per_compound(&self, e: &Evaluated) -> (Vec<bool>, Vec<Change>) {
        let mut covered = self.analysis.coverage.covered();
        let mut change = vec![Change::Same; covered.len()];
        for (k, &c) in e.affected.iter().enumerate() {
            let c = c as usize;
            let (before, after) = (e.base_serving[k].is_some(), e.serving[k].is_some());
            debug_assert_eq!(before, covered[c], "baseline recount of compound {c}");
            covered[c] = after;
            change[c] = match (before, after) {
                (false, true) => Change::Gained,
                (true, false) => Change::Lost,
                _ => Change::Same,
            };
        }
        (covered, change)
    }

    /// Per group field, the scenario's rows beside the baseline's.
    fn group_tables(&self, covered: &[bool], change: &[Change]) -> Vec<Vec<ScenarioGroupRow>> {
        let pop = &self.compounds.population;
        self.compounds
            .groups
            .iter()
            .zip(&self.analysis.groups)
            .map(|(values, base_rows)| {
                let mut moved: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
                for (i, c) in change.iter().enumerate() {
                    let m = moved.entry(values[i].as_str()).or_default();
                    match c {
                        Change::Gained => m.0 += 1,
                        Change::Lost => m.1 += 1,
                        Change::Same => {}
                    }
                }
                group_rows(values, pop, covered)
                    .iter()
                    .zip(base_rows)
                    .map(|(r, b): (&GroupRow, &GroupRow)| {
                        let (gained, lost) = moved[r.value.as_str()];
                        ScenarioGroupRow {
                            value: r.value.clone(),
                            population: r.population,
                            baseline_population: b.covered_population,
                            covered_population: r.covered_population,
                            share: r.share,
                            delta_population: r.covered_population - b.covered_population,
                            delta_share: r.share - b.share,
                            compounds_gained: gained,
                            compounds_lost: lost,
                        }
                    })
                    .collect()
            })
            .collect()
    }

    /// Per level, the population within reach of an open centre of that level.
    fn level_table(&self, e: &Evaluated) -> Vec<ScenarioLevelRow> {
        let (li, pop) = (self.levels, &self.compounds.population);
        let n = li.names.len();
        let (mut before, mut after) = (vec![0.0; n], vec![0.0; n]);
        let mut affected = vec![false; pop.len()];
        for &c in &e.affected {
            affected[c as usize] = true;
        }
        for i in (0..pop.len()).filter(|&i| !affected[i]) {
            for &k in self.analysis.coverage.classes_of(i) {
                let l = li.of_class[k as usize] as usize;
                before[l] += pop[i];
                after[l] += pop[i];
            }
        }
        for (k, &c) in e.affected.iter().enumerate() {
            for &l in &e.base_levels[k] {
                before[l as usize] += pop[c as usize];
            }
            for &l in &e.levels[k] {
                after[l as usize] += pop[c as usize];
            }
        }
        let mut open_count = vec![0usize; n];
        let mut any = vec![false; n];
        for s in 0..self.sites.xy.len() {
            let l = li.of_site[s] as usize;
            any[l] |= s < self.sites.n_base || e.open.is_open(s as u32);
            open_count[l] += usize::from(e.open.is_open(s as u32));
        }
        let total = self.compounds.total_population();
        let share = |p: f64| if total > 0.0 { p / total } else { 0.0 };
        (0..n)
            .filter(|&l| any[l])
            .map(|l| ScenarioLevelRow {
                level: li.names[l].clone(),
                centers: open_count[l],
                baseline_population: before[l],
                covered_population: after[l],
                share: share(after[l]),
                delta_population: after[l] - before[l],
                delta_share: share(after[l]) - share(before[l]),
            })
            .collect()
    }

    /// The centres whose served residents change most: residents move where a compound's
    /// serving centre changes; ties by id.
    fn load_changes(&self, e: &Evaluated) -> Vec<LoadChange> {
        let pop = &self.compounds.population;
        let mut delta: BTreeMap<u32, f64> = BTreeMap::new();
        for (k, &c) in e.affected.iter().enumerate() {
            let (b, a) = (e.base_serving[k], e.serving[k]);
            if b != a {
                if let Some(s) = b {
                    *delta.entry(s).or_default() -= pop[c as usize];
                }
                if let Some(s) = a {
                    *delta.entry(s).or_default() += pop[c as usize];
                }
            }
        }
        let mut changes: Vec<LoadChange> = delta
            .into_iter()
            .filter(|&(_, d)| d != 0.0)
            .map(|(s, d)| self.load_change(e, s, d))
            .collect();
        changes.sort_by(|a, b| {
            b.delta_population
                .abs()
                .total_cmp(&a.delta_population.abs())
                .then_with(|| a.id.cmp(&b.id))
        });
        changes.truncate(LOAD_CHANGES_LISTED);
        changes
    }

    fn load_change(&self, e: &Evaluated, site: u32, delta: f64) -> LoadChange {
        let s = site as usize;
        let (status, before) = if s >= self.sites.n_base {
            ("added", 0.0)
        } else {
            let status = if e.open.is_open(site) {
                "existing"
            } else {
                "closed"
            };
            (status, self.analysis.coverage.loads[s].nearest_population)
        };
        LoadChange {
            id: self.sites.ids[s].to_string(),
            level: self.sites.level[s].to_string(),
            status,
            baseline_population: before,
            scenario_population: before + delta,
            delta_population: delta,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::CostTable;
    use crate::network::StreetNetwork;
    use crate::rng::Rng;
    use crate::study::StudyArea;

    /// A street grid every 150 m over the compounds' plane box.
    fn grid_network(xy: &[[f64; 2]]) -> StreetNetwork {
        let (mut lo, mut hi) = ([f64::MAX; 2], [f64::MIN; 2]);
        for p in xy {
            for k in 0..2 {
                lo[k] = lo[k].min(p[k] - 500.0);
                hi[k] = hi[k].max(p[k] + 500.0);
            }
        }
        let mut lines = Vec::new();
        let mut x = lo[0];
        while x <= hi[0] {
            lines.push(vec![[x, lo[1]], [x, hi[1]]]);
            x += 150.0;
        }
        let mut y = lo[1];
        while y <= hi[1] {
            lines.push(vec![[lo[0], y], [hi[0], y]]);
            y += 150.0;
        }
        StreetNetwork::from_lines(&lines, None, true)
    }

    /// Straight-line costs stretched by a seeded factor per pair, within 2.5 km.
    fn cost_table(
        compounds: &[[f64; 2]],
        sites: &[[f64; 2]],
        ids: &[&str],
        seed: u64,
    ) -> CostTable {
        let mut rng = Rng::new(seed);
        let mut by_site = std::collections::HashMap::new();
        for (s, p) in sites.iter().enumerate() {
            let list: Vec<(u32, f64)> = compounds
                .iter()
                .enumerate()
                .filter_map(|(c, q)| {
                    let d = ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt();
                    let f = 1.0 + 0.5 * rng.f64();
                    (d < 2500.0).then_some((c as u32, (d * f).round()))
                })
                .collect();
            by_site.insert(ids[s].to_string(), list);
        }
        CostTable {
            path: "m.csv".into(),
            by_site,
            rows: 0,
        }
    }

    /// A random scenario: a few candidates added (some at a new level), a few centres closed.
    fn random_scenario(rng: &mut Rng, name: &str, centres: &Centres, cands: &Centres) -> Scenario {
        let added: Vec<usize> = (0..cands.len()).filter(|_| rng.f64() < 0.3).collect();
        let mut added = cands.select(&added);
        for l in &mut added.level {
            *l = if rng.f64() < 0.5 {
                "new".into()
            } else {
                "station".into()
            };
        }
        let closed = (0..centres.len() as u32)
            .filter(|_| rng.f64() < 0.2)
            .collect();
        Scenario {
            name: name.into(),
            added,
            closed,
        }
    }

    /// The scenario's centres as one layer: baseline minus closed, plus added.
    fn scenario_centres(centres: &Centres, s: &Scenario) -> Centres {
        let keep: Vec<usize> = (0..centres.len())
            .filter(|i| !s.closed.contains(&(*i as u32)))
            .collect();
        let mut added = s.added.clone();
        added.path = "added.geojson".into();
        Centres::merge(vec![centres.select(&keep), added]).unwrap()
    }

    fn check(metric: &str, level_radius: bool, seed: u64) {
        let (compounds, mut centres, cands) = crate::synth::small_city(400, 24, seed);
        centres.level.iter_mut().enumerate().for_each(|(i, l)| {
            *l = if i % 3 == 0 {
                "station".into()
            } else {
                l.clone()
            }
        });
        let mut circle = Circle::from_radius(600.0, 4.0).unwrap();
        if level_radius {
            circle = circle.with_level_radius("station", 300.0).unwrap();
            circle = circle.with_level_radius("new", 900.0).unwrap();
        }
        let mut rng = Rng::new(seed);
        let scenarios: Vec<Scenario> = (0..3)
            .map(|k| random_scenario(&mut rng, &format!("方案{k}"), &centres, &cands))
            .collect();
        let all: Vec<[f64; 2]> = compounds.lonlat.clone();
        let area = StudyArea::new(&[("compounds", &all)], &mut Vec::new());
        let cxy = area.project(&compounds.lonlat);
        let net = grid_network(&cxy);
        let mut sites_xy = area.project(&centres.lonlat);
        sites_xy.extend(area.project(&cands.lonlat));
        let ids: Vec<&str> = centres
            .ids
            .iter()
            .chain(&cands.ids)
            .map(String::as_str)
            .collect();
        let table = cost_table(&cxy, &sites_xy, &ids, seed);
        let costs = match metric {
            "network" => Costs::Network {
                network: &net,
                snap_limit_m: 300.0,
            },
            "matrix" => Costs::Matrix { table: &table },
            _ => Costs::Euclidean,
        };
        let base = Analysis::new(area, &costs, &compounds, &centres, &circle);
        let cmp = compare(&base, &costs, &compounds, &centres, &circle, &scenarios);
        let moved = |r: &ScenarioResult| r.compounds_gained > 0 && r.compounds_lost > 0;
        assert!(
            cmp.scenarios.iter().any(moved),
            "{metric}: no scenario moved anything"
        );
        for (s, r) in scenarios.iter().zip(&cmp.scenarios) {
            let merged = scenario_centres(&centres, s);
            let direct = Analysis::new(area, &costs, &compounds, &merged, &circle);
            let label = format!(
                "{metric} level_radius={level_radius} seed={seed} {}",
                s.name
            );
            assert_eq!(r.covered, direct.coverage.covered(), "{label}");
            assert_eq!(
                r.covered_population, direct.totals.population_covered,
                "{label}"
            );
            for (rows, direct_rows) in r.groups.iter().zip(&direct.groups) {
                let got: Vec<f64> = rows.iter().map(|g| g.covered_population).collect();
                let want: Vec<f64> = direct_rows.iter().map(|g| g.covered_population).collect();
                assert_eq!(got, want, "{label}");
            }
            for row in &direct.levels {
                let mine = r.levels.iter().find(|l| l.level == row.level).unwrap();
                assert_eq!(
                    mine.covered_population, row.covered_population,
                    "{label} {}",
                    row.level
                );
                assert_eq!(mine.centers, row.centers, "{label} {}", row.level);
            }
            if !level_radius {
                for lc in &r.load_changes {
                    let i = merged.ids.iter().position(|id| *id == lc.id);
                    let want = i.map_or(0.0, |i| direct.loads[i].nearest_population);
                    assert!(
                        (lc.scenario_population - want).abs() < 1e-6,
                        "{label} {}",
                        lc.id
                    );
                }
            }
        }
    }

    #[test]
    fn scenarios_equal_a_direct_recount_under_every_metric() {
        for seed in 1..=4 {
            for metric in ["euclidean", "network", "matrix"] {
                check(metric, false, seed);
                check(metric, true, seed);
            }
        }
    }
}
