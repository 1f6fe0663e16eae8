//! Polygons a GIS accepts: every ring written is closed, free of repeated vertices and
//! self-intersections, exterior counter-clockwise (RFC 7946), checked after rounding to the
//! written precision, because rounding alone can make a thin outline cross itself.

use geo::algorithm::bool_ops::{BooleanOps, FillRule};
use geo::{
    Area, ConvexHull, LineString, MultiPoint, Orient, Polygon, Validation, orient::Direction,
};

use crate::study::round_output;

/// A ring (output lon/lat) that crosses the antimeridian, split there into its parts east
/// and west of it, as RFC 7946 §3.1.9 asks: `None` when the ring does not cross it (a jump of
/// more than 180° between consecutive points) or nothing valid is left.
pub fn split_at_antimeridian(ring: &[[f64; 2]]) -> Option<Vec<Polygon>> {
    if !ring.windows(2).any(|w| (w[1][0] - w[0][0]).abs() > 180.0) {
        return None;
    }
    // Continuous longitudes (west of the line moved past 180), then cut at 180.
    let unwrapped: Vec<[f64; 2]> = ring
        .iter()
        .map(|&[x, y]| [if x < 0.0 { x + 360.0 } else { x }, y])
        .collect();
    let whole = valid_polygon(&unwrapped)?;
    let (lo, hi) = unwrapped.iter().fold((90.0f64, -90.0f64), |(lo, hi), p| {
        (lo.min(p[1]), hi.max(p[1]))
    });
    let band = |x0: f64, x1: f64| {
        geo::Rect::new(
            geo::coord! { x: x0, y: lo - 1.0 },
            geo::coord! { x: x1, y: hi + 1.0 },
        )
        .to_polygon()
    };
    let east = whole.intersection(&band(0.0, 180.0));
    let west = whole.intersection(&band(180.0, 360.0));
    let shifted = west.0.into_iter().map(|p| {
        use geo::Translate;
        p.translate(-360.0, 0.0)
    });
    // Overlay arithmetic leaves noise on the cut (180.000000005): back to the written
    // precision, within ±180.
    let parts: Vec<Polygon> = east
        .0
        .into_iter()
        .chain(shifted)
        .filter_map(|p| {
            let ring: Vec<[f64; 2]> = p
                .exterior()
                .coords()
                .map(|c| [round_output(c.x).clamp(-180.0, 180.0), round_output(c.y)])
                .collect();
            valid_polygon(&ring)
        })
        .collect();
    (!parts.is_empty()).then_some(parts)
}

/// A valid Polygon through `ring` (output longitude/latitude, already rounded): the ring
/// itself when valid; else its self-intersections resolved (non-zero fill) keeping the
/// largest part; else its convex hull. `None` when the points span no area.
pub fn valid_polygon(ring: &[[f64; 2]]) -> Option<Polygon> {
    let ring_ls = clean_ring(ring)?;
    if strictly_convex_ccw(&ring_ls) {
        // Circles, and any strictly convex ring turning once: simple by construction, so the
        // general (quadratic) validation is skipped for the thousands of circles of a city.
        return Some(Polygon::new(ring_ls, vec![]));
    }
    let raw = Polygon::new(ring_ls, vec![]);
    if raw.is_valid() && raw.unsigned_area() > 0.0 {
        return Some(raw.orient(Direction::Default));
    }
    if let Some(p) = repaired(raw) {
        return Some(p.orient(Direction::Default));
    }
    let points: MultiPoint = ring.iter().map(|&[x, y]| geo::Point::new(x, y)).collect();
    let hull = points.convex_hull();
    (hull.is_valid() && hull.unsigned_area() > 0.0).then(|| hull.orient(Direction::Default))
}

/// True when the closed ring turns strictly left at every vertex (robust orientation test)
/// and winds exactly once: a convex, simple, counter-clockwise ring.
fn strictly_convex_ccw(ring: &LineString) -> bool {
    use geo::kernels::{Kernel, Orientation, RobustKernel};
    let c = &ring.0;
    let n = c.len() - 1;
    if n < 3 {
        return false;
    }
    let mut turning = 0.0;
    for i in 0..n {
        let (a, b, d) = (c[i], c[(i + 1) % n], c[(i + 2) % n]);
        if RobustKernel::orient2d(a, b, d) != Orientation::CounterClockwise {
            return false;
        }
        let (u, v) = (b - a, d - b);
        turning += (u.x * v.y - u.y * v.x).atan2(u.x * v.x + u.y * v.y);
    }
    (turning - std::f64::consts::TAU).abs() < 1e-6
}

/// Resolves self-intersections (non-zero fill) and keeps the largest part, rounded to the
/// written precision; rounding can pinch that part again, so this repeats a few times.
fn repaired(mut polygon: Polygon) -> Option<Polygon> {
    let empty = Polygon::new(LineString::new(vec![]), vec![]);
    for _ in 0..4 {
        let parts = polygon.union_with_fill_rule(&empty, FillRule::NonZero);
        let largest = parts
            .0
            .into_iter()
            .max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()))?;
        polygon = rounded(&largest)?;
        if polygon.is_valid() && polygon.unsigned_area() > 0.0 {
            return Some(polygon);
        }
    }
    None
}

/// `ring` without consecutive repeated vertices, closed; `None` with fewer than three
/// distinct vertices.
fn clean_ring(ring: &[[f64; 2]]) -> Option<LineString> {
    let mut pts: Vec<geo::Coord> = Vec::with_capacity(ring.len() + 1);
    for &[x, y] in ring {
        let c = geo::Coord { x, y };
        if pts.last() != Some(&c) {
            pts.push(c);
        }
    }
    while pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    if pts.len() < 3 {
        return None;
    }
    pts.push(pts[0]);
    Some(LineString::new(pts))
}

/// A polygon from a boolean operation with every vertex rounded to the written precision and
/// its rings cleaned again (`None` when the exterior collapses).
fn rounded(p: &Polygon) -> Option<Polygon> {
    let round = |ls: &LineString| -> Option<LineString> {
        let pts: Vec<[f64; 2]> = ls
            .coords()
            .map(|c| [round_output(c.x), round_output(c.y)])
            .collect();
        clean_ring(&pts)
    };
    let exterior = round(p.exterior())?;
    let holes = p.interiors().iter().filter_map(round).collect();
    Some(Polygon::new(exterior, holes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Winding;

    #[test]
    fn a_valid_ring_is_kept_and_turned_counter_clockwise() {
        let cw = [[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0], [0.0, 0.0]];
        let p = valid_polygon(&cw).unwrap();
        assert!(p.exterior().is_ccw());
        assert_eq!(p.unsigned_area(), 1.0);
    }

    #[test]
    fn the_convex_fast_path_accepts_only_simple_convex_rings() {
        let ring = |pts: &[[f64; 2]]| clean_ring(pts).unwrap();
        let square = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]];
        assert!(strictly_convex_ccw(&ring(&square)));
        let mut cw = square;
        cw.reverse();
        assert!(!strictly_convex_ccw(&ring(&cw)));
        // A pentagram turns left at every vertex but winds twice.
        let star: Vec<[f64; 2]> = (0..5)
            .map(|k| {
                let a = std::f64::consts::TAU * (2 * k) as f64 / 5.0;
                [a.cos(), a.sin()]
            })
            .collect();
        assert!(!strictly_convex_ccw(&ring(&star)));
        assert!(valid_polygon(&star).unwrap().is_valid());
        let collinear = [[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [2.0, 1.0]];
        assert!(!strictly_convex_ccw(&ring(&collinear)));
    }

    #[test]
    fn a_bow_tie_is_repaired() {
        let bow = [[0.0, 0.0], [2.0, 2.0], [2.0, 0.0], [0.0, 2.0], [0.0, 0.0]];
        assert!(!Polygon::new(LineString::from(bow.to_vec()), vec![]).is_valid());
        let p = valid_polygon(&bow).unwrap();
        assert!(p.is_valid() && p.exterior().is_ccw());
        assert!(
            (p.unsigned_area() - 1.0).abs() < 1e-9,
            "{}",
            p.unsigned_area()
        );
    }

    #[test]
    fn a_repair_keeps_the_bulk_of_the_area() {
        // A 1 × 1 square (in 1e-7° units, the written precision) with a long thin spike
        // folding back across its own edge.
        let u = 1e-7;
        let ring: Vec<[f64; 2]> = [
            [0.0, 0.0],
            [1000.0, 0.0],
            [1000.0, 1000.0],
            [500.0, 1000.0],
            [500.0, -3.0],
            [501.0, -3.0],
            [501.0, 1001.0],
            [0.0, 1000.0],
        ]
        .iter()
        .map(|&[x, y]| [x * u, y * u])
        .collect();
        let p = valid_polygon(&ring).unwrap();
        assert!(p.is_valid() && p.exterior().is_ccw());
        let square = 1e6 * u * u;
        assert!(
            p.unsigned_area() > 0.9 * square,
            "{}",
            p.unsigned_area() / square
        );
    }

    #[test]
    fn repeated_and_degenerate_rings() {
        let rep = [[0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]];
        assert!(valid_polygon(&rep).unwrap().is_valid());
        assert!(valid_polygon(&[[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]]).is_none());
        assert!(valid_polygon(&[[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [0.0, 0.0]]).is_none());
    }
}

#[cfg(test)]
mod antimeridian_tests {
    use super::*;

    #[test]
    fn a_ring_across_the_antimeridian_is_split_into_two_parts() {
        let ring = [
            [179.99, -17.0],
            [-179.99, -17.0],
            [-179.99, -16.98],
            [179.99, -16.98],
            [179.99, -17.0],
        ];
        let parts = split_at_antimeridian(&ring).expect("split");
        assert_eq!(parts.len(), 2);
        for p in &parts {
            for c in p.exterior().coords() {
                assert!((-180.0..=180.0).contains(&c.x), "{c:?}");
            }
            let xs: Vec<f64> = p.exterior().coords().map(|c| c.x).collect();
            let span = xs.iter().cloned().fold(f64::MIN, f64::max)
                - xs.iter().cloned().fold(f64::MAX, f64::min);
            assert!(span < 0.05, "each part stays on its side: {xs:?}");
        }
        let area: f64 = parts.iter().map(|p| p.unsigned_area()).sum();
        assert!((area - 0.02 * 0.02).abs() < 1e-9, "{area}");
        assert!(
            split_at_antimeridian(&[[117.0, 31.0], [117.1, 31.0], [117.1, 31.1], [117.0, 31.0]])
                .is_none()
        );
    }
}
