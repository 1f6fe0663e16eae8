//! The `--metric` flags shared by every command, turned into the library's [`MetricSpec`],
//! and the [`Study`] built with it.

use std::path::PathBuf;

use anyhow::{Result, bail};
use circleplan::io::{CostUnit, MatrixColumns};
use circleplan::network::DEFAULT_SNAP_LIMIT_M;
use circleplan::{Circle, MetricSpec, Proposals, Study, StudyLayers};
use clap::ValueEnum;

/// How travel cost is measured.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum MetricName {
    /// Straight line on a local metric plane.
    Euclidean,
    /// Shortest walk along a street network (--network FILE).
    Network,
    /// A precomputed cost table (--matrix FILE.csv).
    Matrix,
}

/// Metric flags.
#[derive(Debug, Clone, clap::Args)]
pub struct MetricArgs {
    /// How travel cost is measured: euclidean, network (walk along streets) or matrix
    /// [default: network with --network FILE, matrix with --matrix FILE, else euclidean].
    #[arg(long)]
    pub metric: Option<MetricName>,
    /// Street network for --metric network: an OpenStreetMap extract (.osm.pbf) or a GIS road
    /// layer: GeoJSON LineStrings, a Shapefile of polylines (.shp, system from its .prj) or a
    /// GeoPackage line layer (FILE.gpkg[:LAYER]).
    #[arg(long, value_name = "FILE")]
    pub network: Option<PathBuf>,
    /// Split GIS road lines where they cross (except where layer/bridge/tunnel say they pass
    /// over each other); without it lines connect only at shared vertices.
    #[arg(long)]
    pub node_crossings: bool,
    /// Points farther than this from every street are reported unreachable, metres.
    #[arg(long, value_name = "METRES", default_value_t = DEFAULT_SNAP_LIMIT_M, allow_negative_numbers = true)]
    pub snap_limit: f64,
    /// Cost table for --metric matrix: CSV with site id, compound id and cost columns.
    #[arg(long, value_name = "FILE.csv")]
    pub matrix: Option<PathBuf>,
    /// Column names of the cost table.
    #[arg(
        long,
        value_name = "SITE,COMPOUND,COST",
        default_value = "site,compound,cost"
    )]
    pub matrix_columns: MatrixColumns,
    /// Unit of the cost column: m or min (minutes become metres at --speed).
    #[arg(long, value_name = "m|min", default_value = "m")]
    pub matrix_unit: CostUnit,
    /// Compound gates (小区出入口): points naming their compound's id. A compound's walk (or
    /// straight line) starts at whichever of its gates is shortest; compounds without a gate
    /// start at their point. Read like the compounds layer (same --coords/--crs).
    #[arg(long, value_name = "FILE")]
    pub gates: Option<PathBuf>,
    /// Compound id field of the gates (detected: compound, 小区编号, compound_id).
    #[arg(long, value_name = "NAME")]
    pub gates_compound_field: Option<String>,
}

impl MetricArgs {
    /// The metric to use: as given, or implied by the file given (`--network FILE` means
    /// walking along its streets, `--matrix FILE` its costs). A file the metric would not
    /// read is an error rather than silently ignored.
    pub fn resolved(&self) -> Result<MetricName> {
        let (network, matrix) = (self.network.is_some(), self.matrix.is_some());
        match (self.metric, network, matrix) {
            (None, true, true) => bail!(
                "--network and --matrix are both given: say which to measure with, \
                 --metric network or --metric matrix"
            ),
            (None, true, false) => Ok(MetricName::Network),
            (None, false, true) => Ok(MetricName::Matrix),
            (None, false, false) => Ok(MetricName::Euclidean),
            (Some(m), _, _) => {
                let unread = match m {
                    MetricName::Euclidean => self.network.as_ref().or(self.matrix.as_ref()),
                    MetricName::Network => self.matrix.as_ref(),
                    MetricName::Matrix => self.network.as_ref(),
                };
                if let Some(path) = unread {
                    let flag = if Some(path) == self.network.as_ref() {
                        "--network"
                    } else {
                        "--matrix"
                    };
                    bail!(
                        "{flag} {} is not read with --metric {}: drop the file, or use \
                         --metric {} to measure with it",
                        path.display(),
                        m.to_possible_value()
                            .map(|v| v.get_name().to_string())
                            .unwrap_or_default(),
                        &flag[2..]
                    );
                }
                Ok(m)
            }
        }
    }
}

impl MetricArgs {
    /// Runs `read` (the other layers) with the street file read beside it: each reader has
    /// serial steps the other fills. A street file that fails gives `None` here; it is read
    /// again, and its error said, where the network is built, so errors keep their order.
    pub fn read_beside<T: Send>(
        &self,
        read: impl FnOnce() -> T + Send,
    ) -> (T, Option<circleplan::network::StreetLines>) {
        let (read, streets) = rayon::join(read, || self.read_streets());
        (read, streets.ok().flatten())
    }

    /// The street file's lines, read now (beside the other layers) when the metric walks a
    /// street file; `Ok(None)` otherwise, or when the flags are wrong (which
    /// [`MetricArgs::spec`] then says).
    fn read_streets(&self) -> circleplan::Result<Option<circleplan::network::StreetLines>> {
        match (self.resolved(), &self.network) {
            (Ok(MetricName::Network), Some(path)) => {
                circleplan::network::StreetLines::read(path).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// The metric as the library takes it, with its file; a metric without the file it
    /// reads, or a negative snap limit, is an error naming the flag.
    pub fn spec(&self) -> Result<MetricSpec> {
        Ok(match self.resolved()? {
            MetricName::Euclidean => MetricSpec::Euclidean,
            MetricName::Network => {
                let Some(path) = &self.network else {
                    bail!(
                        "--metric network needs --network FILE (an .osm.pbf extract or a GeoJSON of streets)"
                    );
                };
                if !(self.snap_limit.is_finite() && self.snap_limit >= 0.0) {
                    bail!(
                        "invalid --snap-limit {}: must be a number ≥ 0",
                        self.snap_limit
                    );
                }
                MetricSpec::Network {
                    path: path.clone(),
                    node_crossings: self.node_crossings,
                    snap_limit_m: self.snap_limit,
                }
            }
            MetricName::Matrix => {
                let Some(path) = &self.matrix else {
                    bail!("--metric matrix needs --matrix FILE.csv (site, compound, cost columns)");
                };
                MetricSpec::Matrix {
                    path: path.clone(),
                    columns: self.matrix_columns.clone(),
                    unit: self.matrix_unit,
                }
            }
        })
    }

    /// Warnings for the metric flags given that `metric` does not read.
    pub fn unused(&self, metric: MetricName) -> Vec<circleplan::Warning> {
        let mut unused = Vec::new();
        let mut warn = |given: bool, option: &str, needs: &str| {
            if given {
                unused.push(circleplan::Warning::UnusedOption {
                    option: option.into(),
                    why: format!("it applies to --metric {needs} only"),
                });
            }
        };
        let network = metric == MetricName::Network;
        let matrix = metric == MetricName::Matrix;
        warn(
            !network && self.snap_limit != DEFAULT_SNAP_LIMIT_M,
            "--snap-limit",
            "network",
        );
        warn(
            !network && self.node_crossings,
            "--node-crossings",
            "network",
        );
        warn(
            !matrix && self.matrix_unit != CostUnit::default(),
            "--matrix-unit",
            "matrix",
        );
        warn(
            !matrix && self.matrix_columns != MatrixColumns::default(),
            "--matrix-columns",
            "matrix",
        );
        unused
    }

    /// The files the metric reads (so outputs never overwrite them).
    pub fn inputs(&self) -> Vec<&std::path::Path> {
        self.network
            .iter()
            .chain(self.matrix.iter())
            .chain(self.gates.iter())
            .map(PathBuf::as_path)
            .collect()
    }

    /// The gates layer, read with the compounds' `options`, when `--gates` is given.
    pub fn gate_layer(
        &self,
        options: &circleplan::io::ReadOptions,
    ) -> Result<Option<circleplan::gates::GateLayer>> {
        let Some(path) = &self.gates else {
            if self.gates_compound_field.is_some() {
                anyhow::bail!("--gates-compound-field needs --gates FILE");
            }
            return Ok(None);
        };
        let field = self.gates_compound_field.as_deref();
        Ok(Some(circleplan::gates::GateLayer::load(
            path, options, field,
        )?))
    }
}

/// Builds the study (plane, metric; with a spinner) and measures the baseline coverage.
/// `proposals` are sites a comparison adds (on the plane and in the cost table too).
pub fn analyse(
    args: &MetricArgs,
    input: &super::args::InputArgs,
    mut layers: StudyLayers,
    circle: Circle,
    proposals: Proposals,
    output: &super::args::OutputArgs,
    warnings: &mut Vec<circleplan::Warning>,
) -> Result<(Study, circleplan::Analysis)> {
    let quiet = output.quiet;
    let spec = args.spec()?;
    warnings.extend(args.unused(args.resolved()?));
    layers.gates = args.gate_layer(&input.compound_options()?)?;
    let mut study = super::progress::step("Preparing the metric", quiet, || {
        Study::new(layers, circle, &spec, proposals, warnings)
    })?;
    study.area.output = output.output_coords;
    let analysis = super::progress::step("Computing coverage", quiet, || study.coverage());
    Ok((study, analysis))
}
