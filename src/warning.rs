//! What a run reports without stopping: every warning the library gives, as a value a program
//! can match on; `Display` is the line `summary.json` and the terminal show.

use std::fmt;
use std::path::PathBuf;

/// Something a user should know about a run that still went ahead.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Warning {
    /// Features without an id were numbered by their position.
    GeneratedIds {
        /// The file.
        path: PathBuf,
        /// What the features are (`compounds`, `points`, `facilities`).
        what: &'static str,
        /// Features without an id.
        missing: usize,
        /// Features in the layer.
        total: usize,
    },
    /// A centre layer without a level field took its file name as level (several
    /// `--centers` layers were given).
    LevelFromFileName {
        /// The file.
        path: PathBuf,
        /// The level given to its centres.
        level: String,
    },
    /// No population or households field: every compound counts as one resident.
    NoPopulationField {
        /// The file.
        path: PathBuf,
        /// The field names looked for, comma-separated.
        looked_for: String,
    },
    /// Compounds without a population or households value count as one resident each.
    MissingPopulation {
        /// The file.
        path: PathBuf,
        /// Compounds without a value.
        missing: usize,
        /// Compounds in the layer.
        total: usize,
    },
    /// Two layers lie far apart (but not so far that the run is refused).
    LayersApart {
        /// Role of the first layer.
        name_a: String,
        /// Role of the second layer.
        name_b: String,
        /// The gap between their bounding boxes, kilometres.
        distance_km: f64,
        /// True when swapping the second layer's axes brings the two together.
        swapped: bool,
    },
    /// The study area is larger than the local plane is accurate for.
    LargeSpan {
        /// The area's span, kilometres.
        span_km: f64,
        /// The span up to which distances stay within 0.1 %, kilometres.
        limit_km: f64,
    },
    /// The automatic candidate grid was coarsened to stay under its size cap.
    AutoGridCoarsened {
        /// The spacing asked for (half the radius), metres.
        grid_m: f64,
        /// The cap on grid points.
        max_points: usize,
        /// The spacing used, metres.
        step_m: f64,
    },
    /// Some of the profile's facility types have no facility at all.
    AbsentTypes {
        /// The absent types' ids.
        absent: Vec<String>,
        /// Types in the profile.
        types: usize,
    },
    /// A facilities layer lacks a `--group-by` field.
    NoGroupField {
        /// The file.
        path: PathBuf,
        /// The field.
        name: String,
    },
    /// Facilities whose type matches no profile type were left out.
    UnmatchedFacilities {
        /// The file.
        path: PathBuf,
        /// Facilities left out.
        unmatched: usize,
        /// Facilities in the layer.
        total: usize,
        /// The type field.
        field: String,
        /// The unmatched values with their counts, as listed.
        values: String,
    },
    /// Facilities without a capacity count as 1 each.
    FacilitiesWithoutCapacity {
        /// The file.
        path: PathBuf,
        /// Facilities without a value.
        count: usize,
    },
    /// Facility ids shared by several layers were prefixed with their file stem.
    FacilityIdsAcrossLayers {
        /// Facilities with a shared id.
        count: usize,
    },
    /// Points far from the rest of their layer were left out of the run (listed in
    /// `summary.json` `dropped`).
    FarPointsDropped {
        /// The file.
        path: PathBuf,
        /// The layer's role.
        layer: String,
        /// The points left out: `id "x" at (lon, lat)`, the first few, comma-separated.
        listed: String,
        /// Points left out.
        count: usize,
    },
    /// An option was given that the run does not use (in the binary, a flag).
    UnusedOption {
        /// The option as given (`--snap-limit`).
        option: String,
        /// Why it has no effect and what would make it count.
        why: String,
    },
    /// Texts longer than a workbook cell holds, cut in the xlsx (whole in CSV and GeoJSON).
    CellsCut {
        /// The layer they come from.
        path: PathBuf,
        /// Texts cut.
        count: usize,
        /// The start of the first.
        example: String,
        /// The most characters a cell holds.
        max_chars: usize,
    },
    /// Gates that name no compound of the run, or that lie beyond the snap limit.
    GatesLeftOut {
        /// The gates file.
        path: PathBuf,
        /// Why they are left out (`name no compound`, `lie more than 300 m from every street`).
        why: String,
        /// Gates left out.
        count: usize,
        /// The first few, as `feature 3 (id "G3")`, comma-separated.
        examples: String,
    },
    /// Fewer sites than asked for add anyone.
    FewerSitesThanAsked {
        /// Sites chosen.
        chosen: usize,
        /// Sites asked for.
        asked: usize,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::GeneratedIds {
                path,
                what,
                missing,
                total,
            } => write!(
                f,
                "{}: {missing} of {total} {what} have no id; numbered by position",
                path.display()
            ),
            Warning::LevelFromFileName { path, level } => write!(
                f,
                "{}: no level field; its centres take the file name {level:?} as level \
                 (--centers-level LEVEL=FILE sets another)",
                path.display()
            ),
            Warning::NoPopulationField { path, looked_for } => write!(
                f,
                "{}: no population field (looked for {looked_for}); every compound counts as 1 \
                 resident — pass --population-field or --households-field",
                path.display()
            ),
            Warning::MissingPopulation {
                path,
                missing,
                total,
            } => write!(
                f,
                "{}: {missing} of {total} compounds have no population or households value; \
                 counted as 1 resident each",
                path.display()
            ),
            Warning::LayersApart {
                name_a,
                name_b,
                distance_km,
                swapped,
            } => {
                write!(
                    f,
                    "the {name_a} and {name_b} layers lie {distance_km:.0} km apart"
                )?;
                if *swapped {
                    write!(
                        f,
                        "; the {name_b} layer's longitude and latitude look swapped"
                    )
                } else {
                    f.write_str("; check both use the same coordinate system (--coords, --crs)")
                }
            }
            Warning::LargeSpan { span_km, limit_km } => write!(
                f,
                "the study area spans {span_km:.0} km; distances on the local plane may be off \
                 by more than 0.1 % beyond {limit_km:.0} km — split the area into smaller runs"
            ),
            Warning::AutoGridCoarsened {
                grid_m,
                max_points,
                step_m,
            } => write!(
                f,
                "--candidates auto: a grid at {grid_m:.0} m (half the radius) would exceed \
                 {max_points} points; coarsened to {step_m:.0} m spacing (uncovered compounds \
                 stay candidates)"
            ),
            Warning::AbsentTypes { absent, types } => write!(
                f,
                "no facility of {} of the profile's {types} types ({}): every compound lacks \
                 them",
                absent.len(),
                absent.join(", ")
            ),
            Warning::NoGroupField { path, name } => write!(
                f,
                "{}: no field {name:?}; these facilities count for no {name:?} value in the \
                 per-group supply per 1,000 residents",
                path.display()
            ),
            Warning::UnmatchedFacilities {
                path,
                unmatched,
                total,
                field,
                values,
            } => write!(
                f,
                "{}: {unmatched} of {total} facilities have a {field:?} value that matches no \
                 profile type and are left out: {values}",
                path.display()
            ),
            Warning::FacilitiesWithoutCapacity { path, count } => write!(
                f,
                "{}: {count} facilities have no capacity value; counted as 1 each",
                path.display()
            ),
            Warning::FacilityIdsAcrossLayers { count } => write!(
                f,
                "{count} facility ids occur in more than one layer; written as <file stem>:<id>"
            ),
            Warning::FarPointsDropped {
                path,
                layer,
                listed,
                count,
            } => write!(
                f,
                "{}: left out {count} of the {layer} more than 100 km from the rest of the \
                 layer (failed geocodes?): {listed}",
                path.display()
            ),
            Warning::UnusedOption { option, why } => {
                write!(f, "{option} has no effect in this run: {why}")
            }
            Warning::CellsCut {
                path,
                count,
                example,
                max_chars,
            } => write!(
                f,
                "{}: {count} text(s) longer than the {max_chars} characters a workbook cell \
                 holds are cut in the xlsx (whole in the CSV and GeoJSON), e.g. {example:?}…",
                path.display()
            ),
            Warning::GatesLeftOut {
                path,
                why,
                count,
                examples,
            } => write!(
                f,
                "{}: {count} gate(s) {why} and are not used (e.g. {examples})",
                path.display()
            ),
            Warning::FewerSitesThanAsked { chosen, asked } => write!(
                f,
                "--add: only {chosen} of the {asked} sites asked for add anyone: further sites \
                 would cover nobody new"
            ),
        }
    }
}

impl Warning {
    /// The warning in Chinese, for the pages of a `--lang zh` run (`summary.json` and the
    /// terminal keep the English line). Paths, ids, values and flags stay as given.
    pub fn zh(&self) -> String {
        match self {
            Warning::GeneratedIds {
                path,
                what,
                missing,
                total,
            } => format!(
                "{}：{total} 个{}中有 {missing} 个没有编号，已按顺序编号",
                path.display(),
                zh_role(what)
            ),
            Warning::LevelFromFileName { path, level } => format!(
                "{}：没有等级字段，其服务中心以文件名 {level:?} 作为等级（可用 \
                 --centers-level 等级=文件 指定）",
                path.display()
            ),
            Warning::NoPopulationField { path, looked_for } => format!(
                "{}：没有人口字段（查找了 {looked_for}），每个小区按 1 人计 —— 请用 \
                 --population-field 或 --households-field 指定",
                path.display()
            ),
            Warning::MissingPopulation {
                path,
                missing,
                total,
            } => format!(
                "{}：{total} 个小区中有 {missing} 个没有人口或户数，各按 1 人计",
                path.display()
            ),
            Warning::LayersApart {
                name_a,
                name_b,
                distance_km,
                swapped,
            } => {
                let (a, b) = (zh_role(name_a), zh_role(name_b));
                let advice = if *swapped {
                    format!("{b}图层的经纬度似乎写反了")
                } else {
                    "请检查两者是否使用同一坐标系（--coords、--crs）".to_string()
                };
                format!("{a}图层与{b}图层相距 {distance_km:.0} 公里；{advice}")
            }
            Warning::LargeSpan { span_km, limit_km } => format!(
                "研究范围跨度 {span_km:.0} 公里；超过 {limit_km:.0} 公里后局部平面上的距离误差可能\
                 大于 0.1 % —— 请分区计算"
            ),
            Warning::AutoGridCoarsened {
                grid_m,
                max_points,
                step_m,
            } => format!(
                "--candidates auto：按 {grid_m:.0} 米（半径的一半）布设的网格将超过 \
                 {max_points} 个点，已放宽为 {step_m:.0} 米间距（未覆盖小区仍作为候选点）"
            ),
            Warning::AbsentTypes { absent, types } => format!(
                "标准的 {types} 类设施中有 {} 类没有任何设施（{}），所有小区均缺少这些设施",
                absent.len(),
                absent.join("、")
            ),
            Warning::NoGroupField { path, name } => format!(
                "{}：没有字段 {name:?}，这些设施不计入按 {name:?} 分组的千人设施数",
                path.display()
            ),
            Warning::UnmatchedFacilities {
                path,
                unmatched,
                total,
                field,
                values,
            } => format!(
                "{}：{total} 个设施中有 {unmatched} 个的 {field:?} 值不属于标准中的任何类型，\
                 未纳入计算：{values}",
                path.display()
            ),
            Warning::FacilitiesWithoutCapacity { path, count } => {
                format!("{}：{count} 个设施没有容量值，各按 1 计", path.display())
            }
            Warning::FacilityIdsAcrossLayers { count } => {
                format!("{count} 个设施编号出现在多个图层中，写作 <文件名>:<编号>")
            }
            Warning::FarPointsDropped {
                path,
                layer,
                listed,
                count,
            } => format!(
                "{}：{count} 个{}距图层其余要素超过 100 公里（可能是地理编码失败），\
                 未纳入计算：{listed}",
                path.display(),
                zh_role(layer)
            ),
            Warning::UnusedOption { option, why } => {
                format!("{option} 在本次计算中不起作用：{}", zh_phrase(why))
            }
            Warning::CellsCut {
                path,
                count,
                example,
                max_chars,
            } => format!(
                "{}：{count} 段文字超过工作簿单元格可容纳的 {max_chars} 个字符，在 xlsx 中被截断\
                 （CSV 与 GeoJSON 中完整保留），例如 {example:?}…",
                path.display()
            ),
            Warning::GatesLeftOut {
                path,
                why,
                count,
                examples,
            } => format!(
                "{}：{count} 个出入口{}，未使用（例如 {examples}）",
                path.display(),
                zh_phrase(why)
            ),
            Warning::FewerSitesThanAsked { chosen, asked } => format!(
                "--add：要求新增 {asked} 处，只有 {chosen} 处能覆盖新的居民，更多选址不会覆盖\
                 任何新居民"
            ),
        }
    }
}

/// A layer's role (or what its features are) in Chinese; other words as given. The one table
/// of role words: the pages' input lists use it too (`report::html::role_label`).
pub(crate) fn zh_role(role: &str) -> &str {
    match role {
        "compounds" => "小区",
        "centers" | "centres" | "the centre layers" => "服务中心",
        "candidates" => "候选点",
        "facilities" => "设施",
        "boundaries" => "分区边界",
        "gates" => "出入口",
        "points" => "点",
        other => other,
    }
}

/// The reasons the library and the command give, in Chinese; others as given.
fn zh_phrase(why: &str) -> String {
    if let Some(metric) = why
        .strip_prefix("it applies to --metric ")
        .and_then(|r| r.strip_suffix(" only"))
    {
        return format!("它只适用于 --metric {metric}");
    }
    if let Some(limit) = why
        .strip_prefix("lie more than ")
        .and_then(|r| r.strip_suffix(" m from every street"))
    {
        return format!("距所有道路超过 {limit} 米");
    }
    match why {
        "capacities are used with --capacitated only" => "容量只在 --capacitated 时使用".into(),
        "facility capacities are read for --accessibility 2sfca only" => {
            "设施容量只在 --accessibility 2sfca 时读取".into()
        }
        "it caps walks for --objective distance or max-distance only" => {
            "它只在 --objective distance 或 max-distance 时限制步行距离".into()
        }
        "name no compound" => "未对应任何小区".into(),
        _ => why.to_string(),
    }
}

/// Warnings are written as their text.
impl serde::Serialize for Warning {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_read_as_one_line_naming_the_file_and_the_counts() {
        let w = Warning::GeneratedIds {
            path: "a/c.csv".into(),
            what: "compounds",
            missing: 2,
            total: 5,
        };
        assert_eq!(
            w.to_string(),
            "a/c.csv: 2 of 5 compounds have no id; numbered by position"
        );
        assert_eq!(
            serde_json::to_string(&w).unwrap(),
            "\"a/c.csv: 2 of 5 compounds have no id; numbered by position\""
        );
        let w = Warning::LayersApart {
            name_a: "compounds".into(),
            name_b: "centers".into(),
            distance_km: 12.4,
            swapped: true,
        };
        assert_eq!(
            w.to_string(),
            "the compounds and centers layers lie 12 km apart; the centers layer's longitude \
             and latitude look swapped"
        );
        assert_eq!(
            w.zh(),
            "小区图层与服务中心图层相距 12 公里；服务中心图层的经纬度似乎写反了"
        );
    }

    /// Every warning has a Chinese line: CJK text, and no English word but the flags, the
    /// file and the values it quotes.
    #[test]
    fn every_warning_reads_in_chinese() {
        let p = || PathBuf::from("f.csv");
        let all = [
            Warning::GeneratedIds {
                path: p(),
                what: "compounds",
                missing: 1,
                total: 2,
            },
            Warning::LevelFromFileName {
                path: p(),
                level: "x".into(),
            },
            Warning::NoPopulationField {
                path: p(),
                looked_for: "pop".into(),
            },
            Warning::MissingPopulation {
                path: p(),
                missing: 1,
                total: 2,
            },
            Warning::LayersApart {
                name_a: "compounds".into(),
                name_b: "centers".into(),
                distance_km: 9.0,
                swapped: false,
            },
            Warning::LargeSpan {
                span_km: 900.0,
                limit_km: 300.0,
            },
            Warning::AutoGridCoarsened {
                grid_m: 250.0,
                max_points: 9,
                step_m: 400.0,
            },
            Warning::AbsentTypes {
                absent: vec!["x".into()],
                types: 16,
            },
            Warning::NoGroupField {
                path: p(),
                name: "x".into(),
            },
            Warning::UnmatchedFacilities {
                path: p(),
                unmatched: 1,
                total: 2,
                field: "x".into(),
                values: "y (1)".into(),
            },
            Warning::FacilitiesWithoutCapacity {
                path: p(),
                count: 3,
            },
            Warning::FacilityIdsAcrossLayers { count: 3 },
            Warning::FarPointsDropped {
                path: p(),
                layer: "centers".into(),
                listed: "id \"x\"".into(),
                count: 1,
            },
            Warning::UnusedOption {
                option: "--snap-limit".into(),
                why: "it applies to --metric network only".into(),
            },
            Warning::CellsCut {
                path: p(),
                count: 1,
                example: "x".into(),
                max_chars: 32767,
            },
            Warning::GatesLeftOut {
                path: p(),
                why: "name no compound".into(),
                count: 1,
                examples: "x".into(),
            },
            Warning::FewerSitesThanAsked {
                chosen: 1,
                asked: 2,
            },
        ];
        let allowed = [
            "csv",
            "centers",
            "level",
            "population",
            "field",
            "households",
            "coords",
            "crs",
            "candidates",
            "auto",
            "snap",
            "limit",
            "metric",
            "network",
            "xlsx",
            "add",
            "CSV",
            "GeoJSON",
            "pop",
        ];
        for w in all {
            let zh = w.zh();
            assert!(crate::report::html::has_cjk(&zh), "{zh}");
            for word in zh
                .split(|c: char| !c.is_ascii_alphabetic())
                .filter(|w| w.len() > 2)
            {
                assert!(allowed.contains(&word), "{word:?} in {zh}");
            }
        }
    }

    /// Every reason the code gives a Chinese page is in Chinese (no ASCII words left but
    /// flags, paths and values).
    #[test]
    fn chinese_warnings_translate_the_known_reasons() {
        for why in [
            "capacities are used with --capacitated only",
            "facility capacities are read for --accessibility 2sfca only",
            "it caps walks for --objective distance or max-distance only",
            "it applies to --metric network only",
            "name no compound",
            "lie more than 300 m from every street",
        ] {
            let zh = zh_phrase(why);
            assert_ne!(zh, why);
            let words: Vec<&str> = zh
                .split(|c: char| !c.is_ascii_alphabetic())
                .filter(|w| w.len() > 2)
                .collect();
            assert!(
                words.iter().all(|w| [
                    "metric",
                    "network",
                    "capacitated",
                    "accessibility",
                    "objective",
                    "distance",
                    "max",
                    "sfca"
                ]
                .contains(w)),
                "{why} -> {zh}"
            );
        }
        let w = Warning::GatesLeftOut {
            path: "g.geojson".into(),
            why: "lie more than 300 m from every street".into(),
            count: 2,
            examples: "feature 1 names \"C1\"".into(),
        };
        assert_eq!(
            w.zh(),
            "g.geojson：2 个出入口距所有道路超过 300 米，未使用（例如 feature 1 names \"C1\"）"
        );
    }
}
