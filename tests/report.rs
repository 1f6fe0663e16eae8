//! End-to-end tests of the HTML report: the real binary writes reports in fresh temporary
//! directories and the tests check their structure — one map mark per compound and centre,
//! every chart, headline numbers equal to summary.json's, nothing loaded from the network.

mod common;

use std::path::Path;

use common::{bin, on_city, read, read_json, succeed, synth_city};

use circleplan::report::html::headline_mismatches;

/// A small synthetic city in `dir/city`.
fn synth(dir: &Path, compounds: &str, centres: &str) {
    synth_city(dir, compounds, centres, "120", "5");
}

/// Fails on anything the page would fetch: external scripts, styles, images, fonts, frames.
fn assert_self_contained(html: &str) {
    let lower = html.to_ascii_lowercase();
    for bad in [
        "src=\"http",
        "src='http",
        "href=\"http",
        "href='http",
        "url(http",
        "url(\"http",
        "url('http",
        "@import",
        "<link",
        "<iframe",
        "<script src",
        "//fonts.",
    ] {
        assert!(!lower.contains(bad), "the report references {bad:?}");
    }
    assert!(lower.starts_with("<!doctype html>"));
    assert!(lower.trim_end().ends_with("</html>"));
}

fn count(html: &str, needle: &str) -> usize {
    html.matches(needle).count()
}

#[test]
fn demo_report_has_one_mark_per_compound_and_centre_every_chart_and_summary_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let out = succeed(dir.path(), &["demo"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("circleplan-demo/report.html"),
        "demo prints the report's path: {stdout}"
    );
    let html = read(&dir.path().join("circleplan-demo/report.html"));
    let summary = read_json(&dir.path().join("circleplan-demo/summary.json"));

    // The map: one mark per compound and per centre, plus zones and ranked sites.
    assert!(html.contains("<svg id=\"map\""));
    assert!(html.contains("data-mode=\"points\""));
    let compounds = summary["compounds"]["total"].as_u64().unwrap() as usize;
    let centres = summary["centers"]["total"].as_u64().unwrap() as usize;
    assert_eq!(count(&html, "class=\"cp "), compounds);
    assert_eq!(
        count(&html, "class=\"cp y\""),
        summary["compounds"]["covered"].as_u64().unwrap() as usize
    );
    assert_eq!(count(&html, "class=\"ct "), centres);
    assert_eq!(
        count(&html, "class=\"sc\""),
        centres,
        "one service circle each"
    );
    assert_eq!(
        count(&html, "class=\"gz\""),
        summary["gaps"]["zones"].as_u64().unwrap() as usize
    );
    let sites = summary["site"]["sites"].as_array().unwrap().len();
    assert_eq!(count(&html, "class=\"st\""), sites);
    for rank in 1..=sites {
        assert!(html.contains(&format!("data-rank=\"{rank}\"")));
    }
    assert!(html.contains("id=\"scale-bar\"") && html.contains("class=\"north\""));
    assert!(html.contains("class=\"legend\""));

    // Every chart, drawn (axes text present).
    for id in [
        "chart-coverage-curve",
        "chart-distance-histogram",
        "chart-marginal-gain",
    ] {
        let at = html
            .find(&format!("<svg id=\"{id}\""))
            .unwrap_or_else(|| panic!("{id} missing"));
        let chart = &html[at..at + html[at..].find("</svg>").unwrap()];
        assert!(count(chart, "<text") >= 5, "{id} has no labels");
        assert!(
            count(chart, "<rect") + count(chart, "<polyline") >= 2,
            "{id} is empty"
        );
    }
    for c in summary["coverage_curve"].as_array().unwrap() {
        let minutes = c["minutes"].as_f64().unwrap();
        let share = c["share"].as_f64().unwrap();
        let key = format!("data-curve-minutes=\"{minutes}\" data-value=\"");
        let at = html
            .find(&key)
            .unwrap_or_else(|| panic!("{minutes} min missing"))
            + key.len();
        let shown: f64 = html[at..at + html[at..].find('"').unwrap()]
            .parse()
            .unwrap();
        // serde_json parses floats to within an ulp, not always exactly.
        assert!((shown - share).abs() < 1e-12, "curve point {minutes} min");
    }

    // Headline numbers equal summary.json's, and there are enough of them to matter.
    assert_eq!(
        headline_mismatches(&html, &summary, 1e-9),
        Vec::<String>::new()
    );
    for key in [
        "population.covered",
        "population.share",
        "compounds.covered",
        "circle.radius_m",
        "gaps.zones",
        "site.share",
    ] {
        assert!(
            html.contains(&format!("data-key=\"{key}\"")),
            "{key} not shown"
        );
    }

    // Tables and the reproduction footer.
    assert!(html.contains("id=\"table-group-0\"") && html.contains("id=\"table-levels\""));
    assert!(html.contains("id=\"table-sites\"") && html.contains("id=\"table-zones\""));
    assert!(html.contains("class=\"sortable\""));
    assert!(html.contains(&format!(
        "data-source=\"compounds\" data-features=\"{compounds}\""
    )));
    // The plane, in the page's language: its centre as summary.json gives it.
    let plane = summary["plane"].as_str().unwrap();
    let centre = plane.rsplit("centred on ").next().unwrap();
    assert!(
        html.contains(&format!("WGS84 横轴墨卡托投影，中心经纬度 {centre}")),
        "{plane}"
    );
    assert!(html.contains(&format!(
        "<span id=\"version\">{}</span>",
        env!("CARGO_PKG_VERSION")
    )));
    assert!(html.contains("id=\"command-line\"") && html.contains(" demo</code>"));
    // The district's names are Chinese, so the labels are too.
    assert!(html.contains("<html lang=\"zh-CN\">"));
    assert_self_contained(&html);
    assert!(!html.contains("http://") && !html.contains("https://"));
}

#[test]
fn coverage_report_in_english_with_group_table() {
    let dir = tempfile::tempdir().unwrap();
    synth(dir.path(), "700", "50");
    let out = succeed(
        dir.path(),
        &on_city(
            "coverage",
            &[
                "--group-by",
                "street",
                "--minutes",
                "10",
                "-o",
                "out",
                "--report",
                "reports/coverage.html",
                "--lang",
                "en",
            ],
        ),
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("reports/coverage.html"));
    assert!(out.stderr.is_empty(), "no progress into a pipe");
    let html = read(&dir.path().join("reports/coverage.html"));
    let summary = read_json(&dir.path().join("out/summary.json"));
    assert!(html.contains("<html lang=\"en\">"));
    assert_eq!(count(&html, "class=\"cp "), 700);
    assert_eq!(count(&html, "class=\"ct "), 50);
    assert!(html.contains("chart-coverage-curve") && html.contains("chart-distance-histogram"));
    assert!(!html.contains("chart-marginal-gain") && !html.contains("class=\"gz\""));
    let streets = summary["groups"]["street"].as_array().unwrap().len();
    let table = &html[html.find("id=\"table-group-0\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(count(table, "<tr>") - 1, streets, "one row per street");
    assert_eq!(
        headline_mismatches(&html, &summary, 1e-9),
        Vec::<String>::new()
    );
    assert!(html.contains("--report reports/coverage.html --lang en</code>"));
    assert_self_contained(&html);
}

#[test]
fn site_report_shows_the_marginal_gain_with_the_target_line() {
    let dir = tempfile::tempdir().unwrap();
    synth(dir.path(), "500", "30");
    succeed(
        dir.path(),
        &on_city(
            "site",
            &[
                "--candidates",
                "city/candidates.geojson",
                "--target",
                "0.9",
                "--format",
                "json",
                "-o",
                "out",
                "--report",
                "site.html",
                "--lang",
                "en",
            ],
        ),
    );
    let html = read(&dir.path().join("site.html"));
    let summary = read_json(&dir.path().join("out/summary.json"));
    let sites = summary["site"]["sites"].as_array().unwrap().len();
    assert!(sites > 0);
    let at = html.find("<svg id=\"chart-marginal-gain\"").unwrap();
    let chart = &html[at..at + html[at..].find("</svg>").unwrap()];
    assert!(chart.contains("target 90%"), "target line labelled");
    assert_eq!(count(&html, "class=\"st\""), sites);
    assert_eq!(
        count(&html, "class=\"sr\""),
        sites,
        "one dashed circle per site"
    );
    let table = &html[html.find("id=\"table-sites\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(count(table, "<tr>") - 1, sites);
    assert_eq!(
        headline_mismatches(&html, &summary, 1e-9),
        Vec::<String>::new()
    );
    assert_self_contained(&html);
}

#[test]
fn gaps_report_outlines_every_zone_with_its_best_site() {
    let dir = tempfile::tempdir().unwrap();
    synth(dir.path(), "600", "25");
    succeed(
        dir.path(),
        &on_city(
            "gaps",
            &["--minutes", "10", "-o", "out", "--report", "out/gaps.html"],
        ),
    );
    let html = read(&dir.path().join("out/gaps.html"));
    let summary = read_json(&dir.path().join("out/summary.json"));
    let zones = summary["gaps"]["zones"].as_u64().unwrap() as usize;
    assert!(zones > 0);
    assert_eq!(count(&html, "class=\"gz\""), zones);
    assert_eq!(
        count(&html, "class=\"bs\""),
        zones,
        "every zone has a best site"
    );
    assert_eq!(
        headline_mismatches(&html, &summary, 1e-9),
        Vec::<String>::new()
    );
    assert_self_contained(&html);
}

#[test]
fn report_never_replaces_an_input() {
    let dir = tempfile::tempdir().unwrap();
    synth(dir.path(), "50", "5");
    let before = read(&dir.path().join("city/centers.geojson"));
    let out = bin()
        .current_dir(dir.path())
        .args([
            "coverage",
            "--compounds",
            "city/compounds.geojson",
            "--centers",
            "city/centers.geojson",
            "--report",
            "city/centers.geojson",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("overwrite an input"), "{err}");
    assert_eq!(read(&dir.path().join("city/centers.geojson")), before);
}

/// The size check: 100,000 compounds and 10,000 centres give a density map and a
/// file under 20 MB (a few seconds even in debug builds; tests/screenshot.sh adds the load
/// time in Chromium).
#[test]
fn report_of_100k_compounds_is_a_density_map_under_20_mb() {
    let dir = tempfile::tempdir().unwrap();
    synth(dir.path(), "100000", "10000");
    succeed(
        dir.path(),
        &on_city("coverage", &["--report", "big.html", "--quiet"]),
    );
    let size = std::fs::metadata(dir.path().join("big.html"))
        .unwrap()
        .len();
    assert!(size < 20_000_000, "{size} bytes");
    let html = read(&dir.path().join("big.html"));
    assert!(html.contains("data-mode=\"density\""));
    assert_eq!(count(&html, "class=\"cp "), 0);
    assert!(count(&html, "class=\"dc ") > 1000);
    assert_eq!(
        count(&html, "class=\"ct "),
        10_000,
        "centres stay individual"
    );
    assert_self_contained(&html);
}

#[test]
fn compare_report_has_scenario_cards_switches_and_parsable_page_data() {
    let dir = tempfile::tempdir().unwrap();
    synth(dir.path(), "500", "30");
    let cands = read_json(&dir.path().join("city/candidates.geojson"));
    let some: Vec<String> = cands["features"].as_array().unwrap()[..4]
        .iter()
        .map(|f| f.to_string())
        .collect();
    common::write(dir.path(), "a.geojson", &common::collection(&some));
    let centres = read_json(&dir.path().join("city/centers.geojson"));
    let closed = centres["features"][3]["properties"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let close = format!("方案A={closed}");
    succeed(
        dir.path(),
        &on_city(
            "compare",
            &[
                "--scenario",
                "方案A=a.geojson",
                "--close",
                &close,
                "--group-by",
                "street",
                "-o",
                "out",
                "--report",
                "out/r.html",
            ],
        ),
    );
    let html = read(&dir.path().join("out/r.html"));
    let summary = read_json(&dir.path().join("out/summary.json"));
    let a = &summary["scenarios"][0];
    assert_eq!(a["name"], "方案A");
    // Four proposed sites and the closed centre can be switched.
    assert_eq!(count(&html, "data-site-id=\""), 5);
    assert!(html.contains(&format!("data-site-id=\"{closed}\"")));
    let share = summary["population"]["share"].as_f64().unwrap();
    assert!(html.contains(&format!("data-metric=\"share\" data-value=\"{share}\"")));
    let card = &html[html.find("data-scenario-card=\"0\"").unwrap()..];
    assert!(card.contains(&format!("data-value=\"{}\"", a["share"].as_f64().unwrap())));
    assert!(html.contains(">方案A</button>"));
    let open = "<script type=\"application/json\" id=\"page-data\">";
    let start = html.find(open).unwrap() + open.len();
    let end = start + html[start..].find("</script>").unwrap();
    let data: serde_json::Value = serde_json::from_str(&html[start..end]).unwrap();
    assert_eq!(data["whatif"]["sites"].as_array().unwrap().len(), 5);
    assert_eq!(data["scenarios"][0]["exact"], true);
    assert_eq!(
        headline_mismatches(&html, &summary, 1e-9),
        Vec::<String>::new()
    );
    assert_self_contained(&html);
}

/// `--basemap`: one `<image>` per web tile under the map, the template filled in, an
/// attribution naming the host; bad templates, Baidu tiles and a basemap without a report are
/// refused.
#[test]
fn basemap_tiles_are_drawn_under_the_map_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    synth(dir.path(), "300", "20");
    let url = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
    for coords in ["wgs84", "gcj02"] {
        let args = [
            "--report",
            "r.html",
            "--basemap",
            url,
            "--basemap-coords",
            coords,
        ];
        succeed(dir.path(), &on_city("coverage", &args));
        let html = read(&dir.path().join("r.html"));
        let layer = html
            .split("data-layer=\"basemap\"")
            .nth(1)
            .expect("a basemap layer");
        let layer = &layer[..layer.find("</g>").unwrap()];
        let tiles = layer
            .matches("<image href=\"https://tile.openstreetmap.org/")
            .count();
        assert!((4..=144).contains(&tiles), "{coords}: {tiles} tiles");
        assert!(!layer.contains("{z}"), "template filled in");
        assert!(
            html.contains("tile.openstreetmap.org</text>"),
            "attribution"
        );
        // Under everything: before the compounds are drawn.
        assert!(html.find("data-layer=\"basemap\"") < html.find("data-layer=\"compounds\""));
    }
    succeed(
        dir.path(),
        &on_city("coverage", &["--report", "plain.html"]),
    );
    assert!(!read(&dir.path().join("plain.html")).contains("data-layer=\"basemap\""));
    for (args, says) in [
        (vec!["--basemap", url], "give --report"),
        (
            vec!["--report", "x.html", "--basemap", "https://t/{z}.png"],
            "needs {z}, {x} and {y}",
        ),
        (
            vec![
                "--report",
                "x.html",
                "--basemap",
                url,
                "--basemap-coords",
                "bd09",
            ],
            "Baidu",
        ),
    ] {
        let out = common::run(dir.path(), &on_city("coverage", &args));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains(says),
            "{args:?}: {err}"
        );
    }
}
