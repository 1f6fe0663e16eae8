//! Spreadsheet outputs for officials: `compounds.csv` (one row per compound, the same fields
//! as `compounds.geojson` plus lon/lat) and one `by_<field>.csv` per group field. UTF-8 with a
//! byte-order mark, so Excel on Chinese Windows shows the Chinese names correctly.

use std::io::Write;

use crate::circle::Circle;
use crate::coverage::{Analysis, GroupRow};
use crate::model::{Centres, Compounds};

pub(super) const BOM: &[u8] = b"\xEF\xBB\xBF";

fn round(x: f64, digits: i32) -> String {
    let mut s = String::new();
    push_round(&mut s, x, digits);
    s
}

/// Appends `x` rounded to `digits` decimals; nothing when it is not finite (an empty cell).
fn push_round(out: &mut String, x: f64, digits: i32) {
    if x.is_finite() {
        super::push_rounded(out, x, digits);
    }
}

/// Appends a CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
pub(super) fn push_field(out: &mut String, field: &str) {
    // Bytes, not chars: the four are ASCII, which never occurs inside a multi-byte character.
    if field
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

/// Streams `compounds.csv` to `w`, rows formatted in parallel.
pub fn write_compounds_csv(
    w: &mut (dyn Write + Send),
    compounds: &Compounds,
    centres: &Centres,
    analysis: &Analysis,
    circle: &Circle,
) -> std::io::Result<()> {
    write_compounds_csv_with(w, (compounds, centres, analysis, circle), &[], &|_, _| {})
}

/// [`write_compounds_csv`] with more columns: `extra_header` names them and `extra` writes
/// each row's cells (each starting with `,`).
pub(crate) fn write_compounds_csv_with(
    w: &mut (dyn Write + Send),
    (compounds, centres, analysis, circle): (&Compounds, &Centres, &Analysis, &Circle),
    extra_header: &[String],
    extra: &(dyn Fn(&mut String, usize) + Sync),
) -> std::io::Result<()> {
    w.write_all(BOM)?;
    let mut header = String::from(
        "id,lon,lat,population,nearest_center,distance_m,minutes,covered,centers_within,reachable",
    );
    for g in super::group_column_names(&compounds.group_fields, &super::compound_columns()) {
        header.push(',');
        push_field(&mut header, &g);
    }
    // Added after the group columns, so a column's position never moves.
    header.push_str(",serving_center,serving_distance_m");
    for g in extra_header {
        header.push(',');
        push_field(&mut header, g);
    }
    header.push('\n');
    w.write_all(header.as_bytes())?;
    let cov = &analysis.coverage;
    super::layers::write_rows_parallel(w, compounds.len(), &|s: &mut String, i: usize| {
        push_field(s, &compounds.ids[i]);
        let [lon, lat] = analysis.study.output_lonlat(compounds.lonlat[i]);
        s.push(',');
        super::layers::push_coordinate(s, lon);
        s.push(',');
        super::layers::push_coordinate(s, lat);
        s.push(',');
        push_round(s, compounds.population[i], 6);
        s.push(',');
        if let Some(c) = cov.nearest[i] {
            push_field(s, &centres.ids[c as usize]);
        }
        s.push(',');
        push_round(s, cov.nearest_cost_m[i], 2);
        s.push(',');
        push_round(s, circle.minutes_for(cov.nearest_cost_m[i]), 2);
        s.push_str(if cov.is_covered(i) {
            ",true,"
        } else {
            ",false,"
        });
        s.push_str(itoa::Buffer::new().format(cov.sites_within(i)));
        s.push_str(if cov.nearest[i].is_some() {
            ",true"
        } else {
            ",false"
        });
        for g in &compounds.groups {
            s.push(',');
            push_field(s, &g[i]);
        }
        s.push(',');
        if let Some(c) = cov.serving[i] {
            push_field(s, &centres.ids[c as usize]);
            s.push(',');
            push_round(s, cov.serving_cost_m[i], 2);
        } else {
            s.push(',');
        }
        extra(s, i);
        s.push('\n');
    })
}

/// `by_<field>.csv`: one row per value of a group field.
pub fn group_csv(field: &str, rows: &[GroupRow]) -> Vec<u8> {
    let mut bytes = BOM.to_vec();
    {
        let mut out = csv::Writer::from_writer(&mut bytes);
        let _ = out.write_record([
            field,
            "compounds",
            "covered_compounds",
            "population",
            "covered_population",
            "share",
        ]);
        for r in rows {
            let _ = out.write_record([
                r.value.clone(),
                r.compounds.to_string(),
                r.covered_compounds.to_string(),
                round(r.population, 6),
                round(r.covered_population, 6),
                round(r.share, 6),
            ]);
        }
        let _ = out.flush();
    }
    bytes
}

/// A file name for a group field's table that is safe on every file system.
pub fn group_csv_name(field: &str) -> String {
    let safe: String = field
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("by_{safe}.csv")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed() {
        let mut s = String::new();
        for f in ["plain", "a,b", "say \"hi\"", "中文"] {
            push_field(&mut s, f);
            s.push('|');
        }
        assert_eq!(s, "plain|\"a,b\"|\"say \"\"hi\"\"\"|中文|");
    }

    #[test]
    fn group_table_has_bom_header_and_rows() {
        let rows = vec![GroupRow {
            value: "杏林".into(),
            compounds: 2,
            covered_compounds: 1,
            population: 30.0,
            covered_population: 10.0,
            share: 1.0 / 3.0,
        }];
        let bytes = group_csv("街道", &rows);
        assert!(bytes.starts_with(BOM));
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert!(text.starts_with("街道,compounds,"), "{text}");
        assert!(text.contains("杏林,2,1,30,10,0.333333"), "{text}");
        assert_eq!(group_csv_name("街道/名"), "by_街道_名.csv");
    }
}
