//! GeoJSON point layers: any bytes through the compounds and centres readers. Errors are
//! fine; panics, hangs and runaway memory are findings.
#![no_main]

use std::path::Path;

use circleplan::io::{ReadOptions, parse_points};
use circleplan::{CompoundFields, Compounds};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.geojson");
    let fields = CompoundFields {
        group_by: vec!["street".into()],
        ..CompoundFields::default()
    };
    let mut warnings = Vec::new();
    if let Ok(c) = Compounds::parse(
        path,
        data.to_vec(),
        &ReadOptions::default(),
        &fields,
        &mut warnings,
    ) {
        assert_eq!(c.ids.len(), c.lonlat.len());
        assert!(c.population.iter().all(|p| p.is_finite() && *p >= 0.0));
        assert!(
            c.lonlat
                .iter()
                .all(|p| p[0].abs() <= 180.0 && p[1].abs() <= 90.0)
        );
    }
    let centres = ReadOptions {
        fields: vec![vec!["level".into()], vec!["capacity".into()]],
        ..ReadOptions::default()
    };
    if let Ok(layer) = parse_points(path, data.to_vec(), &centres) {
        assert!(layer.generated.windows(2).all(|w| w[0] < w[1]));
    }
});
