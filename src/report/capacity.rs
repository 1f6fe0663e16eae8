//! Outputs of a capacitated coverage run: the coverage files plus each compound's residents
//! served and each centre's assigned residents and utilisation, and the over-subscribed
//! centres for the terminal.

use super::table::{percent, thousands};
use super::{
    OutputSet, RunInfo, centres_geojson_with, coverage_outputs, pretty_json, push_rounded,
    render_table, write_compounds_geojson,
};
use crate::capacity::Capacitated;
use crate::circle::Circle;
use crate::coverage::Analysis;
use crate::model::{Centres, Compounds};

/// The files of `coverage --capacitated`: those of [`coverage_outputs`], with
/// `compounds.geojson` adding `served`, `centers.geojson` adding `assigned_population` and
/// `utilisation`, and `summary.json` adding `population.served`, `population.served_share`
/// and a `capacity` section.
pub fn capacitated_outputs<'a>(
    analysis: &'a Analysis,
    compounds: &'a Compounds,
    centres: &'a Centres,
    circle: &'a Circle,
    run: &RunInfo,
    circles: bool,
    cap: &'a Capacitated,
) -> (serde_json::Value, OutputSet<'a>) {
    let (mut summary, mut out) =
        coverage_outputs(analysis, compounds, centres, circle, run, circles);
    add_to_summary(&mut summary, analysis, cap);
    out.add("summary.json", pretty_json(&summary).into_bytes());
    out.add_stream(
        "compounds.geojson",
        Box::new(move |w| {
            write_compounds_geojson(w, compounds, centres, analysis, circle, &|s, i| {
                s.push_str(",\"served\":");
                push_rounded(s, cap.assignment.served[i], 3);
            })
        }),
    );
    let centres_layer = centres_geojson_with(centres, analysis, &|s, i| {
        s.push_str(",\"assigned_population\":");
        push_rounded(s, cap.assignment.assigned[i], 3);
        s.push_str(",\"utilisation\":");
        push_rounded(s, cap.utilisation(i), 4);
    });
    out.add("centers.geojson", centres_layer.into_bytes());
    (summary, out)
}

fn add_to_summary(summary: &mut serde_json::Value, analysis: &Analysis, cap: &Capacitated) {
    let total = analysis.totals.population_total;
    let served = cap.assignment.total;
    let share = if total > 0.0 { served / total } else { 0.0 };
    summary["population"]["served"] = served.into();
    summary["population"]["served_share"] = share.into();
    let over = cap.over_subscribed(&analysis.loads);
    let full = (0..cap.capacity.len())
        .filter(|&s| cap.utilisation(s) >= 1.0 - 1e-12)
        .count();
    summary["capacity"] = serde_json::json!({
        "total": cap.capacity.iter().sum::<f64>(),
        "assigned": served,
        "centers_full": full,
        "centers_over_subscribed": over.len(),
        "covered_not_served": analysis.totals.population_covered - served,
    });
}

/// The terminal lines of a capacitated run: residents served, and the most over-subscribed
/// centres (residents within reach against capacity).
pub fn capacity_table(analysis: &Analysis, centres: &Centres, cap: &Capacitated) -> String {
    let total = analysis.totals.population_total;
    let served = cap.assignment.total;
    let mut s = format!(
        "\nUnder capacity: {} of {} residents served ({:.1} %); {} within reach but beyond what \
         their centres can take.\n",
        super::fixed(served, 0),
        super::fixed(total, 0),
        if total > 0.0 {
            100.0 * served / total
        } else {
            0.0
        },
        super::fixed(analysis.totals.population_covered - served, 0),
    );
    let over = cap.over_subscribed(&analysis.loads);
    if over.is_empty() {
        s.push_str("No centre is over-subscribed.\n");
        return s;
    }
    s.push_str(&format!(
        "{} over-subscribed centres (most first):\n",
        over.len()
    ));
    let rows: Vec<Vec<String>> = over
        .iter()
        .take(10)
        .map(|&(c, ratio)| {
            vec![
                centres.ids[c].clone(),
                thousands(analysis.loads[c].served_population),
                thousands(cap.capacity[c]),
                format!("{ratio:.2}"),
                percent(cap.utilisation(c)),
            ]
        })
        .collect();
    s.push_str(&render_table(
        &[
            "centre",
            "residents within reach",
            "capacity",
            "demand/capacity",
            "utilisation",
        ],
        &rows,
    ));
    s
}
