//! Rows written straight into a worksheet rust_xlsxwriter has already packed: the workbook
//! is built by rust_xlsxwriter with a sheet's header and its last row, then re-packed with
//! the rows in between spliced in as cell XML, formatted here exactly as rust_xlsxwriter's
//! constant-memory mode formats them (inline strings, its escapes, each cell styled by its
//! column). A 234,000-row ledger takes a quarter of the time rust_xlsxwriter's per-cell path
//! takes; the tests check the spliced sheet against rust_xlsxwriter's own, byte for byte.

use std::io::{Cursor, Read, Write};

use rust_xlsxwriter::XlsxError;

use super::zip_pieces::{Piece, one_entry_archive};

/// Cell XML for the rows being spliced in.
pub(super) struct RowXml {
    /// Per column: its letters (`A`, `B`, …) and its style index (0: none).
    columns: Vec<(String, u32)>,
    /// The current row's number as Excel shows it (from 1).
    row: u32,
    buf: Vec<u8>,
}

impl RowXml {
    /// Starts row `row` (Excel's numbering, from 1).
    pub(super) fn start(&mut self, row: u32) {
        self.row = row;
        self.buf.extend_from_slice(b"<row r=\"");
        push_int(&mut self.buf, u64::from(row));
        self.buf.extend_from_slice(b"\">");
    }

    /// Ends the current row.
    pub(super) fn end(&mut self) {
        self.buf.extend_from_slice(b"</row>");
    }

    /// `<c r="B7" s="2"` for column `col` of the current row.
    fn open_cell(&mut self, col: u16) {
        let c = usize::from(col);
        while self.columns.len() <= c {
            let next = self.columns.len() as u16;
            self.columns.push((column_name(next), 0));
        }
        let (name, style) = &self.columns[c];
        self.buf.extend_from_slice(b"<c r=\"");
        self.buf.extend_from_slice(name.as_bytes());
        push_int(&mut self.buf, u64::from(self.row));
        self.buf.push(b'"');
        if *style > 0 {
            self.buf.extend_from_slice(b" s=\"");
            push_int(&mut self.buf, u64::from(*style));
            self.buf.push(b'"');
        }
    }

    /// A number cell, written as rust_xlsxwriter writes it (`{}` of the `f64`; NaN and the
    /// infinities, which Excel has no number for, as the strings `NAN`, `INF`, `-INF`).
    pub(super) fn number(&mut self, col: u16, x: f64) {
        if !x.is_finite() {
            let text = match x {
                f64::INFINITY => "INF",
                f64::NEG_INFINITY => "-INF",
                _ => "NAN",
            };
            return self.text(col, text);
        }
        self.open_cell(col);
        self.buf.extend_from_slice(b"><v>");
        if x.fract() == 0.0 && x.abs() < 1e15 && !(x == 0.0 && x.is_sign_negative()) {
            if x < 0.0 {
                self.buf.push(b'-');
            }
            push_int(&mut self.buf, x.abs() as u64);
        } else {
            let _ = write!(self.buf, "{x}");
        }
        self.buf.extend_from_slice(b"</v></c>");
    }

    /// An inline string cell; an empty string writes nothing (rust_xlsxwriter skips an
    /// unformatted empty string).
    pub(super) fn text(&mut self, col: u16, s: &str) {
        if s.is_empty() {
            return;
        }
        self.open_cell(col);
        self.buf.extend_from_slice(b" t=\"inlineStr\"><is><t");
        let ws = ['\t', '\n', ' '];
        if s.starts_with(ws) || s.ends_with(ws) {
            self.buf.extend_from_slice(b" xml:space=\"preserve\"");
        }
        self.buf.push(b'>');
        push_escaped(&mut self.buf, s);
        self.buf.extend_from_slice(b"</t></is></c>");
    }
}

fn push_int(buf: &mut Vec<u8>, v: u64) {
    buf.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// Excel's letters for column `col` (0-based): A … Z, AA, ….
fn column_name(col: u16) -> String {
    let mut n = u32::from(col) + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        out.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII")
}

/// `s` as rust_xlsxwriter writes cell text: a literal `_xHHHH_` gets its underscore escaped,
/// then `&`, `<`, `>`, control characters and U+FFFE/U+FFFF are escaped.
fn push_escaped(buf: &mut Vec<u8>, s: &str) {
    let plain = s
        .bytes()
        .all(|b| b >= 0x20 && !matches!(b, b'&' | b'<' | b'>'))
        && !s.contains("_x")
        && !s.contains(['\u{FFFE}', '\u{FFFF}']);
    if plain {
        buf.extend_from_slice(s.as_bytes());
        return;
    }
    for ch in escape_escapes(s).chars() {
        match ch {
            '&' => buf.extend_from_slice(b"&amp;"),
            '<' => buf.extend_from_slice(b"&lt;"),
            '>' => buf.extend_from_slice(b"&gt;"),
            '\t' | '\n' => buf.push(ch as u8),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                let _ = write!(buf, "_x{:04X}_", c as u32);
            }
            c => {
                let mut b = [0; 4];
                buf.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
    }
}

/// A literal `_xHHHH_` (four hex digits) in `s` with `_x005F` put before it, so Excel does
/// not read it as an escape.
fn escape_escapes(s: &str) -> std::borrow::Cow<'_, str> {
    const LEN: usize = 7;
    if !s.contains("_x") {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = s.to_string();
    for (i, _) in s.rmatch_indices("_x") {
        let escape = i + LEN <= s.len()
            && s.is_char_boundary(i + LEN - 1)
            && s[i + LEN - 1..].starts_with('_')
            && s[i + 2..i + LEN - 1].chars().all(|c| c.is_ascii_hexdigit());
        if escape {
            out.replace_range(i..i, "_x005F");
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Per column (0-based, up to the last styled one): its style index from the sheet's
/// `<cols>` (`<col min=".." max=".." style="N">`), 0 when unstyled.
fn column_styles(sheet: &str) -> Vec<u32> {
    let mut styles = Vec::new();
    let cols = sheet
        .split_once("<cols>")
        .and_then(|(_, rest)| rest.split_once("</cols>"))
        .map_or("", |(cols, _)| cols);
    for col in cols.split("<col ").skip(1) {
        let attr = |name: &str| -> Option<u32> {
            let pat = format!("{name}=\"");
            let (at, _) = (col.match_indices(&pat))
                .find(|&(p, _)| p == 0 || col.as_bytes()[p - 1] == b' ')?;
            col[at + pat.len()..].split('"').next()?.parse().ok()
        };
        let (Some(min), Some(max)) = (attr("min"), attr("max")) else {
            continue;
        };
        let style = attr("style").unwrap_or(0);
        for c in min..=max {
            let c = c as usize - 1;
            if styles.len() <= c {
                styles.resize(c + 1, 0);
            }
            styles[c] = style;
        }
    }
    styles
}

/// Rows per piece of the spliced sheet: formatted and deflated in parallel (a few under test,
/// so the demo's ledger spans many pieces).
const ROWS_PER_PIECE: usize = if cfg!(test) { 37 } else { 4096 };

/// `book` (a workbook rust_xlsxwriter saved) written to `out` with rows spliced into
/// worksheet `sheet` (1-based, as in `xl/worksheets/sheetN.xml`) just before its row `before`
/// (Excel's numbering): `write(x, k)` writes the `k`-th of `count` rows into `x`. Every other
/// part of the package is copied as it was; the sheet is deflated at `level`, its rows
/// formatted and deflated in parallel pieces (`zip_pieces.rs`), so the bytes do not depend on
/// the thread count.
pub(super) fn splice_rows(
    book: &[u8],
    (sheet, before, count): (usize, u32, usize),
    level: u8,
    out: &mut (dyn Write + Send),
    write: impl Fn(&mut RowXml, usize) + Sync,
) -> Result<(), XlsxError> {
    let name = format!("xl/worksheets/sheet{sheet}.xml");
    let mut src = zip::ZipArchive::new(Cursor::new(book))?;
    let mut zip = zip::ZipWriter::new_stream(out);
    for i in 0..src.len() {
        if src.by_index_raw(i)?.name()? != name {
            zip.raw_copy_file(src.by_index_raw(i)?)?;
            continue;
        }
        let mut xml = String::new();
        src.by_index(i)?.read_to_string(&mut xml)?;
        let marker = format!("<row r=\"{before}\"");
        let at = xml.find(&marker).ok_or_else(|| {
            XlsxError::ParameterError(format!("{name} has no row {before} to splice before"))
        })?;
        let pieces = sheet_pieces(&xml, at, count, level, &write);
        let archive = one_entry_archive(&name, &pieces).ok_or_else(|| {
            XlsxError::ParameterError(format!("{name} would need Zip64 (4 GiB or more)"))
        })?;
        let mut one = zip::ZipArchive::new(Cursor::new(archive))?;
        zip.raw_copy_file(one.by_index_raw(0)?)?;
    }
    zip.finish()?;
    Ok(())
}

/// The sheet's XML with `count` rows written at byte `at`, deflated in pieces: the part
/// before, the rows [`ROWS_PER_PIECE`] at a time (in parallel), the part after (final).
fn sheet_pieces(
    xml: &str,
    at: usize,
    count: usize,
    level: u8,
    write: &(impl Fn(&mut RowXml, usize) + Sync),
) -> Vec<Piece> {
    use rayon::prelude::*;
    let columns: Vec<(String, u32)> = column_styles(xml)
        .into_iter()
        .enumerate()
        .map(|(c, s)| (column_name(c as u16), s))
        .collect();
    let rows = (0..count.div_ceil(ROWS_PER_PIECE))
        .into_par_iter()
        .map(|p| {
            let mut x = RowXml {
                columns: columns.clone(),
                row: 0,
                buf: Vec::with_capacity(ROWS_PER_PIECE * 512),
            };
            for k in p * ROWS_PER_PIECE..((p + 1) * ROWS_PER_PIECE).min(count) {
                write(&mut x, k);
            }
            Piece::new(&x.buf, level, false)
        });
    let mut pieces = vec![Piece::new(&xml.as_bytes()[..at], level, false)];
    pieces.par_extend(rows);
    pieces.push(Piece::new(&xml.as_bytes()[at..], level, true));
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        let names: Vec<String> = [0, 1, 25, 26, 27, 51, 52, 701, 702]
            .map(column_name)
            .to_vec();
        assert_eq!(names, ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
    }

    #[test]
    fn escapes_as_rust_xlsxwriter_does() {
        let mut buf = Vec::new();
        push_escaped(&mut buf, "a&b<c>d\u{1}e\tf_x00AB_g_x12_h\u{FFFE}");
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "a&amp;b&lt;c&gt;d_x0001_e\tf_x005F_x00AB_g_x12_h_xFFFE_"
        );
    }

    /// Numbers as rust_xlsxwriter writes them: whole values without a point, others by
    /// Rust's shortest `{}`, non-finite ones as strings, each cell styled by its column.
    #[test]
    fn numbers_as_rust_xlsxwriter_writes_them() {
        let mut x = RowXml {
            columns: vec![("A".into(), 0), ("B".into(), 3)],
            row: 7,
            buf: Vec::new(),
        };
        for v in [
            1652.0,
            0.011,
            -0.0,
            -3.0,
            1e300,
            f64::NAN,
            f64::NEG_INFINITY,
        ] {
            x.number(1, v);
        }
        x.number(2, 0.5);
        assert_eq!(
            String::from_utf8(x.buf).unwrap(),
            format!(
                "<c r=\"B7\" s=\"3\"><v>1652</v></c><c r=\"B7\" s=\"3\"><v>0.011</v></c>\
                 <c r=\"B7\" s=\"3\"><v>-0</v></c><c r=\"B7\" s=\"3\"><v>-3</v></c>\
                 <c r=\"B7\" s=\"3\"><v>{}</v></c>\
                 <c r=\"B7\" s=\"3\" t=\"inlineStr\"><is><t>NAN</t></is></c>\
                 <c r=\"B7\" s=\"3\" t=\"inlineStr\"><is><t>-INF</t></is></c>\
                 <c r=\"C7\"><v>0.5</v></c>",
                1e300
            )
        );
    }

    #[test]
    fn reads_column_styles() {
        let xml = r#"<cols><col min="1" max="1" width="8"/><col min="3" max="4" width="9" style="2" customWidth="1"/></cols>"#;
        assert_eq!(column_styles(xml), vec![0, 0, 2, 2]);
    }
}
