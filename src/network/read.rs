//! Building the street graph from the lines `io` reads (OpenStreetMap PBF extracts or GeoJSON
//! road layers): vertices projected onto the study plane, then joined into a network.

use std::path::Path;

use rayon::prelude::*;

use super::graph::{IndexedLines, StreetNetwork};
use crate::crs::LocalPlane;
use crate::error::Result;

pub(crate) fn read_network(
    path: &Path,
    plane: &LocalPlane,
    node_crossings: bool,
) -> Result<StreetNetwork> {
    Ok(network_of(
        crate::io::read_streets(path)?,
        plane,
        node_crossings,
    ))
}

/// The street graph of a GeoJSON line layer already in memory (`path` names it in messages).
pub(crate) fn parse_network(
    path: &Path,
    geojson: &[u8],
    plane: &LocalPlane,
    node_crossings: bool,
) -> Result<StreetNetwork> {
    let streets = crate::io::parse_geojson_lines(path, geojson)?;
    Ok(network_of(streets, plane, node_crossings))
}

pub(super) fn network_of(
    streets: crate::io::LineLayer,
    plane: &LocalPlane,
    node_crossings: bool,
) -> StreetNetwork {
    let points = streets
        .lonlat
        .par_iter()
        .map(|p| plane.project(p[0], p[1]))
        .collect();
    let input = IndexedLines {
        points,
        lines: streets.lines,
        layers: streets.layers,
    };
    StreetNetwork::build(input, node_crossings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::network::test_pbf::{PbfWay, write_pbf};
    use std::io::Write;

    fn plane() -> LocalPlane {
        LocalPlane::new(7.42, 43.73)
    }

    fn temp(suffix: &str, bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new().suffix(suffix).tempfile().unwrap();
        f.write_all(bytes).unwrap();
        f
    }

    fn read_str(text: &str, node_crossings: bool) -> Result<StreetNetwork> {
        let f = temp(".geojson", text.as_bytes());
        StreetNetwork::read(f.path(), &plane(), node_crossings)
    }

    fn feature(props: &str, geometry: &str) -> String {
        format!(r#"{{"type":"Feature","properties":{props},"geometry":{geometry}}}"#)
    }

    fn collection(features: &[String]) -> String {
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",")
        )
    }

    #[test]
    fn geojson_lines_connect_at_shared_vertices() {
        let text = collection(&[
            feature(
                r#"{"id":"a"}"#,
                r#"{"type":"LineString","coordinates":[[7.42,43.73],[7.421,43.73,12.0]]}"#,
            ),
            feature(
                "null",
                r#"{"coordinates":[[[7.421,43.73],[7.421,43.731]],[[7.43,43.74],[7.431,43.74]]],"type":"MultiLineString"}"#,
            ),
        ]);
        let net = read_str(&text, false).unwrap();
        assert_eq!((net.node_count(), net.edge_count()), (5, 3));
        assert_eq!(net.component_count(), 2);
        // 0.001° of longitude at 43.73°N is about 80.5 m; 0.001° of latitude about 111 m.
        let len = net.edge_length_m(0);
        assert!((len - 80.5).abs() < 0.5, "{len}");
    }

    #[test]
    fn geojson_crossings_are_noded_except_bridges_and_tunnels() {
        let h = r#"{"type":"LineString","coordinates":[[7.419,43.73],[7.421,43.73]]}"#;
        let v = r#"{"type":"LineString","coordinates":[[7.42,43.729],[7.42,43.731]]}"#;
        let ground = collection(&[feature("{}", h), feature("{}", v)]);
        assert_eq!(read_str(&ground, false).unwrap().component_count(), 2);
        assert_eq!(read_str(&ground, true).unwrap().component_count(), 1);
        for props in [
            r#"{"bridge":"yes"}"#,
            r#"{"tunnel":true}"#,
            r#"{"layer":1}"#,
            r#"{"LAYER":"-1"}"#,
        ] {
            let text = collection(&[feature("{}", h), feature(props, v)]);
            assert_eq!(
                read_str(&text, true).unwrap().component_count(),
                2,
                "{props}"
            );
        }
        let both = collection(&[
            feature(r#"{"bridge":"yes"}"#, h),
            feature(r#"{"layer":1,"bridge":"no"}"#, v),
        ]);
        assert_eq!(read_str(&both, true).unwrap().component_count(), 1);
    }

    #[test]
    fn bad_network_features_are_named() {
        let cases = [
            (
                feature(
                    r#"{"id":"road-7"}"#,
                    r#"{"type":"Polygon","coordinates":[[[7,43],[7.1,43],[7,43.1],[7,43]]]}"#,
                ),
                "feature 2 (id \"road-7\"): unsupported geometry type \"Polygon\"",
            ),
            (
                feature(
                    "{}",
                    r#"{"type":"LineString","coordinates":[[7.42,43.73],[7.42,43.73]]}"#,
                ),
                "feature 2: the line has fewer than two distinct points (2 given)",
            ),
            (
                feature(
                    "{}",
                    r#"{"type":"MultiLineString","coordinates":[[[7.42,43.73],[7.43,43.73]],[[7.5,43.7]]]}"#,
                ),
                "part 2 of the MultiLineString has fewer than two distinct points",
            ),
            (
                feature(
                    "{}",
                    r#"{"type":"LineString","coordinates":[[43.73,97.42],[43.74,97.42]]}"#,
                ),
                "feature 2: latitude outside ±90",
            ),
            (feature("{}", "null"), "feature 2: feature has no geometry"),
            (
                feature(
                    r#"{"layer":"upper"}"#,
                    r#"{"type":"LineString","coordinates":[[7.42,43.73],[7.43,43.73]]}"#,
                ),
                "layer \"upper\" is not an integer",
            ),
        ];
        let good = feature(
            "{}",
            r#"{"type":"LineString","coordinates":[[7.42,43.73],[7.421,43.73]]}"#,
        );
        for (bad, want) in cases {
            let err = read_str(&collection(&[good.clone(), bad]), false).unwrap_err();
            let msg = err.to_string();
            assert!(msg.contains(want), "{msg}\n  expected: {want}");
            assert!(msg.contains(".geojson"), "names the file: {msg}");
        }
    }

    #[test]
    fn empty_or_malformed_geojson_networks_are_clear_errors() {
        let err = read_str(&collection(&[]), false).unwrap_err();
        assert!(err.to_string().contains("needs lines"), "{err}");
        let err = read_str(r#"{"type":"FeatureCollection""#, false).unwrap_err();
        assert!(err.to_string().contains("malformed JSON"), "{err}");
        let err = read_str("<?xml version='1.0'?><osm></osm>", false).unwrap_err();
        assert!(err.to_string().contains("looks like XML"), "{err}");
        let err = read_str(r#"{"type":"Feature"}"#, false).unwrap_err();
        assert!(
            err.to_string().contains("not a GeoJSON FeatureCollection"),
            "{err}"
        );
    }

    #[test]
    fn a_text_file_named_pbf_is_a_clear_error() {
        let f = temp(".osm.pbf", br#"{"type":"FeatureCollection","features":[]}"#);
        let err = StreetNetwork::read(f.path(), &plane(), false).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("not an OpenStreetMap PBF file"), "{msg}");
        assert!(msg.contains(".osm.pbf"), "names the file: {msg}");
        let f = temp(".pbf", b"");
        let err = StreetNetwork::read(f.path(), &plane(), false).unwrap_err();
        assert!(
            err.to_string().contains("not an OpenStreetMap PBF"),
            "{err}"
        );
        let missing = StreetNetwork::read(Path::new("/no/such/net.pbf"), &plane(), false);
        assert!(matches!(missing, Err(Error::Io { .. })));
    }

    #[test]
    fn a_pbf_node_out_of_range_is_a_clear_error() {
        let pbf = write_pbf(
            &[(1, 7.42, 43.73), (2, 7.421, 95.0)],
            &[PbfWay::new(10, &[1, 2], &[("highway", "footway")])],
        );
        let f = temp(".osm.pbf", &pbf);
        let e = StreetNetwork::read(f.path(), &plane(), false).unwrap_err();
        assert!(
            e.to_string()
                .contains("corrupt OpenStreetMap PBF: node 2 lies at latitude 95"),
            "{e}"
        );
    }

    /// A mutated Monaco extract from fuzzing (`fuzz/osm_pbf`): dense-node arithmetic
    /// overflows inside osmpbf. It must be an error or a network, never a panic.
    #[test]
    fn fuzzed_pbf_with_overflowing_coordinates_does_not_panic() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/network/fuzz_dense_overflow.osm.pbf");
        match StreetNetwork::read(&path, &plane(), false) {
            Err(e) => assert!(e.to_string().contains("corrupt OpenStreetMap PBF"), "{e}"),
            Ok(net) => assert!(net.node_count() > 0),
        }
    }

    #[test]
    fn a_truncated_pbf_is_a_clear_error() {
        let nodes = [(1, 7.42, 43.73), (2, 7.421, 43.73)];
        let ways = [PbfWay::new(10, &[1, 2], &[("highway", "footway")])];
        let bytes = write_pbf(&nodes, &ways);
        let f = temp(".osm.pbf", &bytes[..bytes.len() - 7]);
        let err = StreetNetwork::read(f.path(), &plane(), false).unwrap_err();
        assert!(
            err.to_string().contains("corrupt OpenStreetMap PBF"),
            "{err}"
        );
    }

    /// A little town in OSM form: a walkable grid with the ways a pedestrian may not use.
    fn osm_town() -> Vec<u8> {
        // Nodes 1–6 along a street at 43.73°N, 7 and 8 north of node 2, 9–12 elsewhere.
        let mut nodes = Vec::new();
        for k in 0..6 {
            nodes.push((1 + k as i64, 7.42 + 0.001 * k as f64, 43.73));
        }
        nodes.extend([
            (7, 7.421, 43.731),
            (8, 7.421, 43.732),
            (9, 7.43, 43.74),
            (10, 7.431, 43.74),
            (11, 7.4225, 43.729),
            (12, 7.4225, 43.731),
        ]);
        let ways = vec![
            PbfWay::new(
                100,
                &[1, 2, 3],
                &[("highway", "residential"), ("oneway", "yes")],
            ),
            PbfWay::new(101, &[3, 4], &[("highway", "footway")]),
            // Missing node 99: the way is cut there, keeping 4–5 and 5–6 apart.
            PbfWay::new(102, &[4, 5, 99, 6], &[("highway", "steps")]),
            PbfWay::new(103, &[2, 7, 8], &[("highway", "trunk"), ("foot", "yes")]),
            PbfWay::new(104, &[9, 10], &[("highway", "motorway")]),
            PbfWay::new(105, &[9, 10], &[("highway", "footway"), ("foot", "no")]),
            PbfWay::new(
                106,
                &[9, 10],
                &[("highway", "service"), ("access", "private")],
            ),
            PbfWay::new(107, &[9, 10], &[("highway", "cycleway")]),
            PbfWay::new(108, &[9, 10], &[("highway", "trunk")]),
            PbfWay::new(109, &[9, 10], &[("building", "yes")]),
            // A footbridge over the street between nodes 3 and 4, with no shared node.
            PbfWay::new(110, &[11, 12], &[("highway", "footway"), ("bridge", "yes")]),
        ];
        write_pbf(&nodes, &ways)
    }

    /// The lines read on their own (beside the other layers) build the very network the
    /// one-step read builds, from a PBF and from a GeoJSON layer, noded or not.
    #[test]
    fn lines_read_first_build_the_same_network() {
        let pbf = temp(".osm.pbf", &osm_town());
        let geojson = temp(
            ".geojson",
            br#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[7.42,43.73],[7.43,43.74],[7.44,43.73]]}},
            {"type":"Feature","properties":{"bridge":"yes"},"geometry":{"type":"LineString","coordinates":[[7.42,43.74],[7.44,43.735]]}},
            {"type":"Feature","properties":{},"geometry":{"type":"MultiLineString","coordinates":[[[7.425,43.72],[7.425,43.75]],[[7.41,43.735],[7.45,43.735]]]}}
            ]}"#,
        );
        for f in [&pbf, &geojson] {
            for crossings in [false, true] {
                let whole = StreetNetwork::read(f.path(), &plane(), crossings).unwrap();
                let lines = crate::network::StreetLines::read(f.path()).unwrap();
                assert_eq!(lines.path(), f.path());
                let parts = StreetNetwork::from_street_lines(lines, &plane(), crossings);
                assert_eq!(format!("{whole:?}"), format!("{parts:?}"));
                assert!(whole.edge_count() > 0);
            }
        }
        let e = crate::network::StreetLines::read(Path::new("/no/such/streets.geojson"));
        assert!(matches!(e, Err(Error::Io { .. })), "{e:?}");
    }

    #[test]
    fn osm_keeps_walkable_ways_connected_by_shared_nodes() {
        let f = temp(".osm.pbf", &osm_town());
        let net = StreetNetwork::read(f.path(), &plane(), false).unwrap();
        // Edges: 1-2, 2-3, 3-4, 4-5, 2-7, 7-8, and the bridge 11-12.
        assert_eq!(net.edge_count(), 7);
        assert_eq!(net.node_count(), 9);
        // The street grid with the trunk (foot=yes), the bridge, and node 6 never joined.
        assert_eq!(net.component_count(), 2);
        let [x, y] = plane().project(7.42, 43.73);
        assert!(
            (0..net.node_count())
                .map(|i| net.node_xy(i))
                .any(|p| (p[0] - x).abs() < 0.02 && (p[1] - y).abs() < 0.02),
            "no node at node 1's position"
        );
        // Noding does not join the footbridge to the street it crosses.
        let noded = StreetNetwork::read(f.path(), &plane(), true).unwrap();
        assert_eq!(noded.component_count(), 2);
        assert_eq!(noded.edge_count(), 7);
    }

    #[test]
    fn osm_without_walkable_ways_is_an_empty_network_error() {
        let bytes = write_pbf(
            &[(1, 7.42, 43.73), (2, 7.421, 43.73)],
            &[PbfWay::new(1, &[1, 2], &[("highway", "motorway")])],
        );
        let f = temp(".osm.pbf", &bytes);
        let err = StreetNetwork::read(f.path(), &plane(), false).unwrap_err();
        assert!(err.to_string().contains("no walkable ways"), "{err}");
    }

    #[test]
    fn a_pbf_is_recognised_whatever_its_name() {
        let f = temp(".dat", &osm_town());
        let net = StreetNetwork::read(f.path(), &plane(), false).unwrap();
        assert_eq!(net.edge_count(), 7);
    }

    /// A small real extract (tests/fixtures/network/README.md): zlib blobs and DenseNodes as
    /// libosmium writes them, tunnels on several layers, `foot=private`, a raceway.
    #[test]
    fn monaco_fixture_reads_real_osm() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/network/monaco_port.osm.pbf");
        let plane = LocalPlane::new(7.4235, 43.7345);
        let net = StreetNetwork::read(&path, &plane, false).unwrap();
        assert_eq!(
            (net.node_count(), net.edge_count(), net.component_count()),
            (1013, 1082, 6)
        );
        assert!(
            (net.total_length_m() - 17_087.1).abs() < 0.1,
            "{}",
            net.total_length_m()
        );
        // OSM is noded already: ways that cross without a shared node are on other layers.
        let noded = StreetNetwork::read(&path, &plane, true).unwrap();
        assert_eq!(noded.edge_count(), net.edge_count());
        // Walking there is never shorter than the straight line.
        let mut rng = crate::rng::Rng::new(12);
        let pts: Vec<[f64; 2]> = (0..200)
            .map(|_| [rng.range(-400.0, 400.0), rng.range(-300.0, 300.0)])
            .collect();
        let (compounds, sites) = pts.split_at(190);
        let (nearest, cost_m) =
            net.nearest_site(&net.snap(compounds, 300.0), &net.snap(sites, 300.0));
        let mut reached = 0;
        for (i, c) in compounds.iter().enumerate() {
            if let Some(s) = nearest[i] {
                reached += 1;
                let straight = crate::network::graph::dist(*c, sites[s as usize]);
                assert!(cost_m[i] >= straight - 1e-6, "compound {i}");
            }
        }
        assert!(reached > 150, "{reached}");
    }

    /// The real Monaco extract (development data, not needed by the suite).
    #[test]
    #[ignore = "needs ../shared/data/monaco/monaco.osm.pbf"]
    fn monaco_extract_reads_into_one_main_network() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/monaco/monaco.osm.pbf");
        let net = StreetNetwork::read(&path, &LocalPlane::new(7.42, 43.735), false).unwrap();
        assert!(net.edge_count() > 10_000, "{}", net.edge_count());
        let comp = net.component_ids();
        let mut sizes = vec![0usize; net.component_count()];
        for c in comp {
            sizes[c as usize] += 1;
        }
        let largest = sizes.iter().max().copied().unwrap_or(0);
        assert!(
            largest * 10 > net.node_count() * 8,
            "largest piece {largest}"
        );
    }
}
