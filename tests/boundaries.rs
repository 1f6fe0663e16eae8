//! `--boundaries`: compounds, centres and facilities take the name of the area containing
//! them (edges inside, holes outside, overlaps to the first area), `--group-by` may name the
//! areas' field, per-area supply counts the facilities inside, and the map draws the areas.

mod common;

use common::{read, read_json_in, repo, succeed};

fn fixture(name: &str) -> String {
    repo()
        .join("tests/fixtures/boundaries")
        .join(name)
        .display()
        .to_string()
}

/// Per feature id, the value of `key`.
fn by_id(layer: &serde_json::Value, key: &str) -> Vec<(String, String)> {
    common::props(layer)
        .iter()
        .map(|p| {
            let id = p["id"].as_str().unwrap().to_string();
            (id, p[key].as_str().unwrap_or("-").to_string())
        })
        .collect()
}

#[test]
fn compounds_and_centres_take_their_area_and_the_map_draws_it() {
    let dir = tempfile::tempdir().unwrap();
    let (areas, compounds, centres) = (
        fixture("areas.geojson"),
        fixture("compounds.geojson"),
        fixture("centers.geojson"),
    );
    succeed(
        dir.path(),
        &[
            "coverage",
            "--compounds",
            &compounds,
            "--centers",
            &centres,
            "--boundaries",
            &areas,
            "--group-by",
            "街道",
            "--radius",
            "500",
            "-o",
            "out",
            "--report",
            "r.html",
            "-q",
        ],
    );
    let got = by_id(&read_json_in(dir.path(), "out/compounds.geojson"), "街道");
    let want = [
        ("in_east", "东街道"),
        ("in_hole", ""),
        ("shared_edge", "东街道"),
        ("overlap_south_west", "西街道"),
        ("west_second_part", "西街道"),
        ("outside", ""),
        ("on_corner", "东街道"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(got, want);
    let centres = by_id(&read_json_in(dir.path(), "out/centers.geojson"), "area");
    assert_eq!(
        centres,
        [("s1".into(), "西街道".into()), ("s2".into(), String::new())]
    );
    let summary = read_json_in(dir.path(), "out/summary.json");
    let values: Vec<&str> = summary["groups"]["街道"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["", "东街道", "西街道"]);
    let html = read(&dir.path().join("r.html"));
    let at = html
        .find("data-layer=\"boundaries\"")
        .expect("a boundaries layer");
    let layer = &html[at..at + html[at..].find("</g>").unwrap()];
    for name in ["东街道", "西街道", "南街道"] {
        assert!(
            layer.contains(&format!(">{name}</text>")),
            "{name} labelled"
        );
    }
    assert!(!layer.contains("站点"), "the point feature is not an area");
}

#[test]
fn without_group_by_the_area_field_is_added_and_supply_counts_facilities_inside() {
    let dir = tempfile::tempdir().unwrap();
    succeed(
        dir.path(),
        &[
            "lifecircle",
            "--compounds",
            &fixture("compounds.geojson"),
            "--facilities",
            &fixture("facilities.geojson"),
            "--boundaries",
            &fixture("areas.geojson"),
            "--boundary-field",
            "街道",
            "-o",
            "out",
            "-q",
        ],
    );
    let summary = read_json_in(dir.path(), "out/summary.json");
    let rows = summary["lifecircle"]["groups"]["街道"].as_array().unwrap();
    let count = |value: &str, kind: &str| {
        let row = rows.iter().find(|r| r["value"] == value).unwrap();
        let t = row["types"].as_array().unwrap();
        t.iter().find(|t| t["type"] == kind).unwrap()["facilities"]
            .as_u64()
            .unwrap()
    };
    // k1 in 东街道; k2, k3 and p1 (the second part) in 西街道; p2 outside every area.
    assert_eq!(count("东街道", "kindergarten"), 1);
    assert_eq!(count("西街道", "kindergarten"), 2);
    assert_eq!(count("西街道", "primary_school"), 1);
    assert_eq!(count("", "primary_school"), 1);
    assert_eq!(count("东街道", "primary_school"), 0);
}
