//! The `site` workflow: candidate sites (a layer, or generated), the compounds each reaches
//! under the run's metric, and the plan — proven optimal, or capacitated — in one call.

use std::time::Duration;

use super::capacitated::plan_capacitated_exact;
use super::distance::{DistanceInstance, DistanceKind, DistancePlan, plan_distance_fixed};
use super::{
    AutoCandidates, Demand, GRID_FRACTION, Goal, MAX_AUTO_GRID, SitePlan, auto_candidates,
    check_request, plan_fixed, rank_sites,
};
use crate::capacity::{
    CapacitatedPlan, SitingInstance, capacities_in_residents, check_residents_per_capacity,
};
use crate::coverage::{Analysis, Costs, CoverageMatrix};
use crate::error::{Error, Param, Result};
use crate::model::{Centres, Compounds};

/// Where the candidate sites come from.
#[derive(Debug, Clone, Copy)]
pub enum CandidateSource<'a> {
    /// A layer of points.
    Layer(&'a Centres),
    /// Generated: uncovered compounds, a grid and these street nodes (plane metres).
    Auto {
        /// Street nodes (walking metric), else empty.
        street_nodes: &'a [[f64; 2]],
    },
}

/// Capacities for a capacitated plan.
#[derive(Debug, Clone, Copy)]
pub struct CapacityOptions {
    /// Residents per unit of the capacity values.
    pub residents_per_capacity: f64,
    /// Capacity (in the values' unit) of candidates without one.
    pub candidate_capacity: Option<f64>,
}

/// What `site` is asked.
#[derive(Debug, Clone, Copy)]
pub struct SiteOptions<'a> {
    /// Add K or reach a target share.
    pub goal: Goal,
    /// Time for the optimality proof.
    pub time_limit: Duration,
    /// The candidate sites.
    pub candidates: CandidateSource<'a>,
    /// Each new site's radius, metres (costs within [`crate::COVER_TOLERANCE_M`] of it count).
    pub radius_m: f64,
    /// Plan under capacities.
    pub capacity: Option<CapacityOptions>,
    /// Candidates that must be in the plan or out of it (`None`: none).
    pub fixed: Option<&'a super::FixedSites>,
    /// Minimise a distance instead of maximising coverage (`None`: coverage).
    pub distance: Option<DistanceOptions>,
}

/// A distance objective for `site --add K`.
#[derive(Debug, Clone, Copy)]
pub struct DistanceOptions {
    /// p-median (mean walk) or p-center (longest walk).
    pub kind: DistanceKind,
    /// Walks beyond this count at it (compounds farther from every centre included), metres.
    pub max_distance_m: f64,
}

/// The answer with everything its outputs need.
#[derive(Debug, Clone)]
pub struct SiteRun {
    /// Candidate ids.
    pub candidate_ids: Vec<String>,
    /// Candidate positions, WGS84.
    pub candidate_lonlat: Vec<[f64; 2]>,
    /// Compounds the existing centres cover.
    pub covered: Vec<bool>,
    /// The plan.
    pub plan: SitePlan,
    /// Under capacities: the capacitated plan and its assignment.
    pub capacitated: Option<CapacitatedPlan>,
    /// Under a distance objective: the walks before and after, and the proof.
    pub distance: Option<DistancePlan>,
    /// Things the user should know (e.g. a coarsened candidate grid).
    pub warnings: Vec<crate::Warning>,
    /// Ids of the candidates no plan could use (`--exclude`).
    pub excluded: Vec<String>,
    /// Each candidate's own properties, when the caller read them (for `sites.geojson`);
    /// empty otherwise.
    pub candidate_properties: Vec<serde_json::Map<String, serde_json::Value>>,
}

/// Chooses new sites for the compounds of `analysis`, measuring candidates with `costs`.
///
/// # Errors
/// An empty candidate layer; generated candidates with a cost table (which only knows its
/// own sites); bad goal, time limit or capacities.
pub fn run_site(
    analysis: &Analysis,
    costs: &Costs,
    compounds: &Compounds,
    centres: &Centres,
    options: SiteOptions,
) -> Result<SiteRun> {
    check_request(options.goal, options.time_limit)?;
    let covered = analysis.coverage.covered();
    let mut warnings = Vec::new();
    let (ids, lonlat, xy) =
        candidate_sites(analysis, costs, compounds, &covered, options, &mut warnings)?;
    let (required, excluded) = match options.fixed {
        Some(f) => f.resolve(&ids, options.goal)?,
        None => (Vec::new(), vec![false; ids.len()]),
    };
    // Costs within a millimetre of the radius count as within it, as for the centres.
    let budgets = vec![options.radius_m + crate::circle::COVER_TOLERANCE_M; xy.len()];
    let cover = costs
        .coverage(&analysis.compounds_xy, &xy, &ids, &budgets)
        .0
        .by_compound
        .transpose();
    let pop = &compounds.population;
    if let Some(d) = options.distance {
        let demand = Demand {
            cover: &cover,
            population: pop,
            covered: &covered,
        };
        let inputs = DistanceInputs {
            analysis,
            costs,
            centres,
            sites_xy: &xy,
            ids: &ids,
        };
        let fixed = Fixed {
            required: &required,
            excluded: &excluded,
        };
        let (plan, distance) = distance_plan(&inputs, demand, options, d, fixed)?;
        return Ok(SiteRun {
            candidate_ids: ids,
            candidate_lonlat: lonlat,
            covered,
            plan,
            capacitated: None,
            distance: Some(distance),
            warnings,
            excluded: options.fixed.map(|f| f.exclude.clone()).unwrap_or_default(),
            candidate_properties: Vec::new(),
        });
    }
    let (plan, capacitated) = match options.capacity {
        None => (
            plan_fixed(
                Demand {
                    cover: &cover,
                    population: pop,
                    covered: &covered,
                },
                options.goal,
                options.time_limit,
                &required,
                &excluded,
            )?,
            None,
        ),
        Some(_) if !required.is_empty() || excluded.contains(&true) => {
            return Err(Error::parameter(
                Param::Capacities,
                "",
                "--require and --exclude are not available with capacities yet: plan without \
                 them, or drop the excluded sites from the candidates file",
            ));
        }
        Some(cap) => {
            let layer = match options.candidates {
                CandidateSource::Layer(l) => Some(l),
                CandidateSource::Auto { .. } => None,
            };
            let inputs = CapacityInputs {
                analysis,
                costs,
                compounds,
                centres,
                layer,
                cover: &cover,
                covered: &covered,
            };
            let (plan, solved) = capacitated_plan(cap, options, &inputs, &ids)?;
            (plan, Some(solved))
        }
    };
    if let Goal::Add(asked) = plan.goal
        && (1..asked).contains(&plan.sites.len())
    {
        let chosen = plan.sites.len();
        warnings.push(crate::Warning::FewerSitesThanAsked { chosen, asked });
    }
    Ok(SiteRun {
        candidate_ids: ids,
        candidate_lonlat: lonlat,
        covered,
        plan,
        capacitated,
        distance: None,
        warnings,
        excluded: options.fixed.map(|f| f.exclude.clone()).unwrap_or_default(),
        candidate_properties: Vec::new(),
    })
}

/// What the distance objectives read from the run.
struct DistanceInputs<'a> {
    analysis: &'a Analysis,
    costs: &'a Costs<'a>,
    centres: &'a Centres,
    sites_xy: &'a [[f64; 2]],
    ids: &'a [String],
}

/// Candidates fixed in or out of every plan (indices into the candidate list).
#[derive(Clone, Copy)]
struct Fixed<'a> {
    required: &'a [u32],
    excluded: &'a [bool],
}

/// The p-median or p-center plan, with the coverage figures of its sites (at the circle's
/// radius) in the shape every siting output reads.
fn distance_plan(
    inputs: &DistanceInputs,
    demand: Demand,
    options: SiteOptions,
    d: DistanceOptions,
    fixed: Fixed,
) -> Result<(SitePlan, DistancePlan)> {
    let Goal::Add(k) = options.goal else {
        return Err(Error::parameter(
            Param::TargetShare,
            "",
            "--target works with --objective coverage only: give --add K with a distance \
             objective",
        ));
    };
    if options.capacity.is_some() {
        return Err(Error::parameter(
            Param::Capacities,
            "",
            "--capacitated works with --objective coverage only",
        ));
    }
    if !(d.max_distance_m.is_finite() && d.max_distance_m > 0.0) {
        return Err(Error::parameter(
            Param::Radius,
            d.max_distance_m,
            "--max-distance must be a positive number of metres",
        ));
    }
    let a = inputs.analysis;
    let n = a.compounds_xy.len();
    let budget = d.max_distance_m + crate::circle::COVER_TOLERANCE_M;
    let reach = |xy: &[[f64; 2]], ids: &[String]| {
        let budgets = vec![budget; xy.len()];
        inputs
            .costs
            .coverage(&a.compounds_xy, xy, ids, &budgets)
            .0
            .by_compound
    };
    let existing = reach(&a.centres_xy, &inputs.centres.ids);
    let existing_m: Vec<f64> = (0..n)
        .map(|i| {
            let costs = existing.row(i).1;
            costs
                .iter()
                .map(|&c| f64::from(c))
                .fold(f64::INFINITY, f64::min)
        })
        .collect();
    let candidates = reach(inputs.sites_xy, inputs.ids).transpose();
    let instance = DistanceInstance {
        candidates: &candidates,
        existing_m: &existing_m,
        population: demand.population,
        max_distance_m: d.max_distance_m,
    };
    let deadline = std::time::Instant::now()
        .checked_add(options.time_limit)
        .unwrap_or_else(|| std::time::Instant::now() + Duration::from_secs(1 << 40));
    let solved = plan_distance_fixed(
        instance,
        d.kind,
        k,
        fixed.required,
        fixed.excluded,
        deadline,
    );
    // Coverage at the circle's radius, sites in the distance order.
    let cover = demand.cover;
    let mut covered = demand.covered.to_vec();
    let mut new_cover = vec![None; n];
    let mut ranked = Vec::new();
    for &c in &solved.chosen {
        let mut gain = 0.0;
        for &i in cover.row(c as usize).0 {
            if !std::mem::replace(&mut covered[i as usize], true) {
                gain += demand.population[i as usize];
                new_cover[i as usize] = Some(c);
            }
        }
        ranked.push((c, gain));
    }
    let total: f64 = demand.population.iter().sum();
    let existing_pop: f64 = demand
        .population
        .iter()
        .zip(demand.covered)
        .filter(|(_, c)| **c)
        .map(|(p, _)| p)
        .sum::<f64>()
        + 0.0;
    let added: f64 = ranked.iter().map(|r| r.1).sum::<f64>() + 0.0;
    let all_inst = super::Instance::new(cover, demand.population, demand.covered);
    let by_compound = cover.transpose();
    let plan = SitePlan {
        goal: options.goal,
        sites: rank_sites(&ranked, existing_pop, total),
        total_population: total,
        existing_population: existing_pop,
        objective: existing_pop + added,
        added_population: added,
        // Coverage is reported beside, not optimised: no bound on it is claimed.
        upper_bound: existing_pop + added,
        gap: solved.gap,
        optimal: solved.optimal,
        count_optimal: None,
        count_lower_bound: None,
        greedy_objective: existing_pop + added,
        reachable_share: if total > 0.0 {
            (existing_pop + all_inst.weight.iter().sum::<f64>()) / total
        } else {
            0.0
        },
        target_reached: true,
        uncoverable: (0..n as u32)
            .filter(|&i| !demand.covered[i as usize] && by_compound.row(i as usize).0.is_empty())
            .collect(),
        new_cover,
        nodes: solved.nodes,
        required: fixed.required.to_vec(),
        status: solved.status,
    };
    Ok((plan, solved))
}

/// Candidate ids, WGS84 positions and plane positions.
type Sites = (Vec<String>, Vec<[f64; 2]>, Vec<[f64; 2]>);

fn candidate_sites(
    analysis: &Analysis,
    costs: &Costs,
    compounds: &Compounds,
    covered: &[bool],
    options: SiteOptions,
    warnings: &mut Vec<crate::Warning>,
) -> Result<Sites> {
    match options.candidates {
        CandidateSource::Layer(layer) => {
            if layer.is_empty() {
                return Err(Error::EmptyLayer {
                    path: layer.path.clone(),
                    message: "the candidates file has no points".into(),
                });
            }
            let xy = analysis.study.project(&layer.lonlat);
            Ok((layer.ids.clone(), layer.lonlat.clone(), xy))
        }
        CandidateSource::Auto { street_nodes } => {
            if let Costs::Matrix { .. } = costs {
                return Err(Error::parameter(
                    Param::Candidates,
                    "auto",
                    "cannot be measured with --metric matrix (the table only knows its own \
                     sites): pass a candidates file whose ids are in the table",
                ));
            }
            let ids = &compounds.ids;
            let auto = auto_candidates(
                &analysis.compounds_xy,
                ids,
                covered,
                options.radius_m,
                street_nodes,
            );
            Ok(unproject(analysis, auto, options.radius_m, warnings))
        }
    }
}

/// Generated candidates with their WGS84 positions; warns when the grid was coarsened.
fn unproject(
    analysis: &Analysis,
    auto: AutoCandidates,
    radius_m: f64,
    warnings: &mut Vec<crate::Warning>,
) -> Sites {
    if auto.coarsened {
        warnings.push(crate::Warning::AutoGridCoarsened {
            grid_m: radius_m * GRID_FRACTION,
            max_points: MAX_AUTO_GRID,
            step_m: auto.grid_step_m,
        });
    }
    let lonlat = auto
        .xy
        .iter()
        .map(|p| {
            let (lon, lat) = analysis.study.plane.unproject(*p);
            [lon, lat]
        })
        .collect();
    (auto.ids, lonlat, auto.xy)
}

/// What the capacitated plan reads from the run.
struct CapacityInputs<'a> {
    analysis: &'a Analysis,
    costs: &'a Costs<'a>,
    compounds: &'a Compounds,
    centres: &'a Centres,
    layer: Option<&'a Centres>,
    /// Rows: candidates; columns: compounds.
    cover: &'a CoverageMatrix,
    covered: &'a [bool],
}

/// Each candidate's capacity in residents: its own value, else the default.
fn candidate_capacities(
    cap: CapacityOptions,
    layer: Option<&Centres>,
    ids: &[String],
) -> Result<Vec<f64>> {
    (0..ids.len())
        .map(|c| {
            let own = layer.and_then(|l| l.capacity.get(c).copied().flatten());
            match own.or(cap.candidate_capacity) {
                Some(v) if v > 0.0 && v.is_finite() => Ok(v * cap.residents_per_capacity),
                Some(v) => Err(Error::parameter(
                    Param::CandidateCapacity,
                    v,
                    format!("candidate {:?}: capacity must be > 0", ids[c]),
                )),
                None => Err(Error::parameter(
                    Param::Capacities,
                    "",
                    format!(
                        "candidate {:?} has no capacity: give the candidates a capacity field \
                         (--capacity-field) or --candidate-capacity N",
                        ids[c]
                    ),
                )),
            }
        })
        .collect()
}

/// The capacitated plan (add-K), tightened by the uncapacitated bound (capacities only lower
/// what sites serve), in the shape every siting output reads.
fn capacitated_plan(
    cap: CapacityOptions,
    options: SiteOptions,
    inputs: &CapacityInputs,
    ids: &[String],
) -> Result<(SitePlan, CapacitatedPlan)> {
    check_residents_per_capacity(cap.residents_per_capacity)?;
    let existing_capacity = if inputs.centres.is_empty() {
        Vec::new()
    } else {
        capacities_in_residents(inputs.centres, cap.residents_per_capacity)?
    };
    let candidate_capacity = candidate_capacities(cap, inputs.layer, ids)?;
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
    let pop = &inputs.compounds.population;
    let instance = SitingInstance {
        existing: &existing,
        existing_capacity: &existing_capacity,
        candidates: &inputs.cover.transpose(),
        candidate_capacity: &candidate_capacity,
        population: pop,
    };
    // A limit too large to represent means no limit.
    let deadline = std::time::Instant::now()
        .checked_add(options.time_limit)
        .unwrap_or_else(|| std::time::Instant::now() + Duration::from_secs(1 << 40));
    // Without capacities the same sites could serve no more: the uncapacitated optimum's
    // bound for K sites also bounds the capacitated answer (it closes loose-capacity cases
    // the Lagrangian bound approaches slowly). A fifth of the time goes to it.
    let uncapacitated_bound = match options.goal {
        Goal::Add(_) => {
            let demand = Demand {
                cover: inputs.cover,
                population: pop,
                covered: inputs.covered,
            };
            let share = options.time_limit / 5;
            super::plan_checked(demand, options.goal, share)
                .ok()
                .map(|p| p.upper_bound)
        }
        Goal::Target(_) => None,
    };
    let mut exact = plan_capacitated_exact(instance, options.goal, deadline, uncapacitated_bound);
    if let Some(bound) = uncapacitated_bound {
        exact.plan.tighten(bound);
        if exact.plan.optimal {
            exact.status = super::PlanStatus::Proven;
        }
    }
    let solved = exact.plan;
    let mut plan = site_plan(&solved, options.goal, pop, inputs.cover, inputs.covered);
    plan.count_lower_bound = exact
        .count_lower_bound
        .map(|lb| lb.min(solved.chosen.len()));
    // The count is proven when the certified bound equals it.
    plan.count_optimal = exact
        .count_lower_bound
        .map(|lb| exact.reached == Some(true) && solved.chosen.len() <= lb);
    plan.status = exact.status;
    plan.nodes = exact.nodes;
    plan.greedy_objective = exact.greedy_objective;
    Ok((plan, solved))
}

/// A capacitated plan in the shape every siting output reads: sites ranked in the order
/// chosen (their gains never grow), objective and bounds in residents served.
/// `candidate_cover` rows are candidates (columns compounds); `covered` says which compounds
/// existing centres reach.
fn site_plan(
    solved: &CapacitatedPlan,
    goal: Goal,
    population: &[f64],
    candidate_cover: &CoverageMatrix,
    covered: &[bool],
) -> SitePlan {
    let total: f64 = population.iter().sum();
    let share = |p: f64| if total > 0.0 { p / total } else { 0.0 };
    let sites = rank_sites(&solved.chosen, solved.base, total);
    let mut new_cover = vec![None; population.len()];
    let mut reached = covered.to_vec();
    for c in 0..candidate_cover.n_rows() {
        for &i in candidate_cover.row(c).0 {
            reached[i as usize] = true;
        }
    }
    for &(c, _) in &solved.chosen {
        for &i in candidate_cover.row(c as usize).0 {
            if !covered[i as usize] {
                new_cover[i as usize].get_or_insert(c);
            }
        }
    }
    let target_reached = match goal {
        Goal::Target(t) => solved.objective >= t * total * (1.0 - 1e-12),
        // As for uncapacitated plans: an add-K goal is always reached.
        Goal::Add(_) => true,
    };
    SitePlan {
        goal,
        sites,
        total_population: total,
        existing_population: solved.base,
        objective: solved.objective,
        added_population: solved.objective - solved.base,
        upper_bound: solved.upper_bound,
        gap: solved.gap,
        optimal: solved.optimal,
        count_optimal: None,
        count_lower_bound: None,
        greedy_objective: solved.objective,
        reachable_share: share(solved.reachable),
        target_reached,
        uncoverable: (0..population.len() as u32)
            .filter(|&i| !reached[i as usize])
            .collect(),
        new_cover,
        nodes: 0,
        required: Vec::new(),
        // The caller sets how the search ended.
        status: super::PlanStatus::Proven,
    }
}
