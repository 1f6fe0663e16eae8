//! Solves one dense (hard) maximal-covering instance and prints the answer and its timing;
//! `--dump FILE` also writes the reduced model for the CBC peer (`benches/peers/mclp_cbc.py`).
//!
//!     cargo run --release --example mclp_hard -- --compounds 10000 --candidates 1000 \
//!         --box-km 12 --clusters 20 --add 20 [--target 0.95] [--centres 0] [--dump m.json]
//!
//! `--synth` takes the `circleplan synth` city of the same counts instead of the dense box;
//! `--geojson DIR` writes the city as WGS84 GeoJSON for `circleplan site` and the spopt peer.

#[path = "../benches/common/dense.rs"]
mod dense;

use std::io::Write;
use std::time::{Duration, Instant};

use circleplan::siting::{Goal, plan_sites};
use dense::{DenseCity, DenseSpec};

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|p| args.get(p + 1))
        .map(|v| v.parse().ok().expect("a number after the flag"))
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let spec = DenseSpec {
        compounds: arg(&args, "--compounds", 10_000),
        candidates: arg(&args, "--candidates", 1_000),
        centres: arg(&args, "--centres", 0),
        box_km: arg(&args, "--box-km", 12.0),
        clusters: arg(&args, "--clusters", 20),
        seed: arg(&args, "--seed", 1),
    };
    let radius_m: f64 = arg(&args, "--radius", 1000.0);
    let limit = Duration::from_secs_f64(arg(&args, "--time-limit", 60.0));
    let target: f64 = arg(&args, "--target", 0.0);
    let goal = if target > 0.0 {
        Goal::Target(target)
    } else {
        Goal::Add(arg(&args, "--add", 20))
    };
    let t = Instant::now();
    let city = if args.iter().any(|a| a == "--synth") {
        synth_city(&spec)
    } else {
        DenseCity::new(&spec)
    };
    let (cover, covered) = city.cover(radius_m);
    let t_cover = t.elapsed().as_secs_f64();
    let per: f64 = cover.nnz() as f64 / spec.compounds as f64;
    let t = Instant::now();
    let plan = plan_sites(&cover, &city.population, &covered, goal, limit).expect("a plan");
    let t_solve = t.elapsed().as_secs_f64();
    println!(
        "{spec:?} radius {radius_m} m, {per:.1} candidates per compound, cover {t_cover:.3} s"
    );
    println!(
        "{goal:?}: solve {t_solve:.3} s, sites {}, objective {}, bound {:.3}, gap {:.2e}, \
         optimal {}, greedy {} ({:.2} % below), nodes {}, count proven {:?}, at least {:?}",
        plan.sites.len(),
        plan.objective,
        plan.upper_bound,
        plan.gap,
        plan.optimal,
        plan.greedy_objective,
        100.0 * (plan.objective - plan.greedy_objective) / plan.objective.max(1.0),
        plan.nodes,
        plan.count_optimal,
        plan.count_lower_bound
    );
    if let Some(p) = args.iter().position(|a| a == "--dump") {
        dump(&args[p + 1], &cover, &city.population, &covered, goal);
    }
    if let Some(p) = args.iter().position(|a| a == "--geojson") {
        let dir = std::path::Path::new(&args[p + 1]);
        std::fs::create_dir_all(dir).expect("output folder");
        let half = spec.box_km * 500.0;
        let shift = |xy: &[f64; 2]| [xy[0] - half, xy[1] - half];
        let pts: Vec<[f64; 2]> = city.compounds.iter().map(shift).collect();
        write_points(
            &dir.join("compounds.geojson"),
            "C",
            &pts,
            Some(&city.population),
        );
        let pts: Vec<[f64; 2]> = city.candidates.iter().map(shift).collect();
        write_points(&dir.join("candidates.geojson"), "K", &pts, None);
        let pts: Vec<[f64; 2]> = city.centres.iter().map(shift).collect();
        write_points(&dir.join("centers.geojson"), "S", &pts, None);
    }
}

/// Writes points (metres on a plane centred on Hefei) as WGS84 GeoJSON with ids
/// `{prefix}{n}` and, when given, a `population` property: the inputs `circleplan site` and
/// the spopt peer read.
fn write_points(path: &std::path::Path, prefix: &str, xy: &[[f64; 2]], pop: Option<&[f64]>) {
    let plane = circleplan::LocalPlane::new(117.283, 31.867);
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("GeoJSON file"));
    write!(f, "{{\"type\":\"FeatureCollection\",\"features\":[").unwrap();
    for (n, p) in xy.iter().enumerate() {
        let (lon, lat) = plane.unproject(*p);
        let extra = pop.map_or(String::new(), |w| format!(",\"population\":{}", w[n]));
        write!(
            f,
            "{}{{\"type\":\"Feature\",\"properties\":{{\"id\":\"{prefix}{n}\"{extra}}},\
             \"geometry\":{{\"type\":\"Point\",\"coordinates\":[{lon:.7},{lat:.7}]}}}}",
            if n > 0 { "," } else { "" }
        )
        .unwrap();
    }
    writeln!(f, "]}}").unwrap();
}

/// The `circleplan synth` city of the same counts (clustered compounds over a city-sized
/// square, the centre network, candidates): the instances `site` meets in practice.
fn synth_city(spec: &DenseSpec) -> DenseCity {
    let city = circleplan::synth::generate(&circleplan::synth::SynthSpec {
        compounds: spec.compounds,
        centres: spec.centres,
        candidates: spec.candidates,
        seed: spec.seed,
        origin: (117.283, 31.867),
        box_km: None,
        clusters: None,
    });
    DenseCity {
        compounds: city.compounds.iter().map(|c| c.xy).collect(),
        population: city.compounds.iter().map(|c| c.population).collect(),
        candidates: city.candidates.iter().map(|c| c.xy).collect(),
        centres: city.centres.iter().map(|c| c.xy).collect(),
    }
}

/// Writes `{"p", "target", "weights", "existing", "covers"}`: per compound the candidates
/// that reach it, for a MILP solver to build the same model.
fn dump(path: &str, cover: &circleplan::CoverageMatrix, pop: &[f64], covered: &[bool], goal: Goal) {
    let by_compound = cover.transpose();
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("dump file"));
    let (p, target) = match goal {
        Goal::Add(k) => (k, 0.0),
        Goal::Target(s) => (0, s),
    };
    write!(
        f,
        "{{\"p\":{p},\"target\":{target},\"candidates\":{},\"weights\":[",
        cover.n_rows()
    )
    .unwrap();
    for (i, w) in pop.iter().enumerate() {
        write!(f, "{}{w}", if i > 0 { "," } else { "" }).unwrap();
    }
    write!(f, "],\"existing\":[").unwrap();
    for (i, c) in covered.iter().enumerate() {
        write!(f, "{}{}", if i > 0 { "," } else { "" }, u8::from(*c)).unwrap();
    }
    write!(f, "],\"covers\":[").unwrap();
    for i in 0..by_compound.n_rows() {
        let row: Vec<String> = by_compound.row(i).0.iter().map(|c| c.to_string()).collect();
        write!(f, "{}[{}]", if i > 0 { "," } else { "" }, row.join(",")).unwrap();
    }
    writeln!(f, "]}}").unwrap();
}
