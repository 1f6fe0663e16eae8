//! Network benches: graph build from the Monaco PBF, snapping (R-tree vs brute force), the
//! multi-source nearest-site Dijkstra, per-site bounded Dijkstra (1 thread vs all) on synthetic
//! cities of 10k and 100k compounds, a multi-source Dijkstra on a 1,000,000-node grid, and on
//! the 1M-compound city file (when made) the multi-source search and every candidate's bounded
//! search; both searches on Monaco's OSM walk graph (when `../shared/data` is there).
//! Each bench checks its own result so a broken path cannot look fast.

use std::hint::black_box;
use std::path::Path;

use circleplan::LocalPlane;
use circleplan::coverage::network_coverage;
use circleplan::network::{Snap, StreetNetwork};
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

/// Plain Dijkstra from one snapped site over the edge list (a heap, no contraction, no
/// scratch reuse): the costs of every compound within `budget_m`, by ascending index, with the
/// same sums as the library (node cost plus the walk along the compound's edge plus its offset;
/// straight along the edge when site and compound share it). The benches' check.
fn plain_reach(
    adj: &[Vec<(u32, f64)>],
    net: &StreetNetwork,
    compounds: &[Option<Snap>],
    site: &Snap,
    budget_m: f64,
) -> Vec<(u32, f64)> {
    use std::cmp::Reverse;
    use std::collections::{BinaryHeap, HashMap};
    let mut dist: HashMap<u32, f64> = HashMap::new();
    let mut heap = BinaryHeap::new();
    let e = site.edge as usize;
    let [a, b] = net.edge_nodes(e);
    for (v, c) in [
        (a, site.offset_m + site.along_m),
        (b, site.offset_m + (net.edge_length_m(e) - site.along_m)),
    ] {
        if c <= budget_m && dist.get(&v).is_none_or(|&d| c < d) {
            dist.insert(v, c);
            heap.push(Reverse((c.to_bits(), v)));
        }
    }
    while let Some(Reverse((bits, v))) = heap.pop() {
        let c = f64::from_bits(bits);
        if c > dist[&v] {
            continue;
        }
        for &(w, len) in &adj[v as usize] {
            let nc = c + len;
            if nc <= budget_m && dist.get(&w).is_none_or(|&d| nc < d) {
                dist.insert(w, nc);
                heap.push(Reverse((nc.to_bits(), w)));
            }
        }
    }
    let mut row = Vec::new();
    for (i, c) in compounds.iter().enumerate() {
        let Some(c) = c else { continue };
        let e = c.edge as usize;
        let ends = net.edge_nodes(e);
        let mut best = f64::INFINITY;
        for v in ends {
            if let Some(&d) = dist.get(&v) {
                let rest = if ends[0] == v {
                    c.along_m
                } else {
                    net.edge_length_m(e) - c.along_m
                };
                best = best.min((d + rest) + c.offset_m);
            }
        }
        if c.edge == site.edge {
            best = best.min(((c.along_m - site.along_m).abs() + site.offset_m) + c.offset_m);
        }
        if best <= budget_m {
            row.push((i as u32, best));
        }
    }
    row
}

/// The streets, compounds and sites of `paths` (in that order) read as the CLI reads them,
/// with compounds and sites snapped to the streets.
fn snapped_city(
    paths: &[std::path::PathBuf; 3],
) -> (StreetNetwork, Vec<Option<Snap>>, Vec<Option<Snap>>) {
    let mut warnings = Vec::new();
    let options = Default::default();
    let compounds =
        circleplan::Compounds::load(&paths[1], &options, &Default::default(), &mut warnings)
            .expect("compounds load");
    let sites = circleplan::Centres::load(&paths[2], &options, &Default::default(), &mut warnings)
        .expect("sites load");
    let layers: [(&str, &[[f64; 2]]); 2] =
        [("compounds", &compounds.lonlat), ("sites", &sites.lonlat)];
    let study = circleplan::StudyArea::new(&layers, &mut warnings);
    let net = StreetNetwork::read(&paths[0], &study.plane, false).expect("streets load");
    let cs = net.snap(&study.project(&compounds.lonlat), SNAP_LIMIT_M);
    let ss = net.snap(&study.project(&sites.lonlat), SNAP_LIMIT_M);
    (net, cs, ss)
}

/// Bounded per-site searches at scale: every candidate site's walk within the budget over the
/// 1,000,000 compounds of the synthetic city made by `benches/peers/compare_coverage.sh 1000000
/// 100000` (its 10,000 candidates), the candidate coverage matrix `gaps` and `site` build.
/// Checked against plain Dijkstra on a sample of sites.
fn bench_city_1m_per_site(cr: &mut Criterion) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bench-data/1000000_100000");
    let paths = ["streets", "compounds", "candidates"].map(|f| dir.join(format!("{f}.geojson")));
    if paths.iter().any(|p| !p.exists()) {
        eprintln!(
            "skipping network_city_1m_per_site: run benches/peers/compare_coverage.sh 1000000 \
             100000 first"
        );
        return;
    }
    let (net, cs, ss) = snapped_city(&paths);
    assert!(
        cs.len() >= 1_000_000 && ss.len() >= 10_000,
        "{} {}",
        cs.len(),
        ss.len()
    );
    let budget = vec![BUDGET_M; ss.len()];
    let m = net.coverage_by_site(&cs, &ss, &budget);
    let nnz = m.nnz();
    assert!(nnz > ss.len(), "only {nnz} pairs within budget");
    // Self-check: sampled rows against plain Dijkstra on the whole graph, cost for cost.
    let mut adj: Vec<Vec<(u32, f64)>> = vec![Vec::new(); net.node_count()];
    for e in 0..net.edge_count() {
        let [a, b] = net.edge_nodes(e);
        adj[a as usize].push((b, net.edge_length_m(e)));
        adj[b as usize].push((a, net.edge_length_m(e)));
    }
    let step = ss.len() / 25;
    let mut checked = 0;
    for s in (0..ss.len()).step_by(step) {
        let want: Vec<(u32, f32)> = match &ss[s] {
            Some(site) => plain_reach(&adj, &net, &cs, site, BUDGET_M)
                .into_iter()
                .map(|(c, d)| (c, d as f32))
                .collect(),
            None => Vec::new(),
        };
        let (cols, vals) = m.row(s);
        let got: Vec<(u32, f32)> = cols.iter().copied().zip(vals.iter().copied()).collect();
        assert_eq!(got, want, "candidate {s}");
        checked += want.len();
    }
    assert!(checked > 0, "the sampled sites reach no compound");
    drop(adj);
    eprintln!(
        "network_city_1m_per_site: {} candidates, {nnz} (candidate, compound) pairs within \
         {BUDGET_M} m; {checked} sampled pairs match plain Dijkstra",
        ss.len()
    );
    let mut group = cr.benchmark_group("network_city_1m_per_site");
    group.sample_size(10);
    group.bench_function("bounded_per_site_10k_candidates", |b| {
        b.iter(|| {
            let m = net.coverage_by_site(black_box(&cs), &ss, &budget);
            assert_eq!(m.nnz(), nnz);
            m
        })
    });
    group.finish();
}

/// Real OSM streets: Monaco's walk graph (24,559 nodes, three quarters of them shape nodes
/// that the searches contract away) with its 9,207 residential buildings and 39 public
/// services, from `../shared/data/monaco` (skipped when absent). Both searches are checked
/// against plain Dijkstra on the whole graph, every centre.
fn bench_monaco(cr: &mut Criterion) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/monaco");
    let paths = [
        dir.join("monaco.osm.pbf"),
        dir.join("compounds.geojson"),
        dir.join("centers.geojson"),
    ];
    if paths.iter().any(|p| !p.exists()) {
        eprintln!("skipping network_monaco: {} not found", dir.display());
        return;
    }
    let (net, cs, ss) = snapped_city(&paths);
    let mut adj: Vec<Vec<(u32, f64)>> = vec![Vec::new(); net.node_count()];
    for e in 0..net.edge_count() {
        let [a, b] = net.edge_nodes(e);
        adj[a as usize].push((b, net.edge_length_m(e)));
        adj[b as usize].push((a, net.edge_length_m(e)));
    }
    let budget = vec![BUDGET_M; ss.len()];
    let m = net.coverage_by_site(&cs, &ss, &budget);
    let (nearest, cost) = net.nearest_site(&cs, &ss);
    let mut best = vec![(f64::INFINITY, u32::MAX); cs.len()];
    for (s, site) in ss.iter().enumerate() {
        let Some(site) = site else { continue };
        let (cols, vals) = m.row(s);
        let got: Vec<(u32, f32)> = cols.iter().copied().zip(vals.iter().copied()).collect();
        let want: Vec<(u32, f32)> = plain_reach(&adj, &net, &cs, site, BUDGET_M)
            .into_iter()
            .map(|(c, d)| (c, d as f32))
            .collect();
        assert_eq!(got, want, "centre {s}");
        for (c, d) in plain_reach(&adj, &net, &cs, site, f64::INFINITY) {
            if d.is_finite() && (d, s as u32) < best[c as usize] {
                best[c as usize] = (d, s as u32);
            }
        }
    }
    for (c, &(d, s)) in best.iter().enumerate() {
        assert_eq!(nearest[c], (s != u32::MAX).then_some(s), "compound {c}");
        assert_eq!(cost[c], d, "compound {c}");
    }
    let nnz = m.nnz();
    let reached = nearest.iter().flatten().count();
    let mut group = cr.benchmark_group("network_monaco");
    group.sample_size(20);
    group.bench_function("nearest_multi_source", |b| {
        b.iter(|| {
            let (nearest, cost) = net.nearest_site(black_box(&cs), &ss);
            assert_eq!(nearest.iter().flatten().count(), reached);
            cost
        })
    });
    group.bench_function("bounded_per_site", |b| {
        b.iter(|| {
            let m = net.coverage_by_site(black_box(&cs), &ss, &budget);
            assert_eq!(m.nnz(), nnz);
            m
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_read,
    bench_city,
    bench_grid,
    bench_city_1m_file,
    bench_city_1m_per_site,
    bench_monaco
);
criterion_main!(benches);
