//! `circleplan synth`: a seeded synthetic city for trials, tests and benchmarks.

use std::path::PathBuf;

use anyhow::{Result, bail};
use circleplan::io::OutputSet;
use circleplan::synth::{SynthSpec, generate};

/// Arguments of `synth`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  circleplan synth --compounds 536 --centers 266 --candidates 400 --seed 2024 -o city/
  circleplan synth --compounds 1000000 --centers 100000 --candidates 10000 --seed 1 -o big/")]
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
    let city = generate(&SynthSpec {
        compounds: args.compounds,
        centres: args.centers,
        candidates: args.candidates,
        seed: args.seed,
        origin: (args.lon, args.lat),
    });
    let mut out = OutputSet::new();
    out.add("compounds.geojson", city.compounds_geojson().into_bytes());
    out.add("centers.geojson", city.centres_geojson().into_bytes());
    out.add("candidates.geojson", city.candidates_geojson().into_bytes());
    out.add("streets.geojson", city.streets_geojson().into_bytes());
    if args.csv {
        out.add("compounds.csv", city.compounds_csv().into_bytes());
    }
    out.commit(&args.output, &[])?;
    println!(
        "Wrote {} compounds, {} centres, {} candidates and {} streets ({:.1} km square) to {}",
        city.compounds.len(),
        city.centres.len(),
        city.candidates.len(),
        city.streets.len(),
        city.side_m / 1000.0,
        args.output.display()
    );
    Ok(())
}
