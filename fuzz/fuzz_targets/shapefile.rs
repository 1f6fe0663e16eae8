//! Shapefiles: the input split into a `.shp`, `.shx` and `.dbf` (two little-endian u16
//! lengths first), written beside each other with an EPSG:4548 `.prj` and a GBK `.cpg`, then
//! read as compounds. Errors are fine; panics are findings.
#![no_main]

use circleplan::io::{ReadOptions, read_points};
use libfuzzer_sys::fuzz_target;

const PRJ: &str = r#"PROJCS["CGCS2000_3_Degree_GK_CM_117E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["Central_Meridian",117.0],PARAMETER["Scale_Factor",1.0],UNIT["Meter",1.0]]"#;

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let shp_len = u16::from_le_bytes([data[0], data[1]]) as usize;
    let shx_len = u16::from_le_bytes([data[2], data[3]]) as usize;
    let rest = &data[4..];
    let (shp, rest) = rest.split_at(shp_len.min(rest.len()));
    let (shx, dbf) = rest.split_at(shx_len.min(rest.len()));
    let dir = std::env::temp_dir().join(format!("circleplan-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("fuzz.shp");
    for (ext, bytes) in [
        ("shp", shp),
        ("shx", shx),
        ("dbf", dbf),
        ("prj", PRJ.as_bytes()),
        ("cpg", b"GBK"),
    ] {
        std::fs::write(path.with_extension(ext), bytes).expect("temp file");
    }
    if let Ok(layer) = read_points(&path, &ReadOptions::default()) {
        assert_eq!(layer.ids.len(), layer.lonlat.len());
        assert!(
            layer
                .lonlat
                .iter()
                .all(|p| p[0].abs() <= 180.0 && p[1].abs() <= 90.0)
        );
    }
});
