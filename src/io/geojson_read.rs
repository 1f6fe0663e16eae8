//! Streaming GeoJSON reader: walks the FeatureCollection with serde visitors, keeping only the
//! position, the id and the wanted properties of each feature (no JSON tree is ever built).

use std::fmt;
use std::path::Path;

use geo::InteriorPoint;
use serde::Deserializer as _;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::layer::{FieldMatcher, LayerFormat, PointLayer, ReadOptions, Scalar};
use crate::error::{Error, Result};

/// Turns a serde_json error into [`Error::Json`] with line and column.
pub(crate) fn json_error(path: &Path, e: serde_json::Error) -> Error {
    Error::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: e
            .to_string()
            .split(" at line")
            .next()
            .unwrap_or("")
            .to_string(),
    }
}

pub(crate) fn read_geojson(path: &Path, options: &ReadOptions) -> Result<PointLayer> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut state = State {
        path,
        matcher: FieldMatcher::new(options),
        layer: PointLayer {
            path: path.to_path_buf(),
            format: LayerFormat::GeoJson,
            ids: Vec::new(),
            generated_ids: 0,
            lonlat: Vec::new(),
            columns: vec![Vec::new(); options.fields.len()],
            column_names: vec![None; options.fields.len()],
            polygons: 0,
        },
        best_rank: vec![usize::MAX; options.fields.len()],
        slots: vec![None; options.fields.len()],
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
    match state.collection_type.as_deref() {
        Some("FeatureCollection") if state.saw_features => {}
        Some("FeatureCollection") => {
            return Err(Error::Format {
                path: path.to_path_buf(),
                message: "FeatureCollection has no \"features\" array".into(),
            });
        }
        Some(other) => {
            return Err(Error::Format {
                path: path.to_path_buf(),
                message: format!(
                    "not a GeoJSON FeatureCollection (top-level type is {other:?}); \
                     wrap the features in {{\"type\": \"FeatureCollection\", \"features\": [...]}}"
                ),
            });
        }
        None => {
            return Err(Error::Format {
                path: path.to_path_buf(),
                message: "not a GeoJSON FeatureCollection (no top-level \"type\")".into(),
            });
        }
    }
    Ok(state.layer)
}

struct State<'p> {
    path: &'p Path,
    matcher: FieldMatcher,
    layer: PointLayer,
    best_rank: Vec<usize>,
    slots: Vec<Option<(Scalar, usize, String)>>,
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
        while let Some(key) = map.next_key_seed(KeySeed)? {
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

/// A map key, kept only when short (all keys we look for are short; long ones are skipped).
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = String;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
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

/// The geometry member, with its coordinates kept raw until the type is known (the `type`
/// key may come after `coordinates`).
#[derive(serde::Deserialize)]
struct RawGeometry<'a> {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(borrow)]
    coordinates: Option<&'a RawValue>,
}

impl<'de> Visitor<'de> for FeatureSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON Feature object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let state = self.0;
        for slot in state.slots.iter_mut() {
            *slot = None;
        }
        let mut feature_type: Option<String> = None;
        let mut feature_id: Option<Scalar> = None;
        let mut prop_id: Option<Scalar> = None;
        let mut geometry: Option<Option<RawGeometry<'de>>> = None;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            match key.as_str() {
                "type" => feature_type = Some(map.next_value()?),
                "id" => feature_id = map.next_value::<ScalarValue>()?.0,
                "geometry" => geometry = Some(map.next_value()?),
                "properties" => {
                    prop_id = map.next_value_seed(PropsSeed {
                        matcher: &state.matcher,
                        slots: &mut state.slots,
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let id = prop_id.or(feature_id).map(|s| s.to_text());
        let n = state.layer.lonlat.len() + 1;
        let label = match &id {
            Some(id) => format!("feature {n} (id {id:?})"),
            None => format!("feature {n}"),
        };
        let item_error = |state: &mut State, message: String| -> A::Error {
            state.error = Some(Error::Item {
                path: state.path.to_path_buf(),
                item: label.clone(),
                message,
            });
            de::Error::custom("feature error")
        };
        if let Some(t) = feature_type.as_deref()
            && t != "Feature"
        {
            return Err(item_error(
                state,
                format!("type is {t:?}, expected \"Feature\""),
            ));
        }
        let geometry = match geometry {
            Some(Some(g)) => g,
            _ => return Err(item_error(state, "feature has no geometry".into())),
        };
        let point = match point_of(&geometry) {
            Ok((p, polygon)) => {
                state.layer.polygons += polygon as usize;
                p
            }
            Err(message) => return Err(item_error(state, message)),
        };
        state.layer.lonlat.push(point);
        match id {
            Some(id) => state.layer.ids.push(id),
            None => {
                state.layer.generated_ids += 1;
                state.layer.ids.push(n.to_string());
            }
        }
        for (f, slot) in state.slots.iter_mut().enumerate() {
            let value = slot.take().map(|(value, rank, name)| {
                if rank < state.best_rank[f] {
                    state.best_rank[f] = rank;
                    state.layer.column_names[f] = Some(name);
                }
                value
            });
            state.layer.columns[f].push(value);
        }
        Ok(())
    }
}

/// Reduces a geometry to one representative point: the point itself, the member nearest the
/// mean for a MultiPoint, or a point guaranteed inside a (Multi)Polygon.
fn point_of(g: &RawGeometry) -> std::result::Result<([f64; 2], bool), String> {
    let kind = g.kind.as_deref().unwrap_or("");
    let Some(raw) = g.coordinates else {
        return Err(format!("geometry {kind:?} has no coordinates"));
    };
    let bad = |e: serde_json::Error| format!("invalid {kind} coordinates: {e}");
    match kind {
        "Point" => Ok((
            serde_json::from_str::<Pos>(raw.get()).map_err(bad)?.0,
            false,
        )),
        "MultiPoint" => {
            let pts: Vec<Pos> = serde_json::from_str(raw.get()).map_err(bad)?;
            medoid(&pts)
                .map(|p| (p, false))
                .ok_or_else(|| "MultiPoint has no points".to_string())
        }
        "Polygon" => {
            let rings: Vec<Vec<Pos>> = serde_json::from_str(raw.get()).map_err(bad)?;
            let poly = to_polygon(rings).ok_or("Polygon has no outer ring")?;
            check_finite_polygon(&poly)?;
            let p = poly.interior_point().ok_or("Polygon is empty")?;
            Ok(([p.x(), p.y()], true))
        }
        "MultiPolygon" => {
            let polys: Vec<Vec<Vec<Pos>>> = serde_json::from_str(raw.get()).map_err(bad)?;
            let polys: Vec<geo::Polygon> = polys.into_iter().filter_map(to_polygon).collect();
            let mp = geo::MultiPolygon(polys);
            for p in &mp.0 {
                check_finite_polygon(p)?;
            }
            let p = mp.interior_point().ok_or("MultiPolygon is empty")?;
            Ok(([p.x(), p.y()], true))
        }
        "" => Err("geometry has no type".into()),
        other => Err(format!(
            "unsupported geometry type {other:?}: expected Point, MultiPoint, Polygon or MultiPolygon"
        )),
    }
}

fn check_finite_polygon(p: &geo::Polygon) -> std::result::Result<(), String> {
    use geo::CoordsIter;
    match p
        .coords_iter()
        .find(|c| !c.x.is_finite() || !c.y.is_finite())
    {
        Some(c) => Err(format!("polygon vertex ({}, {}) is not finite", c.x, c.y)),
        None => Ok(()),
    }
}

fn to_polygon(rings: Vec<Vec<Pos>>) -> Option<geo::Polygon> {
    let mut rings = rings.into_iter().map(|r| {
        geo::LineString::from(r.into_iter().map(|p| (p.0[0], p.0[1])).collect::<Vec<_>>())
    });
    let outer = rings.next()?;
    if outer.0.is_empty() {
        return None;
    }
    Some(geo::Polygon::new(outer, rings.collect()))
}

fn medoid(pts: &[Pos]) -> Option<[f64; 2]> {
    let n = pts.len() as f64;
    let (sx, sy) = pts
        .iter()
        .fold((0.0, 0.0), |(x, y), p| (x + p.0[0], y + p.0[1]));
    let (mx, my) = (sx / n, sy / n);
    pts.iter().map(|p| p.0).min_by(|a, b| {
        let da = (a[0] - mx).powi(2) + (a[1] - my).powi(2);
        let db = (b[0] - mx).powi(2) + (b[1] - my).powi(2);
        da.total_cmp(&db)
    })
}

/// A GeoJSON position: the first two numbers (x, y); an altitude or more is ignored.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pos(pub [f64; 2]);

impl<'de> serde::Deserialize<'de> for Pos {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Pos, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Pos;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a position [x, y]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Pos, A::Error> {
                let x: f64 = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let y: f64 = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Pos([x, y]))
            }
        }
        d.deserialize_seq(V)
    }
}

/// Any JSON value reduced to an optional [`Scalar`] (objects and arrays count as absent).
struct ScalarValue(Option<Scalar>);

impl<'de> serde::Deserialize<'de> for ScalarValue {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<ScalarValue, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = ScalarValue;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<ScalarValue, E> {
        Ok(ScalarValue(Some(Scalar::Bool(v))))
    }
    fn visit_i64<E>(self, v: i64) -> Result<ScalarValue, E> {
        Ok(ScalarValue(Some(Scalar::Num(v as f64))))
    }
    fn visit_u64<E>(self, v: u64) -> Result<ScalarValue, E> {
        Ok(ScalarValue(Some(Scalar::Num(v as f64))))
    }
    fn visit_f64<E>(self, v: f64) -> Result<ScalarValue, E> {
        Ok(ScalarValue(Some(Scalar::Num(v))))
    }
    fn visit_str<E>(self, v: &str) -> Result<ScalarValue, E> {
        Ok(ScalarValue(Some(Scalar::Text(v.to_owned()))))
    }
    fn visit_string<E>(self, v: String) -> Result<ScalarValue, E> {
        Ok(ScalarValue(Some(Scalar::Text(v))))
    }
    fn visit_unit<E>(self) -> Result<ScalarValue, E> {
        Ok(ScalarValue(None))
    }
    fn visit_none<E>(self) -> Result<ScalarValue, E> {
        Ok(ScalarValue(None))
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<ScalarValue, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ScalarValue, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(ScalarValue(None))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ScalarValue, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(ScalarValue(None))
    }
}

/// The `properties` object: keeps the id and the wanted fields, skips the rest unparsed.
struct PropsSeed<'a> {
    matcher: &'a FieldMatcher,
    slots: &'a mut Vec<Option<(Scalar, usize, String)>>,
}

impl<'de> DeserializeSeed<'de> for PropsSeed<'_> {
    type Value = Option<Scalar>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<Scalar>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PropsSeed<'_> {
    type Value = Option<Scalar>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a properties object or null")
    }
    fn visit_unit<E>(self) -> Result<Option<Scalar>, E> {
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<Scalar>, A::Error> {
        let mut id = None;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            if self.matcher.is_id(&key) {
                id = map.next_value::<ScalarValue>()?.0;
            } else if let Some((f, rank)) = self.matcher.lookup(&key) {
                let value = map.next_value::<ScalarValue>()?.0;
                if let Some(value) = value {
                    let keep = match &self.slots[f] {
                        Some((_, r, _)) => rank < *r,
                        None => true,
                    };
                    if keep {
                        self.slots[f] = Some((value, rank, key));
                    }
                }
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn read_str(text: &str, options: &ReadOptions) -> Result<PointLayer> {
        let mut f = tempfile::Builder::new()
            .suffix(".geojson")
            .tempfile()
            .unwrap();
        f.write_all(text.as_bytes()).unwrap();
        read_geojson(f.path(), options)
    }

    fn pop_options() -> ReadOptions {
        ReadOptions {
            fields: vec![vec!["population".into(), "pop".into()]],
            ..ReadOptions::default()
        }
    }

    #[test]
    fn reads_points_ids_and_wanted_properties() {
        let text = r#"{"features":[
          {"type":"Feature","id":7,"properties":{"pop":12,"name":"x"},"geometry":{"coordinates":[117.1,31.8,5],"type":"Point"}},
          {"type":"Feature","properties":{"id":"B","population":"30","pop":1},"geometry":{"type":"Point","coordinates":[117.2,31.9]}},
          {"type":"Feature","properties":null,"geometry":{"type":"Point","coordinates":[117.3,31.7]}}
        ],"type":"FeatureCollection"}"#;
        let layer = read_str(text, &pop_options()).unwrap();
        assert_eq!(layer.ids, vec!["7", "B", "3"]);
        assert_eq!(layer.generated_ids, 1);
        assert_eq!(layer.lonlat[0], [117.1, 31.8]);
        assert_eq!(layer.columns[0][0], Some(Scalar::Num(12.0)));
        assert_eq!(layer.columns[0][1], Some(Scalar::Text("30".into())));
        assert_eq!(layer.columns[0][2], None);
        assert_eq!(layer.column_names[0].as_deref(), Some("population"));
    }

    #[test]
    fn polygon_compound_gets_a_point_inside_it() {
        // An L-shaped polygon whose centroid lies outside it.
        let text = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},
          "geometry":{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,1],[1,1],[1,10],[0,10],[0,0]]]}}]}"#;
        let layer = read_str(text, &ReadOptions::default()).unwrap();
        let [x, y] = layer.lonlat[0];
        let inside = (0.0..=10.0).contains(&x) && (0.0..=1.0).contains(&y)
            || (0.0..=1.0).contains(&x) && (0.0..=10.0).contains(&y);
        assert!(inside, "({x}, {y}) is outside the L");
        assert_eq!(layer.polygons, 1);
    }

    #[test]
    fn malformed_json_reports_line_and_column() {
        let err = read_str(
            "{\"type\":\"FeatureCollection\",\n\"features\":[ }",
            &ReadOptions::default(),
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("line 2"), "{msg}");
        assert!(msg.contains("malformed JSON"), "{msg}");
    }

    #[test]
    fn a_single_feature_is_not_a_collection() {
        let err = read_str(
            r#"{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{}}"#,
            &ReadOptions::default(),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("not a GeoJSON FeatureCollection"),
            "{err}"
        );
    }

    #[test]
    fn unsupported_and_missing_geometries_name_the_feature() {
        let err = read_str(
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a"},"geometry":{"type":"Point","coordinates":[1,2]}},
              {"type":"Feature","properties":{"id":"b"},"geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]}}]}"#,
            &ReadOptions::default(),
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("feature 2 (id \"b\")") && msg.contains("LineString"),
            "{msg}"
        );
        let err = read_str(
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a"},"geometry":null}]}"#,
            &ReadOptions::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("no geometry"), "{err}");
    }
}
