//! Street lines for the walking network: an OpenStreetMap PBF extract or a GeoJSON road layer
//! (a [`FeatureSink`] over the shared GeoJSON reader), read into lon/lat lines with layers.

use std::io::Read;
use std::path::Path;

use super::geojson::{FeatureError, FeatureSink, Pos, RawGeometry, parse_coordinates};
use super::layer::{Scalar, check_coordinates};
use crate::error::{Error, Result, quoted};

/// Street lines in WGS84 lon/lat: each distinct vertex once (in order of first use), lines as
/// vertex indices, and the layer of each line (bridges positive, tunnels negative).
#[derive(Debug, Default, Clone)]
pub(crate) struct LineLayer {
    /// Distinct vertices, `[lon, lat]` in degrees.
    pub(crate) lonlat: Vec<[f64; 2]>,
    /// Each line as indices into `lonlat`.
    pub(crate) lines: Vec<Vec<u32>>,
    /// The layer of each line.
    pub(crate) layers: Vec<i32>,
}

/// Reads a street file: an OpenStreetMap PBF (recognised by its first block, whatever its
/// name), a GeoPackage line layer (`FILE.gpkg[:LAYER]`), a Shapefile of polylines, or a
/// GeoJSON FeatureCollection of LineStrings and MultiLineStrings.
///
/// # Errors
/// A directory, an unreadable file, a `.pbf` name on a file that is not one, malformed
/// content, a bad feature (named), or no (walkable) lines at all.
pub(crate) fn read_streets(path: &Path) -> Result<LineLayer> {
    let is_pbf_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.to_ascii_lowercase().ends_with(".pbf"));
    if path.is_dir() {
        return Err(Error::NotAFile {
            path: path.to_path_buf(),
        });
    }
    if let Some(layer) = geopackage_layer(path)? {
        let bytes = super::read_input(path)?;
        let file = super::layer::split_gpkg_layer(path).map_or(path.to_path_buf(), |s| s.0);
        return super::gpkg::read_gpkg_lines(&file, &bytes, layer.as_deref());
    }
    let looks_pbf = starts_like_pbf(path)?;
    if looks_pbf || is_pbf_name {
        if !looks_pbf {
            return Err(Error::Format {
                path: path.to_path_buf(),
                message: "not an OpenStreetMap PBF file (it does not start with an OSMHeader \
                          block); give a .osm.pbf extract, or a GeoJSON road layer"
                    .into(),
            });
        }
        super::osm_pbf::read_pbf(path)
    } else if super::layer::is_shapefile(path) {
        super::shp::read_shapefile_lines(path)
    } else {
        read_geojson_lines(path)
    }
}

/// A line layer from lines of WGS84 positions, each with its layer (see [`street_layer`]),
/// vertices shared as [`LineSink`] shares them; no lines at all is an error.
pub(crate) fn line_layer_from(path: &Path, lines: Vec<(Vec<[f64; 2]>, i32)>) -> Result<LineLayer> {
    if lines.is_empty() {
        return Err(Error::EmptyLayer {
            path: path.to_path_buf(),
            message: "no polylines: a street network needs lines".into(),
        });
    }
    let mut sink = LineSink::default();
    for (line, layer) in lines {
        sink.vertices.extend(line);
        sink.ends.push(sink.vertices.len());
        sink.layers.push(layer);
    }
    Ok(sink.into_layer())
}

/// The layer of a street from its attributes, `value(name)` giving the field `layer`,
/// `bridge` or `tunnel` (matched in any case by the caller): as for a GeoJSON road layer.
pub(crate) fn street_layer(
    value: impl Fn(&str) -> Option<Scalar>,
) -> std::result::Result<i32, String> {
    layer_of(&Props {
        id: None,
        layer: value("layer"),
        bridge: value("bridge"),
        tunnel: value("tunnel"),
    })
}

/// `Some(layer)` when `path` is a GeoPackage (`FILE.gpkg:LAYER`, or an SQLite file: the
/// layer `None`), else `None`.
fn geopackage_layer(path: &Path) -> Result<Option<Option<String>>> {
    if let Some((_, layer)) = super::layer::split_gpkg_layer(path) {
        return Ok(Some(Some(layer)));
    }
    let mut head = [0u8; 16];
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let n = f.read(&mut head).map_err(|e| Error::io(path, e))?;
    Ok((n == 16 && &head == b"SQLite format 3\0").then_some(None))
}

/// Whether the file starts with an OSMHeader block.
fn starts_like_pbf(path: &Path) -> Result<bool> {
    let mut head = [0u8; 16];
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
    Ok(n >= 15 && head[4] == 0x0A && &head[5..15] == b"\x09OSMHeader")
}

fn read_geojson_lines(path: &Path) -> Result<LineLayer> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_geojson_lines(path, &bytes)
}

/// The street lines of a GeoJSON FeatureCollection already in memory (`path` names it in
/// messages).
pub(crate) fn parse_geojson_lines(path: &Path, bytes: &[u8]) -> Result<LineLayer> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<') {
        return Err(Error::Format {
            path: path.to_path_buf(),
            message: "this looks like XML (OSM XML?), not GeoJSON: convert it to .osm.pbf \
                      (e.g. `osmium cat in.osm -o out.osm.pbf`) or to a GeoJSON line layer"
                .into(),
        });
    }
    let sink = super::geojson::read_features(path, text, LineSink::default())?.sink;
    if sink.layers.is_empty() {
        return Err(Error::EmptyLayer {
            path: path.to_path_buf(),
            message: "no LineString or MultiLineString features: a street network needs lines"
                .into(),
        });
    }
    Ok(sink.into_layer())
}

/// The properties a street needs, read in any ASCII case.
#[derive(Default)]
struct Props {
    id: Option<String>,
    layer: Option<Scalar>,
    bridge: Option<Scalar>,
    tunnel: Option<Scalar>,
}

/// A wanted street property.
#[derive(Clone, Copy)]
enum StreetSlot {
    Id,
    Layer,
    Bridge,
    Tunnel,
}

/// Collects the lines of a road layer (or of one chunk of its features), vertices not yet
/// shared: [`LineSink::into_layer`] joins them once every chunk is in.
#[derive(Default)]
struct LineSink {
    props: Props,
    /// Every vertex of every line, line after line.
    vertices: Vec<[f64; 2]>,
    /// Where each line ends in `vertices`.
    ends: Vec<usize>,
    layers: Vec<i32>,
}

impl LineSink {
    /// Identical vertices become one, numbered in order of first use.
    fn into_layer(self) -> LineLayer {
        // Point index by lon/lat bits; `+ 0.0` makes -0.0 and 0.0 one vertex.
        // Sized once: rehashing as it grows copied the table again at every doubling.
        let mut index = crate::index::PointBitsMap::<u32>::with_capacity_and_hasher(
            self.vertices.len(),
            Default::default(),
        );
        let mut lonlat = Vec::new();
        let mut start = 0;
        let mut lines = Vec::with_capacity(self.ends.len());
        for &end in &self.ends {
            let ids = self.vertices[start..end]
                .iter()
                .map(|p| {
                    let key = [(p[0] + 0.0).to_bits(), (p[1] + 0.0).to_bits()];
                    *index.entry(key).or_insert_with(|| {
                        lonlat.push(*p);
                        (lonlat.len() - 1) as u32
                    })
                })
                .collect();
            lines.push(ids);
            start = end;
        }
        LineLayer {
            lonlat,
            lines,
            layers: self.layers,
        }
    }
}

impl FeatureSink for LineSink {
    type Slot = StreetSlot;
    const COLLECTION_HINT: &'static str = "a street network is a FeatureCollection of LineStrings";
    const GEOMETRY_HINT: &'static str = "; a street needs a LineString";

    fn fork(&self) -> Self {
        LineSink::default()
    }

    fn append(&mut self, mut later: Self) {
        let offset = self.vertices.len();
        self.vertices.append(&mut later.vertices);
        self.ends.extend(later.ends.iter().map(|e| e + offset));
        self.layers.append(&mut later.layers);
    }

    /// Lines are few next to their vertices, whose count is not known before the parse.
    fn reserve(&mut self, features: usize) {
        self.ends.reserve(features);
        self.layers.reserve(features);
    }

    fn begin_feature(&mut self) {
        self.props = Props::default();
    }

    fn begin_properties(&mut self) {
        self.props = Props::default();
    }

    fn wants(&self, key: &str) -> Option<StreetSlot> {
        [
            ("id", StreetSlot::Id),
            ("layer", StreetSlot::Layer),
            ("bridge", StreetSlot::Bridge),
            ("tunnel", StreetSlot::Tunnel),
        ]
        .into_iter()
        .find_map(|(name, slot)| key.eq_ignore_ascii_case(name).then_some(slot))
    }

    /// The last value of a property wins, `null` included.
    fn property(&mut self, slot: StreetSlot, _key: &str, value: Option<Scalar>) {
        let p = &mut self.props;
        match slot {
            StreetSlot::Id => p.id = value.map(Scalar::into_text),
            StreetSlot::Layer => p.layer = value,
            StreetSlot::Bridge => p.bridge = value,
            StreetSlot::Tunnel => p.tunnel = value,
        }
    }

    fn take_properties_id(&mut self) -> Option<String> {
        self.props.id.take()
    }

    fn feature(
        &mut self,
        _n: usize,
        _id: &mut Option<String>,
        geometry: &RawGeometry,
    ) -> std::result::Result<(), FeatureError> {
        let layer = layer_of(&self.props)?;
        let parts = lines_of(geometry)?;
        for (k, part) in parts.iter().enumerate() {
            if let Some(Pos([lon, lat])) = part
                .iter()
                .find(|p| check_coordinates(p.0[0], p.0[1]).is_err())
            {
                let message = check_coordinates(*lon, *lat).unwrap_err().to_string();
                return Err(FeatureError::Coordinate {
                    lon: *lon,
                    lat: *lat,
                    message,
                });
            }
            if !part.iter().any(|p| p.0 != part[0].0) {
                let what = if parts.len() > 1 {
                    format!("part {} of the MultiLineString", k + 1)
                } else {
                    "the line".to_string()
                };
                return Err(FeatureError::Item(format!(
                    "{what} has fewer than two distinct points ({} given)",
                    part.len()
                )));
            }
        }
        for part in parts {
            self.vertices.extend(part.into_iter().map(|p| p.0));
            self.ends.push(self.vertices.len());
            self.layers.push(layer);
        }
        Ok(())
    }
}

/// The parts of a LineString or MultiLineString.
fn lines_of(g: &RawGeometry) -> std::result::Result<Vec<Vec<Pos>>, String> {
    let (kind, raw) = g.parts()?;
    match kind {
        "LineString" => Ok(vec![parse_coordinates(kind, raw)?]),
        "MultiLineString" => {
            let parts: Vec<Vec<Pos>> = parse_coordinates(kind, raw)?;
            if parts.is_empty() {
                return Err("MultiLineString has no lines".into());
            }
            Ok(parts)
        }
        "" => Err("geometry has no type".into()),
        other => Err(format!(
            "unsupported geometry type {}: a street network needs LineString or \
             MultiLineString features",
            quoted(other)
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
                format!(
                    "layer {} is not an integer (use e.g. 1 for a bridge, -1 for a tunnel)",
                    quoted(t)
                )
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::geojson::{
        read_features_fused, read_features_parallel, read_features_sequential,
    };

    /// The oracle: a road layer over several parallel chunks gives the same lines, the same
    /// shared vertices in the same order, and the same first error as the sequential parse.
    #[test]
    fn parallel_and_sequential_line_parses_agree() {
        let mut features = Vec::new();
        for i in 0..10_000 {
            let (x, y) = (7.0 + (i % 97) as f64 * 1e-3, 43.0 + (i % 89) as f64 * 1e-3);
            let props = match i % 4 {
                0 => format!(r#"{{"LAYER":{}}}"#, i % 3),
                1 => r#"{"bridge":"yes","ID":"b"}"#.to_string(),
                2 => "null".to_string(),
                _ => r#"{"tunnel":true,"other":[1,{"a":"]"}]}"#.to_string(),
            };
            let geometry = if i % 5 == 0 {
                format!(
                    r#"{{"type":"MultiLineString","coordinates":[[[{x},{y}],[{},{y}]],[[{x},{y}],[{x},{}]]]}}"#,
                    x + 1e-3,
                    y + 1e-3
                )
            } else {
                format!(
                    r#"{{"coordinates":[[{x},{y}],[{},{},3.0]],"type":"LineString"}}"#,
                    x + 1e-3,
                    y - 1e-3
                )
            };
            features.push(format!(
                r#"{{"type":"Feature","properties":{props},"geometry":{geometry}}}"#
            ));
        }
        let text = format!(
            "{{\"type\":\"FeatureCollection\",\"features\":[\n{}\n]}}",
            features.join(",\n")
        );
        let path = Path::new("streets.geojson");
        let both = |text: &str| {
            let bytes = text.as_bytes();
            let s = read_features_sequential(path, bytes, LineSink::default());
            let p = read_features_parallel(path, bytes, LineSink::default())
                .expect("scan declined a valid file");
            (
                s.map(|c| c.sink.into_layer()),
                p.map(|c| c.sink.into_layer()),
            )
        };
        let (a, b) = both(&text);
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.lines.len(), 12_000);
        assert!(a.lonlat.len() < 3 * 97 * 89, "vertices are shared");
        assert_eq!(a.lonlat, b.lonlat);
        assert_eq!(a.lines, b.lines);
        assert_eq!(a.layers, b.layers);
        assert_eq!(&a.layers[..5], &[0, 0, 1, 0, -1]);
        // Without the structural scan: the same lines and shared vertices, in any pieces.
        for pieces in [2, 9, 300] {
            let c = read_features_fused(path, text.as_bytes(), LineSink::default(), pieces)
                .unwrap_or_else(|_| panic!("declined a valid file in {pieces} pieces"))
                .sink
                .into_layer();
            assert_eq!(a.lonlat, c.lonlat);
            assert_eq!(a.lines, c.lines);
            assert_eq!(a.layers, c.layers);
        }
        let bad = text.replacen(r#"{"LAYER":0}"#, r#"{"LAYER":"up"}"#, 1000);
        let (e1, e2) = both(&bad);
        let (e1, e2) = (e1.unwrap_err().to_string(), e2.unwrap_err().to_string());
        assert!(e1.contains("feature 1: layer \"up\" is not"), "{e1}");
        assert_eq!(e1, e2);
        let late = features[9001].replace("\"geometry\":{", "\"geometry\":null,\"g\":{");
        let bad = text.replacen(&features[9001], &late, 1);
        let (e1, e2) = both(&bad);
        let (e1, e2) = (e1.unwrap_err().to_string(), e2.unwrap_err().to_string());
        assert!(
            e1.contains("feature 9002 (id \"b\"): feature has no geometry"),
            "{e1}"
        );
        assert_eq!(e1, e2);
    }
}
