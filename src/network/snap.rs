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

/// Relative slack when collecting R-tree candidates at the nearest distance: rstar's distance
/// and ours may differ in the last bits, and ties must all be seen to pick the lowest edge.
const TIE_SLACK: f64 = 1e-9;

impl StreetNetwork {
    /// Snaps every point to the nearest point of the nearest edge; `None` when no edge lies
    /// within `limit_m` (or the network is empty). Ties go to the lowest edge index. Runs in
    /// parallel; the result does not depend on the thread count.
    pub fn snap(&self, points: &[[f64; 2]], limit_m: f64) -> Vec<Option<Snap>> {
        points
            .par_iter()
            .with_min_len(1024)
            .map(|&p| self.snap_one(p, limit_m))
            .collect()
    }

    /// Snaps one point (see [`StreetNetwork::snap`]).
    pub fn snap_one(&self, p: [f64; 2], limit_m: f64) -> Option<Snap> {
        // The nearest-neighbour iterator measured faster here than `nearest_neighbor` followed
        // by `locate_within_distance` for the ties (one descent instead of two).
        let mut iter = self.tree.nearest_neighbor_iter_with_distance_2(&p);
        let (first, first_d2) = iter.next()?;
        if first_d2 > (limit_m * (1.0 + TIE_SLACK)).powi(2) {
            return None;
        }
        // Everything at (about) the nearest distance, to break ties by the lowest edge.
        let reach_d2 = first_d2 * (1.0 + TIE_SLACK) + 1e-18;
        let mut best = self.project(first.data, p);
        for (cand, d2) in iter {
            if d2 > reach_d2 {
                break;
            }
            let s = self.project(cand.data, p);
            if (s.offset_m, s.edge) < (best.offset_m, best.edge) {
                best = s;
            }
        }
        (best.offset_m <= limit_m).then_some(best)
    }

    /// The oracle for [`StreetNetwork::snap`]: every point against every edge.
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
    }
}
