//! Life-circle scenarios: facilities a plan adds (a kindergarten here, a clinic there), and
//! what changes against the baseline — per type, per level, in completeness, in the problem
//! ledger, and per added facility ("the new kindergarten completes 37 compounds").

use serde::Serialize;

use super::{LifeCircle, Profile};
use crate::coverage::CoverageMatrix;

/// One type under a scenario beside the baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeChange {
    /// Profile type id.
    #[serde(rename = "type")]
    pub type_id: String,
    /// Share of residents within the type's distance, baseline.
    pub baseline_share: f64,
    /// The same under the scenario.
    pub share: f64,
    /// The change.
    pub delta_share: f64,
    /// Residents newly within the distance.
    pub delta_population: f64,
    /// Compounds newly within the distance.
    pub compounds_gained: usize,
}

/// One level under a scenario beside the baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelChange {
    /// Level, minutes.
    pub minutes: u32,
    /// Share of residents complete at the level, baseline.
    pub baseline_share: f64,
    /// The same under the scenario.
    pub share: f64,
    /// The change.
    pub delta_share: f64,
}

/// What one added facility does.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FacilityEffect {
    /// Facility id.
    pub id: String,
    /// Its profile type.
    #[serde(rename = "type")]
    pub type_id: String,
    /// Compounds within its distance that had no facility of the type within it before.
    pub compounds_reached: usize,
    /// Their residents.
    pub population_reached: f64,
    /// Of those compounds, the ones complete (every type) under the scenario and not before.
    pub compounds_completed: usize,
}

/// One life-circle scenario against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LifeCircleScenarioResult {
    /// The name.
    pub name: String,
    /// Facilities added.
    pub added: usize,
    /// Share of residents whose compound is complete, baseline.
    pub baseline_complete_share: f64,
    /// The same under the scenario.
    pub complete_share: f64,
    /// The change.
    pub delta_complete_share: f64,
    /// Compounds complete under the scenario and not before.
    pub compounds_completed: usize,
    /// Per type.
    pub types: Vec<TypeChange>,
    /// Per level.
    pub levels: Vec<LevelChange>,
    /// Ledger rows (compound × missing type) the scenario resolves.
    pub ledger_rows_resolved: usize,
    /// Ledger rows left.
    pub ledger_rows_left: usize,
    /// Per added facility.
    pub facilities: Vec<FacilityEffect>,
    /// Per compound: complete under the scenario.
    #[serde(skip)]
    pub complete: Vec<bool>,
}

/// What a scenario added, for [`life_circle_changes`].
#[derive(Debug, Clone, Copy)]
pub struct Added<'a> {
    /// Ids of the added facilities.
    pub ids: &'a [String],
    /// Their profile types.
    pub types: &'a [u32],
    /// Rows added facilities, columns compounds: within the type's distance.
    pub reach: &'a CoverageMatrix,
}

fn missing(lc: &LifeCircle) -> usize {
    lc.types
        .iter()
        .map(|t| t.ok.iter().filter(|ok| !**ok).count())
        .sum()
}

/// The changes from `base` to `after` (the same compounds with the scenario's facilities
/// added), named `name`.
pub fn life_circle_changes(
    name: &str,
    base: &LifeCircle,
    after: &LifeCircle,
    profile: &Profile,
    population: &[f64],
    added: Added,
) -> LifeCircleScenarioResult {
    let types = profile
        .types
        .iter()
        .enumerate()
        .map(|(t, ty)| {
            let (b, a) = (&base.types[t], &after.types[t]);
            let gained: Vec<usize> = (0..population.len())
                .filter(|&i| a.ok[i] && !b.ok[i])
                .collect();
            TypeChange {
                type_id: ty.type_id.clone(),
                baseline_share: base.type_rows[t].population_share,
                share: after.type_rows[t].population_share,
                delta_share: after.type_rows[t].population_share
                    - base.type_rows[t].population_share,
                delta_population: gained.iter().map(|&i| population[i]).sum(),
                compounds_gained: gained.len(),
            }
        })
        .collect();
    let levels = base
        .level_rows
        .iter()
        .zip(&after.level_rows)
        .map(|(b, a)| LevelChange {
            minutes: b.minutes,
            baseline_share: b.population_share,
            share: a.population_share,
            delta_share: a.population_share - b.population_share,
        })
        .collect();
    let facilities = (0..added.ids.len())
        .map(|k| {
            let t = added.types[k] as usize;
            let newly: Vec<u32> = added
                .reach
                .row(k)
                .0
                .iter()
                .copied()
                .filter(|&i| !base.types[t].ok[i as usize])
                .collect();
            FacilityEffect {
                id: added.ids[k].clone(),
                type_id: profile.types[t].type_id.clone(),
                compounds_reached: newly.len(),
                population_reached: newly.iter().map(|&i| population[i as usize]).sum(),
                compounds_completed: newly
                    .iter()
                    .filter(|&&i| after.complete[i as usize] && !base.complete[i as usize])
                    .count(),
            }
        })
        .collect();
    let (before_left, after_left) = (missing(base), missing(after));
    LifeCircleScenarioResult {
        name: name.to_string(),
        added: added.ids.len(),
        baseline_complete_share: base.complete_share.population_share,
        complete_share: after.complete_share.population_share,
        delta_complete_share: after.complete_share.population_share
            - base.complete_share.population_share,
        compounds_completed: (0..population.len())
            .filter(|&i| after.complete[i] && !base.complete[i])
            .count(),
        types,
        levels,
        ledger_rows_resolved: before_left.saturating_sub(after_left),
        ledger_rows_left: after_left,
        facilities,
        complete: after.complete.clone(),
    }
}
