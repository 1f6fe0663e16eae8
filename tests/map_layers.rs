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
fn switchable_candidates_lie_under_centres_and_recommended_sites() {
    // The demo offers 400 switchable candidates: drawn over everything they hid the five
    // recommended sites. Now they lie under the centres and the plan; only the switches of
    // existing centres (each on its centre's symbol) stay on top.
    let dir = tempfile::tempdir().unwrap();
    succeed(dir.path(), &["demo", "-o", "d"]);
    let html = read(&dir.path().join("d/report.html"));
    let at = |needle: &str| html.find(needle).unwrap_or_else(|| panic!("no {needle}"));
    let candidates = at("id=\"map-whatif\"");
    assert!(candidates < at("data-layer=\"centres\""));
    assert!(candidates < at("data-kind=\"plan\""));
    assert!(at("data-kind=\"plan\"") < at("id=\"map-whatif-ex\""));
    // Every switch is still a mark the page's script can find, each site once.
    let marks = html.matches("class=\"wm ").count();
    let ids = html.matches(" data-site-id=\"").count();
    assert_eq!(marks, ids);
    assert!(marks > 400, "{marks}");
    // The print layout sizes the map by the page (100vh is the page area in print), not by a
    // min-height media query, which Chromium matched on A4 too and pushed the map to page two.
    assert!(html.contains("svg.map{height:calc(100vh - 84mm)"));
    assert!(!html.contains("min-height:250mm"));
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
    // The street file is listed with the data sources.
    assert!(html.contains("<li data-source=\"network\">walking network: <code>"));
    assert!(html.contains("streets.geojson</code></li>"));
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
    // The demo's compounds have no names: the page's ledger excerpt leaves the empty 小区名称
    // column out, the ledger file keeps it.
    let excerpt = html
        .split("id=\"ledger\"")
        .nth(1)
        .expect("the ledger excerpt");
    let excerpt = excerpt.split("</table>").next().unwrap();
    assert!(excerpt.contains("小区编号") && !excerpt.contains("小区名称"));
    let csv = read(&dir.path().join("o/ledger.csv"));
    assert!(csv.lines().next().unwrap().contains("小区名称"));
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

/// The header cells of the page's table `id`, as text.
fn table_header(html: &str, id: &str) -> Vec<String> {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no table {id}"));
    let head = &html[start..];
    let head = &head[..head.find("</thead>").unwrap()];
    let cells: Vec<&str> = head.split("</th>").collect();
    cells[..cells.len() - 1]
        .iter()
        .map(|th| th[th.rfind('>').unwrap() + 1..].to_string())
        .collect()
}

/// The first line of a `ledger.csv`, split at commas (its headers hold none).
fn ledger_csv_header(path: &std::path::Path) -> Vec<String> {
    let text = read(path);
    let line = text.trim_start_matches('\u{feff}').lines().next().unwrap();
    line.split(',').map(str::to_string).collect()
}

/// Issue 18, the life-circle page on foot: streets under the map, no straight-line circle,
/// and a note saying the run computes no walking service areas; the demo's 2,400 facilities
/// start switched off; the per-street bar chart titled with the method; the ledger excerpt in
/// the 问题台账's columns.
#[test]
fn walking_life_circle_page_draws_no_circles_says_why_and_lists_the_ledger_columns() {
    let dir = tempfile::tempdir().unwrap();
    let (compounds, facilities, streets) = (
        demo("compounds.geojson"),
        demo("facilities.geojson"),
        demo("streets.geojson"),
    );
    let args = [
        "lifecircle",
        "--compounds",
        &compounds,
        "--facilities",
        &facilities,
        "--metric",
        "network",
        "--network",
        &streets,
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
    succeed(dir.path(), &args);
    let html = read(&dir.path().join("lc.html"));
    let found = layers(&html);
    assert!(!found.contains(&"circles".to_string()), "{found:?}");
    assert!(found.contains(&"streets".to_string()), "{found:?}");
    assert!(
        found.contains(&"service-areas".to_string())
            || html.contains("data-note=\"no-service-areas\""),
        "walking areas or the note saying there are none"
    );
    assert!(html.contains("不生成设施的步行服务范围"));
    // More than 500 facilities: every type's layer starts hidden, its box unticked.
    let groups = html.matches("<g class=\"lay-fac\"").count();
    assert!(groups > 5, "{groups} facility groups");
    assert_eq!(
        html.matches("style=\"display:none\"").count(),
        groups,
        "each facility group starts hidden"
    );
    assert!(html.contains("input type=\"checkbox\" data-fac="));
    assert!(!html.contains("checked data-fac"), "no box ticked");
    // The per-street chart: its own figure, a bar per street, titled with the method.
    let fig = html
        .split("<figure class=\"chart-card\" id=\"fig-groups-0\">")
        .nth(1)
        .expect("the per-street chart");
    let fig = &fig[..fig.find("</figure>").unwrap()];
    assert!(
        fig.contains("<h2>各street设施齐全人口占比（步行距离）</h2>"),
        "{}",
        &fig[..200]
    );
    assert!(fig.contains("<svg") && fig.contains("<rect"), "bars drawn");
    // The ledger excerpt: the 问题台账's columns, those left for the office aside.
    let header = table_header(&html, "ledger");
    let csv = ledger_csv_header(&dir.path().join("o/ledger.csv"));
    // (the demo's compounds have no names: the page leaves the empty name column out)
    let expected: Vec<String> = csv[..csv.len() - 3]
        .iter()
        .filter(|h| *h != "小区名称")
        .cloned()
        .collect();
    assert_eq!(header, expected, "excerpt columns = ledger.csv's");
    for h in [
        "序号",
        "小区编号",
        "缺失设施",
        "等级",
        "最近距离(米)",
        "标准(米)",
        "超出(米)",
        "超出比例",
        "严重程度",
    ] {
        assert!(header.iter().any(|x| x == h), "{h} in {header:?}");
    }
}

/// Under `--lang en` the excerpt's headers are the English ledger's; with a few facilities
/// their layers start shown; the chart names the straight line.
#[test]
fn english_life_circle_page_has_the_english_ledger_columns_and_a_chart_per_group() {
    let dir = tempfile::tempdir().unwrap();
    common::write(
        dir.path(),
        "fac.csv",
        "id,lon,lat,type\nk1,117.30,31.86,kindergarten\nk2,117.28,31.85,kindergarten\n",
    );
    let compounds = demo("compounds.geojson");
    let args = [
        "lifecircle",
        "--compounds",
        &compounds,
        "--facilities",
        "fac.csv",
        "--group-by",
        "street",
        "--lang",
        "en",
        "-o",
        "o",
        "--report",
        "lc.html",
        "-q",
    ];
    succeed(dir.path(), &args);
    let html = read(&dir.path().join("lc.html"));
    let header = table_header(&html, "ledger");
    let csv = ledger_csv_header(&dir.path().join("o/ledger.csv"));
    let expected: Vec<String> = csv[..csv.len() - 3]
        .iter()
        .filter(|h| *h != "compound name")
        .cloned()
        .collect();
    assert_eq!(
        header, expected,
        "ledger.csv's columns, the empty name column aside"
    );
    assert_eq!(header[0], "No.");
    for h in [
        "nearest (m)",
        "standard (m)",
        "over (m)",
        "over share",
        "severity",
    ] {
        assert!(header.iter().any(|x| x == h), "{h} in {header:?}");
    }
    assert!(
        html.contains("<h2>Residents with every type, by street (straight-line distance)</h2>")
    );
    assert!(html.contains("checked data-fac="), "few facilities: shown");
    assert!(!html.contains("data-note=\"no-service-areas\""));
    // The excerpt names types in words, as the tables above it do; ledger.csv keeps the ids.
    let start = html.find("id=\"ledger\"").unwrap();
    let body = &html[start..];
    let body = &body[body.find("<tbody>").unwrap()..body.find("</tbody>").unwrap()];
    let type_col = header.iter().position(|h| h == "missing facility").unwrap();
    let first_row = &body[..body.find("</tr>").unwrap()];
    let cells: Vec<&str> = first_row.split("</td>").collect();
    let cell = &cells[type_col][cells[type_col].rfind('>').unwrap() + 1..];
    assert!(
        !cell.contains('_') && cell.chars().next().unwrap().is_uppercase(),
        "type in words: {cell:?}"
    );
    assert!(read(&dir.path().join("o/ledger.csv")).contains(",community_service_station,"));
}

/// Issue 18 item 1, "when a run measures both, show both": a walking run measures the
/// straight line too, and its page cards both, each with its method and its summary key.
#[test]
fn walking_report_cards_the_straight_line_beside_the_walk() {
    let dir = tempfile::tempdir().unwrap();
    let network = demo("streets.geojson");
    let args = on_demo(
        "coverage",
        &[
            "--network",
            &network,
            "--lang",
            "zh",
            "-o",
            "w",
            "--report",
            "w/report.html",
            "-q",
        ],
    );
    succeed(dir.path(), &args);
    let html = read(&dir.path().join("w/report.html"));
    let summary = common::read_json(&dir.path().join("w/summary.json"));
    assert_eq!(summary["straight"]["metric"], "euclidean");
    let walk = summary["population"]["share"].as_f64().unwrap();
    let straight = summary["straight"]["population"]["share"].as_f64().unwrap();
    assert!(straight > walk, "straight {straight} vs walk {walk}");
    assert!(html.contains("<div class=\"k\">覆盖人口 · 步行距离</div>"));
    assert!(html.contains("<div class=\"k\">覆盖人口 · 直线距离</div>"));
    assert!(html.contains("data-key=\"straight.population.share\""));
    assert!(
        circleplan::report::html::headline_mismatches(&html, &summary, 1e-9).is_empty(),
        "card figures = summary.json"
    );
}

/// The demo measures the straight line and the walk: its report cards both.
#[test]
fn demo_report_cards_the_walk_beside_the_straight_line() {
    let dir = tempfile::tempdir().unwrap();
    succeed(dir.path(), &["demo", "-o", "d", "--lang", "en"]);
    let html = read(&dir.path().join("d/report.html"));
    let summary = common::read_json(&dir.path().join("d/summary.json"));
    assert!(html.contains("<div class=\"k\">Population covered · straight-line distance</div>"));
    assert!(html.contains("<div class=\"k\">Population covered · walking distance</div>"));
    let walk = summary["walk"]["population"]["share"].as_f64().unwrap();
    assert!(
        html.contains(&format!(
            "data-key=\"walk.population.share\" data-value=\"{walk}\""
        )),
        "the walking share of summary.json"
    );
    assert!(circleplan::report::html::headline_mismatches(&html, &summary, 1e-9).is_empty());
}
