//! The walking layers of the report's map: the street lines (thinned to the map's scale,
//! drawn under everything) and each centre's walking service area, the same outline of the
//! streets walkable within its budget that `circles.geojson` holds for a walking run.

use std::collections::HashSet;
use std::fmt::Write;

use super::map::Frame;
use crate::model::Centres;
use crate::network::{StreetNetwork, service_area_outline};

/// Most street segments drawn; beyond it the map stays light enough to open.
const MAX_STREET_SEGMENTS: usize = 200_000;
/// Grid the street ends are snapped to, in screen pixels at zoom 1.
const STREET_GRID_PX: f64 = 1.0;
/// Spacing of the points a service-area outline is drawn through, metres (as in
/// `circles.geojson`).
const OUTLINE_SPACING_M: f64 = 25.0;

/// The street lines in one `<path>`: every edge with its ends snapped to a one-pixel grid,
/// edges that fall on one cell and repeats left out (the map's own resolution, so a city's
/// streets stay a few hundred kilobytes).
pub(crate) fn streets(out: &mut String, f: &Frame, network: &StreetNetwork) {
    let cell_m = STREET_GRID_PX / f.scale;
    let snap = |p: [f64; 2]| {
        let [x, y] = f.map_xy(p);
        [(x / cell_m).round() as i64, (y / cell_m).round() as i64]
    };
    let mut seen: HashSet<[i64; 4]> = HashSet::new();
    out.push_str("<g class=\"lay-streets\" data-layer=\"streets\"><path class=\"sn\" d=\"");
    for e in 0..network.edge_count() {
        if seen.len() >= MAX_STREET_SEGMENTS {
            break;
        }
        let [a, b] = network.edge_nodes(e);
        let (pa, pb) = (network.node_xy(a as usize), network.node_xy(b as usize));
        let (sa, sb) = (snap(pa), snap(pb));
        if sa == sb {
            continue;
        }
        let key = if sa < sb {
            [sa[0], sa[1], sb[0], sb[1]]
        } else {
            [sb[0], sb[1], sa[0], sa[1]]
        };
        if !seen.insert(key) {
            continue;
        }
        out.push('M');
        f.push_xy(out, pa);
        out.push('L');
        f.push_xy(out, pb);
    }
    out.push_str("\"/></g>");
}

/// The walking service areas: per centre, the outline of the streets walkable within its
/// budget (none for a centre beyond the snap limit).
pub(super) fn service_areas(
    out: &mut String,
    f: &Frame,
    centres: &Centres,
    centres_xy: &[[f64; 2]],
    budget_m: &[f64],
    (network, snap_limit_m): (&StreetNetwork, f64),
) {
    out.push_str("<g class=\"lay-areas\" data-layer=\"service-areas\">");
    for (i, (p, budget)) in centres_xy.iter().zip(budget_m).enumerate() {
        let Some(snap) = network.snap_one(*p, snap_limit_m) else {
            continue;
        };
        let pieces = network.service_area_segments(&snap, *budget);
        let ring = service_area_outline(&pieces, OUTLINE_SPACING_M);
        if ring.len() < 4 {
            continue;
        }
        let _ = write!(out, "<path class=\"sa\" data-i=\"{i}\" d=\"");
        for (k, q) in ring.iter().enumerate() {
            out.push(if k == 0 { 'M' } else { 'L' });
            f.push_xy(out, *q);
        }
        out.push_str("Z\"><title>");
        super::markup::push_esc(out, &centres.ids[i]);
        out.push_str("</title></path>");
    }
    out.push_str("</g>");
}
