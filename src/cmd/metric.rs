//! The `--metric` flags shared by every command, and setting up the chosen metric: the study
//! plane, then the street network or the cost table read onto it.

use std::path::PathBuf;

use anyhow::{Result, bail};
use circleplan::coverage::Costs;
use circleplan::io::{CostTable, CostUnit, MatrixColumns};
use circleplan::network::{DEFAULT_SNAP_LIMIT_M, StreetNetwork};
use circleplan::{Centres, Circle, Compounds, StudyArea};
use circleplan::{LayerExtent, check_layers_together};
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
    /// Street network for --metric network: an OpenStreetMap extract (.osm.pbf) or a GeoJSON
    /// of LineStrings (a GIS road layer).
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
}

/// The metric, ready to measure: the study plane plus what the metric reads.
pub struct Measure {
    /// The plane every layer is projected onto.
    pub study: StudyArea,
    network: Option<StreetNetwork>,
    table: Option<CostTable>,
    snap_limit_m: f64,
}

impl Measure {
    /// The metric as the library takes it.
    pub fn costs(&self) -> Costs<'_> {
        match (&self.network, &self.table) {
            (Some(network), _) => Costs::Network {
                network,
                snap_limit_m: self.snap_limit_m,
            },
            (_, Some(table)) => Costs::Matrix { table },
            _ => Costs::Euclidean,
        }
    }

    /// The street network and snap limit, for the network metric.
    pub fn network(&self) -> Option<(&StreetNetwork, f64)> {
        self.network.as_ref().map(|n| (n, self.snap_limit_m))
    }

    /// The files the metric read (so outputs never overwrite them).
    pub fn inputs(args: &MetricArgs) -> Vec<&std::path::Path> {
        args.network
            .iter()
            .chain(args.matrix.iter())
            .map(PathBuf::as_path)
            .collect()
    }
}

/// The run's non-empty layers with their roles and files.
fn layer_extents<'a>(
    compounds: &'a Compounds,
    centres: &'a Centres,
    candidates: Option<&'a Centres>,
) -> Vec<LayerExtent<'a>> {
    let mut extents = vec![LayerExtent {
        name: "compounds",
        path: &compounds.path,
        lonlat: &compounds.lonlat,
    }];
    for (name, layer) in [("centers", Some(centres)), ("candidates", candidates)] {
        if let Some(layer) = layer.filter(|l| !l.is_empty()) {
            extents.push(LayerExtent {
                name,
                path: &layer.path,
                lonlat: &layer.lonlat,
            });
        }
    }
    extents
}

/// Chooses the study plane for all layers and reads the network or cost table.
pub fn prepare(
    args: &MetricArgs,
    compounds: &Compounds,
    centres: &Centres,
    candidates: Option<&Centres>,
    circle: &Circle,
    warnings: &mut Vec<circleplan::Warning>,
) -> Result<Measure> {
    let extents = layer_extents(compounds, centres, candidates);
    check_layers_together(&extents)?;
    let layers: Vec<(&str, &[[f64; 2]])> = extents.iter().map(|l| (l.name, l.lonlat)).collect();
    let study = StudyArea::new(&layers, warnings);
    let mut measure = Measure {
        study,
        network: None,
        table: None,
        snap_limit_m: args.snap_limit,
    };
    let metric = args.resolved()?;
    warnings.extend(args.unused(metric));
    match metric {
        MetricName::Euclidean => {}
        MetricName::Network => {
            let Some(path) = &args.network else {
                bail!(
                    "--metric network needs --network FILE (an .osm.pbf extract or a GeoJSON of streets)"
                );
            };
            if !(args.snap_limit.is_finite() && args.snap_limit >= 0.0) {
                bail!(
                    "invalid --snap-limit {}: must be a number ≥ 0",
                    args.snap_limit
                );
            }
            let network = StreetNetwork::read(path, &measure.study.plane, args.node_crossings)?;
            let xy = measure.study.project(&compounds.lonlat);
            network.check_overlap(path, &xy, args.snap_limit)?;
            measure.network = Some(network);
        }
        MetricName::Matrix => {
            let Some(path) = &args.matrix else {
                bail!("--metric matrix needs --matrix FILE.csv (site, compound, cost columns)");
            };
            let mut site_ids: Vec<&str> = centres.ids.iter().map(String::as_str).collect();
            if let Some(c) = candidates {
                site_ids.extend(c.ids.iter().map(String::as_str));
            }
            measure.table = Some(CostTable::read(
                path,
                &args.matrix_columns,
                args.matrix_unit,
                circle.speed_kmh,
                &compounds.ids,
                &site_ids,
            )?);
        }
    }
    Ok(measure)
}

/// Prepares the metric (with a spinner) and runs the coverage analysis under it.
pub fn analyse(
    args: &MetricArgs,
    compounds: &Compounds,
    centres: &Centres,
    candidates: Option<&Centres>,
    circle: &Circle,
    output: &super::args::OutputArgs,
    warnings: &mut Vec<circleplan::Warning>,
) -> Result<(Measure, circleplan::Analysis)> {
    let quiet = output.quiet;
    let mut measure = super::progress::step("Preparing the metric", quiet, || {
        prepare(args, compounds, centres, candidates, circle, warnings)
    })?;
    measure.study.output = output.output_coords;
    let analysis = super::progress::step("Computing coverage", quiet, || {
        circleplan::Analysis::new(measure.study, &measure.costs(), compounds, centres, circle)
    });
    Ok((measure, analysis))
}
