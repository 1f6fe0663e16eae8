//! Reading street networks: OpenStreetMap PBF extracts (walkable ways, connected by shared node
//! ids) and GeoJSON road layers (streamed with serde visitors, connected by shared vertices).

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::path::Path;

use rayon::prelude::*;
use serde::Deserializer as _;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::graph::{IndexedLines, StreetNetwork};
use crate::crs::LocalPlane;
use crate::error::{Error, Result};
use crate::io::{Pos, RawGeometry, Scalar, ScalarValue, check_coordinates, json_error};

pub(crate) fn read_network(
    path: &Path,
    plane: &LocalPlane,
    node_crossings: bool,
) -> Result<StreetNetwork> {
    let is_pbf_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.to_ascii_lowercase().ends_with(".pbf"));
    if path.is_dir() {
        return Err(Error::NotAFile {
            path: path.to_path_buf(),
        });
    }
    let mut head = [0u8; 16];
    let n_head = {
        let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut n = 0;
        while n < head.len() {
            match f.read(&mut head[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::io(path, e)),
            }
        }
        n
    };
    let looks_pbf = n_head >= 15 && head[4] == 0x0A && &head[5..15] == b"\x09OSMHeader";
    let input = if looks_pbf || is_pbf_name {
        if !looks_pbf {
            return Err(Error::Format {
                path: path.to_path_buf(),
                message: "not an OpenStreetMap PBF file (it does not start with an OSMHeader \
                          block); give a .osm.pbf extract, or a GeoJSON road layer"
                    .into(),
            });
        }
        read_pbf(path, plane)?
    } else {
        read_geojson_lines(path, plane)?
    };
    Ok(StreetNetwork::build(input, node_crossings))
}

// ---------------------------------------------------------------------------------------------
// OpenStreetMap PBF

/// The tags of a way that decide whether and on which layer a pedestrian may use it.
#[derive(Default)]
struct WayTags<'a> {
    highway: Option<&'a str>,
    foot: Option<&'a str>,
    access: Option<&'a str>,
    layer: Option<&'a str>,
    bridge: Option<&'a str>,
    tunnel: Option<&'a str>,
}

impl<'a> WayTags<'a> {
    fn of(tags: impl Iterator<Item = (&'a str, &'a str)>) -> WayTags<'a> {
        let mut t = WayTags::default();
        for (k, v) in tags {
            match k {
                "highway" => t.highway = Some(v),
                "foot" => t.foot = Some(v),
                "access" => t.access = Some(v),
                "layer" => t.layer = Some(v),
                "bridge" => t.bridge = Some(v),
                "tunnel" => t.tunnel = Some(v),
                _ => {}
            }
        }
        t
    }

    /// Whether a pedestrian may walk the way. `area=yes` outlines (squares, plazas) are kept:
    /// walking around their edge is a fair stand-in for crossing them.
    fn walkable(&self) -> bool {
        let foot_allowed = matches!(self.foot, Some("yes" | "designated" | "permissive"));
        if matches!(self.foot, Some("no" | "private")) {
            return false;
        }
        if matches!(self.access, Some("private" | "no")) && !foot_allowed {
            return false;
        }
        match self.highway {
            Some(
                "footway" | "pedestrian" | "path" | "steps" | "living_street" | "residential"
                | "service" | "unclassified" | "tertiary" | "tertiary_link" | "secondary"
                | "secondary_link" | "primary" | "primary_link" | "track" | "corridor",
            ) => true,
            Some("trunk" | "trunk_link" | "cycleway" | "bridleway") => foot_allowed,
            _ => false,
        }
    }

    /// The way's layer: `layer=*` when it is an integer, else 1 for bridges, -1 for tunnels.
    fn layer(&self) -> i32 {
        if let Some(l) = self.layer.and_then(|l| l.trim().parse::<i32>().ok()) {
            return l;
        }
        if self.bridge.is_some_and(|b| b != "no") {
            1
        } else if self
            .tunnel
            .is_some_and(|t| t != "no" && t != "building_passage")
        {
            -1
        } else {
            0
        }
    }
}

/// What one PBF block contributes: node positions (id, decimicro lat, lon) and walkable ways.
#[derive(Default)]
struct Block {
    nodes: Vec<(i64, i32, i32)>,
    ways: Vec<(i32, Vec<i64>)>,
}

/// Refuses nodes outside ±90° latitude or ±180° longitude: only a corrupt file has them
/// (osmpbf's arithmetic wraps on such input in release builds, so this is where garbage
/// positions are caught instead of being projected).
fn check_node_positions(path: &Path, nodes: &[(i64, i32, i32)]) -> Result<()> {
    const MAX_LAT: i32 = 900_000_000;
    const MAX_LON: i32 = 1_800_000_000;
    match nodes.iter().find(|&&(_, lat, lon)| {
        !(-MAX_LAT..=MAX_LAT).contains(&lat) || !(-MAX_LON..=MAX_LON).contains(&lon)
    }) {
        Some(&(id, lat, lon)) => Err(Error::Format {
            path: path.to_path_buf(),
            message: format!(
                "corrupt OpenStreetMap PBF: node {id} lies at latitude {}, longitude {} \
                 (outside ±90°/±180°)",
                f64::from(lat) * 1e-7,
                f64::from(lon) * 1e-7
            ),
        }),
        None => Ok(()),
    }
}

fn read_pbf(path: &Path, plane: &LocalPlane) -> Result<IndexedLines> {
    use osmpbf::{BlobDecode, BlobReader, Element};
    let corrupt = |e: osmpbf::Error| Error::Format {
        path: path.to_path_buf(),
        message: format!("corrupt OpenStreetMap PBF: {e}"),
    };
    // Blobs are decoded in parallel but collected in file order, so ways keep their order.
    let blobs = BlobReader::from_path(path)
        .map_err(|e| Error::io(path, std::io::Error::other(e.to_string())))?
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(corrupt)?;
    let blocks: Vec<Block> = blobs
        .par_iter()
        .map(|blob| {
            let mut out = Block::default();
            if let BlobDecode::OsmData(block) = blob.decode()? {
                for el in block.elements() {
                    match el {
                        Element::Node(n) => {
                            out.nodes
                                .push((n.id(), n.decimicro_lat(), n.decimicro_lon()));
                        }
                        Element::DenseNode(n) => {
                            out.nodes
                                .push((n.id(), n.decimicro_lat(), n.decimicro_lon()));
                        }
                        Element::Way(w) => {
                            let tags = WayTags::of(w.tags());
                            if tags.walkable() {
                                out.ways.push((tags.layer(), w.refs().collect()));
                            }
                        }
                        Element::Relation(_) => {}
                    }
                }
            }
            Ok(out)
        })
        .collect::<std::result::Result<Vec<_>, osmpbf::Error>>()
        .map_err(corrupt)?;
    let mut nodes: Vec<(i64, i32, i32)> =
        Vec::with_capacity(blocks.iter().map(|b| b.nodes.len()).sum());
    for b in &blocks {
        nodes.extend_from_slice(&b.nodes);
    }
    nodes.sort_unstable_by_key(|n| n.0);
    check_node_positions(path, &nodes)?;
    let mut point_of = vec![u32::MAX; nodes.len()];
    let mut out = IndexedLines::default();
    for (layer, refs) in blocks.into_iter().flat_map(|b| b.ways) {
        // A node missing from the extract (a way clipped at its edge) splits the way there.
        let mut line: Vec<u32> = Vec::with_capacity(refs.len());
        for id in refs.iter().copied().map(Some).chain([None]) {
            let found = id.and_then(|id| nodes.binary_search_by_key(&id, |n| n.0).ok());
            match found {
                Some(k) => {
                    if point_of[k] == u32::MAX {
                        let (_, lat, lon) = nodes[k];
                        point_of[k] = out.points.len() as u32;
                        out.points
                            .push(plane.project(lon as f64 * 1e-7, lat as f64 * 1e-7));
                    }
                    line.push(point_of[k]);
                }
                None => {
                    if line.len() >= 2 {
                        out.lines.push(std::mem::take(&mut line));
                        out.layers.push(layer);
                    }
                    line.clear();
                }
            }
        }
    }
    if out.lines.is_empty() {
        return Err(Error::EmptyLayer {
            path: path.to_path_buf(),
            message: "no walkable ways in the extract (highway=footway, path, steps, \
                      pedestrian, residential, service, ... without foot=no or access=private)"
                .into(),
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// GeoJSON

fn read_geojson_lines(path: &Path, plane: &LocalPlane) -> Result<IndexedLines> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    if text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<') {
        return Err(Error::Format {
            path: path.to_path_buf(),
            message: "this looks like XML (OSM XML?), not GeoJSON: convert it to .osm.pbf \
                      (e.g. `osmium cat in.osm -o out.osm.pbf`) or to a GeoJSON line layer"
                .into(),
        });
    }
    let mut state = State {
        path,
        plane,
        index: HashMap::new(),
        out: IndexedLines::default(),
        features: 0,
        error: None,
        collection_type: None,
        saw_features: false,
    };
    let mut de = serde_json::Deserializer::from_slice(text);
    let parsed = (&mut de)
        .deserialize_any(TopVisitor(&mut state))
        .and_then(|_| de.end());
    if let Some(e) = state.error {
        return Err(e);
    }
    if let Err(e) = parsed {
        return Err(json_error(path, e));
    }
    let fail = |message: String| {
        Err(Error::Format {
            path: path.to_path_buf(),
            message,
        })
    };
    match state.collection_type.as_deref() {
        Some("FeatureCollection") if state.saw_features => {}
        Some("FeatureCollection") => {
            return fail("FeatureCollection has no \"features\" array".into());
        }
        Some(other) => {
            return fail(format!(
                "not a GeoJSON FeatureCollection (top-level type is {other:?}); a street \
                 network is a FeatureCollection of LineStrings"
            ));
        }
        None => return fail("not a GeoJSON FeatureCollection (no top-level \"type\")".into()),
    }
    if state.out.lines.is_empty() {
        return Err(Error::EmptyLayer {
            path: path.to_path_buf(),
            message: "no LineString or MultiLineString features: a street network needs lines"
                .into(),
        });
    }
    Ok(state.out)
}

struct State<'p> {
    path: &'p Path,
    plane: &'p LocalPlane,
    /// Point index by lon/lat bits: identical vertices are one node, projected once.
    index: HashMap<[u64; 2], u32>,
    out: IndexedLines,
    features: usize,
    error: Option<Error>,
    collection_type: Option<String>,
    saw_features: bool,
}

struct TopVisitor<'a, 'p>(&'a mut State<'p>);

impl<'de> Visitor<'de> for TopVisitor<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON FeatureCollection object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => self.0.collection_type = Some(map.next_value::<String>()?),
                "features" => {
                    self.0.saw_features = true;
                    map.next_value_seed(FeaturesSeed(&mut *self.0))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.0.collection_type = Some("array".into());
        Ok(())
    }
}

struct FeaturesSeed<'a, 'p>(&'a mut State<'p>);

impl<'de> DeserializeSeed<'de> for FeaturesSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for FeaturesSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of features")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(FeatureSeed(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

struct FeatureSeed<'a, 'p>(&'a mut State<'p>);

impl<'de> DeserializeSeed<'de> for FeatureSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

/// The properties a network needs.
#[derive(Default)]
struct Props {
    id: Option<String>,
    layer: Option<Scalar>,
    bridge: Option<Scalar>,
    tunnel: Option<Scalar>,
}

impl<'de> Visitor<'de> for FeatureSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON Feature object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let state = self.0;
        state.features += 1;
        let mut feature_type: Option<String> = None;
        let mut feature_id: Option<Scalar> = None;
        let mut props = Props::default();
        let mut geometry: Option<Option<RawGeometry<'de>>> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => feature_type = Some(map.next_value()?),
                "id" => feature_id = map.next_value::<ScalarValue>()?.0,
                "geometry" => geometry = Some(map.next_value()?),
                "properties" => props = map.next_value_seed(PropsSeed)?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let id = props.id.clone().or(feature_id.map(Scalar::into_text));
        let label = match &id {
            Some(id) => format!("feature {} (id {id:?})", state.features),
            None => format!("feature {}", state.features),
        };
        let fail = |state: &mut State, e: Error| -> A::Error {
            state.error = Some(e);
            de::Error::custom("feature error")
        };
        let item = |message: String| Error::Item {
            path: state.path.to_path_buf(),
            item: label.clone(),
            message,
        };
        if let Some(t) = feature_type.as_deref()
            && t != "Feature"
        {
            let e = item(format!("type is {t:?}, expected \"Feature\""));
            return Err(fail(state, e));
        }
        let Some(Some(geometry)) = geometry else {
            let e = item("feature has no geometry; a street needs a LineString".into());
            return Err(fail(state, e));
        };
        let layer = match layer_of(&props) {
            Ok(l) => l,
            Err(m) => {
                let e = item(m);
                return Err(fail(state, e));
            }
        };
        let parts = match lines_of(&geometry) {
            Ok(p) => p,
            Err(m) => {
                let e = item(m);
                return Err(fail(state, e));
            }
        };
        for (k, part) in parts.iter().enumerate() {
            if let Some(p) = part.iter().find(|p| check_coordinates(p[0], p[1]).is_err()) {
                let message = check_coordinates(p[0], p[1]).unwrap_err().to_string();
                let e = Error::BadCoordinate {
                    path: state.path.to_path_buf(),
                    item: label.clone(),
                    lon: p[0],
                    lat: p[1],
                    message,
                };
                return Err(fail(state, e));
            }
            if !part.iter().any(|p| *p != part[0]) {
                let what = if parts.len() > 1 {
                    format!("part {} of the MultiLineString", k + 1)
                } else {
                    "the line".to_string()
                };
                let e = item(format!(
                    "{what} has fewer than two distinct points ({} given)",
                    part.len()
                ));
                return Err(fail(state, e));
            }
        }
        for part in parts {
            let ids = part
                .into_iter()
                .map(|p| {
                    let key = [(p[0] + 0.0).to_bits(), (p[1] + 0.0).to_bits()];
                    *state.index.entry(key).or_insert_with(|| {
                        state.out.points.push(state.plane.project(p[0], p[1]));
                        (state.out.points.len() - 1) as u32
                    })
                })
                .collect();
            state.out.lines.push(ids);
            state.out.layers.push(layer);
        }
        Ok(())
    }
}

/// The parts of a LineString or MultiLineString as lon/lat lists.
fn lines_of(g: &RawGeometry) -> std::result::Result<Vec<Vec<[f64; 2]>>, String> {
    let kind = g.kind.as_deref().unwrap_or("");
    let Some(raw) = g.coordinates else {
        return Err(format!("geometry {kind:?} has no coordinates"));
    };
    let bad = |e: serde_json::Error| format!("invalid {kind} coordinates: {e}");
    let strip = |v: Vec<Pos>| v.into_iter().map(|p| p.0).collect::<Vec<_>>();
    match kind {
        "LineString" => Ok(vec![strip(
            serde_json::from_str::<Vec<Pos>>(raw.get()).map_err(bad)?,
        )]),
        "MultiLineString" => {
            let parts: Vec<Vec<Pos>> = serde_json::from_str(raw.get()).map_err(bad)?;
            if parts.is_empty() {
                return Err("MultiLineString has no lines".into());
            }
            Ok(parts.into_iter().map(strip).collect())
        }
        "" => Err("geometry has no type".into()),
        other => Err(format!(
            "unsupported geometry type {other:?}: a street network needs LineString or \
             MultiLineString features"
        )),
    }
}

/// The layer of a feature: `layer` when given, else 1 for a bridge, -1 for a tunnel, else 0.
fn layer_of(p: &Props) -> std::result::Result<i32, String> {
    let yes = |s: &Option<Scalar>, also_no: &[&str]| match s {
        Some(Scalar::Bool(b)) => *b,
        Some(Scalar::Num(n)) => *n != 0.0,
        Some(Scalar::Text(t)) => {
            let t = t.trim().to_ascii_lowercase();
            !(t.is_empty() || t == "no" || t == "false" || t == "0" || also_no.contains(&&*t))
        }
        None => false,
    };
    match &p.layer {
        Some(Scalar::Num(n)) if n.fract() == 0.0 && n.abs() < 100.0 => return Ok(*n as i32),
        Some(Scalar::Text(t)) if !t.trim().is_empty() => {
            return t.trim().parse::<i32>().map_err(|_| {
                format!("layer {t:?} is not an integer (use e.g. 1 for a bridge, -1 for a tunnel)")
            });
        }
        Some(Scalar::Num(n)) => {
            return Err(format!(
                "layer {n} is not a small integer (use e.g. 1 for a bridge, -1 for a tunnel)"
            ));
        }
        _ => {}
    }
    Ok(if yes(&p.bridge, &[]) {
        1
    } else if yes(&p.tunnel, &["building_passage"]) {
        -1
    } else {
        0
    })
}

/// The `properties` object: keeps `id`, `layer`, `bridge`, `tunnel` (any ASCII case).
struct PropsSeed;

impl<'de> DeserializeSeed<'de> for PropsSeed {
    type Value = Props;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Props, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PropsSeed {
    type Value = Props;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a properties object or null")
    }
    fn visit_unit<E>(self) -> Result<Props, E> {
        Ok(Props::default())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Props, A::Error> {
        let mut p = Props::default();
        while let Some(key) = map.next_key::<String>()? {
            let slot = match key.to_ascii_lowercase().as_str() {
                "id" => {
                    p.id = map.next_value::<ScalarValue>()?.0.map(Scalar::into_text);
                    continue;
                }
                "layer" => &mut p.layer,
                "bridge" => &mut p.bridge,
                "tunnel" => &mut p.tunnel,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = map.next_value::<ScalarValue>()?.0;
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
    fn osm_access_rules() {
        let t = |tags: &[(&'static str, &'static str)]| WayTags::of(tags.iter().copied());
        assert!(t(&[("highway", "footway")]).walkable());
        assert!(t(&[("highway", "cycleway"), ("foot", "designated")]).walkable());
        assert!(!t(&[("highway", "cycleway")]).walkable());
        assert!(!t(&[("highway", "residential"), ("access", "private")]).walkable());
        assert!(t(&[("highway", "service"), ("access", "no"), ("foot", "yes")]).walkable());
        assert!(!t(&[("highway", "path"), ("foot", "no")]).walkable());
        assert!(t(&[("highway", "pedestrian"), ("area", "yes")]).walkable());
        assert!(!t(&[("highway", "motorway"), ("foot", "yes")]).walkable());
        assert!(!t(&[("railway", "rail")]).walkable());
        assert_eq!(t(&[("bridge", "viaduct")]).layer(), 1);
        assert_eq!(t(&[("tunnel", "yes"), ("layer", "-2")]).layer(), -2);
        assert_eq!(t(&[("tunnel", "building_passage")]).layer(), 0);
        assert_eq!(t(&[("layer", "1;2")]).layer(), 0);
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
