//! What-if data for the report: a set of sites a planner can switch on and off (candidates,
//! proposed sites, existing centres that may close), and exactly enough of the coverage to
//! recompute the covered share and the per-group table for any choice of them in the page.

use serde::Serialize;

use super::{Analysis, Costs};
use crate::model::Compounds;

/// At most this many compound references (site → compound) are embedded; beyond, sites are
/// dropped from the end of the list (the least important ones) and the page says so.
pub const MAX_WHATIF_ENTRIES: usize = 1_000_000;

/// At most this many sites are embedded (each is a map element).
pub const MAX_WHATIF_SITES: usize = 2_000;

/// One site to switch.
#[derive(Debug, Clone)]
pub struct SwitchSite {
    /// Its id.
    pub id: String,
    /// WGS84 position.
    pub lonlat: [f64; 2],
    /// Its budget, metres.
    pub budget_m: f64,
    /// For an existing centre, its index among the analysis's centres (it is open in the
    /// baseline).
    pub existing: Option<u32>,
    /// Switched on when the page opens.
    pub on: bool,
    /// What it is: `candidate`, `chosen`, `proposed`, `existing`, `gap`.
    pub kind: &'static str,
}

/// A site in the page's what-if data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhatIfSite {
    /// Its id.
    pub id: String,
    /// `candidate`, `chosen`, `proposed`, `existing`, `gap`.
    pub kind: &'static str,
    /// WGS84 position (not rounded for output; the page draws it).
    #[serde(skip)]
    pub lonlat: [f64; 2],
    /// An existing centre (open in the baseline).
    pub existing: bool,
    /// On when the page opens.
    pub on: bool,
    /// Indices into [`WhatIf::population`] of the compounds it reaches.
    pub covers: Vec<u32>,
}

/// One group field's figures for the page's table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhatIfGroup {
    /// The field.
    pub field: String,
    /// Its values, sorted (as the report's group table).
    pub values: Vec<String>,
    /// Population per value.
    pub population: Vec<f64>,
    /// Covered population per value among compounds no switch can change.
    pub fixed_covered: Vec<f64>,
    /// Per switchable compound, the index of its value.
    pub of: Vec<u32>,
}

/// Everything the page needs to recompute coverage for any choice of the sites.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhatIf {
    /// Total population.
    pub total_population: f64,
    /// Covered population among compounds no switch can change.
    pub fixed_covered: f64,
    /// Per switchable compound (one a site reaches): population.
    pub population: Vec<f64>,
    /// Per switchable compound: covered whatever the switches (an open centre that is not
    /// switchable reaches it).
    pub fixed: Vec<bool>,
    /// The sites, in the order given (capped).
    pub sites: Vec<WhatIfSite>,
    /// Sites left out to keep the page small (0 when none).
    pub sites_left_out: usize,
    /// Per group field.
    pub groups: Vec<WhatIfGroup>,
}

impl WhatIf {
    /// The covered population for the sites whose `on` flag is given (in site order).
    pub fn covered_population(&self, on: &[bool]) -> f64 {
        let mut covered = self.fixed.clone();
        for (s, site) in self.sites.iter().enumerate() {
            if on[s] {
                for &c in &site.covers {
                    covered[c as usize] = true;
                }
            }
        }
        self.fixed_covered
            + covered
                .iter()
                .zip(&self.population)
                .filter(|(c, _)| **c)
                .map(|(_, p)| p)
                .sum::<f64>()
    }
}

/// The what-if data for `sites` over the baseline `analysis` of `compounds`, measured with
/// `costs` (the run's metric).
pub fn what_if(
    analysis: &Analysis,
    costs: &Costs,
    compounds: &Compounds,
    sites: &[SwitchSite],
) -> WhatIf {
    let xy = analysis
        .study
        .project(&sites.iter().map(|s| s.lonlat).collect::<Vec<_>>());
    let ids: Vec<String> = sites.iter().map(|s| s.id.clone()).collect();
    let budget: Vec<f64> = sites.iter().map(|s| s.budget_m).collect();
    let by_site = costs.site_reach(&analysis.compounds_xy, &xy, &ids, &budget);
    let order = site_order(analysis, compounds, &by_site, sites);
    // Keep sites while the embedded references fit.
    let mut kept = 0;
    let mut entries = 0;
    while kept < order.len().min(MAX_WHATIF_SITES)
        && entries + by_site.row(order[kept]).0.len() <= MAX_WHATIF_ENTRIES
    {
        entries += by_site.row(order[kept]).0.len();
        kept += 1;
    }
    let order = &order[..kept];
    let mut index = vec![u32::MAX; compounds.len()];
    let mut switchable: Vec<u32> = Vec::new();
    for &s in order {
        for &c in by_site.row(s).0 {
            if index[c as usize] == u32::MAX {
                index[c as usize] = 0;
                switchable.push(c);
            }
        }
    }
    switchable.sort_unstable();
    for (k, &c) in switchable.iter().enumerate() {
        index[c as usize] = k as u32;
    }
    // Per switchable compound, the embedded existing centres reaching it: it stays covered
    // whatever the switches when other centres reach it too.
    let mut switched = vec![0usize; switchable.len()];
    for &s in order.iter().filter(|&&s| sites[s].existing.is_some()) {
        for &c in by_site.row(s).0 {
            switched[index[c as usize] as usize] += 1;
        }
    }
    let pop = &compounds.population;
    let cov = &analysis.coverage;
    let fixed: Vec<bool> = switchable
        .iter()
        .zip(&switched)
        .map(|(&c, &n)| cov.sites_within(c as usize) > n)
        .collect();
    let fixed_covered = (0..compounds.len())
        .filter(|&i| index[i] == u32::MAX && cov.is_covered(i))
        .map(|i| pop[i])
        .sum();
    let covered = analysis.coverage.covered();
    let groups = compounds
        .group_fields
        .iter()
        .zip(&compounds.groups)
        .map(|(field, values)| group(field, values, pop, &index, &covered))
        .collect();
    WhatIf {
        total_population: compounds.total_population(),
        fixed_covered,
        population: switchable.iter().map(|&c| pop[c as usize]).collect(),
        fixed,
        sites: order
            .iter()
            .map(|&s| (s, &sites[s]))
            .map(|(s, site)| WhatIfSite {
                id: site.id.clone(),
                kind: site.kind,
                lonlat: site.lonlat,
                existing: site.existing.is_some(),
                on: site.on,
                covers: by_site
                    .row(s)
                    .0
                    .iter()
                    .map(|&c| index[c as usize])
                    .collect(),
            })
            .collect(),
        sites_left_out: sites.len() - order.len(),
        groups,
    }
}

/// The order sites are embedded in: those on at the start (in the order given), then the
/// others by the population they would newly cover alone, most first (ties: order given).
fn site_order(
    analysis: &Analysis,
    compounds: &Compounds,
    by_site: &crate::coverage::CoverageMatrix,
    sites: &[SwitchSite],
) -> Vec<usize> {
    let gain = |s: usize| -> f64 {
        by_site
            .row(s)
            .0
            .iter()
            .filter(|&&c| !analysis.coverage.is_covered(c as usize))
            .map(|&c| compounds.population[c as usize])
            .sum()
    };
    let mut on: Vec<usize> = (0..sites.len()).filter(|&s| sites[s].on).collect();
    let mut off: Vec<(f64, usize)> = (0..sites.len())
        .filter(|&s| !sites[s].on)
        .map(|s| (gain(s), s))
        .collect();
    off.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    on.extend(off.into_iter().map(|(_, s)| s));
    on
}

fn group(
    field: &str,
    values: &[String],
    pop: &[f64],
    index: &[u32],
    covered: &[bool],
) -> WhatIfGroup {
    let mut names: Vec<&str> = values.iter().map(String::as_str).collect();
    names.sort_unstable();
    names.dedup();
    let at = |v: &str| names.binary_search(&v).expect("a value of the field") as u32;
    let mut g = WhatIfGroup {
        field: field.to_string(),
        values: names.iter().map(|s| s.to_string()).collect(),
        population: vec![0.0; names.len()],
        fixed_covered: vec![0.0; names.len()],
        of: Vec::new(),
    };
    let mut of = vec![0u32; index.iter().filter(|&&k| k != u32::MAX).count()];
    for i in 0..values.len() {
        let v = at(&values[i]) as usize;
        g.population[v] += pop[i];
        if index[i] == u32::MAX {
            if covered[i] {
                g.fixed_covered[v] += pop[i];
            }
        } else {
            of[index[i] as usize] = v as u32;
        }
    }
    g.of = of;
    g
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Circle;
    use crate::coverage::Scenario;

    #[test]
    fn switching_a_scenarios_sites_gives_its_covered_population() {
        let (compounds, centres, cands) = crate::synth::small_city(500, 30, 5);
        let circle = Circle::from_radius(700.0, 4.0).unwrap();
        let base = Analysis::euclidean(&compounds, &centres, &circle, &mut Vec::new());
        let add: Vec<usize> = (0..cands.len()).step_by(3).collect();
        let closed: Vec<u32> = vec![1, 4, 9];
        let scenario = Scenario {
            name: "A".into(),
            added: cands.select(&add),
            closed: closed.clone(),
        };
        let cmp = crate::coverage::compare(
            &base,
            &Costs::Euclidean,
            &compounds,
            &centres,
            &circle,
            std::slice::from_ref(&scenario),
        );
        let mut sites: Vec<SwitchSite> = (0..cands.len())
            .map(|i| SwitchSite {
                id: cands.ids[i].clone(),
                lonlat: cands.lonlat[i],
                budget_m: 700.0,
                existing: None,
                on: false,
                kind: "candidate",
            })
            .collect();
        sites.extend(closed.iter().map(|&c| SwitchSite {
            id: centres.ids[c as usize].clone(),
            lonlat: centres.lonlat[c as usize],
            budget_m: 700.0,
            existing: Some(c),
            on: true,
            kind: "existing",
        }));
        let w = what_if(&base, &Costs::Euclidean, &compounds, &sites);
        let on: Vec<bool> = w.sites.iter().map(|s| s.on).collect();
        let baseline = w.covered_population(&on);
        assert!((baseline - base.totals.population_covered).abs() < 1e-6);
        let added: Vec<&String> = add.iter().map(|&i| &cands.ids[i]).collect();
        let on: Vec<bool> = w
            .sites
            .iter()
            .map(|s| {
                if s.existing {
                    false
                } else {
                    added.contains(&&s.id)
                }
            })
            .collect();
        let got = w.covered_population(&on);
        let want = cmp.scenarios[0].covered_population;
        assert!((got - want).abs() < 1e-6, "{got} vs {want}");
        assert!(cmp.scenarios[0].delta_population != 0.0);
    }
}
