//! CSV point layers: any bytes through the compounds reader, under the default options and
//! under a projected `--crs` with GBK decoding. Errors are fine; panics are findings.
#![no_main]

use std::path::Path;

use circleplan::io::{Encoding, ReadOptions};
use circleplan::{CompoundFields, Compounds, Projected};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.csv");
    let fields = CompoundFields {
        households_field: Some("户数".into()),
        ..CompoundFields::default()
    };
    let mut warnings = Vec::new();
    let plain = ReadOptions::default();
    let projected = ReadOptions {
        csv_crs: Some(Projected::parse("EPSG:4547").expect("built-in EPSG code")),
        encoding: Encoding::Gbk,
        ..ReadOptions::default()
    };
    for options in [&plain, &projected] {
        if let Ok(c) = Compounds::parse(path, data.to_vec(), options, &fields, &mut warnings) {
            assert!(c.population.iter().all(|p| p.is_finite() && *p >= 0.0));
            assert!(
                c.lonlat
                    .iter()
                    .all(|p| p[0].abs() <= 180.0 && p[1].abs() <= 90.0)
            );
        }
    }
});
