//! The files of a life-circle run: compounds with their distance and flag per type
//! (GeoJSON and CSV), facilities with the population they serve, `summary.json` with its
//! `lifecircle` section, and the problem ledger (one row per compound and missing type).

use std::io::Write;

use super::layers::{push_coordinate, push_point, write_collection, write_rows_parallel};
use super::summary::round;
use super::tables::push_field;
use super::{Lang, LifeCircleSummary, RunInfo, push_f64, push_rounded};
use crate::io::{OutputSet, push_json_str};
use crate::lifecircle::{Facilities, FacilityEffect, LifeCircle, LifeCircleScenarioResult};
use crate::model::Compounds;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// What the outputs are made from.
#[derive(Debug, Clone, Copy)]
pub struct LifeCircleReport<'a> {
    /// The run's result.
    pub result: &'a LifeCircle,
    /// The compounds measured.
    pub compounds: &'a Compounds,
    /// The facilities of the profile's types.
    pub facilities: &'a Facilities,
    /// Inputs, warnings, timings.
    pub run: &'a RunInfo,
}

/// The files of a life-circle run: `summary.json`, `compounds.geojson`, `compounds.csv`,
/// `facilities.geojson`, `ledger.csv` and `lifecircle.xlsx` (headers in `lang`; its ledger
/// sheet streamed through `scratch`, normally the output directory, when given). Returns the
/// summary too, for printing.
pub fn lifecircle_outputs<'a>(
    report: LifeCircleReport<'a>,
    lang: Lang,
    scratch: Option<&'a std::path::Path>,
) -> (LifeCircleSummary, OutputSet<'a>) {
    let summary = LifeCircleSummary::new(&report);
    let mut out = OutputSet::new();
    out.add("summary.json", summary.to_json().into_bytes());
    out.add_stream(
        "compounds.geojson",
        Box::new(move |w| write_compounds_geojson(w, &report)),
    );
    out.add_stream(
        "compounds.csv",
        Box::new(move |w| write_compounds_csv(w, &report)),
    );
    out.add_stream(
        "facilities.geojson",
        Box::new(move |w| write_facilities_geojson(w, &report)),
    );
    // The ledger's rows, sorted once for the CSV and the workbook.
    let rows = std::sync::Arc::new(super::ledger::ledger(report.result, report.compounds));
    let csv_rows = std::sync::Arc::clone(&rows);
    out.add_stream(
        "ledger.csv",
        Box::new(move |w| write_ledger_rows(w, &report, lang, &csv_rows)),
    );
    out.add_stream(
        "lifecircle.xlsx",
        Box::new(move |w| {
            super::lifecircle_xlsx::write_workbook(&report, lang, scratch, &rows, w)
                .map_err(std::io::Error::other)
        }),
    );
    (summary, out)
}

/// Appends `"key":` to a JSON object being built.
fn push_key(s: &mut String, key: &str) {
    s.push(',');
    push_json_str(s, key);
    s.push(':');
}

/// One per-compound value, before it is written as JSON or as a CSV cell.
enum Cell<'a> {
    /// A number rounded to the given decimals (`null` / empty when not finite).
    Num(f64, i32),
    /// A flag.
    Flag(bool),
    /// Comma-separated type ids.
    Missing(&'a LifeCircle, usize),
}

/// The names the group fields are written under in the life-circle compound layer and table,
/// beside `id`, `lon`, `lat`, `population` and the per-type `columns`.
fn lifecircle_group_names(c: &crate::model::Compounds, columns: &[String]) -> Vec<String> {
    let mut reserved: Vec<String> = ["id", "lon", "lat", "population"]
        .map(String::from)
        .to_vec();
    reserved.extend(columns.iter().cloned());
    super::group_column_names(&c.group_fields, &reserved)
}

/// The names of the per-type columns, in output order.
fn column_names(lc: &LifeCircle) -> Vec<String> {
    let ids = || lc.profile.types.iter().map(|t| t.type_id.as_str());
    let mut v: Vec<String> = ids().map(|t| format!("d_{t}")).collect();
    v.extend(ids().map(|t| format!("ok_{t}")));
    v.extend(lc.levels.iter().map(|l| format!("complete_{l}")));
    v.extend(["complete", "completeness", "missing"].map(String::from));
    for (t, r) in ids().zip(&lc.types) {
        if r.access.is_some() {
            v.push(format!("access_{t}"));
        }
    }
    v
}

/// Calls `emit` with compound `i`'s per-type values, in the order of [`column_names`].
fn compound_cells(lc: &LifeCircle, i: usize, mut emit: impl FnMut(usize, Cell)) {
    let mut k = 0;
    let mut next = |c: Cell| {
        emit(k, c);
        k += 1;
    };
    for r in &lc.types {
        next(Cell::Num(r.nearest_m[i], 2));
    }
    for r in &lc.types {
        next(Cell::Flag(r.ok[i]));
    }
    for flags in &lc.complete_level {
        next(Cell::Flag(flags[i]));
    }
    next(Cell::Flag(lc.complete[i]));
    next(Cell::Num(lc.completeness[i], 4));
    next(Cell::Missing(lc, i));
    for r in &lc.types {
        if let Some(a) = &r.access {
            next(Cell::Num(a[i], 6));
        }
    }
}

/// The missing type ids of compound `i`, comma-separated.
fn missing_ids(lc: &LifeCircle, i: usize) -> String {
    let mut s = String::new();
    for (k, t) in lc.missing(i).enumerate() {
        if k > 0 {
            s.push(',');
        }
        s.push_str(&lc.profile.types[t].type_id);
    }
    s
}

/// Streams `compounds.geojson`: each compound with `id`, `population`, its group fields and
/// the per-type columns.
pub fn write_compounds_geojson(
    w: &mut (dyn Write + Send),
    report: &LifeCircleReport,
) -> std::io::Result<()> {
    let (lc, c) = (report.result, report.compounds);
    let names = column_names(lc);
    // Each key as written (`,"d_school":`), escaped once for all 100,000s of features.
    let keys = |names: &[String]| -> Vec<String> {
        (names.iter())
            .map(|n| {
                let mut k = String::new();
                push_key(&mut k, n);
                k
            })
            .collect()
    };
    let group_keys = keys(&lifecircle_group_names(c, &names));
    let names = keys(&names);
    write_collection(w, c.len(), &|s: &mut String, i: usize| {
        s.push_str("{\"type\":\"Feature\",\"geometry\":");
        push_point(s, lc.study.output_lonlat(c.lonlat[i]));
        s.push_str(",\"properties\":{\"id\":");
        push_json_str(s, &c.ids[i]);
        s.push_str(",\"population\":");
        push_rounded(s, c.population[i], 6);
        for (g, values) in group_keys.iter().zip(&c.groups) {
            s.push_str(g);
            push_json_str(s, &values[i]);
        }
        compound_cells(lc, i, |k, cell| {
            s.push_str(&names[k]);
            match cell {
                Cell::Num(x, digits) => push_rounded(s, x, digits),
                Cell::Flag(b) => s.push_str(if b { "true" } else { "false" }),
                Cell::Missing(lc, i) => push_json_str(s, &missing_ids(lc, i)),
            }
        });
        s.push_str("}}");
    })
}

/// Streams `compounds.csv` (UTF-8 with BOM): `id`, `lon`, `lat`, `population`, the group
/// fields, then the per-type columns.
pub fn write_compounds_csv(
    w: &mut (dyn Write + Send),
    report: &LifeCircleReport,
) -> std::io::Result<()> {
    let (lc, c) = (report.result, report.compounds);
    w.write_all(BOM)?;
    let mut header = String::from("id,lon,lat,population");
    for g in lifecircle_group_names(c, &column_names(lc)) {
        header.push(',');
        push_field(&mut header, &g);
    }
    for name in column_names(lc) {
        header.push(',');
        header.push_str(&name);
    }
    header.push('\n');
    w.write_all(header.as_bytes())?;
    write_rows_parallel(w, c.len(), &|s: &mut String, i: usize| {
        push_field(s, &c.ids[i]);
        let [lon, lat] = lc.study.output_lonlat(c.lonlat[i]);
        s.push(',');
        push_coordinate(s, lon);
        s.push(',');
        push_coordinate(s, lat);
        s.push(',');
        push_rounded(s, c.population[i], 6);
        for values in &c.groups {
            s.push(',');
            push_field(s, &values[i]);
        }
        compound_cells(lc, i, |_, cell| {
            s.push(',');
            match cell {
                Cell::Num(x, digits) if x.is_finite() => push_rounded(s, x, digits),
                Cell::Num(..) => {}
                Cell::Flag(b) => s.push_str(if b { "true" } else { "false" }),
                Cell::Missing(lc, i) => push_field(s, &missing_ids(lc, i)),
            }
        });
        s.push('\n');
    })
}

/// Streams `facilities.geojson`: each facility of a profile type with `id`, `type` (the
/// profile's id), `source_type` (the type value as the input wrote it), `type_name` (the
/// type's Chinese name), `served_population` (residents within the type's distance; `null`
/// on foot unless catchments were counted) and `nearest_population` (residents for whom it is
/// the nearest of its type and within the distance).
pub fn write_facilities_geojson(
    w: &mut (dyn Write + Send),
    report: &LifeCircleReport,
) -> std::io::Result<()> {
    let (lc, f) = (report.result, report.facilities);
    // Position of each facility within its type's list.
    let mut served = vec![None; f.len()];
    let mut nearest = vec![0.0; f.len()];
    for r in &lc.types {
        for (k, &j) in r.facilities.iter().enumerate() {
            served[j] = r.served_population.as_ref().map(|s| s[k]);
            nearest[j] = r.nearest_population[k];
        }
    }
    write_collection(w, f.len(), &|s: &mut String, j: usize| {
        s.push_str("{\"type\":\"Feature\",\"geometry\":");
        push_point(s, lc.study.output_lonlat(f.lonlat[j]));
        s.push_str(",\"properties\":{\"id\":");
        push_json_str(s, &f.ids[j]);
        s.push_str(",\"type\":");
        let ty = &lc.profile.types[f.type_of[j] as usize];
        push_json_str(s, &ty.type_id);
        s.push_str(",\"source_type\":");
        let source = f.source_type(j);
        push_json_str(
            s,
            if source.is_empty() {
                &ty.type_id
            } else {
                source
            },
        );
        s.push_str(",\"type_name\":");
        push_json_str(s, ty.chinese_name());
        s.push_str(",\"served_population\":");
        match served[j] {
            Some(p) => push_rounded(s, p, 6),
            None => s.push_str("null"),
        }
        s.push_str(",\"nearest_population\":");
        push_rounded(s, nearest[j], 6);
        if lc.types.iter().any(|t| t.access.is_some()) {
            s.push_str(",\"capacity\":");
            push_f64(s, f.capacity[j]);
        }
        s.push_str("}}");
    })
}

/// One ledger row: compound index and missing type index, in compound then profile order.
pub fn ledger_rows(lc: &LifeCircle) -> Vec<(usize, usize)> {
    (0..lc.complete.len())
        .flat_map(|i| lc.missing(i).map(move |t| (i, t)))
        .collect()
}

/// Streams `ledger.csv` (UTF-8 with BOM), the 问题台账: the columns of
/// [`ledger_header`](super::ledger::ledger_header) (Chinese under `zh`), one row per compound
/// and missing type in [`ledger`](super::ledger::ledger) order; distances in whole metres,
/// empty where no facility is reachable; the last three columns left for the office.
pub fn write_ledger(
    w: &mut (dyn Write + Send),
    report: &LifeCircleReport,
    lang: Lang,
) -> std::io::Result<()> {
    let rows = super::ledger::ledger(report.result, report.compounds);
    write_ledger_rows(w, report, lang, &rows)
}

/// [`write_ledger`] with the ledger's rows already made.
fn write_ledger_rows(
    w: &mut (dyn Write + Send),
    report: &LifeCircleReport,
    lang: Lang,
    rows: &[super::ledger::LedgerRow],
) -> std::io::Result<()> {
    w.write_all(BOM)?;
    let mut header = String::new();
    for (k, h) in super::ledger::ledger_header(report.compounds, lang)
        .iter()
        .enumerate()
    {
        if k > 0 {
            header.push(',');
        }
        push_field(&mut header, h);
    }
    header.push('\n');
    w.write_all(header.as_bytes())?;
    write_rows_parallel(w, rows.len(), &|s: &mut String, k: usize| {
        push_ledger_row(s, report, &rows[k], k, lang);
    })
}

/// One `ledger.csv` line: the cells of [`ledger_cells`](super::ledger::ledger_cells), shares
/// as `6.0%`.
fn push_ledger_row(
    s: &mut String,
    report: &LifeCircleReport,
    row: &super::ledger::LedgerRow,
    k: usize,
    lang: Lang,
) {
    use super::ledger::LedgerCell;
    let (lc, c) = (report.result, report.compounds);
    let mut first = true;
    super::ledger::ledger_cells(lc, c, (row, k), lang, |cell| {
        if !first {
            s.push(',');
        }
        first = false;
        match cell {
            LedgerCell::Number(n) => s.push_str(itoa::Buffer::new().format(n)),
            LedgerCell::Text(text) => push_field(s, text),
            LedgerCell::Metres(Some(m)) => push_rounded(s, m, 0),
            LedgerCell::Share(Some(x)) => {
                use std::fmt::Write as _;
                write!(s, "{:.1}%", 100.0 * x).expect("writing to a String cannot fail");
            }
            LedgerCell::Population(p) => push_rounded(s, p, 6),
            LedgerCell::Metres(None) | LedgerCell::Share(None) | LedgerCell::Blank => {}
        }
    });
    s.push('\n');
}

/// A terminal table: one line per type (Chinese names under `zh`), per level and the
/// complete share, counts with thousands separators.
pub fn lifecircle_table(report: &LifeCircleReport, lang: Lang) -> String {
    use super::ledger::{method_label, type_name};
    use super::table::{percent, render_table, thousands};
    let lc = report.result;
    let zh = lang == Lang::Zh;
    let mut s = format!(
        "{}: {} — {} {}, {} {}, {} {} ({})\n\n",
        if zh { "生活圈" } else { "Life circle" },
        lc.profile.name,
        thousands(report.compounds.len() as f64),
        if zh { "个小区" } else { "compounds" },
        thousands(report.compounds.total_population()),
        if zh { "人" } else { "residents" },
        thousands(report.facilities.len() as f64),
        if zh { "处设施" } else { "facilities" },
        method_label(lc.metric, lang)
    );
    let header: [&str; 6] = if zh {
        ["设施", "分钟", "标准(米)", "设施数", "覆盖小区", "覆盖人口"]
    } else {
        [
            "type",
            "level",
            "max m",
            "facilities",
            "compounds",
            "residents",
        ]
    };
    let rows: Vec<Vec<String>> = lc
        .type_rows
        .iter()
        .zip(&lc.profile.types)
        .map(|(r, ty)| {
            vec![
                type_name(ty, lang).to_string(),
                r.level.to_string(),
                thousands(r.max_distance_m),
                thousands(r.facilities as f64),
                thousands(r.compounds_covered as f64),
                percent(r.population_share),
            ]
        })
        .collect();
    s.push_str(&render_table(&header, &rows));
    s.push('\n');
    for l in &lc.level_rows {
        s.push_str(&if zh {
            format!(
                "{:>2} 分钟生活圈齐全：{} 个小区，{} 的人口\n",
                l.minutes,
                thousands(l.compounds_complete as f64),
                percent(l.population_share)
            )
        } else {
            format!(
                "complete at {:>2} min: {} compounds, {} of residents\n",
                l.minutes,
                thousands(l.compounds_complete as f64),
                percent(l.population_share)
            )
        });
    }
    let (n, share) = (
        lc.complete_share.compounds as f64,
        lc.complete_share.population_share,
    );
    let ledger = thousands(ledger_rows(lc).len() as f64);
    s.push_str(&if zh {
        format!(
            "全部设施齐全：{} 个小区，{} 的人口；问题台账 {ledger} 行\n",
            thousands(n),
            percent(share)
        )
    } else {
        format!(
            "complete (every type): {} compounds, {} of residents; ledger rows: {ledger}\n",
            thousands(n),
            percent(share)
        )
    });
    network_lines(&mut s, lc);
    for w in &report.run.warnings {
        s.push_str(&format!("warning: {w}\n"));
    }
    s
}

/// The walking network's line of the terminal table.
fn network_lines(s: &mut String, lc: &LifeCircle) {
    if let Some(n) = &lc.network {
        s.push_str(&format!(
            "walking network: {} km of streets; {} compounds and {} facilities beyond the {} m \
             snap limit (unreachable), {} compounds on streets that reach no facility\n",
            super::table::thousands_fixed(n.length_km, 1),
            super::table::thousands(n.compounds_beyond_snap_limit as f64),
            super::table::thousands(n.centers_beyond_snap_limit as f64),
            super::table::fixed(n.snap_limit_m, 0),
            super::table::thousands(n.compounds_on_isolated_streets as f64)
        ));
    }
}

/// Adds what `lifecircle --scenario` learned: the summary's `scenarios` section (rewriting
/// `summary.json`), `scenarios.csv` (one row per scenario × type) and
/// `scenario_facilities.csv` (one row per added facility: compounds it reaches that had none
/// of its type, and the compounds it completes).
pub fn lifecircle_scenario_outputs(
    summary: &mut LifeCircleSummary,
    files: &mut OutputSet,
    changes: &[LifeCircleScenarioResult],
) {
    summary.scenarios = Some(changes.to_vec());
    files.add("summary.json", summary.to_json().into_bytes());
    let num = |x: f64| round(x, 6).to_string();
    let mut types = BOM.to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut types);
        let _ = w.write_record([
            "scenario",
            "type",
            "baseline_share",
            "share",
            "delta_share",
            "delta_population",
            "compounds_gained",
        ]);
        for c in changes {
            for t in &c.types {
                let _ = w.write_record([
                    c.name.clone(),
                    t.type_id.clone(),
                    num(t.baseline_share),
                    num(t.share),
                    num(t.delta_share),
                    num(t.delta_population),
                    t.compounds_gained.to_string(),
                ]);
            }
        }
        let _ = w.flush();
    }
    files.add("scenarios.csv", types);
    let mut effects = BOM.to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut effects);
        let _ = w.write_record([
            "scenario",
            "id",
            "type",
            "compounds_reached",
            "population_reached",
            "compounds_completed",
        ]);
        for c in changes {
            for f in &c.facilities {
                let _ = w.write_record([
                    c.name.clone(),
                    f.id.clone(),
                    f.type_id.clone(),
                    f.compounds_reached.to_string(),
                    num(f.population_reached),
                    f.compounds_completed.to_string(),
                ]);
            }
        }
        let _ = w.flush();
    }
    files.add("scenario_facilities.csv", effects);
}

/// The terminal lines of the scenarios: completeness before and after, the ledger rows
/// resolved and what each added facility does.
pub fn lifecircle_scenario_table(changes: &[LifeCircleScenarioResult]) -> String {
    let mut s = String::from("\nScenarios\n");
    for c in changes {
        s.push_str(&format!(
            "  {}: {} facilities added; complete {} → {} ({:+.1} points), {} compounds \
             completed, {} ledger rows resolved ({} left)\n",
            c.name,
            c.added,
            super::table::percent(c.baseline_complete_share),
            super::table::percent(c.complete_share),
            c.delta_complete_share * 100.0,
            c.compounds_completed,
            c.ledger_rows_resolved,
            c.ledger_rows_left
        ));
        let mut effects: Vec<&FacilityEffect> = c.facilities.iter().collect();
        effects.sort_by(|a, b| {
            b.compounds_completed
                .cmp(&a.compounds_completed)
                .then(b.compounds_reached.cmp(&a.compounds_reached))
        });
        for f in effects.iter().take(10) {
            s.push_str(&format!(
                "    the new {} {} reaches {} compounds that had none and completes {}\n",
                f.type_id, f.id, f.compounds_reached, f.compounds_completed
            ));
        }
    }
    s
}
