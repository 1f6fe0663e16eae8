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
    #[error("invalid {name} {value}: {message}")]
    Parameter {
        /// The parameter, e.g. `--radius`.
        name: String,
        /// The value given.
        value: String,
        /// What it must be.
        message: String,
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

    /// An [`Error::Parameter`].
    pub fn parameter(name: &str, value: impl ToString, message: impl Into<String>) -> Self {
        Error::Parameter {
            name: name.to_string(),
            value: value.to_string(),
            message: message.into(),
        }
    }
}
