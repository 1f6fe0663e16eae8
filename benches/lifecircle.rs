//! Life-circle benches: 100,000 compounds against 50,000 typed facilities of the 16
//! GB 50180-2018 types, straight line — one streaming pass per type (the default) against the
//! coverage-matrix path (taken for 2SFCA). Each checks that both give the same shares. Then
//! `lifecircle.xlsx` for the streaming result (its ledger sheet's rows spliced in).

use std::hint::black_box;
use std::path::PathBuf;

use circleplan::coverage::Costs;
use circleplan::lifecircle::{Facilities, LifeCircle, LifeCircleOptions, Profile};
use circleplan::synth::{SynthSpec, generate};
use circleplan::{Compounds, StudyArea};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

/// A synthetic city's compounds and typed facilities, as the readers would hand them over.
fn city(n: usize, m: usize, profile: &Profile) -> (Compounds, Facilities) {
    let c = generate(&SynthSpec {
        compounds: n,
        centres: 10,
        candidates: 0,
        seed: 1,
        origin: (117.283, 31.867),
        box_km: None,
        clusters: None,
    });
    let lonlat = |p: [f64; 2]| {
        let (lon, lat) = c.plane.unproject(p);
        [lon, lat]
    };
    let compounds = Compounds {
        path: PathBuf::from("synth"),
        ids: c.compounds.iter().map(|x| x.id.clone()).collect(),
        lonlat: c.compounds.iter().map(|x| lonlat(x.xy)).collect(),
        population: c.compounds.iter().map(|x| x.population).collect(),
        population_source: "synth".into(),
        group_fields: vec!["street".into()],
        groups: vec![c.compounds.iter().map(|x| x.street.clone()).collect()],
        polygons: 0,
        crs: None,
        encoding: None,
        names: Vec::new(),
        outlines: Vec::new(),
    };
    let typed = c.typed_facilities(m, 1);
    let facilities = Facilities {
        ids: typed.iter().map(|f| f.id.clone()).collect(),
        lonlat: typed.iter().map(|f| lonlat(f.xy)).collect(),
        type_of: typed
            .iter()
            .map(|f| profile.type_of(f.kind).expect("a profile alias") as u32)
            .collect(),
        capacity: typed.iter().map(|f| f.capacity).collect(),
        ..Facilities::default()
    };
    (compounds, facilities)
}

fn bench_lifecircle(cr: &mut Criterion) {
    let profile = Profile::load("gb50180-2018").unwrap();
    let (n, m) = (100_000, 50_000);
    let (compounds, facilities) = city(n, m, &profile);
    let study = StudyArea::new(
        &[
            ("compounds", &compounds.lonlat),
            ("facilities", &facilities.lonlat),
        ],
        &mut Vec::new(),
    );
    let run = |accessibility: bool| {
        let options = LifeCircleOptions {
            accessibility,
            catchments: false,
        };
        LifeCircle::new(
            study,
            &Costs::Euclidean,
            &compounds,
            &facilities,
            &profile,
            options,
        )
    };
    let streaming = run(false);
    let matrix = run(true);
    assert_eq!(streaming.type_rows.len(), 16);
    for (a, b) in streaming.type_rows.iter().zip(&matrix.type_rows) {
        assert_eq!(a.compounds_covered, b.compounds_covered, "{}", a.type_id);
    }
    assert_eq!(streaming.complete, matrix.complete);
    assert!(streaming.complete_share.compounds > 0);
    let mut group = cr.benchmark_group("lifecircle");
    group.sample_size(10);
    for (name, accessibility) in [("streaming", false), ("matrix_2sfca", true)] {
        group.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
            b.iter(|| {
                let lc = run(black_box(accessibility));
                assert_eq!(lc.complete.len(), n);
                lc
            })
        });
    }
    // The workbook an official files: its 问题台账 sheet holds one row per missing type per
    // compound (the rows between header and last spliced in as cell XML).
    let run_info = circleplan::report::RunInfo::default();
    let report = circleplan::report::LifeCircleReport {
        result: &streaming,
        compounds: &compounds,
        facilities: &facilities,
        run: &run_info,
    };
    let rows = circleplan::report::ledger(&streaming, &compounds).len();
    assert!(rows > 10_000, "a long ledger: {rows} rows");
    let lang = circleplan::report::Lang::Zh;
    group.bench_with_input(BenchmarkId::new("workbook", rows), &rows, |b, _| {
        b.iter(|| circleplan::report::lifecircle_xlsx(black_box(&report), lang, None).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench_lifecircle);
criterion_main!(benches);
