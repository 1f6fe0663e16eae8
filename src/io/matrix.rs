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
        let row_error = |item: String, message: String| Error::Item {
            path: path.to_path_buf(),
            item,
            message,
        };
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| row_error("header".into(), clip(&e.to_string()).into_owned()))?
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
        let (sc, cc, kc) = (
            col(&columns.site)?,
            col(&columns.compound)?,
            col(&columns.cost)?,
        );
        let compound_index: HashMap<&str, u32> = compound_ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i as u32))
            .collect();
        let known_sites: std::collections::HashSet<&str> = site_ids.iter().copied().collect();
        let to_m = match unit {
            CostUnit::Metres => 1.0,
            CostUnit::Minutes => speed_kmh * 1000.0 / 60.0,
        };
        let mut by_site: HashMap<String, Vec<(u32, f64)>> = HashMap::new();
        let mut seen: HashMap<(String, u32), u64> = HashMap::new();
        let mut record = csv::StringRecord::new();
        let mut rows = 0;
        while reader.read_record(&mut record).map_err(|e| {
            row_error(
                format!("row {}", rows + 2),
                clip(&e.to_string()).into_owned(),
            )
        })? {
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            let item = format!("row {line}");
            let site = record.get(sc).unwrap_or("");
            let compound = record.get(cc).unwrap_or("");
            let cost_text = record.get(kc).unwrap_or("");
            let (site_q, compound_q, cost_q) = (quoted(site), quoted(compound), quoted(cost_text));
            if !known_sites.contains(site) {
                return Err(row_error(
                    item,
                    format!("site id {site_q} matches no centre or candidate"),
                ));
            }
            let Some(&ci) = compound_index.get(compound) else {
                return Err(row_error(
                    item,
                    format!("compound id {compound_q} matches no compound"),
                ));
            };
            let cost: f64 = cost_text
                .parse()
                .map_err(|_| row_error(item.clone(), format!("cost {cost_q} is not a number")))?;
            if !cost.is_finite() || cost < 0.0 {
                return Err(row_error(
                    item,
                    format!("cost {cost_q} must be a finite number ≥ 0"),
                ));
            }
            if let Some(first) = seen.insert((site.to_string(), ci), line) {
                return Err(row_error(
                    item,
                    format!("pair ({site_q}, {compound_q}) is listed twice (first at row {first})"),
                ));
            }
            by_site
                .entry(site.to_string())
                .or_default()
                .push((ci, cost * to_m));
            rows += 1;
        }
        if rows == 0 {
            return Err(Error::EmptyLayer {
                path: path.to_path_buf(),
                message: "the cost matrix has no rows".into(),
            });
        }
        Ok(CostTable {
            path: path.to_path_buf(),
            by_site,
            rows,
        })
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
