//! Candidate sites generated when the planner has no list: every uncovered compound's own
//! location plus a grid over the study area, kept only where it could cover someone.

use rstar::RTree;

/// Grid spacing as a fraction of the radius: fine enough that the best grid point is within
/// a quarter-radius diagonal of any spot.
pub const GRID_FRACTION: f64 = 0.5;

/// Generated candidates: positions on the plane and ids (`auto-c<compound id>` for compound
/// locations, `auto-g<n>` for grid points, `auto-n<node>` for street nodes in network mode),
/// deduplicated to the metre. Grid points and street nodes are kept only when an uncovered
/// compound lies within `radius_m` (straight line: a walk is never shorter).
pub fn auto_candidates(
    compounds_xy: &[[f64; 2]],
    compound_ids: &[String],
    covered: &[bool],
    radius_m: f64,
    street_nodes: &[[f64; 2]],
) -> (Vec<[f64; 2]>, Vec<String>) {
    let uncovered: Vec<[f64; 2]> = (0..compounds_xy.len())
        .filter(|&i| !covered[i])
        .map(|i| compounds_xy[i])
        .collect();
    let mut seen = std::collections::HashSet::new();
    let mut xy = Vec::new();
    let mut ids = Vec::new();
    for i in (0..compounds_xy.len()).filter(|&i| !covered[i]) {
        let p = compounds_xy[i];
        if seen.insert((p[0].round() as i64, p[1].round() as i64)) {
            xy.push(p);
            ids.push(format!("auto-c{}", compound_ids[i]));
        }
    }
    if uncovered.is_empty() {
        return (xy, ids);
    }
    let tree = RTree::bulk_load(uncovered.clone());
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for p in &uncovered {
        x0 = x0.min(p[0]);
        y0 = y0.min(p[1]);
        x1 = x1.max(p[0]);
        y1 = y1.max(p[1]);
    }
    let step = radius_m * GRID_FRACTION;
    let (nx, ny) = (
        ((x1 - x0) / step).ceil() as usize + 1,
        ((y1 - y0) / step).ceil() as usize + 1,
    );
    let mut g = 0;
    for a in 0..nx {
        for b in 0..ny {
            let p = [x0 + a as f64 * step, y0 + b as f64 * step];
            if tree
                .locate_within_distance(p, radius_m * radius_m)
                .next()
                .is_some()
                && seen.insert((p[0].round() as i64, p[1].round() as i64))
            {
                g += 1;
                xy.push(p);
                ids.push(format!("auto-g{g}"));
            }
        }
    }
    for (k, &p) in street_nodes.iter().enumerate() {
        if tree
            .locate_within_distance(p, radius_m * radius_m)
            .next()
            .is_some()
            && seen.insert((p[0].round() as i64, p[1].round() as i64))
        {
            xy.push(p);
            ids.push(format!("auto-n{}", k + 1));
        }
    }
    (xy, ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_points_only_where_they_can_help() {
        let xy = [[0.0, 0.0], [10_000.0, 0.0], [5000.0, 5000.0]];
        let ids: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let nodes = [[100.0, 100.0], [5000.0, 5000.0], [100.0, 100.2]];
        let (pts, names) = auto_candidates(&xy, &ids, &[false, false, true], 500.0, &nodes);
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
