//! Everything a run hands back to people and programs: `summary.json`, the GeoJSON layers
//! for GIS, and the terminal table. Rendering only; nothing here computes coverage.

pub mod html;
mod layers;
mod lifecircle;
mod lifecircle_html;
mod lifecircle_xlsx;
mod plans;
mod summary;
mod table;
mod tables;

pub use html::{GapsReport, Lang, ReportInput, SitesReport};
pub use layers::{
    centres_geojson, circles_geojson, compounds_geojson, compounds_geojson_with, push_f64,
    push_rounded, service_areas_geojson, write_compounds_geojson,
};
pub use lifecircle::{
    LifeCircleReport, ledger_rows, lifecircle_outputs, lifecircle_summary, lifecircle_table,
    write_ledger,
};
pub use lifecircle_html::lifecircle_html;
pub use lifecircle_xlsx::lifecircle_xlsx;
pub use plans::{SiteList, gaps_geojson, gaps_value, site_value, sites_geojson, zone_id};
pub use summary::{LayerInfo, RunInfo, summary_value};
pub use table::{render_table, summary_table};
pub use tables::{group_csv, group_csv_name, write_compounds_csv};

use crate::circle::Circle;
use crate::coverage::Analysis;
use crate::io::OutputSet;
use crate::model::{Centres, Compounds};

/// The files of a coverage run: `summary.json`, `compounds.geojson`, `centers.geojson`,
/// `compounds.csv`, one `by_<field>.csv` per group field and, when `circles` is set,
/// `circles.geojson`. Returns the summary too, for printing.
pub fn coverage_outputs<'a>(
    analysis: &'a Analysis,
    compounds: &'a Compounds,
    centres: &'a Centres,
    circle: &'a Circle,
    run: &RunInfo,
    circles: bool,
) -> (serde_json::Value, OutputSet<'a>) {
    let summary = summary_value(analysis, compounds, circle, run);
    let mut out = OutputSet::new();
    out.add("summary.json", pretty_json(&summary).into_bytes());
    out.add_stream(
        "compounds.geojson",
        Box::new(move |w| {
            write_compounds_geojson(w, compounds, centres, analysis, circle, &|_, _| {})
        }),
    );
    out.add(
        "centers.geojson",
        centres_geojson(centres, analysis).into_bytes(),
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

/// JSON pretty-printed with a trailing newline.
pub fn pretty_json(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("JSON values always serialise");
    s.push('\n');
    s
}
