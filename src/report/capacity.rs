//! Outputs of a capacitated coverage run: the coverage files plus each compound's residents
//! served and each centre's assigned residents and utilisation, and the over-subscribed
//! centres for the terminal.

use super::table::{percent, thousands};
use super::{
    OutputSet, RunInfo, RunLayers, Summary, centres_geojson_with, coverage_outputs, push_rounded,
    render_table, write_compounds_geojson,
};
use crate::capacity::Capacitated;
use crate::coverage::Analysis;
use crate::model::Centres;

/// The files of `coverage --capacitated`: those of [`coverage_outputs`], with
/// `compounds.geojson` adding `served`, `centers.geojson` adding `assigned_population` and
/// `utilisation`, and `summary.json` adding `population.served`, `population.served_share`
/// and a `capacity` section.
pub fn capacitated_outputs<'a>(
    layers: RunLayers<'a>,
    run: &RunInfo,
    circles: bool,
    cap: &'a Capacitated,
) -> (Summary, OutputSet<'a>) {
    let analysis = layers.analysis;
    // The coverage summary gains the capacity keys; re-adding it lists it after the layers.
    let (mut summary, mut out) = coverage_outputs(layers, run, circles);
    summary.set_capacity(analysis, cap);
    out.add("summary.json", summary.to_json().into_bytes());
    out.add_stream(
        "compounds.geojson",
        Box::new(move |w| {
            let RunLayers {
                compounds,
                centres,
                circle,
                ..
            } = layers;
            write_compounds_geojson(w, compounds, centres, analysis, circle, &|s, i| {
                s.push_str(",\"served\":");
                push_rounded(s, cap.assignment.served[i], 3);
            })
        }),
    );
    let centres_layer = centres_geojson_with(layers.centres, analysis, &|s, i| {
        s.push_str(",\"assigned_population\":");
        push_rounded(s, cap.assignment.assigned[i], 3);
        s.push_str(",\"utilisation\":");
        push_rounded(s, cap.utilisation(i), 4);
    });
    out.add("centers.geojson", centres_layer.into_bytes());
    (summary, out)
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
