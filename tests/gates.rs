//! `--gates`: a compound's walk starts at its nearest gate. Two parallel streets joined only
//! at their far end (a wall between them near the start): a centre on the south street, a
//! compound between the streets. Its point and a south gate reach the centre in tens of
//! metres; a gate on the north street alone sends the walk round by the far end.

mod common;

use std::path::Path;

use common::{collection, fails, point, read_json_in, succeed, write};
use serde_json::Value;

/// WGS84 of a point `x` metres east and `y` metres north of (117°E, 31°N).
fn lonlat(x: f64, y: f64) -> (f64, f64) {
    let lat0 = 31.0f64;
    (
        117.0 + x / (111_320.0 * lat0.to_radians().cos()),
        lat0 + y / 110_574.0,
    )
}

fn line(id: &str, a: (f64, f64), b: (f64, f64)) -> String {
    let (a, b) = (lonlat(a.0, a.1), lonlat(b.0, b.1));
    format!(
        r#"{{"type":"Feature","properties":{{"id":"{id}"}},"geometry":{{"type":"LineString","coordinates":[[{},{}],[{},{}]]}}}}"#,
        a.0, a.1, b.0, b.1
    )
}

fn at(id: &str, x: f64, y: f64, props: &str) -> String {
    let (lon, lat) = lonlat(x, y);
    point(id, lon, lat, props)
}

/// The streets, the centre, the compound and its possible gates.
fn layers(dir: &Path) {
    let streets = [
        line("south", (-200.0, 0.0), (1000.0, 0.0)),
        line("north", (-200.0, 100.0), (1000.0, 100.0)),
        line("far end", (1000.0, 0.0), (1000.0, 100.0)),
    ];
    write(dir, "streets.geojson", &collection(&streets));
    write(
        dir,
        "centers.geojson",
        &collection(&[at("S1", 0.0, -10.0, r#","level":"community""#)]),
    );
    write(
        dir,
        "compounds.geojson",
        &collection(&[
            at("C1", 0.0, 40.0, r#","population":100"#),
            at("C2", 600.0, 40.0, r#","population":50"#),
        ]),
    );
    write(
        dir,
        "north_gate.geojson",
        &collection(&[at("G1", 0.0, 110.0, r#","compound":"C1""#)]),
    );
    write(
        dir,
        "both_gates.geojson",
        &collection(&[
            at("G1", 0.0, 110.0, r#","compound":"C1""#),
            at("G2", 0.0, 10.0, r#","compound":"C1""#),
            at("G3", 5.0, 5.0, r#","compound":"nobody""#),
        ]),
    );
}

/// `covered` of C1 and the summary of a `coverage` run with `extra` flags.
fn covered(dir: &Path, extra: &[&str]) -> (bool, Value) {
    let mut args = vec![
        "coverage",
        "--compounds",
        "compounds.geojson",
        "--centers",
        "centers.geojson",
        "-o",
        "out",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    succeed(dir, &args);
    let layer = read_json_in(dir, "out/compounds.geojson");
    let c1 = layer["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["id"] == "C1")
        .unwrap()
        .clone();
    (
        c1["properties"]["covered"].as_bool().unwrap(),
        read_json_in(dir, "out/summary.json"),
    )
}

#[test]
fn a_wall_side_gate_uncovers_a_compound_on_foot_and_a_second_gate_covers_it_again() {
    let dir = tempfile::tempdir().unwrap();
    layers(dir.path());
    let walk = ["--radius", "500", "--network", "streets.geojson"];
    let with = |gates: &'static str| {
        let mut v = walk.to_vec();
        v.extend_from_slice(&["--gates", gates]);
        v
    };
    let (c, s) = covered(dir.path(), &walk);
    assert!(c, "from its point, 50 m along the south street");
    assert_eq!(s["access"], "point");
    let (c, s) = covered(dir.path(), &with("north_gate.geojson"));
    assert!(
        !c,
        "through the north gate the walk goes round by the far end"
    );
    assert_eq!(s["access"], "gates");
    let (c, s) = covered(dir.path(), &with("both_gates.geojson"));
    assert!(c, "the south gate is 20 m away");
    // The straight line is measured from the gates too: no walk is shorter than it.
    let detour = &s["detour"];
    assert!(detour["median_ratio"].as_f64().unwrap() >= 1.0, "{detour}");
    let warnings = s["warnings"].to_string();
    assert!(
        warnings.contains("1 gate(s) name no compound") && warnings.contains("nobody"),
        "{warnings}"
    );
}

#[test]
fn straight_line_runs_measure_from_the_nearest_gate() {
    let dir = tempfile::tempdir().unwrap();
    layers(dir.path());
    let r = ["--radius", "100"];
    assert!(covered(dir.path(), &r).0, "the point is 50 m away");
    let north = [&r[..], &["--gates", "north_gate.geojson"]].concat();
    assert!(
        !covered(dir.path(), &north).0,
        "the north gate is 120 m away"
    );
    let both = [&r[..], &["--gates", "both_gates.geojson"]].concat();
    assert!(covered(dir.path(), &both).0, "the south gate is 20 m away");
}

#[test]
fn gates_naming_no_compound_at_all_are_an_error() {
    let dir = tempfile::tempdir().unwrap();
    layers(dir.path());
    write(
        dir.path(),
        "stray.geojson",
        &collection(&[at("G9", 0.0, 10.0, r#","compound":"X""#)]),
    );
    let err = fails(
        dir.path(),
        &[
            "coverage",
            "--compounds",
            "compounds.geojson",
            "--centers",
            "centers.geojson",
            "--gates",
            "stray.geojson",
            "--radius",
            "100",
        ],
    );
    assert!(
        err.contains("stray.geojson") && err.contains("none of the 1 gates names a compound"),
        "{err}"
    );
    let err = fails(
        dir.path(),
        &[
            "coverage",
            "--compounds",
            "compounds.geojson",
            "--centers",
            "centers.geojson",
            "--gates",
            "centers.geojson",
        ],
    );
    assert!(err.contains("no compound id field on the gates"), "{err}");
}

#[test]
fn every_workflow_takes_gates() {
    let dir = tempfile::tempdir().unwrap();
    layers(dir.path());
    write(
        dir.path(),
        "facilities.geojson",
        &collection(&[at("F1", 0.0, -10.0, r#","type":"幼儿园""#)]),
    );
    write(
        dir.path(),
        "plan.geojson",
        &collection(&[at("S2", 600.0, -10.0, r#","level":"community""#)]),
    );
    let gates = [
        "--gates",
        "north_gate.geojson",
        "--network",
        "streets.geojson",
    ];
    let base = [
        "--compounds",
        "compounds.geojson",
        "--centers",
        "centers.geojson",
        "--quiet",
    ];
    for (cmd, extra) in [
        ("gaps", &["--radius", "500", "-o", "gaps"][..]),
        (
            "compare",
            &[
                "--radius",
                "500",
                "--scenario",
                "x=plan.geojson",
                "-o",
                "cmp",
            ][..],
        ),
    ] {
        let args = [&[cmd][..], &base[..], extra, &gates[..]].concat();
        succeed(dir.path(), &args);
    }
    let cmp = read_json_in(dir.path(), "cmp/summary.json");
    assert_eq!(cmp["access"], "gates");
    let lc = [
        "lifecircle",
        "--compounds",
        "compounds.geojson",
        "--facilities",
        "facilities.geojson",
        "-o",
        "lc",
        "--quiet",
    ];
    succeed(dir.path(), &[&lc[..], &gates[..]].concat());
    let s = read_json_in(dir.path(), "lc/summary.json");
    assert_eq!(s["access"], "gates");
    let layer = read_json_in(dir.path(), "lc/compounds.geojson");
    let d = layer["features"][0]["properties"]["d_kindergarten"]
        .as_f64()
        .unwrap();
    assert!(d > 2000.0, "C1 walks round by the far end: {d}");
}

/// A triangle compound pointing at the south street: from its outline it is 15 m from the
/// street (and 266 m in a straight line from the centre); from a point inside it, it would
/// join the north street and walk round by the far end (and be 308 m away in a straight line).
#[test]
fn polygon_compounds_are_entered_from_their_outline() {
    let dir = tempfile::tempdir().unwrap();
    layers(dir.path());
    let ring: Vec<String> = [(300.0, 15.0), (350.0, 80.0), (250.0, 80.0), (300.0, 15.0)]
        .iter()
        .map(|&(x, y)| {
            let (lon, lat) = lonlat(x, y);
            format!("[{lon},{lat}]")
        })
        .collect();
    let triangle = format!(
        r#"{{"type":"Feature","properties":{{"id":"C1","population":100}},"geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}"#,
        ring.join(",")
    );
    write(dir.path(), "compounds.geojson", &collection(&[triangle]));
    let (c, s) = covered(dir.path(), &["--radius", "280"]);
    assert!(c, "266 m from the outline");
    assert_eq!(s["access"], "outline");
    let (c, s) = covered(
        dir.path(),
        &["--radius", "500", "--network", "streets.geojson"],
    );
    assert!(c, "15 m to the south street, then 300 m along it: {s}");
    assert_eq!(s["access"], "outline");
    let (c, _) = covered(dir.path(), &["--radius", "250"]);
    assert!(!c, "266 m is beyond 250 m");
}
