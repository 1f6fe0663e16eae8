//! CSV reader: a header row, coordinate columns detected by name (English or Chinese) or named
//! by flags, UTF-8 with or without BOM or GBK as Excel writes it on Chinese Windows.

use std::path::Path;

use super::layer::{Encoding, FieldMatcher, LayerFormat, PointLayer, ReadOptions, Scalar};
use crate::error::{Error, Result, clip, quoted};

const LON_NAMES: &[&str] = &["lon", "lng", "long", "longitude", "x", "经度", "easting"];
const LAT_NAMES: &[&str] = &["lat", "latitude", "y", "纬度", "northing"];

/// Decodes CSV bytes to text: strips a UTF-8 BOM; falls back to GBK in `Auto` mode when the
/// bytes are not UTF-8.
pub(crate) fn decode(path: &Path, bytes: Vec<u8>, encoding: Encoding) -> Result<String> {
    let utf8 = |bytes: Vec<u8>| -> std::result::Result<String, Vec<u8>> {
        let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
            Some(rest) => rest.to_vec(),
            None => bytes,
        };
        String::from_utf8(bytes).map_err(|e| e.into_bytes())
    };
    match encoding {
        Encoding::Utf8 => utf8(bytes).map_err(|_| Error::Format {
            path: path.to_path_buf(),
            message: "file is not valid UTF-8; if Excel saved it on Chinese Windows, pass \
                      --encoding gbk"
                .into(),
        }),
        Encoding::Gbk => Ok(encoding_rs::GBK.decode(&bytes).0.into_owned()),
        Encoding::Auto => match utf8(bytes) {
            Ok(s) => Ok(s),
            Err(bytes) => Ok(encoding_rs::GBK.decode(&bytes).0.into_owned()),
        },
    }
}

fn find_column(headers: &[String], wanted: &Option<String>, names: &[&str]) -> Option<usize> {
    match wanted {
        Some(w) => headers
            .iter()
            .position(|h| h == w)
            .or_else(|| headers.iter().position(|h| h.eq_ignore_ascii_case(w))),
        None => names.iter().find_map(|n| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(n))
        }),
    }
}

/// The field delimiter, guessed from the header line: tab or semicolon when the header has
/// more of those than commas (tab-separated exports, European spreadsheets), else comma.
fn sniff_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let count = |c: char| header.matches(c).count();
    let commas = count(',');
    if count('\t') > commas {
        b'\t'
    } else if count(';') > commas {
        b';'
    } else {
        b','
    }
}

/// The longitude and latitude columns: named by flags, else detected by name.
fn coordinate_columns(
    path: &Path,
    headers: &[String],
    options: &ReadOptions,
) -> Result<(usize, usize)> {
    match (
        find_column(headers, &options.lon_field, LON_NAMES),
        find_column(headers, &options.lat_field, LAT_NAMES),
    ) {
        (Some(x), Some(y)) => Ok((x, y)),
        _ => Err(Error::Format {
            path: path.to_path_buf(),
            message: format!(
                "no coordinate columns: looked for {} and {} among the header [{}]; name \
                 them with --lon-field and --lat-field",
                options
                    .lon_field
                    .as_deref()
                    .unwrap_or("lon/lng/longitude/x/经度"),
                options
                    .lat_field
                    .as_deref()
                    .unwrap_or("lat/latitude/y/纬度"),
                clip(&headers.join(", "))
            ),
        }),
    }
}

pub(crate) fn read_csv(path: &Path, bytes: Vec<u8>, options: &ReadOptions) -> Result<PointLayer> {
    let text = decode(path, bytes, options.encoding)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .delimiter(sniff_delimiter(&text))
        .from_reader(text.as_bytes());
    let csv_error = |e: csv::Error| {
        let item = e
            .position()
            .map(|p| format!("row {}", p.line()))
            .unwrap_or_else(|| "header".into());
        Error::Item {
            path: path.to_path_buf(),
            item,
            message: clip(&e.to_string()).into_owned(),
        }
    };
    let headers: Vec<String> = reader
        .headers()
        .map_err(csv_error)?
        .iter()
        .map(str::to_string)
        .collect();
    let (lon_col, lat_col) = coordinate_columns(path, &headers, options)?;
    let matcher = FieldMatcher::new(options);
    let id_col = headers
        .iter()
        .enumerate()
        .filter_map(|(c, h)| matcher.id_rank(h.trim()).map(|r| (r, c)))
        .min()
        .map(|(_, c)| c);
    let nfields = options.fields.len();
    // For each wanted field, the best-ranked header that names it.
    let mut field_cols: Vec<Option<(usize, usize)>> = vec![None; nfields];
    for (c, h) in headers.iter().enumerate() {
        if let Some((f, rank)) = matcher.lookup(h)
            && field_cols[f].is_none_or(|(_, r)| rank < r)
        {
            field_cols[f] = Some((c, rank));
        }
    }
    let mut layer = PointLayer {
        path: path.to_path_buf(),
        format: LayerFormat::Csv,
        ids: Vec::new(),
        generated: Vec::new(),
        id_field: id_col.map(|c| headers[c].clone()),
        declared_crs: None,
        crs: None,
        lonlat: Vec::new(),
        columns: vec![Vec::new(); nfields],
        column_names: field_cols
            .iter()
            .map(|c| c.map(|(c, _)| headers[c].clone()))
            .collect(),
        polygons: 0,
    };
    let columns = Columns {
        lon: lon_col,
        lat: lat_col,
        id: id_col,
        fields: field_cols,
    };
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(csv_error)? {
        // Spreadsheets often leave rows of empty cells at the end: they are not features.
        if record.iter().all(str::is_empty) {
            continue;
        }
        push_row(&mut layer, &record, &columns, &headers)?;
    }
    // A header with no value under it counts as absent, as a missing GeoJSON property does.
    for (name, column) in layer.column_names.iter_mut().zip(&layer.columns) {
        if column.iter().all(Option::is_none) {
            *name = None;
        }
    }
    Ok(layer)
}

/// Where a CSV file keeps what a layer needs.
struct Columns {
    lon: usize,
    lat: usize,
    id: Option<usize>,
    /// For each wanted field, its column and the rank of the name that matched.
    fields: Vec<Option<(usize, usize)>>,
}

/// Appends one data row to `layer`.
fn push_row(
    layer: &mut PointLayer,
    record: &csv::StringRecord,
    columns: &Columns,
    headers: &[String],
) -> Result<()> {
    let row = record.position().map(|p| p.line()).unwrap_or(0);
    let id = columns
        .id
        .and_then(|c| record.get(c))
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let label = match &id {
        Some(id) => format!("row {row} (id {})", quoted(id)),
        None => format!("row {row}"),
    };
    let coordinate = |c: usize| -> Result<f64> {
        let cell = record.get(c).unwrap_or("");
        cell.parse::<f64>().map_err(|_| Error::Item {
            path: layer.path.clone(),
            item: label.clone(),
            message: format!("{} {} is not a number", clip(&headers[c]), quoted(cell)),
        })
    };
    let lon = coordinate(columns.lon)?;
    let lat = coordinate(columns.lat)?;
    layer.lonlat.push([lon, lat]);
    match id {
        Some(id) => layer.ids.push(id),
        None => {
            layer.generated.push(layer.ids.len());
            layer.ids.push((layer.lonlat.len()).to_string());
        }
    }
    for (f, col) in columns.fields.iter().enumerate() {
        let value = col
            .and_then(|(c, _)| record.get(c))
            .filter(|s| !s.is_empty())
            .map(|s| Scalar::Text(s.to_string()));
        layer.columns[f].push(value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn read_bytes(bytes: &[u8], options: &ReadOptions) -> Result<PointLayer> {
        let mut f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        f.write_all(bytes).unwrap();
        read_csv(f.path(), bytes.to_vec(), options)
    }

    fn options() -> ReadOptions {
        ReadOptions {
            fields: vec![
                vec!["population".into(), "人口".into()],
                vec!["street".into()],
            ],
            ..ReadOptions::default()
        }
    }

    #[test]
    fn detects_chinese_headers_with_bom() {
        let text =
            "\u{FEFF}id,经度,纬度,人口,street\nA,117.1,31.8,120,杏林\nB,117.2,31.9,,逍遥津\n";
        let layer = read_bytes(text.as_bytes(), &options()).unwrap();
        assert_eq!(layer.ids, vec!["A", "B"]);
        assert_eq!(layer.lonlat[1], [117.2, 31.9]);
        assert_eq!(layer.columns[0][0], Some(Scalar::Text("120".into())));
        assert_eq!(layer.columns[0][1], None);
        assert_eq!(layer.columns[1][1], Some(Scalar::Text("逍遥津".into())));
        assert_eq!(layer.column_names[0].as_deref(), Some("人口"));
    }

    #[test]
    fn reads_gbk_as_excel_writes_it() {
        let text = "编号,经度,纬度,人口\n1,117.1,31.8,5\n";
        let (bytes, _, _) = encoding_rs::GBK.encode(text);
        let layer = read_bytes(&bytes, &options()).unwrap();
        assert_eq!(layer.lonlat[0], [117.1, 31.8]);
        assert_eq!(layer.columns[0][0], Some(Scalar::Text("5".into())));
        let strict = ReadOptions {
            encoding: Encoding::Utf8,
            ..options()
        };
        assert!(read_bytes(&bytes, &strict).is_err());
    }

    #[test]
    fn missing_coordinate_columns_list_the_header() {
        let err = read_bytes(b"id,a,b\n1,2,3\n", &options()).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("no coordinate columns") && msg.contains("[id, a, b]"),
            "{msg}"
        );
    }

    #[test]
    fn non_numeric_coordinate_names_row_and_value() {
        let err = read_bytes(b"id,lon,lat\n1,117,31\n2,abc,31\n", &options()).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("row 3 (id \"2\")") && msg.contains("\"abc\""),
            "{msg}"
        );
    }

    #[test]
    fn tab_and_semicolon_files_and_blank_rows() {
        let layer = read_bytes(b"id\tlon\tlat\na\t117.1\t31.8\n", &options()).unwrap();
        assert_eq!(layer.lonlat[0], [117.1, 31.8]);
        let layer = read_bytes(b"id;lon;lat\na;117.1;31.8\n;;\n", &options()).unwrap();
        assert_eq!(layer.len(), 1);
    }

    #[test]
    fn named_columns_override_detection() {
        let o = ReadOptions {
            lon_field: Some("E".into()),
            lat_field: Some("N".into()),
            ..options()
        };
        let layer = read_bytes(b"x,y,E,N\n1,2,117,31\n", &o).unwrap();
        assert_eq!(layer.lonlat[0], [117.0, 31.0]);
    }
}
