//! `circleplan gaps`: where the uncovered people are, grouped into zones, each with the best
//! single new-site location.

use anyhow::Result;
use circleplan::gaps::{choose_best_sites, gap_zones};
use circleplan::report::{self, SiteList};
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
    let (measure, analysis) = super::metric::analyse(
        &args.metric,
        &compounds,
        &centres,
        candidates.as_ref(),
        &circle,
        &args.output,
        &mut run.warnings,
    )?;
    let costs = measure.costs();
    let covered = analysis.coverage.covered();
    let link_m = 2.0 * circle.radius_m;
    let mut zones = gap_zones(
        &analysis.compounds_xy,
        &compounds.population,
        &covered,
        link_m,
    );
    // Potential sites: every uncovered compound's location, then the candidates.
    let mut site_ids: Vec<String> = Vec::new();
    let mut site_lonlat: Vec<[f64; 2]> = Vec::new();
    for (i, c) in covered.iter().enumerate() {
        if !c {
            site_ids.push(compounds.ids[i].clone());
            site_lonlat.push(compounds.lonlat[i]);
        }
    }
    if let Some(c) = &candidates {
        site_ids.extend(c.ids.iter().cloned());
        site_lonlat.extend(c.lonlat.iter().copied());
    }
    let site_xy = analysis.study.project(&site_lonlat);
    let site_cover = costs
        .coverage(
            &analysis.compounds_xy,
            &site_xy,
            &site_ids,
            &vec![circle.radius_m; site_xy.len()],
        )
        .0
        .by_compound
        .transpose();
    choose_best_sites(&mut zones, &site_cover, &compounds.population);
    let sites = SiteList {
        ids: &site_ids,
        lonlat: &site_lonlat,
    };
    let mut summary = report::summary_value(&analysis, &compounds, &circle, &run);
    summary["gaps"] = report::gaps_value(&zones, &compounds, sites, link_m);
    let mut table = report::summary_table(&analysis, &compounds, &circle, &run.warnings);
    table.push_str(&format!(
        "\n{} gap zones (compounds within {:.0} m of each other share a zone):\n",
        zones.len(),
        link_m
    ));
    let rows: Vec<Vec<String>> = zones
        .iter()
        .enumerate()
        .take(15)
        .map(|(z, zone)| {
            vec![
                report::zone_id(z),
                format!("{:.0}", zone.population),
                zone.compounds.len().to_string(),
                zone.best_site
                    .map(|(s, p)| format!("{} (+{:.0})", site_ids[s as usize], p))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    table.push_str(&report::render_table(
        &[
            "zone",
            "population",
            "compounds",
            "best new site (+population)",
        ],
        &rows,
    ));
    if zones.len() > 15 {
        table.push_str(&format!("  … and {} smaller zones\n", zones.len() - 15));
    }
    if let Some(dir) = &args.output.output {
        let mut files = circleplan::io::OutputSet::new();
        files.add("summary.json", report::pretty_json(&summary).into_bytes());
        files.add(
            "gaps.geojson",
            report::gaps_geojson(
                &zones,
                &compounds,
                &analysis.compounds_xy,
                &analysis.study,
                sites,
                circle.radius_m / 4.0,
            )
            .into_bytes(),
        );
        files.add(
            "compounds.geojson",
            report::compounds_geojson(&compounds, &centres, &analysis, &circle).into_bytes(),
        );
        let inputs = super::read_paths(&args.input, &args.metric, args.candidates.as_deref());
        super::commit(&files, dir, &inputs, &mut table)?;
    }
    if let Some(path) = &args.output.report {
        let inputs = super::read_paths(&args.input, &args.metric, args.candidates.as_deref());
        let mut input = report::ReportInput::new(&analysis, &compounds, &centres, &circle, &run);
        input.gaps = Some(report::GapsReport {
            zones: &zones,
            sites,
            link_m,
            outline_buffer_m: circle.radius_m / 4.0,
        });
        let (lang, quiet) = (args.output.lang, args.output.quiet);
        table.push_str(&super::html::emit(path, input, lang, quiet, &inputs)?);
    }
    print_summary(args.output.format, &summary, &table)
}
