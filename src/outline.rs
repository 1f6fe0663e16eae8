//! Plane geometry of compound outlines: the distance from a point to a polygon (0 inside or
//! on it) and the point of a polygon nearest to a street segment. A compound given as a
//! polygon is entered from its outline, not from a point inside it.

use geo::{Intersects, MultiPolygon, Point};

/// Squared distance from `p` to segment `a`–`b` and the nearest point of the segment.
fn to_segment(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> (f64, [f64; 2]) {
    let d = [b[0] - a[0], b[1] - a[1]];
    let len2 = d[0] * d[0] + d[1] * d[1];
    let t = if len2 > 0.0 {
        (((p[0] - a[0]) * d[0] + (p[1] - a[1]) * d[1]) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let q = [a[0] + t * d[0], a[1] + t * d[1]];
    let (x, y) = (p[0] - q[0], p[1] - q[1]);
    (x * x + y * y, q)
}

/// Every edge of every ring of `poly`.
fn edges(poly: &MultiPolygon<f64>) -> impl Iterator<Item = ([f64; 2], [f64; 2])> + '_ {
    poly.0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|ring| ring.lines())
        .map(|l| ([l.start.x, l.start.y], [l.end.x, l.end.y]))
}

/// True when `p` lies inside `poly` or on its boundary.
pub(crate) fn covers(poly: &MultiPolygon<f64>, p: [f64; 2]) -> bool {
    poly.intersects(&Point::new(p[0], p[1]))
}

/// Distance from `p` to `poly`: 0 inside or on it, else to its nearest edge.
pub(crate) fn distance(poly: &MultiPolygon<f64>, p: [f64; 2]) -> f64 {
    if covers(poly, p) {
        return 0.0;
    }
    edges(poly)
        .map(|(a, b)| to_segment(p, a, b).0)
        .fold(f64::INFINITY, f64::min)
        .sqrt()
}

/// The farthest vertex of `poly` from `p`: no point of the polygon is farther.
pub(crate) fn radius(poly: &MultiPolygon<f64>, p: [f64; 2]) -> f64 {
    edges(poly)
        .map(|(a, _)| (a[0] - p[0]).hypot(a[1] - p[1]))
        .fold(0.0, f64::max)
}

/// Where segments `a`–`b` and `c`–`d` meet, if they do (touching counts).
fn crossing(a: [f64; 2], b: [f64; 2], c: [f64; 2], d: [f64; 2]) -> Option<[f64; 2]> {
    let r = [b[0] - a[0], b[1] - a[1]];
    let s = [d[0] - c[0], d[1] - c[1]];
    let den = r[0] * s[1] - r[1] * s[0];
    let w = [c[0] - a[0], c[1] - a[1]];
    if den == 0.0 {
        // Parallel: they meet only where one's end lies on the other.
        return [c, d]
            .into_iter()
            .find(|&e| to_segment(e, a, b).0 == 0.0)
            .or_else(|| [a, b].into_iter().find(|&e| to_segment(e, c, d).0 == 0.0));
    }
    let t = (w[0] * s[1] - w[1] * s[0]) / den;
    let u = (w[0] * r[1] - w[1] * r[0]) / den;
    ((0.0..=1.0).contains(&t) && (0.0..=1.0).contains(&u))
        .then(|| [a[0] + t * r[0], a[1] + t * r[1]])
}

/// The distance between segment `a`–`b` and `poly`, and the point of the polygon (inside or
/// on it) that is that far from the segment: where they meet when they do (distance 0).
pub(crate) fn nearest_to_segment(
    poly: &MultiPolygon<f64>,
    a: [f64; 2],
    b: [f64; 2],
) -> (f64, [f64; 2]) {
    for e in [a, b] {
        if covers(poly, e) {
            return (0.0, e);
        }
    }
    if let Some(p) = edges(poly).find_map(|(c, d)| crossing(a, b, c, d)) {
        return (0.0, p);
    }
    let mut best = (f64::INFINITY, a);
    for (c, d) in edges(poly) {
        // A polygon vertex against the segment; a segment end against the polygon's edge.
        let (d2, _) = to_segment(c, a, b);
        if d2 < best.0 {
            best = (d2, c);
        }
        for e in [a, b] {
            let (d2, q) = to_segment(e, c, d);
            if d2 < best.0 {
                best = (d2, q);
            }
        }
    }
    (best.0.sqrt(), best.1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, Polygon};

    fn square(x: f64, y: f64, side: f64) -> MultiPolygon<f64> {
        let ring = LineString::from(vec![
            (x, y),
            (x + side, y),
            (x + side, y + side),
            (x, y + side),
            (x, y),
        ]);
        MultiPolygon(vec![Polygon::new(ring, vec![])])
    }

    #[test]
    fn distance_is_zero_inside_and_on_the_edge_and_to_the_nearest_edge_outside() {
        let sq = square(0.0, 0.0, 100.0);
        assert_eq!(distance(&sq, [50.0, 50.0]), 0.0);
        assert_eq!(distance(&sq, [100.0, 30.0]), 0.0);
        assert_eq!(distance(&sq, [130.0, 50.0]), 30.0);
        assert_eq!(distance(&sq, [103.0, 104.0]), 5.0);
        assert_eq!(radius(&sq, [50.0, 50.0]), 50.0 * 2f64.sqrt());
    }

    #[test]
    fn nearest_point_to_a_segment_matches_a_dense_sampling() {
        let mut rng = crate::rng::Rng::new(3);
        let sq = square(0.0, 0.0, 100.0);
        for _ in 0..300 {
            let a = [rng.range(-300.0, 400.0), rng.range(-300.0, 400.0)];
            let b = [rng.range(-300.0, 400.0), rng.range(-300.0, 400.0)];
            let (d, p) = nearest_to_segment(&sq, a, b);
            assert!(distance(&sq, p) < 1e-9, "{p:?} is on the polygon");
            assert!(
                (to_segment(p, a, b).0.sqrt() - d).abs() < 1e-9,
                "{a:?} {b:?}"
            );
            // No sample of the segment is nearer the polygon than `d`.
            let sampled = (0..=2000)
                .map(|k| {
                    let t = k as f64 / 2000.0;
                    distance(&sq, [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])])
                })
                .fold(f64::INFINITY, f64::min);
            assert!(d <= sampled + 1e-9, "{a:?} {b:?}: {d} vs {sampled}");
            assert!(sampled - d < 0.5, "{a:?} {b:?}: {d} vs {sampled}");
        }
    }
}
