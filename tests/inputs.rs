//! End-to-end tests of awkward but valid inputs (issue 9, input side): projected layers and
//! their declared systems, GeoJSON under another name, spreadsheet-style numbers, and the
//! candidates layer's own flags. The bad inputs are in `bad_inputs.rs`.

mod common;

use std::path::Path;

use common::{collection_in, json_of, point, run, succeed};

/// `coverage --format json` of compounds layer `compounds` (with `extra` flags) against the
/// centres `centres` writes to `s.geojson`, parsed.
fn coverage_json(dir: &Path, compounds: &str, extra: &[&str]) -> serde_json::Value {
    let args = [
        "coverage",
        "--compounds",
        compounds,
        "--centers",
        "s.geojson",
    ];
    json_of(&run(
        dir,
        &[&args[..], extra, &["--format", "json"]].concat(),
    ))
}

/// (114.3, 30.6) in CGCS2000 3-degree Gauss–Krüger, central meridian 114E (EPSG:4547).
const GK_X: f64 = 528770.237;
const GK_Y: f64 = 3386666.251;

fn centres(dir: &Path) {
    let s = collection_in(
        None,
        &[point("S1", 114.301, 30.601, r#","level":"street""#)],
    );
    std::fs::write(dir.join("s.geojson"), s).unwrap();
}

/// The issue's case: a projected CSV of compounds with `--crs` beside a GeoJSON of centres
/// in degrees. `--crs` used to be applied to the centres too (3,500 km away, 0 %, exit 0).
#[test]
fn crs_applies_to_csv_layers_and_not_to_geojson() {
    let dir = tempfile::tempdir().unwrap();
    centres(dir.path());
    let csv = format!(
        "id,x,y,pop\nA,{GK_X},{GK_Y},100\nB,{},{GK_Y},50\n",
        GK_X + 20_000.0
    );
    std::fs::write(dir.path().join("c.csv"), csv).unwrap();
    let s = coverage_json(dir.path(), "c.csv", &["--crs", "EPSG:4547"]);
    assert_eq!(s["compounds"]["covered"], 1, "{s}");
    assert_eq!(s["population"]["covered"], 100.0);
    assert_eq!(s["inputs"]["compounds"]["crs"], "EPSG:4547");
    assert_eq!(s["inputs"]["centers"]["crs"], serde_json::Value::Null);
}

/// A QGIS export of a projected layer says so in its legacy `crs` member.
#[test]
fn geojson_crs_member_is_honoured() {
    let dir = tempfile::tempdir().unwrap();
    centres(dir.path());
    let c = collection_in(
        Some("urn:ogc:def:crs:EPSG::4547"),
        &[point("A", GK_X, GK_Y, r#","population":100"#)],
    );
    std::fs::write(dir.path().join("c.geojson"), c).unwrap();
    let s = coverage_json(dir.path(), "c.geojson", &[]);
    assert_eq!(s["compounds"]["covered"], 1, "{s}");
    assert_eq!(s["inputs"]["compounds"]["crs"], "EPSG:4547");
    // CRS84 is plain longitude/latitude.
    let c = collection_in(
        Some("urn:ogc:def:crs:OGC:1.3:CRS84"),
        &[point("A", 114.3, 30.6, r#","population":100"#)],
    );
    std::fs::write(dir.path().join("c84.geojson"), c).unwrap();
    let s = coverage_json(dir.path(), "c84.geojson", &[]);
    assert_eq!(s["compounds"]["covered"], 1, "{s}");
}

/// A per-layer flag names a GeoJSON layer's system when the file does not.
#[test]
fn per_layer_crs_flag_applies_to_geojson() {
    let dir = tempfile::tempdir().unwrap();
    centres(dir.path());
    let c = collection_in(None, &[point("A", GK_X, GK_Y, "")]);
    std::fs::write(dir.path().join("c.geojson"), c).unwrap();
    let s = coverage_json(dir.path(), "c.geojson", &["--compounds-crs", "EPSG:4547"]);
    assert_eq!(s["compounds"]["covered"], 1, "{s}");
}

#[test]
fn geojson_saved_as_txt_is_read_as_geojson() {
    let dir = tempfile::tempdir().unwrap();
    centres(dir.path());
    let c = collection_in(None, &[point("A", 114.3, 30.6, r#","population":7"#)]);
    std::fs::write(dir.path().join("c.txt"), c).unwrap();
    let s = coverage_json(dir.path(), "c.txt", &[]);
    assert_eq!(s["population"]["total"], 7.0, "{s}");
}

#[test]
fn populations_as_spreadsheets_show_them_are_read() {
    let dir = tempfile::tempdir().unwrap();
    centres(dir.path());
    let csv =
        "编号,经度,纬度,人口\nA,114.3,30.6,\"1,234\"\nB,114.3,30.601,1.2万\nC,114.3,30.602,5\n";
    std::fs::write(dir.path().join("c.csv"), csv).unwrap();
    let s = coverage_json(dir.path(), "c.csv", &[]);
    assert_eq!(s["population"]["total"], 13_239.0, "{s}");
}

/// The candidates layer has its own system and id field.
#[test]
fn candidates_have_their_own_crs_and_id_field() {
    let dir = tempfile::tempdir().unwrap();
    centres(dir.path());
    let c = collection_in(
        None,
        &[
            point("near", 114.3, 30.6, r#","population":10"#),
            point("far", 114.33, 30.6, r#","population":90"#),
        ],
    );
    std::fs::write(dir.path().join("c.geojson"), c).unwrap();
    // A projected CSV of candidates, its ids in a column named 站点.
    let k = format!(
        "站点,x,y\nK1,{},{GK_Y}\nK2,{GK_X},{}\n",
        GK_X + 2870.0,
        GK_Y + 9000.0
    );
    std::fs::write(dir.path().join("k.csv"), k).unwrap();
    succeed(
        dir.path(),
        &[
            "site",
            "--compounds",
            "c.geojson",
            "--centers",
            "s.geojson",
            "--candidates",
            "k.csv",
            "--candidates-crs",
            "EPSG:4547",
            "--candidates-id-field",
            "站点",
            "--add",
            "1",
            "-o",
            "out",
            "--quiet",
        ],
    );
    let sites: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/sites.geojson")).unwrap())
            .unwrap();
    let text = sites.to_string();
    assert!(
        text.contains("\"K1\"") && !text.contains("\"K2\""),
        "{text}"
    );
}

/// Issue 19 item 1: a compound at (0, 0) beside a city stops the run (see the bad-input
/// catalogue); with `--drop-far` it is left out, listed in the terminal and in
/// `summary.json` `dropped`, and every other result is as without it.
#[test]
fn drop_far_leaves_failed_geocodes_out_and_lists_them() {
    let dir = tempfile::tempdir().unwrap();
    centres(dir.path());
    let city: Vec<String> = (0..6)
        .map(|i| {
            point(
                &format!("c{i}"),
                114.3 + 0.002 * i as f64,
                30.6,
                r#","population":10"#,
            )
        })
        .collect();
    let with_far = [city.clone(), vec![point("z", 0, 0, r#","population":10"#)]].concat();
    std::fs::write(dir.path().join("city.geojson"), collection_in(None, &city)).unwrap();
    std::fs::write(
        dir.path().join("far.geojson"),
        collection_in(None, &with_far),
    )
    .unwrap();
    let radius = ["--radius", "600"];
    let clean = coverage_json(dir.path(), "city.geojson", &radius);
    let dropped = coverage_json(
        dir.path(),
        "far.geojson",
        &[&radius[..], &["--drop-far"]].concat(),
    );
    assert_eq!(
        dropped["dropped"],
        serde_json::json!([{"layer": "compounds", "path": "far.geojson", "id": "z", "lon": 0.0,
            "lat": 0.0, "distance_km": dropped["dropped"][0]["distance_km"]}])
    );
    assert!(dropped["dropped"][0]["distance_km"].as_f64().unwrap() > 12_000.0);
    assert!(clean.get("dropped").is_none());
    for key in ["compounds", "population", "distance_m", "plane"] {
        assert_eq!(clean[key], dropped[key], "{key}");
    }
    let table = String::from_utf8(
        succeed(
            dir.path(),
            &[
                "coverage",
                "--compounds",
                "far.geojson",
                "--centers",
                "s.geojson",
                "--drop-far",
            ],
        )
        .stdout,
    )
    .unwrap();
    assert!(
        table.contains(
            "far.geojson: left out 1 of the compounds more than 100 km from the rest \
                        of the layer (failed geocodes?): id \"z\" at (0, 0)"
        ),
        "{table}"
    );
}

/// Issue 19 item 2: `summary.json` records the encoding each CSV layer was read in.
#[test]
fn summary_records_the_encoding_of_csv_layers() {
    let dir = tempfile::tempdir().unwrap();
    centres(dir.path());
    let text = "编号,经度,纬度,人口,街道\n1,114.3,30.6,5,杏林\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    std::fs::write(dir.path().join("gbk.csv"), &gbk).unwrap();
    std::fs::write(dir.path().join("utf8.csv"), text).unwrap();
    let summary = coverage_json(dir.path(), "gbk.csv", &[]);
    assert_eq!(summary["inputs"]["compounds"]["encoding"], "gbk");
    assert!(summary["inputs"]["centers"].get("encoding").is_none());
    let summary = coverage_json(dir.path(), "utf8.csv", &[]);
    assert_eq!(summary["inputs"]["compounds"]["encoding"], "utf-8");
}

/// Issue 19 items 6 and 17: `--group-by` a field named like an output column is written as
/// `input_<field>` (the computed value keeps its name), and grouping by the id or population
/// field works.
#[test]
fn group_fields_named_like_output_columns_get_an_input_prefix() {
    let dir = tempfile::tempdir().unwrap();
    centres(dir.path());
    let far = point("c2", 114.35, 30.6, r#","population":7,"covered":"yes""#);
    let near = point("c1", 114.301, 30.601, r#","population":5,"covered":"no""#);
    std::fs::write(
        dir.path().join("c.geojson"),
        collection_in(None, &[near, far]),
    )
    .unwrap();
    let args = [
        "coverage",
        "--compounds",
        "c.geojson",
        "--centers",
        "s.geojson",
        "--radius",
        "500",
        "--group-by",
        "covered",
        "--group-by",
        "id",
        "--group-by",
        "population",
        "-o",
        "out",
        "-q",
    ];
    succeed(dir.path(), &args);
    let csv = std::fs::read_to_string(dir.path().join("out/compounds.csv")).unwrap();
    let header = csv.trim_start_matches('\u{feff}').lines().next().unwrap();
    assert!(
        header
            .contains(",covered,centers_within,reachable,input_covered,input_id,input_population,"),
        "{header}"
    );
    let layer: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/compounds.geojson")).unwrap())
            .unwrap();
    let p = &layer["features"][0]["properties"];
    assert_eq!(
        (&p["covered"], &p["input_covered"]),
        (&serde_json::json!(true), &serde_json::json!("no"))
    );
    assert_eq!(
        (&p["input_id"], &p["input_population"]),
        (&serde_json::json!("c1"), &serde_json::json!("5"))
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["groups"]["id"].as_array().unwrap().len(), 2);
}

/// Issue 19 item 18: flags the run does not use are named in a warning.
#[test]
fn flags_without_effect_are_named_in_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    centres(dir.path());
    let c = collection_in(None, &[point("c1", 114.301, 30.601, r#","population":5"#)]);
    std::fs::write(dir.path().join("c.geojson"), c).unwrap();
    let flags = [
        "--snap-limit",
        "10",
        "--node-crossings",
        "--matrix-unit",
        "min",
        "--matrix-columns",
        "a,b,c",
        "--residents-per-capacity",
        "3",
    ];
    let summary = coverage_json(dir.path(), "c.geojson", &flags);
    let warnings: Vec<&str> = summary["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(
        warnings,
        [
            "--residents-per-capacity has no effect in this run: capacities are used with \
             --capacitated only",
            "--snap-limit has no effect in this run: it applies to --metric network only",
            "--node-crossings has no effect in this run: it applies to --metric network only",
            "--matrix-unit has no effect in this run: it applies to --metric matrix only",
            "--matrix-columns has no effect in this run: it applies to --metric matrix only",
        ]
    );
    let site = json_of(&run(
        dir.path(),
        &[
            "site",
            "--compounds",
            "c.geojson",
            "--centers",
            "s.geojson",
            "--candidates",
            "auto",
            "--add",
            "1",
            "--candidate-capacity",
            "5",
            "--format",
            "json",
        ],
    ));
    assert!(
        site["warnings"].as_array().unwrap().iter().any(|w| w
            == "--candidate-capacity has no effect in this run: capacities are used with \
                --capacitated only"),
        "{}",
        site["warnings"]
    );
}

/// Issue 19 item 19: in projected input, a pair at exactly the radius is covered whatever
/// else is in the file: distances are the input's own metres (the plane is the input's
/// Gauss-Krüger zone, not one re-centred on the data), within a 1 mm tolerance.
#[test]
fn projected_pairs_at_the_radius_are_covered_whatever_else_is_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("s.csv"), "id,x,y\nS1,480000,3500000\n").unwrap();
    let far = ["", "F,540000,3550000,1\n"];
    for (k, extra) in far.iter().enumerate() {
        let compounds = format!(
            "id,x,y,population\nEAST,480300,3500000,1\nDIAG,480180,3500240,1\n\
             OUT,480300.002,3500000,1\nNORTH,480000,3500300,1\n{extra}"
        );
        let name = format!("c{k}.csv");
        std::fs::write(d.join(&name), compounds).unwrap();
        let out = format!("out{k}");
        succeed(
            d,
            &[
                "coverage",
                "--compounds",
                &name,
                "--centers",
                "s.csv",
                "--crs",
                "EPSG:4547",
                "--radius",
                "300",
                "-q",
                "-o",
                &out,
            ],
        );
        let layer: serde_json::Value = serde_json::from_slice(
            &std::fs::read(d.join(format!("{out}/compounds.geojson"))).unwrap(),
        )
        .unwrap();
        for f in layer["features"].as_array().unwrap() {
            let p = &f["properties"];
            let id = p["id"].as_str().unwrap();
            let want = matches!(id, "EAST" | "DIAG" | "NORTH");
            assert_eq!(p["covered"], want, "{id} with far point: {}", k == 1);
            if want {
                let d = p["distance_m"].as_f64().unwrap();
                assert!((d - 300.0).abs() < 0.001, "{id}: {d}");
            }
        }
    }
}
