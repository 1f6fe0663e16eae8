//! Coverage on foot: compounds and sites snapped to the street graph, the nearest site by one
//! multi-source Dijkstra and each site's compounds within budget by one bounded Dijkstra per
//! site. The graph (`network`) knows nothing of coverage; this is where its costs become one.

use super::Coverage;
use crate::network::StreetNetwork;

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
    let (nearest, nearest_cost_m, by_site) = network.nearest_and_coverage(&cs, &ss, budget_m);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::{Reach, detour_stats, euclidean};
    use crate::rng::Rng;
    use crate::synth::{SynthSpec, generate};
    use std::path::Path;

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
}
