//! End-to-end tests of what a run writes and how its flags combine: one atomic set of
//! outputs per folder, reports that cannot collide with layers, metrics implied by their
//! files, siting notes, and layers a GIS accepts (valid polygons, one geometry type per
//! file, no negative zero, at most 7 decimals). Each runs the real binary in a fresh
//! temporary directory.

mod common;

use std::path::Path;

use common::{fails, names, ok, read_json_in, write};

use geo::{Area, LineString, Polygon, Validation, Winding};

/// The demo district's inputs in `dir/d/inputs`.
fn demo(dir: &Path) {
    ok(dir, &["demo", "-o", "d"]);
}

const DEMO: [&str; 4] = [
    "--compounds",
    "d/inputs/compounds.geojson",
    "--centers",
    "d/inputs/centers.geojson",
];

fn with<'a>(head: &[&'a str], tail: &[&'a str]) -> Vec<&'a str> {
    [head, &DEMO[..], tail].concat()
}

/// Every Polygon of a GeoJSON layer as geo polygons (null geometries skipped); panics on any
/// other geometry type.
fn polygons(layer: &serde_json::Value) -> Vec<Polygon> {
    let ring = |r: &serde_json::Value| -> LineString {
        r.as_array()
            .unwrap()
            .iter()
            .map(|c| (c[0].as_f64().unwrap(), c[1].as_f64().unwrap()))
            .collect::<Vec<_>>()
            .into()
    };
    layer["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["geometry"].is_null())
        .map(|f| {
            assert_eq!(f["geometry"]["type"], "Polygon", "{f}");
            let rings = f["geometry"]["coordinates"].as_array().unwrap();
            Polygon::new(ring(&rings[0]), rings[1..].iter().map(ring).collect())
        })
        .collect()
}

/// How many polygons of a layer are not OGC-valid, closed, with a counter-clockwise exterior.
fn invalid_polygons(layer: &serde_json::Value) -> usize {
    polygons(layer)
        .iter()
        .filter(|p| !(p.is_valid() && p.exterior().is_closed() && p.exterior().is_ccw()))
        .count()
}

#[test]
fn a_report_colliding_with_an_output_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path());
    for report in ["out/summary.json", "out", "./out/../out/compounds.csv"] {
        let err = fails(
            dir.path(),
            &with(&["coverage"], &["-o", "out", "--report", report]),
        );
        assert!(
            err.contains("--report") && err.contains("collides"),
            "{err}"
        );
        assert!(err.lines().count() == 1, "{err}");
        assert!(
            !dir.path().join("out").exists(),
            "{report}: something was written"
        );
    }
    // The report is part of the atomic set: when it cannot be written, no layer remains.
    write(dir.path(), "blocker", "x");
    let err = fails(
        dir.path(),
        &with(&["coverage"], &["-o", "out", "--report", "blocker/r.html"]),
    );
    assert!(err.contains("blocker"), "{err}");
    assert!(
        !dir.path().join("out").exists(),
        "layers left behind: {err}"
    );
    // An earlier run's files survive a failed one untouched.
    ok(dir.path(), &with(&["coverage"], &["-o", "out"]));
    let before = std::fs::read(dir.path().join("out/summary.json")).unwrap();
    fails(
        dir.path(),
        &with(
            &["coverage"],
            &["--radius", "500", "-o", "out", "--report", "blocker/r.html"],
        ),
    );
    assert_eq!(
        std::fs::read(dir.path().join("out/summary.json")).unwrap(),
        before
    );
    // A report beside the layers, under its own name, is fine.
    ok(
        dir.path(),
        &with(&["coverage"], &["-o", "out", "--report", "out/report.html"]),
    );
    assert!(dir.path().join("out/report.html").is_file());
    assert!(dir.path().join("out/summary.json").is_file());
}

#[test]
fn a_folder_holds_one_run_and_stale_outputs_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path());
    ok(
        dir.path(),
        &with(
            &["coverage"],
            &["--circles", "--group-by", "street", "-o", "out"],
        ),
    );
    write(dir.path(), "out/notes.txt", "mine");
    write(dir.path(), "out/by_mine.csv", "mine");
    ok(
        dir.path(),
        &with(
            &["site"],
            &[
                "--candidates",
                "d/inputs/candidates.geojson",
                "--add",
                "2",
                "-o",
                "out",
            ],
        ),
    );
    assert_eq!(
        names(&dir.path().join("out")),
        [
            "by_mine.csv",
            "compounds.geojson",
            "compounds.qml",
            "notes.txt",
            "sites.geojson",
            "sites.qml",
            "summary.json"
        ]
    );
    // A folder that never held a run keeps every file, whatever its name.
    std::fs::create_dir(dir.path().join("plain")).unwrap();
    write(dir.path(), "plain/circles.geojson", "user's own");
    ok(dir.path(), &with(&["coverage"], &["-o", "plain"]));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("plain/circles.geojson")).unwrap(),
        "user's own"
    );
}

#[test]
fn the_summary_counts_polygon_features() {
    let dir = tempfile::tempdir().unwrap();
    let square = |id: &str, x: f64| {
        format!(
            r#"{{"type":"Feature","properties":{{"id":"{id}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},31.86],[{x1},31.86],[{x1},31.861],[{x},31.861],[{x},31.86]]]}}}}"#,
            x1 = x + 0.001
        )
    };
    let point = r#"{"type":"Feature","properties":{"id":"p"},"geometry":{"type":"Point","coordinates":[117.3,31.86]}}"#;
    write(
        dir.path(),
        "c.geojson",
        &format!(
            r#"{{"type":"FeatureCollection","features":[{},{},{point}]}}"#,
            square("a", 117.28),
            square("b", 117.29)
        ),
    );
    write(
        dir.path(),
        "s.geojson",
        &format!(
            r#"{{"type":"FeatureCollection","features":[{},{point}]}}"#,
            square("s", 117.285)
        ),
    );
    let out = ok(
        dir.path(),
        &[
            "coverage",
            "--compounds",
            "c.geojson",
            "--centers",
            "s.geojson",
            "--format",
            "json",
        ],
    );
    let s: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(s["inputs"]["compounds"]["polygons"], 2);
    assert_eq!(s["inputs"]["compounds"]["features"], 3);
    assert_eq!(s["inputs"]["centers"]["polygons"], 1);
}

#[test]
fn auto_candidates_with_a_one_metre_radius_finish() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path());
    let t = std::time::Instant::now();
    ok(
        dir.path(),
        &with(
            &["site"],
            &[
                "--candidates",
                "auto",
                "--radius",
                "1",
                "--add",
                "3",
                "-o",
                "s",
                "--format",
                "json",
            ],
        ),
    );
    assert!(t.elapsed().as_secs() < 60, "took {:?}", t.elapsed());
    let s = read_json_in(dir.path(), "s/summary.json");
    assert_eq!(s["site"]["sites"].as_array().unwrap().len(), 3);
}

#[test]
fn a_network_or_matrix_file_implies_its_metric() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path());
    let out = ok(
        dir.path(),
        &with(
            &["coverage"],
            &["--network", "d/inputs/streets.geojson", "--format", "json"],
        ),
    );
    let s: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(s["circle"]["metric"], "network");
    let err = fails(
        dir.path(),
        &with(
            &["coverage"],
            &[
                "--metric",
                "euclidean",
                "--network",
                "d/inputs/streets.geojson",
            ],
        ),
    );
    assert!(
        err.contains("--metric network") && err.contains("streets.geojson"),
        "{err}"
    );
    let ids = read_json_in(dir.path(), "d/inputs/compounds.geojson");
    let first = ids["features"][0]["properties"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let centres = read_json_in(dir.path(), "d/inputs/centers.geojson");
    let centre = centres["features"][0]["properties"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    write(
        dir.path(),
        "m.csv",
        &format!("site,compound,cost\n{centre},{first},10\n"),
    );
    let out = ok(
        dir.path(),
        &with(&["coverage"], &["--matrix", "m.csv", "--format", "json"]),
    );
    let s: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(s["circle"]["metric"], "matrix");
    assert_eq!(s["compounds"]["covered"], 1);
    let err = fails(
        dir.path(),
        &with(
            &["coverage"],
            &["--matrix", "m.csv", "--network", "d/inputs/streets.geojson"],
        ),
    );
    assert!(err.contains("--metric network or --metric matrix"), "{err}");
}

#[test]
fn a_radius_for_a_level_no_centre_has_lists_the_levels() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path());
    let err = fails(
        dir.path(),
        &with(&["coverage"], &["--level-radius", "nosuch=300"]),
    );
    assert!(err.contains("--level-radius nosuch=300"), "{err}");
    assert!(
        err.contains("station") && err.contains("community"),
        "{err}"
    );
    ok(
        dir.path(),
        &with(&["coverage"], &["--level-radius", "Station=300"]),
    );
}

#[test]
fn radius_with_minutes_is_refused_and_minutes_print_fractions() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path());
    let err = fails(
        dir.path(),
        &with(&["coverage"], &["--radius", "500", "--minutes", "10"]),
    );
    assert!(
        err.contains("--radius") && err.contains("--minutes"),
        "{err}"
    );
    let table = ok(dir.path(), &with(&["coverage"], &["--radius", "500"]));
    assert!(table.contains("Service circle: 7.5 min ≈ 500 m"), "{table}");
    let table = ok(dir.path(), &with(&["coverage"], &["--minutes", "10"]));
    assert!(table.contains("Service circle: 10 min ≈ 667 m"), "{table}");
}

#[test]
fn site_with_everyone_covered_gives_no_sites_and_a_note() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path());
    // A 100 km circle leaves nobody for new sites, with generated or given candidates.
    for cands in ["auto", "d/inputs/candidates.geojson"] {
        let table = ok(
            dir.path(),
            &with(
                &["site"],
                &[
                    "--candidates",
                    cands,
                    "--radius",
                    "100000",
                    "--add",
                    "3",
                    "-o",
                    "all",
                ],
            ),
        );
        let all = read_json_in(dir.path(), "all/summary.json");
        assert_eq!(all["site"]["sites"].as_array().unwrap().len(), 0);
        let note = all["site"]["note"].as_str().unwrap();
        assert!(note.contains("already covered"), "{}", all["site"]);
        assert!(
            table.contains("Note: every compound is already covered"),
            "{table}"
        );
    }
}

/// Issue 19 item 21: with every population 0 the note says so, not "already covered".
#[test]
fn site_with_no_residents_says_so() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.csv",
        "id,lon,lat,population\na,117.28,31.86,0\nb,117.30,31.87,0\n",
    );
    write(dir.path(), "s.csv", "id,lon,lat\nS1,117.28,31.86\n");
    for goal in [["--add", "2"], ["--target", "0.9"]] {
        let args = [
            &[
                "site",
                "--compounds",
                "c.csv",
                "--centers",
                "s.csv",
                "--candidates",
                "auto",
            ][..],
            &["--radius", "300", "-o", "out"],
            &goal,
        ]
        .concat();
        let table = ok(dir.path(), &args);
        let note = "no compound has residents (every population is 0)";
        assert!(
            table.contains(note) && !table.contains("already covered"),
            "{table}"
        );
        let summary = read_json_in(dir.path(), "out/summary.json");
        assert!(summary["site"]["note"].as_str().unwrap().starts_with(note));
    }
}

#[test]
fn site_add_beyond_the_useful_sites_warns() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path());
    // A 50 m circle and auto candidates: each uncovered compound needs its own site, so the
    // useful sites are few compared with the 60 asked for when only 3 compounds are left.
    let compounds = read_json_in(dir.path(), "d/inputs/compounds.geojson");
    let feats: Vec<String> = compounds["features"]
        .as_array()
        .unwrap()
        .iter()
        .take(3)
        .map(|f| f.to_string())
        .collect();
    write(
        dir.path(),
        "three.geojson",
        &format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            feats.join(",")
        ),
    );
    let table = ok(
        dir.path(),
        &[
            "site",
            "--compounds",
            "three.geojson",
            "--candidates",
            "auto",
            "--radius",
            "50",
            "--add",
            "6",
            "-o",
            "s",
        ],
    );
    let s = read_json_in(dir.path(), "s/summary.json");
    let sites = s["site"]["sites"].as_array().unwrap().len();
    assert!((1..6).contains(&sites), "{sites}");
    let note = s["site"]["note"].as_str().unwrap();
    assert!(
        note.contains(&format!("only {sites} of the 6 sites")),
        "{note}"
    );
    let warned = s["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w.as_str().unwrap().contains(note));
    assert!(warned, "{}", s["warnings"]);
    assert!(
        table.contains(&format!("warning: --add: only {sites} of the 6")),
        "{table}"
    );
    // More sites than there are candidates: every useful candidate, and the same note.
    ok(
        dir.path(),
        &with(
            &["site"],
            &[
                "--candidates",
                "auto",
                "--radius",
                "2000",
                "--add",
                "500",
                "-o",
                "many",
            ],
        ),
    );
    let many = read_json_in(dir.path(), "many/summary.json");
    let n = many["site"]["sites"].as_array().unwrap().len();
    assert!(n > 0 && n < many["site"]["candidates"]["count"].as_u64().unwrap() as usize);
    let note = many["site"]["note"].as_str().unwrap();
    assert!(
        note.contains(&format!("only {n} of the 500 sites")),
        "{note}"
    );
}

#[test]
fn target_mode_reports_count_and_coverage_optimality_apart() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path());
    let cands = ["--candidates", "d/inputs/candidates.geojson"];
    ok(
        dir.path(),
        &with(
            &["site"],
            &[&cands[..], &["--target", "0.9", "-o", "t"]].concat(),
        ),
    );
    let t = read_json_in(dir.path(), "t/summary.json");
    assert!(t["site"]["count_optimal"].is_boolean(), "{}", t["site"]);
    assert!(t["site"]["optimal"].is_boolean());
    assert!(t["count_optimal"].is_boolean());
    // The certified count bound: never above the count, equal exactly when proven.
    let lb = t["site"]["count_lower_bound"]
        .as_u64()
        .expect("a count bound");
    let n = t["site"]["sites"].as_array().unwrap().len() as u64;
    assert!(lb <= n, "bound {lb} above {n} sites");
    assert_eq!(t["site"]["count_optimal"], lb == n);
    let gap = t["site"]["gap"].as_f64().unwrap();
    if t["site"]["optimal"] == true {
        assert!(gap < 1e-9, "optimal with gap {gap}");
    }
    ok(
        dir.path(),
        &with(
            &["site"],
            &[&cands[..], &["--add", "2", "-o", "a"]].concat(),
        ),
    );
    let a = read_json_in(dir.path(), "a/summary.json");
    assert!(a["site"]["count_optimal"].is_null(), "{}", a["site"]);
    assert!(a["site"]["count_lower_bound"].is_null(), "{}", a["site"]);
}

#[test]
fn every_written_polygon_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path());
    for layer in ["d/circles.geojson", "d/gaps.geojson"] {
        let v = read_json_in(dir.path(), layer);
        assert!(!polygons(&v).is_empty(), "{layer}");
        assert_eq!(invalid_polygons(&v), 0, "{layer}");
    }
    // Walking service areas on the demo streets and on random street graphs.
    ok(
        dir.path(),
        &with(
            &["coverage"],
            &[
                "--network",
                "d/inputs/streets.geojson",
                "--circles",
                "-o",
                "w",
                "-q",
            ],
        ),
    );
    let areas = read_json_in(dir.path(), "w/circles.geojson");
    assert!(polygons(&areas).len() > 250);
    assert_eq!(invalid_polygons(&areas), 0);
    // Repairs keep the service area, not a sliver of it: almost every area is a good share
    // of its circle (a 1000 m walk covers far more than 1 % of the 1000 m disc).
    let slivers = polygons(&areas)
        .iter()
        .filter(|p| {
            let lat = p.exterior().0[0].y.to_radians();
            let m2 = p.unsigned_area() * 111_320.0 * lat.cos() * 110_540.0;
            m2 < 0.01 * std::f64::consts::PI * 1000.0 * 1000.0
        })
        .count();
    assert!(slivers <= 5, "{slivers} service areas are slivers");
    for seed in ["1", "2", "3"] {
        let city = format!("city{seed}");
        ok(
            dir.path(),
            &[
                "synth",
                "--compounds",
                "400",
                "--centers",
                "40",
                "--candidates",
                "10",
                "--seed",
                seed,
                "-o",
                &city,
            ],
        );
        let (c, s, n) = (
            format!("{city}/compounds.geojson"),
            format!("{city}/centers.geojson"),
            format!("{city}/streets.geojson"),
        );
        let out = format!("{city}/out");
        for minutes in ["5", "15"] {
            ok(
                dir.path(),
                &[
                    "coverage",
                    "--compounds",
                    &c,
                    "--centers",
                    &s,
                    "--network",
                    &n,
                    "--circles",
                    "--minutes",
                    minutes,
                    "-o",
                    &out,
                    "-q",
                ],
            );
            let areas = read_json_in(dir.path(), &format!("{out}/circles.geojson"));
            assert_eq!(invalid_polygons(&areas), 0, "seed {seed}, {minutes} min");
        }
        ok(
            dir.path(),
            &["gaps", "--compounds", &c, "--centers", &s, "-o", &out, "-q"],
        );
        assert_eq!(
            invalid_polygons(&read_json_in(dir.path(), &format!("{out}/gaps.geojson"))),
            0
        );
    }
}

/// The shared development data: `$CIRCLEPLAN_DATA` when set (`env`), else `../shared/data`
/// beside the crate (as `src/network/read.rs` finds it), never one machine's absolute path.
fn shared_data(env: Option<std::ffi::OsString>) -> std::path::PathBuf {
    env.map(Into::into)
        .unwrap_or_else(|| common::repo().join("../shared/data"))
}

#[test]
fn shared_data_is_found_beside_the_crate_or_where_the_variable_says() {
    assert_eq!(shared_data(None), common::repo().join("../shared/data"));
    assert_eq!(shared_data(Some("/data/x".into())), Path::new("/data/x"));
}

/// Monaco's OSM extract (optional: runs where `../shared/data` or `$CIRCLEPLAN_DATA` holds
/// it): every walking service area valid.
#[test]
fn monaco_service_areas_are_valid_when_the_data_is_present() {
    let monaco = shared_data(std::env::var_os("CIRCLEPLAN_DATA")).join("monaco");
    if !monaco.join("monaco.osm.pbf").exists() {
        eprintln!("skipped: no {}", monaco.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let p = |f: &str| monaco.join(f).display().to_string();
    ok(
        dir.path(),
        &[
            "coverage",
            "--compounds",
            &p("compounds.geojson"),
            "--centers",
            &p("centers.geojson"),
            "--network",
            &p("monaco.osm.pbf"),
            "--circles",
            "-o",
            "m",
            "-q",
        ],
    );
    let areas = read_json_in(dir.path(), "m/circles.geojson");
    assert!(polygons(&areas).len() >= 30);
    assert_eq!(invalid_polygons(&areas), 0);
}

#[test]
fn nothing_covered_prints_no_negative_zero() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path());
    write(
        dir.path(),
        "far.geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"S"},"geometry":{"type":"Point","coordinates":[117.5,31.99]}}]}"#,
    );
    let args = [
        "coverage",
        "--compounds",
        "d/inputs/compounds.geojson",
        "--centers",
        "far.geojson",
        "--group-by",
        "street",
        "-o",
        "out",
        "--report",
        "r.html",
    ];
    let table = ok(dir.path(), &args);
    assert!(!has_negative_zero(&table), "{table}");
    let json = ok(dir.path(), &[&args[..7], &["--format", "json"]].concat());
    assert!(
        !has_negative_zero(&json) && json.contains("\"share\": 0.0"),
        "{json}"
    );
    for f in [
        "out/summary.json",
        "out/by_street.csv",
        "out/compounds.csv",
        "r.html",
    ] {
        let text = std::fs::read_to_string(dir.path().join(f)).unwrap();
        assert!(!has_negative_zero(&text), "{f}");
    }
}

/// True when `text` holds a number that is minus zero: `-0`, `-0.0`, `-0.00 %`, but not
/// `-0.05`.
fn has_negative_zero(text: &str) -> bool {
    text.match_indices("-0").any(|(i, _)| {
        let before = text[..i].chars().last();
        if before.is_some_and(|c| c.is_ascii_alphanumeric()) {
            return false; // part of a word or an id such as "A-07"
        }
        let rest = text[i + 2..].trim_start_matches(['.', '0']);
        !rest.starts_with(|c: char| c.is_ascii_digit())
    })
}

#[test]
fn the_negative_zero_detector_works() {
    assert!(has_negative_zero("share -0.0 %"));
    assert!(has_negative_zero("\"share\": -0.0,"));
    assert!(has_negative_zero("[-0,1]"));
    assert!(!has_negative_zero("-0.05 and 0.0 and A-07"));
}

/// Every number written after `"coordinates":`, in `lon`/`lat` keys and in CSV lon/lat
/// columns, with its count of decimals.
fn coordinate_decimals(text: &str) -> usize {
    let mut most = 0;
    for key in [
        "\"coordinates\":",
        "\"lon\":",
        "\"lat\":",
        "_lon\":",
        "_lat\":",
    ] {
        let mut rest = text;
        while let Some(i) = rest.find(key) {
            rest = &rest[i + key.len()..];
            let end = rest.find(['}', '"']).unwrap_or(rest.len());
            for num in rest[..end].split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-')) {
                if let Some((_, frac)) = num.split_once('.') {
                    most = most.max(frac.len());
                }
            }
        }
    }
    most
}

#[test]
fn coordinates_have_at_most_seven_decimals() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path());
    for coords in ["wgs84", "gcj02", "bd09"] {
        let out = format!("s-{coords}");
        ok(
            dir.path(),
            &with(
                &["site"],
                &[
                    "--candidates",
                    "auto",
                    "--add",
                    "3",
                    "--output-coords",
                    coords,
                    "-o",
                    &out,
                ],
            ),
        );
        let g = format!("g-{coords}");
        ok(
            dir.path(),
            &with(&["gaps"], &["--output-coords", coords, "-o", &g]),
        );
        let c = format!("c-{coords}");
        ok(
            dir.path(),
            &with(
                &["coverage"],
                &["--output-coords", coords, "--circles", "-o", &c],
            ),
        );
        for folder in [&out, &g, &c] {
            for name in names(&dir.path().join(folder)) {
                let text = std::fs::read_to_string(dir.path().join(folder).join(&name)).unwrap();
                let most = if name == "compounds.csv" {
                    text.lines()
                        .skip(1)
                        .flat_map(|l| l.split(',').skip(1).take(2))
                        .filter_map(|v| v.split_once('.').map(|(_, f)| f.len()))
                        .max()
                        .unwrap_or(0)
                } else if name.ends_with(".csv") {
                    0
                } else {
                    coordinate_decimals(&text)
                };
                assert!(most <= 7, "{folder}/{name}: {most} decimals");
            }
        }
    }
}

#[test]
fn gaps_are_zones_and_uncovered_compounds_have_their_own_layer() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path());
    ok(dir.path(), &with(&["gaps"], &["-o", "g"]));
    let zones = read_json_in(dir.path(), "g/gaps.geojson");
    let zf = zones["features"].as_array().unwrap();
    assert!(!zf.is_empty());
    for f in zf {
        assert_eq!(f["geometry"]["type"], "Polygon");
        assert_eq!(f["properties"]["kind"], "zone");
        assert!(f["properties"]["best_site_population"].is_number());
    }
    let members = read_json_in(dir.path(), "g/gap_compounds.geojson");
    let mf = members["features"].as_array().unwrap();
    let summary = read_json_in(dir.path(), "g/summary.json");
    assert_eq!(
        mf.len() as u64,
        summary["gaps"]["uncovered_compounds"].as_u64().unwrap()
    );
    let zone_ids: Vec<&serde_json::Value> = zf.iter().map(|f| &f["properties"]["zone"]).collect();
    for f in mf {
        assert_eq!(f["geometry"]["type"], "Point");
        assert_eq!(f["properties"]["kind"], "compound");
        assert!(zone_ids.contains(&&f["properties"]["zone"]), "{f}");
    }
    let in_zones: u64 = zf
        .iter()
        .map(|f| f["properties"]["compounds"].as_u64().unwrap())
        .sum();
    assert_eq!(in_zones, mf.len() as u64);
}
