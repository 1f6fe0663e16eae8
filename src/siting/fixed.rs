//! Plans with sites fixed in advance: `--require` (land already secured: the sites are in
//! every plan) and `--exclude` (sites that cannot be had: in none). Required sites count
//! toward the goal and what they cover counts as covered; the rest of the plan is solved on
//! the remaining candidates, exactly as without them — so optimality and bounds carry over.

use std::time::Duration;

use super::{Demand, Goal, SitePlan, covered_population, plan_checked, rank_sites};
use crate::coverage::CoverageMatrix;
use crate::error::{Error, Param, Result};

/// Candidates that must be in the plan, and candidates that must not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FixedSites {
    /// Ids of candidates every plan contains, in the order given.
    pub require: Vec<String>,
    /// Ids of candidates no plan contains.
    pub exclude: Vec<String>,
}

impl FixedSites {
    /// Indices of the required and excluded candidates among `ids`.
    ///
    /// # Errors
    /// An id that is not a candidate's, an id both required and excluded or listed twice,
    /// more required sites than `goal` adds.
    pub fn resolve(&self, ids: &[String], goal: Goal) -> Result<(Vec<u32>, Vec<bool>)> {
        let index: std::collections::HashMap<&str, u32> =
            ids.iter().map(String::as_str).zip(0..).collect();
        let find = |what: &str, id: &String| {
            index
                .get(id.as_str())
                .copied()
                .ok_or_else(|| Error::Unknown {
                    what: what.into(),
                    name: id.clone(),
                    message: format!(
                        "is not the id of a candidate {}",
                        crate::error::id_hint(id, ids, "candidates")
                    ),
                })
        };
        let mut required = Vec::with_capacity(self.require.len());
        for id in &self.require {
            let c = find("required site", id)?;
            if required.contains(&c) {
                return Err(twice("required site", id));
            }
            required.push(c);
        }
        let mut excluded = vec![false; ids.len()];
        for id in &self.exclude {
            let c = find("excluded site", id)?;
            if required.contains(&c) {
                return Err(Error::Unknown {
                    what: "excluded site".into(),
                    name: id.clone(),
                    message: "is also required: a site cannot be both".into(),
                });
            }
            excluded[c as usize] = true;
        }
        if let Goal::Add(k) = goal
            && required.len() > k
        {
            return Err(Error::parameter(
                Param::SiteCount,
                k,
                format!("is fewer than the {} required sites", required.len()),
            ));
        }
        Ok((required, excluded))
    }
}

fn twice(what: &str, id: &str) -> Error {
    Error::Unknown {
        what: what.into(),
        name: id.into(),
        message: "is listed twice".into(),
    }
}

/// The plan for `goal` with the `required` candidates of `demand` in it and the `excluded`
/// ones out. Without either it is the plain plan.
pub(crate) fn plan_fixed(
    demand: Demand,
    goal: Goal,
    time_limit: Duration,
    required: &[u32],
    excluded: &[bool],
) -> Result<SitePlan> {
    if required.is_empty() && !excluded.contains(&true) {
        return plan_checked(demand, goal, time_limit);
    }
    let Demand {
        cover,
        population,
        covered,
    } = demand;
    // What the required sites cover is covered before the search starts.
    let mut covered_now = covered.to_vec();
    let mut new_cover = vec![None; population.len()];
    let mut gains = Vec::with_capacity(required.len());
    for &r in required {
        let mut gain = 0.0;
        for &i in cover.row(r as usize).0 {
            if !covered_now[i as usize] {
                covered_now[i as usize] = true;
                new_cover[i as usize] = Some(r);
                gain += population[i as usize];
            }
        }
        gains.push((r, gain));
    }
    let rest: Vec<u32> = (0..cover.n_rows() as u32)
        .filter(|&c| !excluded[c as usize] && !required.contains(&c))
        .collect();
    let mut sub = CoverageMatrix::with_capacity(cover.n_cols(), rest.len(), 0);
    for &c in &rest {
        let (cols, costs) = cover.row(c as usize);
        sub.push_row(cols.iter().copied().zip(costs.iter().copied()));
    }
    let rest_goal = match goal {
        Goal::Add(k) => Goal::Add(k - required.len()),
        Goal::Target(t) => Goal::Target(t),
    };
    let inner = Demand {
        cover: &sub,
        population,
        covered: &covered_now,
    };
    let mut plan = match rest_goal {
        // Nothing left to choose: the search runs with no candidates.
        Goal::Add(0) => {
            let none = CoverageMatrix::with_capacity(cover.n_cols(), 0, 0);
            let empty = Demand {
                cover: &none,
                ..inner
            };
            let mut p = plan_checked(empty, Goal::Add(1), time_limit)?;
            p.uncoverable = plan_checked(inner, Goal::Add(1), time_limit)?.uncoverable;
            p
        }
        g => plan_checked(inner, g, time_limit)?,
    };
    remap(&mut plan, &rest, &gains, new_cover, covered, population);
    plan.goal = goal;
    plan.count_lower_bound = plan.count_lower_bound.map(|lb| lb + required.len());
    Ok(plan)
}

/// Puts a plan solved on the remaining candidates back in the full candidate list, the
/// required sites first.
fn remap(
    plan: &mut SitePlan,
    rest: &[u32],
    required: &[(u32, f64)],
    mut new_cover: Vec<Option<u32>>,
    covered: &[bool],
    population: &[f64],
) {
    let total: f64 = population.iter().sum();
    let existing = covered_population(population, covered);
    let mut ranked: Vec<(u32, f64)> = required.to_vec();
    ranked.extend(
        plan.sites
            .iter()
            .map(|s| (rest[s.candidate as usize], s.gain_population)),
    );
    plan.sites = rank_sites(&ranked, existing, total);
    for (i, c) in plan.new_cover.iter().enumerate() {
        if let Some(c) = c {
            new_cover[i].get_or_insert(rest[*c as usize]);
        }
    }
    plan.new_cover = new_cover;
    plan.existing_population = existing;
    plan.added_population = plan.objective - existing;
    plan.required = required.iter().map(|&(r, _)| r).collect();
}
