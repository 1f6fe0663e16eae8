//! Everything a run hands back to people and programs: `summary.json`, the GeoJSON layers
//! for GIS, and the terminal table. Rendering only; nothing here computes coverage.

mod capacity;
mod compare;
mod decimal;
pub(crate) use decimal::round_half_away;
mod gaps;
pub mod html;
mod layers;
mod ledger;
mod lifecircle;
mod lifecircle_html;
mod lifecircle_xlsx;
mod plans;
mod polygon;
mod qml;
mod site;
mod summary;
mod table;
mod tables;
mod xlsx_rows;
mod zip_pieces;

pub use capacity::{capacitated_outputs, capacity_table};
pub use compare::{
    ScenarioSummary, compare_outputs, compare_table, scenario_sites_geojson, scenarios_csv,
};
pub use gaps::{gap_study_outputs, gaps_outputs, gaps_table};
pub use html::{
    Basemap, GapsReport, Lang, ReportInput, ScenariosReport, SecondMethod, SitesReport,
};
pub use layers::{centres_geojson, circles_geojson, compounds_geojson, service_areas_geojson};
// Byte-level writers (raw JSON pushed into a buffer): the layers above are built from them.
pub(crate) use layers::{
    centres_geojson_with, compounds_geojson_with, push_f64, push_rounded, write_centres_geojson,
    write_compounds_geojson,
};
pub use ledger::{
    LedgerRow, NEAR_SHARE, Severity, ledger, ledger_header, level_text, method_label,
    readable_name, type_name,
};
pub use lifecircle::{
    LifeCircleReport, ledger_rows, lifecircle_outputs, lifecircle_scenario_outputs,
    lifecircle_scenario_table, lifecircle_table, write_ledger,
};
pub use lifecircle_html::{LifeCirclePage, lifecircle_html};
pub use lifecircle_xlsx::{lifecircle_xlsx, xlsx_cells_cut};
pub(crate) use plans::sites_geojson_with;
pub use plans::{SiteList, gap_compounds_geojson, gaps_geojson, site_note, sites_geojson, zone_id};
pub use qml::{CompoundStyle, StyleContext, add_styles, layer_style};
pub use site::{site_outputs, site_table};
pub use summary::{
    CandidatesSummary, CapacitySummary, CentreCounts, CircleSummary, CompoundCounts, CurvePoint,
    DetourSummary, DistanceSummary, GapZoneSummary, GapsSummary, Inputs, LayerInfo,
    LifeCircleSection, LifeCircleSummary, PlanKeys, PopulationCounts, RunInfo, SiteContext,
    SiteEntry, SiteSummary, StraightSummary, Summary, Timings, Total, TypeSummary, WalkSummary,
};
pub use table::{fixed, minutes_text, render_table, summary_table, thousands_fixed};
pub use tables::{group_csv, group_csv_name, write_compounds_csv};

use crate::circle::Circle;
use crate::coverage::Analysis;
use crate::io::OutputSet;
use crate::model::{Centres, Compounds};

/// The layers and analysis a coverage, capacitated or site run was made on.
#[derive(Debug, Clone, Copy)]
pub struct RunLayers<'a> {
    /// The coverage analysis of the existing centres.
    pub analysis: &'a Analysis,
    /// Compounds.
    pub compounds: &'a Compounds,
    /// Existing centres.
    pub centres: &'a Centres,
    /// The circle.
    pub circle: &'a Circle,
}

impl<'a> RunLayers<'a> {
    /// The summary of the coverage analysis (the commands add their own sections).
    pub fn summary(&self, run: &RunInfo) -> Summary {
        Summary::new(self.analysis, self.compounds, self.circle, run)
    }
}

/// The files of a coverage run: `summary.json`, `compounds.geojson`, `centers.geojson`,
/// `compounds.csv`, one `by_<field>.csv` per group field and, when `circles` is set,
/// `circles.geojson`. Returns the summary too, for printing.
pub fn coverage_outputs<'a>(
    layers: RunLayers<'a>,
    run: &RunInfo,
    circles: bool,
) -> (Summary, OutputSet<'a>) {
    let RunLayers {
        analysis,
        compounds,
        centres,
        circle,
    } = layers;
    let summary = layers.summary(run);
    let mut out = OutputSet::new();
    out.add("summary.json", summary.to_json().into_bytes());
    out.add_stream(
        "compounds.geojson",
        Box::new(move |w| {
            write_compounds_geojson(w, compounds, centres, analysis, circle, &|_, _| {})
        }),
    );
    out.add_stream(
        "centers.geojson",
        Box::new(move |w| write_centres_geojson(w, centres, analysis, &|_, _| {})),
    );
    out.add_stream(
        "compounds.csv",
        Box::new(move |w| write_compounds_csv(w, compounds, centres, analysis, circle)),
    );
    for (field, rows) in compounds.group_fields.iter().zip(&analysis.groups) {
        out.add(&group_csv_name(field), group_csv(field, rows));
    }
    if circles {
        out.add(
            "circles.geojson",
            circles_geojson(centres, analysis).into_bytes(),
        );
    }
    (summary, out)
}

/// Names of the files the commands write into an output directory (besides one
/// `by_<field>.csv` per group field).
pub const OUTPUT_FILES: &[&str] = &[
    "summary.json",
    "compounds.geojson",
    "centers.geojson",
    "compounds.csv",
    "circles.geojson",
    "gaps.geojson",
    "gap_compounds.geojson",
    "sites.geojson",
    "scenarios.csv",
    "scenario_sites.geojson",
    "scenario_facilities.csv",
    "report.html",
    "facilities.geojson",
    "ledger.csv",
    "lifecircle.xlsx",
    // QGIS styles beside the layers (report/qml.rs).
    "compounds.qml",
    "centers.qml",
    "circles.qml",
    "gaps.qml",
    "gap_compounds.qml",
    "sites.qml",
    "scenario_sites.qml",
    "facilities.qml",
];

/// True for a name `coverage`, `gaps`, `site` or `lifecircle` may write into an output
/// directory (the demo's `report.html` aside: `--report DIR/report.html` beside the layers is
/// fine).
pub fn is_output_name(name: &str) -> bool {
    (name != "report.html" && OUTPUT_FILES.contains(&name))
        || (name.starts_with("by_") && name.ends_with(".csv"))
}

/// The files an earlier run may have written into `dir`: none unless `dir` holds a
/// circleplan `summary.json` (so a folder that never held a run is left alone), else every
/// name in [`OUTPUT_FILES`] and the `by_<field>.csv` of each group field that summary lists.
pub fn previous_outputs(dir: &std::path::Path) -> Vec<String> {
    let Ok(text) = std::fs::read(dir.join("summary.json")) else {
        return Vec::new();
    };
    let Ok(summary) = serde_json::from_slice::<serde_json::Value>(&text) else {
        return Vec::new();
    };
    if summary.get("circleplan_version").is_none() {
        return Vec::new();
    }
    let mut names: Vec<String> = OUTPUT_FILES.iter().map(|s| s.to_string()).collect();
    if let Some(groups) = summary.get("groups").and_then(|g| g.as_object()) {
        names.extend(groups.keys().map(|field| group_csv_name(field)));
    }
    names
}

/// JSON pretty-printed with a trailing newline; negative zero (an empty float sum) is written
/// as `0.0`.
/// The columns of the compound layers and tables of `coverage`, `gaps` and `site` beside the
/// group fields (the base columns, then what `site` and `--capacitated` add).
pub(crate) const COMPOUND_COLUMNS: &[&str] = &[
    "id",
    "lon",
    "lat",
    "population",
    "nearest_center",
    "distance_m",
    "minutes",
    "covered",
    "centers_within",
    "reachable",
    "serving_center",
    "serving_distance_m",
    "new_site",
    "covered_after",
    "served",
];

/// The names `group_fields` are written under beside the columns `reserved`: a field named
/// like one of them (ignoring ASCII case, as GIS tools and spreadsheets compare names) or
/// like an earlier group column gets an `input_` prefix, so the computed value keeps its name
/// and the input's value is still written.
pub(crate) fn group_column_names(group_fields: &[String], reserved: &[String]) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(group_fields.len());
    for field in group_fields {
        let mut name = field.clone();
        let taken = |n: &str, names: &[String]| {
            reserved
                .iter()
                .chain(names)
                .any(|r| r.eq_ignore_ascii_case(n))
        };
        while taken(&name, &names) {
            name = format!("input_{name}");
        }
        names.push(name);
    }
    names
}

/// [`COMPOUND_COLUMNS`] as owned names.
pub(crate) fn compound_columns() -> Vec<String> {
    COMPOUND_COLUMNS.iter().map(|c| c.to_string()).collect()
}

pub(crate) fn pretty_json<T: serde::Serialize + ?Sized>(v: &T) -> String {
    let mut v = serde_json::to_value(v).expect("summaries always serialise");
    positive_zeros(&mut v);
    let mut s = serde_json::to_string_pretty(&v).expect("JSON values always serialise");
    s.push('\n');
    s
}

/// Replaces every `-0.0` in `v` with `0.0`.
fn positive_zeros(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) if n.as_f64() == Some(0.0) && n.is_f64() => {
            *v = serde_json::json!(0.0);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(positive_zeros),
        serde_json::Value::Object(o) => o.values_mut().for_each(positive_zeros),
        _ => {}
    }
}

/// A small synthetic district written to GeoJSON and read back, grouped by `street`.
#[cfg(test)]
pub(crate) fn test_district(n: usize) -> (Compounds, Centres) {
    let city = crate::synth::generate(&crate::synth::SynthSpec {
        compounds: n,
        centres: (n / 8).max(2),
        candidates: 10,
        seed: 7,
        origin: (117.283, 31.867),
        box_km: None,
        clusters: None,
    });
    let dir = tempfile::tempdir().unwrap();
    let cp = dir.path().join("c.geojson");
    let sp = dir.path().join("s.geojson");
    std::fs::write(&cp, city.compounds_geojson()).unwrap();
    std::fs::write(&sp, city.centres_geojson()).unwrap();
    let mut w = Vec::new();
    let fields = crate::CompoundFields {
        group_by: vec!["street".into()],
        ..Default::default()
    };
    let c = Compounds::load(&cp, &Default::default(), &fields, &mut w).unwrap();
    let s = Centres::load(&sp, &Default::default(), &Default::default(), &mut w).unwrap();
    (c, s)
}

#[cfg(test)]
mod tests {
    #[test]
    fn group_fields_named_like_output_columns_get_an_input_prefix() {
        let fields = ["street", "Covered", "d_school", "input_covered"].map(String::from);
        let reserved = ["id", "covered", "d_school"].map(String::from);
        assert_eq!(
            super::group_column_names(&fields, &reserved),
            [
                "street",
                "input_Covered",
                "input_d_school",
                "input_input_covered"
            ]
        );
    }

    #[test]
    fn json_has_no_negative_zero() {
        let v = serde_json::json!({"a": -0.0, "b": [-0.0, 1.5], "c": 0});
        let s = super::pretty_json(&v);
        assert!(!s.contains("-0"), "{s}");
        assert!(s.contains("\"c\": 0\n"), "{s}");
    }
}
