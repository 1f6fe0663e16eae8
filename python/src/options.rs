//! The keyword arguments of `cp.Study(...)` and of its methods, merged by the Python wrapper
//! into one dict and read here with serde: each is the command's flag of the same meaning
//! (`minutes` is `--minutes`, `radius_m` is `--radius`, ...). An unknown key is an error.

use std::path::PathBuf;

use circleplan::io::{CostUnit, Encoding, IdField, MatrixColumns, ReadOptions};
use circleplan::{Circle, CoordSystem, MetricSpec, Projected};
use pyo3::prelude::*;
use serde::Deserialize;

use crate::read::Layer;
use crate::{py_error, usage};

/// Every option a workflow may take; absent ones take the command's defaults.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct Options {
    // The circle.
    pub minutes: Option<f64>,
    pub speed_kmh: Option<f64>,
    pub radius_m: Option<f64>,
    pub standard: Option<String>,
    pub level_radius_m: Vec<(String, f64)>,
    // Fields and reading.
    pub group_by: Vec<String>,
    pub population_field: Option<String>,
    pub households_field: Option<String>,
    pub persons_per_household: Option<f64>,
    pub level_field: Option<String>,
    pub name_field: Option<String>,
    pub capacity_field: Option<String>,
    pub type_field: Option<String>,
    pub id_field: Option<String>,
    pub coords: Option<String>,
    pub crs: Option<String>,
    pub lon_field: Option<String>,
    pub lat_field: Option<String>,
    pub encoding: Option<String>,
    pub drop_far: bool,
    // The metric.
    pub metric: Option<String>,
    pub node_crossings: bool,
    pub snap_limit_m: Option<f64>,
    pub matrix_columns: Option<String>,
    pub matrix_unit: Option<String>,
    // Outputs.
    pub circles: bool,
    pub lang: Option<String>,
    pub date: Option<String>,
    // site.
    pub add: Option<usize>,
    pub target: Option<f64>,
    pub time_limit_s: Option<f64>,
    pub require: Vec<String>,
    pub exclude: Vec<String>,
    // lifecircle.
    pub profile: Option<String>,
    pub accessibility: bool,
    pub catchments: bool,
    pub gates_compound_field: Option<String>,
    pub objective: Option<String>,
    pub max_distance_m: Option<f64>,
}

impl Options {
    /// `site`'s objective: `coverage` (default: `None`), `distance` (p-median) or
    /// `max-distance` (p-center), walks capped at `max_distance_m` (default twice the
    /// radius), as `site --objective` and `--max-distance`.
    pub(crate) fn distance_objective(
        &self,
        radius_m: f64,
    ) -> PyResult<Option<circleplan::siting::DistanceOptions>> {
        use circleplan::siting::{DistanceKind, DistanceOptions};
        let kind = match self.objective.as_deref() {
            None | Some("coverage") => {
                if self.max_distance_m.is_some() {
                    return Err(usage(
                        "max_distance_m= needs objective=\"distance\" or \"max-distance\"",
                    ));
                }
                return Ok(None);
            }
            Some("distance") => DistanceKind::Mean,
            Some("max-distance") => DistanceKind::Max,
            Some(other) => {
                return Err(usage(format!(
                    "invalid objective {other:?}: coverage, distance or max-distance"
                )));
            }
        };
        Ok(Some(DistanceOptions {
            kind,
            max_distance_m: self.max_distance_m.unwrap_or(2.0 * radius_m),
        }))
    }

    pub(crate) fn from_py(options: &Bound<'_, PyAny>) -> PyResult<Options> {
        pythonize::depythonize(options).map_err(|e| usage(format!("invalid options: {e}")))
    }

    pub(crate) fn encoding(&self) -> PyResult<Encoding> {
        match &self.encoding {
            Some(e) => e.parse().map_err(py_error),
            None => Ok(Encoding::Auto),
        }
    }

    /// How every layer is read (as the command's `--coords`, `--crs`, `--id-field`, ...);
    /// GeoDataFrames arrive in WGS84, reprojected by the wrapper.
    pub(crate) fn read_options(&self) -> PyResult<ReadOptions> {
        let coords = match &self.coords {
            Some(c) => c.parse::<CoordSystem>().map_err(py_error)?,
            None => CoordSystem::Wgs84,
        };
        let csv_crs = match &self.crs {
            Some(c) => Some(Projected::parse(c).map_err(py_error)?),
            None => None,
        };
        Ok(ReadOptions {
            id_field: match &self.id_field {
                Some(name) => IdField::Prefer(name.clone()),
                None => IdField::Detect,
            },
            fields: Vec::new(),
            coords,
            crs: None,
            csv_crs,
            lon_field: self.lon_field.clone(),
            lat_field: self.lat_field.clone(),
            encoding: self.encoding()?,
            keep_polygons: false,
            duplicate_ids: false,
        })
    }

    /// The name of the coordinate system, as the summary records it.
    pub(crate) fn coords_name(&self) -> PyResult<String> {
        Ok(self.read_options()?.coords.to_string())
    }

    /// The circle (as the command's `--minutes`, `--speed`, `--radius`, `--standard`,
    /// `--level-radius`).
    pub(crate) fn circle(&self) -> PyResult<Circle> {
        let speed = self.speed_kmh.unwrap_or(circleplan::DEFAULT_SPEED_KMH);
        let minutes = self.minutes.unwrap_or(circleplan::DEFAULT_MINUTES);
        let mut c = match (self.radius_m, self.standard.as_deref()) {
            (Some(_), _) if self.minutes.is_some() || self.standard.is_some() => {
                return Err(usage(
                    "radius_m cannot be given with minutes or standard: give one",
                ));
            }
            (Some(r), _) => Circle::from_radius(r, speed),
            (None, Some(s)) if s.eq_ignore_ascii_case("gb50180") => Circle::gb50180(minutes, speed),
            (None, Some(s)) => {
                return Err(usage(format!(
                    "invalid standard {s:?}: the one standard is \"gb50180\""
                )));
            }
            (None, None) => Circle::from_minutes(minutes, speed),
        }
        .map_err(py_error)?;
        for (level, r) in &self.level_radius_m {
            c = c.with_level_radius(level, *r).map_err(py_error)?;
        }
        Ok(c)
    }

    /// The metric: walking along `network` when one is given (or `metric="network"`), a cost
    /// table for `metric="matrix"` (the table is the `network` layer's path), else straight
    /// lines.
    pub(crate) fn metric(&self, network: &Layer) -> PyResult<MetricSpec> {
        let snap_limit_m = self
            .snap_limit_m
            .unwrap_or(circleplan::network::DEFAULT_SNAP_LIMIT_M);
        if !(snap_limit_m.is_finite() && snap_limit_m >= 0.0) {
            return Err(usage(format!(
                "invalid snap_limit_m {snap_limit_m}: must be a number ≥ 0"
            )));
        }
        let metric = match (self.metric.as_deref(), network) {
            (Some(m), _) => m.to_ascii_lowercase(),
            (None, Layer::None) => "euclidean".into(),
            (None, _) => "network".into(),
        };
        Ok(match (metric.as_str(), network) {
            ("euclidean", Layer::None) => MetricSpec::Euclidean,
            ("euclidean", _) => {
                return Err(usage(
                    "network is not read with metric=\"euclidean\": drop it, or use \
                     metric=\"network\"",
                ));
            }
            ("network" | "matrix", Layer::None) => {
                return Err(usage(format!(
                    "metric={metric:?} needs network= (a street file or GeoDataFrame of lines; \
                     for \"matrix\" the cost table's path)"
                )));
            }
            ("network", Layer::Path(path)) => MetricSpec::Network {
                path: path.clone(),
                node_crossings: self.node_crossings,
                snap_limit_m,
            },
            ("network", Layer::Memory { .. }) => {
                let (name, geojson) = network.bytes()?;
                MetricSpec::NetworkGeoJson {
                    name,
                    geojson: std::sync::Arc::new(geojson),
                    node_crossings: self.node_crossings,
                    snap_limit_m,
                }
            }
            ("matrix", Layer::Path(path)) => MetricSpec::Matrix {
                path: PathBuf::from(path),
                columns: match &self.matrix_columns {
                    Some(c) => c.parse::<MatrixColumns>().map_err(py_error)?,
                    None => MatrixColumns::default(),
                },
                unit: match &self.matrix_unit {
                    Some(u) => u.parse::<CostUnit>().map_err(py_error)?,
                    None => CostUnit::default(),
                },
            },
            ("matrix", _) => {
                return Err(usage(
                    "metric=\"matrix\" reads a CSV cost table: give its path",
                ));
            }
            (m, _) => {
                return Err(usage(format!(
                    "invalid metric {m:?}: must be one of euclidean, network, matrix"
                )));
            }
        })
    }
}
