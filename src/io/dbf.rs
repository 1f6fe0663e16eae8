//! A Shapefile's attribute table (dBase III `.dbf`): field names and values decoded in the
//! encoding its `.cpg` names, else its language byte, else the one the caller gives.
//!
//! Read here rather than with the `dbase` crate: that crate reads `F` fields as `f32` and
//! every number through `f64`, so a long numeric id would not be kept as written, and it
//! builds a map per record; the table layout itself is a header and fixed-width text.

use std::path::Path;

use super::layer::{Encoding, Scalar};
use crate::error::{Error, Result};

/// One field of the table.
#[derive(Debug, Clone)]
pub(crate) struct DbfField {
    /// Its name, decoded.
    pub(crate) name: String,
    /// Its dBase type letter (`C`, `N`, `F`, `L`, `D`, ...).
    kind: u8,
    /// Offset of its bytes in a record (after the deletion flag).
    offset: usize,
    /// Its width in bytes.
    width: usize,
}

/// A whole `.dbf` in memory with its layout and encoding.
pub(crate) struct DbfTable {
    bytes: Vec<u8>,
    /// The fields, in file order.
    pub(crate) fields: Vec<DbfField>,
    records: usize,
    start: usize,
    record_len: usize,
    encoding: &'static encoding_rs::Encoding,
}

impl DbfTable {
    /// Parses the header of `bytes` (the file `path`); `cpg` is the text of the `.cpg`
    /// beside it, if any; `fallback` the caller's `--encoding`.
    pub(crate) fn parse(
        path: &Path,
        bytes: Vec<u8>,
        cpg: Option<&str>,
        fallback: Encoding,
    ) -> Result<DbfTable> {
        let bad = |message: &str| Error::Format {
            path: path.to_path_buf(),
            message: format!("not a dBase table: {message}"),
        };
        if bytes.len() < 33 {
            return Err(bad("shorter than its 32-byte header"));
        }
        let records = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
        let start = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        let record_len = u16::from_le_bytes([bytes[10], bytes[11]]) as usize;
        if start < 33 || start > bytes.len() || record_len == 0 {
            return Err(bad("its header is damaged"));
        }
        if records.saturating_mul(record_len) > bytes.len() - start {
            return Err(bad(&format!(
                "it says {records} records of {record_len} bytes, but the file is shorter"
            )));
        }
        let encoding = choose_encoding(&bytes, start, cpg, bytes[29], fallback);
        let fields = read_fields(&bytes[32..start], record_len, encoding).map_err(|m| bad(&m))?;
        Ok(DbfTable {
            bytes,
            fields,
            records,
            start,
            record_len,
            encoding,
        })
    }

    /// Number of records.
    pub(crate) fn len(&self) -> usize {
        self.records
    }

    /// Whether record `r` is marked deleted (`*`).
    pub(crate) fn is_deleted(&self, r: usize) -> bool {
        self.bytes[self.start + r * self.record_len] == b'*'
    }

    /// The encoding the text was read in, as `utf-8` or `gbk`.
    pub(crate) fn encoding_name(&self) -> String {
        self.encoding.name().to_ascii_lowercase()
    }

    /// The value of field `f` in record `r`; `None` for a blank cell.
    pub(crate) fn value(&self, r: usize, f: usize) -> Option<Scalar> {
        let field = &self.fields[f];
        let at = self.start + r * self.record_len + 1 + field.offset;
        let raw = &self.bytes[at..at + field.width];
        match field.kind {
            b'I' if raw.len() == 4 => {
                Some(Scalar::Num(
                    i32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]) as f64,
                ))
            }
            b'O' | b'B' if raw.len() == 8 => {
                let mut b = [0u8; 8];
                b.copy_from_slice(raw);
                Some(Scalar::Num(f64::from_le_bytes(b)))
            }
            b'M' | b'G' | b'P' => None,
            kind => {
                let (text, _, _) = self.encoding.decode(raw);
                let text = text.trim_matches(|c: char| c == ' ' || c == '\0');
                if text.is_empty() {
                    return None;
                }
                Some(text_value(kind, text))
            }
        }
    }
}

/// A text cell as a value: numbers as numbers (long integers kept as written), logicals as
/// booleans, dates as `YYYY-MM-DD`, the rest as text.
fn text_value(kind: u8, text: &str) -> Scalar {
    match kind {
        b'N' | b'F' => {
            let digits = text.trim_start_matches('-').len();
            match text.parse::<f64>() {
                Ok(x) if x.is_finite() && (text.contains('.') || digits <= 15) => Scalar::Num(x),
                _ => Scalar::Text(text.to_string()),
            }
        }
        b'L' => match text {
            "T" | "t" | "Y" | "y" => Scalar::Bool(true),
            "F" | "f" | "N" | "n" => Scalar::Bool(false),
            other => Scalar::Text(other.to_string()),
        },
        b'D' if text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()) => {
            Scalar::Text(format!("{}-{}-{}", &text[..4], &text[4..6], &text[6..]))
        }
        _ => Scalar::Text(text.to_string()),
    }
}

/// The field descriptors (32 bytes each, ended by 0x0D).
fn read_fields(
    header: &[u8],
    record_len: usize,
    encoding: &'static encoding_rs::Encoding,
) -> std::result::Result<Vec<DbfField>, String> {
    let mut fields = Vec::new();
    let mut offset = 0;
    for d in header.chunks(32) {
        if d[0] == 0x0D || d.len() < 32 {
            break;
        }
        let name_len = d[..11].iter().position(|&b| b == 0).unwrap_or(11);
        let (name, _, _) = encoding.decode(&d[..name_len]);
        let width = d[16] as usize;
        fields.push(DbfField {
            name: name.trim().to_string(),
            kind: d[11].to_ascii_uppercase(),
            offset,
            width,
        });
        offset += width;
    }
    if offset + 1 > record_len {
        return Err(format!(
            "its fields take {} bytes but a record has {record_len}",
            offset + 1
        ));
    }
    Ok(fields)
}

/// The table's encoding: what the `.cpg` names, else what the language byte names (936 →
/// GBK), else `fallback` (`auto`: UTF-8 when every record is valid UTF-8, else GBK).
fn choose_encoding(
    bytes: &[u8],
    start: usize,
    cpg: Option<&str>,
    language: u8,
    fallback: Encoding,
) -> &'static encoding_rs::Encoding {
    if let Some(encoding) = cpg.and_then(cpg_encoding) {
        return encoding;
    }
    // 0x4D and 0x7A: "Chinese GBK (PRC)", code page 936; 0x4F/0x78: Big5 (950).
    match language {
        0x4D | 0x7A => return encoding_rs::GBK,
        0x4F | 0x78 => return encoding_rs::BIG5,
        _ => {}
    }
    match fallback {
        Encoding::Utf8 => encoding_rs::UTF_8,
        Encoding::Gbk => encoding_rs::GBK,
        Encoding::Auto if std::str::from_utf8(&bytes[start..]).is_ok() => encoding_rs::UTF_8,
        Encoding::Auto => encoding_rs::GBK,
    }
}

/// The encoding a `.cpg` names: a label (`UTF-8`, `GBK`, `GB2312`, `Big5`, `windows-1252`)
/// or an ANSI code page number (`936`, `CP936`, `ANSI 936`, `65001`).
fn cpg_encoding(cpg: &str) -> Option<&'static encoding_rs::Encoding> {
    let label = cpg.trim().trim_start_matches('\u{feff}').trim();
    let upper = label.to_ascii_uppercase();
    let number = upper
        .trim_start_matches("ANSI")
        .trim_start_matches("CP")
        .trim();
    match number {
        "65001" | "UTF8" => return Some(encoding_rs::UTF_8),
        "936" => return Some(encoding_rs::GBK),
        "950" => return Some(encoding_rs::BIG5),
        "1252" => return Some(encoding_rs::WINDOWS_1252),
        "88591" => return Some(encoding_rs::WINDOWS_1252),
        _ => {}
    }
    encoding_rs::Encoding::for_label(label.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_pages_and_labels() {
        for (cpg, name) in [
            ("GBK", "GBK"),
            ("936", "GBK"),
            ("CP936", "GBK"),
            ("ANSI 936", "GBK"),
            ("UTF-8", "UTF-8"),
            ("utf8", "UTF-8"),
            ("65001", "UTF-8"),
            ("GB2312", "GBK"),
        ] {
            assert_eq!(cpg_encoding(cpg).map(|e| e.name()), Some(name), "{cpg}");
        }
        assert_eq!(cpg_encoding("nonsense"), None);
    }

    #[test]
    fn numbers_keep_long_ids_as_written() {
        assert_eq!(text_value(b'N', "12"), Scalar::Num(12.0));
        assert_eq!(text_value(b'N', "-3.25"), Scalar::Num(-3.25));
        assert_eq!(
            text_value(b'N', "12345678901234567891"),
            Scalar::Text("12345678901234567891".into())
        );
        assert_eq!(text_value(b'N', "***"), Scalar::Text("***".into()));
        assert_eq!(text_value(b'L', "T"), Scalar::Bool(true));
        assert_eq!(
            text_value(b'D', "20240131"),
            Scalar::Text("2024-01-31".into())
        );
    }
}
