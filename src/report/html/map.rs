//! The report's map: inline SVG on the study plane, one function per layer (service circles,
//! gap zones, compounds as points or a density grid, centres by level, sites, labels) plus the
//! scale bar, north arrow and the HTML legend.
//!
//! Layers live in one `<g id="map-view">` whose transform maps plane metres to SVG pixels, so
//! the small script can zoom and pan by changing that transform alone. Point marks are
//! zero-length strokes with `vector-effect: non-scaling-stroke`: they keep their on-screen size
//! at any zoom, so zooming in separates crowded compounds instead of just enlarging them.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::ReportInput;
use super::markup::{int, metres, pct, push_esc, push_num};
use super::text::Labels;
use crate::gaps::zone_outline;
use crate::report::zone_id;

/// Width of the map in SVG pixels (the outer `viewBox`).
const WIDTH_PX: f64 = 800.0;
/// Margin between the data and the map edge, pixels.
const PAD_PX: f64 = 28.0;
/// Label size on screen, pixels (kept at any zoom by the script).
const LABEL_PX: f64 = 12.0;
/// Scale bar length the bar aims for, pixels.
const SCALE_BAR_PX: f64 = 110.0;
/// Above this many centres the service circles are not drawn (they would cover everything).
pub const MAX_CIRCLES: usize = 20_000;
/// Grid cells across the larger side of the study area in density mode.
const DENSITY_CELLS_ACROSS: f64 = 160.0;
/// Ranked sites that get a number label on the map.
const MAX_SITE_LABELS: usize = 50;
/// Gap zones that get a name label on the map.
const MAX_ZONE_LABELS: usize = 15;

/// Covered compound colour.
pub(crate) const COVERED: &str = "#2b8a3e";
/// Uncovered compound colour.
pub(crate) const UNCOVERED: &str = "#e8590c";
/// Colour of an uncovered compound that a proposed site would cover.
pub(crate) const BY_NEW_SITE: &str = "#e64980";
/// Proposed site colour.
pub(crate) const SITE: &str = "#c92a2a";
/// Density cell colours from uncovered (share < 20 %) to covered (share ≥ 80 %).
const DENSITY: [&str; 5] = ["#d9480f", "#f08c00", "#fab005", "#94d82d", "#2b8a3e"];
/// Centre colours by utilisation in capacitated runs: a ramp over the classes below 25 %,
/// 25–50 %, 50–75 % and 75–100 %, then full centres apart.
const UTILISATION: [&str; 5] = ["#a5d8ff", "#4dabf7", "#1c7ed6", "#1864ab", "#c2255c"];
/// Legend text of the utilisation classes below full.
const UTILISATION_BINS: [&str; 4] = ["< 25%", "25–50%", "50–75%", "75–100%"];
/// Centre colours by level rank.
pub(crate) const LEVEL_COLOURS: [&str; 10] = [
    "#5f3dc4", "#1864ab", "#0b7285", "#343a40", "#868e96", "#c2255c", "#e67700", "#364fc7",
    "#087f5b", "#862e9c",
];

/// The map SVG and its legend (HTML).
pub(super) struct Map {
    /// The `<svg>` element.
    pub svg: String,
    /// The legend as an HTML list.
    pub legend: String,
    /// The scenario and what-if data the page's script reads (a JSON `<script>`), when the
    /// run has either.
    pub data: Option<String>,
}

/// Plane metres → map units: `u = x − min_x`, `v = max_y − y` (SVG's y grows downwards), and
/// map units → pixels by `scale` and an offset.
pub(crate) struct Frame {
    min_x: f64,
    max_y: f64,
    /// Pixels per metre at zoom 1.
    pub(super) scale: f64,
    offset_px: [f64; 2],
    height_px: f64,
    /// Decimals written for coordinates (0 for areas above a few km).
    digits: usize,
    /// The larger side of the data's extent, metres.
    extent_m: f64,
}

impl Frame {
    pub(crate) fn new(points: impl Iterator<Item = [f64; 2]>, min_extent_m: f64) -> Frame {
        let mut b = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for p in points {
            b = [
                b[0].min(p[0]),
                b[1].min(p[1]),
                b[2].max(p[0]),
                b[3].max(p[1]),
            ];
        }
        if !b[0].is_finite() {
            b = [0.0, 0.0, 0.0, 0.0];
        }
        // Never zoom in beyond a circle's size: a lone compound still shows its surroundings.
        let grow = |lo: f64, hi: f64| {
            let missing = (min_extent_m - (hi - lo)).max(0.0) / 2.0;
            (lo - missing, hi + missing)
        };
        let (x0, x1) = grow(b[0], b[2]);
        let (y0, y1) = grow(b[1], b[3]);
        let (w_m, h_m) = (x1 - x0, y1 - y0);
        let height_px = (WIDTH_PX * h_m / w_m)
            .clamp(0.6 * WIDTH_PX, 0.85 * WIDTH_PX)
            .round();
        let scale = ((WIDTH_PX - 2.0 * PAD_PX) / w_m).min((height_px - 2.0 * PAD_PX) / h_m);
        let offset_px = [
            (WIDTH_PX - w_m * scale) / 2.0,
            (height_px - h_m * scale) / 2.0,
        ];
        let extent_m = w_m.max(h_m);
        Frame {
            min_x: x0,
            max_y: y1,
            scale,
            offset_px,
            height_px,
            digits: if extent_m > 5_000.0 { 0 } else { 1 },
            extent_m,
        }
    }

    /// A plane point in map units, rounded as the map writes coordinates.
    pub(crate) fn map_xy(&self, p: [f64; 2]) -> [f64; 2] {
        let k = 10f64.powi(self.digits as i32);
        [
            ((p[0] - self.min_x) * k).round() / k,
            ((self.max_y - p[1]) * k).round() / k,
        ]
    }

    /// The plane positions of the map's four corners (the whole view at zoom 1).
    pub(super) fn view_corners_m(&self) -> [[f64; 2]; 4] {
        let at = |px: f64, py: f64| {
            [
                self.min_x + (px - self.offset_px[0]) / self.scale,
                self.max_y - (py - self.offset_px[1]) / self.scale,
            ]
        };
        let (w, h) = (WIDTH_PX, self.height_px);
        [at(0.0, 0.0), at(w, 0.0), at(0.0, h), at(w, h)]
    }

    pub(crate) fn push_xy(&self, out: &mut String, p: [f64; 2]) {
        push_num(out, p[0] - self.min_x, self.digits);
        out.push(' ');
        push_num(out, self.max_y - p[1], self.digits);
    }

    pub(crate) fn push_attr_xy(&self, out: &mut String, x: &str, y: &str, p: [f64; 2]) {
        let _ = write!(out, " {x}=\"");
        push_num(out, p[0] - self.min_x, self.digits);
        let _ = write!(out, "\" {y}=\"");
        push_num(out, self.max_y - p[1], self.digits);
        out.push('"');
    }

    pub(crate) fn push_len(&self, out: &mut String, d_m: f64) {
        push_num(out, d_m, self.digits.max(if d_m < 50.0 { 1 } else { 0 }));
    }
}

/// A length of 1, 2 or 5 × 10ⁿ metres, the largest not above `max_m`.
pub(super) fn nice_floor(max_m: f64) -> f64 {
    let p = 10f64.powf(max_m.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|f| f * p)
        .find(|&v| v <= max_m)
        .unwrap_or(p)
}

use crate::report::table::level_rank;

/// Levels in legend order (most important first), each with its colour and mark size (px).
/// A level with many centres gets smaller marks (down to 30 %, at least 2.5 px) so that
/// thousands of stations do not bury the compounds; the few large centres keep their size.
pub(crate) fn level_styles(levels: &[String]) -> Vec<(String, &'static str, f64)> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for l in levels {
        *counts.entry(l.as_str()).or_default() += 1;
    }
    let mut names: Vec<(&str, usize)> = counts.into_iter().collect();
    names.sort_unstable_by(|a, b| level_rank(a.0).cmp(&level_rank(b.0)).then(a.0.cmp(b.0)));
    let mut extra = 5;
    names
        .into_iter()
        .map(|(n, count)| {
            let rank = level_rank(n);
            let colour = if rank < 5 {
                LEVEL_COLOURS[rank]
            } else {
                extra += 1;
                LEVEL_COLOURS[(extra - 1) % LEVEL_COLOURS.len()]
            };
            let base = [14.0, 12.0, 9.0, 7.0, 6.0, 8.0][rank];
            let crowding = (300.0 / count as f64).sqrt().clamp(0.3, 1.0);
            let size = (base * crowding).max(2.5);
            (n.to_string(), colour, (size * 10.0).round() / 10.0)
        })
        .collect()
}

/// The utilisation class of centre `s` (an index into [`UTILISATION`]): quarters of its
/// capacity, and full (assigned residents at capacity, as `summary.json` counts
/// `centers_full`) apart.
fn utilisation_class(cap: &crate::capacity::Capacitated, s: usize) -> usize {
    let u = cap.utilisation(s);
    if u >= 1.0 - 1e-12 {
        4
    } else {
        ((u * 4.0).floor().max(0.0) as usize).min(3)
    }
}

/// Chosen sites in rank order and each gap zone's best site, on the plane.
struct Sites {
    chosen: Vec<[f64; 2]>,
    zone_best: Vec<(usize, [f64; 2])>,
    /// The what-if sites, in their order.
    switchable: Vec<[f64; 2]>,
}

fn sites_xy(input: &ReportInput) -> Sites {
    let study = &input.analysis.study;
    let chosen = match &input.sites {
        Some(s) => {
            let lonlat: Vec<[f64; 2]> = s
                .plan
                .sites
                .iter()
                .map(|c| s.candidates.lonlat[c.candidate as usize])
                .collect();
            study.project(&lonlat)
        }
        None => Vec::new(),
    };
    let zone_best = match &input.gaps {
        Some(g) => g
            .zones
            .iter()
            .enumerate()
            .filter_map(|(z, zone)| zone.best_site.map(|(s, _)| (z, g.sites.lonlat[s as usize])))
            .map(|(z, ll)| (z, study.plane.project(ll[0], ll[1])))
            .collect(),
        None => Vec::new(),
    };
    let switchable = input
        .what_if
        .map_or_else(Vec::new, |w| super::whatif::site_positions(study, w));
    Sites {
        chosen,
        zone_best,
        switchable,
    }
}

/// Renders the map and its legend.
pub(super) fn map(input: &ReportInput, l: &Labels) -> Map {
    let a = input.analysis;
    let sites = sites_xy(input);
    let frame = Frame::new(
        a.compounds_xy
            .iter()
            .chain(&a.centres_xy)
            .chain(&sites.chosen)
            .chain(sites.zone_best.iter().map(|(_, p)| p))
            .chain(&sites.switchable)
            .copied(),
        2.0 * input.circle.radius_m,
    );
    let density = a.compounds_xy.len() > input.density_threshold;
    let levels = level_styles(&input.centres.level);
    let mut s = String::with_capacity(256 + a.compounds_xy.len() * 120);
    svg_start(
        &mut s,
        &frame,
        l.map,
        &format!(
            " data-compounds=\"{nc}\" data-centres=\"{nt}\" data-mode=\"{mode}\"",
            nc = a.compounds_xy.len(),
            nt = a.centres_xy.len(),
            mode = if density { "density" } else { "points" },
        ),
    );
    level_css(&mut s, &levels, input.capacity.is_some());
    view_start(&mut s, &frame);
    if let Some(basemap) = &input.basemap {
        super::basemap::tiles(&mut s, &frame, &a.study, basemap);
    }
    if let Some(areas) = &input.run.boundaries {
        boundaries(&mut s, &frame, input, areas);
    }
    if let Some(network) = input.network {
        super::walk::streets(&mut s, &frame, network.0);
    }
    if a.centres_xy.len() <= MAX_CIRCLES {
        match (a.metric, input.network) {
            (crate::coverage::Metric::Network, Some(network)) => {
                let c = input.centres;
                super::walk::service_areas(&mut s, &frame, c, &a.centres_xy, &a.budget_m, network);
            }
            (crate::coverage::Metric::Euclidean, _) => service_circles(&mut s, &frame, input),
            _ => {}
        }
    }
    gap_zones(&mut s, &frame, input, l);
    if density {
        compound_density(&mut s, &frame, input, l);
    } else {
        compound_points(&mut s, &frame, input, l);
    }
    super::whatif::site_layer(&mut s, &frame, input, &sites.switchable, l);
    centres(&mut s, &frame, input, &levels, l);
    zone_best_sites(&mut s, &frame, input, &sites, l);
    proposed_sites(&mut s, &frame, input, &sites, l);
    super::whatif::centre_switches(&mut s, &frame, input, &sites.switchable, l);
    labels(&mut s, &frame, input, &sites);
    view_end(&mut s, &frame, l);
    if let Some(basemap) = &input.basemap {
        let _ = write!(
            s,
            "<text class=\"attrib\" x=\"{x}\" y=\"{y}\" text-anchor=\"end\" font-size=\"11\">{t} {h}</text>",
            x = WIDTH_PX - 8.0,
            y = frame.height_px - 6.0,
            t = l.basemap,
            h = super::markup::esc(super::basemap::host(&basemap.url)),
        );
    }
    s.push_str("</svg>");
    Map {
        legend: legend(input, &frame, &levels, density, l),
        data: super::whatif::page_data(input, &frame),
        svg: s,
    }
}

/// Opens the zoomable map's `<svg>` (the attributes the page's script reads) with `attrs`
/// (written as given, e.g. ` data-mode="points"`) after them.
pub(crate) fn svg_start(out: &mut String, f: &Frame, label: &str, attrs: &str) {
    let _ = write!(
        out,
        "<svg id=\"map\" class=\"map\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{label}\" \
         data-scale=\"{sc}\" data-ox=\"{ox}\" data-oy=\"{oy}\" data-label-px=\"{lp}\"{attrs}>",
        w = WIDTH_PX,
        h = f.height_px,
        sc = f.scale,
        ox = f.offset_px[0],
        oy = f.offset_px[1],
        lp = LABEL_PX,
    );
}

/// The map's background and the opening of `#map-view`, the group the script zooms.
pub(crate) fn view_start(out: &mut String, f: &Frame) {
    let _ = write!(
        out,
        "<rect class=\"bg\" width=\"{WIDTH_PX}\" height=\"{}\"/>",
        f.height_px
    );
    let _ = write!(
        out,
        "<g id=\"map-view\" transform=\"matrix({sc} 0 0 {sc} {ox} {oy})\">",
        sc = f.scale,
        ox = f.offset_px[0],
        oy = f.offset_px[1]
    );
}

/// Closes `#map-view` and draws the scale bar and the north arrow over it.
pub(crate) fn view_end(out: &mut String, f: &Frame, l: &Labels) {
    out.push_str("</g>");
    scale_bar(out, f);
    north_arrow(out, l);
}

/// The centre mark styles: colour and size per level, then (capacitated runs) the colour per
/// utilisation class, which wins over the level's colour as it comes later.
fn level_css(out: &mut String, levels: &[(String, &str, f64)], capacitated: bool) {
    out.push_str("<style>");
    for (k, (_, colour, size)) in levels.iter().enumerate() {
        let _ = write!(out, ".lv{k}{{stroke:{colour};stroke-width:{size}px}}");
    }
    if capacitated {
        for (k, colour) in UTILISATION.iter().enumerate() {
            let _ = write!(out, ".ut{k}{{stroke:{colour}}}");
        }
    }
    out.push_str("</style>");
}

/// Each centre's budget as a circle (its level's radius). The circles are opaque inside a
/// translucent group, so overlaps do not darken: the layer reads as the covered area.
fn service_circles(out: &mut String, f: &Frame, input: &ReportInput) {
    let a = input.analysis;
    out.push_str("<g class=\"lay-circles\" data-layer=\"circles\">");
    for (i, p) in a.centres_xy.iter().enumerate() {
        let r = &a.radius_m(i);
        let _ = write!(out, "<circle class=\"sc\" data-i=\"{i}\"");
        f.push_attr_xy(out, "cx", "cy", *p);
        out.push_str(" r=\"");
        f.push_len(out, *r);
        out.push_str("\"/>");
    }
    out.push_str("</g>");
}

/// Gap zone outlines (hull of small circles around the zone's compounds).
fn gap_zones(out: &mut String, f: &Frame, input: &ReportInput, l: &Labels) {
    let Some(g) = &input.gaps else { return };
    let xy = &input.analysis.compounds_xy;
    out.push_str("<g class=\"lay-gaps\" data-layer=\"gaps\">");
    for (z, zone) in g.zones.iter().enumerate() {
        let pts: Vec<[f64; 2]> = zone.compounds.iter().map(|&i| xy[i as usize]).collect();
        let ring = zone_outline(&pts, g.outline_buffer_m);
        let _ = write!(out, "<path class=\"gz\" data-zone=\"{}\" d=\"", zone_id(z));
        for (k, p) in ring.iter().enumerate() {
            out.push(if k == 0 { 'M' } else { 'L' });
            f.push_xy(out, *p);
        }
        let _ = write!(
            out,
            "Z\"><title>{} · {} {} · {} {}</title></path>",
            zone_id(z),
            int(zone.population),
            l.residents,
            zone.compounds.len(),
            l.compounds_word
        );
    }
    out.push_str("</g>");
}

/// Mark width in pixels for a population: area grows with population.
pub(crate) fn dot_px(population: f64, max_population: f64) -> f64 {
    3.0 + 8.0 * (population / max_population).sqrt()
}

/// What a compound's dot says: covered now, covered only by a proposed site, or uncovered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum DotKind {
    Covered,
    ByNewSite,
    Uncovered,
}

/// One dot per compound, coloured covered / covered by a new site / uncovered, sized by
/// population; drawn in that order (uncovered on top), large before small.
fn compound_points(out: &mut String, f: &Frame, input: &ReportInput, l: &Labels) {
    let a = input.analysis;
    let c = input.compounds;
    let cov = &a.coverage;
    let new_site = |i: usize| {
        input
            .sites
            .and_then(|s| s.plan.new_cover.get(i).copied().flatten())
    };
    let kind = |i: usize| match (cov.is_covered(i), new_site(i)) {
        (true, _) => DotKind::Covered,
        (false, Some(_)) => DotKind::ByNewSite,
        (false, None) => DotKind::Uncovered,
    };
    let max_pop = c.population.iter().copied().fold(0.0, f64::max).max(1e-9);
    let mut order: Vec<usize> = (0..c.len()).collect();
    order.sort_by(|&i, &j| {
        kind(i)
            .cmp(&kind(j))
            .then(c.population[j].total_cmp(&c.population[i]))
            .then(i.cmp(&j))
    });
    out.push_str("<g class=\"lay-compounds\" data-layer=\"compounds\">");
    for i in order {
        let (class, text) = match kind(i) {
            DotKind::Covered => ("y", l.covered_compound),
            DotKind::ByNewSite => ("n a", l.covered_by_new_site),
            DotKind::Uncovered => ("n", l.uncovered_compound),
        };
        let _ = write!(out, "<path class=\"cp {class}\" data-i=\"{i}\" d=\"M");
        f.push_xy(out, a.compounds_xy[i]);
        out.push_str("h.01\" stroke-width=\"");
        push_num(out, dot_px(c.population[i], max_pop), 1);
        out.push_str("\"><title>");
        push_esc(out, &c.ids[i]);
        let _ = write!(out, " · {} {} · {text}", int(c.population[i]), l.residents);
        if let (Some(site), Some(s)) = (new_site(i), &input.sites) {
            out.push(' ');
            push_esc(out, &s.candidates.ids[site as usize]);
        }
        if let Some(s) = cov.nearest[i] {
            out.push_str(" · ");
            push_esc(out, &input.centres.ids[s as usize]);
            let _ = write!(out, " {}", metres(cov.nearest_cost_m[i]));
        }
        out.push_str("</title></path>");
    }
    out.push_str("</g>");
}

/// A 1, 2, 2.5 or 5 × 10ⁿ metre step at least `raw_m`.
pub(super) fn nice_ceil(raw_m: f64) -> f64 {
    let p = 10f64.powf(raw_m.max(1e-9).log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|k| k * p)
        .find(|&v| v >= raw_m)
        .unwrap_or(10.0 * p)
}

/// Population per grid cell, coloured by covered share, stronger where more people live.
fn compound_density(out: &mut String, f: &Frame, input: &ReportInput, l: &Labels) -> f64 {
    let a = input.analysis;
    let pop = &input.compounds.population;
    let cell_m = nice_ceil(f.extent_m / DENSITY_CELLS_ACROSS);
    // (compounds, population, covered population) per cell, in cell order.
    let mut cells: BTreeMap<(i64, i64), (usize, f64, f64)> = BTreeMap::new();
    for (i, p) in a.compounds_xy.iter().enumerate() {
        let key = (
            (p[0] / cell_m).floor() as i64,
            (p[1] / cell_m).floor() as i64,
        );
        let e = cells.entry(key).or_default();
        e.0 += 1;
        e.1 += pop[i];
        if a.coverage.is_covered(i) {
            e.2 += pop[i];
        }
    }
    let max_pop = cells.values().map(|c| c.1).fold(0.0, f64::max).max(1e-9);
    let _ = write!(
        out,
        "<g class=\"lay-density\" data-layer=\"compounds\" data-cell-m=\"{cell_m}\" data-cells=\"{}\">",
        cells.len()
    );
    for ((gx, gy), (n, p, covered)) in &cells {
        let share = if *p > 0.0 { covered / p } else { 0.0 };
        let class = ((share * 5.0).floor() as usize).min(4);
        let opacity = 0.3 + 0.7 * (1.0 + p).ln() / (1.0 + max_pop).ln();
        let _ = write!(out, "<rect class=\"dc d{class}\"");
        f.push_attr_xy(
            out,
            "x",
            "y",
            [*gx as f64 * cell_m, (*gy + 1) as f64 * cell_m],
        );
        out.push_str(" width=\"");
        f.push_len(out, cell_m);
        out.push_str("\" height=\"");
        f.push_len(out, cell_m);
        out.push_str("\" fill-opacity=\"");
        push_num(out, opacity, 2);
        let _ = write!(
            out,
            "\"><title>{} {} · {n} {} · {}</title></rect>",
            int(*p),
            l.residents,
            l.compounds_word,
            pct(share)
        );
    }
    out.push_str("</g>");
    cell_m
}

/// Centres as squares coloured and sized by level, most important drawn last (on top).
fn centres(
    out: &mut String,
    f: &Frame,
    input: &ReportInput,
    levels: &[(String, &str, f64)],
    l: &Labels,
) {
    let a = input.analysis;
    let c = input.centres;
    let class_of: BTreeMap<&str, usize> = levels
        .iter()
        .enumerate()
        .map(|(k, (n, _, _))| (n.as_str(), k))
        .collect();
    let mut order: Vec<usize> = (0..c.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(class_of[c.level[i].as_str()]), i));
    out.push_str("<g class=\"lay-centres\" data-layer=\"centres\">");
    for i in order {
        let _ = write!(out, "<path class=\"ct lv{}", class_of[c.level[i].as_str()]);
        if let Some(cap) = input.capacity {
            let _ = write!(out, " ut{}", utilisation_class(cap, i));
        }
        let _ = write!(out, "\" data-i=\"{i}\" d=\"M");
        f.push_xy(out, a.centres_xy[i]);
        out.push_str("h.01\"><title>");
        push_esc(out, &c.ids[i]);
        if !c.name[i].is_empty() {
            out.push(' ');
            push_esc(out, &c.name[i]);
        }
        out.push_str(" · ");
        push_esc(out, &l.level(&c.level[i]));
        if let Some(load) = a.loads.get(i) {
            let _ = write!(out, " · {} {}", int(load.served_population), l.residents);
        }
        if let Some(cap) = input.capacity {
            let _ = write!(
                out,
                " · {} {} / {} {} · {} {}",
                l.col_assigned,
                int(cap.assignment.assigned[i]),
                l.col_capacity,
                int(cap.capacity[i]),
                l.col_utilisation,
                pct(cap.utilisation(i))
            );
        }
        out.push_str("</title></path>");
    }
    out.push_str("</g>");
}

/// Each gap zone's best single new site, as a diamond.
fn zone_best_sites(out: &mut String, f: &Frame, input: &ReportInput, sites: &Sites, l: &Labels) {
    let Some(g) = &input.gaps else { return };
    out.push_str("<g class=\"lay-best\" data-layer=\"sites\" data-kind=\"zone-best\">");
    for (z, p) in &sites.zone_best {
        let zone = &g.zones[*z];
        let (site, gain) = zone
            .best_site
            .expect("only zones with a best site are listed");
        out.push_str("<path class=\"bs\" d=\"M");
        f.push_xy(out, *p);
        // A tiny diagonal segment: its square caps draw a diamond.
        out.push_str("l.01 .01\"><title>");
        let _ = write!(out, "{} · {}: ", zone_id(*z), l.zone_best_site);
        push_esc(out, &g.sites.ids[site as usize]);
        let _ = write!(out, " +{} {}</title></path>", int(gain), l.residents);
    }
    out.push_str("</g>");
}

/// Proposed sites: their circle (dashed) and a red dot that carries the rank label.
fn proposed_sites(out: &mut String, f: &Frame, input: &ReportInput, sites: &Sites, l: &Labels) {
    let Some(sp) = &input.sites else { return };
    out.push_str("<g class=\"lay-sites\" data-layer=\"sites\" data-kind=\"plan\">");
    // A straight-line circle only where distance is measured in straight lines.
    let straight = input.analysis.metric == crate::coverage::Metric::Euclidean;
    for p in sites.chosen.iter().filter(|_| straight) {
        out.push_str("<circle class=\"sr\"");
        f.push_attr_xy(out, "cx", "cy", *p);
        out.push_str(" r=\"");
        f.push_len(out, input.circle.radius_m);
        out.push_str("\"/>");
    }
    for (site, p) in sp.plan.sites.iter().zip(&sites.chosen) {
        let _ = write!(out, "<path class=\"st\" data-rank=\"{}\" d=\"M", site.rank);
        f.push_xy(out, *p);
        let _ = write!(out, "h.01\"><title>#{} ", site.rank);
        push_esc(out, &sp.candidates.ids[site.candidate as usize]);
        let _ = write!(
            out,
            " · +{} {} · {} {}</title></path>",
            int(site.gain_population),
            l.residents,
            l.col_cumulative,
            pct(site.cumulative_share)
        );
    }
    out.push_str("</g>");
}

/// Zone names and site ranks. Sized in map units; the script rescales them on zoom.
fn labels(out: &mut String, f: &Frame, input: &ReportInput, sites: &Sites) {
    out.push_str("<g id=\"map-labels\" class=\"labels\" font-size=\"");
    push_num(out, LABEL_PX / f.scale, 3);
    out.push_str("\">");
    if let Some(g) = &input.gaps {
        let xy = &input.analysis.compounds_xy;
        for (z, zone) in g.zones.iter().enumerate().take(MAX_ZONE_LABELS) {
            let n = zone.compounds.len() as f64;
            let (sx, sy) = zone.compounds.iter().fold((0.0, 0.0), |(x, y), &i| {
                (x + xy[i as usize][0], y + xy[i as usize][1])
            });
            // Above the zone's centre, clear of the dots.
            let p = [sx / n, sy / n + 1.2 * LABEL_PX / f.scale];
            out.push_str("<text class=\"zl\"");
            f.push_attr_xy(out, "x", "y", p);
            let _ = write!(out, ">{}</text>", zone_id(z));
        }
    }
    if let Some(sp) = &input.sites {
        for (site, p) in sp
            .plan
            .sites
            .iter()
            .zip(&sites.chosen)
            .take(MAX_SITE_LABELS)
        {
            out.push_str("<text class=\"sl\"");
            f.push_attr_xy(out, "x", "y", *p);
            let _ = write!(out, ">{}</text>", site.rank);
        }
    }
    out.push_str("</g>");
}

/// The style of the areas' outlines, names and legend swatch.
const BOUNDARY_CSS: &str = "<style>.map .bd{fill:none;stroke:#495057;stroke-width:1.4px;\
    stroke-dasharray:8 3 2 3;vector-effect:non-scaling-stroke}.map .bl{fill:#495057;\
    fill-opacity:.75;font-weight:700;text-anchor:middle;dominant-baseline:central;\
    pointer-events:none;paint-order:stroke;stroke:#fff;stroke-width:.25em}.sw-bd{fill:none;\
    stroke:#495057;stroke-width:1.4;stroke-dasharray:5 2 1 2}</style>";

/// The areas of `--boundaries` under every other layer: each outline, and its name at a
/// point inside it.
fn boundaries(out: &mut String, f: &Frame, input: &ReportInput, areas: &crate::Boundaries) {
    use geo::{CoordsIter, InteriorPoint};
    let study = &input.analysis.study;
    // Styled here rather than in report.css: a page without areas stays byte for byte as it was.
    out.push_str(BOUNDARY_CSS);
    out.push_str("<g class=\"lay-bounds\" data-layer=\"boundaries\" font-size=\"");
    push_num(out, LABEL_PX / f.scale, 3);
    out.push_str("\">");
    for (name, shape) in areas.names.iter().zip(&areas.polygons) {
        out.push_str("<path class=\"bd\" d=\"");
        for polygon in &shape.0 {
            for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                let lonlat: Vec<[f64; 2]> = ring.coords_iter().map(|c| [c.x, c.y]).collect();
                for (k, p) in study.project(&lonlat).into_iter().enumerate() {
                    out.push(if k == 0 { 'M' } else { 'L' });
                    f.push_xy(out, p);
                }
                out.push('Z');
            }
        }
        out.push_str("\"><title>");
        push_esc(out, name);
        out.push_str("</title></path>");
        if let Some(p) = shape.interior_point() {
            out.push_str("<text class=\"bl\"");
            let xy = study.plane.project(p.x(), p.y());
            f.push_attr_xy(out, "x", "y", xy);
            out.push('>');
            push_esc(out, name);
            out.push_str("</text>");
        }
    }
    out.push_str("</g>");
}

/// Bottom-left scale bar, in pixels; the script redraws it on zoom with the same rule.
fn scale_bar(out: &mut String, f: &Frame) {
    let len_m = nice_floor(SCALE_BAR_PX / f.scale);
    let w = len_m * f.scale;
    let _ = write!(
        out,
        "<g id=\"scale-bar\" class=\"scale-bar\" transform=\"translate(16 {y})\">\
         <rect class=\"sb-bg\" x=\"-6\" y=\"-18\" width=\"{bg}\" height=\"30\" rx=\"3\"/>\
         <rect id=\"sb-a\" x=\"0\" y=\"0\" width=\"{h}\" height=\"6\"/>\
         <rect id=\"sb-b\" class=\"sb-alt\" x=\"{h}\" y=\"0\" width=\"{h}\" height=\"6\"/>\
         <text x=\"0\" y=\"-5\">0</text><text id=\"sb-t\" x=\"{w}\" y=\"-5\">{label}</text></g>",
        y = f.height_px - 18.0,
        bg = w + 40.0,
        h = w / 2.0,
        label = metres(len_m),
    );
}

/// Top-right north arrow (the local plane's grid north, true north on its central meridian).
fn north_arrow(out: &mut String, l: &Labels) {
    let _ = write!(
        out,
        "<g class=\"north\" transform=\"translate({x} 44)\">\
         <circle r=\"22\" class=\"na-bg\"/>\
         <path d=\"M0 -16L7 8L0 3L-7 8Z\"/>\
         <text y=\"-20\">{n}</text></g>",
        x = WIDTH_PX - 34.0,
        n = l.north,
    );
}

pub(crate) fn swatch(shape: &str) -> String {
    format!("<svg class=\"sw\" viewBox=\"0 0 20 20\" aria-hidden=\"true\">{shape}</svg>")
}

/// A legend list being written: one `<li>` per swatch and its text.
pub(super) struct Legend {
    out: String,
}

impl Legend {
    /// Appends one item: a swatch drawn with `shape` (SVG in a 20 × 20 box) and `text`.
    pub(super) fn item(&mut self, shape: String, text: &str) {
        let _ = write!(self.out, "<li>{}", swatch(&shape));
        push_esc(&mut self.out, text);
        self.out.push_str("</li>");
    }
}

/// The legend: what each colour, shape and size means.
fn legend(
    input: &ReportInput,
    f: &Frame,
    levels: &[(String, &str, f64)],
    density: bool,
    l: &Labels,
) -> String {
    let mut legend = Legend {
        out: String::from("<ul class=\"legend\">"),
    };
    if density {
        density_legend(&mut legend, f, l);
    } else {
        compound_legend(&mut legend, input, l);
    }
    layer_legend(&mut legend, input, l);
    super::whatif::legend_items(&mut legend, input, l);
    let mut out = legend.out;
    out.push_str("</ul>");
    if let Some(cap) = input.capacity {
        utilisation_legend(&mut out, cap, l);
    }
    if !levels.is_empty() {
        level_legend(&mut out, input, levels, l);
    }
    out
}

/// A square swatch of `side` pixels in `colour`, centred in the 20 px legend box.
pub(crate) fn square(side: f64, colour: &str) -> String {
    let o = 10.0 - side / 2.0;
    format!("<rect x=\"{o}\" y=\"{o}\" width=\"{side}\" height=\"{side}\" fill=\"{colour}\"/>")
}

/// The utilisation classes of a capacitated run: each class's colour, range and count of
/// centres.
fn utilisation_legend(out: &mut String, cap: &crate::capacity::Capacitated, l: &Labels) {
    let mut counts = [0usize; UTILISATION.len()];
    for s in 0..cap.capacity.len() {
        counts[utilisation_class(cap, s)] += 1;
    }
    let _ = write!(
        out,
        "<ul class=\"legend legend-utilisation\"><li class=\"lh\">{}:</li>",
        l.centre_utilisation
    );
    let names = UTILISATION_BINS.iter().copied().chain([l.utilisation_full]);
    for ((colour, name), n) in UTILISATION.iter().zip(names).zip(counts) {
        let _ = write!(out, "<li>{}", swatch(&square(10.0, colour)));
        push_esc(out, name);
        let _ = write!(out, " ({n})</li>");
    }
    out.push_str("</ul>");
}

/// The density ramp and its cell size.
fn density_legend(legend: &mut Legend, f: &Frame, l: &Labels) {
    let mut ramp = String::new();
    for (k, c) in DENSITY.iter().enumerate() {
        let _ = write!(
            ramp,
            "<rect x=\"{}\" y=\"4\" width=\"4\" height=\"12\" fill=\"{c}\"/>",
            k * 4
        );
    }
    let cell = nice_ceil(f.extent_m / DENSITY_CELLS_ACROSS);
    legend.item(
        ramp,
        &format!("{} ({}); {}", l.density_note, metres(cell), l.density_share),
    );
}

/// Compound points: covered, uncovered, covered by a new site, and size as population.
fn compound_legend(legend: &mut Legend, input: &ReportInput, l: &Labels) {
    legend.item(
        format!("<circle cx=\"10\" cy=\"10\" r=\"5\" fill=\"{COVERED}\"/>"),
        l.covered_compound,
    );
    legend.item(
        format!("<circle cx=\"10\" cy=\"10\" r=\"5\" fill=\"{UNCOVERED}\"/>"),
        l.uncovered_compound,
    );
    if input.sites.is_some() {
        legend.item(
            format!("<circle cx=\"10\" cy=\"10\" r=\"5\" fill=\"{BY_NEW_SITE}\"/>"),
            l.covered_by_new_site,
        );
    }
    legend.item(
        "<circle cx=\"6\" cy=\"12\" r=\"2\" fill=\"#868e96\"/>\
         <circle cx=\"14\" cy=\"10\" r=\"5\" fill=\"#868e96\"/>"
            .to_string(),
        l.size_is_population,
    );
}

/// Service circles (or the note that they are omitted), gap zones with their best sites, and
/// proposed sites.
fn layer_legend(legend: &mut Legend, input: &ReportInput, l: &Labels) {
    if input.run.boundaries.is_some() {
        legend.item(
            "<rect x=\"2\" y=\"4\" width=\"16\" height=\"12\" class=\"sw-bd\"/>".into(),
            l.boundaries,
        );
    }
    if !input.centres.is_empty() {
        if input.centres.len() <= MAX_CIRCLES {
            area_legend(legend, input, l);
        } else {
            legend.item(String::new(), l.circles_omitted);
        }
    }
    if input.gaps.is_some() {
        legend.item(
            "<rect x=\"2\" y=\"4\" width=\"16\" height=\"12\" rx=\"4\" class=\"sw-gz\"/>".into(),
            l.gap_zone,
        );
        legend.item(
            "<rect x=\"6\" y=\"6\" width=\"8\" height=\"8\" transform=\"rotate(45 10 10)\" class=\"sw-bs\"/>"
                .into(),
            l.zone_best_site,
        );
    }
    if input.sites.is_some() {
        legend.item(
            format!(
                "<circle cx=\"10\" cy=\"10\" r=\"8\" fill=\"{SITE}\"/>\
                 <text x=\"10\" y=\"14\" text-anchor=\"middle\" font-size=\"11\" fill=\"#fff\">1</text>"
            ),
            l.proposed_site,
        );
    }
}

/// What stands for a centre's reach: its straight-line circle, its walking service area (with
/// the streets), or, for a cost table, a note that none can be drawn.
fn area_legend(legend: &mut Legend, input: &ReportInput, l: &Labels) {
    use crate::coverage::Metric;
    match (input.analysis.metric, input.network) {
        (Metric::Euclidean, _) => legend.item(
            "<circle cx=\"10\" cy=\"10\" r=\"8\" class=\"sw-sc\"/>".into(),
            l.service_circle,
        ),
        (Metric::Network, Some(_)) => {
            legend.item(
                "<path d=\"M3 6L10 2L17 7L15 16L6 17Z\" class=\"sw-sa\"/>".into(),
                l.service_area,
            );
            legend.item(
                "<path d=\"M1 14L8 8L19 12M8 8L10 1\" class=\"sw-sn\"/>".into(),
                l.streets,
            );
            legend.item(String::new(), l.service_area_note);
        }
        (Metric::Matrix, _) => legend.item(String::new(), l.matrix_no_areas),
        (Metric::Network, None) => {}
    }
}

/// The centre levels: a square of each level's colour and size, its name and its count.
fn level_legend(out: &mut String, input: &ReportInput, levels: &[(String, &str, f64)], l: &Labels) {
    let _ = write!(
        out,
        "<ul class=\"legend\"><li class=\"lh\">{}:</li>",
        l.centre_levels
    );
    for (name, colour, size) in levels {
        let n = input.centres.level.iter().filter(|x| *x == name).count();
        // Under capacity the marks take their utilisation's colour: levels keep only size.
        let colour = if input.capacity.is_some() {
            "#868e96"
        } else {
            colour
        };
        let _ = write!(
            out,
            "<li>{}",
            swatch(&square(size.clamp(6.0, 14.0), colour))
        );
        push_esc(out, &l.level(name));
        let _ = write!(out, " ({n})</li>");
    }
    out.push_str("</ul>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_lengths() {
        assert_eq!(nice_floor(130.0), 100.0);
        assert_eq!(nice_floor(260.0), 200.0);
        assert_eq!(nice_floor(7400.0), 5000.0);
        assert_eq!(nice_ceil(61.0), 100.0);
        assert_eq!(nice_ceil(210.0), 250.0);
        assert_eq!(nice_ceil(100.0), 100.0);
    }

    #[test]
    fn levels_order_by_importance_then_name() {
        let levels: Vec<String> = ["station", "district", "zz", "community", "street", "aa"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let names: Vec<String> = level_styles(&levels).into_iter().map(|x| x.0).collect();
        assert_eq!(
            names,
            ["district", "street", "community", "station", "aa", "zz"]
        );
    }

    #[test]
    fn frame_keeps_aspect_and_fits_the_data() {
        let f = Frame::new([[0.0, 0.0], [10_000.0, 5_000.0]].into_iter(), 2000.0);
        assert!(f.height_px >= 0.6 * WIDTH_PX);
        let right = 10_000.0 * f.scale + f.offset_px[0];
        assert!(right <= WIDTH_PX - PAD_PX + 1e-6);
        // A single point still gets an area of the minimum extent around it.
        let g = Frame::new([[5.0, 5.0]].into_iter(), 2000.0);
        assert!((g.extent_m - 2000.0).abs() < 1e-9);
    }
}
