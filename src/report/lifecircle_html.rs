//! The life-circle HTML report: one self-contained page with a map of compounds coloured by
//! completeness, a bar per facility type (share of residents within its distance), the
//! per-group table and the top of the problem ledger. Inline SVG and CSS, no scripts.

use super::Lang;
use super::ledger::{ledger as ledger_of, method_label, type_name};
use super::lifecircle::LifeCircleReport;
use super::table::thousands;
use crate::lifecircle::LifeCircle;

/// Above this many compounds the map shows grid cells instead of one dot per compound.
const MAX_DOTS: usize = 5000;
/// Map size, pixels.
const MAP_W: f64 = 720.0;
const MAP_H: f64 = 540.0;
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

/// Completeness colours from none (0) to every type within reach (1), evenly spaced: a
/// share takes the nearest (shared with the QGIS styles).
pub(crate) const COMPLETENESS: [&str; 5] = ["#d7301f", "#fc8d59", "#fee08b", "#91cf60", "#1a9850"];

/// Completeness 0–1 as a colour from red through amber to green.
fn colour(share: f64) -> &'static str {
    COMPLETENESS[((share.clamp(0.0, 1.0) * 4.0).round()) as usize]
}

fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

/// The page's CSS: readable on a phone (the map and charts shrink to the screen, tables
/// scroll inside their box) and on paper (A4/A3 landscape, every symbol printed).
const STYLE: &str = "</title><style>body{font-family:sans-serif;margin:2em;max-width:1100px}\
    table{border-collapse:collapse;margin:0}td,th{border:1px solid #ccc;\
    padding:2px 8px;text-align:right;white-space:nowrap}td:first-child,th:first-child{text-align:left}\
    .scroll{overflow-x:auto;max-width:100%;margin:1em 0}\
    svg{border:1px solid #ddd;max-width:100%;height:auto}\
    dl.method{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px}\
    dl.method dt{font-weight:600}dl.method dd{margin:0}\
    @media (max-width:600px){body{margin:0.6em}h1{font-size:1.3em}\
    dl.method{grid-template-columns:1fr}}\
    @page{size:A4 landscape;margin:12mm}\
    @media print{body{margin:0;max-width:none}svg,table,h2,.mapblock{break-inside:avoid}\
    h2{break-after:avoid}.mapblock svg{max-height:125mm;width:auto}\
    *{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\
    </style></head><body>\n";

/// ` (text)` in English, `（text）` in Chinese.
fn bracket(text: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("（{text}）"),
        Lang::En => format!(" ({text})"),
    }
}

/// The life-circle report as one HTML page.
pub fn lifecircle_html(report: &LifeCircleReport, lang: Lang) -> String {
    let lc = report.result;
    let mut out = String::with_capacity(1 << 16);
    out.push_str("<!DOCTYPE html>\n<html lang=\"");
    out.push_str(t(lang, "en", "zh-CN"));
    out.push_str(
        "\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>",
    );
    out.push_str(&esc(&format!(
        "{} — {}",
        t(lang, "Life circle", "生活圈"),
        lc.profile.name
    )));
    out.push_str(STYLE);
    out.push_str(&format!(
        "<h1>{} — {}{}</h1>\n<p>{} {}, {} {}, {} {}; {}: <b>{}</b> ({} {}).</p>\n",
        t(lang, "Life circle", "生活圈"),
        esc(&lc.profile.name),
        bracket(method_label(lc.metric, lang), lang),
        thousands(report.compounds.len() as f64),
        t(lang, "compounds", "个小区"),
        t(lang, "residents", "人口"),
        thousands(report.compounds.total_population()),
        thousands(report.facilities.len() as f64),
        t(lang, "facilities", "处设施"),
        t(
            lang,
            "every type within its distance",
            "全部设施齐全人口占比"
        ),
        pct(lc.complete_share.population_share),
        lc.complete_share.compounds,
        t(lang, "compounds", "个小区"),
    ));
    map(&mut out, report, lang);
    bars(&mut out, lc, lang);
    groups(&mut out, report, lang);
    ledger(&mut out, report, lang);
    method_block(&mut out, report, lang);
    out.push_str("</body></html>\n");
    out
}

/// Compounds (or grid cells) coloured by population-weighted completeness.
fn map(out: &mut String, report: &LifeCircleReport, lang: Lang) {
    let lc = report.result;
    let c = report.compounds;
    let xy = lc.study.project(&c.lonlat);
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for p in &xy {
        (x0, y0, x1, y1) = (x0.min(p[0]), y0.min(p[1]), x1.max(p[0]), y1.max(p[1]));
    }
    let scale = ((MAP_W - 20.0) / (x1 - x0).max(1.0)).min((MAP_H - 20.0) / (y1 - y0).max(1.0));
    let px = |p: [f64; 2]| {
        (
            10.0 + (p[0] - x0) * scale,
            MAP_H - 10.0 - (p[1] - y0) * scale,
        )
    };
    out.push_str(&format!(
        "<section class=\"mapblock\"><h2>{}</h2>\n<svg width=\"{MAP_W}\" height=\"{MAP_H}\" \
         viewBox=\"0 0 {MAP_W} {MAP_H}\">",
        t(lang, "Completeness per compound", "小区设施完整度")
    ));
    if c.len() <= MAX_DOTS {
        for (i, p) in xy.iter().enumerate() {
            let (x, y) = px(*p);
            out.push_str(&format!(
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\" fill=\"{}\"><title>{} {}</title></circle>",
                colour(lc.completeness[i]),
                esc(&c.ids[i]),
                pct(lc.completeness[i])
            ));
        }
    } else {
        grid_cells(out, lc, &xy, &c.population, &px);
    }
    out.push_str("</svg>\n<p>");
    for (k, share) in [0.0, 0.25, 0.5, 0.75, 1.0].iter().enumerate() {
        if k > 0 {
            out.push(' ');
        }
        out.push_str(&format!(
            "<span style=\"color:{}\">&#9679;</span> {}",
            colour(*share),
            pct(*share)
        ));
    }
    out.push_str("</p></section>\n");
}

/// A 90 × 90 grid over the map, each occupied cell coloured by the population-weighted mean
/// completeness of its compounds (summed in compound order).
fn grid_cells(
    out: &mut String,
    lc: &LifeCircle,
    xy: &[[f64; 2]],
    population: &[f64],
    px: &dyn Fn([f64; 2]) -> (f64, f64),
) {
    const N: usize = 90;
    let (cw, ch) = ((MAP_W - 20.0) / N as f64, (MAP_H - 20.0) / N as f64);
    let mut cells = vec![(0.0f64, 0.0f64, 0usize); N * N];
    for (i, p) in xy.iter().enumerate() {
        let (x, y) = px(*p);
        let col = (((x - 10.0) / cw) as usize).min(N - 1);
        let row = (((y - 10.0) / ch) as usize).min(N - 1);
        let cell = &mut cells[row * N + col];
        let w = population[i].max(1e-9);
        cell.0 += w * lc.completeness[i];
        cell.1 += w;
        cell.2 += 1;
    }
    for (k, (sum, weight, n)) in cells.iter().enumerate() {
        if *n == 0 {
            continue;
        }
        let (row, col) = (k / N, k % N);
        out.push_str(&format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{cw:.1}\" height=\"{ch:.1}\" fill=\"{}\"/>",
            10.0 + col as f64 * cw,
            10.0 + row as f64 * ch,
            colour(sum / weight)
        ));
    }
}

/// One bar per type: share of residents within its distance.
fn bars(out: &mut String, lc: &LifeCircle, lang: Lang) {
    let method = method_label(lc.metric, lang);
    let row_h = 22.0;
    let height = row_h * lc.type_rows.len() as f64 + 10.0;
    out.push_str(&format!(
        "<h2>{}{}</h2>\n<svg width=\"{MAP_W}\" height=\"{height}\" \
         viewBox=\"0 0 {MAP_W} {height}\">",
        t(
            lang,
            "Residents within reach, per type",
            "各类设施人口覆盖率"
        ),
        bracket(method, lang)
    ));
    for (k, (r, ty)) in lc.type_rows.iter().zip(&lc.profile.types).enumerate() {
        let y = 5.0 + k as f64 * row_h;
        let w = 360.0 * r.population_share;
        out.push_str(&format!(
            "<text x=\"250\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"12\">{} ({} m)</text>\
             <rect x=\"260\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\">{}</text>",
            y + 14.0,
            esc(type_name(ty, lang)),
            r.max_distance_m,
            row_h - 6.0,
            colour(r.population_share),
            265.0 + w,
            y + 14.0,
            pct(r.population_share)
        ));
    }
    out.push_str("</svg>\n");
}

/// Per value of each group field: compounds, residents, complete share, shares per level.
fn groups(out: &mut String, report: &LifeCircleReport, lang: Lang) {
    let lc = report.result;
    for (field, rows) in report.compounds.group_fields.iter().zip(&lc.groups) {
        out.push_str(&format!(
            "<h2>{} {}</h2>\n<div class=\"scroll\"><table><tr><th>{}</th><th>{}</th><th>{}</th>\
             <th>{}</th>",
            t(lang, "By", "按"),
            esc(field),
            esc(field),
            t(lang, "compounds", "小区数"),
            t(lang, "residents", "人口"),
            t(lang, "complete", "设施齐全")
        ));
        for l in &lc.levels {
            out.push_str(&format!("<th>{l} {}</th>", t(lang, "min", "分钟")));
        }
        out.push_str("</tr>\n");
        for r in rows {
            out.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
                esc(&r.value),
                thousands(r.compounds as f64),
                thousands(r.population),
                pct(r.complete.population_share)
            ));
            for l in &r.levels {
                out.push_str(&format!("<td>{}</td>", pct(l.population_share)));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table></div>\n");
    }
}

/// The ledger's worst rows: none reachable, then missing, then near misses, most residents
/// first within each.
fn ledger(out: &mut String, report: &LifeCircleReport, lang: Lang) {
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
    out.push_str(&format!(
        "<h2>{}</h2>\n<p>{} {} {}; {} {}.</p>\n<div class=\"scroll\"><table><tr><th>{}</th>\
         <th>{}</th>",
        t(lang, "Problem ledger", "问题台账"),
        t(lang, "The ledger has", "台账共"),
        thousands(total as f64),
        t(lang, "rows (ledger.csv)", "行（见 ledger.csv）"),
        t(
            lang,
            "shown: the worst rows with the most residents, up to",
            "此处按严重程度和人口列出前"
        ),
        LEDGER_TOP.min(total),
        t(lang, "compound", "小区编号"),
        t(lang, "name", "小区名称"),
    ));
    for g in &c.group_fields {
        out.push_str(&format!("<th>{}</th>", esc(g)));
    }
    out.push_str(&format!(
        "<th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>\n",
        t(lang, "missing facility", "缺失设施"),
        t(lang, "nearest m", "最近距离(米)"),
        t(lang, "standard m", "标准(米)"),
        t(lang, "severity", "严重程度"),
        t(lang, "residents", "人口")
    ));
    for r in rows.iter().take(LEDGER_TOP) {
        let (i, ty) = (r.compound, &lc.profile.types[r.type_index]);
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td>",
            esc(&c.ids[i]),
            esc(c.name(i))
        ));
        for values in &c.groups {
            out.push_str(&format!("<td>{}</td>", esc(&values[i])));
        }
        let d = if r.distance_m.is_finite() {
            thousands(r.distance_m)
        } else {
            "—".into()
        };
        out.push_str(&format!(
            "<td>{}</td><td>{d}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            esc(type_name(ty, lang)),
            thousands(ty.max_distance_m),
            r.severity.label(lang),
            thousands(c.population[i])
        ));
    }
    out.push_str("</table></div>\n");
}

/// How the page was made: the method, the profile, the inputs, the distances the standard's
/// text did not confirm, the version.
fn method_block(out: &mut String, report: &LifeCircleReport, lang: Lang) {
    let lc = report.result;
    out.push_str(&format!(
        "<h2>{}</h2>\n<dl class=\"method\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>",
        t(lang, "Method and data", "方法与数据"),
        t(lang, "Distance", "距离计算"),
        method_label(lc.metric, lang),
        t(lang, "Profile", "标准"),
        esc(&lc.profile.name),
        t(lang, "Inputs", "输入数据"),
    ));
    for (k, (role, info)) in report.run.inputs.iter().enumerate() {
        if k > 0 {
            out.push_str("<br>");
        }
        out.push_str(&format!(
            "{}: {} ({} {})",
            esc(role),
            esc(&info.path),
            thousands(info.features as f64),
            t(lang, "features", "个要素")
        ));
    }
    out.push_str("</dd>");
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
        out.push_str(&format!(
            "<dt>{}</dt><dd class=\"unconfirmed\">{}</dd>",
            t(
                lang,
                "Not confirmed in the standard's text (check before relying on them)",
                "未能在标准原文中核实的服务半径（使用前请核对）"
            ),
            unconfirmed.join(t(lang, "; ", "；"))
        ));
    }
    out.push_str(&format!(
        "<dt>{}</dt><dd>circleplan {}</dd></dl>\n",
        t(lang, "Made with", "生成工具"),
        env!("CARGO_PKG_VERSION")
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_run_from_red_to_green() {
        assert_eq!(colour(0.0), "#d7301f");
        assert_eq!(colour(1.0), "#1a9850");
        assert_eq!(colour(0.5), "#fee08b");
        assert_eq!(esc("<a&\">"), "&lt;a&amp;&quot;&gt;");
    }
}
