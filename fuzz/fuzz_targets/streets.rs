//! GeoJSON street networks (road layers of LineStrings and MultiLineStrings): any bytes,
//! written to a file (the reader takes a path) and read with and without noding at crossings.
#![no_main]

use circleplan::crs::LocalPlane;
use circleplan::network::StreetNetwork;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // /dev/shm keeps the file in memory where it exists.
    let dir = if std::path::Path::new("/dev/shm").is_dir() {
        std::path::PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let mut file = tempfile::Builder::new()
        .suffix(".geojson")
        .tempfile_in(dir)
        .expect("temporary file");
    std::io::Write::write_all(&mut file, data).expect("write");
    let plane = LocalPlane::centred_on(7.40, 43.72, 7.44, 43.75);
    for node_crossings in [false, true] {
        if let Ok(network) = StreetNetwork::read(file.path(), &plane, node_crossings) {
            assert!(network.node_count() >= 2 && network.edge_count() >= 1);
        }
    }
});
