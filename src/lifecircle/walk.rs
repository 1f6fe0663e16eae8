//! The life circle on foot at city scale. Compounds and every facility are snapped once and the
//! street graph contracted once for the whole run; then each type runs one multi-source
//! Dijkstra from all its facilities (types in parallel), which gives every compound its nearest
//! facility of the type and the walk to it. Per-facility searches, one bounded Dijkstra each,
//! run only when a catchment is asked for: 2SFCA, or `served_population` (residents within a
//! facility's distance) with [`LifeCircleOptions::catchments`].

use rayon::prelude::*;

use super::analysis::{TypeInput, TypeResult};
use super::{LifeCircleOptions, two_step_fca};
use crate::coverage::NetworkStats;
use crate::gates::Gates;
use crate::matrix::CoverageMatrix;
use crate::network::{SnappedPoints, StreetNetwork};

/// Every type's result on foot, in the order of `of_types` (facility indices per type, each
/// ascending) with `budget_m[t]` the type's distance, and the network's figures. With
/// `gates`, each compound walks from the nearest of its gates.
pub(crate) fn measure_types_on_foot(
    network: &StreetNetwork,
    snap_limit_m: f64,
    gates: Option<&Gates>,
    input: &TypeInput,
    of_types: Vec<Vec<usize>>,
    budget_m: &[f64],
) -> (Vec<TypeResult>, NetworkStats) {
    let n = input.compounds_xy.len();
    let (points_xy, owner) = match gates {
        Some(g) => g.expand(input.compounds_xy),
        None => (input.compounds_xy.to_vec(), (0..n as u32).collect()),
    };
    let points = network.snap_points(&points_xy, input.facilities_xy, snap_limit_m);
    let access = Owners { owner: &owner, n };
    let types: Vec<TypeResult> = of_types
        .into_par_iter()
        .zip(budget_m.par_iter())
        .map(|(of_type, &budget)| {
            measure_on_foot(network, &points, &access, input, of_type, budget)
        })
        .collect();
    let stats = network_stats(network, snap_limit_m, &points, &access, &types);
    (types, stats)
}

/// Which compound each snapped access point belongs to (ascending).
struct Owners<'a> {
    owner: &'a [u32],
    n: usize,
}

impl Owners<'_> {
    /// Per compound, the cheapest `(cost, site)` of its points.
    fn nearest(&self, nearest: &[Option<u32>], cost: &[f64]) -> (Vec<Option<u32>>, Vec<f64>) {
        let mut best: Vec<(f64, u32)> = vec![(f64::INFINITY, u32::MAX); self.n];
        for (k, &i) in self.owner.iter().enumerate() {
            if let Some(s) = nearest[k] {
                let b = &mut best[i as usize];
                if (cost[k], s) < *b {
                    *b = (cost[k], s);
                }
            }
        }
        best.into_iter()
            .map(|(c, s)| ((s != u32::MAX).then_some(s), c))
            .unzip()
    }

    /// Rows per site over access points to rows per site over compounds (each compound
    /// once, at the cheapest of its points).
    fn rows(&self, by_site: &CoverageMatrix) -> CoverageMatrix {
        if self.owner.len() == self.n {
            return by_site.clone();
        }
        let mut m = CoverageMatrix::new(self.n);
        let mut row: Vec<(u32, f32)> = Vec::new();
        for k in 0..by_site.n_rows() {
            let (points, costs) = by_site.row(k);
            row.clear();
            row.extend((points.iter().zip(costs)).map(|(&p, &c)| (self.owner[p as usize], c)));
            row.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
            row.dedup_by_key(|e| e.0);
            m.push_sorted_row(&row);
        }
        m
    }
}

/// One type: the nearest facility by one multi-source search; catchments when asked for.
fn measure_on_foot(
    network: &StreetNetwork,
    points: &SnappedPoints,
    access: &Owners,
    input: &TypeInput,
    of_type: Vec<usize>,
    budget: f64,
) -> TypeResult {
    let n = input.compounds_xy.len();
    let options = input.options;
    if of_type.is_empty() {
        return TypeResult::empty(of_type, n, options);
    }
    let (nearest, nearest_m) = network.nearest_among(points, &of_type);
    let (nearest, nearest_m) = access.nearest(&nearest, &nearest_m);
    let ok: Vec<bool> = nearest_m.iter().map(|&d| d <= budget).collect();
    let mut nearest_population = vec![0.0; of_type.len()];
    for i in 0..n {
        if let (true, Some(k)) = (ok[i], nearest[i]) {
            nearest_population[k as usize] += input.population[i];
        }
    }
    let (served_population, access) = catchments(network, points, access, input, &of_type, budget);
    TypeResult {
        facilities: of_type,
        nearest_m,
        ok,
        served_population,
        nearest_population,
        access,
    }
}

/// Residents within each facility's distance and 2SFCA access, from one bounded search per
/// facility, when the options ask for either.
fn catchments(
    network: &StreetNetwork,
    points: &SnappedPoints,
    access: &Owners,
    input: &TypeInput,
    of_type: &[usize],
    budget: f64,
) -> (Option<Vec<f64>>, Option<Vec<f64>>) {
    let LifeCircleOptions {
        accessibility,
        catchments,
    } = input.options;
    if !accessibility && !catchments {
        return (None, None);
    }
    let by_site = network.coverage_among(points, of_type, &vec![budget; of_type.len()]);
    let by_site = access.rows(&by_site);
    let served = (0..by_site.n_rows())
        .map(|k| {
            let (compounds, _) = by_site.row(k);
            compounds
                .iter()
                .map(|&i| input.population[i as usize])
                .sum()
        })
        .collect();
    let access = accessibility.then(|| {
        let supply: Vec<f64> = of_type
            .iter()
            .map(|&f| input.facilities.capacity[f])
            .collect();
        two_step_fca(&by_site.transpose(), input.population, &supply)
    });
    (Some(served), access)
}

/// The street network's figures for a walking run, as `coverage` reports them; its
/// `centers_beyond_snap_limit` counts facilities, and `compounds_on_isolated_streets` the
/// compounds on the network that reach no facility of any type.
fn network_stats(
    network: &StreetNetwork,
    snap_limit_m: f64,
    points: &SnappedPoints,
    access: &Owners,
    types: &[TypeResult],
) -> NetworkStats {
    let mut snapped = vec![false; access.n];
    for (k, &i) in access.owner.iter().enumerate() {
        snapped[i as usize] |= points.compounds[k].is_some();
    }
    let reaches_none = |i: usize| types.iter().all(|t| t.nearest_m[i].is_infinite());
    NetworkStats {
        nodes: network.node_count(),
        edges: network.edge_count(),
        length_km: network.total_length_m().round() / 1000.0,
        components: network.component_count(),
        snap_limit_m,
        compounds_beyond_snap_limit: snapped.iter().filter(|&&s| !s).count(),
        compounds_on_isolated_streets: (0..access.n)
            .filter(|&i| snapped[i] && reaches_none(i))
            .count(),
        centers_beyond_snap_limit: points.sites.iter().filter(|s| s.is_none()).count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::Costs;
    use crate::lifecircle::Facilities;
    use crate::network::oracle_cost_table;
    use crate::rng::Rng;
    use crate::synth::{SynthSpec, generate};

    fn facilities(type_of: &[u32], capacity: Vec<f64>) -> Facilities {
        Facilities {
            ids: (0..type_of.len()).map(|f| format!("f{f}")).collect(),
            lonlat: vec![[0.0, 0.0]; type_of.len()],
            type_of: type_of.to_vec(),
            capacity,
            layer_of: vec![0; type_of.len()],
            ..Facilities::default()
        }
    }

    /// Every type against plain Dijkstra from every facility (no contraction, no shared
    /// search): nearest walk, the flag, both loads and 2SFCA.
    #[test]
    fn each_type_matches_plain_dijkstra_from_every_facility() {
        for seed in 0..8u64 {
            let mut rng = Rng::new(900 + seed);
            let city = generate(&SynthSpec {
                compounds: 200 + rng.below(300),
                centres: 0,
                candidates: 0,
                seed,
                origin: (117.0, 31.0),
                box_km: None,
                clusters: None,
            });
            let lines: Vec<Vec<[f64; 2]>> = city.streets.iter().map(|s| s.points.clone()).collect();
            let net = StreetNetwork::from_lines(&lines, None, false);
            let cxy: Vec<[f64; 2]> = city.compounds.iter().map(|c| c.xy).collect();
            let pop: Vec<f64> = city.compounds.iter().map(|c| c.population).collect();
            let n_types = 1 + rng.below(4);
            let m = 5 + rng.below(60);
            let type_of: Vec<u32> = (0..m).map(|_| rng.below(n_types) as u32).collect();
            let fxy: Vec<[f64; 2]> = (0..m).map(|_| cxy[rng.below(cxy.len())]).collect();
            let fxy: Vec<[f64; 2]> = fxy
                .iter()
                .map(|p| {
                    [
                        p[0] + rng.range(-150.0, 150.0),
                        p[1] + rng.range(-150.0, 150.0),
                    ]
                })
                .collect();
            let fac = facilities(
                &type_of,
                (0..m).map(|_| 1.0 + rng.below(5) as f64).collect(),
            );
            let budgets: Vec<f64> = (0..n_types).map(|_| rng.range(200.0, 1500.0)).collect();
            let of_types: Vec<Vec<usize>> = (0..n_types)
                .map(|t| (0..m).filter(|&f| type_of[f] == t as u32).collect())
                .collect();
            let input = TypeInput {
                costs: &Costs::Euclidean,
                compounds_xy: &cxy,
                facilities_xy: &fxy,
                facilities: &fac,
                population: &pop,
                options: LifeCircleOptions {
                    accessibility: true,
                    catchments: false,
                },
            };
            let (got, stats) =
                measure_types_on_foot(&net, 300.0, None, &input, of_types.clone(), &budgets);
            let cs = net.snap_brute_force(&cxy, 300.0);
            let fs = net.snap_brute_force(&fxy, 300.0);
            let table = oracle_cost_table(&net, &cs, &fs);
            assert_eq!(
                stats.compounds_beyond_snap_limit,
                cs.iter().filter(|s| s.is_none()).count()
            );
            for (t, of_type) in of_types.iter().enumerate() {
                let r = &got[t];
                let b = budgets[t];
                let mut nearest_pop = vec![0.0; of_type.len()];
                for i in 0..cxy.len() {
                    let (k, want) = (of_type.iter().enumerate())
                        .map(|(k, &f)| (k, table[f][i]))
                        .fold(
                            (usize::MAX, f64::INFINITY),
                            |a, x| if x.1 < a.1 { x } else { a },
                        );
                    let d = r.nearest_m[i];
                    assert!(
                        (d - want).abs() <= 1e-6 || (d.is_infinite() && want.is_infinite()),
                        "seed {seed} type {t} compound {i}: {d} vs {want}"
                    );
                    if (want - b).abs() > 1e-6 {
                        assert_eq!(r.ok[i], want <= b, "seed {seed} type {t} compound {i}");
                    }
                    if r.ok[i] && (want - b).abs() > 1e-6 {
                        nearest_pop[k] += pop[i];
                    }
                }
                let covered: f64 = (0..cxy.len()).filter(|&i| r.ok[i]).map(|i| pop[i]).sum();
                let loads: f64 = r.nearest_population.iter().sum();
                assert!((covered - loads).abs() < 1e-6, "seed {seed} type {t}");
                let served = r
                    .served_population
                    .as_ref()
                    .expect("2SFCA counts catchments");
                for (k, &f) in of_type.iter().enumerate() {
                    let want: f64 = (0..cxy.len())
                        .filter(|&i| table[f][i] <= b)
                        .map(|i| pop[i])
                        .sum();
                    assert!((served[k] - want).abs() < 1e-6, "seed {seed} type {t} f{f}");
                }
                // 2SFCA against a dense computation from the oracle's table.
                let ratio: Vec<f64> = (of_type.iter().enumerate())
                    .map(|(k, &f)| {
                        let d = served[k];
                        if d > 0.0 { fac.capacity[f] / d } else { 0.0 }
                    })
                    .collect();
                let access = r.access.as_ref().expect("asked for");
                for i in 0..cxy.len() {
                    let want: f64 = 1000.0
                        * (of_type.iter().zip(&ratio))
                            .filter(|&(&f, _)| table[f][i] <= b)
                            .map(|(_, q)| q)
                            .sum::<f64>();
                    assert!(
                        (access[i] - want).abs() <= 1e-9 * want.max(1.0),
                        "seed {seed} type {t} compound {i}"
                    );
                }
            }
        }
    }

    #[test]
    fn catchments_are_left_out_unless_asked_for() {
        let city = generate(&SynthSpec::demo());
        let lines: Vec<Vec<[f64; 2]>> = city.streets.iter().map(|s| s.points.clone()).collect();
        let net = StreetNetwork::from_lines(&lines, None, false);
        let cxy: Vec<[f64; 2]> = city.compounds.iter().map(|c| c.xy).collect();
        let pop: Vec<f64> = city.compounds.iter().map(|c| c.population).collect();
        let fxy = vec![cxy[0], cxy[5]];
        let fac = facilities(&[0, 0], vec![1.0, 1.0]);
        for catchments in [false, true] {
            let input = TypeInput {
                costs: &Costs::Euclidean,
                compounds_xy: &cxy,
                facilities_xy: &fxy,
                facilities: &fac,
                population: &pop,
                options: LifeCircleOptions {
                    accessibility: false,
                    catchments,
                },
            };
            let (got, _) =
                measure_types_on_foot(&net, 300.0, None, &input, vec![vec![0, 1]], &[800.0]);
            assert_eq!(got[0].served_population.is_some(), catchments);
            assert!(got[0].access.is_none());
        }
    }
}
