//! Network benches: graph build from the Monaco PBF, snapping (R-tree vs brute force), the
//! multi-source nearest-site Dijkstra, per-site bounded Dijkstra (1 thread vs all) on synthetic
//! cities of 10k and 100k compounds, and a multi-source Dijkstra on a 1,000,000-node grid.
//! Each bench checks its own result so a broken path cannot look fast.

use std::hint::black_box;
use std::path::Path;

use circleplan::LocalPlane;
use circleplan::coverage::network_coverage;
use circleplan::network::StreetNetwork;
use circleplan::rng::Rng;
use circleplan::synth::{SynthSpec, generate};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

const SNAP_LIMIT_M: f64 = 300.0;
const BUDGET_M: f64 = 1000.0;

struct City {
    net: StreetNetwork,
    lines: Vec<Vec<[f64; 2]>>,
    compounds: Vec<[f64; 2]>,
    centres: Vec<[f64; 2]>,
}

fn city(n: usize) -> City {
    let c = generate(&SynthSpec {
        compounds: n,
        centres: n / 10,
        candidates: 0,
        seed: 1,
        origin: (117.283, 31.867),
        box_km: None,
        clusters: None,
    });
    let lines: Vec<Vec<[f64; 2]>> = c.streets.iter().map(|s| s.points.clone()).collect();
    City {
        net: StreetNetwork::from_lines(&lines, None, false),
        lines,
        compounds: c.compounds.iter().map(|x| x.xy).collect(),
        centres: c.centres.iter().map(|x| x.xy).collect(),
    }
}

fn one_thread<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(f)
}

fn bench_read(cr: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/monaco");
    let pbf = dir.join("monaco.osm.pbf");
    let geojson = dir.join("walk_network.geojson");
    let plane = LocalPlane::new(7.42, 43.735);
    let mut group = cr.benchmark_group("network_read");
    group.sample_size(10);
    if pbf.exists() {
        group.bench_function("monaco_pbf", |b| {
            b.iter(|| {
                let net = StreetNetwork::read(black_box(&pbf), &plane, false).unwrap();
                assert!(net.edge_count() > 10_000, "{} edges", net.edge_count());
                net
            })
        });
    } else {
        eprintln!(
            "skipping network_read/monaco_pbf: {} not found",
            pbf.display()
        );
    }
    if geojson.exists() {
        group.bench_function("monaco_geojson_noded", |b| {
            b.iter(|| {
                let net = StreetNetwork::read(black_box(&geojson), &plane, true).unwrap();
                assert!(net.edge_count() > 10_000, "{} edges", net.edge_count());
                net
            })
        });
    } else {
        eprintln!(
            "skipping network_read/monaco_geojson_noded: {} not found",
            geojson.display()
        );
    }
    group.finish();
}

fn bench_city(cr: &mut Criterion) {
    let mut group = cr.benchmark_group("network_city");
    group.sample_size(10);
    for n in [10_000, 100_000] {
        let c = city(n);
        let edges = c.net.edge_count();
        group.bench_with_input(BenchmarkId::new("build_from_lines", n), &n, |b, _| {
            b.iter(|| {
                let net = StreetNetwork::from_lines(black_box(&c.lines), None, false);
                assert_eq!(net.edge_count(), edges);
                net
            })
        });
        group.bench_with_input(BenchmarkId::new("build_noded", n), &n, |b, _| {
            b.iter(|| {
                let net = StreetNetwork::from_lines(black_box(&c.lines), None, true);
                assert!(net.edge_count() >= edges);
                net
            })
        });

        let cs = c.net.snap(&c.compounds, SNAP_LIMIT_M);
        let ss = c.net.snap(&c.centres, SNAP_LIMIT_M);
        let snapped = cs.iter().flatten().count();
        assert!(
            snapped * 10 > n * 9,
            "only {snapped} of {n} compounds snapped"
        );
        if n <= 10_000 {
            assert_eq!(cs, c.net.snap_brute_force(&c.compounds, SNAP_LIMIT_M));
            group.bench_with_input(BenchmarkId::new("snap_brute_force", n), &n, |b, _| {
                b.iter(|| {
                    c.net
                        .snap_brute_force(black_box(&c.compounds), SNAP_LIMIT_M)
                })
            });
        }
        group.bench_with_input(BenchmarkId::new("snap_rtree", n), &n, |b, _| {
            b.iter(|| {
                let s = c.net.snap(black_box(&c.compounds), SNAP_LIMIT_M);
                assert_eq!(s.iter().flatten().count(), snapped);
                s
            })
        });

        group.bench_with_input(BenchmarkId::new("nearest_multi_source", n), &n, |b, _| {
            b.iter(|| {
                let (nearest, cost) = c.net.nearest_site(black_box(&cs), &ss);
                let reached = nearest.iter().flatten().count();
                assert!(reached * 10 > n * 8, "only {reached} of {n} reach a centre");
                cost
            })
        });

        let budget = vec![BUDGET_M; c.centres.len()];
        let nnz = c.net.coverage_by_site(&cs, &ss, &budget).nnz();
        assert!(nnz > n / 2, "only {nnz} pairs within budget");
        group.bench_with_input(
            BenchmarkId::new("bounded_per_site_1_thread", n),
            &n,
            |b, _| {
                b.iter(|| {
                    let m = one_thread(|| c.net.coverage_by_site(black_box(&cs), &ss, &budget));
                    assert_eq!(m.nnz(), nnz);
                    m
                })
            },
        );
        group.bench_with_input(BenchmarkId::new("bounded_per_site", n), &n, |b, _| {
            b.iter(|| {
                let m = c.net.coverage_by_site(black_box(&cs), &ss, &budget);
                assert_eq!(m.nnz(), nnz);
                m
            })
        });

        group.bench_with_input(BenchmarkId::new("network_coverage", n), &n, |b, _| {
            b.iter(|| {
                let nc = network_coverage(
                    &c.net,
                    black_box(&c.compounds),
                    &c.centres,
                    &budget,
                    SNAP_LIMIT_M,
                );
                assert_eq!(nc.coverage.by_compound.nnz(), nnz);
                nc
            })
        });
    }
    group.finish();
}

/// A jittered `side × side` street grid (rows and columns as polylines sharing vertices), so
/// edge lengths vary like the random weights of the SciPy peer's grid.
fn grid(side: usize, rng: &mut Rng) -> StreetNetwork {
    let spacing = 100.0;
    let nodes: Vec<[f64; 2]> = (0..side * side)
        .map(|k| {
            let (i, j) = ((k / side) as f64, (k % side) as f64);
            [
                i * spacing + rng.range(-30.0, 30.0),
                j * spacing + rng.range(-30.0, 30.0),
            ]
        })
        .collect();
    let mut lines = Vec::with_capacity(2 * side);
    for i in 0..side {
        lines.push((0..side).map(|j| nodes[i * side + j]).collect());
        lines.push((0..side).map(|j| nodes[j * side + i]).collect());
    }
    StreetNetwork::from_lines(&lines, None, false)
}

fn bench_grid(cr: &mut Criterion) {
    let mut group = cr.benchmark_group("network_grid");
    group.sample_size(10);
    let side = 1000;
    let mut rng = Rng::new(1);
    let net = grid(side, &mut rng);
    assert_eq!(net.node_count(), side * side);
    let extent = side as f64 * 100.0;
    let mut random_points = |k: usize| -> Vec<[f64; 2]> {
        (0..k)
            .map(|_| [rng.range(0.0, extent), rng.range(0.0, extent)])
            .collect()
    };
    let sites = net.snap(&random_points(100), SNAP_LIMIT_M);
    let compounds = net.snap(&random_points(10_000), SNAP_LIMIT_M);
    assert!(sites.iter().all(Option::is_some));
    group.bench_function(BenchmarkId::new("nearest_multi_source", side * side), |b| {
        b.iter(|| {
            let (nearest, _) = net.nearest_site(black_box(&compounds), &sites);
            assert!(nearest.iter().all(Option::is_some));
            nearest
        })
    });
    group.finish();
}

/// The same street graph the SciPy peer reads: the 1,000,000-compound synthetic city made by
/// `benches/peers/compare_coverage.sh 1000000 100000` (skipped when it is not there), with its
/// 100,000 centres as sources. Compare with
/// `.venv/bin/python benches/peers/dijkstra_scipy_networkx.py
///  bench-data/1000000_100000/streets.geojson bench-data/1000000_100000/centers.geojson --no-networkx`.
fn bench_city_1m_file(cr: &mut Criterion) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bench-data/1000000_100000");
    let (streets, centres) = (dir.join("streets.geojson"), dir.join("centers.geojson"));
    if !streets.exists() || !centres.exists() {
        eprintln!(
            "skipping network_city_1m: run benches/peers/compare_coverage.sh 1000000 100000 first"
        );
        return;
    }
    let mut warnings = Vec::new();
    let sites = circleplan::Centres::load(
        &centres,
        &Default::default(),
        &Default::default(),
        &mut warnings,
    )
    .expect("centres load");
    let study = circleplan::StudyArea::new(&[("centers", &sites.lonlat)], &mut warnings);
    let net = StreetNetwork::read(&streets, &study.plane, false).expect("streets load");
    assert!(net.node_count() > 900_000, "{} nodes", net.node_count());
    let snapped = net.snap(&study.project(&sites.lonlat), SNAP_LIMIT_M);
    // Self-check: the centres' own positions must all find a centre on foot.
    let probe = net.snap(&study.project(&sites.lonlat[..1000]), SNAP_LIMIT_M);
    let (found, _) = net.nearest_site(&probe, &snapped);
    assert!(
        found.iter().all(Option::is_some),
        "a centre found no centre"
    );
    let mut group = cr.benchmark_group("network_city_1m");
    group.sample_size(10);
    group.bench_function("nearest_multi_source_100k_sites", |b| {
        b.iter(|| {
            let (nearest, _) = net.nearest_site(&[], black_box(&snapped));
            nearest
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_read,
    bench_city,
    bench_grid,
    bench_city_1m_file
);
criterion_main!(benches);
