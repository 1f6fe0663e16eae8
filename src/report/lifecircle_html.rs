//! The life-circle HTML report, built from the main report's pieces (`report/html`): the same
//! header and cards, the zoomable map (frame, scale bar, north arrow, zoom script) with the
//! compounds coloured by completeness in ranged classes and the facilities by type (each
//! type switchable from the legend), a bar per type, per-group tables with a bar per group,
//! the ledger's worst rows and the method/inputs/version/command block. One self-contained
//! page: inline CSS, SVG and script, no network.

use std::fmt::Write;

use super::Lang;
use super::html::{
    CSS, Frame, JS, Labels, card, dot_px, keyed, map_bar, num, share_cell, square, streets,
    svg_start, swatch, table, text_cell, view_end, view_start,
};
use super::ledger::{ledger as ledger_of, method_label, type_name};
use super::lifecircle::LifeCircleReport;
use super::table::thousands;
use crate::lifecircle::LifeCircle;
use crate::network::StreetNetwork;

/// Above this many compounds the map shows grid cells instead of one dot per compound.
const MAX_DOTS: usize = super::html::DENSITY_THRESHOLD;
/// Grid cells across the map when compounds are aggregated.
const CELLS_ACROSS: f64 = 160.0;
/// Ledger rows shown.
const LEDGER_TOP: usize = 50;

fn t(lang: Lang, en: &'static str, zh: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Completeness colours of the five classes, none to every type within reach (shared with
/// the QGIS styles).
pub(crate) const COMPLETENESS: [&str; 5] = ["#d7301f", "#fc8d59", "#fee08b", "#91cf60", "#1a9850"];

/// Lower bounds of the completeness classes 1–4 (class 0 starts at 0): 0–25 %, 25–50 %,
/// 50–75 %, 75 % up to but not including 100 %, and 100 % (every type).
pub(crate) const COMPLETENESS_BOUNDS: [f64; 4] = [0.25, 0.5, 0.75, 1.0];

/// The classes' ranges, as the legend names them.
pub(crate) const CLASS_RANGES: [&str; 5] = ["0–25 %", "25–50 %", "50–75 %", "75–99 %", "100 %"];

/// The class of a completeness share (0–1): the number of bounds at or below it.
pub(crate) fn completeness_class(share: f64) -> usize {
    // A share is k / n types: a hair's tolerance keeps 3/4 in the 75 % class.
    COMPLETENESS_BOUNDS
        .iter()
        .take_while(|&&b| share >= b - 1e-9)
        .count()
}

/// Facility mark colours, one per type in profile order (cycled past 12 types); dark and
/// saturated so they read over the compounds' ramp.
const FACILITY_COLOURS: [&str; 12] = [
    "#1c7ed6", "#7048e8", "#ae3ec9", "#0b7285", "#364fc7", "#862e9c", "#1098ad", "#5f3dc4",
    "#495057", "#a61e4d", "#2b8a3e", "#e67700",
];

fn facility_colour(k: usize) -> &'static str {
    FACILITY_COLOURS[k % FACILITY_COLOURS.len()]
}

fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

/// The page's own CSS, after the main report's: completeness classes, facility marks, the
/// legend's switches, tables beside the map.
fn style() -> String {
    let mut s = String::from(
        ".map .fm{fill:none;stroke-linecap:square;stroke-width:4px;vector-effect:non-scaling-stroke}\
         .map .fh{fill:none;stroke:#fff;stroke-linecap:square;stroke-width:6px;vector-effect:non-scaling-stroke}\
         .map .gc{stroke:none}\
         ul.legend label{display:flex;align-items:center;gap:4px;cursor:pointer}\
         .top>.side{display:flex;flex-direction:column;gap:12px}.top .table-card{margin:0}\
         .unconfirmed{color:#d9480f}\
         @media print{svg.map{max-height:105mm}ul.legend input{display:none}\
         ul.legend{font-size:10px;gap:0 8px;margin-top:2px}}",
    );
    for (k, c) in COMPLETENESS.iter().enumerate() {
        let _ = write!(s, ".map .cp.k{k}{{stroke:{c}}}.map .gc.k{k}{{fill:{c}}}");
    }
    s
}

/// The facility switches: a checkbox per type shows or hides its group.
/// The "all" box sets every type's box.
const SWITCH_JS: &str = "(function(){var boxes=document.querySelectorAll('input[data-fac]');\
function show(b){var g=document.querySelector('#map g[data-layer=\"facilities\"][data-k=\"'+b.getAttribute('data-fac')+'\"]');\
if(g){g.style.display=b.checked?'':'none';}}\
boxes.forEach(function(b){b.addEventListener('change',function(){show(b);});});\
var all=document.querySelector('input[data-fac-all]');\
if(all){all.addEventListener('change',function(){boxes.forEach(function(b){b.checked=all.checked;show(b);});});}}());";

/// ` (text)` in English, `（text）` in Chinese.
fn bracket(text: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("（{text}）"),
        Lang::En => format!(" ({text})"),
    }
}

/// How the life-circle page is written, beyond the run's figures.
#[derive(Debug, Clone, Copy)]
pub struct LifeCirclePage<'a> {
    /// Label language.
    pub lang: Lang,
    /// The command line that produced the page, word by word, printed for reproduction
    /// (empty leaves it out).
    pub command_line: &'a [String],
    /// The street network of a walking run, drawn under everything on the map.
    pub network: Option<&'a StreetNetwork>,
}

/// The life-circle report as one HTML page.
pub fn lifecircle_html(report: &LifeCircleReport, page: &LifeCirclePage) -> String {
    let (lang, command_line) = (page.lang, page.command_line);
    let l = Labels::of(lang);
    let lc = report.result;
    let mut out = String::with_capacity(1 << 16);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"generator\" content=\"circleplan {}\">\
         <title>{} · {}</title><style>{CSS}{}</style></head><body>",
        l.html_lang,
        env!("CARGO_PKG_VERSION"),
        t(lang, "Life circle", "生活圈"),
        esc(&lc.profile.name),
        style()
    );
    header(&mut out, report, lang, l);
    out.push_str("<div class=\"top\">");
    map(&mut out, report, page, l);
    out.push_str("<div class=\"side\">");
    bars(&mut out, lc, lang, l);
    out.push_str("</div></div>");
    groups(&mut out, report, lang, l);
    ledger(&mut out, report, lang, l);
    footer(&mut out, report, lang, l, command_line);
    let _ = write!(out, "<script>{JS}</script><script>{SWITCH_JS}</script>");
    out.push_str("</body></html>\n");
    out
}

/// Title with the profile and the method, the inputs line with the date, and the cards.
fn header(out: &mut String, report: &LifeCircleReport, lang: Lang, l: &Labels) {
    let lc = report.result;
    let _ = write!(
        out,
        "<header><h1>{} <span class=\"kind\">{}</span> <span class=\"kind method\" \
         data-method=\"{}\">{}</span></h1><p class=\"inputs\">",
        t(lang, "Life circle", "生活圈"),
        esc(&lc.profile.name),
        lc.metric,
        method_label(lc.metric, lang)
    );
    let files = super::html::input_spans(report.run, l);
    let mut line = Vec::new();
    if !files.is_empty() {
        line.push(format!("{}: {}", l.inputs, files.join(" · ")));
    }
    if let Some(d) = &report.run.date {
        line.push(format!("<span class=\"date\">{}</span>", esc(d)));
    }
    out.push_str(&line.join(" · "));
    out.push_str("</p><div class=\"cards\">");
    cards(out, report, lang);
    out.push_str("</div></header>");
}

/// Residents with every type, compounds, facilities and types, each level's share.
fn cards(out: &mut String, report: &LifeCircleReport, lang: Lang) {
    let (lc, c) = (report.result, report.compounds);
    let all = &lc.complete_share;
    card(
        out,
        "primary",
        &format!(
            "{}{}",
            t(lang, "Residents with every type", "设施齐全人口占比"),
            bracket(method_label(lc.metric, lang), lang)
        ),
        &keyed(
            "lifecircle.complete.population_share",
            all.population_share,
            &pct(all.population_share),
        ),
        &format!(
            "{} {} · {} {}",
            thousands(all.population),
            t(lang, "residents", "人"),
            keyed(
                "lifecircle.complete.compounds",
                all.compounds as f64,
                &thousands(all.compounds as f64)
            ),
            t(lang, "compounds", "个小区")
        ),
    );
    let population = c.total_population();
    card(
        out,
        "",
        t(lang, "Compounds", "小区"),
        &keyed(
            "compounds.total",
            c.len() as f64,
            &thousands(c.len() as f64),
        ),
        &format!(
            "{} {}",
            keyed("population.total", population, &thousands(population)),
            t(lang, "residents", "人")
        ),
    );
    let n_fac = report.facilities.len() as f64;
    card(
        out,
        "",
        t(lang, "Facilities", "设施"),
        &keyed("facilities.total", n_fac, &thousands(n_fac)),
        &format!(
            "{} {}",
            lc.profile.types.len(),
            t(lang, "types in the profile", "类（按标准）")
        ),
    );
    types_card(out, lc, lang);
    for r in &lc.level_rows {
        let title = match lang {
            Lang::Zh => format!("{} 分钟生活圈齐全", r.minutes),
            Lang::En => format!("{}-minute circle complete", r.minutes),
        };
        let class = if r.population_share < 0.5 { "warn" } else { "" };
        card(
            out,
            class,
            &title,
            &pct(r.population_share),
            &format!(
                "{} {}",
                thousands(r.compounds_complete as f64),
                t(lang, "compounds", "个小区")
            ),
        );
    }
}

/// The type the fewest residents reach, and how many types' distances are unconfirmed.
fn types_card(out: &mut String, lc: &LifeCircle, lang: Lang) {
    let worst = lc
        .type_rows
        .iter()
        .zip(&lc.profile.types)
        .min_by(|a, b| a.0.population_share.total_cmp(&b.0.population_share));
    let Some((row, ty)) = worst else {
        return;
    };
    let unconfirmed = lc
        .profile
        .types
        .iter()
        .filter(|t| t.is_unconfirmed())
        .count();
    let small = match lang {
        Lang::Zh => format!("{unconfirmed} 类服务半径未在标准原文中核实"),
        Lang::En => format!("{unconfirmed} distances not confirmed in the standard"),
    };
    card(
        out,
        "warn",
        &format!(
            "{}: {}",
            t(lang, "Least reached type", "覆盖最低的设施"),
            type_name(ty, lang)
        ),
        &pct(row.population_share),
        &small,
    );
}

/// The zoomable map: compounds by completeness class (grid cells above [`MAX_DOTS`]), the
/// facilities by type over them, the legend with a switch per type.
fn map(out: &mut String, report: &LifeCircleReport, page: &LifeCirclePage, l: &Labels) {
    let lang = page.lang;
    let (lc, c, fac) = (report.result, report.compounds, report.facilities);
    let xy = lc.study.project(&c.lonlat);
    let fxy = lc.study.project(&fac.lonlat);
    let min_extent_m = lc
        .profile
        .types
        .iter()
        .map(|ty| ty.max_distance_m)
        .fold(500.0, f64::max);
    let f = Frame::new(xy.iter().chain(&fxy).copied(), min_extent_m);
    let title = format!(
        "{}{}",
        t(lang, "Completeness per compound", "小区设施完整度"),
        bracket(method_label(lc.metric, lang), lang)
    );
    let _ = write!(
        out,
        "<section class=\"map-card\" id=\"map-section\">{}<div class=\"map-wrap\">",
        map_bar(&title, l)
    );
    let aggregated = c.len() > MAX_DOTS;
    svg_start(
        out,
        &f,
        &title,
        &format!(
            " data-compounds=\"{}\" data-facilities=\"{}\" data-mode=\"{}\"",
            c.len(),
            fac.len(),
            if aggregated { "density" } else { "points" }
        ),
    );
    view_start(out, &f);
    if let Some(network) = page.network {
        streets(out, &f, network);
    }
    if aggregated {
        grid_cells(out, &f, lc, &xy, &c.population);
    } else {
        compound_dots(out, &f, report, &xy);
    }
    facility_marks(out, &f, report, &fxy, lang);
    view_end(out, &f, l);
    out.push_str("</svg></div>");
    legend(out, report, lang, aggregated);
    if page.network.is_some() {
        let _ = write!(
            out,
            "<ul class=\"legend\"><li>{}{}</li></ul>",
            swatch("<path d=\"M1 14L8 8L19 12M8 8L10 1\" class=\"sw-sn\"/>"),
            esc(l.streets)
        );
    }
    out.push_str("</section>");
}

/// One dot per compound in its completeness class's colour, sized by population; the least
/// complete drawn last (on top), large before small.
fn compound_dots(out: &mut String, f: &Frame, report: &LifeCircleReport, xy: &[[f64; 2]]) {
    let (lc, c) = (report.result, report.compounds);
    let max_pop = c.population.iter().copied().fold(0.0, f64::max).max(1e-9);
    let mut order: Vec<usize> = (0..c.len()).collect();
    order.sort_by(|&i, &j| {
        lc.completeness[j]
            .total_cmp(&lc.completeness[i])
            .then(c.population[j].total_cmp(&c.population[i]))
            .then(i.cmp(&j))
    });
    out.push_str("<g class=\"lay-compounds\" data-layer=\"compounds\">");
    for i in order {
        let k = completeness_class(lc.completeness[i]);
        let _ = write!(out, "<path class=\"cp k{k}\" data-i=\"{i}\" d=\"M");
        f.push_xy(out, xy[i]);
        let _ = write!(
            out,
            "h.01\" stroke-width=\"{:.1}\"><title>{} {} · {} · {}</title></path>",
            dot_px(c.population[i], max_pop),
            esc(&c.ids[i]),
            esc(c.name(i)),
            thousands(c.population[i]),
            pct(lc.completeness[i])
        );
    }
    out.push_str("</g>");
}

/// A square grid over the data, each occupied cell in the class of the population-weighted
/// mean completeness of its compounds (summed in compound order).
fn grid_cells(out: &mut String, f: &Frame, lc: &LifeCircle, xy: &[[f64; 2]], population: &[f64]) {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for p in xy {
        (x0, y0, x1, y1) = (x0.min(p[0]), y0.min(p[1]), x1.max(p[0]), y1.max(p[1]));
    }
    let cell_m = ((x1 - x0).max(y1 - y0) / CELLS_ACROSS).max(1.0);
    let mut cells: std::collections::BTreeMap<(i64, i64), (f64, f64)> = Default::default();
    for (i, p) in xy.iter().enumerate() {
        let key = (
            ((p[0] - x0) / cell_m).floor() as i64,
            ((p[1] - y0) / cell_m).floor() as i64,
        );
        let cell = cells.entry(key).or_default();
        let w = population[i].max(1e-9);
        cell.0 += w * lc.completeness[i];
        cell.1 += w;
    }
    out.push_str("<g class=\"lay-density\" data-layer=\"compounds\">");
    for ((cx, cy), (sum, weight)) in &cells {
        let k = completeness_class(sum / weight);
        let _ = write!(out, "<rect class=\"gc k{k}\"");
        let top_left = [x0 + *cx as f64 * cell_m, y0 + (*cy + 1) as f64 * cell_m];
        f.push_attr_xy(out, "x", "y", top_left);
        out.push_str(" width=\"");
        f.push_len(out, cell_m);
        out.push_str("\" height=\"");
        f.push_len(out, cell_m);
        out.push_str("\"/>");
    }
    out.push_str("</g>");
}

/// The facilities as small squares, one `data-layer="facilities"` group per type.
fn facility_marks(
    out: &mut String,
    f: &Frame,
    report: &LifeCircleReport,
    fxy: &[[f64; 2]],
    lang: Lang,
) {
    let (lc, fac) = (report.result, report.facilities);
    for (k, ty) in lc.profile.types.iter().enumerate() {
        let members: Vec<usize> = (0..fac.len())
            .filter(|&i| fac.type_of[i] as usize == k)
            .collect();
        if members.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "<g class=\"lay-fac\" data-layer=\"facilities\" data-type=\"{}\" data-k=\"{k}\">\
             <path class=\"fh\" d=\"",
            esc(&ty.type_id)
        );
        for &i in &members {
            out.push('M');
            f.push_xy(out, fxy[i]);
            out.push_str("h.01");
        }
        out.push_str("\"/>");
        let name = esc(type_name(ty, lang));
        for &i in &members {
            out.push_str("<path class=\"fm\" d=\"M");
            f.push_xy(out, fxy[i]);
            let _ = write!(
                out,
                "h.01\" stroke=\"{}\"><title>{name} · {}</title></path>",
                facility_colour(k),
                esc(&fac.ids[i])
            );
        }
        out.push_str("</g>");
    }
}

/// The completeness classes (ranges and counts), then a switch per facility type.
fn legend(out: &mut String, report: &LifeCircleReport, lang: Lang, aggregated: bool) {
    let (lc, fac) = (report.result, report.facilities);
    let mut counts = [0usize; 5];
    for &s in &lc.completeness {
        counts[completeness_class(s)] += 1;
    }
    let _ = write!(
        out,
        "<ul class=\"legend\"><li class=\"lh\">{}:</li>",
        if aggregated {
            t(
                lang,
                "Completeness (grid cells, population-weighted)",
                "设施完整度（网格，按人口加权）",
            )
        } else {
            t(
                lang,
                "Completeness (share of types within reach; dot size = residents)",
                "设施完整度（可达设施类型占比，点大小为人口）",
            )
        }
    );
    for (k, range) in CLASS_RANGES.iter().enumerate() {
        let dot = format!(
            "<circle cx=\"10\" cy=\"10\" r=\"6\" fill=\"{}\"/>",
            COMPLETENESS[k]
        );
        let _ = write!(
            out,
            "<li class=\"cls\" data-class=\"{k}\">{}{range} ({})</li>",
            swatch(&dot),
            thousands(counts[k] as f64)
        );
    }
    out.push_str("</ul>");
    let _ = write!(
        out,
        "<ul class=\"legend\"><li class=\"lh\">{}:</li>",
        t(lang, "Facilities (tick to show)", "设施（勾选显示）")
    );
    let _ = write!(
        out,
        "<li><label><input type=\"checkbox\" checked data-fac-all>{}</label></li>",
        t(lang, "all", "全部")
    );
    for (k, ty) in lc.profile.types.iter().enumerate() {
        let n = fac.type_of.iter().filter(|&&x| x as usize == k).count();
        if n == 0 {
            continue;
        }
        let _ = write!(
            out,
            "<li><label><input type=\"checkbox\" checked data-fac=\"{k}\">{}{} ({n})</label></li>",
            swatch(&square(9.0, facility_colour(k))),
            esc(type_name(ty, lang))
        );
    }
    out.push_str("</ul>");
}

/// One bar per type: share of residents within its distance.
fn bars(out: &mut String, lc: &LifeCircle, lang: Lang, l: &Labels) {
    let title = format!(
        "{}{}",
        t(
            lang,
            "Residents within reach, per type",
            "各类设施人口覆盖率"
        ),
        bracket(method_label(lc.metric, lang), lang)
    );
    let columns = [
        (t(lang, "type", "设施类型"), false),
        (t(lang, "level min", "层级(分钟)"), true),
        (t(lang, "distance m", "服务半径(米)"), true),
        (t(lang, "facilities", "设施数"), true),
        (t(lang, "residents within reach", "覆盖人口占比"), true),
    ];
    let rows: Vec<Vec<(Option<f64>, String)>> = lc
        .type_rows
        .iter()
        .zip(&lc.profile.types)
        .map(|(r, ty)| {
            vec![
                text_cell(type_name(ty, lang)),
                num(r.level as f64),
                num(r.max_distance_m),
                num(r.facilities as f64),
                share_cell(r.population_share),
            ]
        })
        .collect();
    table(out, "types", &title, &columns, &rows, "", l);
}

/// Per value of each group field: compounds, residents, a bar of the complete share, the
/// shares per level.
fn groups(out: &mut String, report: &LifeCircleReport, lang: Lang, l: &Labels) {
    let lc = report.result;
    let method = bracket(method_label(lc.metric, lang), lang);
    let level_heads: Vec<String> = lc
        .levels
        .iter()
        .map(|m| format!("{m} {}", t(lang, "min", "分钟")))
        .collect();
    for (g, (field, rows)) in report
        .compounds
        .group_fields
        .iter()
        .zip(&lc.groups)
        .enumerate()
    {
        let mut columns = vec![
            (field.as_str(), false),
            (t(lang, "compounds", "小区数"), true),
            (t(lang, "residents", "人口"), true),
            (t(lang, "every type", "设施齐全"), true),
        ];
        columns.extend(level_heads.iter().map(|h| (h.as_str(), true)));
        let rows: Vec<Vec<(Option<f64>, String)>> = rows
            .iter()
            .map(|r| {
                let mut row = vec![
                    text_cell(&r.value),
                    num(r.compounds as f64),
                    num(r.population),
                    share_cell(r.complete.population_share),
                ];
                row.extend(r.levels.iter().map(|x| share_cell(x.population_share)));
                row
            })
            .collect();
        let title = format!("{} {}{method}", t(lang, "By", "按"), field);
        table(out, &format!("group-{g}"), &title, &columns, &rows, "", l);
    }
}

/// The ledger's worst rows: none reachable, then missing, then near misses, most residents
/// first within each.
fn ledger(out: &mut String, report: &LifeCircleReport, lang: Lang, l: &Labels) {
    let (lc, c) = (report.result, report.compounds);
    let mut rows = ledger_of(lc, c);
    let total = rows.len();
    rows.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then(c.population[b.compound].total_cmp(&c.population[a.compound]))
            .then(a.compound.cmp(&b.compound))
            .then(a.type_index.cmp(&b.type_index))
    });
    let mut columns = vec![
        (t(lang, "compound", "小区编号"), false),
        (t(lang, "name", "小区名称"), false),
    ];
    columns.extend(c.group_fields.iter().map(|g| (g.as_str(), false)));
    columns.extend([
        (t(lang, "missing facility", "缺失设施"), false),
        (t(lang, "nearest m", "最近距离(米)"), true),
        (t(lang, "standard m", "标准(米)"), true),
        (t(lang, "severity", "严重程度"), false),
        (t(lang, "residents", "人口"), true),
    ]);
    let shown: Vec<Vec<(Option<f64>, String)>> = rows
        .iter()
        .take(LEDGER_TOP)
        .map(|r| {
            let (i, ty) = (r.compound, &lc.profile.types[r.type_index]);
            let mut row = vec![text_cell(&c.ids[i]), text_cell(c.name(i))];
            row.extend(c.groups.iter().map(|values| text_cell(&values[i])));
            row.push(text_cell(type_name(ty, lang)));
            row.push(if r.distance_m.is_finite() {
                num(r.distance_m)
            } else {
                (Some(f64::MAX), "—".into())
            });
            row.push(num(ty.max_distance_m));
            row.push(text_cell(r.severity.label(lang)));
            row.push(num(c.population[i]));
            row
        })
        .collect();
    let note = match lang {
        Lang::Zh => format!(
            "；台账共 {} 行（见 ledger.csv），此处按严重程度和人口列出前 {} 行",
            thousands(total as f64),
            LEDGER_TOP.min(total)
        ),
        Lang::En => format!(
            "; the ledger has {} rows (ledger.csv), shown: the worst {} by severity and residents",
            thousands(total as f64),
            LEDGER_TOP.min(total)
        ),
    };
    let title = format!(
        "{}{}",
        t(lang, "Problem ledger", "问题台账"),
        bracket(method_label(lc.metric, lang), lang)
    );
    table(out, "ledger", &title, &columns, &shown, &note, l);
}

/// How the page was made: the method, the profile, the distances the standard's text did not
/// confirm, the plane, the inputs, the version and the command line.
fn footer(
    out: &mut String,
    report: &LifeCircleReport,
    lang: Lang,
    l: &Labels,
    command_line: &[String],
) {
    let lc = report.result;
    let _ = write!(
        out,
        "<footer id=\"reproduce\"><h2>{}</h2><dl><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd>",
        esc(l.reproduce),
        t(lang, "Distance", "距离计算"),
        method_label(lc.metric, lang),
        t(lang, "Profile", "标准"),
        esc(&lc.profile.name),
    );
    let unconfirmed: Vec<String> = lc
        .profile
        .types
        .iter()
        .filter(|ty| ty.is_unconfirmed())
        .map(|ty| {
            format!(
                "{} {} m",
                esc(type_name(ty, lang)),
                thousands(ty.max_distance_m)
            )
        })
        .collect();
    if !unconfirmed.is_empty() {
        let _ = write!(
            out,
            "<dt>{}</dt><dd class=\"unconfirmed\">{}</dd>",
            t(
                lang,
                "Not confirmed in the standard's text (check before relying on them)",
                "未能在标准原文中核实的服务半径（使用前请核对）"
            ),
            unconfirmed.join(t(lang, "; ", "；"))
        );
    }
    let _ = write!(
        out,
        "<dt>{}</dt><dd>{} — {}</dd><dt>{}</dt><dd><ul>",
        esc(l.coordinates),
        esc(&lc.study.plane_description()),
        esc(l.coordinates_note),
        esc(l.data_sources)
    );
    for (role, info) in &report.run.inputs {
        let _ = write!(
            out,
            "<li data-source=\"{}\" data-features=\"{}\">{}: <code>{}</code> — {} {}</li>",
            esc(role),
            info.features,
            esc(role),
            esc(&info.path),
            thousands(info.features as f64),
            l.features,
        );
    }
    let _ = write!(
        out,
        "</ul></dd><dt>{}</dt><dd>circleplan <span id=\"version\">{}</span></dd>",
        esc(l.version),
        env!("CARGO_PKG_VERSION")
    );
    if !command_line.is_empty() {
        let _ = write!(
            out,
            "<dt>{}</dt><dd><code id=\"command-line\">{}</code></dd>",
            esc(l.command_line),
            esc(&super::html::shell_line(command_line))
        );
    }
    if !report.run.warnings.is_empty() {
        let _ = write!(
            out,
            "<dt>{}</dt><dd><ul class=\"warnings\">",
            esc(l.warnings)
        );
        for w in &report.run.warnings {
            let _ = write!(out, "<li>{}</li>", esc(&w.to_string()));
        }
        out.push_str("</ul></dd>");
    }
    out.push_str("</dl></footer>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completeness_classes_are_ranges() {
        assert_eq!(completeness_class(0.0), 0);
        assert_eq!(completeness_class(0.24), 0);
        assert_eq!(completeness_class(0.25), 1);
        assert_eq!(completeness_class(3.0 / 4.0), 3);
        assert_eq!(completeness_class(15.0 / 16.0), 3);
        assert_eq!(completeness_class(1.0), 4);
        assert_eq!(esc("<a&\">"), "&lt;a&amp;&quot;&gt;");
    }
}
