//! The domain model: compounds (demand, with population and grouping fields) and centres
//! (supply, with level, name and capacity), built from raw layers with their fields checked.

use crate::Warning;
use std::path::{Path, PathBuf};

use crate::error::{Error, Param, Result};
use crate::io::{PointLayer, ReadOptions, Scalar, parse_points};

/// Names tried, in order, for the population field when none is given.
pub const POPULATION_NAMES: &[&str] = &["population", "pop", "人口", "常住人口"];
/// Names tried for the households field when no population field exists.
pub const HOUSEHOLD_NAMES: &[&str] = &["households", "户数"];
/// Names tried for a compound's name (小区名称) when none is given.
pub const COMPOUND_NAME_NAMES: &[&str] = &["name", "名称", "小区名称"];
/// Names tried for a centre's level.
pub const LEVEL_NAMES: &[&str] = &["level", "等级", "级别"];
/// Names tried for a centre's name.
pub const NAME_NAMES: &[&str] = &["name", "名称"];
/// Names tried for a centre's capacity.
pub const CAPACITY_NAMES: &[&str] = &["capacity", "容量", "floor_area_m2", "面积"];
/// Largest population (residents, after households × persons per household) one compound
/// may have. China's largest residential compounds (Beijing's Tiantongyuan, Huilongguan)
/// house a few hundred thousand people; anything above this is a data error — a district
/// total typed into one row, a unit mix-up, an overflowed export — and is rejected.
pub const MAX_COMPOUND_POPULATION: f64 = 1_000_000.0;
/// [`MAX_COMPOUND_POPULATION`] as people read it.
const MAX_POPULATION_TEXT: &str = "1,000,000";
/// China's 2020 census mean household size.
pub const DEFAULT_PERSONS_PER_HOUSEHOLD: f64 = 2.62;

/// Which compound fields to read.
#[derive(Debug, Clone)]
pub struct CompoundFields {
    /// Population field; detected from [`POPULATION_NAMES`] when `None`.
    pub population_field: Option<String>,
    /// Households field, used when there is no population (× `persons_per_household`).
    pub households_field: Option<String>,
    /// Persons per household.
    pub persons_per_household: f64,
    /// Grouping fields (sub-district, community, ...).
    pub group_by: Vec<String>,
    /// Compound name field (小区名称); detected from [`COMPOUND_NAME_NAMES`] when `None`.
    pub name_field: Option<String>,
    /// Areas (`--boundaries`): their name field is a group field (appended to `group_by`
    /// unless named there), each compound taking the name of the area it lies in rather than
    /// a value of its own layer.
    pub boundaries: Option<std::sync::Arc<crate::Boundaries>>,
}

impl CompoundFields {
    /// `group_by` with the areas' field appended when there are areas it does not name.
    pub fn groups_with_areas(&self) -> Vec<String> {
        with_area_field(&self.group_by, self.boundaries.as_deref())
    }
}

/// `group_by` with the areas' field appended when `boundaries` is given and not named there.
pub(crate) fn with_area_field(
    group_by: &[String],
    boundaries: Option<&crate::Boundaries>,
) -> Vec<String> {
    let mut all = group_by.to_vec();
    if let Some(b) = boundaries
        && !group_by.iter().any(|g| b.is_field(g))
    {
        all.push(b.field.clone());
    }
    all
}

impl Default for CompoundFields {
    fn default() -> Self {
        CompoundFields {
            population_field: None,
            households_field: None,
            persons_per_household: DEFAULT_PERSONS_PER_HOUSEHOLD,
            group_by: Vec::new(),
            name_field: None,
            boundaries: None,
        }
    }
}

fn names(given: &Option<String>, defaults: &[&str]) -> Vec<String> {
    match given {
        Some(g) => vec![g.clone()],
        None => defaults.iter().map(|s| s.to_string()).collect(),
    }
}

/// Demand points: resident compounds (小区).
#[derive(Debug, Clone)]
pub struct Compounds {
    /// Source file.
    pub path: PathBuf,
    /// Unique ids.
    pub ids: Vec<String>,
    /// WGS84 `[lon, lat]`.
    pub lonlat: Vec<[f64; 2]>,
    /// Residents (≥ 0).
    pub population: Vec<f64>,
    /// Where the population came from, e.g. `field "人口"` or `1 per compound`.
    pub population_source: String,
    /// Grouping field names, as requested.
    pub group_fields: Vec<String>,
    /// The projected system the positions were converted from (`None`: WGS84 lon/lat).
    pub crs: Option<String>,
    /// `groups[g][i]`: value of group field `g` for compound `i` (empty when missing).
    pub groups: Vec<Vec<String>>,
    /// Features that were (Multi)Polygons, reduced to a point inside them.
    pub polygons: usize,
    /// The text encoding of a CSV file (`utf-8`, `gbk`, ...); `None` for GeoJSON.
    pub encoding: Option<String>,
    /// Compound names (小区名称) from the name field; empty without one.
    pub names: Vec<String>,
    /// Each compound's outline, WGS84 (an empty MultiPolygon for a point), when the layer
    /// had polygons; empty when it had none. Walks enter a polygon from its outline.
    pub outlines: Vec<geo::MultiPolygon<f64>>,
}

impl Compounds {
    /// Reads and checks a compound layer. Problems that do not stop the run (missing
    /// population, generated ids) are appended to `warnings`.
    pub fn load(
        path: &Path,
        base: &ReadOptions,
        fields: &CompoundFields,
        warnings: &mut Vec<Warning>,
    ) -> Result<Compounds> {
        let bytes = crate::io::read_input(path)?;
        Self::parse(path, bytes, base, fields, warnings)
    }

    /// [`Compounds::load`] on a file's bytes already in memory (`path` names it in
    /// messages).
    pub fn parse(
        path: &Path,
        bytes: impl Into<crate::io::InputBytes>,
        base: &ReadOptions,
        fields: &CompoundFields,
        warnings: &mut Vec<Warning>,
    ) -> Result<Compounds> {
        if fields.persons_per_household.is_nan() || fields.persons_per_household <= 0.0 {
            return Err(Error::parameter(
                Param::PersonsPerHousehold,
                fields.persons_per_household,
                "must be > 0",
            ));
        }
        let fields = &CompoundFields {
            group_by: fields.groups_with_areas(),
            ..fields.clone()
        };
        let mut options = base.clone();
        options.fields = vec![
            names(&fields.population_field, POPULATION_NAMES),
            names(&fields.households_field, HOUSEHOLD_NAMES),
        ];
        options
            .fields
            .extend(fields.group_by.iter().map(|g| vec![g.clone()]));
        options
            .fields
            .push(names(&fields.name_field, COMPOUND_NAME_NAMES));
        options.keep_polygons = true;
        let layer = parse_points(path, bytes, &options)?;
        Compounds::from_layer(layer, fields, warnings)
    }

    /// Interprets a layer read with the fields `load` asks for: `[population names],
    /// [household names], group fields...`.
    fn from_layer(
        mut layer: PointLayer,
        fields: &CompoundFields,
        warnings: &mut Vec<Warning>,
    ) -> Result<Compounds> {
        let path = layer.path.clone();
        let n = layer.len();
        if !layer.generated.is_empty() {
            warnings.push(Warning::GeneratedIds {
                path: path.to_path_buf(),
                what: "compounds",
                missing: layer.generated.len(),
                total: n,
            });
        }
        // Before the population columns are taken: a group field may share one.
        let groups = group_columns(&layer, fields)?;
        let names = name_column(&layer, fields)?;
        let sources = population_sources(&mut layer, fields)?;
        if sources.is_empty() {
            warnings.push(Warning::NoPopulationField {
                path: path.to_path_buf(),
                looked_for: POPULATION_NAMES.join(", "),
            });
        }
        let source = match sources.len() {
            0 => "1 per compound".to_string(),
            _ => sources
                .iter()
                .map(|s| s.3.clone())
                .collect::<Vec<_>>()
                .join(", else "),
        };
        let population = populations(&layer, &sources, warnings)?;
        let outlines = match layer.polygons {
            0 => Vec::new(),
            _ => std::mem::take(&mut layer.shapes),
        };
        Ok(Compounds {
            path,
            ids: layer.ids,
            lonlat: layer.lonlat,
            population,
            population_source: source,
            group_fields: fields.group_by.clone(),
            crs: layer.crs,
            groups,
            polygons: layer.polygons,
            encoding: layer.encoding,
            names,
            outlines,
        })
    }

    /// Compound `i`'s name, empty when the layer has none.
    pub fn name(&self, i: usize) -> &str {
        self.names.get(i).map_or("", String::as_str)
    }

    /// Number of compounds.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Leaves out the compounds at `indices` (ascending), e.g. the far points a run drops.
    pub fn remove(&mut self, indices: &[usize]) {
        without(&mut self.ids, indices);
        without(&mut self.lonlat, indices);
        without(&mut self.population, indices);
        if !self.names.is_empty() {
            without(&mut self.names, indices);
        }
        if !self.outlines.is_empty() {
            without(&mut self.outlines, indices);
        }
        for g in &mut self.groups {
            without(g, indices);
        }
    }

    /// Total population.
    pub fn total_population(&self) -> f64 {
        self.population.iter().sum()
    }
}

/// A count as spreadsheets show it: a number, text with thousands separators (`1,234`,
/// `1,234.5`) or in units of ten thousand (`1.2万` = 12,000); `None` for anything else.
pub fn parse_count(text: &str) -> Option<f64> {
    let text = text.trim();
    let (number, factor) = match text.strip_suffix('万') {
        Some(n) => (n.trim_end(), 10_000.0),
        None => (text, 1.0),
    };
    let plain = if number.contains(',') {
        let (int, frac) = number.split_once('.').unwrap_or((number, ""));
        let mut groups = int.split(',');
        let head = groups.next().unwrap_or("");
        let digits = |g: &str| g.bytes().all(|b| b.is_ascii_digit());
        let ok = (1..=3).contains(&head.len())
            && digits(head)
            && groups.all(|g| g.len() == 3 && digits(g))
            && digits(frac);
        if !ok {
            return None;
        }
        number.replace(',', "")
    } else {
        number.to_string()
    };
    plain.parse::<f64>().ok().map(|x| x * factor)
}

/// A value read as a count: a number, or text as [`parse_count`] reads it (`1,234`, `1.2万`).
pub(crate) fn count_value(v: &Scalar) -> Option<f64> {
    match v {
        Scalar::Text(text) => parse_count(text),
        other => other.as_f64(),
    }
}

/// The compound names: the name column asked for (which must exist) or detected (empty
/// when none is).
fn name_column(layer: &PointLayer, fields: &CompoundFields) -> Result<Vec<String>> {
    let k = 2 + fields.group_by.len();
    if layer.column_names[k].is_none() {
        if let Some(name) = &fields.name_field {
            return Err(Error::MissingField {
                path: layer.path.clone(),
                field: Param::NameField,
                name: name.clone(),
            });
        }
        return Ok(Vec::new());
    }
    Ok(layer.columns[k]
        .iter()
        .map(|v| v.as_ref().map(Scalar::to_text).unwrap_or_default())
        .collect())
}

/// The population sources of a compounds layer in order of preference, each used for the
/// features that have a value: population first, unless only a households field was asked
/// for. A field asked for by name must exist.
fn population_sources(layer: &mut PointLayer, fields: &CompoundFields) -> Result<Vec<Source>> {
    for (given, found, field) in [
        (
            &fields.population_field,
            &layer.column_names[0],
            Param::PopulationField,
        ),
        (
            &fields.households_field,
            &layer.column_names[1],
            Param::HouseholdsField,
        ),
    ] {
        if let (Some(given), None) = (given, found) {
            return Err(Error::MissingField {
                path: layer.path.clone(),
                field,
                name: given.clone(),
            });
        }
    }
    let pop_col = std::mem::take(&mut layer.columns[0]);
    let hh_col = std::mem::take(&mut layer.columns[1]);
    let pph = fields.persons_per_household;
    let mut sources: Vec<Source> = Vec::new();
    if let Some(name) = layer.column_names[0].clone() {
        sources.push((pop_col, 1.0, "population", format!("field {name:?}")));
    }
    if let Some(name) = layer.column_names[1].clone() {
        let hh = (
            hh_col,
            pph,
            "households",
            format!("field {name:?} × {pph} persons per household"),
        );
        if fields.households_field.is_some() && fields.population_field.is_none() {
            sources.insert(0, hh);
        } else {
            sources.push(hh);
        }
    }
    Ok(sources)
}

/// The `--group-by` columns as text (empty where a feature has no value); every field must
/// exist in some feature, but the areas' field, which comes from the areas (see
/// [`CompoundFields::boundaries`]). A field the layer reads for another purpose — the id, population or
/// households field, or a group field given twice — is read once and shared, so grouping by it
/// works as by any other field.
fn group_columns(layer: &PointLayer, fields: &CompoundFields) -> Result<Vec<Vec<String>>> {
    let text = |c: &Vec<Option<Scalar>>| -> Vec<String> {
        c.iter()
            .map(|v| v.as_ref().map(Scalar::to_text).unwrap_or_default())
            .collect()
    };
    let same =
        |a: &str, b: &Option<String>| b.as_deref().is_some_and(|b| a.eq_ignore_ascii_case(b));
    let mut groups: Vec<Vec<String>> = Vec::with_capacity(fields.group_by.len());
    let areas = fields.boundaries.as_deref();
    for (g, name) in fields.group_by.iter().enumerate() {
        let column = if let Some(b) = areas.filter(|b| b.is_field(name)) {
            b.assign(&layer.lonlat)
        } else if layer.column_names[2 + g].is_some() {
            text(&layer.columns[2 + g])
        } else if let Some(earlier) =
            (0..g).find(|&e| fields.group_by[e].eq_ignore_ascii_case(name))
        {
            groups[earlier].clone()
        } else if let Some(c) = (0..2).find(|&c| same(name, &layer.column_names[c])) {
            text(&layer.columns[c])
        } else if same(name, &layer.id_field) {
            layer.ids.clone()
        } else {
            return Err(Error::MissingField {
                path: layer.path.clone(),
                field: Param::GroupField,
                name: name.clone(),
            });
        };
        groups.push(column);
    }
    Ok(groups)
}

/// One place a population may come from: the column, the factor to residents, what it is
/// (`population`, `households`) and how to describe it.
type Source = (Vec<Option<Scalar>>, f64, &'static str, String);

/// Residents per compound from the first source that has a value (1 where none has).
fn populations(
    layer: &PointLayer,
    sources: &[Source],
    warnings: &mut Vec<Warning>,
) -> Result<Vec<f64>> {
    let n = layer.len();
    let mut population = Vec::with_capacity(n);
    let mut missing = 0usize;
    for i in 0..n {
        let found = sources
            .iter()
            .find_map(|(col, factor, what, _)| col[i].as_ref().map(|v| (v, *factor, *what)));
        population.push(match found {
            None => {
                missing += 1;
                1.0
            }
            Some((v, factor, what)) => {
                resident_count(v, factor).map_err(|problem| Error::Item {
                    path: layer.path.clone(),
                    item: layer.label(i),
                    message: problem.message(what, v),
                })?
            }
        });
    }
    if missing > 0 && !sources.is_empty() {
        warnings.push(Warning::MissingPopulation {
            path: layer.path.clone(),
            missing,
            total: n,
        });
    }
    Ok(population)
}

/// Why a population or households value is refused.
#[derive(Debug, Clone, Copy, PartialEq)]
enum CountProblem {
    /// Below zero.
    Negative,
    /// More than [`MAX_COMPOUND_POPULATION`] residents once multiplied.
    Implausible,
    /// Not a number, or not finite.
    NotFinite,
}

impl CountProblem {
    /// The message for `what` (`population`, `households`) holding `v`.
    fn message(self, what: &str, v: &Scalar) -> String {
        match self {
            CountProblem::Negative => format!("negative {what} {v}"),
            CountProblem::Implausible => format!(
                "{what} {v} is implausible for one compound (more than {MAX_POPULATION_TEXT} \
                 residents); check the value — a total for many compounds, or a unit mix-up?"
            ),
            CountProblem::NotFinite => {
                format!("{what} {v} is not a finite number; write it as 1234, 1,234 or 1.2万")
            }
        }
    }
}

/// Residents from one population (`factor` 1) or households (`factor` persons per household)
/// value: a finite count ≥ 0 and at most [`MAX_COMPOUND_POPULATION`] once multiplied.
fn resident_count(v: &Scalar, factor: f64) -> std::result::Result<f64, CountProblem> {
    let x = match v {
        Scalar::Num(x) => Some(*x),
        Scalar::Text(s) => parse_count(s),
        Scalar::Bool(_) => None,
    };
    match x {
        Some(x) if x < 0.0 => Err(CountProblem::Negative),
        Some(x) if x.is_finite() && x * factor <= MAX_COMPOUND_POPULATION => Ok(x * factor),
        Some(x) if x.is_finite() => Err(CountProblem::Implausible),
        _ => Err(CountProblem::NotFinite),
    }
}

/// `v` without the elements at `drop` (indices ascending).
fn without<T>(v: &mut Vec<T>, drop: &[usize]) {
    let mut next = drop.iter().peekable();
    let mut i = 0;
    v.retain(|_| {
        let gone = next.next_if(|&&d| d == i).is_some();
        i += 1;
        !gone
    });
}

/// Which centre fields to read.
#[derive(Debug, Clone, Default)]
pub struct CentreFields {
    /// Level field; detected from [`LEVEL_NAMES`] when `None`.
    pub level_field: Option<String>,
    /// Name field; detected from [`NAME_NAMES`] when `None`.
    pub name_field: Option<String>,
    /// Capacity field; detected from [`CAPACITY_NAMES`] when `None`.
    pub capacity_field: Option<String>,
}

/// Supply points: service centres (党群服务中心, 便民服务站) or candidate sites.
#[derive(Debug, Clone)]
pub struct Centres {
    /// Source file.
    pub path: PathBuf,
    /// Unique ids.
    pub ids: Vec<String>,
    /// WGS84 `[lon, lat]`.
    pub lonlat: Vec<[f64; 2]>,
    /// Level (district / street / community / station, or free text; empty when missing).
    pub level: Vec<String>,
    /// Name (empty when missing).
    pub name: Vec<String>,
    /// Capacity (floor area m² or staff) when given.
    pub capacity: Vec<Option<f64>>,
    /// Features that were (Multi)Polygons, reduced to a point inside them.
    pub polygons: usize,
    /// The projected system the positions were converted from (`None`: WGS84 lon/lat).
    pub crs: Option<String>,
    /// The text encoding of a CSV file (`utf-8`, `gbk`, ...); `None` for GeoJSON.
    pub encoding: Option<String>,
    /// The areas' name field and, per centre, the name of the area it lies in (empty for
    /// none), once [`Centres::assign_areas`] has run; `None` without areas.
    pub areas: Option<(String, Vec<String>)>,
}

impl Centres {
    /// Gives each centre the name of the area it lies in.
    pub fn assign_areas(&mut self, boundaries: &crate::Boundaries) {
        self.areas = Some((boundaries.field.clone(), boundaries.assign(&self.lonlat)));
    }

    /// Centre `i`'s area name, `None` without areas.
    pub fn area(&self, i: usize) -> Option<(&str, &str)> {
        let (field, names) = self.areas.as_ref()?;
        Some((field.as_str(), names[i].as_str()))
    }

    /// Reads and checks a centre (or candidate) layer.
    pub fn load(
        path: &Path,
        base: &ReadOptions,
        fields: &CentreFields,
        warnings: &mut Vec<Warning>,
    ) -> Result<Centres> {
        let bytes = crate::io::read_input(path)?;
        Centres::parse(path, bytes, base, fields, warnings)
    }

    /// [`Centres::load`] on a file's bytes already in memory (`path` names it in messages).
    pub fn parse(
        path: &Path,
        bytes: impl Into<crate::io::InputBytes>,
        base: &ReadOptions,
        fields: &CentreFields,
        warnings: &mut Vec<Warning>,
    ) -> Result<Centres> {
        let mut options = base.clone();
        options.fields = vec![
            names(&fields.level_field, LEVEL_NAMES),
            names(&fields.name_field, NAME_NAMES),
            names(&fields.capacity_field, CAPACITY_NAMES),
        ];
        let layer = crate::io::parse_points(path, bytes, &options)?;
        if !layer.generated.is_empty() {
            warnings.push(Warning::GeneratedIds {
                path: path.to_path_buf(),
                what: "points",
                missing: layer.generated.len(),
                total: layer.len(),
            });
        }
        for (given, col, field) in [
            (&fields.level_field, 0, Param::LevelField),
            (&fields.name_field, 1, Param::NameField),
            (&fields.capacity_field, 2, Param::CapacityField),
        ] {
            if let Some(given) = given
                && layer.column_names[col].is_none()
            {
                return Err(Error::MissingField {
                    path: path.to_path_buf(),
                    field,
                    name: given.clone(),
                });
            }
        }
        let text = |c: &Vec<Option<Scalar>>| -> Vec<String> {
            c.iter()
                .map(|v| {
                    v.as_ref()
                        .map(|v| v.to_text().trim().to_string())
                        .unwrap_or_default()
                })
                .collect()
        };
        let mut capacity = Vec::with_capacity(layer.len());
        for (i, v) in layer.columns[2].iter().enumerate() {
            capacity.push(match v {
                None => None,
                Some(v) => match count_value(v) {
                    Some(x) if x.is_finite() && x >= 0.0 => Some(x),
                    _ => {
                        return Err(Error::Item {
                            path: path.to_path_buf(),
                            item: layer.label(i),
                            message: format!("capacity {v} is not a number ≥ 0"),
                        });
                    }
                },
            });
        }
        Ok(Centres {
            path: path.to_path_buf(),
            level: text(&layer.columns[0]),
            name: text(&layer.columns[1]),
            capacity,
            polygons: layer.polygons,
            crs: layer.crs,
            encoding: layer.encoding,
            ids: layer.ids,
            lonlat: layer.lonlat,
            areas: None,
        })
    }

    /// Several layers as one, in the order given (each keeps its features' order).
    ///
    /// # Errors
    /// [`Error::DuplicateIdAcrossLayers`] for an id in two layers, naming both files.
    pub fn merge(mut layers: Vec<Centres>) -> Result<Centres> {
        if layers.len() == 1 {
            return Ok(layers.pop().expect("one layer"));
        }
        let mut seen: std::collections::HashMap<&str, usize> = Default::default();
        for (k, layer) in layers.iter().enumerate() {
            for id in &layer.ids {
                if let Some(&first) = seen.get(id.as_str()) {
                    return Err(Error::DuplicateIdAcrossLayers {
                        id: id.clone(),
                        path_a: layers[first].path.clone(),
                        path_b: layer.path.clone(),
                        what: "the centre layers",
                    });
                }
                seen.insert(id, k);
            }
        }
        let mut iter = layers.into_iter();
        let Some(mut all) = iter.next() else {
            return Ok(Centres::empty());
        };
        for layer in iter {
            all.ids.extend(layer.ids);
            all.lonlat.extend(layer.lonlat);
            all.level.extend(layer.level);
            all.name.extend(layer.name);
            all.capacity.extend(layer.capacity);
            if let (Some(a), Some(b)) = (&mut all.areas, layer.areas) {
                a.1.extend(b.1);
            }
            all.polygons += layer.polygons;
            all.crs = all.crs.or(layer.crs);
        }
        Ok(all)
    }

    /// The centres at these indices, in this order.
    pub fn select(&self, keep: &[usize]) -> Centres {
        Centres {
            path: self.path.clone(),
            ids: keep.iter().map(|&i| self.ids[i].clone()).collect(),
            lonlat: keep.iter().map(|&i| self.lonlat[i]).collect(),
            level: keep.iter().map(|&i| self.level[i].clone()).collect(),
            name: keep.iter().map(|&i| self.name[i].clone()).collect(),
            capacity: keep.iter().map(|&i| self.capacity[i]).collect(),
            polygons: 0,
            crs: self.crs.clone(),
            encoding: self.encoding.clone(),
            areas: self.areas.as_ref().map(|(field, names)| {
                (
                    field.clone(),
                    keep.iter().map(|&i| names[i].clone()).collect(),
                )
            }),
        }
    }

    /// Leaves out the centres at `indices` (ascending), e.g. the far points a run drops.
    pub fn remove(&mut self, indices: &[usize]) {
        without(&mut self.ids, indices);
        without(&mut self.lonlat, indices);
        without(&mut self.level, indices);
        without(&mut self.name, indices);
        without(&mut self.capacity, indices);
        if let Some((_, names)) = &mut self.areas {
            without(names, indices);
        }
    }

    /// No centres (a district planned from scratch).
    pub fn empty() -> Centres {
        Centres {
            path: PathBuf::new(),
            ids: Vec::new(),
            lonlat: Vec::new(),
            level: Vec::new(),
            name: Vec::new(),
            capacity: Vec::new(),
            polygons: 0,
            crs: None,
            encoding: None,
            areas: None,
        }
    }

    /// Number of centres.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn load_csv(text: &str, fields: &CompoundFields) -> Result<(Compounds, Vec<Warning>)> {
        let mut f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        let mut w = Vec::new();
        Compounds::load(f.path(), &ReadOptions::default(), fields, &mut w).map(|c| (c, w))
    }

    #[test]
    fn capacities_are_read_as_spreadsheets_show_them() {
        let mut f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        f.write_all(
            "id,lon,lat,capacity\na,117,31,\"1,234\"\nb,117,31,1.2万\nc,117,31,7\n".as_bytes(),
        )
        .unwrap();
        let c = Centres::load(
            f.path(),
            &ReadOptions::default(),
            &CentreFields::default(),
            &mut Vec::new(),
        )
        .unwrap();
        assert_eq!(c.capacity, vec![Some(1234.0), Some(12_000.0), Some(7.0)]);
    }

    #[test]
    fn grouping_by_the_id_population_or_a_field_twice_works() {
        let fields = CompoundFields {
            group_by: vec![
                "id".into(),
                "population".into(),
                "street".into(),
                "street".into(),
            ],
            ..CompoundFields::default()
        };
        let text = "id,lon,lat,population,street\na,117,31,10,s1\nb,117,31,20,s2\n";
        let (c, _) = load_csv(text, &fields).unwrap();
        assert_eq!(c.groups[0], vec!["a", "b"]);
        assert_eq!(c.groups[1], vec!["10", "20"]);
        assert_eq!(c.groups[2], vec!["s1", "s2"]);
        assert_eq!(c.groups[3], c.groups[2]);
        assert_eq!(c.population, vec![10.0, 20.0]);
        let geojson = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"a","population":5},"geometry":{"type":"Point","coordinates":[117,31]}}]}"#;
        let mut f = tempfile::Builder::new()
            .suffix(".geojson")
            .tempfile()
            .unwrap();
        f.write_all(geojson.as_bytes()).unwrap();
        let fields = CompoundFields {
            group_by: vec!["id".into(), "population".into()],
            ..CompoundFields::default()
        };
        let c =
            Compounds::load(f.path(), &ReadOptions::default(), &fields, &mut Vec::new()).unwrap();
        assert_eq!(c.groups, vec![vec!["a".to_string()], vec!["5".to_string()]]);
    }

    #[test]
    fn households_times_persons_when_no_population() {
        let fields = CompoundFields {
            households_field: Some("hh".into()),
            ..CompoundFields::default()
        };
        let (c, _) = load_csv("id,lon,lat,hh\na,117,31,100\n", &fields).unwrap();
        assert!((c.population[0] - 262.0).abs() < 1e-9);
    }

    #[test]
    fn households_fill_in_where_population_is_missing() {
        let fields = CompoundFields {
            households_field: Some("hh".into()),
            ..CompoundFields::default()
        };
        // --households-field alone: households win even where a population exists.
        let (c, _) = load_csv(
            "id,lon,lat,pop,hh\na,117,31,10,100\nb,117,31,,100\n",
            &fields,
        )
        .unwrap();
        assert!((c.population[0] - 262.0).abs() < 1e-9 && (c.population[1] - 262.0).abs() < 1e-9);
        // Auto-detected population first, households per feature where it is missing.
        let (c, w) = load_csv(
            "id,lon,lat,pop,households\na,117,31,10,100\nb,117,31,,100\nc,117,31,,\n",
            &CompoundFields::default(),
        )
        .unwrap();
        assert_eq!(c.population[0], 10.0);
        assert!((c.population[1] - 262.0).abs() < 1e-9);
        assert_eq!(c.population[2], 1.0);
        assert!(w.iter().any(|w| w.to_string().contains("1 of 3")), "{w:?}");
    }

    #[test]
    fn missing_population_counts_one_with_a_warning() {
        let (c, w) = load_csv(
            "id,lon,lat\na,117,31\nb,117.1,31\n",
            &CompoundFields::default(),
        )
        .unwrap();
        assert_eq!(c.population, vec![1.0, 1.0]);
        assert!(
            w.iter()
                .any(|w| matches!(w, Warning::NoPopulationField { .. })),
            "{w:?}"
        );
    }

    #[test]
    fn negative_and_text_population_are_errors_naming_the_row() {
        let f = CompoundFields::default();
        let e = load_csv("id,lon,lat,pop\na,117,31,5\nb,117,31,-3\n", &f).unwrap_err();
        assert!(
            e.to_string().contains("row 3 (id \"b\")") && e.to_string().contains("-3"),
            "{e}"
        );
        let e = load_csv("id,lon,lat,人口\na,117,31,many\n", &f).unwrap_err();
        assert!(e.to_string().contains("\"many\""), "{e}");
    }

    #[test]
    fn spreadsheet_counts_are_read() {
        for (text, want) in [
            ("1234", 1234.0),
            ("1,234", 1234.0),
            ("1,234,567.5", 1_234_567.5),
            ("1.2万", 12_000.0),
            ("3 万", 30_000.0),
            ("1,200万", 12_000_000.0),
        ] {
            assert_eq!(parse_count(text), Some(want), "{text}");
        }
        for text in ["12,34", "1,2345", ",123", "1.2万人", "abc", "1,234,", "万"] {
            assert_eq!(parse_count(text), None, "{text}");
        }
        let (c, _) = load_csv(
            "id,lon,lat,人口\na,117,31,\"1,234\"\nb,117.1,31,1.2万\n",
            &CompoundFields::default(),
        )
        .unwrap();
        assert_eq!(c.population, vec![1234.0, 12_000.0]);
        let e = load_csv(
            "id,lon,lat,pop\na,117,31,1.234.5\n",
            &CompoundFields::default(),
        )
        .unwrap_err();
        assert!(
            e.to_string().ends_with("write it as 1234, 1,234 or 1.2万"),
            "{e}"
        );
    }

    #[test]
    fn implausible_populations_are_refused_naming_the_row() {
        assert_eq!(
            MAX_POPULATION_TEXT.replace(',', "").parse(),
            Ok(MAX_COMPOUND_POPULATION)
        );
        let f = CompoundFields::default();
        let e = load_csv("id,lon,lat,pop\na,117,31,5\nb,117,31,1e300\n", &f).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("row 3 (id \"b\")") && msg.contains("population \"1e300\""),
            "{msg}"
        );
        assert!(
            msg.contains("implausible") && !msg.contains("9223372036854775807"),
            "{msg}"
        );
        let hh = CompoundFields {
            households_field: Some("hh".into()),
            ..CompoundFields::default()
        };
        let e = load_csv("id,lon,lat,hh\na,117,31,400000\n", &hh).unwrap_err();
        assert!(
            e.to_string()
                .contains("households \"400000\" is implausible"),
            "{e}"
        );
        load_csv("id,lon,lat,pop\na,117,31,1000000\n", &f).unwrap();
    }

    #[test]
    fn duplicate_ids_are_errors() {
        let e = load_csv(
            "id,lon,lat\na,117,31\na,117.1,31\n",
            &CompoundFields::default(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("duplicate id \"a\""), "{e}");
    }

    #[test]
    fn unknown_group_field_is_an_error() {
        let f = CompoundFields {
            group_by: vec!["street".into()],
            ..CompoundFields::default()
        };
        let e = load_csv("id,lon,lat\na,117,31\n", &f).unwrap_err();
        assert!(e.to_string().contains("\"street\""), "{e}");
    }
}
