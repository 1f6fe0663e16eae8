//! `circleplan site`: where the next centres should go — the K sites that cover most people,
//! or the fewest sites that reach a target share — proven optimal or with a certified gap.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use circleplan::report;
use circleplan::siting::{CandidateSource, Goal, SiteOptions, run_site};
use circleplan::{CentreFields, Centres};

use super::args::{CircleArgs, InputArgs, OutputArgs};
use super::coverage::{Loaded, load, print_summary};

/// Arguments of `site`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  circleplan site --compounds compounds.geojson --centers centers.geojson --candidates candidates.geojson --add 5 -o sites/
  circleplan site --compounds compounds.geojson --centers centers.geojson --candidates auto --target 0.95
  circleplan site --compounds compounds.geojson --candidates auto --add 20 --minutes 10 --standard gb50180")]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    candidate_layer: super::args::CandidateLayerArgs,
    #[command(flatten)]
    circle: CircleArgs,
    #[command(flatten)]
    metric: super::metric::MetricArgs,
    #[command(flatten)]
    output: OutputArgs,
    /// Candidate sites: a GeoJSON/CSV file of points, or `auto` (uncovered compound locations
    /// plus a grid at half the radius).
    #[arg(long, value_name = "FILE|auto")]
    candidates: String,
    /// Add this many new sites, maximising newly covered population.
    #[arg(
        long,
        value_name = "K",
        conflicts_with = "target",
        required_unless_present = "target"
    )]
    add: Option<usize>,
    /// Fewest new sites bringing the covered population share to at least SHARE (0–1].
    #[arg(long, value_name = "SHARE")]
    target: Option<f64>,
    /// Seconds for the optimality proof; the best answer and its certified gap are reported
    /// when it runs out.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    time_limit: f64,
    #[command(flatten)]
    capacity: super::site_capacity::CapacityArgs,
}

/// The goal (the library checks it).
fn goal(args: &Args) -> Result<Goal> {
    Ok(match (args.add, args.target) {
        (Some(k), _) => Goal::Add(k),
        (None, Some(t)) => Goal::Target(t),
        (None, None) => bail!("give --add K or --target SHARE"),
    })
}

/// The candidates layer (`None` for `auto`), read with the centres' options and the
/// capacity field.
fn load_candidates(
    args: &Args,
    warnings: &mut Vec<circleplan::Warning>,
) -> Result<Option<Centres>> {
    Ok(if args.candidates == "auto" {
        None
    } else {
        let path = PathBuf::from(&args.candidates);
        Some(Centres::load(
            &path,
            &args.candidate_layer.options(&args.input)?,
            &CentreFields {
                capacity_field: args.input.capacity_field.clone(),
                ..CentreFields::default()
            },
            warnings,
        )?)
    })
}

/// Runs `site`.
pub fn run(args: Args) -> Result<()> {
    super::check_output_paths(&args.output)?;
    let goal = goal(&args)?;
    let time_limit = circleplan::siting::time_limit(args.time_limit)?;
    let Loaded {
        compounds,
        centres,
        circle,
        mut run,
        ..
    } = super::progress::step("Reading layers", args.output.quiet, || {
        load(&args.input, &args.circle, false)
    })?;
    let file_candidates = load_candidates(&args, &mut run.warnings)?;
    let candidates_path = file_candidates
        .as_ref()
        .map(|_| Path::new(&args.candidates));
    if let (Some(path), Some(c)) = (candidates_path, &file_candidates) {
        run.inputs.push((
            "candidates".into(),
            candidates_info(&args.input, &args.candidate_layer, path, c),
        ));
    }
    let read_paths = super::read_paths(&args.input, &args.metric, candidates_path);
    let (measure, analysis) = super::metric::analyse(
        &args.metric,
        &compounds,
        &centres,
        file_candidates.as_ref(),
        &circle,
        &args.output,
        &mut run.warnings,
    )?;
    let street_nodes: Vec<[f64; 2]> = measure
        .network()
        .map(|(net, _)| (0..net.node_count()).map(|i| net.node_xy(i)).collect())
        .unwrap_or_default();
    let options = SiteOptions {
        goal,
        time_limit,
        candidates: match &file_candidates {
            Some(layer) => CandidateSource::Layer(layer),
            None => CandidateSource::Auto {
                street_nodes: &street_nodes,
            },
        },
        radius_m: circle.radius_m,
        capacity: args.capacity.options(),
    };
    let site_run = super::progress::step("Choosing sites", args.output.quiet, || {
        run_site(&analysis, &measure.costs(), &compounds, &centres, options)
    })?;
    run.warnings.extend(site_run.warnings.iter().cloned());
    let source = match &file_candidates {
        Some(_) => args.candidates.clone(),
        None => "auto".to_string(),
    };
    let layers = report::RunLayers {
        analysis: &analysis,
        compounds: &compounds,
        centres: &centres,
        circle: &circle,
    };
    let (summary, files) = report::site_outputs(&site_run, layers, &run, &source, args.time_limit);
    let mut table = report::summary_table(&analysis, &compounds, &circle, &run.warnings);
    table.push_str(&report::site_table(&site_run, &source));
    let sites = site_run.sites();
    let mut input = report::ReportInput::new(&analysis, &compounds, &centres, &circle, &run);
    input.sites = Some(report::SitesReport {
        plan: &site_run.plan,
        candidates: sites,
        source: &source,
    });
    super::write_outputs(files, &args.output, Some(input), &read_paths, &mut table)?;
    print_summary(args.output.format, &summary.to_json(), &table)
}

/// The summary's record of a candidates layer.
pub(crate) fn candidates_info(
    input: &InputArgs,
    layer: &super::args::CandidateLayerArgs,
    path: &Path,
    c: &Centres,
) -> circleplan::report::LayerInfo {
    super::coverage::layer_info(
        path,
        c.len(),
        c.polygons,
        (input.coords_name(layer.candidates_coords), c.crs.clone()),
    )
}
