//! Writing a run's outputs as one GeoPackage: each GeoJSON layer the run writes becomes a
//! feature table of the same name (WGS84, EPSG:4326), its properties typed columns; the other
//! files (summary.json, the CSV tables) are kept verbatim in an attributes table.

use std::path::PathBuf;

use rusqlite::{Connection, params_from_iter};
use serde_json::Value;

use crate::error::{Error, Result};

/// The attributes table holding the run's non-layer files.
pub const FILES_TABLE: &str = "circleplan_files";

/// The table QGIS reads a layer's default style from (its own convention, also GDAL's).
pub const STYLES_TABLE: &str = "layer_styles";

/// A fixed `last_change` so that the same run writes the same bytes.
const LAST_CHANGE: &str = "2000-01-01T00:00:00.000Z";

/// The SQL type of a column, widened as values are seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum ColumnType {
    Boolean,
    Integer,
    Real,
    Text,
}

/// One GeoJSON layer parsed for writing.
struct Layer {
    name: String,
    features: Vec<Value>,
    columns: Vec<(String, ColumnType)>,
    geometry_type: &'static str,
}

/// Builds a GeoPackage from `layers` (table name, GeoJSON FeatureCollection bytes), their
/// `styles` (table name, QGIS `.qml` text) and `files` (name, content) and returns its bytes.
///
/// # Errors
/// A layer that is not a GeoJSON FeatureCollection, or an SQLite failure.
pub(crate) fn write_geopackage(
    layers: &[(String, Vec<u8>)],
    styles: &[(String, Vec<u8>)],
    files: &[(String, Vec<u8>)],
) -> Result<Vec<u8>> {
    let db = Connection::open_in_memory().map_err(|e| sql_error("(memory)", e))?;
    create_core_tables(&db).map_err(|e| sql_error("gpkg tables", e))?;
    for (name, bytes) in layers {
        let layer = parse_layer(name, bytes)?;
        write_layer(&db, &layer).map_err(|e| sql_error(name, e))?;
    }
    if !styles.is_empty() {
        write_styles(&db, styles).map_err(|e| sql_error(STYLES_TABLE, e))?;
    }
    write_files(&db, files).map_err(|e| sql_error(FILES_TABLE, e))?;
    let data = db
        .serialize(rusqlite::MAIN_DB)
        .map_err(|e| sql_error("(memory)", e))?;
    Ok(data.to_vec())
}

fn sql_error(what: &str, e: rusqlite::Error) -> Error {
    Error::Format {
        path: PathBuf::from(what),
        message: format!("cannot write the GeoPackage table: {e}"),
    }
}

/// The required GeoPackage tables, with the three required spatial reference systems.
fn create_core_tables(db: &Connection) -> rusqlite::Result<()> {
    db.execute_batch(
        "PRAGMA application_id = 1196444487; PRAGMA user_version = 10300;
         CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
           organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
           definition TEXT NOT NULL, description TEXT);
         CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY,
           data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '',
           last_change DATETIME NOT NULL, min_x DOUBLE, min_y DOUBLE, max_x DOUBLE,
           max_y DOUBLE, srs_id INTEGER,
           CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
         CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL,
           column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
           srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
           CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
           CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
           CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));",
    )?;
    let wgs84 = "GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,298.257223563,\
        AUTHORITY[\"EPSG\",\"7030\"]],AUTHORITY[\"EPSG\",\"6326\"]],PRIMEM[\"Greenwich\",0,\
        AUTHORITY[\"EPSG\",\"8901\"]],UNIT[\"degree\",0.0174532925199433,\
        AUTHORITY[\"EPSG\",\"9122\"]],AXIS[\"Latitude\",NORTH],AXIS[\"Longitude\",EAST],\
        AUTHORITY[\"EPSG\",\"4326\"]]";
    let mut insert =
        db.prepare("INSERT INTO gpkg_spatial_ref_sys VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
    insert.execute((
        "WGS 84 geodetic",
        4326,
        "EPSG",
        4326,
        wgs84,
        "longitude/latitude",
    ))?;
    insert.execute(("Undefined cartesian SRS", -1, "NONE", -1, "undefined", ""))?;
    insert.execute(("Undefined geographic SRS", 0, "NONE", 0, "undefined", ""))?;
    Ok(())
}

/// Parses a GeoJSON layer and types its columns (properties in order of first use).
fn parse_layer(name: &str, bytes: &[u8]) -> Result<Layer> {
    let bad = |message: String| Error::Format {
        path: PathBuf::from(format!("{name}.geojson")),
        message,
    };
    let value: Value = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
    let Some(Value::Array(features)) = value.get("features").cloned() else {
        return Err(bad("not a GeoJSON FeatureCollection".into()));
    };
    let mut columns: Vec<(String, ColumnType)> = Vec::new();
    let mut kinds: Vec<&str> = Vec::new();
    for f in &features {
        if let Some(Value::Object(props)) = f.get("properties") {
            for (key, v) in props {
                let Some(t) = column_type(v) else { continue };
                match columns.iter_mut().find(|(k, _)| k == key) {
                    Some((_, old)) => *old = widen(*old, t),
                    None => columns.push((key.clone(), t)),
                }
            }
        }
        let kind = f
            .pointer("/geometry/type")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    let geometry_type = match kinds.as_slice() {
        [one] => geometry_type_name(one),
        _ => "GEOMETRY",
    };
    Ok(Layer {
        name: name.to_string(),
        features,
        columns,
        geometry_type,
    })
}

fn column_type(v: &Value) -> Option<ColumnType> {
    Some(match v {
        Value::Null => return None,
        Value::Bool(_) => ColumnType::Boolean,
        Value::Number(n) if n.is_i64() || n.is_u64() => ColumnType::Integer,
        Value::Number(_) => ColumnType::Real,
        _ => ColumnType::Text,
    })
}

/// The narrowest type holding values of both types.
fn widen(a: ColumnType, b: ColumnType) -> ColumnType {
    use ColumnType::*;
    match (a.min(b), a.max(b)) {
        (x, y) if x == y => x,
        (Integer, Real) => Real,
        _ => Text,
    }
}

fn geometry_type_name(kind: &str) -> &'static str {
    match kind {
        "Point" => "POINT",
        "LineString" => "LINESTRING",
        "Polygon" => "POLYGON",
        "MultiPoint" => "MULTIPOINT",
        "MultiLineString" => "MULTILINESTRING",
        "MultiPolygon" => "MULTIPOLYGON",
        _ => "GEOMETRY",
    }
}

/// The SQL column names of `keys`: as written, but SQLite names ignore case, so `fid`, `geom`
/// and a key equal to an earlier one but for case get a `_2`, `_3`, … suffix.
fn column_names(keys: &[(String, ColumnType)]) -> Vec<String> {
    let mut taken: Vec<String> = vec!["fid".into(), "geom".into()];
    keys.iter()
        .map(|(key, _)| {
            let mut name = key.clone();
            let mut n = 1;
            while taken.contains(&name.to_lowercase()) {
                n += 1;
                name = format!("{key}_{n}");
            }
            taken.push(name.to_lowercase());
            name
        })
        .collect()
}

fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Creates, registers and fills one feature table.
fn write_layer(db: &Connection, layer: &Layer) -> rusqlite::Result<()> {
    let sql_type = |t: ColumnType| match t {
        ColumnType::Boolean => "BOOLEAN",
        ColumnType::Integer => "INTEGER",
        ColumnType::Real => "REAL",
        ColumnType::Text => "TEXT",
    };
    let mut create = format!(
        "CREATE TABLE {} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom {}",
        ident(&layer.name),
        layer.geometry_type
    );
    let columns = column_names(&layer.columns);
    for (name, (_, t)) in columns.iter().zip(&layer.columns) {
        create.push_str(&format!(", {} {}", ident(name), sql_type(*t)));
    }
    create.push(')');
    db.execute(&create, [])?;
    let names: String = std::iter::once("geom".to_string())
        .chain(columns.iter().map(|name| ident(name)))
        .collect::<Vec<_>>()
        .join(", ");
    let marks: String = (1..=layer.columns.len() + 1)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut insert = db.prepare(&format!(
        "INSERT INTO {} ({names}) VALUES ({marks})",
        ident(&layer.name)
    ))?;
    let mut bbox = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    db.execute_batch("BEGIN")?;
    for f in &layer.features {
        let mut row: Vec<rusqlite::types::Value> =
            vec![geometry_blob(f.get("geometry"), &mut bbox)];
        for (key, t) in &layer.columns {
            row.push(sql_value(
                f.pointer(&format!("/properties/{}", pointer_key(key))),
                *t,
            ));
        }
        insert.execute(params_from_iter(row))?;
    }
    db.execute_batch("COMMIT")?;
    let bbox: Vec<Option<f64>> = bbox.iter().map(|v| v.is_finite().then_some(*v)).collect();
    db.execute(
        "INSERT INTO gpkg_contents VALUES (?1, 'features', ?1, '', ?2, ?3, ?4, ?5, ?6, 4326)",
        (&layer.name, LAST_CHANGE, bbox[0], bbox[1], bbox[2], bbox[3]),
    )?;
    db.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?1, 'geom', ?2, 4326, 0, 0)",
        (&layer.name, layer.geometry_type),
    )?;
    Ok(())
}

/// A property key escaped for a JSON pointer.
fn pointer_key(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// A property value as stored in a column of type `t`.
fn sql_value(v: Option<&Value>, t: ColumnType) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match (v, t) {
        (None | Some(Value::Null), _) => V::Null,
        (Some(Value::Bool(b)), ColumnType::Boolean) => V::Integer(*b as i64),
        (Some(Value::Number(n)), ColumnType::Integer) => n.as_i64().map_or(V::Null, V::Integer),
        (Some(Value::Number(n)), ColumnType::Real) => n.as_f64().map_or(V::Null, V::Real),
        (Some(Value::String(s)), _) => V::Text(s.clone()),
        (Some(other), _) => V::Text(other.to_string()),
    }
}

/// A GeoPackage geometry blob (`GP` header, SRS 4326, xy envelope, little-endian WKB);
/// NULL for a missing or unwritable geometry.
fn geometry_blob(geometry: Option<&Value>, layer_bbox: &mut [f64; 4]) -> rusqlite::types::Value {
    let Some(g) = geometry.filter(|g| !g.is_null()) else {
        return rusqlite::types::Value::Null;
    };
    let mut wkb = Vec::new();
    let mut bbox = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    if super::wkb::write_wkb(g, &mut wkb, &mut bbox).is_none() {
        return rusqlite::types::Value::Null;
    }
    let mut blob = Vec::with_capacity(40 + wkb.len());
    blob.extend(b"GP");
    blob.push(0);
    let has_envelope = bbox[0].is_finite();
    // Little-endian header; envelope [minx, maxx, miny, maxy] when there are coordinates,
    // else the empty-geometry flag.
    blob.push(if has_envelope {
        0b0000_0011
    } else {
        0b0001_0001
    });
    blob.extend(4326i32.to_le_bytes());
    if has_envelope {
        for v in [bbox[0], bbox[2], bbox[1], bbox[3]] {
            blob.extend(v.to_le_bytes());
        }
        *layer_bbox = [
            layer_bbox[0].min(bbox[0]),
            layer_bbox[1].min(bbox[1]),
            layer_bbox[2].max(bbox[2]),
            layer_bbox[3].max(bbox[3]),
        ];
    }
    blob.extend(wkb);
    rusqlite::types::Value::Blob(blob)
}

/// The layers' QGIS styles as rows of [`STYLES_TABLE`], each the default style of its
/// table, in the columns QGIS creates the table with.
fn write_styles(db: &Connection, styles: &[(String, Vec<u8>)]) -> rusqlite::Result<()> {
    db.execute(
        &format!(
            "CREATE TABLE {STYLES_TABLE} (id INTEGER PRIMARY KEY AUTOINCREMENT, \
             f_table_catalog TEXT, f_table_schema TEXT, f_table_name TEXT, \
             f_geometry_column TEXT, styleName TEXT, styleQML TEXT, styleSLD TEXT, \
             useAsDefault BOOLEAN, description TEXT, owner TEXT, ui TEXT, \
             update_time DATETIME DEFAULT CURRENT_TIMESTAMP)"
        ),
        [],
    )?;
    for (table, qml) in styles {
        db.execute(
            &format!(
                "INSERT INTO {STYLES_TABLE} (f_table_catalog, f_table_schema, f_table_name, \
                 f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, \
                 owner, ui, update_time) \
                 VALUES ('', '', ?1, 'geom', ?1, ?2, '', 1, ?3, '', NULL, ?4)"
            ),
            (
                table,
                String::from_utf8_lossy(qml),
                "circleplan: the report's colours",
                LAST_CHANGE,
            ),
        )?;
    }
    db.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change) \
         VALUES (?1, 'attributes', ?1, 'QGIS default styles of the layers', ?2)",
        (STYLES_TABLE, LAST_CHANGE),
    )?;
    Ok(())
}

/// The run's other files in the attributes table [`FILES_TABLE`].
fn write_files(db: &Connection, files: &[(String, Vec<u8>)]) -> rusqlite::Result<()> {
    db.execute(
        &format!("CREATE TABLE {FILES_TABLE} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, name TEXT NOT NULL UNIQUE, content TEXT NOT NULL)"),
        [],
    )?;
    for (name, bytes) in files {
        // Text files as TEXT, a workbook (lifecircle.xlsx) as a BLOB.
        let content = match std::str::from_utf8(bytes) {
            Ok(text) => rusqlite::types::Value::Text(text.to_string()),
            Err(_) => rusqlite::types::Value::Blob(bytes.clone()),
        };
        db.execute(
            &format!("INSERT INTO {FILES_TABLE} (name, content) VALUES (?1, ?2)"),
            (name, content),
        )?;
    }
    db.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change) \
         VALUES (?1, 'attributes', ?1, 'the run''s summary.json, CSV tables and workbook, verbatim', ?2)",
        (FILES_TABLE, LAST_CHANGE),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_round_trip_through_the_reader() {
        let compounds = br#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"id":"C1","population":120,"share":0.5,"covered":true,"name":"\u5c0f\u533a"},"geometry":{"type":"Point","coordinates":[117.1,31.8]}},
          {"type":"Feature","properties":{"id":"C2","population":80,"share":1,"covered":false,"name":null},"geometry":{"type":"Point","coordinates":[117.2,31.9]}}]}"#;
        let bytes = write_geopackage(
            &[("compounds".into(), compounds.to_vec())],
            &[],
            &[("summary.json".into(), b"{}".to_vec())],
        )
        .unwrap();
        let path = std::path::Path::new("out.gpkg");
        let options = crate::io::ReadOptions {
            fields: vec![
                vec!["population".into()],
                vec!["share".into()],
                vec!["name".into()],
            ],
            ..crate::io::ReadOptions::default()
        };
        let layer = super::super::gpkg::read_gpkg(path, &bytes, None, &options).unwrap();
        assert_eq!(layer.ids, ["C1", "C2"]);
        assert_eq!(layer.lonlat, [[117.1, 31.8], [117.2, 31.9]]);
        assert_eq!(layer.columns[0][1], Some(crate::io::Scalar::Num(80.0)));
        assert_eq!(layer.columns[1][1], Some(crate::io::Scalar::Num(1.0)));
        assert_eq!(
            layer.columns[2][0],
            Some(crate::io::Scalar::Text("小区".into()))
        );
        assert_eq!(layer.columns[2][1], None);
        assert_eq!(layer.declared_crs, None);
    }

    #[test]
    fn styles_are_the_default_rows_of_layer_styles() {
        let layer = br#"{"type":"FeatureCollection","features":[{"type":"Feature",
          "properties":{"covered":true},"geometry":{"type":"Point","coordinates":[1.0,2.0]}}]}"#;
        let qml = b"<qgis/>".to_vec();
        let bytes = write_geopackage(
            &[("compounds".into(), layer.to_vec())],
            &[("compounds".into(), qml)],
            &[],
        )
        .unwrap();
        let again = write_geopackage(
            &[("compounds".into(), layer.to_vec())],
            &[("compounds".into(), b"<qgis/>".to_vec())],
            &[],
        )
        .unwrap();
        assert_eq!(bytes, again, "not byte-identical");
        let mut db = Connection::open_in_memory().unwrap();
        db.deserialize_read_exact(rusqlite::MAIN_DB, &bytes[..], bytes.len(), true)
            .unwrap();
        let row: (String, String, String, bool, String) = db
            .query_row(
                "SELECT f_table_name, f_geometry_column, styleQML, useAsDefault, update_time \
                 FROM layer_styles",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .unwrap();
        assert_eq!(
            row,
            (
                "compounds".into(),
                "geom".into(),
                "<qgis/>".into(),
                true,
                LAST_CHANGE.into()
            )
        );
        let kind: String = db
            .query_row(
                "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(kind, "attributes");
    }

    #[test]
    fn keys_equal_but_for_case_get_their_own_columns() {
        let keys: Vec<(String, ColumnType)> = ["id", "ID", "fid", "Id_2", "geom"]
            .iter()
            .map(|k| (k.to_string(), ColumnType::Text))
            .collect();
        assert_eq!(
            column_names(&keys),
            ["id", "ID_2", "fid_2", "Id_2_2", "geom_2"]
        );
        let layer = br#"{"type":"FeatureCollection","features":[{"type":"Feature",
          "properties":{"id":"a","ID":"b"},"geometry":{"type":"Point","coordinates":[1.0,2.0]}}]}"#;
        write_geopackage(&[("sites".into(), layer.to_vec())], &[], &[]).unwrap();
    }

    #[test]
    fn street_lines_read_as_from_geojson() {
        let streets = br#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"name":"a","Bridge":"yes"},"geometry":{"type":"LineString","coordinates":[[117.1,31.8],[117.11,31.8]]}},
          {"type":"Feature","properties":{"layer":-1},"geometry":{"type":"MultiLineString","coordinates":[[[117.11,31.8],[117.11,31.81]],[[117.1,31.8],[117.1,31.81]]]}}]}"#;
        let bytes = write_geopackage(&[("streets".into(), streets.to_vec())], &[], &[]).unwrap();
        let path = std::path::Path::new("streets.gpkg");
        let from_gpkg = super::super::gpkg::read_gpkg_lines(path, &bytes, None).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("streets.geojson");
        std::fs::write(&json, streets).unwrap();
        let from_json = crate::io::read_streets(&json).unwrap();
        assert_eq!(from_gpkg.lonlat, from_json.lonlat);
        assert_eq!(from_gpkg.lines, from_json.lines);
        assert_eq!(from_gpkg.lines.len(), 3);
        assert_eq!(from_gpkg.layers, from_json.layers);
        assert_eq!(from_gpkg.layers, [1, -1, -1]);
    }
}
