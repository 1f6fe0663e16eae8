//! Every property of every feature of a small layer, as written, for outputs that must carry
//! the input's own fields (a chosen candidate's name, address and level in `sites.geojson`).

use std::path::Path;

use serde_json::{Map, Value};

use super::layer::{Encoding, LayerFormat};
use crate::error::{Error, Result};

/// The properties of each feature (GeoJSON, GeoPackage), record (Shapefile) or row (CSV;
/// numbers as numbers, the rest as text), in file order — the order the point readers keep.
///
/// # Errors
/// An unreadable file or one that is not a GeoJSON FeatureCollection or a CSV file.
pub fn read_properties(path: &Path, encoding: Encoding) -> Result<Vec<Map<String, Value>>> {
    let bytes = super::read_input(path)?;
    parse_properties(path, bytes, encoding)
}

/// [`read_properties`] on a file's bytes already in memory (`path` names it in messages; a
/// Shapefile's `.dbf` is still read beside it).
///
/// # Errors
/// As [`read_properties`].
pub fn parse_properties(
    path: &Path,
    bytes: impl Into<super::InputBytes>,
    encoding: Encoding,
) -> Result<Vec<Map<String, Value>>> {
    let bytes: super::InputBytes = bytes.into();
    if let Some((file, layer)) = super::layer::split_gpkg_layer(path) {
        return super::gpkg::gpkg_properties(&file, &bytes, Some(&layer));
    }
    match LayerFormat::detect(path, &bytes) {
        LayerFormat::Shapefile => super::shp::shapefile_properties(path, encoding),
        LayerFormat::GeoPackage => super::gpkg::gpkg_properties(path, &bytes, None),
        LayerFormat::GeoJson => geojson_properties(path, &bytes),
        LayerFormat::Csv => csv_properties(
            path,
            super::csv_read::decode(path, bytes.into_vec(), encoding)?.0,
        ),
    }
}

fn geojson_properties(path: &Path, bytes: &[u8]) -> Result<Vec<Map<String, Value>>> {
    let bad = |message: String| Error::Format {
        path: path.to_path_buf(),
        message,
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| bad(format!("malformed JSON: {e}")))?;
    let features = match &value {
        Value::Object(o) => o.get("features").and_then(Value::as_array),
        _ => None,
    }
    .ok_or_else(|| bad("not a GeoJSON FeatureCollection".into()))?;
    Ok(features
        .iter()
        .map(|f| match f.get("properties") {
            Some(Value::Object(p)) => p.clone(),
            _ => Map::new(),
        })
        .collect())
}

fn csv_properties(path: &Path, text: String) -> Result<Vec<Map<String, Value>>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| Error::Format {
            path: path.to_path_buf(),
            message: format!("unreadable header: {e}"),
        })?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let Ok(record) = record else { continue };
        let row = headers
            .iter()
            .zip(record.iter())
            .map(|(h, v)| (h.clone(), cell(v)))
            .collect();
        rows.push(row);
    }
    Ok(rows)
}

/// A CSV cell as JSON: a plain decimal number as a number, anything else as text.
fn cell(v: &str) -> Value {
    let t = v.trim();
    let plain = !t.is_empty()
        && t.bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
        && !(t.len() > 1 && t.starts_with('0') && !t.starts_with("0."));
    if plain {
        if let Ok(i) = t.parse::<i64>() {
            return Value::from(i);
        }
        if let Some(n) = t.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
            return Value::Number(n);
        }
    }
    Value::String(v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_geojson_and_csv_properties_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let g = dir.path().join("k.geojson");
        std::fs::write(&g, r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"K1","name":"甲","area":12.5},"geometry":null},{"type":"Feature","properties":null,"geometry":null}]}"#).unwrap();
        let p = read_properties(&g, Encoding::Auto).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0]["name"], "甲");
        assert_eq!(p[0]["area"], 12.5);
        assert!(p[1].is_empty());
        let c = dir.path().join("k.csv");
        std::fs::write(&c, "id,name,lon,lat,code\nK1,东门,117.2,31.8,007\n").unwrap();
        let p = read_properties(&c, Encoding::Auto).unwrap();
        assert_eq!(p[0]["name"], "东门");
        assert_eq!(p[0]["lon"], 117.2);
        assert_eq!(p[0]["code"], "007", "leading zeros stay text");
    }
}
