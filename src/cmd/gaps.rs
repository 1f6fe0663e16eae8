//! `circleplan gaps`: where the uncovered people are, grouped into zones, each with the best
//! single new-site location.

use anyhow::Result;
use circleplan::CentreFields;
use circleplan::coverage::SwitchSite;
use circleplan::report;

use super::args::CandidateRunArgs;
use super::coverage::print_summary;
use super::site::study_with_candidates;

/// Arguments of `gaps`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  circleplan gaps --compounds compounds.geojson --centers centers.geojson -o gaps/
  circleplan gaps --compounds c.geojson --centers s.geojson --candidates candidates.geojson --minutes 10")]
pub struct Args {
    #[command(flatten)]
    layers: CandidateRunArgs,
    /// Candidate sites to consider for each zone's best site (besides the zone's own
    /// compounds).
    #[arg(long, value_name = "FILE")]
    candidates: Option<std::path::PathBuf>,
}

/// Runs `gaps`.
pub fn run(args: Args) -> Result<()> {
    let common = &args.layers.common;
    super::check_output_paths(&common.output)?;
    let layer = args
        .candidates
        .as_deref()
        .map(|p| (p, CentreFields::default()));
    let s = study_with_candidates(&args.layers, true, layer)?;
    let (compounds, circle) = (&s.study.compounds, &s.study.circle);
    let gaps = s.study.gaps(&s.analysis, true);
    let layers = report::RunLayers {
        analysis: &s.analysis,
        compounds,
        centres: &s.study.centres,
        circle,
    };
    // Without -o, write_outputs drops the files (and keeps the report).
    let (summary, files) = report::gap_study_outputs(layers, &s.run, &gaps);
    let mut table = report::summary_table(&s.analysis, compounds, circle, &s.run.warnings);
    table.push_str(&report::gaps_table(&gaps));
    let inputs = super::read_paths(
        &args.layers.input,
        &common.metric,
        args.candidates.as_deref(),
    );
    let mut input =
        report::ReportInput::new(&s.analysis, compounds, &s.study.centres, circle, &s.run);
    input.gaps = Some(gaps.report());
    input.network = s.study.network();
    input.network_source = (common.metric.network.as_deref()).map(|p| p.display().to_string());
    // The what-if data only feeds the page.
    let what_if = common.output.report.is_some().then(|| {
        s.study
            .what_if(&s.analysis, &switch_sites(&gaps, circle.budget_m()))
    });
    input.what_if = what_if.as_ref();
    super::write_outputs(files, &common.output, Some(input), &inputs, &mut table)?;
    print_summary(common.output.format, &summary.to_json(), &table)
}

/// The report's what-if sites: each zone's best site, off.
fn switch_sites(gaps: &circleplan::gaps::GapStudy, radius_m: f64) -> Vec<SwitchSite> {
    let mut seen = std::collections::HashSet::new();
    gaps.zones
        .iter()
        .filter_map(|z| z.best_site.map(|(s, _)| s as usize))
        .filter(|&s| seen.insert(s))
        .map(|s| SwitchSite {
            id: gaps.site_ids[s].clone(),
            lonlat: gaps.site_lonlat[s],
            budget_m: radius_m,
            existing: None,
            on: false,
            kind: "gap",
        })
        .collect()
}
