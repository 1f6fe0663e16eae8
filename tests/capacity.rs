//! End-to-end tests of `coverage --capacitated`: residents assigned to centres within reach,
//! no centre over its capacity, the new keys in every layer, and the bad inputs.

mod common;

use std::path::{Path, PathBuf};

use common::{demo_candidates, on_demo, props, read_json, run, succeed, write};

fn capacitated_demo(dir: &Path, residents_per_capacity: &str) -> PathBuf {
    let extra = [
        "--capacitated",
        "--residents-per-capacity",
        residents_per_capacity,
    ];
    let out = succeed(
        dir,
        &on_demo("coverage", &[&extra[..], &["-o", "out"]].concat()),
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("Under capacity:"), "{table}");
    dir.join("out")
}

#[test]
fn capacitated_coverage_respects_every_capacity_and_adds_up() {
    let tmp = tempfile::tempdir().unwrap();
    let out = capacitated_demo(tmp.path(), "2");
    let summary = read_json(&out.join("summary.json"));
    let served = summary["population"]["served"].as_f64().unwrap();
    let covered = summary["population"]["covered"].as_f64().unwrap();
    assert!(served > 0.0 && served <= covered, "{served} {covered}");
    let share = summary["population"]["served_share"].as_f64().unwrap();
    let total = summary["population"]["total"].as_f64().unwrap();
    assert!((share - served / total).abs() < 1e-12);
    let centres = read_json(&out.join("centers.geojson"));
    let mut assigned = 0.0;
    for c in props(&centres) {
        let a = c["assigned_population"].as_f64().unwrap();
        let cap = c["capacity"].as_f64().unwrap() * 2.0;
        assert!(a <= cap + 1e-9, "{c}");
        assert!(a <= c["served_population"].as_f64().unwrap() + 1e-9, "{c}");
        let u = c["utilisation"].as_f64().unwrap();
        assert!((u - a / cap).abs() < 1e-4, "{c}");
        assigned += a;
    }
    let compounds = read_json(&out.join("compounds.geojson"));
    let mut by_compound = 0.0;
    for c in props(&compounds) {
        let s = c["served"].as_f64().unwrap();
        assert!(s <= c["population"].as_f64().unwrap(), "{c}");
        assert!(s == 0.0 || c["covered"].as_bool().unwrap(), "{c}");
        by_compound += s;
    }
    assert!((assigned - served).abs() < 1e-6, "{assigned} {served}");
    assert!(
        (by_compound - served).abs() < 1e-6,
        "{by_compound} {served}"
    );
}

#[test]
fn unlimited_capacity_serves_everyone_covered() {
    let tmp = tempfile::tempdir().unwrap();
    let out = capacitated_demo(tmp.path(), "1e9");
    let summary = read_json(&out.join("summary.json"));
    assert_eq!(
        summary["population"]["served"],
        summary["population"]["covered"]
    );
    assert_eq!(summary["capacity"]["centers_over_subscribed"], 0);
}

const COMPOUNDS: &str = r#"{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"id":"a","population":100},"geometry":{"type":"Point","coordinates":[117.0,31.0]}},
{"type":"Feature","properties":{"id":"b","population":50},"geometry":{"type":"Point","coordinates":[117.001,31.0]}}]}"#;

fn centres(capacity: &str) -> String {
    format!(
        r#"{{"type":"FeatureCollection","features":[
{{"type":"Feature","properties":{{"id":"S1"{capacity}}},"geometry":{{"type":"Point","coordinates":[117.0005,31.0]}}}}]}}"#
    )
}

fn coverage_err(dir: &Path, centres_text: &str) -> String {
    write(dir, "c.geojson", COMPOUNDS);
    write(dir, "s.geojson", centres_text);
    let out = run(
        dir,
        &[
            "coverage",
            "--compounds",
            "c.geojson",
            "--centers",
            "s.geojson",
            "--capacitated",
            "-o",
            "out",
        ],
    );
    assert!(!out.status.success());
    assert!(!dir.join("out").exists(), "an output appeared on error");
    String::from_utf8_lossy(&out.stderr).to_string()
}

#[test]
fn capacitated_without_any_capacity_names_the_flags() {
    let tmp = tempfile::tempdir().unwrap();
    let err = coverage_err(tmp.path(), &centres(""));
    assert!(err.contains("--capacity-field"), "{err}");
    assert!(err.contains("s.geojson"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn zero_or_negative_capacity_is_an_error_naming_the_centre() {
    let tmp = tempfile::tempdir().unwrap();
    let err = coverage_err(tmp.path(), &centres(r#","capacity":0"#));
    assert!(
        err.contains("\"S1\"") && err.contains("capacity 0"),
        "{err}"
    );
    let err = coverage_err(tmp.path(), &centres(r#","capacity":-5"#));
    assert!(err.contains("S1") && err.contains("-5"), "{err}");
}

#[test]
fn a_small_centre_serves_only_its_capacity() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "c.geojson", COMPOUNDS);
    write(dir, "s.geojson", &centres(r#","capacity":120"#));
    let out = succeed(
        dir,
        &[
            "coverage",
            "--compounds",
            "c.geojson",
            "--centers",
            "s.geojson",
            "--capacitated",
            "--format",
            "json",
            "-o",
            "out",
        ],
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["population"]["covered"], 150.0);
    assert_eq!(summary["population"]["served"], 120.0);
    let centres = read_json(&dir.join("out/centers.geojson"));
    assert_eq!(props(&centres)[0]["assigned_population"], 120.0);
    assert_eq!(props(&centres)[0]["utilisation"], 1.0);
}

fn site_json(dir: &Path, extra: &[&str]) -> serde_json::Value {
    let k = demo_candidates();
    let args = [
        "--candidates",
        &k,
        "--add",
        "5",
        "--format",
        "json",
        "-o",
        "out",
    ];
    let out = succeed(dir, &on_demo("site", &[&args[..], extra].concat()));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn capacitated_sites_serve_within_their_capacities() {
    let tmp = tempfile::tempdir().unwrap();
    let plan = site_json(
        tmp.path(),
        &["--capacitated", "--residents-per-capacity", "3"],
    );
    let objective = plan["objective"].as_f64().unwrap();
    assert!(plan["upper_bound"].as_f64().unwrap() >= objective);
    let sites = read_json(&tmp.path().join("out/sites.geojson"));
    let props = props(&sites);
    assert_eq!(props.len(), 5);
    let mut gains = 0.0;
    for s in &props {
        let assigned = s["assigned_population"].as_f64().unwrap();
        // The demo's candidates have a capacity of 400 (m²): 1,200 residents at 3 per m².
        assert!(assigned <= 1200.0 + 1e-9, "{s}");
        gains += s["gain_population"].as_f64().unwrap();
    }
    // Residents the existing centres serve under their capacities, then each site's gain.
    let existing = plan["site"]["existing_population"].as_f64().unwrap();
    let covered = plan["population"]["covered"].as_f64().unwrap();
    assert!(
        existing < covered,
        "capacities should bind: {existing} vs {covered}"
    );
    assert!((existing + gains - objective).abs() < 1e-6);
}

#[test]
fn unlimited_capacity_gives_the_uncapacitated_answer() {
    let tmp = tempfile::tempdir().unwrap();
    let free = site_json(tmp.path(), &[]);
    let tmp2 = tempfile::tempdir().unwrap();
    let cap = site_json(
        tmp2.path(),
        &["--capacitated", "--residents-per-capacity", "1e9"],
    );
    assert_eq!(cap["objective"], free["objective"]);
    assert_eq!(cap["optimal"], true);
    let ids = |v: &serde_json::Value| {
        let mut ids: Vec<String> = v["sites"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&cap), ids(&free));
}

#[test]
fn auto_candidates_need_a_candidate_capacity() {
    let tmp = tempfile::tempdir().unwrap();
    let args = ["--candidates", "auto", "--add", "3", "--capacitated"];
    let out = run(tmp.path(), &on_demo("site", &args));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--candidate-capacity"), "{err}");
}

#[test]
fn the_report_lists_over_subscribed_centres() {
    let tmp = tempfile::tempdir().unwrap();
    let args = [
        "--capacitated",
        "--residents-per-capacity",
        "2",
        "--report",
        "r.html",
    ];
    succeed(tmp.path(), &on_demo("coverage", &args));
    let html = std::fs::read_to_string(tmp.path().join("r.html")).unwrap();
    assert!(html.contains("id=\"table-capacity\""), "no capacity table");
    // S200 is the most over-subscribed demo centre at 2 residents per m².
    assert!(html.contains(">S200<"), "S200 missing from the table");
}

#[test]
fn capacitated_target_reaches_the_share_with_a_proven_count() {
    let tmp = tempfile::tempdir().unwrap();
    let k = demo_candidates();
    let run_target = |r: &str| {
        let args = ["--candidates", &k, "--target", "0.31", "--capacitated"];
        let more = ["--residents-per-capacity", r, "--format", "json"];
        let out = succeed(tmp.path(), &on_demo("site", &[&args[..], &more].concat()));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let plan = run_target("3");
    let total = plan["population"]["total"].as_f64().unwrap();
    assert!(plan["objective"].as_f64().unwrap() >= 0.31 * total);
    assert_eq!(plan["count_optimal"], true);
    // Each demo candidate serves at most 1,200 residents at 3 per m²: the existing centres'
    // capacity-bound service plus 1,200 per site decides the count.
    let existing = plan["site"]["existing_population"].as_f64().unwrap();
    let needed = ((0.31 * total - existing) / 1200.0).ceil() as usize;
    assert_eq!(plan["sites"].as_array().unwrap().len(), needed);
}

/// The utilisation class the report gives a centre: quarters of its capacity, full apart.
fn utilisation_class(utilisation: f64) -> usize {
    if utilisation >= 1.0 - 1e-12 {
        4
    } else {
        ((utilisation * 4.0).floor() as usize).min(3)
    }
}

/// Under capacity the report map colours every centre by its utilisation (its class agreeing
/// with `utilisation` in centers.geojson), its tooltip gives assigned / capacity /
/// utilisation, and a legend counts the centres of each class; a plain report has none of it.
#[test]
fn the_report_map_colours_centres_by_utilisation() {
    let tmp = tempfile::tempdir().unwrap();
    let base = ["--lang", "en"];
    let capacitated = [
        "--capacitated",
        "--residents-per-capacity",
        "20",
        "--report",
        "cap.html",
        "-o",
        "cap",
    ];
    let capacitated_run = on_demo("coverage", &[&base[..], &capacitated].concat());
    succeed(tmp.path(), &capacitated_run);
    let plain = on_demo(
        "coverage",
        &[&base[..], &["--report", "plain.html"]].concat(),
    );
    succeed(tmp.path(), &plain);
    let html = std::fs::read_to_string(tmp.path().join("cap.html")).unwrap();
    let layer = read_json(&tmp.path().join("cap/centers.geojson"));
    let utilisation: Vec<f64> = props(&layer)
        .iter()
        .map(|p| p["utilisation"].as_f64().unwrap())
        .collect();
    let mut counts = [0usize; 5];
    let marks: Vec<&str> = html.split("<path class=\"ct ").skip(1).collect();
    assert_eq!(marks.len(), utilisation.len(), "one mark per centre");
    for mark in marks {
        let classes = &mark[..mark.find('"').unwrap()];
        let class: usize = classes
            .split(" ut")
            .nth(1)
            .expect("a ut class")
            .parse()
            .unwrap();
        let i: usize = mark
            .split("data-i=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        // centers.geojson rounds utilisation to 4 decimals: compare away from class edges.
        let u = utilisation[i];
        if (u * 4.0 - (u * 4.0).round()).abs() > 1e-3 || u >= 1.0 {
            assert_eq!(class, utilisation_class(u), "centre {i} at {u}");
        }
        counts[class] += 1;
        let title = mark.split("<title>").nth(1).unwrap();
        assert!(
            title.contains(" · assigned ")
                && title.contains(" / capacity (residents) ")
                && title.contains(" · utilisation "),
            "{title}"
        );
    }
    assert!(
        counts[4] > 0 && counts[..4].iter().sum::<usize>() > 0,
        "{counts:?}"
    );
    let legend = html
        .split("<ul class=\"legend legend-utilisation\">")
        .nth(1)
        .expect("a utilisation legend");
    let legend = &legend[..legend.find("</ul>").unwrap()];
    for (k, name) in ["&lt; 25%", "25–50%", "50–75%", "75–100%", "full 100%"]
        .iter()
        .enumerate()
    {
        assert!(
            legend.contains(&format!("{name} ({})", counts[k])),
            "{name}: {legend}"
        );
    }
    assert!(
        html.contains(".ut4{stroke:#c2255c}"),
        "full centres have their own colour"
    );
    let plain = std::fs::read_to_string(tmp.path().join("plain.html")).unwrap();
    for absent in ["legend-utilisation", " ut0", ".ut0{", "utilisation "] {
        assert!(!plain.contains(absent), "plain report has {absent:?}");
    }
    assert_eq!(
        plain.matches("<path class=\"ct ").count(),
        utilisation.len()
    );
}

/// Issue 19 item 4: the status says what happened, the bound never exceeds what every
/// candidate open could serve, and the flags agree with each other.
#[test]
fn capacitated_status_bound_and_flags_agree() {
    let tmp = tempfile::tempdir().unwrap();
    for (goal, value) in [("--add", "4"), ("--target", "0.9")] {
        let k = demo_candidates();
        let args = [
            "--candidates",
            &k,
            "--capacitated",
            "--residents-per-capacity",
            "2",
            goal,
            value,
            "--format",
            "json",
        ];
        let out = succeed(tmp.path(), &on_demo("site", &args));
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let site = &summary["site"];
        let total = summary["population"]["total"].as_f64().unwrap();
        let reachable = site["reachable_share"].as_f64().unwrap() * total;
        let bound = site["upper_bound"].as_f64().unwrap();
        assert!(
            bound <= reachable * (1.0 + 1e-12) + 1e-6,
            "{goal}: {bound} > {reachable}"
        );
        let status = site["status"].as_str().unwrap();
        let optimal = site["optimal"].as_bool().unwrap();
        assert_eq!(
            status == "proven",
            optimal,
            "{goal}: {status} vs optimal {optimal}"
        );
        assert_ne!(status, "time_limit", "{goal}: no time limit was reached");
        if goal == "--add" {
            assert_eq!(
                site["target_reached"], true,
                "add-K goals are always reached"
            );
        } else if let Some(lb) = site["count_lower_bound"].as_u64() {
            let n = site["sites"].as_array().unwrap().len() as u64;
            if lb == n && site["target_reached"] == true {
                assert_eq!(site["count_optimal"], true, "bound equals the count");
            }
        }
    }
}
