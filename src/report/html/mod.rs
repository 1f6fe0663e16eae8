//! The self-contained HTML report: headline numbers, a map, charts and sortable tables in one
//! file that opens without network access (inline CSS, SVG and a small script only).
//!
//! [`render`] takes a [`ReportInput`] (the analysis plus, when present, gap zones and a site
//! plan) and returns the page. Labels come in Chinese or English ([`Lang`]); above
//! [`DENSITY_THRESHOLD`] compounds the map aggregates them into a grid so the file stays small.

mod basemap;
mod charts;
mod map;
mod markup;
mod scenarios;
mod text;
mod walk;
mod whatif;

use std::fmt::Write;

use serde_json::Value;

pub use text::{Lang, has_cjk};
// The report's colours, shared with the QGIS styles (report/qml.rs).
pub(crate) use map::{BY_NEW_SITE, COVERED, LEVEL_COLOURS, SITE, UNCOVERED, level_styles};
// The pieces the life-circle report (report/lifecircle_html.rs) shares.
pub(crate) use charts::{GroupedBars, grouped_bars};
pub(crate) use map::{Frame, dot_px, square, svg_start, swatch, view_end, view_start};
pub(crate) use markup::shell_line;
pub(crate) use text::Labels;
pub(crate) use walk::streets;

pub use self::basemap::Basemap;
use self::markup::{esc, exact, int, metres, pct, push_esc};
use super::summary::round;
use super::{RunInfo, SiteList, zone_id};
use crate::circle::Circle;
use crate::coverage::{Analysis, Metric};
use crate::gaps::GapZone;
use crate::model::{Centres, Compounds};
use crate::siting::{Goal, SitePlan};

/// Above this many compounds the map shows a density grid instead of one mark per compound.
pub const DENSITY_THRESHOLD: usize = 20_000;
/// Gap zones listed in the zone table (the map shows them all).
const MAX_ZONE_ROWS: usize = 50;

pub(crate) const CSS: &str = include_str!("report.css");
pub(crate) const JS: &str = include_str!("report.js");
/// The what-if switches and the scenario switcher (only on pages with their data).
const WHATIF_JS: &str = include_str!("whatif.js");

/// The gap zones of a `gaps` run.
#[derive(Debug, Clone, Copy)]
pub struct GapsReport<'a> {
    /// Zones, largest population first.
    pub zones: &'a [GapZone],
    /// The potential sites the zones' `best_site` indexes.
    pub sites: SiteList<'a>,
    /// Compounds closer than this share a zone, metres.
    pub link_m: f64,
    /// Buffer around each compound in a zone's outline, metres.
    pub outline_buffer_m: f64,
}

/// The chosen sites of a `site` run.
#[derive(Debug, Clone, Copy)]
pub struct SitesReport<'a> {
    /// The plan.
    pub plan: &'a SitePlan,
    /// The candidates the plan's sites index.
    pub candidates: SiteList<'a>,
    /// Where the candidates came from (a file name or `auto`).
    pub source: &'a str,
    /// Distance objectives: the walks before and after (the report draws their curve).
    pub distance: Option<&'a crate::siting::DistancePlan>,
}

/// The scenarios of a `compare` run.
#[derive(Debug, Clone, Copy)]
pub struct ScenariosReport<'a> {
    /// The figures.
    pub comparison: &'a crate::coverage::Comparison,
    /// The scenarios (their added sites and closed centres).
    pub scenarios: &'a [crate::coverage::Scenario],
}

/// Everything the report shows.
#[derive(Debug, Clone)]
pub struct ReportInput<'a> {
    /// The coverage analysis.
    pub analysis: &'a Analysis,
    /// The compounds analysed.
    pub compounds: &'a Compounds,
    /// The existing centres.
    pub centres: &'a Centres,
    /// The circle.
    pub circle: &'a Circle,
    /// Inputs and warnings of the run.
    pub run: &'a RunInfo,
    /// Gap zones, for `gaps` (and the demo).
    pub gaps: Option<GapsReport<'a>>,
    /// New sites, for `site` (and the demo).
    pub sites: Option<SitesReport<'a>>,
    /// Capacities and the assignment, for `coverage --capacitated`.
    pub capacity: Option<&'a crate::capacity::Capacitated>,
    /// Scenarios against the baseline, for `compare` (and the demo).
    pub scenarios: Option<ScenariosReport<'a>>,
    /// Sites the reader can switch on and off, with the coverage to recount (`site`, `gaps`,
    /// `compare`, `demo`).
    pub what_if: Option<&'a crate::coverage::WhatIf>,
    /// Label language.
    pub lang: Lang,
    /// The command line that produced the report, word by word, to print for reproduction.
    pub command_line: Vec<String>,
    /// Compounds above which the map aggregates them ([`DENSITY_THRESHOLD`] by default).
    pub density_threshold: usize,
    /// The street network and snap limit of a walking run: the map then draws the streets
    /// and each centre's walking service area instead of straight-line circles.
    pub network: Option<(&'a crate::network::StreetNetwork, f64)>,
    /// The street file of a walking run, listed with the data sources.
    pub network_source: Option<String>,
    /// The run's date (`YYYY-MM-DD`) shown under the title; the binary passes it in (the
    /// library reads no clock), `None` leaves it out.
    pub date: Option<String>,
    /// Related pages the header links to, as (label, relative address): the demo links its
    /// life-circle report.
    pub links: Vec<(String, String)>,
    /// Web tiles drawn under the map when the page is opened online (`--basemap`).
    pub basemap: Option<Basemap>,
    /// The same circle measured by a second method, carded beside the headline: a walking
    /// run's straight line (set by [`ReportInput::new`]), the demo's walk.
    pub second: Option<SecondMethod>,
}

/// A run's coverage measured by a second method, so that a page whose run measures both
/// shows both, each labelled with its method.
#[derive(Debug, Clone)]
pub struct SecondMethod {
    /// How it was measured.
    pub metric: Metric,
    /// Its figures.
    pub totals: crate::coverage::Totals,
    /// The `summary.json` section that holds them (`straight`, `walk`), for the card's keys.
    pub section: &'static str,
}

impl SecondMethod {
    /// The straight-line figures a walking analysis measured beside its walk (`None` under
    /// any other metric).
    pub fn straight_of(analysis: &Analysis) -> Option<SecondMethod> {
        analysis.straight.clone().map(|totals| SecondMethod {
            metric: Metric::Euclidean,
            totals,
            section: "straight",
        })
    }

    /// The walking figures of `walk`, an analysis with the network metric beside a
    /// straight-line run (the demo; `summary.json`'s `walk`).
    pub fn walk_of(walk: &Analysis) -> SecondMethod {
        SecondMethod {
            metric: walk.metric,
            totals: walk.totals.clone(),
            section: "walk",
        }
    }
}

impl<'a> ReportInput<'a> {
    /// A coverage report, language chosen by [`Lang::detect`], no gaps or sites, empty
    /// command line.
    pub fn new(
        analysis: &'a Analysis,
        compounds: &'a Compounds,
        centres: &'a Centres,
        circle: &'a Circle,
        run: &'a RunInfo,
    ) -> ReportInput<'a> {
        ReportInput {
            analysis,
            compounds,
            centres,
            circle,
            run,
            gaps: None,
            sites: None,
            capacity: None,
            scenarios: None,
            what_if: None,
            lang: Lang::detect(compounds, centres),
            command_line: Vec::new(),
            density_threshold: DENSITY_THRESHOLD,
            network: None,
            network_source: None,
            date: None,
            links: Vec::new(),
            basemap: None,
            second: SecondMethod::straight_of(analysis),
        }
    }
}

impl Lang {
    /// Chinese when any compound id, group value, centre name or level contains CJK
    /// characters, else English.
    pub fn detect(compounds: &Compounds, centres: &Centres) -> Lang {
        use rayon::prelude::*;
        // The short lists first; a million compound ids only when nothing else decides.
        let cjk = centres.level.iter().any(|s| has_cjk(s))
            || centres.name.iter().any(|s| has_cjk(s))
            || compounds.group_fields.iter().any(|s| has_cjk(s))
            || compounds.groups.par_iter().flatten().any(|s| has_cjk(s))
            || compounds.ids.par_iter().any(|s| has_cjk(s));
        if cjk { Lang::Zh } else { Lang::En }
    }
}

/// Renders the report as one HTML document.
pub fn render(input: &ReportInput) -> String {
    let l = Labels::of(input.lang);
    let map = map::map(input, l);
    let mut out = String::with_capacity(map.svg.len() + 64 * 1024);
    head(&mut out, input, l);
    header(&mut out, input, l);
    out.push_str("<div class=\"top\">");
    map_section(&mut out, &map, input, l);
    charts_section(&mut out, input, l);
    out.push_str("</div>");
    if let Some(sr) = &input.scenarios {
        scenarios::section(&mut out, input, sr, l);
    }
    if let Some(s) = &input.sites {
        sites_table(&mut out, s, l);
    }
    if let Some(g) = &input.gaps {
        zones_table(&mut out, g, input.compounds, l);
    }
    if let Some(c) = input.capacity {
        capacity_table(&mut out, input, c, l);
    }
    group_tables(&mut out, input, l);
    level_table(&mut out, input, l);
    footer(&mut out, input, l);
    let _ = write!(out, "<script>{JS}</script>");
    if let Some(data) = &map.data {
        let _ = write!(out, "{data}<script>{WHATIF_JS}</script>");
    }
    out.push_str("</body></html>\n");
    out
}

fn kind(input: &ReportInput, l: &Labels) -> &'static str {
    if input.scenarios.is_some() && input.sites.is_none() {
        l.kind_compare
    } else if input.sites.is_some() && input.gaps.is_none() {
        l.kind_site
    } else if input.gaps.is_some() && input.sites.is_none() {
        l.kind_gaps
    } else if input.sites.is_some() {
        // The demo: everything at once.
        l.kind_site
    } else {
        l.kind_coverage
    }
}

fn head(out: &mut String, input: &ReportInput, l: &Labels) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"generator\" content=\"circleplan {}\">\
         <title>{} · {}</title><style>{CSS}</style></head><body>",
        l.html_lang,
        env!("CARGO_PKG_VERSION"),
        esc(l.title),
        esc(kind(input, l)),
    );
}

/// A number that mirrors a `summary.json` key, for readers and for tests.
pub(crate) fn keyed(key: &str, value: f64, shown: &str) -> String {
    format!(
        "<span data-key=\"{key}\" data-value=\"{}\">{}</span>",
        exact(value),
        esc(shown)
    )
}

fn metric_label(metric: Metric, l: &Labels) -> &'static str {
    match metric {
        Metric::Euclidean => l.metric_euclidean,
        Metric::Network => l.metric_network,
        Metric::Matrix => l.metric_matrix,
    }
}

pub(crate) fn card(out: &mut String, class: &str, title: &str, big: &str, small: &str) {
    card_with(out, class, "", title, big, small);
}

/// A card whose `<div>` carries `attrs` (written as given, e.g. ` data-metric="share"`).
pub(crate) fn card_with(
    out: &mut String,
    class: &str,
    attrs: &str,
    title: &str,
    big: &str,
    small: &str,
) {
    let _ = write!(
        out,
        "<div class=\"card {class}\"{attrs}><div class=\"k\">{}</div><div class=\"big\">{big}</div>\
         <div class=\"small\">{small}</div></div>",
        esc(title)
    );
}

/// How distance was measured, as every headline states it: 直线距离 / 步行距离 / 成本表.
fn method(input: &ReportInput) -> &'static str {
    crate::report::method_label(input.analysis.metric, input.lang)
}

/// `title` with the method, as every chart title and table caption states it:
/// `标题（步行距离）` / `Title (walking distance)`.
fn with_method(title: &str, input: &ReportInput) -> String {
    match input.lang {
        Lang::Zh => format!("{title}（{}）", method(input)),
        Lang::En => format!("{title} ({})", method(input)),
    }
}

/// Title, inputs line and the headline cards.
fn header(out: &mut String, input: &ReportInput, l: &Labels) {
    let _ = write!(
        out,
        "<header><h1>{} <span class=\"kind\">{}</span> <span class=\"kind method\" \
         data-method=\"{}\">{}</span></h1><p class=\"inputs\">",
        esc(l.title),
        esc(kind(input, l)),
        input.analysis.metric,
        method(input)
    );
    let files = input_spans(input.run, l);
    let _ = write!(out, "{}: {}", l.inputs, files.join(" · "));
    if let Some(d) = &input.date {
        let _ = write!(out, " · <span class=\"date\">{}</span>", esc(d));
    }
    for (label, href) in &input.links {
        let _ = write!(
            out,
            " · <a class=\"related\" href=\"{}\">{}</a>",
            esc(href),
            esc(label)
        );
    }
    out.push_str("</p>");
    out.push_str("<div class=\"cards\">");
    coverage_cards(out, input, l);
    circle_card(out, input, l);
    centre_cards(out, input, l);
    plan_cards(out, input, l);
    out.push_str("</div></header>");
}

/// The headline card's class by what its share means: green from 90 %, the warning colour
/// under 50 %, plain between (a poor result never reads as good, a good one never as alarm).
pub(crate) fn headline_class(share: f64) -> &'static str {
    if share >= 0.9 {
        "primary"
    } else if share < 0.5 {
        "primary warn"
    } else {
        "primary plain"
    }
}

/// The population and compound cards.
fn coverage_cards(out: &mut String, input: &ReportInput, l: &Labels) {
    let t = &input.analysis.totals;
    // The card's own data-value follows the what-if switches; its data-key numbers stay
    // those of summary.json.
    card_with(
        out,
        headline_class(t.population_share()),
        &format!(
            " data-metric=\"share\" data-value=\"{}\"{}",
            exact(t.population_share()),
            if input.what_if.is_some() {
                format!(" data-live=\"{}\"", esc(l.whatif))
            } else {
                String::new()
            }
        ),
        &format!("{} · {}", l.population_covered, method(input)),
        &keyed(
            "population.share",
            t.population_share(),
            &pct(t.population_share()),
        ),
        &format!(
            "{} / {} {}",
            keyed(
                "population.covered",
                t.population_covered,
                &int(t.population_covered)
            ),
            keyed(
                "population.total",
                t.population_total,
                &int(t.population_total)
            ),
            l.residents
        ),
    );
    if let Some(second) = &input.second {
        second_method_card(out, input, second, l);
    }
    let unreachable = if t.compounds_unreachable > 0 {
        format!(
            " · {} {}",
            keyed(
                "compounds.unreachable",
                t.compounds_unreachable as f64,
                &int(t.compounds_unreachable as f64)
            ),
            l.unreachable
        )
    } else {
        String::new()
    };
    card(
        out,
        "",
        l.compounds_covered,
        &format!(
            "{} <small>/ {}</small>",
            keyed(
                "compounds.covered",
                t.compounds_covered as f64,
                &int(t.compounds_covered as f64)
            ),
            keyed(
                "compounds.total",
                t.compounds_total as f64,
                &int(t.compounds_total as f64)
            )
        ),
        &format!(
            "{}{unreachable}",
            keyed(
                "compounds.share",
                t.compound_share(),
                &pct(t.compound_share())
            )
        ),
    );
}

/// The share covered by the second method, titled with its method like the headline beside
/// it (keyed to its `summary.json` section).
fn second_method_card(out: &mut String, input: &ReportInput, m: &SecondMethod, l: &Labels) {
    let t = &m.totals;
    let key = |k: &str| format!("{}.{k}", m.section);
    let difference = (t.population_share() - input.analysis.totals.population_share()) * 100.0;
    card_with(
        out,
        &format!("{} second", headline_class(t.population_share())),
        &format!(" data-method=\"{}\"", m.metric),
        &format!(
            "{} · {}",
            l.population_covered,
            crate::report::method_label(m.metric, input.lang)
        ),
        &keyed(
            &key("population.share"),
            t.population_share(),
            &pct(t.population_share()),
        ),
        &format!(
            "{} / {} {} · {}",
            keyed(
                &key("population.covered"),
                t.population_covered,
                &int(t.population_covered)
            ),
            keyed(
                &key("population.total"),
                t.population_total,
                &int(t.population_total)
            ),
            l.residents,
            match input.lang {
                Lang::Zh => format!("相对{} {difference:+.1}{}", method(input), l.points),
                Lang::En => format!("{difference:+.1}{} vs {}", l.points, method(input)),
            }
        ),
    );
}

/// The circle card: minutes, radius, speed, metric and per-level radii.
fn circle_card(out: &mut String, input: &ReportInput, l: &Labels) {
    let (a, c) = (input.analysis, input.circle);
    let mut levels = String::new();
    for (lv, r) in &c.level_radius_m {
        let _ = write!(levels, " · {} {}", esc(&l.level(lv)), metres(*r));
    }
    card(
        out,
        "",
        l.circle,
        &format!(
            "{} {}",
            keyed(
                "circle.minutes",
                round(c.minutes, 4),
                &crate::report::table::minutes_text(c.minutes)
            ),
            l.minutes
        ),
        &format!(
            "{} m · {} km/h · {}: <span data-key=\"circle.metric\" data-value=\"{}\">{}</span>{levels}",
            keyed(
                "circle.radius_m",
                round(c.radius_m, 4),
                &format!("{:.0}", c.radius_m)
            ),
            keyed("circle.speed_kmh", c.speed_kmh, &format!("{}", c.speed_kmh)),
            l.metric,
            a.metric,
            metric_label(a.metric, l)
        ),
    );
}

/// The centres and distance cards.
fn centre_cards(out: &mut String, input: &ReportInput, l: &Labels) {
    let a = input.analysis;
    let serving = a.loads.iter().filter(|x| x.served_compounds > 0).count();
    card(
        out,
        "",
        l.centres,
        &keyed(
            "centers.total",
            a.loads.len() as f64,
            &int(a.loads.len() as f64),
        ),
        &format!(
            "{} {} · {} {}",
            l.serving,
            keyed("centers.serving", serving as f64, &int(serving as f64)),
            l.idle,
            keyed(
                "centers.idle",
                (a.loads.len() - serving) as f64,
                &int((a.loads.len() - serving) as f64)
            )
        ),
    );
    if let Some(d) = &a.distance {
        card(
            out,
            "",
            l.distance_card,
            &keyed(
                "distance_m.median",
                round(d.median_m, 2),
                &metres(d.median_m),
            ),
            &format!(
                "{} {} · {} {}",
                l.p90,
                keyed("distance_m.p90", round(d.p90_m, 2), &metres(d.p90_m)),
                l.pop_mean,
                keyed(
                    "distance_m.population_mean",
                    round(d.population_mean_m, 2),
                    &metres(d.population_mean_m)
                )
            ),
        );
    }
}

/// The gap and site cards, when the run has them.
fn plan_cards(out: &mut String, input: &ReportInput, l: &Labels) {
    if let Some(g) = &input.gaps {
        let uncovered: f64 = g.zones.iter().map(|z| z.population).sum();
        card(
            out,
            "warn",
            l.gap_zones,
            &keyed(
                "gaps.zones",
                g.zones.len() as f64,
                &int(g.zones.len() as f64),
            ),
            &format!(
                "{} {}",
                keyed("gaps.uncovered_population", uncovered, &int(uncovered)),
                l.uncovered_residents
            ),
        );
    }
    if let Some(s) = &input.sites {
        let p = s.plan;
        let share = if p.total_population > 0.0 {
            p.objective / p.total_population
        } else {
            0.0
        };
        let proof = if p.optimal {
            l.proven_optimal.to_string()
        } else {
            format!("{} {}", l.certified_gap, pct(p.gap))
        };
        let title = l.covered_after.replace("{k}", &p.sites.len().to_string());
        card(
            out,
            "good",
            &title,
            &keyed("site.share", share, &pct(share)),
            &format!(
                "+{} {} · {proof}",
                keyed(
                    "site.added_population",
                    p.added_population,
                    &int(p.added_population)
                ),
                l.residents
            ),
        );
    }
}

pub(crate) fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

fn map_section(out: &mut String, map: &map::Map, input: &ReportInput, l: &Labels) {
    let _ = write!(
        out,
        "<section class=\"map-card\" id=\"map-section\">{}{}\
         <div class=\"map-wrap\">{}</div>{}{}</section>",
        map_bar(&with_method(l.map, input), l),
        whatif::switcher(input, l),
        map.svg,
        map.legend,
        whatif::panel(input, l)
    );
}

/// The map card's title bar: the title, the hint and the zoom buttons.
pub(crate) fn map_bar(title: &str, l: &Labels) -> String {
    format!(
        "<div class=\"bar\"><h2>{}</h2><span class=\"hint\">{}</span><span class=\"tools\">\
         <button type=\"button\" data-zoom=\"in\" aria-label=\"+\">+</button>\
         <button type=\"button\" data-zoom=\"out\" aria-label=\"-\">−</button>\
         <button type=\"button\" data-zoom=\"reset\">{}</button></span></div>",
        esc(title),
        esc(l.map_hint),
        esc(l.reset)
    )
}

pub(crate) fn figure(out: &mut String, id: &str, title: &str, svg: &str, caption: &str) {
    let _ = write!(
        out,
        "<figure class=\"chart-card\" id=\"{id}\"><figcaption><h2>{}</h2></figcaption>{svg}{caption}</figure>",
        esc(title)
    );
}

fn charts_section(out: &mut String, input: &ReportInput, l: &Labels) {
    let a = input.analysis;
    out.push_str("<section class=\"charts\">");
    let svg = charts::coverage_curve(&a.curve, input.circle.minutes, input.circle.speed_kmh, l);
    let mut values = String::from("<p class=\"values\">");
    for (m, r, s) in &a.curve {
        let _ = write!(
            values,
            "<span>{} {} ({}) <b data-curve-minutes=\"{m}\" data-value=\"{}\">{}</b></span>",
            crate::report::table::minutes_text(*m),
            l.minutes,
            metres(*r),
            exact(*s),
            pct(*s)
        );
    }
    values.push_str("</p>");
    let title = with_method(l.chart_curve, input);
    figure(out, "fig-coverage-curve", &title, &svg, &values);
    if let Some(svg) = charts::distance_histogram(
        &a.coverage.nearest_cost_m,
        &input.compounds.population,
        input.circle.radius_m,
        l,
        input.lang,
    ) {
        let note = format!("<p class=\"note\">{}</p>", esc(l.chart_hist_note));
        let title = with_method(l.chart_hist, input);
        figure(out, "fig-distance-histogram", &title, &svg, &note);
    }
    if let Some(s) = &input.sites
        && let Some(svg) = charts::marginal_gain(s.plan, l, input.lang)
    {
        let title = with_method(l.chart_gain, input);
        figure(out, "fig-marginal-gain", &title, &svg, "");
    }
    if let Some(s) = &input.sites
        && let Some(d) = s.distance
        && let Some(svg) = charts::walk_curve(d, &input.compounds.population, l)
    {
        let note = format!(
            "<p class=\"values\"><span>{} <b>{}</b></span><span>{} <b>{}</b></span></p>\
             <p class=\"note\">{}</p>",
            esc(l.chart_walk_before),
            keyed(
                "site.mean_distance_before_m",
                d.mean_before_m,
                &metres(d.mean_before_m)
            ),
            esc(l.chart_walk_after),
            keyed(
                "site.mean_distance_m",
                d.mean_distance_m,
                &metres(d.mean_distance_m)
            ),
            esc(&l
                .chart_walk_note
                .replace("{cap}", &crate::report::table::fixed(d.cap_m, 0)))
        );
        let title = with_method(l.chart_walk, input);
        figure(out, "fig-walk-curve", &title, &svg, &note);
    }
    out.push_str("</section>");
}

/// A sortable table: `columns` are (label, numeric); each cell is (sort value, HTML).
pub(crate) fn table(
    out: &mut String,
    id: &str,
    title: &str,
    columns: &[(&str, bool)],
    rows: &[Vec<(Option<f64>, String)>],
    note: &str,
    l: &Labels,
) {
    let _ = write!(
        out,
        "<section class=\"table-card\" id=\"{id}\"><h2>{}</h2><p class=\"hint\">{}{}</p>\
         <div class=\"scroll\"><table class=\"sortable\"><thead><tr>",
        esc(title),
        esc(l.sort_hint),
        note
    );
    for (label, numeric) in columns {
        let _ = write!(
            out,
            "<th{}>{}</th>",
            if *numeric {
                " data-type=\"num\" class=\"num\""
            } else {
                ""
            },
            esc(label)
        );
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for (v, html) in row {
            match v {
                Some(v) => {
                    let _ = write!(
                        out,
                        "<td class=\"num\" data-v=\"{}\">{html}</td>",
                        exact(*v)
                    );
                }
                None => {
                    let _ = write!(out, "<td>{html}</td>");
                }
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div></section>");
}

pub(crate) fn num(x: f64) -> (Option<f64>, String) {
    (Some(x), int(x))
}

pub(crate) fn text_cell(s: &str) -> (Option<f64>, String) {
    (None, esc(s))
}

pub(crate) fn share_cell(share: f64) -> (Option<f64>, String) {
    (
        Some(share),
        format!(
            "<span class=\"sbar\" style=\"width:{:.1}%\"></span><span class=\"pv\">{}</span>",
            (share * 100.0).clamp(0.0, 100.0),
            pct(share)
        ),
    )
}

fn group_tables(out: &mut String, input: &ReportInput, l: &Labels) {
    for (g, (field, rows)) in input
        .compounds
        .group_fields
        .iter()
        .zip(&input.analysis.groups)
        .enumerate()
    {
        let title = match input.lang {
            Lang::Zh if has_cjk(field) => format!("{}{}统计", l.by_field, field),
            Lang::Zh => format!("{} {} 统计", l.by_field, field),
            Lang::En => format!("{} {}", l.by_field, field),
        };
        let title = match input.lang {
            Lang::Zh => format!("{title}（{}）", method(input)),
            Lang::En => format!("{title} ({})", method(input)),
        };
        let live = input.what_if.and_then(|w| w.groups.get(g));
        let body: Vec<Vec<(Option<f64>, String)>> = rows
            .iter()
            .map(|r| {
                let mut covered = num(r.covered_population);
                let mut share = share_cell(r.share);
                if let Some(v) = live.and_then(|w| w.values.binary_search(&r.value).ok()) {
                    let at = format!("data-wi-g=\"{g}\" data-wi-v=\"{v}\"");
                    covered.1 = format!("<span data-wi=\"pop\" {at}>{}</span>", covered.1);
                    share.1 = share.1.replace(
                        "class=\"pv\"",
                        &format!("class=\"pv\" data-wi=\"share\" {at}"),
                    );
                }
                vec![
                    text_cell(if r.value.is_empty() {
                        l.none_value
                    } else {
                        &r.value
                    }),
                    num(r.compounds as f64),
                    num(r.covered_compounds as f64),
                    num(r.population),
                    covered,
                    share,
                ]
            })
            .collect();
        table(
            out,
            &format!("table-group-{g}"),
            &title,
            &[
                (field, false),
                (l.col_compounds, true),
                (l.col_covered_compounds, true),
                (l.col_population, true),
                (l.col_covered_population, true),
                (l.col_share, true),
            ],
            &body,
            "",
            l,
        );
    }
}

/// Rows of the over-subscribed centres table at most.
const MAX_CAPACITY_ROWS: usize = 200;

/// The centres whose residents within reach exceed their capacity, most over-subscribed
/// first, with what they were assigned.
fn capacity_table(
    out: &mut String,
    input: &ReportInput,
    cap: &crate::capacity::Capacitated,
    l: &Labels,
) {
    let loads = &input.analysis.loads;
    let over = cap.over_subscribed(loads);
    let body: Vec<Vec<(Option<f64>, String)>> = over
        .iter()
        .take(MAX_CAPACITY_ROWS)
        .map(|&(s, _)| {
            vec![
                text_cell(&input.centres.ids[s]),
                num(loads[s].served_population),
                num(cap.capacity[s]),
                num(cap.assignment.assigned[s]),
                share_cell(cap.utilisation(s)),
            ]
        })
        .collect();
    table(
        out,
        "table-capacity",
        l.over_capacity,
        &[
            (l.col_centres, false),
            (l.col_within_reach, true),
            (l.col_capacity, true),
            (l.col_assigned, true),
            (l.col_utilisation, true),
        ],
        &body,
        "",
        l,
    );
}

fn level_table(out: &mut String, input: &ReportInput, l: &Labels) {
    let rows = &input.analysis.levels;
    if rows.is_empty() {
        return;
    }
    let order = crate::report::table::by_hierarchy(rows.iter().map(|r| r.level.as_str()));
    let body: Vec<Vec<(Option<f64>, String)>> = order
        .into_iter()
        .map(|k| &rows[k])
        .map(|r| {
            vec![
                text_cell(&l.level(&r.level)),
                num(r.centers as f64),
                num(r.radius_m),
                num(r.covered_compounds as f64),
                num(r.covered_population),
                share_cell(r.share),
            ]
        })
        .collect();
    table(
        out,
        "table-levels",
        &with_method(l.by_level, input),
        &[
            (l.col_level, false),
            (l.col_centres, true),
            (l.col_radius_m, true),
            (l.col_covered_compounds, true),
            (l.col_covered_population, true),
            (l.col_share, true),
        ],
        &body,
        "",
        l,
    );
}

fn zones_table(out: &mut String, g: &GapsReport, compounds: &Compounds, l: &Labels) {
    let body: Vec<Vec<(Option<f64>, String)>> = g
        .zones
        .iter()
        .enumerate()
        .take(MAX_ZONE_ROWS)
        .map(|(z, zone)| {
            let (site, gain) = match zone.best_site {
                Some((s, p)) => (esc(&g.sites.ids[s as usize]), Some(p)),
                None => (String::new(), None),
            };
            vec![
                (Some(z as f64), zone_id(z)),
                num(zone.population),
                num(zone.compounds.len() as f64),
                text_cell(&compounds.ids[zone.compounds[0] as usize]),
                (None, site),
                match gain {
                    Some(p) => num(p),
                    None => (Some(0.0), String::new()),
                },
            ]
        })
        .collect();
    let note = if g.zones.len() > MAX_ZONE_ROWS {
        format!(
            " · +{} {}",
            g.zones.len() - MAX_ZONE_ROWS,
            esc(l.more_zones)
        )
    } else {
        String::new()
    };
    let gain_col = format!("{} ({})", l.col_gain, l.col_best_site);
    table(
        out,
        "table-zones",
        l.gap_zones,
        &[
            (l.col_zone, true),
            (l.col_population, true),
            (l.col_compounds, true),
            (l.col_first_compound, false),
            (l.col_best_site, false),
            (&gain_col, true),
        ],
        &body,
        &note,
        l,
    );
}

fn sites_table(out: &mut String, s: &SitesReport, l: &Labels) {
    let body: Vec<Vec<(Option<f64>, String)>> = s
        .plan
        .sites
        .iter()
        .map(|site| {
            let [lon, lat] = s.candidates.lonlat[site.candidate as usize];
            vec![
                (Some(site.rank as f64), site.rank.to_string()),
                text_cell(&s.candidates.ids[site.candidate as usize]),
                (None, format!("{lon:.6}, {lat:.6}")),
                num(site.gain_population),
                num(site.cumulative_population),
                share_cell(site.cumulative_share),
            ]
        })
        .collect();
    let goal = match s.plan.goal {
        Goal::Add(k) => format!(" · {}", l.goal_add.replace("{k}", &k.to_string())),
        Goal::Target(t) => format!(" · {} {}", l.target, pct(t)),
    };
    let note = format!(
        "{goal} · {} {} ({}) · {}",
        int(s.candidates.ids.len() as f64),
        l.candidates_word,
        esc(s.source),
        if s.plan.optimal {
            l.proven_optimal.to_string()
        } else {
            format!("{} {}", l.certified_gap, pct(s.plan.gap))
        }
    );
    table(
        out,
        "table-sites",
        l.new_sites,
        &[
            (l.col_rank, true),
            (l.col_site, false),
            ("lon, lat (WGS84)", false),
            (l.col_gain, true),
            (l.col_covered_population, true),
            (l.col_cumulative, true),
        ],
        &body,
        &note,
        l,
    );
}

/// Coordinate system, data sources, version and the command line.
fn footer(out: &mut String, input: &ReportInput, l: &Labels) {
    let _ = write!(
        out,
        "<footer id=\"reproduce\"><h2>{}</h2><dl><dt>{}</dt><dd>{} — {}</dd><dt>{}</dt><dd><ul>",
        esc(l.reproduce),
        esc(l.coordinates),
        esc(&plane_text(&input.analysis.study, l)),
        esc(l.coordinates_note),
        esc(l.data_sources)
    );
    let zh = l.html_lang.starts_with("zh");
    let roles: Vec<&str> = input.run.inputs.iter().map(|(r, _)| r.as_str()).collect();
    for (role, info) in &input.run.inputs {
        let _ = write!(
            out,
            "<li data-source=\"{}\" data-features=\"{}\">{}: <code>{}</code> — {} {} ({}{})</li>",
            esc(role),
            info.features,
            esc(&role_label(role, &roles, zh)),
            esc(&info.path),
            int(info.features as f64),
            l.features,
            esc(&info.coords),
            info.crs
                .as_deref()
                .map(|c| format!(", {}", esc(c)))
                .unwrap_or_default()
        );
    }
    if let (Some(path), Some(_)) = (&input.network_source, input.network) {
        let _ = write!(
            out,
            "<li data-source=\"network\">{}: <code>{}</code></li>",
            esc(l.network_checks[0]),
            esc(path)
        );
    }
    if let Some(s) = &input.sites {
        let _ = write!(
            out,
            "<li>{}: <code>{}</code> — {} {}</li>",
            esc(&role_label("candidates", &roles, zh)),
            esc(s.source),
            int(s.candidates.ids.len() as f64),
            l.features
        );
    }
    let _ = write!(
        out,
        "<li>{}: {}</li></ul></dd><dt>{}</dt><dd>circleplan <span id=\"version\">{}</span></dd>",
        l.population_source,
        esc(&population_source_text(
            &input.compounds.population_source,
            zh
        )),
        esc(l.version),
        env!("CARGO_PKG_VERSION")
    );
    let _ = write!(
        out,
        "<dt>{}</dt><dd><code id=\"command-line\">{}</code></dd>",
        esc(l.command_line),
        esc(&shell_line(&input.command_line))
    );
    if let Some(n) = &input.analysis.network {
        let [title, nodes, snap, compounds, centres] = l.network_checks;
        let _ = write!(
            out,
            "<dt>{title}</dt><dd data-network>{} {nodes} · {:.1} km · {snap} {} m · {compounds} {} · \
             {centres} {}</dd>",
            int(n.nodes as f64),
            n.length_km,
            int(n.snap_limit_m),
            int(n.compounds_beyond_snap_limit as f64),
            int(n.centers_beyond_snap_limit as f64),
        );
    }
    if !input.run.warnings.is_empty() {
        let _ = write!(
            out,
            "<dt>{}</dt><dd><ul class=\"warnings\">",
            esc(l.warnings)
        );
        for w in &input.run.warnings {
            out.push_str("<li>");
            push_esc(out, &warning_text(w, zh));
            out.push_str("</li>");
        }
        out.push_str("</ul></dd>");
    }
    out.push_str("</dl></footer>");
}

/// Checks that every `data-key` number in `html` equals the value at that key of `summary`
/// (dotted path), within `rel_tol`. Returns the mismatches as text; used by the tests and
/// handy for anyone who post-processes reports.
pub fn headline_mismatches(html: &str, summary: &Value, rel_tol: f64) -> Vec<String> {
    let mut bad = Vec::new();
    let mut rest = html;
    while let Some(k) = rest.find("data-key=\"") {
        rest = &rest[k + 10..];
        let key = &rest[..rest.find('"').unwrap_or(0)];
        let Some(v) = rest.find("data-value=\"") else {
            break;
        };
        let after = &rest[v + 12..];
        let value = &after[..after.find('"').unwrap_or(0)];
        let mut node = summary;
        for part in key.split('.') {
            node = &node[part];
        }
        let ok = match (node, value.parse::<f64>()) {
            (Value::Number(n), Ok(x)) => {
                let y = n.as_f64().unwrap_or(f64::NAN);
                (x - y).abs() <= rel_tol * y.abs().max(1.0)
            }
            (Value::String(s), _) => s == value,
            _ => false,
        };
        if !ok {
            bad.push(format!("{key}: report {value}, summary {node}"));
        }
    }
    bad
}

/// The run's input layers for a page header: role, file name and feature count, each in a
/// `data-input` span.
pub(crate) fn input_spans(run: &RunInfo, l: &Labels) -> Vec<String> {
    let zh = l.html_lang.starts_with("zh");
    let roles: Vec<&str> = run.inputs.iter().map(|(r, _)| r.as_str()).collect();
    (run.inputs.iter())
        .map(|(role, info)| {
            format!(
                "<span data-input=\"{}\">{} <b>{}</b> ({} {})</span>",
                esc(role),
                esc(&role_label(role, &roles, zh)),
                esc(file_name(&info.path)),
                int(info.features as f64),
                l.features
            )
        })
        .collect()
}

/// The measuring plane in the page's language.
pub(crate) fn plane_text(study: &crate::study::StudyArea, l: &Labels) -> String {
    study.describe_plane(l.html_lang.starts_with("zh"))
}

/// Where populations came from (`field "population"`, else …) in the page's language.
pub(crate) fn population_source_text(source: &str, zh: bool) -> String {
    if !zh {
        return source.to_string();
    }
    source
        .replace(", else ", "，否则 ")
        .replace(" persons per household", " 人/户")
        .replace("1 per compound", "每个小区按 1 人")
        .replace("field ", "字段 ")
}

/// A warning as a page shows it: in Chinese on a Chinese page.
pub(crate) fn warning_text(w: &crate::Warning, zh: bool) -> String {
    if zh { w.zh() } else { w.to_string() }
}

/// An input's role as a reader says it: `compounds` → 小区 / compounds, `facilities_1` →
/// 设施 (numbered only when several layers share the role), `scenario:A` → 方案 A.
pub(crate) fn role_label(role: &str, roles: &[&str], zh: bool) -> String {
    if let Some(name) = role.strip_prefix("scenario:") {
        return if zh {
            match name.starts_with("方案") {
                true => name.to_string(),
                false => format!("方案 {name}"),
            }
        } else {
            format!("scenario {name}")
        };
    }
    let (base, number) = match role.rsplit_once('_') {
        Some((b, n)) if !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()) => (b, Some(n)),
        _ => (role, None),
    };
    let word = match (base, zh) {
        (base, true) => crate::warning::zh_role(base),
        ("centers", false) => "centres",
        (other, false) => other,
    };
    let shared = roles
        .iter()
        .filter(|r| r.rsplit_once('_').map_or(**r, |(b, _)| b) == base)
        .count();
    match number {
        Some(n) if shared > 1 => format!("{word} {n}"),
        _ => word.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Summary;
    use crate::report::test_district as district;

    #[test]
    fn headline_colour_follows_what_the_share_means() {
        assert_eq!(headline_class(0.95), "primary");
        assert_eq!(headline_class(0.9), "primary");
        assert_eq!(headline_class(0.7), "primary plain");
        assert_eq!(headline_class(0.37), "primary warn");
        assert_eq!(headline_class(0.0), "primary warn");
    }

    #[test]
    fn population_sources_read_in_chinese() {
        // The forms `Compounds::load` writes (model.rs `population_sources`).
        let source = "field \"人口\", else field \"户数\" × 2.8 persons per household";
        assert_eq!(
            population_source_text(source, true),
            "字段 \"人口\"，否则 字段 \"户数\" × 2.8 人/户"
        );
        assert_eq!(
            population_source_text("1 per compound", true),
            "每个小区按 1 人"
        );
        assert_eq!(population_source_text(source, false), source);
    }

    #[test]
    fn input_roles_read_as_words_numbered_only_when_shared() {
        let one = ["compounds", "facilities_1"];
        assert_eq!(role_label("facilities_1", &one, true), "设施");
        assert_eq!(role_label("compounds", &one, false), "compounds");
        let two = ["centers", "centers_2"];
        assert_eq!(role_label("centers_2", &two, false), "centres 2");
        assert_eq!(role_label("centers", &two, true), "服务中心");
        assert_eq!(role_label("scenario:方案A", &one, true), "方案A");
        assert_eq!(role_label("scenario:B", &one, true), "方案 B");
    }

    #[test]
    fn renders_one_mark_per_compound_and_centre_with_matching_numbers() {
        let (c, s) = district(200);
        let circle = Circle::from_minutes(10.0, 4.0).unwrap();
        let a = Analysis::euclidean(&c, &s, &circle, &mut Vec::new());
        let run = RunInfo::default();
        let input = ReportInput::new(&a, &c, &s, &circle, &run);
        assert_eq!(input.lang, Lang::Zh, "synthetic street names are Chinese");
        let html = render(&input);
        assert_eq!(html.matches("class=\"cp ").count(), c.len());
        assert_eq!(html.matches("class=\"ct ").count(), s.len());
        assert!(html.contains("id=\"chart-coverage-curve\""));
        assert!(html.contains("id=\"chart-distance-histogram\""));
        assert!(!html.contains("id=\"chart-marginal-gain\""));
        let summary = Summary::new(&a, &c, &circle, &run).to_value();
        assert_eq!(
            headline_mismatches(&html, &summary, 1e-9),
            Vec::<String>::new()
        );
    }

    #[test]
    fn aggregates_compounds_above_the_threshold() {
        let (c, s) = district(300);
        let circle = Circle::from_minutes(15.0, 4.0).unwrap();
        let a = Analysis::euclidean(&c, &s, &circle, &mut Vec::new());
        let run = RunInfo::default();
        let mut input = ReportInput::new(&a, &c, &s, &circle, &run);
        input.density_threshold = 100;
        input.lang = Lang::En;
        let html = render(&input);
        assert!(html.contains("data-mode=\"density\""));
        assert_eq!(html.matches("class=\"cp ").count(), 0);
        assert!(html.matches("class=\"dc ").count() > 0);
        assert!(html.contains("<html lang=\"en\">"));
    }

    /// The embedded page data of a rendered report, parsed.
    fn page_data(html: &str) -> Value {
        let open = "<script type=\"application/json\" id=\"page-data\">";
        let start = html.find(open).expect("page data embedded") + open.len();
        let end = start + html[start..].find("</script>").unwrap();
        serde_json::from_str(&html[start..end]).expect("page data parses")
    }

    /// Scenario names of the fixture: one Chinese, one full of markup.
    const NAMES: [&str; 2] = ["方案A", "<script>x</script>&B"];

    /// A small city with two scenarios (the second closes two centres) and the what-if over
    /// their sites, seven sites said to be left out.
    struct Fixture {
        c: Compounds,
        s: Centres,
        circle: Circle,
        a: Analysis,
        scenarios: Vec<crate::coverage::Scenario>,
        cmp: crate::coverage::Comparison,
        w: crate::coverage::WhatIf,
    }

    fn fixture() -> Fixture {
        use crate::coverage::{Costs, Scenario, SwitchSite, compare, what_if};
        let (c, s, cands) = crate::synth::small_city(400, 20, 3);
        let circle = Circle::from_radius(700.0, 4.0).unwrap();
        let a = Analysis::euclidean(&c, &s, &circle, &mut Vec::new());
        let scenarios: Vec<Scenario> = NAMES
            .iter()
            .enumerate()
            .map(|(k, n)| Scenario {
                name: n.to_string(),
                added: cands.select(&[k, k + 2, k + 4]),
                closed: if k == 1 { vec![1, 3] } else { Vec::new() },
            })
            .collect();
        let cmp = compare(&a, &Costs::Euclidean, &c, &s, &circle, &scenarios);
        let switch = |id: &str, lonlat, existing, on| SwitchSite {
            id: id.to_string(),
            lonlat,
            budget_m: 700.0,
            existing,
            on,
            kind: if on { "existing" } else { "proposed" },
        };
        let mut sites: Vec<SwitchSite> = (0..6)
            .map(|i| switch(&cands.ids[i], cands.lonlat[i], None, false))
            .collect();
        sites.extend(
            [1u32, 3].map(|i| switch(&s.ids[i as usize], s.lonlat[i as usize], Some(i), true)),
        );
        let mut w = what_if(&a, &Costs::Euclidean, &c, &sites);
        w.sites_left_out = 7;
        Fixture {
            c,
            s,
            circle,
            a,
            scenarios,
            cmp,
            w,
        }
    }

    #[test]
    fn scenario_report_has_switches_switcher_and_escaped_names() {
        let Fixture {
            c,
            s,
            circle,
            a,
            scenarios,
            cmp,
            w,
        } = fixture();
        let names = NAMES;
        let run = RunInfo::default();
        let mut input = ReportInput::new(&a, &c, &s, &circle, &run);
        input.scenarios = Some(ScenariosReport {
            comparison: &cmp,
            scenarios: &scenarios,
        });
        input.what_if = Some(&w);
        let html = render(&input);

        // The contract: the share card and one mark per switchable site.
        let share = format!(
            "data-metric=\"share\" data-value=\"{}\"",
            exact(a.totals.population_share())
        );
        assert!(html.contains(&share), "the share card carries the share");
        assert_eq!(html.matches("data-site-id=\"").count(), w.sites.len());
        for site in &w.sites {
            assert!(html.contains(&format!("data-site-id=\"{}\"", esc(&site.id))));
        }
        assert!(html.contains("data-left-out=\"7\""));
        assert!(html.contains("id=\"whatif-line\"") && html.contains("id=\"whatif-copy\""));
        // The switcher, the cards, a chart per group field, the tables.
        assert_eq!(html.matches("data-scenario=\"").count(), names.len() + 1);
        assert_eq!(
            html.matches("data-scenario-card=\"").count(),
            names.len() + 1
        );
        assert!(html.contains("id=\"chart-scenarios-0\""));
        assert!(
            html.contains("id=\"table-scenarios\"")
                && html.contains("id=\"table-scenario-group-0\"")
        );
        assert!(html.contains("data-wi=\"share\""), "live group cells");
        // Names escaped in the markup, intact in the data.
        assert!(!html.contains("<script>x"));
        assert!(html.contains("&lt;script&gt;x&lt;/script&gt;&amp;B"));
        let data = page_data(&html);
        assert_eq!(
            data["whatif"]["sites"].as_array().unwrap().len(),
            w.sites.len()
        );
        let page: Vec<&str> = data["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert_eq!(page, names);
        // Scenario B switches its three sites on and both centres off; that is its share.
        let b = &data["scenarios"][1];
        assert_eq!(b["exact"], true);
        let mut on: Vec<bool> = w.sites.iter().map(|s| s.existing).collect();
        for k in b["added"].as_array().unwrap() {
            on[k.as_u64().unwrap() as usize] = true;
        }
        for k in b["closed"].as_array().unwrap() {
            on[k.as_u64().unwrap() as usize] = false;
        }
        let share_b = w.covered_population(&on) / w.total_population;
        assert!((share_b - cmp.scenarios[1].share).abs() < 1e-12);
        let marked = b["gained"].as_array().unwrap().len() + b["lost"].as_array().unwrap().len();
        assert_eq!(
            marked,
            cmp.scenarios[1].compounds_gained + cmp.scenarios[1].compounds_lost
        );
        assert_eq!(
            data["changed_xy"].as_array().unwrap().len(),
            2 * data["changed"].as_array().unwrap().len()
        );
        // The summary's numbers are still those on the page.
        let summary = Summary::new(&a, &c, &circle, &run).to_value();
        assert_eq!(
            headline_mismatches(&html, &summary, 1e-9),
            Vec::<String>::new()
        );
    }

    #[test]
    fn reports_without_scenarios_carry_no_page_data() {
        let (c, s) = district(60);
        let circle = Circle::from_minutes(10.0, 4.0).unwrap();
        let a = Analysis::euclidean(&c, &s, &circle, &mut Vec::new());
        let run = RunInfo::default();
        let html = render(&ReportInput::new(&a, &c, &s, &circle, &run));
        assert!(!html.contains("id=\"page-data\"") && !html.contains("data-site-id=\""));
        assert!(html.contains("data-metric=\"share\""));
    }

    #[test]
    fn escapes_user_text() {
        let (mut c, s) = district(50);
        c.ids[0] = "<script>alert(1)</script>".into();
        let circle = Circle::from_minutes(15.0, 4.0).unwrap();
        let a = Analysis::euclidean(&c, &s, &circle, &mut Vec::new());
        let run = RunInfo::default();
        let html = render(&ReportInput::new(&a, &c, &s, &circle, &run));
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("&lt;script&gt;alert(1)"));
    }
}
