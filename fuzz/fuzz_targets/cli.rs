//! The command line: any bytes split into arguments at NUL or newline and parsed with the
//! binary's own clap definition, plus the library parsers behind its flag values.
#![no_main]

use clap::Parser;
use libfuzzer_sys::fuzz_target;

#[allow(dead_code, unused_imports)]
#[path = "../../src/cmd/mod.rs"]
mod cmd;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let args: Vec<&str> = std::iter::once("circleplan")
        .chain(text.split(['\0', '\n']))
        .collect();
    if let Ok(cli) = cmd::Cli::try_parse_from(&args) {
        let _ = format!("{cli:?}");
    }
    for value in &args[1..] {
        let _ = circleplan::Projected::parse(value);
        let _ = circleplan::Circle::parse_level_radius(value);
        let _ = value.parse::<circleplan::CoordSystem>();
        let _ = value.parse::<circleplan::io::MatrixColumns>();
        let _ = value.parse::<circleplan::io::CostUnit>();
        let _ = value.parse::<circleplan::io::Encoding>();
        let _ = circleplan::model::parse_count(value);
        let _ = circleplan::io::parse_crs_member(std::path::Path::new("f.geojson"), value);
    }
});
