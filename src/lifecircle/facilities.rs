//! Facility layers for the life circle: one or more point layers whose type field names a
//! profile type. Values that match no type are counted, never silently dropped.

use crate::Warning;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::Profile;
use crate::error::{Error, Param, Result, quoted};
use crate::io::{InputBytes, PointLayer, ReadOptions, Scalar, parse_points};

/// Names tried, in order, for a facility's type when `--type-field` is not given.
pub const TYPE_NAMES: &[&str] = &["type", "类型", "设施类型", "category"];

/// Which facility fields to read.
#[derive(Debug, Clone, Default)]
pub struct FacilityFields {
    /// Type field; detected from [`TYPE_NAMES`] when `None`.
    pub type_field: Option<String>,
    /// Capacity field (supply for 2SFCA); detected from [`crate::model::CAPACITY_NAMES`] when
    /// `None` (every facility counts 1 when the layer has none).
    pub capacity_field: Option<String>,
    /// The compounds' group fields, read from facility layers that have them (for the
    /// per-group supply per 1,000 residents).
    pub group_by: Vec<String>,
    /// Areas (`--boundaries`): as for compounds, their name field is a group field (appended
    /// unless named in `group_by`) and each facility takes the name of the area it lies in,
    /// so per-area supply counts the facilities inside the area.
    pub boundaries: Option<std::sync::Arc<crate::Boundaries>>,
}

/// The facilities of the profile's types, from every layer, in layer then feature order.
#[derive(Debug, Clone, Default)]
pub struct Facilities {
    /// Unique ids (prefixed with the file stem where two layers share an id).
    pub ids: Vec<String>,
    /// WGS84 `[lon, lat]`.
    pub lonlat: Vec<[f64; 2]>,
    /// Index of each facility's type in the profile.
    pub type_of: Vec<u32>,
    /// Each facility's type value as its layer wrote it (`幼儿园`), kept for the outputs'
    /// `source_type`; may be empty for facilities built in code.
    pub source_types: Vec<String>,
    /// Capacity (supply), 1 when no capacity field is given.
    pub capacity: Vec<f64>,
    /// `groups[g][f]`: facility `f`'s value of group field `g` (`None` when its layer lacks
    /// the field or the feature the value).
    pub groups: Vec<Vec<Option<String>>>,
    /// Ids of the features left out (type matching no profile type), so that a cost table
    /// listing them is still accepted.
    pub left_out_ids: Vec<String>,
    /// Which layer (index into `layers`) each facility came from.
    pub layer_of: Vec<u32>,
    /// Per layer: its path, features read and polygons reduced to a point.
    pub layers: Vec<(PathBuf, usize, usize)>,
}

impl Facilities {
    /// Number of facilities.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Leaves out the facilities at `indices` (ascending), e.g. the far points a run drops.
    pub fn remove(&mut self, indices: &[usize]) {
        let mut keep = vec![true; self.len()];
        indices.iter().for_each(|&i| keep[i] = false);
        fn retain<T>(v: &mut Vec<T>, keep: &[bool]) {
            let mut k = keep.iter();
            v.retain(|_| *k.next().expect("one flag per element"));
        }
        retain(&mut self.ids, &keep);
        retain(&mut self.lonlat, &keep);
        retain(&mut self.type_of, &keep);
        if !self.source_types.is_empty() {
            retain(&mut self.source_types, &keep);
        }
        retain(&mut self.capacity, &keep);
        retain(&mut self.layer_of, &keep);
        for g in &mut self.groups {
            retain(g, &keep);
        }
    }

    /// Facility `f`'s type value as written in its layer (empty when not known).
    pub fn source_type(&self, f: usize) -> &str {
        self.source_types.get(f).map_or("", String::as_str)
    }

    /// Indices of the facilities read from layer `k` (into `layers`), ascending.
    pub fn of_layer(&self, k: usize) -> Vec<usize> {
        (0..self.len())
            .filter(|&f| self.layer_of[f] as usize == k)
            .collect()
    }

    /// Indices of the facilities of profile type `t`, ascending.
    pub fn of_type(&self, t: usize) -> Vec<usize> {
        (0..self.len())
            .filter(|&f| self.type_of[f] as usize == t)
            .collect()
    }

    /// Reads every layer (`(path, read options)`), keeps the facilities whose type value
    /// matches `profile`, and warns about the values that match nothing. A layer with no
    /// matching value at all is an error listing the values seen.
    pub fn load(
        layers: &[(PathBuf, ReadOptions)],
        fields: &FacilityFields,
        profile: &Profile,
        warnings: &mut Vec<Warning>,
    ) -> Result<Facilities> {
        let resolved: Vec<PathBuf> = layers.iter().map(|(p, _)| crate::io::resolve(p)).collect();
        for (k, (path, _)) in layers.iter().enumerate() {
            if let Some(first) = (0..k).find(|&j| resolved[j] == resolved[k]) {
                return Err(Error::Format {
                    path: path.clone(),
                    message: format!(
                        "given twice as a facility layer (also as {}): its facilities would \
                         count twice; give each file once",
                        layers[first].0.display()
                    ),
                });
            }
        }
        // Each file read just before its layer is parsed: errors come in the layers' order.
        let read = layers.iter().map(|(path, base)| {
            let bytes = crate::io::read_input(path)?;
            Ok((path.clone(), bytes, base.clone()))
        });
        Facilities::from_layers(read, fields, profile, warnings)
    }

    /// [`Facilities::load`] on layers already in memory: `(path, bytes, read options)`, the
    /// path naming each in messages.
    ///
    /// # Errors
    /// As [`Facilities::load`].
    pub fn parse(
        layers: Vec<(PathBuf, Vec<u8>, ReadOptions)>,
        fields: &FacilityFields,
        profile: &Profile,
        warnings: &mut Vec<Warning>,
    ) -> Result<Facilities> {
        let layers = layers.into_iter().map(|(p, b, o)| Ok((p, b.into(), o)));
        Facilities::from_layers(layers, fields, profile, warnings)
    }

    fn from_layers(
        layers: impl Iterator<Item = Result<(PathBuf, InputBytes, ReadOptions)>>,
        fields: &FacilityFields,
        profile: &Profile,
        warnings: &mut Vec<Warning>,
    ) -> Result<Facilities> {
        let fields = &FacilityFields {
            group_by: crate::model::with_area_field(&fields.group_by, fields.boundaries.as_deref()),
            ..fields.clone()
        };
        let mut out = Facilities {
            groups: vec![Vec::new(); fields.group_by.len()],
            ..Facilities::default()
        };
        for layer in layers {
            let (path, bytes, base) = layer?;
            out.read_layer(&path, bytes, &base, fields, profile, warnings)?;
        }
        out.make_ids_unique(warnings)?;
        let absent: Vec<&str> = (0..profile.types.len())
            .filter(|&t| !out.type_of.contains(&(t as u32)))
            .map(|t| profile.types[t].type_id.as_str())
            .collect();
        if !absent.is_empty() {
            warnings.push(Warning::AbsentTypes {
                absent: absent.iter().map(|s| s.to_string()).collect(),
                types: profile.types.len(),
            });
        }
        Ok(out)
    }

    fn read_layer(
        &mut self,
        path: &Path,
        bytes: InputBytes,
        base: &ReadOptions,
        fields: &FacilityFields,
        profile: &Profile,
        warnings: &mut Vec<Warning>,
    ) -> Result<()> {
        let mut options = base.clone();
        let type_names = match &fields.type_field {
            Some(f) => vec![f.clone()],
            None => TYPE_NAMES.iter().map(|s| s.to_string()).collect(),
        };
        // Columns: type, capacity (detected as `coverage` detects a centre's), then the
        // group fields.
        let capacity_names = match &fields.capacity_field {
            Some(f) => vec![f.clone()],
            None => crate::model::CAPACITY_NAMES
                .iter()
                .map(|s| s.to_string())
                .collect(),
        };
        options.fields = vec![type_names, capacity_names];
        options
            .fields
            .extend(fields.group_by.iter().map(|g| vec![g.clone()]));
        let layer = parse_points(path, bytes, &options)?;
        check_fields(&layer, fields)?;
        let areas = fields.boundaries.as_deref();
        for (g, name) in fields.group_by.iter().enumerate() {
            if layer.column_names[2 + g].is_none() && !areas.is_some_and(|b| b.is_field(name)) {
                warnings.push(Warning::NoGroupField {
                    path: path.to_path_buf(),
                    name: name.clone(),
                });
            }
        }
        if !layer.generated.is_empty() {
            warnings.push(Warning::GeneratedIds {
                path: path.to_path_buf(),
                what: "facilities",
                missing: layer.generated.len(),
                total: layer.len(),
            });
        }
        let first = self.len();
        let (unmatched, matched, no_capacity) =
            self.take_matching(&layer, profile, layer.column_names[1].is_some())?;
        if let Some(b) = areas {
            let names = b.assign(&self.lonlat[first..]);
            for (g, name) in fields.group_by.iter().enumerate() {
                if b.is_field(name) {
                    let column = &mut self.groups[g][first..];
                    for (value, area) in column.iter_mut().zip(&names) {
                        *value = Some(area.clone());
                    }
                }
            }
        }
        let field = layer.column_names[0].clone().unwrap_or_default();
        if matched == 0 {
            return Err(Error::Format {
                path: path.to_path_buf(),
                message: format!(
                    "no value of the type field {field:?} matches a type of profile {:?}; \
                     values seen: {} — use the profile's type ids or aliases, or a profile \
                     that lists these values",
                    profile.name,
                    list_values(&unmatched)
                ),
            });
        }
        if !unmatched.is_empty() {
            warnings.push(Warning::UnmatchedFacilities {
                path: path.to_path_buf(),
                unmatched: unmatched.values().sum(),
                total: layer.len(),
                field,
                values: list_values(&unmatched),
            });
        }
        if no_capacity > 0 {
            warnings.push(Warning::FacilitiesWithoutCapacity {
                path: path.to_path_buf(),
                count: no_capacity,
            });
        }
        self.layers
            .push((path.to_path_buf(), layer.len(), layer.polygons));
        Ok(())
    }

    /// Keeps the features whose type matches `profile`; returns the unmatched values with
    /// their counts, how many matched, and how many matched without a capacity value.
    fn take_matching(
        &mut self,
        layer: &PointLayer,
        profile: &Profile,
        has_capacity: bool,
    ) -> Result<(BTreeMap<String, usize>, usize, usize)> {
        let path = &layer.path;
        let mut unmatched: BTreeMap<String, usize> = BTreeMap::new();
        let mut matched = 0usize;
        let mut no_capacity = 0usize;
        // Each value's type, looked up in parallel (a lowercase copy and a hash each).
        let typed: Vec<(String, Option<usize>)> = {
            use rayon::prelude::*;
            (layer.columns[0].par_iter())
                .map(|v| {
                    let value = v.as_ref().map(Scalar::to_text).unwrap_or_default();
                    let t = profile.type_of(&value);
                    (value, t)
                })
                .collect()
        };
        for (i, (value, t)) in typed.into_iter().enumerate() {
            let Some(t) = t else {
                *unmatched.entry(value.trim().to_string()).or_default() += 1;
                self.left_out_ids.push(layer.ids[i].clone());
                continue;
            };
            let capacity = match (has_capacity, &layer.columns[1][i]) {
                (false, _) => 1.0,
                (true, None) => {
                    no_capacity += 1;
                    1.0
                }
                (true, Some(v)) => match crate::model::count_value(v) {
                    Some(x) if x.is_finite() && x >= 0.0 => x,
                    _ => {
                        return Err(Error::Item {
                            path: path.to_path_buf(),
                            item: layer.label(i),
                            message: format!("capacity {v} is not a number ≥ 0"),
                        });
                    }
                },
            };
            matched += 1;
            self.ids.push(layer.ids[i].clone());
            self.lonlat.push(layer.lonlat[i]);
            self.type_of.push(t as u32);
            self.source_types.push(value.trim().to_string());
            self.capacity.push(capacity);
            self.layer_of.push(self.layers.len() as u32);
            for (g, column) in layer.columns[2..].iter().enumerate() {
                let value = column[i].as_ref().map(|v| v.to_text().trim().to_string());
                self.groups[g].push(value);
            }
        }
        Ok((unmatched, matched, no_capacity))
    }

    /// Prefixes ids shared by two layers with their file stem, so every id is unique.
    fn make_ids_unique(&mut self, warnings: &mut Vec<Warning>) -> Result<()> {
        if self.layers.len() < 2 {
            return Ok(());
        }
        let mut count: HashMap<&str, usize> = HashMap::new();
        for id in &self.ids {
            *count.entry(id.as_str()).or_default() += 1;
        }
        let shared: Vec<bool> = self.ids.iter().map(|id| count[id.as_str()] > 1).collect();
        if !shared.iter().any(|&s| s) {
            return Ok(());
        }
        let n = shared.iter().filter(|&&s| s).count();
        warnings.push(Warning::FacilityIdsAcrossLayers { count: n });
        let stems: Vec<String> = self
            .layers
            .iter()
            .map(|(p, _, _)| {
                p.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default()
            })
            .collect();
        for (f, id) in self.ids.iter_mut().enumerate() {
            if shared[f] {
                *id = format!("{}:{id}", stems[self.layer_of[f] as usize]);
            }
        }
        // Two layers with the same file stem (`a/shops.csv`, `b/shops.csv`) still share ids:
        // a cost-table row for one would apply to both.
        let mut first: HashMap<&str, usize> = HashMap::new();
        for (f, id) in self.ids.iter().enumerate() {
            if let Some(&g) = first.get(id.as_str()) {
                let (a, b) = (self.layer_of[g] as usize, self.layer_of[f] as usize);
                return Err(Error::Format {
                    path: self.layers[b].0.clone(),
                    message: format!(
                        "facility id {} is also in {}, and both files are named {:?}, so the \
                         ids stay ambiguous; give the facilities unique ids or rename one file",
                        quoted(id.split_once(':').map_or(id.as_str(), |(_, i)| i)),
                        self.layers[a].0.display(),
                        stems[a]
                    ),
                });
            }
            first.insert(id, f);
        }
        Ok(())
    }
}

/// The type field (and a requested capacity field) must occur in the layer.
fn check_fields(layer: &PointLayer, fields: &FacilityFields) -> Result<()> {
    if layer.column_names[0].is_none() {
        return Err(match &fields.type_field {
            Some(f) => Error::MissingField {
                path: layer.path.clone(),
                field: Param::TypeField,
                name: f.clone(),
            },
            None => Error::Format {
                path: layer.path.clone(),
                message: format!(
                    "no facility type field (looked for {}); pass --type-field NAME",
                    TYPE_NAMES.join(", ")
                ),
            },
        });
    }
    if let (Some(c), None) = (
        &fields.capacity_field,
        layer.column_names.get(1).cloned().flatten(),
    ) {
        return Err(Error::MissingField {
            path: layer.path.clone(),
            field: Param::CapacityField,
            name: c.clone(),
        });
    }
    Ok(())
}

/// `"a" (3), "b" (1)`, most frequent first, at most 20 values.
fn list_values(values: &BTreeMap<String, usize>) -> String {
    let mut v: Vec<(&String, &usize)> = values.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let mut s: Vec<String> = v
        .iter()
        .take(20)
        .map(|(k, n)| format!("{k:?} ({n})"))
        .collect();
    if v.len() > 20 {
        s.push(format!("… {} more", v.len() - 20));
    }
    s.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROFILE: &str = "name = \"p\"\n[[facility]]\ntype = \"school\"\naliases = [\"小学\"]\n\
        level = 10\nmax_distance_m = 500\n[[facility]]\ntype = \"clinic\"\nlevel = 5\n\
        max_distance_m = 300\n";

    fn load(
        files: &[(&str, &str)],
        fields: &FacilityFields,
    ) -> (Result<Facilities>, Vec<String>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let layers: Vec<(PathBuf, ReadOptions)> = files
            .iter()
            .map(|(name, text)| {
                let p = dir.path().join(name);
                std::fs::write(&p, text).unwrap();
                (p, ReadOptions::default())
            })
            .collect();
        let profile = Profile::parse(PROFILE, Path::new("p.toml")).unwrap();
        let mut w = Vec::new();
        let f = Facilities::load(&layers, fields, &profile, &mut w);
        (f, w.iter().map(ToString::to_string).collect(), dir)
    }

    #[test]
    fn detects_the_type_field_and_matches_ignoring_case() {
        let csv = "id,lon,lat,Category\na,117,31,SCHOOL\nb,117,31,小学\nc,117,31,pool\nd,117,31,\n";
        let (f, w, _d) = load(&[("f.csv", csv)], &FacilityFields::default());
        let f = f.unwrap();
        assert_eq!(f.ids, vec!["a", "b"]);
        assert_eq!(f.type_of, vec![0, 0]);
        assert_eq!(f.left_out_ids, vec!["c", "d"]);
        assert!(
            w.iter()
                .any(|w| w.contains("2 of 4") && w.contains("\"pool\" (1)")),
            "{w:?}"
        );
        assert!(
            w.iter()
                .any(|w| w.contains("no facility of 1 of the profile's 2 types (clinic)"))
        );
    }

    #[test]
    fn a_capacity_field_is_detected_as_for_centres() {
        let csv = "id,lon,lat,type,capacity\na,117,31,school,\"1,200\"\nb,117,31,school,\n";
        let (f, w, _d) = load(&[("f.csv", csv)], &FacilityFields::default());
        assert_eq!(f.unwrap().capacity, vec![1200.0, 1.0]);
        assert!(
            w.iter()
                .any(|w| w.contains("1 facilities have no capacity")),
            "{w:?}"
        );
        let csv = "id,lon,lat,type\na,117,31,school\n";
        let (f, w, _d) = load(&[("f.csv", csv)], &FacilityFields::default());
        assert_eq!(f.unwrap().capacity, vec![1.0]);
        assert!(!w.iter().any(|w| w.contains("capacity")), "{w:?}");
    }

    #[test]
    fn a_layer_without_a_type_field_or_match_is_an_error() {
        let (f, _, _d) = load(
            &[("f.csv", "id,lon,lat,kind\na,117,31,x\n")],
            &FacilityFields::default(),
        );
        let e = f.unwrap_err().to_string();
        assert!(
            e.contains("no facility type field") && e.contains("设施类型"),
            "{e}"
        );
        let (f, _, _d) = load(
            &[("f.csv", "id,lon,lat,类型\na,117,31,pool\n")],
            &FacilityFields::default(),
        );
        let e = f.unwrap_err().to_string();
        assert!(e.contains("values seen: \"pool\" (1)"), "{e}");
    }

    #[test]
    fn ids_shared_by_two_layers_get_their_file_stem() {
        let a = "id,lon,lat,type\n1,117,31,school\n2,117,31,clinic\n";
        let b = "id,lon,lat,type\n1,117.01,31,clinic\n";
        let (f, w, _d) = load(
            &[("schools.csv", a), ("clinics.csv", b)],
            &FacilityFields::default(),
        );
        let f = f.unwrap();
        assert_eq!(f.ids, vec!["schools:1", "2", "clinics:1"]);
        assert_eq!(f.layer_of, vec![0, 0, 1]);
        assert!(w.iter().any(|w| w.contains("more than one layer")), "{w:?}");
    }

    #[test]
    fn ids_left_ambiguous_across_layers_and_a_file_given_twice_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let csv = "id,lon,lat,type\n1,117,31,school\n";
        let mut layers = Vec::new();
        for sub in ["a", "b"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
            let p = dir.path().join(sub).join("shops.csv");
            std::fs::write(&p, csv).unwrap();
            layers.push((p, ReadOptions::default()));
        }
        let profile = Profile::parse(PROFILE, Path::new("p.toml")).unwrap();
        let fields = FacilityFields::default();
        let e = Facilities::load(&layers, &fields, &profile, &mut Vec::new())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("b/shops.csv: facility id \"1\" is also in ")
                && e.contains("a/shops.csv, and both files are named \"shops\""),
            "{e}"
        );
        let twice = [layers[0].clone(), layers[0].clone()];
        let e = Facilities::load(&twice, &fields, &profile, &mut Vec::new())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("shops.csv: given twice as a facility layer"),
            "{e}"
        );
    }

    #[test]
    fn capacity_defaults_to_one_and_must_be_a_number() {
        let fields = FacilityFields {
            capacity_field: Some("cap".into()),
            ..FacilityFields::default()
        };
        let csv = "id,lon,lat,type,cap\na,117,31,school,40\nb,117,31,clinic,\n";
        let (f, w, _d) = load(&[("f.csv", csv)], &fields);
        assert_eq!(f.unwrap().capacity, vec![40.0, 1.0]);
        assert!(
            w.iter()
                .any(|w| w.contains("1 facilities have no capacity")),
            "{w:?}"
        );
        let (f, _, _d) = load(
            &[("f.csv", "id,lon,lat,type,cap\na,117,31,school,-2\n")],
            &fields,
        );
        let e = f.unwrap_err().to_string();
        assert!(e.contains("row 2 (id \"a\")") && e.contains("-2"), "{e}");
    }
}
