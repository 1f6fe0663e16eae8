//! Snapping points to the street network: the nearest point on the nearest segment (R-tree),
//! with the straight offset a walker adds to reach it. `snap_brute_force` is the oracle.

use rayon::prelude::*;

use super::graph::{StreetNetwork, dist};

/// Where a point joins the network: a position on one edge and the straight offset to it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snap {
    /// The edge (see [`StreetNetwork::edge_nodes`]).
    pub edge: u32,
    /// Distance along the edge from its first node `a`, metres (`0..=length`).
    pub along_m: f64,
    /// Straight distance from the point to the snapped position, metres.
    pub offset_m: f64,
}

/// Relative slack when collecting R-tree candidates: rstar's distance and ours may differ in
/// the last bits, and every edge tied for nearest must be seen to pick the lowest index.
const TIE_SLACK: f64 = 1e-9;

/// Radius of the first disc searched when snapping, metres.
const FIRST_RADIUS_M: f64 = 64.0;

impl StreetNetwork {
    /// Snaps every point to the nearest point of the nearest edge; `None` when no edge lies
    /// within `limit_m` (or the network is empty, or the limit is NaN). Ties go to the lowest edge index. Runs in
    /// parallel; the result does not depend on the thread count.
    pub fn snap(&self, points: &[[f64; 2]], limit_m: f64) -> Vec<Option<Snap>> {
        // Points in grid order (cells of about the first search disc), so that consecutive
        // queries walk the same R-tree nodes while they are in cache; results go back to input
        // order. Measured 1.6x faster than input order on a 100k-compound layer in file order.
        let order = crate::index::PointGrid::new(points, 4.0 * FIRST_RADIUS_M);
        let by_slot: Vec<Option<Snap>> = order
            .points()
            .par_iter()
            .with_min_len(1024)
            .map(|q| self.snap_one(q.xy, limit_m))
            .collect();
        let mut out = vec![None; points.len()];
        for (q, s) in order.points().iter().zip(by_slot) {
            out[q.index as usize] = s;
        }
        out
    }

    /// Snaps one point (see [`StreetNetwork::snap`]).
    pub fn snap_one(&self, p: [f64; 2], limit_m: f64) -> Option<Snap> {
        if limit_m.is_nan() || limit_m < 0.0 {
            return None;
        }
        // Search a small disc first and widen it 4x at a time: most points lie within tens of
        // metres of a street, and `locate_within_distance` needs no heap, so this measured
        // twice as fast as rstar's nearest-neighbour iterator. Within a disc of radius r every
        // edge closer than r is seen, so the best one found within r is the nearest overall,
        // and all edges tied with it are among the candidates (lowest index wins).
        let mut r = FIRST_RADIUS_M.min(limit_m);
        loop {
            let mut best: Option<Snap> = None;
            let reach_d2 = r * r * (1.0 + TIE_SLACK) + 1e-18;
            self.tree.near(p, reach_d2, |cand| {
                if cand.distance_2(&p) > reach_d2 {
                    return;
                }
                let s = self.project(cand.data, p);
                if best.is_none_or(|b| (s.offset_m, s.edge) < (b.offset_m, b.edge)) {
                    best = Some(s);
                }
            });
            if let Some(b) = best
                && b.offset_m <= r
            {
                return (b.offset_m <= limit_m).then_some(b);
            }
            if r >= limit_m {
                return None;
            }
            r = (r * 4.0).min(limit_m);
        }
    }

    /// Where a polygon compound joins the network: the point of `outline` (plane metres)
    /// nearest to the nearest street, so that snapping it gives the street point nearest to
    /// the polygon, with the gap between them as the offset (0 where a street touches or
    /// crosses it). `None` when no street lies within `limit_m` of the polygon. Ties go to the
    /// lowest edge index.
    pub fn outline_access(
        &self,
        outline: &geo::MultiPolygon<f64>,
        limit_m: f64,
    ) -> Option<[f64; 2]> {
        use geo::BoundingRect;
        let rect = outline.bounding_rect()?;
        if limit_m.is_nan() || limit_m < 0.0 {
            return None;
        }
        let mut r = FIRST_RADIUS_M.min(limit_m);
        loop {
            // Every edge within r of the polygon has its box within r of the polygon's box.
            let envelope = [
                rect.min().x - r,
                rect.min().y - r,
                rect.max().x + r,
                rect.max().y + r,
            ];
            let mut best: Option<(f64, u32, [f64; 2])> = None;
            self.tree.intersecting(&envelope, |cand| {
                let (d, p) = crate::outline::nearest_to_segment(outline, cand.a, cand.b);
                if best.is_none_or(|b| (d, cand.data) < (b.0, b.1)) {
                    best = Some((d, cand.data, p));
                }
            });
            if let Some((d, _, p)) = best
                && d <= r
            {
                return (d <= limit_m).then_some(p);
            }
            if r >= limit_m {
                return None;
            }
            r = (r * 4.0).min(limit_m);
        }
    }

    /// The oracle for [`StreetNetwork::snap`]: every point against every edge.
    #[doc(hidden)]
    pub fn snap_brute_force(&self, points: &[[f64; 2]], limit_m: f64) -> Vec<Option<Snap>> {
        points
            .iter()
            .map(|&p| {
                (0..self.edges.len() as u32)
                    .filter(|&e| self.edge_len_m[e as usize] > 0.0)
                    .map(|e| self.project(e, p))
                    .min_by(|x, y| {
                        (x.offset_m, x.edge)
                            .partial_cmp(&(y.offset_m, y.edge))
                            .unwrap()
                    })
                    .filter(|s| s.offset_m <= limit_m)
            })
            .collect()
    }

    /// The position of a snap on the plane, metres.
    pub fn snap_xy(&self, snap: &Snap) -> [f64; 2] {
        let e = snap.edge as usize;
        let [a, b] = self.edges[e];
        let (a, b) = (self.xy[a as usize], self.xy[b as usize]);
        let len = self.edge_len_m[e];
        if len == 0.0 {
            return a;
        }
        let t = snap.along_m / len;
        [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]
    }

    /// Projects `p` on edge `e` (of positive length). The distance along is `dot / len` and the
    /// offset `|cross| / len`, which are exact on axis-parallel integer grids (the tests rely on
    /// exact ties there).
    fn project(&self, e: u32, p: [f64; 2]) -> Snap {
        let [a, b] = self.edges[e as usize];
        let (a, b) = (self.xy[a as usize], self.xy[b as usize]);
        let len = self.edge_len_m[e as usize];
        let d = [b[0] - a[0], b[1] - a[1]];
        let q = [p[0] - a[0], p[1] - a[1]];
        let along = (q[0] * d[0] + q[1] * d[1]) / len;
        if along <= 0.0 {
            Snap {
                edge: e,
                along_m: 0.0,
                offset_m: dist(p, a),
            }
        } else if along >= len {
            Snap {
                edge: e,
                along_m: len,
                offset_m: dist(p, b),
            }
        } else {
            Snap {
                edge: e,
                along_m: along,
                offset_m: (d[0] * q[1] - d[1] * q[0]).abs() / len,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// A random network of straight streets, some crossing without a junction.
    fn random_network(rng: &mut Rng, n_lines: usize, size: f64) -> StreetNetwork {
        let lines: Vec<Vec<[f64; 2]>> = (0..n_lines)
            .map(|_| {
                let k = 2 + rng.below(4);
                (0..k)
                    .map(|_| [rng.range(0.0, size), rng.range(0.0, size)])
                    .collect()
            })
            .collect();
        StreetNetwork::from_lines(&lines, None, rng.f64() < 0.5)
    }

    /// The outline's access point against every edge tried: the nearest distance from the
    /// polygon to the network, and the snap of the point found at that distance.
    #[test]
    fn outline_access_matches_every_edge() {
        use geo::{LineString, MultiPolygon, Polygon};
        for seed in 0..40 {
            let mut rng = Rng::new(700 + seed);
            let lines = 1 + rng.below(40);
            let net = random_network(&mut rng, lines, 2000.0);
            for _ in 0..20 {
                let (x, y) = (rng.range(0.0, 2000.0), rng.range(0.0, 2000.0));
                let (w, h) = (rng.range(5.0, 300.0), rng.range(5.0, 300.0));
                let ring =
                    LineString::from(vec![(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)]);
                let outline = MultiPolygon(vec![Polygon::new(ring, vec![])]);
                let limit = [50.0, 300.0, f64::INFINITY][rng.below(3)];
                let want = (0..net.edges.len())
                    .filter(|&e| net.edge_len_m[e] > 0.0)
                    .map(|e| {
                        let [a, b] = net.edges[e];
                        crate::outline::nearest_to_segment(
                            &outline,
                            net.xy[a as usize],
                            net.xy[b as usize],
                        )
                        .0
                    })
                    .fold(f64::INFINITY, f64::min);
                match net.outline_access(&outline, limit) {
                    None => assert!(want > limit, "seed {seed}: {want} within {limit}"),
                    Some(p) => {
                        assert!(crate::outline::distance(&outline, p) < 1e-9, "seed {seed}");
                        let snap = net.snap_one(p, f64::INFINITY).expect("a street");
                        assert!(
                            (snap.offset_m - want).abs() < 1e-6,
                            "seed {seed}: {} vs {want}",
                            snap.offset_m
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn rtree_snapping_matches_brute_force() {
        for seed in 0..60 {
            let mut rng = Rng::new(seed);
            let n_lines = 1 + rng.below(50);
            let net = random_network(&mut rng, n_lines, 2000.0);
            let points: Vec<[f64; 2]> = (0..300)
                .map(|_| [rng.range(-300.0, 2300.0), rng.range(-300.0, 2300.0)])
                .collect();
            let limit = [50.0, 300.0, f64::INFINITY][rng.below(3)];
            let fast = net.snap(&points, limit);
            let slow = net.snap_brute_force(&points, limit);
            for (i, (f, s)) in fast.iter().zip(&slow).enumerate() {
                assert_eq!(
                    f, s,
                    "seed {seed}, point {i} {:?}, limit {limit}",
                    points[i]
                );
            }
        }
    }

    #[test]
    fn snapping_on_an_integer_grid_is_exact_and_ties_go_to_the_lowest_edge() {
        let lines = vec![
            vec![[0.0, 0.0], [10.0, 0.0], [20.0, 0.0]],
            vec![[10.0, -10.0], [10.0, 0.0], [10.0, 10.0]],
        ];
        let net = StreetNetwork::from_lines(&lines, None, false);
        // Exactly on the junction vertex: four edges at distance 0, the lowest wins.
        let s = net.snap_one([10.0, 0.0], 1.0).unwrap();
        assert_eq!(
            s,
            Snap {
                edge: 0,
                along_m: 10.0,
                offset_m: 0.0
            }
        );
        // Two points on the same segment.
        // The second is 3 m from both edge 0 and edge 3: the tie goes to edge 0.
        let s = net.snap(&[[3.0, 0.0], [7.0, 3.0]], 10.0);
        assert_eq!(
            s[0],
            Some(Snap {
                edge: 0,
                along_m: 3.0,
                offset_m: 0.0
            })
        );
        assert_eq!(
            s[1],
            Some(Snap {
                edge: 0,
                along_m: 7.0,
                offset_m: 3.0
            })
        );
        assert_eq!(net.snap_xy(&s[1].unwrap()), [7.0, 0.0]);
        // Beyond the end of a street the offset is to the end vertex.
        let s = net.snap_one([25.0, 0.0], 10.0).unwrap();
        assert_eq!((s.edge, s.along_m, s.offset_m), (1, 10.0, 5.0));
    }

    #[test]
    fn points_beyond_the_limit_are_not_snapped() {
        let net = StreetNetwork::from_lines(&[vec![[0.0, 0.0], [100.0, 0.0]]], None, false);
        let s = net.snap(&[[50.0, 300.0], [50.0, 300.001], [-300.0, 0.0]], 300.0);
        assert!(s[0].is_some());
        assert_eq!(s[1], None);
        assert!(s[2].is_some());
        let empty = StreetNetwork::from_lines(&[], None, false);
        assert_eq!(empty.snap_one([0.0, 0.0], f64::INFINITY), None);
        assert_eq!(net.snap_one([50.0, 0.0], f64::NAN), None);
        assert_eq!(
            net.snap_one([50.0, 0.0], 0.0).map(|s| s.along_m),
            Some(50.0)
        );
        // Far beyond the first search disc, with no limit.
        let far = net.snap_one([50.0, 1e6], f64::INFINITY).unwrap();
        assert_eq!((far.along_m, far.offset_m), (50.0, 1e6));
    }
}
