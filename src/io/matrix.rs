//! Cost-matrix input: a CSV of (site id, compound id, cost) rows exported from another tool
//! (ArcGIS OD cost matrix, OSRM table, r5), in metres or minutes. Pairs not listed are not
//! reachable.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result, clip, quoted};

/// Unit of the cost column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CostUnit {
    /// Metres.
    #[default]
    Metres,
    /// Minutes (turned into metres at the circle's walking speed).
    Minutes,
}

impl std::str::FromStr for CostUnit {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "m" | "metres" | "meters" => Ok(CostUnit::Metres),
            "min" | "minutes" => Ok(CostUnit::Minutes),
            _ => Err(Error::parameter(
                crate::error::Param::MatrixUnit,
                s,
                "must be m or min",
            )),
        }
    }
}

/// Column names of a cost matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatrixColumns {
    /// Site (centre or candidate) id column.
    pub site: String,
    /// Compound id column.
    pub compound: String,
    /// Cost column.
    pub cost: String,
}

impl Default for MatrixColumns {
    fn default() -> Self {
        MatrixColumns {
            site: "site".into(),
            compound: "compound".into(),
            cost: "cost".into(),
        }
    }
}

impl std::str::FromStr for MatrixColumns {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let parts: Vec<&str> = s.split(',').map(str::trim).collect();
        match parts.as_slice() {
            [a, b, c] if !a.is_empty() && !b.is_empty() && !c.is_empty() => Ok(MatrixColumns {
                site: a.to_string(),
                compound: b.to_string(),
                cost: c.to_string(),
            }),
            _ => Err(Error::parameter(
                crate::error::Param::MatrixColumns,
                s,
                "write it as SITE,COMPOUND,COST, e.g. origin,destination,total_length",
            )),
        }
    }
}

/// Travel costs from a user's table: for each site id, the compounds it reaches and the cost
/// in metres.
#[derive(Debug, Clone)]
pub struct CostTable {
    /// The file.
    pub path: PathBuf,
    /// Site id → `(compound index, cost_m)`, in file order.
    pub by_site: HashMap<String, Vec<(u32, f64)>>,
    /// Rows read.
    pub rows: usize,
}

impl CostTable {
    /// Reads a cost matrix. `compound_ids` are the compounds in layer order; `site_ids` every
    /// id a site may have (centres and candidates). Minutes become metres at `speed_kmh`.
    ///
    /// # Errors
    /// A missing column, a non-numeric, negative or non-finite cost, an id that matches no
    /// compound or site, or a pair listed twice — each naming the row.
    pub fn read(
        path: &Path,
        columns: &MatrixColumns,
        unit: CostUnit,
        speed_kmh: f64,
        compound_ids: &[String],
        site_ids: &[&str],
    ) -> Result<CostTable> {
        let bytes = super::read_input(path)?;
        Self::parse(
            path,
            &bytes,
            columns,
            unit,
            speed_kmh,
            compound_ids,
            site_ids,
        )
    }

    /// [`CostTable::read`] on a file's bytes already in memory (`path` names it in messages).
    pub fn parse(
        path: &Path,
        bytes: &[u8],
        columns: &MatrixColumns,
        unit: CostUnit,
        speed_kmh: f64,
        compound_ids: &[String],
        site_ids: &[&str],
    ) -> Result<CostTable> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(bytes);
        let [sc, cc, kc] = header_columns(path, &mut reader, columns)?;
        let mut rows = RowChecker {
            path,
            compound_index: compound_ids
                .iter()
                .enumerate()
                .map(|(i, id)| (id.as_str(), i as u32))
                .collect(),
            known_sites: site_ids.iter().copied().collect(),
            to_m: match unit {
                CostUnit::Metres => 1.0,
                CostUnit::Minutes => speed_kmh * 1000.0 / 60.0,
            },
            by_site: HashMap::new(),
            seen: HashMap::new(),
            rows: 0,
        };
        let mut record = csv::StringRecord::new();
        while reader.read_record(&mut record).map_err(|e| {
            row_error(
                path,
                format!("row {}", rows.rows + 2),
                clip(&e.to_string()).into_owned(),
            )
        })? {
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            let field = |c: usize| record.get(c).unwrap_or("");
            rows.add(line, field(sc), field(cc), field(kc))?;
        }
        if rows.rows == 0 {
            return Err(Error::EmptyLayer {
                path: path.to_path_buf(),
                message: "the cost matrix has no rows".into(),
            });
        }
        Ok(CostTable {
            path: path.to_path_buf(),
            by_site: rows.by_site,
            rows: rows.rows,
        })
    }
}

fn row_error(path: &Path, item: String, message: String) -> Error {
    Error::Item {
        path: path.to_path_buf(),
        item,
        message,
    }
}

/// The positions of the site, compound and cost columns (names matched in any ASCII case).
fn header_columns(
    path: &Path,
    reader: &mut csv::Reader<&[u8]>,
    columns: &MatrixColumns,
) -> Result<[usize; 3]> {
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| row_error(path, "header".into(), clip(&e.to_string()).into_owned()))?
        .iter()
        .map(str::to_string)
        .collect();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name || h.eq_ignore_ascii_case(name))
            .ok_or_else(|| Error::Format {
                path: path.to_path_buf(),
                message: format!(
                    "no column {name:?} in the header [{}]; name the columns with \
                     --matrix-columns SITE,COMPOUND,COST",
                    clip(&headers.join(", "))
                ),
            })
    };
    Ok([
        col(&columns.site)?,
        col(&columns.compound)?,
        col(&columns.cost)?,
    ])
}

/// Checks rows one by one and collects the costs by site.
struct RowChecker<'a> {
    path: &'a Path,
    compound_index: HashMap<&'a str, u32>,
    known_sites: std::collections::HashSet<&'a str>,
    /// Metres per unit of the cost column.
    to_m: f64,
    by_site: HashMap<String, Vec<(u32, f64)>>,
    /// The line each (site, compound) pair was first listed on.
    seen: HashMap<(String, u32), u64>,
    rows: usize,
}

impl RowChecker<'_> {
    /// Adds the row on file line `line`, or names what is wrong with it.
    fn add(&mut self, line: u64, site: &str, compound: &str, cost_text: &str) -> Result<()> {
        let item = format!("row {line}");
        let fail = |item: String, message: String| Err(row_error(self.path, item, message));
        let (site_q, compound_q, cost_q) = (quoted(site), quoted(compound), quoted(cost_text));
        if !self.known_sites.contains(site) {
            return fail(
                item,
                format!("site id {site_q} matches no centre or candidate"),
            );
        }
        let Some(&ci) = self.compound_index.get(compound) else {
            return fail(
                item,
                format!("compound id {compound_q} matches no compound"),
            );
        };
        let Ok(cost) = cost_text.parse::<f64>() else {
            return fail(item, format!("cost {cost_q} is not a number"));
        };
        if !cost.is_finite() || cost < 0.0 {
            return fail(item, format!("cost {cost_q} must be a finite number ≥ 0"));
        }
        if let Some(first) = self.seen.insert((site.to_string(), ci), line) {
            return fail(
                item,
                format!("pair ({site_q}, {compound_q}) is listed twice (first at row {first})"),
            );
        }
        self.by_site
            .entry(site.to_string())
            .or_default()
            .push((ci, cost * self.to_m));
        self.rows += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn read(text: &str, unit: CostUnit) -> Result<CostTable> {
        let mut f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        let compounds = vec!["c1".to_string(), "c2".to_string()];
        CostTable::read(
            f.path(),
            &MatrixColumns::default(),
            unit,
            4.0,
            &compounds,
            &["s1", "s2"],
        )
    }

    #[test]
    fn reads_metres_and_minutes() {
        let t = read(
            "site,compound,cost\ns1,c1,100\ns1,c2,900\ns2,c2,5\n",
            CostUnit::Minutes,
        )
        .unwrap();
        assert_eq!(t.rows, 3);
        let s2 = &t.by_site["s2"];
        assert!((s2[0].1 - 5.0 * 4000.0 / 60.0).abs() < 1e-9);
    }

    #[test]
    fn bad_rows_are_named() {
        for (text, expect) in [
            ("site,compound,cost\ns1,c9,1\n", "row 2: compound id \"c9\""),
            (
                "site,compound,cost\ns1,c1,1\nsX,c1,1\n",
                "row 3: site id \"sX\"",
            ),
            ("site,compound,cost\ns1,c1,-4\n", "must be a finite number"),
            ("site,compound,cost\ns1,c1,abc\n", "\"abc\" is not a number"),
            ("site,compound,cost\ns1,c1,1\ns1,c1,2\n", "listed twice"),
            ("a,b,c\ns1,c1,1\n", "no column \"site\""),
            ("site,compound,cost\n", "no rows"),
        ] {
            let e = read(text, CostUnit::Metres).unwrap_err().to_string();
            assert!(e.contains(expect), "{e} should contain {expect}");
        }
    }

    #[test]
    fn columns_parse() {
        let c: MatrixColumns = "o, d ,len".parse().unwrap();
        assert_eq!(c.compound, "d");
        assert!("a,b".parse::<MatrixColumns>().is_err());
    }
}
