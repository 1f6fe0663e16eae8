//! The report's map contract for automated checks (issue 18 items 1, 3, 4 and 12): each map
//! layer is an SVG group carrying `data-layer`; a walking report draws the streets and the
//! walking service areas and no straight-line circle; a cost-table report draws no areas and
//! says why; every headline names the method; every report, the life-circle one included,
//! has a viewport meta; marks are never zero-length paths (which print as nothing).

mod common;

use common::{demo_data, on_demo, read, succeed};

fn layers(html: &str) -> Vec<String> {
    let mut v: Vec<String> = html
        .split("data-layer=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .collect();
    v.sort();
    v.dedup();
    v
}

fn demo(file: &str) -> String {
    demo_data().join(file).to_string_lossy().into_owned()
}

#[test]
fn straight_line_report_has_circle_compound_centre_gap_and_site_layers() {
    let dir = tempfile::tempdir().unwrap();
    succeed(dir.path(), &["demo", "-o", "d"]);
    let html = read(&dir.path().join("d/report.html"));
    for layer in ["circles", "compounds", "centres", "gaps", "sites"] {
        assert!(layers(&html).contains(&layer.to_string()), "{layer}");
    }
    assert!(!layers(&html).contains(&"streets".to_string()));
    assert!(html.contains("<meta name=\"viewport\""));
    assert!(html.contains("data-method=\"euclidean\">直线距离</span>"));
    assert!(!html.contains("h0\""), "zero-length marks do not print");
}

#[test]
fn walking_report_draws_streets_and_service_areas_and_no_straight_circle() {
    let dir = tempfile::tempdir().unwrap();
    let network = demo("streets.geojson");
    let args = on_demo(
        "coverage",
        &[
            "--network",
            &network,
            "--lang",
            "en",
            "-o",
            "w",
            "--report",
            "w/report.html",
            "-q",
        ],
    );
    succeed(dir.path(), &args);
    let html = read(&dir.path().join("w/report.html"));
    assert_eq!(
        layers(&html),
        ["centres", "compounds", "service-areas", "streets"]
    );
    let areas = html.matches("<path class=\"sa\"").count();
    assert!(
        areas > 100,
        "one walking area per centre on the network: {areas}"
    );
    let streets = html.split("class=\"sn\" d=\"").nth(1).unwrap();
    assert!(streets.matches('M').count() > 500, "street lines");
    // Streets under everything: the first layer drawn.
    let first = html.find("data-layer=\"").unwrap();
    assert!(html[first..].starts_with("data-layer=\"streets\""));
    assert!(
        !html.contains("<circle class=\"sc\""),
        "no straight-line circle"
    );
    assert!(!html.contains("<circle class=\"sr\""));
    assert!(html.contains("data-method=\"network\">walking distance</span>"));
    assert!(html.contains("Walking service area"));
}

#[test]
fn cost_table_report_draws_no_areas_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    common::write(dir.path(), "m.csv", "from,to,minutes\nS001,C001,5\n");
    let centres = read(&demo_data().join("centers.geojson"));
    let first_centre = centres
        .split("\"id\":\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    common::write(
        dir.path(),
        "m.csv",
        &format!("from,to,minutes\n{first_centre},C001,5\n"),
    );
    let args = on_demo(
        "coverage",
        &[
            "--matrix",
            "m.csv",
            "--matrix-columns",
            "from,to,minutes",
            "--matrix-unit",
            "min",
            "--lang",
            "zh",
            "--report",
            "r.html",
            "-o",
            "o",
            "-q",
        ],
    );
    succeed(dir.path(), &args);
    let html = read(&dir.path().join("r.html"));
    assert!(!layers(&html).contains(&"circles".to_string()));
    assert!(!layers(&html).contains(&"service-areas".to_string()));
    assert!(html.contains("成本表计算：无法绘制服务范围"));
    assert!(html.contains("data-method=\"matrix\">成本表</span>"));
}

#[test]
fn chinese_life_circle_report_names_types_in_chinese_with_a_viewport() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "lifecircle",
        "--compounds",
        &demo("compounds.geojson"),
        "--facilities",
        &demo("facilities.geojson"),
        "--group-by",
        "street",
        "--lang",
        "zh",
        "-o",
        "o",
        "--report",
        "lc.html",
        "-q",
    ];
    let out = succeed(dir.path(), &args);
    let html = read(&dir.path().join("lc.html"));
    assert!(html.contains("<meta name=\"viewport\""));
    assert!(html.contains("（直线距离）"), "the method in the headline");
    // The per-type table: the Chinese name, its level and its distance in their own columns.
    assert!(html.contains("<tr><td>幼儿园</td><td class=\"num\" data-v=\"5\">5</td><td class=\"num\" data-v=\"300\">300</td>"));
    assert!(
        html.contains("class=\"scroll\""),
        "tables scroll in their box"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let profile = circleplan::lifecircle::Profile::load("gb50180-2018").unwrap();
    let visible = visible_text(&html);
    for t in &profile.types {
        assert!(!visible.contains(&t.type_id), "{} in the page", t.type_id);
        assert!(
            !stdout.contains(&t.type_id),
            "{} in the terminal",
            t.type_id
        );
    }
    assert!(stdout.contains("社区服务中心（街道级）"), "{stdout}");
    assert!(
        html.contains("未能在标准原文中核实的服务半径") && html.contains("社区服务站 300 m"),
        "the unconfirmed distances in the method block"
    );
}

/// What a reader sees of a page: the text between tags, without scripts and styles (attribute
/// values such as `data-type` are for scripts and checks, not for reading).
fn visible_text(html: &str) -> String {
    let mut page = html.to_string();
    for block in ["script", "style"] {
        let (open, close) = (format!("<{block}"), format!("</{block}>"));
        while let Some(start) = page.find(&open) {
            let end = page[start..]
                .find(&close)
                .map_or(page.len(), |e| start + e + close.len());
            page.replace_range(start..end, " ");
        }
    }
    let mut text = String::new();
    let mut in_tag = false;
    for c in page.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}
