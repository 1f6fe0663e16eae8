//! The in-memory form of an input layer: one row per feature, its WGS84 position, its id and
//! the property columns the caller asked for. Both readers fill it; `model` interprets it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::crs::{CoordSystem, Projected};
use crate::error::{Error, Result};

/// A property value as read: text, number or boolean (JSON `null` and empty CSV cells are
/// absent).
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// A number.
    Num(f64),
    /// Text (every CSV cell starts as text).
    Text(String),
    /// A boolean.
    Bool(bool),
}

impl Scalar {
    /// The value as a number, parsing text; `None` when it is not numeric.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Scalar::Num(x) => Some(*x),
            Scalar::Text(s) => s.trim().parse::<f64>().ok(),
            Scalar::Bool(_) => None,
        }
    }

    /// The value as text, consuming it (no copy for text).
    pub fn into_text(self) -> String {
        match self {
            Scalar::Text(s) => s,
            other => other.to_text(),
        }
    }

    /// The value as text, numbers printed without a trailing `.0`.
    pub fn to_text(&self) -> String {
        match self {
            Scalar::Num(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", *x as i64),
            Scalar::Num(x) => format!("{x}"),
            Scalar::Text(s) => s.clone(),
            Scalar::Bool(b) => b.to_string(),
        }
    }
}

impl std::fmt::Display for Scalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scalar::Text(s) => write!(f, "{s:?}"),
            other => f.write_str(&other.to_text()),
        }
    }
}

/// Text encoding of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 when the bytes are valid UTF-8, otherwise GBK (what Excel writes on Chinese
    /// Windows).
    #[default]
    Auto,
    /// UTF-8, with or without a byte-order mark.
    Utf8,
    /// GBK / GB18030.
    Gbk,
}

impl std::str::FromStr for Encoding {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().replace('-', "").as_str() {
            "auto" => Ok(Encoding::Auto),
            "utf8" => Ok(Encoding::Utf8),
            "gbk" | "gb18030" | "gb2312" => Ok(Encoding::Gbk),
            _ => Err(Error::parameter(
                "--encoding",
                s,
                "must be one of auto, utf8, gbk",
            )),
        }
    }
}

/// Which reader a file goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerFormat {
    /// RFC 7946 GeoJSON FeatureCollection.
    GeoJson,
    /// Comma-separated values with a header row.
    Csv,
}

impl LayerFormat {
    /// The format implied by a file name (`.csv`/`.txt`/`.tsv` → CSV, anything else GeoJSON).
    pub fn from_path(path: &Path) -> LayerFormat {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref()
        {
            Some("csv" | "txt" | "tsv") => LayerFormat::Csv,
            _ => LayerFormat::GeoJson,
        }
    }
}

/// What to read from a layer and how to interpret its coordinates.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Property holding the feature id (GeoJSON's feature-level `id` is used when absent).
    pub id_field: String,
    /// Wanted property columns, each a list of accepted names in priority order (matched
    /// exactly first, then ignoring ASCII case).
    pub fields: Vec<Vec<String>>,
    /// Datum/offset system of the coordinates (converted to WGS84 on load).
    pub coords: CoordSystem,
    /// Projected coordinate system of the coordinates (CSV x/y in metres or feet).
    pub crs: Option<Projected>,
    /// CSV longitude (x) column; detected when `None`.
    pub lon_field: Option<String>,
    /// CSV latitude (y) column; detected when `None`.
    pub lat_field: Option<String>,
    /// CSV text encoding.
    pub encoding: Encoding,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            id_field: "id".into(),
            fields: Vec::new(),
            coords: CoordSystem::Wgs84,
            crs: None,
            lon_field: None,
            lat_field: None,
            encoding: Encoding::Auto,
        }
    }
}

/// A layer of points as read: WGS84 positions, ids and the requested property columns.
#[derive(Debug, Clone)]
pub struct PointLayer {
    /// The file it came from.
    pub path: PathBuf,
    /// Which reader produced it.
    pub format: LayerFormat,
    /// Ids (from the id field, the feature id, or generated `1`, `2`, … by position).
    pub ids: Vec<String>,
    /// How many ids were generated because the feature had none.
    pub generated_ids: usize,
    /// WGS84 `[lon, lat]` in degrees, one per feature.
    pub lonlat: Vec<[f64; 2]>,
    /// One column per requested field, in the order of [`ReadOptions::fields`].
    pub columns: Vec<Vec<Option<Scalar>>>,
    /// For each requested field, the name actually found in the file (`None` if never seen).
    pub column_names: Vec<Option<String>>,
    /// How many features were polygons reduced to an interior point.
    pub polygons: usize,
}

impl PointLayer {
    /// How to name feature `i` in a message: `feature 12 (id "A-3")` or `row 14 (id "A-3")`
    /// (CSV rows count the header as row 1, as a spreadsheet does).
    pub fn label(&self, i: usize) -> String {
        let id = self.ids.get(i).map(String::as_str).unwrap_or("");
        match self.format {
            LayerFormat::GeoJson => format!("feature {} (id {:?})", i + 1, id),
            LayerFormat::Csv => format!("row {} (id {:?})", i + 2, id),
        }
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.lonlat.len()
    }

    /// True when the layer has no features.
    pub fn is_empty(&self) -> bool {
        self.lonlat.is_empty()
    }

    /// Bounding box `[min_lon, min_lat, max_lon, max_lat]`, `None` when empty.
    pub fn bbox(&self) -> Option<[f64; 4]> {
        Self::bbox_of_points(&self.lonlat)
    }

    /// Bounding box `[min_lon, min_lat, max_lon, max_lat]` of positions, `None` when empty.
    pub fn bbox_of_points(points: &[[f64; 2]]) -> Option<[f64; 4]> {
        bbox_of_points_impl(points)
    }
}

fn bbox_of_points_impl(points: &[[f64; 2]]) -> Option<[f64; 4]> {
    let first = points.first()?;
    let mut b = [first[0], first[1], first[0], first[1]];
    for p in points {
        b[0] = b[0].min(p[0]);
        b[1] = b[1].min(p[1]);
        b[2] = b[2].max(p[0]);
        b[3] = b[3].max(p[1]);
    }
    Some(b)
}

/// Reads a point layer, choosing the reader by file extension, then converts every position
/// to WGS84 and checks it (finite, in range, not swapped), and checks ids are unique.
pub fn read_points(path: &Path, options: &ReadOptions) -> Result<PointLayer> {
    let mut raw = match LayerFormat::from_path(path) {
        LayerFormat::Csv => super::csv_read::read_csv(path, options)?,
        LayerFormat::GeoJson => super::geojson_read::read_geojson(path, options)?,
    };
    if raw.is_empty() {
        return Err(Error::EmptyLayer {
            path: path.to_path_buf(),
            message: "no features with a geometry".into(),
        });
    }
    if let Some(crs) = &options.crs {
        let xy: Vec<(f64, f64)> = raw.lonlat.iter().map(|p| (p[0], p[1])).collect();
        for (i, &(x, y)) in xy.iter().enumerate() {
            if !x.is_finite() || !y.is_finite() {
                return Err(bad_coordinate(&raw, i, "coordinate is not a finite number"));
            }
        }
        let converted = crs.to_wgs84_many(&xy)?;
        for (p, (lon, lat)) in raw.lonlat.iter_mut().zip(converted) {
            *p = [lon, lat];
        }
    }
    for i in 0..raw.len() {
        let [lon, lat] = raw.lonlat[i];
        if let Err(message) = check_coordinates(lon, lat) {
            let mut message = message.to_string();
            if options.crs.is_none() && (lon.abs() > 1000.0 || lat.abs() > 1000.0) {
                message.push_str(
                    "; these look like projected metres: pass the layer's system with --crs EPSG:n",
                );
            }
            return Err(bad_coordinate(&raw, i, &message));
        }
        if options.coords != CoordSystem::Wgs84 {
            let (x, y) = options.coords.to_wgs84(lon, lat);
            raw.lonlat[i] = [x, y];
        }
    }
    check_unique_ids(&raw)?;
    Ok(raw)
}

fn bad_coordinate(layer: &PointLayer, i: usize, message: &str) -> Error {
    Error::BadCoordinate {
        path: layer.path.clone(),
        item: layer.label(i),
        lon: layer.lonlat[i][0],
        lat: layer.lonlat[i][1],
        message: message.to_string(),
    }
}

/// Checks one WGS84 position: finite, latitude within ±90, longitude within ±180, and says
/// "looks swapped" when exchanging the two would make it valid.
pub fn check_coordinates(lon: f64, lat: f64) -> std::result::Result<(), &'static str> {
    if !lon.is_finite() || !lat.is_finite() {
        return Err("coordinate is not a finite number");
    }
    if lat.abs() > 90.0 {
        if lon.abs() <= 90.0 && lat.abs() <= 180.0 {
            return Err("latitude outside ±90: longitude and latitude look swapped");
        }
        return Err("latitude outside ±90");
    }
    if lon.abs() > 180.0 {
        return Err("longitude outside ±180");
    }
    Ok(())
}

fn check_unique_ids(layer: &PointLayer) -> Result<()> {
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(layer.ids.len());
    for (i, id) in layer.ids.iter().enumerate() {
        if let Some(first) = seen.insert(id.as_str(), i) {
            return Err(Error::DuplicateId {
                path: layer.path.clone(),
                id: id.clone(),
                item: layer.label(i),
                first: layer.label(first),
            });
        }
    }
    Ok(())
}

/// Matches property names against the wanted fields: exact names first, then ASCII-case
/// insensitive. Returns `(field index, alias rank)` for a key.
#[derive(Debug)]
pub(crate) struct FieldMatcher {
    names: Vec<(String, usize, usize)>,
    id_field: String,
}

impl FieldMatcher {
    pub(crate) fn new(options: &ReadOptions) -> Self {
        let mut names = Vec::new();
        for (f, aliases) in options.fields.iter().enumerate() {
            for (rank, a) in aliases.iter().enumerate() {
                names.push((a.clone(), f, rank));
            }
        }
        FieldMatcher {
            names,
            id_field: options.id_field.clone(),
        }
    }

    /// True when `key` is the id field.
    pub(crate) fn is_id(&self, key: &str) -> bool {
        key == self.id_field || key.eq_ignore_ascii_case(&self.id_field)
    }

    /// The fields (and alias ranks) `key` names. Exact matches rank before case-insensitive
    /// ones.
    pub(crate) fn lookup(&self, key: &str) -> Option<(usize, usize)> {
        let mut best: Option<(usize, usize)> = None;
        for (name, f, rank) in &self.names {
            let r = if name == key {
                *rank * 2
            } else if name.eq_ignore_ascii_case(key) {
                *rank * 2 + 1
            } else {
                continue;
            };
            if best.is_none_or(|(_, br)| r < br) {
                best = Some((*f, r));
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swapped_coordinates_are_named() {
        assert_eq!(
            check_coordinates(39.9, 116.4),
            Err("latitude outside ±90: longitude and latitude look swapped")
        );
        assert!(check_coordinates(116.4, 39.9).is_ok());
        assert!(check_coordinates(f64::NAN, 39.9).is_err());
        assert!(check_coordinates(181.0, 0.0).is_err());
        assert!(check_coordinates(500_000.0, 3_500_000.0).is_err());
    }

    #[test]
    fn matcher_prefers_exact_then_alias_order() {
        let options = ReadOptions {
            fields: vec![vec!["population".into(), "pop".into()]],
            ..ReadOptions::default()
        };
        let m = FieldMatcher::new(&options);
        assert_eq!(m.lookup("population"), Some((0, 0)));
        assert_eq!(m.lookup("POP"), Some((0, 3)));
        assert_eq!(m.lookup("name"), None);
        assert!(m.is_id("ID"));
    }

    #[test]
    fn scalar_text_and_numbers() {
        assert_eq!(Scalar::Num(3.0).to_text(), "3");
        assert_eq!(Scalar::Text(" 2.5 ".into()).as_f64(), Some(2.5));
        assert_eq!(Scalar::Text("abc".into()).as_f64(), None);
    }
}
