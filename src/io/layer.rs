//! The in-memory form of an input layer: one row per feature, its WGS84 position, its id and
//! the property columns the caller asked for. Both readers fill it; `model` interprets it.

use std::path::{Path, PathBuf};

use super::InputBytes;
use crate::crs::{CoordSystem, Projected};
use crate::error::{Error, Result, clip, quoted};

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
            Scalar::Text(s) => f.write_str(&quoted(s)),
            // Huge numbers in scientific form: 1e300 must not print 300 digits.
            Scalar::Num(x) if x.abs() >= 1e15 => write!(f, "{x:e}"),
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
                crate::error::Param::Encoding,
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
    /// An ESRI Shapefile: the `.shp` with its `.shx`, `.dbf` and optional `.prj` and `.cpg`.
    Shapefile,
    /// An OGC GeoPackage (SQLite) feature layer.
    GeoPackage,
}

impl LayerFormat {
    /// The format implied by a file name (`.csv`/`.txt`/`.tsv` → CSV, `.shp` → Shapefile,
    /// `.gpkg` → GeoPackage, anything else GeoJSON).
    pub fn from_path(path: &Path) -> LayerFormat {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref()
        {
            Some("csv" | "txt" | "tsv") => LayerFormat::Csv,
            Some("shp") => LayerFormat::Shapefile,
            Some("gpkg") => LayerFormat::GeoPackage,
            _ => LayerFormat::GeoJson,
        }
    }

    /// The format of a file's content: JSON (first character `{` or `[` after a byte-order
    /// mark and white space) is GeoJSON whatever the file is called, so a GeoJSON saved as
    /// `.txt` is read as GeoJSON; a Shapefile's `.shp` and an SQLite database (GeoPackage)
    /// are known by their first bytes; anything else goes by the file name.
    pub fn detect(path: &Path, bytes: &[u8]) -> LayerFormat {
        let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        match text.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{' | b'[') => LayerFormat::GeoJson,
            _ if bytes.starts_with(&[0, 0, 0x27, 0x0A]) => LayerFormat::Shapefile,
            _ if bytes.starts_with(b"SQLite format 3\0") => LayerFormat::GeoPackage,
            _ => LayerFormat::from_path(path),
        }
    }
}

/// Whether `path` names a Shapefile's `.shp` (by its extension, in any case).
pub(crate) fn is_shapefile(path: &Path) -> bool {
    LayerFormat::from_path(path) == LayerFormat::Shapefile
}

/// A GeoPackage layer named as `FILE.gpkg:LAYER`: the file and the layer, when `path` is
/// written so and no file of that whole name exists.
pub(crate) fn split_gpkg_layer(path: &Path) -> Option<(PathBuf, String)> {
    let text = path.to_str()?;
    let at = text.to_ascii_lowercase().rfind(".gpkg:")?;
    let (file, layer) = (&text[..at + 5], &text[at + 6..]);
    (!path.exists() && !layer.is_empty()).then(|| (PathBuf::from(file), layer.to_string()))
}

/// Names detected as the id field (ignoring ASCII case), in priority order.
pub const ID_NAMES: &[&str] = &["id", "编号", "code"];

/// Which property (or CSV column) holds a layer's feature ids.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum IdField {
    /// One of [`ID_NAMES`], ignoring case; GeoJSON's feature-level `id` where none is present.
    #[default]
    Detect,
    /// This field where the layer has it, else detection (a default for every layer).
    Prefer(String),
    /// This field and no other: a layer where no feature has it is an error (a per-layer
    /// choice).
    Require(String),
}

impl IdField {
    /// The accepted names in priority order.
    fn names(&self) -> Vec<String> {
        let detected = ID_NAMES.iter().map(|s| s.to_string());
        match self {
            IdField::Detect => detected.collect(),
            IdField::Prefer(name) => std::iter::once(name.clone()).chain(detected).collect(),
            IdField::Require(name) => vec![name.clone()],
        }
    }
}

/// What to read from a layer and how to interpret its coordinates.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Property holding the feature id (GeoJSON's feature-level `id` is used when absent).
    pub id_field: IdField,
    /// Wanted property columns, each a list of accepted names in priority order (matched
    /// exactly first, then ignoring ASCII case).
    pub fields: Vec<Vec<String>>,
    /// Datum/offset system of the coordinates (converted to WGS84 on load).
    pub coords: CoordSystem,
    /// Coordinate reference system of this layer whatever its format (a per-layer choice);
    /// overrides a GeoJSON file's own `crs` member.
    pub crs: Option<Projected>,
    /// Coordinate reference system of CSV x/y columns when `crs` is not set (the default for
    /// every CSV layer). GeoJSON layers ignore it: they are WGS84 unless their `crs` member
    /// says otherwise.
    pub csv_crs: Option<Projected>,
    /// CSV longitude (x) column; detected when `None`.
    pub lon_field: Option<String>,
    /// CSV latitude (y) column; detected when `None`.
    pub lat_field: Option<String>,
    /// CSV text encoding.
    pub encoding: Encoding,
    /// Keep each feature's (Multi)Polygon in [`PointLayer::shapes`], converted to WGS84 as
    /// the points are (an area layer: `--boundaries`; polygon compounds, entered from their
    /// outline).
    pub keep_polygons: bool,
    /// Ids need not be unique (an area layer, whose areas are known by their name field).
    pub duplicate_ids: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            id_field: IdField::Detect,
            fields: Vec::new(),
            coords: CoordSystem::Wgs84,
            crs: None,
            csv_crs: None,
            lon_field: None,
            lat_field: None,
            encoding: Encoding::Auto,
            keep_polygons: false,
            duplicate_ids: false,
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
    /// Positions (0-based, ascending) of the features whose id was generated because they
    /// had none.
    pub generated: Vec<usize>,
    /// The id property or column found (the best-ranked name any feature used).
    pub id_field: Option<String>,
    /// The `name` of a GeoJSON file's legacy `crs` member (`urn:ogc:def:crs:EPSG::4548`).
    pub declared_crs: Option<String>,
    /// The system the positions were converted from (`EPSG:4548`); `None` for WGS84
    /// longitude/latitude.
    pub crs: Option<String>,
    /// WGS84 `[lon, lat]` in degrees, one per feature.
    pub lonlat: Vec<[f64; 2]>,
    /// One column per requested field, in the order of [`ReadOptions::fields`].
    pub columns: Vec<Vec<Option<Scalar>>>,
    /// For each requested field, the name actually found in the file (`None` if never seen).
    pub column_names: Vec<Option<String>>,
    /// How many features were polygons reduced to an interior point.
    pub polygons: usize,
    /// The text encoding a CSV file was read in (`utf-8`, `gbk`, `utf-16le`, `utf-16be`);
    /// `None` for GeoJSON (always UTF-8).
    pub encoding: Option<String>,
    /// With [`ReadOptions::keep_polygons`], each feature's polygons in WGS84 (empty for a
    /// point feature); otherwise empty.
    pub shapes: Vec<geo::MultiPolygon<f64>>,
}

impl PointLayer {
    /// How to name feature `i` in a message: `feature 12 (id "A-3")` or `row 14 (id "A-3")`
    /// (CSV rows count the header as row 1, as a spreadsheet does).
    pub fn label(&self, i: usize) -> String {
        let id = quoted(self.ids.get(i).map(String::as_str).unwrap_or(""));
        format!("{} (id {id})", self.position(i))
    }

    /// Feature `i` by position only: `feature 12` or `row 14`.
    pub fn position(&self, i: usize) -> String {
        match self.format {
            LayerFormat::GeoJson | LayerFormat::GeoPackage => format!("feature {}", i + 1),
            LayerFormat::Csv => format!("row {}", i + 2),
            LayerFormat::Shapefile => format!("record {}", i + 1),
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

/// Reads a point layer: the format is detected from the content (then the file name), every
/// position is converted to WGS84 and checked (finite, in range, not swapped, not degrees
/// under a projected system), and ids are checked to be unique.
pub fn read_points(path: &Path, options: &ReadOptions) -> Result<PointLayer> {
    let bytes = super::read_input(path)?;
    parse_points(path, bytes, options)
}

/// A file format people give for a layer that circleplan does not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UnreadFormat {
    Excel,
    OldExcel,
    OpenDocument,
    Zip,
    Shapefile,
    Kml,
    Utf16Json,
}

impl UnreadFormat {
    /// The format of `bytes` (or, for a Shapefile's parts, of the file name) when it is one
    /// of these; `None` for anything else (read as CSV or GeoJSON).
    fn sniff(path: &Path, bytes: &[u8]) -> Option<UnreadFormat> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let first = text.iter().find(|b| !b.is_ascii_whitespace());
        Some(match bytes {
            [b'P', b'K', 3, 4, ..] => match ext.as_str() {
                "xlsx" | "xlsm" => UnreadFormat::Excel,
                "ods" => UnreadFormat::OpenDocument,
                "kmz" => UnreadFormat::Kml,
                _ => UnreadFormat::Zip,
            },
            [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, ..] => UnreadFormat::OldExcel,
            _ if matches!(ext.as_str(), "shx" | "dbf" | "prj" | "cpg") => UnreadFormat::Shapefile,
            _ if first == Some(&b'<') => UnreadFormat::Kml,
            [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..]
                if LayerFormat::from_path(path) == LayerFormat::GeoJson =>
            {
                UnreadFormat::Utf16Json
            }
            [b'{' | b'[', 0, ..] | [0, b'{' | b'[', ..] => UnreadFormat::Utf16Json,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            UnreadFormat::Excel => "an Excel workbook (.xlsx)",
            UnreadFormat::OldExcel => "an Excel 97-2003 workbook (.xls)",
            UnreadFormat::OpenDocument => "an OpenDocument spreadsheet (.ods)",
            UnreadFormat::Zip => "a ZIP archive",
            UnreadFormat::Shapefile => "part of a Shapefile (.shx/.dbf/.prj/.cpg)",
            UnreadFormat::Kml => "XML (KML or GML?)",
            UnreadFormat::Utf16Json => "JSON in UTF-16",
        }
    }

    fn hint(self) -> &'static str {
        match self {
            UnreadFormat::Excel | UnreadFormat::OldExcel | UnreadFormat::OpenDocument => {
                "save the sheet as CSV (UTF-8) or GeoJSON and pass that file"
            }
            UnreadFormat::Zip => "unpack it and pass the CSV or GeoJSON inside",
            UnreadFormat::Shapefile => "pass the .shp file beside it (with its .shx and .dbf)",
            UnreadFormat::Kml => {
                "save the layer as CSV or GeoJSON (in QGIS: Export > Save Features As) and pass \
                 that file"
            }
            UnreadFormat::Utf16Json => "GeoJSON is UTF-8 (RFC 7946): save the file as UTF-8",
        }
    }
}

/// A JSON error on bytes that are not UTF-8 (GeoJSON saved as GBK) says so, with the line
/// and offset of the first bad byte; any other error is returned as it is.
fn not_utf8_json(e: Error, path: &Path, bytes: &[u8]) -> Error {
    let Error::Json { .. } = e else { return e };
    let Err(bad) = std::str::from_utf8(bytes) else {
        return e;
    };
    let offset = bad.valid_up_to();
    let line = 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count();
    Error::Format {
        path: path.to_path_buf(),
        message: format!(
            "line {line}: byte 0x{:02X} at byte offset {offset} is not valid UTF-8; GeoJSON is \
             UTF-8 (RFC 7946): if the file was saved as GBK, save it again as UTF-8",
            bytes[offset]
        ),
    }
}

/// [`read_points`] on a file's bytes already in memory (`path` names it in messages; a
/// `FILE.gpkg:LAYER` path picks the layer of the GeoPackage in `bytes`).
pub fn parse_points(
    path: &Path,
    bytes: impl Into<InputBytes>,
    options: &ReadOptions,
) -> Result<PointLayer> {
    let bytes: InputBytes = bytes.into();
    if let Some((file, layer)) = split_gpkg_layer(path) {
        let raw = super::gpkg::read_gpkg(&file, &bytes, Some(&layer), options)?;
        return finish_layer(&file, raw, options);
    }
    if let Some(format) = UnreadFormat::sniff(path, &bytes) {
        return Err(Error::UnreadFormat {
            path: path.to_path_buf(),
            format: format.name(),
            hint: format.hint(),
        });
    }
    let raw = match LayerFormat::detect(path, &bytes) {
        LayerFormat::Shapefile => super::shp::read_shapefile(path, &bytes, options)?,
        LayerFormat::GeoPackage => super::gpkg::read_gpkg(path, &bytes, None, options)?,
        LayerFormat::Csv => super::csv_read::read_csv(path, bytes.into_vec(), options)?,
        LayerFormat::GeoJson => {
            let layer = super::geojson_read::read_geojson(path, &bytes, options)
                .map_err(|e| not_utf8_json(e, path, &bytes))?;
            bytes.release();
            layer
        }
    };
    finish_layer(path, raw, options)
}

/// The checks and conversions every reader's layer goes through: not empty, the required id
/// field present, positions converted to WGS84 and checked, ids unique.
fn finish_layer(path: &Path, mut raw: PointLayer, options: &ReadOptions) -> Result<PointLayer> {
    if raw.is_empty() {
        return Err(Error::EmptyLayer {
            path: path.to_path_buf(),
            message: "no features with a geometry".into(),
        });
    }
    if let IdField::Require(name) = &options.id_field
        && raw.id_field.is_none()
    {
        return Err(Error::Format {
            path: path.to_path_buf(),
            message: format!("id field {} is not in any feature", quoted(name)),
        });
    }
    let crs = layer_crs(&raw, options)?;
    if let Some((crs, source)) = &crs {
        to_wgs84(&mut raw, crs, source)?;
        raw.crs = Some(crs.name().to_string());
    }
    for i in 0..raw.len() {
        let [lon, lat] = raw.lonlat[i];
        if let Err(message) = check_coordinates(lon, lat) {
            let mut message = message.to_string();
            let metres = |v: f64| v.is_finite() && v.abs() > 1000.0;
            if crs.is_none() && (metres(lon) || metres(lat)) {
                message.push_str(
                    "; these look like projected metres: declare the layer's system (--crs \
                     EPSG:n for CSV layers, --compounds-crs/--centers-crs/--candidates-crs \
                     for one layer)",
                );
            }
            return Err(bad_coordinate(&raw, i, &message));
        }
        if options.coords != CoordSystem::Wgs84 {
            let (x, y) = options.coords.to_wgs84(lon, lat);
            raw.lonlat[i] = [x, y];
        }
    }
    if options.keep_polygons {
        shapes_to_wgs84(&mut raw, crs.as_ref().map(|c| &c.0), options.coords)?;
    }
    if !options.duplicate_ids {
        check_unique_ids(&raw)?;
    }
    Ok(raw)
}

/// Converts the kept polygons as their layer's points were converted: from the layer's
/// system, then from its datum offset (GCJ-02, BD-09), every vertex checked.
fn shapes_to_wgs84(
    layer: &mut PointLayer,
    crs: Option<&Projected>,
    coords: CoordSystem,
) -> Result<()> {
    use geo::CoordsIter;
    for i in 0..layer.shapes.len() {
        let mut xy: Vec<(f64, f64)> = layer.shapes[i].coords_iter().map(|c| (c.x, c.y)).collect();
        if let Some(crs) = crs {
            xy = crs.to_wgs84_many(&xy)?;
        }
        for p in &mut xy {
            if let Err(message) = check_coordinates(p.0, p.1) {
                return Err(Error::BadCoordinate {
                    path: layer.path.clone(),
                    item: layer.label(i),
                    lon: p.0,
                    lat: p.1,
                    message: format!("polygon vertex: {message}"),
                });
            }
            if coords != CoordSystem::Wgs84 {
                *p = coords.to_wgs84(p.0, p.1);
            }
        }
        let mut next = xy.into_iter();
        let mut set = |ring: &mut geo::LineString| {
            for c in &mut ring.0 {
                let (x, y) = next.next().expect("one position per vertex");
                *c = geo::Coord { x, y };
            }
        };
        // `coords_iter` visits each polygon's exterior, then its holes, in order.
        for polygon in &mut layer.shapes[i].0 {
            polygon.exterior_mut(&mut set);
            polygon.interiors_mut(|holes| holes.iter_mut().for_each(&mut set));
        }
    }
    Ok(())
}

/// The system a layer's coordinates are in, with where that was said: the per-layer choice,
/// else a GeoJSON file's `crs` member, else (CSV only) the default for CSV layers. `None`
/// means WGS84 longitude/latitude.
fn layer_crs(layer: &PointLayer, options: &ReadOptions) -> Result<Option<(Projected, String)>> {
    if let Some(crs) = &options.crs {
        return Ok(Some((crs.clone(), "declared for this layer".into())));
    }
    match layer.format {
        LayerFormat::GeoJson => match &layer.declared_crs {
            None => Ok(None),
            Some(name) => Ok(parse_crs_member(&layer.path, name)?
                .map(|p| (p, "declared by the file's \"crs\" member".to_string()))),
        },
        LayerFormat::Csv => Ok(options
            .csv_crs
            .clone()
            .map(|p| (p, "declared by --crs".to_string()))),
        LayerFormat::Shapefile | LayerFormat::GeoPackage => {
            let source = match layer.format {
                LayerFormat::Shapefile => "declared by the .prj file",
                _ => "declared by the GeoPackage",
            };
            match &layer.declared_crs {
                None => Ok(None),
                Some(name) => Ok(Some((Projected::parse(name)?, source.to_string()))),
            }
        }
    }
}

/// Interprets the `name` of a legacy GeoJSON `crs` member: OGC CRS84 and the WGS84 codes are
/// plain longitude/latitude (`None`); `EPSG:n`, `urn:ogc:def:crs:EPSG::n` (with or without a
/// version) and `http://www.opengis.net/def/crs/EPSG/0/n` name an EPSG system.
pub fn parse_crs_member(path: &Path, name: &str) -> Result<Option<Projected>> {
    let text = name.trim();
    let lower = text.to_ascii_lowercase();
    if lower.ends_with("crs84") || lower.ends_with("crs:84") {
        return Ok(None);
    }
    let code = if let Some(rest) = lower.strip_prefix("urn:ogc:def:crs:epsg:") {
        rest.rsplit(':').next()
    } else if let Some(rest) = lower.strip_prefix("http://www.opengis.net/def/crs/epsg/") {
        rest.rsplit('/').next()
    } else {
        lower.strip_prefix("epsg:")
    };
    let bad = |message: &str| Error::Format {
        path: path.to_path_buf(),
        message: format!("the \"crs\" member names {}: {message}", quoted(text)),
    };
    let code = code
        .filter(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            bad("not understood; expected EPSG:n, urn:ogc:def:crs:EPSG::n or OGC CRS84")
        })?;
    if code == "4326" {
        return Ok(None);
    }
    Projected::parse(&format!("EPSG:{code}"))
        .map(Some)
        .map_err(|e| bad(&e.to_string()))
}

/// Converts a layer's positions from `crs` to WGS84, refusing degrees under a projected
/// system (every |x| ≤ 180 and |y| ≤ 90: the layer was never projected).
fn to_wgs84(layer: &mut PointLayer, crs: &Projected, source: &str) -> Result<()> {
    for i in 0..layer.len() {
        let [x, y] = layer.lonlat[i];
        if !x.is_finite() || !y.is_finite() {
            return Err(bad_coordinate(
                layer,
                i,
                "coordinate is not a finite number",
            ));
        }
    }
    let degrees = layer
        .lonlat
        .iter()
        .all(|p| p[0].abs() <= 180.0 && p[1].abs() <= 90.0);
    if degrees && !crs.is_geographic() {
        let [x, y] = layer.lonlat[0];
        return Err(Error::DegreesInProjectedCrs {
            path: layer.path.clone(),
            item: layer.label(0),
            x,
            y,
            crs: format!("{} ({source})", crs.name()),
            hint: match (layer.format, source.starts_with("declared by the")) {
                (LayerFormat::Shapefile | LayerFormat::GeoPackage, true) => {
                    "if the layer is longitude/latitude, the file declares the wrong system: \
                     give it with the layer's flag (--compounds-crs/--centers-crs/\
                     --candidates-crs EPSG:4326)"
                }
                _ => "if the layer is longitude/latitude, do not declare a projected system for it",
            }
            .into(),
        });
    }
    let xy: Vec<(f64, f64)> = layer.lonlat.iter().map(|p| (p[0], p[1])).collect();
    let converted = crs.to_wgs84_many(&xy)?;
    for (p, (lon, lat)) in layer.lonlat.iter_mut().zip(converted) {
        *p = [lon, lat];
    }
    Ok(())
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
    let Some((first, i)) = first_repeat(&layer.ids) else {
        return Ok(());
    };
    let id = &layer.ids[i];
    let generated = |k: usize| layer.generated.binary_search(&k).is_ok();
    let clash = |generated: usize, other: usize| Error::GeneratedIdClash {
        path: layer.path.clone(),
        id: clip(id).into_owned(),
        generated: layer.position(generated),
        other: layer.label(other),
    };
    Err(match (generated(first), generated(i)) {
        (true, false) => clash(first, i),
        (false, true) => clash(i, first),
        _ => Error::DuplicateId {
            path: layer.path.clone(),
            id: clip(id).into_owned(),
            item: layer.label(i),
            first: layer.label(first),
        },
    })
}

/// The first id (in order) equal to an earlier one, as `(earlier, repeat)` indices, the
/// earlier being that id's first appearance: what one pass with a hash map would report.
/// Hashes are computed and sorted in parallel; only ids whose hashes collide are compared.
fn first_repeat(ids: &[String]) -> Option<(usize, usize)> {
    use rayon::prelude::*;
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    let hasher = BuildHasherDefault::<DefaultHasher>::default();
    let mut keyed: Vec<(u64, u32)> = ids
        .par_iter()
        .enumerate()
        .map(|(i, id)| (hasher.hash_one(id.as_str()), i as u32))
        .collect();
    // In hash order, equal hashes in index order (the pairs are distinct, so the parallel
    // unstable sort gives the one order there is).
    keyed.par_sort_unstable();
    // Every id's occurrences share a hash, so they are in one run of equal hashes, in index
    // order: a run's first index repeating an earlier one is its least repeat.
    keyed
        .par_chunk_by(|a, b| a.0 == b.0)
        .filter(|run| run.len() > 1)
        .filter_map(|run| {
            run.iter().enumerate().find_map(|(k, &(_, i))| {
                let earlier = run[..k]
                    .iter()
                    .find(|e| ids[e.1 as usize] == ids[i as usize]);
                earlier.map(|e| (e.1 as usize, i as usize))
            })
        })
        .min_by_key(|&(_, i)| i)
}

/// Matches property names against the wanted fields: exact names first, then ASCII-case
/// insensitive. Returns `(field index, alias rank)` for a key.
#[derive(Debug)]
pub(crate) struct FieldMatcher {
    names: Vec<(String, usize, usize)>,
    id_names: Vec<String>,
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
            id_names: options.id_field.names(),
        }
    }

    /// The rank of `key` as an id field (lower is better: the exact name before the same
    /// name in another case, then the next accepted name), `None` when it is not one.
    pub(crate) fn id_rank(&self, key: &str) -> Option<usize> {
        self.id_names.iter().enumerate().find_map(|(i, name)| {
            if name == key {
                Some(2 * i)
            } else if name.eq_ignore_ascii_case(key) {
                Some(2 * i + 1)
            } else {
                None
            }
        })
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
    fn first_repeat_matches_one_pass_with_a_hash_map() {
        let mut rng = crate::rng::Rng::new(5);
        for round in 0..200 {
            let n = rng.below(300);
            let alphabet = 1 + rng.below(400);
            let ids: Vec<String> = (0..n)
                .map(|_| format!("C{}", rng.below(alphabet)))
                .collect();
            let mut seen = std::collections::HashMap::new();
            let want = ids
                .iter()
                .enumerate()
                .find_map(|(i, id)| seen.insert(id, i).map(|first| (first, i)));
            assert_eq!(first_repeat(&ids), want, "round {round}: {ids:?}");
        }
    }

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
        assert_eq!(m.id_rank("id"), Some(0));
        assert_eq!(m.id_rank("ID"), Some(1));
        assert_eq!(m.id_rank("编号"), Some(2));
        assert_eq!(m.id_rank("Code"), Some(5));
        assert_eq!(m.id_rank("idx"), None);
        let prefer = FieldMatcher::new(&ReadOptions {
            id_field: IdField::Prefer("编号".into()),
            ..ReadOptions::default()
        });
        assert_eq!(prefer.id_rank("编号"), Some(0));
        assert_eq!(prefer.id_rank("id"), Some(2));
        let require = FieldMatcher::new(&ReadOptions {
            id_field: IdField::Require("code".into()),
            ..ReadOptions::default()
        });
        assert_eq!(require.id_rank("id"), None);
    }

    fn parse(name: &str, text: &str, options: &ReadOptions) -> Result<PointLayer> {
        parse_points(Path::new(name), text.as_bytes().to_vec(), options)
    }

    fn with_id(id_field: IdField) -> ReadOptions {
        ReadOptions {
            id_field,
            ..ReadOptions::default()
        }
    }

    const GK_4547: &str = "528770.237,3386666.251"; // (114.3, 30.6) in EPSG:4547

    #[test]
    fn id_fields_are_detected_preferred_or_required() {
        let csv = "编号,经度,纬度\nA7,117.1,31.8\n";
        let layer = parse("c.csv", csv, &ReadOptions::default()).unwrap();
        assert_eq!((layer.ids[0].as_str(), layer.generated.len()), ("A7", 0));
        assert_eq!(layer.id_field.as_deref(), Some("编号"));
        let csv = "CODE,ID,lon,lat\nx,y,117.1,31.8\n";
        assert_eq!(
            parse("c.csv", csv, &ReadOptions::default()).unwrap().ids,
            ["y"]
        );
        // A default for every layer falls back to detection where a layer lacks it.
        let geojson = r#"{"type":"FeatureCollection","features":[{"type":"Feature",
            "properties":{"id":"S1"},"geometry":{"type":"Point","coordinates":[117.1,31.8]}}]}"#;
        let prefer = with_id(IdField::Prefer("编号".into()));
        assert_eq!(parse("s.geojson", geojson, &prefer).unwrap().ids, ["S1"]);
        // A per-layer field must exist.
        let e = parse(
            "s.geojson",
            geojson,
            &with_id(IdField::Require("编号".into())),
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("id field \"编号\" is not in any feature"),
            "{e}"
        );
    }

    #[test]
    fn a_generated_id_clashing_with_a_real_one_names_both() {
        let e = parse(
            "c.csv",
            "id,lon,lat\n,117.1,31.8\n1,117.2,31.8\n",
            &ReadOptions::default(),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "c.csv: duplicate id \"1\": row 2 has no id and was numbered \"1\" by its position, \
             which is the id of row 3 (id \"1\"); give every feature an id (or none)"
        );
        let e = parse(
            "c.csv",
            "id,lon,lat\nb,117.1,31.8\nb,117.2,31.8\n",
            &ReadOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(e, Error::DuplicateId { .. }), "{e}");
    }

    fn projected_geojson(crs_name: &str, xy: &str) -> String {
        format!(
            r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"{crs_name}"}}}},
            "features":[{{"type":"Feature","properties":{{"id":"a"}},"geometry":{{"type":"Point","coordinates":[{xy}]}}}}]}}"#
        )
    }

    #[test]
    fn geojson_crs_member_is_honoured() {
        for name in [
            "urn:ogc:def:crs:EPSG::4547",
            "EPSG:4547",
            "urn:ogc:def:crs:EPSG:6.3:4547",
        ] {
            let layer = parse(
                "c.geojson",
                &projected_geojson(name, GK_4547),
                &ReadOptions::default(),
            )
            .unwrap();
            let [lon, lat] = layer.lonlat[0];
            assert!(
                (lon - 114.3).abs() < 1e-7 && (lat - 30.6).abs() < 1e-7,
                "{name}: {lon} {lat}"
            );
            assert_eq!(layer.crs.as_deref(), Some("EPSG:4547"));
        }
        for name in ["urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326"] {
            let layer = parse(
                "c.geojson",
                &projected_geojson(name, "114.3,30.6"),
                &ReadOptions::default(),
            )
            .unwrap();
            assert_eq!(
                (layer.lonlat[0], layer.crs.clone()),
                ([114.3, 30.6], None),
                "{name}"
            );
        }
        let e = parse(
            "c.geojson",
            &projected_geojson("EPSG:nope", "1,2"),
            &ReadOptions::default(),
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("the \"crs\" member names \"EPSG:nope\""),
            "{e}"
        );
    }

    #[test]
    fn csv_crs_applies_to_csv_layers_only() {
        let options = ReadOptions {
            csv_crs: Some(Projected::parse("EPSG:4547").unwrap()),
            ..ReadOptions::default()
        };
        let csv = format!("id,x,y\na,{GK_4547}\n");
        let layer = parse("c.csv", &csv, &options).unwrap();
        assert!((layer.lonlat[0][0] - 114.3).abs() < 1e-7);
        let geojson = projected_geojson("urn:ogc:def:crs:OGC:1.3:CRS84", "114.3,30.6");
        assert_eq!(
            parse("s.geojson", &geojson, &options).unwrap().lonlat[0],
            [114.3, 30.6]
        );
        // A per-layer system applies to GeoJSON too, over the file's own member.
        let layer_crs = ReadOptions {
            crs: Some(Projected::parse("EPSG:4547").unwrap()),
            ..ReadOptions::default()
        };
        let geojson = projected_geojson("urn:ogc:def:crs:OGC:1.3:CRS84", GK_4547);
        assert!(
            (parse("s.geojson", &geojson, &layer_crs).unwrap().lonlat[0][1] - 30.6).abs() < 1e-7
        );
    }

    #[test]
    fn degrees_under_a_projected_system_are_refused() {
        let e = parse(
            "c.geojson",
            &projected_geojson("urn:ogc:def:crs:EPSG::4548", "117.28,31.86"),
            &ReadOptions::default(),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "c.geojson: feature 1 (id \"a\"): coordinates (117.28, 31.86) look like \
             longitude/latitude degrees, but the layer's coordinate system is EPSG:4548 \
             (declared by the file's \"crs\" member), which is in metres; if the layer is \
             longitude/latitude, do not declare a projected system for it"
        );
    }

    #[test]
    fn geojson_saved_as_txt_is_read_as_geojson_and_echoes_are_short() {
        let geojson = projected_geojson("urn:ogc:def:crs:OGC:1.3:CRS84", "114.3,30.6");
        assert_eq!(
            parse("c.txt", &geojson, &ReadOptions::default())
                .unwrap()
                .len(),
            1
        );
        let columns: Vec<String> = (0..5000).map(|i| format!("a{i}")).collect();
        let header = format!("id,{}\n1,2\n", columns.join(","));
        let e = parse("c.txt", &header, &ReadOptions::default()).unwrap_err();
        assert!(e.to_string().len() < 400, "{e}");
        assert!(e.to_string().contains("characters)"), "{e}");
    }

    #[test]
    fn scalar_text_and_numbers() {
        assert_eq!(Scalar::Num(3.0).to_text(), "3");
        assert_eq!(Scalar::Text(" 2.5 ".into()).as_f64(), Some(2.5));
        assert_eq!(Scalar::Text("abc".into()).as_f64(), None);
    }
}
