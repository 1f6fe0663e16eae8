//! The report's interactive part: sites a reader switches on and off on the map (what-if),
//! and the scenario switcher that colours the compounds a scenario gains or loses.
//!
//! The page recomputes coverage itself from one embedded JSON document (`#page-data`): the
//! [`WhatIf`] lists (which switchable compound each site reaches) and, per scenario, its
//! sites among the switches and the compounds it gains and loses with their map positions.
//! `whatif.js` reads it; nothing else on the page depends on it.

use std::collections::HashMap;
use std::fmt::Write;

use serde::Serialize;

use super::map::{Frame, Legend};
use super::markup::{esc, exact, int, push_esc};
use super::text::Labels;
use super::{ReportInput, ScenariosReport};
use crate::coverage::{Change, Scenario, ScenarioResult, WhatIf};
use crate::model::Centres;
use crate::study::StudyArea;

/// Gained and lost compounds marked on the map per scenario, at most: beyond, the most
/// populous are kept and the page says how many were left unmarked.
pub(super) const MAX_CHANGE_MARKS: usize = 20_000;
/// A switchable site's mark radius on screen, pixels (kept at any zoom by the script).
const MARK_PX: f64 = 8.0;

/// Colour of a compound a scenario gains.
const GAINED: &str = "#2f9e44";
/// Colour of a compound a scenario loses.
const LOST: &str = "#e03131";
/// Colour of a switchable new site.
const NEW_SITE: &str = "#c92a2a";
/// Colour of a switchable existing centre.
const EXISTING: &str = "#5f3dc4";

/// The what-if sites on the study plane, in their order.
pub(super) fn site_positions(study: &StudyArea, w: &WhatIf) -> Vec<[f64; 2]> {
    study.project(&w.sites.iter().map(|s| s.lonlat).collect::<Vec<_>>())
}

/// Each what-if site's reach, metres: an existing centre's own budget, a scenario's site its
/// level's radius, any other site the circle's radius.
fn budgets(input: &ReportInput, w: &WhatIf) -> Vec<f64> {
    let centre: HashMap<&str, usize> = input
        .centres
        .ids
        .iter()
        .map(String::as_str)
        .zip(0..)
        .collect();
    let mut level: HashMap<&str, &str> = HashMap::new();
    for s in input.scenarios.iter().flat_map(|r| r.scenarios) {
        for (id, lv) in s.added.ids.iter().zip(&s.added.level) {
            level.entry(id.as_str()).or_insert(lv.as_str());
        }
    }
    w.sites
        .iter()
        .map(|s| match (s.existing, centre.get(s.id.as_str())) {
            (true, Some(&c)) if c < input.analysis.budget_m.len() => input.analysis.radius_m(c),
            _ => match level.get(s.id.as_str()) {
                Some(lv) => input.circle.radius_for_level(lv),
                None => input.circle.radius_m,
            },
        })
        .collect()
}

/// The switchable candidate sites: each one's reach (dashed, shown while on) and one
/// clickable mark per new site carrying `data-site-id`, drawn under the centres and the
/// recommended sites so a district's hundreds of candidates never hide them; plus the empty
/// layer the script fills with a scenario's gained and lost compounds.
pub(super) fn site_layer(
    out: &mut String,
    f: &Frame,
    input: &ReportInput,
    xy: &[[f64; 2]],
    l: &Labels,
) {
    if input.scenarios.is_some() {
        out.push_str("<g id=\"map-change\" class=\"lay-change\"></g>");
    }
    let Some(w) = input.what_if else { return };
    let centre = centre_index(input);
    out.push_str("<g class=\"lay-wr\">");
    // Reach circles only for straight-line runs: a walking reach is no circle.
    let straight = input.analysis.metric == crate::coverage::Metric::Euclidean;
    for (k, (p, r)) in xy.iter().zip(budgets(input, w)).enumerate() {
        if !straight {
            break;
        }
        if w.sites[k].existing && centre.contains_key(w.sites[k].id.as_str()) {
            // Its own service circle is on the map already; the script hides it when off.
            continue;
        }
        let _ = write!(out, "<circle class=\"wr\" data-k=\"{k}\"");
        f.push_attr_xy(out, "cx", "cy", *p);
        out.push_str(" r=\"");
        f.push_len(out, r);
        out.push_str("\"/>");
    }
    out.push_str("</g>");
    marks(out, f, input, xy, l, false);
}

/// The switches of existing centres, on top of everything (each sits on its centre's
/// symbol, which it toggles).
pub(super) fn centre_switches(
    out: &mut String,
    f: &Frame,
    input: &ReportInput,
    xy: &[[f64; 2]],
    l: &Labels,
) {
    marks(out, f, input, xy, l, true);
}

/// A switchable site's kind (`candidate`, `chosen`, `proposed`, `existing`, `gap`) in the
/// page's language.
fn site_kind(kind: &str, l: &Labels) -> String {
    if !l.html_lang.starts_with("zh") {
        return kind.to_string();
    }
    match kind {
        "candidate" => "候选点",
        "chosen" => "建议新址",
        "proposed" => "方案新址",
        "existing" => "现有中心",
        "gap" => "缺口区最佳新址",
        other => other,
    }
    .to_string()
}

fn centre_index<'a>(input: &'a ReportInput) -> HashMap<&'a str, usize> {
    input
        .centres
        .ids
        .iter()
        .map(String::as_str)
        .zip(0..)
        .collect()
}

/// One `lay-whatif` group of clickable marks: the existing centres' (`existing`) or the new
/// sites'.
fn marks(
    out: &mut String,
    f: &Frame,
    input: &ReportInput,
    xy: &[[f64; 2]],
    l: &Labels,
    existing: bool,
) {
    let Some(w) = input.what_if else { return };
    if !w.sites.iter().any(|s| s.existing == existing) {
        return;
    }
    let centre = centre_index(input);
    let id = if existing {
        "map-whatif-ex"
    } else {
        "map-whatif"
    };
    let _ = write!(
        out,
        "<g id=\"{id}\" class=\"lay-whatif\" data-mark-px=\"{MARK_PX}\">"
    );
    for (k, (site, p)) in w.sites.iter().zip(xy).enumerate() {
        if site.existing != existing {
            continue;
        }
        let state = if site.on { "on" } else { "off" };
        let kind = if site.existing { "ex" } else { "nw" };
        let _ = write!(
            out,
            "<circle class=\"wm {kind} {state}\" data-k=\"{k}\" data-site-id=\""
        );
        push_esc(out, &site.id);
        out.push('"');
        if site.existing
            && let Some(c) = centre.get(site.id.as_str())
        {
            let _ = write!(out, " data-centre=\"{c}\"");
        }
        let _ = write!(
            out,
            " role=\"button\" tabindex=\"0\" aria-pressed=\"{}\"",
            site.on
        );
        f.push_attr_xy(out, "cx", "cy", *p);
        out.push_str(" r=\"");
        super::markup::push_num(out, MARK_PX / f.scale, 3);
        out.push_str("\"><title>");
        push_esc(out, &site.id);
        let _ = write!(
            out,
            " · {} · {} {}</title></circle>",
            esc(&site_kind(site.kind, l)),
            int(site.covers.len() as f64),
            l.covers_word
        );
    }
    out.push_str("</g>");
}

/// The legend's what-if and scenario items.
pub(super) fn legend_items(legend: &mut Legend, input: &ReportInput, l: &Labels) {
    if input.scenarios.is_some() {
        let dot = |c: &str| format!("<circle cx=\"10\" cy=\"10\" r=\"5\" fill=\"{c}\"/>");
        legend.item(dot(GAINED), l.gained_compound);
        legend.item(dot(LOST), l.lost_compound);
    }
    let Some(w) = input.what_if else { return };
    // As the map draws them: switched-off marks dashed (new candidates faint).
    let ring = |fill: &str, stroke: &str, extra: &str| {
        format!(
            "<circle cx=\"10\" cy=\"10\" r=\"6\" fill=\"{fill}\" stroke=\"{stroke}\" \
             stroke-width=\"2\"{extra}/>"
        )
    };
    let dashed = " stroke-dasharray=\"3 2\"";
    if w.sites.iter().any(|s| !s.existing) {
        legend.item(ring(NEW_SITE, "#212529", ""), l.site_on);
        let faint = format!("{dashed} opacity=\"0.6\"");
        legend.item(ring("#fff", NEW_SITE, &faint), l.site_off);
    }
    if w.sites.iter().any(|s| s.existing) {
        legend.item(ring(EXISTING, "#212529", ""), l.existing_on);
        legend.item(ring("#fff", "#868e96", dashed), l.existing_off);
    }
}

/// One scenario as the script sees it.
#[derive(Serialize)]
struct PageScenario<'a> {
    name: &'a str,
    share: f64,
    covered_population: f64,
    /// Indices into the what-if sites of the sites it adds and the centres it closes.
    added: Vec<u32>,
    closed: Vec<u32>,
    /// Every added site and closed centre is among the switches (at the same place).
    exact: bool,
    /// Compound indices (as the map's `data-i` and the layers' order), at most
    /// [`MAX_CHANGE_MARKS`] together, the most populous kept.
    gained: Vec<u32>,
    lost: Vec<u32>,
    /// All gained and lost compounds, marked or not.
    changes: usize,
}

/// The page's embedded data.
#[derive(Serialize)]
struct PageData<'a> {
    whatif: Option<&'a WhatIf>,
    baseline_share: f64,
    scenarios: Vec<PageScenario<'a>>,
    /// Every compound some scenario marks, ascending, and its map position (`u, v` pairs).
    changed: Vec<u32>,
    changed_xy: Vec<f64>,
}

/// The scenario's sites among the what-if switches, and whether all of them are there.
fn scenario_switches(
    w: Option<&WhatIf>,
    s: &Scenario,
    centres: &Centres,
) -> (Vec<u32>, Vec<u32>, bool) {
    let Some(w) = w else {
        return (Vec::new(), Vec::new(), false);
    };
    let index: HashMap<(&str, bool), usize> = w
        .sites
        .iter()
        .enumerate()
        .map(|(k, site)| ((site.id.as_str(), site.existing), k))
        .collect();
    let mut exact = true;
    let mut added = Vec::with_capacity(s.added.len());
    for (id, ll) in s.added.ids.iter().zip(&s.added.lonlat) {
        match index.get(&(id.as_str(), false)) {
            Some(&k) if w.sites[k].lonlat == *ll => added.push(k as u32),
            _ => exact = false,
        }
    }
    let mut closed = Vec::with_capacity(s.closed.len());
    for &c in &s.closed {
        match index.get(&(centres.ids[c as usize].as_str(), true)) {
            Some(&k) => closed.push(k as u32),
            None => exact = false,
        }
    }
    (added, closed, exact)
}

/// The compounds `r` gains and loses, the most populous `cap` at most, and how many there
/// are in all.
fn marked_changes(
    r: &ScenarioResult,
    population: &[f64],
    cap: usize,
) -> (Vec<u32>, Vec<u32>, usize) {
    let mut changed: Vec<u32> = (0..r.change.len() as u32)
        .filter(|&i| r.change[i as usize] != Change::Same)
        .collect();
    let all = changed.len();
    if all > cap {
        changed.sort_by(|&a, &b| {
            population[b as usize]
                .total_cmp(&population[a as usize])
                .then(a.cmp(&b))
        });
        changed.truncate(cap);
        changed.sort_unstable();
    }
    let (gained, lost) = changed
        .into_iter()
        .partition(|&i| r.change[i as usize] == Change::Gained);
    (gained, lost, all)
}

fn page_scenarios<'a>(input: &ReportInput, sr: &ScenariosReport<'a>) -> Vec<PageScenario<'a>> {
    sr.comparison
        .scenarios
        .iter()
        .zip(sr.scenarios)
        .map(|(r, s)| {
            let (added, closed, exact) = scenario_switches(input.what_if, s, input.centres);
            let (gained, lost, changes) =
                marked_changes(r, &input.compounds.population, MAX_CHANGE_MARKS);
            PageScenario {
                name: &r.name,
                share: r.share,
                covered_population: r.covered_population,
                added,
                closed,
                exact,
                gained,
                lost,
                changes,
            }
        })
        .collect()
}

/// The `<script type="application/json" id="page-data">` element, when the run has
/// scenarios or what-if sites.
pub(super) fn page_data(input: &ReportInput, f: &Frame) -> Option<String> {
    if input.what_if.is_none() && input.scenarios.is_none() {
        return None;
    }
    let scenarios = input
        .scenarios
        .as_ref()
        .map_or_else(Vec::new, |sr| page_scenarios(input, sr));
    let mut changed: Vec<u32> = scenarios
        .iter()
        .flat_map(|s| s.gained.iter().chain(&s.lost).copied())
        .collect();
    changed.sort_unstable();
    changed.dedup();
    let xy = &input.analysis.compounds_xy;
    let changed_xy = changed
        .iter()
        .flat_map(|&i| f.map_xy(xy[i as usize]))
        .collect();
    let data = PageData {
        whatif: input.what_if,
        baseline_share: input.analysis.totals.population_share(),
        scenarios,
        changed,
        changed_xy,
    };
    let json = serde_json::to_string(&data).expect("page data serialises");
    Some(format!(
        "<script type=\"application/json\" id=\"page-data\">{}</script>",
        script_safe(&json)
    ))
}

/// JSON made safe inside a `<script>` element: `<`, `>` and `&` only occur in strings, where
/// their `\u` escapes mean the same.
pub(super) fn script_safe(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// The map's scenario switcher: the baseline and one button per scenario.
pub(super) fn switcher(input: &ReportInput, l: &Labels) -> String {
    let Some(sr) = &input.scenarios else {
        return String::new();
    };
    let mut out = format!(
        "<div class=\"scn-switch\" role=\"group\" aria-label=\"{0}\"><span class=\"lh\">{0}:</span>\
         <button type=\"button\" data-scenario=\"base\" aria-pressed=\"true\">{1}</button>",
        esc(l.switch_scenario),
        esc(l.baseline)
    );
    for (k, r) in sr.comparison.scenarios.iter().enumerate() {
        let _ = write!(
            out,
            "<button type=\"button\" data-scenario=\"{k}\" aria-pressed=\"false\">{}</button>",
            esc(&r.name)
        );
    }
    let _ = write!(
        out,
        "<span id=\"scn-status\" class=\"hint\" data-modified=\"{}\" data-inexact=\"{}\"></span></div>",
        esc(l.modified.trim()),
        esc(l.whatif_inexact)
    );
    out
}

/// Notes under the map: capped change marks, left-out sites; and the what-if panel with the
/// flags line and its copy button.
pub(super) fn panel(input: &ReportInput, l: &Labels) -> String {
    let mut out = String::new();
    if let Some(sr) = &input.scenarios {
        for r in &sr.comparison.scenarios {
            let n = r.compounds_gained + r.compounds_lost;
            if n > MAX_CHANGE_MARKS {
                let text = l
                    .changes_capped
                    .replace("{n}", &int(MAX_CHANGE_MARKS as f64))
                    .replace("{m}", &int(n as f64))
                    .replace("{name}", &r.name);
                let _ = write!(
                    out,
                    "<p class=\"note\" data-capped=\"{}\">{}</p>",
                    n,
                    esc(&text)
                );
            }
        }
    }
    let Some(w) = input.what_if else { return out };
    let _ = write!(
        out,
        "<div class=\"whatif\" id=\"whatif\" data-total=\"{}\"><h3>{}</h3>\
         <p class=\"hint\">{}</p>",
        exact(w.total_population),
        esc(l.whatif),
        esc(l.whatif_hint)
    );
    if w.sites_left_out > 0 {
        let text = l
            .whatif_left_out
            .replace("{n}", &int(w.sites_left_out as f64));
        let _ = write!(
            out,
            "<p class=\"note\" id=\"whatif-left-out\" data-left-out=\"{}\">{}</p>",
            w.sites_left_out,
            esc(&text)
        );
    }
    let _ = write!(
        out,
        "<div class=\"wi-line\"><code id=\"whatif-line\" data-empty=\"{0}\">{0}</code>\
         <button type=\"button\" id=\"whatif-copy\" data-done=\"{1}\">{2}</button>\
         <button type=\"button\" id=\"whatif-reset\">{3}</button></div></div>",
        esc(l.whatif_nothing),
        esc(l.whatif_copied),
        esc(l.whatif_copy),
        esc(l.whatif_reset)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Circle;
    use crate::coverage::{Analysis, Costs, compare};

    #[test]
    fn capped_changes_keep_the_most_populous() {
        let (compounds, centres, cands) = crate::synth::small_city(400, 20, 3);
        let circle = Circle::from_radius(700.0, 4.0).unwrap();
        let base = Analysis::euclidean(&compounds, &centres, &circle, &mut Vec::new());
        let scenario = Scenario {
            name: "A".into(),
            added: cands.select(&(0..cands.len()).step_by(2).collect::<Vec<_>>()),
            closed: vec![0, 2, 5],
        };
        let cmp = compare(
            &base,
            &Costs::Euclidean,
            &compounds,
            &centres,
            &circle,
            &[scenario],
        );
        let r = &cmp.scenarios[0];
        let pop = &compounds.population;
        let (g, l, all) = marked_changes(r, pop, usize::MAX);
        assert_eq!((g.len(), l.len()), (r.compounds_gained, r.compounds_lost));
        assert_eq!(all, g.len() + l.len());
        assert!(all > 4, "the scenario changes enough compounds to cap");
        let (g3, l3, all3) = marked_changes(r, pop, 3);
        assert_eq!(all3, all);
        let kept: Vec<u32> = g3.iter().chain(&l3).copied().collect();
        assert_eq!(kept.len(), 3);
        let smallest_kept = kept
            .iter()
            .map(|&i| pop[i as usize])
            .fold(f64::INFINITY, f64::min);
        let dropped = g.iter().chain(&l).filter(|i| !kept.contains(i));
        assert!(
            dropped
                .map(|&i| pop[i as usize])
                .all(|p| p <= smallest_kept)
        );
    }

    #[test]
    fn script_json_cannot_close_its_element() {
        let raw = serde_json::json!({"name": "</script><b>&"}).to_string();
        let safe = script_safe(&raw);
        assert!(!safe.contains('<') && !safe.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["name"], "</script><b>&");
    }
}
