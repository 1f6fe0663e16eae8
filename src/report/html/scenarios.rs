//! The scenario section of a `compare` report: one card per scenario beside the baseline, a
//! grouped bar chart per group field and the tables (scenario figures, then per group value).

use std::fmt::Write;

use super::charts::{self, GroupedBars, scenario_colour};
use super::markup::{esc, exact, int, pct};
use super::text::Labels;
use super::{ReportInput, ScenariosReport, figure, num, share_cell, table, text_cell};
use crate::coverage::ScenarioResult;

/// Group values drawn per chart, at most (the most populous).
const MAX_CHART_VALUES: usize = 15;
/// Rows of a per-group scenario table, at most.
const MAX_GROUP_ROWS: usize = 2_000;

/// A change in residents with its sign: `+1,200`, `−300`, `0`.
fn signed_int(x: f64) -> String {
    let s = int(x.abs());
    if x.round() > 0.0 {
        format!("+{s}")
    } else if x.round() < 0.0 {
        format!("−{s}")
    } else {
        s
    }
}

/// A change in share in percentage points: `+1.2 pp`, `−0.4个百分点`.
fn signed_points(x: f64, l: &Labels) -> String {
    let s = crate::report::table::fixed(x.abs() * 100.0, 1);
    let sign = if s.bytes().all(|b| b == b'0' || b == b'.') {
        ""
    } else if x > 0.0 {
        "+"
    } else {
        "−"
    };
    format!("{sign}{s}{}", l.points)
}

fn trend(x: f64) -> &'static str {
    if x > 0.0 {
        "up"
    } else if x < 0.0 {
        "down"
    } else {
        "flat"
    }
}

/// The section, when the run compares scenarios.
pub(super) fn section(out: &mut String, input: &ReportInput, sr: &ScenariosReport, l: &Labels) {
    let _ = write!(
        out,
        "<section class=\"scenarios\" id=\"scenarios\"><h2>{}</h2><div class=\"cards scn-cards\">",
        esc(l.scenarios)
    );
    cards(out, input, sr, l);
    out.push_str("</div>");
    charts_row(out, input, sr, l);
    out.push_str("</section>");
    figures_table(out, input, sr, l);
    group_tables(out, input, sr, l);
}

/// The baseline card, then one card per scenario.
fn cards(out: &mut String, input: &ReportInput, sr: &ScenariosReport, l: &Labels) {
    let base = input.analysis.totals.population_share();
    let _ = write!(
        out,
        "<div class=\"card scn\" data-scenario-card=\"base\" style=\"border-top-color:{}\">\
         <div class=\"k\">{}</div><div class=\"big\" data-value=\"{}\">{}</div>\
         <div class=\"small\">{} / {} {}</div></div>",
        scenario_colour(0),
        esc(l.baseline),
        exact(base),
        pct(base),
        int(sr.comparison.baseline_population),
        int(sr.comparison.total_population),
        l.residents
    );
    for (k, r) in sr.comparison.scenarios.iter().enumerate() {
        scenario_card(out, k, r, l);
    }
}

fn scenario_card(out: &mut String, k: usize, r: &ScenarioResult, l: &Labels) {
    let _ = write!(
        out,
        "<div class=\"card scn\" data-scenario-card=\"{k}\" style=\"border-top-color:{}\">\
         <div class=\"k\">{}</div><div class=\"big\" data-value=\"{}\">{}</div>\
         <div class=\"small\"><b class=\"{}\" data-delta-share=\"{}\">{}</b> · \
         <span class=\"{}\">{}</span> {}<br>{}: {} · {}: {}<br>{}: {} · {}: {}</div></div>",
        scenario_colour(k + 1),
        esc(&r.name),
        exact(r.share),
        pct(r.share),
        trend(r.delta_share),
        exact(r.delta_share),
        signed_points(r.delta_share, l),
        trend(r.delta_population),
        signed_int(r.delta_population),
        l.residents,
        esc(l.col_gained),
        signed_int(r.compounds_gained as f64),
        esc(l.col_lost),
        signed_int(-(r.compounds_lost as f64)),
        esc(l.col_added),
        r.added_ids.len(),
        esc(l.col_closed),
        r.closed_ids.len(),
    );
}

/// The colour of each series (the baseline, then the scenarios) and its name.
fn series_legend(results: &[ScenarioResult], l: &Labels) -> String {
    let mut legend = String::from("<ul class=\"legend\">");
    let names = std::iter::once(l.baseline).chain(results.iter().map(|r| r.name.as_str()));
    for (k, name) in names.enumerate() {
        let _ = write!(
            legend,
            "<li><svg class=\"sw\" viewBox=\"0 0 20 20\" aria-hidden=\"true\">\
             <rect x=\"3\" y=\"5\" width=\"14\" height=\"10\" fill=\"{}\"/></svg>{}</li>",
            scenario_colour(k),
            esc(name)
        );
    }
    legend.push_str("</ul>");
    legend
}

/// One grouped bar chart per group field, with a legend of the series.
fn charts_row(out: &mut String, input: &ReportInput, sr: &ScenariosReport, l: &Labels) {
    let results = &sr.comparison.scenarios;
    if results.is_empty() || input.compounds.group_fields.is_empty() {
        return;
    }
    let legend = series_legend(results, l);
    out.push_str("<div class=\"scn-charts\">");
    for (g, field) in input.compounds.group_fields.iter().enumerate() {
        let rows = &results[0].groups[g];
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by(|&a, &b| {
            rows[b]
                .population
                .total_cmp(&rows[a].population)
                .then(a.cmp(&b))
        });
        order.truncate(MAX_CHART_VALUES);
        let share = |covered: f64, population: f64| {
            if population > 0.0 {
                covered / population
            } else {
                0.0
            }
        };
        let values: Vec<&str> = order
            .iter()
            .map(|&v| {
                if rows[v].value.is_empty() {
                    l.none_value
                } else {
                    rows[v].value.as_str()
                }
            })
            .collect();
        let mut series = vec![
            order
                .iter()
                .map(|&v| share(rows[v].baseline_population, rows[v].population))
                .collect::<Vec<f64>>(),
        ];
        series.extend(
            results
                .iter()
                .map(|r| order.iter().map(|&v| r.groups[g][v].share).collect()),
        );
        let title = l.chart_scenario_groups.replace("{field}", field);
        let svg = charts::grouped_bars(
            &GroupedBars {
                id: format!("chart-scenarios-{g}"),
                title: &title,
                values: &values,
                series: &series,
            },
            l,
        );
        let mut caption = legend.clone();
        if rows.len() > MAX_CHART_VALUES {
            let note = l
                .more_values
                .replace("{n}", &MAX_CHART_VALUES.to_string())
                .replace("{m}", &rows.len().to_string());
            let _ = write!(caption, "<p class=\"note\">{}</p>", esc(&note));
        }
        figure(out, &format!("fig-scenarios-{g}"), &title, &svg, &caption);
    }
    out.push_str("</div>");
}

/// A signed number cell.
fn signed_cell(x: f64) -> (Option<f64>, String) {
    (
        Some(x),
        format!("<span class=\"{}\">{}</span>", trend(x), signed_int(x)),
    )
}

/// A signed share-change cell.
fn points_cell(x: f64, l: &Labels) -> (Option<f64>, String) {
    (
        Some(x),
        format!(
            "<span class=\"{}\">{}</span>",
            trend(x),
            signed_points(x, l)
        ),
    )
}

/// One row per scenario (the baseline first) with its figures.
fn figures_table(out: &mut String, input: &ReportInput, sr: &ScenariosReport, l: &Labels) {
    let t = &input.analysis.totals;
    let mut body = vec![vec![
        text_cell(l.baseline),
        num(0.0),
        num(0.0),
        num(sr.comparison.baseline_population),
        share_cell(t.population_share()),
        signed_cell(0.0),
        points_cell(0.0, l),
        num(0.0),
        num(0.0),
    ]];
    body.extend(sr.comparison.scenarios.iter().map(|r| {
        vec![
            text_cell(&r.name),
            num(r.added_ids.len() as f64),
            num(r.closed_ids.len() as f64),
            num(r.covered_population),
            share_cell(r.share),
            signed_cell(r.delta_population),
            points_cell(r.delta_share, l),
            num(r.compounds_gained as f64),
            num(r.compounds_lost as f64),
        ]
    }));
    table(
        out,
        "table-scenarios",
        l.scenario_table,
        &[
            (l.col_scenario, false),
            (l.col_added, true),
            (l.col_closed, true),
            (l.col_covered_population, true),
            (l.col_share, true),
            (l.col_delta_population, true),
            (l.col_delta_share, true),
            (l.col_gained, true),
            (l.col_lost, true),
        ],
        &body,
        "",
        l,
    );
}

/// Per group field, one row per scenario and value.
fn group_tables(out: &mut String, input: &ReportInput, sr: &ScenariosReport, l: &Labels) {
    for (g, field) in input.compounds.group_fields.iter().enumerate() {
        let mut body = Vec::new();
        let mut all = 0;
        for r in &sr.comparison.scenarios {
            for row in &r.groups[g] {
                all += 1;
                if body.len() >= MAX_GROUP_ROWS {
                    continue;
                }
                let value = if row.value.is_empty() {
                    l.none_value
                } else {
                    &row.value
                };
                body.push(vec![
                    text_cell(&r.name),
                    text_cell(value),
                    num(row.population),
                    num(row.baseline_population),
                    num(row.covered_population),
                    share_cell(row.share),
                    points_cell(row.delta_share, l),
                    num(row.compounds_gained as f64),
                    num(row.compounds_lost as f64),
                ]);
            }
        }
        let note = if all > body.len() {
            format!(" · {} / {}", int(body.len() as f64), int(all as f64))
        } else {
            String::new()
        };
        table(
            out,
            &format!("table-scenario-group-{g}"),
            &l.scenario_group_table.replace("{field}", field),
            &[
                (l.col_scenario, false),
                (field, false),
                (l.col_population, true),
                (l.col_baseline_covered, true),
                (l.col_covered_population, true),
                (l.col_share, true),
                (l.col_delta_share, true),
                (l.col_gained, true),
                (l.col_lost, true),
            ],
            &body,
            &note,
            l,
        );
    }
}
