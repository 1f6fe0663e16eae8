//! End-to-end tests of `circleplan lifecircle` and `circleplan profile`: the real binary in a
//! fresh temporary directory, the output contract, bad profiles and layers, and
//! byte-identical output at any thread count.

mod common;

use std::path::Path;

use common::{read_json, run_threads, succeed_threads, write};

const PROFILE: &str = r#"name = "test profile"
[[facility]]
type = "kindergarten"
aliases = ["幼儿园"]
level = 5
max_distance_m = 300
source = "test"
[[facility]]
type = "school"
aliases = ["小学", "Primary"]
level = 10
max_distance_m = 500
source = "test"
"#;

/// Compounds A (street s1) and B (street s2), 0.02° of latitude (~2.2 km) apart; a
/// kindergarten ~111 m north of A, a school ~333 m north of A, nothing near B.
fn inputs(dir: &Path) {
    write(
        dir,
        "compounds.geojson",
        r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"id":"A","population":1000,"street":"s1"},"geometry":{"type":"Point","coordinates":[117.0,31.0]}},
{"type":"Feature","properties":{"id":"B","population":3000,"street":"s2","小区名称":"幸福小区"},"geometry":{"type":"Point","coordinates":[117.0,31.02]}}]}"#,
    );
    write(
        dir,
        "kg.geojson",
        r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"id":"k1","type":"幼儿园","street":"s1"},"geometry":{"type":"Point","coordinates":[117.0,31.001]}},
{"type":"Feature","properties":{"id":"h1","type":"hospital"},"geometry":{"type":"Point","coordinates":[117.0,31.01]}}]}"#,
    );
    write(
        dir,
        "schools.csv",
        "id,lon,lat,设施类型\ns1,117.0,31.003,primary\n",
    );
    write(dir, "profile.toml", PROFILE);
}

const ARGS: &[&str] = &[
    "lifecircle",
    "--compounds",
    "compounds.geojson",
    "--facilities",
    "kg.geojson",
    "--facilities",
    "schools.csv",
    "--profile",
    "profile.toml",
    "--group-by",
    "street",
    "--accessibility",
    "2sfca",
    "-o",
    "out",
];

/// Runs [`ARGS`] on [`inputs`] in a fresh directory.
fn contract_run() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    inputs(dir.path());
    let out = succeed_threads(dir.path(), ARGS, "2");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("\"hospital\" (1)"), "{stdout}");
    dir
}

#[test]
fn lifecircle_writes_the_contract_layers() {
    let dir = contract_run();
    let o = dir.path().join("out");
    let mut names: Vec<String> = std::fs::read_dir(&o)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let want = [
        "compounds.csv",
        "compounds.geojson",
        "compounds.qml",
        "facilities.geojson",
        "facilities.qml",
        "ledger.csv",
        "lifecircle.xlsx",
        "summary.json",
    ];
    assert_eq!(
        names, want,
        "exactly the contract files, no scratch left behind"
    );
    let c = read_json(&o.join("compounds.geojson"));
    let a = &c["features"][0]["properties"];
    let b = &c["features"][1]["properties"];
    assert_eq!(a["id"], "A");
    assert!(
        (a["d_kindergarten"].as_f64().unwrap() - 110.9).abs() < 1.0,
        "{a}"
    );
    assert_eq!(a["ok_kindergarten"], true);
    assert_eq!(a["ok_school"], true);
    assert_eq!(a["complete_5"], true);
    assert_eq!(a["complete_10"], true);
    assert_eq!(a["complete"], true);
    assert_eq!(a["completeness"], 1.0);
    assert_eq!(a["missing"], "");
    // One kindergarten, 1000 residents within reach: 1 per 1,000.
    assert_eq!(a["access_kindergarten"], 1.0);
    assert_eq!(b["ok_kindergarten"], false);
    assert_eq!(b["complete"], false);
    assert_eq!(b["completeness"], 0.0);
    assert_eq!(b["missing"], "kindergarten,school");
    assert_eq!(b["access_school"], 0.0);
    let f = read_json(&o.join("facilities.geojson"));
    let props: Vec<_> = f["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["properties"])
        .collect();
    assert_eq!(props.len(), 2, "the hospital is left out");
    assert_eq!(props[0]["id"], "k1");
    assert_eq!(props[0]["type"], "kindergarten");
    assert_eq!(props[0]["served_population"], 1000);
    assert_eq!(props[1]["type"], "school");
    let csv = std::fs::read_to_string(o.join("compounds.csv")).unwrap();
    assert!(
        csv.contains(",missing") && csv.contains("\"kindergarten,school\""),
        "{csv}"
    );
}

#[test]
fn lifecircle_writes_the_summary_ledger_and_workbook() {
    let dir = contract_run();
    let o = dir.path().join("out");
    let s = read_json(&o.join("summary.json"));
    let lc = &s["lifecircle"];
    assert_eq!(lc["profile"], "test profile");
    let t0 = &lc["types"][0];
    for key in [
        "type",
        "level",
        "max_distance_m",
        "facilities",
        "population_covered",
        "population_share",
        "compounds_covered",
    ] {
        assert!(t0.get(key).is_some(), "types lacks {key}: {t0}");
    }
    assert_eq!(t0["population_covered"], 1000.0);
    assert_eq!(t0["population_share"], 0.25);
    assert_eq!(lc["levels"][1]["minutes"], 10);
    assert_eq!(lc["levels"][1]["compounds_complete"], 1);
    assert_eq!(lc["complete"]["population"], 1000.0);
    assert_eq!(lc["complete"]["population_share"], 0.25);
    assert_eq!(lc["complete"]["compounds"], 1);
    assert_eq!(lc["groups"]["street"][1]["value"], "s2");
    // 千人指标 per group: k1 carries street s1 (1000 residents); schools.csv has no street.
    let s1 = &lc["groups"]["street"][0]["types"];
    assert_eq!(s1[0]["facilities"], 1);
    assert_eq!(s1[0]["supply_per_1000"], 1.0);
    assert_eq!(s1[1]["facilities"], 0);
    assert_eq!(
        lc["groups"]["street"][1]["types"][0]["supply_per_1000"],
        0.0
    );
    let warned = s["warnings"].as_array().unwrap().iter().any(|w| {
        w.as_str()
            .unwrap()
            .starts_with("schools.csv: no field \"street\"")
    });
    assert!(warned, "{}", s["warnings"]);
    assert_eq!(
        lc["groups"]["street"][1]["complete"]["population_share"],
        0.0
    );
    let ledger = std::fs::read(o.join("ledger.csv")).unwrap();
    assert!(ledger.starts_with(b"\xEF\xBB\xBF"), "ledger needs a BOM");
    let ledger = String::from_utf8(ledger[3..].to_vec()).unwrap();
    let lines: Vec<&str> = ledger.lines().collect();
    assert_eq!(
        lines[0],
        "No.,street,compound id,compound name,missing facility,level,nearest (m),standard (m),\
         over (m),over share,severity,population,measures,responsible unit,deadline"
    );
    assert_eq!(lines.len(), 3, "{ledger}");
    assert!(
        lines[1].starts_with("1,s2,B,幸福小区,kindergarten,5 min,"),
        "{ledger}"
    );
    assert!(
        lines[2].starts_with("2,s2,B,幸福小区,school,10 min,")
            && lines[2].contains(",500,")
            && lines[2].ends_with(",missing,3000,,,"),
        "{ledger}"
    );
    let sheets = xlsx_part(&o.join("lifecircle.xlsx"), "xl/workbook.xml");
    let names: Vec<&str> = sheets
        .split("<sheet name=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .collect();
    assert_eq!(names, vec!["cover", "summary", "street", "ledger"]);
    let strings = xlsx_strings(&o.join("lifecircle.xlsx"));
    assert!(
        strings.contains("residents covered") && strings.contains(">B<"),
        "{strings}"
    );
}

/// One part of an xlsx (a zip of XML files) as text.
fn xlsx_part(path: &Path, part: &str) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut text = String::new();
    zip.by_name(part)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[test]
fn lifecircle_xlsx_has_chinese_headers_with_lang_zh() {
    let dir = tempfile::tempdir().unwrap();
    inputs(dir.path());
    let mut args = ARGS.to_vec();
    args.extend(["--lang", "zh"]);
    succeed_threads(dir.path(), &args, "2");
    let strings = xlsx_strings(&dir.path().join("out/lifecircle.xlsx"));
    assert!(
        strings.contains("覆盖人口") && strings.contains("缺失设施"),
        "{strings}"
    );
    assert!(!strings.contains("residents covered"), "{strings}");
}

#[test]
fn lifecircle_output_is_identical_on_one_thread_and_many() {
    let dir = tempfile::tempdir().unwrap();
    inputs(dir.path());
    let mut args = ARGS.to_vec();
    *args.last_mut().unwrap() = "one";
    assert!(run_threads(dir.path(), &args, "1").status.success());
    *args.last_mut().unwrap() = "many";
    assert!(run_threads(dir.path(), &args, "4").status.success());
    for f in [
        "summary.json",
        "compounds.geojson",
        "compounds.csv",
        "facilities.geojson",
        "ledger.csv",
    ] {
        let a = std::fs::read(dir.path().join("one").join(f)).unwrap();
        let b = std::fs::read(dir.path().join("many").join(f)).unwrap();
        assert!(a == b, "{f} differs between 1 and 4 threads");
    }
}

fn assert_bad(dir: &Path, args: &[&str], expect: &[&str]) {
    let out = run_threads(dir, args, "2");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    for e in expect {
        assert!(err.contains(e), "expected {e:?} in {err}");
    }
    assert!(
        !dir.join("out").exists(),
        "output written despite the error"
    );
}

#[test]
fn lifecircle_bad_profiles_and_layers_get_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    inputs(d);
    let bad_profiles: [(&str, &str, &[&str]); 4] = [
        (
            "max_distance_m = 500",
            "max_distance_m = -500",
            &["profile.toml", "entry 2 (type \"school\")", "-500"],
        ),
        (
            "max_distance_m = 500\n",
            "",
            &["profile.toml", "entry 2", "max_distance_m is missing"],
        ),
        (
            "type = \"school\"",
            "type = \"kindergarten\"",
            &["profile.toml", "duplicate type id \"kindergarten\""],
        ),
        ("level = 10", "level = = 10", &["profile.toml", "line 11"]),
    ];
    for (from, to, expect) in bad_profiles {
        write(d, "profile.toml", &PROFILE.replace(from, to));
        assert_bad(d, ARGS, expect);
    }
    write(d, "profile.toml", PROFILE);
    write(
        d,
        "schools.csv",
        "id,lon,lat,设施类型\ns1,117.0,31.003,学校\ns2,117.0,31.004,hospital\n",
    );
    assert_bad(
        d,
        ARGS,
        &[
            "schools.csv",
            "values seen",
            "\"学校\" (1)",
            "\"hospital\" (1)",
        ],
    );
}

#[test]
fn profile_prints_the_builtin_toml() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_threads(dir.path(), &["profile", "gb50180-2018"], "1");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("name = \"GB 50180-2018\""));
    // What it prints is what --profile FILE reads back.
    write(dir.path(), "copy.toml", &text);
    inputs(dir.path());
    write(
        dir.path(),
        "schools.csv",
        "id,lon,lat,设施类型\ns1,117.0,31.003,小学\n",
    );
    let mut args = ARGS.to_vec();
    args[8] = "copy.toml";
    succeed_threads(dir.path(), &args, "1");
    let s = read_json(&dir.path().join("out/summary.json"));
    assert_eq!(s["lifecircle"]["types"].as_array().unwrap().len(), 16);
    let absent = s["warnings"].as_array().unwrap().iter().any(|w| {
        w.as_str()
            .unwrap()
            .starts_with("no facility of 14 of the profile's 16 types (nursery, ")
    });
    assert!(absent, "{}", s["warnings"]);
    assert!(
        !run_threads(dir.path(), &["profile", "nope"], "1")
            .status
            .success()
    );
}

const SYNTH_PROFILE: &str = r#"name = "synthetic levels"
[[facility]]
type = "station"
level = 5
max_distance_m = 300
[[facility]]
type = "community"
level = 10
max_distance_m = 500
[[facility]]
type = "street"
level = 15
max_distance_m = 1000
[[facility]]
type = "district"
level = 15
max_distance_m = 1500
"#;

fn features(dir: &Path, file: &str) -> Vec<serde_json::Value> {
    let v = read_json(&dir.join(file));
    v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"].clone())
        .collect()
}

#[test]
fn lifecircle_walking_is_never_shorter_than_the_straight_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let synth = [
        "synth",
        "--compounds",
        "600",
        "--centers",
        "60",
        "--seed",
        "5",
        "-o",
        "city",
    ];
    assert!(run_threads(d, &synth, "2").status.success());
    write(d, "levels.toml", SYNTH_PROFILE);
    let base = [
        "lifecircle",
        "--compounds",
        "city/compounds.geojson",
        "--facilities",
        "city/centers.geojson",
        "--type-field",
        "level",
        "--profile",
        "levels.toml",
    ];
    let mut straight = base.to_vec();
    straight.extend(["-o", "straight"]);
    succeed_threads(d, &straight, "2");
    let mut walk = base.to_vec();
    walk.extend([
        "--metric",
        "network",
        "--network",
        "city/streets.geojson",
        "-o",
        "walk",
        "--report",
        "walk.html",
        "--lang",
        "zh",
    ]);
    succeed_threads(d, &walk, "2");
    // The walking run's report draws the streets under the map and says how it measured.
    let html = std::fs::read_to_string(d.join("walk.html")).unwrap();
    assert!(
        html.contains("data-layer=\"streets\""),
        "streets on the map"
    );
    assert!(
        html.contains("小区设施完整度（步行距离）"),
        "the method in the map title"
    );
    let s = features(d, "straight/compounds.geojson");
    let w = features(d, "walk/compounds.geojson");
    assert_eq!(s.len(), w.len());
    let mut longer = 0;
    for (a, b) in s.iter().zip(&w) {
        for t in ["station", "community", "street", "district"] {
            let ds = a[format!("d_{t}")].as_f64().unwrap();
            if let Some(dw) = b[format!("d_{t}")].as_f64() {
                assert!(
                    dw >= ds - 0.01,
                    "{t}: walk {dw} < straight {ds} at {}",
                    a["id"]
                );
                longer += usize::from(dw > ds + 1.0);
            }
            if b[format!("ok_{t}")] == true {
                assert_eq!(a[format!("ok_{t}")], true, "{t} at {}", a["id"]);
            }
        }
    }
    assert!(longer > 0, "walking distances all equal the straight line");
    let summary = read_json(&d.join("walk/summary.json"));
    assert_eq!(summary["metric"], "network");
    // Issue 19 item 20: the network block, as `coverage` writes it.
    let network = &summary["network"];
    assert!(network["nodes"].as_u64().unwrap() > 0, "{summary}");
    assert!(network["compounds_beyond_snap_limit"].is_u64(), "{network}");
    assert!(network["centers_beyond_snap_limit"].is_u64(), "{network}");
    assert!(
        read_json(&d.join("straight/summary.json"))
            .get("network")
            .is_none()
    );
}

#[test]
fn lifecircle_reads_a_cost_table_keyed_by_facility_ids() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    inputs(d);
    write(
        d,
        "costs.csv",
        "site,compound,cost\nk1,A,250\nk1,B,301\ns1,B,499.5\nh1,A,1\n",
    );
    let mut args = ARGS.to_vec();
    args.truncate(args.len() - 4); // no 2SFCA, no -o
    args.extend(["--metric", "matrix", "--matrix", "costs.csv", "-o", "out"]);
    args.extend(["--report", "r.html", "--lang", "zh"]);
    succeed_threads(d, &args, "2");
    // The page draws no areas and says why (issue 18 item 1).
    let html = std::fs::read_to_string(d.join("r.html")).unwrap();
    assert!(
        html.contains("data-note=\"cost-table\">成本表：距离取自成本表"),
        "the cost-table note under the map"
    );
    assert!(
        !html.contains("data-layer=\"circles\"") && !html.contains("data-layer=\"service-areas\"")
    );
    let c = features(d, "out/compounds.geojson");
    assert_eq!(c[0]["d_kindergarten"], 250);
    assert_eq!(c[0]["ok_kindergarten"], true);
    assert_eq!(
        c[0]["d_school"],
        serde_json::Value::Null,
        "no listed pair: not reachable"
    );
    assert_eq!(c[0]["ok_school"], false);
    assert_eq!(c[1]["d_kindergarten"], 301);
    assert_eq!(c[1]["ok_kindergarten"], false);
    assert_eq!(c[1]["d_school"], 499.5);
    assert_eq!(c[1]["ok_school"], true);
}

#[test]
fn demo_tours_the_life_circle_and_synth_writes_typed_facilities() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = succeed_threads(d, &["demo"], "2");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Life circle (GB 50180-2018"), "{text}");
    for f in [
        "summary.json",
        "ledger.csv",
        "lifecircle.xlsx",
        "report.html",
    ] {
        assert!(
            d.join("circleplan-demo/lifecircle").join(f).exists(),
            "{f} missing"
        );
    }
    let main = std::fs::read_to_string(d.join("circleplan-demo/report.html")).unwrap();
    assert!(
        main.contains("href=\"lifecircle/report.html\""),
        "the demo report links its life-circle report"
    );
    let synth = [
        "synth",
        "--compounds",
        "300",
        "--facilities",
        "500",
        "-o",
        "city",
    ];
    assert!(run_threads(d, &synth, "2").status.success());
    let f = features(d, "city/facilities.geojson");
    assert_eq!(f.len(), 500);
    let args = [
        "lifecircle",
        "--compounds",
        "city/compounds.geojson",
        "--facilities",
        "city/facilities.geojson",
        "--format",
        "json",
    ];
    let out = succeed_threads(d, &args, "2");
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let types = s["lifecircle"]["types"].as_array().unwrap();
    assert!(
        types.iter().all(|t| t["facilities"].as_u64().unwrap() > 0),
        "{s}"
    );
    assert_eq!(s["warnings"].as_array().unwrap().len(), 0, "{s}");
}

/// Every string of an xlsx: the shared strings and the sheets' inline strings.
fn xlsx_strings(path: &Path) -> String {
    let zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let parts: Vec<String> = zip
        .file_names()
        .map(|n| n.unwrap().into_owned())
        .filter(|n| n.starts_with("xl/worksheets/") || n == "xl/sharedStrings.xml")
        .collect();
    parts.iter().map(|p| xlsx_part(path, p)).collect()
}

#[test]
fn lifecircle_report_has_map_bars_groups_and_ledger() {
    let dir = tempfile::tempdir().unwrap();
    inputs(dir.path());
    let mut args = ARGS.to_vec();
    args.extend(["--report", "r.html", "--lang", "en"]);
    succeed_threads(dir.path(), &args, "2");
    let html = std::fs::read_to_string(dir.path().join("r.html")).unwrap();
    assert!(
        html.contains("<meta name=\"viewport\""),
        "phones need the viewport meta"
    );
    assert!(html.contains("Completeness per compound (straight-line distance)"));
    // The main report's map: frame, zoom script, scale bar, north arrow, layers.
    assert!(html.contains("<svg id=\"map\" class=\"map\"") && html.contains("id=\"map-view\""));
    assert!(html.contains("id=\"scale-bar\"") && html.contains("class=\"north\""));
    assert!(html.contains("data-layer=\"compounds\""), "{html}");
    assert!(html.contains("data-layer=\"facilities\" data-type=\"kindergarten\""));
    assert!(
        html.contains("type=\"checkbox\" checked data-fac=\"0\""),
        "a switch per type"
    );
    // Ranged classes, not point values.
    for range in ["0–25 %", "25–50 %", "50–75 %", "75–99 %", "100 %"] {
        assert!(html.contains(&format!("{range} (")), "legend class {range}");
    }
    assert!(
        html.contains("<td>Kindergarten</td>") && html.contains("25.0 %"),
        "{html}"
    );
    assert!(
        html.contains("<h2>By street (straight-line distance)</h2>"),
        "{html}"
    );
    assert!(html.contains("class=\"sbar\""), "a bar per group");
    assert!(html.contains("the ledger has 2 rows"), "{html}");
    assert!(
        html.contains("<td>s2</td><td>B</td><td>幸福小区</td><td>Kindergarten</td><td>5 min</td>"),
        "{html}"
    );
    assert!(html.contains("id=\"command-line\"") && html.contains("id=\"version\""));
    // The cards' numbers are summary.json's.
    let summary = read_json(&dir.path().join("out/summary.json"));
    assert_eq!(
        circleplan::report::html::headline_mismatches(&html, &summary, 1e-9),
        Vec::<String>::new()
    );
    assert!(html.matches("data-key=").count() >= 5, "{html}");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "self-contained"
    );
    let again = run_threads(dir.path(), &args, "1");
    assert!(again.status.success());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("r.html")).unwrap(),
        html
    );
}

#[test]
fn lifecircle_keeps_one_run_per_folder_and_refuses_a_colliding_report() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    inputs(d);
    let mut args = ARGS.to_vec();
    args.extend(["--report", "out/ledger.csv"]);
    let out = run_threads(d, &args, "2");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("collides"));
    assert!(!d.join("out").exists());
    // A coverage run's files in the folder go when a life-circle run replaces it.
    write(d, "centers.csv", "id,lon,lat\nc1,117.0,31.001\n");
    let cov = [
        "coverage",
        "--compounds",
        "compounds.geojson",
        "--centers",
        "centers.csv",
        "-o",
        "out",
    ];
    assert!(run_threads(d, &cov, "2").status.success());
    assert!(d.join("out/centers.geojson").exists());
    assert!(run_threads(d, ARGS, "2").status.success());
    assert!(
        !d.join("out/centers.geojson").exists(),
        "stale coverage layer kept"
    );
    assert!(d.join("out/ledger.csv").exists());
}

/// Issue 19 item 6: a group field named like a computed column (`complete`) is written as
/// `input_complete`; the computed value keeps its name.
#[test]
fn a_group_field_named_like_a_computed_column_gets_an_input_prefix() {
    let dir = tempfile::tempdir().unwrap();
    inputs(dir.path());
    write(
        dir.path(),
        "compounds.geojson",
        r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"id":"A","population":1000,"complete":"survey says yes"},"geometry":{"type":"Point","coordinates":[117.0,31.0]}}]}"#,
    );
    let args = [
        "lifecircle",
        "--compounds",
        "compounds.geojson",
        "--facilities",
        "kg.geojson",
        "--profile",
        "profile.toml",
        "--group-by",
        "complete",
        "-o",
        "out",
        "-q",
    ];
    succeed_threads(dir.path(), &args, "1");
    let layer = read_json(&dir.path().join("out/compounds.geojson"));
    let p = &layer["features"][0]["properties"];
    assert_eq!(p["complete"], serde_json::json!(false));
    assert_eq!(p["input_complete"], serde_json::json!("survey says yes"));
    let csv = std::fs::read_to_string(dir.path().join("out/compounds.csv")).unwrap();
    assert!(
        csv.lines().next().unwrap().contains(",input_complete,"),
        "{csv}"
    );
    let ledger = std::fs::read_to_string(dir.path().join("out/ledger.csv")).unwrap();
    assert!(
        ledger
            .lines()
            .next()
            .unwrap()
            .starts_with("\u{feff}No.,complete,compound id"),
        "{ledger}"
    );
}

/// Issue 19 item 18: `--capacity-field` without `--accessibility` is named in a warning.
#[test]
fn capacity_field_without_accessibility_warns() {
    let dir = tempfile::tempdir().unwrap();
    inputs(dir.path());
    write(
        dir.path(),
        "beds.geojson",
        r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"id":"k1","type":"幼儿园","beds":30},"geometry":{"type":"Point","coordinates":[117.0,31.001]}}]}"#,
    );
    let args = [
        "lifecircle",
        "--compounds",
        "compounds.geojson",
        "--facilities",
        "beds.geojson",
        "--profile",
        "profile.toml",
        "--capacity-field",
        "beds",
        "-o",
        "out",
        "-q",
    ];
    succeed_threads(dir.path(), &args, "1");
    let summary = read_json(&dir.path().join("out/summary.json"));
    let text = summary["warnings"].to_string();
    assert!(
        text.contains(
            "--capacity-field has no effect in this run: facility capacities are read \
                       for --accessibility 2sfca only"
        ),
        "{text}"
    );
}

/// Issue 19 item 9: values the workbook cannot hold as given (a group field starting with an
/// apostrophe, an id longer than a cell) no longer stop the run: the sheet name is
/// sanitised, the cell cut, and every file written.
#[test]
fn values_a_workbook_cannot_hold_are_cut_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    inputs(dir.path());
    let long_id = "x".repeat(40_000);
    write(
        dir.path(),
        "compounds.geojson",
        &format!(
            r#"{{"type":"FeatureCollection","features":[
{{"type":"Feature","properties":{{"id":"{long_id}","population":1000,"'street":"s1"}},"geometry":{{"type":"Point","coordinates":[117.0,31.0]}}}}]}}"#
        ),
    );
    let args = [
        "lifecircle",
        "--compounds",
        "compounds.geojson",
        "--facilities",
        "kg.geojson",
        "--profile",
        "profile.toml",
        "--group-by",
        "'street",
        "-o",
        "out",
        "-q",
    ];
    succeed_threads(dir.path(), &args, "1");
    for f in [
        "lifecircle.xlsx",
        "compounds.csv",
        "compounds.geojson",
        "ledger.csv",
    ] {
        assert!(dir.path().join("out").join(f).exists(), "{f}");
    }
    let layer = read_json(&dir.path().join("out/compounds.geojson"));
    assert_eq!(layer["features"][0]["properties"]["id"], long_id.as_str());
}

/// An id longer than a workbook cell holds: every file is written, the xlsx cell is cut with
/// a warning, the CSV keeps the id whole.
#[test]
fn an_id_too_long_for_a_cell_is_cut_in_the_workbook_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let long = "A".repeat(32_768);
    let compounds = format!(
        r#"{{"type":"FeatureCollection","features":[
{{"type":"Feature","properties":{{"id":"{long}","population":10,"street":"'quoted"}},"geometry":{{"type":"Point","coordinates":[117.0,31.0]}}}},
{{"type":"Feature","properties":{{"id":"B","population":10,"street":"'quoted"}},"geometry":{{"type":"Point","coordinates":[117.001,31.0]}}}}]}}"#
    );
    write(dir.path(), "c.geojson", &compounds);
    write(
        dir.path(),
        "f.geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"F1","type":"幼儿园"},"geometry":{"type":"Point","coordinates":[117.0005,31.0]}}]}"#,
    );
    let args = [
        "lifecircle",
        "--compounds",
        "c.geojson",
        "--facilities",
        "f.geojson",
        "--group-by",
        "street",
        "-o",
        "out",
        "--quiet",
    ];
    succeed_threads(dir.path(), &args, "2");
    let summary = read_json(&dir.path().join("out/summary.json"));
    let warnings = summary["warnings"].to_string();
    assert!(
        warnings.contains("1 text(s) longer than the 32767 characters"),
        "{warnings}"
    );
    let csv = std::fs::read_to_string(dir.path().join("out/compounds.csv")).unwrap();
    assert!(csv.contains(&long), "the CSV keeps the id whole");
    assert!(dir.path().join("out/lifecircle.xlsx").exists());
}
