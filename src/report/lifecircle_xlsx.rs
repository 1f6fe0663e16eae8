//! `lifecircle.xlsx`, the workbook officials file: a summary sheet (per type, per level,
//! complete), one sheet per group field and the problem ledger, with English or Chinese
//! headers. Written with rust_xlsxwriter (pure Rust); the creation date is fixed so the bytes
//! depend on the inputs only.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use super::Lang;
use super::lifecircle::{LifeCircleReport, ledger_rows};

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
const LEDGER_HEADERS: [Label; 6] = [
    ("type", "缺失设施类型"),
    ("level (min)", "生活圈层级（分钟）"),
    ("nearest (m)", "最近距离（米）"),
    ("max distance (m)", "服务半径（米）"),
    ("population", "人口"),
    ("compound", "小区"),
];

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

/// `lifecircle.xlsx` as bytes. With a `scratch` directory the ledger sheet streams its rows
/// through an anonymous temporary file there (rust_xlsxwriter's constant-memory mode)
/// instead of holding every cell in memory (its strings are then written inline).
pub fn lifecircle_xlsx(
    report: &LifeCircleReport,
    lang: Lang,
    scratch: Option<&std::path::Path>,
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let props = DocProperties::new()
        .set_title("circleplan lifecircle")
        .set_creation_datetime(&ExcelDateTime::from_ymd(2000, 1, 1)?);
    wb.set_properties(&props);
    // The ledger can hold millions of cells: level 1 deflates several times faster than the
    // default 6 for a slightly larger file.
    wb.set_zip_compression_level(1);
    let bold = Format::new().set_bold();
    let pct = Format::new().set_num_format("0.0%");
    let mut taken = vec!["summary".to_string(), "ledger".to_string()];
    summary_sheet(wb.add_worksheet(), report, lang, &bold, &pct)?;
    let c = report.compounds;
    for (g, field) in c.group_fields.iter().enumerate() {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(field, &mut taken))?;
        group_sheet(ws, report, g, lang, &bold, &pct)?;
    }
    let ledger = match scratch {
        Some(dir) => {
            wb.set_tempdir(dir)?;
            wb.add_worksheet_with_constant_memory()?
        }
        None => wb.add_worksheet(),
    };
    ledger_sheet(ledger, report, lang, &bold)?;
    wb.save_to_buffer()
}

fn summary_sheet(
    ws: &mut Worksheet,
    report: &LifeCircleReport,
    lang: Lang,
    bold: &Format,
    pct: &Format,
) -> Result<(), XlsxError> {
    let lc = report.result;
    ws.set_name("summary")?;
    ws.set_column_width(0, 28)?;
    let title = pick(lang, ("Profile", "标准"));
    ws.write_string_with_format(0, 0, title, bold)?;
    ws.write_string(0, 1, cell(&lc.profile.name))?;
    let labels: Vec<&str> = TYPE_HEADERS.iter().map(|&l| pick(lang, l)).collect();
    header(ws, 2, &labels, bold)?;
    let mut row = 3;
    for r in &lc.type_rows {
        ws.write_string(row, 0, &r.type_id)?;
        ws.write_number(row, 1, r.level)?;
        ws.write_number(row, 2, r.max_distance_m)?;
        ws.write_number(row, 3, r.facilities as f64)?;
        ws.write_number(row, 4, r.population_covered)?;
        ws.write_number_with_format(row, 5, r.population_share, pct)?;
        ws.write_number(row, 6, r.compounds_covered as f64)?;
        row += 1;
    }
    row += 1;
    let labels: Vec<&str> = LEVEL_HEADERS.iter().map(|&l| pick(lang, l)).collect();
    header(ws, row, &labels, bold)?;
    row += 1;
    for l in &lc.level_rows {
        ws.write_number(row, 0, l.minutes)?;
        ws.write_number(row, 1, l.population_complete)?;
        ws.write_number_with_format(row, 2, l.population_share, pct)?;
        ws.write_number(row, 3, l.compounds_complete as f64)?;
        row += 1;
    }
    ws.write_string_with_format(row, 0, pick(lang, ("every type", "全部设施齐全")), bold)?;
    let s = lc.complete_share;
    ws.write_number(row, 1, s.population)?;
    ws.write_number_with_format(row, 2, s.population_share, pct)?;
    ws.write_number(row, 3, s.compounds as f64)?;
    let ledger = ledger_rows(lc).len();
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
    bold: &Format,
    pct: &Format,
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
            Lang::Zh => format!("{}覆盖率", t.aliases.first().unwrap_or(&t.type_id)),
            Lang::En => format!("share {}", t.type_id),
        });
    }
    let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    header(ws, 0, &refs, bold)?;
    for (k, r) in lc.groups[g].iter().enumerate() {
        let row = k as u32 + 1;
        ws.write_string(row, 0, cell(&r.value))?;
        ws.write_number(row, 1, r.compounds as f64)?;
        ws.write_number(row, 2, r.population)?;
        ws.write_number_with_format(row, 3, r.complete.population_share, pct)?;
        let mut col = 4u16;
        for l in &r.levels {
            ws.write_number_with_format(row, col, l.population_share, pct)?;
            col += 1;
        }
        for t in &r.types {
            ws.write_number_with_format(row, col, t.population_share, pct)?;
            col += 1;
        }
    }
    Ok(())
}

fn ledger_sheet(
    ws: &mut Worksheet,
    report: &LifeCircleReport,
    lang: Lang,
    bold: &Format,
) -> Result<(), XlsxError> {
    let (lc, c) = (report.result, report.compounds);
    ws.set_name("ledger")?;
    let mut labels: Vec<&str> = vec![pick(lang, LEDGER_HEADERS[5])];
    labels.extend(c.group_fields.iter().map(String::as_str));
    labels.extend(LEDGER_HEADERS[..5].iter().map(|&l| pick(lang, l)));
    header(ws, 0, &labels, bold)?;
    let groups = c.group_fields.len() as u16;
    for (k, (i, t)) in ledger_rows(lc).into_iter().enumerate() {
        // Excel holds 1,048,576 rows; a longer ledger is complete in ledger.csv (and the
        // summary sheet says so).
        if k >= MAX_LEDGER_ROWS {
            break;
        }
        let row = k as u32 + 1;
        let ty = &lc.profile.types[t];
        ws.write_string(row, 0, cell(&c.ids[i]))?;
        for (g, values) in c.groups.iter().enumerate() {
            ws.write_string(row, 1 + g as u16, cell(&values[i]))?;
        }
        let col = 1 + groups;
        ws.write_string(row, col, &ty.type_id)?;
        ws.write_number(row, col + 1, ty.level_min)?;
        let d = lc.types[t].nearest_m[i];
        if d.is_finite() {
            ws.write_number(row, col + 2, (d * 100.0).round() / 100.0)?;
        }
        ws.write_number(row, col + 3, ty.max_distance_m)?;
        ws.write_number(row, col + 4, c.population[i])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
