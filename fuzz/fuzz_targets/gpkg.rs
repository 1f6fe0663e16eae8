//! GeoPackage layers: any bytes as a `.gpkg` through the compounds reader (the only layer, and
//! a named one) and the street reader. Errors are fine; panics are findings.
#![no_main]

use std::path::Path;

use circleplan::io::ReadOptions;
use circleplan::{CompoundFields, Compounds};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let fields = CompoundFields::default();
    let mut warnings = Vec::new();
    for name in ["fuzz.gpkg", "fuzz.gpkg:compounds"] {
        let path = Path::new(name);
        let options = ReadOptions::default();
        if let Ok(c) = Compounds::parse(path, data.to_vec(), &options, &fields, &mut warnings) {
            assert!(c.population.iter().all(|p| p.is_finite() && *p >= 0.0));
            assert!(
                c.lonlat
                    .iter()
                    .all(|p| p[0].abs() <= 180.0 && p[1].abs() <= 90.0)
            );
        }
    }
});
