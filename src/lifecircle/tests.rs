//! Oracles for the life circle: per type against all pairs, completeness against the per-type
//! flags.

use std::path::PathBuf;

use super::analysis::{TypeInput, measure_type};
use super::*;
use crate::coverage::{Costs, Metric};
use crate::model::Compounds;
use crate::rng::Rng;
use crate::study::StudyArea;

/// A seeded city on a 10 m grid, with facilities of `types` types; some facilities sit
/// exactly `radius[t]` from a compound (3-4-5 offsets), on the edge of the circle.
/// Compound positions, facility positions, facility types, populations.
type City = (Vec<[f64; 2]>, Vec<[f64; 2]>, Vec<u32>, Vec<f64>);

fn city(seed: u64, radius: &[f64]) -> City {
    let mut rng = Rng::new(seed);
    let n = 20 + rng.below(200);
    let compounds: Vec<[f64; 2]> = (0..n)
        .map(|_| [rng.below(400) as f64 * 10.0, rng.below(400) as f64 * 10.0])
        .collect();
    let mut sites = Vec::new();
    let mut type_of = Vec::new();
    for (t, &r) in radius.iter().enumerate() {
        for _ in 0..rng.below(12) {
            sites.push([rng.below(400) as f64 * 10.0, rng.below(400) as f64 * 10.0]);
            type_of.push(t as u32);
        }
        for _ in 0..rng.below(4) {
            let c = compounds[rng.below(n)];
            sites.push([c[0] + 0.6 * r, c[1] - 0.8 * r]);
            type_of.push(t as u32);
        }
    }
    let pop = (0..n).map(|_| rng.below(2000) as f64).collect();
    (compounds, sites, type_of, pop)
}

fn facilities(type_of: &[u32]) -> Facilities {
    Facilities {
        ids: (0..type_of.len()).map(|f| format!("f{f}")).collect(),
        lonlat: vec![[0.0, 0.0]; type_of.len()],
        type_of: type_of.to_vec(),
        source_types: Vec::new(),
        capacity: vec![1.0; type_of.len()],
        groups: Vec::new(),
        left_out_ids: Vec::new(),
        layer_of: vec![0; type_of.len()],
        layers: Vec::new(),
    }
}

#[test]
fn each_type_matches_all_pairs_including_points_on_the_distance() {
    let radius = [300.0, 500.0, 1000.0];
    for seed in 1..=40u64 {
        let (compounds, sites, type_of, pop) = city(seed, &radius);
        let fac = facilities(&type_of);
        for (t, &r) in radius.iter().enumerate() {
            for accessibility in [false, true] {
                let options = LifeCircleOptions {
                    accessibility,
                    catchments: false,
                };
                let input = TypeInput {
                    costs: &Costs::Euclidean,
                    compounds_xy: &compounds,
                    facilities_xy: &sites,
                    facilities: &fac,
                    population: &pop,
                    options,
                };
                let got = measure_type(&input, fac.of_type(t), r);
                for (i, c) in compounds.iter().enumerate() {
                    let d = fac
                        .of_type(t)
                        .iter()
                        .map(|&f| {
                            ((c[0] - sites[f][0]).powi(2) + (c[1] - sites[f][1]).powi(2)).sqrt()
                        })
                        .fold(f64::INFINITY, f64::min);
                    assert_eq!(got.nearest_m[i], d, "seed {seed} type {t} compound {i}");
                    assert_eq!(got.ok[i], d <= r, "seed {seed} type {t} compound {i} d {d}");
                }
                for (k, &f) in got.facilities.iter().enumerate() {
                    let served: f64 = compounds
                        .iter()
                        .zip(&pop)
                        .filter(|(c, _)| {
                            ((c[0] - sites[f][0]).powi(2) + (c[1] - sites[f][1]).powi(2)).sqrt()
                                <= r
                        })
                        .map(|(_, p)| p)
                        .sum();
                    assert_eq!(
                        got.served_population.as_ref().unwrap()[k],
                        served,
                        "seed {seed} type {t} site {f}"
                    );
                }
                assert_eq!(got.access.is_some(), accessibility);
            }
        }
    }
}

#[test]
fn an_edge_point_counts_as_within() {
    let fac = facilities(&[0]);
    let input = TypeInput {
        costs: &Costs::Euclidean,
        compounds_xy: &[[0.0, 0.0], [0.0, 300.0001]],
        facilities_xy: &[[180.0, -240.0]],
        facilities: &fac,
        population: &[1.0, 1.0],
        options: LifeCircleOptions::default(),
    };
    let got = measure_type(&input, vec![0], 300.0);
    assert_eq!(got.nearest_m[0], 300.0);
    assert_eq!(got.ok, vec![true, false]);
}

fn profile(types: &[(&str, u32, f64)]) -> Profile {
    let mut text = String::from("name = \"test\"\n");
    for (t, level, d) in types {
        text.push_str(&format!(
            "[[facility]]\ntype = \"{t}\"\nlevel = {level}\nmax_distance_m = {d}\n"
        ));
    }
    Profile::parse(&text, std::path::Path::new("test.toml")).unwrap()
}

fn compounds(population: Vec<f64>, group: Vec<String>) -> Compounds {
    Compounds {
        path: PathBuf::from("c.csv"),
        ids: (0..population.len()).map(|i| format!("c{i}")).collect(),
        lonlat: vec![[117.0, 31.0]; population.len()],
        population,
        population_source: "test".into(),
        group_fields: vec!["street".into()],
        groups: vec![group],
        polygons: 0,
        names: Vec::new(),
        outlines: Vec::new(),
        crs: None,
        encoding: None,
    }
}

#[test]
fn completeness_follows_the_per_type_flags() {
    let p = profile(&[
        ("a", 5, 300.0),
        ("b", 5, 300.0),
        ("c", 10, 500.0),
        ("d", 15, 1000.0),
    ]);
    for seed in 1..=30u64 {
        let mut rng = Rng::new(seed);
        let n = 1 + rng.below(60);
        let types: Vec<TypeResult> = (0..p.types.len())
            .map(|_| TypeResult {
                ok: (0..n).map(|_| rng.below(3) > 0).collect(),
                nearest_m: vec![0.0; n],
                ..TypeResult::default()
            })
            .collect();
        let pop: Vec<f64> = (0..n).map(|_| rng.below(100) as f64).collect();
        let group: Vec<String> = (0..n)
            .map(|_| ["x", "y"][rng.below(2)].to_string())
            .collect();
        let c = compounds(pop.clone(), group.clone());
        let study = StudyArea::new(&[("compounds", &c.lonlat)], &mut Vec::new());
        let lc = LifeCircle::from_types(
            study,
            Metric::Euclidean,
            &c,
            &facilities(&[]),
            &p,
            types.clone(),
        );
        assert_eq!(lc.levels, vec![5, 10, 15]);
        for i in 0..n {
            let ok: Vec<bool> = types.iter().map(|t| t.ok[i]).collect();
            assert_eq!(lc.complete_level[0][i], ok[0] && ok[1], "seed {seed} {i}");
            assert_eq!(lc.complete_level[1][i], ok[2]);
            assert_eq!(lc.complete_level[2][i], ok[3]);
            assert_eq!(lc.complete[i], ok.iter().all(|&o| o));
            let share = ok.iter().filter(|&&o| o).count() as f64 / 4.0;
            assert_eq!(lc.completeness[i], share);
            let missing: Vec<usize> = lc.missing(i).collect();
            assert_eq!(missing, (0..4).filter(|&t| !ok[t]).collect::<Vec<_>>());
        }
        let complete_pop: f64 = (0..n).filter(|&i| lc.complete[i]).map(|i| pop[i]).sum();
        assert_eq!(lc.complete_share.population, complete_pop);
        let total: f64 = pop.iter().sum();
        for (t, row) in lc.type_rows.iter().enumerate() {
            let covered: f64 = (0..n).filter(|&i| types[t].ok[i]).map(|i| pop[i]).sum();
            assert_eq!(row.population_covered, covered);
            assert_eq!(
                row.population_share,
                if total > 0.0 { covered / total } else { 0.0 }
            );
        }
        // Groups partition the compounds.
        let g = &lc.groups[0];
        assert_eq!(g.iter().map(|r| r.compounds).sum::<usize>(), n);
        assert_eq!(
            g.iter().map(|r| r.complete.compounds).sum::<usize>(),
            lc.complete_share.compounds
        );
    }
}

#[test]
fn whole_run_on_lonlat_reads_types_in_profile_order() {
    let p = profile(&[("school", 10, 500.0), ("clinic", 5, 300.0)]);
    let mut c = compounds(vec![100.0, 200.0], vec!["x".into(), "y".into()]);
    // ~111 m per 0.001° of latitude.
    c.lonlat = vec![[117.0, 31.0], [117.0, 31.02]];
    let mut fac = facilities(&[0, 1]);
    fac.lonlat = vec![[117.0, 31.003], [117.0, 31.0205]];
    let study = StudyArea::new(
        &[("compounds", &c.lonlat), ("facilities", &fac.lonlat)],
        &mut Vec::new(),
    );
    let lc = LifeCircle::new(
        study,
        &Costs::Euclidean,
        &c,
        &fac,
        &p,
        LifeCircleOptions::default(),
    );
    assert_eq!(lc.types[0].ok, vec![true, false]);
    assert_eq!(lc.types[1].ok, vec![false, true]);
    assert!(
        (lc.types[0].nearest_m[0] - 332.7).abs() < 1.0,
        "{}",
        lc.types[0].nearest_m[0]
    );
    assert_eq!(lc.complete, vec![false, false]);
    assert_eq!(lc.type_rows[0].population_covered, 100.0);
    assert_eq!(lc.type_rows[1].compounds_covered, 1);
}

#[test]
fn synthetic_facility_types_are_gb50180_aliases() {
    let p = Profile::load("gb50180-2018").unwrap();
    for (kind, _, _) in crate::synth::SYNTH_FACILITY_TYPES {
        assert!(p.type_of(kind).is_some(), "{kind} is not in the profile");
    }
    let city = crate::synth::generate(&crate::synth::SynthSpec::demo());
    let a = city.typed_facilities(300, 7);
    let b = city.typed_facilities(300, 7);
    assert_eq!(a.len(), 300);
    assert!(
        a.iter()
            .zip(&b)
            .all(|(x, y)| x.xy == y.xy && x.kind == y.kind)
    );
    let kinds: std::collections::BTreeSet<&str> = a.iter().map(|f| f.kind).collect();
    assert_eq!(kinds.len(), p.types.len(), "every type drawn: {kinds:?}");
}
