//! Streaming GeoJSON reader: walks the FeatureCollection with serde visitors, keeping only the
//! position, the id and the wanted properties of each feature (no JSON tree is ever built).

use std::fmt;
use std::path::Path;

use geo::InteriorPoint;
use serde::Deserializer as _;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::layer::{FieldMatcher, LayerFormat, PointLayer, ReadOptions, Scalar};
use crate::error::{Error, Result, clip, quoted};

/// Turns a serde_json error into [`Error::Json`] with line and column.
pub(crate) fn json_error(path: &Path, e: serde_json::Error) -> Error {
    Error::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: clip(e.to_string().split(" at line").next().unwrap_or("")).into_owned(),
    }
}

pub(crate) fn read_geojson(path: &Path, bytes: &[u8], options: &ReadOptions) -> Result<PointLayer> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match scan_collection(text) {
        Some(scan) => read_parallel(path, options, text, scan),
        None => read_sequential(path, options, text),
    }
}

/// The reference path: one serde pass over the whole file (used when the fast structural
/// scan declines, so malformed files get serde's precise line and column).
fn read_sequential(path: &Path, options: &ReadOptions, text: &[u8]) -> Result<PointLayer> {
    let mut state = State::new(path, options, 0);
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
    check_collection(path, state.collection_type.as_deref(), state.saw_features)?;
    Ok(state.layer)
}

/// The top-level checks shared by both parsing paths.
fn check_collection(path: &Path, collection_type: Option<&str>, saw_features: bool) -> Result<()> {
    match collection_type {
        Some("FeatureCollection") if saw_features => {}
        Some("FeatureCollection") => {
            return Err(Error::Format {
                path: path.to_path_buf(),
                message: "FeatureCollection has no \"features\" array".into(),
            });
        }
        Some(other) => {
            let other = quoted(other);
            return Err(Error::Format {
                path: path.to_path_buf(),
                message: format!(
                    "not a GeoJSON FeatureCollection (top-level type is {other}); \
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
    Ok(())
}

impl<'p> State<'p> {
    fn new(path: &'p Path, options: &ReadOptions, base: usize) -> Self {
        State {
            path,
            base,
            matcher: FieldMatcher::new(options),
            layer: PointLayer {
                path: path.to_path_buf(),
                format: LayerFormat::GeoJson,
                ids: Vec::new(),
                generated: Vec::new(),
                id_field: None,
                declared_crs: None,
                crs: None,
                lonlat: Vec::new(),
                columns: vec![Vec::new(); options.fields.len()],
                column_names: vec![None; options.fields.len()],
                polygons: 0,
            },
            best_rank: vec![usize::MAX; options.fields.len()],
            best_id_rank: usize::MAX,
            slots: vec![None; options.fields.len()],
            error: None,
            collection_type: None,
            saw_features: false,
        }
    }
}

/// Features per parallel parsing task.
const FEATURES_PER_TASK: usize = 4096;

/// Parses the features found by [`scan_collection`] in parallel chunks and merges them in
/// order; the first error in file order wins, exactly as in a sequential parse.
fn read_parallel(
    path: &Path,
    options: &ReadOptions,
    text: &[u8],
    scan: Scan,
) -> Result<PointLayer> {
    use rayon::prelude::*;
    check_collection(path, scan.collection_type.as_deref(), true)?;
    let declared_crs = scan.crs;
    let parts: Vec<State> = scan
        .features
        .par_chunks(FEATURES_PER_TASK)
        .enumerate()
        .map(|(c, spans)| {
            let mut state = State::new(path, options, c * FEATURES_PER_TASK);
            for &(a, b) in spans {
                let mut de = serde_json::Deserializer::from_slice(&text[a..b]);
                if let Err(e) = FeatureSeed(&mut state).deserialize(&mut de) {
                    if state.error.is_none() {
                        state.error = Some(json_error_at(path, text, a, e));
                    }
                    break;
                }
            }
            state
        })
        .collect();
    let n = scan.features.len();
    let mut layer = State::new(path, options, 0).layer;
    layer.declared_crs = declared_crs;
    layer.ids.reserve(n);
    layer.lonlat.reserve(n);
    let mut best_rank = vec![usize::MAX; options.fields.len()];
    let mut best_id_rank = usize::MAX;
    for mut part in parts {
        if let Some(e) = part.error {
            return Err(e);
        }
        layer.ids.append(&mut part.layer.ids);
        layer.lonlat.append(&mut part.layer.lonlat);
        layer.generated.append(&mut part.layer.generated);
        if part.best_id_rank < best_id_rank {
            best_id_rank = part.best_id_rank;
            layer.id_field = part.layer.id_field.take();
        }
        layer.polygons += part.layer.polygons;
        for (f, best) in best_rank.iter_mut().enumerate() {
            layer.columns[f].append(&mut part.layer.columns[f]);
            if part.best_rank[f] < *best {
                *best = part.best_rank[f];
                layer.column_names[f] = part.layer.column_names[f].take();
            }
        }
    }
    Ok(layer)
}

/// A serde error inside one feature, located in the whole file.
fn json_error_at(path: &Path, text: &[u8], offset: usize, e: serde_json::Error) -> Error {
    let before = &text[..offset];
    let lines_before = before.iter().filter(|&&b| b == b'\n').count();
    let col_before = before.len()
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
    let (line, column) = if e.line() <= 1 {
        (lines_before + 1, col_before + e.column())
    } else {
        (lines_before + e.line(), e.column())
    };
    Error::Json {
        path: path.to_path_buf(),
        line,
        column,
        message: clip(e.to_string().split(" at line").next().unwrap_or("")).into_owned(),
    }
}

/// Where the features of a well-formed FeatureCollection lie.
struct Scan {
    collection_type: Option<String>,
    /// The name in the legacy `crs` member.
    crs: Option<String>,
    features: Vec<(usize, usize)>,
}

/// A fast structural pass over the top-level object: records the `type` value and the byte
/// span of every element of `features`, without parsing them. Returns `None` whenever the
/// file is not a plain object with a `features` array (or is malformed), and the caller falls
/// back to the sequential parser, which reports the precise error.
fn scan_collection(t: &[u8]) -> Option<Scan> {
    let mut p = skip_ws(t, 0);
    if t.get(p) != Some(&b'{') {
        return None;
    }
    p += 1;
    let mut scan = Scan {
        collection_type: None,
        crs: None,
        features: Vec::new(),
    };
    let mut saw_features = false;
    loop {
        p = skip_ws(t, p);
        match t.get(p)? {
            b'}' => {
                p += 1;
                break;
            }
            b'"' => {}
            _ => return None,
        }
        let key_end = skip_string(t, p)?;
        let key = &t[p + 1..key_end - 1];
        if key.contains(&b'\\') {
            // Escaped keys need real decoding: leave them to the full parser.
            return None;
        }
        p = skip_ws(t, key_end);
        if t.get(p) != Some(&b':') {
            return None;
        }
        p = skip_ws(t, p + 1);
        match key {
            b"features" => {
                if t.get(p) != Some(&b'[') {
                    return None;
                }
                saw_features = true;
                p = skip_ws(t, p + 1);
                if t.get(p) == Some(&b']') {
                    p += 1;
                } else {
                    loop {
                        let start = p;
                        p = skip_value(t, p)?;
                        scan.features.push((start, p));
                        p = skip_ws(t, p);
                        match t.get(p)? {
                            b',' => p = skip_ws(t, p + 1),
                            b']' => {
                                p += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
            }
            b"type" => {
                let end = skip_value(t, p)?;
                scan.collection_type = Some(serde_json::from_slice::<String>(&t[p..end]).ok()?);
                p = end;
            }
            b"crs" => {
                let end = skip_value(t, p)?;
                let value = serde_json::from_slice::<serde_json::Value>(&t[p..end]).ok()?;
                scan.crs = crs_name(value);
                p = end;
            }
            _ => {
                // Other top-level members are few and small: check them properly.
                let end = skip_value(t, p)?;
                serde_json::from_slice::<IgnoredAny>(&t[p..end]).ok()?;
                p = end;
            }
        }
        p = skip_ws(t, p);
        match t.get(p)? {
            b',' if t.get(skip_ws(t, p + 1)) == Some(&b'}') => return None,
            b',' => p += 1,
            b'}' => {
                p += 1;
                break;
            }
            _ => return None,
        }
    }
    (skip_ws(t, p) == t.len() && saw_features).then_some(scan)
}

fn skip_ws(t: &[u8], mut p: usize) -> usize {
    while p < t.len() && matches!(t[p], b' ' | b'\n' | b'\r' | b'\t') {
        p += 1;
    }
    p
}

/// `t[p]` is a quote; returns the index after the closing quote.
fn skip_string(t: &[u8], mut p: usize) -> Option<usize> {
    p += 1;
    while p < t.len() {
        match t[p] {
            b'\\' => p += 2,
            b'"' => return Some(p + 1),
            _ => p += 1,
        }
    }
    None
}

/// Skips one JSON value starting at `p` (structure only; the parser checks the contents).
fn skip_value(t: &[u8], mut p: usize) -> Option<usize> {
    match *t.get(p)? {
        b'"' => skip_string(t, p),
        b'{' | b'[' => {
            let mut depth = 0usize;
            while p < t.len() {
                match t[p] {
                    b'"' => {
                        p = skip_string(t, p)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(p + 1);
                        }
                    }
                    _ => {}
                }
                p += 1;
            }
            None
        }
        _ => {
            let start = p;
            while p < t.len() && !matches!(t[p], b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t')
            {
                p += 1;
            }
            (p > start).then_some(p)
        }
    }
}

struct State<'p> {
    path: &'p Path,
    /// Features before this state's first one (parallel parsing splits the array).
    base: usize,
    matcher: FieldMatcher,
    layer: PointLayer,
    best_rank: Vec<usize>,
    /// Rank of the best id field seen so far (see [`FieldMatcher::id_rank`]).
    best_id_rank: usize,
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
            match key.as_ref() {
                "type" => self.0.collection_type = Some(map.next_value::<String>()?),
                "crs" => self.0.layer.declared_crs = crs_name(map.next_value()?),
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

/// A map key, borrowed from the input when it has no escapes (no allocation per key).
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = std::borrow::Cow<'de, str>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = std::borrow::Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(std::borrow::Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(std::borrow::Cow::Owned(v.to_owned()))
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
pub(crate) struct RawGeometry<'a> {
    /// `Point`, `LineString`, ...
    #[serde(rename = "type")]
    #[serde(borrow)]
    pub(crate) kind: Option<std::borrow::Cow<'a, str>>,
    /// The coordinates, parsed once the type is known.
    #[serde(borrow)]
    pub(crate) coordinates: Option<&'a RawValue>,
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
            match key.as_ref() {
                "type" => feature_type = Some(map.next_value()?),
                "id" => feature_id = map.next_value::<ScalarValue>()?.0,
                "geometry" => geometry = Some(map.next_value()?),
                "properties" => {
                    prop_id = map.next_value_seed(PropsSeed {
                        matcher: &state.matcher,
                        slots: &mut state.slots,
                        best_id_rank: &mut state.best_id_rank,
                        id_field: &mut state.layer.id_field,
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let id = prop_id.or(feature_id).map(Scalar::into_text);
        let n = state.base + state.layer.lonlat.len() + 1;
        let label = match &id {
            Some(id) => format!("feature {n} (id {})", quoted(id)),
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
                format!("type is {}, expected \"Feature\"", quoted(t)),
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
                state.layer.generated.push(n - 1);
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
        return Err(format!("geometry {} has no coordinates", quoted(kind)));
    };
    let bad = |e: serde_json::Error| {
        format!(
            "invalid {} coordinates: {}",
            clip(kind),
            clip(&e.to_string())
        )
    };
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
            "unsupported geometry type {}: expected Point, MultiPoint, Polygon or MultiPolygon",
            quoted(other)
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
pub(crate) struct ScalarValue(pub(crate) Option<Scalar>);

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
    /// The layer's best id rank so far, and the id field of that rank.
    best_id_rank: &'a mut usize,
    id_field: &'a mut Option<String>,
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
        let mut id: Option<(Scalar, usize)> = None;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            if let Some(rank) = self.matcher.id_rank(&key) {
                let value = map.next_value::<ScalarValue>()?.0;
                if let Some(value) = value
                    && id.as_ref().is_none_or(|(_, r)| rank < *r)
                {
                    if rank < *self.best_id_rank {
                        *self.best_id_rank = rank;
                        *self.id_field = Some(key.into_owned());
                    }
                    id = Some((value, rank));
                }
            } else if let Some((f, rank)) = self.matcher.lookup(&key) {
                let value = map.next_value::<ScalarValue>()?.0;
                if let Some(value) = value {
                    let keep = match &self.slots[f] {
                        Some((_, r, _)) => rank < *r,
                        None => true,
                    };
                    if keep {
                        self.slots[f] = Some((value, rank, key.into_owned()));
                    }
                }
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(id.map(|(value, _)| value))
    }
}

/// The name in a legacy `crs` member (`{"type": "name", "properties": {"name": …}}`), or
/// the member itself as JSON when it has no name (so the caller can quote what it got);
/// `None` for `null`.
fn crs_name(value: serde_json::Value) -> Option<String> {
    match value.pointer("/properties/name") {
        _ if value.is_null() => None,
        Some(serde_json::Value::String(name)) => Some(name.clone()),
        _ => Some(value.to_string()),
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
        read_geojson(f.path(), text.as_bytes(), options)
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
        assert_eq!(layer.generated.len(), 1);
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
    fn parallel_and_sequential_parses_agree() {
        let mut text = String::from(
            "{\"type\":\"FeatureCollection\",\"name\":{\"a\":[1,\"]\"]},\"features\":[\n",
        );
        for i in 0..20_000 {
            if i > 0 {
                text.push_str(",\n");
            }
            let props = match i % 3 {
                0 => format!("{{\"pop\":{i},\"s\":\"x}}\\\"\"}}"),
                1 => format!("{{\"id\":\"f{i}\",\"population\":\"{i}\"}}"),
                _ => "null".to_string(),
            };
            text.push_str(&format!(
                "{{\"type\":\"Feature\",\"properties\":{props},\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{}.5,{}]}}}}",
                i % 170,
                i % 80
            ));
        }
        text.push_str("\n]}");
        let bytes = text.as_bytes();
        assert!(
            scan_collection(bytes).is_some(),
            "scan declined a valid file"
        );
        let path = Path::new("mem.geojson");
        let a = read_sequential(path, &pop_options(), bytes).unwrap();
        let b =
            read_parallel(path, &pop_options(), bytes, scan_collection(bytes).unwrap()).unwrap();
        assert_eq!(a.ids, b.ids);
        assert_eq!(a.lonlat, b.lonlat);
        assert_eq!(a.columns, b.columns);
        assert_eq!(a.column_names, b.column_names);
        assert_eq!(a.generated, b.generated);
        assert_eq!(a.id_field, b.id_field);
        // A bad token deep inside: both paths name the same line.
        let bad = text.replacen("[5.5,5]", "[5.5,5x]", 1);
        let e1 = read_sequential(path, &pop_options(), bad.as_bytes()).unwrap_err();
        let e2 = read_parallel(
            path,
            &pop_options(),
            bad.as_bytes(),
            scan_collection(bad.as_bytes()).unwrap(),
        )
        .unwrap_err();
        let line = |e: &Error| match e {
            Error::Json { line, .. } => *line,
            other => panic!("{other}"),
        };
        assert_eq!(line(&e1), line(&e2));
    }

    #[test]
    fn scan_leaves_unusual_or_invalid_tops_to_the_full_parser() {
        let feature =
            r#"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,2]}}"#;
        let escaped = format!(r#"{{"t\u0079pe":"FeatureCollection","features":[{feature}]}}"#);
        assert!(scan_collection(escaped.as_bytes()).is_none());
        assert_eq!(
            read_str(&escaped, &ReadOptions::default()).unwrap().len(),
            1
        );
        let garbage =
            format!(r#"{{"type":"FeatureCollection","name":garbage{{[,"features":[{feature}]}}"#);
        assert!(read_str(&garbage, &ReadOptions::default()).is_err());
        let trailing = format!(r#"{{"type":"FeatureCollection","features":[{feature}],}}"#);
        assert!(read_str(&trailing, &ReadOptions::default()).is_err());
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
