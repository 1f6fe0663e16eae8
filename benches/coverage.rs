//! Coverage benches: GeoJSON load, the coverage matrix (grid + R-tree) vs brute force, and
//! streaming coverage vs the matrix path, at 10k / 100k / 1M compounds, from a sparse region
//! (130 km square at 1M) to a dense megacity (30 km square, 40 clusters: hundreds of centres
//! per circle). Each bench checks its own result so a broken path cannot look fast.

use std::hint::black_box;

use circleplan::coverage::{Reach, SiteClasses, brute_force, euclidean, stream_euclidean};
use circleplan::io::ReadOptions;
use circleplan::synth::{SynthSpec, generate};
use circleplan::{CompoundFields, Compounds};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

fn city(n: usize) -> (Vec<[f64; 2]>, Vec<[f64; 2]>, String) {
    density_city(n, false)
}

/// A city of `n` compounds and `n / 10` centres; `dense` puts it in a box of the megacity's
/// density (1M compounds in 30 km, 40 clusters).
fn density_city(n: usize, dense: bool) -> (Vec<[f64; 2]>, Vec<[f64; 2]>, String) {
    let c = generate(&SynthSpec {
        compounds: n,
        centres: n / 10,
        candidates: 0,
        seed: 1,
        origin: (117.283, 31.867),
        box_km: dense.then(|| 30.0 * (n as f64 / 1e6).sqrt()),
        clusters: dense.then(|| (40.0 * n as f64 / 1e6).ceil() as usize),
    });
    let compounds = c.compounds.iter().map(|x| x.xy).collect();
    let centres = c.centres.iter().map(|x| x.xy).collect();
    (compounds, centres, c.compounds_geojson())
}

fn bench_coverage(cr: &mut Criterion) {
    let mut group = cr.benchmark_group("coverage");
    group.sample_size(10);
    for n in [10_000, 100_000, 1_000_000] {
        let (compounds, centres, _) = city(n);
        let budget = vec![1000.0; centres.len()];
        let expected = euclidean(&compounds, &centres, &budget);
        if n <= 10_000 {
            assert_eq!(expected, brute_force(&compounds, &centres, &budget));
            group.bench_with_input(BenchmarkId::new("brute_force", n), &n, |b, _| {
                b.iter(|| brute_force(black_box(&compounds), &centres, &budget))
            });
        }
        let covered = expected.covered().iter().filter(|c| **c).count();
        assert!(covered > 0);
        group.bench_with_input(BenchmarkId::new("rtree", n), &n, |b, _| {
            b.iter(|| {
                let c = euclidean(black_box(&compounds), &centres, &budget);
                assert_eq!(c.nearest.len(), n);
                c
            })
        });
    }
    group.finish();
}

/// Streaming coverage (what `coverage` runs) against the matrix path, sparse and dense.
fn bench_stream(cr: &mut Criterion) {
    let mut group = cr.benchmark_group("stream");
    group.sample_size(10);
    for (density, dense) in [("sparse", false), ("dense", true)] {
        for n in [10_000, 100_000, 1_000_000] {
            let (compounds, centres, _) = density_city(n, dense);
            let of_site = vec![0u32; centres.len()];
            let population = vec![1000.0; n];
            let classes = SiteClasses {
                of_site: &of_site,
                budget_m: &[1000.0],
            };
            let streamed = stream_euclidean(&compounds, &centres, classes, &population);
            let id = format!("{density}/{n}");
            // The matrix path (the oracle) only where its memory stays reasonable.
            if n <= 100_000 {
                let budget = vec![1000.0; centres.len()];
                let cov = euclidean(&compounds, &centres, &budget);
                assert_eq!(streamed, Reach::from_coverage(&cov, &of_site, &population));
                group.bench_function(BenchmarkId::new("matrix", &id), |b| {
                    b.iter(|| {
                        let cov = euclidean(black_box(&compounds), &centres, &budget);
                        Reach::from_coverage(&cov, &of_site, &population)
                    })
                });
            }
            let pairs: usize = streamed.loads.iter().map(|l| l.served_compounds).sum();
            eprintln!("{id}: {pairs} compound-centre pairs within 1 km");
            group.bench_function(BenchmarkId::new("streaming", &id), |b| {
                b.iter(|| {
                    let r = stream_euclidean(black_box(&compounds), &centres, classes, &population);
                    assert_eq!(r.len(), n);
                    r
                })
            });
        }
    }
    group.finish();
}

fn bench_load(cr: &mut Criterion) {
    let mut group = cr.benchmark_group("load_geojson");
    group.sample_size(10);
    for n in [10_000, 100_000] {
        let (_, _, text) = city(n);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("compounds.geojson");
        std::fs::write(&path, text).unwrap();
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| {
                let mut w = Vec::new();
                let c = Compounds::load(
                    &path,
                    &ReadOptions::default(),
                    &CompoundFields::default(),
                    &mut w,
                )
                .unwrap();
                assert_eq!(c.len(), n);
                c
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_coverage, bench_stream, bench_load);
criterion_main!(benches);
