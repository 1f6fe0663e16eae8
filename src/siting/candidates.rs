//! Candidate sites generated when the planner has no list: every uncovered compound's own
//! location plus a grid over the study area, kept only where it could cover someone.

use rstar::RTree;

/// Grid spacing as a fraction of the radius: fine enough that the best grid point is within
/// a quarter-radius diagonal of any spot.
pub const GRID_FRACTION: f64 = 0.5;

/// Most grid points `auto` generates. A finer grid (a tiny radius over a wide area) is
/// coarsened, doubling the spacing until it fits, and the caller is told.
pub const MAX_AUTO_GRID: usize = 200_000;

/// Generated candidate sites.
#[derive(Debug, Clone, Default)]
pub struct AutoCandidates {
    /// Positions on the plane.
    pub xy: Vec<[f64; 2]>,
    /// Ids: `auto-c<compound id>`, `auto-g<n>`, `auto-n<node>`.
    pub ids: Vec<String>,
    /// Spacing of the grid actually used, metres (`radius_m × GRID_FRACTION` unless
    /// coarsened).
    pub grid_step_m: f64,
    /// True when the grid was coarsened to stay within [`MAX_AUTO_GRID`] points.
    pub coarsened: bool,
}

/// Generated candidates: every uncovered compound's location, then grid points (spacing
/// `radius_m × GRID_FRACTION`, anchored at the uncovered compounds' bounding box) and street
/// nodes (network mode), deduplicated to the metre. Grid points and street nodes are kept
/// only when an uncovered compound lies within `radius_m` (straight line: a walk is never
/// shorter). Only the grid cells near uncovered compounds are visited, so the work grows
/// with the number of uncovered compounds, not with the area over the radius squared.
pub fn auto_candidates(
    compounds_xy: &[[f64; 2]],
    compound_ids: &[String],
    covered: &[bool],
    radius_m: f64,
    street_nodes: &[[f64; 2]],
) -> AutoCandidates {
    let uncovered: Vec<[f64; 2]> = (0..compounds_xy.len())
        .filter(|&i| !covered[i])
        .map(|i| compounds_xy[i])
        .collect();
    let mut seen = std::collections::HashSet::new();
    let mut out = AutoCandidates {
        grid_step_m: radius_m * GRID_FRACTION,
        ..AutoCandidates::default()
    };
    for i in (0..compounds_xy.len()).filter(|&i| !covered[i]) {
        let p = compounds_xy[i];
        if seen.insert((p[0].round() as i64, p[1].round() as i64)) {
            out.xy.push(p);
            out.ids.push(format!("auto-c{}", compound_ids[i]));
        }
    }
    if uncovered.is_empty() {
        return out;
    }
    let (cells, step) = grid_cells(&uncovered, radius_m);
    out.coarsened = step > out.grid_step_m;
    out.grid_step_m = step;
    let origin = lower_corner(&uncovered);
    let mut g = 0;
    for (a, b) in cells {
        let p = [origin[0] + a as f64 * step, origin[1] + b as f64 * step];
        if seen.insert((p[0].round() as i64, p[1].round() as i64)) {
            g += 1;
            out.xy.push(p);
            out.ids.push(format!("auto-g{g}"));
        }
    }
    let tree = RTree::bulk_load(uncovered);
    for (k, &p) in street_nodes.iter().enumerate() {
        if tree
            .locate_within_distance(p, radius_m * radius_m)
            .next()
            .is_some()
            && seen.insert((p[0].round() as i64, p[1].round() as i64))
        {
            out.xy.push(p);
            out.ids.push(format!("auto-n{}", k + 1));
        }
    }
    out
}

fn lower_corner(points: &[[f64; 2]]) -> [f64; 2] {
    points.iter().fold([f64::MAX, f64::MAX], |c, p| {
        [c[0].min(p[0]), c[1].min(p[1])]
    })
}

/// The grid cells `(column, row)` within `radius_m` of some point, in column-then-row order,
/// and the spacing used: `radius_m × GRID_FRACTION`, doubled until at most [`MAX_AUTO_GRID`]
/// cells qualify.
fn grid_cells(points: &[[f64; 2]], radius_m: f64) -> (std::collections::BTreeSet<(i64, i64)>, f64) {
    let origin = lower_corner(points);
    let upper = points.iter().fold([f64::MIN, f64::MIN], |c, p| {
        [c[0].max(p[0]), c[1].max(p[1])]
    });
    let mut step = radius_m * GRID_FRACTION;
    loop {
        // The grid spans the bounding box, its last column and row at or beyond its edge.
        let last_a = ((upper[0] - origin[0]) / step).ceil() as i64;
        let last_b = ((upper[1] - origin[1]) / step).ceil() as i64;
        let mut cells = std::collections::BTreeSet::new();
        let mut fits = true;
        'points: for p in points {
            let (dx, dy) = (p[0] - origin[0], p[1] - origin[1]);
            let a0 = ((dx - radius_m) / step).ceil().max(0.0) as i64;
            let a1 = (((dx + radius_m) / step).floor() as i64).min(last_a);
            for a in a0..=a1 {
                let b0 = ((dy - radius_m) / step).ceil().max(0.0) as i64;
                let b1 = (((dy + radius_m) / step).floor() as i64).min(last_b);
                for b in b0..=b1 {
                    let q = [origin[0] + a as f64 * step, origin[1] + b as f64 * step];
                    let d2 = (q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2);
                    if d2 <= radius_m * radius_m {
                        cells.insert((a, b));
                        if cells.len() > MAX_AUTO_GRID {
                            fits = false;
                            break 'points;
                        }
                    }
                }
            }
        }
        if fits {
            return (cells, step);
        }
        step *= 2.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_points_only_where_they_can_help() {
        let xy = [[0.0, 0.0], [10_000.0, 0.0], [5000.0, 5000.0]];
        let ids: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let nodes = [[100.0, 100.0], [5000.0, 5000.0], [100.0, 100.2]];
        let auto = auto_candidates(&xy, &ids, &[false, false, true], 500.0, &nodes);
        let (pts, names) = (auto.xy, auto.ids);
        assert!(!auto.coarsened);
        assert_eq!(names.iter().filter(|n| n.starts_with("auto-n")).count(), 1);
        assert_eq!(&names[..2], &["auto-ca", "auto-cb"]);
        assert!(pts.len() > 2);
        for p in &pts {
            let near = [xy[0], xy[1]]
                .iter()
                .any(|q| ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt() <= 500.0);
            assert!(near, "{p:?} helps nobody");
        }
    }
}

#[cfg(test)]
mod grid_tests {
    use super::*;

    /// The grid as first written: every point of the bounding-box grid, kept when an
    /// uncovered compound is within the radius (the oracle for `grid_cells`).
    fn brute_grid(points: &[[f64; 2]], radius_m: f64) -> Vec<[f64; 2]> {
        let tree = RTree::bulk_load(points.to_vec());
        let o = lower_corner(points);
        let hi = points.iter().fold([f64::MIN, f64::MIN], |c, p| {
            [c[0].max(p[0]), c[1].max(p[1])]
        });
        let step = radius_m * GRID_FRACTION;
        let nx = ((hi[0] - o[0]) / step).ceil() as usize + 1;
        let ny = ((hi[1] - o[1]) / step).ceil() as usize + 1;
        let mut out = Vec::new();
        for a in 0..nx {
            for b in 0..ny {
                let p = [o[0] + a as f64 * step, o[1] + b as f64 * step];
                if tree
                    .locate_within_distance(p, radius_m * radius_m)
                    .next()
                    .is_some()
                {
                    out.push(p);
                }
            }
        }
        out
    }

    #[test]
    fn local_grid_matches_the_bounding_box_grid() {
        let mut rng = crate::rng::Rng::new(11);
        for case in 0..20 {
            let n = 1 + case * 3;
            let pts: Vec<[f64; 2]> = (0..n)
                .map(|_| [rng.range(-3000.0, 3000.0), rng.range(-2000.0, 2000.0)])
                .collect();
            let radius = [37.0, 250.0, 800.0][case % 3];
            let (cells, step) = grid_cells(&pts, radius);
            assert_eq!(step, radius * GRID_FRACTION);
            let o = lower_corner(&pts);
            let fast: Vec<[f64; 2]> = cells
                .iter()
                .map(|&(a, b)| [o[0] + a as f64 * step, o[1] + b as f64 * step])
                .collect();
            assert_eq!(fast, brute_grid(&pts, radius), "case {case}");
        }
    }

    #[test]
    fn a_tiny_radius_over_a_wide_area_is_fast_and_capped() {
        // 1 m over 10 km: the bounding-box grid would have 4e8 points.
        let pts: Vec<[f64; 2]> = (0..2000)
            .map(|i| [(i % 50) as f64 * 200.0, (i / 50) as f64 * 250.0])
            .collect();
        let ids: Vec<String> = (0..pts.len()).map(|i| i.to_string()).collect();
        let t = std::time::Instant::now();
        let auto = auto_candidates(&pts, &ids, &vec![false; pts.len()], 1.0, &[]);
        assert!(t.elapsed().as_secs_f64() < 5.0);
        assert!(!auto.coarsened);
        assert!(auto.xy.len() < 2000 * 26);
        // 100 000 compounds each with up to 25 grid points: coarsened to fit the cap.
        let many: Vec<[f64; 2]> = (0..100_000)
            .map(|i| [(i % 400) as f64 * 50.0, (i / 400) as f64 * 50.0])
            .collect();
        let (cells, step) = grid_cells(&many, 20.0);
        assert!(cells.len() <= MAX_AUTO_GRID);
        assert!(step > 20.0 * GRID_FRACTION);
    }
}
