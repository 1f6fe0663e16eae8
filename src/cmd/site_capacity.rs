//! `site --capacitated`: the capacities of existing centres and candidate sites, and the
//! capacitated plan in the shape every siting output reads.

use anyhow::{Result, anyhow, bail};
use circleplan::capacity::{CapacitatedPlan, SitingInstance, centre_capacities, plan_capacitated};
use circleplan::coverage::Costs;
use circleplan::matrix::CoverageMatrix;
use circleplan::siting::{Goal, SitePlan, plan_sites};
use circleplan::{Analysis, Centres, Compounds};
use std::time::Duration;

/// Capacity flags of `site`.
#[derive(Debug, Clone, clap::Args)]
pub struct CapacityArgs {
    /// Centres and candidate sites have capacities (--capacity-field, read on both layers):
    /// choose the sites that serve the most residents with no site over its capacity.
    #[arg(long)]
    pub capacitated: bool,
    /// Residents per unit of the capacity field (e.g. 8.73 per m² of floor area).
    #[arg(long, value_name = "R", default_value_t = 1.0)]
    pub residents_per_capacity: f64,
    /// Capacity, in the capacity field's unit, of candidate sites without a value (every
    /// candidate with `--candidates auto`).
    #[arg(long, value_name = "N")]
    pub candidate_capacity: Option<f64>,
}

/// What the capacitated solve needs from the run.
pub struct CapacityInputs<'a> {
    pub analysis: &'a Analysis,
    pub costs: &'a Costs<'a>,
    pub compounds: &'a Compounds,
    pub centres: &'a Centres,
    pub candidates: Option<&'a Centres>,
    pub n_candidates: usize,
    /// Rows: candidates; columns: compounds.
    pub cover: &'a CoverageMatrix,
    pub covered: &'a [bool],
}

/// Each candidate's capacity in residents: its own value, else `--candidate-capacity`.
fn candidate_capacities(args: &CapacityArgs, inputs: &CapacityInputs) -> Result<Vec<f64>> {
    let r = args.residents_per_capacity;
    (0..inputs.n_candidates)
        .map(|c| {
            let own = inputs
                .candidates
                .and_then(|l| l.capacity.get(c).copied().flatten());
            match own.or(args.candidate_capacity) {
                Some(v) if v > 0.0 && v.is_finite() => Ok(v * r),
                Some(v) => bail!("--capacitated: candidate capacity {v} must be > 0"),
                None => bail!(
                    "--capacitated: candidate {} has no capacity: give the candidates a capacity \
                     field (--capacity-field) or --candidate-capacity N",
                    inputs
                        .candidates
                        .map_or_else(|| format!("{}", c + 1), |l| format!("{:?}", l.ids[c]))
                ),
            }
        })
        .collect()
}

/// The capacitated plan (add-K only) and its assignment.
pub fn plan(
    args: &CapacityArgs,
    goal: Goal,
    time_limit: Duration,
    inputs: &CapacityInputs,
) -> Result<(SitePlan, CapacitatedPlan)> {
    let Goal::Add(k) = goal else {
        bail!(
            "--capacitated works with --add K (a target share under capacities is not supported yet)"
        );
    };
    let existing_capacity = if inputs.centres.is_empty() {
        Vec::new()
    } else {
        centre_capacities(inputs.centres, args.residents_per_capacity)
            .map_err(|e| anyhow!("--capacitated: {e}"))?
    };
    let candidate_capacity = candidate_capacities(args, inputs)?;
    let a = inputs.analysis;
    let existing = inputs
        .costs
        .coverage(
            &a.compounds_xy,
            &a.centres_xy,
            &inputs.centres.ids,
            &a.budget_m,
        )
        .0
        .by_compound;
    let by_compound = inputs.cover.transpose();
    let mut solved = plan_capacitated(
        SitingInstance {
            existing: &existing,
            existing_capacity: &existing_capacity,
            candidates: &by_compound,
            candidate_capacity: &candidate_capacity,
            population: &inputs.compounds.population,
        },
        k,
    );
    // Without capacities the same sites could serve no more: the uncapacitated bound holds.
    let pop = &inputs.compounds.population;
    let uncapacitated = plan_sites(inputs.cover, pop, inputs.covered, goal, time_limit)?;
    solved.tighten(uncapacitated.upper_bound);
    let plan = solved.site_plan(k, pop, inputs.cover, inputs.covered);
    Ok((plan, solved))
}
