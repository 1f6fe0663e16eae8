//! Coverage benches: GeoJSON load, R-tree coverage vs brute force, at 10k / 100k / 1M
//! compounds on synthetic cities. Each bench checks its own result so a broken path cannot
//! look fast.

use std::hint::black_box;

use circleplan::coverage::{brute_force, euclidean};
use circleplan::io::ReadOptions;
use circleplan::synth::{SynthSpec, generate};
use circleplan::{CompoundFields, Compounds};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

fn city(n: usize) -> (Vec<[f64; 2]>, Vec<[f64; 2]>, String) {
    let c = generate(&SynthSpec {
        compounds: n,
        centres: n / 10,
        candidates: 0,
        seed: 1,
        origin: (117.283, 31.867),
        box_km: None,
        clusters: None,
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

criterion_group!(benches, bench_coverage, bench_load);
criterion_main!(benches);
