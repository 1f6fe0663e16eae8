//! `circleplan synth`: a seeded synthetic city for trials, tests and benchmarks.

use std::path::PathBuf;

use anyhow::{Result, bail};
use circleplan::io::OutputSet;
use circleplan::synth::{SynthSpec, generate};

/// Arguments of `synth`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  circleplan synth --compounds 536 --centers 266 --candidates 400 --seed 2024 -o city/
  circleplan synth --compounds 1000000 --centers 100000 --candidates 10000 --seed 1 -o big/
  # a dense megacity: the same counts in a 30 km square, around 40 settlement clusters
  circleplan synth --compounds 1000000 --centers 100000 --box-km 30 --clusters 40 -o dense/
  # typed facilities for the life circle
  circleplan synth --compounds 100000 --centers 100 --facilities 50000 -o lc/")]
pub struct Args {
    /// Number of compounds.
    #[arg(long, default_value_t = 536)]
    compounds: usize,
    /// Number of existing centres (1 district, up to 11 sub-district, community, station).
    #[arg(long, default_value_t = 266)]
    centers: usize,
    /// Number of candidate sites.
    #[arg(long, default_value_t = 400)]
    candidates: usize,
    /// Random seed: equal seeds give byte-identical files.
    #[arg(long, default_value_t = 2024)]
    seed: u64,
    /// City centre longitude (WGS84).
    #[arg(long, default_value_t = 117.283, allow_negative_numbers = true)]
    lon: f64,
    /// City centre latitude (WGS84).
    #[arg(long, default_value_t = 31.867, allow_negative_numbers = true)]
    lat: f64,
    /// Side of the square study area, km (default: grows with --compounds, a 130 km square
    /// at 1,000,000 compounds). A small box makes a dense city.
    #[arg(long, value_name = "KM", allow_negative_numbers = true)]
    box_km: Option<f64>,
    /// Number of settlement clusters the compounds gather around (default: one per 40
    /// compounds). Few clusters in a small box make hundreds of centres per circle.
    #[arg(long, value_name = "N")]
    clusters: Option<usize>,
    /// Also write facilities.geojson with this many typed facilities (幼儿园, 小学, 初中,
    /// 社区卫生服务站, 菜市场, …; field 类型) for `lifecircle`.
    #[arg(long, value_name = "N", default_value_t = 0)]
    facilities: usize,
    /// Write streets.geojson as a typical GIS road layer: polylines not split where they
    /// cross (use `--node-crossings` when measuring with it) and a vertex every STEP_M metres.
    #[arg(long, value_name = "STEP_M", allow_negative_numbers = true)]
    gis_streets: Option<f64>,
    /// Also write gates.geojson: gates (field `compound`) for every EVERY-th compound, one to
    /// three each, 30–80 m from the compound's point (for `--gates`).
    #[arg(long, value_name = "EVERY")]
    gates: Option<usize>,
    /// Also write compounds.csv with Chinese headers (编号, 经度, 纬度, 人口, 街道, 社区).
    #[arg(long)]
    csv: bool,
    /// Output directory.
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
}

/// Runs `synth`.
pub fn run(args: Args) -> Result<()> {
    if args.compounds == 0 {
        bail!("--compounds must be at least 1");
    }
    if circleplan::io::check_coordinates(args.lon, args.lat).is_err() {
        bail!(
            "--lon {} --lat {} is not a WGS84 position",
            args.lon,
            args.lat
        );
    }
    if let Some(km) = args.box_km
        && !(km > 0.0 && km.is_finite())
    {
        bail!("--box-km must be a positive number of kilometres, got {km}");
    }
    if let Some(step) = args.gis_streets
        && !(step > 0.0 && step.is_finite())
    {
        bail!("--gis-streets must be a positive vertex spacing in metres, got {step}");
    }
    let city = generate(&SynthSpec {
        compounds: args.compounds,
        centres: args.centers,
        candidates: args.candidates,
        seed: args.seed,
        origin: (args.lon, args.lat),
        box_km: args.box_km,
        clusters: args.clusters,
    });
    let mut out = OutputSet::new();
    out.add("compounds.geojson", city.compounds_geojson().into_bytes());
    out.add("centers.geojson", city.centres_geojson().into_bytes());
    out.add("candidates.geojson", city.candidates_geojson().into_bytes());
    let streets = match args.gis_streets {
        Some(step) => city.gis_streets_geojson(step),
        None => city.streets_geojson(),
    };
    out.add("streets.geojson", streets.into_bytes());
    if args.facilities > 0 {
        let facilities = city.typed_facilities(args.facilities, args.seed);
        out.add(
            "facilities.geojson",
            city.facilities_geojson(&facilities).into_bytes(),
        );
    }
    if let Some(every) = args.gates {
        out.add(
            "gates.geojson",
            city.gates_geojson(every, args.seed).into_bytes(),
        );
    }
    if args.csv {
        out.add("compounds.csv", city.compounds_csv().into_bytes());
    }
    out.commit(&args.output, &[])?;
    println!(
        "Wrote {} compounds, {} centres, {} candidates and {} streets ({:.1} km square) to {}",
        thousands(city.compounds.len()),
        thousands(city.centres.len()),
        thousands(city.candidates.len()),
        thousands(city.streets.len()),
        city.side_m / 1000.0,
        args.output.display()
    );
    Ok(())
}

/// A count with thousands separators.
fn thousands(n: usize) -> String {
    circleplan::report::thousands_fixed(n as f64, 0)
}
