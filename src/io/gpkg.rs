//! GeoPackages (OGC, SQLite through rusqlite's bundled SQLite): one feature layer read into a
//! point layer, its system from `gpkg_spatial_ref_sys`; and a run's GeoJSON layers written
//! as the tables of one GeoPackage in WGS84.

use std::path::Path;

use geo::{Geometry, InteriorPoint};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use serde_json::Value;

use super::layer::{LayerFormat, PointLayer, ReadOptions, Scalar};
use super::shp::{ColumnPicker, new_layer, wkt_name};
use crate::crs::{WktCrs, recognise_wkt};
use crate::error::{Error, Result, clip, quoted};

/// A feature table: its name, geometry column and SRS id.
struct FeatureTable {
    name: String,
    geometry: String,
    srs_id: i64,
}

/// An SQL identifier in double quotes.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Opens the GeoPackage in `bytes` read-only, in memory.
fn open(path: &Path, bytes: &[u8]) -> Result<Connection> {
    let bad = |e: rusqlite::Error| Error::Format {
        path: path.to_path_buf(),
        message: format!("not a readable GeoPackage: {e}"),
    };
    let mut db = Connection::open_in_memory_with_flags(
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(bad)?;
    if bytes.is_empty() || bytes.len() > i32::MAX as usize {
        return Err(Error::Format {
            path: path.to_path_buf(),
            message: "not a readable GeoPackage: empty or larger than 2 GB".into(),
        });
    }
    db.deserialize_read_exact(rusqlite::MAIN_DB, bytes, bytes.len(), true)
        .map_err(bad)?;
    Ok(db)
}

/// The feature tables of a GeoPackage, by name.
fn feature_tables(path: &Path, db: &Connection) -> Result<Vec<FeatureTable>> {
    let sql = "SELECT c.table_name, g.column_name, c.srs_id FROM gpkg_contents c \
               JOIN gpkg_geometry_columns g ON g.table_name = c.table_name \
               WHERE c.data_type = 'features' ORDER BY c.table_name";
    let query = || -> rusqlite::Result<Vec<FeatureTable>> {
        let mut stmt = db.prepare(sql)?;
        let rows = stmt.query_map([], |r| {
            Ok(FeatureTable {
                name: r.get(0)?,
                geometry: r.get(1)?,
                srs_id: r.get::<_, Option<i64>>(2)?.unwrap_or(0),
            })
        })?;
        rows.collect()
    };
    query().map_err(|e| Error::Format {
        path: path.to_path_buf(),
        message: format!(
            "an SQLite database without GeoPackage feature tables ({e}); give a GeoPackage, \
             GeoJSON, Shapefile or CSV layer"
        ),
    })
}

/// The table named `layer` (exactly, else in any case), or the only one.
fn choose(path: &Path, tables: Vec<FeatureTable>, layer: Option<&str>) -> Result<FeatureTable> {
    let names = || tables.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
    let found = match layer {
        Some(l) => tables
            .iter()
            .position(|t| t.name == l)
            .or_else(|| tables.iter().position(|t| t.name.eq_ignore_ascii_case(l))),
        None if tables.len() == 1 => Some(0),
        None if tables.is_empty() => {
            return Err(Error::EmptyLayer {
                path: path.to_path_buf(),
                message: "the GeoPackage holds no feature layers".into(),
            });
        }
        None => None,
    };
    match found {
        Some(i) => Ok(tables.into_iter().nth(i).expect("index found above")),
        None => Err(Error::GeoPackageLayer {
            path: path.to_path_buf(),
            layer: layer.map(str::to_string),
            layers: names(),
        }),
    }
}

/// The EPSG name of a table's system (`None`: WGS84 or undefined longitude/latitude); a
/// system neither EPSG-coded nor recognised from its WKT is an error.
fn srs_name(path: &Path, db: &Connection, srs_id: i64) -> Result<Option<String>> {
    if srs_id <= 0 || srs_id == 4326 {
        return Ok(None);
    }
    let row = db.query_row(
        "SELECT organization, organization_coordsys_id, definition \
         FROM gpkg_spatial_ref_sys WHERE srs_id = ?1",
        [srs_id],
        |r| {
            Ok((
                r.get::<_, Option<String>>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        },
    );
    let unknown = |name: String| Error::UnknownCrs {
        path: path.to_path_buf(),
        name: quoted(&clip(&name)),
    };
    let (organization, code, definition) = row.map_err(|_| unknown(format!("srs_id {srs_id}")))?;
    let code = match (organization, code) {
        (Some(o), Some(c)) if o.eq_ignore_ascii_case("epsg") => u32::try_from(c).ok(),
        _ => None,
    };
    let wkt = definition.unwrap_or_default();
    let code = code.map(WktCrs::Epsg).or_else(|| recognise_wkt(&wkt));
    match code {
        Some(WktCrs::Wgs84) | Some(WktCrs::Epsg(4326)) => Ok(None),
        Some(WktCrs::Epsg(code)) => Ok(Some(format!("EPSG:{code}"))),
        None => Err(unknown(wkt_name(&wkt))),
    }
}

/// Reads feature layer `layer` (the only one when `None`) of the GeoPackage in `bytes`
/// (the file `path`) as a point layer: one point per feature, the id (else the feature id)
/// and wanted fields from its columns, the system from `gpkg_spatial_ref_sys` unless the
/// caller chose one.
pub(crate) fn read_gpkg(
    path: &Path,
    bytes: &[u8],
    layer: Option<&str>,
    options: &ReadOptions,
) -> Result<PointLayer> {
    let db = open(path, bytes)?;
    let table = choose(path, feature_tables(path, &db)?, layer)?;
    let mut out = new_layer(path, LayerFormat::GeoPackage, options);
    if options.crs.is_none() {
        out.declared_crs = srs_name(path, &db, table.srs_id)?;
    }
    let sql_error = |e: rusqlite::Error| Error::Format {
        path: path.to_path_buf(),
        message: format!("layer {}: {e}", quoted(&table.name)),
    };
    let mut stmt = db
        .prepare(&format!("SELECT * FROM {}", ident(&table.name)))
        .map_err(sql_error)?;
    let names = column_names(path, &db, &table.name)?;
    let geometry = names
        .iter()
        .position(|n| n.eq_ignore_ascii_case(&table.geometry))
        .ok_or_else(|| sql_error(rusqlite::Error::InvalidColumnName(table.geometry.clone())))?;
    let mut picker = ColumnPicker::new(options, &names);
    let fid = primary_key(&db, &table.name);
    picker.default_id(fid.and_then(|k| names.iter().position(|n| *n == k)));
    let mut rows = stmt.query([]).map_err(sql_error)?;
    let mut i = 0;
    while let Some(row) = rows.next().map_err(sql_error)? {
        let values: Vec<Option<Scalar>> = (0..names.len())
            .map(|c| row.get_ref(c).ok().and_then(scalar))
            .collect();
        let blob = match row.get_ref(geometry) {
            Ok(ValueRef::Blob(b)) => Some(b),
            _ => None,
        };
        let point = blob
            .ok_or_else(|| "feature has no geometry".to_string())
            .and_then(|b| point_of_blob(b, options.keep_polygons))
            .map_err(|message| Error::Item {
                path: path.to_path_buf(),
                item: format!("feature {}", i + 1),
                message,
            })?;
        out.lonlat.push(point.0);
        out.polygons += point.1 as usize;
        if let Some(shape) = point.2 {
            out.shapes.push(shape);
        }
        picker.push_row(&mut out, i, |c| values[c].clone());
        i += 1;
    }
    picker.finish_with(&mut out, &names);
    Ok(out)
}

/// Reads the LineStrings and MultiLineStrings of feature layer `layer` (the only one when
/// `None`) of the GeoPackage in `bytes` as street lines in WGS84, converted from the
/// layer's system, each on the layer its `layer`, `bridge` or `tunnel` column gives.
pub(crate) fn read_gpkg_lines(
    path: &Path,
    bytes: &[u8],
    layer: Option<&str>,
) -> Result<super::streets::LineLayer> {
    let db = open(path, bytes)?;
    let table = choose(path, feature_tables(path, &db)?, layer)?;
    let crs = match srs_name(path, &db, table.srs_id)? {
        Some(name) => Some(crate::crs::Projected::parse(&name)?),
        None => None,
    };
    let sql_error = |e: rusqlite::Error| Error::Format {
        path: path.to_path_buf(),
        message: format!("layer {}: {e}", quoted(&table.name)),
    };
    let mut stmt =
        (db.prepare(&format!("SELECT * FROM {}", ident(&table.name)))).map_err(sql_error)?;
    let names = column_names(path, &db, &table.name)?;
    let column = |name: &str| names.iter().position(|n| n.eq_ignore_ascii_case(name));
    let geometry = column(&table.geometry);
    let mut rows = stmt.query([]).map_err(sql_error)?;
    let (mut lines, mut i) = (Vec::new(), 0);
    while let Some(row) = rows.next().map_err(sql_error)? {
        i += 1;
        let item = |message: String| Error::Item {
            path: path.to_path_buf(),
            item: format!("feature {i}"),
            message,
        };
        let value = |name: &str| row.get_ref(column(name)?).ok().and_then(scalar);
        let layer = super::streets::street_layer(value).map_err(item)?;
        let Some(Ok(ValueRef::Blob(blob))) = geometry.map(|g| row.get_ref(g)) else {
            continue;
        };
        for line in line_parts(blob, crs.as_ref()).map_err(item)? {
            lines.push((line, layer));
        }
    }
    super::streets::line_layer_from(path, lines)
}

/// The lines of a LineString or MultiLineString blob in WGS84 (converted from `crs`), each
/// with two distinct points at least.
fn line_parts(
    blob: &[u8],
    crs: Option<&crate::crs::Projected>,
) -> std::result::Result<Vec<Vec<[f64; 2]>>, String> {
    let parts = match super::wkb::read_wkb(blob_wkb(blob)?)? {
        Geometry::LineString(l) => vec![l],
        Geometry::MultiLineString(m) => m.0,
        _ => return Err("a street network needs LineString features".into()),
    };
    let mut lines = Vec::with_capacity(parts.len());
    for part in parts {
        let mut line = Vec::with_capacity(part.0.len());
        for c in part.0 {
            let (lon, lat) = match crs {
                Some(crs) => crs.to_wgs84(c.x, c.y).map_err(|e| e.to_string())?,
                None => (c.x, c.y),
            };
            super::layer::check_coordinates(lon, lat).map_err(str::to_string)?;
            line.push([lon, lat]);
        }
        if line.iter().any(|p| *p != line[0]) {
            lines.push(line);
        }
    }
    Ok(lines)
}

/// The integer primary key column of a table (GeoPackage's `fid`), if it has one.
fn primary_key(db: &Connection, table: &str) -> Option<String> {
    let sql = format!(
        "SELECT name FROM pragma_table_info({}) WHERE pk = 1",
        quote_text(table)
    );
    db.query_row(&sql, [], |r| r.get(0)).ok()
}

/// A string literal for SQL.
fn quote_text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// An SQLite value as a property value (integers beyond 2^53 as text, kept as written).
fn scalar(v: ValueRef) -> Option<Scalar> {
    match v {
        ValueRef::Null | ValueRef::Blob(_) => None,
        ValueRef::Integer(i) if i.unsigned_abs() <= 1 << 53 => Some(Scalar::Num(i as f64)),
        ValueRef::Integer(i) => Some(Scalar::Text(i.to_string())),
        ValueRef::Real(x) => Some(Scalar::Num(x)),
        ValueRef::Text(t) => Some(Scalar::Text(String::from_utf8_lossy(t).into_owned())),
    }
}

/// The WKB inside a GeoPackage geometry blob (after its `GP` header and envelope).
pub(crate) fn blob_wkb(blob: &[u8]) -> std::result::Result<&[u8], String> {
    if blob.len() < 8 || &blob[..2] != b"GP" {
        return Err("the geometry is not a GeoPackage geometry blob".into());
    }
    let envelope = match (blob[3] >> 1) & 0x07 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        e => return Err(format!("geometry blob envelope code {e} is invalid")),
    };
    if blob[3] & 0x10 != 0 {
        return Err("feature has an empty geometry".into());
    }
    blob.get(8 + envelope..)
        .ok_or_else(|| "the geometry blob ends early".to_string())
}

/// A point, whether it was a polygon, and the polygons when `keep_polygons`.
type BlobPoint = ([f64; 2], bool, Option<geo::MultiPolygon>);

/// One representative point of a geometry blob and whether it was a polygon; its polygons
/// too (none for a point) when `keep_polygons`.
fn point_of_blob(blob: &[u8], keep_polygons: bool) -> std::result::Result<BlobPoint, String> {
    let geometry = super::wkb::read_wkb(blob_wkb(blob)?)?;
    use geo::CoordsIter;
    if let Some(c) = geometry
        .coords_iter()
        .find(|c| !c.x.is_finite() || !c.y.is_finite())
    {
        return Err(format!("vertex ({}, {}) is not finite", c.x, c.y));
    }
    let polygon = matches!(geometry, Geometry::Polygon(_) | Geometry::MultiPolygon(_));
    let point = match &geometry {
        Geometry::Point(p) => Some(*p),
        Geometry::MultiPoint(m) => medoid(m),
        Geometry::Polygon(_) | Geometry::MultiPolygon(_) => geometry.interior_point(),
        _ => {
            return Err(
                "unsupported geometry type: expected Point, MultiPoint, Polygon or MultiPolygon"
                    .into(),
            );
        }
    };
    let p = point.ok_or("the geometry is empty")?;
    let shape = keep_polygons.then(|| match geometry {
        Geometry::Polygon(p) => geo::MultiPolygon(vec![p]),
        Geometry::MultiPolygon(m) => m,
        _ => geo::MultiPolygon(Vec::new()),
    });
    Ok(([p.x(), p.y()], polygon, shape))
}

/// The member of a multipoint nearest the members' mean.
fn medoid(m: &geo::MultiPoint) -> Option<geo::Point> {
    let n = m.0.len() as f64;
    let (sx, sy) =
        m.0.iter()
            .fold((0.0, 0.0), |(x, y), p| (x + p.x(), y + p.y()));
    let mean = geo::Point::new(sx / n, sy / n);
    let d = |p: &geo::Point| (p.x() - mean.x()).powi(2) + (p.y() - mean.y()).powi(2);
    m.0.iter().copied().min_by(|a, b| d(a).total_cmp(&d(b)))
}

/// Every column but the geometry and the feature id of every feature of a layer, as JSON values (for
/// `read_properties`).
pub(crate) fn gpkg_properties(
    path: &Path,
    bytes: &[u8],
    layer: Option<&str>,
) -> Result<Vec<serde_json::Map<String, Value>>> {
    let db = open(path, bytes)?;
    let table = choose(path, feature_tables(path, &db)?, layer)?;
    let sql_error = |e: rusqlite::Error| Error::Format {
        path: path.to_path_buf(),
        message: format!("layer {}: {e}", quoted(&table.name)),
    };
    let mut stmt = db
        .prepare(&format!("SELECT * FROM {}", ident(&table.name)))
        .map_err(sql_error)?;
    let names = column_names(path, &db, &table.name)?;
    // The feature id is the row's identity, as a GeoJSON feature's `id` is: not a property.
    let fid = primary_key(&db, &table.name);
    let mut rows = stmt.query([]).map_err(sql_error)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(sql_error)? {
        let mut map = serde_json::Map::new();
        for (c, name) in names.iter().enumerate() {
            if name.eq_ignore_ascii_case(&table.geometry) || fid.as_ref() == Some(name) {
                continue;
            }
            let value = match row.get_ref(c).map_err(sql_error)? {
                ValueRef::Integer(i) => Value::from(i),
                ValueRef::Real(x) => Value::from(x),
                ValueRef::Text(t) => Value::from(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Null | ValueRef::Blob(_) => Value::Null,
            };
            map.insert(name.clone(), value);
        }
        out.push(map);
    }
    Ok(out)
}

/// The column names of `table`, in `SELECT *` order. Read through `PRAGMA table_info` as
/// bytes: rusqlite's own `column_names` panics on a name that is not UTF-8 (found by the
/// long mutation run), where this is an error naming the file.
fn column_names(path: &Path, db: &rusqlite::Connection, table: &str) -> Result<Vec<String>> {
    let bad = |message: String| Error::Format {
        path: path.to_path_buf(),
        message: format!("layer {}: {message}", quoted(table)),
    };
    let mut stmt = (db.prepare(&format!("PRAGMA table_info({})", ident(table))))
        .map_err(|e| bad(e.to_string()))?;
    let mut rows = stmt.query([]).map_err(|e| bad(e.to_string()))?;
    let mut names = Vec::new();
    while let Some(row) = rows.next().map_err(|e| bad(e.to_string()))? {
        let raw = row.get_ref(1).map_err(|e| bad(e.to_string()))?;
        let bytes = raw.as_bytes().map_err(|e| bad(e.to_string()))?;
        let name = std::str::from_utf8(bytes).map_err(|_| {
            bad(format!(
                "column name {:?} is not UTF-8",
                String::from_utf8_lossy(bytes)
            ))
        })?;
        names.push(name.to_string());
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A column name that is not UTF-8 (one byte of the schema changed, as the long mutation
    /// run found) is an error naming the file, not a panic inside rusqlite.
    #[test]
    fn a_column_name_that_is_not_utf8_is_an_error() {
        let fixture = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/bad/several_layers.gpkg"
        );
        let mut bytes = std::fs::read(fixture).unwrap();
        let create: &[u8] = b"CREATE TABLE \"compounds\" (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom POINT, \"id\"";
        let at = (bytes.windows(create.len()))
            .position(|w| w == create)
            .expect("the schema");
        bytes[at + create.len() - 2] = 0xFF;
        let path = Path::new("mutated.gpkg:compounds");
        let err = crate::io::parse_points(path, bytes, &ReadOptions::default()).unwrap_err();
        assert!(err.to_string().contains("is not UTF-8"), "{err}");
    }
}
