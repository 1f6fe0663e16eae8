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
    }
}
