//! Walking distance along streets: the street graph (from OSM PBF or GeoJSON lines), snapping,
//! nearest-site and per-site coverage by Dijkstra, service-area pieces and the detour picture.
//!
//! ```
//! use circleplan::network::{StreetNetwork, network_coverage};
//! // An L-shaped street; the compound sits 40 m off its far end.
//! let net = StreetNetwork::from_lines(
//!     &[vec![[0.0, 0.0], [500.0, 0.0], [500.0, 500.0]]],
//!     None,
//!     false,
//! );
//! let nc = network_coverage(&net, &[[540.0, 500.0]], &[[0.0, 10.0]], &[1000.0], 300.0);
//! // 10 m onto the street, 1000 m along it, 40 m off it: just beyond a 1000 m budget.
//! assert_eq!(nc.coverage.nearest_cost_m, vec![1050.0]);
//! assert!(!nc.coverage.is_covered(0));
//! ```

mod dijkstra;
mod graph;
mod read;
mod snap;
#[cfg(test)]
mod test_pbf;

use std::path::Path;

pub use graph::{StreetNetwork, TOUCH_TOLERANCE_M};
pub use snap::Snap;

use crate::coverage::Coverage;
use crate::error::{Error, Result};

/// Default snap limit, metres: points farther than this from every street are unreachable.
pub const DEFAULT_SNAP_LIMIT_M: f64 = 300.0;

/// Coverage on foot, with how far each point is from the street it joins.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkCoverage {
    /// Nearest site, cost and per-site coverage lists; costs are walking metres.
    pub coverage: Coverage,
    /// Straight offset of each compound to its street, metres; `None` beyond the snap limit.
    pub compound_snap_m: Vec<Option<f64>>,
    /// Straight offset of each site to its street, metres; `None` beyond the snap limit.
    pub site_snap_m: Vec<Option<f64>>,
}

impl NetworkCoverage {
    /// Compounds farther than the snap limit from every street.
    pub fn compounds_beyond_snap_limit(&self) -> usize {
        self.compound_snap_m.iter().filter(|s| s.is_none()).count()
    }

    /// Compounds on a street but on a piece of network that no snapped site is on.
    pub fn compounds_on_isolated_streets(&self) -> usize {
        self.compound_snap_m
            .iter()
            .zip(&self.coverage.nearest)
            .filter(|(s, n)| s.is_some() && n.is_none())
            .count()
    }

    /// Sites farther than the snap limit from every street (they reach nothing).
    pub fn sites_beyond_snap_limit(&self) -> usize {
        self.site_snap_m.iter().filter(|s| s.is_none()).count()
    }
}

/// Walking coverage: compounds and sites (metres on the network's plane) are snapped to the
/// nearest street within `snap_limit_m`; the nearest site of each compound comes from one
/// multi-source Dijkstra, and the compounds within `budget_m[s]` of each site from one
/// bounded Dijkstra per site, in parallel. Costs include both snap offsets. A compound beyond
/// the snap limit, or on a piece of network with no site, has `nearest == None`. The result
/// does not depend on the thread count.
///
/// # Panics
/// When `budget_m.len() != sites_xy.len()`.
pub fn network_coverage(
    network: &StreetNetwork,
    compounds_xy: &[[f64; 2]],
    sites_xy: &[[f64; 2]],
    budget_m: &[f64],
    snap_limit_m: f64,
) -> NetworkCoverage {
    assert_eq!(budget_m.len(), sites_xy.len(), "one budget per site");
    let cs = network.snap(compounds_xy, snap_limit_m);
    let ss = network.snap(sites_xy, snap_limit_m);
    let (nearest, nearest_cost_m) = network.nearest_site(&cs, &ss);
    let by_site = network.coverage_by_site(&cs, &ss, budget_m);
    NetworkCoverage {
        coverage: Coverage {
            nearest,
            nearest_cost_m,
            by_compound: by_site.transpose(),
        },
        compound_snap_m: cs.iter().map(|s| s.map(|s| s.offset_m)).collect(),
        site_snap_m: ss.iter().map(|s| s.map(|s| s.offset_m)).collect(),
    }
}

impl StreetNetwork {
    /// Reads a street network: an OpenStreetMap extract (`.pbf`, or any file that starts like
    /// one) keeping the ways a pedestrian may use, or a GeoJSON FeatureCollection of
    /// LineStrings/MultiLineStrings (a GIS road layer, with optional `layer`, `bridge` and
    /// `tunnel` properties). Coordinates are WGS84 lon/lat, projected with `plane`. With
    /// `node_crossings`, same-layer lines are split where they cross (see
    /// [`StreetNetwork::from_lines`]).
    ///
    /// # Errors
    /// The file cannot be read; it is not a PBF / not JSON; a feature is not a line, has fewer
    /// than two distinct points or a bad coordinate (the error names the feature); or there
    /// are no (walkable) lines at all.
    pub fn read(
        path: &Path,
        plane: &crate::crs::LocalPlane,
        node_crossings: bool,
    ) -> Result<StreetNetwork> {
        read::read_network(path, plane, node_crossings)
    }

    /// Checks that the network is near the compounds at all: an error naming the network file
    /// when not one compound lies within `snap_limit_m` of a street (usually a network for
    /// another city, or a layer in another coordinate system).
    ///
    /// # Errors
    /// [`Error::Format`] when no compound can be snapped.
    pub fn check_overlap(
        &self,
        path: &Path,
        compounds_xy: &[[f64; 2]],
        snap_limit_m: f64,
    ) -> Result<()> {
        if compounds_xy.is_empty()
            || compounds_xy
                .iter()
                .any(|&p| self.snap_one(p, snap_limit_m).is_some())
        {
            return Ok(());
        }
        let b = self.bbox().unwrap_or([f64::NAN; 4]);
        Err(Error::Format {
            path: path.to_path_buf(),
            message: format!(
                "the street network does not overlap the compounds: no compound is within \
                 {snap_limit_m} m of a street (network spans x {:.0}..{:.0} m, y {:.0}..{:.0} m \
                 on the study plane); check that the network covers the same area and is in \
                 WGS84 lon/lat, or raise --snap-limit",
                b[0], b[2], b[1], b[3]
            ),
        })
    }
}

/// An outline around service-area street pieces for display: a concave hull of points taken
/// every `spacing_m` along the pieces, as a closed ring (first point repeated at the end).
/// Empty when the pieces hold fewer than three distinct points. Counting never uses it.
///
/// # Panics
/// When `spacing_m` is not positive.
pub fn service_area_outline(segments: &[[[f64; 2]; 2]], spacing_m: f64) -> Vec<[f64; 2]> {
    use geo::{ConcaveHull, MultiPoint, Point};
    assert!(spacing_m > 0.0, "spacing must be positive");
    let mut pts: Vec<Point> = Vec::new();
    for &[a, b] in segments {
        let len = graph::dist(a, b);
        let k = (len / spacing_m).ceil().max(1.0) as usize;
        for i in 0..=k {
            let t = i as f64 / k as f64;
            pts.push(Point::new(
                a[0] + t * (b[0] - a[0]),
                a[1] + t * (b[1] - a[1]),
            ));
        }
    }
    pts.sort_unstable_by(|p, q| (p.x(), p.y()).partial_cmp(&(q.x(), q.y())).unwrap());
    pts.dedup();
    if pts.len() < 3 {
        return Vec::new();
    }
    let hull = MultiPoint::new(pts).concave_hull();
    hull.exterior().coords().map(|c| [c.x, c.y]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::{Reach, detour_stats, euclidean};
    use crate::rng::Rng;
    use crate::synth::{SynthSpec, generate};

    fn city_network(spec: &SynthSpec) -> (crate::synth::SynthCity, StreetNetwork) {
        let city = generate(spec);
        let lines: Vec<Vec<[f64; 2]>> = city.streets.iter().map(|s| s.points.clone()).collect();
        let net = StreetNetwork::from_lines(&lines, None, false);
        (city, net)
    }

    #[test]
    fn nearest_cost_is_the_minimum_over_per_site_costs() {
        for seed in 0..10 {
            let mut rng = Rng::new(500 + seed);
            let (city, net) = city_network(&SynthSpec {
                compounds: 300 + rng.below(500),
                centres: 5 + rng.below(40),
                candidates: 0,
                seed,
                origin: (117.0, 31.0),
                box_km: None,
                clusters: None,
            });
            let cxy: Vec<[f64; 2]> = city.compounds.iter().map(|c| c.xy).collect();
            let sxy: Vec<[f64; 2]> = city.centres.iter().map(|c| c.xy).collect();
            let budget = vec![f64::INFINITY; sxy.len()];
            let nc = network_coverage(&net, &cxy, &sxy, &budget, 300.0);
            let cov = &nc.coverage;
            for i in 0..cxy.len() {
                let (sites, costs) = cov.by_compound.row(i);
                let min = costs.iter().copied().fold(f32::INFINITY, f32::min);
                match cov.nearest[i] {
                    None => assert!(sites.is_empty(), "seed {seed}: compound {i}"),
                    Some(s) => {
                        assert_eq!(cov.nearest_cost_m[i] as f32, min, "seed {seed}: {i}");
                        let k = sites.binary_search(&s).expect("nearest site in the row");
                        assert_eq!(costs[k], min, "seed {seed}: compound {i}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_river_shows_up_on_foot_but_not_in_the_circle() {
        let (city, net) = city_network(&SynthSpec::demo());
        let cxy: Vec<[f64; 2]> = city.compounds.iter().map(|c| c.xy).collect();
        let sxy: Vec<[f64; 2]> = city.centres.iter().map(|c| c.xy).collect();
        let budget = vec![1000.0; sxy.len()];
        let straight = euclidean(&cxy, &sxy, &budget);
        let walk = network_coverage(&net, &cxy, &sxy, &budget, 300.0);
        let river = |x: f64| {
            let r = &city.river;
            let k = r.partition_point(|p| p[0] < x).clamp(1, r.len() - 1);
            let (a, b) = (r[k - 1], r[k]);
            a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0])
        };
        let north = |p: [f64; 2]| p[1] > river(p[0]);
        // Every (centre, compound) pair inside a straight-line circle, split by whether the
        // river lies between them: across it, the walk must fail far more often.
        let (mut across, mut across_lost, mut same, mut same_lost) = (0, 0, 0, 0);
        for (i, &c) in cxy.iter().enumerate() {
            let (walk_sites, _) = walk.coverage.by_compound.row(i);
            for &s in straight.by_compound.row(i).0 {
                let lost = walk_sites.binary_search(&s).is_err();
                if north(sxy[s as usize]) != north(c) {
                    across += 1;
                    across_lost += lost as usize;
                } else {
                    same += 1;
                    same_lost += lost as usize;
                }
            }
        }
        let across_share = across_lost as f64 / across as f64;
        let same_share = same_lost as f64 / same as f64;
        assert!(
            across >= 10 && across_share > 0.9 && across_share > 1.5 * same_share,
            "river not a barrier: {across_lost}/{across} pairs across it lost on foot, \
             {same_lost}/{same} on the same side"
        );
        // With only the centres north of the river, compounds just south of it are inside a
        // circle across the water yet out of reach on foot.
        let north_sites: Vec<[f64; 2]> = sxy.iter().copied().filter(|&p| north(p)).collect();
        let budget_n = vec![1000.0; north_sites.len()];
        let straight_n = euclidean(&cxy, &north_sites, &budget_n);
        let walk_n = network_coverage(&net, &cxy, &north_sites, &budget_n, 300.0);
        let cut_off = (0..cxy.len())
            .filter(|&i| !north(cxy[i]) && straight_n.is_covered(i))
            .filter(|&i| !walk_n.coverage.is_covered(i))
            .count();
        assert!(
            cut_off > 0,
            "no southern compound is cut off from its northern circle"
        );
        let reach = |c: &Coverage| {
            let n_sites = c.by_compound.n_cols();
            Reach::from_coverage(c, &vec![0; n_sites], &vec![1.0; c.len()])
        };
        let lost = detour_stats(&reach(&straight_n), &reach(&walk_n.coverage));
        assert!(lost.covered_straight_not_walk >= cut_off);
        let stats = detour_stats(&reach(&straight), &reach(&walk.coverage));
        assert!(stats.covered_straight_not_walk > 0);
        let median = stats.median_ratio.unwrap();
        assert!((1.0..3.0).contains(&median), "median detour {median}");
        assert!(stats.p90_ratio.unwrap() >= median);
        // Walking never beats the straight line.
        for i in 0..cxy.len() {
            assert!(
                walk.coverage.nearest_cost_m[i] >= straight.nearest_cost_m[i] - 1e-6,
                "compound {i}"
            );
        }
    }

    #[test]
    fn same_result_on_one_thread_and_many() {
        let (city, net) = city_network(&SynthSpec {
            compounds: 4000,
            centres: 150,
            candidates: 0,
            seed: 3,
            origin: (117.0, 31.0),
            box_km: None,
            clusters: None,
        });
        let cxy: Vec<[f64; 2]> = city.compounds.iter().map(|c| c.xy).collect();
        let sxy: Vec<[f64; 2]> = city.centres.iter().map(|c| c.xy).collect();
        let budget: Vec<f64> = (0..sxy.len())
            .map(|i| 500.0 + 100.0 * (i % 7) as f64)
            .collect();
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| network_coverage(&net, &cxy, &sxy, &budget, 300.0))
        };
        let one = run(1);
        assert!(one.coverage.covered().iter().any(|&c| c));
        assert_eq!(one, run(4));
    }

    #[test]
    fn points_far_from_streets_are_unreachable_not_dropped() {
        let net = StreetNetwork::from_lines(&[vec![[0.0, 0.0], [1000.0, 0.0]]], None, false);
        let nc = network_coverage(
            &net,
            &[[100.0, 50.0], [100.0, 5000.0]],
            &[[0.0, 0.0], [0.0, 9000.0]],
            &[500.0, 500.0],
            300.0,
        );
        assert_eq!(nc.coverage.len(), 2);
        assert_eq!(nc.compound_snap_m, vec![Some(50.0), None]);
        assert_eq!(nc.site_snap_m, vec![Some(0.0), None]);
        assert_eq!(nc.coverage.nearest, vec![Some(0), None]);
        assert_eq!(nc.coverage.covered(), vec![true, false]);
        assert_eq!(nc.compounds_beyond_snap_limit(), 1);
        assert_eq!(nc.sites_beyond_snap_limit(), 1);
        assert_eq!(nc.compounds_on_isolated_streets(), 0);
        let err = net
            .check_overlap(Path::new("net.geojson"), &[[0.0, 9000.0]], 300.0)
            .unwrap_err();
        assert!(err.to_string().contains("does not overlap"), "{err}");
        net.check_overlap(Path::new("net.geojson"), &[[0.0, 90.0]], 300.0)
            .unwrap();
    }

    #[test]
    fn service_area_outline_surrounds_the_pieces() {
        let net = StreetNetwork::from_lines(
            &[
                vec![[-500.0, 0.0], [500.0, 0.0]],
                vec![[0.0, -500.0], [0.0, 500.0]],
            ],
            None,
            true,
        );
        let site = net.snap_one([0.0, 0.0], 1.0).unwrap();
        let segs = net.service_area_segments(&site, 300.0);
        let ring = service_area_outline(&segs, 25.0);
        assert!(ring.len() >= 4 && ring.first() == ring.last(), "{ring:?}");
        let far = ring
            .iter()
            .map(|p| p[0].abs().max(p[1].abs()))
            .fold(0.0, f64::max);
        assert!((far - 300.0).abs() < 1e-9, "{far}");
        assert!(service_area_outline(&[], 25.0).is_empty());
    }
}
