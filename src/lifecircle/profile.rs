//! Life-circle profiles: which facility types a compound should reach, at which level and
//! within which distance. Profiles are TOML data; `gb50180-2018` is compiled in.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

/// The built-in profiles: `(name, TOML text)`.
pub const BUILTIN_PROFILES: &[(&str, &str)] = &[(
    "gb50180-2018",
    include_str!("../../data/profiles/gb50180-2018.toml"),
)];

/// One facility type of a profile.
#[derive(Debug, Clone, PartialEq)]
pub struct FacilityType {
    /// Id used in output column names (`d_<type>`), letters, digits and `_`.
    pub type_id: String,
    /// Values of a facility layer's type field that mean this type.
    pub aliases: Vec<String>,
    /// Life-circle level, minutes.
    pub level_min: u32,
    /// Farthest the nearest facility of the type may be, metres.
    pub max_distance_m: f64,
    /// Where the number comes from.
    pub source: String,
    /// The Chinese name (幼儿园) shown under `--lang zh`; `None` when the profile gives none.
    pub name_zh: Option<String>,
}

impl FacilityType {
    /// The name shown in Chinese text: `name_zh`, else the first alias with Chinese
    /// characters, else the type id.
    pub fn chinese_name(&self) -> &str {
        if let Some(n) = self.name_zh.as_deref().filter(|n| !n.trim().is_empty()) {
            return n;
        }
        self.aliases
            .iter()
            .find(|a| !a.is_ascii())
            .map_or(self.type_id.as_str(), String::as_str)
    }

    /// True when the profile marks the distance as not confirmed in the standard's text
    /// (its `source` says "not confirmed").
    pub fn is_unconfirmed(&self) -> bool {
        self.source.to_lowercase().contains("not confirmed")
    }
}

/// A set of facility types with their levels and distances.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Display name, e.g. `GB 50180-2018`.
    pub name: String,
    /// The types, in file order.
    pub types: Vec<FacilityType>,
    /// Lower-cased type ids and aliases → type index.
    lookup: HashMap<String, usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    name: String,
    #[serde(default)]
    facility: Vec<RawFacility>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFacility {
    #[serde(rename = "type")]
    type_id: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    level: Option<i64>,
    max_distance_m: Option<f64>,
    #[serde(default)]
    source: String,
    name_zh: Option<String>,
}

impl Profile {
    /// The TOML text of a built-in profile, `None` when there is none of that name.
    pub fn builtin_text(name: &str) -> Option<&'static str> {
        BUILTIN_PROFILES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, text)| *text)
    }

    /// A built-in profile by name, or else a TOML file at that path.
    pub fn load(spec: &str) -> Result<Profile> {
        if let Some(text) = Profile::builtin_text(spec) {
            return Profile::parse(text, Path::new(spec));
        }
        let path = Path::new(spec);
        let bytes = std::fs::read(path).map_err(|e| Error::Format {
            path: path.to_path_buf(),
            message: format!(
                "cannot read the profile ({e}); --profile takes a TOML file or a built-in \
                 name: {}",
                BUILTIN_PROFILES
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let offset = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            Error::Format {
                path: path.to_path_buf(),
                message: format!(
                    "line {}: byte 0x{:02X} at byte offset {offset} is not valid UTF-8; a \
                     profile is UTF-8 TOML: if it was saved as GBK, save it again as UTF-8",
                    1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count(),
                    bytes[offset]
                ),
            }
        })?;
        Profile::parse(&text, path)
    }

    /// Parses and checks a profile; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Profile> {
        let raw: RawProfile = toml::from_str(text).map_err(|e| syntax_error(text, path, &e))?;
        if raw.facility.is_empty() {
            return Err(Error::Format {
                path: path.to_path_buf(),
                message: "no [[facility]] entries".into(),
            });
        }
        let mut types = Vec::with_capacity(raw.facility.len());
        let mut lookup: HashMap<String, usize> = HashMap::new();
        for (k, f) in raw.facility.into_iter().enumerate() {
            let t = check_entry(f, k, path)?;
            for name in std::iter::once(&t.type_id).chain(&t.aliases) {
                let key = name.trim().to_lowercase();
                if key.is_empty() {
                    let message = "an empty alias would match every facility without a type \
                                   value; remove it"
                        .to_string();
                    return Err(entry_error(path, k, &t.type_id, message));
                }
                if let Some(&other) = lookup.get(&key) {
                    if other == k {
                        continue;
                    }
                    let what = if key == t.type_id.to_lowercase() {
                        "duplicate type id"
                    } else {
                        "alias already used by"
                    };
                    return Err(entry_error(
                        path,
                        k,
                        &t.type_id,
                        format!(
                            "{what} {name:?} (entry {}, type {:?})",
                            other + 1,
                            types_id(&types, other)
                        ),
                    ));
                }
                lookup.insert(key, k);
            }
            types.push(t);
        }
        Ok(Profile {
            name: raw.name,
            types,
            lookup,
        })
    }

    /// The type a facility's type value names (type id or alias, ignoring case).
    pub fn type_of(&self, value: &str) -> Option<usize> {
        self.lookup.get(&value.trim().to_lowercase()).copied()
    }

    /// The distinct levels, ascending (minutes).
    pub fn levels(&self) -> Vec<u32> {
        let mut l: Vec<u32> = self.types.iter().map(|t| t.level_min).collect();
        l.sort_unstable();
        l.dedup();
        l
    }
}

fn types_id(types: &[FacilityType], k: usize) -> &str {
    types.get(k).map(|t| t.type_id.as_str()).unwrap_or("")
}

fn entry_error(path: &Path, k: usize, type_id: &str, message: String) -> Error {
    Error::Item {
        path: path.to_path_buf(),
        item: if type_id.is_empty() {
            format!("[[facility]] entry {}", k + 1)
        } else {
            format!("[[facility]] entry {} (type {type_id:?})", k + 1)
        },
        message,
    }
}

/// Checks one entry: a type id fit for column names, a level, a distance > 0.
fn check_entry(f: RawFacility, k: usize, path: &Path) -> Result<FacilityType> {
    let type_id = f.type_id.unwrap_or_default();
    let err = |m: String| entry_error(path, k, &type_id, m);
    if type_id.is_empty()
        || !type_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(err(format!(
            "type {type_id:?} must be a non-empty id of letters, digits and _ (it names \
             output columns)"
        )));
    }
    let max_distance_m = match f.max_distance_m {
        None => return Err(err("max_distance_m is missing".into())),
        Some(d) if !(d.is_finite() && d > 0.0) => {
            return Err(err(format!("max_distance_m {d} must be a number > 0")));
        }
        Some(d) => d,
    };
    let level_min = match f.level {
        None => return Err(err("level (minutes) is missing".into())),
        Some(l) if !(1..=1440).contains(&l) => {
            return Err(err(format!("level {l} must be minutes between 1 and 1440")));
        }
        Some(l) => l as u32,
    };
    Ok(FacilityType {
        type_id,
        aliases: f.aliases,
        level_min,
        max_distance_m,
        source: f.source,
        name_zh: f.name_zh,
    })
}

/// A TOML error on one line: `path: line N: message`.
fn syntax_error(text: &str, path: &Path, e: &toml::de::Error) -> Error {
    let line = e
        .span()
        .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
    let message = e.message().trim().replace('\n', " ");
    Error::Format {
        path: PathBuf::from(path),
        message: match line {
            Some(l) => format!("line {l}: {message}"),
            None => message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Profile> {
        Profile::parse(text, Path::new("p.toml"))
    }

    #[test]
    fn builtin_gb50180_values_are_pinned() {
        let p = Profile::load("gb50180-2018").unwrap();
        assert_eq!(p.name, "GB 50180-2018");
        let got: Vec<(&str, u32, f64)> = p
            .types
            .iter()
            .map(|t| (t.type_id.as_str(), t.level_min, t.max_distance_m))
            .collect();
        let want = [
            ("kindergarten", 5, 300.0),
            ("nursery", 5, 300.0),
            ("community_service_station", 5, 300.0),
            ("elderly_day_care", 5, 300.0),
            ("health_station", 5, 300.0),
            ("culture_station", 5, 500.0),
            ("sports_small", 5, 300.0),
            ("fitness_outdoor", 5, 300.0),
            ("primary_school", 10, 500.0),
            ("market", 10, 500.0),
            ("sports_medium", 10, 500.0),
            ("middle_school", 15, 1000.0),
            ("health_centre", 15, 1000.0),
            ("sports_large", 15, 1000.0),
            ("culture_centre", 15, 1000.0),
            ("community_service_centre", 15, 1000.0),
        ];
        assert_eq!(got, want);
        assert!(
            p.types
                .iter()
                .all(|t| t.source.starts_with("GB 50180-2018"))
        );
        assert_eq!(p.levels(), vec![5, 10, 15]);
        assert_eq!(p.type_of("幼儿园"), Some(0));
        assert_eq!(p.type_of(" Primary_School "), Some(8));
        assert_eq!(p.type_of("hospital"), None);
    }

    #[test]
    fn missing_or_negative_distance_names_the_entry() {
        let base = "name = \"x\"\n[[facility]]\ntype = \"a\"\nlevel = 5\nmax_distance_m = 300\n";
        let e = parse(&format!("{base}[[facility]]\ntype = \"b\"\nlevel = 5\n")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "p.toml: [[facility]] entry 2 (type \"b\"): max_distance_m is missing"
        );
        let e = parse(&format!(
            "{base}[[facility]]\ntype = \"b\"\nlevel = 5\nmax_distance_m = -300\n"
        ))
        .unwrap_err();
        assert!(
            e.to_string().contains("entry 2 (type \"b\")") && e.to_string().contains("-300"),
            "{e}"
        );
    }

    #[test]
    fn an_empty_alias_and_a_gbk_profile_are_errors() {
        let text = "name = \"x\"\n[[facility]]\ntype = \"a\"\naliases = [\" \"]\nlevel = 5\n\
                    max_distance_m = 3\nsource = \"t\"\n";
        let e = Profile::parse(text, Path::new("p.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("an empty alias would match every facility"),
            "{e}"
        );
        let dir = tempfile::tempdir().unwrap();
        let gbk = dir.path().join("gbk.toml");
        let text = "name = \"x\"\n[[facility]]\ntype = \"a\"\naliases = [\"幼儿园\"]\nlevel = 5\n\
                    max_distance_m = 3\nsource = \"t\"\n";
        std::fs::write(&gbk, encoding_rs::GBK.encode(text).0).unwrap();
        let e = Profile::load(gbk.to_str().unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains(": line 4: byte 0xD3 at byte offset"), "{e}");
        assert!(
            e.ends_with("if it was saved as GBK, save it again as UTF-8"),
            "{e}"
        );
    }

    #[test]
    fn duplicate_type_ids_and_aliases_are_errors() {
        let e = parse(
            "name = \"x\"\n[[facility]]\ntype = \"a\"\nlevel = 5\nmax_distance_m = 3\n\
             [[facility]]\ntype = \"A\"\nlevel = 5\nmax_distance_m = 3\n",
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("entry 2 (type \"A\"): duplicate type id \"A\""),
            "{e}"
        );
        let e = parse(
            "name = \"x\"\n[[facility]]\ntype = \"a\"\naliases = [\"学\"]\nlevel = 5\n\
             max_distance_m = 3\n[[facility]]\ntype = \"b\"\naliases = [\"学\"]\nlevel = 5\n\
             max_distance_m = 3\n",
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("alias already used by \"学\""),
            "{e}"
        );
    }

    #[test]
    fn syntax_errors_are_one_line_with_the_line_number() {
        let e = parse("name = \"x\"\n[[facility]]\ntype = \"a\nlevel = 5\n").unwrap_err();
        let s = e.to_string();
        assert!(s.starts_with("p.toml: line 3: "), "{s}");
        assert!(!s.contains('\n'), "{s}");
        let e = parse(
            "name = \"x\"\n[[facility]]\ntype = \"a\"\nlevel = 5\nmax_distance_m = \"far\"\n",
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("p.toml: line 5: "), "{e}");
    }

    #[test]
    fn bad_type_ids_are_refused() {
        let e =
            parse("name = \"x\"\n[[facility]]\ntype = \"a b\"\nlevel = 5\nmax_distance_m = 3\n")
                .unwrap_err();
        assert!(e.to_string().contains("\"a b\""), "{e}");
    }

    #[test]
    fn an_unknown_name_names_the_builtins() {
        let e = Profile::load("no-such-profile.toml")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("no-such-profile.toml: cannot read the profile"),
            "{e}"
        );
        assert!(e.ends_with("built-in name: gb50180-2018"), "{e}");
    }
}
