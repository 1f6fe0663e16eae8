//! `summary.json`: the machine-readable record of a run (inputs, circle, totals, tables per
//! group and level, warnings). Keys are a contract for scripts; add, never rename.

use serde::Serialize;
use serde_json::{Value, json};

use crate::circle::Circle;
use crate::coverage::Analysis;
use crate::model::Compounds;

/// What was read from one input layer.
#[derive(Debug, Clone, Serialize)]
pub struct LayerInfo {
    /// The path as given.
    pub path: String,
    /// Features read.
    pub features: usize,
    /// Coordinate system declared for the layer (`wgs84`, `gcj02`, `bd09`).
    pub coords: String,
    /// Projected CRS when given (`EPSG:4547`, ...).
    pub crs: Option<String>,
    /// Polygons reduced to an interior point.
    pub polygons: usize,
}

/// Facts about the run that are not results: inputs, warnings, timings.
#[derive(Debug, Clone, Default)]
pub struct RunInfo {
    /// Input layers by role (`compounds`, `centers`, ...), in order.
    pub inputs: Vec<(String, LayerInfo)>,
    /// Warnings gathered while reading and computing.
    pub warnings: Vec<String>,
    /// Step timings in milliseconds, only when asked for (they make output non-repeatable).
    pub timings_ms: Option<Vec<(String, f64)>>,
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

/// The summary as a JSON value (other commands add their own sections to it).
pub fn summary_value(
    analysis: &Analysis,
    compounds: &Compounds,
    circle: &Circle,
    run: &RunInfo,
) -> Value {
    let t = &analysis.totals;
    let mut inputs = serde_json::Map::new();
    for (role, info) in &run.inputs {
        inputs.insert(role.clone(), json!(info));
    }
    inputs.insert(
        "population_source".into(),
        json!(compounds.population_source),
    );
    let level_radius: serde_json::Map<String, Value> = circle
        .level_radius_m
        .iter()
        .map(|(l, r)| (l.clone(), json!(r)))
        .collect();
    let groups: serde_json::Map<String, Value> = compounds
        .group_fields
        .iter()
        .zip(&analysis.groups)
        .map(|(name, rows)| (name.clone(), json!(rows)))
        .collect();
    let serving = analysis
        .loads
        .iter()
        .filter(|l| l.served_compounds > 0)
        .count();
    let mut v = json!({
        "circleplan_version": env!("CARGO_PKG_VERSION"),
        "inputs": inputs,
        "circle": {
            "minutes": round(circle.minutes, 4),
            "speed_kmh": circle.speed_kmh,
            "radius_m": round(circle.radius_m, 4),
            "metric": analysis.metric.to_string(),
            "standard": circle.standard,
            "level_radius_m": level_radius,
        },
        "plane": analysis.study.plane_description(),
        "output_coords": analysis.study.output.to_string(),
        "compounds": {
            "total": t.compounds_total,
            "covered": t.compounds_covered,
            "uncovered": t.compounds_total - t.compounds_covered,
            "unreachable": t.compounds_unreachable,
            "share": t.compound_share(),
        },
        "population": {
            "total": t.population_total,
            "covered": t.population_covered,
            "uncovered": t.population_total - t.population_covered,
            "share": t.population_share(),
        },
        "centers": {
            "total": analysis.loads.len(),
            "serving": serving,
            "idle": analysis.loads.len() - serving,
        },
        "distance_m": analysis.distance.map(|d| json!({
            "mean": round(d.mean_m, 2),
            "median": round(d.median_m, 2),
            "p90": round(d.p90_m, 2),
            "max": round(d.max_m, 2),
            "population_mean": round(d.population_mean_m, 2),
        })),
        "coverage_curve": analysis.curve.iter().map(|(m, r, s)| json!({
            "minutes": m, "radius_m": round(*r, 4), "share": s,
        })).collect::<Vec<_>>(),
        "groups": groups,
        "levels": analysis.levels,
        "warnings": run.warnings,
    });
    if let Some(n) = &analysis.network {
        v["network"] = json!(n);
    }
    if let Some(d) = &analysis.detour {
        v["detour"] = json!({
            "compounds_compared": d.compounds_compared,
            "median_ratio": d.median_ratio.map(|r| round(r, 4)),
            "p90_ratio": d.p90_ratio.map(|r| round(r, 4)),
            "covered_straight_not_walk": d.covered_straight_not_walk,
        });
    }
    if let Some(timings) = &run.timings_ms {
        let m: serde_json::Map<String, Value> = timings
            .iter()
            .map(|(k, ms)| (k.clone(), json!(round(*ms, 1))))
            .collect();
        v["timings_ms"] = Value::Object(m);
    }
    v
}
