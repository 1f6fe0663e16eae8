//! `circleplan gaps`: where the uncovered people are, grouped into zones, each with the best
//! single new-site location.

use anyhow::Result;
use circleplan::gaps::{GapOptions, study_gaps};
use circleplan::report;
use circleplan::{CentreFields, Centres};

use super::args::{CircleArgs, InputArgs, OutputArgs};
use super::coverage::{Loaded, load, print_summary};

/// Arguments of `gaps`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  circleplan gaps --compounds compounds.geojson --centers centers.geojson -o gaps/
  circleplan gaps --compounds c.geojson --centers s.geojson --candidates candidates.geojson --minutes 10")]
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
    /// Candidate sites to consider for each zone's best site (besides the zone's own
    /// compounds).
    #[arg(long, value_name = "FILE")]
    candidates: Option<std::path::PathBuf>,
}

/// Runs `gaps`.
pub fn run(args: Args) -> Result<()> {
    super::check_output_paths(&args.output)?;
    let Loaded {
        compounds,
        centres,
        circle,
        mut run,
        ..
    } = super::progress::step("Reading layers", args.output.quiet, || {
        load(&args.input, &args.circle, true)
    })?;
    let candidates = match &args.candidates {
        Some(path) => Some(Centres::load(
            path,
            &args.candidate_layer.options(&args.input)?,
            &CentreFields::default(),
            &mut run.warnings,
        )?),
        None => None,
    };
    if let (Some(path), Some(c)) = (&args.candidates, &candidates) {
        let info = super::site::candidates_info(&args.input, &args.candidate_layer, path, c);
        run.inputs.push(("candidates".into(), info));
    }
    let (measure, analysis) = super::metric::analyse(
        &args.metric,
        &compounds,
        &centres,
        candidates.as_ref(),
        &circle,
        &args.output,
        &mut run.warnings,
    )?;
    let options = GapOptions {
        sites_at_uncovered_compounds: true,
        candidates: candidates.as_ref(),
    };
    let gaps = study_gaps(
        &analysis,
        &measure.costs(),
        &compounds,
        circle.radius_m,
        options,
    );
    let mut summary = report::Summary::new(&analysis, &compounds, &circle, &run);
    let mut table = report::summary_table(&analysis, &compounds, &circle, &run.warnings);
    table.push_str(&report::gaps_table(&gaps));
    let mut files = circleplan::io::OutputSet::new();
    let (xy, study) = (&analysis.compounds_xy, &analysis.study);
    // Without -o, write_outputs drops the files (and keeps the report).
    summary.gaps = Some(report::GapsSummary::new(&gaps, &compounds));
    files.add("summary.json", summary.to_json().into_bytes());
    report::gaps_outputs(&gaps, &compounds, xy, study, &mut files);
    files.add(
        "compounds.geojson",
        report::compounds_geojson(&compounds, &centres, &analysis, &circle).into_bytes(),
    );
    let inputs = super::read_paths(&args.input, &args.metric, args.candidates.as_deref());
    let mut input = report::ReportInput::new(&analysis, &compounds, &centres, &circle, &run);
    input.gaps = Some(gaps.report());
    super::write_outputs(files, &args.output, Some(input), &inputs, &mut table)?;
    print_summary(args.output.format, &summary.to_json(), &table)
}
