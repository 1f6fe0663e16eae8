//! Times the GeoJSON/CSV point reader alone (`io::parse_points`: scan, parse, checks) on one
//! file, best of N runs, and prints the throughput; the feature count and a checksum of the
//! positions are printed too, so two builds can be compared for the same result.
//!
//!     cargo run --release --example read_points -- FILE [RUNS] [FIELD...]
//!
//! FIELD names wanted property columns (e.g. `population households` for compounds).

use std::path::Path;
use std::time::Instant;

use circleplan::io::{ReadOptions, parse_points};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = Path::new(
        args.first()
            .expect("usage: read_points FILE [RUNS] [FIELD...]"),
    );
    let runs: usize = args
        .get(1)
        .map_or(5, |r| r.parse().expect("RUNS is a number"));
    let options = ReadOptions {
        fields: args.iter().skip(2).map(|f| vec![f.clone()]).collect(),
        ..ReadOptions::default()
    };
    let bytes = std::fs::read(path).expect("readable file");
    let mb = bytes.len() as f64 / 1e6;
    let mut best = f64::INFINITY;
    for _ in 0..runs {
        let input = bytes.clone();
        let t = Instant::now();
        let layer = parse_points(path, input, &options).expect("a valid layer");
        let s = t.elapsed().as_secs_f64();
        best = best.min(s);
        let sum: f64 = layer.lonlat.iter().map(|p| p[0] + p[1]).sum();
        let filled: usize = layer
            .columns
            .iter()
            .flatten()
            .filter(|v| v.is_some())
            .count();
        println!(
            "{} features, {filled} values, position sum {sum:.6}: {:.0} ms",
            layer.len(),
            s * 1e3
        );
    }
    println!(
        "best of {runs}: {:.0} ms, {:.0} MB/s ({mb:.1} MB)",
        best * 1e3,
        mb / best
    );
}
