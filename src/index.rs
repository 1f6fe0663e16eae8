//! Spatial indexes over points on the plane. The R-tree (rstar) answers nearest-neighbour
//! queries; `PointGrid`, a flat bucket grid whose cell is the search radius, answers the
//! fixed-radius queries of the coverage matrix about 5× faster on city data because every
//! query touches nine contiguous runs of memory.

/// A hasher for coordinate bits (FxHash's multiply-rotate): point dedup over millions of
/// street vertices spent more time in SipHash than in everything else it did, and these keys
/// come from files, not from an adversary that could pick collisions.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct BitsHasher(u64);

impl std::hash::Hasher for BitsHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(b));
        }
    }

    #[inline]
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    #[inline]
    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A map keyed by the bits of a point's two coordinates.
pub(crate) type PointBitsMap<V> =
    std::collections::HashMap<[u64; 2], V, std::hash::BuildHasherDefault<BitsHasher>>;

/// Straight-line distance on the plane, computed as every coverage path and the all-pairs
/// oracle compute it (`sqrt` of the summed squares), so their results agree bit for bit.
pub(crate) fn plane_dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

/// An R-tree over sites for nearest-site queries beyond any grid search's reach.
#[derive(Debug, Clone)]
pub struct SiteTree {
    tree: rstar::RTree<rstar::primitives::GeomWithData<[f64; 2], u32>>,
}

impl SiteTree {
    /// Indexes `sites` (positions, metres; a site's index is its position in the slice).
    pub fn new(sites: &[[f64; 2]]) -> SiteTree {
        let items = sites
            .iter()
            .enumerate()
            .map(|(i, p)| rstar::primitives::GeomWithData::new(*p, i as u32))
            .collect();
        SiteTree {
            tree: rstar::RTree::bulk_load(items),
        }
    }

    /// The nearest site to `p` as `(distance_m, index)`: the lowest index among the sites at
    /// the least distance, distances compared as `sqrt` values as every other coverage path
    /// and the all-pairs oracle compare them (two squared distances can differ where their
    /// roots tie). `None` without sites.
    pub fn nearest(&self, p: [f64; 2]) -> Option<(f64, u32)> {
        let first = self.tree.nearest_neighbor(&p)?;
        let mut best = (plane_dist(p, *first.geom()), first.data);
        let d = best.0;
        for s in self.tree.locate_within_distance(p, d * d * (1.0 + 1e-12)) {
            let e = (plane_dist(p, *s.geom()), s.data);
            if e < best {
                best = e;
            }
        }
        Some(best)
    }
}

/// How far every cell's extent is grown against rounding in bucketing, metres.
const GROW: f64 = 1e-6;

/// One point of a [`PointGrid`]: its position, its index in the input, and a caller's tag
/// (e.g. the site's budget class). The tag fills what would be padding: still 24 bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridPoint {
    /// Position, metres.
    pub xy: [f64; 2],
    /// Index in the slice the grid was built from.
    pub index: u32,
    /// The caller's tag (0 unless built with [`PointGrid::with_tags`]).
    pub tag: u32,
}

/// Points bucketed into square cells of side `cell_m`, stored cell by cell.
#[derive(Debug, Clone)]
pub struct PointGrid {
    cell_m: f64,
    origin: [f64; 2],
    nx: usize,
    ny: usize,
    /// `cell_start[c]..cell_start[c + 1]` indexes `points` for cell `c` (row-major).
    cell_start: Vec<u32>,
    /// Positions, original indices and tags, grouped by cell, ascending index within a cell.
    points: Vec<GridPoint>,
}

/// `(min_x, min_y, max_x, max_y)` of `points`; `(f64::MAX, f64::MAX, f64::MIN, f64::MIN)`
/// when there are none.
fn extent(points: &[[f64; 2]]) -> (f64, f64, f64, f64) {
    points.iter().fold(
        (f64::MAX, f64::MAX, f64::MIN, f64::MIN),
        |(x0, y0, x1, y1), p| (x0.min(p[0]), y0.min(p[1]), x1.max(p[0]), y1.max(p[1])),
    )
}

impl PointGrid {
    /// Buckets `points` into cells of side `cell_m` (> 0). Cells are capped at about 4 million,
    /// growing the cell when the extent demands it, so memory stays proportional to the input.
    ///
    /// # Panics
    /// When `cell_m` is not a positive finite number.
    pub fn new(points: &[[f64; 2]], cell_m: f64) -> PointGrid {
        PointGrid::with_tags(points, &[], cell_m)
    }

    /// As [`PointGrid::new`], with `tags[i]` stored beside point `i` (0 where `tags` is
    /// shorter than `points`).
    ///
    /// # Panics
    /// When `cell_m` is not a positive finite number.
    pub fn with_tags(points: &[[f64; 2]], tags: &[u32], cell_m: f64) -> PointGrid {
        assert!(cell_m.is_finite() && cell_m > 0.0, "cell size must be > 0");
        let (mut x0, mut y0, mut x1, mut y1) = extent(points);
        if points.is_empty() {
            (x0, y0, x1, y1) = (0.0, 0.0, 0.0, 0.0);
        }
        let mut cell_m = cell_m;
        let dims = |c: f64| {
            (
                ((x1 - x0) / c).floor() as usize + 1,
                ((y1 - y0) / c).floor() as usize + 1,
            )
        };
        let (mut nx, mut ny) = dims(cell_m);
        while nx * ny > 4_000_000 {
            cell_m *= 2.0;
            (nx, ny) = dims(cell_m);
        }
        let cell_of = |p: &[f64; 2]| {
            let cx = (((p[0] - x0) / cell_m) as usize).min(nx - 1);
            let cy = (((p[1] - y0) / cell_m) as usize).min(ny - 1);
            cy * nx + cx
        };
        let mut cell_start = vec![0u32; nx * ny + 1];
        for p in points {
            cell_start[cell_of(p) + 1] += 1;
        }
        for c in 0..nx * ny {
            cell_start[c + 1] += cell_start[c];
        }
        let mut next = cell_start.clone();
        let blank = GridPoint {
            xy: [0.0, 0.0],
            index: 0,
            tag: 0,
        };
        let mut sorted = vec![blank; points.len()];
        for (i, p) in points.iter().enumerate() {
            let c = cell_of(p);
            sorted[next[c] as usize] = GridPoint {
                xy: *p,
                index: i as u32,
                tag: tags.get(i).copied().unwrap_or(0),
            };
            next[c] += 1;
        }
        PointGrid {
            cell_m,
            origin: [x0, y0],
            nx,
            ny,
            cell_start,
            points: sorted,
        }
    }

    /// A cell side for fixed-radius queries of `radius_m` over `points`: the radius itself
    /// where points are sparse, down to a sixteenth of it where hundreds fall within one
    /// radius, about `per_cell` points per cell at the points' mean density. Smaller cells
    /// put more whole cells inside a circle (counted without distance tests) and fewer points
    /// in the cells its edge crosses, at the price of more rows and cells to visit.
    pub fn cell_for(points: &[[f64; 2]], radius_m: f64, per_cell: f64) -> f64 {
        let radius_m = radius_m.max(1.0);
        let (x0, y0, x1, y1) = extent(points);
        let area = ((x1 - x0).max(radius_m) * (y1 - y0).max(radius_m)).max(1.0);
        let per_r2 = points.len() as f64 / area * radius_m * radius_m;
        let k = (per_r2 / per_cell).sqrt().ceil().clamp(1.0, 16.0);
        radius_m / k
    }

    /// Number of cells.
    pub fn n_cells(&self) -> usize {
        self.nx * self.ny
    }

    /// The slots (positions in [`PointGrid::points`]) of cell `cell`.
    pub fn cell_slots(&self, cell: usize) -> std::ops::Range<usize> {
        self.cell_start[cell] as usize..self.cell_start[cell + 1] as usize
    }

    /// Visits the non-empty cells that may hold points within `radius_m` of `p`, row by row
    /// (see [`PointGrid::row_near`]).
    pub fn for_each_row_near(
        &self,
        p: [f64; 2],
        radius_m: f64,
        inside_2: f64,
        mut f: impl FnMut(std::ops::Range<usize>, std::ops::Range<usize>, bool),
    ) {
        if let Some((_, _, cy0, cy1)) = self.cell_span(p, radius_m) {
            for cy in cy0..=cy1 {
                self.row_near(p, radius_m, inside_2, cy, &mut f);
            }
        }
    }

    /// Number of rows of cells.
    pub fn n_rows(&self) -> usize {
        self.ny
    }

    /// The slots of row `cy`'s points (contiguous: cells are stored row by row).
    pub fn row_slots(&self, cy: usize) -> std::ops::Range<usize> {
        self.cell_start[cy * self.nx] as usize..self.cell_start[(cy + 1) * self.nx] as usize
    }

    /// The least and greatest `y` of row `cy`'s extent (grown as every cell's is).
    pub fn row_y_extent(&self, cy: usize) -> (f64, f64) {
        let lo = self.origin[1] + cy as f64 * self.cell_m - GROW;
        (lo, lo + self.cell_m + 2.0 * GROW)
    }

    /// Visits the cells of row `cy` that may hold points within `radius_m` of `p`: the run
    /// of cells lying wholly within squared distance `inside_2` of `p` at once as
    /// `f(cells, slots, true)` with the run's cell ids and its points' slots, and the cells
    /// on either side of it (the circle's edge crosses them) as one run per side,
    /// `f(cells, slots, false)`. Empty runs are skipped. A cell's extent is grown by a
    /// micrometre, so rounding in bucketing cannot put a point outside it. Rows are walked
    /// inward from both ends: a cell's farthest distance falls then rises along a row, so the
    /// wholly-inside cells form one run.
    pub fn row_near(
        &self,
        p: [f64; 2],
        radius_m: f64,
        inside_2: f64,
        cy: usize,
        mut f: impl FnMut(std::ops::Range<usize>, std::ops::Range<usize>, bool),
    ) {
        let r2_slack = radius_m * radius_m * (1.0 + 1e-12);
        let (dy_near, dy_far) = self.span(p[1], self.origin[1], cy);
        let dy2 = (dy_near * dy_near, dy_far * dy_far);
        if self.points.is_empty() || cy >= self.ny || dy2.0 > r2_slack {
            return;
        }
        // Columns the circle may touch in this row (the half chord is taken with the squared
        // radius's slack plus a micrometre, wider than any rounding of the bucketing).
        let half = (r2_slack - dy2.0).sqrt() + 1e-6;
        let column = |x: f64| -> usize {
            ((x - self.origin[0]) / self.cell_m)
                .floor()
                .clamp(0.0, (self.nx - 1) as f64) as usize
        };
        let x_end = self.origin[0] + self.nx as f64 * self.cell_m;
        if p[0] + half < self.origin[0] - GROW || p[0] - half > x_end + GROW {
            return;
        }
        let (c0, c1) = (column(p[0] - half), column(p[0] + half));
        let bounds = |cx: usize| {
            let (n, f) = self.span(p[0], self.origin[0], cx);
            (n * n + dy2.0, f * f + dy2.1)
        };
        // The run wholly inside, estimated from the chord at the row's far edge and then
        // checked cell by cell with the exact bound at both ends.
        let (mut a, mut b) = (c1 + 1, c1);
        if inside_2 >= dy2.1 {
            let w = (inside_2 - dy2.1).sqrt();
            a = (column(p[0] - w) + 1).max(c0);
            b = column(p[0] + w).saturating_sub(1).min(c1);
            while a <= b && bounds(a).1 > inside_2 {
                a += 1;
            }
            while a <= b && bounds(b).1 > inside_2 {
                b -= 1;
            }
        }
        let (left_end, right_start) = if a > b { (c1 + 1, c1 + 1) } else { (a, b + 1) };
        // Every cell in c0..=c1 meets the circle's band of rows at the chord's widest, so the
        // edge cells on each side go as one run of slots (they are contiguous).
        let row = cy * self.nx;
        for (from, to, whole) in [
            (c0, left_end, false),
            (a, b + 1, true),
            (right_start.max(left_end), c1 + 1, false),
        ] {
            if from < to {
                let slots =
                    self.cell_start[row + from] as usize..self.cell_start[row + to] as usize;
                if !slots.is_empty() {
                    f(row + from..row + to, slots, whole);
                }
            }
        }
    }

    /// Least and greatest distance from coordinate `v` to cell `c`'s extent along one axis
    /// (origin `o`), the extent grown by a micrometre against rounding in bucketing.
    fn span(&self, v: f64, o: f64, c: usize) -> (f64, f64) {
        let lo = o + c as f64 * self.cell_m - GROW;
        let hi = o + (c + 1) as f64 * self.cell_m + GROW;
        let near = if v < lo {
            lo - v
        } else if v > hi {
            v - hi
        } else {
            0.0
        };
        (near, (v - lo).abs().max((hi - v).abs()))
    }

    /// The nearest point within `radius_m` of `p` as `(distance_m, index)`, lowest index on
    /// ties; `None` when none is that close. Searches squares that double from one cell.
    pub fn nearest_within(&self, p: [f64; 2], radius_m: f64) -> Option<(f64, u32)> {
        let mut r = self.cell_m.min(radius_m);
        loop {
            let mut best = (f64::INFINITY, u32::MAX);
            self.for_each_within(p, r, |_, q, d| {
                if (d, q.index) < best {
                    best = (d, q.index);
                }
            });
            // Every point at distance <= r was seen, so every point as near as the best was.
            if best.1 != u32::MAX {
                return Some(best);
            }
            if r >= radius_m {
                return None;
            }
            r = (r * 2.0).min(radius_m);
        }
    }

    /// The inclusive cell columns and rows of the square of half-side `radius_m` around `p`,
    /// clipped to the grid; `None` when it misses the grid.
    fn cell_span(&self, p: [f64; 2], radius_m: f64) -> Option<(usize, usize, usize, usize)> {
        if self.points.is_empty() {
            return None;
        }
        let lo = |v: f64, o: f64, n: usize| -> usize {
            (((v - radius_m - o) / self.cell_m).floor().max(0.0) as usize).min(n)
        };
        let hi = |v: f64, o: f64, n: usize| -> Option<usize> {
            let h = ((v + radius_m - o) / self.cell_m).floor();
            (h >= 0.0).then(|| (h as usize).min(n - 1))
        };
        let cx1 = hi(p[0], self.origin[0], self.nx)?;
        let cy1 = hi(p[1], self.origin[1], self.ny)?;
        let (cx0, cy0) = (
            lo(p[0], self.origin[0], self.nx),
            lo(p[1], self.origin[1], self.ny),
        );
        (cx0 <= cx1 && cy0 <= cy1).then_some((cx0, cx1, cy0, cy1))
    }

    /// The points in storage order: cell by cell (row-major), ascending index within a cell.
    /// Walking them in this order visits neighbours one after another.
    pub fn points(&self) -> &[GridPoint] {
        &self.points
    }

    /// Calls `f(slot, point, distance_m)` for every point within `radius_m` of `p` (distance
    /// `<=` radius); `slot` is the point's position in [`PointGrid::points`]. Order: by cell,
    /// then by index.
    pub fn for_each_within(
        &self,
        p: [f64; 2],
        radius_m: f64,
        mut f: impl FnMut(usize, &GridPoint, f64),
    ) {
        self.for_each_near(p, radius_m, |slot, q, d2| {
            // Cheap squared test first (with a hair of slack for rounding); the exact test is
            // on the same `sqrt` distance every other path reports.
            let d = d2.sqrt();
            if d <= radius_m {
                f(slot, q, d);
            }
        });
    }

    /// Calls `f(slot, point, distance_2)` for every point whose squared distance to `p` is at
    /// most `radius_m² × (1 + 1e-12)`: a superset of the points within `radius_m` by a hair,
    /// so callers can make the exact `sqrt(distance_2) <= radius` test only where it matters.
    pub fn for_each_near(
        &self,
        p: [f64; 2],
        radius_m: f64,
        mut f: impl FnMut(usize, &GridPoint, f64),
    ) {
        let Some((cx0, cx1, cy0, cy1)) = self.cell_span(p, radius_m) else {
            return;
        };
        let r2_slack = radius_m * radius_m * (1.0 + 1e-12);
        for cy in cy0..=cy1 {
            let row = cy * self.nx;
            let (a, b) = (
                self.cell_start[row + cx0] as usize,
                self.cell_start[row + cx1 + 1] as usize,
            );
            for (k, q) in self.points[a..b].iter().enumerate() {
                let d2 = (q.xy[0] - p[0]).powi(2) + (q.xy[1] - p[1]).powi(2);
                if d2 <= r2_slack {
                    f(a + k, q, d2);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn grid_matches_all_pairs() {
        for seed in 0..30 {
            let mut rng = Rng::new(seed);
            let n = 1 + rng.below(500);
            let pts: Vec<[f64; 2]> = (0..n)
                .map(|_| {
                    [
                        (rng.range(-5e3, 5e3) / 10.0).round() * 10.0,
                        rng.range(0.0, 3e3),
                    ]
                })
                .collect();
            let r = [50.0, 300.0, 1000.0, 20_000.0][rng.below(4)];
            let grid = PointGrid::new(&pts, r);
            for _ in 0..50 {
                let p = [rng.range(-6e3, 6e3), rng.range(-1e3, 4e3)];
                let mut got = Vec::new();
                grid.for_each_within(p, r, |_, q, _| got.push(q.index));
                got.sort_unstable();
                let want: Vec<u32> = (0..n as u32)
                    .filter(|&i| {
                        let q = pts[i as usize];
                        ((q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2)).sqrt() <= r
                    })
                    .collect();
                assert_eq!(got, want, "seed {seed} p {p:?} r {r}");
            }
        }
    }

    #[test]
    fn cell_bounds_and_nearest_match_all_pairs() {
        for seed in 0..30 {
            let mut rng = Rng::new(50 + seed);
            let n = 1 + rng.below(800);
            let pts: Vec<[f64; 2]> = (0..n)
                .map(|_| {
                    let (x, y) = (rng.range(-2e3, 2e3), rng.range(-2e3, 2e3));
                    [(x / 10.0).round() * 10.0, (y / 10.0).round() * 10.0]
                })
                .collect();
            let r = [100.0, 300.0, 1000.0][rng.below(3)];
            let grid = PointGrid::new(&pts, PointGrid::cell_for(&pts, r, 2.0));
            for _ in 0..40 {
                let p = [rng.range(-3e3, 3e3), rng.range(-3e3, 3e3)];
                let d = |q: [f64; 2]| ((q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2)).sqrt();
                let mut seen = Vec::new();
                let inside_2 = (r * 0.8).powi(2);
                grid.for_each_row_near(p, r, inside_2, |_, slots, whole| {
                    for q in &grid.points()[slots] {
                        let d2 = d(q.xy).powi(2);
                        assert!(!whole || d2 <= inside_2, "seed {seed}: {d2} > {inside_2}");
                        assert!(!seen.contains(&q.index), "seed {seed}: visited twice");
                        seen.push(q.index);
                    }
                });
                let within = (0..n as u32).filter(|&i| d(pts[i as usize]) <= r);
                assert!(within.clone().all(|i| seen.contains(&i)), "seed {seed}");
                let want = within
                    .map(|i| (d(pts[i as usize]), i))
                    .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                assert_eq!(grid.nearest_within(p, r), want, "seed {seed} p {p:?}");
            }
        }
    }

    #[test]
    fn empty_grid_finds_nothing() {
        let g = PointGrid::new(&[], 100.0);
        g.for_each_within([0.0, 0.0], 1e9, |_, _, _| {
            panic!("found a point in an empty grid")
        });
    }
}
