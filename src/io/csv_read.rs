//! CSV reader: a header row, coordinate columns detected by name (English or Chinese) or named
//! by flags, UTF-8 with or without BOM or GBK as Excel writes it on Chinese Windows.

use std::path::Path;

use super::layer::{Encoding, FieldMatcher, LayerFormat, PointLayer, ReadOptions, Scalar};
use crate::error::{Error, Result, clip, quoted};

const LON_NAMES: &[&str] = &["lon", "lng", "long", "longitude", "x", "经度", "easting"];
const LAT_NAMES: &[&str] = &["lat", "latitude", "y", "纬度", "northing"];

/// Decodes CSV bytes to text and names the encoding used (`utf-8`, `gbk`, `utf-16le`,
/// `utf-16be`): strips a byte-order mark; reads UTF-16 (with a BOM, or without one when NUL
/// bytes give it away); in `Auto` mode falls back to GBK only when the bytes do not look like
/// UTF-8 with a few stray bytes (those are an error naming the first one's row and offset).
pub(crate) fn decode(
    path: &Path,
    bytes: Vec<u8>,
    encoding: Encoding,
) -> Result<(String, &'static str)> {
    if let Some(utf16) = utf16(&bytes) {
        let name = if utf16 == encoding_rs::UTF_16LE {
            "utf-16le"
        } else {
            "utf-16be"
        };
        let (text, _) = utf16.decode_with_bom_removal(&bytes);
        return Ok((text.into_owned(), name));
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    if encoding == Encoding::Gbk {
        return Ok((encoding_rs::GBK.decode(body).0.into_owned(), "gbk"));
    }
    let Some(scan) = Utf8Scan::of(body) else {
        let text = std::str::from_utf8(body)
            .expect("scanned as UTF-8")
            .to_string();
        return Ok((text, "utf-8"));
    };
    let gbk = encoding_rs::GBK.decode_without_bom_handling_and_without_replacement(body);
    match gbk {
        Some(text) if encoding == Encoding::Auto && !scan.mostly_utf8() => {
            Ok((text.into_owned(), "gbk"))
        }
        _ => {
            let bom = bytes.len() - body.len();
            let offset = scan.first_bad;
            Err(Error::NotUtf8 {
                path: path.to_path_buf(),
                row: 1 + body[..offset].iter().filter(|&&b| b == b'\n').count(),
                offset: bom + offset,
                byte: body[offset],
                places: scan.bad,
                mostly_utf8: encoding == Encoding::Auto,
            })
        }
    }
}

/// UTF-16 when the bytes start with its byte-order mark, or (without one) when NUL bytes,
/// which no UTF-8 or GBK text has, fill one byte of most pairs.
fn utf16(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    match bytes {
        [0xFF, 0xFE, ..] => return Some(encoding_rs::UTF_16LE),
        [0xFE, 0xFF, ..] => return Some(encoding_rs::UTF_16BE),
        _ => {}
    }
    let head = &bytes[..bytes.len().min(4096) & !1];
    let nul_at = |parity: usize| {
        head.iter()
            .skip(parity)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let pairs = head.len() / 2;
    match (nul_at(1), nul_at(0)) {
        (odd, _) if pairs > 0 && odd * 2 > pairs => Some(encoding_rs::UTF_16LE),
        (_, even) if pairs > 0 && even * 2 > pairs => Some(encoding_rs::UTF_16BE),
        _ => None,
    }
}

/// Where bytes fail to be UTF-8, against how much of them is.
struct Utf8Scan {
    /// Offset of the first invalid sequence.
    first_bad: usize,
    /// Invalid sequences.
    bad: usize,
    /// Valid characters of two bytes or more.
    multibyte: usize,
}

impl Utf8Scan {
    /// `None` when `bytes` are valid UTF-8.
    fn of(bytes: &[u8]) -> Option<Utf8Scan> {
        let mut scan = Utf8Scan {
            first_bad: usize::MAX,
            bad: 0,
            multibyte: 0,
        };
        let (mut rest, mut offset) = (bytes, 0);
        loop {
            let (valid, skip) = match std::str::from_utf8(rest) {
                Ok(_) => (rest.len(), None),
                Err(e) => (
                    e.valid_up_to(),
                    Some(e.error_len().unwrap_or(rest.len() - e.valid_up_to())),
                ),
            };
            scan.multibyte += rest[..valid].iter().filter(|&&b| b >= 0xC0).count();
            let Some(skip) = skip else { break };
            scan.first_bad = scan.first_bad.min(offset + valid);
            scan.bad += 1;
            offset += valid + skip;
            rest = &rest[valid + skip..];
        }
        (scan.bad > 0).then_some(scan)
    }

    /// More valid multi-byte characters than invalid sequences: UTF-8 text with stray bytes.
    /// (GBK text, read as UTF-8, fails on most of its characters; only a few of its byte
    /// pairs happen to be valid UTF-8.)
    fn mostly_utf8(&self) -> bool {
        self.multibyte > self.bad
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

/// Refuses a header that names a column twice (the first would be used without a word);
/// empty names (trailing delimiters) may repeat.
fn check_unique_columns(path: &Path, headers: &[String]) -> Result<()> {
    let mut seen = std::collections::HashMap::new();
    for (c, h) in headers.iter().enumerate() {
        let name = h.trim();
        if name.is_empty() {
            continue;
        }
        if let Some(first) = seen.insert(name, c) {
            return Err(Error::Format {
                path: path.to_path_buf(),
                message: format!(
                    "the header names column {} twice (columns {} and {}); rename one of them",
                    quoted(name),
                    first + 1,
                    c + 1
                ),
            });
        }
    }
    Ok(())
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
    let (text, encoding) = decode(path, bytes, options.encoding)?;
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
        // Our own sentence, whole: the csv crate's messages quote no input, so none is cut.
        let message = match e.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => format!(
                "has {len} fields but the header has {expected_len}; every row needs one value \
                 per column (quote values that contain the delimiter)"
            ),
            _ => e.to_string(),
        };
        Error::Item {
            path: path.to_path_buf(),
            item,
            message,
        }
    };
    let headers: Vec<String> = reader
        .headers()
        .map_err(csv_error)?
        .iter()
        .map(str::to_string)
        .collect();
    check_unique_columns(path, &headers)?;
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
        encoding: Some(encoding.to_string()),
        shapes: Vec::new(),
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

    #[test]
    fn utf8_with_a_stray_byte_is_never_read_as_gbk() {
        let mut bytes = "编号,经度,纬度,街道\nA,117.1,31.8,街道1\n"
            .as_bytes()
            .to_vec();
        let offset = bytes.len() + 3;
        bytes.extend_from_slice(b"B,1\xE917.2,31.9,\xE8\xA1\x97\xE9\x81\x932\n");
        let err = read_bytes(&bytes, &options()).unwrap_err().to_string();
        assert!(
            err.ends_with(&format!(
                ": row 3: byte 0xE9 at byte offset {offset} is not valid UTF-8; the rest of the \
                 file is UTF-8, so it was not read as GBK: fix or remove that byte (pass \
                 --encoding gbk if the file really is GBK)"
            )),
            "{err}"
        );
        let strict = ReadOptions {
            encoding: Encoding::Utf8,
            ..options()
        };
        let err = read_bytes(&bytes, &strict).unwrap_err().to_string();
        assert!(err.contains(": row 3: byte 0xE9 at byte offset"), "{err}");
        assert!(err.ends_with("pass --encoding gbk"), "{err}");
    }

    #[test]
    fn the_encoding_read_is_recorded_and_utf16_is_read() {
        let text = "编号,经度,纬度,人口\n1,117.1,31.8,5\n";
        let layer = read_bytes(text.as_bytes(), &options()).unwrap();
        assert_eq!(layer.encoding.as_deref(), Some("utf-8"));
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let layer = read_bytes(&gbk, &options()).unwrap();
        assert_eq!(layer.encoding.as_deref(), Some("gbk"));
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let layer = read_bytes(&le, &options()).unwrap();
        assert_eq!(layer.encoding.as_deref(), Some("utf-16le"));
        assert_eq!(layer.lonlat[0], [117.1, 31.8]);
        let be: Vec<u8> = [0xFEFF]
            .into_iter()
            .chain("id,lon,lat\n1,117.1,31.8\n".encode_utf16())
            .flat_map(u16::to_be_bytes)
            .collect();
        let layer = read_bytes(&be, &options()).unwrap();
        assert_eq!(layer.encoding.as_deref(), Some("utf-16be"));
        assert_eq!(layer.ids, vec!["1"]);
    }

    #[test]
    fn a_ragged_row_is_described_in_a_whole_sentence() {
        let err = read_bytes(b"id,lon,lat,pop\na,117,31,5\nb,117,31\n", &options())
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with(
                ": row 3: has 3 fields but the header has 4; every row needs one value per \
                 column (quote values that contain the delimiter)"
            ),
            "{err}"
        );
    }

    #[test]
    fn a_column_named_twice_is_refused() {
        let err = read_bytes(b"id,lon,lat,pop,pop,,\na,117,31,5,6,,\n", &options())
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with(
                ": the header names column \"pop\" twice (columns 4 and 5); rename one of them"
            ),
            "{err}"
        );
        assert!(read_bytes(b"id,lon,lat,,\na,117,31,,\n", &options()).is_ok());
    }
}
