//! GeoJSON point layers (compounds, centres, candidates, facilities): a [`FeatureSink`] keeping
//! one representative point, the id and the wanted properties of each feature.

use std::path::Path;

use geo::InteriorPoint;

use super::geojson::{
    FeatureError, FeatureSink, Pos, RawGeometry, parse_coordinates, read_features,
};
use super::layer::{FieldMatcher, LayerFormat, PointLayer, ReadOptions, Scalar};
use crate::error::{Result, quoted};

pub(crate) fn read_geojson(path: &Path, bytes: &[u8], options: &ReadOptions) -> Result<PointLayer> {
    let matcher = FieldMatcher::new(options);
    let collection = read_features(
        path,
        bytes,
        PointSink::new(path, &matcher, options.fields.len(), options.keep_polygons),
    )?;
    let mut layer = collection.sink.layer;
    layer.declared_crs = collection.crs;
    Ok(layer)
}

/// Collects the points of a layer (or of one chunk of its features).
struct PointSink<'a> {
    matcher: &'a FieldMatcher,
    layer: PointLayer,
    /// Per field, the rank of the best name any feature used (see [`FieldMatcher::lookup`]).
    best_rank: Vec<usize>,
    /// Rank of the best id field seen so far (see [`FieldMatcher::id_rank`]).
    best_id_rank: usize,
    /// The current feature's value and its rank, per field.
    slots: Vec<Option<(Scalar, usize)>>,
    /// The current feature's id from its properties, and its rank.
    id: Option<(Scalar, usize)>,
    /// Keep each feature's polygons ([`ReadOptions::keep_polygons`]).
    keep_polygons: bool,
}

/// A wanted property: the id or a field.
#[derive(Clone, Copy)]
enum PointSlot {
    Id(usize),
    Field(usize, usize),
}

impl<'a> PointSink<'a> {
    /// An empty sink for `fields` wanted fields.
    fn new(path: &Path, matcher: &'a FieldMatcher, fields: usize, keep_polygons: bool) -> Self {
        PointSink {
            matcher,
            layer: PointLayer {
                path: path.to_path_buf(),
                format: LayerFormat::GeoJson,
                ids: Vec::new(),
                generated: Vec::new(),
                id_field: None,
                declared_crs: None,
                crs: None,
                lonlat: Vec::new(),
                columns: vec![Vec::new(); fields],
                column_names: vec![None; fields],
                polygons: 0,
                encoding: None,
                shapes: Vec::new(),
            },
            best_rank: vec![usize::MAX; fields],
            best_id_rank: usize::MAX,
            slots: vec![None; fields],
            id: None,
            keep_polygons,
        }
    }
}

impl FeatureSink for PointSink<'_> {
    type Slot = PointSlot;
    const COLLECTION_HINT: &'static str =
        "wrap the features in {\"type\": \"FeatureCollection\", \"features\": [...]}";
    const GEOMETRY_HINT: &'static str = "";

    fn fork(&self) -> Self {
        PointSink::new(
            &self.layer.path,
            self.matcher,
            self.slots.len(),
            self.keep_polygons,
        )
    }

    fn append(&mut self, mut later: Self) {
        let (layer, part) = (&mut self.layer, &mut later.layer);
        layer.ids.append(&mut part.ids);
        layer.lonlat.append(&mut part.lonlat);
        layer.shapes.append(&mut part.shapes);
        layer.generated.append(&mut part.generated);
        if later.best_id_rank < self.best_id_rank {
            self.best_id_rank = later.best_id_rank;
            layer.id_field = part.id_field.take();
        }
        layer.polygons += part.polygons;
        for (f, best) in self.best_rank.iter_mut().enumerate() {
            layer.columns[f].append(&mut part.columns[f]);
            if later.best_rank[f] < *best {
                *best = later.best_rank[f];
                layer.column_names[f] = part.column_names[f].take();
            }
        }
    }

    fn append_all(&mut self, mut parts: Vec<Self>) {
        // Names, ranks and counts in order, then each column joined at once: the copying
        // (and the new columns' page faults) spreads over the cores.
        let mut ids = Vec::with_capacity(parts.len());
        let mut lonlat = Vec::with_capacity(parts.len());
        let mut columns: Vec<Vec<Vec<Option<Scalar>>>> = vec![Vec::new(); self.best_rank.len()];
        for part in &mut parts {
            let taken = &mut part.layer;
            ids.push(std::mem::take(&mut taken.ids));
            lonlat.push(std::mem::take(&mut taken.lonlat));
            for (f, column) in columns.iter_mut().enumerate() {
                column.push(std::mem::take(&mut taken.columns[f]));
            }
        }
        for part in parts {
            self.append(part);
        }
        let layer = &mut self.layer;
        rayon::join(
            || concat_into(&mut layer.ids, ids),
            || {
                rayon::join(
                    || concat_into(&mut layer.lonlat, lonlat),
                    || {
                        use rayon::prelude::*;
                        layer
                            .columns
                            .par_iter_mut()
                            .zip(columns)
                            .for_each(|(c, parts)| concat_into(c, parts));
                    },
                )
            },
        );
    }

    fn renumber(&mut self, before: usize) {
        let layer = &mut self.layer;
        for g in &mut layer.generated {
            // The feature's position in this chunk is its number in the chunk, less one.
            layer.ids[*g] = (*g + before + 1).to_string();
            *g += before;
        }
    }

    fn reserve(&mut self, features: usize) {
        self.layer.ids.reserve(features);
        self.layer.lonlat.reserve(features);
        for column in &mut self.layer.columns {
            column.reserve(features);
        }
    }

    fn begin_feature(&mut self) {
        self.slots.iter_mut().for_each(|slot| *slot = None);
        self.id = None;
    }

    fn begin_properties(&mut self) {
        self.id = None;
    }

    fn wants(&self, key: &str) -> Option<PointSlot> {
        match self.matcher.id_rank(key) {
            Some(rank) => Some(PointSlot::Id(rank)),
            None => (self.matcher.lookup(key)).map(|(f, rank)| PointSlot::Field(f, rank)),
        }
    }

    /// Keeps the best-ranked value of each field (the first of equal rank); a field's column
    /// takes the best-ranked name any feature used.
    fn property(&mut self, slot: PointSlot, key: &str, value: Option<Scalar>) {
        let Some(value) = value else { return };
        match slot {
            PointSlot::Id(rank) => {
                if self.id.as_ref().is_none_or(|(_, r)| rank < *r) {
                    if rank < self.best_id_rank {
                        self.best_id_rank = rank;
                        self.layer.id_field = Some(key.to_owned());
                    }
                    self.id = Some((value, rank));
                }
            }
            PointSlot::Field(f, rank) => {
                if self.slots[f].as_ref().is_none_or(|(_, r)| rank < *r) {
                    if rank < self.best_rank[f] {
                        self.best_rank[f] = rank;
                        self.layer.column_names[f] = Some(key.to_owned());
                    }
                    self.slots[f] = Some((value, rank));
                }
            }
        }
    }

    fn take_properties_id(&mut self) -> Option<String> {
        self.id.take().map(|(value, _)| value.into_text())
    }

    fn feature(
        &mut self,
        n: usize,
        id: &mut Option<String>,
        geometry: &RawGeometry,
    ) -> std::result::Result<(), FeatureError> {
        let (point, polygon) = point_of(geometry)?;
        self.layer.polygons += polygon as usize;
        if self.keep_polygons {
            self.layer.shapes.push(polygons_of(geometry)?);
        }
        self.layer.lonlat.push(point);
        match id.take() {
            Some(id) => self.layer.ids.push(id),
            None => {
                self.layer.generated.push(n - 1);
                self.layer.ids.push(n.to_string());
            }
        }
        for (column, slot) in self.layer.columns.iter_mut().zip(&mut self.slots) {
            column.push(slot.take().map(|(value, _)| value));
        }
        Ok(())
    }
}

/// Appends `parts` to `dst` in order.
fn concat_into<T>(dst: &mut Vec<T>, parts: Vec<Vec<T>>) {
    dst.reserve(parts.iter().map(Vec::len).sum());
    for mut part in parts {
        dst.append(&mut part);
    }
}

/// Reduces a geometry to one representative point: the point itself, the member nearest the
/// mean for a MultiPoint, or a point guaranteed inside a (Multi)Polygon.
fn point_of(g: &RawGeometry) -> std::result::Result<([f64; 2], bool), String> {
    let (kind, raw) = g.parts()?;
    match kind {
        "Point" => Ok((parse_coordinates::<Pos>(kind, raw)?.0, false)),
        "MultiPoint" => {
            let pts: Vec<Pos> = parse_coordinates(kind, raw)?;
            medoid(&pts)
                .map(|p| (p, false))
                .ok_or_else(|| "MultiPoint has no points".to_string())
        }
        "Polygon" => {
            let rings: Vec<Vec<Pos>> = parse_coordinates(kind, raw)?;
            let poly = to_polygon(rings).ok_or("Polygon has no outer ring")?;
            check_finite_polygon(&poly)?;
            let p = poly.interior_point().ok_or("Polygon is empty")?;
            Ok(([p.x(), p.y()], true))
        }
        "MultiPolygon" => {
            let polys: Vec<Vec<Vec<Pos>>> = parse_coordinates(kind, raw)?;
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

/// The polygons of a geometry already read by [`point_of`] (none for a point).
fn polygons_of(g: &RawGeometry) -> std::result::Result<geo::MultiPolygon, String> {
    let (kind, raw) = g.parts()?;
    Ok(geo::MultiPolygon(match kind {
        "Polygon" => to_polygon(parse_coordinates(kind, raw)?)
            .into_iter()
            .collect(),
        "MultiPolygon" => {
            let polys: Vec<Vec<Vec<Pos>>> = parse_coordinates(kind, raw)?;
            polys.into_iter().filter_map(to_polygon).collect()
        }
        _ => Vec::new(),
    }))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::io::geojson::{
        read_features, read_features_fused, read_features_parallel, read_features_sequential,
    };
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
    fn long_numeric_ids_are_kept_as_written() {
        let feature = |id: &str, props: &str| {
            format!(
                r#"{{"type":"Feature",{id}"properties":{{{props}}},"geometry":{{"type":"Point","coordinates":[117.1,31.8]}}}}"#
            )
        };
        let features = [
            feature(r#""id":9007199254740993,"#, ""),
            feature(r#""id":9007199254740992,"#, ""),
            feature("", r#""id":12345678901234567891"#),
            feature("", r#""id":12345678901234567892"#),
            feature(r#""id":123456789012345678901,"#, ""),
            feature(r#""id":123456789012345678902,"#, ""),
            feature(r#""id":-9007199254740993,"#, ""),
            feature(r#""id":42,"#, ""),
        ];
        let text = format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",")
        );
        let layer = read_str(&text, &ReadOptions::default()).unwrap();
        assert_eq!(
            layer.ids,
            [
                "9007199254740993",
                "9007199254740992",
                "12345678901234567891",
                "12345678901234567892",
                "123456789012345678901",
                "123456789012345678902",
                "-9007199254740993",
                "42"
            ]
        );
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

    /// One of `xs`, at random.
    fn pick(rng: &mut crate::rng::Rng, xs: &[&str]) -> String {
        xs[rng.below(xs.len())].to_string()
    }

    /// One random feature for the fast-path oracle: the plain layout most of the time, and
    /// every way of leaving it (escapes, exponents, long or malformed numbers, nesting,
    /// repeated keys, other geometries) the rest.
    fn random_feature(rng: &mut crate::rng::Rng, i: usize) -> String {
        const NUMBERS: [&str; 17] = [
            "1290",
            "0",
            "-0",
            "-12",
            "3.5",
            "-0.0",
            "0.10",
            "117.1987873",
            "123456789012345",
            "1234567890123456",
            "12345678901234567890",
            "1e3",
            "1.5E-2",
            "2.000000000000001",
            "-31.8230963",
            "99",
            "0.5",
        ];
        const STRINGS: [&str; 6] = [
            "\"C1\"",
            "\"社区104448\"",
            "\"a\\\"b\"",
            "\"\\u00e9\"",
            "\"\"",
            "\"x y\"",
        ];
        const OTHERS: [&str; 6] = ["true", "false", "null", "{}", "[1,2]", "{\"a\":1}"];
        // Malformed: serde reports them.
        const BROKEN: [&str; 6] = ["007", "1.", ".5", "-", "tru", "\"a\u{1}b\""];
        let value = |rng: &mut crate::rng::Rng| match rng.below(61) {
            0 => pick(rng, &BROKEN),
            1..=30 => pick(rng, &NUMBERS),
            31..=50 => pick(rng, &STRINGS),
            _ => pick(rng, &OTHERS),
        };
        let mut props: Vec<String> = Vec::new();
        for key in ["population", "pop", "id", "street", "名称", "x\\u0041"] {
            if rng.below(3) > 0 {
                props.push(format!("\"{key}\":{}", value(rng)));
            }
        }
        if rng.below(20) == 0 {
            props.push(format!("\"pop\":{}", value(rng)));
        }
        let geometry = random_geometry(rng, i);
        let kind = match rng.below(40) {
            0 => "\"Nope\"",
            1 => "1",
            _ => "\"Feature\"",
        };
        let separator = pick(rng, &[",", " , ", ",\n"]);
        let mut members = vec![
            format!("\"type\":{kind}"),
            format!("\"properties\":{{{}}}", props.join(&separator)),
            format!("\"geometry\":{geometry}"),
        ];
        if rng.below(4) == 0 {
            members.push(format!("\"id\":{}", value(rng)));
        }
        if rng.below(30) == 0 {
            members.push("\"bbox\":[1,2,3,4]".into());
        }
        if rng.below(30) == 0 {
            members.push("\"properties\":null".into());
        }
        if rng.below(10) == 0 {
            members.swap(0, 2);
        }
        format!("{{{}}}", members.join(","))
    }

    /// A random geometry member for [`random_feature`]: mostly a plain Point.
    fn random_geometry(rng: &mut crate::rng::Rng, i: usize) -> String {
        const COORDS: [&str; 7] = [
            "[117.1,31.8]",
            "[117,31]",
            "[ -0.5 , 51.25 ]",
            "[117.1,31.8,5]",
            "[1e2,3]",
            "[117.1]",
            "null",
        ];
        let plain = format!("[{}.{},{}.5]", i % 170, i % 97, i % 80);
        match rng.below(40) {
            0 => "null".to_string(),
            1 => "{\"type\":\"MultiPoint\",\"coordinates\":[[1.5,2],[3,4]]}".to_string(),
            2 => format!(
                "{{\"coordinates\":{},\"type\":\"Point\"}}",
                pick(rng, &COORDS)
            ),
            3 => "{\"type\":\"Point\"}".to_string(),
            4..=10 => format!(
                "{{\"type\":\"Point\",\"coordinates\":{}}}",
                pick(rng, &COORDS)
            ),
            _ => format!("{{\"type\":\"Point\",\"coordinates\":{plain}}}"),
        }
    }

    /// The oracle for the fast path: files of random features (most in the plain layout)
    /// read by the parallel parse (fast path first) and by the sequential serde parse give
    /// the same layer down to each number's sign and bits, or the same error.
    #[test]
    fn fast_path_and_serde_read_the_same() {
        let path = Path::new("mem.geojson");
        let matcher = FieldMatcher::new(&ReadOptions {
            fields: vec![
                vec!["population".into(), "pop".into()],
                vec!["street".into()],
            ],
            ..ReadOptions::default()
        });
        let sink = || PointSink::new(path, &matcher, 2, false);
        let mut rng = crate::rng::Rng::new(17);
        let (mut ok, mut failed) = (0, 0);
        for round in 0..400 {
            let n = 1 + rng.below(6);
            let features: Vec<String> = (0..n).map(|i| random_feature(&mut rng, i)).collect();
            let text = format!(
                "{{\"type\":\"FeatureCollection\",\"features\":[{}]}}",
                features.join(",")
            );
            let seq = read_features_sequential(path, text.as_bytes(), sink()).map(|c| c.sink.layer);
            let par = read_features_parallel(path, text.as_bytes(), sink())
                .expect("scan declined a valid array")
                .map(|c| c.sink.layer);
            match (seq, par) {
                (Ok(a), Ok(b)) => {
                    ok += 1;
                    let show = |l: &PointLayer| {
                        format!(
                            "{:?} {:?} {:?} {:?} {:?} {:?}",
                            l.ids, l.lonlat, l.columns, l.column_names, l.generated, l.id_field
                        )
                    };
                    assert_eq!(show(&a), show(&b), "round {round}: {text}");
                }
                (Err(a), Err(b)) => {
                    failed += 1;
                    assert_eq!(a.to_string(), b.to_string(), "round {round}: {text}");
                }
                (a, b) => panic!(
                    "round {round}: {text}\n{:?}\n{:?}",
                    a.map(|_| ()),
                    b.map(|_| ())
                ),
            }
        }
        assert!(ok > 40 && failed > 40, "{ok} read, {failed} refused");
    }

    /// The oracle: the parallel parse against the sequential reference, over several chunks.
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
        let path = Path::new("mem.geojson");
        let matcher = FieldMatcher::new(&pop_options());
        let sink = || PointSink::new(path, &matcher, 1, false);
        let both = |text: &str| {
            let bytes = text.as_bytes();
            let sequential = read_features_sequential(path, bytes, sink()).map(|c| c.sink.layer);
            let parallel = read_features_parallel(path, bytes, sink())
                .expect("scan declined a valid file")
                .map(|c| c.sink.layer);
            (sequential, parallel)
        };
        let (a, b) = both(&text);
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.ids, b.ids);
        assert_eq!(a.lonlat, b.lonlat);
        assert_eq!(a.columns, b.columns);
        assert_eq!(a.column_names, b.column_names);
        assert_eq!(a.generated, b.generated);
        assert_eq!(a.id_field, b.id_field);
        // A bad token deep inside: both paths name the same line and column.
        let bad = text.replacen("[5.5,5]", "[5.5,5x]", 1);
        let (e1, e2) = both(&bad);
        let place = |e: Error| match e {
            Error::Json { line, column, .. } => (line, column),
            other => panic!("{other}"),
        };
        assert_eq!(place(e1.unwrap_err()), place(e2.unwrap_err()));
        // A bad feature in a later chunk: both paths name the same feature.
        let bad = text.replacen("\"9001\"}", "\"9001\"},\"type\":\"Nope\"", 1);
        let (e1, e2) = both(&bad);
        let (e1, e2) = (e1.unwrap_err().to_string(), e2.unwrap_err().to_string());
        assert!(
            e1.contains("feature 9002 (id \"f9001\"): type is \"Nope\""),
            "{e1}"
        );
        assert_eq!(e1, e2);
        // Without the scan: ids made from feature numbers are renumbered as the pieces join,
        // a bad feature is left to the scan's error, and the whole read gives the sequential
        // read's result.
        for pieces in [2, 7, 64] {
            let c = read_features_fused(path, text.as_bytes(), sink(), pieces)
                .unwrap_or_else(|_| panic!("declined a valid file in {pieces} pieces"));
            let c = c.sink.layer;
            assert_eq!(a.ids, c.ids);
            assert_eq!(a.generated, c.generated);
            assert_eq!(a.columns, c.columns);
            assert!(read_features_fused(path, bad.as_bytes(), sink(), pieces).is_err());
        }
        let e3 = read_features(path, bad.as_bytes(), sink()).map(|_| ());
        assert_eq!(e1, e3.unwrap_err().to_string());
    }

    /// Damaged files: bytes flipped, dropped or repeated and `},{` planted, the read without
    /// the scan either declines or gives exactly the sequential read's layer, and the whole
    /// read gives the sequential read's layer or its error.
    #[test]
    fn damaged_files_read_without_the_scan_decline_or_agree() {
        let mut text = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
        for i in 0..300 {
            if i > 0 {
                text.push_str(",\n");
            }
            let id = if i % 5 == 0 {
                "null".to_string()
            } else {
                format!("\"f{i}\"")
            };
            text.push_str(&format!(
                "{{\"type\":\"Feature\",\"id\":{id},\"properties\":{{\"pop\":{i},\"s\":\"街{i}\"}},\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{}.5,{}]}}}}",
                i % 170,
                i % 80
            ));
        }
        text.push_str("\n]}");
        let path = Path::new("mem.geojson");
        let matcher = FieldMatcher::new(&pop_options());
        let sink = || PointSink::new(path, &matcher, 1, false);
        let mut rng = crate::rng::Rng::new(91);
        let (mut agreed, mut declined) = (0, 0);
        for round in 0..400 {
            let mut raw = text.clone().into_bytes();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(raw.len());
                match rng.below(4) {
                    0 => raw[at] = b"{}[],:\"0x \xff"[rng.below(11)],
                    1 => {
                        raw.remove(at);
                    }
                    2 => raw.insert(at, raw[at]),
                    _ => raw.splice(at..at, b"},{".iter().copied()).for_each(drop),
                }
            }
            let seq = read_features_sequential(path, &raw, sink()).map(|c| c.sink.layer);
            for pieces in [2, 7, 60] {
                match read_features_fused(path, &raw, sink(), pieces) {
                    Ok(c) => {
                        let (a, b) = (seq.as_ref().expect("sequential read failed"), c.sink.layer);
                        assert_eq!(a.ids, b.ids, "round {round}, {pieces} pieces");
                        assert_eq!(a.lonlat, b.lonlat, "round {round}");
                        assert_eq!(a.columns, b.columns, "round {round}");
                        assert_eq!(a.generated, b.generated, "round {round}");
                        agreed += 1;
                    }
                    Err(_) => declined += 1,
                }
            }
            let whole = read_features(path, &raw, sink()).map(|c| c.sink.layer);
            match (&seq, whole) {
                (Ok(a), Ok(b)) => assert_eq!(a.ids, b.ids, "round {round}"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "round {round}"),
                (a, b) => panic!("round {round}: {:?} vs {:?}", a.is_ok(), b.is_ok()),
            }
        }
        assert!(
            agreed > 50 && declined > 50,
            "{agreed} agreed, {declined} declined"
        );
    }

    /// The read without the structural scan against the sequential reference: features of
    /// both layouts (plain, and escaped for serde), pieces cut anywhere.
    #[test]
    fn unscanned_and_sequential_parses_agree() {
        let mut text = String::from("{\"type\":\"FeatureCollection\",\"features\":[\n");
        for i in 0..5_000 {
            if i > 0 {
                text.push_str(if i % 7 == 0 { " ,\n\t" } else { "," });
            }
            let props = match i % 4 {
                0 => format!("{{\"id\":\"f{i}\",\"pop\":{i},\"s\":\"x}}{{,\\\"\"}}"),
                1 => format!("{{\"id\":\"f{i}\",\"population\":\"{i}\"}}"),
                2 => format!("{{\"id\":{i},\"population\":1e3}}"),
                _ => format!("{{\"population\":{i}}},\"id\":\"m{i}\""),
            };
            text.push_str(&format!(
                "{{\"type\":\"Feature\",\"properties\":{props},\"geometry\":{{\"type\":\"Point\",\"coordinates\":[{}.25,{}]}}}}",
                i % 170,
                i % 80
            ));
        }
        text.push_str("\n],\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"EPSG:4326\"}}}");
        let path = Path::new("mem.geojson");
        let matcher = FieldMatcher::new(&pop_options());
        let sink = || PointSink::new(path, &matcher, 1, false);
        let a = read_features_sequential(path, text.as_bytes(), sink()).unwrap();
        for pieces in [2, 3, 16, 200, 4_999] {
            let b = read_features_fused(path, text.as_bytes(), sink(), pieces)
                .unwrap_or_else(|_| panic!("declined a valid file in {pieces} pieces"));
            assert_eq!(a.crs, b.crs);
            let (a, b) = (&a.sink.layer, b.sink.layer);
            assert_eq!(a.ids, b.ids, "{pieces} pieces");
            assert_eq!(a.lonlat, b.lonlat);
            assert_eq!(a.columns, b.columns);
            assert_eq!(a.column_names, b.column_names);
            assert_eq!(a.id_field, b.id_field);
        }
        // Piece boundaries guessed inside a string (`},{` in a value) must not count: the
        // read declines or agrees, and the whole read agrees.
        let nested = format!(
            "[{{}}{}]",
            ",{\"type\":\"Feature\",\"properties\":{\"id\":\"nested\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]}}"
                .repeat(40)
        );
        let tricky = (text.replace("x}{,", "x},{"))
            .replace("\"pop\":", &format!("\"arr\":{nested},\"pop\":"));
        let d = read_features_sequential(path, tricky.as_bytes(), sink()).unwrap();
        let mut declined = 0;
        for pieces in [2, 16, 200, 4_999] {
            match read_features_fused(path, tricky.as_bytes(), sink(), pieces) {
                Ok(c) => assert_eq!(c.sink.layer.ids, d.sink.layer.ids),
                Err(_) => declined += 1,
            }
        }
        assert!(declined > 0, "no guess fell inside a string");
        // A byte that is not UTF-8 inside a property nobody reads: serde skips it unchecked,
        // so the text checked at once stops short of it and the strings after it are checked
        // one by one; both reads agree.
        let mut raw = text.clone().into_bytes();
        let at = text.find("x}{,").expect("a skipped string") + 1;
        raw[at] = 0xFF;
        let d = read_features_sequential(path, &raw, sink()).unwrap();
        for pieces in [2, 16, 200] {
            let c = read_features_fused(path, &raw, sink(), pieces)
                .unwrap_or_else(|_| panic!("declined in {pieces} pieces"));
            assert_eq!(c.sink.layer.ids, d.sink.layer.ids);
            assert_eq!(c.sink.layer.columns, d.sink.layer.columns);
        }
        let e = read_features(path, tricky.as_bytes(), sink()).unwrap();
        assert_eq!(e.sink.layer.ids, d.sink.layer.ids);
        assert_eq!(e.sink.layer.columns, d.sink.layer.columns);
    }

    #[test]
    fn scan_leaves_unusual_or_invalid_tops_to_the_full_parser() {
        let feature =
            r#"{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,2]}}"#;
        let escaped = format!(r#"{{"t\u0079pe":"FeatureCollection","features":[{feature}]}}"#);
        let path = Path::new("mem.geojson");
        let matcher = FieldMatcher::new(&ReadOptions::default());
        let sink = PointSink::new(path, &matcher, 0, false);
        assert!(read_features_parallel(path, escaped.as_bytes(), sink).is_none());
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
