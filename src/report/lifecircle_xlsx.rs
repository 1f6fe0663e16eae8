//! `lifecircle.xlsx`, the workbook an official files as is: a cover sheet (title, date,
//! profile, method, inputs, the thresholds not confirmed in the standard's text), a summary
//! sheet (per type, per level, complete), one sheet per group field and the 问题台账, with
//! English or Chinese sheet names and headers, frozen header rows, filters, widths and
//! number formats. Written with rust_xlsxwriter (pure Rust); the document's creation date is
//! fixed and the cover's date is the one the caller passes in, so the bytes depend on the
//! inputs only.

use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError,
};

use super::Lang;
use super::ledger::{
    LedgerCell, LedgerRow, ledger, ledger_cells, ledger_header, level_text, method_label,
    readable_name,
};
use super::lifecircle::LifeCircleReport;

/// Ledger rows that fit on one sheet under the header.
const MAX_LEDGER_ROWS: usize = 1_048_575;

/// A header in both languages.
type Label = (&'static str, &'static str);

const TYPE_HEADERS: [Label; 7] = [
    ("type", "设施类型"),
    ("level (min)", "生活圈层级（分钟）"),
    ("max distance (m)", "服务半径（米）"),
    ("facilities", "设施数量"),
    ("residents covered", "覆盖人口"),
    ("share of residents", "人口覆盖率"),
    ("compounds covered", "覆盖小区数"),
];
const LEVEL_HEADERS: [Label; 4] = [
    ("level (min)", "生活圈层级（分钟）"),
    ("residents, complete", "设施齐全人口"),
    ("share of residents", "人口占比"),
    ("compounds, complete", "设施齐全小区数"),
];

/// The sheet names: cover, summary, ledger.
const COVER: Label = ("cover", "封面");
const SUMMARY: Label = ("summary", "汇总");
const LEDGER: Label = ("ledger", "问题台账");

/// The cell formats every sheet shares.
struct Formats {
    bold: Format,
    header: Format,
    title: Format,
    pct: Format,
    int: Format,
    metres: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            bold: Format::new().set_bold(),
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color(Color::RGB(0xDDEBF7)),
            title: Format::new().set_bold().set_font_size(16),
            pct: Format::new().set_num_format("0.0%"),
            int: Format::new().set_num_format("#,##0"),
            metres: Format::new().set_num_format("0"),
        }
    }
}

/// Columns as wide as their header (a CJK character counts twice), at least 8 and at most
/// 40 characters.
fn fit_columns(ws: &mut Worksheet, labels: &[&str]) -> Result<(), XlsxError> {
    for (c, l) in labels.iter().enumerate() {
        let w: usize = l.chars().map(|ch| if ch.is_ascii() { 1 } else { 2 }).sum();
        ws.set_column_width(c as u16, (w + 2).clamp(8, 40) as f64)?;
    }
    Ok(())
}

fn pick(lang: Lang, l: Label) -> &'static str {
    match lang {
        Lang::Zh => l.1,
        Lang::En => l.0,
    }
}

fn header(ws: &mut Worksheet, row: u32, labels: &[&str], bold: &Format) -> Result<(), XlsxError> {
    for (c, l) in labels.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, cell(l), bold)?;
    }
    Ok(())
}

/// A header row with fitted widths, frozen under it, with a filter over `rows` data rows.
fn table_header(
    ws: &mut Worksheet,
    labels: &[&str],
    rows: usize,
    f: &Formats,
) -> Result<(), XlsxError> {
    header(ws, 0, labels, &f.header)?;
    fit_columns(ws, labels)?;
    ws.set_freeze_panes(1, 0)?;
    let last = (labels.len().max(1) - 1) as u16;
    ws.autofilter(0, 0, rows.min(MAX_LEDGER_ROWS) as u32, last)?;
    Ok(())
}

/// A worksheet name Excel accepts (≤ 31 characters, none of `[]:*?/\`), distinct from
/// `taken`.
fn sheet_name(field: &str, taken: &mut Vec<String>) -> String {
    // Excel refuses a name that starts or ends with an apostrophe.
    let clean: String = field
        .trim_matches('\'')
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(28)
        .collect();
    let clean = if clean.trim().is_empty() {
        "group".to_string()
    } else {
        clean
    };
    let mut name = clean.clone();
    let mut k = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
        name = format!("{clean}_{k}");
        k += 1;
    }
    taken.push(name.clone());
    name
}

/// The most characters an Excel cell holds.
const MAX_CELL_CHARS: usize = 32_767;

/// `text` as a cell holds it: longer text is cut, ending in `…` to show it was (the CSV and
/// GeoJSON files keep it whole).
fn cell(text: &str) -> std::borrow::Cow<'_, str> {
    // No more bytes than the limit: no more characters either (nearly every cell).
    if text.len() <= MAX_CELL_CHARS {
        return std::borrow::Cow::Borrowed(text);
    }
    match text.char_indices().nth(MAX_CELL_CHARS) {
        None => std::borrow::Cow::Borrowed(text),
        Some(_) => {
            let (end, _) = text
                .char_indices()
                .nth(MAX_CELL_CHARS - 1)
                .expect("long text");
            std::borrow::Cow::Owned(format!("{}…", &text[..end]))
        }
    }
}

/// A warning when some compound text (an id, a name, a group value) is longer than a
/// workbook cell holds and will be cut in `lifecircle.xlsx` (the CSV and GeoJSON keep it).
pub fn xlsx_cells_cut(compounds: &crate::model::Compounds) -> Option<crate::Warning> {
    let long = |t: &String| t.chars().nth(MAX_CELL_CHARS).is_some();
    let texts = || {
        (compounds.ids.iter())
            .chain(&compounds.names)
            .chain(compounds.groups.iter().flatten())
    };
    let count = texts().filter(|t| long(t)).count();
    let first = texts().find(|t| long(t))?;
    Some(crate::Warning::CellsCut {
        path: compounds.path.clone(),
        count,
        example: first.chars().take(20).collect(),
        max_chars: MAX_CELL_CHARS,
    })
}

/// `lifecircle.xlsx` as bytes. The ledger sheet is in rust_xlsxwriter's constant-memory mode
/// (strings inline; its small temporary file in `scratch`, normally the output directory,
/// else the system's temporary directory), and its rows between the header and the last
/// row are spliced in by `xlsx_rows`, which writes the cells rust_xlsxwriter would (the
/// tests compare the two).
pub fn lifecircle_xlsx(
    report: &LifeCircleReport,
    lang: Lang,
    scratch: Option<&std::path::Path>,
) -> Result<Vec<u8>, XlsxError> {
    let rows = ledger(report.result, report.compounds);
    let mut out = Vec::new();
    build(report, lang, scratch, &rows, true, &mut out)?;
    Ok(out)
}

/// [`lifecircle_xlsx`] with the ledger's `rows` already made, written to `out`.
pub(super) fn write_workbook(
    report: &LifeCircleReport,
    lang: Lang,
    scratch: Option<&std::path::Path>,
    rows: &[LedgerRow],
    out: &mut (dyn std::io::Write + Send),
) -> Result<(), XlsxError> {
    build(report, lang, scratch, rows, true, out)
}

/// The workbook, written to `out`; with `splice` the ledger's rows but the last are spliced
/// in as it is written, else rust_xlsxwriter writes every row.
fn build(
    report: &LifeCircleReport,
    lang: Lang,
    scratch: Option<&std::path::Path>,
    rows: &[LedgerRow],
    splice: bool,
    out: &mut (dyn std::io::Write + Send),
) -> Result<(), XlsxError> {
    let mut wb = Workbook::new();
    let props = DocProperties::new()
        .set_title("circleplan lifecircle")
        .set_creation_datetime(&ExcelDateTime::from_ymd(2000, 1, 1)?);
    wb.set_properties(&props);
    wb.set_zip_compression_level(ZIP_LEVEL);
    let f = Formats::new();
    let mut taken = [COVER, SUMMARY, LEDGER]
        .map(|l| pick(lang, l).to_string())
        .to_vec();
    let ws = wb.add_worksheet();
    ws.set_name(pick(lang, COVER))?;
    cover_sheet(ws, report, lang, rows.len(), &f)?;
    let ws = wb.add_worksheet();
    ws.set_name(pick(lang, SUMMARY))?;
    summary_sheet(ws, report, lang, rows, &f)?;
    let c = report.compounds;
    for (g, field) in c.group_fields.iter().enumerate() {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(field, &mut taken))?;
        group_sheet(ws, report, g, lang, &f)?;
    }
    if let Some(dir) = scratch {
        wb.set_tempdir(dir)?;
    }
    let ws = wb.add_worksheet_with_constant_memory()?;
    ws.set_name(pick(lang, LEDGER))?;
    let n = rows.len().min(MAX_LEDGER_ROWS);
    let spliced = if splice { n.saturating_sub(1) } else { 0 };
    ledger_sheet(ws, report, lang, &rows[spliced..n], spliced, &f)?;
    let book = wb.save_to_buffer()?;
    if spliced == 0 {
        return Ok(out.write_all(&book)?);
    }
    let (lc, c) = (report.result, report.compounds);
    let place = (3 + c.group_fields.len(), spliced as u32 + 2, spliced);
    super::xlsx_rows::splice_rows(&book, place, ZIP_LEVEL, out, |x, k| {
        x.start(k as u32 + 2);
        let mut col: u16 = 0;
        ledger_cells(lc, c, (&rows[k], k), lang, |value| {
            match xlsx_value(value) {
                Some(XlsxValue::Number(v)) => x.number(col, v),
                Some(XlsxValue::Text(t)) => x.text(col, &cell(t)),
                None => {}
            }
            col += 1;
        });
        x.end();
    })
}

/// The ledger can hold millions of cells: zip level 1 deflates several times faster than
/// the default 6 for a slightly larger file.
const ZIP_LEVEL: u8 = 1;

/// The cover: title, date, profile, method, what was measured, the inputs, the thresholds
/// the standard's text did not confirm and how the ledger grades a gap.
fn cover_sheet(
    ws: &mut Worksheet,
    report: &LifeCircleReport,
    lang: Lang,
    ledger_len: usize,
    f: &Formats,
) -> Result<(), XlsxError> {
    let (lc, c) = (report.result, report.compounds);
    ws.set_column_width(0, 24)?;
    ws.set_column_width(1, 90)?;
    let title = pick(
        lang,
        ("15-minute life circle assessment", "15分钟生活圈设施评估"),
    );
    ws.write_string_with_format(0, 0, title, &f.title)?;
    let mut lines: Vec<(&str, String)> = Vec::new();
    if let Some(d) = &report.run.date {
        lines.push((pick(lang, ("Date", "日期")), d.clone()));
    }
    lines.push((pick(lang, ("Profile", "标准")), lc.profile.name.clone()));
    lines.push((
        pick(lang, ("Distance measured as", "距离计算方法")),
        method_label(lc.metric, lang).to_string(),
    ));
    let n = |x: f64| super::table::thousands(x);
    lines.push(match lang {
        Lang::Zh => (
            "小区",
            format!("{} 个，人口 {}", n(c.len() as f64), n(c.total_population())),
        ),
        Lang::En => (
            "Compounds",
            format!(
                "{}, {} residents",
                n(c.len() as f64),
                n(c.total_population())
            ),
        ),
    });
    lines.push((
        pick(lang, ("Facilities", "设施")),
        n(report.facilities.len() as f64),
    ));
    lines.push((
        pick(lang, ("Ledger rows", "问题台账条数")),
        n(ledger_len as f64),
    ));
    for (role, info) in &report.run.inputs {
        let size = match lang {
            Lang::Zh => format!("{}（{} 个要素）", info.path, n(info.features as f64)),
            Lang::En => format!("{} ({} features)", info.path, n(info.features as f64)),
        };
        lines.push((pick(lang, ("Input", "输入数据")), format!("{role}: {size}")));
    }
    let mut row = 2;
    for (label, value) in &lines {
        ws.write_string_with_format(row, 0, *label, &f.bold)?;
        ws.write_string(row, 1, cell(value))?;
        row += 1;
    }
    row = cover_notes(ws, report, lang, row + 1, f)?;
    let tool = format!("circleplan {}", env!("CARGO_PKG_VERSION"));
    ws.write_string_with_format(row + 1, 0, pick(lang, ("Made with", "生成工具")), &f.bold)?;
    ws.write_string(row + 1, 1, tool)?;
    Ok(())
}

/// The cover's notes: each threshold not confirmed in the standard's text, and the ledger's
/// severity words. Returns the next free row.
fn cover_notes(
    ws: &mut Worksheet,
    report: &LifeCircleReport,
    lang: Lang,
    mut row: u32,
    f: &Formats,
) -> Result<u32, XlsxError> {
    let lc = report.result;
    let unconfirmed: Vec<_> = lc
        .profile
        .types
        .iter()
        .filter(|t| t.is_unconfirmed())
        .collect();
    if !unconfirmed.is_empty() {
        let head = match lang {
            Lang::Zh => format!(
                "以下 {} 项服务半径未能在标准原文中核实，使用前请对照标准文本：",
                unconfirmed.len()
            ),
            Lang::En => format!(
                "{} distances below were not confirmed in the standard's own text; check them \
                 against your copy before relying on them:",
                unconfirmed.len()
            ),
        };
        ws.write_string_with_format(
            row,
            0,
            pick(lang, ("Not confirmed", "未核实的标准")),
            &f.bold,
        )?;
        ws.write_string(row, 1, head)?;
        row += 1;
        for t in unconfirmed {
            let text = match lang {
                Lang::Zh => format!(
                    "{}：{} 米（{}）",
                    &readable_name(t, lang),
                    t.max_distance_m,
                    level_text(t.level_min, lang)
                ),
                Lang::En => format!(
                    "{}: {} m ({})",
                    &readable_name(t, lang),
                    t.max_distance_m,
                    level_text(t.level_min, lang)
                ),
            };
            ws.write_string(row, 1, text)?;
            row += 1;
        }
    }
    let grades = match lang {
        Lang::Zh => {
            "严重程度：接近 = 最近设施超出标准不到 10%；缺失 = 超出 10% 以上；无 = 无可达设施"
        }
        Lang::En => {
            "Severity: near = the nearest facility is at most 10 % beyond the standard; missing = more than 10 % beyond; none reachable = no facility can be reached"
        }
    };
    ws.write_string_with_format(row + 1, 0, pick(lang, ("Ledger", "问题台账")), &f.bold)?;
    ws.write_string(row + 1, 1, grades)?;
    Ok(row + 2)
}

fn summary_sheet(
    ws: &mut Worksheet,
    report: &LifeCircleReport,
    lang: Lang,
    ledger_rows: &[LedgerRow],
    f: &Formats,
) -> Result<(), XlsxError> {
    let lc = report.result;
    let title = match lang {
        Lang::Zh => format!("{}（{}）", lc.profile.name, method_label(lc.metric, lang)),
        Lang::En => format!("{} ({})", lc.profile.name, method_label(lc.metric, lang)),
    };
    ws.write_string_with_format(0, 0, pick(lang, ("Profile", "标准")), &f.bold)?;
    ws.write_string(0, 1, cell(&title))?;
    let labels: Vec<&str> = TYPE_HEADERS.iter().map(|&l| pick(lang, l)).collect();
    header(ws, 2, &labels, &f.header)?;
    fit_columns(ws, &labels)?;
    ws.set_column_width(0, 28)?;
    ws.set_freeze_panes(3, 0)?;
    let mut row = 3;
    for (r, ty) in lc.type_rows.iter().zip(&lc.profile.types) {
        ws.write_string(row, 0, readable_name(ty, lang))?;
        ws.write_number(row, 1, r.level)?;
        ws.write_number_with_format(row, 2, r.max_distance_m, &f.metres)?;
        ws.write_number_with_format(row, 3, r.facilities as f64, &f.int)?;
        ws.write_number_with_format(row, 4, r.population_covered, &f.int)?;
        ws.write_number_with_format(row, 5, r.population_share, &f.pct)?;
        ws.write_number_with_format(row, 6, r.compounds_covered as f64, &f.int)?;
        row += 1;
    }
    row += 1;
    let labels: Vec<&str> = LEVEL_HEADERS.iter().map(|&l| pick(lang, l)).collect();
    header(ws, row, &labels, &f.header)?;
    row += 1;
    for l in &lc.level_rows {
        ws.write_number(row, 0, l.minutes)?;
        ws.write_number_with_format(row, 1, l.population_complete, &f.int)?;
        ws.write_number_with_format(row, 2, l.population_share, &f.pct)?;
        ws.write_number_with_format(row, 3, l.compounds_complete as f64, &f.int)?;
        row += 1;
    }
    ws.write_string_with_format(row, 0, pick(lang, ("every type", "全部设施齐全")), &f.bold)?;
    let s = lc.complete_share;
    ws.write_number_with_format(row, 1, s.population, &f.int)?;
    ws.write_number_with_format(row, 2, s.population_share, &f.pct)?;
    ws.write_number_with_format(row, 3, s.compounds as f64, &f.int)?;
    let ledger = ledger_rows.len();
    if ledger > MAX_LEDGER_ROWS {
        let note = match lang {
            Lang::Zh => format!(
                "问题台账共 {ledger} 行，本表只列前 {MAX_LEDGER_ROWS} 行；完整台账见 ledger.csv"
            ),
            Lang::En => format!(
                "the ledger has {ledger} rows; this workbook lists the first {MAX_LEDGER_ROWS}, ledger.csv all of them"
            ),
        };
        ws.write_string(row + 2, 0, note)?;
    }
    Ok(())
}

fn group_sheet(
    ws: &mut Worksheet,
    report: &LifeCircleReport,
    g: usize,
    lang: Lang,
    f: &Formats,
) -> Result<(), XlsxError> {
    let lc = report.result;
    let mut labels: Vec<String> = vec![
        report.compounds.group_fields[g].clone(),
        pick(lang, ("compounds", "小区数")).into(),
        pick(lang, ("population", "人口")).into(),
        pick(lang, ("share complete", "设施齐全人口占比")).into(),
    ];
    for l in &lc.levels {
        labels.push(match lang {
            Lang::Zh => format!("{l}分钟生活圈齐全占比"),
            Lang::En => format!("share complete at {l} min"),
        });
    }
    for t in &lc.profile.types {
        labels.push(match lang {
            Lang::Zh => format!("{}覆盖率", readable_name(t, lang)),
            Lang::En => format!("share {}", t.type_id),
        });
    }
    let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    table_header(ws, &refs, lc.groups[g].len(), f)?;
    for (k, r) in lc.groups[g].iter().enumerate() {
        let row = k as u32 + 1;
        ws.write_string(row, 0, cell(&r.value))?;
        ws.write_number_with_format(row, 1, r.compounds as f64, &f.int)?;
        ws.write_number_with_format(row, 2, r.population, &f.int)?;
        ws.write_number_with_format(row, 3, r.complete.population_share, &f.pct)?;
        let mut col = 4u16;
        for l in &r.levels {
            ws.write_number_with_format(row, col, l.population_share, &f.pct)?;
            col += 1;
        }
        for t in &r.types {
            ws.write_number_with_format(row, col, t.population_share, &f.pct)?;
            col += 1;
        }
    }
    Ok(())
}

/// The 问题台账 sheet: the columns of `ledger.csv`, numbers as numbers (whole metres,
/// `0.0%` shares, `#,##0` residents): its header and `rows`, the ledger's rows from row
/// `first` (0-based) on.
fn ledger_sheet(
    ws: &mut Worksheet,
    report: &LifeCircleReport,
    lang: Lang,
    rows: &[LedgerRow],
    first: usize,
    f: &Formats,
) -> Result<(), XlsxError> {
    let labels = ledger_header(report.compounds, lang);
    let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    table_header(ws, &refs, first + rows.len(), f)?;
    if let Some(row) = rows.first() {
        column_formats(ws, report, lang, row, f)?;
    }
    for (k, r) in rows.iter().enumerate() {
        ledger_line(ws, report, lang, r, first + k)?;
    }
    Ok(())
}

/// What a ledger cell holds in the workbook.
enum XlsxValue<'a> {
    Number(f64),
    Text(&'a str),
}

/// A ledger cell as the workbook holds it: whole metres, shares to a tenth of a percent,
/// residents, text; `None` for a blank.
fn xlsx_value(value: LedgerCell<'_>) -> Option<XlsxValue<'_>> {
    Some(match value {
        LedgerCell::Number(n) => XlsxValue::Number(n as f64),
        LedgerCell::Text(text) => XlsxValue::Text(text),
        LedgerCell::Metres(Some(m)) => XlsxValue::Number(m.round()),
        LedgerCell::Share(Some(x)) => XlsxValue::Number((x * 1000.0).round() / 1000.0),
        LedgerCell::Population(p) => XlsxValue::Number(p),
        LedgerCell::Metres(None) | LedgerCell::Share(None) | LedgerCell::Blank => return None,
    })
}

/// Number formats set once per ledger column (whole metres, `0.0%`, `#,##0`), from the kinds
/// of the first row's cells: every row has the same kinds, and a cell written without a
/// format takes its column's, so the rows skip rust_xlsxwriter's per-cell format lookup
/// (a hash of the whole format, a sixth of the sheet's time on a 234,000-row ledger).
fn column_formats(
    ws: &mut Worksheet,
    report: &LifeCircleReport,
    lang: Lang,
    first: &LedgerRow,
    f: &Formats,
) -> Result<(), XlsxError> {
    let mut kinds: Vec<Option<&Format>> = Vec::new();
    ledger_cells(report.result, report.compounds, (first, 0), lang, |value| {
        kinds.push(match value {
            LedgerCell::Metres(_) => Some(&f.metres),
            LedgerCell::Share(_) => Some(&f.pct),
            LedgerCell::Population(_) => Some(&f.int),
            LedgerCell::Number(_) | LedgerCell::Text(_) | LedgerCell::Blank => None,
        })
    });
    for (col, format) in kinds.into_iter().enumerate() {
        if let Some(format) = format {
            ws.set_column_format(col as u16, format)?;
        }
    }
    Ok(())
}

/// Ledger row `k` (0-based) on sheet row `k + 1`: the cells of [`ledger_cells`], numbers as
/// numbers (whole metres, shares to a tenth of a percent, residents; formatted by their
/// column, see [`column_formats`]), blanks left empty.
fn ledger_line(
    ws: &mut Worksheet,
    report: &LifeCircleReport,
    lang: Lang,
    r: &LedgerRow,
    k: usize,
) -> Result<(), XlsxError> {
    let (lc, c) = (report.result, report.compounds);
    let row = k as u32 + 1;
    let mut col: u16 = 0;
    let mut result = Ok(());
    ledger_cells(lc, c, (r, k), lang, |value| {
        let written = match xlsx_value(value) {
            Some(XlsxValue::Number(v)) => ws.write_number(row, col, v).map(|_| ()),
            Some(XlsxValue::Text(t)) => ws.write_string(row, col, cell(t)).map(|_| ()),
            None => Ok(()),
        };
        if result.is_ok() {
            result = written;
        }
        col += 1;
    });
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecircle::{Facilities, FacilityFields, LifeCircle, LifeCircleOptions, Profile};
    use crate::model::{CompoundFields, Compounds};
    use std::io::Read;

    /// Every part of the package, unpacked, by name in package order.
    fn parts(book: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(book)).unwrap();
        (0..zip.len())
            .map(|i| {
                let mut f = zip.by_index(i).unwrap();
                let mut bytes = Vec::new();
                f.read_to_end(&mut bytes).unwrap();
                (f.name().unwrap().to_string(), bytes)
            })
            .collect()
    }

    /// The spliced ledger is rust_xlsxwriter's own, part for part and byte for byte, on the
    /// demo district with texts that need escaping (`&`, `<`, a literal `_x00AB_`, control
    /// characters, edge spaces, CJK), in both languages, with and without a scratch folder.
    #[test]
    fn spliced_ledger_equals_rust_xlsxwriters() {
        let dir = tempfile::tempdir().unwrap();
        let city = crate::synth::generate(&crate::synth::SynthSpec::demo());
        let facilities = city.typed_facilities(300, 3);
        let (cp, fp) = (dir.path().join("c.geojson"), dir.path().join("f.geojson"));
        std::fs::write(&cp, city.compounds_geojson()).unwrap();
        std::fs::write(&fp, city.facilities_geojson(&facilities)).unwrap();
        let fields = CompoundFields {
            group_by: vec!["street".into()],
            ..CompoundFields::default()
        };
        let mut c = Compounds::load(&cp, &Default::default(), &fields, &mut Vec::new()).unwrap();
        let odd = [
            " a&b<c>_x00AB_ ",
            "\u{1}x\ty",
            "名称\n",
            "_x12_&gt;",
            "plain",
        ];
        c.names = (0..c.len())
            .map(|i| odd[i % odd.len()].to_string())
            .collect();
        c.ids[3] = "id <3> & _x0041_".into();
        let profile = Profile::load("gb50180-2018").unwrap();
        let layers = [(fp, Default::default())];
        let f = Facilities::load(
            &layers,
            &FacilityFields::default(),
            &profile,
            &mut Vec::new(),
        )
        .unwrap();
        let area = crate::StudyArea::new(&[("c", &c.lonlat)], &mut Vec::new());
        let costs = crate::coverage::Costs::Euclidean;
        let lc = LifeCircle::new(area, &costs, &c, &f, &profile, LifeCircleOptions::default());
        let run = crate::report::RunInfo::default();
        let report = LifeCircleReport {
            result: &lc,
            compounds: &c,
            facilities: &f,
            run: &run,
        };
        assert!(
            ledger(&lc, &c).len() > 100,
            "the ledger is long enough to splice"
        );
        for lang in [Lang::Zh, Lang::En] {
            for scratch in [None, Some(dir.path())] {
                let rows = ledger(&lc, &c);
                let (mut spliced, mut whole) = (Vec::new(), Vec::new());
                build(&report, lang, scratch, &rows, true, &mut spliced).unwrap();
                build(&report, lang, scratch, &rows, false, &mut whole).unwrap();
                let (a, b) = (parts(&spliced), parts(&whole));
                assert_eq!(a.len(), b.len());
                for ((na, pa), (nb, pb)) in a.iter().zip(&b) {
                    assert_eq!(na, nb);
                    assert!(
                        pa == pb,
                        "{na} differs ({lang:?}, scratch {})",
                        scratch.is_some()
                    );
                }
            }
        }
    }

    #[test]
    fn sheet_names_are_legal_and_distinct() {
        let mut taken = vec!["summary".to_string(), "ledger".to_string()];
        assert_eq!(sheet_name("'quoted'", &mut taken), "quoted");
        assert_eq!(sheet_name("街道", &mut taken), "街道");
        assert_eq!(sheet_name("Summary", &mut taken), "Summary_2");
        assert_eq!(sheet_name("a/b", &mut taken), "a_b");
        assert_eq!(
            sheet_name("x".repeat(40).as_str(), &mut taken)
                .chars()
                .count(),
            28
        );
    }
}
