//! Layers that live in memory rather than in a file (a GeoDataFrame handed over by the Python
//! package): features as WKB geometry plus properties, in and out.
//!
//! In: the features become the bytes of a GeoJSON FeatureCollection that the ordinary readers
//! parse, so an in-memory layer passes the same checks, with the same messages, as the same
//! layer saved as GeoJSON. Out: a GeoJSON layer a run writes becomes WKB plus properties.

use std::path::Path;

use geo::{Coord, Geometry, LineString, Polygon};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// One feature of an in-memory layer: its geometry as WKB (`None`: no geometry) and its
/// properties.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WkbFeature {
    /// ISO or extended WKB (Z and M are dropped); `None` for a feature without geometry.
    pub wkb: Option<Vec<u8>>,
    /// The feature's properties, in column order.
    pub properties: Map<String, Value>,
}

/// The features as a GeoJSON FeatureCollection (WGS84 longitude/latitude, as given), for the
/// readers that take a layer's bytes (`Compounds::parse`, `Centres::parse`, ...); `path`
/// names the layer in messages.
///
/// # Errors
/// [`Error::Item`] naming the first feature whose WKB cannot be read.
pub fn geojson_from_wkb(path: &Path, features: &[WkbFeature]) -> Result<Vec<u8>> {
    let mut list = Vec::with_capacity(features.len());
    for (i, f) in features.iter().enumerate() {
        let geometry = match &f.wkb {
            None => Value::Null,
            Some(bytes) => {
                let g = super::wkb::read_wkb(bytes).map_err(|message| Error::Item {
                    path: path.to_path_buf(),
                    item: format!("feature {}", i + 1),
                    message,
                })?;
                geometry_json(&g)
            }
        };
        let mut feature = Map::new();
        feature.insert("type".into(), "Feature".into());
        feature.insert("properties".into(), Value::Object(f.properties.clone()));
        feature.insert("geometry".into(), geometry);
        list.push(Value::Object(feature));
    }
    let mut collection = Map::new();
    collection.insert("type".into(), "FeatureCollection".into());
    collection.insert("features".into(), Value::Array(list));
    Ok(serde_json::to_vec(&Value::Object(collection)).expect("JSON values serialise"))
}

/// A layer a run writes, split for a front end: each feature's geometry as WKB and the
/// properties as written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WkbLayer {
    /// One WKB geometry per feature (`None`: no geometry), in order.
    pub wkb: Vec<Option<Vec<u8>>>,
    /// A JSON array of the features' `properties` objects, their text as written (numbers
    /// are not parsed and printed again, so none changes in its last digit).
    pub properties: String,
}

/// The features of a GeoJSON FeatureCollection (a layer a run writes) as WKB plus their
/// properties' text, in order; `name` names the layer in messages.
///
/// # Errors
/// Bytes that are not a GeoJSON FeatureCollection, or a geometry that cannot be written.
pub fn wkb_features(name: &str, geojson: &[u8]) -> Result<WkbLayer> {
    #[derive(serde::Deserialize)]
    struct Collection<'a> {
        #[serde(borrow)]
        features: Vec<Feature<'a>>,
    }
    #[derive(serde::Deserialize)]
    struct Feature<'a> {
        #[serde(default)]
        geometry: Option<Value>,
        #[serde(borrow, default)]
        properties: Option<&'a RawValue>,
    }
    let bad = |message: String| Error::Format {
        path: name.into(),
        message,
    };
    let collection: Collection = serde_json::from_slice(geojson)
        .map_err(|e| bad(format!("not a GeoJSON FeatureCollection: {e}")))?;
    let mut out = WkbLayer {
        wkb: Vec::with_capacity(collection.features.len()),
        properties: String::from("["),
    };
    for (i, f) in collection.features.iter().enumerate() {
        out.wkb.push(match &f.geometry {
            None | Some(Value::Null) => None,
            Some(g) => {
                let (mut wkb, mut bbox) = (Vec::new(), [f64::INFINITY; 4]);
                super::wkb::write_wkb(g, &mut wkb, &mut bbox)
                    .ok_or_else(|| bad(format!("feature {}: geometry not written", i + 1)))?;
                Some(wkb)
            }
        });
        if i > 0 {
            out.properties.push(',');
        }
        match f.properties {
            Some(p) if p.get() != "null" => out.properties.push_str(p.get()),
            _ => out.properties.push_str("{}"),
        }
    }
    out.properties.push(']');
    Ok(out)
}

/// A `geo` geometry as a GeoJSON geometry object.
fn geometry_json(g: &Geometry) -> Value {
    let (kind, coordinates) = match g {
        Geometry::Point(p) => ("Point", coord(p.0)),
        Geometry::Line(l) => (
            "LineString",
            Value::Array(vec![coord(l.start), coord(l.end)]),
        ),
        Geometry::LineString(l) => ("LineString", line(l)),
        Geometry::Polygon(p) => ("Polygon", polygon(p)),
        Geometry::MultiPoint(m) => (
            "MultiPoint",
            Value::Array(m.0.iter().map(|p| coord(p.0)).collect()),
        ),
        Geometry::MultiLineString(m) => (
            "MultiLineString",
            Value::Array(m.0.iter().map(line).collect()),
        ),
        Geometry::MultiPolygon(m) => (
            "MultiPolygon",
            Value::Array(m.0.iter().map(polygon).collect()),
        ),
        Geometry::Rect(r) => ("Polygon", polygon(&r.to_polygon())),
        Geometry::Triangle(t) => ("Polygon", polygon(&t.to_polygon())),
        Geometry::GeometryCollection(c) => {
            let mut m = Map::new();
            m.insert("type".into(), "GeometryCollection".into());
            let parts = c.0.iter().map(geometry_json).collect();
            m.insert("geometries".into(), Value::Array(parts));
            return Value::Object(m);
        }
    };
    let mut m = Map::new();
    m.insert("type".into(), kind.into());
    m.insert("coordinates".into(), coordinates);
    Value::Object(m)
}

/// A position; a non-finite ordinate becomes `null`, which the readers report by feature.
fn coord(c: Coord) -> Value {
    Value::Array(vec![number(c.x), number(c.y)])
}

fn number(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

fn line(l: &LineString) -> Value {
    Value::Array(l.0.iter().map(|c| coord(*c)).collect())
}

fn polygon(p: &Polygon) -> Value {
    let rings = std::iter::once(p.exterior()).chain(p.interiors());
    Value::Array(rings.map(line).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point_wkb(x: f64, y: f64) -> Vec<u8> {
        let mut out = vec![1, 1, 0, 0, 0];
        out.extend(x.to_le_bytes());
        out.extend(y.to_le_bytes());
        out
    }

    #[test]
    fn features_round_trip_through_geojson() {
        let mut properties = Map::new();
        properties.insert("id".into(), "A1".into());
        properties.insert("population".into(), 1200.into());
        let features = vec![
            WkbFeature {
                wkb: Some(point_wkb(117.123_456_789_012_3, 31.8)),
                properties,
            },
            WkbFeature::default(),
        ];
        let bytes = geojson_from_wkb(Path::new("layer"), &features).unwrap();
        let layer = wkb_features("layer", &bytes).unwrap();
        assert_eq!(layer.wkb, [features[0].wkb.clone(), None]);
        assert_eq!(layer.properties, r#"[{"id":"A1","population":1200},{}]"#);
    }

    #[test]
    fn written_numbers_keep_their_text() {
        let text = br#"{"type":"FeatureCollection","features":[{"type":"Feature",
            "properties":{"share":0.9588309076301709},"geometry":null}]}"#;
        let layer = wkb_features("l", text).unwrap();
        assert_eq!(layer.properties, r#"[{"share":0.9588309076301709}]"#);
    }

    #[test]
    fn a_bad_blob_names_its_feature() {
        let features = vec![WkbFeature {
            wkb: Some(vec![1, 1, 0]),
            properties: Map::new(),
        }];
        let e = geojson_from_wkb(Path::new("compounds (GeoDataFrame)"), &features).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("compounds (GeoDataFrame): feature 1: "),
            "{e}"
        );
    }

    #[test]
    fn in_memory_points_read_as_the_same_geojson_file() {
        let features: Vec<WkbFeature> = (0..3)
            .map(|i| {
                let mut properties = Map::new();
                properties.insert("id".into(), format!("C{i}").into());
                WkbFeature {
                    wkb: Some(point_wkb(117.0 + f64::from(i) * 0.001, 31.8)),
                    properties,
                }
            })
            .collect();
        let bytes = geojson_from_wkb(Path::new("c"), &features).unwrap();
        let layer = super::super::parse_points(Path::new("c"), bytes, &Default::default()).unwrap();
        assert_eq!(layer.ids, ["C0", "C1", "C2"]);
        assert_eq!(layer.lonlat[2], [117.002, 31.8]);
    }
}
