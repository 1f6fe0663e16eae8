//! The problem ledger (问题台账) of a life-circle run, as an office files it: one row per
//! compound and missing facility type with its severity, sorted by group, severity and
//! population, with empty columns for the measures, the unit responsible and the deadline.
//! `ledger.csv` and the workbook's ledger sheet are both written from [`ledger`].

use std::cmp::Ordering;

use rayon::prelude::*;

use super::Lang;
use crate::coverage::Metric;
use crate::lifecircle::{FacilityType, LifeCircle};
use crate::model::Compounds;

/// How far a compound is from a facility type it lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// No facility of the type can be reached at all (无).
    Unreachable,
    /// The nearest is more than 10 % beyond the type's distance (缺失).
    Missing,
    /// The nearest is beyond the distance by at most 10 % (接近): a near miss.
    Near,
}

/// The share beyond a type's distance up to which a gap counts as a near miss.
pub const NEAR_SHARE: f64 = 0.10;

impl Severity {
    /// The severity of a nearest distance `distance_m` against `max_m` (`None` when the
    /// distance is within the limit).
    pub fn of(distance_m: f64, max_m: f64) -> Option<Severity> {
        if !distance_m.is_finite() {
            Some(Severity::Unreachable)
        } else if distance_m <= max_m {
            None
        } else if distance_m <= max_m * (1.0 + NEAR_SHARE) {
            Some(Severity::Near)
        } else {
            Some(Severity::Missing)
        }
    }

    /// The word a ledger shows.
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Severity::Unreachable, Lang::Zh) => "无",
            (Severity::Missing, Lang::Zh) => "缺失",
            (Severity::Near, Lang::Zh) => "接近",
            (Severity::Unreachable, Lang::En) => "none reachable",
            (Severity::Missing, Lang::En) => "missing",
            (Severity::Near, Lang::En) => "near",
        }
    }
}

/// One ledger row: a compound lacking one facility type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LedgerRow {
    /// Compound index.
    pub compound: usize,
    /// Facility type index in the profile.
    pub type_index: usize,
    /// Nearest facility of the type, metres (infinite when none is reachable).
    pub distance_m: f64,
    /// How bad the gap is.
    pub severity: Severity,
}

impl LedgerRow {
    /// Metres beyond the type's distance (`None` when none is reachable).
    pub fn over_m(&self, ty: &FacilityType) -> Option<f64> {
        self.distance_m
            .is_finite()
            .then_some(self.distance_m - ty.max_distance_m)
    }
}

/// The ledger: every compound and missing type, sorted by the group fields (in order), then
/// severity (none reachable, missing, near), then population (largest first), then compound
/// and type order.
pub fn ledger(lc: &LifeCircle, c: &Compounds) -> Vec<LedgerRow> {
    let mut rows: Vec<LedgerRow> = (0..lc.complete.len())
        .flat_map(|i| {
            lc.missing(i).map(move |t| {
                let d = lc.types[t].nearest_m[i];
                let max = lc.profile.types[t].max_distance_m;
                LedgerRow {
                    compound: i,
                    type_index: t,
                    distance_m: d,
                    severity: Severity::of(d, max).unwrap_or(Severity::Near),
                }
            })
        })
        .collect();
    // Stable either way; the parallel merge sort gives the same order.
    rows.par_sort_by(|a, b| order(c, a, b));
    rows
}

fn order(c: &Compounds, a: &LedgerRow, b: &LedgerRow) -> Ordering {
    let (i, j) = (a.compound, b.compound);
    c.groups
        .iter()
        .map(|g| g[i].cmp(&g[j]))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
        .then(a.severity.cmp(&b.severity))
        .then(c.population[j].total_cmp(&c.population[i]))
        .then(i.cmp(&j))
        .then(a.type_index.cmp(&b.type_index))
}

/// A type's name as a reader of `lang` sees it: the Chinese name under `zh`, the id under
/// `en`.
pub fn type_name(ty: &FacilityType, lang: Lang) -> &str {
    match lang {
        Lang::Zh => ty.chinese_name(),
        Lang::En => &ty.type_id,
    }
}

/// A type's name for a reader of a report or a workbook: the Chinese name under `zh`; under
/// `en` the id in words (`community_service_station` → "Community service station").
pub fn readable_name(ty: &FacilityType, lang: Lang) -> std::borrow::Cow<'_, str> {
    match lang {
        Lang::Zh => ty.chinese_name().into(),
        Lang::En => {
            let words = ty.type_id.replace('_', " ");
            let mut chars = words.chars();
            match chars.next() {
                Some(first) => format!("{}{}", first.to_uppercase(), chars.as_str()).into(),
                None => words.into(),
            }
        }
    }
}

/// How distance was measured, in words: 直线距离 / 步行距离 / 成本表.
pub fn method_label(metric: Metric, lang: Lang) -> &'static str {
    match (metric, lang) {
        (Metric::Euclidean, Lang::Zh) => "直线距离",
        (Metric::Network, Lang::Zh) => "步行距离",
        (Metric::Matrix, Lang::Zh) => "成本表",
        (Metric::Euclidean, Lang::En) => "straight-line distance",
        (Metric::Network, Lang::En) => "walking distance",
        (Metric::Matrix, Lang::En) => "cost table",
    }
}

/// The ledger columns before the group fields.
pub const LEDGER_LEAD: [(&str, &str); 1] = [("No.", "序号")];

/// The ledger columns after the group fields, English and Chinese.
pub const LEDGER_TAIL: [(&str, &str); 13] = [
    ("compound id", "小区编号"),
    ("compound name", "小区名称"),
    ("missing facility", "缺失设施"),
    ("level", "等级"),
    ("nearest (m)", "最近距离(米)"),
    ("standard (m)", "标准(米)"),
    ("over (m)", "超出(米)"),
    ("over share", "超出比例"),
    ("severity", "严重程度"),
    ("population", "人口"),
    ("measures", "整改措施"),
    ("responsible unit", "责任单位"),
    ("deadline", "完成时限"),
];

/// The ledger header: 序号, the group fields (renamed where they collide), then the
/// columns of [`LEDGER_TAIL`].
pub fn ledger_header(c: &Compounds, lang: Lang) -> Vec<String> {
    let pick = |l: &(&str, &str)| match lang {
        Lang::Zh => l.1.to_string(),
        Lang::En => l.0.to_string(),
    };
    let tail: Vec<String> = LEDGER_TAIL.iter().map(pick).collect();
    let mut reserved: Vec<String> = LEDGER_LEAD.iter().map(pick).collect();
    reserved.extend(tail.iter().cloned());
    let mut h: Vec<String> = LEDGER_LEAD.iter().map(pick).collect();
    h.extend(super::group_column_names(&c.group_fields, &reserved));
    h.extend(tail);
    h
}

/// The position in [`ledger_header`] (and in [`ledger_cells`]) of the [`LEDGER_TAIL`] column
/// named `english`, for a ledger of `c`.
///
/// # Panics
/// When `english` names no column of [`LEDGER_TAIL`].
pub(crate) fn ledger_column(c: &Compounds, english: &str) -> usize {
    let tail = (LEDGER_TAIL.iter())
        .position(|l| l.0 == english)
        .expect("a column of LEDGER_TAIL");
    LEDGER_LEAD.len() + c.group_fields.len() + tail
}

/// The trailing columns of [`LEDGER_TAIL`] left blank for the office to fill in (整改措施,
/// 责任单位, 完成时限); a page's excerpt leaves them out.
pub const LEDGER_OFFICE_COLUMNS: usize = 3;

/// One cell of a ledger row, typed so that each writer (`ledger.csv`, the workbook's sheet,
/// the page's excerpt) formats it its own way from one list of columns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LedgerCell<'a> {
    /// 序号: the row's place in the ledger, from 1.
    Number(usize),
    /// Text: a group value, the compound's id or name, the type, its level, the severity.
    Text(&'a str),
    /// Metres, shown whole (`None`: no facility of the type is reachable).
    Metres(Option<f64>),
    /// The share beyond the standard, 0.06 for 6 % (`None`: none reachable).
    Share(Option<f64>),
    /// Residents.
    Population(f64),
    /// A column left blank for the office.
    Blank,
}

/// The cells of ledger row `k` (0-based, in [`ledger`] order), one per column of
/// [`ledger_header`], in order.
pub fn ledger_cells(
    lc: &LifeCircle,
    c: &Compounds,
    (row, k): (&LedgerRow, usize),
    lang: Lang,
    mut emit: impl FnMut(LedgerCell<'_>),
) {
    let (i, ty) = (row.compound, &lc.profile.types[row.type_index]);
    emit(LedgerCell::Number(k + 1));
    for values in &c.groups {
        emit(LedgerCell::Text(&values[i]));
    }
    emit(LedgerCell::Text(&c.ids[i]));
    emit(LedgerCell::Text(c.name(i)));
    emit(LedgerCell::Text(type_name(ty, lang)));
    emit(LedgerCell::Text(&level_text(ty.level_min, lang)));
    let over = row.over_m(ty);
    emit(LedgerCell::Metres(
        row.distance_m.is_finite().then_some(row.distance_m),
    ));
    emit(LedgerCell::Metres(Some(ty.max_distance_m)));
    emit(LedgerCell::Metres(over));
    emit(LedgerCell::Share(over.map(|m| m / ty.max_distance_m)));
    emit(LedgerCell::Text(row.severity.label(lang)));
    emit(LedgerCell::Population(c.population[i]));
    for _ in 0..LEDGER_OFFICE_COLUMNS {
        emit(LedgerCell::Blank);
    }
}

/// A level as the ledger shows it: `5分钟` / `5 min` (the standard's three levels without
/// an allocation: the ledger asks once per row).
pub fn level_text(minutes: u32, lang: Lang) -> std::borrow::Cow<'static, str> {
    match (lang, minutes) {
        (Lang::Zh, 5) => "5分钟".into(),
        (Lang::Zh, 10) => "10分钟".into(),
        (Lang::Zh, 15) => "15分钟".into(),
        (Lang::En, 5) => "5 min".into(),
        (Lang::En, 10) => "10 min".into(),
        (Lang::En, 15) => "15 min".into(),
        (Lang::Zh, m) => format!("{m}分钟").into(),
        (Lang::En, m) => format!("{m} min").into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_separates_near_misses_from_gaps() {
        assert_eq!(Severity::of(300.0, 300.0), None);
        assert_eq!(Severity::of(318.0, 300.0), Some(Severity::Near));
        assert_eq!(Severity::of(330.0, 300.0), Some(Severity::Near));
        assert_eq!(Severity::of(331.0, 300.0), Some(Severity::Missing));
        assert_eq!(
            Severity::of(f64::INFINITY, 300.0),
            Some(Severity::Unreachable)
        );
        assert_eq!(Severity::Near.label(Lang::Zh), "接近");
        assert_eq!(Severity::Unreachable.label(Lang::Zh), "无");
    }

    #[test]
    fn level_labels_are_the_formatted_ones() {
        for m in [1, 5, 10, 15, 30] {
            assert_eq!(level_text(m, Lang::Zh), format!("{m}分钟"));
            assert_eq!(level_text(m, Lang::En), format!("{m} min"));
        }
    }
}
