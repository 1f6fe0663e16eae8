//! The report's charts, drawn with plotters' SVG backend: coverage share against circle size,
//! the distribution of distance to the nearest centre, the marginal gain of new sites, and
//! (distance objectives) the share of residents by walk before and after the plan.
//!
//! plotters is built without its `ttf` feature (which needs fontconfig/freetype): the SVG
//! backend writes `<text>` elements that the browser sets in its own fonts, and layout only
//! needs plotters' rough width estimate, so label areas are sized explicitly here.

use plotters::chart::{DualCoordChartContext, MeshStyle};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::markup::esc;
use super::text::{Labels, Lang};
use crate::siting::{Goal, SitePlan};

/// Chart size in SVG pixels (scaled to the column by CSS).
const WIDTH_PX: u32 = 560;
const HEIGHT_PX: u32 = 300;
/// plotters divides font sizes by 1.24 when writing SVG; this gives 13 px text.
const FONT: (&str, f64) = ("sans-serif", 16.0);
const SMALL: (&str, f64) = ("sans-serif", 14.5);

const LINE: RGBColor = RGBColor(0x1c, 0x7e, 0xd6);
const GRID: RGBColor = RGBColor(0xe9, 0xec, 0xef);
const AXIS: RGBColor = RGBColor(0x86, 0x8e, 0x96);
const IN: RGBColor = RGBColor(0x2b, 0x8a, 0x3e);
const OUT: RGBColor = RGBColor(0xe8, 0x59, 0x0c);
const MARK: RGBColor = RGBColor(0x49, 0x50, 0x57);
const TARGET: RGBColor = RGBColor(0xc9, 0x2a, 0x2a);
const BAR: RGBColor = RGBColor(0x74, 0xc0, 0xfc);

type Drawn = Result<(), Box<dyn std::error::Error>>;

type Root<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

/// Renders with `draw` onto a white chart-sized SVG canvas and makes it an inline, scalable
/// figure element (`id`, `viewBox`, no fixed size). On a drawing error the chart is replaced
/// by a note.
fn svg(id: &str, title: &str, draw: impl FnOnce(&Root) -> Drawn) -> String {
    svg_sized(id, title, (WIDTH_PX, HEIGHT_PX), draw)
}

/// [`svg`] on a canvas of `size` pixels.
fn svg_sized(id: &str, title: &str, size: (u32, u32), draw: impl FnOnce(&Root) -> Drawn) -> String {
    let (width_px, height_px) = size;
    let mut buf = String::new();
    let drawn = {
        let root = SVGBackend::with_string(&mut buf, size).into_drawing_area();
        (|| -> Drawn {
            root.fill(&WHITE)?;
            draw(&root)?;
            root.present()?;
            Ok(())
        })()
    };
    if let Err(e) = drawn {
        return format!(
            "<p class=\"chart-error\">{}: {}</p>",
            esc(title),
            esc(&e.to_string())
        );
    }
    let body = match buf.find('>') {
        Some(end) if buf.starts_with("<svg") => &buf[end + 1..],
        _ => buf.as_str(),
    };
    format!(
        "<svg id=\"{id}\" class=\"chart\" viewBox=\"0 0 {width_px} {height_px}\" role=\"img\" \
         aria-label=\"{}\">{}",
        esc(title),
        body.trim_start()
    )
}

/// A chart on `root` with the common margins and label areas (callers add a right margin or
/// a right axis).
fn chart_builder<'a, 'b>(root: &'a Root<'b>) -> ChartBuilder<'a, 'b, SVGBackend<'b>> {
    let mut builder = ChartBuilder::on(root);
    builder
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(58);
    builder
}

/// The charts' common mesh style: small labels, light grid lines, grey axes.
fn house_style<'m, 'a, 'b, X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB> {
    mesh.label_style(SMALL)
        .axis_desc_style(FONT)
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(AXIS)
}

/// The axes of a share chart: `x_desc` under whole-number ticks, `y_desc` beside 0–100 %.
fn share_axes<'m, 'a, 'b, DB: DrawingBackend>(
    mesh: &'m mut MeshStyle<'a, 'b, RangedCoordf64, RangedCoordf64, DB>,
    x_desc: String,
    y_desc: &str,
) -> &'m mut MeshStyle<'a, 'b, RangedCoordf64, RangedCoordf64, DB> {
    house_style(mesh)
        .x_desc(x_desc)
        .y_desc(format!("{y_desc} (%)"))
        .x_labels(8)
        .y_labels(7)
        .x_label_formatter(&whole)
        .y_label_formatter(&percent)
}

fn whole(x: &f64) -> String {
    format!("{x:.0}")
}

fn percent(y: &f64) -> String {
    format!("{}%", crate::report::table::fixed(*y, 0))
}

/// Compact count for axis labels: `12k`, `1.5M`; in Chinese `1.2万`.
fn compact(x: f64, lang: Lang) -> String {
    let trim = |s: String| s.trim_end_matches(".0").to_string();
    match lang {
        Lang::Zh if x >= 10_000.0 => format!("{}万", trim(format!("{:.1}", x / 10_000.0))),
        Lang::En if x >= 1_000_000.0 => format!("{}M", trim(format!("{:.1}", x / 1e6))),
        Lang::En if x >= 1_000.0 => format!("{}k", trim(format!("{:.1}", x / 1e3))),
        _ => format!("{x:.0}"),
    }
}

/// Population share covered at each sampled walking time (`analysis.curve`), with the run's
/// own circle marked.
pub(super) fn coverage_curve(
    curve: &[(f64, f64, f64)],
    circle_minutes: f64,
    speed_kmh: f64,
    l: &Labels,
) -> String {
    let title = l.chart_curve;
    svg("chart-coverage-curve", title, |root| {
        let x_max = curve.iter().map(|c| c.0).fold(30.0, f64::max) + 2.5;
        let mut chart = chart_builder(root)
            .margin_right(22)
            .build_cartesian_2d(0f64..x_max, 0f64..108f64)?;
        share_axes(
            &mut chart.configure_mesh(),
            l.chart_curve_x.replace("{speed}", &speed_kmh.to_string()),
            l.chart_curve_y,
        )
        .draw()?;
        if circle_minutes > 0.0 && circle_minutes < x_max {
            // Up to just below the curve, clear of the value labels above it.
            let top = share_at(curve, circle_minutes).map_or(104.0, |s| s * 100.0 - 2.5);
            chart.draw_series(DashedLineSeries::new(
                [(circle_minutes, 0.0), (circle_minutes, top)],
                6,
                4,
                MARK.stroke_width(1),
            ))?;
        }
        let pts: Vec<(f64, f64)> = curve.iter().map(|c| (c.0, c.2 * 100.0)).collect();
        chart.draw_series(LineSeries::new(pts.clone(), LINE.stroke_width(3)))?;
        chart.draw_series(
            pts.iter()
                .map(|&p| plotters::element::Circle::new(p, 4, LINE.filled())),
        )?;
        let above = Pos::new(HPos::Center, VPos::Bottom);
        chart.draw_series(pts.iter().map(|&(x, y)| {
            Text::new(
                format!("{}%", crate::report::table::fixed(y, 1)),
                (x, y + 2.5),
                TextStyle::from(SMALL).pos(above).color(&MARK),
            )
        }))?;
        Ok(())
    })
}

/// The curve's share at `minutes`, interpolated linearly; `None` outside the sampled range.
fn share_at(curve: &[(f64, f64, f64)], minutes: f64) -> Option<f64> {
    curve.windows(2).find_map(|w| {
        let ((m0, _, s0), (m1, _, s1)) = (w[0], w[1]);
        (m0 <= minutes && minutes <= m1).then(|| s0 + (s1 - s0) * (minutes - m0) / (m1 - m0))
    })
}

/// Histogram bins of `values` weighted by `weights`: `(lower_m, upper_m, weight)`, with
/// everything beyond the last bin counted in it. The range ends at a round number past
/// both the 98th percentile and 1.3 × `radius_m`.
pub(super) fn histogram_bins(
    values: &[f64],
    weights: &[f64],
    radius_m: f64,
) -> Vec<(f64, f64, f64)> {
    let mut finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return Vec::new();
    }
    finite.sort_unstable_by(f64::total_cmp);
    let p98 = finite[((finite.len() - 1) as f64 * 0.98).round() as usize];
    let max = finite[finite.len() - 1];
    let end = max.min(p98.max(1.3 * radius_m)).max(1.0);
    let step = super::map::nice_ceil(end / 24.0);
    let n = ((end / step).ceil() as usize).max(1);
    let mut bins: Vec<(f64, f64, f64)> = (0..n)
        .map(|k| (k as f64 * step, (k + 1) as f64 * step, 0.0))
        .collect();
    for (v, w) in values.iter().zip(weights) {
        if v.is_finite() {
            let k = ((v / step).floor() as usize).min(n - 1);
            bins[k].2 += w;
        }
    }
    bins
}

/// Residents by distance to their nearest centre, bars inside the circle green, beyond it
/// orange, the circle's radius dashed. `None` when no compound reaches any centre.
pub(super) fn distance_histogram(
    nearest_cost_m: &[f64],
    population: &[f64],
    radius_m: f64,
    l: &Labels,
    lang: Lang,
) -> Option<String> {
    let bins = histogram_bins(nearest_cost_m, population, radius_m);
    let last = bins.last()?.1;
    let y_max = bins.iter().map(|b| b.2).fold(0.0, f64::max).max(1.0) * 1.12;
    let title = l.chart_hist;
    Some(svg("chart-distance-histogram", title, |root| {
        let mut chart = chart_builder(root)
            .margin_right(22)
            .build_cartesian_2d(0f64..last, 0f64..y_max)?;
        house_style(
            chart
                .configure_mesh()
                .x_desc(l.chart_hist_x)
                .y_desc(l.chart_hist_y)
                .x_labels(8)
                .y_labels(6)
                .x_label_formatter(&|x| format!("{x:.0}"))
                .y_label_formatter(&|y| compact(*y, lang)),
        )
        .draw()?;
        let gap = (last / bins.len() as f64) * 0.06;
        chart.draw_series(bins.iter().map(|&(a, b, w)| {
            let colour = if b <= radius_m + 1e-9 { IN } else { OUT };
            Rectangle::new([(a + gap, 0.0), (b - gap, w)], colour.mix(0.85).filled())
        }))?;
        if radius_m < last {
            chart.draw_series(DashedLineSeries::new(
                [(radius_m, 0.0), (radius_m, y_max)],
                6,
                4,
                MARK.stroke_width(2),
            ))?;
            chart.draw_series(std::iter::once(Text::new(
                format!("{radius_m:.0} m"),
                (radius_m, y_max),
                TextStyle::from(SMALL)
                    .pos(Pos::new(HPos::Left, VPos::Top))
                    .color(&MARK),
            )))?;
        }
        Ok(())
    }))
}

/// The marginal-gain chart's scales: `k` sites, the existing and target shares (%), the share
/// axis `low..high` and the gain axis top.
struct GainScale {
    k: usize,
    existing: f64,
    target: Option<f64>,
    low: f64,
    high: f64,
    gain_max: f64,
}

impl GainScale {
    /// `None` for a plan without sites.
    fn of(plan: &SitePlan) -> Option<GainScale> {
        let k = plan.sites.len();
        if k == 0 {
            return None;
        }
        let total = plan.total_population.max(f64::MIN_POSITIVE);
        let existing = 100.0 * plan.existing_population / total;
        let target = match plan.goal {
            Goal::Target(t) => Some(100.0 * t),
            Goal::Add(_) => None,
        };
        let top = plan
            .sites
            .iter()
            .map(|s| s.cumulative_share * 100.0)
            .chain(target)
            .fold(existing, f64::max);
        let low = (((existing - 5.0) / 10.0).floor() * 10.0).max(0.0);
        let high = (top + 4.0).min(102.0).max(low + 10.0);
        let gain_max = plan
            .sites
            .iter()
            .map(|s| s.gain_population)
            .fold(0.0, f64::max)
            .max(1.0)
            * 1.15;
        Some(GainScale {
            k,
            existing,
            target,
            low,
            high,
            gain_max,
        })
    }
}

/// Points of the cumulative share curve: how many sample distances it is drawn at.
const WALK_SAMPLES: usize = 240;

/// The share of residents (%) whose walk is at most each of `WALK_SAMPLES + 1` distances
/// from 0 to `cap_m`, as `(metres, percent)`.
pub(super) fn walk_shares(walk_m: &[f64], population: &[f64], cap_m: f64) -> Vec<(f64, f64)> {
    let mut pairs: Vec<(f64, f64)> = walk_m
        .iter()
        .zip(population)
        .filter(|(_, p)| **p > 0.0)
        .map(|(&w, &p)| (w, p))
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = pairs.iter().map(|p| p.1).sum();
    let (mut next, mut within) = (0, 0.0);
    (0..=WALK_SAMPLES)
        .map(|s| {
            let x = cap_m * s as f64 / WALK_SAMPLES as f64;
            while next < pairs.len() && pairs[next].0 <= x {
                within += pairs[next].1;
                next += 1;
            }
            (
                x,
                if total > 0.0 {
                    within / total * 100.0
                } else {
                    0.0
                },
            )
        })
        .collect()
}

/// Distance objectives: the cumulative share of residents by walk to the nearest centre,
/// today (grey) and with the plan (blue), mean walks marked. `None` without residents.
pub(super) fn walk_curve(
    d: &crate::siting::DistancePlan,
    population: &[f64],
    l: &Labels,
) -> Option<String> {
    if d.cap_m.is_nan() || d.cap_m <= 0.0 || !population.iter().any(|p| *p > 0.0) {
        return None;
    }
    let before = walk_shares(&d.walk_before_m, population, d.cap_m);
    let after = walk_shares(&d.walk_m, population, d.cap_m);
    let title = l.chart_walk;
    Some(svg("chart-walk-curve", title, |root| {
        let x_max = d.cap_m * 1.02;
        let mut chart = chart_builder(root)
            .margin_right(22)
            .build_cartesian_2d(0f64..x_max, 0f64..108f64)?;
        share_axes(
            &mut chart.configure_mesh(),
            l.chart_walk_x.to_string(),
            l.chart_walk_y,
        )
        .draw()?;
        for (mean, colour) in [(d.mean_before_m, AXIS), (d.mean_distance_m, LINE)] {
            chart.draw_series(DashedLineSeries::new(
                [(mean, 0.0), (mean, 104.0)],
                6,
                4,
                colour.stroke_width(1),
            ))?;
        }
        chart
            .draw_series(LineSeries::new(before, AXIS.stroke_width(2)))?
            .label(l.chart_walk_before)
            .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], AXIS.stroke_width(2)));
        chart
            .draw_series(LineSeries::new(after, LINE.stroke_width(3)))?
            .label(l.chart_walk_after)
            .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], LINE.stroke_width(3)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .label_font(SMALL)
            .background_style(WHITE.mix(0.9))
            .border_style(GRID)
            .draw()?;
        Ok(())
    }))
}

type Plane = Cartesian2d<RangedCoordf64, RangedCoordf64>;
type GainChart<'a, 'b> = DualCoordChartContext<'a, SVGBackend<'b>, Plane, Plane>;

/// Newly covered residents per site rank (bars, left axis) and the cumulative covered share
/// starting from the existing centres (line, right axis), with the target share dashed.
pub(super) fn marginal_gain(plan: &SitePlan, l: &Labels, lang: Lang) -> Option<String> {
    let scale = GainScale::of(plan)?;
    let k = scale.k;
    let title = l.chart_gain;
    Some(svg("chart-marginal-gain", title, |root| {
        let x_range = -0.6f64..k as f64 + 0.6;
        let mut chart = chart_builder(root)
            .right_y_label_area_size(58)
            .build_cartesian_2d(x_range.clone(), 0f64..scale.gain_max)?
            .set_secondary_coord(x_range, scale.low..scale.high);
        house_style(
            chart
                .configure_mesh()
                .x_desc(l.chart_gain_x)
                .y_desc(l.chart_gain_y)
                .x_labels((k + 2).min(13))
                .y_labels(6)
                .x_label_formatter(&|x| {
                    // Ranks only: hide ticks that fall between sites.
                    if (x - x.round()).abs() < 1e-6 && *x >= 0.5 {
                        format!("{x:.0}")
                    } else {
                        String::new()
                    }
                })
                .y_label_formatter(&|y| compact(*y, lang)),
        )
        .draw()?;
        chart
            .configure_secondary_axes()
            .y_desc(format!("{} (%)", l.chart_gain_y2))
            .y_labels(6)
            .y_label_formatter(&|y| format!("{}%", crate::report::table::fixed(*y, 0)))
            .label_style(SMALL)
            .axis_desc_style(FONT)
            .axis_style(AXIS)
            .draw()?;
        chart.draw_series(plan.sites.iter().map(|s| {
            let r = s.rank as f64;
            Rectangle::new(
                [(r - 0.35, 0.0), (r + 0.35, s.gain_population)],
                BAR.filled(),
            )
        }))?;
        if let Some(t) = scale.target {
            draw_target(&mut chart, t, k, l)?;
        }
        draw_cumulative(&mut chart, plan, &scale, l)
    }))
}

/// The target share, dashed across the chart and labelled at its left end.
fn draw_target(chart: &mut GainChart, t: f64, k: usize, l: &Labels) -> Drawn {
    chart.draw_secondary_series(DashedLineSeries::new(
        [(-0.6, t), (k as f64 + 0.6, t)],
        8,
        5,
        TARGET.stroke_width(2),
    ))?;
    chart.draw_secondary_series(std::iter::once(Text::new(
        format!("{} {}%", l.target, crate::report::table::fixed(t, 0)),
        (-0.4, t),
        TextStyle::from(SMALL)
            .pos(Pos::new(HPos::Left, VPos::Bottom))
            .color(&TARGET),
    )))?;
    Ok(())
}

/// The cumulative covered share from the existing centres on, with markers (while they stay
/// apart), the existing share labelled at the start and the final share at the end.
fn draw_cumulative(chart: &mut GainChart, plan: &SitePlan, scale: &GainScale, l: &Labels) -> Drawn {
    let existing = scale.existing;
    let line: Vec<(f64, f64)> = std::iter::once((0.0, existing))
        .chain(
            plan.sites
                .iter()
                .map(|s| (s.rank as f64, s.cumulative_share * 100.0)),
        )
        .collect();
    chart.draw_secondary_series(LineSeries::new(line.clone(), LINE.stroke_width(3)))?;
    let markers = if scale.k <= 30 { line.as_slice() } else { &[] };
    chart.draw_secondary_series(
        markers
            .iter()
            .map(|&p| plotters::element::Circle::new(p, 4, LINE.filled())),
    )?;
    chart.draw_secondary_series(std::iter::once(Text::new(
        format!(
            "{} {}%",
            l.existing,
            crate::report::table::fixed(existing, 1)
        ),
        (-0.45, existing - (scale.high - scale.low) * 0.03),
        TextStyle::from(SMALL)
            .pos(Pos::new(HPos::Left, VPos::Top))
            .color(&MARK),
    )))?;
    let last = line[line.len() - 1];
    chart.draw_secondary_series(std::iter::once(Text::new(
        format!("{}%", crate::report::table::fixed(last.1, 1)),
        last,
        TextStyle::from(SMALL)
            .pos(Pos::new(HPos::Right, VPos::Bottom))
            .color(&LINE),
    )))?;
    Ok(())
}

/// Colours of the scenario charts: the baseline grey, then one per scenario (cycling).
pub(super) const SCENARIO_COLOURS: [&str; 9] = [
    "#adb5bd", "#1c7ed6", "#e8590c", "#2b8a3e", "#862e9c", "#c2255c", "#0b7285", "#e67700",
    "#364fc7",
];

/// The colour of series `k` (0: the baseline) of a scenario chart.
pub(super) fn scenario_colour(k: usize) -> &'static str {
    if k == 0 {
        SCENARIO_COLOURS[0]
    } else {
        SCENARIO_COLOURS[1 + (k - 1) % (SCENARIO_COLOURS.len() - 1)]
    }
}

fn rgb(hex: &str) -> RGBColor {
    let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap_or(0);
    RGBColor((v >> 16) as u8, (v >> 8) as u8, v as u8)
}

/// At most this many characters of a group value label the chart.
const GROUP_LABEL_CHARS: usize = 12;

/// One grouped bar chart: per group value (rows, top to bottom) one horizontal bar per
/// series (the baseline, then each scenario) showing its covered share.
pub(crate) struct GroupedBars<'a> {
    /// Element id.
    pub id: String,
    /// Title (for the error note and the label).
    pub title: &'a str,
    /// The group values, one row each.
    pub values: &'a [&'a str],
    /// Per series, the share per value (0–1).
    pub series: &'a [Vec<f64>],
}

/// Draws [`GroupedBars`]; the chart grows with the rows.
pub(crate) fn grouped_bars(g: &GroupedBars, l: &Labels) -> String {
    let rows = g.values.len();
    let n = g.series.len().max(1);
    let row_px = (n as u32 * 8 + 10).max(18);
    let height = 80 + rows as u32 * row_px;
    svg_sized(&g.id, g.title, (WIDTH_PX, height), |root| {
        let y_max = rows.max(1) as f64;
        let mut chart = ChartBuilder::on(root)
            .margin(14)
            .margin_right(22)
            .x_label_area_size(44)
            .y_label_area_size(110)
            .build_cartesian_2d(0f64..100f64, 0f64..y_max)?;
        house_style(
            chart
                .configure_mesh()
                .x_desc(format!("{} (%)", l.col_share))
                .x_labels(6)
                .y_labels(0)
                .disable_y_mesh()
                .x_label_formatter(&|x| format!("{x:.0}%")),
        )
        .draw()?;
        let slot = 0.8 / n as f64;
        for (k, shares) in g.series.iter().enumerate() {
            // A lone series is a plain share per group, not the grey scenario baseline.
            let colour = if n == 1 { BAR } else { rgb(scenario_colour(k)) };
            chart.draw_series(shares.iter().enumerate().map(|(r, s)| {
                // Row r from the top: y runs upwards.
                let top = y_max - r as f64 - 0.1 - k as f64 * slot;
                Rectangle::new([(0.0, top - slot * 0.9), (s * 100.0, top)], colour.filled())
            }))?;
        }
        let style = TextStyle::from(SMALL)
            .pos(Pos::new(HPos::Right, VPos::Center))
            .color(&MARK);
        for (r, v) in g.values.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(0.0, y_max - r as f64 - 0.5));
            root.draw(&Text::new(short_label(v), (x - 6, y), style.clone()))?;
        }
        // One series (a share per group): each bar carries its value, as nothing else on the
        // chart tells one bar from the next.
        if let [shares] = g.series {
            let value_style = TextStyle::from(SMALL).color(&MARK);
            for (r, s) in shares.iter().enumerate() {
                let (x, y) = chart.backend_coord(&(s * 100.0, y_max - r as f64 - 0.5));
                let (x, anchor) = if *s > 0.85 {
                    (x - 4, Pos::new(HPos::Right, VPos::Center))
                } else {
                    (x + 4, Pos::new(HPos::Left, VPos::Center))
                };
                let text = format!("{:.1}%", s * 100.0);
                root.draw(&Text::new(text, (x, y), value_style.clone().pos(anchor)))?;
            }
        }
        Ok(())
    })
}

/// `v` cut to [`GROUP_LABEL_CHARS`] characters with an ellipsis.
fn short_label(v: &str) -> String {
    if v.chars().count() <= GROUP_LABEL_CHARS {
        v.to_string()
    } else {
        let mut s: String = v.chars().take(GROUP_LABEL_CHARS - 1).collect();
        s.push('…');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_hold_every_finite_value_once() {
        let values = [10.0, 250.0, 990.0, 1000.0, 5000.0, f64::INFINITY];
        let weights = [1.0, 2.0, 3.0, 4.0, 5.0, 100.0];
        let bins = histogram_bins(&values, &weights, 1000.0);
        let sum: f64 = bins.iter().map(|b| b.2).sum();
        assert_eq!(sum, 15.0);
        assert_eq!(bins[0].0, 0.0);
        // A bin edge falls on the radius, so colours split exactly there.
        assert!(bins.iter().any(|b| (b.1 - 1000.0).abs() < 1e-9));
        assert!(histogram_bins(&[f64::INFINITY], &[1.0], 1000.0).is_empty());
    }

    #[test]
    fn interpolates_the_curve() {
        let curve = [(5.0, 333.0, 0.2), (10.0, 667.0, 0.6)];
        assert!((share_at(&curve, 7.5).unwrap() - 0.4).abs() < 1e-12);
        assert_eq!(share_at(&curve, 10.0), Some(0.6));
        assert_eq!(share_at(&curve, 12.0), None);
    }

    #[test]
    fn compact_counts() {
        assert_eq!(compact(950.0, Lang::En), "950");
        assert_eq!(compact(12_000.0, Lang::En), "12k");
        assert_eq!(compact(1_500_000.0, Lang::En), "1.5M");
        assert_eq!(compact(25_000.0, Lang::Zh), "2.5万");
    }

    #[test]
    fn charts_are_inline_svg_with_text_and_no_fixed_size() {
        let l = Labels::of(Lang::En);
        let curve = [(5.0, 333.0, 0.2), (10.0, 667.0, 0.5), (15.0, 1000.0, 0.8)];
        let s = coverage_curve(&curve, 15.0, 4.0, l);
        assert!(s.starts_with("<svg id=\"chart-coverage-curve\""), "{s}");
        assert!(s.contains("80.0%") && s.contains("<text"), "{s}");
        assert!(!s.contains("http"), "{s}");
        let open = s.split('>').next().unwrap();
        assert!(!open.contains("width"), "{open}");
    }

    #[test]
    fn walk_shares_count_residents_within_each_distance() {
        let walks = [0.0, 250.0, 500.0, 500.0, 1000.0];
        let population = [10.0, 20.0, 30.0, 0.0, 40.0];
        let shares = walk_shares(&walks, &population, 1000.0);
        assert_eq!(shares.len(), WALK_SAMPLES + 1);
        // Brute force at every sample: residents with a walk at most x.
        for &(x, share) in &shares {
            let within: f64 = walks
                .iter()
                .zip(&population)
                .filter(|(w, _)| **w <= x)
                .map(|(_, p)| p)
                .sum();
            assert!((share - within).abs() < 1e-9, "{x}: {share} vs {within}");
        }
        assert_eq!(shares[0], (0.0, 10.0));
        assert_eq!(shares[WALK_SAMPLES], (1000.0, 100.0));
    }
}
