//! # circleplan
//!
//! Plan **service circles**: the 5-, 10- and 15-minute walking circles Chinese cities use to
//! place community service centres (党群服务中心) so that every resident compound has one
//! close by. circleplan measures coverage (straight line, on foot, or from a cost table), finds
//! the gaps, chooses where the next centres go with a proof of optimality or a certified gap,
//! handles centres with capacity, and checks the 15-minute life circle per facility type.
//!
//! ## Pipeline
//! 1. [`io`] reads compounds and centres from GeoJSON, CSV (UTF-8 or GBK), Shapefiles or
//!    GeoPackages into columns.
//! 2. [`crs`] converts GCJ-02/BD-09 and projected coordinates to WGS84, and defines the
//!    local metric plane every distance is measured on.
//! 3. [`model`] checks fields (population, households, levels, groups) and builds
//!    [`Compounds`] and [`Centres`].
//! 4. [`network`] is the street graph (read, snap, Dijkstra); [`CoverageMatrix`] the sparse
//!    compound × site matrix.
//! 5. [`coverage`] streams straight-line coverage without a matrix (or reads it off the
//!    walking or cost-table matrix) and derives totals and tables per group and level
//!    ([`Analysis`]).
//! 6. [`gaps`] groups the uncovered into zones ([`gaps::study_gaps`]); [`capacity`] assigns
//!    residents under capacities (maximum flow); [`siting`] chooses new sites
//!    ([`siting::run_site`]).
//! 7. [`lifecircle`] checks the 15-minute life circle per facility type (profiles as TOML
//!    data, completeness per compound, 2SFCA accessibility).
//! 8. [`report`] renders `summary.json`, GeoJSON/CSV/xlsx layers, the terminal table and the
//!    HTML report.
//!
//! [`synth`] generates seeded synthetic cities for the demo, tests and benchmarks.
//!
//! ## Errors, warnings and outputs
//! Every failure is one [`Error`] variant carrying what a user needs to fix the input; a
//! value out of range names its [`Param`] (the `circleplan` binary adds the flag that set
//! it). What a run reports without stopping is a [`Warning`]. `summary.json` is the
//! [`report::Summary`] (or [`report::LifeCircleSummary`]) type serialised: its fields are
//! the contract.
//!
//! ## Example
//! ```
//! use circleplan::{Circle, coverage};
//! // Positions in metres on a plane; a 15-minute circle at 4 km/h is 1000 m.
//! let circle = Circle::from_minutes(15.0, 4.0).unwrap();
//! let compounds = [[0.0, 0.0], [900.0, 0.0], [2500.0, 0.0]];
//! let centres = [[0.0, 100.0]];
//! let cov = coverage::euclidean(&compounds, &centres, &[circle.radius_m]);
//! assert_eq!(cov.covered(), vec![true, true, false]);
//! ```
//!
//! ## Feature flags
//! - `cli` (default): the `circleplan` binary (clap, anyhow, progress bars).
//! - `proj`: projected input systems through the PROJ C library (needs cmake to build);
//!   without it a pure-Rust engine (proj4rs) handles `--crs`.

#![deny(missing_docs)]
#![deny(unsafe_code)]

// The pipeline's stages, each a public module with its own curated `pub use` list.
pub mod boundaries;
pub mod capacity;
pub mod coverage;
pub mod crs;
pub mod gaps;
pub mod gates;
pub mod io;
pub mod lifecircle;
pub mod model;
pub mod network;
pub mod report;
pub mod siting;
pub mod synth;

// Building blocks reached through the re-exports below.
mod circle;
mod error;
mod index;
mod matrix;
mod outline;
mod study;
mod warning;

/// The seeded generator behind `synth`, for tests and benchmarks.
#[doc(hidden)]
pub mod rng;

pub use boundaries::Boundaries;
pub use circle::{COVER_TOLERANCE_M, Circle, DEFAULT_MINUTES, DEFAULT_SPEED_KMH};
pub use coverage::{Analysis, Coverage, CoverageMatrix, Metric};
pub use crs::{CoordSystem, LocalPlane, Projected};
pub use error::{Error, MAX_ECHO_CHARS, Param, Result, id_hint};
pub use model::{CentreFields, Centres, CompoundFields, Compounds};
pub use study::{
    FarPoint, LayerExtent, MAX_LAYER_GAP_M, MAX_SPAN_M, MetricSpec, OUTPUT_DECIMALS, Proposals,
    Study, StudyArea, StudyLayers, check_layers_together, far_points,
};
pub use warning::Warning;
