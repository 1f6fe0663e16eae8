//! A short fuzz smoke run inside `cargo test` (so every CI run has one, with nothing to
//! install): seeded byte-level mutations of real inputs (bit flips, inserted and deleted
//! bytes, cut and repeated chunks, interesting values) fed to the GeoJSON, CSV, cost-table,
//! OSM PBF, Shapefile and GeoPackage readers. A reader may refuse any input with an error; it must never panic, and what
//! it accepts must hold together. The long runs are the cargo-fuzz targets in `fuzz/`
//! (`fuzz/run.sh SECONDS`).

use std::path::{Path, PathBuf};

use circleplan::crs::LocalPlane;
use circleplan::io::{CostTable, CostUnit, Encoding, MatrixColumns, ReadOptions, parse_points};
use circleplan::network::StreetNetwork;
use circleplan::{CompoundFields, Compounds};

/// Mutated inputs per seed file: `CIRCLEPLAN_FUZZ_ROUNDS` (`.ci/run` asks for more), else 300.
fn rounds() -> usize {
    std::env::var("CIRCLEPLAN_FUZZ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

/// A small deterministic generator (xorshift), so every run tries the same inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One to four random edits of `seed`.
fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    const INTERESTING: [&[u8]; 10] = [
        b"-",
        b"1e309",
        b"NaN",
        b"\"",
        b"{",
        b"]",
        b",",
        b"\xff\xfe",
        b"null",
        b"0x7fffffff",
    ];
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(v.len() + 1);
        match rng.below(6) {
            0 if !v.is_empty() => {
                let i = at.min(v.len() - 1);
                v[i] ^= 1 << rng.below(8);
            }
            1 => v.insert(at, rng.next() as u8),
            2 if at < v.len() => {
                let end = (at + 1 + rng.below(16)).min(v.len());
                v.drain(at..end);
            }
            3 => v.truncate(at),
            4 if at < v.len() => {
                let end = (at + 1 + rng.below(64)).min(v.len());
                let chunk = v[at..end].to_vec();
                v.splice(at..at, chunk);
            }
            _ => {
                let s = INTERESTING[rng.below(INTERESTING.len())];
                v.splice(at..at, s.iter().copied());
            }
        }
    }
    v
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The first `limit` bytes of a repository file (small inputs keep each parse quick).
fn seed(path: &str, limit: usize) -> Vec<u8> {
    let mut bytes = std::fs::read(repo(path)).unwrap();
    bytes.truncate(limit);
    bytes
}

fn check_compounds(path: &Path, data: &[u8], options: &ReadOptions) {
    let fields = CompoundFields {
        group_by: vec!["street".into()],
        ..CompoundFields::default()
    };
    let mut warnings = Vec::new();
    if let Ok(c) = Compounds::parse(path, data.to_vec(), options, &fields, &mut warnings) {
        assert_eq!(c.ids.len(), c.lonlat.len());
        assert!(c.population.iter().all(|p| p.is_finite() && *p >= 0.0));
        assert!(
            c.lonlat
                .iter()
                .all(|p| p[0].abs() <= 180.0 && p[1].abs() <= 90.0)
        );
    }
}

#[test]
fn geojson_readers_survive_mutations() {
    let seeds = [
        seed("data/demo/compounds.geojson", 3000),
        seed("data/demo/centers.geojson", 2000),
        seed("tests/fixtures/good/compounds.geojson", 4000),
    ];
    let path = Path::new("fuzz.geojson");
    let centres = ReadOptions {
        fields: vec![vec!["level".into()], vec!["capacity".into()]],
        ..ReadOptions::default()
    };
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for s in &seeds {
        for _ in 0..rounds() {
            let data = mutate(&mut rng, s);
            check_compounds(path, &data, &ReadOptions::default());
            if let Ok(layer) = parse_points(path, data, &centres) {
                assert!(layer.generated.windows(2).all(|w| w[0] < w[1]));
            }
        }
    }
}

#[test]
fn csv_readers_survive_mutations() {
    let seeds = [seed("data/demo/compounds.csv", 3000)];
    let path = Path::new("fuzz.csv");
    let gbk = ReadOptions {
        encoding: Encoding::Gbk,
        ..ReadOptions::default()
    };
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for s in &seeds {
        for _ in 0..3 * rounds() {
            let data = mutate(&mut rng, s);
            check_compounds(path, &data, &ReadOptions::default());
            check_compounds(path, &data, &gbk);
        }
    }
}

#[test]
fn cost_table_reader_survives_mutations() {
    let seed = b"site,compound,cost\nS1,1,120.5\nS1,2,300\nS2,a,15\nc1,\xe5\xb0\x8f\xe5\x8c\xba,0\n1,3,999.9\n";
    let compounds: Vec<String> = ["1", "2", "3", "a", "小区"].map(String::from).to_vec();
    let sites = ["S1", "S2", "c1", "1"];
    let columns: MatrixColumns = "site,compound,cost".parse().unwrap();
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for _ in 0..4 * rounds() {
        let data = mutate(&mut rng, seed);
        for unit in [CostUnit::Metres, CostUnit::Minutes] {
            let path = Path::new("fuzz.csv");
            let table = CostTable::parse(path, &data, &columns, unit, 4.0, &compounds, &sites);
            if let Ok(t) = table {
                let mut costs = t.by_site.values().flatten();
                assert!(costs.all(|&(c, m)| (c as usize) < compounds.len() && m >= 0.0));
            }
        }
    }
}

#[test]
fn osm_pbf_reader_survives_mutations() {
    let seeds = [
        std::fs::read(repo("tests/fixtures/network/monaco_port.osm.pbf")).unwrap(),
        std::fs::read(repo("tests/fixtures/network/fuzz_dense_overflow.osm.pbf")).unwrap(),
    ];
    let plane = LocalPlane::centred_on(7.40, 43.72, 7.44, 43.75);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fuzz.osm.pbf");
    let mut rng = Rng(0x0ddc_0ffe_e0dd_f00d);
    for s in &seeds {
        for _ in 0..rounds() / 3 {
            std::fs::write(&file, mutate(&mut rng, s)).unwrap();
            if let Ok(network) = StreetNetwork::read(&file, &plane, false) {
                assert!(network.node_count() > 0);
            }
        }
    }
}

#[test]
fn street_geojson_reader_survives_mutations() {
    let seed = br#"{"type":"FeatureCollection","name":"roads","features":[
{"type":"Feature","id":1,"properties":{"highway":"residential","layer":0},"geometry":{"type":"LineString","coordinates":[[7.4201,43.7301],[7.4212,43.7305,12.5],[7.4223,43.7311]]}},
{"type":"Feature","properties":{"ID":"b2","bridge":"yes"},"geometry":{"coordinates":[[[7.4212,43.7305],[7.4215,43.7322]],[[7.4190,43.7290],[7.4201,43.7301]]],"type":"MultiLineString"}},
{"type":"Feature","properties":{"tunnel":true,"LAYER":"-1"},"geometry":{"type":"LineString","coordinates":[[7.4180,43.7310],[7.4230,43.7290]]}},
{"type":"Feature","properties":null,"geometry":{"type":"LineString","coordinates":[[7.4223,43.7311],[7.4240,43.7330]]}}
]}"#;
    let plane = LocalPlane::centred_on(7.40, 43.72, 7.44, 43.75);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fuzz.geojson");
    let mut rng = Rng(0x5eed_0f57_4ee7_5000);
    for _ in 0..rounds() {
        std::fs::write(&file, mutate(&mut rng, seed)).unwrap();
        for node_crossings in [false, true] {
            if let Ok(network) = StreetNetwork::read(&file, &plane, node_crossings) {
                assert!(network.node_count() >= 2 && network.edge_count() >= 1);
            }
        }
    }
    std::fs::write(&file, seed).unwrap();
    let network = StreetNetwork::read(&file, &plane, true).unwrap();
    assert!(network.edge_count() >= 6, "{}", network.edge_count());
}

#[test]
fn shapefile_reader_survives_mutations() {
    // A GDAL-written Shapefile of three compounds (EPSG:4548, GBK), one part mutated at a time.
    let parts = [
        ("shp", std::fs::read(repo("tests/fixtures/bad/no_dbf.shp")).unwrap()),
        ("shx", std::fs::read(repo("tests/fixtures/bad/no_dbf.shx")).unwrap()),
        ("dbf", std::fs::read(repo("tests/fixtures/bad/unknown_prj.dbf")).unwrap()),
        (
            "prj",
            br#"PROJCS["CGCS2000_3_Degree_GK_CM_117E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["Central_Meridian",117.0],PARAMETER["Scale_Factor",1.0],UNIT["Meter",1.0]]"#.to_vec(),
        ),
        ("cpg", b"GBK".to_vec()),
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fuzz.shp");
    let write_all = || {
        for (ext, bytes) in &parts {
            std::fs::write(path.with_extension(ext), bytes).unwrap();
        }
    };
    write_all();
    assert_eq!(
        circleplan::io::read_points(&path, &ReadOptions::default())
            .unwrap()
            .len(),
        2
    );
    let mut rng = Rng(0x5851_f42d_4c95_7f2d);
    for _ in 0..rounds() {
        let (ext, bytes) = &parts[rng.below(parts.len())];
        std::fs::write(path.with_extension(ext), mutate(&mut rng, bytes)).unwrap();
        let shp = std::fs::read(&path).unwrap();
        check_compounds(&path, &shp, &ReadOptions::default());
        write_all();
    }
}

#[test]
fn geopackage_reader_survives_mutations() {
    let seed = std::fs::read(repo("tests/fixtures/bad/several_layers.gpkg")).unwrap();
    let layer = Path::new("fuzz.gpkg:compounds");
    assert!(parse_points(layer, seed.clone(), &ReadOptions::default()).is_ok());
    let mut rng = Rng(0x7c1f_e0aa_3b2d_9e41);
    for _ in 0..rounds() / 3 {
        let data = mutate(&mut rng, &seed);
        check_compounds(layer, &data, &ReadOptions::default());
        check_compounds(Path::new("fuzz.gpkg"), &data, &ReadOptions::default());
    }
}
