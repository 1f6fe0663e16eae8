//! The library's one error type: every variant carries what a user needs to find and fix
//! the offending input (file, feature or row, value), so the CLI can print it on one line.

use std::path::PathBuf;

/// Everything that can go wrong in circleplan's library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not valid JSON.
    #[error("{path}: malformed JSON at line {line}, column {column}: {message}")]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What serde_json said.
        message: String,
    },
    /// The input is structurally wrong (not a FeatureCollection, no coordinate columns, ...).
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong and what to do about it.
        message: String,
    },
    /// One feature or row is wrong.
    #[error("{path}: {item}: {message}")]
    Item {
        /// The file.
        path: PathBuf,
        /// Which feature or row, e.g. `feature 12 (id "A-3")` or `row 7`.
        item: String,
        /// What is wrong, quoting the value.
        message: String,
    },
    /// A coordinate is NaN, infinite, out of range or looks swapped.
    #[error("{path}: {item}: {message} (lon {lon}, lat {lat})")]
    BadCoordinate {
        /// The file.
        path: PathBuf,
        /// Which feature or row.
        item: String,
        /// Longitude (or x) as read.
        lon: f64,
        /// Latitude (or y) as read.
        lat: f64,
        /// What is wrong.
        message: String,
    },
    /// A file name given for an input is a directory.
    #[error("{path}: is a directory, not a file; give the path of a file inside it")]
    NotAFile {
        /// The directory.
        path: PathBuf,
    },
    /// Two features of one layer share an id.
    #[error("{path}: duplicate id {id:?} at {item} (first seen at {first})")]
    DuplicateId {
        /// The file.
        path: PathBuf,
        /// The id.
        id: String,
        /// The second occurrence.
        item: String,
        /// The first occurrence.
        first: String,
    },
    /// Two layers of one role (several `--centers` files, a scenario's sites and the
    /// centres) share an id.
    #[error("duplicate id {id:?}: in {path_a} and in {path_b}; ids must be unique across {what}")]
    DuplicateIdAcrossLayers {
        /// The id.
        id: String,
        /// The first file.
        path_a: PathBuf,
        /// The second file.
        path_b: PathBuf,
        /// Which layers must not share ids, e.g. `the centre layers`.
        what: &'static str,
    },
    /// A name (a scenario, a closed centre, a required site) that the run does not know or
    /// that is given twice.
    #[error("{what} {name:?}: {message}")]
    Unknown {
        /// What kind of name, e.g. `scenario`, `--close id`.
        what: String,
        /// The name as given.
        name: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// A feature without an id was numbered by its position, and that number is another
    /// feature's id.
    #[error(
        "{path}: duplicate id {id:?}: {generated} has no id and was numbered {id:?} by its \
         position, which is the id of {other}; give every feature an id (or none)"
    )]
    GeneratedIdClash {
        /// The file.
        path: PathBuf,
        /// The id both features have.
        id: String,
        /// The feature whose id was generated.
        generated: String,
        /// The feature that carries the id in the file.
        other: String,
    },
    /// Coordinates declared to be in a projected system look like degrees.
    #[error(
        "{path}: {item}: coordinates ({x}, {y}) look like longitude/latitude degrees, but the \
         layer's coordinate system is {crs}, which is in metres; {hint}"
    )]
    DegreesInProjectedCrs {
        /// The file.
        path: PathBuf,
        /// Which feature or row.
        item: String,
        /// x as read.
        x: f64,
        /// y as read.
        y: f64,
        /// The declared system and where it was declared, e.g. `EPSG:4548 (the file's "crs"
        /// member)`.
        crs: String,
        /// What to do about it.
        hint: String,
    },
    /// Two layers of one run lie far apart (mixed coordinate systems or swapped axes).
    #[error(
        "the {name_a} layer {path_a} and the {name_b} layer {path_b} lie {distance_km:.0} km \
         apart (more than {limit_km:.0} km); {}",
        apart_hint(*.swapped, .name_b)
    )]
    LayersApart {
        /// Role of the first layer (`compounds`, `centers`, ...).
        name_a: &'static str,
        /// The first layer's file.
        path_a: PathBuf,
        /// Role of the second layer.
        name_b: &'static str,
        /// The second layer's file.
        path_b: PathBuf,
        /// Gap between their bounding boxes, kilometres.
        distance_km: f64,
        /// The largest gap allowed, kilometres.
        limit_km: f64,
        /// True when swapping the second layer's longitude and latitude brings the two
        /// together.
        swapped: bool,
    },
    /// A file in a format circleplan does not read (a spreadsheet, a Shapefile, ...).
    #[error("{path}: this is {format}, which circleplan does not read: {hint}")]
    UnreadFormat {
        /// The file.
        path: PathBuf,
        /// What the file is.
        format: &'static str,
        /// What to do instead.
        hint: &'static str,
    },
    /// A Shapefile lacks one of the files it is made of (`.shx`, `.dbf`).
    #[error(
        "{path}: no {part} file beside it: a Shapefile is the .shp, .shx and .dbf together \
         (with its .prj and .cpg); copy all of them into one folder"
    )]
    ShapefilePart {
        /// The `.shp` file.
        path: PathBuf,
        /// The missing part, e.g. `.dbf`.
        part: &'static str,
    },
    /// A `.prj` (or a GeoPackage's spatial reference system) names a coordinate system
    /// circleplan does not recognise.
    #[error(
        "{path}: the coordinate system {name} is not one circleplan recognises; give the \
         layer's system with its flag (--compounds-crs/--centers-crs/--candidates-crs \
         EPSG:n)"
    )]
    UnknownCrs {
        /// The layer's file.
        path: PathBuf,
        /// How the file names the system (the WKT's name, or the SRS id), quoted.
        name: String,
    },
    /// A GeoPackage holds several feature layers and none was named, or the named one is
    /// not there.
    #[error(
        "{path}: {}; name one as {path}:LAYER (feature layers: {})",
        match .layer {
            Some(l) => format!("there is no feature layer {}", quoted(l)),
            None => "this GeoPackage holds several feature layers".to_string(),
        },
        .layers.join(", ")
    )]
    GeoPackageLayer {
        /// The GeoPackage file.
        path: PathBuf,
        /// The layer asked for, if one was.
        layer: Option<String>,
        /// Its feature layers.
        layers: Vec<String>,
    },
    /// A CSV file's bytes are not UTF-8 where they should be.
    #[error(
        "{path}: row {row}: byte 0x{byte:02X} at byte offset {offset} is not valid UTF-8{}; {}",
        if *.places > 1 { format!(" ({places} such places in the file)") } else { String::new() },
        if *.mostly_utf8 {
            "the rest of the file is UTF-8, so it was not read as GBK: fix or remove that byte \
             (pass --encoding gbk if the file really is GBK)"
        } else {
            "if Excel saved the file on Chinese Windows, pass --encoding gbk"
        }
    )]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// The line of the first bad byte (the header is row 1).
        row: usize,
        /// Its offset from the start of the file.
        offset: usize,
        /// Its value.
        byte: u8,
        /// Invalid sequences in the file.
        places: usize,
        /// True when the file was read in automatic mode and is UTF-8 but for these bytes.
        mostly_utf8: bool,
    },
    /// Points lie far from the rest of their layer: most often failed geocodes at (0, 0),
    /// which would otherwise stretch the study plane and every distance measured on it.
    #[error(
        "{path}: id {id:?} at ({lon}, {lat}) lies {distance_km:.0} km from the rest of the \
         {layer} layer (more than {limit_km:.0} km){}: it looks like a failed geocode; correct \
         or remove {}",
        more_far(*.others),
        if *.others == 0 { "it" } else { "them" }
    )]
    FarPoints {
        /// The file.
        path: PathBuf,
        /// The layer's role (`compounds`, `centers`, ...).
        layer: String,
        /// The first far point's id.
        id: String,
        /// Its longitude.
        lon: f64,
        /// Its latitude.
        lat: f64,
        /// Its distance from the layer's main body, kilometres.
        distance_km: f64,
        /// The distance allowed, kilometres.
        limit_km: f64,
        /// Further far points in the layer.
        others: usize,
    },
    /// A layer has no usable features.
    #[error("{path}: the layer is empty: {message}")]
    EmptyLayer {
        /// The file.
        path: PathBuf,
        /// Why it counts as empty.
        message: String,
    },
    /// A coordinate reference system could not be set up or applied.
    #[error("coordinate system {crs}: {message}")]
    Crs {
        /// The CRS as given, e.g. `EPSG:4547`.
        crs: String,
        /// What went wrong.
        message: String,
    },
    /// A parameter is out of its valid range.
    #[error("invalid {param} {value}: {message}")]
    Parameter {
        /// Which value (the binary names the flag that set it).
        param: Param,
        /// The value given.
        value: String,
        /// What it must be.
        message: String,
    },
    /// A field the caller named is in no feature of the layer.
    #[error("{path}: {field} {name:?} is not in any feature")]
    MissingField {
        /// The file.
        path: PathBuf,
        /// Which field it was asked for as.
        field: Param,
        /// The name given.
        name: String,
    },
    /// An output would overwrite an input or cannot be written.
    #[error("{path}: {message}")]
    Output {
        /// The output path.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// A value a caller chooses (in the `circleplan` binary, a flag: the binary names the flag,
/// the library the quantity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Param {
    /// Walking minutes of the circle.
    Minutes,
    /// Walking speed, km/h.
    Speed,
    /// Radius of the circle, metres.
    Radius,
    /// A radius for one centre level (`LEVEL=METRES`).
    LevelRadius,
    /// Persons per household.
    PersonsPerHousehold,
    /// A geographic coordinate system name.
    Coords,
    /// A text encoding name.
    Encoding,
    /// The unit of a cost table's costs.
    MatrixUnit,
    /// The site, compound and cost columns of a cost table.
    MatrixColumns,
    /// The number of new sites.
    SiteCount,
    /// The share of residents new sites should bring coverage to.
    TargetShare,
    /// The solver's time limit.
    TimeLimit,
    /// Where candidate sites come from.
    Candidates,
    /// The capacity of candidates without their own.
    CandidateCapacity,
    /// Capacities of centres and candidates.
    Capacities,
    /// Residents per capacity unit.
    ResidentsPerCapacity,
    /// The language of a report.
    Language,
    /// The population field of compounds.
    PopulationField,
    /// The households field of compounds.
    HouseholdsField,
    /// A field compounds are grouped by.
    GroupField,
    /// The level field of centres.
    LevelField,
    /// The name field of centres.
    NameField,
    /// The capacity field of centres, candidates or facilities.
    CapacityField,
    /// The type field of facilities.
    TypeField,
}

impl std::fmt::Display for Param {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Param::Minutes => "minutes",
            Param::Speed => "walking speed",
            Param::Radius => "radius",
            Param::LevelRadius => "level radius",
            Param::PersonsPerHousehold => "persons per household",
            Param::Coords => "coordinate system",
            Param::Encoding => "encoding",
            Param::MatrixUnit => "cost unit",
            Param::MatrixColumns => "cost table columns",
            Param::SiteCount => "number of sites",
            Param::TargetShare => "target share",
            Param::TimeLimit => "time limit",
            Param::Candidates => "candidates",
            Param::CandidateCapacity => "candidate capacity",
            Param::Capacities => "capacities",
            Param::ResidentsPerCapacity => "residents per capacity unit",
            Param::Language => "language",
            Param::PopulationField => "population field",
            Param::HouseholdsField => "households field",
            Param::GroupField => "group field",
            Param::LevelField => "level field",
            Param::NameField => "name field",
            Param::CapacityField => "capacity field",
            Param::TypeField => "type field",
        })
    }
}

fn apart_hint(swapped: bool, name_b: &str) -> String {
    if swapped {
        format!("the {name_b} layer's longitude and latitude look swapped")
    } else {
        "check both use the same coordinate system (--coords, --crs, or a GeoJSON \"crs\" \
         member)"
            .into()
    }
}

fn more_far(others: usize) -> String {
    match others {
        0 => String::new(),
        1 => ", and so does 1 more point".into(),
        n => format!(", and so do {n} more points"),
    }
}

/// Longest echo of a user's value in a message, in characters.
pub const MAX_ECHO_CHARS: usize = 80;

/// `text` cut to about [`MAX_ECHO_CHARS`] characters (with `…` and the full length when cut),
/// so that a message never echoes a whole file.
pub fn clip(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(MAX_ECHO_CHARS) {
        None => std::borrow::Cow::Borrowed(text),
        Some((end, _)) => std::borrow::Cow::Owned(format!(
            "{}… ({} characters)",
            &text[..end],
            text.chars().count()
        )),
    }
}

/// `text` in quotes as Rust's `{:?}` writes it, cut to about [`MAX_ECHO_CHARS`] characters
/// with the full length after the closing quote: `"abc…" (5000 characters)`.
pub fn quoted(text: &str) -> String {
    match text.char_indices().nth(MAX_ECHO_CHARS) {
        None => format!("{text:?}"),
        Some((end, _)) => format!(
            "{:?} ({} characters)",
            format!("{}…", &text[..end]),
            text.chars().count()
        ),
    }
}

/// What to say after "is not the id of a …" for `asked`, missing among `ids`: the id it
/// most likely meant (the same but for case or zero padding: `s5` for `S05`), else what the
/// ids look like: `did you mean "S05"? (40 centres)` or `(40 centres; ids look like "S01",
/// "S02", "S03")`, with `things` the plural noun.
pub fn id_hint(asked: &str, ids: &[String], things: &str) -> String {
    let key = |id: &str| -> String {
        let mut out = String::with_capacity(id.len());
        let mut in_number = false;
        for ch in id.trim().chars() {
            let digit = ch.is_ascii_digit();
            if !(digit && ch == '0' && !in_number) {
                out.extend(ch.to_lowercase());
            }
            in_number = digit && (in_number || ch != '0');
        }
        out
    };
    let wanted = key(asked);
    if let Some(close) = ids.iter().find(|id| key(id) == wanted) {
        return format!("did you mean {}? ({} {things})", quoted(close), ids.len());
    }
    let examples: Vec<String> = ids.iter().take(3).map(|id| quoted(id)).collect();
    match examples.len() {
        0 => format!("(no {things})"),
        _ => format!(
            "({} {things}; ids look like {})",
            ids.len(),
            examples.join(", ")
        ),
    }
}

/// `Result` with circleplan's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An [`Error::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// An [`Error::FarPoints`] naming the first of `far` (none empty).
    pub fn far_points(far: &[crate::study::FarPoint]) -> Self {
        let first = &far[0];
        Error::FarPoints {
            path: PathBuf::from(&first.path),
            layer: first.layer.clone(),
            id: first.id.clone(),
            lon: first.lon,
            lat: first.lat,
            distance_km: first.distance_km,
            limit_km: crate::study::MAX_LAYER_GAP_M / 1000.0,
            others: far.len() - 1,
        }
    }

    /// An [`Error::Parameter`].
    pub fn parameter(param: Param, value: impl ToString, message: impl Into<String>) -> Self {
        Error::Parameter {
            param,
            value: value.to_string(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_cuts_long_values_on_a_character_boundary() {
        assert_eq!(clip("short"), "short");
        let long = "编".repeat(200);
        let c = clip(&long);
        assert!(
            c.starts_with(&"编".repeat(80)) && c.ends_with("… (200 characters)"),
            "{c}"
        );
        assert_eq!(clip(&"x".repeat(80)), "x".repeat(80));
        assert_eq!(quoted("a\"b"), "\"a\\\"b\"");
        assert_eq!(
            quoted(&"y".repeat(81)),
            format!("\"{}…\" (81 characters)", "y".repeat(80))
        );
    }

    #[test]
    fn id_hint_suggests_the_id_meant_else_shows_what_ids_look_like() {
        let ids: Vec<String> = ["S01", "S02", "S05", "S50"].map(String::from).to_vec();
        let hint = |asked: &str| id_hint(asked, &ids, "centres");
        assert_eq!(hint("S000005"), "did you mean \"S05\"? (4 centres)");
        assert_eq!(hint("s5"), "did you mean \"S05\"? (4 centres)");
        assert_eq!(
            hint("S500"),
            "(4 centres; ids look like \"S01\", \"S02\", \"S05\")"
        );
        assert_eq!(id_hint("x", &[], "centres"), "(no centres)");
    }
}
