//! The life-circle HTML report: one self-contained page with a map of compounds coloured by
//! completeness, a bar per facility type (share of residents within its distance), the
//! per-group table and the top of the problem ledger. Inline SVG and CSS, no scripts.

use super::Lang;
use super::lifecircle::{LifeCircleReport, ledger_rows};
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

/// Completeness 0–1 as a colour from red through amber to green.
fn colour(share: f64) -> &'static str {
    const RAMP: [&str; 5] = ["#d7301f", "#fc8d59", "#fee08b", "#91cf60", "#1a9850"];
    RAMP[((share.clamp(0.0, 1.0) * 4.0).round()) as usize]
}

fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

/// The life-circle report as one HTML page.
pub fn lifecircle_html(report: &LifeCircleReport, lang: Lang) -> String {
    let lc = report.result;
    let mut out = String::with_capacity(1 << 16);
    out.push_str("<!DOCTYPE html>\n<html lang=\"");
    out.push_str(t(lang, "en", "zh-CN"));
    out.push_str("\"><head><meta charset=\"utf-8\"><title>");
    out.push_str(&esc(&format!(
        "{} — {}",
        t(lang, "Life circle", "生活圈"),
        lc.profile.name
    )));
    out.push_str(
        "</title><style>body{font-family:sans-serif;margin:2em;max-width:1100px}\
         table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;\
         padding:2px 8px;text-align:right}td:first-child,th:first-child{text-align:left}\
         svg{border:1px solid #ddd}</style></head><body>\n",
    );
    out.push_str(&format!(
        "<h1>{} — {}</h1>\n<p>{} {}, {} {:.0}, {} {}; {}: <b>{}</b> ({} {}).</p>\n",
        t(lang, "Life circle", "生活圈"),
        esc(&lc.profile.name),
        report.compounds.len(),
        t(lang, "compounds", "个小区"),
        t(lang, "residents", "人口"),
        report.compounds.total_population(),
        report.facilities.len(),
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
        "<h2>{}</h2>\n<svg width=\"{MAP_W}\" height=\"{MAP_H}\" viewBox=\"0 0 {MAP_W} {MAP_H}\">",
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
    out.push_str("</p>\n");
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
    let row_h = 22.0;
    let height = row_h * lc.type_rows.len() as f64 + 10.0;
    out.push_str(&format!(
        "<h2>{}</h2>\n<svg width=\"{MAP_W}\" height=\"{height}\">",
        t(
            lang,
            "Residents within reach, per type",
            "各类设施人口覆盖率"
        )
    ));
    for (k, r) in lc.type_rows.iter().enumerate() {
        let y = 5.0 + k as f64 * row_h;
        let w = 360.0 * r.population_share;
        out.push_str(&format!(
            "<text x=\"250\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"12\">{} ({} m)</text>\
             <rect x=\"260\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\">{}</text>",
            y + 14.0,
            esc(&r.type_id),
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
            "<h2>{} {}</h2>\n<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>",
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
                "<tr><td>{}</td><td>{}</td><td>{:.0}</td><td>{}</td>",
                esc(&r.value),
                r.compounds,
                r.population,
                pct(r.complete.population_share)
            ));
            for l in &r.levels {
                out.push_str(&format!("<td>{}</td>", pct(l.population_share)));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n");
    }
}

/// The ledger rows with the most residents (ties: compound, then type order).
fn ledger(out: &mut String, report: &LifeCircleReport, lang: Lang) {
    let (lc, c) = (report.result, report.compounds);
    let mut rows = ledger_rows(lc);
    let total = rows.len();
    rows.sort_by(|a, b| {
        c.population[b.0]
            .total_cmp(&c.population[a.0])
            .then(a.cmp(b))
    });
    out.push_str(&format!(
        "<h2>{}</h2>\n<p>{} {total} {}; {} {}.</p>\n<table><tr><th>{}</th>",
        t(lang, "Problem ledger", "问题台账"),
        t(lang, "The ledger has", "台账共"),
        t(lang, "rows (ledger.csv)", "行（见 ledger.csv）"),
        t(
            lang,
            "shown: the rows with the most residents, up to",
            "此处列出人口最多的前"
        ),
        LEDGER_TOP.min(total),
        t(lang, "compound", "小区"),
    ));
    for g in &c.group_fields {
        out.push_str(&format!("<th>{}</th>", esc(g)));
    }
    out.push_str(&format!(
        "<th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>\n",
        t(lang, "missing type", "缺失设施"),
        t(lang, "nearest m", "最近距离（米）"),
        t(lang, "max m", "服务半径（米）"),
        t(lang, "residents", "人口")
    ));
    for &(i, ty) in rows.iter().take(LEDGER_TOP) {
        out.push_str(&format!("<tr><td>{}</td>", esc(&c.ids[i])));
        for values in &c.groups {
            out.push_str(&format!("<td>{}</td>", esc(&values[i])));
        }
        let d = lc.types[ty].nearest_m[i];
        let d = if d.is_finite() {
            format!("{d:.0}")
        } else {
            "—".into()
        };
        out.push_str(&format!(
            "<td>{}</td><td>{d}</td><td>{}</td><td>{:.0}</td></tr>\n",
            esc(&lc.profile.types[ty].type_id),
            lc.profile.types[ty].max_distance_m,
            c.population[i]
        ));
    }
    out.push_str("</table>\n");
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
