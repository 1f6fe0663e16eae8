//! The terminal summary: overall coverage, one table per group field and one per centre
//! level, aligned for people (CJK characters count as two columns).

use crate::Warning;
use std::fmt::Write;

use crate::circle::Circle;
use crate::coverage::Analysis;
use crate::model::Compounds;

/// Display width of a string: CJK and other wide characters take two columns.
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let c = c as u32;
            let wide = (0x1100..=0x115F).contains(&c)
                || (0x2E80..=0xA4CF).contains(&c)
                || (0xAC00..=0xD7A3).contains(&c)
                || (0xF900..=0xFAFF).contains(&c)
                || (0xFE30..=0xFE4F).contains(&c)
                || (0xFF00..=0xFF60).contains(&c)
                || (0xFFE0..=0xFFE6).contains(&c);
            if wide { 2 } else { 1 }
        })
        .sum()
}

/// A centre level's place in the hierarchy — district, sub-district (street), community,
/// station, building, then anything else: lower ranks are more important (listed first,
/// drawn on top).
pub(crate) fn level_rank(level: &str) -> usize {
    let l = level.to_lowercase();
    let has = |keys: &[&str]| keys.iter().any(|k| l.contains(k));
    if has(&["district", "区级"]) {
        0
    } else if has(&["street", "街道"]) {
        1
    } else if has(&["community", "社区"]) {
        2
    } else if has(&["station", "站"]) {
        3
    } else if has(&["building", "楼宇", "商圈"]) {
        4
    } else {
        5
    }
}

/// Indices of `levels` in hierarchy order ([`level_rank`]), ties in their own order.
pub(crate) fn by_hierarchy<'a>(levels: impl Iterator<Item = &'a str>) -> Vec<usize> {
    let ranks: Vec<usize> = levels.map(level_rank).collect();
    let mut order: Vec<usize> = (0..ranks.len()).collect();
    order.sort_by_key(|&k| (ranks[k], k));
    order
}

/// Renders rows as an aligned table: first column left-aligned, the rest right-aligned.
pub fn render_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let cols = header.len();
    let mut w: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for r in rows {
        for (c, cell) in r.iter().enumerate().take(cols) {
            w[c] = w[c].max(width(cell));
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: &[String]| {
        for (c, cell) in cells.iter().enumerate() {
            let pad = " ".repeat(w[c] - width(cell));
            if c == 0 {
                let _ = write!(out, "  {cell}{pad}");
            } else {
                let _ = write!(out, "  {pad}{cell}");
            }
        }
        out.push('\n');
    };
    line(
        &mut out,
        &header.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
    );
    let rule: Vec<String> = w.iter().map(|n| "─".repeat(*n)).collect();
    line(&mut out, &rule);
    for r in rows {
        line(&mut out, r);
    }
    out
}

/// Thousands separators for people: 1234567 → "1,234,567".
pub(crate) fn thousands(x: f64) -> String {
    thousands_fixed(x, 0)
}

pub(crate) fn percent(share: f64) -> String {
    format!("{} %", fixed(share * 100.0, 1))
}

/// Minutes as people read them: `15`, `7.5`, `7.12` (at most two decimals, no trailing
/// zeros), so a 500 m circle at 4 km/h reads "7.5 min", not "7 min".
pub fn minutes_text(minutes: f64) -> String {
    let s = fixed(minutes, 2);
    match s.find('.') {
        Some(_) if !s.contains('e') => s.trim_end_matches('0').trim_end_matches('.').to_string(),
        _ => s,
    }
}

/// `x` with `digits` decimals, never negative zero: a value that rounds to zero prints as
/// `0.0`, not `-0.0` (an empty float sum is `-0.0` in Rust). From 10^15 on (absurd inputs),
/// scientific form: a terminal line never holds a 300-digit number.
pub fn fixed(x: f64, digits: usize) -> String {
    fixed_with(x, digits, str::to_string)
}

/// [`fixed`] with the whole part in groups of three (`12,246.1`).
pub fn thousands_fixed(x: f64, digits: usize) -> String {
    fixed_with(x, digits, group_digits)
}

/// Groups an unsigned run of digits in threes with commas.
fn group_digits(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// `x` with `digits` decimals, its whole part written by `whole`; no "-0". Beyond 10^15
/// (absurd inputs), scientific form.
fn fixed_with(x: f64, digits: usize, whole: impl Fn(&str) -> String) -> String {
    if !x.is_finite() || x.abs() >= 1e15 {
        return format!("{x:.3e}");
    }
    let s = format!("{x:.digits$}");
    let (sign, magnitude) = match s.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => ("", rest),
        Some(rest) => ("-", rest),
        None => ("", s.as_str()),
    };
    match magnitude.split_once('.') {
        Some((int, frac)) => format!("{sign}{}.{frac}", whole(int)),
        None => format!("{sign}{}", whole(magnitude)),
    }
}

/// The readable summary printed after `coverage`.
pub fn summary_table(
    analysis: &Analysis,
    compounds: &Compounds,
    circle: &Circle,
    warnings: &[Warning],
) -> String {
    let t = &analysis.totals;
    let mut out = String::new();
    let standard = circle
        .standard
        .as_deref()
        .map(|s| format!(", {s}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "Service circle: {} min ≈ {} m at {} km/h ({} distance{standard})",
        minutes_text(circle.minutes),
        thousands(circle.radius_m),
        minutes_text(circle.speed_kmh),
        analysis.metric
    );
    for (l, r) in &circle.level_radius_m {
        let _ = writeln!(out, "  level {l}: {} m", thousands(*r));
    }
    let _ = writeln!(
        out,
        "Population covered: {} of {} ({})",
        thousands(t.population_covered),
        thousands(t.population_total),
        percent(t.population_share())
    );
    let _ = writeln!(
        out,
        "Compounds covered:  {} of {} ({}){}",
        thousands(t.compounds_covered as f64),
        thousands(t.compounds_total as f64),
        percent(t.compound_share()),
        if t.compounds_unreachable > 0 {
            format!(
                ", {} unreachable",
                thousands(t.compounds_unreachable as f64)
            )
        } else {
            String::new()
        }
    );
    walking_lines(&mut out, analysis);
    let curve: Vec<String> = analysis
        .curve
        .iter()
        .map(|(m, _, s)| format!("{} min {}", minutes_text(*m), percent(*s)))
        .collect();
    let _ = writeln!(out, "Coverage by walking time: {}", curve.join(" · "));
    group_tables(&mut out, analysis, compounds);
    level_table(&mut out, analysis);
    for w in warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    out
}

/// Distance, walking-network and detour lines.
fn walking_lines(out: &mut String, analysis: &Analysis) {
    if let Some(d) = &analysis.distance {
        let _ = writeln!(
            out,
            "Distance to nearest centre: median {} m, 90th percentile {} m, max {} m",
            thousands(d.median_m),
            thousands(d.p90_m),
            thousands(d.max_m)
        );
    }
    if let Some(n) = &analysis.network {
        let _ = writeln!(
            out,
            "Walking network: {} nodes, {} edges, {} km of streets in {} pieces; {} compounds beyond the {} m snap limit, {} on streets no centre reaches, {} centres off the network",
            thousands(n.nodes as f64),
            thousands(n.edges as f64),
            thousands_fixed(n.length_km, 1),
            thousands(n.components as f64),
            thousands(n.compounds_beyond_snap_limit as f64),
            fixed(n.snap_limit_m, 0),
            thousands(n.compounds_on_isolated_streets as f64),
            thousands(n.centers_beyond_snap_limit as f64)
        );
    }
    if let Some(d) = &analysis.detour
        && let (Some(m), Some(p)) = (d.median_ratio, d.p90_ratio)
    {
        let _ = writeln!(
            out,
            "Walk vs straight line: median ratio {m:.2}, 90th percentile {p:.2}; {} compounds are inside a straight-line circle but not within the walk",
            thousands(d.covered_straight_not_walk as f64)
        );
    }
}

/// One table per `--group-by` field.
fn group_tables(out: &mut String, analysis: &Analysis, compounds: &Compounds) {
    for (name, rows) in compounds.group_fields.iter().zip(&analysis.groups) {
        let _ = writeln!(out, "\nBy {name}:");
        let body: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    if r.value.is_empty() {
                        "(none)".into()
                    } else {
                        r.value.clone()
                    },
                    format!(
                        "{}/{}",
                        thousands(r.covered_compounds as f64),
                        thousands(r.compounds as f64)
                    ),
                    thousands(r.covered_population),
                    thousands(r.population),
                    percent(r.share),
                ]
            })
            .collect();
        out.push_str(&render_table(
            &[name, "compounds", "covered pop", "population", "share"],
            &body,
        ));
    }
}

/// The per-level table.
fn level_table(out: &mut String, analysis: &Analysis) {
    if !analysis.levels.is_empty() {
        let _ = writeln!(out, "\nBy centre level:");
        let order = by_hierarchy(analysis.levels.iter().map(|r| r.level.as_str()));
        let body: Vec<Vec<String>> = order
            .into_iter()
            .map(|k| &analysis.levels[k])
            .map(|r| {
                vec![
                    if r.level.is_empty() {
                        "(none)".into()
                    } else {
                        r.level.clone()
                    },
                    thousands(r.centers as f64),
                    thousands(r.radius_m),
                    thousands(r.covered_compounds as f64),
                    thousands(r.covered_population),
                    percent(r.share),
                ]
            })
            .collect();
        out.push_str(&render_table(
            &[
                "level",
                "centres",
                "radius m",
                "compounds",
                "covered pop",
                "share",
            ],
            &body,
        ));
        let sum: f64 = analysis.levels.iter().map(|r| r.share).sum();
        if sum > 1.0 + 1e-9 {
            let _ = writeln!(
                out,
                "  (the shares add up to more than 100 %: a compound within reach of centres of \
                 several levels counts once for each level)"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_values_print_in_scientific_form() {
        assert_eq!(fixed(1e300, 0), "1.000e300");
        assert_eq!(fixed(-2.5e16, 1), "-2.500e16");
        assert_eq!(fixed(f64::INFINITY, 0), "inf");
        assert_eq!(fixed(123.456, 1), "123.5");
        assert_eq!(minutes_text(1e300), "1.000e300");
    }

    #[test]
    fn thousands_and_widths() {
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(-1234.0), "-1,234");
        assert_eq!(thousands(-0.2), "0");
        assert_eq!(thousands_fixed(12246.14, 1), "12,246.1");
        assert_eq!(thousands_fixed(-1000.0, 2), "-1,000.00");
        assert_eq!(thousands_fixed(100.0, 1), "100.0");
        assert_eq!(thousands_fixed(1e300, 1), "1.000e300");
        assert_eq!(width("杏林街道"), 8);
        assert_eq!(width("abc"), 3);
    }

    #[test]
    fn no_negative_zero_and_fractional_minutes() {
        assert_eq!(fixed(-0.0, 1), "0.0");
        assert_eq!(fixed(-0.00001, 2), "0.00");
        assert_eq!(fixed(-0.5, 1), "-0.5");
        assert_eq!(percent(-0.0), "0.0 %");
        assert_eq!(minutes_text(7.5), "7.5");
        assert_eq!(minutes_text(15.0), "15");
        assert_eq!(minutes_text(7.123456), "7.12");
    }

    #[test]
    fn tables_align_chinese_and_ascii() {
        let t = render_table(
            &["street", "share"],
            &[
                vec!["杏林".into(), "50 %".into()],
                vec!["ab".into(), "100 %".into()],
            ],
        );
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(width(lines[2]), width(lines[3]));
    }
}
