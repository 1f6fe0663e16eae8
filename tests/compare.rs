//! `compare` and the other scenario flags end to end: the real binary on a seeded city,
//! each scenario's figures against a direct recount by `coverage` with the scenario's
//! centres as layers (repeatable `--centers`), under every metric.

mod common;

use std::path::Path;

use common::{read, read_json_in, succeed, synth_city};
use serde_json::Value;

/// Writes the candidates at `picks` (indices into the city's candidates) as a layer.
fn proposal(dir: &Path, name: &str, picks: &[usize]) {
    let all: Value = serde_json::from_str(&read(&dir.join("city/candidates.geojson"))).unwrap();
    let features: Vec<Value> = picks
        .iter()
        .map(|&i| {
            let mut f = all["features"][i].clone();
            f["properties"]["level"] = "community".into();
            f
        })
        .collect();
    let layer = serde_json::json!({"type": "FeatureCollection", "features": features});
    std::fs::write(dir.join(name), layer.to_string()).unwrap();
}

/// The city's centres without `closed` (ids), as a layer.
fn remaining_centres(dir: &Path, closed: &[&str]) {
    let mut all: Value = serde_json::from_str(&read(&dir.join("city/centers.geojson"))).unwrap();
    let kept: Vec<Value> = all["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !closed.contains(&f["properties"]["id"].as_str().unwrap()))
        .cloned()
        .collect();
    all["features"] = Value::Array(kept);
    std::fs::write(dir.join("remaining.geojson"), all.to_string()).unwrap();
}

fn metric_args(metric: &str) -> Vec<&'static str> {
    match metric {
        "network" => vec!["--network", "city/streets.geojson"],
        _ => vec![],
    }
}

#[test]
fn scenarios_equal_coverage_of_their_centres_under_each_metric() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    synth_city(d, "700", "40", "60", "11");
    proposal(d, "a.geojson", &[0, 3, 7, 11]);
    proposal(d, "b.geojson", &[20, 21, 40]);
    for metric in ["euclidean", "network"] {
        let out = format!("cmp_{metric}");
        let mut args = vec![
            "compare",
            "--compounds",
            "city/compounds.geojson",
            "--centers",
            "city/centers.geojson",
            "--scenario",
            "方案A=a.geojson",
            "--scenario",
            "B=b.geojson",
            "--close",
            "B=S03,S05",
            "--radius",
            "700",
            "--group-by",
            "street",
            "--circles",
            "-q",
            "-o",
            &out,
        ];
        args.extend(metric_args(metric));
        succeed(d, &args);
        let circles = read_json_in(d, &format!("{out}/circles.geojson"));
        assert_eq!(
            circles["features"].as_array().unwrap().len(),
            40,
            "{metric}: one per centre"
        );
        let summary = read_json_in(d, &format!("{out}/summary.json"));
        let scenarios = summary["scenarios"].as_array().unwrap();
        assert_eq!(scenarios.len(), 2);
        assert_eq!(scenarios[0]["name"], "方案A");
        assert_eq!(scenarios[1]["added"], 3);
        assert_eq!(scenarios[1]["closed"], 2);
        remaining_centres(d, &["S03", "S05"]);
        for (k, (layer, base)) in [
            ("a.geojson", "city/centers.geojson"),
            ("b.geojson", "remaining.geojson"),
        ]
        .iter()
        .enumerate()
        {
            let direct_out = format!("direct_{metric}_{k}");
            let mut args = vec![
                "coverage",
                "--compounds",
                "city/compounds.geojson",
                "--centers",
                base,
                "--centers",
                layer,
                "--radius",
                "700",
                "--group-by",
                "street",
                "-q",
                "-o",
                &direct_out,
            ];
            args.extend(metric_args(metric));
            succeed(d, &args);
            let direct = read_json_in(d, &format!("{direct_out}/summary.json"));
            let s = &scenarios[k];
            assert_eq!(
                s["covered_population"], direct["population"]["covered"],
                "{metric} {}",
                s["name"]
            );
            let rows = s["groups"]["street"].as_array().unwrap();
            let direct_rows = direct["groups"]["street"].as_array().unwrap();
            for (r, dr) in rows.iter().zip(direct_rows) {
                assert_eq!(r["value"], dr["value"]);
                assert_eq!(
                    r["covered_population"], dr["covered_population"],
                    "{metric}"
                );
            }
        }
        let csv = read(&d.join(format!("{out}/compounds.csv")));
        let header = csv.lines().next().unwrap();
        assert!(header.starts_with('\u{feff}'), "BOM");
        assert!(
            header.ends_with("covered_方案A,change_方案A,covered_B,change_B"),
            "{header}"
        );
        let table = read(&d.join(format!("{out}/scenarios.csv")));
        let streets = summary["groups"]["street"].as_array().unwrap().len();
        assert_eq!(table.lines().count(), 1 + 2 * streets, "{table}");
        let layer = read_json_in(d, &format!("{out}/compounds.geojson"));
        let f = &layer["features"][0]["properties"];
        assert!(
            f["change_B"].is_string() && f["covered_方案A"].is_boolean(),
            "{f}"
        );
    }
}

#[test]
fn scenario_ids_from_candidates_match_the_scenario_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    synth_city(d, "500", "30", "40", "4");
    proposal(d, "a.geojson", &[1, 2, 5]);
    let run = |out: &str, scenario: &str| {
        succeed(
            d,
            &[
                "compare",
                "--compounds",
                "city/compounds.geojson",
                "--centers",
                "city/centers.geojson",
                "--candidates",
                "city/candidates.geojson",
                "--scenario",
                scenario,
                "--scenario-level",
                "community",
                "-q",
                "-o",
                out,
            ],
        );
        read_json_in(d, &format!("{out}/summary.json"))["scenarios"][0]["covered_population"]
            .clone()
    };
    let from_file = run("f", "A=a.geojson");
    let from_ids = run("i", "A=K02,K03,K06");
    assert_eq!(from_file, from_ids);
}

#[test]
fn sites_keep_the_candidates_fields_and_required_sites() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    synth_city(d, "600", "30", "50", "8");
    succeed(
        d,
        &[
            "site",
            "--compounds",
            "city/compounds.geojson",
            "--centers",
            "city/centers.geojson",
            "--candidates",
            "city/candidates.geojson",
            "--add",
            "3",
            "--require",
            "K07",
            "--exclude",
            "K01,K02",
            "-q",
            "-o",
            "s",
        ],
    );
    let sites = read_json_in(d, "s/sites.geojson");
    let first = &sites["features"][0]["properties"];
    assert_eq!(first["id"], "K07");
    assert_eq!(first["required"], true);
    assert!(
        first["name"].as_str().unwrap().starts_with("候选点"),
        "{first}"
    );
    let summary = read_json_in(d, "s/summary.json");
    assert_eq!(summary["site"]["required"][0], "K07");
    assert_eq!(summary["site"]["excluded"].as_array().unwrap().len(), 2);
    for f in sites["features"].as_array().unwrap() {
        let id = f["properties"]["id"].as_str().unwrap();
        assert!(id != "K01" && id != "K02", "an excluded site was chosen");
    }
}

/// New facilities for the demo district: copies of some of its own, moved ~400 m, with new
/// ids.
fn new_facilities(dir: &Path) -> std::path::PathBuf {
    let all: Value =
        serde_json::from_str(&read(&common::demo_data().join("facilities.geojson"))).unwrap();
    let features: Vec<Value> = all["features"]
        .as_array()
        .unwrap()
        .iter()
        .step_by(4)
        .enumerate()
        .map(|(k, f)| {
            let mut f = f.clone();
            f["properties"]["id"] = format!("NEW{k:03}").into();
            let c = f["geometry"]["coordinates"].as_array().unwrap().clone();
            let (x, y) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
            f["geometry"]["coordinates"] = serde_json::json!([x + 0.003, y - 0.002]);
            f
        })
        .collect();
    let path = dir.join("new_facilities.geojson");
    let layer = serde_json::json!({"type": "FeatureCollection", "features": features});
    std::fs::write(&path, layer.to_string()).unwrap();
    path
}

#[test]
fn lifecircle_scenario_equals_a_run_with_its_facilities_added() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let new = new_facilities(d);
    let new = new.to_str().unwrap();
    let compounds = common::demo_data().join("compounds.geojson");
    let facilities = common::demo_data().join("facilities.geojson");
    let (c, f) = (compounds.to_str().unwrap(), facilities.to_str().unwrap());
    let scenario = format!("方案A={new}");
    let base = ["lifecircle", "--compounds", c, "--facilities", f, "-q"];
    succeed(
        d,
        &[&base[..], &["--scenario", &scenario, "-o", "s"]].concat(),
    );
    succeed(
        d,
        &[&base[..], &["--facilities", new, "-o", "direct"]].concat(),
    );
    let s = read_json_in(d, "s/summary.json");
    let direct = read_json_in(d, "direct/summary.json");
    let sc = &s["scenarios"][0];
    assert_eq!(sc["name"], "方案A");
    let direct_lc = &direct["lifecircle"];
    let complete = direct_lc["complete"]["population_share"].as_f64().unwrap();
    assert!(
        (sc["complete_share"].as_f64().unwrap() - complete).abs() < 1e-12,
        "{sc}"
    );
    let types = direct_lc["types"].as_array().unwrap();
    for (t, dt) in sc["types"].as_array().unwrap().iter().zip(types) {
        assert_eq!(t["type"], dt["type"]);
        assert_eq!(t["share"], dt["population_share"], "{}", t["type"]);
    }
    let resolved = sc["ledger_rows_resolved"].as_u64().unwrap();
    let left = sc["ledger_rows_left"].as_u64().unwrap();
    let direct_ledger = read(&d.join("direct/ledger.csv")).lines().count() as u64 - 1;
    let base_ledger = read(&d.join("s/ledger.csv")).lines().count() as u64 - 1;
    assert_eq!(left, direct_ledger);
    assert_eq!(resolved, base_ledger - direct_ledger);
    assert!(
        resolved > 0 && sc["compounds_completed"].as_u64().unwrap() > 0,
        "{sc}"
    );
    let effects = read(&d.join("s/scenario_facilities.csv"));
    assert!(effects.lines().count() > 10, "{effects}");
}
