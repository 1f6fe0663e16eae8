//! Lists of ids a user hands over in a file (`--close NAME=FILE`, `--require FILE`): a
//! GeoJSON or CSV layer (its id field), or plain text with one id per line.

use std::path::Path;

use super::layer::{LayerFormat, ReadOptions, read_points};
use crate::error::{Error, Result};

/// The ids a file lists, in file order: a GeoJSON layer's feature ids; a CSV file's id
/// column (`id`, `编号`, `code`, any case) or its only column; plain text, one id a line
/// (commas separate ids too). Blank entries are skipped.
///
/// # Errors
/// An unreadable file, a GeoJSON layer that does not read, a CSV file with several columns
/// and none named as an id, a file with no ids.
pub fn read_id_list(path: &Path) -> Result<Vec<String>> {
    let bytes = super::read_input(path)?;
    let ids = match LayerFormat::detect(path, &bytes) {
        LayerFormat::GeoJson | LayerFormat::Shapefile | LayerFormat::GeoPackage => {
            let options = ReadOptions::default();
            drop(bytes);
            read_points(path, &options)?.ids
        }
        LayerFormat::Csv => text_ids(path, &bytes)?,
    };
    if ids.is_empty() {
        return Err(Error::Format {
            path: path.to_path_buf(),
            message: "lists no ids".into(),
        });
    }
    Ok(ids)
}

fn text_ids(path: &Path, bytes: &[u8]) -> Result<Vec<String>> {
    let text = String::from_utf8_lossy(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes));
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let Some(first) = lines.next() else {
        return Ok(Vec::new());
    };
    let header: Vec<&str> = first.split(',').map(str::trim).collect();
    let id_col = header
        .iter()
        .position(|h| super::ID_NAMES.iter().any(|n| h.eq_ignore_ascii_case(n)));
    let rest: Vec<&str> = lines.collect();
    if rest.iter().all(|l| !l.contains(',')) && header.len() == 1 {
        // One id a line; a first line naming the column is a header.
        let mut ids: Vec<String> = Vec::new();
        if id_col.is_none() {
            ids.push(header[0].to_string());
        }
        ids.extend(rest.iter().map(|l| l.trim().to_string()));
        return Ok(ids);
    }
    let Some(col) = id_col else {
        if rest.is_empty() {
            // One line of comma-separated ids.
            return Ok(header
                .iter()
                .filter(|h| !h.is_empty())
                .map(|h| h.to_string())
                .collect());
        }
        return Err(Error::Format {
            path: path.to_path_buf(),
            message: format!(
                "no id column among {}: name one `id` (or give one id a line)",
                header.join(", ")
            ),
        });
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut ids = Vec::new();
    for record in reader.records().flatten() {
        if let Some(v) = record.get(col).map(str::trim).filter(|v| !v.is_empty()) {
            ids.push(v.to_string());
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids_of(name: &str, text: &str) -> Result<Vec<String>> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        read_id_list(&p)
    }

    #[test]
    fn reads_lines_csv_columns_and_geojson_ids() {
        assert_eq!(ids_of("a.txt", "S1\nS2\n\n").unwrap(), ["S1", "S2"]);
        assert_eq!(ids_of("a.txt", "id\nS1\nS2\n").unwrap(), ["S1", "S2"]);
        assert_eq!(
            ids_of("a.csv", "name,ID,x\nA,S1,1\nB,S2,2\n").unwrap(),
            ["S1", "S2"]
        );
        assert_eq!(ids_of("a.txt", "S1, S2,S3").unwrap(), ["S1", "S2", "S3"]);
        let gj = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"K7"},"geometry":{"type":"Point","coordinates":[117.2,31.8]}}]}"#;
        assert_eq!(ids_of("k.geojson", gj).unwrap(), ["K7"]);
        let e = ids_of("a.csv", "name,x\nA,1\n").unwrap_err().to_string();
        assert!(e.contains("no id column among name, x"), "{e}");
        assert!(ids_of("a.txt", "\n\n").is_err());
    }
}
