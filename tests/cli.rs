//! End-to-end tests: the real binary in fresh temporary directories — the demo, the output
//! contract, every bad input from the issue list, and byte-identical output at any thread
//! count.

mod common;

use std::path::{Path, PathBuf};

use common::{
    CITY, bin, collection, on_city, point, read_json_in, run, succeed, synth_city, write,
};

fn good_centres(dir: &Path) -> PathBuf {
    write(
        dir,
        "centers.geojson",
        &collection(&[point("S1", "117.28", "31.86", r#","level":"street""#)]),
    )
}

/// The synthetic city the end-to-end tests share, in `dir/city`.
fn synth(dir: &Path) {
    synth_city(dir, "800", "60", "80", "3");
}

#[test]
fn demo_runs_and_writes_every_layer() {
    let dir = tempfile::tempdir().unwrap();
    let out = succeed(dir.path(), &["demo"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Population covered"), "{text}");
    // Counts people read have thousands separators: no run of 4+ digits outside ids, paths,
    // years and decimals (K105, /tmp/…, 50180-2018, 0.000).
    let ungrouped: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || "(),;:".contains(c))
        .filter(|w| {
            let digits = w.trim_start_matches('+');
            digits.len() >= 4 && digits.bytes().all(|b| b.is_ascii_digit())
        })
        .collect();
    assert!(
        ungrouped.is_empty(),
        "ungrouped numbers {ungrouped:?} in\n{text}"
    );
    for f in [
        "summary.json",
        "compounds.geojson",
        "centers.geojson",
        "circles.geojson",
    ] {
        assert!(
            dir.path().join("circleplan-demo").join(f).exists(),
            "{f} missing"
        );
    }
}

#[test]
fn coverage_writes_the_contract_keys() {
    let dir = tempfile::tempdir().unwrap();
    synth(dir.path());
    succeed(
        dir.path(),
        &on_city(
            "coverage",
            &["--group-by", "street", "--circles", "-o", "out"],
        ),
    );
    let summary: serde_json::Value = read_json_in(dir.path(), "out/summary.json");
    assert_eq!(summary["circle"]["radius_m"], 1000.0);
    assert_eq!(summary["circle"]["minutes"], 15.0);
    assert_eq!(summary["circle"]["metric"], "euclidean");
    assert_eq!(summary["compounds"]["total"], 800);
    let covered = summary["compounds"]["covered"].as_u64().unwrap();
    let share = summary["population"]["share"].as_f64().unwrap();
    assert!(share > 0.0 && share <= 1.0);
    assert!(summary["groups"]["street"].as_array().unwrap().len() > 1);
    assert!(!summary["levels"].as_array().unwrap().is_empty());
    let compounds: serde_json::Value = read_json_in(dir.path(), "out/compounds.geojson");
    let features = compounds["features"].as_array().unwrap();
    assert_eq!(features.len(), 800);
    let mut n_covered = 0;
    for f in features {
        let p = &f["properties"];
        for key in [
            "id",
            "population",
            "nearest_center",
            "distance_m",
            "minutes",
            "covered",
            "centers_within",
            "street",
        ] {
            assert!(!p[key].is_null(), "{key} missing in {p}");
        }
        let covered_flag = p["covered"].as_bool().unwrap();
        assert_eq!(covered_flag, p["centers_within"].as_u64().unwrap() > 0);
        n_covered += covered_flag as u64;
    }
    assert_eq!(n_covered, covered);
    let centres: serde_json::Value = read_json_in(dir.path(), "out/centers.geojson");
    let p = &centres["features"][0]["properties"];
    for key in ["id", "level", "served_population", "served_compounds"] {
        assert!(!p[key].is_null(), "{key} missing");
    }
    assert!(dir.path().join("out/circles.geojson").exists());
    // Spreadsheet copies for officials: UTF-8 with BOM, one row per compound / group value.
    let csv = std::fs::read(dir.path().join("out/compounds.csv")).unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert_eq!(text.lines().count(), 801);
    assert!(text.starts_with("id,lon,lat,population,nearest_center,distance_m,minutes,covered,centers_within,reachable,street"));
    let by_street = std::fs::read_to_string(dir.path().join("out/by_street.csv")).unwrap();
    assert_eq!(
        by_street.lines().count() - 1,
        summary["groups"]["street"].as_array().unwrap().len()
    );
    // Without -o nothing is written; --format json prints the summary.
    let out = run(dir.path(), &on_city("coverage", &["--format", "json"]));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["compounds"]["covered"].as_u64().unwrap(), covered);
}

#[test]
fn outputs_are_identical_on_one_thread_and_many() {
    let dir = tempfile::tempdir().unwrap();
    synth(dir.path());
    for (threads, out) in [("1", "one"), ("4", "four")] {
        for cmd in [
            vec!["coverage", "--group-by", "street", "--circles"],
            vec![
                "site",
                "--candidates",
                "city/candidates.geojson",
                "--add",
                "3",
            ],
        ] {
            let o = format!("{out}-{}", cmd[0]);
            let mut args: Vec<&str> = cmd.clone();
            args.extend(CITY);
            args.extend(["-o", &o]);
            let status = bin()
                .current_dir(dir.path())
                .env("RAYON_NUM_THREADS", threads)
                .args(&args)
                .output()
                .unwrap();
            assert!(
                status.status.success(),
                "{}",
                String::from_utf8_lossy(&status.stderr)
            );
        }
    }
    for cmd in ["coverage", "site"] {
        let a = dir.path().join(format!("one-{cmd}"));
        let b = dir.path().join(format!("four-{cmd}"));
        for entry in std::fs::read_dir(&a).unwrap() {
            let name = entry.unwrap().file_name();
            assert_eq!(
                std::fs::read(a.join(&name)).unwrap(),
                std::fs::read(b.join(&name)).unwrap(),
                "{cmd}/{name:?} differs between 1 and 4 threads"
            );
        }
    }
}

#[test]
fn site_and_gaps_answer_on_the_synthetic_city() {
    let dir = tempfile::tempdir().unwrap();
    synth(dir.path());
    let mut args = vec!["site", "--candidates", "auto", "--add", "4", "-o", "s"];
    args.extend(CITY);
    succeed(dir.path(), &args);
    let s: serde_json::Value = read_json_in(dir.path(), "s/summary.json");
    for key in [
        "objective",
        "added_population",
        "upper_bound",
        "gap",
        "optimal",
        "sites",
        "uncoverable",
    ] {
        assert!(s.get(key).is_some(), "{key} missing");
    }
    assert!(s["upper_bound"].as_f64().unwrap() >= s["objective"].as_f64().unwrap());
    let sites: serde_json::Value = read_json_in(dir.path(), "s/sites.geojson");
    let first = &sites["features"][0]["properties"];
    assert_eq!(first["rank"], 1);
    assert!(first["gain_population"].as_f64().unwrap() > 0.0);
    let mut args = vec!["gaps", "-o", "g"];
    args.extend(CITY);
    succeed(dir.path(), &args);
    let g: serde_json::Value = read_json_in(dir.path(), "g/gaps.geojson");
    let feats = g["features"].as_array().unwrap();
    let zone_pop: f64 = feats
        .iter()
        .filter(|f| f["properties"]["kind"] == "zone")
        .map(|f| f["properties"]["population"].as_f64().unwrap())
        .sum();
    let summary: serde_json::Value = read_json_in(dir.path(), "g/summary.json");
    let uncovered = summary["population"]["uncovered"].as_f64().unwrap();
    assert!(
        (zone_pop - uncovered).abs() < 1e-3,
        "{zone_pop} vs {uncovered}"
    );
}

/// Runs coverage on a bad compounds file and checks: failure, one line naming the file and
/// `expect`, and no output directory left behind.
fn assert_bad(name: &str, text: &str, expect: &str, extra: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    if name != "missing.geojson" {
        write(dir.path(), name, text);
    }
    good_centres(dir.path());
    let mut args = vec![
        "coverage",
        "--compounds",
        name,
        "--centers",
        "centers.geojson",
        "-o",
        "out",
    ];
    args.extend(extra);
    let out = run(dir.path(), &args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{name}: should fail");
    assert_eq!(err.trim().lines().count(), 1, "not one line: {err}");
    assert!(
        err.contains(name) || expect.starts_with("--"),
        "file not named: {err}"
    );
    assert!(err.contains(expect), "{name}: expected {expect:?} in {err}");
    assert!(
        !dir.path().join("out").exists(),
        "{name}: output left behind"
    );
}

#[test]
fn bad_inputs_get_one_clear_line_and_no_output() {
    let ok = point("a", "117.28", "31.86", r#","population":10"#);
    assert_bad("missing.geojson", "", "No such file", &[]);
    assert_bad(
        "broken.geojson",
        "{\"type\":\"FeatureCollection\",\n\"features\":[ }",
        "line 2",
        &[],
    );
    assert_bad(
        "feature.geojson",
        &ok,
        "not a GeoJSON FeatureCollection",
        &[],
    );
    assert_bad(
        "nogeom.geojson",
        &collection(&[
            ok.clone(),
            r#"{"type":"Feature","properties":{"id":"b"},"geometry":null}"#.into(),
        ]),
        "feature 2 (id \"b\"): feature has no geometry",
        &[],
    );
    assert_bad(
        "line.geojson",
        &collection(&[r#"{"type":"Feature","properties":{"id":"b"},"geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]}}"#.into()]),
        "unsupported geometry type \"LineString\"",
        &[],
    );
    assert_bad(
        "nan.csv",
        "id,lon,lat\na,NaN,31\n",
        "not a finite number",
        &[],
    );
    assert_bad(
        "inf.csv",
        "id,lon,lat\na,inf,31\n",
        "not a finite number",
        &[],
    );
    assert_bad(
        "range.geojson",
        &collection(&[point("a", "190", "31", "")]),
        "longitude outside ±180",
        &[],
    );
    assert_bad(
        "swapped.geojson",
        &collection(&[point("a", "31.86", "117.28", "")]),
        "look swapped",
        &[],
    );
    assert_bad(
        "neg.geojson",
        &collection(&[
            ok.clone(),
            point("b", "117.2", "31.8", r#","population":-5"#),
        ]),
        "negative population -5",
        &[],
    );
    assert_bad(
        "text.geojson",
        &collection(&[point("b", "117.2", "31.8", r#","population":"many""#)]),
        "population \"many\" is not a finite number",
        &[],
    );
    assert_bad(
        "dup.geojson",
        &collection(&[ok.clone(), ok.clone()]),
        "duplicate id \"a\"",
        &[],
    );
    assert_bad("empty.geojson", &collection(&[]), "the layer is empty", &[]);
    assert_bad(
        "nocoords.csv",
        "id,a,b\n1,2,3\n",
        "no coordinate columns",
        &[],
    );
    let good = collection(&[ok]);
    assert_bad("r0.geojson", &good, "--radius", &["--radius", "0"]);
    assert_bad("speed.geojson", &good, "--speed", &["--speed", "-2"]);
}

#[test]
fn unwritable_output_and_input_overwrite_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    synth(dir.path());
    write(dir.path(), "blocker", "x");
    let out = run(dir.path(), &on_city("coverage", &["-o", "blocker/out"]));
    assert!(!out.status.success());
    let before = std::fs::read(dir.path().join("city/compounds.geojson")).unwrap();
    let out = run(dir.path(), &on_city("coverage", &["-o", "city"]));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("overwrite an input"));
    assert_eq!(
        std::fs::read(dir.path().join("city/compounds.geojson")).unwrap(),
        before
    );
}

#[test]
fn chinese_csv_in_gbk_and_gcj02_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        "编号,经度,纬度,人口,街道\nA,117.2850,31.8620,100,杏林\nB,117.3500,31.9000,50,亳州路\n";
    let (bytes, _, _) = encoding_rs::GBK.encode(text);
    std::fs::write(dir.path().join("c.csv"), &bytes).unwrap();
    good_centres(dir.path());
    let out = succeed(
        dir.path(),
        &[
            "coverage",
            "--compounds",
            "c.csv",
            "--centers",
            "centers.geojson",
            "--compounds-coords",
            "gcj02",
            "--group-by",
            "街道",
            "--format",
            "json",
            "--id-field",
            "编号",
        ],
    );
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["population"]["total"], 150.0);
    assert_eq!(s["groups"]["街道"].as_array().unwrap().len(), 2);
    assert_eq!(s["inputs"]["compounds"]["coords"], "gcj02");
}

#[test]
fn help_has_examples() {
    let out = bin().args(["coverage", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Examples:") && text.contains("--level-radius"));
}

#[test]
fn walking_coverage_sees_the_river() {
    let dir = tempfile::tempdir().unwrap();
    synth(dir.path());
    let base = [&CITY[..], &["--format", "json"]].concat();
    let straight = run(dir.path(), &[&["coverage"][..], &base].concat());
    let walk = run(
        dir.path(),
        &[
            &[
                "coverage",
                "--metric",
                "network",
                "--network",
                "city/streets.geojson",
                "--circles",
                "-o",
                "w",
            ][..],
            &base,
        ]
        .concat(),
    );
    assert!(
        walk.status.success(),
        "{}",
        String::from_utf8_lossy(&walk.stderr)
    );
    let s: serde_json::Value = serde_json::from_slice(&straight.stdout).unwrap();
    let w: serde_json::Value = serde_json::from_slice(&walk.stdout).unwrap();
    assert_eq!(w["circle"]["metric"], "network");
    let (sc, wc) = (
        s["compounds"]["covered"].as_u64().unwrap(),
        w["compounds"]["covered"].as_u64().unwrap(),
    );
    assert!(wc < sc, "walking covered {wc}, straight {sc}");
    assert!(w["detour"]["covered_straight_not_walk"].as_u64().unwrap() > 0);
    assert!(w["detour"]["median_ratio"].as_f64().unwrap() >= 1.0);
    assert!(w["network"]["nodes"].as_u64().unwrap() > 0);
    let areas: serde_json::Value = read_json_in(dir.path(), "w/circles.geojson");
    assert_eq!(areas["features"][0]["properties"]["kind"], "service_area");
    assert_eq!(areas["features"][0]["geometry"]["type"], "Polygon");
}

#[test]
fn matrix_metric_reads_a_cost_table() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.geojson",
        &collection(&[
            point("a", "117.28", "31.86", r#","population":10"#),
            point("b", "117.29", "31.87", r#","population":20"#),
            point("c", "117.30", "31.88", r#","population":30"#),
        ]),
    );
    good_centres(dir.path());
    write(dir.path(), "m.csv", "from,to,minutes\nS1,a,5\nS1,b,20\n");
    let args = [
        "coverage",
        "--compounds",
        "c.geojson",
        "--centers",
        "centers.geojson",
        "--metric",
        "matrix",
        "--matrix",
        "m.csv",
        "--matrix-columns",
        "from,to,minutes",
        "--matrix-unit",
        "min",
        "--format",
        "json",
    ];
    let out = succeed(dir.path(), &args);
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["population"]["covered"], 10.0);
    assert_eq!(s["compounds"]["unreachable"], 1);
    write(dir.path(), "m.csv", "from,to,minutes\nS1,a,5\nS1,zz,20\n");
    let out = run(dir.path(), &args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("m.csv: row 3") && err.contains("\"zz\""),
        "{err}"
    );
    write(dir.path(), "m.csv", "from,to,minutes\nS1,a,-5\n");
    let err = String::from_utf8_lossy(&run(dir.path(), &args).stderr).to_string();
    assert!(err.contains("row 2") && err.contains("-5"), "{err}");
}

#[test]
fn bad_networks_are_named() {
    let dir = tempfile::tempdir().unwrap();
    synth(dir.path());
    write(dir.path(), "fake.osm.pbf", "this is not a protobuf");
    write(
        dir.path(),
        "points.geojson",
        &collection(&[point("x", "117.28", "31.86", "")]),
    );
    write(
        dir.path(),
        "far.geojson",
        &collection(&[r#"{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[10,10],[10.01,10]]}}"#.into()]),
    );
    for (file, expect) in [
        ("fake.osm.pbf", "fake.osm.pbf"),
        ("points.geojson", "points.geojson"),
        ("far.geojson", "does not overlap"),
    ] {
        let out = run(
            dir.path(),
            &on_city(
                "coverage",
                &["--metric", "network", "--network", file, "-o", "out"],
            ),
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{file} accepted");
        assert!(err.contains(expect), "{file}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(!dir.path().join("out").exists());
    }
}

#[test]
fn projected_csv_is_converted_with_crs() {
    // CGCS2000 3-degree Gauss-Kruger, central meridian 114E: (114.3, 30.6) in metres.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.csv",
        "id,x,y,pop\nA,528770.237,3386666.251,100\n",
    );
    write(
        dir.path(),
        "s.geojson",
        &collection(&[point("S1", "114.301", "30.601", r#","level":"street""#)]),
    );
    let out = succeed(
        dir.path(),
        &[
            "coverage",
            "--compounds",
            "c.csv",
            "--compounds-crs",
            "EPSG:4547",
            "--centers",
            "s.geojson",
            "-o",
            "out",
            "--format",
            "json",
        ],
    );
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["inputs"]["compounds"]["crs"], "EPSG:4547");
    assert_eq!(s["compounds"]["covered"], 1);
    let c: serde_json::Value = read_json_in(dir.path(), "out/compounds.geojson");
    let xy = &c["features"][0]["geometry"]["coordinates"];
    assert!((xy[0].as_f64().unwrap() - 114.3).abs() < 1e-7, "{xy}");
    assert!((xy[1].as_f64().unwrap() - 30.6).abs() < 1e-7, "{xy}");
    // Without --crs the same file is refused with a hint.
    let out = run(
        dir.path(),
        &["coverage", "--compounds", "c.csv", "--centers", "s.geojson"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("--crs"), "{err}");
}

#[test]
fn site_on_foot_uses_street_nodes_as_auto_candidates() {
    let dir = tempfile::tempdir().unwrap();
    synth(dir.path());
    let out = succeed(
        dir.path(),
        &on_city(
            "site",
            &[
                "--candidates",
                "auto",
                "--add",
                "3",
                "--metric",
                "network",
                "--network",
                "city/streets.geojson",
                "--format",
                "json",
            ],
        ),
    );
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["circle"]["metric"], "network");
    assert!(s["site"]["candidates"]["count"].as_u64().unwrap() > 0);
    assert!(s["upper_bound"].as_f64().unwrap() >= s["objective"].as_f64().unwrap());
    assert_eq!(s["sites"].as_array().unwrap().len(), 3);
}

#[test]
fn outputs_can_be_written_back_in_gcj02() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.geojson",
        &collection(&[point("a", "117.2850", "31.8620", r#","population":10"#)]),
    );
    write(
        dir.path(),
        "s.geojson",
        &collection(&[point("S1", "117.2860", "31.8630", r#","level":"street""#)]),
    );
    succeed(
        dir.path(),
        &[
            "coverage",
            "--compounds",
            "c.geojson",
            "--centers",
            "s.geojson",
            "--coords",
            "gcj02",
            "--output-coords",
            "gcj02",
            "--circles",
            "-o",
            "out",
        ],
    );
    let c: serde_json::Value = read_json_in(dir.path(), "out/compounds.geojson");
    let xy = &c["features"][0]["geometry"]["coordinates"];
    assert!((xy[0].as_f64().unwrap() - 117.2850).abs() < 1e-7, "{xy}");
    assert!((xy[1].as_f64().unwrap() - 31.8620).abs() < 1e-7, "{xy}");
    let s: serde_json::Value = read_json_in(dir.path(), "out/summary.json");
    assert_eq!(s["output_coords"], "gcj02");
    // By default the same input comes out in WGS84, shifted by a few hundred metres.
    let out = run(
        dir.path(),
        &[
            "coverage",
            "--compounds",
            "c.geojson",
            "--centers",
            "s.geojson",
            "--coords",
            "gcj02",
            "-o",
            "wgs",
        ],
    );
    assert!(out.status.success());
    let c: serde_json::Value = read_json_in(dir.path(), "wgs/compounds.geojson");
    let lon = c["features"][0]["geometry"]["coordinates"][0]
        .as_f64()
        .unwrap();
    assert!((lon - 117.2850).abs() > 1e-3, "not converted: {lon}");
}
