//! A static packed R-tree: items sorted along a Hilbert curve by the centre of their boxes,
//! grouped sixteen to a leaf, leaves sixteen to a node, up to one root. Built in one sort and
//! one pass per level, it replaces rstar's bulk load for the street segments, whose recursive
//! partitioning copied the segment list at every level (a third of a walking `coverage` run's
//! network time on a 290,000-node city went to loading and to first touches of those copies).
//! Queries visit every item whose box passes a test; callers apply their exact test after.

use rayon::prelude::*;

/// Children per node (and items per leaf).
const FANOUT: usize = 16;

/// An axis-aligned box `[min_x, min_y, max_x, max_y]`.
pub(crate) type Box2 = [f64; 4];

/// Items of type `T` with their boxes, in leaf order, and the boxes of every level above.
#[derive(Debug, Clone, Default)]
pub(crate) struct PackedTree<T> {
    items: Vec<T>,
    item_boxes: Vec<Box2>,
    /// `levels[0]` bounds the leaves (each `FANOUT` items), `levels[k]` groups of `FANOUT`
    /// boxes of `levels[k - 1]`; the last level is the root alone.
    levels: Vec<Vec<Box2>>,
}

impl<T: Copy + Send + Sync> PackedTree<T> {
    /// The tree over `items`, each with its box.
    pub(crate) fn new(items: Vec<(Box2, T)>) -> Self {
        let centres: Vec<[f64; 2]> = (items.par_iter())
            .map(|(b, _)| [0.5 * (b[0] + b[2]), 0.5 * (b[1] + b[3])])
            .collect();
        let order = super::graph::hilbert_order(&centres);
        drop(centres);
        let (item_boxes, items): (Vec<Box2>, Vec<T>) =
            order.par_iter().map(|&i| items[i as usize]).unzip();
        let mut levels = Vec::new();
        let mut below = &item_boxes;
        while !below.is_empty() {
            let level: Vec<Box2> = below.chunks(FANOUT).map(union).collect();
            let root = level.len() == 1;
            levels.push(level);
            if root {
                break;
            }
            below = levels.last().expect("just pushed");
        }
        PackedTree {
            items,
            item_boxes,
            levels,
        }
    }

    /// Number of items.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// Calls `f` on every item whose box passes `keep`; a node whose box fails `keep` is
    /// skipped whole, so `keep` must pass a box whenever it passes any box inside it.
    pub(crate) fn visit(&self, keep: impl Fn(&Box2) -> bool, mut f: impl FnMut(&T)) {
        self.visit_boxed(keep, |_, t| f(t));
    }

    /// [`PackedTree::visit`], passing each item's box too.
    fn visit_boxed(&self, keep: impl Fn(&Box2) -> bool, mut f: impl FnMut(&Box2, &T)) {
        let Some(top) = self.levels.len().checked_sub(1) else {
            return;
        };
        // Depth first: at most FANOUT - 1 siblings wait per level (16 levels hold 2^64
        // items), so a fixed array holds the stack and a query allocates nothing.
        let mut stack = [(0u8, 0u32); 16 * FANOUT];
        stack[0] = (top as u8, 0);
        let mut open = 1;
        while open > 0 {
            open -= 1;
            let (level, i) = (stack[open].0 as usize, stack[open].1 as usize);
            if !keep(&self.levels[level][i]) {
                continue;
            }
            let first = i * FANOUT;
            if level == 0 {
                let end = (first + FANOUT).min(self.items.len());
                for k in first..end {
                    if keep(&self.item_boxes[k]) {
                        f(&self.item_boxes[k], &self.items[k]);
                    }
                }
            } else {
                let end = (first + FANOUT).min(self.levels[level - 1].len());
                for c in (first..end).rev() {
                    stack[open] = ((level - 1) as u8, c as u32);
                    open += 1;
                }
            }
        }
    }

    /// Calls `f` on every item whose box comes within `sqrt(d2)` of `p`.
    pub(crate) fn near(&self, p: [f64; 2], d2: f64, f: impl FnMut(&T)) {
        self.visit(|b| box_distance_2(b, p) <= d2, f);
    }

    /// Calls `f` on every item whose box intersects `env` (boundaries included).
    pub(crate) fn intersecting(&self, env: &Box2, f: impl FnMut(&T)) {
        self.visit(|b| overlap(b, env), f);
    }

    /// Calls `f` on every pair of items whose boxes intersect (boundaries included): for
    /// each leaf, in parallel, `f(items of the leaf, and of every item whose box meets the
    /// leaf's, the box and the item)`. One tree walk per leaf instead of one per item: the
    /// leaf's items are sixteen neighbours along the Hilbert curve, so they share most
    /// candidates. Returns what `f` returns per leaf, in leaf order.
    pub(crate) fn leaf_joins<R: Send>(
        &self,
        f: impl Fn(&[Box2], &[T], &[(Box2, T)]) -> R + Sync,
    ) -> Vec<R> {
        let Some(leaves) = self.levels.first() else {
            return Vec::new();
        };
        (leaves.par_iter().enumerate())
            .map_init(Vec::new, |cands, (l, leaf)| {
                cands.clear();
                self.visit_boxed(|b| overlap(b, leaf), |b, t| cands.push((*b, *t)));
                let items = l * FANOUT..((l + 1) * FANOUT).min(self.items.len());
                f(&self.item_boxes[items.clone()], &self.items[items], cands)
            })
            .collect()
    }
}

/// True when boxes `a` and `b` intersect (boundaries included).
#[inline]
pub(crate) fn overlap(a: &Box2, b: &Box2) -> bool {
    a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3]
}

/// The box of segment `a`–`b`.
pub(crate) fn segment_box(a: [f64; 2], b: [f64; 2]) -> Box2 {
    [
        a[0].min(b[0]),
        a[1].min(b[1]),
        a[0].max(b[0]),
        a[1].max(b[1]),
    ]
}

fn union(boxes: &[Box2]) -> Box2 {
    boxes.iter().fold(
        [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ],
        |u, b| {
            [
                u[0].min(b[0]),
                u[1].min(b[1]),
                u[2].max(b[2]),
                u[3].max(b[3]),
            ]
        },
    )
}

/// Squared distance from `p` to the nearest point of box `b` (0 inside).
fn box_distance_2(b: &Box2, p: [f64; 2]) -> f64 {
    let dx = (b[0] - p[0]).max(0.0).max(p[0] - b[2]);
    let dy = (b[1] - p[1]).max(0.0).max(p[1] - b[3]);
    dx * dx + dy * dy
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn random_boxes(n: usize, seed: u64) -> Vec<(Box2, u32)> {
        let mut rng = Rng::new(seed);
        (0..n as u32)
            .map(|k| {
                let a = [rng.range(0.0, 1000.0), rng.range(0.0, 1000.0)];
                let b = [a[0] + rng.range(-30.0, 30.0), a[1] + rng.range(-30.0, 30.0)];
                (segment_box(a, b), k)
            })
            .collect()
    }

    #[test]
    fn queries_find_exactly_what_a_scan_of_every_item_finds() {
        for (n, seed) in [
            (0, 1),
            (1, 2),
            (15, 3),
            (16, 4),
            (17, 5),
            (300, 6),
            (5000, 7),
        ] {
            let items = random_boxes(n, seed);
            let tree = PackedTree::new(items.clone());
            assert_eq!(tree.len(), n);
            let mut rng = Rng::new(seed + 100);
            for _ in 0..50 {
                let p = [rng.range(-50.0, 1050.0), rng.range(-50.0, 1050.0)];
                let d2 = rng.range(0.0, 80.0).powi(2);
                let mut got = Vec::new();
                tree.near(p, d2, |&k| got.push(k));
                got.sort_unstable();
                let want: Vec<u32> = (items.iter())
                    .filter(|(b, _)| box_distance_2(b, p) <= d2)
                    .map(|&(_, k)| k)
                    .collect();
                assert_eq!(got, want, "near, n {n}");
                let env = [p[0], p[1], p[0] + d2.sqrt(), p[1] + 2.0 * d2.sqrt()];
                let mut got = Vec::new();
                tree.intersecting(&env, |&k| got.push(k));
                got.sort_unstable();
                let want: Vec<u32> = (items.iter())
                    .filter(|(b, _)| {
                        b[0] <= env[2] && env[0] <= b[2] && b[1] <= env[3] && env[1] <= b[3]
                    })
                    .map(|&(_, k)| k)
                    .collect();
                assert_eq!(got, want, "intersecting, n {n}");
            }
        }
    }

    #[test]
    fn box_distance_is_zero_inside_and_euclidean_outside() {
        let b = [0.0, 0.0, 10.0, 5.0];
        assert_eq!(box_distance_2(&b, [3.0, 3.0]), 0.0);
        assert_eq!(box_distance_2(&b, [13.0, 9.0]), 25.0);
        assert_eq!(box_distance_2(&b, [-2.0, 2.0]), 4.0);
    }
}
