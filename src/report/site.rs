//! Outputs of a `site` run: the summary (the plan's keys at the top level and under
//! `site`), `sites.geojson`, `compounds.geojson` with each compound's new site, and the
//! terminal table of chosen sites.

use super::{
    OutputSet, RunInfo, RunLayers, SiteContext, SiteList, SiteSummary, Summary,
    compounds_geojson_with, push_rounded, sites_geojson_with,
};
use crate::siting::PlanStatus;
use crate::siting::{Goal, SitePlan, SiteRun};

impl SiteRun {
    /// The candidate sites the plan indexes.
    pub fn sites(&self) -> SiteList<'_> {
        SiteList {
            ids: &self.candidate_ids,
            lonlat: &self.candidate_lonlat,
        }
    }
}

/// `summary.json`, `sites.geojson` and `compounds.geojson` of a site run; the summary is
/// returned too, for printing.
pub fn site_outputs<'a>(
    site_run: &'a SiteRun,
    layers: RunLayers<'a>,
    run: &RunInfo,
    source: &str,
    time_limit_s: f64,
) -> (Summary, OutputSet<'a>) {
    let (analysis, compounds) = (layers.analysis, layers.compounds);
    let plan = &site_run.plan;
    let mut summary = layers.summary(run);
    let context = SiteContext {
        candidates: site_run.sites(),
        source,
        compounds,
        time_limit_s,
        study: &analysis.study,
    };
    let mut site = SiteSummary::new(plan, context);
    site.excluded = site_run.excluded.clone();
    if let Some(d) = &site_run.distance {
        site.set_distance(d);
    }
    summary.set_site(site);
    let mut files = OutputSet::new();
    files.add("summary.json", summary.to_json().into_bytes());
    let existing = layers.centres.len();
    let sites = sites_geojson_with(plan, site_run.sites(), &analysis.study, &|s, k| {
        let c = plan.sites[k].candidate;
        s.push_str(",\"required\":");
        s.push_str(if plan.required.contains(&c) {
            "true"
        } else {
            "false"
        });
        if let Some(cap) = &site_run.capacitated {
            s.push_str(",\"assigned_population\":");
            push_rounded(s, cap.assignment.assigned[existing + k], 3);
        }
        if let Some(own) = site_run.candidate_properties.get(c as usize) {
            push_own_properties(s, own);
        }
    });
    files.add("sites.geojson", sites.into_bytes());
    let extra = |s: &mut String, i: usize| {
        s.push_str(",\"new_site\":");
        match plan.new_cover[i] {
            Some(c) => crate::io::push_json_str(s, &site_run.candidate_ids[c as usize]),
            None => s.push_str("null"),
        }
        s.push_str(",\"covered_after\":");
        let after = site_run.covered[i] || plan.new_cover[i].is_some();
        s.push_str(if after { "true" } else { "false" });
    };
    let layer = compounds_geojson_with(compounds, layers.centres, analysis, layers.circle, &extra);
    files.add("compounds.geojson", layer.into_bytes());
    (summary, files)
}

/// The terminal text about the chosen sites (and, under capacities, what the figures mean).
pub fn site_table(site_run: &SiteRun, source: &str) -> String {
    let by_distance = site_run.distance.is_some();
    let mut table = plan_table(&site_run.plan, &site_run.candidate_ids, source, by_distance);
    if let Some(d) = &site_run.distance {
        let what = match d.kind {
            crate::siting::DistanceKind::Mean => "mean walk (population-weighted)",
            crate::siting::DistanceKind::Max => "longest walk",
        };
        table.push_str(&format!(
            "Minimised the {what}: mean {} m → {} m, longest {} m → {} m (walks capped at {} m); {}.\n",
            super::table::thousands(d.mean_before_m),
            super::table::thousands(d.mean_distance_m),
            super::table::thousands(d.max_before_m),
            super::table::thousands(d.max_distance_m),
            super::table::thousands(d.cap_m),
            d.status.describe(d.gap),
        ));
    }
    if site_run.capacitated.is_some() {
        table.push_str(
            "Under capacity: populations above are residents served, no site over its capacity \
             (sites.geojson: assigned_population).\n",
        );
    }
    table
}

/// The terminal text about the chosen sites: the ranked table, the totals, what is proven,
/// and notes on an unreachable target or a plan smaller than asked. Under a distance
/// objective (`by_distance`) the coverage figures are reported beside, with no claim about
/// bounds: the proof is the walk's, on the line after.
fn plan_table(plan: &SitePlan, cand_ids: &[String], source: &str, by_distance: bool) -> String {
    let mut table = format!(
        "\nNew sites ({} candidates from {source}):\n",
        super::table::thousands(cand_ids.len() as f64)
    );
    let rows: Vec<Vec<String>> = plan
        .sites
        .iter()
        .map(|s| {
            vec![
                s.rank.to_string(),
                cand_ids[s.candidate as usize].clone(),
                format!("+{}", super::table::thousands(s.gain_population)),
                format!("{} %", super::fixed(s.cumulative_share * 100.0, 1)),
            ]
        })
        .collect();
    table.push_str(&super::render_table(
        &["rank", "site", "new population", "cumulative share"],
        &rows,
    ));
    let share = |p: f64| 100.0 * p / plan.total_population.max(f64::MIN_POSITIVE);
    if by_distance {
        table.push_str(&format!(
            "Covered after: {} ({} %), of which new {} (within the circle; the sites were chosen \
             for the walk, not for coverage).\n",
            super::table::thousands(plan.objective),
            super::fixed(share(plan.objective), 2),
            super::table::thousands(plan.added_population),
        ));
        return table;
    }
    let n = plan.sites.len();
    let proof = match (plan.count_optimal, plan.status) {
        (None, status) => status.describe(plan.gap),
        (Some(true), PlanStatus::Proven) => {
            format!("{n} sites is proven the fewest; their coverage is proven best")
        }
        (Some(true), status) => format!(
            "{n} sites is proven the fewest; their coverage is {}",
            status.describe(plan.gap)
        ),
        (Some(false), status) => format!(
            "{n} sites may not be the fewest: at least {} are needed; coverage {}",
            plan.count_lower_bound.unwrap_or(0),
            status.describe(plan.gap)
        ),
    };
    table.push_str(&format!(
        "Covered after: {} ({} %), of which new {}. Upper bound {}; gap {} %; {proof}. Greedy alone: {}.\n",
        super::table::thousands(plan.objective),
        super::fixed(share(plan.objective), 2),
        super::table::thousands(plan.added_population),
        super::table::thousands(plan.upper_bound),
        super::fixed(plan.gap * 100.0, 3),
        super::table::thousands(plan.greedy_objective),
    ));
    if let Goal::Target(t) = plan.goal
        && !plan.target_reached
    {
        table.push_str(&format!(
            "Target {} % cannot be reached: the best any choice of candidates reaches is {} %; {} compounds are out of every candidate's reach (listed as `uncoverable`).\n",
            super::fixed(t * 100.0, 1),
            super::fixed(plan.reachable_share * 100.0, 2),
            plan.uncoverable.len()
        ));
    }
    if let Some(note) = super::site_note(plan)
        && plan.sites.is_empty()
    {
        table.push_str(&format!("Note: {note}.\n"));
    }
    table
}

/// Keys `sites.geojson` computes: a candidate's own property of that name is left out (the
/// computed value wins).
const SITE_KEYS: &[&str] = &[
    "id",
    "rank",
    "gain_population",
    "cumulative_population",
    "cumulative_share",
    "required",
    "assigned_population",
];

/// Appends a candidate's own properties (each as `,"key":value`), but for computed keys.
fn push_own_properties(s: &mut String, own: &serde_json::Map<String, serde_json::Value>) {
    for (key, value) in own {
        if SITE_KEYS.contains(&key.as_str()) {
            continue;
        }
        s.push(',');
        crate::io::push_json_str(s, key);
        s.push(':');
        s.push_str(&value.to_string());
    }
}
