//! The life-circle HTML report, built from the main report's pieces (`report/html`): the same
//! header and cards, the zoomable map (frame, scale bar, north arrow, zoom script) with the
//! compounds coloured by completeness in ranged classes and the facilities by type (each
//! type switchable from the legend), a bar per type, per-group tables with a bar per group,
//! the ledger's worst rows and the method/inputs/version/command block. One self-contained
//! page: inline CSS, SVG and script, no network.

use std::fmt::Write;

use super::Lang;
use super::html::{
    CSS, Frame, GroupedBars, JS, Labels, card, dot_px, figure, grouped_bars, keyed, map_bar, num,
    share_cell, square, streets, svg_start, swatch, table, text_cell, view_end, view_start,
};
use super::ledger::{
    LEDGER_OFFICE_COLUMNS, LedgerCell, ledger as ledger_of, ledger_cells, ledger_column,
    ledger_header, method_label, readable_name,
};
use super::lifecircle::LifeCircleReport;
use super::table::thousands;
use crate::coverage::Metric;
use crate::lifecircle::LifeCircle;
use crate::network::StreetNetwork;

/// Above this many compounds the map shows grid cells instead of one dot per compound.
const MAX_DOTS: usize = super::html::DENSITY_THRESHOLD;
/// Grid cells across the map when compounds are aggregated.
const CELLS_ACROSS: f64 = 160.0;
/// Group values on a per-group chart (the most populous, when there are more).
const GROUP_CHART_ROWS: usize = 30;
/// Ledger rows shown.
const LEDGER_TOP: usize = 50;
/// Above this many facilities their layers start switched off: at the first zoom their marks
/// would hide the compounds' completeness colours (each type stays switchable).
pub const FACILITIES_SHOWN_UP_TO: usize = 500;

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
/// legend's switches (in print, only the types switched on are named, as only they are
/// drawn), tables beside the map, each group's chart beside its table.
fn style() -> String {
    let mut s = String::from(
        ".map .fm{fill:none;stroke-linecap:square;stroke-width:4px;vector-effect:non-scaling-stroke}\
         .map .fh{fill:none;stroke:#fff;stroke-linecap:square;stroke-width:6px;vector-effect:non-scaling-stroke}\
         .map .gc{stroke:none}\
         ul.legend label{display:flex;align-items:center;gap:4px;cursor:pointer}\
         .top>.side{display:flex;flex-direction:column;gap:12px}.top .table-card{margin:0}\
         .unconfirmed{color:#d9480f}\
         .group-pair{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,3fr);gap:12px;\
         margin:12px 20px 0;align-items:start}.group-pair .table-card{margin:0}\
         @media (max-width:900px){.group-pair{grid-template-columns:minmax(0,1fr)}}\
         @media (max-width:600px){.group-pair{margin:10px 10px 0}}\
         @media print{svg.map{height:calc(100vh - 84mm)}ul.legend input{display:none}.group-pair{margin:8px 0 0}\
         ul.legend li:has(input[data-fac]:not(:checked)),ul.legend li:has(input[data-fac-all]){display:none}\
         ul.legend{font-size:10px;gap:0 8px;margin-top:2px}}",
    );
    for (k, c) in COMPLETENESS.iter().enumerate() {
        let _ = write!(s, ".map .cp.k{k}{{stroke:{c}}}.map .gc.k{k}{{fill:{c}}}");
    }
    s
}

/// The facility switches: a checkbox per type shows or hides its group (synced on load, as a
/// browser may restore a box's state on reload). The "all" box sets every type's box.
const SWITCH_JS: &str = "(function(){var boxes=document.querySelectorAll('input[data-fac]');\
function show(b){var g=document.querySelector('#map g[data-layer=\"facilities\"][data-k=\"'+b.getAttribute('data-fac')+'\"]');\
if(g){g.style.display=b.checked?'':'none';}}\
boxes.forEach(function(b){show(b);b.addEventListener('change',function(){show(b);});});\
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
    // Green reads as good: a district where few have every type gets the warning colour.
    let class = super::html::headline_class(all.population_share);
    card(
        out,
        class,
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
        // Each level counts its own types only (the levels do not nest), so say how many.
        let types = (lc.profile.types.iter())
            .filter(|ty| ty.level_min == r.minutes)
            .count();
        card(
            out,
            class,
            &title,
            &pct(r.population_share),
            &format!(
                "{} {} · {}",
                thousands(r.compounds_complete as f64),
                t(lang, "compounds", "个小区"),
                match lang {
                    Lang::Zh => format!("本层级 {types} 类设施"),
                    Lang::En => format!("its {types} types"),
                }
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
    let class = if row.population_share < 0.5 {
        "warn"
    } else {
        ""
    };
    card(
        out,
        class,
        &format!(
            "{}: {}",
            t(lang, "Least reached type", "覆盖最低的设施"),
            readable_name(ty, lang)
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
    areas_note(out, lc.metric, lang);
    out.push_str("</section>");
}

/// What the map draws for reach, under the map: a walking or cost-table run has no
/// straight-line circles, and the life-circle run computes no walking service areas (it
/// measures each compound's nearest facility of each type), so the page says so rather than
/// draw a circle the walk does not follow.
fn areas_note(out: &mut String, metric: Metric, lang: Lang) {
    let (kind, text) = match metric {
        Metric::Euclidean => return,
        Metric::Network => (
            "no-service-areas",
            t(
                lang,
                "Walking distance: each compound's colour comes from the walk along the streets to \
                 the nearest facility of each type. The life-circle run computes no walking service \
                 areas, so none are drawn (and no straight-line circles).",
                "步行距离：小区颜色按沿道路步行到各类最近设施的距离计算。生活圈计算不生成设施的\
                 步行服务范围，故图中不画服务范围（也不画直线圆）。",
            ),
        ),
        Metric::Matrix => (
            "cost-table",
            t(
                lang,
                "Cost table: distances come from the cost table, which has no geometry, so no \
                 service areas can be drawn.",
                "成本表：距离取自成本表，没有道路几何，无法绘制服务范围。",
            ),
        ),
    };
    let _ = write!(out, "<p class=\"note\" data-note=\"{kind}\">{text}</p>");
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
    let hidden = if facilities_start_hidden(fac.len()) {
        " style=\"display:none\""
    } else {
        ""
    };
    for (k, ty) in lc.profile.types.iter().enumerate() {
        let members: Vec<usize> = (0..fac.len())
            .filter(|&i| fac.type_of[i] as usize == k)
            .collect();
        if members.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "<g class=\"lay-fac\" data-layer=\"facilities\" data-type=\"{}\" data-k=\"{k}\"{hidden}>\
             <path class=\"fh\" d=\"",
            esc(&ty.type_id)
        );
        for &i in &members {
            out.push('M');
            f.push_xy(out, fxy[i]);
            out.push_str("h.01");
        }
        out.push_str("\"/>");
        let name = esc(&readable_name(ty, lang));
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

/// Whether the facility layers start switched off (more than [`FACILITIES_SHOWN_UP_TO`]).
fn facilities_start_hidden(n: usize) -> bool {
    n > FACILITIES_SHOWN_UP_TO
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
    let hidden = facilities_start_hidden(fac.len());
    let checked = if hidden { "" } else { " checked" };
    let _ = write!(
        out,
        "<ul class=\"legend\"><li class=\"lh\">{}{}:</li>",
        t(lang, "Facilities (tick to show)", "设施（勾选显示）"),
        if hidden {
            let n = thousands(fac.len() as f64);
            match lang {
                Lang::Zh => format!("；共 {n} 处，默认隐藏"),
                Lang::En => format!("; {n} of them, hidden at first"),
            }
        } else {
            String::new()
        }
    );
    let _ = write!(
        out,
        "<li><label><input type=\"checkbox\"{checked} data-fac-all>{}</label></li>",
        t(lang, "all", "全部")
    );
    for (k, ty) in lc.profile.types.iter().enumerate() {
        let n = fac.type_of.iter().filter(|&&x| x as usize == k).count();
        if n == 0 {
            continue;
        }
        let _ = write!(
            out,
            "<li><label><input type=\"checkbox\"{checked} data-fac=\"{k}\">{}{} ({n})</label></li>",
            swatch(&square(9.0, facility_colour(k))),
            esc(&readable_name(ty, lang))
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
        (t(lang, "min", "层级(分钟)"), true),
        (t(lang, "max m", "服务半径(米)"), true),
        (t(lang, "facilities", "设施数"), true),
        (t(lang, "within reach", "覆盖人口占比"), true),
    ];
    let rows: Vec<Vec<(Option<f64>, String)>> = lc
        .type_rows
        .iter()
        .zip(&lc.profile.types)
        .map(|(r, ty)| {
            vec![
                text_cell(&readable_name(ty, lang)),
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
        out.push_str("<div class=\"group-pair\">");
        let by_method = (lang, method_label(lc.metric, lang));
        group_chart(out, g, field, rows, by_method, l);
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
        out.push_str("</div>");
    }
}

/// The share of residents with every type per value of group field `g`, one horizontal bar
/// each, least complete at the top (the [`GROUP_CHART_ROWS`] most populous values when there
/// are more), titled with the method.
fn group_chart(
    out: &mut String,
    g: usize,
    field: &str,
    rows: &[crate::lifecircle::GroupRow],
    (lang, method): (Lang, &str),
    l: &Labels,
) {
    if rows.is_empty() {
        return;
    }
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&a, &b| {
        rows[b]
            .population
            .total_cmp(&rows[a].population)
            .then(a.cmp(&b))
    });
    order.truncate(GROUP_CHART_ROWS);
    order.sort_by(|&a, &b| {
        let (x, y) = (&rows[a].complete, &rows[b].complete);
        x.population_share
            .total_cmp(&y.population_share)
            .then(a.cmp(&b))
    });
    let values: Vec<&str> = order
        .iter()
        .map(|&v| match rows[v].value.as_str() {
            "" => l.none_value,
            s => s,
        })
        .collect();
    let series = [order
        .iter()
        .map(|&v| rows[v].complete.population_share)
        .collect::<Vec<f64>>()];
    let title = match lang {
        Lang::Zh => format!("各{field}设施齐全人口占比（{method}）"),
        Lang::En => format!("Residents with every type, by {field} ({method})"),
    };
    let id = format!("chart-groups-{g}");
    let svg = grouped_bars(
        &GroupedBars {
            id: id.clone(),
            title: &title,
            values: &values,
            series: &series,
        },
        l,
    );
    let mut caption = format!(
        "<p class=\"note\">{}</p>",
        t(
            lang,
            "Least complete at the top.",
            "由低到高排列，最低的在上。"
        )
    );
    if rows.len() > GROUP_CHART_ROWS {
        let note = l
            .more_values
            .replace("{n}", &GROUP_CHART_ROWS.to_string())
            .replace("{m}", &rows.len().to_string());
        let _ = write!(caption, "<p class=\"note\">{}</p>", esc(&note));
    }
    figure(out, &format!("fig-groups-{g}"), &title, &svg, &caption);
}

/// The ledger's worst rows: none reachable, then missing, then near misses, most residents
/// first within each; in the 问题台账's columns ([`ledger_header`], [`ledger_cells`]) with
/// each row's 序号 in the full ledger, less the columns left blank for the office.
fn ledger(out: &mut String, report: &LifeCircleReport, lang: Lang, l: &Labels) {
    let (lc, c) = (report.result, report.compounds);
    let rows = ledger_of(lc, c);
    let total = rows.len();
    let mut worst: Vec<usize> = (0..total).collect();
    worst.sort_by(|&a, &b| {
        let (x, y) = (&rows[a], &rows[b]);
        x.severity
            .cmp(&y.severity)
            .then(c.population[y.compound].total_cmp(&c.population[x.compound]))
            .then(a.cmp(&b))
    });
    worst.truncate(LEDGER_TOP);
    // Without any compound name the 小区名称 column would only take width: left out here (the
    // ledger files keep it).
    let name_column = (c.names.iter())
        .all(|n| n.is_empty())
        .then(|| ledger_column(c, "compound name"));
    let type_column = ledger_column(c, "missing facility");
    let shown: Vec<Vec<(Option<f64>, String)>> = worst
        .iter()
        .map(|&k| {
            let mut row = Vec::new();
            ledger_cells(lc, c, (&rows[k], k), lang, |cell| {
                if let Some(cell) = excerpt_cell(cell) {
                    row.push(cell);
                }
            });
            // The page names the type in words, as its tables above do (the ledger files keep
            // the English type id, the value of the `missing` column).
            if let Some(cell) = row.get_mut(type_column) {
                cell.1 = readable_name(&lc.profile.types[rows[k].type_index], lang).into_owned();
            }
            if let Some(j) = name_column.filter(|&j| j < row.len()) {
                row.remove(j);
            }
            row
        })
        .collect();
    let mut header = ledger_header(c, lang);
    header.truncate(header.len() - LEDGER_OFFICE_COLUMNS);
    if let Some(j) = name_column.filter(|&j| j < header.len()) {
        header.remove(j);
    }
    let columns: Vec<(&str, bool)> = header
        .iter()
        .enumerate()
        .map(|(j, h)| {
            let numeric = shown.first().is_some_and(|r| r[j].0.is_some());
            (h.as_str(), numeric)
        })
        .collect();
    let note = match lang {
        Lang::Zh => format!(
            "；台账共 {} 行（见 ledger.csv 与 lifecircle.xlsx，含整改措施、责任单位、完成时限栏），\
             此处按严重程度和人口列出前 {} 行，序号为其在台账中的行号",
            thousands(total as f64),
            LEDGER_TOP.min(total)
        ),
        Lang::En => format!(
            "; the ledger has {} rows (ledger.csv and lifecircle.xlsx, with the columns for \
             measures, responsible unit and deadline); shown: the worst {} by severity and \
             residents, numbered as in the ledger",
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

/// A ledger cell as a table cell (sort value, HTML); `None` for the office's blank columns.
/// Unreachable distances sort last.
fn excerpt_cell(cell: LedgerCell) -> Option<(Option<f64>, String)> {
    Some(match cell {
        LedgerCell::Number(n) => (Some(n as f64), n.to_string()),
        LedgerCell::Text(text) => text_cell(text),
        LedgerCell::Metres(Some(m)) => num(m.round()),
        LedgerCell::Share(Some(x)) => (Some(x), pct(x)),
        LedgerCell::Metres(None) | LedgerCell::Share(None) => (Some(f64::MAX), "—".into()),
        LedgerCell::Population(p) => num(p),
        LedgerCell::Blank => return None,
    })
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
                esc(&readable_name(ty, lang)),
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
        esc(&super::html::plane_text(&lc.study, l)),
        esc(l.coordinates_note),
        esc(l.data_sources)
    );
    let roles: Vec<&str> = report.run.inputs.iter().map(|(r, _)| r.as_str()).collect();
    for (role, info) in &report.run.inputs {
        let _ = write!(
            out,
            "<li data-source=\"{}\" data-features=\"{}\">{}: <code>{}</code> — {} {}</li>",
            esc(role),
            info.features,
            esc(&super::html::role_label(role, &roles, lang == Lang::Zh)),
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
            let _ = write!(
                out,
                "<li>{}</li>",
                esc(&super::html::warning_text(w, lang == Lang::Zh))
            );
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
